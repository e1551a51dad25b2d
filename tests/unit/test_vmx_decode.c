/* Host unit tests for arch/x86/vmx/vmx_decode.c (SDM 3D Appendix C exit
 * reasons, 3C Tables 28-5 and 28-7 qualifications, and which exit
 * fields each reason needs, 3C 28.2). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmx_decode.h"
#include "tests/unit/event_asserts.h"

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

/* vmx_run() decodes a VMCALL exit with vmx_decode_vmcall() before it
 * reads any other field: the same event as the full decoder's. */
static void test_vmcall_short(void **state)
{
	(void)state;
	struct hv_event full = decode(18, 0, 0, 3, 0), fast;

	memset(&fast, 0xEE, sizeof(fast));
	vmx_decode_vmcall(3, 0, &fast);
	assert_same_hypercall_event(&fast, &full);
	assert_int_equal(fast.cpl, 0);
}

/* The caller's CPL comes with the event (the short path needs it): SS.DPL,
 * read for a VMCALL only. */
static void test_vmcall_cpl(void **state)
{
	(void)state;
	struct vmx_exit_info x = { .reason = 18, .insn_len = 3, .cpl = 3 };
	struct hv_event full, fast;

	vmx_decode_exit(&x, &full);
	assert_int_equal(full.cpl, 3);
	vmx_decode_vmcall(3, 3, &fast);
	assert_int_equal(fast.cpl, 3);
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

/* Instructions that would bypass the hypervisor: each its own kind, the
 * same hv_insn as on SVM. */
static void test_insn_intercepts(void **state)
{
	(void)state;
	static const struct { uint32_t reason; uint8_t insn; } cases[] = {
		{ 11, INSN_GETSEC }, { 13, INSN_INVD }, { 36, INSN_MWAIT },
		{ 39, INSN_MONITOR }, { 55, INSN_XSETBV },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_event ev = decode(cases[i].reason, 0, 0, 3, 0);
		assert_int_equal(ev.kind, EV_INSN);
		assert_int_equal(ev.insn, cases[i].insn);
		assert_int_equal(ev.insn_len, 3);
		assert_false(vmx_exit_may_vector(cases[i].reason));
	}
	/* HLT (12): intercepted for a Linux guest */
	struct hv_event hlt = decode(12, 0, 0, 1, 0);
	assert_int_equal(hlt.kind, EV_HLT);
	assert_int_equal(hlt.insn_len, 1);
	assert_false(vmx_exit_may_vector(12));
	/* RDPMC (15) is intercepted only by the test aid, and stays unknown. */
	assert_int_equal(kind_of(15), EV_UNHANDLED);
}

/* CR access (SDM 3C Table 28-3): MOV to CR4 from any register (only
 * owned bits exit; the backend reads the register); anything else on
 * that exit is not expected. */
static void test_cr_access(void **state)
{
	(void)state;
	struct hv_event ev = decode(28, 4 | (0u << 4) | (9u << 8), 0, 3, 0);

	assert_int_equal(ev.kind, EV_CR_WRITE);
	assert_int_equal(ev.cr, 4);
	assert_int_equal(ev.cr_gpr, 9);
	assert_int_equal(decode(28, 0, 0, 3, 0).kind, EV_UNHANDLED);          /* MOV to CR0 */
	assert_int_equal(decode(28, 4 | (1u << 4), 0, 3, 0).kind, EV_UNHANDLED); /* MOV from CR4 */
	assert_int_equal(decode(28, 3 | (2u << 4), 0, 3, 0).kind, EV_UNHANDLED); /* CLTS */
}

static void test_unhandled(void **state)
{
	(void)state;
	static const uint32_t reasons[] = { 14, 28, 49, 51, 54, 0xFFFF };

	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		assert_int_equal(kind_of(reasons[i]), EV_UNHANDLED);
	/* Bits 30:16 (e.g. "pending MTF", "from enclave") do not change the basic reason. */
	assert_int_equal(kind_of((1u << 27) | 52), EV_TIMER);
	struct hv_event ev = decode(14, 0x55, 0, 1, 0);
	assert_int_equal(ev.raw, 14);
	assert_int_equal(ev.qual, 0x55);
}

static void test_exit_fields(void **state)
{
	(void)state;
	const unsigned q = VMX_FIELD_QUAL, ii = VMX_FIELD_INTR_INFO, len = VMX_FIELD_INSN_LEN,
		       gpa = VMX_FIELD_GPA, cpl = VMX_FIELD_CPL;

	assert_int_equal(vmx_exit_fields(52), 0);         /* preemption timer */
	assert_int_equal(vmx_exit_fields(7), 0);          /* interrupt window */
	assert_int_equal(vmx_exit_fields(8), 0);          /* NMI window */
	assert_int_equal(vmx_exit_fields(2), 0);          /* triple fault */
	assert_int_equal(vmx_exit_fields(0), ii | q);     /* exception or NMI */
	assert_int_equal(vmx_exit_fields(1), ii);         /* external interrupt */
	assert_int_equal(vmx_exit_fields(18), len | cpl); /* VMCALL */
	assert_int_equal(vmx_exit_fields(10), len);       /* CPUID */
	assert_int_equal(vmx_exit_fields(31), len);       /* RDMSR */
	assert_int_equal(vmx_exit_fields(32), len);       /* WRMSR */
	assert_int_equal(vmx_exit_fields(30), q | len);   /* I/O */
	assert_int_equal(vmx_exit_fields(48), q | gpa);   /* EPT violation */
	/* Rare reasons keep the qualification for the log. */
	assert_int_equal(vmx_exit_fields(12), q | len);   /* HLT */
	assert_int_equal(vmx_exit_fields(49), q | len);   /* EPT misconfiguration */
	assert_int_equal(vmx_exit_fields((1u << 31) | 33), q);
	assert_int_equal(vmx_exit_fields((1u << 31) | 52), q); /* bit 31 wins */
	/* Bits 30:16 do not change the basic reason. */
	assert_int_equal(vmx_exit_fields((1u << 27) | 30), q | len);
}

/* vmx_run() reads only the fields vmx_exit_fields() names and leaves the
 * rest 0: for every reason the decoded event must be the one the full
 * set of fields gives, with qual and insn_len 0 where they were not read,
 * and an event the core skips or reports must have what it needs. */
static void check_fields_suffice(const struct vmx_exit_info *full)
{
	unsigned need = vmx_exit_fields(full->reason);
	struct vmx_exit_info part = *full;
	struct hv_event evf, evp;

	if (!(need & VMX_FIELD_QUAL))
		part.qual = 0;
	if (!(need & VMX_FIELD_INTR_INFO))
		part.intr_info = 0;
	if (!(need & VMX_FIELD_INSN_LEN))
		part.insn_len = 0;
	if (!(need & VMX_FIELD_GPA))
		part.gpa = 0;
	vmx_decode_exit(full, &evf);
	vmx_decode_exit(&part, &evp);
	assert_int_equal(evp.kind, evf.kind);
	assert_int_equal(evp.raw, evf.raw);
	assert_int_equal(evp.gpa, evf.gpa);
	assert_int_equal(evp.access, evf.access);
	assert_int_equal(evp.port, evf.port);
	assert_int_equal(evp.io_size, evf.io_size);
	assert_int_equal(evp.io_in, evf.io_in);
	assert_int_equal(evp.io_string, evf.io_string);
	assert_int_equal(evp.msr, evf.msr);
	assert_int_equal(evp.msr_write, evf.msr_write);
	bool qual_read = (need & VMX_FIELD_QUAL) || evf.kind == EV_HOST_INTR; /* qual = intr_info */
	assert_int_equal(evp.qual, qual_read ? evf.qual : 0);
	assert_int_equal(evp.insn_len, (need & VMX_FIELD_INSN_LEN) ? evf.insn_len : 0);
	if (evf.kind == EV_HYPERCALL || evf.kind == EV_CPUID || evf.kind == EV_IO || evf.kind == EV_MSR)
		assert_int_equal(evp.insn_len, full->insn_len);
	if (evf.kind == EV_ENTRY_FAILED || evf.kind == EV_UNHANDLED)
		assert_int_equal(evp.qual, full->qual);
}

static void test_fields_suffice(void **state)
{
	(void)state;
	static const uint32_t intr_infos[] = {
		(1u << 31) | (2u << 8) | 2 | (1u << 12), /* NMI, unblocked by IRET */
		(1u << 31) | (3u << 8) | 14,             /* #PF */
		(1u << 31) | 0x20,                       /* external interrupt 0x20 */
	};
	static const uint32_t flags[] = { 0, 1u << 27, 1u << 31 };

	for (unsigned f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		for (uint32_t basic = 0; basic <= 80; basic++) {
			for (unsigned i = 0; i < sizeof(intr_infos) / sizeof(intr_infos[0]); i++) {
				const struct vmx_exit_info full = {
					.reason = flags[f] | basic, .qual = 0x0CFC1000ull | 0x1B,
					.intr_info = intr_infos[i], .insn_len = 3,
					.gpa = 0xFEE00000ull, .ecx = 0x3A,
				};
				check_fields_suffice(&full);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_vmcall),
		cmocka_unit_test(test_vmcall_short),
		cmocka_unit_test(test_vmcall_cpl),
		cmocka_unit_test(test_cpuid),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_ept_violation),
		cmocka_unit_test(test_triple_fault),
		cmocka_unit_test(test_exception_nmi),
		cmocka_unit_test(test_external_interrupt),
		cmocka_unit_test(test_entry_failed),
		cmocka_unit_test(test_virt_insn),
		cmocka_unit_test(test_msr),
		cmocka_unit_test(test_insn_intercepts),
		cmocka_unit_test(test_cr_access),
		cmocka_unit_test(test_unhandled),
		cmocka_unit_test(test_exit_fields),
		cmocka_unit_test(test_fields_suffice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
