"""hvmon: follow, watch, page, serve (docs/operations.md)."""
import argparse
import json
import os
import sys
import time


def pairs(items, what):
    out = {}
    for it in items or []:
        name, sep, val = it.partition("=")
        if not sep:
            raise SystemExit(f"hvmon: {what} wants NAME=VALUE, got {it!r}")
        out[name] = val
    return out


def live_options(ap):
    ap.add_argument("sources", nargs="+", help="[NAME=]PATH | tcp:HOST:PORT | unix:PATH")
    ap.add_argument("--t2", type=float, default=5.0,
                    help="seconds of silence (stat_ms set, not stopped) that make an instance dead")
    ap.add_argument("--qmp", action="append", metavar="INSTANCE=SOCKET",
                    help="QMP socket of an instance (unix path or tcp:HOST:PORT)")
    ap.add_argument("--relaunch", action="append", metavar="INSTANCE=COMMAND",
                    help="command that starts the instance again (after QMP quit)")
    ap.add_argument("--restart", choices=("reset", "relaunch"), default="reset",
                    help="how a dead instance is restarted (default: QMP system_reset)")
    ap.add_argument("--journal", metavar="FILE", help="hvmon's own record (JSON lines)")
    ap.add_argument("--duration", type=float, help="stop after this many seconds")
    ap.add_argument("--no-follow", action="store_true",
                    help="read files to their end and stop (no tail -f)")
    ap.add_argument("--status", metavar="FILE",
                    help="write the fleet's state (JSON) twice a second and at the end")
    ap.add_argument("--capture", metavar="DIR", help="keep each source's raw bytes in DIR")
    ap.add_argument("--key", metavar="FILE", help="the control key (64 hex digits) the instances "
                    "were built with: send them status queries (docs/control.md)")
    ap.add_argument("--query-interval", type=float, default=2.0, metavar="T1",
                    help="seconds between two status queries to an instance (default 2)")
    ap.add_argument("--query-deadline", type=float, metavar="S",
                    help="seconds an answer may take before the instance is faulty "
                    "(default T1/2)")


def make_monitor(a, on_record=None):
    from .monitor import Monitor
    from .prober import Prober
    prober = None
    if a.key:
        from hvctl import read_key
        prober = Prober(key=read_key(a.key), t1=a.query_interval, deadline=a.query_deadline)
    journal = open(a.journal, "a") if a.journal else None
    if a.capture:
        os.makedirs(a.capture, exist_ok=True)
    return Monitor(a.sources, t2=a.t2, follow=not a.no_follow, journal=journal,
                   qmp=pairs(a.qmp, "--qmp"), relaunch=pairs(a.relaunch, "--relaunch"),
                   restart_mode=a.restart, prober=prober, on_record=on_record, capture=a.capture,
                   status_cb=(lambda fl: write_status(a, fl)) if a.status else None)


def write_status(a, fleet):
    if a.status:
        tmp = a.status + ".tmp"
        with open(tmp, "w") as f:
            json.dump(fleet.snapshot(), f, indent=1, sort_keys=True)
        os.replace(tmp, a.status)


def cmd_follow(a):
    out = sys.stdout

    def on_record(label, o):
        if a.records:
            out.write(json.dumps(dict(o, source=label)) + "\n")
            out.flush()
    m = make_monitor(a, on_record)
    if not a.journal:  # hvmon's own records go to standard output then
        m.fleet.journal = out
    t0 = time.process_time()
    fleet = m.run(duration=a.duration)
    cpu = time.process_time() - t0
    write_status(a, fleet)
    if a.cpu_report:
        print(json.dumps({"cpu_s": round(cpu, 3), "bytes": m.bytes_in,
                          "instances": len(fleet.instances)}), file=sys.stderr)
    return 0


def cmd_watch(a):
    from .watch import run_watch
    m = make_monitor(a)
    return run_watch(m, a)


def cmd_page(a):
    from .monitor import load_files
    from .page import render
    fleet = load_files(a.logs)
    html = render(fleet, title=a.title)
    with open(a.output, "w") as f:
        f.write(html)
    print(f"hvmon page: {a.output}: {len(fleet.instances)} instance(s)")
    return 0


def cmd_serve(a):
    from .metrics import serve
    m = make_monitor(a)
    return serve(m, a)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="hvmon", description="Operations side of the hypervisor's "
                                 "report stream: follow instances, watch, page, serve metrics.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("follow", help="follow sources; print hvmon's own records")
    live_options(p)
    p.add_argument("--records", action="store_true", help="also print every record (JSON)")
    p.add_argument("--cpu-report", action="store_true", help="print hvmon's CPU time at the end")
    p.set_defaults(func=cmd_follow)
    p = sub.add_parser("watch", help="live terminal view")
    live_options(p)
    p.set_defaults(func=cmd_watch)
    p = sub.add_parser("page", help="diagnosis page: one self-contained HTML file")
    p.add_argument("logs", nargs="+", help="captured logs ([NAME=]PATH)")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--title", default="hvmon diagnosis")
    p.set_defaults(func=cmd_page)
    p = sub.add_parser("serve", help="Prometheus /metrics for the followed instances")
    live_options(p)
    p.add_argument("--metrics-port", type=int, required=True)
    p.add_argument("--metrics-addr", default="127.0.0.1")
    p.set_defaults(func=cmd_serve)
    a = ap.parse_args(argv)
    import signal

    def term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, term)
    try:
        return a.func(a)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
