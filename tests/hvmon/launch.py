"""Starts the hypervisor (ISO, test guest) under QEMU with its COM1 on a
chosen chardev and a QMP socket, for hvmon's tests; reuses the e2e
runner's image preparation (tests/e2e/run.py)."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import run as e2e  # noqa: E402


def qemu_argv(build, work, hv_cmdline, guest_cmdline, com1, qmp=None, reboot=False):
    """The QEMU command: com1 is a -serial chardev spec (file:..., tcp:...,
    unix:...).  reboot=True leaves out -no-reboot, so that QMP
    system_reset resets the machine instead of ending QEMU."""
    os.makedirs(work, exist_ok=True)
    r = e2e.Run(os.path.basename(work), "qemu-iso", hv_cmdline, guest_cmdline, "(?!)")
    cmd, _ = e2e.qemu_command(r, build, work, os.path.join(work, "com1.log"),
                              os.path.join(work, "com2.log"))
    cmd[cmd.index("-serial") + 1] = com1
    if reboot:
        cmd.remove("-no-reboot")
    if qmp:
        cmd += ["-qmp", f"unix:{qmp},server=on,wait=off"]
    return cmd


def start(cmd, work):
    log = open(os.path.join(work, "qemu.out"), "wb")
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
