#!/usr/bin/env python3
"""No stray port writes on real hardware (issue 14, docs/hardware.md).

The emulator exit ports, 0xF4 (QEMU isa-debug-exit) and 0x8900 (Bochs
shutdown), may belong to a chipset or add-in card on a real board.  Checks
in the linked images, by disassembly, that
  - every instruction that names either port is in plat_emulator_exit
    (arch/x86/stop.c), and
  - plat_emulator_exit tests crash_exit_emulator (onstop=exit) before its
    first OUT.
Usage: check-exit-ports.py IMAGE...   (build/hv.elf, build/hv.so)
"""
import re
import subprocess
import sys

GATE_FN = "plat_emulator_exit"
GATE_VAR = "crash_exit_emulator"
# out %eax,$0xf4 | mov $0x8900,%dx | mov $0xffff8900,%edx | ...
NAMES_PORT = re.compile(r"\bout\s+%\w+,\$0xf4\b|\$0x(ffff)?8900,%e?dx\b|\$0xf4,%e?dx\b")
FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")


def functions(image):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", image], check=True,
                         capture_output=True, text=True).stdout
    fns, cur = {}, None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            cur = fns.setdefault(m.group(1), [])
        elif cur is not None and "\t" in line:
            cur.append(line.split("\t", 1)[1].strip())
    return fns


def check(image):
    errors = []
    fns = functions(image)
    for name, insns in fns.items():
        for i in insns:
            if NAMES_PORT.search(i) and name != GATE_FN:
                errors.append(f"{image}: {name} names an emulator exit port: {i}")
    gate = fns.get(GATE_FN)
    if not gate:
        return errors + [f"{image}: no {GATE_FN}"]
    first_out = next((k for k, i in enumerate(gate) if i.startswith("out")), None)
    tested = any(GATE_VAR in i and i.split()[0].startswith(("cmp", "test", "mov"))
                 for i in gate[:first_out])
    if first_out is None or not tested:
        errors.append(f"{image}: {GATE_FN} does not test {GATE_VAR} before its first OUT")
    return errors


def main():
    errors = [e for image in sys.argv[1:] for e in check(image)]
    for e in errors:
        print("check-exit-ports:", e)
    if not sys.argv[1:]:
        print(__doc__)
        return 2
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
