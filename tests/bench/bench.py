#!/usr/bin/env python3
"""make bench: costs measured in Bochs instruction ticks (exact: with
clock sync=none the guest TSC counts executed instructions) on VMX and
SVM, and in TSC cycles under QEMU TCG where that is meaningful.
Prints one table; the README quotes it."""
import argparse
import collections
import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import run as e2e  # noqa: E402
import sidebyside  # noqa: E402

END = e2e.STOPPED
RESTARTED = e2e.RESTARTED


def guest_value(run, key):
    if run is None:
        return None
    m = re.search(rf"^guest: bench .*\b{key}=(\d+)", run.com2, re.M)
    return int(m.group(1)) if m else None


def field(run, cat, name, key):
    """The value of `key` in the first such record that has it."""
    if run is None:
        return None
    for rec in e2e.find(run, cat, name):
        if key in rec["fields"]:
            return int(rec["fields"][key])
    return None


def plan(emu):
    p = [("null", Run(emu, "null", "maxticks=300", "hello bench_null", END))]
    for wd in (0, 1, 10, 100) if emu.startswith("bochs") else ():
        p.append((f"work{wd}", Run(emu, f"work-wd{wd}", f"wd_ms={wd} maxticks=60000",
                                   "hello bench_work", r"guest: bench work_tsc", com2=True)))
    p.append(("lockup", Run(emu, "cli-spin", "", "hello spin@1", RESTARTED)))
    p.append(("hang", Run(emu, "nmi-hang", "", "hello nmihang@1", RESTARTED)))
    p.append(("report", Run(emu, "report", "maxticks=400", "hello badreport", END)))
    return p


# The watchdog's overhead on a Linux guest with the stub (hvstub.ko): a
# CPU-bound shell loop (guest-linux/init, hvdemo=bench) between two reads
# of port 0x216, which the hypervisor logs with its time, with the
# watchdog off, every 100 ms and every 10 ms.  Under QEMU with -icount
# shift=0 the emulated clock (the TSC the hypervisor reads) advances one
# nanosecond per executed instruction, guest's and hypervisor's alike:
# while the loop runs (the CPU never idle) the span counts the
# instructions it took with whatever the watchdog added to it, whatever
# the host's load.  As under Bochs, a world switch (VMRUN, #VMEXIT) counts
# as one instruction.  Such a run may stall (the guest idle, the emulated
# clock standing still: seen with the watchdog off); the timeout ends it
# and its row says None.
LINUX_WD = (0, 100, 10)


def linux_plan(build):
    assets = e2e.linux_assets(build)
    if assets is None:
        return []
    p = []
    for wd in LINUX_WD:
        r = e2e.Run(f"bench-qemu-iso-linux-wd{wd}", "qemu-iso",
                    f"onstop=exit policy=linux_stub wd_ms={wd} wd_k=10 maxticks=600000",
                    e2e.LINUX_CMDLINE + " hvdemo=bench", r"guest stopped: guest powered off",
                    guest_bytes=assets[0], initrd=assets[1], memory=512, timeout=400)
        r.qemu_extra = ["-icount", "shift=0"]
        p.append((f"linux{wd}", r))
    return p


def linux_span(run):
    """The loop's span in ns (= instructions under -icount shift=0)."""
    if run is None:
        return None
    marks = e2e.find(run, "event", "blocked_io", port="0x216", access="in")
    # one boot, both marks, the loop finished: a run the watchdog reset
    # (or that stalled) gives no figure
    if len(marks) != 2 or e2e.find(run, "action", "reset") or \
            not e2e.has(run.com2, r"^linux-demo: bench done"):
        return None
    return (marks[1]["t_us"] - marks[0]["t_us"]) * 1000


def linux_rows(results):
    r = collections.defaultdict(lambda: None, results)
    base = linux_span(r["linux0"])
    rows = [("Linux guest + hvstub.ko, shell loop, watchdog off",
             f"{base / 1e9 if base else None} s of -icount time")]
    for wd in LINUX_WD[1:]:
        w = linux_span(r[f"linux{wd}"])
        rows.append((f"  watchdog every {wd} ms",
                     f"{w / 1e9 if w else None} s ({percent(w, base)})"))
    return rows


def Run(emu, name, extra, guest, end, com2=False):
    r = e2e.Run(f"bench-{emu}-{name}", emu, f"onstop=exit {extra} maxticks=8000".replace("  ", " "),
                guest, end)
    r.end_on_com2 = com2
    return r


def percent(with_wd, without):
    if with_wd is None or not without:
        return "n/a"
    return f"{100.0 * (with_wd - without) / without:+.2f} %"


def summarize(emu, results):
    r = collections.defaultdict(lambda: None, results)
    unit = "instr" if emu.startswith("bochs") else "TSC"
    rows = []
    rows.append(("null hypercall round trip", f"{guest_value(r['null'], 'null_round_trip_tsc')} {unit}"))
    rows.append(("report -> decision (exit to decision)",
                 f"{field(r['report'], 'decision', 'match', 'exit_to_decision_tsc')} {unit}"))
    if emu.startswith("bochs"):
        base = guest_value(r["work0"], "work_tsc")
        rows.append(("CPU-bound workload, watchdog off", f"{base} {unit}"))
        for wd in (1, 10, 100):
            w = guest_value(r[f"work{wd}"], "work_tsc")
            rows.append((f"  watchdog every {wd} ms", f"{w} {unit} ({percent(w, base)})"))
    else:
        rows.append(("watchdog overhead", "not measured: TCG time is wall-clock noise"))
    rows.append(("soft lockup (cli; jmp .) detected after",
                 f"{field(r['lockup'], 'event', 'soft_lockup', 'latency_periods')} periods "
                 f"({field(r['lockup'], 'event', 'soft_lockup', 'latency_us')} us)"))
    rows.append(("hang (NMI handler never returns) detected after",
                 f"{field(r['hang'], 'event', 'hang', 'latency_periods')} periods "
                 f"({field(r['hang'], 'event', 'hang', 'latency_us')} us)"))
    rows.append(("reset cost (reload, clear RAM, reset vCPU)",
                 f"{field(r['lockup'], 'action', 'reset', 'cost_tsc')} {unit}"))
    rows.append(("fault-to-hello gap (incl. 100 ms back-off)",
                 f"{field(r['lockup'], 'outcome', 'restart', 'gap_tsc')} {unit} "
                 f"({field(r['lockup'], 'outcome', 'restart', 'gap_ms')} ms)"))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--emu", default="bochs-vmx,bochs-svm,qemu-iso",
                    help="comma-separated emulators (default: all three)")
    ap.add_argument("--rows", default="",
                    help="comma-separated runs to make (null, work0, work1, work10, work100, "
                         "lockup, hang, report, linux0, linux100, linux10, or linux for the "
                         "three, sidebyside); default: all; rows not run print n/a")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    e2e.DECODER = os.path.join(build, "tools", "hvlog-decode")
    emus = args.emu.split(",")
    keep = set(args.rows.split(",")) if args.rows else None
    jobs = [(emu, key, run) for emu in emus for key, run in plan(emu)
            if keep is None or key in keep]
    if "qemu-iso" in emus:
        jobs += [("linux", key, run) for key, run in linux_plan(build)
                 if keep is None or key in keep or "linux" in keep]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda j: e2e.execute(j[2], build), jobs))
    print()
    print("Watchdog hypervisor bench (make bench); Bochs: exact instruction ticks "
          "(ips=10M, clock sync=none); QEMU TCG: TSC cycles, wall-clock based")
    print("period K=2 watchdog 100 ms unless noted; guest timer 2 ms; hypervisor tick 1 ms")
    for emu in emus:
        rows = summarize(emu, [(k, r) for e, k, r in jobs if e == emu])
        print(f"\n{emu}")
        for name, value in rows:
            print(f"  {name:<48} {value}")
    linux = [(k, r) for e, k, r in jobs if e == "linux"]
    if linux:
        print("\nqemu-iso, Linux guest (-icount shift=0: 1 ns per instruction)")
        for name, value in linux_rows(linux):
            print(f"  {name:<48} {value}")
    if "qemu-iso" in emus and (keep is None or "sidebyside" in keep):
        sidebyside.main(build)
    return 0


if __name__ == "__main__":
    sys.exit(main())
