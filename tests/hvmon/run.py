"""hvmon's tests (make hvmon-test; docs/operations.md).

  run.py --build build [--only REGEX] [--no-qemu]

Prints PASS/FAIL lines, writes BUILD/hvmon/summary.txt "hvmon <passed>
<failed>".  Groups: parser (hvmon's parsing == hvlog-decode's), model,
live sources (file being written, pty, unix and tcp sockets), silence and
restart (a fake QMP server), page (headless Chromium through
chromedriver), promtool (alert rules), prometheus (a real server scrapes
hvmon serve), fleet (three QEMU instances at once), queries (status
queries over the control channel: a fake instance, and one under QEMU).
"""
import argparse
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(HERE, "fixtures")
sys.path.insert(0, os.path.join(ROOT, "tools"))


class Results:
    def __init__(self):
        self.passed = self.failed = 0
        self.notes = []

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS hvmon: {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL hvmon: {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def note(self, text):
        print(f"     {text}", flush=True)
        self.notes.append(text)


def hvmon(build, *args, **kw):
    return subprocess.run([os.path.join(build, "tools", "hvmon")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def status_of(build, *logs):
    with tempfile.TemporaryDirectory() as d:
        st = os.path.join(d, "st.json")
        p = hvmon(build, "follow", "--no-follow", "--status", st, *logs)
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        with open(st) as f:
            return json.load(f)


# ---- parser: one definition of the format --------------------------------------

def test_parser(res, build):
    from hvmon import parse
    os.environ["HVMON_LIBHVLOG"] = os.path.join(build, "tools", "libhvlog.so")
    logs = sorted(glob.glob(os.path.join(ROOT, "tests", "tools", "samples", "*.log")) +
                  glob.glob(os.path.join(FIX, "*.log")))
    # the decoder tests' robustness input, if tools-test made it
    logs += [p for p in glob.glob(os.path.join(build, "tools", "test", "*.log"))]
    bad = []
    for log in logs:
        p = subprocess.run([os.path.join(build, "tools", "hvlog-decode"), log],
                           stdout=subprocess.PIPE)
        want = [json.loads(l) for l in p.stdout.decode().splitlines()]
        got = parse.decode_file(log)
        if got != want:
            bad.append(os.path.basename(log))
    res.check(f"hvmon's decoding == hvlog-decode's on {len(logs)} logs (samples, fixtures, "
              "the decoder tests' generated logs)", not bad and len(logs) >= 9, str(bad))
    # fed in odd chunks, the stream splitter gives the same as whole lines
    data = open(os.path.join(FIX, "beta.log"), "rb").read() + b"A" * 40000 + b"\n"
    sp, lines = parse.LineSplitter(), []
    for i in range(0, len(data), 7):
        lines += sp.feed(data[i:i + 7])
    lines += sp.flush()
    whole = data.split(b"\n")[:-1]
    whole[-1] = whole[-1][-(8192 + (40000 - 16384 - 1) % 8192 + 1):]
    res.check("the live line splitter cuts a stream fed in 7-byte chunks like the decoder",
              lines == whole, f"{len(lines)} vs {len(whole)}")
    # a damaged record: crc error and a gap, like the decoder
    dec = parse.StreamDecoder()
    recs = [l for l in data.split(b"\n") if b"HV1 " in l][:6]
    recs[3] = recs[3].replace(b"info", b"inf0", 1)
    out = []
    for l in recs:
        out += dec.feed(l)
    res.check("a damaged record: one crc error, then a gap of 1",
              dec.s["crc_errors"] == 1 and dec.s["gaps"] == 1 and dec.s["missing"] == 1,
              json.dumps(dec.s))


# ---- model: what hvmon makes of a known log -------------------------------------

def test_model(res, build):
    st = status_of(build, os.path.join(FIX, "alpha.log"), os.path.join(FIX, "beta.log"))
    a, b = st.get("alpha", {}), st.get("beta", {})
    res.check("instances named by their identity record: alpha, beta", sorted(st) == ["alpha", "beta"],
              str(sorted(st)))
    res.check("alpha: no fault, no alarm, its last stat cpu shares, ended at the stop line",
              a.get("faults") == {} and a.get("alarms") == [] and a.get("cpu") == [99.1, 0.9, 0.0]
              and a.get("state") == "ended" and a.get("interval_ms") is not None, json.dumps(a)[:300])
    inc = b.get("incidents") or [{}]
    res.check("beta: one hang fault, guest reset once (reset scheduled + done), latency 409053 us",
              b.get("faults") == {"hang": 1} and b.get("restarts", {}).get("guest") == 1 and
              b.get("actions") == {"reset scheduled": 1, "reset done": 1} and
              b.get("latencies_us") == [409053], json.dumps(b)[:400])
    res.check("beta: incident 1 chain event→decision→alarm→regs→collector→actions→outcome, "
              "closed (restart_confirmed), alarm cleared",
              [s["cat"] for s in inc[0].get("steps", [])] ==
              ["event", "decision", "alarm", "event", "event", "action", "action", "outcome",
               "alarm"] and inc[0].get("state") == "closed" and
              inc[0].get("why") == "restart_confirmed" and inc[0]["regs"]["rip"] == "0x102d50"
              and b["open_alarms"] == 0 and b["alarms"][0]["cleared"], json.dumps(inc)[:400])
    # Today's format: the rule's evidence (event regs, event collector) ends
    # in incident=<n> like the rest of the chain, and is filed under it.
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "beta.log")
        with open(log, "wb") as f:
            f.writelines(with_incident(l, b"1") if re.match(rb"HV1 \d+ \d+ info event (regs|collector) ", l)
                         else l for l in lines_of(os.path.join(FIX, "beta.log")))
        inc = (status_of(build, log).get("beta", {}).get("incidents") or [{}])[0]
    res.check("event regs and event collector with incident=1: filed under incident 1, their "
              "values without the key",
              len(inc.get("steps", [])) == 9 and (inc.get("regs") or {}).get("rip") == "0x102d50"
              and "incident" not in inc["regs"]
              and (inc.get("collector") or {}).get("guest_ticks") == "0", json.dumps(inc)[:400])


def with_incident(line, n):
    """A record line with " incident=<n>" added to its text, framed again."""
    body = line.rstrip(b"\r\n").rsplit(b" *", 1)[0] + b" incident=" + n
    return body + b" *%08x\n" % zlib.crc32(body)


# ---- live sources ---------------------------------------------------------------

def lines_of(path):
    return [l + b"\n" for l in open(path, "rb").read().split(b"\n") if l]


class Follower:
    """hvmon follow in the background, its journal and status files."""

    def __init__(self, build, work, sources, *extra):
        self.journal = os.path.join(work, "journal.jsonl")
        self.status = os.path.join(work, "status.json")
        self.p = subprocess.Popen([os.path.join(build, "tools", "hvmon"), "follow",
                                   "--journal", self.journal, "--status", self.status] +
                                  list(extra) + list(sources),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def finish(self, timeout=30):
        try:
            _, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, err = self.p.communicate()
        st = json.load(open(self.status)) if os.path.exists(self.status) else {}
        jr = [json.loads(l) for l in open(self.journal)] if os.path.exists(self.journal) else []
        return st, jr, err


def feed_slowly(write, lines, delay=0.01):
    for l in lines:
        write(l)
        time.sleep(delay)


def test_live(res, build, work):
    beta = lines_of(os.path.join(FIX, "beta.log"))
    # a file still being written: half before hvmon starts, half after
    path = os.path.join(work, "growing.log")
    with open(path, "wb") as f:
        f.writelines(beta[:10])
    fo = Follower(build, work, [path], "--duration", "3")
    time.sleep(0.8)
    with open(path, "ab") as f:
        def w(l):
            f.write(l)
            f.flush()
        feed_slowly(w, beta[10:])
    st, _, err = fo.finish()
    b = st.get("beta", {})
    res.check("a file still being written (tail -f): every record, the hang incident closed",
              b.get("records") == 40 and b.get("faults") == {"hang": 1} and
              b.get("open_alarms") == 0, err[-300:] or json.dumps(b)[:200])
    # a pty: hvmon reads the slave side
    master, slave = os.openpty()
    sname = os.ttyname(slave)
    import tty
    tty.setraw(slave)
    fo = Follower(build, work, [f"ptyinst={sname}"], "--duration", "3")
    time.sleep(0.8)
    feed_slowly(lambda l: os.write(master, l.replace(b"\n", b"\r\n")), beta)
    st, _, err = fo.finish()
    os.close(master)
    os.close(slave)
    res.check("a pty: every record, the instance named beta",
              st.get("beta", {}).get("records") == 40, err[-300:] or json.dumps(st)[:200])
    # unix and tcp sockets, as QEMU's -serial ...,server=on: hvmon connects
    for kind in ("unix", "tcp"):
        if kind == "unix":
            addr = os.path.join(work, "com1.sock")
            srv = socket.socket(socket.AF_UNIX)
            srv.bind(addr)
            spec = f"unix:{addr}"
        else:
            srv = socket.socket()
            srv.bind(("127.0.0.1", 0))
            spec = f"tcp:127.0.0.1:{srv.getsockname()[1]}"
        srv.listen(1)
        fo = Follower(build, work, [spec], "--duration", "3")
        srv.settimeout(5)
        try:
            c, _ = srv.accept()
            feed_slowly(c.sendall, beta)
            c.close()
        except OSError as e:
            print("   ", kind, e)
        st, _, err = fo.finish()
        srv.close()
        res.check(f"a {kind} socket (QEMU -serial {kind}:...,server=on): every record",
                  st.get("beta", {}).get("records") == 40, err[-300:] or json.dumps(st)[:200])


# ---- silence: dead, restart through QMP (a fake QMP server) --------------------

class FakeQmp(threading.Thread):
    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.commands = path, []
        self.srv = socket.socket(socket.AF_UNIX)
        self.srv.bind(path)
        self.srv.listen(4)

    def run(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            f = c.makefile("rwb")
            f.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
            f.flush()
            for line in f:
                cmd = json.loads(line)["execute"]
                self.commands.append(cmd)
                f.write(b'{"return": {}}\n')
                f.flush()
            c.close()


def test_silence(res, build, work):
    alpha = lines_of(os.path.join(FIX, "alpha.log"))
    # identity and a few stat cpu records, then silence (no stop line)
    head = [l for l in alpha if b" stat cpu " in l or b"identity" in l or b"starting" in l][:5]
    path = os.path.join(work, "silent.log")
    open(path, "wb").close()
    qmp = FakeQmp(os.path.join(work, "qmp.sock"))
    qmp.start()
    fo = Follower(build, work, [path], "--t2", "1.0", "--qmp", f"alpha={qmp.path}",
                  "--duration", "4")
    time.sleep(0.5)
    with open(path, "ab") as f:
        f.writelines(head)
    t_last = time.time()
    st, jr, err = fo.finish()
    dead = [j for j in jr if j.get("what") == "dead"]
    acts = [j for j in jr if j.get("what") == "action"]
    det = dead[0]["t"] - t_last if dead else None
    res.check("a silent instance (stat_ms set, no record for longer than T2=1 s) is marked dead, "
              "with an alarm", bool(dead) and st.get("alpha", {}).get("dead") and
              any(a["text"].startswith("hvmon dead") for a in st["alpha"]["alarms"]),
              err[-300:] or json.dumps(jr))
    res.check("detection within T2 + 0.5 s of its last record",
              det is not None and 1.0 <= det + 0.15 and det <= 1.5, str(det))
    res.check("restarted through QMP: system_reset sent, the action in hvmon's own record",
              qmp.commands == ["qmp_capabilities", "system_reset"] and bool(acts) and
              acts[0]["how"] == "qmp system_reset" and st["alpha"]["restarts"]["hvmon"] == 1,
              f"{qmp.commands} {acts}")
    if det is not None:
        res.note(f"dead-instance detection (fake stream, T2=1 s): {det:.2f} s after its last record")
    # a stopped instance (stop line) going silent is not dead
    os.makedirs(os.path.join(work, "ended"))
    fo = Follower(build, os.path.join(work, "ended"), [os.path.join(FIX, "alpha.log")], "--t2",
                  "0.5", "--duration", "1.5")
    st2, jr2, _ = fo.finish()
    res.check("an instance that ended (its stop line) and then is silent is not dead",
              not [j for j in jr2 if j.get("what") == "dead"] and
              st2.get("alpha", {}).get("state") == "ended", json.dumps(jr2))
    qmp.srv.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    out = os.path.join(build, "hvmon")
    os.makedirs(out, exist_ok=True)
    res = Results()
    import groups  # noqa: F401  (the slower groups, tests/hvmon/groups.py)
    import queries  # status queries (tests/hvmon/queries.py)
    tests = [("parser", test_parser), ("model", test_model), ("live", test_live),
             ("silence", test_silence)] + queries.TESTS + groups.TESTS
    for name, fn in tests:
        if not re.search(a.only, name):
            continue
        work = os.path.join(out, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        t0 = time.time()
        try:
            if fn.__code__.co_argcount == 2:
                fn(res, build)
            else:
                fn(res, build, work)
        except Exception:
            res.check(f"{name}: ran without an exception", False, traceback.format_exc()[-800:])
        print(f"     {name}: {time.time() - t0:.1f} s", flush=True)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(f"hvmon {res.passed} {res.failed}\n")
    print(f"hvmon: {res.passed} passed, {res.failed} failed")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
