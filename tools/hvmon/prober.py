"""Status queries over the control channel (issue 12, M8; docs/control.md).

Every T1 seconds hvmon signs a `status` command for each instance it can
write to (a socket or pty source whose instance named itself in an
`identity` record) and sends it to the log port's receive side, the same
connection it reads the records from.  The answer is the instance's
`stat status ... nonce=<n>` record: its round trip is measured from the
send to the record's arrival.  No answer within the reply deadline marks
the instance faulty (an alarm in hvmon's view and a `query_missed` record
in its journal), until an answer comes again; a refused query
(`event control_refused`, e.g. a wrong key) is recorded too.

The nonce is the time in microseconds, larger than any sent before: a
hypervisor accepts only growing nonces per boot, and a new boot starts
afresh, so hvmon keeps none across restarts of its own.
"""
import time

from hvctl import sign


class Query:
    def __init__(self, nonce, sent, boot_id):
        self.nonce, self.sent, self.boot_id = nonce, sent, boot_id


class Prober:
    """Sends the T1 queries and checks their T2 reply deadline.  Without a
    key (or with t1 None) it sends nothing: silence alone then marks an
    instance dead (Fleet.check_silence)."""

    def __init__(self, key=None, t1=None, deadline=None, send=None, clock=time.monotonic):
        self.key, self.t1 = key, t1
        self.deadline = deadline if deadline is not None else (t1 / 2 if t1 else None)
        self.send = send            # send(source label, bytes) -> bool
        self.clock = clock
        self.last_nonce = 0
        self.pending = {}           # instance name -> Query
        self.next_at = {}           # instance name -> monotonic time of its next query

    def enabled(self):
        return bool(self.key and self.t1 and self.send)

    def _nonce(self):
        n = max(time.time_ns() // 1000, self.last_nonce + 1)
        self.last_nonce = n
        return n

    def tick(self, fleet, now):
        if not self.enabled():
            return
        with fleet.lock:
            for inst in list(fleet.instances.values()):
                self._expire(fleet, inst, now)
                self._maybe_send(fleet, inst, now)

    def _expire(self, fleet, inst, now):
        q = self.pending.get(inst.name)
        if q is not None and q.boot_id != inst.boot_id:
            del self.pending[inst.name]  # a new boot: the old one's query is moot
            self.next_at[inst.name] = 0.0
            return
        if q is None or now - q.sent <= self.deadline:
            return
        del self.pending[inst.name]
        inst.queries["missed"] += 1
        if not inst.faulty:
            inst.faulty = True
            x = (inst.last_x or 0.0)
            text = f"hvmon query_missed instance={inst.name} nonce={q.nonce} " \
                   f"deadline_s={self.deadline:g}"
            inst.alarms.append({"x": x, "level": "major", "text": text, "cleared": False,
                                "incident": None, "category": "query_missed"})
            inst.marks.append((x, "alarm", "major", text, None))
        fleet.record("query_missed", instance=inst.name, nonce=q.nonce, boot_id=q.boot_id,
                     deadline_s=self.deadline)

    def _maybe_send(self, fleet, inst, now):
        if inst.name in self.pending or inst.boot_id is None or inst.stopped:
            return
        if now < self.next_at.get(inst.name, 0.0):
            return
        nonce = self._nonce()
        line = sign(self.key, inst.name, inst.boot_id, nonce, "status") + "\n"
        for label in sorted(inst.sources):
            if self.send(label, line.encode()):
                self.pending[inst.name] = Query(nonce, self.clock(), inst.boot_id)
                inst.queries["sent"] += 1
                self.next_at[inst.name] = now + self.t1
                return
        self.next_at[inst.name] = now + self.t1  # no writable source: try again later

    def on_record(self, fleet, label, rec, now):
        """Every record as it arrives: the answers and refusals."""
        if "seq" not in rec or not self.pending:
            return
        f = rec["fields"]
        with fleet.lock:
            inst = fleet.instance_for(label)
            q = self.pending.get(inst.name)
            if rec["cat"] == "stat" and rec["name"] == "status" and q is not None and \
                    f.get("nonce") == str(q.nonce):
                del self.pending[inst.name]
                rtt = now - q.sent
                inst.queries["answered"] += 1
                inst.query_rtt_s.append(rtt)
                del inst.query_rtt_s[:-1000]
                if inst.faulty:
                    inst.faulty = False
                    for a in inst.alarms:
                        if a["category"] == "query_missed":
                            a["cleared"] = True
                    fleet.record("query_answered_again", instance=inst.name, rtt_s=round(rtt, 4))
            elif rec["cat"] == "event" and rec["name"] == "control_refused" and q is not None \
                    and f.get("nonce") == str(q.nonce):
                del self.pending[inst.name]
                inst.queries["refused"] += 1
                fleet.record("query_refused", instance=inst.name, nonce=q.nonce,
                             why=f.get("why"))
