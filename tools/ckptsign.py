#!/usr/bin/env python3
"""ckptsign: signs a checkpoint request (docs/checkpoints.md) on the host.

A request (include/hv_abi.h, struct hv_ckpt_req) is 88 bytes, little-endian:

    id u64, op u32, slot u32, principal u32, flags u32, nonce u64, arg u64,
    label 16 bytes (NUL-padded), mac 32 bytes

with mac = HMAC-SHA256(the principal's key, the 56 bytes before it).  The
guest copies the request into its ring as it is; it never holds the key
(the tests inject requests signed here).  The signer signs whatever it is
given, so that tests can also sign requests the hypervisor must refuse as
malformed.

  ckptsign.py --principals tests/keys/ckpt-test.principals --as admin \\
      --nonce 1 --id 7 save --slot 0 --label boot --known-good
  ckptsign.py --principal 3 --key tests/keys/ckpt-reader-test.key --nonce 5 info --arg tsc_hz
  ... --format mac     only the MAC, 64 hex digits
  ... --format c       a C initializer of struct hv_ckpt_req
  ... --format bin     the 88 bytes on stdout
Default output: the 88 bytes as 176 hex digits.  As a module:
sign_request(key, ...) returns the 88 bytes.
"""
import argparse
import hashlib
import hmac
import importlib.util
import os
import re
import struct
import sys

OPS = {"save": 1, "list": 2, "restore": 3, "delete": 4, "info": 5}
INFO = {"abi_version": 1, "slots": 2, "slot_bytes": 3, "tsc_hz": 4, "generation": 5,
        "rollbacks": 6}
KNOWN_GOOD = 1
LABEL_LEN = 16
SIGNED = struct.Struct("<QIIIIQQ16s")  # the bytes before mac (HV_CKPT_REQ_SIGNED)
assert SIGNED.size == 56
REQ_LEN = SIGNED.size + 32


def signed_part(req_id, op, slot, principal, flags, nonce, arg, label=b""):
    if len(label) > LABEL_LEN:
        raise ValueError(f"label is {len(label)} bytes, at most {LABEL_LEN}")
    return SIGNED.pack(req_id, op, slot, principal, flags, nonce, arg,
                       label.ljust(LABEL_LEN, b"\0"))


def sign_request(key, req_id, op, slot, principal, flags, nonce, arg, label=b""):
    """The 88 bytes of a request signed with key (32 bytes)."""
    if len(key) != 32:
        raise ValueError("a principal's key is 32 bytes")
    body = signed_part(req_id, op, slot, principal, flags, nonce, arg, label)
    return body + hmac.new(key, body, hashlib.sha256).digest()


def read_key(text_or_path):
    """64 hex digits, or a file holding them."""
    text = text_or_path
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        text = open(text_or_path).read().strip()
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        sys.exit(f"ckptsign: {text_or_path} must hold 64 hex digits (a 32-byte key)")
    return bytes.fromhex(text)


def principal_from_file(path, name):
    """(id, key) of principal `name` in a principals file, read by the
    build's own compiler (scripts/ckpt-principals.py) so both agree."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    spec = importlib.util.spec_from_file_location(
        "ckpt_principals", os.path.join(root, "scripts", "ckpt-principals.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    try:
        table, _ = mod.parse_file(path, 1 << 30, 1 << 30)
    except mod.Bad as e:
        sys.exit(f"ckptsign: {e}")
    for p in table:
        if p["name"] == name:
            return p["id"], p["key"]
    sys.exit(f"ckptsign: no principal '{name}' in {path}")


def number(text):
    return int(text, 0)


def c_initializer(req):
    f = SIGNED.unpack(req[:SIGNED.size])
    label = f[7].rstrip(b"\0")
    mac = ", ".join(f"0x{b:02x}" for b in req[SIGNED.size:])
    # the label as C escapes: any byte goes through unchanged
    lab = "".join(chr(b) if 0x20 <= b <= 0x7e and chr(b) not in '"\\?' else f"\\{b:03o}"
                  for b in label)
    return (f"{{ .id = {f[0]}ull, .op = {f[1]}u, .slot = {f[2]}u, .principal = {f[3]}u, "
            f".flags = {f[4]}u, .nonce = {f[5]}ull, .arg = {f[6]}ull, .label = \"{lab}\",\n"
            f"  .mac = {{ {mac} }} }}")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    who = ap.add_argument_group("the principal: --principals and --as, or --principal and --key")
    who.add_argument("--principals", help="a principals file (make CKPT_PRINCIPALS=)")
    who.add_argument("--as", dest="name", help="the principal's name in it")
    who.add_argument("--principal", type=number, help="the principal's id")
    who.add_argument("--key", help="its key: a file with 64 hex digits, or the digits")
    ap.add_argument("--nonce", type=number, required=True,
                    help="above the last this principal had accepted")
    ap.add_argument("--id", type=number, default=1, help="the request's id (not 0; default 1)")
    ap.add_argument("op", help="save, list, restore, delete, info (or a number)")
    ap.add_argument("--slot", type=number, default=0)
    ap.add_argument("--label", default="", help="SAVE's label (at most 15 characters)")
    ap.add_argument("--known-good", action="store_true", help="SAVE: HV_CKF_KNOWN_GOOD")
    ap.add_argument("--flags", type=number, help="raw flags (overrides --known-good)")
    ap.add_argument("--arg", default="0",
                    help="INFO's field: " + ", ".join(INFO) + " (or a number)")
    ap.add_argument("--format", choices=("hex", "mac", "c", "bin"), default="hex")
    return ap.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    if a.principals and a.name:
        principal, key = principal_from_file(a.principals, a.name)
    elif a.principal is not None and a.key:
        principal, key = a.principal, read_key(a.key)
    else:
        sys.exit("ckptsign: give --principals and --as, or --principal and --key")
    op = OPS[a.op] if a.op in OPS else number(a.op)
    arg = INFO[a.arg] if a.arg in INFO else number(a.arg)
    flags = a.flags if a.flags is not None else (KNOWN_GOOD if a.known_good else 0)
    try:
        req = sign_request(key, a.id, op, a.slot, principal, flags, a.nonce, arg,
                           a.label.encode("latin-1"))
    except (ValueError, struct.error) as e:
        sys.exit(f"ckptsign: {e}")
    if a.format == "bin":
        sys.stdout.buffer.write(req)
    elif a.format == "mac":
        print(req[SIGNED.size:].hex())
    elif a.format == "c":
        print(c_initializer(req))
    else:
        print(req.hex())


if __name__ == "__main__":
    main()
