#!/usr/bin/env python3
"""make run: boot the hypervisor as a UEFI application under QEMU (SVM,
OVMF) with the test guest, or with GUEST=<ELF or bzImage> [INITRD=<file>]
[GUEST_CMDLINE="..."] [HV_ARGS="key=value ..."], and show the
hypervisor's log (COM1) and the guest's console (COM2) as they come.  A
Linux guest's console is also the terminal's input when run from one.

The run ends by itself: when the guest powers off or the run stops
(onstop=exit), or when the hypervisor refuses the image, in which case
the status is non-zero and the reason is the last line printed.  Run
without a terminal, a Linux guest is given a few commands once its shell
is up, the last of them `halt -f`, which powers it off."""
import os
import re
import select
import shutil
import subprocess
import sys
import termios
import threading
import time
import tty

DEMO_CMDLINE = ("onstop=exit ticklog=1000 maxticks=4000 -- "
                "hello null badcall timer probe@1 nmihang@2")
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
SCRIPTED = b"uname -a; cat /proc/interrupts; halt -f\n"
REFUSED = re.compile(r"^HV1 \d+ \d+ \w+ \w+ ((ERROR .*)|(returning to the firmware: .*)) \*[0-9a-f]{8}$")


def is_bzimage(path):
    with open(path, "rb") as f:
        head = f.read(0x206)
    return len(head) == 0x206 and head[0x1FE:0x200] == b"\x55\xaa" and head[0x202:0x206] == b"HdrS"


def hv_cfg(user_guest, linux):
    """The hypervisor command line: the demo's, or the user's keys."""
    if not user_guest:
        return DEMO_CMDLINE
    keys = os.environ.get("HV_ARGS", "").split()
    if linux and not any(k.startswith("policy=") for k in keys):
        keys.append("policy=linux")  # no stub in an unmodified kernel
    if os.environ.get("INITRD"):
        keys.append("initrd=\\initrd.img")
    keys.insert(0, "onstop=exit")
    return " ".join(keys) + " -- " + os.environ.get("GUEST_CMDLINE", "")


def prepare(build, work, user_guest):
    esp = os.path.join(work, "esp")
    shutil.copytree(os.path.join(build, "esp"), esp)
    guest = user_guest or os.path.join(build, "guest.elf")
    for path in [guest] + ([os.environ["INITRD"]] if os.environ.get("INITRD") else []):
        if not os.path.isfile(path):
            sys.exit(f"error: {path} not found")
    shutil.copy(guest, os.path.join(esp, "guest.elf"))
    if os.environ.get("INITRD"):
        shutil.copy(os.environ["INITRD"], os.path.join(esp, "initrd.img"))
    linux = is_bzimage(guest)
    line = hv_cfg(user_guest, linux)
    with open(os.path.join(esp, "hv.cfg"), "w") as f:
        f.write(line + "\n")
    return esp, guest, linux, line


def machine_mib(build):
    """Memory for the emulated machine: the hypervisor's arenas (guest RAM
    is GUEST_RAM_MB of them, fixed at build time; the checkpoint slots
    CKPT_SLOTS + 1 of CKPT_SLOT_MB) plus room for OVMF."""
    out = subprocess.run(["nm", "-S", os.path.join(build, "hv.so")], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    arena = sum(int(f[1], 16) for f in (l.split() for l in out.splitlines())
                if len(f) == 4 and f[3] in ("guest_ram_arena", "guest_image_store", "arenas"))
    return max(512, (arena >> 20) + 384)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    user_guest = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
    work = os.path.join(build, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    esp, guest, linux, line = prepare(build, work, user_guest)
    shutil.copy(OVMF_VARS, os.path.join(work, "vars.fd"))
    com1, com2 = os.path.join(work, "com1.log"), os.path.join(work, "com2.log")
    interactive = linux and sys.stdin.isatty()
    scripted = linux and not interactive
    if scripted:
        os.mkfifo(os.path.join(work, "c2.in"))
        os.mkfifo(os.path.join(work, "c2.out"))
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-smp", "1",
           "-cpu", "qemu64,+svm,+npt", "-m", str(machine_mib(build)), "-display", "none", "-no-reboot",
           "-net", "none",
           "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
           "-drive", f"if=pflash,format=raw,file={os.path.join(work, 'vars.fd')}",
           "-drive", f"format=raw,file=fat:rw:{esp}",
           "-serial", f"file:{com1}",
           "-serial", "stdio" if interactive else
           f"pipe:{os.path.join(work, 'c2')}" if scripted else f"file:{com2}",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    print(f"booting {guest} under the hypervisor (QEMU, AMD SVM, UEFI); "
          f"hypervisor command line: {line}", flush=True)
    if interactive:
        print("the guest's console is this terminal; Ctrl-C ends the run", flush=True)
    if scripted:
        threading.Thread(target=script_console, args=(work, com2), daemon=True).start()
    sys.exit(watch(cmd, com1, com2, interactive))


def script_console(work, com2):
    """Copies the guest's console to com2 and types SCRIPTED at its shell."""
    fd = os.open(os.path.join(work, "c2.out"), os.O_RDONLY)
    seen, typed = b"", False
    with open(com2, "ab") as log:
        while True:
            data = os.read(fd, 4096)
            if not data:
                return
            log.write(data)
            log.flush()
            seen = (seen + data)[-4096:]
            if not typed and b"shell ready" in seen:
                with open(os.path.join(work, "c2.in"), "wb") as inp:
                    inp.write(SCRIPTED)
                typed = True


def watch(cmd, com1, com2, interactive):
    saved = termios.tcgetattr(sys.stdin) if interactive else None
    if interactive:
        tty.setcbreak(sys.stdin)  # keys go to the guest as typed
    proc = subprocess.Popen(cmd, stdin=None if interactive else subprocess.DEVNULL)
    shown = {com1: 0, com2: 0}
    refused = None
    try:
        while True:
            running = proc.poll() is None
            shown[com1], refused = show_new_lines(com1, "hv   ", shown[com1], True, refused)
            if not interactive:
                shown[com2], _ = show_new_lines(com2, "guest", shown[com2], False, None)
            if refused and running and re.search(r"returning to the firmware", refused):
                proc.terminate()  # OVMF would sit in its boot menu
                proc.wait()
                running = False
            if not running:
                break
            time.sleep(0.2)
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
    finally:
        if saved is not None:
            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, saved)
    print(f"demo over; full logs: {com1} (hypervisor, with firmware output) and {com2} (guest)")
    if refused:
        print(f"refused: {refused}")
        return 1
    return 0


def show_new_lines(path, tag, offset, hv_only, refused):
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return offset, refused
    end = data.rfind(b"\n")
    if end < 0:
        return offset, refused
    for raw in data[:end].split(b"\n"):
        line = ANSI.sub("", raw.decode("latin-1").replace("\r", ""))
        m = REFUSED.match(line)
        if m and (refused is None or "returning" in line):
            refused = m.group(1) if refused is None else refused + "; " + m.group(1)
        # Both ports also carry the firmware's console before ExitBootServices.
        if line and not line.startswith("BdsDxe") and (not hv_only or line.startswith("HV1 ")):
            print(f"[{tag}] {line}", flush=True)
    return offset + end + 1, refused


if __name__ == "__main__":
    main()
