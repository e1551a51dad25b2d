#!/usr/bin/env python3
"""Checks the source tree's layering (docs/design.md, Structure).

Dependencies point one way: boot -> core (hv/) -> vCPU interface (vcpu/)
<- backends (arch/x86/vmx, arch/x86/svm); the platform (arch/x86/) and the
libraries (lib/) sit below them all.  Every #include names its path from
the repository root, so the layer of each dependency is visible in the
include itself, and this script can check it.

  scripts/check-layers.py layers   every include allowed for its layer
  scripts/check-layers.py cycles   no include cycle among hv/ modules
  scripts/check-layers.py vendors  no vendor test in the core (only
                                   hv/main.c names the backends)
Exit status 0 when the rule holds; otherwise each violation is printed.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DIRS = ("boot", "hv", "vcpu", "lib", "arch")

# Layer of a file -> path prefixes it may include.
PLATFORM = "arch/x86/platform.h"
BACKENDS = ("arch/x86/vmx/", "arch/x86/svm/")
RULES = [
    ("arch/x86/vmx/", ("vcpu/", "lib/", "arch/x86/vmx/", "arch/x86/x86.h", PLATFORM,
                       "arch/x86/guest_regs.inc")),
    ("arch/x86/svm/", ("vcpu/", "lib/", "arch/x86/svm/", "arch/x86/x86.h", PLATFORM,
                       "arch/x86/guest_regs.inc")),
    # The platform: its own files and the libraries, never a backend.
    ("arch/x86/", ("lib/", "vcpu/", "arch/x86/")),
    ("vcpu/", ("vcpu/",)),
    ("lib/", ("lib/", PLATFORM)),
    ("hv/", ("hv/", "vcpu/", "lib/", "include/", PLATFORM)),
    ("boot/", ("boot/", "hv/", "lib/", "include/", PLATFORM, "arch/x86/x86.h")),
]


def sources():
    for d in DIRS:
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            for n in sorted(names):
                if n.endswith((".c", ".h", ".S", ".inc")):
                    yield os.path.relpath(os.path.join(dirpath, n), ROOT)


def includes(path):
    with open(os.path.join(ROOT, path)) as f:
        return INCLUDE.findall(f.read())


def check_layers():
    bad = []
    for path in sources():
        allowed = next(a for prefix, a in RULES if path.startswith(prefix))
        for inc in includes(path):
            if inc.startswith("../") or not os.path.exists(os.path.join(ROOT, inc)):
                bad.append(f"{path}: #include \"{inc}\" is not a path from the repository root")
            elif not inc.startswith(allowed) or (
                    not path.startswith(BACKENDS) and inc.startswith(BACKENDS)):
                bad.append(f"{path}: #include \"{inc}\" crosses a layer (allowed: {', '.join(allowed)})")
    return bad


def module(path):
    return os.path.splitext(path)[0]


def check_cycles():
    graph = {}
    for path in sources():
        if not path.startswith("hv/"):
            continue
        deps = graph.setdefault(module(path), set())
        for inc in includes(path):
            if inc.startswith("hv/") and module(inc) != module(path):
                deps.add(module(inc))
    # Iterative depth-first search; a grey node reached again closes a cycle.
    colour, bad = {}, []
    for start in sorted(graph):
        if colour.get(start):
            continue
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        colour[start] = "grey"
        trail = [start]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = "black"
                stack.pop()
                trail.pop()
            elif colour.get(nxt) == "grey":
                bad.append("cycle: " + " -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif not colour.get(nxt):
                colour[nxt] = "grey"
                trail.append(nxt)
                stack.append((nxt, iter(sorted(graph.get(nxt, ())))))
    return bad


def check_vendors():
    bad = []
    for path in sources():
        if path.startswith("hv/") and path != "hv/main.c":
            with open(os.path.join(ROOT, path)) as f:
                for n, line in enumerate(f, 1):
                    if re.search(r"\b(vmx_ops|svm_ops)\b", line):
                        bad.append(f"{path}:{n}: names a backend: {line.strip()}")
    return bad


def main():
    checks = {"layers": check_layers, "cycles": check_cycles, "vendors": check_vendors}
    names = sys.argv[1:] or sorted(checks)
    failed = False
    for name in names:
        bad = checks[name]()
        for b in bad:
            print(f"{name}: {b}")
        print(f"{name}: {'ok' if not bad else f'{len(bad)} violation(s)'}")
        failed |= bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
