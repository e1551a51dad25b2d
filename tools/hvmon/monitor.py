"""The live loop: sources -> decoder -> fleet; silence -> dead -> restart;
status queries (tools/hvmon/prober.py) sent and their answers timed.

Monitor calls prober.tick(fleet, now) every loop and hands it every
record; without a control key it sends nothing, and silence alone (no
record for longer than T2 from an instance whose stat_ms records should
be coming) marks an instance dead.
"""
import os
import queue
import time

from . import parse
from .model import Fleet
from .prober import Prober
from .qmp import Restarter
from .sources import Source


class Monitor:
    def __init__(self, specs, t2=5.0, follow=True, journal=None, qmp=None, relaunch=None,
                 restart_mode="reset", prober=None, on_record=None, capture=None,
                 status_cb=None):
        self.q = queue.Queue()
        self.fleet = Fleet(journal)
        self.sources = [Source(s, self.q, follow=follow) for s in specs]
        self.decoders = {s.label: (parse.StreamDecoder(), parse.LineSplitter())
                         for s in self.sources}
        self.t2 = t2
        self.by_label = {s.label: s for s in self.sources}
        self.prober = prober or Prober()
        if self.prober.send is None:
            self.prober.send = self.send
        self.restarter = Restarter(self.fleet, qmp, relaunch, restart_mode)
        self.on_record = on_record
        self.live = 0
        self.bytes_in = 0
        self.capture = capture      # directory: the raw bytes of each source
        self.status_cb = status_cb  # called about twice a second
        self._status_t = 0.0

    def start(self):
        for s in self.sources:
            s.start()
        self.live = len(self.sources)

    def stop(self):
        for s in self.sources:
            s.stop()

    def send(self, label, data):
        """Bytes to a source's log port (the control channel)."""
        src = self.by_label.get(label)
        return src is not None and src.send(data)

    def _lines(self, label, lines, now):
        dec = self.decoders[label][0]
        for line in lines:
            for o in dec.feed(line):
                self.fleet.feed(label, o, now)
                self.prober.on_record(self.fleet, label, o, now)
                if self.on_record is not None:
                    self.on_record(label, o)

    def step(self, timeout=0.1):
        """Takes what the sources have, then checks silence.  False once
        every source has ended."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                label, data = self.q.get(timeout=max(left, 0.0)) if left > 0 else \
                    self.q.get_nowait()
            except queue.Empty:
                break
            now = time.monotonic()
            sp = self.decoders[label][1]
            if data is None:
                self.live -= 1
                self._lines(label, sp.flush(), now)
                continue
            self.bytes_in += len(data)
            if self.capture:
                safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)
                with open(os.path.join(self.capture, safe + ".log"), "ab") as f:
                    f.write(data)
            self._lines(label, sp.feed(data), now)
        now = time.monotonic()
        if self.status_cb is not None and now - self._status_t > 0.5:
            self._status_t = now
            self.status_cb(self.fleet)
        self.prober.tick(self.fleet, now)
        for inst in self.fleet.check_silence(now, self.t2):
            self.restarter.restart(inst)
        return self.live > 0

    def run(self, duration=None, until=None):
        """Runs until every source ended, duration seconds passed, or
        until(fleet) is true."""
        self.start()
        end = None if duration is None else time.monotonic() + duration
        while self.step():
            if end is not None and time.monotonic() >= end:
                break
            if until is not None and until(self.fleet):
                break
        self.stop()
        return self.fleet


def load_files(paths):
    """A fleet from finished captures (the page, tests)."""
    m = Monitor(paths, follow=False, t2=float("inf"))
    return m.run()
