/* Host unit tests for arch/x86/svm/svm_decode.c (AMD APM Vol. 2 15.10.2,
 * 15.25.6, Appendix C exit codes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/svm/svm_decode.h"
#include "tests/unit/event_asserts.h"

static struct hv_event decode(uint64_t code, uint64_t info1, uint64_t info2, uint64_t rip)
{
	struct svm_exit_info x = { .exitcode = code, .exitinfo1 = info1, .exitinfo2 = info2,
				   .rip = rip };
	struct hv_event ev;

	memset(&ev, 0xEE, sizeof(ev)); /* the decoder must clear every field */
	svm_decode_exit(&x, &ev);
	assert_int_equal(ev.raw, code);
	assert_int_equal(ev.qual, info1);
	return ev;
}

static enum hv_event_kind kind_of(uint64_t code)
{
	return decode(code, 0, 0, 0).kind;
}

static void test_timer(void **state)
{
	(void)state;
	struct hv_event ev = decode(0x61, 0, 0, 0x1000); /* NMI */
	assert_int_equal(ev.kind, EV_TIMER);
	assert_int_equal(ev.insn_len, 0);
	assert_int_equal(ev.gpa, 0);
	assert_int_equal(kind_of(0x60), EV_TIMER); /* INTR */
}

static void test_vmmcall_cpuid(void **state)
{
	(void)state;
	struct hv_event ev = decode(0x81, 0, 0, 0x1000);
	assert_int_equal(ev.kind, EV_HYPERCALL);
	assert_int_equal(ev.insn_len, 3);
	ev = decode(0x72, 0, 0, 0x1000);
	assert_int_equal(ev.kind, EV_CPUID);
	assert_int_equal(ev.insn_len, 2);
}

/* svm_run() decodes a VMMCALL exit with svm_decode_vmmcall() before it
 * fills a struct svm_exit_info: the same event as the full decoder's. */
static void test_vmmcall_short(void **state)
{
	(void)state;
	struct hv_event full = decode(0x81, 0x55, 0, 0x1000), fast;

	memset(&fast, 0xEE, sizeof(fast));
	svm_decode_vmmcall(0x55, 0, &fast);
	assert_same_hypercall_event(&fast, &full);
	assert_int_equal(fast.cpl, 0);
}

/* The caller's CPL comes with the event (the short path needs it): from
 * the VMCB's CPL field on both paths. */
static void test_vmmcall_cpl(void **state)
{
	(void)state;
	struct svm_exit_info x = { .exitcode = 0x81, .cpl = 3 };
	struct hv_event full, fast;

	svm_decode_exit(&x, &full);
	assert_int_equal(full.cpl, 3);
	svm_decode_vmmcall(0, 3, &fast);
	assert_int_equal(fast.cpl, 3);
}

static void test_ioio(void **state)
{
	(void)state;
	const uint64_t rip = 0x100000;

	/* OUT DX, AL to 0x3F8: SZ8 (bit 4). */
	struct hv_event ev = decode(0x7B, 0x03F80000ull | (1u << 4), rip + 1, rip);
	assert_int_equal(ev.kind, EV_IO);
	assert_false(ev.io_in);
	assert_false(ev.io_string);
	assert_int_equal(ev.io_size, 1);
	assert_int_equal(ev.port, 0x3F8);
	assert_int_equal(ev.insn_len, 1);

	/* IN AX, imm8 from 0x60: SZ16 (bit 5), IN (bit 0). */
	ev = decode(0x7B, 0x00600000ull | (1u << 5) | 1, rip + 2, rip);
	assert_true(ev.io_in);
	assert_int_equal(ev.io_size, 2);
	assert_int_equal(ev.port, 0x60);
	assert_int_equal(ev.insn_len, 2);

	/* REP INSD from 0xCFC: SZ32 (bit 6), REP (bit 3), STR (bit 2), IN. */
	ev = decode(0x7B, 0x0CFC0000ull | (1u << 6) | 8 | 4 | 1, rip + 2, rip);
	assert_true(ev.io_in);
	assert_true(ev.io_string);
	assert_int_equal(ev.io_size, 4);
	assert_int_equal(ev.port, 0xCFC);

	/* OUTSW to 0xFFFF with an address-size/segment field set; 15-byte insn. */
	ev = decode(0x7B, 0xFFFF0000ull | (3u << 10) | (1u << 8) | (1u << 5) | 4, rip + 15, rip);
	assert_false(ev.io_in);
	assert_true(ev.io_string);
	assert_int_equal(ev.io_size, 2);
	assert_int_equal(ev.port, 0xFFFF);
	assert_int_equal(ev.insn_len, 15);
}

static void test_ioio_bad_next_rip(void **state)
{
	(void)state;
	const uint64_t rip = 0x100000, q = 0x03F80000ull | (1u << 4);

	assert_int_equal(decode(0x7B, q, rip, rip).insn_len, 1);       /* 0 bytes */
	assert_int_equal(decode(0x7B, q, rip + 16, rip).insn_len, 1);  /* too long */
	assert_int_equal(decode(0x7B, q, rip - 1, rip).insn_len, 1);   /* backwards */
	assert_int_equal(decode(0x7B, q, 0, rip).insn_len, 1);         /* not saved */
	assert_int_equal(decode(0x7B, q, 0x2, UINT64_MAX - 1).insn_len, 1); /* wraps */
	assert_int_equal(decode(0x7B, q, UINT64_MAX, UINT64_MAX - 3).insn_len, 3);
}

static void test_npf(void **state)
{
	(void)state;
	static const struct { uint64_t info1; uint32_t access; } cases[] = {
		{ 0x0, ACC_READ },                  /* not present, read */
		{ 0x1, ACC_READ },                  /* present, read */
		{ 0x2, ACC_WRITE },
		{ 0x3, ACC_WRITE },
		{ 0x4 | 0x2, ACC_WRITE },           /* user write */
		{ 0x10, ACC_EXEC },
		{ 0x11, ACC_EXEC },
		{ 0x12, ACC_EXEC },                 /* fetch wins */
		{ (1ull << 32) | 0x1, ACC_READ },   /* "final translation" bit */
		{ (1ull << 33) | 0x2, ACC_WRITE },  /* "page-table walk" bit */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_event ev = decode(0x400, cases[i].info1, 0xFEE00000ull + i, 0x1000);
		assert_int_equal(ev.kind, EV_MEM_VIOLATION);
		assert_int_equal(ev.gpa, 0xFEE00000ull + i);
		assert_int_equal(ev.access, cases[i].access);
	}
}

static void test_shutdown(void **state)
{
	(void)state;
	assert_int_equal(kind_of(0x7F), EV_TRIPLE_FAULT);
}

static void test_entry_failed(void **state)
{
	(void)state;
	assert_int_equal(kind_of(0xFFFFFFFFFFFFFFFFull), EV_ENTRY_FAILED);
	assert_int_equal(kind_of(0x00000000FFFFFFFFull), EV_ENTRY_FAILED);
	struct hv_event ev = decode(0xFFFFFFFFFFFFFFFFull, 0, 0, 0);
	assert_int_equal(ev.raw, 0xFFFFFFFFFFFFFFFFull);
}

static void test_virt_insn(void **state)
{
	(void)state;
	assert_int_equal(kind_of(0x80), EV_VIRT_INSN); /* VMRUN */
	for (uint64_t c = 0x82; c <= 0x86; c++)       /* VMLOAD..SKINIT */
		assert_int_equal(kind_of(c), EV_VIRT_INSN);
	assert_int_not_equal(kind_of(0x87), EV_VIRT_INSN); /* RDTSCP */
	assert_int_not_equal(kind_of(0x7E), EV_VIRT_INSN);
}

static void test_msr(void **state)
{
	(void)state;
	struct hv_svm_msr_case {
		uint64_t info1;
		bool write;
	} cases[] = { { 0, false }, { 1, true } };

	for (unsigned i = 0; i < 2; i++) {
		struct svm_exit_info x = { .exitcode = 0x7C, .exitinfo1 = cases[i].info1,
					   .rip = 0x1000, .ecx = 0xC0010117u };
		struct hv_event ev;
		svm_decode_exit(&x, &ev);
		assert_int_equal(ev.kind, EV_MSR);
		assert_int_equal(ev.msr, 0xC0010117u);
		assert_int_equal(ev.msr_write, cases[i].write);
		assert_int_equal(ev.insn_len, 2);
	}
}

/* Instructions that would bypass the hypervisor: the same hv_insn as on
 * VMX; INVD gets its length (no NRIP under QEMU's TCG). */
static void test_insn_intercepts(void **state)
{
	(void)state;
	static const struct { uint64_t code; uint8_t insn; } cases[] = {
		{ 0x76, INSN_INVD }, { 0x8A, INSN_MONITOR }, { 0x8B, INSN_MWAIT },
		{ 0x8C, INSN_MWAIT }, { 0x8D, INSN_XSETBV },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_event ev = decode(cases[i].code, 0, 0, 0);
		assert_int_equal(ev.kind, EV_INSN);
		assert_int_equal(ev.insn, cases[i].insn);
		assert_int_equal(ev.insn_len, cases[i].code == 0x76 ? 2 : 0);
	}
	/* HLT (0x78): intercepted for a Linux guest; one byte (F4) */
	struct hv_event hlt = decode(0x78, 0, 0, 0);
	assert_int_equal(hlt.kind, EV_HLT);
	assert_int_equal(hlt.insn_len, 1);
	/* RDPMC (0x6F) is intercepted only by the test aid, and stays unknown. */
	assert_int_equal(kind_of(0x6F), EV_UNHANDLED);
}

/* A CR4 write exit: the core decodes the value (no decode assists). */
static void test_cr4_write(void **state)
{
	(void)state;
	struct hv_event ev = decode(0x14, 0, 0, 0);

	assert_int_equal(ev.kind, EV_CR_WRITE);
	assert_int_equal(ev.cr, 4);
	assert_int_equal(ev.cr_gpr, CR_GPR_UNKNOWN);
}

/* CR4 writes checked as the CPU checks them (APM 2 3.1.3, SDM 3A 4.10.1). */
static void test_cr4_rules(void **state)
{
	const uint64_t pae = 1u << 5, pge = 1u << 7, osfxsr = 1u << 9, la57 = 1u << 12;
	const uint64_t pcide = 1u << 17, osxsave = 1u << 18, vmxe = 1u << 13;
	const uint64_t allowed = pae | pge | osfxsr | la57 | pcide;
	(void)state;

	assert_true(svm_cr4_write_ok(pae, pae | osfxsr, allowed, true, 0x3000));
	assert_true(svm_cr4_write_ok(pae | pge, pae, allowed, true, 0x3000));
	assert_false(svm_cr4_write_ok(pae, pae | osxsave, allowed, true, 0x3000)); /* hidden */
	assert_false(svm_cr4_write_ok(pae, pae | vmxe, allowed, true, 0x3000));    /* reserved */
	assert_false(svm_cr4_write_ok(pae, 0, allowed, true, 0x3000));   /* PAE off in long mode */
	assert_true(svm_cr4_write_ok(pae, 0, allowed, false, 0x3000));   /* ...allowed outside it */
	assert_false(svm_cr4_write_ok(pae, pae | la57, allowed, true, 0x3000)); /* LA57 in long mode */
	assert_false(svm_cr4_write_ok(pae, pae | pcide, allowed, true, 0x3001)); /* CR3[11:0] != 0 */
	assert_true(svm_cr4_write_ok(pae, pae | pcide, allowed, true, 0x3000));
	assert_true(svm_cr4_write_ok(pae | pcide, pae | pcide, allowed, true, 0x3001));
}

static void test_unhandled(void **state)
{
	(void)state;
	static const uint64_t codes[] = { 0x0, 0x40 + 14, 0x62, 0x79 /* INVLPG */, 0x7E,
					  0x87, 0x401, 0x403, 0xFFFFFFFEull, 0x100000081ull };

	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_int_equal(kind_of(codes[i]), EV_UNHANDLED);
	struct hv_event ev = decode(0x79, 0x55, 0, 0);
	assert_int_equal(ev.raw, 0x79);
	assert_int_equal(ev.qual, 0x55);
	assert_int_equal(ev.insn_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_vmmcall_cpuid),
		cmocka_unit_test(test_vmmcall_short),
		cmocka_unit_test(test_vmmcall_cpl),
		cmocka_unit_test(test_ioio),
		cmocka_unit_test(test_ioio_bad_next_rip),
		cmocka_unit_test(test_npf),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_entry_failed),
		cmocka_unit_test(test_virt_insn),
		cmocka_unit_test(test_msr),
		cmocka_unit_test(test_insn_intercepts),
		cmocka_unit_test(test_cr4_write),
		cmocka_unit_test(test_cr4_rules),
		cmocka_unit_test(test_unhandled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
