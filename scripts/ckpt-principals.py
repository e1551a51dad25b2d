#!/usr/bin/env python3
"""ckpt-principals: compiles a checkpoint principals file into C.

Who may ask the hypervisor for checkpoints (docs/checkpoints.md,
"The principals file"): one principal a line,

    principal <id> <name> key=<key file or 64 hex digits> ops=<op>,<op>,...

id 1..4294967295 (decimal or 0x hex), name 1-15 of [A-Za-z0-9_.-], the key
32 bytes as 64 hex digits, given in place or in a key file (named
relative to the principals file, not all hex digits; whitespace around
the digits ignored), ops from save, list, restore,
delete, info.  '#' starts a comment; blank lines are ignored.

  scripts/ckpt-principals.py FILE -o OUT.c [--dep OUT.d] [--test]
  scripts/ckpt-principals.py --none -o OUT.c     (no principal)

Writes OUT.c defining hv_ckpt_principals (hv/ckpt_auth.h), and with --dep
a make rule naming the key files read.  A malformed file fails with
exit status 1 and "FILE:LINE: what is wrong" on stderr; OUT.c is then
removed, so a stale table cannot be linked.
"""
import argparse
import os
import re
import sys

HEADER = "hv/ckpt_auth.h"
# The request ops a principal may be given (include/hv_abi.h, enum hv_ckpt_op).
OPS = {"save": "HV_CK_SAVE", "list": "HV_CK_LIST", "restore": "HV_CK_RESTORE",
       "delete": "HV_CK_DELETE", "info": "HV_CK_INFO"}
NAME = re.compile(r"[A-Za-z0-9_.-]+")
HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class Bad(Exception):
    pass


def header_limit(root, macro):
    """A `#define MACRO <n>u` of hv/ckpt_auth.h: the limits have one home."""
    text = open(os.path.join(root, HEADER)).read()
    m = re.search(r"#define\s+%s\s+(\d+)u?\b" % macro, text)
    if not m:
        sys.exit(f"ckpt-principals: {HEADER} has no {macro}")
    return int(m.group(1))


def parse_id(word):
    try:
        v = int(word, 16) if word.lower().startswith("0x") else int(word, 10)
    except ValueError:
        raise Bad(f"id '{word}' is not a number")
    if not 1 <= v <= 0xFFFFFFFF:
        raise Bad(f"id {word} out of range 1..4294967295")
    return v


def parse_key(value, base_dir, deps):
    if HEX64.fullmatch(value):
        hexkey = value
    elif re.fullmatch(r"[0-9a-fA-F]+", value):
        raise Bad(f"bad key length: {len(value)} hex digits, want 64 (a 32-byte key)")
    else:
        path = os.path.join(base_dir, value)
        try:
            hexkey = open(path).read().strip()
        except OSError as e:
            raise Bad(f"cannot read key file {path}: {e.strerror}")
        deps.append(path)
        if not HEX64.fullmatch(hexkey):
            raise Bad(f"bad key length: key file {path} must hold 64 hex digits (a 32-byte key),"
                      " nothing else")
    key = bytes.fromhex(hexkey)
    if key == bytes(32):
        raise Bad("key is all zeros")
    return key


def parse_ops(value):
    names = value.split(",")
    if names == [""]:
        raise Bad("ops= is empty")
    for n in names:
        if n not in OPS:
            raise Bad(f"unknown op '{n}' (known: {', '.join(OPS)})")
        if names.count(n) > 1:
            raise Bad(f"op '{n}' listed twice")
    return names


def parse_line(words, base_dir, deps, name_max):
    if words[0] != "principal":
        raise Bad(f"unknown line '{words[0]}' (want: principal <id> <name> key=... ops=...)")
    if len(words) < 3:
        raise Bad("want: principal <id> <name> key=... ops=...")
    pid = parse_id(words[1])
    name = words[2]
    if not NAME.fullmatch(name) or len(name) > name_max:
        raise Bad(f"name '{name}' must be 1-{name_max} of A-Z a-z 0-9 _ . -")
    fields = {}
    for w in words[3:]:
        k, eq, v = w.partition("=")
        if not eq or k not in ("key", "ops"):
            raise Bad(f"unknown word '{w}' (want key=... and ops=...)")
        if k in fields:
            raise Bad(f"{k}= given twice")
        fields[k] = v
    for k in ("key", "ops"):
        if k not in fields:
            raise Bad(f"missing {k}=")
    return {"id": pid, "name": name, "key": parse_key(fields["key"], base_dir, deps),
            "ops": parse_ops(fields["ops"])}


def check_unique(p, table):
    for q in table:
        if q["id"] == p["id"]:
            raise Bad(f"duplicate id {p['id']} (principal {q['name']}, line {q['line']})")
        if q["name"] == p["name"]:
            raise Bad(f"duplicate name '{p['name']}' (line {q['line']})")
        if q["key"] == p["key"]:
            raise Bad(f"same key as principal {q['name']} (line {q['line']}): one key per principal")


def parse_file(path, count_max, name_max):
    table, deps = [], []
    base_dir = os.path.dirname(path)
    with open(path) as f:
        lines = f.read().splitlines()
    for no, raw in enumerate(lines, 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        try:
            p = parse_line(words, base_dir, deps, name_max)
            check_unique(p, table)
            if len(table) == count_max:
                raise Bad(f"too many principals (at most {count_max}, CKPT_PRINCIPALS_MAX)")
        except Bad as e:
            raise Bad(f"{path}:{no}: {e}")
        p["line"] = no
        table.append(p)
    return table, deps


def c_text(table, source, is_test):
    out = [f"/* Generated by scripts/ckpt-principals.py from {source}; do not edit. */",
           f'#include "{HEADER}"', ""]
    if table:
        out.append("static const struct ckpt_principal principals[] = {")
        for p in table:
            ops = " | ".join(f"(1u << {OPS[o]})" for o in p["ops"])
            key = ", ".join(f"0x{b:02x}" for b in p["key"])
            out += [f"\t{{ .id = {p['id']}u, .name = \"{p['name']}\", .allowed_ops = {ops},",
                    f"\t  .key = {{ {key} }} }},"]
        out += ["};",
                "_Static_assert(sizeof(principals) / sizeof(principals[0]) <= CKPT_PRINCIPALS_MAX,",
                '\t       "at most CKPT_PRINCIPALS_MAX principals");',
                "const struct ckpt_principals hv_ckpt_principals = {",
                f"\t.p = principals, .count = {len(table)}u,", "};"]
    else:
        out.append("const struct ckpt_principals hv_ckpt_principals = { .p = 0, .count = 0 };")
    out.append(f"const bool hv_ckpt_principals_are_test = {'true' if is_test else 'false'};")
    return "\n".join(out) + "\n"


def write_if_changed(path, text):
    try:
        if open(path).read() == text:
            return
    except OSError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", help="the principals file")
    ap.add_argument("--none", action="store_true", help="no principal: every request is denied")
    ap.add_argument("-o", dest="out", required=True, help="the C file to write")
    ap.add_argument("--dep", help="also write a make rule: OUT.c depends on the key files")
    ap.add_argument("--test", action="store_true", help="the table is the test one (public keys)")
    a = ap.parse_args()
    if a.none == bool(a.file):
        ap.error("give a principals file or --none")
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    table, deps = [], []
    if a.file:
        try:
            table, deps = parse_file(a.file, header_limit(root, "CKPT_PRINCIPALS_MAX"),
                                     header_limit(root, "CKPT_PRINCIPAL_NAME") - 1)
        except (Bad, OSError) as e:
            for stale in (a.out, a.dep):
                if stale and os.path.exists(stale):
                    os.remove(stale)
            print(f"ckpt-principals: {e}", file=sys.stderr)
            return 1
    write_if_changed(a.out, c_text(table, a.file or "no file", a.test))
    if a.dep:
        write_if_changed(a.dep, f"{a.out}: {' '.join(deps)}\n" + "".join(f"{d}:\n" for d in deps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
