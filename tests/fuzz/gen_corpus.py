#!/usr/bin/env python3
"""Writes the seed corpora tests/fuzz/corpus/<target>/ (small valid inputs).

The committed files are this script's output; rerun it after changing an
input layout:  python3 tests/fuzz/gen_corpus.py [outdir]
"""
import os
import struct
import sys
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    assert len(data) < 4096, (target, name, len(data))
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- fuzz_elf: window load_min 0x1000, ram_size 1 MiB ----------------------
def elf(phdrs, entry, payload=b""):
    """phdrs: (type, flags, offset, paddr, filesz, memsz)"""
    phoff = 64
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, phoff, 0, 0, 64, 56, len(phdrs), 64, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", t, fl, off, pa, pa, fs, ms, 0x1000)
                  for t, fl, off, pa, fs, ms in phdrs)
    return eh + ph + payload


code = b"\x90" * 15 + b"\xf4"  # nops, hlt
data_off = 64 + 56 * 3
put("fuzz_elf", "one_segment", elf([(1, 5, 120, 0x10000, len(code), len(code))], 0x10000, code))
put("fuzz_elf", "text_bss_note",
    elf([(1, 5, data_off, 0x10000, 16, 16), (1, 6, data_off + 16, 0x20000, 8, 0x2000),
         (4, 4, data_off, 0, 8, 8)], 0x10008, code + b"DATA0123"))
put("fuzz_elf", "entry_outside", elf([(1, 5, 120, 0x10000, 16, 16)], 0x30000, code))
put("fuzz_elf", "truncated", elf([(1, 5, 120, 0x10000, 16, 16)], 0x10000, code)[:100])


# ---- fuzz_mb2 -----------------------------------------------------------
def mb2(tags):
    body = b""
    for t, payload in tags:
        tag = struct.pack("<II", t, 8 + len(payload)) + payload
        body += tag + bytes((-len(tag)) % 8)
    body += struct.pack("<II", 0, 8)
    return struct.pack("<II", 8 + len(body), 0) + body


mmap = struct.pack("<II", 24, 0) + struct.pack("<QQII", 0, 0x9f000, 1, 0) + \
    struct.pack("<QQII", 0x100000, 0x7ff00000, 1, 0) + struct.pack("<QQII", 0xe0000, 0x20000, 2, 0)
put("fuzz_mb2", "full", mb2([(1, b"tick_us=1000 -- console=ttyS0\0"), (6, mmap),
                             (3, struct.pack("<II", 0x200000, 0x211000) + b"guest.elf\0")]))
put("fuzz_mb2", "mmap_only", mb2([(6, mmap)]))
put("fuzz_mb2", "two_modules", mb2([(3, struct.pack("<II", 0x300000, 0x301000) + b"a\0"),
                                    (3, struct.pack("<II", 0x400000, 0x3ff000) + b"b\0")]))
put("fuzz_mb2", "no_end", mb2([(1, b"x\0")])[:-8])
# Regression: a memory map tag with a huge entry_size (off + entry_size
# wrapped in parse_mmap and it read past the tag and the buffer).
put("fuzz_mb2", "regress_mmap_entry_size_wrap", mb2([(6, struct.pack("<II", 0xfffffff8, 0))]))

# ---- fuzz_report: u64 generation, u64 last_seq, struct hv_report ----------
REPORT_SIZE = 232


def report(gen, seq, typ, vector, module, message, module_index=-1, magic=0x54525648):
    r = struct.pack("<IHHQQQIIIIQQQ", magic, 1, REPORT_SIZE, gen, seq, 123456, 1, typ, vector, 2,
                    0x100123, 0x7ff00, 0xdead000)
    r += module.ljust(16, b"\0")[:16] + struct.pack("<Q", 0x123) + struct.pack("<8Q", *range(8))
    r += message.ljust(64, b"\0")[:64] + struct.pack("<iI", module_index, 0)
    assert len(r) == REPORT_SIZE
    return r


put("fuzz_report", "exception", struct.pack("<QQ", 1, 0) + report(1, 1, 1, 14, b"kern", b"page fault"))
put("fuzz_report", "panic", struct.pack("<QQ", 3, 7) + report(3, 8, 2, 0, b"", b"oops \"x\" *", 5))
put("fuzz_report", "stale", struct.pack("<QQ", 2, 0) + report(1, 1, 4, 0, b"m" * 16, b"assert"))

# ---- fuzz_cmdline: first byte = output size (mod 32) ----------------------
for i, s in enumerate([b"tick_us=1000 ticklog=0x10 maxticks=18446744073709551615 -- guest args",
                       b"wd_ms=0x wd_k=99999999999999999999 onfault=reset guest=\\EFI\\g.elf",
                       b"a=1 a=2 --x -- -- b=3", b"\ttick_us=12\r\nwd_ms=0XfF --"]):
    put("fuzz_cmdline", "line%d" % i, bytes([[16, 1, 0, 31][i]]) + s)


# ---- fuzz_hvlog: report-stream lines ---------------------------------------
def hv1(body):
    return body + b" *%08x" % zlib.crc32(body)


put("fuzz_hvlog", "plain", hv1(b"HV1 0 0 info log start"))
put("fuzz_hvlog", "fields", hv1(b"HV1 12 3456 major event report seq=1 module=kern msg=\"a b\" x=1 x=2"))
put("fuzz_hvlog", "noise_two", b"\x1b[0mboot: " + hv1(b"HV1 3 9 info l") + b" " +
    hv1(b"HV1 4 10 emerg tick t") + b"\x1b[1;31m \r")
put("fuzz_hvlog", "bad_crc", b"HV1 1 2 minor stat x=1 *00000000")

# ---- fuzz_guest_copy: u8 mode, u64 cr3, u64 gva, u32 len, RAM ---------------
def ram(patches=(), blob_gpa=0, blob=b""):
    r = bytes([len(patches)]) + struct.pack("<I", blob_gpa)
    r += b"".join(struct.pack("<IQ", o, v) for o, v in patches)
    return r + blob


put("fuzz_guest_copy", "page", struct.pack("<BQQI", 0, 0x3000, 0x10ff0, 64) + ram(blob_gpa=0x10ff0, blob=b"A" * 64))
put("fuzz_guest_copy", "large_1g", struct.pack("<BQQI", 0, 0x3000, 0x40001000, 300) + ram())
put("fuzz_guest_copy", "high_alias", struct.pack("<BQQI", 4, 0x3000, 0x2000, 8192) + ram())
put("fuzz_guest_copy", "corrupt_pt", struct.pack("<BQQI", 0, 0x3000, 0x5000, 16) +
    ram([(0x6000 + 5 * 8, 0x1ff000 | 0x81), (0x5000, 0x7000 | 1)]))

# ---- fuzz_hypercall ----------------------------------------------------------
def hc(ncalls_calls, flags=0, gen=1, last_seq=0, ram_part=b""):
    h = struct.pack("<BBQQQQQQQQ", len(ncalls_calls), flags, 0x3000, 0xdead000, 0x100010, gen,
                    last_seq, 1000, 1000000000, 5000000)
    c = b"".join(struct.pack("<BBQQQQ", sel, cpl, rdi, rsi, rdx, rax)
                 for sel, cpl, rdi, rsi, rdx, rax in ncalls_calls)
    return h + c + ram_part


rep = report(1, 1, 1, 14, b"kern", b"page fault")
put("fuzz_hypercall", "hello_report",
    hc([(1, 0, 1, 0x9000, 0, 0), (0, 0, 0x1234, 0, 0, 0), (3, 0, 0, 0, 0, 0), (3, 0, 9, 0, 0, 0),
        (2, 0, 32, 1000, 0, 0), (4, 0, 0x10000, REPORT_SIZE, 0, 0), (4, 0, 0x10000, REPORT_SIZE, 0, 0),
        (2, 0, 0, 0, 0, 0)], ram_part=ram(blob_gpa=0x10000, blob=rep)))
put("fuzz_hypercall", "report_cross_page",
    hc([(4, 0, 0x10f80, REPORT_SIZE, 0, 0), (4, 0, 0x7ff80, REPORT_SIZE, 0, 0)], flags=1,
       ram_part=ram(blob_gpa=0x10f80, blob=report(1, 1, 2, 0, b"", b"panic"))))
put("fuzz_hypercall", "refusals",
    hc([(0, 3, 0, 0, 0, 0), (200, 0, 0, 0, 0, 1 << 63), (5, 0, 0, 0, 0, 0), (1, 0, 1, 0x9001, 0, 0),
        (1, 0, 1, 0x200000, 0, 0), (4, 0, 0, 232, 0, 0), (2, 0, 31, 1000, 0, 0)]))
# 20 reports in the same second: the 17th and later get HV_E_BUSY; the last
# one comes 1.2 s later (cpl byte 12 << 2 = 1200 ms) and is looked at again.
put("fuzz_hypercall", "report_flood",
    hc([(1, 0, 1, 0x9000, 0, 0)] + [(4, 0, 0x10000, REPORT_SIZE, 0, 0)] * 19 +
       [(4, 12 << 2, 0x10000, REPORT_SIZE, 0, 0)], ram_part=ram(blob_gpa=0x10000, blob=rep)))
