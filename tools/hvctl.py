#!/usr/bin/env python3
"""hvctl: signs control-channel commands for a hypervisor instance.

A command line (docs/operations.md) is

    HVC1 <instance> <boot_id> <nonce> <op> [<arg>] *<mac>

with mac = HMAC-SHA256(key, everything before " *") in 64 hex digits.
The instance and boot id can come from the instance's log (its
`identity` record).  The nonce must grow with every command a boot
accepts; hvctl does not remember it: give it, or let it default to the
current time in microseconds.

  hvctl.py --key tests/keys/control-test.key --log com1.log status
  hvctl.py --key K --instance hv0 --boot-id 0123456789abcdef --nonce 7 dump mini
Prints the line on stdout (send it to the log port's receive side).
"""
import argparse
import hashlib
import hmac
import re
import sys
import time

IDENTITY = re.compile(r"\bidentity instance=(\S+) boot_id=([0-9a-f]{16})\b")
OPS = ("status", "restart", "park", "resume", "dump", "checkpoint", "rollback")


def read_key(path):
    text = open(path).read().strip()
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        sys.exit(f"hvctl: {path} must hold 64 hex digits (a 32-byte key)")
    return bytes.fromhex(text)


def identity_from_log(path):
    """The last identity record in the log: (instance, boot_id)."""
    found = None
    with open(path, "rb") as f:
        for line in f.read().decode("latin-1").splitlines():
            m = IDENTITY.search(line)
            if m:
                found = (m.group(1), m.group(2))
    if found is None:
        sys.exit(f"hvctl: no identity record in {path}")
    return found


def sign(key, instance, boot_id, nonce, op, arg=None):
    text = f"HVC1 {instance} {boot_id} {nonce} {op}" + (f" {arg}" if arg else "")
    mac = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    return f"{text} *{mac}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--key", required=True, help="the key file the hypervisor was built with")
    ap.add_argument("--log", help="take instance and boot id from this log's identity record")
    ap.add_argument("--instance")
    ap.add_argument("--boot-id")
    ap.add_argument("--nonce", type=int, default=None)
    ap.add_argument("op", choices=OPS)
    ap.add_argument("arg", nargs="?", help="dump: mini or full; checkpoint, rollback: a slot number")
    a = ap.parse_args()
    if a.op == "dump" and a.arg not in ("mini", "full"):
        ap.error("dump takes mini or full")
    if a.op in ("checkpoint", "rollback") and not (a.arg or "").isdigit():
        ap.error(f"{a.op} takes a slot number")
    if a.op not in ("dump", "checkpoint", "rollback") and a.arg is not None:
        ap.error(f"{a.op} takes no argument")
    instance, boot_id = identity_from_log(a.log) if a.log else (a.instance, a.boot_id)
    if not instance or not boot_id:
        sys.exit("hvctl: give --log, or --instance and --boot-id")
    nonce = a.nonce if a.nonce is not None else time.time_ns() // 1000
    print(sign(read_key(a.key), instance, boot_id, nonce, a.op, a.arg))


if __name__ == "__main__":
    main()
