#!/usr/bin/env python3
"""End-to-end tests: boot the real images under QEMU and Bochs and assert
on the hypervisor's log (COM1) and the guest's console (COM2).

Each run has a wall-clock timeout and is stopped early when firmware
exception text appears or when its end marker is seen.  Every check
prints one PASS/FAIL line; the summary goes to BUILD/e2e/summary.txt as
"e2e <passed> <failed>".
"""
import argparse
import concurrent.futures
import json
import os
import re
import threading
import shutil
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
OVMF_SNAKEOIL = ("/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd", "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd")
# PANIC not inside base64 (a dump's dump_mem pieces may spell it)
FIRMWARE_FAULT = re.compile(r"!!!! X64 Exception|(?<![A-Za-z0-9+/])PANIC(?![A-Za-z0-9+/=])|HV-FAULT")
BASIC_SCENARIOS = "hello null badcall timer probe"
STOPPED = r"guest stopped: "


class Run:
    """One boot of one image in one emulator."""

    def __init__(self, name, emulator, hv_cmdline, guest_cmdline, end_marker,
                 timeout=120, cpu=None, guest_bytes=None, initrd=None, typing=None, memory=256,
                 commanding=None, steps=None, log_port="com1"):
        self.name = name
        self.emulator = emulator          # qemu-uefi | qemu-iso | bochs-vmx | bochs-svm
        self.hv_cmdline = hv_cmdline
        self.guest_cmdline = guest_cmdline
        # "com2:<regex>" watches the guest's console instead of the log
        self.end_on_com2 = end_marker.startswith("com2:")
        self.end_marker = re.compile(end_marker[5:] if self.end_on_com2 else end_marker)
        self.timeout = timeout
        self.cpu = cpu
        self.guest_bytes = guest_bytes    # None: the test guest; b"": no guest file
        self.initrd = initrd              # None: no initrd; bytes: its contents
        # [(regex, bytes)]: when the guest's console (COM2) shows regex, type
        # bytes into it, in order (QEMU only)
        self.typing = typing or []
        self.memory = memory              # QEMU -m, MiB
        # [(regex, fn)]: when the log (COM1) shows regex, send fn(log text)
        # (bytes) to the log port's receive side, the control channel
        # (QEMU only)
        self.commanding = commanding or []
        # [(regex, action)] (QEMU only): the machine is reset instead of
        # ending the run (no -no-reboot), and when COM1 shows regex (after
        # the previous step's match), the harness acts through the monitor:
        # "reset" (system_reset), or "corrupt:<offset>" (stop the machine,
        # flip a byte of the flight recorder's region at its base +
        # offset in RAM, then system_reset).  The end marker is looked for
        # after the last step's match.
        self.steps = steps or []
        # QEMU only: "com1" (the log on COM1), "none" (no UART at 0x3F8),
        # "com3" (none at 0x3F8, a UART at 0x3E8 whose output is com1.log)
        self.log_port = log_port
        self.com1 = ""
        self.com2 = ""
        self.wall = 0.0
        self.stopped_by = ""


def cmdline(run):
    return f"{run.hv_cmdline} -- {run.guest_cmdline}".strip()


def prepare_esp(run, build, work):
    esp = os.path.join(work, "esp")
    os.makedirs(os.path.join(esp, "EFI", "BOOT"))
    image = getattr(run, "efi_image", os.path.join("esp", "EFI", "BOOT", "BOOTX64.EFI"))
    shutil.copy(os.path.join(build, image), os.path.join(esp, "EFI", "BOOT", "BOOTX64.EFI"))
    if run.guest_bytes != b"":
        with open(os.path.join(esp, "guest.elf"), "wb") as f:
            f.write(run.guest_bytes if run.guest_bytes is not None else guest_image(build))
    line = cmdline(run)
    if run.initrd is not None:
        with open(os.path.join(esp, "initrd.img"), "wb") as f:
            f.write(run.initrd)
        line = "initrd=\\initrd.img " + line
    with open(os.path.join(esp, "hv.cfg"), "w") as f:
        f.write(line + "\n")
    return esp


def prepare_iso(run, build, work):
    root = os.path.join(work, "iso")
    os.makedirs(os.path.join(root, "boot", "grub"))
    shutil.copy(os.path.join(build, getattr(run, "mb2_image", "hv.elf")),
                os.path.join(root, "boot", "hv.elf"))
    with open(os.path.join(root, "boot", "guest.elf"), "wb") as f:
        f.write(run.guest_bytes if run.guest_bytes is not None else guest_image(build))
    initrd_line = ""
    if run.initrd is not None:
        with open(os.path.join(root, "boot", "initrd.img"), "wb") as f:
            f.write(run.initrd)
        initrd_line = "\tmodule2 /boot/initrd.img\n"
    with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
        f.write("set timeout=0\nset default=0\n"
                "menuentry \"hv\" {\n"
                f"\tmultiboot2 /boot/hv.elf {cmdline(run)}\n"
                "\tmodule2 /boot/guest.elf\n" + initrd_line + "\tboot\n}\n")
    iso = os.path.join(work, "hv.iso")
    subprocess.run(["grub-mkrescue", "-d", "/usr/lib/grub/i386-pc", "-o", iso, root],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return iso


def guest_image(build):
    with open(os.path.join(build, "guest.elf"), "rb") as f:
        return f.read()


# --accel kvm (scripts/nested-kvm.sh): the host's CPU, VMX or SVM nested
ACCEL = "tcg"


def host_backend():
    with open("/proc/cpuinfo") as f:
        return "vmx" if re.search(r"\bvmx\b", f.read()) else "svm"


def qemu_command(run, build, work, com1, com2):
    cpu = run.cpu or ("host" if ACCEL == "kvm" else "qemu64,+svm,+npt")
    log = f"pipe:{os.path.join(work, 'c1')}" if run.commanding else f"file:{com1}"
    serials = ["-serial", "none" if run.log_port != "com1" else log,
               "-serial", f"pipe:{os.path.join(work, 'c2')}" if run.typing else f"file:{com2}"]
    if run.log_port == "com3":
        serials += ["-serial", log]
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", ACCEL, "-smp",
           str(getattr(run, "smp", 1)),
           "-cpu", cpu, "-m", str(run.memory), "-display", "none", "-net", "none", *serials,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if getattr(run, "machine_opts", ""):
        cmd[cmd.index("q35")] = "q35," + run.machine_opts  # e.g. pit=off, acpi=off
    if run.steps:
        # RAM in a shared file the harness can read and write, and a
        # monitor: one machine across resets
        cmd[cmd.index("q35")] = "q35,memory-backend=ram0"
        cmd += ["-object", f"memory-backend-file,id=ram0,size={run.memory}M,"
                f"mem-path={ram_file(work)},share=on",
                "-monitor", f"unix:{os.path.join(work, 'mon.sock')},server,nowait"]
    else:
        cmd.append("-no-reboot")
        if getattr(run, "monitor_queries", None):
            cmd += ["-monitor", f"unix:{os.path.join(work, 'mon.sock')},server,nowait"]
    if run.emulator == "qemu-uefi":
        # ovmf="snakeoil": Debian's Secure Boot build, enforcing, with its
        # test key enrolled (docs/hardware.md)
        code, varst = OVMF_SNAKEOIL if getattr(run, "ovmf", "") == "snakeoil" else (OVMF_CODE, OVMF_VARS)
        vars_fd = os.path.join(work, "vars.fd")
        shutil.copy(varst, vars_fd)
        cmd += ["-drive", f"if=pflash,format=raw,readonly=on,file={code}",
                "-drive", f"if=pflash,format=raw,file={vars_fd}",
                "-drive", f"format=raw,file=fat:rw:{prepare_esp(run, build, work)}"]
    else:
        cmd += ["-cdrom", prepare_iso(run, build, work)]
    return cmd + getattr(run, "qemu_extra", []), {}


def bochs_command(run, build, work, com1, com2):
    env = dict(os.environ, TERM="dumb", ISO=prepare_iso(run, build, work), LOGDIR=work,
               CPUMODEL="corei7_skylake_x" if run.emulator == "bochs-vmx" else "ryzen")
    rc = os.path.join(work, "bochs.rc")
    with open(rc, "w") as f:
        f.write("c\nquit\n")
    return ["bochs", "-q", "-f", os.path.join(HERE, "bochsrc"), "-rc", rc], env


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("latin-1").replace("\r", "")
    except FileNotFoundError:
        return ""


def stop(proc, emulator):
    # Bochs ignores SIGTERM; SIGINT drops it into the debugger, which quits.
    proc.send_signal(signal.SIGINT if emulator.startswith("bochs") else signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Console:
    """A serial port through QEMU's pipe chardev (two FIFOs, <name>.in and
    <name>.out): what the machine writes is copied to the log file;
    type() writes to its input.  COM2 (c2) is the guest's console, COM1
    (c1) the hypervisor's log port and control channel."""

    def __init__(self, work, log, name="c2"):
        self.base = os.path.join(work, name)
        os.mkfifo(self.base + ".in")
        os.mkfifo(self.base + ".out")
        self.log = log
        self.fd_in = None
        threading.Thread(target=self.copy, daemon=True).start()

    def copy(self):
        fd = os.open(self.base + ".out", os.O_RDONLY)
        with open(self.log, "ab") as f:
            while True:
                data = os.read(fd, 4096)
                if not data:
                    break
                f.write(data)
                f.flush()

    def type(self, data):
        if self.fd_in is None:
            self.fd_in = os.open(self.base + ".in", os.O_WRONLY)
        os.write(self.fd_in, data)


def ram_file(work):
    """The RAM of a run with steps: in memory, not on disk."""
    return os.path.join("/dev/shm", f"hv-e2e-{os.getpid()}-{os.path.basename(work)}")


class Monitor:
    """QEMU's human monitor on a unix socket, and the machine's RAM file."""

    def __init__(self, work, memory):
        import socket
        self.work, self.memory = work, memory
        self.sock = socket.socket(socket.AF_UNIX)
        for _ in range(50):
            try:
                self.sock.connect(os.path.join(work, "mon.sock"))
                break
            except OSError:
                time.sleep(0.1)

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        time.sleep(0.5)

    def read_until_prompt(self, need_newline):
        """What the monitor prints up to its next "(qemu)" prompt (after a
        line break when need_newline: a command's echo ends with one)."""
        self.sock.settimeout(1.0)
        out, deadline = b"", time.monotonic() + 10
        while time.monotonic() < deadline:
            text = out.rstrip()
            if text.endswith(b"(qemu)") and (not need_newline or b"\n" in text):
                break
            try:
                data = self.sock.recv(65536)
            except OSError:
                continue
            if not data:
                break
            out += data
        return out.decode("latin-1").replace("\r", "")

    def ask(self, line):
        """Sends one command; returns what the monitor printed for it."""
        self.sock.sendall(line.encode() + b"\n")
        return self.read_until_prompt(True)

    def flip(self, addr):
        import mmap
        with open(ram_file(self.work), "r+b") as f:
            m = mmap.mmap(f.fileno(), self.memory << 20)
            m[addr] ^= 0xff
            m.flush()
            m.close()


def flip_logged(mon, text, logged, action):
    """Stops the machine and flips one byte, the action's offset (after its
    colon) past the address the last `logged` record names."""
    m = re.findall(logged + r"(0x[0-9a-f]+)", text)
    mon.cmd("stop")
    if m:
        mon.flip(int(m[-1], 16) + int(action.split(":")[1], 0))


def run_step(run, mon, action, text):
    if action == "reset":
        mon.cmd("system_reset")
    elif action.startswith("flip_pristine:"):  # a byte of the pristine guest copy
        flip_logged(mon, text, r"pristine sealed at=", action)
        mon.cmd("cont")
    elif action.startswith("corrupt:"):  # a byte of the flight recorder, then a reset
        flip_logged(mon, text, r"flight_recorder at=", action)
        mon.cmd("system_reset")
        mon.cmd("cont")


def ask_monitor(run, work):
    """A run's monitor_queries (QEMU human monitor commands), asked at its
    end marker while the machine still runs; answers in run.monitor."""
    queries = getattr(run, "monitor_queries", None)
    if not queries:
        return
    mon = Monitor(work, run.memory)
    mon.read_until_prompt(False)  # the banner and the first prompt
    run.monitor = {q: mon.ask(q) for q in queries}
    with open(os.path.join(work, "monitor.txt"), "w") as f:
        f.write("".join(f"### {q}\n{a}\n" for q, a in run.monitor.items()))


def execute(run, build):
    work = os.path.join(build, "e2e", run.name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if getattr(run, "missing", None):
        run.stopped_by = f"not run: {run.missing}"
        return run
    com1, com2 = os.path.join(work, "com1.log"), os.path.join(work, "com2.log")
    make = qemu_command if run.emulator.startswith("qemu") else bochs_command
    cmd, env = make(run, build, work, com1, com2)
    console = Console(work, com2) if run.typing else None
    control = Console(work, com1, "c1") if run.commanding else None
    typing = list(run.typing)
    commanding = list(run.commanding)
    steps, since = list(run.steps), 0
    start = time.monotonic()
    with open(os.path.join(work, "emulator.out"), "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env or None)
        mon = Monitor(work, run.memory) if steps else None
        while True:
            time.sleep(0.2)
            if typing and re.search(typing[0][0], read(com2)):
                console.type(typing.pop(0)[1])
            text = read(com1)
            if commanding and re.search(commanding[0][0], text):
                control.type(commanding.pop(0)[1](text))
            if steps:
                m = re.compile(steps[0][0]).search(text, since)
                if m:
                    run_step(run, mon, steps.pop(0)[1], text)
                    since = m.end()
            watched = read(com2) if run.end_on_com2 else text[since:]
            if proc.poll() is not None:
                run.stopped_by = f"emulator exited {proc.returncode}"
                break
            if FIRMWARE_FAULT.search(text):
                run.stopped_by = "fault text"
            elif not steps and run.end_marker.search(watched):
                time.sleep(0.5)  # let the last lines drain
                run.stopped_by = "end marker"
                ask_monitor(run, work)
            elif time.monotonic() - start > run.timeout:
                run.stopped_by = "timeout"
            else:
                continue
            stop(proc, run.emulator)
            break
    run.wall = time.monotonic() - start
    run.com1, run.com2 = read(com1), read(com2)
    if run.steps and os.path.exists(ram_file(work)):
        os.unlink(ram_file(work))
    return run


# ---- checks --------------------------------------------------------------------

class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, run, what, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {run.name}: {what}")
        else:
            self.failed += 1
            print(f"FAIL {run.name}: {what} {detail}".rstrip())
            print(f"     logs in {os.path.join('build', 'e2e', run.name)} ({run.stopped_by})")


def has(text, pattern):
    return re.search(pattern, text, re.M) is not None


def check_basic(res, run, backend):
    c1, c2 = run.com1, run.com2
    res.check(run, "no firmware or hypervisor fault", not FIRMWARE_FAULT.search(c1))
    res.check(run, f"backend {backend} selected", has(c1, rf"backend {backend} selected"))
    res.check(run, "guest says hello (both logs)",
              has(c2, r"^guest: hello ok abi=1 generation=1") and
              has(c1, r"guest hello stub_version=1 shared_page=0x9000"))
    res.check(run, "null hypercall round-trips", has(c2, r"^guest: null hypercall ok"))
    res.check(run, "unknown hypercall gets HV_E_NOSYS and is logged",
              has(c2, r"^guest: unknown hypercall refused ok") and
              has(c1, r"hypercall 57005 refused: unknown call number"))
    res.check(run, "guest's own timer delivers interrupts",
              has(c2, r"^guest: timer ok interrupts=\d+"))
    # the first page of the hypervisor image beyond guest RAM (guest.c, scenario_probe)
    m = re.search(r"image=(0x[0-9a-f]+)\+", c1)
    ram = re.search(r"ram=(\d+) KiB", c1)
    base = hex(max(int(m.group(1), 16), int(ram.group(1)) << 10)) if m and ram else "?"
    res.check(run, f"access to hypervisor memory at {base} caught, logged, handled by policy",
              m is not None and
              bool(find(run, "event", "mem_violation", gpa=base, owner='"?hypervisor image"?')) and
              not has(c2, "PROBE NOT CAUGHT"))
    res.check(run, "report stream decodes: CRCs good, no sequence gaps", stream_clean(run))


def check_spin(res, run):
    c1, c2 = run.com1, run.com2
    ticks = re.findall(r"tick (\d+) guest_rip=(0x[0-9a-f]+)", c1)
    rips = {rip for _, rip in ticks}
    res.check(run, "guest spins with cli",
              has(c2, r"^guest: spinning with interrupts disabled"))
    res.check(run, f"tick keeps counting while the guest spins ({len(ticks)} tick lines)",
              len(ticks) >= 3 and len(rips) == 1 and
              has(c1, r"guest stopped: tick limit reached \(maxticks\); ticks=\d+"))


def check_wd1_timer(res, run):
    """A heartbeat every tick (1 ms) on a guest spinning with IF=1: every other
    period the guest timer's interrupt falls due at the heartbeat NMI's entry and
    is handed to the backend (queue_intr; on SVM a virtual interrupt, which
    Bochs leaves masked at VMRUN: svm.c, virq_at_entry()).  One that never
    goes in starves the guest timer into a soft lockup."""
    c1, c2 = run.com1, run.com2
    res.check(run, "the CPU-bound workload completes under a 1 ms watchdog",
              has(c2, r"^guest: bench work_tsc=\d+"))
    res.check(run, "no soft lockup or hang: the timer interrupt that waits behind the "
              "heartbeat NMI goes in", not has(c1, r"event (soft_lockup|hang) "))


def check_initrd(res, run, size):
    res.check(run, f"the initrd ({size} bytes) is kept with the guest image",
              bool(find(run, "log", "initrd")) and has(run.com1, rf"initrd {size} bytes kept"))
    res.check(run, "and the guest runs as before", guest_hello(run, 1))


def check_initrd_too_big(res, run):
    res.check(run, "an initrd that does not fit after the image is refused, with the limit",
              has(run.com1, r"ERROR initrd (file|module) .* bytes, the limit is \d+") and
              not has(run.com1, "launching guest"))


# ---- a Linux guest (issue 9) ---------------------------------------------------

LINUX_CMDLINE = "console=ttyS1 acpi=off nolapic panic=0 initcall_blacklist=i8042_init"
# One line typed at the shell: its echo shows $((...)) unexpanded, the
# output the result, so each check below sees the command run.  The reads
# of /dev/port hit blocked ports 0x210-0x212, which Linux itself never
# touches (unlike 0x80, its I/O delay port): their blocked_io events carry
# the hypervisor's time.  0x210 -> 0x211 is what one `dd` costs; 0x211 ->
# 0x212 that plus `sleep 5` (five seconds, so that starting `sleep` costs
# little against them).
PORT_READ = b"dd if=/dev/port of=/dev/null bs=1 count=1 2>/dev/null skip="
LINUX_COMMANDS = (b"echo hello-from-$((6*7)); cat /proc/interrupts; " +
                  PORT_READ + b"528; " + PORT_READ + b"529; sleep 5; " + PORT_READ + b"530; "
                  b"echo linux-e2e-$((1+1))done\n")


# The guest programs the PIT's channel 0 at its fastest legal rate (mode 2,
# reload 2: 597 kHz; a count of 1 is illegal in mode 2) through /dev/port
# (control word 0x34 to port 0x43, then LSB and MSB to port 0x40, one
# byte per write), runs `sleep 1`, then powers off; reads of port 0x213
# before and after mark the span in the hypervisor's log.
PIT_BYTE = b" | dd of=/dev/port bs=1 count=1 conv=notrunc 2>/dev/null seek="
PIT_FASTEST = (PORT_READ + b"531; printf '\\064'" + PIT_BYTE + b"67; printf '\\002'" + PIT_BYTE +
               b"64; printf '\\000'" + PIT_BYTE + b"64; sleep 1; echo pit-fastest-$((2+2)); " +
               PORT_READ + b"531; ")


def check_pit_fastest(res, run):
    mark = find(run, "event", "blocked_io", port="0x213", access="in")
    since, until = (mark[0]["t_us"], mark[-1]["t_us"]) if len(mark) >= 2 else (1, 0)
    ticks = [r for r in records(run) if r.get("cat") == "tick" and since <= r["t_us"] <= until]
    # ticklog=50: a tick record every 50 ticks, written when the tick's
    # work runs; a late one means the tick was held up
    gaps = [b["t_us"] - a["t_us"] for a, b in zip(ticks, ticks[1:])]
    res.check(run, "a guest programming its PIT at the fastest rate: its shell still answers, and "
              "the hypervisor's tick work stays on time (a tick record every 50 ms, none late)",
              has(run.com2, r"^pit-fastest-4\r?$") and len(gaps) >= 2 and max(gaps) <= 60000,
              f"{len(ticks)} tick records, largest gap {max(gaps) if gaps else None} us")


# A Linux guest with no stub: idle at its shell, then busy, then a kernel
# panic.  With panic=0 a panicked kernel neither reboots nor stops (it
# spins in mdelay() with interrupts on); the hypervisor reads its panic
# line on the console it emulates and its policy resets the guest.
# stat_ms=1000: a `stat exits` record every second.  hvdemo=mark: the
# init reads port 0x214 as the shell starts, port 0x215 brackets the busy
# loop.
BUSY_LOOP = b"timeout 3 sh -c 'while :; do :; done'; "
LINUX_PANIC = (b"sleep 3; " + PORT_READ + b"533; " + BUSY_LOOP + PORT_READ + b"533; "
               b"echo c > /proc/sysrq-trigger\n")


# Generation 2 of the same run: a module spins with interrupts off (no
# stub: the hypervisor sees the PIT's interrupt never taken).
LINUX_HARDLOCKUP = b"insmod /lib/modules/hvcrash.ko fault=hardlockup\n"


def stat_records(run, name, since, until):
    """The `stat <name>` records whose interval lies wholly in [since, until]."""
    out = []
    for r in find(run, "stat", name):
        span = int(r["fields"].get("interval_ms", "0")) * 1000
        if since <= r["t_us"] - span and r["t_us"] <= until:
            out.append(r["fields"])
    return out


def check_periodic_stats(res, run):
    mark = find(run, "event", "blocked_io", port="0x215", access="in")
    since, until = (mark[0]["t_us"], mark[-1]["t_us"]) if len(mark) >= 2 else (1, 0)
    n = lambda r, k: int(r.get(k, "0"))
    idle = stat_records(run, "exits", 0, since)[-2:]
    busy = stat_records(run, "exits", since, until)
    res.check(run, "exits by reason every second (stat_ms=1000): an idle Linux guest halts "
              "between timer interrupts, a busy one does not",
              len(idle) == 2 and all(n(r, "hlt") >= 50 for r in idle) and
              len(busy) >= 1 and all(n(r, "hlt") < 10 for r in busy),
              f"idle={idle} busy={busy}")
    pct = lambda r, k: float(r.get(k, "0"))
    idle = stat_records(run, "cpu", 0, since)[-2:]
    busy = stat_records(run, "cpu", since, until)
    res.check(run, "CPU shares and state every second: the idle guest sleeping (idle above half), "
              "the busy one running (guest above half); the shares add up to 100 %",
              len(idle) == 2 and all(r.get("state") == "sleeping" and pct(r, "idle_pct") > 50
                                     for r in idle) and
              len(busy) >= 1 and all(r.get("state") == "running" and pct(r, "guest_pct") > 50
                                     for r in busy) and
              all(abs(pct(r, "guest_pct") + pct(r, "hv_pct") + pct(r, "idle_pct") - 100) < 0.05
                  for r in idle + busy) and
              all(re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.get("wall", ""))
                  for r in idle + busy),
              f"idle={idle} busy={busy}")
    ident = find(run, "log", "identity", instance="hv0", boot_id="[0-9a-f]{16}",
                 wall=r"20\d\d-.*Z")
    res.check(run, "the log names its instance, a boot id and the wall-clock time at boot",
              len(ident) == 1, str(ident))


def check_linux_panic(res, run):
    c1, c2 = run.com1, run.com2
    shells = len(re.findall(r"^linux-demo: shell ready", c2, re.M))
    check_periodic_stats(res, run)
    panic = find(run, "event", "panic", source="console")
    res.check(run, "a kernel panic without a stub is caught from the panic line on the emulated "
              "console, with its reason",
              has(c2, r"Kernel panic - not syncing: sysrq triggered crash") and len(panic) == 1 and
              panic[0]["fields"].get("msg") == "sysrq_triggered_crash", str(panic[:1]))
    ready = find(run, "event", "blocked_io", port="0x214", access="in")
    gap = (ready[1]["t_us"] - panic[0]["t_us"]) / 1000 if len(ready) >= 2 and panic else None
    res.check(run, "the policy resets it, and the kernel boots to the shell again (generation 2)",
              len(find(run, "decision", "match", rule="any_panic", action="reset")) == 1 and
              shells >= 2 and gap is not None and gap > 0, f"panic-to-shell {gap} ms")
    cleared = [r["fields"].get("why") for r in find(run, "alarm", "alarm") if "why" in r["fields"]]
    res.check(run, "without a stub each incident ends with the reset: its alarm cleared then",
              cleared == ["reset_done", "reset_done"], str(cleared))
    lock = find(run, "event", "soft_lockup", stub="down")
    held = int(lock[0]["fields"].get("irqs_held_ms", "0")) if lock else 0
    res.check(run, "a hard lockup without a stub (a module spinning with interrupts off) is "
              "caught: the PIT's interrupt held back for irq_hold_ms (5000 ms), then a reset",
              has(c2, r"hvcrash: fault=hardlockup") and len(lock) == 1 and 5000 <= held <= 6000 and
              len(find(run, "decision", "match", rule="any_soft_lockup", action="reset")) == 1 and
              shells == 3 and has(c1, r"guest powered off rip=0x[0-9a-f]+ generation=3"),
              str(lock[:1]))
    res.check(run, "the stream is whole", stream_clean(run))


# ---- the control channel (issue 12) ---------------------------------------------

CONTROL_KEY = os.path.join(HERE, "..", "keys", "control-test.key")
WRONG_KEY = bytes(range(32))


def control_line(text, nonce, op, arg=None, key=None, instance=None, boot_id=None):
    """A signed command for the instance whose identity record is in text."""
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
    import hvctl
    m = hvctl.IDENTITY.findall(text)
    inst, boot = m[-1] if m else ("?", "0" * 16)
    k = key if key is not None else hvctl.read_key(CONTROL_KEY)
    return (hvctl.sign(k, instance or inst, boot_id or boot, nonce, op, arg) + "\n").encode()


HELLO_1 = r"guest hello .*generation=1 "
# Each step waits for what the one before it left in the log.
CONTROL_STEPS = [
    (HELLO_1, lambda t: control_line(t, 5, "restart", key=WRONG_KEY)),           # forged
    (r"control_refused why=bad_mac", lambda t: control_line(t, 5, "status")),
    (r"stat status .*nonce=5 ", lambda t: control_line(t, 5, "restart")),        # replayed
    (r"control_refused why=replayed", lambda t: control_line(t, 6, "park", instance="hv9")),
    (r"control_refused why=other_instance",
     lambda t: control_line(t, 6, "park", boot_id="0123456789abcdef")),
    (r"control_refused why=other_boot", lambda t: b"HVC1 garbage\n"),
    (r"control_refused why=no_mac", lambda t: control_line(t, 6, "park")),
    (r"outcome parked ", lambda t: control_line(t, 7, "status")),
    (r"stat status .*nonce=7 ", lambda t: control_line(t, 8, "resume")),
    (r"guest hello .*generation=2 ", lambda t: control_line(t, 9, "restart")),
    (r"guest hello .*generation=3 ", lambda t: control_line(t, 10, "dump", "mini")),
    (r"dump_end ", lambda t: control_line(t, 11, "status")),
    (r"stat status .*nonce=11 ", lambda t: control_line(t, 12, "checkpoint", "0")),
    (r"control op=checkpoint slot=0 result=saved", lambda t: control_line(t, 13, "rollback", "1")),
    (r"control op=rollback nonce=13 slot=1 result=empty_slot",
     lambda t: control_line(t, 14, "rollback", "0")),
]


def check_control(res, run):
    refused = [r["fields"].get("why") for r in find(run, "event", "control_refused")]
    res.check(run, "forged, replayed, foreign (instance, boot) and malformed commands are refused "
              "and audited, in order",
              refused == ["bad_mac", "replayed", "other_instance", "other_boot", "no_mac"],
              str(refused))
    gens = re.findall(r"guest hello .*generation=(\d+) ", run.com1)
    last = max((r["seq"] for r in find(run, "event", "control_refused")), default=None)
    changes = [r["seq"] for r in find(run, "action", "park") + find(run, "action", "reset")]
    res.check(run, "... and change nothing: no park or reset before the last refusal",
              last is not None and all(seq > last for seq in changes), f"last={last} {changes}")
    st = find(run, "stat", "status")
    res.check(run, "status (M8): instance, boot, state parameters, wall-clock time; parked shows "
              "as stopped",
              [r["fields"].get("nonce") for r in st] == ["5", "7", "11"] and
              st[0]["fields"].get("state") == "running" and st[1]["fields"].get("parked") == "yes" and
              st[1]["fields"].get("state") == "stopped" and st[2]["fields"].get("generation") == "3"
              and all(r["fields"].get("instance") == "hv0" for r in st) and
              all(re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["fields"].get("wall", ""))
                  for r in st), str([r["text"] for r in st]))
    begin = find(run, "action", "dump_begin", cause="operator", level="mini")
    res.check(run, "dump mini: taken on request, then the guest runs on (generation 3, no fault)",
              len(begin) == 1 and bool(find(run, "action", "dump_end")) and len(st) == 3 and
              st[2]["fields"].get("state") == "running" and begin[0]["seq"] < st[2]["seq"] and
              not find(run, "event", "hang") and not find(run, "event", "soft_lockup"),
              str([r["text"] for r in begin]))
    parks = find(run, "action", "park", reason="operator")
    resets = find(run, "action", "reset")
    res.check(run, "park, resume and restart run: parked by the operator, then generations 2 and 3",
              len(parks) == 1 and gens == ["1", "2", "3"] and
              [r["fields"].get("generation") for r in resets if "generation" in r["fields"]] ==
              ["2", "3"], f"parks={len(parks)} generations={gens}")
    saved = find(run, "outcome", "control", op="checkpoint", slot="0", result="saved")
    empty = find(run, "outcome", "control", op="rollback", slot="1", result="empty_slot")
    back = find(run, "outcome", "rollback", slot="0")
    res.check(run, "checkpoint 0 saved on request; rollback 1 (empty) refused; rollback 0 done, "
              "the guest running on in generation 3 (no restart, no fault)",
              len(saved) == 1 and len(empty) == 1 and len(back) == 1 and
              "done" in back[0]["text"] and saved[0]["seq"] < empty[0]["seq"] < back[0]["seq"] and
              gens == ["1", "2", "3"] and not find(run, "event", "hang") and
              not find(run, "event", "soft_lockup"),
              str([r["text"] for r in saved + empty + back]))
    inc = [r["fields"].get("incident") for r in parks + resets]
    res.check(run, "each operator request is an incident of its own, and no policy decision",
              len(set(inc)) == 3 and None not in inc and not find(run, "decision", "match"), str(inc))
    res.check(run, "the stream is whole", stream_clean(run))


def linux_assets(build):
    """The kernel and initramfs scripts/linux-assets.sh fetched, or None."""
    try:
        with open(os.path.join(build, "linux", "vmlinuz"), "rb") as k, \
                open(os.path.join(build, "linux", "initrd.cpio"), "rb") as i:
            return k.read(), i.read()
    except OSError:
        return None


def irq_count(text, name):
    m = re.search(rf"^\s*\d+:\s+(\d+)\s+XT-PIC\s+{name}\s*$", text, re.M)
    return int(m.group(1)) if m else 0


def check_linux_shell(res, run):
    c1, c2 = run.com1, run.com2
    res.check(run, "the bzImage and its initrd are checked and loaded by the 64-bit boot protocol",
              has(c1, r"guest image ok kind=bzImage protocol=2\.\d+") and
              has(c1, r"initrd \d+ bytes kept"))
    res.check(run, "Debian's kernel boots to a busybox shell on the emulated COM2",
              has(c2, r"Linux version 6\.1") and has(c2, r"^linux-demo: shell ready"))
    res.check(run, "commands typed at the shell run (input and output through the UART)",
              has(c2, r"^hello-from-42\r?$"))
    res.check(run, "/proc/interrupts: the PIT's IRQ0 and COM2's IRQ3 counting through the 8259",
              irq_count(c2, "timer") > 100 and irq_count(c2, "ttyS1") > 0,
              f"timer={irq_count(c2, 'timer')} ttyS1={irq_count(c2, 'ttyS1')}")
    t = [find(run, "event", "blocked_io", port=p, access="in") for p in ("0x210", "0x211", "0x212")]
    dt = ((t[2][-1]["t_us"] - t[1][-1]["t_us"]) - (t[1][-1]["t_us"] - t[0][-1]["t_us"])) / 5e6 \
        if all(t) else None
    res.check(run, "a guest second is a second of hypervisor time (+-5 %, `sleep 5`)",
              dt is not None and 0.95 <= dt <= 1.05, f"{dt} s per guest second")
    res.check(run, "no guest fault, the stream whole",
              not find(run, "event", "triple_fault") and not find(run, "event", "unhandled_exit")
              and stream_clean(run))


def check_linux_poweroff(res, run):
    c1, c2 = run.com1, run.com2
    res.check(run, "Debian's kernel boots to a busybox shell on the emulated COM2",
              has(c1, r"guest image ok kind=bzImage") and has(c2, r"Linux version 6\.1") and
              has(c2, r"^linux-demo: shell ready"))
    res.check(run, "and powers off (`halt -f`): the run ends with no fault",
              has(c1, r"outcome guest powered off") and has(c1, r"guest stopped: guest powered off")
              and not find(run, "decision", "match", action="reset"))


def check_linux_reboots(res, run, reboots):
    check_linux_shell(res, run)
    c1, c2 = run.com1, run.com2
    asked = find(run, "action", "reboot")
    done = [r["fields"]["generation"] for r in find(run, "action", "reset") if "generation" in r["fields"]]
    res.check(run, f"`reboot -f` x{reboots}: each a requested restart (keyboard controller reset), "
              "the kernel and initrd reloaded, the shell back",
              len(asked) == reboots and done == [str(g + 2) for g in range(reboots)] and
              len(re.findall(r"^linux-demo: shell ready", c2, re.M)) == reboots + 1,
              f"requests={len(asked)} resets={done}")
    res.check(run, "not faults: no policy decision to reset, the restart budget untouched",
              not find(run, "decision", "match", action="reset") and
              not [r for r in find(run, "action", "reset") if "backoff_ms" in r["fields"]])
    res.check(run, "`halt -f` (interrupts off, HLT) powers the guest off and ends the run",
              has(c1, r"outcome guest powered off rip=0x[0-9a-f]+ generation=" + str(reboots + 1)))
    res.check(run, "... with the run's end record and the emulator's exit",
              has(c1, r"guest stopped: guest powered off") and
              run.stopped_by.startswith("emulator exited"))


def check_error(res, run, expect, status):
    c1 = run.com1
    res.check(run, f"clear error: {expect}",
              has(c1, r"HV1 \d+ \d+ \w+ \w+ ERROR .*" + expect) and
              not FIRMWARE_FAULT.search(c1) and not has(c1, "launching guest"))
    # OVMF's boot manager names the status the application returned.
    res.check(run, f"application returns '{status}' to the firmware",
              has(c1, r"returning to the firmware: ") and
              has(c1, r"BdsDxe: failed to start .*: " + status))


# ---- the Linux stub module (issue 10) -------------------------------------------

HVSTUB_PARAMS = "/sys/module/hvstub/parameters/"
# The collector's user counters (M7), generation 1: two from user space
# through the counter parameter, one from a module (hvcrash counter=,
# hvstub_register_counter()), then the list read back.
STUB_COUNTERS = (b"echo 'requests 42' > " + HVSTUB_PARAMS.encode() + b"counter; echo 'errors 7' > " +
                 HVSTUB_PARAMS.encode() + b"counter; insmod /lib/modules/hvcrash.ko counter=1234; "
                 b"sed 's/^/counters: /' " + HVSTUB_PARAMS.encode() + b"counters; ")
# Typed at each shell: the module's parameters as "path:value" lines, then
# the next fault.  Generation 1: three seconds of heartbeats, then a panic
# (sysrq); generation 2: an oops in a module (hvcrash, a NULL write);
# generation 3: power off.
STUB_TYPING = [
    (r"shell ready",
     b"grep . " + HVSTUB_PARAMS.encode() + b"*; " + STUB_COUNTERS + b"sleep 3; echo stub-beats-$(cat " +
     HVSTUB_PARAMS.encode() + b"heartbeats)-end; echo c > /proc/sysrq-trigger\n"),
    (r"(?s)(shell ready.*){2}",
     b"grep . " + HVSTUB_PARAMS.encode() + b"*; insmod /lib/modules/hvcrash.ko fault=null\n"),
    (r"(?s)(shell ready.*){3}",
     b"grep . " + HVSTUB_PARAMS.encode() + b"*; halt -f\n"),
]


# The ISO run's generation 2 (issue 10, M14), before the oops above: a page
# fault in a kernel thread of hvcrash, handed back as restart_module (the
# helper reloads hvcrash); a BUG() in another of its threads, handed back
# as the user command 5 hvcrash registered; the module's commands run by
# hand through its run= parameter: restart_task 0 (the demo service gets a
# new process), cleanup (drop caches), restart_task 7 (no such service:
# result -ENOENT).  Then the oops in hvcrash's init: restart_module again,
# which fails (a module stuck in its init cannot be unloaded), so the
# ladder resets the guest.
HVSTUB_RUN = HVSTUB_PARAMS.encode() + b"run"
STUB_COMMANDS = (
    b"grep . " + HVSTUB_PARAMS.encode() + b"*; insmod /lib/modules/hvcrash.ko fault=null thread=1; "
    b"sleep 3; echo reloaded-$(grep -c '^hvcrash ' /proc/modules)-end; rmmod hvcrash; "
    b"insmod /lib/modules/hvcrash.ko fault=bug thread=1 command=5; sleep 3; "
    b"p=$(cat /run/demo.pid); echo '2 0' > " + HVSTUB_RUN + b"; sleep 2; "
    b"echo service-$p-$(cat /run/demo.pid)-end; echo 1 > " + HVSTUB_RUN + b"; sleep 1; "
    b"echo '2 7' > " + HVSTUB_RUN + b"; sleep 1; rmmod hvcrash; "
    b"insmod /lib/modules/hvcrash.ko fault=null\n")


def stub_params(run):
    """The module's parameters as read at each shell: one dict per read."""
    reads = []
    for chunk in re.split(r"^linux-demo: shell ready", run.com2, flags=re.M)[1:]:
        vals = dict(re.findall(rf"^{re.escape(HVSTUB_PARAMS)}(\w+):(\S+)\r?$", chunk, re.M))
        if vals:
            reads.append(vals)
    return reads


def check_linux_stub(res, run, backend):
    c1, c2 = run.com1, run.com2
    hellos = find(run, "log", "guest", first="yes")
    gens = [h["fields"].get("generation") for h in hellos]
    res.check(run, "hvstub.ko loads and says hello: generation 1, a page of the kernel's own "
              "as the shared page",
              gens[:1] == ["1"] and hellos[0]["fields"].get("shared_page", "0x9000") != "0x9000"
              and has(c2, r"hvstub: hello abi=1 generation=1 restart_reason=none wd_ms=100 wd_k=10 "
                          rf"tick_us=1000 hello_deadline_ms=1200000 shared_page=0x[0-9a-f]+ "
                          rf"hypercall={'vmmcall' if backend == 'svm' else 'vmcall'}"), str(gens))
    reads = stub_params(run)
    first = reads[0] if reads else {}
    res.check(run, "its parameters read back at the shell match the hypervisor's "
              "(generation, restart reason, settings, shared page)",
              first.get("generation") == "1" and first.get("restart_reason") == "none" and
              first.get("abi_version") == "1" and first.get("wd_ms") == "100" and
              first.get("wd_k") == "10" and first.get("tick_us") == "1000" and
              first.get("hello_deadline_ms") == "1200000" and bool(hellos) and
              first.get("shared_page") == hellos[0]["fields"].get("shared_page"), str(first))
    m = re.search(r"^stub-beats-(\d+)-end", c2, re.M)
    beats = int(m.group(1)) if m else 0
    res.check(run, "heartbeats acknowledged for seconds (>= 25 NMIs answered by `sleep 3`'s end), "
              "no hang or soft lockup found",
              beats >= 25 and not find(run, "event", "hang") and
              not find(run, "event", "soft_lockup"), f"heartbeats={beats}")
    check_counters(res, run)
    panic = find(run, "event", "report", type="2", gen="1", module="vmlinux",
                 msg=r'"?sysrq_triggered_crash_at_sysrq_handle_crash\+0x[0-9a-f]+/0x[0-9a-f]+"?')
    res.check(run, "`echo c > /proc/sysrq-trigger`: a panic report with Linux's message, located "
              "at panic()'s caller (vmlinux, sysrq_handle_crash+offset)", bool(panic),
              str([r["text"] for r in find(run, "event", "report")]))
    check_chain(res, run, "panic", "any_panic", "reset", "restart", generation="2")
    gap = find(run, "outcome", "restart", generation="2")
    res.check(run, "the guest boots again to the shell; its hello says generation 2, "
              "restart reason panic",
              gens[1:2] == ["2"] and len(reads) >= 2 and reads[1].get("generation") == "2" and
              reads[1].get("restart_reason") == "panic" and
              has(c2, r"hvstub: hello abi=1 generation=2 restart_reason=panic "), str(reads[1:2]))
    if gap:
        print(f"     {run.name}: panic-to-hello gap {gap[0]['fields'].get('gap_ms')} ms "
              f"(hypervisor time)")
    # cr2 is the fault's address (0) even when the guest's CR2 has changed
    # since (the oops printout probes the code bytes before RIP, an
    # unmapped page at the start of hvcrash's code): then cr2_check says so
    oops = find(run, "event", "report", type="1", gen="2", vector="14", module="hvcrash",
                offset="0x[0-9a-f]+", cr2="0x0", cr2_check="match|mismatch")
    res.check(run, "an oops in another module (hvcrash, NULL write): an exception report, vector 14, "
              "CR2 0, located by module name + offset and symbol",
              bool(oops) and int(oops[0]["fields"]["offset"], 16) < 0x1000 and
              has(oops[0]["fields"].get("msg", ""), r"hvcrash_null_write\+"),
              str([r["text"] for r in find(run, "event", "report")]))
    if run.name.startswith("qemu-iso"):
        check_stub_commands(res, run)
    # the oops in hvcrash's init: the module rule hands back restart_module,
    # which cannot unload a module stuck in its init: the helper fails, the
    # stub acknowledges the failure, and the ladder resets at once
    failed = [r for r in records(run) if r.get("cat") == "outcome" and
              r.get("text", "").find("handback failed") >= 0]
    dec = [r for r in find(run, "decision", "match", rule="pf_in_hvcrash", action="handback")
           if failed and r["seq"] < failed[-1]["seq"]]
    res.check(run, "... matched by the module rule (pf_in_hvcrash): handed back as restart_module, "
              "which fails (hvcrash is stuck in its init: rmmod refused), acknowledged with "
              "result 1: the ladder resets at once",
              bool(dec) and len(failed) == 1 and
              re.search(r"handback failed cmd_id=\d+ result=1 gap_ms=\d+ next=reset",
                        failed[0]["text"]) is not None and
              has(c2, r"hvstub-helper: reload-module hvcrash: rmmod failed") and
              any(r["seq"] > failed[0]["seq"] for r in find(run, "action", "reset")),
              str([r["text"] for r in failed]))
    res.check(run, "... generation 3 says hello with restart reason exception",
              gens[2:3] == ["3"] and len(reads) >= 3 and
              reads[2].get("restart_reason") == "exception" and
              bool(find(run, "outcome", "restart", generation="3")), str(reads[2:3]))
    res.check(run, "`halt -f` powers the guest off: the run ends with no other fault",
              has(c1, r"outcome guest powered off rip=0x[0-9a-f]+ generation=3") and
              not find(run, "event", "triple_fault") and not find(run, "event", "bad_report")
              and stream_clean(run))


def check_counters(res, run):
    """The collector's user counters (STUB_COUNTERS), in the hypervisor's log."""
    listed = re.findall(r"^counters: (\d) (\S+) (\d+)\r?$", run.com2, re.M)
    hello2 = find(run, "log", "guest", generation="2")
    until = hello2[0]["t_us"] if hello2 else 1 << 62
    health = [r["fields"] for r in find(run, "stat", "health") if r["t_us"] < until]
    custom = [h.get("custom", "").split(",") for h in health]
    res.check(run, "user counters of the collector: two from user space (the counter parameter), "
              "one from a module (hvstub_register_counter), in slots 1-3 (slot 0: the load "
              "average), copied at each NMI into the shared page: the hypervisor's periodic "
              "`stat health` record shows custom=<load>,42,7,1234",
              [c[1:] for c in listed] == [("(load1)", listed[0][2] if listed else ""),
                                           ("requests", "42"), ("errors", "7"),
                                           ("hvcrash", "1234")][:len(listed)] and len(listed) == 4
              and any(len(c) == 4 and c[1:] == ["42", "7", "1234"] for c in custom),
              f"listed={listed} health custom={custom[-3:]}")


def handback_chain(run, rule, command, result):
    """The records of one hand-back: decision -> action -> acknowledgement
    with `result`, in this order; [] if any is missing."""
    for dec in find(run, "decision", "match", rule=rule, action="handback"):
        act = [r for r in find(run, "action", "handback", command=command) if r["seq"] > dec["seq"]]
        if not act:
            continue
        cmd_id = act[0]["fields"].get("cmd_id")
        ack = [r for r in records(run) if r.get("cat") == "outcome" and r["seq"] > act[0]["seq"]
               and re.search(rf"handback acknowledged cmd_id={cmd_id} result={result} ",
                             r.get("text", ""))]
        if ack:
            return [dec, act[0], ack[0]]
    return []


def check_stub_commands(res, run):
    """The module's commands (M14), generation 2 of the ISO run (STUB_COMMANDS)."""
    c2 = run.com2
    pf = find(run, "event", "report", type="1", gen="2", vector="14", module="hvcrash")
    chain = handback_chain(run, "pf_in_hvcrash", "4", "0")
    res.check(run, "a page fault in a kernel thread of hvcrash: reported located in hvcrash, "
              "matched by the module rule, handed back as restart_module arg=<its index>; the "
              "stub reloads hvcrash through its helper outside NMI context and acknowledges "
              "result 0",
              bool(pf) and bool(chain) and pf[0]["seq"] < chain[0]["seq"] and
              has(c2, r"hvstub: command restart_module op=4 arg=\d+ name=hvcrash cmd_id=1 "
                      r"result=0\r?$") and
              has(c2, r"hvstub-helper: reload-module hvcrash: done") and
              has(c2, r"^reloaded-1-end"), str([r["text"] for r in chain]))
    chain = handback_chain(run, "ud_in_hvcrash", "105", "0")
    res.check(run, "a BUG() in another thread: handed back as the user command 5 (op 105) that "
              "hvcrash registered with hvstub_register_command(); it runs and is acknowledged",
              bool(chain) and has(c2, r"hvcrash: user command 5 ran arg=0") and
              has(c2, r"hvstub: command user op=105 arg=0 cmd_id=2 result=0"),
              str([r["text"] for r in chain]))
    m = re.search(r"^service-(\d+)-(\d+)-end", c2, re.M)
    res.check(run, "run= by hand: restart_task 0 restarts the demo service (a new process), "
              "cleanup drops the caches (result 0), restart_task 7 (no such service) fails "
              "with -ENOENT",
              m is not None and m.group(1) != m.group(2) and
              has(c2, r"hvstub: command restart_task op=2 arg=0 name=demo cmd_id=0 result=0 ") and
              has(c2, r"hvstub: command cleanup op=1 arg=0 cmd_id=0 result=0 ") and
              has(c2, r"hvstub: command restart_task op=2 arg=7 cmd_id=0 result=-2 "),
              m.group(0) if m else "no service line")


def check_linux_stub_bochs(res, run):
    """VMX under Bochs, nobody typing: generation 1 panics, 2 powers off."""
    c1, c2 = run.com1, run.com2
    gens = [h["fields"].get("generation") for h in find(run, "log", "guest", first="yes")]
    res.check(run, "hvstub.ko says hello with VMCALL (generation 1)",
              gens[:1] == ["1"] and has(c2, r"hvstub: hello abi=1 generation=1 restart_reason=none "
                                            r".*hypercall=vmcall"), str(gens))
    res.check(run, "sysrq panic: a panic report with Linux's message and the symbol",
              bool(find(run, "event", "report", type="2", gen="1", module="vmlinux",
                        msg=r'"?sysrq_triggered_crash_at_sysrq_handle_crash\+0x[0-9a-f]+/0x[0-9a-f]+"?')))
    check_chain(res, run, "panic", "any_panic", "reset", "restart", generation="2")
    gap = find(run, "outcome", "restart", generation="2")
    res.check(run, "generation 2 says hello with restart reason panic, then powers off; "
              "no hang or soft lockup",
              gens[1:2] == ["2"] and has(c2, r"hvstub: hello abi=1 generation=2 restart_reason=panic ")
              and has(c1, r"outcome guest powered off rip=0x[0-9a-f]+ generation=2") and
              not find(run, "event", "hang") and not find(run, "event", "soft_lockup"), str(gens))
    if gap:
        print(f"     {run.name}: panic-to-hello gap {gap[0]['fields'].get('gap_ms')} ms, "
              f"{gap[0]['fields'].get('gap_tsc')} TSC cycles (Bochs: instructions)")


# The faults of a Linux guest with the stub, one per boot generation of
# one run (policy linux_stub_lab: a budget of 5 restarts, so the sixth
# fault parks the guest):
#   1 a #GP in hvcrash's init                 -> exception report, reset
#   2 a BUG() in hvcrash's init               -> handback user:5, which no
#     module registered: acknowledged -EOPNOTSUPP, the ladder resets
#   3 a hard lockup (interrupts off)          -> NMIs answered, the tick
#     stopped: the hypervisor's soft_lockup, reset
#   4 an NMI handler that never returns       -> hang, reset
#   5 a soft lockup (preemption off, interrupts on, 20 s), with Linux's
#     detector at 1 s and softlockup_panic=1 -> Linux's own detector
#     panics, the panic report, reset
#   6 a panic again                           -> past the budget: parked
#     with the emergency alarm
HVCRASH = b"insmod /lib/modules/hvcrash.ko "
STUB_FAULTS = [
    HVCRASH + b"fault=gpf\n",
    HVCRASH + b"fault=bug\n",
    HVCRASH + b"fault=hardlockup\n",
    HVCRASH + b"fault=nmihang\n",
    b"echo 1 > /proc/sys/kernel/watchdog_thresh; echo 1 > /proc/sys/kernel/softlockup_panic; " +
    HVCRASH + b"fault=softlockup seconds=20\n",
    b"echo c > /proc/sysrq-trigger\n",
]


def check_stub_faults(res, run):
    c1, c2 = run.com1, run.com2
    gens = [h["fields"].get("generation") for h in find(run, "log", "guest", first="yes")]
    res.check(run, "six boot generations, each with the stub's hello",
              gens == [str(g) for g in range(1, 7)], str(gens))
    gp = find(run, "event", "report", type="1", gen="1", vector="13", module="hvcrash")
    res.check(run, "generation 1, a #GP in a module: exception report, vector 13, located in "
              "hvcrash (hvcrash_gpf+offset), decision reset",
              bool(gp) and has(gp[0]["fields"].get("msg", ""), r".*hvcrash_gpf\+") and
              bool(find(run, "decision", "match", rule="any_exception", action="reset")),
              str([r["text"] for r in gp]))
    ud = find(run, "event", "report", type="1", gen="2", vector="6", module="hvcrash")
    failed = [r for r in records(run) if r.get("cat") == "outcome" and
              re.search(r"handback failed cmd_id=1 result=-95 gap_ms=\d+ next=reset",
                        r.get("text", ""))]
    res.check(run, "generation 2, BUG() in a module: exception report, vector 6; the module rule "
              "hands back user:5, which nobody registered: acknowledged -EOPNOTSUPP (-95), "
              "and the ladder resets at once",
              bool(ud) and bool(find(run, "action", "handback", command="105")) and
              len(failed) == 1 and has(c2, r"hvstub: command user op=105 arg=0 cmd_id=1 result=-95"),
              str([r["text"] for r in ud + failed]))
    lock = find(run, "event", "soft_lockup", stub="up")
    res.check(run, "generation 3, a hard lockup (interrupts off): the stub still answers the "
              "NMIs, but its tick count stands still: the hypervisor's soft_lockup, reset",
              len(lock) == 1 and has(c2, r"hvcrash: fault=hardlockup") and
              bool(find(run, "decision", "match", rule="any_soft_lockup", action="reset")) and
              bool(find(run, "log", "guest", first="yes", generation="4")) and
              lock[0]["seq"] < find(run, "log", "guest", first="yes", generation="4")[0]["seq"],
              str(lock[:1]))
    hang = find(run, "event", "hang")
    res.check(run, "generation 4, an NMI handler that never returns (hvcrash's, registered "
              "first): the NMIs go unanswered: hang, reset",
              len(hang) == 1 and has(c2, r"hvcrash: fault=nmihang") and
              bool(find(run, "decision", "match", rule="any_hang", action="reset")),
              str([r["text"] for r in hang]))
    soft = find(run, "event", "report", type="2", gen="5",
                msg=r'"?softlockup:_hung_tasks_at_.*"?')
    res.check(run, "generation 5, a soft lockup (preemption off, interrupts on): Linux's own "
              "detector (watchdog_thresh 1 s, softlockup_panic) panics, and the stub reports "
              "the panic with Linux's message; no soft_lockup or hang from the hypervisor then",
              bool(soft) and has(c2, r"watchdog: BUG: soft lockup - CPU#0 stuck for \d+s!") and
              len(find(run, "event", "soft_lockup")) == 1 and len(hang) == 1,
              str([r["text"] for r in find(run, "event", "report", gen="5")]))
    resets = [r["fields"].get("backoff_ms") for r in find(run, "action", "reset")
              if "backoff_ms" in r["fields"]]
    res.check(run, "generation 6, one crash too many: the restart budget (5 in an hour) is spent, "
              "the guest is parked with the emergency alarm",
              len(resets) == 5 and has(c1, r"restart budget exhausted max=5") and
              bool(find(run, "alarm", "alarm", level="emergency", category="parked")) and
              bool(find(run, "action", "park")) and has(c1, r"guest stopped: parked"),
              f"backoffs={resets}")
    res.check(run, "the stream is whole", stream_clean(run))


def check_stub_silent(res, run):
    silent = find(run, "event", "stub_silent")
    res.check(run, "the module not loaded (hvstub=off) under a policy that expects it: no hello "
              "within the policy's 90 s, a stub_silent event, the rule resets the guest "
              "(alarm major), generation 2 starts",
              len(silent) == 1 and not find(run, "log", "guest", first="yes") and
              has(run.com2, r"Linux version 6\.1") and
              bool(find(run, "decision", "match", rule="any_stub_silent", action="reset")) and
              bool(find(run, "alarm", "alarm", level="major", category="stub_silent")) and
              bool(find(run, "action", "reset", generation="2")),
              str([r["text"] for r in silent]))


def plan_linux_stub(assets):
    """Linux guests with the stub module (policy linux_stub)."""
    if assets is None:
        return []  # the Linux runs above already fail, saying why
    # both boot paths (SVM under QEMU)
    # wd_k=10: the guest's tick count may stand still for a second before
    # it is a soft lockup.  The default (2 x 100 ms) is too short for an
    # emulated CPU on a busy host: Linux prints to its serial console with
    # interrupts off, each byte an exit, and a burst of lines under a
    # starved QEMU keeps the timer out for longer than 200 ms.
    # stat_ms=1000: a `stat health` record (the collector) every second
    return [(Run(f"{emu}-linux-stub", emu,
                 "onstop=exit policy=linux_stub wd_k=10 stat_ms=1000 maxticks=300000",
                 LINUX_CMDLINE, r"(?!)", guest_bytes=assets[0], initrd=assets[1],
                 typing=STUB_TYPING if emu == "qemu-uefi" else
                 [STUB_TYPING[0], (STUB_TYPING[1][0], STUB_COMMANDS), STUB_TYPING[2]],
                 memory=512, timeout=300),
             lambda res, r: check_linux_stub(res, r, "svm"))
            for emu in ("qemu-iso", "qemu-uefi")] + \
        [(Run("qemu-iso-linux-stub-faults", "qemu-iso",
              "onstop=exit policy=linux_stub_lab wd_k=10 maxticks=900000",
              LINUX_CMDLINE, r"(?!)", guest_bytes=assets[0], initrd=assets[1],
              typing=[(rf"(?s)(shell ready.*){{{n + 1}}}", t) for n, t in enumerate(STUB_FAULTS)],
              memory=512, timeout=900), check_stub_faults),
         # ends once the ladder's reset is done (waiting out a second
         # silence would only add the 90 s deadline again); irq_hold_ms=0:
         # the stub-less guest's held-interrupt detector, which a starved
         # emulator can trip in 90 s, is not what this run is about
         (Run("qemu-iso-linux-stub-silent", "qemu-iso",
              "onstop=exit policy=linux_stub_lab wd_k=10 irq_hold_ms=0 maxticks=200000",
              LINUX_CMDLINE + " hvstub=off", r"action reset done generation=2",
              guest_bytes=assets[0], initrd=assets[1], memory=512, timeout=300),
          check_stub_silent)] + \
        [  # a panic dumped at the kernel level (mini + the VMCOREINFO
           # note's pages) and in full (all of guest RAM: about 60 MB of
           # the guest's 128 MiB are not zero, some 3 minutes of QEMU)
         (Run(f"qemu-iso-linux-dump{'-full' if level == 'full' else ''}", "qemu-iso",
              f"onstop=exit policy=linux_stub dump={n} wd_k=10 maxticks=900000",
              LINUX_CMDLINE, r"action reset done generation=2", guest_bytes=assets[0],
              initrd=assets[1], typing=[(r"shell ready", b"sleep 1; echo c > /proc/sysrq-trigger\n")],
              memory=512, timeout=900), lambda res, r, lv=level: check_linux_dump(res, r, lv))
         for level, n in (("kernel", 3), ("full", 2))] + \
        [(Run("bochs-vmx-linux-stub", "bochs-vmx", "onstop=exit policy=linux_stub wd_ms=1000 wd_k=10",
              LINUX_CMDLINE + " hvdemo=panic-once", STOPPED, guest_bytes=assets[0],
              initrd=assets[1], timeout=1200), check_linux_stub_bochs)]


# Checkpoint requests through the module's sysfs files (docs/hypercalls.md,
# "The Linux stub module"): signed here, at test time, by tools/ckptsign.py
# as the principal `app` of the test principals file (save, list, info),
# with nonces the host picks (1, 2, 3: the hypervisor's start at 0 at each
# launch), and typed into the shell.  Then the kernel's bad input: a short
# line and 176 characters that are not hex, both refused (EINVAL).
def ckpt_linux_typing():
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
    import ckptsign
    pid, key = ckptsign.principal_from_file(
        os.path.join(HERE, "..", "keys", "ckpt-test.principals"), "app")
    info = ckptsign.sign_request(key, 1, ckptsign.OPS["info"], 0, pid, 0, 1,
                                 ckptsign.INFO["generation"])
    save = ckptsign.sign_request(key, 2, ckptsign.OPS["save"], 0, pid, ckptsign.KNOWN_GOOD, 2, 0,
                                 b"linux")
    bad = bytearray(ckptsign.sign_request(key, 3, ckptsign.OPS["info"], 0, pid, 0, 3,
                                          ckptsign.INFO["tsc_hz"]))
    bad[-1] ^= 1  # one bit of the MAC
    req = HVSTUB_PARAMS.encode() + b"ckpt_request"
    # One command a line: busybox's line editor takes at most 1024
    # characters.  The requests wait for the refusals' marker, which only
    # the shell's arithmetic prints (the echoed command line holds $((...))).
    return [(r"shell ready",
             b"echo zz > " + req + b" || echo ckpt-einval-short-end; echo " + b"g" * 176 + b" > " +
             req + b" || echo ckpt-einval-hex-end; echo ckpt-$((0+1))-ready\n"),
            (r"(?m)^ckpt-1-ready",
             b"".join(b"echo " + r.hex().encode() + b" > " + req + b"\n" for r in (info, save, bad)) +
             b"sleep 2; sed 's/^/ckpt-event: /' " + HVSTUB_PARAMS.encode() +
             b"ckpt_events; echo ckpt-gen-$(cat " + HVSTUB_PARAMS.encode() + b"generation)-end; halt -f\n")]


def plan_linux_ckpt(assets):
    """The module's checkpoint API (policy linux_stub).  With the default
    build's 4 MiB slots the Linux guest's save does not fit (NOSPACE); a
    build whose slots hold its live memory (make CKPT_SLOTS=1
    CKPT_SLOT_MB=96, docs/checkpoints.md) answers it OK: the check follows
    the slot size the hypervisor logs at the ring's registration."""
    if assets is None:
        return []
    return [(Run("qemu-iso-linux-stub-ckpt", "qemu-iso",
                 "onstop=exit policy=linux_stub wd_k=10 maxticks=300000", LINUX_CMDLINE, STOPPED,
                 guest_bytes=assets[0], initrd=assets[1],
                 typing=ckpt_linux_typing(), memory=512, timeout=300), check_linux_ckpt)]


def check_linux_ckpt(res, run):
    c1, c2 = run.com1, run.com2
    reg = re.search(r"ckpt ring registered gpa=(0x[0-9a-f]+) vector=0 slots=\d+ slot_mb=(\d+)", c1)
    res.check(run, "hvstub.ko registers its ring page after the hello (polled: no vector)",
              reg is not None and has(c2, rf"hvstub: ckpt ring={reg.group(1)} notify=poll poll_ms=100"),
              reg.group(0) if reg else "no registration")
    res.check(run, "bad input refused by the module (EINVAL): a short line, 176 characters not hex",
              has(c2, r"^ckpt-einval-short-end\r?$") and has(c2, r"^ckpt-einval-hex-end\r?$"))
    ev = re.findall(r"^ckpt-event: (.*?)\r?$", c2, re.M)
    res.check(run, "INFO generation answered OK, value 1",
              "id=1 op=info status=ok reason=none slot=0 value=1" in ev, str(ev))
    fits = reg is not None and int(reg.group(2)) >= 96
    save = re.search(r"ckpt saved slot=0 generation=(\d+) ", c1)
    if fits:
        res.check(run, "SAVE into slot 0 answered OK with the slot's generation, the log's "
                  "`ckpt saved` record the same",
                  save is not None and
                  f"id=2 op=save status=ok reason=none slot=0 value={save.group(1)}" in ev, str(ev))
    else:
        res.check(run, "SAVE of the Linux guest into a small slot: NOSPACE (slots_full), in the "
                  "log too", save is None and
                  "id=2 op=save status=nospace reason=slots_full slot=0 value=0" in ev and
                  has(c1, r"ckpt refused op=save status=nospace reason=slots_full slot=0 id=2 "
                          r"principal=2 name=\S+"), str(ev))
    res.check(run, "a request with a bad MAC: DENIED bad_mac, audited in the log with the principal",
              "id=3 op=info status=denied reason=bad_mac slot=0 value=0" in ev and
              has(c1, r"ckpt denied op=info status=denied reason=bad_mac slot=0 id=3 principal=2 "
                      r"name=app"), str(ev))
    res.check(run, "exactly one answer per request, no rollback notice, generation still 1",
              len(ev) == 3 and has(c2, r"^ckpt-gen-1-end\r?$"), str(ev))


# ---- the decoded report stream (tools/hvlog-decode) ---------------------------

DECODER = None


def records(run):
    """JSON objects decoded from the run's COM1 log, cached on the run."""
    if getattr(run, "decoded", None) is None:
        text = run.com1
        if run.stopped_by == "end marker" and not text.endswith("\n"):
            # the emulator was stopped by the test in the middle of a line
            text = text[:text.rfind("\n") + 1]
        out = subprocess.run([DECODER], input=text.encode("latin-1"),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
        run.decoded = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    return run.decoded


def find(run, cat, name, **fields):
    """Records of category `cat` whose name is `name` and whose fields
    match (regex, anchored) every keyword given."""
    hits = []
    for rec in records(run):
        if rec.get("cat") != cat or rec.get("name") != name:
            continue
        f = rec.get("fields", {})
        if all(re.fullmatch(str(v), f.get(k, "")) for k, v in fields.items()):
            hits.append(rec)
    return hits


def stream_clean(run):
    summary = [r["summary"] for r in records(run) if "summary" in r]
    return bool(summary) and summary[-1]["crc_errors"] == 0 and summary[-1]["malformed"] == 0 \
        and summary[-1]["gaps"] == 0


def check_chain(res, run, event, rule, action, outcome, **outcome_fields):
    """Event -> decision -> action -> outcome, in this order in the stream."""
    ev = find(run, "event", event)
    dec = find(run, "decision", "match", rule=rule, action=action)
    act_name = {"reset": "reset", "handback": "handback", "park": "park"}[action]
    act = find(run, "action", act_name)
    out = find(run, "outcome", outcome, **outcome_fields)
    ordered = bool(ev and dec and act and out) and \
        ev[0]["seq"] < dec[0]["seq"] < act[0]["seq"] < out[-1]["seq"]
    res.check(run, f"{event} -> rule {rule} -> {action} -> {outcome}", ordered,
              f"(event={len(ev)} decision={len(dec)} action={len(act)} outcome={len(out)})")
    return ordered


# ---- fault scenarios (issue: detect, decide, recover) -------------------------

def guest_hello(run, generation):
    return has(run.com2, rf"^guest: hello ok abi=1 generation={generation}$")


def check_panic(res, run):
    check_chain(res, run, "panic", "any_panic", "reset", "restart", generation="2")
    res.check(run, "guest says hello again with generation 2", guest_hello(run, 2))
    res.check(run, "report recorded with type, rip and message",
              bool(find(run, "event", "report", type="2", msg='"?test_panic"?')))
    gap = find(run, "outcome", "restart", generation="2")
    res.check(run, "fault-to-hello gap logged", bool(gap) and "gap_ms" in gap[0]["fields"])


def check_ram_cleared(res, run):
    check_chain(res, run, "panic", "any_panic", "reset", "restart", generation="2")
    for gen in (1, 2):
        res.check(run, f"generation {gen} starts with the image's data, zero bss and zero free RAM",
                  has(run.com2, rf"^guest: ram check generation={gen} data=ok bss=ok high=ok$"))
    done = find(run, "action", "reset")
    cleared = [r["fields"].get("cleared_pages", "") for r in done if "cleared_pages" in r["fields"]]
    m = re.match(r"(\d+)/(\d+)$", cleared[0]) if cleared else None
    res.check(run, "the reset cleared only the pages the guest wrote (EPT/NPT dirty bits)",
              bool(m) and 0 < int(m.group(1)) < int(m.group(2)), str(cleared))


def check_pf_netdrv(res, run):
    check_chain(res, run, "exception", "pf_in_netdrv", "handback", "handback",
                cmd_id="1", result="0")
    res.check(run, "page fault located in module netdrv, CR2 cross-checked",
              bool(find(run, "event", "report", vector="14", module="netdrv",
                        cr2="0x123456789000", cr2_check="match")))
    res.check(run, "command was restart_module for module 0",
              bool(find(run, "action", "handback", command="4", arg="0")))


def check_lowmem(res, run):
    check_chain(res, run, "low_memory", "any_low_memory", "handback", "handback", cmd_id="1")
    res.check(run, "guest ran the cleanup command", has(run.com2, r"^guest: command cleanup run"))


def check_noack(res, run):
    timeout = find(run, "outcome", "timeout", action="handback", next="reset")
    res.check(run, "command not acknowledged before the deadline escalates to reset",
              bool(timeout) and not find(run, "outcome", "handback") and
              bool(find(run, "outcome", "restart", generation="2")))
    # One incident from the fault to the restarted stub's hello: every
    # record of the chain carries the same id (issue 12).
    chain = [find(run, *k) for k in (("event", "low_memory"), ("decision", "match"),
                                     ("alarm", "alarm"), ("event", "collector"),
                                     ("action", "handback"),
                                     ("outcome", "timeout"), ("action", "reset"),
                                     ("outcome", "restart"))]
    ids = [r["fields"].get("incident") for recs in chain for r in recs]
    res.check(run, "the whole chain (event, decision, alarm, collector values, hand-back, timeout, "
              "reset scheduled and done, restart) shares one incident id",
              all(chain) and len(set(ids)) == 1 and ids[0] is not None and ids[0].isdigit(),
              str(ids))
    cleared = find(run, "alarm", "alarm", incident=ids[0] if ids else "-",
                   why="restart_confirmed")
    res.check(run, "the incident's alarm is cleared when the restarted stub says hello",
              len(cleared) == 1 and cleared[0]["seq"] > chain[-1][-1]["seq"], str(cleared))


def check_soft_lockup(res, run, k=2):
    lock = find(run, "event", "soft_lockup")
    res.check(run, f"cli + endless loop detected within K+1={k + 1} periods (soft_lockup)",
              bool(lock) and int(lock[0]["fields"].get("frozen_periods", "99")) <= k + 1)
    check_chain(res, run, "soft_lockup", "any_soft_lockup", "reset", "restart", generation="2")
    res.check(run, "no hard hang reported for it", not find(run, "event", "hang"))


def check_nmi_hang(res, run, k=2):
    hang = find(run, "event", "hang")
    res.check(run, f"NMI handler that never returns: hang within K+1={k + 1} periods",
              bool(hang) and int(hang[0]["fields"].get("missed", "99")) <= k + 1)
    check_chain(res, run, "hang", "any_hang", "reset", "restart", generation="2")
    # The evidence the rule records (record=regs,shared) is the hang's.
    ids = [r["fields"].get("incident") for name in ("hang", "regs", "collector")
           for r in find(run, "event", name)]
    res.check(run, "the hang's event regs and event collector records carry its incident id",
              len(ids) == 3 and len(set(ids)) == 1 and ids[0] is not None, str(ids))


def check_triple(res, run):
    check_chain(res, run, "triple_fault", "any_triple_fault", "reset", "restart", generation="2")


def check_crashloop(res, run):
    res.check(run, "crashes at every boot: 3 restarts, then parked",
              len(find(run, "action", "reset", )) >= 6 and
              bool(find(run, "decision", "restart")) and bool(find(run, "action", "park")))
    res.check(run, "parking raises an emergency alarm",
              bool(find(run, "alarm", "alarm", level="emergency", category="parked")))
    res.check(run, "back-off doubles between restarts",
              [r["fields"].get("backoff_ms") for r in find(run, "action", "reset")
               if "backoff_ms" in r["fields"]][:3] == ["100", "200", "400"])


def check_no_hello(res, run):
    res.check(run, "stub silent after reset is its own event",
              bool(find(run, "event", "stub_silent")))
    res.check(run, "then the ladder parks the guest",
              bool(find(run, "outcome", "timeout", action="reset", next="park")) and
              bool(find(run, "action", "park")))


def check_platform_nmis(res, run):
    stat = find(run, "stat", "watchdog")
    f = stat[-1]["fields"] if stat else {}
    num = lambda k: int(f.get(k, "-1"))
    res.check(run, "platform NMIs forwarded and told apart by the stub",
              num("platform_sent") >= 5 and
              0 <= num("platform_sent") - num("platform_seen") <= 1, str(f))
    res.check(run, "every watchdog period accounted: sent + pending = periods, all acked",
              num("periods") > 5 and num("sent") + num("pending") == num("periods") and
              0 <= num("sent") - num("acked") <= 1, str(f))
    res.check(run, "no hang or lockup reported",
              not find(run, "event", "hang") and not find(run, "event", "soft_lockup"))


def check_usercall(res, run):
    res.check(run, "a hypercall from CPL 3 gets HV_E_PERM and is logged",
              has(run.com2, r"^guest: hypercall from CPL 3 refused status=-2$") and
              has(run.com1, r"hypercall 0 refused: caller at CPL 3"))


def check_log_flood(res, run):
    stop = re.search(r"guest stopped: [^;]*; .*log_dropped=(\d+)", run.com1)
    res.check(run, "3000 hellos and 10 integrity checks in a loop: the guest ran them all",
              has(run.com2, r"^guest: log flood done$"))
    res.check(run, "they are rate-limited: no record dropped, the stop record is there",
              bool(stop) and stop.group(1) == "0", stop.group(0) if stop else "no stop record")


def check_rehello(res, run):
    """A second hello in one boot generation (docs/hypercalls.md, HC_HELLO)."""
    res.check(run, "the stub re-initialized and said hello again",
              has(run.com2, r"^guest: stub re-initialized$") and
              bool(find(run, "log", "guest", first="no", handback_reposted="yes")))
    res.check(run, "the hand-back pending at the re-hello is re-posted and acknowledged",
              has(run.com2, r"^guest: pending command ran after the re-init$") and
              bool(find(run, "outcome", "handback", cmd_id="1")) and
              not find(run, "outcome", "timeout", action="handback"))
    reports = find(run, "event", "report", seq="1", gen="1")
    res.check(run, "a report after the re-hello, its seq back at 1, is accepted",
              len(reports) == 2 and len(re.findall(r"^guest: low memory reported status=0$",
                                                   run.com2, re.M)) == 2 and
              not find(run, "event", "bad_report"), f"(reports with seq 1: {len(reports)})")
    hang = find(run, "event", "hang")
    res.check(run, "a guest that hangs while saying hello in a loop is found hung",
              bool(hang) and has(run.com2, r"^guest: NMIs unanswered from now on"))
    check_chain(res, run, "hang", "any_hang", "reset", "restart", generation="2")


def check_bad_report(res, run):
    res.check(run, "malformed report is its own event, logged, guest continues",
              bool(find(run, "event", "bad_report", reason="bad_magic")) and
              bool(find(run, "outcome", "logged")) and
              has(run.com2, r"^guest: bad report refused status=-3"))


def check_hv_crash(res, run):
    crash = find(run, "alarm", "hv_crash", vector="14", cr2="0x2000000000")
    ctx = find(run, "alarm", "hv_crash_context")
    res.check(run, "the hypervisor's own page fault leaves a crash record (emergency, CRC-framed)",
              bool(crash) and crash[0]["level"] == "emerg" and bool(find(run, "alarm", "hv_crash_regs"))
              and bool(ctx) and int(ctx[0]["fields"].get("exits", "0")) > 0)
    res.check(run, "then the machine stops: nothing runs after the record",
              bool(ctx) and ctx[0]["seq"] == max(r.get("seq", -1) for r in records(run))
              and run.stopped_by.startswith("emulator exited"))


def check_isolation(res, run):
    m = re.search(r"^guest: isolation pages=(\d+) mem_caught=(\d+) ports=(\d+) port_reads_ff=(\d+) "
                  r"msrs=(\d+) msr_gp=(\d+) efer_svme=(\d) port_reads_like_cpu=(\d) "
                  r"integrity_same=(\d)", run.com2, re.M)
    res.check(run, "guest probed every hypervisor page (read+write), forbidden ports and MSRs: "
              "all refused", m is not None and has(run.com2, r"^guest: isolation ok$"),
              m.group(0) if m else "")
    if m:
        print(f"     {run.name}: pages probed {m.group(1)}, accesses caught {m.group(2)}, "
              f"ports tried {m.group(3)}, MSRs tried {m.group(5)} (+APIC base move), "
              f"#GP on MSRs {m.group(6)}")
    res.check(run, "a read of a blocked port floats high and extends like the CPU's (IN EAX "
              "zero-extends RAX, IN AX keeps its upper bits)", bool(m) and m.group(8) == "1")
    crcs = [r["fields"].get("crc") for r in find(run, "stat", "integrity")]
    res.check(run, "hypervisor code and control structures unchanged (CRC before = after)",
              len(crcs) >= 2 and crcs[0] == crcs[-1], str(crcs))
    parts = integrity_parts(run)
    res.check(run, "the CRC covers the code, the policy, the host's CPU tables (with the 256 KiB "
              "identity map) and the backend's controls", parts.get("text", 0) > 0 and
              parts.get("policy", 0) > 0 and parts.get("host", 0) > 256 * 1024 and "ctl" in parts,
              str(parts))
    res.check(run, "blocked accesses are events the policy handled",
              bool(find(run, "event", "mem_violation")) and bool(find(run, "event", "blocked_io"))
              and bool(find(run, "event", "blocked_msr")) and
              bool(find(run, "decision", "match", rule="any_blocked_msr", action="log")))
    res.check(run, "floods are limited and counted, the stream stays whole",
              bool(find(run, "stat", "suppressed")) and stream_clean(run))


def check_cpuprobe(res, run):
    m = re.search(r"^guest: cpu probe.* msrs=(\d+) msr_unexpected=(\d+) control_gp=(\d+) "
                  r"insn_ud=(\d+) invd_ok=(\d) cpuid_hidden=(\d) dr7_kept=(\d) tsc_moved=(\d) "
                  r"integrity_same=(\d)$", run.com2, re.M)
    g = (lambda i: m.group(i)) if m else (lambda i: "")
    res.check(run, "every MSR of the bitmap ranges and beyond (24,832, read and write): only the "
              "pass-through list and the emulated ones answer, every other access is #GP",
              g(1) == "24832" and g(2) == "0", m.group(0) if m else "no result line")
    res.check(run, "CR4.VMXE/SMXE/OSXSAVE and EFER reserved bit/SVME writes: #GP (5 of 5)",
              g(3) == "5")
    res.check(run, "XSETBV, MONITOR, MWAIT, GETSEC: #UD (4 of 4); INVD runs as a no-op",
              g(4) == "4" and g(5) == "1")
    # XSETBV and GETSEC raise #UD before any exit while CR4.OSXSAVE/SMXE
    # are clear (SDM 3C 25.1.1), which the guest cannot change.  Under
    # QEMU's TCG none of the three exits arrives (seen: no record, while
    # the guest still gets #UD for MONITOR/MWAIT, which its CPUID lacks,
    # and INVD changes nothing in an emulator): only Bochs shows them.
    if run.emulator.startswith("bochs"):
        res.check(run, "MONITOR, MWAIT and INVD were intercepted (the hypervisor's record of each)",
                  all(find(run, "log", "guest", insn=i) for i in ("monitor", "mwait", "invd")))
    res.check(run, "CPUID hides MONITOR, SMX, XSAVE/OSXSAVE/AVX, x2APIC, VMX/SVM, leaf 0x8000000A",
              g(6) == "1")
    res.check(run, "DR7 survives the exits", g(7) == "1")
    times = [r["t_us"] for r in records(run) if "t_us" in r]
    steady = bool(times) and all(b >= a for a, b in zip(times, times[1:])) and \
        all(b - a < 10_000_000 for a, b in zip(times, times[1:]))
    res.check(run, "the guest moved its TSC 2^40 ahead; the hypervisor's clock did not jump",
              g(8) == "1" and steady, f"last t_us={times[-1] if times else None}")
    res.check(run, "hypervisor code and control structures unchanged", g(9) == "1")
    res.check(run, "refused MSRs are policy events, floods limited, the stream whole",
              bool(find(run, "decision", "match", rule="any_blocked_msr", action="log")) and
              bool(find(run, "stat", "suppressed")) and stream_clean(run))
    res.check(run, "cpu probe ok", has(run.com2, r"^guest: cpu probe ok$"))


def check_clean_reset(res, run):
    check_chain(res, run, "panic", "any_panic", "reset", "restart", generation="2")
    m = re.search(r"^guest: clean generation=2 .*$", run.com2, re.M)
    res.check(run, "after a reset: LSTAR, KERNEL_GS_BASE, TSC_AUX, DR0, DR3, XMM0, MXCSR and the "
              "TSC back at their reset values", has(run.com2, r"^guest: clean cpu ok$"),
              m.group(0) if m else "")


def decided_before_stop(run):
    """Every "guest stopped" line follows a policy decision."""
    recs = records(run)
    stops = [r["seq"] for r in recs if r.get("name") == "guest" and "stopped" in r.get("text", "")]
    decisions = [r["seq"] for r in recs if r.get("cat") == "decision"]
    return all(any(d < s for d in decisions) for s in stops)


def check_unhandled_exit(res, run):
    check_chain(res, run, "unhandled_exit", "any_unhandled_exit", "reset", "restart",
                generation="2")
    ev = find(run, "event", "unhandled_exit")
    res.check(run, "the event carries the exit code and guest RIP",
              bool(ev) and "code" in ev[0]["fields"] and "rip" in ev[0]["fields"])
    res.check(run, "guest says hello again with generation 2", guest_hello(run, 2))


def check_entry_failed(res, run):
    res.check(run, "every failed entry is an entry_failed event decided by the policy",
              len(find(run, "event", "entry_failed")) >= 4 and
              bool(find(run, "decision", "match", rule="any_entry_failed", action="reset")))
    res.check(run, "a guest that can never enter: restarts, then parked with an emergency alarm",
              len(find(run, "action", "reset")) >= 3 and bool(find(run, "action", "park")) and
              bool(find(run, "alarm", "alarm", level="emergency", category="parked")))
    res.check(run, "nothing stopped without a decision", decided_before_stop(run))


def integrity_parts(run):
    """The first integrity record's parts=name:bytes,...,name as a dict."""
    recs = find(run, "stat", "integrity")
    field = recs[0]["fields"].get("parts", "") if recs else ""
    parts = {}
    for p in filter(None, field.split(",")):
        name, _, size = p.partition(":")
        parts[name] = int(size) if size.isdigit() else -1
    return parts


def check_fuzz(res, run):
    m = re.search(r"^guest: fuzz calls=(\d+) ok=(\d+) nosys=(\d+) perm=(\d+) inval=(\d+) "
                  r"range=(\d+) state=(\d+) busy=(\d+) undefined=(\d+)$", run.com2, re.M)
    res.check(run, "100,000 random hypercalls: every one answered with a defined status",
              m is not None and int(m.group(1)) == 100000 and m.group(9) == "0",
              m.group(0) if m else "")
    if m:
        print(f"     {run.name}: calls {m.group(1)}, ok {m.group(2)}, nosys {m.group(3)}, "
              f"inval {m.group(5)}, range {m.group(6)}, state {m.group(7)}, busy {m.group(8)}")
    wd = find(run, "stat", "watchdog")
    f = [r["fields"] for r in wd]
    res.check(run, "the watchdog kept ticking through the fuzzing, every heartbeat answered",
              len(f) >= 2 and int(f[-1]["periods"]) > int(f[0]["periods"]) and
              int(f[-1]["sent"]) - int(f[-1]["acked"]) <= 1 and not find(run, "event", "hang")
              and not find(run, "event", "soft_lockup"), str(f[-1]) if f else "")
    crcs = [r["fields"].get("crc") for r in find(run, "stat", "integrity")]
    res.check(run, "hypervisor faults: 0, code and control structures unchanged",
              not find(run, "alarm", "hv_crash") and len(crcs) >= 2 and crcs[0] == crcs[-1])


def check_host_nmi(res, run):
    stat = find(run, "stat", "watchdog")
    f = stat[-1]["fields"] if stat else {}
    res.check(run, "an NMI while the hypervisor runs is an alarm, then passed to the guest",
              bool(find(run, "alarm", "unexpected_nmi", where="hypervisor")) and
              int(f.get("platform_seen", "0")) >= 1 and not find(run, "alarm", "hv_crash") and
              not find(run, "event", "hang"), str(f))


RESTARTED = r"outcome restart confirmed generation=2"
# both integrity records, and the flood counts that follow a burst
ISOLATION_DONE = r"(?s)(?=.*integrity crc=.*integrity crc=)(?=.*suppressed event=blocked_io)"
FAULT_RUNS = [
    # name, guest command line, hypervisor extras, end marker, check, backends
    ("panic", "hello panic@1", "", RESTARTED, check_panic, "all"),
    # ramcheck before hello: its line is out before the end marker
    ("ram-clear", "ramcheck hello panic@1", "", RESTARTED, check_ram_cleared, "all"),
    ("pf-netdrv", "hello pf_netdrv@1", "", r"outcome handback acknowledged", check_pf_netdrv, "all"),
    ("lowmem", "hello lowmem@1", "", r"outcome handback acknowledged", check_lowmem, "all"),
    ("noack", "hello noack@1 lowmem@1", "", RESTARTED, check_noack, "all"),
    ("cli-spin", "hello spin@1", "", RESTARTED, check_soft_lockup, "all"),
    ("nmi-hang", "hello nmihang@1", "", RESTARTED, check_nmi_hang, "all"),
    # Bochs 2.7 panics on an SVM guest's triple fault (shared/docs/platform.md)
    ("triple", "hello triple@1", "", RESTARTED, check_triple, "no-bochs-svm"),
    ("crashloop", "hello panic", "", STOPPED, check_crashloop, "all"),
    ("no-hello", "hello@1 panic@1", "", STOPPED, check_no_hello, "all"),
    ("platform-nmi", "hello", "platform_nmi=7 maxticks=1500", STOPPED, check_platform_nmis, "all"),
    ("bad-report", "hello badreport", "maxticks=1000", STOPPED, check_bad_report, "all"),
    ("usercall", "hello usercall", "maxticks=600", STOPPED, check_usercall, "all"),
    ("log-flood", "hello logflood", "", STOPPED, check_log_flood, "all"),
    # a hand-back left pending, the stub re-initialized, a report with seq 1 again, then a hang
    # behind a hello loop
    ("rehello", "hello noack@1 lowmem@1 reinit@1 lowmem@1 hellohang@1", "", RESTARTED,
     check_rehello, "all"),
    ("fuzz", "hello fuzz", "maxticks=120000", r"(?s)integrity crc=.*integrity crc=", check_fuzz,
     "all"),
    ("isolation", "hello isolation", "policy=probe maxticks=60000", ISOLATION_DONE,
     check_isolation, "all"),
    ("cpuprobe", "hello cpuprobe", "policy=probe maxticks=60000", r"com2:guest: cpu probe (ok|BREACHED)",
     check_cpuprobe, "all"),
    ("clean-reset", "hello dirtycpu@1 panic@1 cleancheck@2", "", r"com2:guest: clean cpu (ok|STALE)",
     check_clean_reset, "all"),
    ("unhandled-exit", "hello rdpmc@1", "test_break=1", RESTARTED, check_unhandled_exit, "all"),
    ("entry-failed", "hello", "test_break=2", STOPPED, check_entry_failed, "all"),
    # on SVM host NMIs are the tick itself: only VMX can tell
    ("host-nmi", "hello", "self_nmi=300 maxticks=800", STOPPED, check_host_nmi, "vmx-only"),
    # no end marker: the run must end by itself (the emulator-exit port)
    ("hv-crash", "hello", "crash_test=300", r"(?!)", check_hv_crash, "all"),
]


# ---- crash dumps (docs/dumps.md) -----------------------------------------------

HVDUMP = None
# Bytes only the hypervisor holds (hv/dump.c, dump_hv_marker): never in a dump.
HV_MARKER = b"HV-PRIVATE-M24:7f3c19a2-only-in-the-hypervisor"


def dump_core(run):
    """hvdump over the run's log: (exit status, output, core bytes or None)."""
    work = os.path.join(os.path.dirname(DECODER), "..", "e2e", run.name)
    core = os.path.join(work, "core")
    if os.path.exists(core):
        os.unlink(core)
    p = subprocess.run([HVDUMP, os.path.join(work, "com1.log"), core], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    data = None
    if p.returncode == 0 and os.path.exists(core):
        with open(core, "rb") as f:
            data = f.read()
    return p.returncode, p.stdout.decode("latin-1"), core, data


def dump_data_from_log(run):
    """Every dump page rebuilt from the log's dump_page/dump_mem records,
    without hvdump (so a check on them holds even when hvdump refuses)."""
    import base64
    pages, cur = [], None
    for r in records(run):
        name = r.get("name")
        if name == "dump_page":
            cur = bytearray(4096)
            pages.append(cur)
        elif name == "dump_mem" and cur is not None:
            f = r["fields"]
            try:
                data, off = base64.b64decode(f["d"]), int(f["off"])
            except (KeyError, ValueError):
                continue
            cur[off:off + len(data)] = data[:4096 - off]
    return b"".join(bytes(p) for p in pages)


def dump_wire(run):
    """Bytes on the log port from the first dump_begin to its dump_end."""
    lines = run.com1.split("\n")
    start = next((i for i, l in enumerate(lines) if " dump_begin " in l), None)
    if start is None:
        return 0
    end = next((i for i in range(start, len(lines)) if " dump_end " in lines[i]), len(lines) - 1)
    return sum(len(l) + 2 for l in lines[start:end + 1])  # the UART sends \r\n


def dump_figures(run):
    end = find(run, "action", "dump_end")
    if not end:
        return
    f = end[0]["fields"]
    wire = dump_wire(run)
    secs = int(f["us"]) / 1e6
    print(f"     {run.name}: dump level={f['level']} pages={f['pages']} zero_pages={f['zero_pages']} "
          f"skipped={f['skipped']} guest_bytes={int(f['pages']) * 4096} wire_bytes={wire} "
          f"time={secs:.3f} s wire_rate={wire / secs if secs else 0:.0f} B/s")


def gdb_core(elf, core):
    p = subprocess.run(["gdb", "-batch", "-ex", "bt", "-ex", "info registers rip", elf, core],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return p.stdout.decode("latin-1")


def check_dump_common(res, run, level, cause, rule):
    begin = find(run, "action", "dump_begin", level=level, cause=cause, rule=rule)
    end = find(run, "action", "dump_end", level=level)
    reset = find(run, "action", "reset")
    res.check(run, f"a {level} dump of the {cause} is written before the reset",
              bool(begin) and bool(end) and bool(reset) and
              begin[0]["seq"] < end[0]["seq"] < reset[0]["seq"],
              f"(begin={len(begin)} end={len(end)} reset={len(reset)})")
    res.check(run, "report stream with the dump decodes: CRCs good, no sequence gaps",
              stream_clean(run))
    rc, out, core, data = dump_core(run)
    res.check(run, "hvdump verifies the dump and writes an ELF core",
              rc == 0 and data is not None and data[:4] == b"\x7fELF" and "crc" in out and " ok" in out,
              f"(exit {rc}) {out.strip()[:300]}")
    from_log = dump_data_from_log(run)
    res.check(run, "the hypervisor's private marker is in neither the dump's pages, the core, "
              "nor the log (M24)",
              len(from_log) > 0 and HV_MARKER not in from_log and
              (data is None or HV_MARKER not in data) and HV_MARKER.decode() not in run.com1,
              f"(pages from the log: {len(from_log) // 4096})")
    res.check(run, "the guest restarts after the dump (generation 2), no hang or lockup raised",
              guest_hello(run, 2) and not find(run, "event", "hang") and
              not find(run, "event", "soft_lockup"))
    dump_figures(run)
    return core, data


def dump_rip(run):
    for r in find(run, "stat", "dump_regs"):
        if "rip" in r["fields"]:
            return int(r["fields"]["rip"], 16)
    return None


def check_dump_gdb(res, run, core, data):
    if data is None:
        res.check(run, "gdb opens the core", False, "no core")
        return
    out = gdb_core(os.path.join(os.path.dirname(DECODER), "..", "guest.elf"), core)
    rip = dump_rip(run)
    m = re.search(r"^rip\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+<(\S+)>", out, re.M)
    res.check(run, "gdb bt on the core shows the faulting function (scenario_panic via hvstub_panic)",
              re.search(r"^#\d+ .*hvstub_panic", out, re.M) is not None and
              re.search(r"^#\d+ .*scenario_panic \(\) at tests/guest/guest.c", out, re.M) is not None,
              out[-600:])
    res.check(run, f"gdb's rip is the dump's ({hex(rip) if rip else '?'}), in hvstub_call",
              m is not None and rip is not None and int(m.group(1), 16) == rip and
              "hvstub_call" in m.group(2), m.group(0) if m else out[-300:])


def check_dump_mini(res, run):
    core, data = check_dump_common(res, run, "mini", "panic", "any_panic")
    end = find(run, "action", "dump_end", level="mini")
    res.check(run, "the mini dump is bounded: at most 64 KiB of guest pages",
              bool(end) and 0 < int(end[0]["fields"]["pages"]) * 4096 <= 65536,
              str(end[0]["fields"]) if end else "")
    check_dump_gdb(res, run, core, data)


def check_dump_full(res, run):
    core, data = check_dump_common(res, run, "full", "panic", "any_panic")
    end = find(run, "action", "dump_end", level="full")
    begin = find(run, "action", "dump_begin", level="full")
    f = end[0]["fields"] if end else {}
    ram_pages = int(begin[0]["fields"]["ram_bytes"]) // 4096 if begin else -1
    res.check(run, "the full dump covers all of guest RAM: pages sent + zero pages left out",
              bool(f) and int(f["pages"]) + int(f["zero_pages"]) == ram_pages and
              int(f["zero_pages"]) > 0, str(f))
    res.check(run, "progress records while it streams",
              len(find(run, "stat", "dump_progress")) >= 2)
    check_dump_gdb(res, run, core, data)


def check_dump_hvstack(res, run):
    core, data = check_dump_common(res, run, "mini", "mem_violation", "any_mem_violation")
    skips = find(run, "stat", "dump_skip", what="rsp", why="outside_ram")
    res.check(run, "the pages around an RSP in hypervisor memory are left out (outside_ram), "
              "not read", len(skips) == 4, str([r["text"] for r in skips]))


# ---- guest ranges, private data, stateless, requests (docs/dumps.md) ---------

KEYS = os.path.join(HERE, "..", "keys")
MARK_IMPORTANT = b"IMPORTANT-RANGE-MARKER-4b8e0c"
MARK_REGEN = b"REGENERABLE-RANGE-MARKER-71c2aa"
MARK_PRIVATE = b"PRIVATE-RANGE-MARKER-9d1e5c37"


def hvdump(run, *args, core=None):
    """hvdump with args over the run's log: (status, output, core bytes or None)."""
    work = os.path.join(os.path.dirname(DECODER), "..", "e2e", run.name)
    cmd = [HVDUMP, *args, os.path.join(work, "com1.log")]
    path = None
    if core:
        path = os.path.join(work, core)
        if os.path.exists(path):
            os.unlink(path)
        cmd.append(path)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    data = None
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            data = f.read()
    return p.returncode, p.stdout.decode("latin-1"), data


def elf_notes(core):
    """(name, type, desc) of every note in an ELF64 core's PT_NOTE segments."""
    out = []
    if not core or core[:4] != b"\x7fELF":
        return out
    phoff, = struct.unpack_from("<Q", core, 32)
    phentsize, phnum = struct.unpack_from("<HH", core, 54)
    for k in range(phnum):
        p_type, _, p_off, _, _, p_filesz = struct.unpack_from("<IIQQQQ", core, phoff + k * phentsize)
        at, end = p_off, p_off + p_filesz
        while p_type == 4 and at + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", core, at)
            name = core[at + 12:at + 12 + namesz].rstrip(b"\0").decode("latin-1")
            d = at + 12 + (namesz + 3) // 4 * 4
            out.append((name, ntype, core[d:d + descsz]))
            at = d + (descsz + 3) // 4 * 4
    return out


def makedumpfile_dmesg(core_path):
    """makedumpfile --dump-dmesg over a core: (usable, status, output, dmesg text)."""
    if shutil.which("makedumpfile") is None:
        return False, None, "makedumpfile is not installed", ""
    out = core_path + ".dmesg"
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.run(["makedumpfile", "--dump-dmesg", core_path, out], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    text = open(out, "rb").read().decode("latin-1") if os.path.exists(out) else ""
    return True, p.returncode, p.stdout.decode("latin-1"), text


def check_linux_dump(res, run, level):
    """A Linux guest's panic, dumped at `level` (kernel or full), with the
    VMCOREINFO note the stub registered (docs/dumps.md); for a full dump,
    makedumpfile --dump-dmesg reads the kernel's log from the core."""
    m = re.search(r"hvstub: vmcoreinfo gpa=(0x[0-9a-f]+) bytes=(\d+) status=0", run.com2)
    res.check(run, "the stub registers the kernel's VMCOREINFO note (HV_DUMP_VMCOREINFO)",
              bool(m) and "guest dump vmcoreinfo gpa=%s bytes=%s status=ok" % m.groups() in run.com1,
              run.com2[-300:] if not m else m.group(0))
    note = [r for r in find(run, "stat", "dump_note") if r["fields"].get("name") == "VMCOREINFO"]
    # a kernel dump sends the note's pages itself; a full one has them as RAM
    pages = find(run, "stat", "dump_page", what="vmcoreinfo")
    res.check(run, f"the {level} dump of the panic names the note"
              + (" and holds its pages" if level == "kernel" else ""),
              bool(find(run, "action", "dump_begin", level=level, cause="panic")) and
              len(note) == 1 and bool(m) and note[0]["fields"].get("gpa") == m.group(1) and
              len(pages) == (2 if level == "kernel" else 0), str([r["text"] for r in note + pages]))
    rc, out, core = hvdump(run, core="core")
    notes = {n: d for n, _, d in elf_notes(core)}
    vmci = notes.get("VMCOREINFO", b"").decode("latin-1")
    res.check(run, "hvdump writes it as the core's VMCOREINFO note (OSRELEASE, the printk ring's "
              "symbols), and says so in its HVDUMP note",
              rc == 0 and vmci.startswith("OSRELEASE=6.1") and "SYMBOL(prb)=" in vmci and
              "written as the VMCOREINFO note" in notes.get("HVDUMP", b"").decode("latin-1"),
              out.strip()[-300:] + " " + vmci[:120])
    res.check(run, "the stream with the dump decodes: CRCs good, no sequence gaps, nothing dropped",
              stream_clean(run))
    if level != "full":
        return
    work = os.path.join(os.path.dirname(DECODER), "..", "e2e", run.name)
    usable, st, mout, dmesg = makedumpfile_dmesg(os.path.join(work, "core"))
    if not usable:
        print(f"     {run.name}: makedumpfile is not installed (scripts/deps.sh installs it): "
              "not run")
        return
    res.check(run, "makedumpfile --dump-dmesg reads the kernel's log from the core, the panic "
              "message included",
              st == 0 and "Kernel panic - not syncing: sysrq triggered crash" in dmesg and
              "hvstub: vmcoreinfo" in dmesg, f"status {st}: {mout.strip()[-300:]}")
    end = find(run, "action", "dump_end", level="full")
    if end:
        f = end[0]["fields"]
        print(f"     {run.name}: full dump of the Linux guest: {f.get('pages')} pages, "
              f"{f.get('zero_pages')} zero pages left out, {int(f.get('us', 0)) / 1e6:.1f} s, "
              f"{len(run.com1.encode('latin-1')) / 1e6:.1f} MB of log")


def check_dump_ranges(res, run):
    res.check(run, "the guest's range calls get their codes (bad range, overlap, too many, ...)",
              "guest: dump ranges ok" in run.com2, run.com2[-300:])
    res.check(run, "a guest-requested kernel dump: the request and its dump are in the log, the "
              "second request refused (busy), the guest goes on",
              "guest dump request level=3 status=ok" in run.com1 and
              bool(find(run, "action", "dump_begin", level="kernel", cause="request")) and
              "guest: dump request ok" in run.com2, run.com2[-300:])
    begin = find(run, "action", "dump_begin", level="kernel", cause="panic")
    end = find(run, "action", "dump_end", level="kernel")
    res.check(run, "a kernel dump of the panic is written before the reset, 3 ranges listed",
              bool(begin) and begin[0]["fields"].get("ranges") == "3" and len(end) == 2, str(begin))
    res.check(run, "report stream with the dumps decodes: CRCs good, no sequence gaps",
              stream_clean(run))
    imp = find(run, "stat", "dump_page", what="important")
    from_log = dump_data_from_log(run)
    res.check(run, "the kernel dump holds the important range (its marker in the dump's pages)",
              len(imp) == 2 and MARK_IMPORTANT in from_log, f"important pages: {len(imp)}")
    regen = find(run, "stat", "dump_skip", what="regenerable", why="regenerable")
    res.check(run, "the regenerable range is left out, with a note, and its marker is in no dump",
              len(regen) == 2 and MARK_REGEN not in from_log, str([r["text"] for r in regen]))
    res.check(run, "the private marker is not in the raw log in plaintext, nor in base64 pieces",
              MARK_PRIVATE.decode() not in run.com1 and MARK_PRIVATE not in from_log and
              len(find(run, "stat", "dump_xpage")) == 2 and len(find(run, "stat", "dump_key")) == 2)
    rc, out, core = hvdump(run, "-k", os.path.join(KEYS, "dump-test.key"), core="core-key")
    res.check(run, "hvdump -k with the right key verifies, decrypts and writes the private marker "
              "into the core", rc == 0 and core is not None and MARK_PRIVATE in core and
              MARK_IMPORTANT in core and "2 private sealed (all decrypted)" not in out and
              "all decrypted" in out, out.strip()[-400:])
    rc, out, core = hvdump(run, "-k", os.path.join(KEYS, "dump-wrong.key"), core="core-wrong")
    work = os.path.join(os.path.dirname(DECODER), "..", "e2e", run.name)
    left = [n for n in os.listdir(work) if n.startswith("core-wrong")]
    res.check(run, "hvdump -k with a wrong key refuses: a clear error, exit 2, nothing written",
              rc == 2 and core is None and not left and "wrong key" in out and
              "nothing written" in out, out.strip()[-400:])
    rc, out, core = hvdump(run, core="core-nokey")
    res.check(run, "hvdump without -k writes the core without the private pages (noted)",
              rc == 0 and core is not None and MARK_PRIVATE not in core and
              b"left out: 1 private pages, sealed for key" in core, out.strip()[-300:])
    res.check(run, "the guest restarts after the dump (generation 2), no hang or lockup raised",
              guest_hello(run, 2) and not find(run, "event", "hang") and
              not find(run, "event", "soft_lockup"))
    dump_figures(run)


def check_dump_norng(res, run):
    res.check(run, "without RDSEED/RDRAND the private range is left out (no_rng), with a log line",
              bool(find(run, "action", "private_left_out", why="no_rng")) and
              bool(find(run, "stat", "dump_skip", what="private", why="no_rng")) and
              not find(run, "stat", "dump_xpage"),
              str([r["text"] for r in find(run, "action", "private_left_out")]))
    from_log = dump_data_from_log(run)
    res.check(run, "... and its marker is nowhere in the log", MARK_PRIVATE.decode() not in run.com1 and
              MARK_PRIVATE not in from_log and MARK_IMPORTANT in from_log)
    rc, out, _ = hvdump(run)
    res.check(run, "hvdump verifies the dump", rc == 0, out.strip()[-300:])


def check_dump_stateless(res, run):
    res.check(run, "a stateless guest is not dumped, and the log says so",
              bool(find(run, "action", "dump_not_taken", why="stateless", declared_by="guest")) and
              not find(run, "action", "dump_begin") and "declared stateless status=0" in run.com2,
              str([r["text"] for r in find(run, "action", "dump_not_taken")]))
    res.check(run, "... and it is reset as its rule says", guest_hello(run, 2))


# ---- checkpoints (docs/checkpoints.md) --------------------------------------

CKPT_END = r"com2:ckpt scenario done|ckpt restore FAILED|ckpt no answer"


def ckpt_events(run):
    """The guest's printed events: {id: [dict, ...]} in order."""
    out = {}
    for m in re.finditer(r"guest: ckpt event (id=\d+ .*)", run.com2):
        ev = dict(kv.split("=") for kv in m.group(1).split())
        out.setdefault(int(ev["id"]), []).append({k: int(v) for k, v in ev.items()})
    return out


def check_ckpt(res, run):
    ev = ckpt_events(run)
    def answer(rid, nth=-1):
        got = ev.get(rid, [])
        return got[nth] if len(got) > abs(nth) - (nth < 0) else {}
    res.check(run, "ckpt: the ring registered, INFO slots answered 2",
              "ckpt register status=0 magic_ok=1" in run.com2 and answer(1).get("value") == 2,
              str(answer(1)))
    res.check(run, "ckpt: save answered OK with its generation",
              answer(2).get("status") == 0 and answer(2).get("value", 0) >= 1, str(answer(2)))
    res.check(run, "ckpt: a restore on request brings the pre-checkpoint memory back, the carry range "
              "keeps its newest contents", "ckpt resumed phase=1 marker=24589" in run.com2 and
              answer(3, 0).get("status") == 0, str(answer(3, 0)))
    denials = [answer(rid) for rid in (3, 4, 5, 6)]
    want = [(2, 8), (2, 7), (2, 6), (2, 9)]  # DENIED: replay, bad_mac, unknown_principal, not_allowed
    res.check(run, "ckpt: replay, bad MAC, unknown principal, op not allowed: DENIED with the reason",
              [(d.get("status"), d.get("reason")) for d in denials] == want, str(denials))
    res.check(run, "ckpt: every denial audited in the log with the principal and the reason",
              len(re.findall(r"ckpt denied op=\w+ status=denied reason=(replay|bad_mac|unknown_principal|"
                             r"not_allowed)", run.com1)) == 4)
    res.check(run, "ckpt: a second save while one is in flight: BUSY; the first one OK",
              answer(8).get("status") == 3 and answer(8).get("reason") == 10 and
              answer(7).get("status") == 0, str((answer(7), answer(8))))
    res.check(run, "ckpt: LIST shows slot 0 known-good, DELETE answered OK",
              re.search(r"ckpt list slot0 generation=1 bytes=\d+ flags=1 slot1 generation=2", run.com2)
              is not None and answer(10).get("status") == 0, str(answer(10)))
    res.check(run, "ckpt: a save larger than its slot: NOSPACE (slots_full)",
              answer(11).get("status") == 4 and answer(11).get("reason") == 11, str(answer(11)))
    res.check(run, "ckpt: rollback by policy: pre-checkpoint memory, the guest told the event and slot",
              re.search(r"ckpt rolled back=1 marker=24589 big0=0 notify_irqs=[1-9]", run.com2) is not None and
              re.search(r"kind=2 op=0 status=0 reason=0 slot=0 event=3 value=\d+", run.com2) is not None)
    m = re.search(r"notify_irqs=(\d+)", run.com2)
    res.check(run, "ckpt: the guest is notified (its vector raised) when answers are written",
              m is not None and int(m.group(1)) > 0, m.group(0) if m else "")
    res.check(run, "ckpt: the rollback logged as the incident's action",
              re.search(r"action rollback slot=0", run.com1) is not None)
    for m in re.finditer(r"ckpt (saved|restored) slot=(\d) .*?pages_(?:checked=(\d+) pages_)?copied=(\d+)"
                         r".*?cost_tsc=(\d+)", run.com1):
        print(f"     {run.name}: {m.group(1)} slot {m.group(2)}: checked {m.group(3) or '-'} pages, "
              f"copied {m.group(4)}, cost {m.group(5)} tsc")


def check_ckptflood(res, run):
    rates = [(int(e), int(t)) for e, t in re.findall(r"ckpt flood events=(\d+) hv_ticks=(\d+)", run.com2)]
    res.check(run, "ckpt flood: the hypervisor takes at most 4 requests a tick",
              bool(rates) and all(e <= 4 * (t + 1) for e, t in rates), str(rates[-3:]))
    hang = find(run, "event", "hang")
    res.check(run, "ckpt flood: the watchdog still finds the hang of the flooding guest, which is reset",
              bool(hang) and guest_hello(run, 2), str([h["text"] for h in hang][:1]))
    lines = re.findall(r"ckpt denied op=info status=denied reason=replay", run.com1)
    res.check(run, "ckpt flood: its denials are audited, rate-limited (at most 8 lines a second)",
              0 < len(lines) <= 8 * (1 + max((t for _, t in rates), default=0) // 1000), str(len(lines)))


def plan_linux_snapshot(assets):
    """The Linux guest's fault-to-hello gap, from the snapshot and cold.  Only
    with E2E_CKPT_LINUX=1 and a build whose slots hold the kernel's live
    memory (make CKPT_SLOTS=1 CKPT_SLOT_MB=96; docs/checkpoints.md)."""
    if assets is None or os.environ.get("E2E_CKPT_LINUX") != "1":
        return []
    panic = [(r"shell ready", b"sleep 2; echo c > /proc/sysrq-trigger\n")]
    return [(Run(f"qemu-iso-linux-restart-{pol}", "qemu-iso",
                 f"onstop=exit policy={pol} wd_k=10 maxticks=300000", LINUX_CMDLINE, RESTARTED,
                 guest_bytes=assets[0], initrd=assets[1], typing=panic, memory=512, timeout=400),
             check_linux_restart)
            for pol in ("linux_stub_snapshot", "linux_stub")]


def check_linux_restart(res, run):
    gap = restart_gap(run)
    snap = "snapshot" in run.name
    res.check(run, f"Linux: a panic, the reset {'from the snapshot' if snap else 'cold'}, the module's "
              "hello of generation 2",
              gap is not None and (re.search(r"reset done generation=2 cost_tsc=\d+ from=snapshot",
                                             run.com1) is not None) == snap)
    # The snapshot was taken at the first hello, after the module had read
    # its generation: it reads it again after the hello (the wart of the
    # module saying generation=1 in generation 2).
    res.check(run, "the module's hello line says generation 2 (read again after the hello), restart "
              "reason panic", has(run.com2, r"hvstub: hello abi=1 generation=2 restart_reason=panic "))
    if gap:
        print(f"     {run.name}: fault-to-hello gap {gap[0]} ms, {gap[1]} tsc")


def restart_gap(run):
    m = re.search(r"restart confirmed generation=2 gap_ms=(\d+) gap_tsc=(\d+)", run.com1)
    return (int(m.group(1)), int(m.group(2))) if m else None


def check_restart_gap(res, run):
    gap = restart_gap(run)
    res.check(run, "cold restart: the guest says hello again (generation 2)", gap is not None)
    if gap:
        print(f"     {run.name}: fault-to-hello gap {gap[0]} ms, {gap[1]} tsc (cold reload)")


def check_snapshot(res, run):
    gap = restart_gap(run)
    res.check(run, "snapshot restart: the reset restores the first hello's snapshot, the guest says "
              "hello again as generation 2",
              re.search(r"reset done generation=2 cost_tsc=\d+ from=snapshot", run.com1) is not None
              and gap is not None and "hello ok abi=1 generation=2" in run.com2)
    if gap:
        print(f"     {run.name}: fault-to-hello gap {gap[0]} ms, {gap[1]} tsc (snapshot)")


DUMP_RUNS = [
    # name, emulator, hypervisor extras, guest command line, end marker, check, timeout
    ("dump-mini", "qemu-iso", "policy=dumpall", "hello panic@1", RESTARTED, check_dump_mini, 120),
    ("dump-full", "qemu-iso", "policy=dumpall dump=2", "hello panic@1", RESTARTED, check_dump_full,
     300),
    ("dump-hvstack", "qemu-iso", "policy=dumpall", "hello hvstack@1", RESTARTED,
     check_dump_hvstack, 120),
    ("dump-mini", "bochs-vmx", "policy=dumpall", "hello panic@1", RESTARTED, check_dump_mini, 600),
    # ranges, a guest-requested dump, private data sealed (RDRAND on: +rdrand)
    ("dump-kernel", "qemu-iso", "policy=dumpall dump=3", "hello dumpranges@1 dumpreq@1 panic@1",
     RESTARTED, check_dump_ranges, 180),
    ("dump-norng", "qemu-iso", "policy=dumpall dump=3", "hello dumpranges@1 panic@1", RESTARTED,
     check_dump_norng, 180),
    ("dump-stateless", "qemu-iso", "policy=dumpall", "hello stateless@1 panic@1", RESTARTED,
     check_dump_stateless, 120),
]
# QEMU's CPU model for a run (default: qemu64 with SVM, no RDRAND/RDSEED)
DUMP_CPU = {"dump-kernel": "qemu64,+svm,+npt,+rdrand"}


# ---- the flight recorder (docs/dumps.md, lib/flight.h) -----------------------

def boots(run):
    """The decoded records of each boot of the machine, in order."""
    out = []
    for r in records(run):
        if "boot" in r:
            out.append([])
        elif "seq" in r and out:
            out[-1].append(r)
    return out


def in_boot(recs, cat, name, **fields):
    return [r for r in recs if r.get("cat") == cat and r.get("name") == name and
            all(re.fullmatch(str(v), r.get("fields", {}).get(k, "")) for k, v in fields.items())]


def flight_lines(recs):
    """The old records a boot re-emitted: [(seq, text)], parts joined."""
    out = []
    for r in in_boot(recs, "stat", "flight_rec"):
        f = r["fields"]
        chunk = r["text"].split(" : ", 1)[1] if " : " in r["text"] else ""
        if f.get("part", "").startswith("1/"):
            out.append([int(f["seq"]), chunk])
        elif out:
            out[-1][1] += chunk
    return [tuple(x) for x in out]


def between(recs, first, last):
    """Texts of the records from the first `first` to the next `last`."""
    names = [r.get("name") for r in recs]
    if first not in names:
        return []
    i = names.index(first)
    j = names.index(last, i) if last in names[i:] else len(recs) - 1
    return [r["text"] for r in recs[i:j + 1]]


def check_flight_crash(res, run, prev, cur, what):
    crash = in_boot(prev, "alarm", "hv_crash")
    found = in_boot(cur, "alarm", "flight_found", sealed="yes", crash="yes", boot="1")
    fc = in_boot(cur, "alarm", "flight_crash")
    same = bool(crash) and bool(fc) and all(
        crash[0]["fields"].get(k) == fc[0]["fields"].get(k) for k in ("vector", "error", "rip", "cr2", "rsp"))
    res.check(run, f"{what}: the next boot finds the sealed region (magic, version, CRC) and re-emits "
              "the crash record (vector, error, rip, rsp, cr2 as the crash said them)",
              bool(found) and same, f"found={[r['text'] for r in found]} crash={crash[:1]} flight={fc[:1]}")
    old = [(r["seq"], r["text"]) for r in prev]
    # recorded from the line that says where the region is
    start = next((i for i, (_, t) in enumerate(old) if t.startswith("flight_recorder at=")), len(old))
    want = old[start:][-32:]
    got = flight_lines(cur)
    res.check(run, f"{what}: ... and the last {len(got)} log records of the crashed boot, as they were "
              "(seq and text), the crash record last",
              len(want) > 0 and got == want and want[-1][1].startswith("hv_crash_context"),
              f"{got[-2:]} vs {want[-2:]}")


def boots_as_expected(res, run, n, what):
    """The run's boots if there are n of them (checked as `what`), else None."""
    b = boots(run)
    res.check(run, what, len(b) == n, f"{len(b)} boots")
    return b if len(b) == n else None


def check_flight(res, run):
    b = boots_as_expected(res, run, 3, "three boots of one machine: crash + reset (port 0xCF9), "
                          "then a reset from outside")
    if b is None:
        return
    b1, b2, b3 = b
    res.check(run, "boot 1: the region is reserved at 4 MiB, outside guest RAM, nothing found there; "
              "a mini dump, then the hypervisor crashes",
              has(run.com1, r"flight_recorder at=0x400000 ") and
              not in_boot(b1, "alarm", "flight_found") and bool(in_boot(b1, "action", "dump_end", level="mini"))
              and bool(in_boot(b1, "alarm", "hv_crash")))
    check_flight_crash(res, run, b1, b2, "boot 2")
    old_dump = between(b1, "dump_begin", "dump_end")
    new_dump = between(b2, "flight_dump_begin", "flight_dump_end")[1:-1]
    res.check(run, f"boot 2: the last mini dump re-emitted record for record ({len(new_dump)} records)",
              len(old_dump) > 10 and new_dump == old_dump,
              f"{len(old_dump)} vs {len(new_dump)}")
    rc, out, _, _ = dump_core(run)
    res.check(run, "hvdump verifies every dump in the log, the re-emitted ones too",
              rc == 0 and len(re.findall(r"\bok\b", out)) >= 3, f"(exit {rc}) {out.strip()[:400]}")
    res.check(run, "boot 2 runs on (crash_test once) and the guest says hello",
              has(run.com1, r"crash_test skipped: the previous boot crashed") and
              not in_boot(b2, "alarm", "hv_crash") and bool(in_boot(b2, "log", "guest", first="yes")))
    found3 = in_boot(b3, "alarm", "flight_found")
    res.check(run, "boot 3: the crash record was cleared: it finds only boot 2's records "
              "(boot=2, no crash), none of boot 1's",
              len(found3) == 1 and found3[0]["fields"].get("boot") == "2" and
              found3[0]["fields"].get("crash") == "no" and not in_boot(b3, "alarm", "flight_crash")
              and not any("hv_crash" in t for _, t in flight_lines(b3)),
              str([r["text"] for r in found3]))
    res.check(run, "the report stream decodes over the three boots: CRCs good, no gaps",
              stream_clean(run))
    lines = run.com1.split("\n")
    i = next((k for k, l in enumerate(lines) if " flight_found " in l), 0)
    j = next((k for k in range(i, len(lines)) if " flight_end " in lines[k]), i)
    wire = sum(len(l) + 2 for l in lines[i:j + 1])  # the UART sends \r\n
    print(f"     {run.name}: boot 2 re-emitted the flight record as {j - i + 1} records, "
          f"about {wire} wire bytes")


def check_flight_sysreset(res, run):
    b = boots_as_expected(res, run, 2, "two boots: a crash that halts, then a reset from outside "
                          "(system_reset)")
    if b is not None:
        check_flight_crash(res, run, b[0], b[1], "boot 2")


def check_linux_flight(res, run):
    b = boots_as_expected(res, run, 2, "two boots of a Linux guest (bzImage and initrd as GRUB "
                          "modules): a crash that halts, then a reset from outside")
    if b is None:
        return
    # its own record, not the copy boot 2 re-emits from the region
    places = re.findall(r" info log flight_recorder at=(0x[0-9a-f]+) ", run.com1)
    res.check(run, "the flight recorder is on in both boots, at one place clear of the modules "
              "(above the hypervisor's image, not 4 MiB)",
              len(places) == 2 and places[0] == places[1] and int(places[0], 16) > 0x1000000 and
              "flight_recorder off" not in run.com1 and has(run.com1, r"guest image ok kind=bzImage")
              and has(run.com1, r"initrd \d+ bytes kept"), str(places))
    check_flight_crash(res, run, b[0], b[1], "boot 2")


def check_flight_corrupt(res, run):
    b = boots_as_expected(res, run, 2, "two boots: a crash, one byte of the region flipped, a "
                          "reset from outside")
    if b is None:
        return
    bad = in_boot(b[1], "alarm", "flight_corrupt", why="bad_crc", ignored="yes")
    res.check(run, "the corrupted region is reported (bad CRC) and ignored: nothing of it re-emitted",
              len(bad) == 1 and not in_boot(b[1], "alarm", "flight_found") and
              not in_boot(b[1], "alarm", "flight_crash") and not in_boot(b[1], "stat", "flight_rec"),
              str([r["text"] for r in b[1] if r.get("name", "").startswith("flight")]))


# ---- real machines (issue 14, docs/hardware.md) ---------------------------------

def check_setup_fail_halts(res, run):
    res.check(run, "backend setup fails (simulate=setup_fail): a clear error, then a halt",
              has(run.com1, r"ERROR svm setup failed: simulate=setup_fail \(test aid\); halting") and
              not has(run.com1, "launching guest"))
    res.check(run, "without onstop=exit no emulator exit port is written: the machine is still "
              "there, halted, when the harness gives up",
              run.stopped_by == "timeout", run.stopped_by)


def check_setup_fail_exits(res, run):
    res.check(run, "backend setup fails with onstop=exit: the emulator exits with code 3",
              has(run.com1, r"ERROR svm setup failed: .*; halting") and
              run.stopped_by == "emulator exited 7", run.stopped_by)


def check_no_uart(res, run):
    res.check(run, "no UART at the log port: the guest still boots and runs (COM2)",
              guest_hello(run, 1) and has(run.com2, r"^guest: timer ok interrupts=\d+"))
    res.check(run, "... and the run ends by its tick limit, the emulator's exit (onstop=exit), "
              f"not a hang ({run.wall:.1f} s wall)",
              run.stopped_by == "emulator exited 3" and not run.com1, run.stopped_by)


def check_log_com3(res, run):
    res.check(run, "log_port=0x3e8 with no UART at 0x3F8: the whole log on COM3, the guest runs",
              has(run.com1, r"hypervisor starting") and has(run.com1, "backend svm selected") and
              bool(find(run, "log", "guest", first="yes")) and guest_hello(run, 1))
    res.check(run, "... and the log ends with the run's end record (onstop=exit)",
              has(run.com1, STOPPED) and run.stopped_by == "emulator exited 3", run.stopped_by)
    res.check(run, "report stream decodes: CRCs good, no sequence gaps", stream_clean(run))


def check_log_port_absent(res, run):
    res.check(run, "log_port=0x3e8 with no UART there: detected, said on COM1, and the log stays "
              "on COM1 to the end of the run",
              has(run.com1, r"log_port 0x3e8 has no UART; the log stays on 0x3f8") and
              has(run.com1, STOPPED) and guest_hello(run, 1))


def check_pristine_corrupt(res, run):
    bad = find(run, "event", "pristine_corrupt")
    res.check(run, "the pristine copy is sealed (SHA-256) at boot",
              has(run.com1, r"pristine sealed at=0x[0-9a-f]+ bytes=\d+ initrd_bytes=0 sha256=[0-9a-f]{16}"))
    res.check(run, "a byte of it flipped, then a hang: the reset finds the seal broken and does not "
              "boot the copy", len(bad) == 1 and bool(find(run, "event", "hang")) and
              not find(run, "action", "reset", generation="2") and not guest_hello(run, 2),
              str([r["text"] for r in bad]))
    res.check(run, "... the guest is parked with an emergency alarm, and the hypervisor runs on to "
              "the end of the run",
              bool(find(run, "alarm", "alarm", level="emergency", category="parked")) and
              bool(find(run, "outcome", "parked")) and has(run.com1, r"guest stopped: parked"),
              str([r["text"] for r in records(run) if r.get("cat") == "alarm"]))


# make appliance-e2e (scripts/test-all.sh and make e2e-test build it
# first): the command line it embedded, as the generator kept it
APPLIANCE_DIR = "appliance-image"


def appliance_cmdline(build):
    try:
        with open(os.path.join(build, APPLIANCE_DIR, "gen", "appliance_blob.S.cmdline")) as f:
            return f.read()
    except OSError:
        return None


def check_appliance(res, run, cmd):
    res.check(run, "the appliance image takes its guest and command line from itself",
              cmd is not None and
              has(run.com1, r"appliance image: embedded guest \d+ bytes, initrd 0 bytes") and
              has(run.com1, rf'cmdline="{re.escape(cmd or "")}"'))
    res.check(run, "... and ignores the boot medium: a garbage guest file and a hostile command line "
              "(\\hv.cfg or GRUB's) change nothing; the appliance policy is in force",
              has(run.com1, r"policy=appliance") and not has(run.com1, r"crash_test|guest file|ERROR")
              and guest_hello(run, 1) and has(run.com2, r"^guest: timer ok"))
    res.check(run, "... and the run ends at the embedded tick limit",
              has(run.com1, r"guest stopped: tick limit reached") and
              run.stopped_by == "emulator exited 3", run.stopped_by)


def plan_appliance(build):
    runs = []
    cmd = appliance_cmdline(build)
    for emu in ("qemu-uefi", "qemu-iso"):
        r = Run(f"{emu}-appliance", emu, "crash_test=1 policy=default maxticks=1", "panic", r"(?!)",
                timeout=120, guest_bytes=b"not the guest\n" * 64)
        r.efi_image = os.path.join(APPLIANCE_DIR, "esp", "EFI", "BOOT", "BOOTX64.EFI")
        r.mb2_image = os.path.join(APPLIANCE_DIR, "hv.elf")
        runs.append((r, lambda res, r, c=cmd: check_appliance(res, r, c)))
    return runs


def check_hw_watchdog(res, run):
    b = boots_as_expected(res, run, 2, "two boots: the hypervisor hangs with interrupts off, the "
                          "chipset watchdog (ICH9 TCO) resets the machine")
    if b is None:
        return
    res.check(run, "boot 1: the TCO timer armed and fed by the tick, then the hang",
              bool(in_boot(b[0], "log", "hw_watchdog", chipset="ICH9", no_reboot="clear")) and
              any(r["text"].startswith("hang_test: spinning") for r in b[0]))
    res.check(run, "boot 2 says why: reset by the chipset watchdog (TCO2_STS.SECOND_TO_STS)",
              bool(in_boot(b[1], "alarm", "hw_watchdog_reset", previous_boot="reset_by_chipset_watchdog")))
    res.check(run, "... and the flight recorder re-emits boot 1's last records, the hang last",
              bool(in_boot(b[1], "alarm", "flight_found", crash="no")) and
              bool(flight_lines(b[1])) and flight_lines(b[1])[-1][1].startswith("hang_test: spinning"),
              str(flight_lines(b[1])[-1:]))
    res.check(run, "boot 2 does not hang again, runs the guest to the tick limit",
              any(r["text"].startswith("hang_test skipped") for r in b[1]) and
              bool(in_boot(b[1], "log", "guest", first="yes")) and has(run.com1, STOPPED))


def check_no_hw_watchdog(res, run):
    res.check(run, "Bochs (i440FX, no ICH9): 'no hardware watchdog', and the run goes on",
              has(run.com1, r"no hardware watchdog: no supported chipset at 00:1f.0") and
              has(run.com1, STOPPED))


def plan_hardware(firmware_told):
    runs = [
        (Run("qemu-iso-setup-fail-halts", "qemu-iso", "simulate=setup_fail", "hello", r"(?!)",
             timeout=25), check_setup_fail_halts),
        (Run("qemu-iso-setup-fail-exits", "qemu-iso", "onstop=exit simulate=setup_fail", "hello",
             r"(?!)", timeout=60), check_setup_fail_exits),
        (Run("uefi-svmdis", "qemu-uefi", "onstop=exit simulate=svmdis", "hello", firmware_told),
         lambda res, r: check_error(res, r, r"AMD-V is disabled in the firmware \(VM_CR.SVMDIS",
                                    "Access Denied")),
        (Run("qemu-iso-no-uart", "qemu-iso", "onstop=exit maxticks=3000", BASIC_SCENARIOS, r"(?!)",
             timeout=90, log_port="none"), check_no_uart),
        (Run("qemu-iso-pristine-corrupt", "qemu-iso", "onstop=exit wd_ms=1000 wd_k=3 maxticks=20000",
             "hello nmihang@1", STOPPED, timeout=120,
             steps=[(r"guest hello stub_version", "flip_pristine:0x200")]), check_pristine_corrupt),
    ]
    for emu in ("qemu-iso", "qemu-uefi"):
        r = Run(f"{emu}-hw-watchdog", emu, "onstop=exit hw_wd_ms=3000 hang_test=300 maxticks=2000",
                "hello", STOPPED, timeout=180, steps=[(r"hang_test: spinning", "wait")])
        # QEMU 7.2 straps the ICH9 to "no reboot" by default (a pin strap
        # software cannot change; later QEMU defaults it off)
        r.qemu_extra = ["-global", "ICH9-LPC.noreboot=false"]
        runs.append((r, check_hw_watchdog))
    runs += [
        (Run("bochs-svm-no-hw-watchdog", "bochs-svm", "onstop=exit maxticks=300", "hello", STOPPED),
         check_no_hw_watchdog),
        (Run("qemu-iso-log-port-absent", "qemu-iso", "log_port=0x3e8 onstop=exit maxticks=1000",
             "hello", STOPPED, timeout=60), check_log_port_absent),
        (Run("qemu-uefi-log-com3", "qemu-uefi", "log_port=0x3e8 onstop=exit maxticks=3000",
             "hello timer", STOPPED, timeout=120, log_port="com3"), check_log_com3),
    ]
    # make sign's output (make test signs it with a throwaway key first,
    # scripts/sign-test.sh): the signed file is still the same program
    signed = Run("qemu-uefi-signed", "qemu-uefi", "onstop=exit maxticks=1000", "hello", STOPPED)
    signed.efi_image = os.path.join("signed", "BOOTX64.EFI")
    runs.append((signed, lambda res, r: res.check(
        r, "the image `make sign` signed boots and runs the guest (OVMF, Secure Boot off)",
        guest_hello(r, 1) and has(r.com1, STOPPED))))
    # Secure Boot enforcing (Debian's snakeoil OVMF): the image make sign
    # signed with the snakeoil key (scripts/sign-test.sh) boots, the
    # unsigned one is refused by the firmware
    # 512 MiB: the Secure Boot build of OVMF leaves too little below the
    # image's 158 MiB (with the checkpoint slots) in 256 ("Out of Resources")
    sb = Run("qemu-uefi-secureboot-signed", "qemu-uefi", "onstop=exit maxticks=1000", "hello", STOPPED,
             memory=512)
    sb.ovmf, sb.efi_image = "snakeoil", os.path.join("signed-snakeoil", "BOOTX64.EFI")
    runs.append((sb, lambda res, r: res.check(
        r, "Secure Boot on (snakeoil db): the image signed by `make sign` boots and runs the guest",
        guest_hello(r, 1) and has(r.com1, STOPPED))))
    ub = Run("qemu-uefi-secureboot-unsigned", "qemu-uefi", "onstop=exit maxticks=1000", "hello",
             r"BdsDxe: failed to start", timeout=90, memory=512)
    ub.ovmf = "snakeoil"
    runs.append((ub, lambda res, r: res.check(
        r, "Secure Boot on: the unsigned image is refused by the firmware, never started",
        has(r.com1, r'BdsDxe: failed to load Boot\d+ "UEFI QEMU HARDDISK[^"]*" .*: '
            r"(Access Denied|Security Violation)") and
        not has(r.com1, "hypervisor starting"))))
    return runs


def boot_to_guest(run):
    m = re.search(r"boot-to-guest tsc=(\d+) \(since hv entry (\d+)\)", run.com1)
    return (int(m.group(1)), int(m.group(2))) if m else None


# ---- malformed guest images ---------------------------------------------------

def elf_patched(image, **fields):
    """A copy of the test guest with ELF header or first-phdr fields changed."""
    img = bytearray(image)
    if "ei_class" in fields:
        img[4] = fields["ei_class"]
    if "paddr" in fields:
        phoff = struct.unpack_from("<Q", img, 32)[0]
        struct.pack_into("<Q", img, phoff + 24, fields["paddr"])
    return bytes(img)


# Runs that take minutes of one core each: left out of make test (which
# must stay under about 25 minutes), run by `make test-long` (HV_E2E_LONG=1)
# or by name with --only.
LONG_RUNS = {
    "qemu-iso-linux-dump-full",  # all of a Linux guest's RAM through the log: about 4 min
}


# ---- the host machine (issue 14) ------------------------------------------------

def smp_run(name, emu, cpus):
    """A basic boot on a machine with `cpus` CPUs; the monitor is asked for
    every CPU's registers once the guest has run."""
    run = Run(name, emu, "maxticks=3000", "hello", r"guest hello stub_version=")
    run.smp = cpus
    run.monitor_queries = ["info registers -a"]
    return run


def parked_cpus(dump):
    """CPU numbers whose registers show wait-for-SIPI after INIT: halted at
    the reset vector (CS base 0xffff0000, IP 0xfff0)."""
    parked = set()
    for block in re.split(r"^CPU#", dump, flags=re.M)[1:]:
        num = int(re.match(r"\d+", block).group(0))
        if (re.search(r"^EIP=0000fff0 .*HLT=1", block, re.M) and
                re.search(r"^CS =f000 ffff0000 ", block, re.M)):
            parked.add(num)
    return parked


def check_smp(res, run, cpus):
    c1 = run.com1
    aps = cpus - 1
    res.check(run, f"the MADT's {cpus} CPUs are counted and {aps} APs parked (log)",
              has(c1, rf"aps parked={aps}: INIT sent to all but this CPU") and
              has(c1, rf"machine cpus={cpus} aps_parked={aps} apic=xapic "))
    dump = getattr(run, "monitor", {}).get("info registers -a", "")
    parked = parked_cpus(dump)
    res.check(run, f"QEMU's monitor shows CPUs 1..{aps} halted in wait-for-SIPI (INIT: "
              "CS base 0xffff0000, IP 0xfff0), CPU 0 not", parked == set(range(1, cpus)),
              f"parked={sorted(parked)}")
    res.check(run, "and the guest runs as before", guest_hello(run, 1))


def check_machine_line(res, run):
    """The boot log's machine summary (docs/report-stream.md)."""
    res.check(run, "machine summary line: CPUs, APIC mode, I/O APIC, timer reference, TSC "
              "rate and its cross-check",
              has(run.com1, r"machine cpus=\d+ aps_parked=\d+ apic=(xapic|x2apic) apic_id=\d+ "
                  r"ioapic=0x[0-9a-f]+ ioapic_from=\w+ pit_pin=\d+ pm_timer=0x[0-9a-f]+ "
                  r"hpet=0x[0-9a-f]+ reset=\S+ acpi=\w+ tsc_hz=\d+ tsc_source=\w+ "
                  r"tsc_check=(agree|single|pit_refused|cpuid_decides|cpuid_only)"))


def check_x2apic(res, run, more):
    """x2apic_test=1: the APIC is left in x2APIC mode as a firmware may;
    the hypervisor drives it through its MSRs (docs/design.md)."""
    c1 = run.com1
    res.check(run, "the local APIC put in x2APIC mode before take-over, and seen so",
              has(c1, r"x2apic_test: local APIC put in x2APIC mode") and
              has(c1, r"machine cpus=\d+ aps_parked=\d+ apic=x2apic "))
    more(res, run)


def check_no_pit(res, run):
    """QEMU with no 8254 (-machine pit=off): the PIT's calibration is refused
    and the PM timer's used; the PIT NMI never fires, so the tick is the
    LAPIC timer alone (the KVM in-kernel PIT case: docs/design.md)."""
    c1 = run.com1
    res.check(run, "no PIT: its TSC rate refused, the ACPI PM timer's used",
              has(c1, r"tsc_check pit_hz=\d+.* source=pm_timer verdict=pit_refused") and
              has(c1, r"machine .* tsc_source=pm_timer tsc_check=pit_refused"))
    res.check(run, "the tick probe finds the PIT NMI silent and keeps the LAPIC timer alone",
              has(c1, r"lapic_timer fired [1-9]\d*, pit_nmi fired [01]; using=lapic_timer\b"))
    check_spin(res, run)


def check_no_acpi(res, run):
    """acpi=off (SeaBIOS builds tables even under QEMU's acpi=off, so the
    hypervisor is told to ignore them): the PC defaults are used, and the
    APs are parked all the same."""
    c1 = run.com1
    res.check(run, "no ACPI: the PC defaults (I/O APIC 0xFEC00000, pin 2, reset 0xCF9), the PIT "
              "alone for the TSC",
              has(c1, r"acpi ignored: acpi=off on the command line") and
              has(c1, r"machine cpus=0 aps_parked=0 apic=xapic apic_id=0 ioapic=0xfec00000 "
                  r"ioapic_from=default_no_acpi pit_pin=2 pm_timer=0x0 hpet=0x0 reset=cf9 "
                  r"acpi=off tsc_hz=\d+ tsc_source=pit tsc_check=single"))
    res.check(run, "the INIT goes out without a count",
              has(c1, r"aps parked: INIT sent to all but this CPU \(how many there are is unknown"))
    parked = parked_cpus(getattr(run, "monitor", {}).get("info registers -a", ""))
    res.check(run, "QEMU's monitor shows CPUs 1..3 in wait-for-SIPI", parked == {1, 2, 3},
              f"parked={sorted(parked)}")
    res.check(run, "and the guest runs as before", guest_hello(run, 1))


def plan(build):
    g = guest_image(build)
    basic_hv = "onstop=exit maxticks=20000"
    spin_hv = "onstop=exit wd_ms=0 ticklog=100 maxticks=600"
    runs = []
    qemu_backend = host_backend() if ACCEL == "kvm" else "svm"
    for emu, backend in (("qemu-uefi", qemu_backend), ("qemu-iso", qemu_backend),
                         ("bochs-vmx", "vmx"), ("bochs-svm", "svm")):
        runs.append((Run(f"{emu}-basic", emu, basic_hv, BASIC_SCENARIOS, STOPPED),
                     lambda res, r, b=backend: (check_basic(res, r, b),
                                                check_machine_line(res, r))))
        runs.append((Run(f"{emu}-spin", emu, spin_hv, "hello spin", STOPPED), check_spin))
        if emu.startswith("bochs"):
            runs.append((Run(f"{emu}-wd1-timer", emu, "onstop=exit wd_ms=1 maxticks=60000",
                             "hello bench_work", r"com2:guest: bench work_tsc="),
                         check_wd1_timer))
    for emu in ("bochs-vmx", "bochs-svm", "qemu-iso", "qemu-uefi"):
        for name, guest, extra, end, check, where in FAULT_RUNS:
            if where == "no-bochs-svm" and emu == "bochs-svm":
                continue
            if where == "vmx-only" and emu != "bochs-vmx":
                continue
            if emu == "qemu-uefi" and name not in ("isolation", "panic", "fuzz", "cpuprobe"):
                continue  # the UEFI path boots the same core: a sample is enough
            # the first occurrence of a key wins: extras go first
            hv_args = f"onstop=exit {extra} maxticks=8000".replace("  ", " ")
            runs.append((Run(f"{emu}-{name}", emu, hv_args, guest, end), check))
    for emu in ("qemu-iso", "qemu-uefi"):
        runs.append((smp_run(f"{emu}-smp4", emu, 4), lambda res, r: check_smp(res, r, 4)))
    no_acpi = smp_run("qemu-iso-no-acpi", "qemu-iso", 4)
    no_acpi.hv_cmdline = "acpi=off " + no_acpi.hv_cmdline
    runs.append((no_acpi, check_no_acpi))
    no_pit = Run("qemu-iso-no-pit", "qemu-iso", "onstop=exit wd_ms=0 ticklog=100 maxticks=600",
                 "hello spin", STOPPED)
    no_pit.machine_opts = "pit=off"
    runs.append((no_pit, check_no_pit))
    # x2APIC: only Bochs' Intel models have it (QEMU 7.2 TCG and Bochs'
    # ryzen have none); the self NMI goes out through the x2APIC ICR
    runs.append((Run("bochs-vmx-x2apic", "bochs-vmx", "onstop=exit x2apic_test=1 self_nmi=300 "
                     "maxticks=800", "hello", STOPPED),
                 lambda res, r: check_x2apic(res, r, check_host_nmi)))
    bad = [
        ("not-elf", b"this is not an ELF file\n" * 20, "neither an ELF64 file nor a Linux bzImage",
         "Load Error"),
        ("elf32", elf_patched(g, ei_class=1), "not a little-endian ELF64 file", "Load Error"),
        ("truncated", g[:600], "image is truncated", "Load Error"),
        ("outside-ram", elf_patched(g, paddr=0x40000000), "segment lies outside guest RAM",
         "Load Error"),
        ("missing-guest", b"", r"guest file \\guest.elf not found on the ESP", "Not Found"),
    ]
    firmware_told = r"BdsDxe: failed to start"
    for name, data, expect, status in bad:
        runs.append((Run(f"uefi-{name}", "qemu-uefi", "onstop=exit", "hello", firmware_told,
                         guest_bytes=data),
                     lambda res, r, e=expect, s=status: check_error(res, r, e, s)))
    # An initrd (a Linux guest's) travels with the guest on both boot paths.
    initrd = bytes(range(256)) * 1200
    for emu in ("qemu-uefi", "qemu-iso"):
        runs.append((Run(f"{emu}-initrd", emu, "onstop=exit maxticks=1500", "hello", STOPPED,
                         initrd=initrd),
                     lambda res, r, n=len(initrd): check_initrd(res, r, n)))
    big = b"\0" * (17 << 20)  # more than the 16 MiB store holds after the image
    runs.append((Run("qemu-iso-initrd-too-big", "qemu-iso", "onstop=exit", "hello", r"(?!)",
                     initrd=big), check_initrd_too_big))
    runs.append((Run("uefi-initrd-too-big", "qemu-uefi", "onstop=exit", "hello", firmware_told,
                     initrd=big),
                  lambda res, r: (check_initrd_too_big(res, r),
                                  check_error(res, r, r"initrd file", "Buffer Too Small"))))
    assets = linux_assets(build)
    for emu in ("qemu-iso", "qemu-uefi"):
        if assets is None:
            runs.append((Run(f"{emu}-linux", emu, "", "", r"HV1 0 ", timeout=30),
                         lambda res, r: res.check(r, "Linux guest assets present (scripts/linux-assets.sh)",
                                                  False, "build/linux/ is missing")))
            continue
        # ISO: reboot twice, then power off; UEFI: power off at once
        reboots = 2 if emu == "qemu-iso" else 0
        typing = [(r"shell ready", LINUX_COMMANDS + b"reboot -f\n" if reboots else
                   LINUX_COMMANDS + PIT_FASTEST + b"halt -f\n")]
        for n in range(1, reboots + 1):
            typing.append((rf"(?s)(shell ready.*){{{n + 1}}}",
                           b"reboot -f\n" if n < reboots else b"halt -f\n"))
        hv = "onstop=exit policy=linux maxticks=300000" + ("" if reboots else " ticklog=50")
        runs.append((Run(f"{emu}-linux", emu, hv,
                         LINUX_CMDLINE, r"(?!)", guest_bytes=assets[0], initrd=assets[1],
                         typing=typing, memory=512, timeout=300),
                     (lambda res, r, n=reboots: check_linux_reboots(res, r, n)) if reboots else
                     (lambda res, r: (check_linux_reboots(res, r, 0), check_pit_fastest(res, r)))))
    if assets is not None:
        runs.append((Run("qemu-iso-linux-panic", "qemu-iso",
                         "onstop=exit policy=linux stat_ms=1000 maxticks=300000",
                         LINUX_CMDLINE + " hvdemo=mark", r"(?!)", guest_bytes=assets[0],
                         initrd=assets[1],
                         typing=[(r"shell ready", LINUX_PANIC),
                                 (r"(?s)(shell ready.*){2}", LINUX_HARDLOCKUP),
                                 (r"(?s)(shell ready.*){3}", b"halt -f\n")],
                         memory=512, timeout=300), check_linux_panic))
        # Bochs (VMX): one boot to the shell, then the init powers off
        # (nobody types into Bochs' COM2)
        runs.append((Run("bochs-vmx-linux", "bochs-vmx", "onstop=exit policy=linux stat_ms=1000",
                         LINUX_CMDLINE + " hvdemo=mark hvdemo=poweroff", STOPPED,
                         guest_bytes=assets[0], initrd=assets[1], timeout=900),
                     check_linux_poweroff))
    for name, emu, extra, guest, end, check, timeout in DUMP_RUNS:
        runs.append((Run(f"{emu}-{name}", emu, f"onstop=exit {extra} maxticks=120000", guest, end,
                         timeout=timeout, cpu=DUMP_CPU.get(name)), check))
    for emu, timeout in (("qemu-iso", 180), ("bochs-vmx", 900), ("bochs-svm", 900)):
        runs.append((Run(f"{emu}-ckpt", emu, "onstop=exit policy=ckpt maxticks=60000",
                         "hello ckpt@1", CKPT_END, timeout=timeout), check_ckpt))
        if emu == "bochs-vmx":  # the baseline: every page copied, no dirty tracking
            runs.append((Run(f"{emu}-ckpt-full", emu, "onstop=exit policy=ckpt maxticks=60000 ckpt_full=1",
                             "hello ckpt@1", CKPT_END, timeout=timeout), check_ckpt))
        runs.append((Run(f"{emu}-ckptflood", emu, "onstop=exit maxticks=60000", "hello ckptflood@1",
                         RESTARTED, timeout=timeout), check_ckptflood))
        for pol in ("snapshot", "default"):
            runs.append((Run(f"{emu}-restart-{pol}", emu, f"onstop=exit policy={pol} maxticks=60000",
                             "hello panic@1", RESTARTED, timeout=timeout),
                          check_snapshot if pol == "snapshot" else check_restart_gap))
    # the other boot path (UEFI), once
    runs.append((Run("qemu-uefi-ckpt", "qemu-uefi", "onstop=exit policy=ckpt maxticks=60000",
                     "hello ckpt@1", CKPT_END, timeout=180), check_ckpt))
    runs += plan_linux_stub(assets)
    runs += plan_linux_ckpt(assets)
    runs += plan_linux_snapshot(assets)
    # wd_k=10: the watchdog is not what this run tests (a loaded host can
    # hold a heartbeat up)
    runs.append((Run("qemu-iso-control", "qemu-iso", "maxticks=30000 wd_k=10", "hello", STOPPED,
                     commanding=CONTROL_STEPS, timeout=90), check_control))
    # The flight recorder across warm resets of one machine (docs/dumps.md)
    for emu in ("qemu-iso", "qemu-uefi"):
        runs.append((Run(f"{emu}-flight", emu,
                         "onfault=reset policy=dumpall crash_test=1500 maxticks=3000",
                         "hello panic@1", r"flight_recorder at=", timeout=400,
                         steps=[(STOPPED, "reset")]), check_flight))
    if assets is not None:
        # GRUB puts the Linux guest's bzImage and initrd (modules) over 4
        # MiB: the region goes above the hypervisor's image instead
        runs.append((Run("qemu-iso-linux-flight", "qemu-iso", "crash_test=3000 maxticks=300000",
                         LINUX_CMDLINE, r"flight_recorder at=", guest_bytes=assets[0],
                         initrd=assets[1], memory=512, timeout=300,
                         steps=[(r"hv_crash_context", "reset")]), check_linux_flight))
    runs.append((Run("qemu-iso-flight-sysreset", "qemu-iso", "crash_test=300 maxticks=3000", "hello",
                     r"flight_recorder at=", timeout=240, steps=[(r"hv_crash_context", "reset")]),
                 check_flight_sysreset))
    # 64: the first byte of the contents (the crash record's vector)
    runs.append((Run("qemu-iso-flight-corrupt", "qemu-iso", "crash_test=300 maxticks=3000", "hello",
                     r"flight_recorder at=", timeout=240, steps=[(r"hv_crash_context", "corrupt:64")]),
                 check_flight_corrupt))
    runs.append((Run("uefi-no-virtualization", "qemu-uefi", "onstop=exit", "hello",
                     firmware_told, cpu="qemu64"),
                  lambda res, r: check_error(res, r, "no usable hardware virtualization",
                                             "Unsupported")))
    runs += plan_hardware(firmware_told) + plan_appliance(build)
    for r, _ in runs:  # images other make targets build (make e2e-test builds them first)
        image = getattr(r, "efi_image", None) or getattr(r, "mb2_image", None)
        if image and not os.path.exists(os.path.join(build, image)):
            r.missing = f"{image} is missing: make appliance-e2e sign-test"

    return runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="", help="regex on run names")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--long", action="store_true", default=os.environ.get("HV_E2E_LONG") == "1",
                    help="also the runs too slow for make test (LONG_RUNS; make test-long)")
    ap.add_argument("--accel", default="tcg", choices=("tcg", "kvm"),
                    help="QEMU accelerator; kvm runs nested (scripts/nested-kvm.sh)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    global DECODER, HVDUMP, ACCEL
    ACCEL = args.accel
    DECODER = os.path.join(build, "tools", "hvlog-decode")
    HVDUMP = os.path.join(build, "tools", "hvdump")
    runs = [(r, c) for r, c in plan(build) if re.search(args.only, r.name)
            and (args.long or args.only or r.name not in LONG_RUNS)]
    res = Results()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = list(pool.map(lambda rc: (execute(rc[0], build), rc[1]), runs))
    for run, check in done:
        check(res, run)
        print(f"     {run.name}: {run.wall:.1f} s wall, stopped by {run.stopped_by}")
        b2g = boot_to_guest(run)
        if b2g and run.emulator.startswith("bochs"):
            print(f"     {run.name}: boot-to-guest {b2g[0]} instruction ticks "
                  f"(power-on to first guest entry), {b2g[1]} in the hypervisor")
    os.makedirs(os.path.join(build, "e2e"), exist_ok=True)
    with open(os.path.join(build, "e2e", "summary.txt"), "w") as f:
        f.write(f"e2e {res.passed} {res.failed}\n")
    print(f"e2e: {res.passed} passed, {res.failed} failed")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
