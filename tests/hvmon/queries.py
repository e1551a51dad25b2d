"""hvmon's status queries over the control channel (tools/hvmon/prober.py):
against a fake instance on a TCP socket (answered, missed -> faulty ->
answered again, refused), and against a real hypervisor under QEMU
(answers, round trip, /metrics)."""
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
KEY_FILE = os.path.join(ROOT, "tests", "keys", "control-test.key")
COMMAND = re.compile(r"^HVC1 (\S+) ([0-9a-f]{16}) (\d+) (\w+)(?: (\w+))? \*([0-9a-f]{64})$")


def frame(seq, t_us, level, cat, text):
    body = f"HV1 {seq} {t_us} {level} {cat} {text}"
    return (body + " *%08x\r\n" % zlib.crc32(body.encode())).encode()


class FakeInstance(threading.Thread):
    """A hypervisor's log port as hvmon sees it: an identity record and
    `stat cpu` records, and answers to the status commands it receives,
    per `mode(n)` for the n-th command (from 0): "answer", "silent" or
    "refuse".  MACs are checked with the test key, as the hypervisor does."""

    def __init__(self, mode):
        super().__init__(daemon=True)
        self.mode = mode
        self.key = bytes.fromhex(open(KEY_FILE).read().strip())
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.commands, self.bad_macs = [], 0
        self.stop = threading.Event()

    def run(self):
        c, _ = self.srv.accept()
        c.settimeout(0.05)
        seq, t0, buf, nxt = 0, time.monotonic(), b"", 0.0
        send = lambda *a: c.sendall(frame(seq, int((time.monotonic() - t0) * 1e6), *a))
        send("info", "log", "identity instance=fake boot_id=00112233deadbeef wall=unknown tsc_hz=1")
        while not self.stop.is_set():
            if time.monotonic() > nxt:
                seq += 1
                send("info", "stat", "cpu interval_ms=200 wall=unknown guest_pct=50.0 hv_pct=1.0 "
                     "idle_pct=49.0 state=running")
                nxt = time.monotonic() + 0.2
            try:
                data = c.recv(4096)
            except socket.timeout:
                continue
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                m = COMMAND.match(line.decode("latin-1").rstrip("\r"))
                if not m:
                    continue
                text = line.decode().rsplit(" *", 1)[0]
                if hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest() != m.group(6):
                    self.bad_macs += 1
                    continue
                n = len(self.commands)
                self.commands.append(m.groups())
                seq += 1
                mode = self.mode(n)
                if mode == "answer":
                    send("info", "stat", f"status instance=fake boot_id={m.group(2)} "
                         f"nonce={m.group(3)} state=running parked=no generation=1 stub=up "
                         "incidents=0 restarts_in_window=0 alarms=0 uptime_ms=1 wall=unknown")
                elif mode == "refuse":
                    send("minor", "event", f"control_refused why=replayed op=status "
                         f"nonce={m.group(3)} refused=1 held=0")
        c.close()


def follow(build, work, sources, *extra):
    st = os.path.join(work, "status.json")
    jr = os.path.join(work, "journal.jsonl")
    p = subprocess.run([os.path.join(build, "tools", "hvmon"), "follow", "--journal", jr,
                        "--status", st, *extra, *sources], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    status = json.load(open(st)) if os.path.exists(st) else {}
    journal = [json.loads(l) for l in open(jr)] if os.path.exists(jr) else []
    return status, journal, p.stderr


def test_queries_fake(res, build, work):
    # answered, answered, two missed, then answered again
    plan = ["answer", "answer", "silent", "silent"]
    fake = FakeInstance(lambda n: plan[n] if n < len(plan) else "answer")
    fake.start()
    st, jr, err = follow(build, work, [f"fake=tcp:127.0.0.1:{fake.port}"], "--key", KEY_FILE,
                         "--query-interval", "0.3", "--query-deadline", "0.4", "--duration", "4.5")
    fake.stop.set()
    f = st.get("fake", {})
    q = f.get("queries", {})
    nonces = [int(c[2]) for c in fake.commands]
    res.check("queries: hvmon signs status commands the instance accepts (MAC with the control "
              "key, its instance and boot id, growing nonces)",
              len(fake.commands) >= 6 and fake.bad_macs == 0 and
              all(c[0] == "fake" and c[1] == "00112233deadbeef" and c[3] == "status"
                  for c in fake.commands) and nonces == sorted(set(nonces)),
              f"{fake.commands[:3]} bad_macs={fake.bad_macs} {err[-300:]}")
    missed = [j for j in jr if j.get("what") == "query_missed"]
    again = [j for j in jr if j.get("what") == "query_answered_again"]
    res.check("queries: answers timed (round trips), two missed ones make the instance faulty "
              "(journal, alarm), the next answer clears it",
              q.get("missed") == 2 and q.get("answered", 0) >= 4 and len(missed) == 2 and
              len(again) == 1 and not f.get("faulty") and
              len(f.get("query_rtt_s", [])) == q.get("answered") and
              any(a["text"].startswith("hvmon query_missed") and a["cleared"]
                  for a in f.get("alarms", [])), json.dumps(q) + json.dumps(jr)[:300])
    # a refused query (here: the instance says replayed) is counted and recorded
    fake = FakeInstance(lambda n: "refuse")
    fake.start()
    st, jr, err = follow(build, work, [f"fake=tcp:127.0.0.1:{fake.port}"], "--key", KEY_FILE,
                         "--query-interval", "0.3", "--duration", "1.5")
    fake.stop.set()
    q = st.get("fake", {}).get("queries", {})
    ref = [j for j in jr if j.get("what") == "query_refused"]
    res.check("queries: a refused query is counted and recorded with the reason, not missed",
              q.get("refused", 0) >= 2 and q.get("missed") == 0 and bool(ref) and
              ref[0]["why"] == "replayed", json.dumps(q) + json.dumps(jr)[:300])
    # without a key hvmon sends nothing
    fake = FakeInstance(lambda n: "answer")
    fake.start()
    st, jr, err = follow(build, work, [f"fake=tcp:127.0.0.1:{fake.port}"], "--duration", "1")
    fake.stop.set()
    res.check("queries: without --key none is sent",
              fake.commands == [] and st.get("fake", {}).get("queries", {}).get("sent") == 0,
              json.dumps(st.get("fake", {}).get("queries")))


def test_queries_watch(res, build):
    """The watch view's line and detail for an instance with queries."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    from hvmon.model import Fleet
    from hvmon.watch import detail_lines, table_lines
    fl = Fleet()
    i = fl.instance_for("a")
    i.queries.update(sent=3, answered=2, missed=1)
    i.query_rtt_s += [0.0184, 0.0201]
    i.faulty = True
    line = table_lines(fl, 0.0)[0][1]
    detail = "\n".join(detail_lines(fl, "a"))
    res.check("queries: the watch view shows the last round trip and a faulty instance",
              " faulty " in line and "rtt  20.1ms" in line and "median 20.1ms" in detail and
              "FAULTY" in detail, line + " | " + detail)


def test_queries_qemu(res, build, work):
    """A real hypervisor under QEMU, its COM1 on a unix socket: hvmon serve
    queries it every 0.5 s; the answers, their round trip, /metrics."""
    sys.path.insert(0, HERE)
    import launch
    from groups import free_port
    sock = os.path.join(work, "com1.sock")
    cmd = launch.qemu_argv(build, os.path.join(work, "hv"), "instance=q1 stat_ms=500 maxticks=60000",
                           "hello", f"unix:{sock},server=on,wait=on")
    qemu = launch.start(cmd, os.path.join(work, "hv"))
    time.sleep(0.5)
    mport = free_port()
    status = os.path.join(work, "status.json")
    hv = subprocess.Popen([os.path.join(build, "tools", "hvmon"), "serve", "--metrics-port",
                           str(mport), "--key", KEY_FILE, "--query-interval", "0.5",
                           "--query-deadline", "2", "--status", status, "--duration", "60",
                           f"unix:{sock}"], stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(work, "hvmon.err"), "wb"))
    st, metrics = {}, ""
    try:
        t0 = time.time()
        while time.time() - t0 < 50:
            time.sleep(1)
            try:
                st = json.load(open(status)).get("q1", {})
            except (OSError, ValueError):
                continue
            if st.get("queries", {}).get("answered", 0) >= 20:
                break
        with urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=10) as r:
            metrics = r.read().decode()
    finally:
        hv.terminate()
        hv.wait()
        qemu.terminate()
        qemu.wait()
    q = st.get("queries", {})
    rtt = sorted(st.get("query_rtt_s", []))
    res.check("queries (QEMU): the hypervisor answers hvmon's signed status queries, none missed "
              "or refused", q.get("answered", 0) >= 20 and q.get("missed") == 0 and
              q.get("refused") == 0 and not st.get("faulty"), json.dumps(q))
    m = re.search(r'^hvmon_query_rtt_seconds_count\{hv_instance="q1"\} (\S+)$', metrics, re.M)
    a = re.search(r'^hvmon_queries_total\{hv_instance="q1",result="answered"\} (\S+)$', metrics, re.M)
    res.check("queries (QEMU): /metrics has the round-trip histogram and the answered count",
              bool(m) and bool(a) and float(m.group(1)) >= 20 and float(a.group(1)) >= 20,
              metrics[-400:])
    if rtt:
        res.note(f"status query round trip (QEMU TCG, {len(rtt)} queries): median "
                 f"{rtt[len(rtt) // 2] * 1000:.1f} ms, min {rtt[0] * 1000:.1f} ms, "
                 f"max {rtt[-1] * 1000:.1f} ms")


TESTS = [("queries", test_queries_fake), ("queries-watch", test_queries_watch),
         ("queries-qemu", test_queries_qemu)]
