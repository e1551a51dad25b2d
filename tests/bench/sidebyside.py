"""make bench, side by side (issue 10): the same Debian kernel and
initramfs under plain QEMU (TCG, no hypervisor) with what users pick
today, against the hypervisor with the stub module, for the same two
faults: a kernel panic (sysrq) and a hard lockup (hvcrash fault=hardlockup,
interrupts off for ever).  Each figure is the time from the fault to the
guest's shell again, in wall-clock seconds (under TCG the hypervisor's
clock is the host's too).
  - plain QEMU, panic: `-device pvpanic-pci -action panic=exit-failure`
    (Linux's pvpanic driver tells QEMU, QEMU exits, and this script starts
    it again, as a supervisor such as libvirt's on_crash=restart would);
  - plain QEMU, hard lockup: `-device i6300esb -action watchdog=reset`,
    Linux's i6300esb driver at its shortest timeout (1 s) fed by busybox's
    watchdog daemon every 0.5 s;
  - ours: policy linux_stub, watchdog 100 ms x 10 (as the e2e runs).
The plain runs need the four driver modules, taken from the kernel
package scripts/linux-assets.sh downloaded, in a second cpio archive
appended to the initramfs (Linux unpacks both)."""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import run as e2e  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DRIVERS = ["drivers/watchdog/watchdog.ko", "drivers/watchdog/i6300esb.ko",
           "drivers/misc/pvpanic/pvpanic.ko", "drivers/misc/pvpanic/pvpanic-pci.ko"]
X = b"insmod /lib/modules/extra/"


def plain_initrd(build):
    """initrd.cpio with the driver modules appended, or None."""
    out = os.path.join(build, "bench", "initrd-plain.cpio")
    lin = os.path.join(build, "linux")
    debs = [f for f in os.listdir(os.path.join(lin, "deb")) if f.startswith("linux-image-")]
    if not debs:
        return None
    root = os.path.join(build, "bench", "plain-root")
    subprocess.run(["rm", "-rf", root], check=True)
    os.makedirs(os.path.join(root, "lib", "modules", "extra"))
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", os.path.join(lin, "deb", debs[0])],
                         check=True, stdout=subprocess.PIPE).stdout
    names = subprocess.run(["tar", "-t"], input=tar, check=True,
                           stdout=subprocess.PIPE).stdout.decode().split()
    want = [n for n in names if any(n.endswith("/kernel/" + d) for d in DRIVERS)]
    subprocess.run(["tar", "-x", "-C", root, "--transform", "s|.*/||", "--"] + want,
                   input=tar, check=True)
    for n in want:
        os.rename(os.path.join(root, os.path.basename(n)),
                  os.path.join(root, "lib", "modules", "extra", os.path.basename(n)))
    extra = os.path.join(build, "bench", "extra.cpio")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mkinitramfs.py"), root, extra],
                   check=True)
    with open(os.path.join(lin, "initrd.cpio"), "rb") as a, open(extra, "rb") as b, \
            open(out, "wb") as o:
        o.write(a.read() + b.read())
    return out


def plain_run(build, initrd, device, commands, restarts, timeout=240):
    """Plain QEMU with `device`; types commands[n] at the n-th shell and
    stops QEMU at the shell after the last; starts QEMU again when it
    exits by itself, `restarts` times.  Returns [(time, line)]."""
    lines = []
    ready = [0]

    def pump(proc):
        buf = b""
        while True:
            c = proc.stdout.read(1)
            if not c:
                return
            buf += c
            if c == b"\n":
                line = buf.decode("latin-1").rstrip()
                lines.append((time.monotonic(), line))
                buf = b""
                if line.startswith("linux-demo: shell ready"):
                    n = ready[0]
                    ready[0] += 1
                    if n < len(commands):
                        proc.stdin.write(commands[n])
                        proc.stdin.flush()
                    else:
                        proc.kill()  # the guest is back: done
                        return

    end = time.monotonic() + timeout
    for _ in range(restarts + 1):
        cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-smp", "1",
               "-cpu", "qemu64", "-m", "512", "-display", "none", "-monitor", "none",
               "-net", "none", "-kernel", os.path.join(build, "linux", "vmlinuz"),
               "-initrd", initrd, "-append", e2e.LINUX_CMDLINE,
               "-chardev", "stdio,id=c2,signal=off", "-serial", "null",
               "-serial", "chardev:c2"] + device
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        t = threading.Thread(target=pump, args=(proc,), daemon=True)
        t.start()
        try:
            proc.wait(timeout=max(1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        t.join(5)
        if ready[0] > len(commands) or time.monotonic() >= end:
            break
    return lines


def gap(lines, fault, after=r"^linux-demo: shell ready"):
    """Seconds from the first line matching `fault` to the next shell."""
    t0 = next((t for t, s in lines if re.search(fault, s)), None)
    if t0 is None:
        return None
    t1 = next((t for t, s in lines if t > t0 and re.search(after, s)), None)
    return None if t1 is None else t1 - t0


def ours(build, assets):
    """Our panic and hard lockup, in one run: the hypervisor's times."""
    mark = e2e.PORT_READ + b"533; "
    r = e2e.Run("bench-qemu-iso-linux-sidebyside", "qemu-iso",
                "onstop=exit policy=linux_stub wd_k=10 maxticks=300000",
                e2e.LINUX_CMDLINE + " hvdemo=mark", r"(?!)", guest_bytes=assets[0],
                initrd=assets[1], memory=512, timeout=400,
                typing=[(r"shell ready", b"echo c > /proc/sysrq-trigger\n"),
                        (r"(?s)(shell ready.*){2}", mark + b"insmod /lib/modules/hvcrash.ko "
                         b"fault=hardlockup\n"),
                        (r"(?s)(shell ready.*){3}", b"halt -f\n")])
    e2e.execute(r, build)
    shells = [x["t_us"] for x in e2e.find(r, "event", "blocked_io", port="0x214", access="in")]
    panic = e2e.find(r, "event", "report", type="2")
    lock = e2e.find(r, "event", "blocked_io", port="0x215", access="in")

    def since(t0):
        t1 = next((t for t in shells if t > t0), None)
        return None if t1 is None else (t1 - t0) / 1e6
    return (since(panic[0]["t_us"]) if panic else None,
            since(lock[0]["t_us"]) if lock else None)


def main(build):
    assets = e2e.linux_assets(build)
    initrd = plain_initrd(build) if assets else None
    if initrd is None:
        print("side by side: no Linux assets (scripts/linux-assets.sh)")
        return
    panic = plain_run(build, initrd, ["-device", "pvpanic-pci", "-action", "panic=exit-failure"],
                      [X + b"pvpanic.ko; " + X + b"pvpanic-pci.ko; echo c > /proc/sysrq-trigger\n"],
                      restarts=1)
    lock = plain_run(build, initrd, ["-device", "i6300esb", "-action", "watchdog=reset"],
                     [X + b"watchdog.ko; " + X + b"i6300esb.ko; watchdog -T 1 -t 500ms "
                      b"/dev/watchdog; sleep 2; echo hardlockup-now; "
                      b"insmod /lib/modules/hvcrash.ko fault=hardlockup\n"],
                     restarts=0)
    p_ours, l_ours = ours(build, assets)
    p_plain = gap(panic, r"Kernel panic - not syncing")
    l_plain = gap(lock, r"hvcrash: fault=hardlockup")
    ratio = lambda a, b: f"{a / b:.2f}" if a and b else "n/a"
    fmt = lambda v: f"{v:.1f} s" if v else "n/a"
    print("\nSide by side, Linux guest under QEMU TCG (wall-clock s from the fault to the shell)")
    print(f"  {'panic (sysrq)':<16} plain QEMU + pvpanic, restarted: {fmt(p_plain):>8}   "
          f"ours: {fmt(p_ours):>8}   plain/ours {ratio(p_plain, p_ours)}")
    print(f"  {'hard lockup':<16} plain QEMU + i6300esb (1 s):     {fmt(l_plain):>8}   "
          f"ours: {fmt(l_ours):>8}   plain/ours {ratio(l_plain, l_ours)}")
    if not p_plain or not l_plain:
        print("  (plain runs' last console lines: " +
              " | ".join(s for _, s in (panic + lock)[-6:]) + ")")


if __name__ == "__main__":
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    e2e.DECODER = os.path.join(build, "tools", "hvlog-decode")
    main(build)
