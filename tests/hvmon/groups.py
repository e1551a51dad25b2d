"""The slower groups of tests/hvmon/run.py: page (headless Chromium),
promtool, prometheus (a real server scrapes hvmon serve), fleet (three
QEMU instances at once)."""
import base64
import re
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(HERE, "fixtures")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def http(method, url, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read().decode())


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


class Browser:
    """Headless Chromium through chromedriver (W3C WebDriver over HTTP)."""

    def __init__(self, work):
        self.port = free_port()
        self.p = subprocess.Popen(["chromedriver", f"--port={self.port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        self.base = f"http://127.0.0.1:{self.port}"
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": shutil.which("chromium") or "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1100,1400",
                     f"--user-data-dir={work}/chrome-profile"]}}}}
        self.sid = http("POST", self.base + "/session", caps, timeout=60)["value"]["sessionId"]
        self.s = f"{self.base}/session/{self.sid}"

    def go(self, url):
        http("POST", self.s + "/url", {"url": url}, timeout=60)

    def find_all(self, css):
        v = http("POST", self.s + "/elements", {"using": "css selector", "value": css})["value"]
        return [list(e.values())[0] for e in v]

    def click(self, el):
        http("POST", f"{self.s}/element/{el}/click", {})

    def text(self, el):
        return http("GET", f"{self.s}/element/{el}/text")["value"]

    def attr(self, el, name):
        return http("GET", f"{self.s}/element/{el}/attribute/{name}")["value"]

    def js(self, script):
        return http("POST", self.s + "/execute/sync", {"script": script, "args": []})["value"]

    def screenshot(self, path):
        png = base64.b64decode(http("GET", self.s + "/screenshot")["value"])
        with open(path, "wb") as f:
            f.write(png)
        return png

    def close(self):
        try:
            http("DELETE", self.s)
        except Exception:
            pass
        self.p.terminate()
        self.p.wait()


def check_page(res, page, work, expect, shot_name="page.png"):
    """expect: {instance: (alarm marks >= n, action marks >= n, incident type)}"""
    b = Browser(work)
    try:
        b.go("file://" + page)
        for inst, (n_alarm, n_action, typ) in expect.items():
            sel = f".inst[data-instance='{inst}']"
            alarms = b.find_all(sel + " .mark.alarm")
            actions = b.find_all(sel + " .mark.action")
            cpu = b.find_all(sel + " polyline.cpu-guest")
            states = b.find_all(sel + " rect.state")
            res.check(f"page, {inst}: CPU line, state bar, >= {n_alarm} alarm mark(s), "
                      f">= {n_action} action mark(s)",
                      len(alarms) >= n_alarm and len(actions) >= n_action and cpu and states,
                      f"alarms {len(alarms)} actions {len(actions)} cpu {len(cpu)} "
                      f"states {len(states)}")
            if typ is None:
                continue
            marks = [m for m in alarms if b.attr(m, "data-incident")]
            if not marks:
                res.check(f"page, {inst}: an alarm mark with an incident", False)
                continue
            b.click(marks[0])
            detail = b.find_all("#detail")[0]
            t = b.text(detail)
            steps = b.js("return Array.from(document.querySelectorAll('#detail .step'))"
                         ".map(e => e.dataset.cat)")
            res.check(f"page, {inst}: clicking its alarm shows the incident chain "
                      f"({typ}: event, decision, alarm, actions, outcome, registers, collector)",
                      f"incident 1 ({typ}" in t and steps[:3] == ["event", "decision", "alarm"]
                      and "action" in steps and "outcome" in steps and "registers" in t and
                      "rip" in t and "collector" in t, t[:300] + str(steps))
        png = b.screenshot(os.path.join(work, shot_name))
        res.check("page screenshot taken (PNG)", png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000,
                  str(len(png)))
    finally:
        b.close()


def test_page(res, build, work):
    page = os.path.join(work, "page.html")
    p = subprocess.run([os.path.join(build, "tools", "hvmon"), "page",
                        os.path.join(FIX, "alpha.log"), os.path.join(FIX, "beta.log"), "-o", page],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    html = open(page).read() if os.path.exists(page) else ""
    res.check("hvmon page writes one self-contained file (no http(s) reference, inline script)",
              p.returncode == 0 and "<script>" in html and "http://" not in html and
              "https://" not in html and
              not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", html), p.stdout[-300:])
    check_page(res, page, work, {"alpha": (0, 0, None), "beta": (1, 2, "hang")})


def test_promtool(res, build, work):
    d = os.path.join(ROOT, "tools", "hvmon")
    p1 = subprocess.run(["promtool", "check", "rules", "alerts.yml"], cwd=d,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    p2 = subprocess.run(["promtool", "test", "rules", "alerts_test.yml"], cwd=d,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    res.check("alert rules: promtool check rules tools/hvmon/alerts.yml", p1.returncode == 0,
              p1.stdout[-300:])
    res.check("alert rules: promtool test rules tools/hvmon/alerts_test.yml", p2.returncode == 0,
              p2.stdout[-500:])


class Prom:
    def __init__(self, work, targets):
        self.port = free_port()
        cfg = os.path.join(work, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    f"rule_files:\n  - {os.path.join(ROOT, 'tools', 'hvmon', 'alerts.yml')}\n"
                    "scrape_configs:\n  - job_name: hvmon\n    static_configs:\n"
                    f"      - targets: [{', '.join(repr(t) for t in targets)}]\n")
        self.log = open(os.path.join(work, "prometheus.out"), "wb")
        self.p = subprocess.Popen(["prometheus", f"--config.file={cfg}",
                                   f"--storage.tsdb.path={os.path.join(work, 'tsdb')}",
                                   f"--web.listen-address=127.0.0.1:{self.port}"],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port)

    def query(self, q):
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
        try:
            r = http("GET", url)
        except OSError:
            return None
        v = r.get("data", {}).get("result", [])
        return {json.dumps(x["metric"], sort_keys=True): float(x["value"][1]) for x in v}

    def value(self, q):
        v = self.query(q)
        return None if not v else list(v.values())[0]

    def wait(self, q, pred, timeout=40):
        end = time.time() + timeout
        v = None
        while time.time() < end:
            v = self.value(q)
            if v is not None and pred(v):
                return v
            time.sleep(0.5)
        return v

    def stop(self):
        self.p.terminate()
        self.p.wait()


import urllib.parse  # noqa: E402


def test_prometheus(res, build, work):
    mport = free_port()
    hv = subprocess.Popen([os.path.join(build, "tools", "hvmon"), "serve", "--metrics-port",
                           str(mport), "--no-follow", "--duration", "60",
                           os.path.join(FIX, "alpha.log"), os.path.join(FIX, "beta.log")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(mport)
    body = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics").read().decode()
    res.check("hvmon serve: /metrics has faults, actions, restarts, parked, state, CPU, "
              "latency histogram per instance",
              'hvmon_faults_total{hv_instance="beta",type="hang"} 1.0' in body and
              'hvmon_watchdog_latency_seconds_bucket{hv_instance="beta",le="0.5"} 1.0' in body and
              'hvmon_restarts_total{by="guest",hv_instance="beta"} 1.0' in body and
              'hvmon_parked{hv_instance="alpha"} 0.0' in body and
              'hvmon_guest_state{hv_instance="alpha",state="ended"} 1.0' in body and
              'hvmon_cpu_share{hv_instance="alpha",part="guest"} 99.1' in body, body[:0])
    prom = Prom(work, [f"127.0.0.1:{mport}"])
    try:
        v = prom.wait('hvmon_faults_total{hv_instance="beta",type="hang"}', lambda x: x == 1)
        res.check("Prometheus scraped hvmon: faults_total{beta,hang} = 1", v == 1, str(v))
        v = prom.value('hvmon_watchdog_latency_seconds_sum{hv_instance="beta"}')
        res.check("Prometheus: watchdog latency sum for beta = 0.409053 s",
                  v is not None and abs(v - 0.409053) < 1e-6, str(v))
        v = prom.value('hvmon_actions_total{hv_instance="beta",action="reset done"}')
        res.check("Prometheus: actions_total{beta,reset done} = 1", v == 1, str(v))
        v = prom.value('hvmon_cpu_share{hv_instance="alpha",part="guest"}')
        res.check("Prometheus: cpu_share{alpha,guest} = 99.1", v == 99.1, str(v))
    finally:
        prom.stop()
        hv.terminate()
        hv.wait()


def test_fleet(res, build, work):
    """Three QEMU instances at once: healthy (unix socket), a guest that
    hangs and is reset (tcp socket), a hypervisor that crashes and stays
    silent (file, QMP): hvmon marks it dead within T2 and resets it."""
    sys.path.insert(0, HERE)
    import launch
    t2 = 3.0
    specs = []
    procs = []
    tport = free_port()
    # Socket chardevs wait for hvmon (wait=on): QEMU starts the machine only
    # once it is connected, so no record is written to nobody on a busy host.
    plan = [
        ("healthy", "instance=healthy stat_ms=500", "hello", f"unix:{work}/healthy.sock,server=on,wait=on",
         f"unix:{work}/healthy.sock", False),
        ("hang", "instance=hang stat_ms=500", "hello nmihang@1",
         f"tcp:127.0.0.1:{tport},server=on,wait=on", f"tcp:127.0.0.1:{tport}", False),
        ("crash", "instance=crash stat_ms=500 crash_test=3000", "hello",
         f"file:{work}/crash/com1.log", f"{work}/crash/com1.log", True),
    ]
    qmp = os.path.join(work, "crash.qmp")
    for name, hvargs, guest, chardev, source, reboot in plan:
        w = os.path.join(work, name)
        cmd = launch.qemu_argv(build, w, hvargs, guest, chardev,
                               qmp=qmp if name == "crash" else None, reboot=reboot)
        procs.append(launch.start(cmd, w))
        specs.append(source)
    time.sleep(0.5)
    mport = free_port()
    status = os.path.join(work, "status.json")
    journal = os.path.join(work, "journal.jsonl")
    cap = os.path.join(work, "capture")
    t0 = time.time()
    hv = subprocess.Popen([os.path.join(build, "tools", "hvmon"), "serve", "--metrics-port",
                           str(mport), "--t2", str(t2), "--qmp", f"crash={qmp}", "--journal",
                           journal, "--status", status, "--capture", cap, "--duration", "150"]
                          + specs, stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(work, "hvmon.err"), "wb"))
    prom = Prom(work, [f"127.0.0.1:{mport}"])
    st = {}

    def done(st):
        c, h = st.get("crash", {}), st.get("hang", {})
        return (c.get("restarts", {}).get("hvmon", 0) >= 1 and c.get("boots", 0) >= 2 and
                c.get("interval_ms") and h.get("restarts", {}).get("guest", 0) >= 1 and
                h.get("open_alarms") == 0)
    try:
        while time.time() - t0 < 140:
            time.sleep(1)
            try:
                st = json.load(open(status))
            except (OSError, ValueError):
                continue
            if done(st):
                break
        time.sleep(2)
        pv = {q: prom.value(q) for q in (
            'hvmon_faults_total{hv_instance="hang",type="hang"}',
            'hvmon_restarts_total{hv_instance="crash",by="hvmon"}',
            'hvmon_restarts_total{hv_instance="hang",by="guest"}',
            'hvmon_up{hv_instance="healthy"}',
            'max_over_time(hvmon_guest_state{hv_instance="crash",state="dead"}[5m])',
            'hvmon_faults_total{hv_instance="healthy"}',
            'max_over_time(hvmon_cpu_share{hv_instance="healthy",part="guest"}[5m])')}
    finally:
        prom.stop()
        hv.terminate()
        hv.wait()
        for p in procs:
            p.terminate()
            p.wait()
    res.note(f"fleet: {time.time() - t0:.1f} s")
    st = json.load(open(status))
    jr = [json.loads(l) for l in open(journal)]
    h, g, c = st.get("healthy", {}), st.get("hang", {}), st.get("crash", {})
    res.check("fleet healthy (unix socket): stat cpu records, no fault, no alarm, never dead",
              h.get("records", 0) > 10 and h.get("faults") == {} and not h.get("alarms") and
              not [j for j in jr if j.get("instance") == "healthy"], json.dumps(h)[:300])
    res.check("fleet hang (tcp socket): the hang decided, the guest reset by the hypervisor, "
              "its alarm cleared", g.get("faults", {}).get("hang") == 1 and
              g.get("restarts", {}).get("guest") == 1 and g.get("open_alarms") == 0,
              json.dumps(g)[:400])
    dead = [j for j in jr if j.get("what") == "dead" and j.get("instance") == "crash"]
    act = [j for j in jr if j.get("what") == "action" and j.get("instance") == "crash"]
    crash_log = open(os.path.join(work, "crash", "com1.log"), "rb").read().decode("latin-1")
    res.check("fleet crash (file): the hypervisor's crash record, then silence",
              "hv_crash" in crash_log, crash_log[-300:])
    res.check(f"fleet crash: marked dead (silent > T2={t2:g} s), within T2 + 1 s",
              bool(dead) and t2 <= dead[0]["silent_s"] <= t2 + 1.0, json.dumps(dead))
    res.check("fleet crash: restarted through QMP system_reset, then a new boot seen",
              bool(act) and act[0]["how"] == "qmp system_reset" and c.get("boots", 0) >= 2 and
              c.get("restarts", {}).get("hvmon", 0) >= 1, json.dumps(act) + json.dumps(c)[:300])
    if dead:
        res.note(f"fleet: dead instance detected {dead[0]['silent_s']:.2f} s after its last "
                 f"record (T2 = {t2:g} s)")
    # (the crash instance's dead state can last less than one scrape before
    # hvmon resets it: the journal shows it above; Prometheus the restart)
    res.check("fleet in Prometheus: hang fault 1, guest reset 1, crash restarted by hvmon, "
              "healthy up with guest CPU > 0 and no faults",
              pv['hvmon_faults_total{hv_instance="hang",type="hang"}'] == 1 and
              pv['hvmon_restarts_total{hv_instance="hang",by="guest"}'] == 1 and
              (pv['hvmon_restarts_total{hv_instance="crash",by="hvmon"}'] or 0) >= 1 and
              pv['hvmon_up{hv_instance="healthy"}'] == 1 and
              pv['hvmon_faults_total{hv_instance="healthy"}'] is None and
              (pv['max_over_time(hvmon_cpu_share{hv_instance="healthy",part="guest"}[5m])'] or 0) > 0,
              json.dumps(pv))
    # the page from what hvmon captured
    page = os.path.join(work, "fleet.html")
    logs = sorted(os.path.join(cap, f) for f in os.listdir(cap)) if os.path.isdir(cap) else []
    subprocess.run([os.path.join(build, "tools", "hvmon"), "page", "-o", page] + logs,
                   stdout=subprocess.DEVNULL)
    if os.path.exists(page):
        check_page(res, page, work, {"healthy": (0, 0, None), "hang": (1, 2, "hang"),
                                     "crash": (1, 0, None)}, "fleet.png")
    else:
        res.check("fleet page written", False)


TESTS = [("page", test_page), ("promtool", test_promtool), ("prometheus", test_prometheus),
         ("fleet", test_fleet)]
