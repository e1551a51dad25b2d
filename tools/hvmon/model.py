"""What hvmon knows about each instance, built from its records.

Fleet.feed(source, obj, now) takes the objects parse.StreamDecoder makes
(records, boots, gaps, errors) for one source; instances are named by
their `identity` record (before it, by the source's label).  Everything
here is plain data: the terminal view, the page and the Prometheus
collector read it under Fleet.lock.
"""
import calendar
import threading
import time

FAULT_SKIP = ("regs", "collector", "report", "hypercall")
STATES = ("running", "sleeping", "stopped", "abnormal", "dead", "ended", "unknown")


def wall_epoch(s):
    try:
        return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return None


def action_kind(rec):
    """"reset done", "reset scheduled", "handback", "park", ...: the name,
    and the second word when it is a plain word."""
    words = rec["text"].split(" ")
    if len(words) > 1 and "=" not in words[1] and words[1].isalpha():
        return f"{words[0]} {words[1]}"
    return words[0]


class Incident:
    def __init__(self, boot, n, t):
        self.boot, self.n, self.t = boot, n, t
        self.type = None
        self.level = "info"
        self.steps = []          # (x, cat, level, text) in order
        self.regs = None
        self.collector = None
        self.health = None       # the last stat health before the incident
        self.failed = []         # texts of failed steps (timeout, impossible, budget)
        self.state = "open"
        self.why = None

    def to_dict(self):
        return {"boot": self.boot, "n": self.n, "t": self.t, "type": self.type,
                "level": self.level, "state": self.state, "why": self.why,
                "steps": [{"t": s[0], "cat": s[1], "level": s[2], "text": s[3]}
                          for s in self.steps],
                "regs": self.regs, "collector": self.collector, "health": self.health,
                "failed": self.failed}


class Instance:
    def __init__(self, name, source):
        self.name = name
        self.sources = {source}
        self.boot_id = None
        self.boots = []              # boot ids in order
        self.state = "unknown"
        self.stat_state = None
        self.cpu = None              # (guest, hv, idle) per cent
        self.interval_ms = None
        self.wall = None             # last wall time the stream gave
        self.last_x = None           # seconds on the instance's axis
        self.x_base = 0.0            # axis offset of the current boot
        self.t_ident = 0
        self.last_rx = None          # monotonic time of the last record
        self.incidents = {}          # (boot, n) -> Incident
        self.current_incident = None
        self.alarms = []             # dicts: x, level, text, incident, cleared
        self.faults = {}             # type -> count
        self.actions = {}            # kind -> count
        self.restarts = {"guest": 0, "hypervisor": 0, "hvmon": 0}
        self.parked = False
        self.latencies_us = []
        self.records = self.crc_errors = self.malformed = self.gaps = self.missing = 0
        self.cpu_series = []         # (x, guest, hv, idle)
        self.state_series = []       # (x, state)
        self.marks = []              # (x, kind, level, label, incident key or None)
        self.health = None
        self.dead_since = None
        self.generation = None
        self.stopped = False
        # status queries (tools/hvmon/prober.py): counts, round trips,
        # and whether the last one missed its deadline
        self.queries = {"sent": 0, "answered": 0, "missed": 0, "refused": 0}
        self.query_rtt_s = []
        self.faulty = False

    # the instance's time axis: wall-clock seconds when the boot told its
    # wall time, else the boot's t_us after the previous boot's end
    def x(self, t_us):
        return self.x_base + (t_us - self.t_ident) / 1e6

    def open_alarms(self):
        return [a for a in self.alarms if not a["cleared"]]

    def last_alarm(self):
        return self.alarms[-1] if self.alarms else None

    def recent_incidents(self, n=5):
        return sorted(self.incidents.values(), key=lambda i: i.t)[-n:]

    def set_state(self, x, state):
        self.state = state
        if not self.state_series or self.state_series[-1][1] != state:
            self.state_series.append((x, state))


class Fleet:
    def __init__(self, journal=None):
        self.lock = threading.RLock()
        self.instances = {}          # name -> Instance
        self.by_source = {}          # source label -> instance name
        self.journal = journal       # hvmon's own record: a file object or None
        self.own = []                # hvmon's own records (dicts)

    def record(self, what, **kw):
        """hvmon's own record of what it noticed and did."""
        r = dict(t=round(time.time(), 3), what=what, **kw)
        self.own.append(r)
        if self.journal is not None:
            import json
            self.journal.write(json.dumps(r, sort_keys=True) + "\n")
            self.journal.flush()
        return r

    def instance_for(self, source):
        name = self.by_source.get(source, source)
        inst = self.instances.get(name)
        if inst is None:
            inst = self.instances[name] = Instance(name, source)
            self.by_source[source] = name
        return inst

    def feed(self, source, obj, now=None):
        with self.lock:
            self._feed(source, obj, time.monotonic() if now is None else now)

    def _rename(self, source, inst, name):
        """The identity record names the source's instance: the source's
        placeholder becomes it, or joins an instance of that name seen
        before (a relaunched emulator on a new connection)."""
        self.by_source[source] = name
        if inst.name == name:
            return inst
        other = self.instances.get(name)
        if self.instances.get(inst.name) is inst:
            del self.instances[inst.name]
        if other is not None:
            other.sources.add(source)
            return other
        inst.name = name
        self.instances[name] = inst
        return inst

    def _feed(self, source, o, now):
        inst = self.instance_for(source)
        if "error" in o:
            if o["error"] == "crc":
                inst.crc_errors += 1
            else:
                inst.malformed += 1
            return
        if "gap" in o:
            inst.gaps += 1
            inst.missing += o["gap"]["missing"]
            return
        if "boot" in o:
            return
        if "seq" not in o:
            return
        r = o
        f = r["fields"]
        if r["cat"] == "log" and r["name"] == "identity" and "instance" in f:
            inst = self._rename(source, inst, f["instance"])
            inst.x_base = (inst.last_x or 0.0)
            we = wall_epoch(f.get("wall"))
            if we is not None:
                inst.x_base = float(we)
            elif inst.last_x is not None:
                inst.x_base = inst.last_x + 1.0
            inst.t_ident = r["t_us"]
            if f.get("boot_id") != inst.boot_id:
                if inst.boot_id is not None:
                    inst.restarts["hypervisor"] += 1
                    inst.marks.append((inst.x(r["t_us"]), "boot", "info",
                                       "hypervisor restarted boot_id=" + f.get("boot_id", "?"), None))
                inst.boot_id = f.get("boot_id")
                inst.boots.append(inst.boot_id)
            inst.wall = f.get("wall")
            inst.interval_ms = None  # silence counts once this boot's stat records come
            inst.parked = False
            inst.stopped = False
            inst.dead_since = None
            inst.current_incident = None
        inst.records += 1
        inst.last_rx = now
        x = inst.x(r["t_us"])
        inst.last_x = x
        if inst.dead_since is not None:
            inst.dead_since = None
            self.record("alive", instance=inst.name)
            inst.set_state(x, inst.stat_state or "unknown")
        self._record(inst, r, f, x)

    def _incident(self, inst, n, x):
        key = (inst.boot_id, int(n))
        inc = inst.incidents.get(key)
        if inc is None:
            inc = inst.incidents[key] = Incident(inst.boot_id, int(n), x)
            inc.health = inst.health
        inst.current_incident = inc
        return inc

    def _record(self, inst, r, f, x):
        cat, name, level = r["cat"], r["name"], r["level"]
        if cat == "stat" and name == "cpu":
            try:
                cpu = (float(f["guest_pct"]), float(f["hv_pct"]), float(f["idle_pct"]))
            except (KeyError, ValueError):
                cpu = None
            if cpu:
                inst.cpu = cpu
                inst.cpu_series.append((x,) + cpu)
            if f.get("interval_ms", "").isdigit():
                inst.interval_ms = int(f["interval_ms"])
            if f.get("wall") and f["wall"] != "unknown":
                inst.wall = f["wall"]
            st = f.get("state")
            if st:
                inst.stat_state = st
                if not inst.stopped:
                    inst.set_state(x, st)
            return
        if cat == "stat" and name == "health":
            inst.health = dict(f)
            return
        if cat == "log" and name == "hypervisor" and "stat_ms" in f.get("cmdline", ""):
            pass
        if cat == "log" and name == "identity":
            return
        inc = None
        if "incident" in f and f["incident"].isdigit():
            inc = self._incident(inst, f["incident"], x)
        if cat == "event" and name in ("regs", "collector"):
            # The rule's evidence: its incident= names the incident; a log
            # from before that key (it came right after the alarm) belongs
            # to the current one.
            target = inc or inst.current_incident
            if target is not None:
                values = {k: v for k, v in f.items() if k != "incident"}
                if name == "regs":
                    target.regs = values
                else:
                    target.collector = values
                target.steps.append((x, cat, level, r["text"]))
            return
        if inc is not None:
            inc.steps.append((x, cat, level, r["text"]))
        if cat == "event":
            if inc is not None and name not in FAULT_SKIP:
                if inc.type is None:
                    inc.type = name
                inst.faults[name] = inst.faults.get(name, 0) + 1
                if name in ("hang", "soft_lockup") and f.get("latency_us", "").isdigit():
                    inst.latencies_us.append(int(f["latency_us"]))
        elif cat == "alarm":
            if name == "alarm" and "cleared" in r["text"].split(" ")[1:2]:
                if inc is not None:
                    inc.state, inc.why = "closed", f.get("why")
                    for a in inst.alarms:
                        if a["incident"] == (inc.boot, inc.n):
                            a["cleared"] = True
                inst.marks.append((x, "clear", "info", r["text"],
                                   (inc.boot, inc.n) if inc else None))
                return
            a = {"x": x, "level": level, "text": r["text"], "cleared": False,
                 "incident": (inc.boot, inc.n) if inc else None,
                 "category": f.get("category", name)}
            inst.alarms.append(a)
            if inc is not None:
                inc.level = level
            inst.marks.append((x, "alarm", level, r["text"], a["incident"]))
        elif cat == "action":
            kind = action_kind(r)
            inst.actions[kind] = inst.actions.get(kind, 0) + 1
            if kind == "reset done":
                inst.restarts["guest"] += 1
                inst.parked = False
                inst.generation = f.get("generation", inst.generation)
            elif kind == "park":
                inst.parked = True
            inst.marks.append((x, "action", level, r["text"],
                               (inc.boot, inc.n) if inc else None))
        elif cat == "outcome":
            words = r["text"]
            if inc is not None and (name == "timeout" or "impossible" in words or
                                    name == "stub_silent" or level in ("major", "emerg")):
                inc.failed.append(words)
            if name == "logged" and inc is not None:
                inc.state = "closed"
                inc.why = "logged"
            if name == "parked" and inc is not None:
                inc.state = "parked"
            if name == "guest" and words.startswith("guest stopped"):
                inst.stopped = True
                inst.set_state(x, "ended")
            inst.marks.append((x, "outcome", level, words,
                               (inc.boot, inc.n) if inc else None))
        elif cat == "decision":
            if inc is not None and level == "emerg":
                inc.failed.append(r["text"])

    # --- silence ----------------------------------------------------------
    def check_silence(self, now, t2):
        """Instances silent for longer than t2 seconds while their stream
        should be ticking (stat_ms set, not stopped): marked dead, with an
        alarm.  Returns the newly dead instances."""
        dead = []
        with self.lock:
            for inst in self.instances.values():
                if inst.dead_since is not None or inst.last_rx is None:
                    continue
                if inst.interval_ms is None or inst.stopped:
                    continue
                silent = now - inst.last_rx
                if silent > t2:
                    inst.dead_since = now
                    x = (inst.last_x or 0) + silent
                    inst.set_state(x, "dead")
                    a = {"x": x, "level": "major", "cleared": False, "incident": None,
                         "text": f"hvmon dead instance={inst.name} silent_s={silent:.2f}",
                         "category": "dead"}
                    inst.alarms.append(a)
                    inst.marks.append((x, "alarm", "major", a["text"], None))
                    self.record("dead", instance=inst.name, silent_s=round(silent, 3),
                                t2_s=t2, boot_id=inst.boot_id)
                    dead.append(inst)
        return dead

    def snapshot(self):
        """Everything per instance as plain JSON-able data."""
        with self.lock:
            out = {}
            for name, i in sorted(self.instances.items()):
                out[name] = {
                    "state": i.state, "cpu": i.cpu, "wall": i.wall, "boot_id": i.boot_id,
                    "boots": len(i.boots), "interval_ms": i.interval_ms,
                    "records": i.records, "crc_errors": i.crc_errors,
                    "malformed": i.malformed, "gaps": i.gaps, "missing": i.missing,
                    "faults": dict(i.faults), "actions": dict(i.actions),
                    "restarts": dict(i.restarts), "parked": i.parked,
                    "alarms": [{"level": a["level"], "text": a["text"], "cleared": a["cleared"],
                                "incident": list(a["incident"]) if a["incident"] else None}
                               for a in i.alarms],
                    "open_alarms": len(i.open_alarms()),
                    "incidents": [inc.to_dict() for inc in
                                  sorted(i.incidents.values(), key=lambda c: c.t)],
                    "latencies_us": list(i.latencies_us),
                    "dead": i.dead_since is not None,
                    "queries": dict(i.queries), "faulty": i.faulty,
                    "query_rtt_s": [round(v, 6) for v in i.query_rtt_s[-100:]],
                }
            return out
