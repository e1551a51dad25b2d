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


# ---- fuzz_bzimage: u32 ram_size, u32 initrd_size, u32 cmdline_len, u8 flags, image
def bzimage(version=0x020F, xlf=0x03, reloc=1, pref=0x1000000, init_size=0x400000,
            align=0x200000, setup_sects=1, payload=0x200, initrd_max=0x7FFFFFFF):
    koff = ((setup_sects or 4) + 1) * 512  # setup_sects 0 means 4
    img = bytearray(koff + payload)
    img[0x1EF:0x1F1] = b"\xff\xff"  # sentinel
    img[0x1F1] = setup_sects
    struct.pack_into("<I", img, 0x1F4, payload // 16)
    struct.pack_into("<H", img, 0x1FE, 0xAA55)
    img[0x200:0x202] = bytes([0xEB, 0x66])  # header ends at 0x268
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = 0x81  # LOADED_HIGH | CAN_USE_HEAP
    struct.pack_into("<III", img, 0x22C, initrd_max, align, 0)
    img[0x234] = reloc
    struct.pack_into("<HI", img, 0x236, xlf, 2047)
    struct.pack_into("<QI", img, 0x258, pref, init_size)
    for i in range(payload):
        img[koff + i] = 0x90
    return bytes(img)


def bz(ram, initrd, cmdline_len, flags, img):
    return struct.pack("<IIIB", ram, initrd, cmdline_len, flags) + img


MB = 1 << 20
put("fuzz_bzimage", "reloc_initrd", bz(32 * MB, 0x3000, 40, 0, bzimage()))
put("fuzz_bzimage", "fixed_zero_init", bz(24 * MB, 0x1234, 0, 2, bzimage(reloc=0, pref=0x200000)))
put("fuzz_bzimage", "realign_small_ram", bz(20 * MB, 0, 2047, 0, bzimage(pref=0x1500000, align=0x400000)))
put("fuzz_bzimage", "setup_sects0_initrd_below",
    bz(32 * MB, 0x80000, 10, 0, bzimage(setup_sects=0, pref=28 * MB, initrd_max=30 * MB)))
# init_size not page-aligned, initrd exactly fills the rest of RAM above the
# kernel: its page-aligned start would overlap the kernel, so it goes below.
put("fuzz_bzimage", "initrd_tight_above", bz(32 * MB, 0x1800, 0, 0, bzimage(init_size=16 * MB - 0x1800)))
put("fuzz_bzimage", "old_version", bz(32 * MB, 0, 0, 0, bzimage(version=0x020B)))

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

# ---- fuzz_acpi: physical memory at 0x1000, the RSDP in its first 36 bytes --
def acpi_sum(b, off):
    b[off] = (-sum(b)) & 0xff


def acpi_table(sig, body):
    t = bytearray(sig + struct.pack("<IBB", 36 + len(body), 1, 0) + b"BOCHS BXPC    " +
                  struct.pack("<III", 1, 0x43505842, 1) + body)
    acpi_sum(t, 9)
    return bytes(t)


def acpi_image(cpus, xsdt=True):
    """RSDP, root table, MADT, FADT, HPET laid out like QEMU q35's."""
    madt = struct.pack("<II", 0xFEE00000, 1)
    madt += b"".join(struct.pack("<BBBBI", 0, 8, i, i, 1) for i in range(cpus))
    madt += struct.pack("<BBBBII", 1, 12, 0, 0, 0xFEC00000, 0)
    madt += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0) + struct.pack("<BBBBIH", 2, 10, 0, 9, 9, 13)
    madt += struct.pack("<BBBBIII", 9, 16, 0, 0, 300, 1, 7)
    fadt = bytearray(268 - 36)
    struct.pack_into("<I", fadt, 76 - 36, 0x608)
    fadt[91 - 36] = 4
    struct.pack_into("<I", fadt, 112 - 36, 1 << 10)
    struct.pack_into("<BBBBQB", fadt, 116 - 36, 1, 8, 0, 0, 0xCF9, 6)
    struct.pack_into("<BBBBQ", fadt, 208 - 36, 1, 32, 0, 0, 0x608)
    hpet = struct.pack("<IBBBBQ", 0x8086A201, 0, 64, 0, 0, 0xFED00000) + bytes(4)
    tables = [acpi_table(b"APIC", madt), acpi_table(b"FACP", bytes(fadt)), acpi_table(b"HPET", hpet)]
    base, at, addrs = 0x1000, 48, []
    blob = b""
    for t in tables:
        addrs.append(base + at + len(blob))
        blob += t + bytes((-len(t)) % 16)
    root_at = base + at + len(blob)
    root = acpi_table(b"XSDT" if xsdt else b"RSDT",
                      b"".join(struct.pack("<Q" if xsdt else "<I", a) for a in addrs))
    rsdp = bytearray(b"RSD PTR \0BOCHS " + bytes([2 if xsdt else 0]) +
                     struct.pack("<I", 0 if xsdt else root_at) + struct.pack("<IQ", 36, root_at if xsdt else 0) + bytes(4))
    rsdp[8] = (-sum(rsdp[:20])) & 0xff
    rsdp[32] = (-sum(rsdp[:36])) & 0xff
    return bytes(rsdp).ljust(48, b"\0") + blob + root


put("fuzz_acpi", "q35_xsdt", acpi_image(4))
put("fuzz_acpi", "rsdt_v1", acpi_image(1, xsdt=False))

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

# ---- fuzz_hvdump: 'T' + record texts (framed by the harness) ---------------
def dump_texts(page, damage=None):
    """A one-page mini dump as the hypervisor writes it (docs/dumps.md)."""
    import base64
    t = [b"dump_begin id=1 level=mini cause=panic rule=any_panic",
         b"dump_regs id=1 i=0 rip=0x102236 rsp=0x10cfa8", b"dump_page id=1 i=1 vaddr=0x1000 gpa=0x1000 what=rip"]
    i, chunks = 2, 0
    for off in range(0, 4096, 90):
        piece = page[off:off + 90]
        if any(piece):
            t.append(b"dump_mem id=1 i=%d off=%d d=%s" % (i, off, base64.b64encode(piece)))
            i, chunks = i + 1, chunks + 1
    t.append(b"dump_end id=1 level=mini records=%d pages=1 chunks=%d zero_pages=0 skipped=0 crc=%08x us=1"
             % (i, chunks, zlib.crc32(page)))
    return b"T" + b"\n".join(t) + b"\n"


dpage = bytes(4000) + b"guest stack bytes" + bytes(79)
put("fuzz_hvdump", "mini_one_page", dump_texts(dpage))
put("fuzz_hvdump", "two_pieces", dump_texts(b"A" * 100 + bytes(3996)))
# the short last piece of a page (off=4050, 46 bytes): one longer d= runs past the page
put("fuzz_hvdump", "page_end", dump_texts(bytes(4050) + b"E" * 46))
put("fuzz_hvdump", "captured", b"L" + b"\n".join(hv1(b"HV1 %d 0 info stat %s" % (n, x))
                                           for n, x in enumerate(dump_texts(dpage)[1:].split(b"\n")[:-1])))

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
# header: u8 ncalls, u8 flags, u64 cr3, cr2, rip, generation, last_report_seq,
# u16 tick_us, u16 wd_ms, u8 wd_k, u64 tsc_hz (- 1 MHz), u64 tsc; calls:
# {u8 sel, u8 cpl | steps << 2, u8 ctl, u8 wval, u32 wgpa, u64 rdi, rsi, rdx,
# rax}; then RAM.  flags: 1 stub up, 2 cr3 as given, 4 AMD, 8 onstop=exit,
# 16 the backend tracks guest writes.  wval != 0: the guest writes it at
# wgpa before the call.  ctl: bits 0-1
# NMI readiness (1 blocked, 2 not now), 4 can take an interrupt, 8 the stub
# acks commands, 0x10 it acks heartbeats, 0x20 its ticks move, 0x40 a
# platform NMI, 0x80 steps are ticks (else 100 ms).  Default policy: an
# exception or panic resets the guest (after 100 ms), low_memory and
# assert hand back (deadline 500 ms), a bad report is only logged.
ACK = 0x08 | 0x10 | 0x20  # a healthy guest: answers heartbeats and commands
STUB = 0x9000


def hc(calls, flags=0, gen=1, last_seq=0, ram_part=b"", tick_us=1000, wd_ms=100, wd_k=2):
    h = struct.pack("<BBQQQQQHHBQQ", len(calls), flags, 0x3000, 0xdead000, 0x100010, gen,
                    last_seq, tick_us, wd_ms, wd_k, 1000000000 - 1000000, 5000000)
    c = b""
    for call in calls:
        sel, cpl, rdi, rsi, rdx, rax = call[:6]
        ctl = call[6] if len(call) > 6 else ACK
        wval, wgpa = call[7] if len(call) > 7 else (0, 0)
        c += struct.pack("<BBBBIQQQQ", sel, cpl, ctl, wval, wgpa, rdi, rsi, rdx, rax)
    return h + c + ram_part


def steps(n, cpl=0):
    return (n << 2) | cpl


HELLO = (1, 0, 1, STUB, 0, 0)
NULL = (0, 0, 0x1234, 0, 0, 0)


def report_at(gpa, size=REPORT_SIZE, n=0, ctl=ACK):
    return (4, steps(n), gpa, size, 0, 0, ctl)


rep = report(1, 1, 4, 0, b"kern", b"assert x")  # assert: hand back
put("fuzz_hypercall", "hello_report",
    hc([HELLO, NULL, (3, 0, 0, 0, 0, 0), (3, 0, 9, 0, 0, 0), (3, 0, 3, 0, 0, 0),
        (2, 0, 32, 1000, 0, 0), report_at(0x10000), report_at(0x10000), (2, 0, 0, 0, 0, 0)],
       ram_part=ram(blob_gpa=0x10000, blob=rep)))
put("fuzz_hypercall", "report_cross_page",
    hc([report_at(0x10f80), report_at(0x7ff80)], flags=1,
       ram_part=ram(blob_gpa=0x10f80, blob=report(1, 1, 3, 0, b"", b"low memory"))))
put("fuzz_hypercall", "refusals",
    hc([(0, 3, 0, 0, 0, 0), (200, 0, 0, 0, 0, 1 << 63), (5, 0, 0, 0, 0, 0), (1, 0, 1, 0x9001, 0, 0),
        (1, 0, 1, 0x200000, 0, 0), (4, 0, 0, 232, 0, 0), (2, 0, 31, 1000, 0, 0)]))
# 20 reports in the same second: the 17th and later get HV_E_BUSY; the last
# one comes 1.2 s later (12 steps of 100 ms) and is looked at again.  The
# first hands back (acknowledged meanwhile), the others are stale: bad
# reports, of which 8 a second are recorded and the rest suppressed.
put("fuzz_hypercall", "report_flood",
    hc([HELLO] + [report_at(0x10000)] * 19 + [report_at(0x10000, n=12)],
       ram_part=ram(blob_gpa=0x10000, blob=rep)))
# No hello within 2 s of the boot: stub_silent, reset after 100 ms
# (generation 2); the stub then says hello and reports for generation 2.
put("fuzz_hypercall", "silent_boot_reset",
    hc([(0, steps(25), 1, 0, 0, 0), HELLO, report_at(0x10000), (3, 0, 1, 0, 0, 0)],
       ram_part=ram(blob_gpa=0x10000, blob=report(2, 1, 1, 14, b"netdrv", b"pf", 3))))
# An exception resets the guest; its reload keeps the image, the new stub
# says hello again but reports the old generation (stale: a bad report).
put("fuzz_hypercall", "exception_reset",
    hc([report_at(0x10000), HELLO, report_at(0x10000, n=1)], flags=1,
       ram_part=ram(blob_gpa=0x10000, blob=report(1, 1, 1, 13, b"kern", b"gp"))))
# A hang (heartbeats not acknowledged) resets the guest, whose stub never
# says hello again: no hello after reset escalates to park; with
# onstop=exit the run ends.
put("fuzz_hypercall", "hang_park", hc([NULL] + [(0, steps(40), 0, 0, 0, 0, 0)] * 3, flags=1))
put("fuzz_hypercall", "hang_park_exit", hc([NULL] + [(0, steps(40), 0, 0, 0, 0, 0)] * 3, flags=1 | 8))
# Hang, reset, hello, hang, ...: the fourth reset within a minute spends the
# restart budget (3 a minute): parked.
put("fuzz_hypercall", "budget_park",
    hc([HELLO, (0, steps(6), 0, 0, 0, 0, 0)] * 5, wd_k=1))
# The guest timer and the heartbeat compete for the entry: interrupts
# while the vCPU can take them, windows while it cannot (NMI blocked,
# interrupts off), a platform NMI forwarded; a hand-back acknowledged late.
put("fuzz_hypercall", "timer_windows",
    hc([(2, 0, 40, 1000, 0, 0), (0, steps(5), 0, 0, 0, 0, 0x80 | 0x04 | ACK),
        (0, steps(5), 0, 0, 0, 0, 0x80 | 0x01 | 0x20), (0, steps(3), 0, 0, 0, 0, 0x80 | 0x02 | 0x40),
        report_at(0x10000, ctl=0x80 | 0x04), (0, steps(4), 0, 0, 0, 0, 0x04 | ACK),
        (3, 0, 2, 0, 0, 0)], flags=1 | 4, tick_us=500,
       ram_part=ram(blob_gpa=0x10000, blob=report(1, 1, 3, 0, b"", b"low"))))
# Resets that clear only the pages written (the backend tracks writes): the
# guest writes RAM (data, a page table entry), its stub moves the shared
# page with a second hello; an exception resets, a hang resets again.
put("fuzz_hypercall", "dirty_pages_reset",
    hc([(0, 0, 0, 0, 0, 0, ACK, (0x55, 0x20000)), (1, 0, 1, 0xa000, 0, 0, ACK, (0x66, 0x6008)),
        report_at(0x10000), HELLO, (0, steps(30), 0, 0, 0, 0, 0, (0x77, 0x1ff000))], flags=1 | 16,
       ram_part=ram(blob_gpa=0x10000, blob=report(1, 1, 1, 6, b"drv", b"ud"))))
# Regression (known core bug, see stale_nmi_window_ok in fuzz_hypercall.c):
# heartbeats wait for an NMI-blocked guest (NMI window open), then the stub
# says hello again: wd_restart drops the pending NMIs, the window stays open.
put("fuzz_hypercall", "regress_stale_nmi_window_after_hello",
    hc([(0, steps(2), 0, 0, 0, 0, 0x01), (1, 0, 1, STUB, 0, 0, 0x01), (0, 0, 0, 0, 0, 0, 0)], flags=1))


# ---- fuzz_ckpt_req: ring indices, slots, mode, 3 nonces, one request -------
def ckpt(idx, slots, mode, nonces, rid, op, slot, principal, flags, nonce, arg, label=b""):
    req = struct.pack("<QIIIIQQ16s", rid, op, slot, principal, flags, nonce, arg, label.ljust(16, b"\0"))
    return (struct.pack("<4IBB3Q", *idx, slots, mode, *nonces) + req + bytes(32))


SIGN_ALL, SIGN_READER = 1, 1 | (1 << 2)  # mode: signed by the harness as principal 1 / 2
put("fuzz_ckpt_req", "save_signed", ckpt((0, 1, 0, 0), 4, SIGN_ALL, (0, 0, 0), 7, 1, 3, 1, 1, 5, 0, b"boot ok"))
put("fuzz_ckpt_req", "info_wrap", ckpt((0xffffffff, 3, 0xfffffffc, 3), 8, SIGN_ALL, (9, 0, 0), 8, 5, 0, 1, 0,
                                       10, 4))
put("fuzz_ckpt_req", "restore_not_allowed", ckpt((5, 6, 0, 8), 2, SIGN_READER, (0, 0, 0), 9, 3, 1, 2, 0, 1, 0))
put("fuzz_ckpt_req", "list_replay", ckpt((5, 6, 9, 8), 2, SIGN_READER, (0, 7, 0), 10, 2, 0, 2, 0, 7, 0))
put("fuzz_ckpt_req", "unsigned_delete", ckpt((1, 0, 0, 0), 8, 0, (0, 0, 0), 11, 4, 7, 1, 0, 1, 0))
