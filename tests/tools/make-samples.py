#!/usr/bin/env python3
"""Regenerates the hand-made decoder samples in tests/tools/samples/.

Each sample (except qemu-uefi-com1.log, a real capture from the e2e
qemu-uefi-basic run) is a captured-COM1-like byte stream built from HV1 records
(CRC-32 = zlib.crc32 of the line up to " *") plus deliberate damage.
Run from anywhere: python3 tests/tools/make-samples.py
"""
import os
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samples")


def rec(seq, t, level, cat, text):
    body = f"HV1 {seq} {t} {level} {cat} {text}".encode()
    return body + b" *%08x" % zlib.crc32(body)


def crlf(*lines):
    return b"".join(l + b"\r\n" for l in lines)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(HERE, exist_ok=True)
    # Firmware noise, ANSI escapes, text before "HV1 " on the same line,
    # trailing escapes and carriage returns, NUL bytes: 5 clean records.
    write("noise.log",
          b"\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001 \"UEFI QEMU HARDDISK\"\r\n"
          b"BdsDxe: starting Boot0001\r\n\x00\x00\xff\xfe garbage\r\n"
          + b"\x1b[0m\x1b[37m\x1b[40m" + rec(0, 0, "info", "log", "hypervisor starting boot=uefi") + b"\r\n"
          + rec(1, 10, "info", "event", "hello stub_version=1") + b"\x1b[0m\r\r\n"
          + b"some console text " + rec(2, 20, "major", "event", "hang missed=2 rip=0x100123") + b"\n"
          + rec(3, 30, "info", "decision", 'decide cause="a b c" empty= x="unterminated') + b"  \t\r\n"
          + b"\r\n\r\nmore firmware\r" + rec(4, 40, "emerg", "alarm", "alarm id=1 level=emerg") + b"\r\n"
          + b"trailing noise without newline")
    # Record 2 damaged in transit: crc error, and a gap where it was.
    good = rec(2, 20, "major", "event", "hang missed=2 rip=0x100123")
    write("corrupt.log", crlf(rec(0, 0, "info", "log", "start"), rec(1, 5, "info", "log", "one"),
                              good.replace(b"missed=2", b"missed=3"),
                              rec(3, 30, "info", "log", "three"), rec(4, 40, "info", "log", "four")))
    # Records 3 and 4 never arrived.
    write("gap.log", crlf(*(rec(s, s * 10, "info", "tick", f"tick n={s}") for s in (0, 1, 2, 5, 6))))
    # Two boots; then a step backwards that is not a restart.
    write("restart.log", crlf(*(rec(s, s, "info", "log", f"a{s}") for s in (0, 1, 2)),
                              *(rec(s, s, "info", "log", f"b{s}") for s in (0, 1, 2, 3, 4, 5)),
                              rec(3, 9, "info", "log", "back")))
    # Malformed records (and one crc error), between good ones.
    bad_level = b"HV1 1 0 warn log x"
    star_text = b"HV1 1 0 info log a*b"
    bad_seq = b"HV1 x 0 info log bad seq"
    upper = rec(1, 0, "info", "log", "upper")
    write("malformed.log", crlf(
        rec(0, 0, "info", "log", "first"),
        bad_level + b" *%08x" % zlib.crc32(bad_level),          # unknown level
        b"HV1 1 0 info log no crc here",                         # no frame tail
        upper[:-8] + upper[-8:].upper(),                         # uppercase hex
        star_text + b" *%08x" % zlib.crc32(star_text),           # '*' in text
        bad_seq + b" *%08x" % zlib.crc32(bad_seq),               # seq not a number
        b"see HV1 notes",                                        # stray tag
        rec(1, 1, "info", "log", "cut") + rec(2, 2, "info", "log", "joined"),  # lost newline
        rec(3, 3, "info", "log", "last"),
    ) + b"HV1 4 4 info lo")                                      # capture cut short
    write("empty.log", b"")


if __name__ == "__main__":
    main()
