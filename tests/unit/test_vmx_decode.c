/* Host unit tests for arch/x86/vmx/vmx_decode.c (SDM 3D Appendix C exit
 * reasons, 3C Tables 28-5 and 28-7 qualifications). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "../../arch/x86/vmx/vmx_decode.h"

static struct hv_event decode(uint32_t reason, uint64_t qual, uint32_t intr_info,
			      uint32_t insn_len, uint64_t gpa)
{
	struct vmx_exit_info x = { .reason = reason, .qual = qual, .intr_info = intr_info,
				   .insn_len = insn_len, .gpa = gpa };
	struct hv_event ev;

	memset(&ev, 0xEE, sizeof(ev)); /* the decoder must clear every field */
	vmx_decode_exit(&x, &ev);
	assert_int_equal(ev.raw, reason);
	if ((reason & 0xFFFF) != 1) /* external interrupt: qual is intr_info */
		assert_int_equal(ev.qual, qual);
	return ev;
}

static enum hv_event_kind kind_of(uint32_t reason)
{
	return decode(reason, 0, 0, 0, 0).kind;
}

static void test_timer(void **state)
{
	(void)state;
	struct hv_event ev = decode(52, 0, 0, 0, 0);
	assert_int_equal(ev.kind, EV_TIMER);
	assert_int_equal(ev.gpa, 0);
	assert_int_equal(ev.port, 0);
}

static void test_vmcall(void **state)
{
	(void)state;
	struct hv_event ev = decode(18, 0, 0, 3, 0);
	assert_int_equal(ev.kind, EV_HYPERCALL);
	assert_int_equal(ev.insn_len, 3);
}

static void test_cpuid(void **state)
{
	(void)state;
	struct hv_event ev = decode(10, 0, 0, 2, 0);
	assert_int_equal(ev.kind, EV_CPUID);
	assert_int_equal(ev.insn_len, 2);
}

static void test_io(void **state)
{
	(void)state;
	/* OUT DX, AL to 0x3F8: size 1 (0), OUT (bit 3 = 0), port in 31:16. */
	struct hv_event ev = decode(30, 0x03F80000ull, 0, 1, 0);
	assert_int_equal(ev.kind, EV_IO);
	assert_int_equal(ev.io_size, 1);
	assert_false(ev.io_in);
	assert_false(ev.io_string);
	assert_int_equal(ev.port, 0x3F8);
	assert_int_equal(ev.insn_len, 1);

	/* IN AX, DX from 0x60: size 2 (1), IN (bit 3). */
	ev = decode(30, 0x00600000ull | 8 | 1, 0, 1, 0);
	assert_int_equal(ev.io_size, 2);
	assert_true(ev.io_in);
	assert_false(ev.io_string);
	assert_int_equal(ev.port, 0x60);

	/* REP INSD from 0xCFC: size 4 (3), IN, string (bit 4), REP (bit 5). */
	ev = decode(30, 0x0CFC0000ull | 0x20 | 0x10 | 8 | 3, 0, 2, 0);
	assert_int_equal(ev.io_size, 4);
	assert_true(ev.io_in);
	assert_true(ev.io_string);
	assert_int_equal(ev.port, 0xCFC);

	/* Port 0xFFFF, OUTS, immediate operand (bit 6); upper bits ignored. */
	ev = decode(30, 0xFFFFFFFF00000000ull | 0xFFFF0000ull | 0x40 | 0x10 | 1, 0, 2, 0);
	assert_int_equal(ev.io_size, 2);
	assert_false(ev.io_in);
	assert_true(ev.io_string);
	assert_int_equal(ev.port, 0xFFFF);
}

static void test_ept_violation(void **state)
{
	(void)state;
	static const struct { uint64_t qual; uint32_t access; } cases[] = {
		{ 0x1, ACC_READ }, { 0x2, ACC_WRITE }, { 0x4, ACC_EXEC },
		{ 0x3, ACC_READ | ACC_WRITE }, { 0x7, ACC_READ | ACC_WRITE | ACC_EXEC },
		{ 0x1 | 0x8 | 0x80 | 0x100, ACC_READ }, /* permission/linear bits ignored */
		{ 0x38, 0 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_event ev = decode(48, cases[i].qual, 0, 0, 0xFEE00000ull + i);
		assert_int_equal(ev.kind, EV_MEM_VIOLATION);
		assert_int_equal(ev.gpa, 0xFEE00000ull + i);
		assert_int_equal(ev.access, cases[i].access);
	}
	struct hv_event ev = decode(48, 2, 0, 0, 0x000ffffffffff123ull);
	assert_int_equal(ev.gpa, 0x000ffffffffff123ull);
}

static void test_triple_fault(void **state)
{
	(void)state;
	assert_int_equal(kind_of(2), EV_TRIPLE_FAULT);
}

static void test_exception_nmi(void **state)
{
	(void)state;
	const uint32_t valid = 1u << 31;

	assert_int_equal(decode(0, 0, valid | (2u << 8) | 2, 0, 0).kind, EV_HOST_NMI);
	assert_int_equal(decode(0, 0, (2u << 8) | 2, 0, 0).kind, EV_HOST_NMI);
	/* Hardware exception (#PF, type 3), software exception (type 6),
	 * external interrupt (type 0): not an NMI. */
	assert_int_equal(decode(0, 0, valid | (3u << 8) | 14, 0, 0).kind, EV_UNHANDLED);
	assert_int_equal(decode(0, 0, valid | (6u << 8) | 3, 0, 0).kind, EV_UNHANDLED);
	assert_int_equal(decode(0, 0, valid | (0u << 8) | 32, 0, 0).kind, EV_UNHANDLED);
	/* Type 2 with another bit in the type field's neighbourhood. */
	assert_int_equal(decode(0, 0, valid | (1u << 11) | (2u << 8) | 2, 0, 0).kind,
			 EV_HOST_NMI);
}

static void test_external_interrupt(void **state)
{
	(void)state;
	/* Acknowledged vector 0x20, type external interrupt, valid. */
	struct hv_event ev = decode(1, 0x55, (1u << 31) | 0x20, 0, 0);
	assert_int_equal(ev.kind, EV_HOST_INTR);
	assert_int_equal(ev.qual, (1u << 31) | 0x20);
	assert_int_equal(ev.qual & 0xFF, 0x20);
}

static void test_entry_failed(void **state)
{
	(void)state;
	const uint32_t failed = 1u << 31;

	assert_int_equal(kind_of(failed | 33), EV_ENTRY_FAILED);
	assert_int_equal(kind_of(failed | 34), EV_ENTRY_FAILED);
	/* Bit 31 wins whatever the basic reason says. */
	assert_int_equal(kind_of(failed | 52), EV_ENTRY_FAILED);
	assert_int_equal(kind_of(failed | 30), EV_ENTRY_FAILED);
	assert_int_equal(kind_of(33), EV_ENTRY_FAILED);
	assert_int_equal(kind_of(34), EV_ENTRY_FAILED);
	struct hv_event ev = decode(failed | 33, 0, 0, 0, 0);
	assert_int_equal(ev.raw, failed | 33);
}

static void test_virt_insn(void **state)
{
	(void)state;

	for (uint32_t r = 19; r <= 27; r++)
		assert_int_equal(kind_of(r), EV_VIRT_INSN);
	assert_int_equal(kind_of(50), EV_VIRT_INSN); /* INVEPT */
	assert_int_equal(kind_of(53), EV_VIRT_INSN); /* INVVPID */
	assert_int_not_equal(kind_of(28), EV_VIRT_INSN); /* MOV CR */
	assert_int_not_equal(kind_of(51), EV_VIRT_INSN); /* RDTSCP */
}

static void test_msr(void **state)
{
	(void)state;
	for (uint32_t reason = 31; reason <= 32; reason++) {
		struct vmx_exit_info x = { .reason = reason, .insn_len = 2, .ecx = 0x3A };
		struct hv_event ev;
		vmx_decode_exit(&x, &ev);
		assert_int_equal(ev.kind, EV_MSR);
		assert_int_equal(ev.msr, 0x3A);
		assert_int_equal(ev.msr_write, reason == 32);
		assert_int_equal(ev.insn_len, 2);
	}
}

static void test_unhandled(void **state)
{
	(void)state;
	static const uint32_t reasons[] = { 12, 28, 49, 51, 54, 0xFFFF };

	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		assert_int_equal(kind_of(reasons[i]), EV_UNHANDLED);
	/* Bits 30:16 (e.g. "pending MTF", "from enclave") do not change the basic reason. */
	assert_int_equal(kind_of((1u << 27) | 52), EV_TIMER);
	struct hv_event ev = decode(12, 0x55, 0, 1, 0);
	assert_int_equal(ev.raw, 12);
	assert_int_equal(ev.qual, 0x55);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_vmcall),
		cmocka_unit_test(test_cpuid),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_ept_violation),
		cmocka_unit_test(test_triple_fault),
		cmocka_unit_test(test_exception_nmi),
		cmocka_unit_test(test_external_interrupt),
		cmocka_unit_test(test_entry_failed),
		cmocka_unit_test(test_virt_insn),
		cmocka_unit_test(test_msr),
		cmocka_unit_test(test_unhandled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
