"""A minimal QMP client (QEMU Machine Protocol, JSON over a socket) and
the restart of a dead instance through it."""
import json
import shlex
import socket
import subprocess
import time


def qmp_command(addr, command, timeout=5.0):
    """Runs one QMP command: addr is a unix socket path or tcp:HOST:PORT.
    Returns the reply's "return" (or raises RuntimeError)."""
    if addr.startswith("tcp:"):
        host, _, port = addr[4:].rpartition(":")
        s = socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr[5:] if addr.startswith("unix:") else addr)
    with s:
        f = s.makefile("rwb")

        def reply():
            while True:
                line = f.readline()
                if not line:
                    raise RuntimeError("QMP connection closed")
                m = json.loads(line)
                if "event" in m:
                    continue
                return m
        greeting = reply()
        if "QMP" not in greeting:
            raise RuntimeError(f"not a QMP greeting: {greeting}")
        for cmd in ("qmp_capabilities", command):
            f.write(json.dumps({"execute": cmd}).encode() + b"\n")
            f.flush()
            m = reply()
            if "error" in m:
                raise RuntimeError(f"{cmd}: {m['error']}")
        return m.get("return")


class Restarter:
    """Restarts dead instances: QMP system_reset (mode "reset"), or QMP
    quit and then the relaunch command (mode "relaunch", or when the
    reset fails and a command is given)."""

    def __init__(self, fleet, qmp=None, relaunch=None, mode="reset"):
        self.fleet, self.qmp, self.relaunch = fleet, qmp or {}, relaunch or {}
        self.mode = mode
        self.children = []

    def restart(self, inst):
        name = inst.name
        qmp, cmd = self.qmp.get(name), self.relaunch.get(name)
        if qmp is None and cmd is None:
            self.fleet.record("no_restart", instance=name, why="no --qmp or --relaunch for it")
            return False
        t0 = time.monotonic()
        if qmp is not None and (self.mode == "reset" or cmd is None):
            try:
                qmp_command(qmp, "system_reset")
                self.fleet.record("action", instance=name, how="qmp system_reset", qmp=qmp,
                                  ms=round((time.monotonic() - t0) * 1e3, 1))
                self._count(inst)
                return True
            except (OSError, RuntimeError, ValueError) as e:
                self.fleet.record("action_failed", instance=name, how="qmp system_reset",
                                  why=str(e))
                if cmd is None:
                    return False
        if qmp is not None:
            try:
                qmp_command(qmp, "quit")
                self.fleet.record("action", instance=name, how="qmp quit", qmp=qmp)
            except (OSError, RuntimeError, ValueError) as e:
                self.fleet.record("action_failed", instance=name, how="qmp quit", why=str(e))
        time.sleep(0.3)
        p = subprocess.Popen(shlex.split(cmd), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.children.append(p)
        self.fleet.record("action", instance=name, how="relaunch", command=cmd, pid=p.pid)
        self._count(inst)
        return True

    def _count(self, inst):
        with self.fleet.lock:
            inst.restarts["hvmon"] += 1
            inst.marks.append(((inst.last_x or 0) + (time.monotonic() - (inst.last_rx or 0)),
                               "action", "info", "hvmon restart", None))
