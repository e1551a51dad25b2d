#!/usr/bin/env python3
"""make run: boot the hypervisor as a UEFI application under QEMU (SVM,
OVMF) with the test guest, or with GUEST=my.elf, and show the
hypervisor's log (COM1) and the guest's console (COM2) as they come."""
import os
import re
import shutil
import subprocess
import sys
import time

DEMO_CMDLINE = ("onstop=exit ticklog=1000 maxticks=4000 -- "
                "hello null badcall timer probe@1 nmihang@2")
USER_CMDLINE = "onstop=exit --"
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    user_guest = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
    work = os.path.join(build, "run")
    shutil.rmtree(work, ignore_errors=True)
    esp = os.path.join(work, "esp")
    shutil.copytree(os.path.join(build, "esp"), esp)
    guest = user_guest or os.path.join(build, "guest.elf")
    if not os.path.isfile(guest):
        sys.exit(f"error: guest image {guest} not found")
    shutil.copy(guest, os.path.join(esp, "guest.elf"))
    with open(os.path.join(esp, "hv.cfg"), "w") as f:
        f.write((USER_CMDLINE if user_guest else DEMO_CMDLINE) + "\n")
    shutil.copy(OVMF_VARS, os.path.join(work, "vars.fd"))
    com1, com2 = os.path.join(work, "com1.log"), os.path.join(work, "com2.log")
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-smp", "1",
           "-cpu", "qemu64,+svm,+npt", "-m", "256", "-display", "none", "-no-reboot",
           "-net", "none",
           "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
           "-drive", f"if=pflash,format=raw,file={os.path.join(work, 'vars.fd')}",
           "-drive", f"format=raw,file=fat:rw:{esp}",
           "-serial", f"file:{com1}", "-serial", f"file:{com2}",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    print(f"booting {guest} under the hypervisor (QEMU, AMD SVM, UEFI); "
          f"hypervisor command line: {USER_CMDLINE if user_guest else DEMO_CMDLINE}")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    shown = {com1: 0, com2: 0}
    try:
        while True:
            running = proc.poll() is None
            for path, tag in ((com1, "hv   "), (com2, "guest")):
                shown[path] = show_new_lines(path, tag, shown[path], path == com1)
            if not running:
                break
            time.sleep(0.2)
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
    print(f"demo over; full logs: {com1} (hypervisor, with firmware output) and {com2} (guest)")


def show_new_lines(path, tag, offset, hv_only):
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return offset
    end = data.rfind(b"\n")
    if end < 0:
        return offset
    for raw in data[:end].split(b"\n"):
        line = ANSI.sub("", raw.decode("latin-1").replace("\r", ""))
        # Both ports also carry the firmware's console before ExitBootServices.
        if line and not line.startswith("BdsDxe") and (not hv_only or line.startswith("HV1 ")):
            print(f"[{tag}] {line}", flush=True)
    return offset + end + 1


if __name__ == "__main__":
    main()
