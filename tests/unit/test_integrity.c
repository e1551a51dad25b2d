/*
 * Host unit tests for the integrity CRC's parts (hv/integrity.c): the
 * word-wise CRC (lib/crc32.c), the host GDT and page tables
 * (arch/x86/tables_crc.c), the policy (hv/policy.c), the VMCB's fixed
 * controls (arch/x86/svm/svm_crc.h) and the VMCS fields
 * (arch/x86/vmx/vmx_crc.h).  Each part must move when something it covers
 * changes, and stay put when the CPU or the hypervisor changes what it
 * leaves out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/policy.h"
#include "lib/crc32.h"
#include "arch/x86/tables_crc.h"
#include "arch/x86/svm/svm_crc.h"
#include "arch/x86/vmx/vmx_crc.h"

#define SEED 0x5EEDu

static uint64_t next_word(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* ---- crc32_ieee_update_words ------------------------------------------ */

static void test_words_match_bytes(void **state)
{
	static const uint64_t masks[] = { 0, 0x60, 0x300, ~0ull, 0x8000000000000001ull };
	uint64_t w[37], copy[37], x = 88172645463325252ull;
	(void)state;

	for (size_t i = 0; i < 37; i++)
		w[i] = next_word(&x);
	for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
		for (size_t i = 0; i < 37; i++)
			copy[i] = w[i] & ~masks[m];
		for (size_t n = 0; n <= 37; n += 6)
			assert_int_equal(crc32_ieee_update_words(SEED, w, n, masks[m]),
					 crc32_ieee_update(SEED, copy, n * sizeof(copy[0])));
	}
	/* "12345678" as one little-endian word, then the check value's tail. */
	uint64_t digits;
	memcpy(&digits, "12345678", 8);
	assert_int_equal(crc32_ieee_update(crc32_ieee_update_words(0, &digits, 1, 0), "9", 1),
			 0xCBF43926u);
}

/* ---- host page tables -------------------------------------------------- */

/* 2 MiB identity leaves as arch/x86/cpu.c builds them. */
static uint64_t pd[512];

static void build_pd(void)
{
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83;
}

static uint32_t pd_crc(void)
{
	return x86_page_table_crc(SEED, pd, 512);
}

static void test_page_tables_ad_masked(void **state)
{
	(void)state;
	build_pd();
	uint32_t crc = pd_crc();

	pd[3] |= X86_PTE_ACCESSED;
	pd[511] |= X86_PTE_ACCESSED | X86_PTE_DIRTY;
	assert_int_equal(pd_crc(), crc);
}

static void test_page_tables_other_bits_covered(void **state)
{
	static const uint64_t bits[] = { 1ull << 0, 1ull << 1, 1ull << 2, 1ull << 3, 1ull << 4,
					 1ull << 7, 1ull << 12, 1ull << 21, 1ull << 30, 1ull << 63 };
	(void)state;

	for (size_t b = 0; b < sizeof(bits) / sizeof(bits[0]); b++) {
		build_pd();
		uint32_t crc = pd_crc();
		pd[100] ^= bits[b];
		assert_int_not_equal(pd_crc(), crc);
	}
}

/* ---- host GDT ---------------------------------------------------------- */

/* As arch/x86/cpu.c builds it: null, code, data, 64-bit TSS (two entries). */
static uint64_t gdt[5];

static void build_gdt(void)
{
	uint64_t base = 0x1234567890ull, limit = 103;

	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFull;
	gdt[2] = 0x00CF92000000FFFFull;
	gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
		 (((base >> 24) & 0xFF) << 56);
	gdt[4] = base >> 32;
}

static uint32_t gdt_crc(void)
{
	return x86_gdt_crc(SEED, gdt, 5);
}

static void test_gdt_cpu_flags_masked(void **state)
{
	(void)state;
	build_gdt();
	uint32_t crc = gdt_crc();

	gdt[1] |= 1ull << 40; /* accessed */
	gdt[2] |= 1ull << 40;
	gdt[3] |= 1ull << 41; /* busy */
	assert_int_equal(gdt_crc(), crc);
}

static void test_gdt_covered(void **state)
{
	/* entry, bit: the code segment's readable flag (the bit a TSS's busy
	 * flag occupies), DPL, L; data writable; TSS present, base 31:24,
	 * base 63:32 (a TSS's upper half is no descriptor: bit 41 counts) */
	static const unsigned flips[][2] = { { 1, 41 }, { 1, 45 }, { 1, 53 }, { 2, 41 },
					     { 3, 47 }, { 3, 56 }, { 4, 0 },  { 4, 41 }, { 0, 40 } };
	(void)state;

	for (size_t f = 0; f < sizeof(flips) / sizeof(flips[0]); f++) {
		build_gdt();
		uint32_t crc = gdt_crc();
		gdt[flips[f][0]] ^= 1ull << flips[f][1];
		assert_int_not_equal(gdt_crc(), crc);
	}
}

/* ---- policy ------------------------------------------------------------ */

static char module_name[] = "netdrv";
static struct policy_rule rules[2];
static struct policy_config cfg;

static void build_policy(void)
{
	memset(rules, 0, sizeof(rules));
	memset(&cfg, 0, sizeof(cfg));
	rules[0] = (struct policy_rule){ .name = "pf_netdrv", .event = FAULT_EXCEPTION, .vector = 14,
					 .module = module_name, .action = ACT_HANDBACK,
					 .deadline_ms = 500 };
	rules[1] = (struct policy_rule){ .name = "any", .event = FAULT_EXCEPTION, .vector = -1,
					 .action = ACT_RESET };
	cfg = (struct policy_config){ .name = "t", .rules = rules, .rule_count = 2,
				      .ladder = { ACT_HANDBACK, ACT_RESET, ACT_PARK }, .ladder_len = 3,
				      .restart_max = 3, .restart_window_ms = 60000 };
	memcpy(module_name, "netdrv", 7);
}

static uint32_t cfg_crc(uint64_t *bytes)
{
	return policy_crc(&cfg, SEED, bytes);
}

static void test_policy_stable(void **state)
{
	uint64_t b1, b2;
	(void)state;

	build_policy();
	uint32_t crc = cfg_crc(&b1);
	assert_int_equal(cfg_crc(&b2), crc);
	/* the configuration, two rules, "t", "pf_netdrv", "netdrv", "any" */
	assert_int_equal(b1, sizeof(cfg) + 2 * sizeof(rules[0]) + 2 + 10 + 7 + 4);
	assert_int_equal(b2, b1);
}

static void test_policy_covered(void **state)
{
	uint64_t b;
	(void)state;

	for (int change = 0; change < 7; change++) {
		build_policy();
		uint32_t crc = cfg_crc(&b);
		switch (change) {
		case 0: rules[0].action = ACT_LOG; break;
		case 1: rules[1].vector = 13; break;
		case 2: module_name[0] = 'N'; break; /* same pointer, other module */
		case 3: cfg.ladder[1] = ACT_PARK; break;
		case 4: cfg.rule_count = 1; break;
		case 5: cfg.restart_max = 16; break;
		default: rules[1].deadline_ms = 1; break;
		}
		assert_int_not_equal(cfg_crc(&b), crc);
	}
}

/* ---- VMCB controls (SVM) ----------------------------------------------- */

static struct vmcb vmcb;

/* As svm.c's setup_controls and setup_npt leave them. */
static void build_vmcb(void)
{
	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_CPUID |
			       SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN;
	vmcb.intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			       SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			       SVM_INTERCEPT_SKINIT;
	vmcb.iopm_base_pa = 0x1010000;
	vmcb.msrpm_base_pa = 0x1013000;
	vmcb.guest_asid = 1;
	vmcb.tlb_control = SVM_TLB_FLUSH_ALL;
	vmcb.vintr = SVM_V_INTR_MASKING;
	vmcb.np_enable = 1;
	vmcb.n_cr3 = 0x1020000;
}

static uint32_t vmcb_crc(void)
{
	return svm_vmcb_control_crc(SEED, &vmcb);
}

static void test_vmcb_run_time_fields_left_out(void **state)
{
	(void)state;
	build_vmcb();
	uint32_t crc = vmcb_crc();

	vmcb.intercept_misc1 |= SVM_INTERCEPT_IRET | SVM_INTERCEPT_VINTR;
	vmcb.vintr |= SVM_V_IRQ | SVM_V_INTR_PRIO_MAX | SVM_V_IGN_TPR | 0x0F; /* and V_TPR */
	vmcb.vintr |= 64ull << SVM_V_INTR_VECTOR_SHIFT; /* a queued timer interrupt (svm_queue_intr) */
	vmcb.tlb_control = 0;
	vmcb.tsc_offset = 12345;
	vmcb.interrupt_shadow = 1;
	vmcb.exitcode = SVM_EXIT_NPF;
	vmcb.exitinfo1 = 7;
	vmcb.exitinfo2 = 0x2000000;
	vmcb.exitintinfo = SVM_EVENT_VALID | 14;
	vmcb.eventinj = SVM_EVENT_VALID | SVM_EVENT_TYPE_NMI | 2;
	vmcb.vmcb_clean = ~0u;
	vmcb.next_rip = 0x401000;
	vmcb.rip = 0x400000;
	vmcb.rax = 1;
	vmcb.cr3 = 0x5000;
	vmcb.efer = 0x1D00;
	assert_int_equal(vmcb_crc(), crc);
}

static void test_vmcb_fixed_controls_covered(void **state)
{
	(void)state;
	for (int change = 0; change < 14; change++) {
		build_vmcb();
		uint32_t crc = vmcb_crc();
		switch (change) {
		case 0: vmcb.intercept_misc1 &= ~SVM_INTERCEPT_CPUID; break;
		case 1: vmcb.intercept_misc1 &= ~SVM_INTERCEPT_IOIO; break;
		case 2: vmcb.intercept_misc2 &= ~SVM_INTERCEPT_VMRUN; break;
		case 3: vmcb.intercept_cr = 1; break;
		case 4: vmcb.intercept_dr = 1; break;
		case 5: vmcb.intercept_exceptions = 1u << 14; break;
		case 6: vmcb.intercept_misc3 = 1; break;
		case 7: vmcb.iopm_base_pa += 0x1000; break;
		case 8: vmcb.msrpm_base_pa += 0x1000; break;
		case 9: vmcb.guest_asid = 0; break;
		case 10: vmcb.vintr &= ~SVM_V_INTR_MASKING; break;
		case 11: vmcb.np_enable = 0; break;
		case 12: vmcb.n_cr3 += 0x1000; break;
		default: vmcb.lbr_virt_enable = 2; break;
		}
		assert_int_not_equal(vmcb_crc(), crc);
	}
}

/* ---- VMCS fields (VMX) ------------------------------------------------- */

/* A fake VMCS: every field encoding is 16 bits (SDM 3D Appendix B). */
static uint64_t fake_vmcs[0x10000];

static uint64_t fake_vmread(uint64_t field)
{
	assert_true(field < 0x10000);
	return fake_vmcs[field];
}

static void build_vmcs(void)
{
	for (uint64_t f = 0; f < 0x10000; f++)
		fake_vmcs[f] = f * 0x9E3779B97F4A7C15ull;
}

static void test_vmcs_fields_covered(void **state)
{
	static const uint16_t covered[] = {
		HOST_CR0, HOST_CR3, HOST_CR4, HOST_RIP, HOST_ES_SEL, HOST_CS_SEL, HOST_SS_SEL,
		HOST_DS_SEL, HOST_FS_SEL, HOST_GS_SEL, HOST_TR_SEL, HOST_FS_BASE, HOST_GS_BASE,
		HOST_TR_BASE, HOST_GDTR_BASE, HOST_IDTR_BASE, HOST_SYSENTER_CS, HOST_SYSENTER_ESP,
		HOST_SYSENTER_EIP, HOST_EFER, HOST_PAT, PIN_CONTROLS, PROC2_CONTROLS, EXIT_CONTROLS,
		IO_BITMAP_A, IO_BITMAP_B, MSR_BITMAP, EPT_POINTER,
	};
	(void)state;

	build_vmcs();
	uint32_t crc = vmx_fixed_fields_crc(SEED, fake_vmread);
	for (size_t i = 0; i < sizeof(covered) / sizeof(covered[0]); i++) {
		fake_vmcs[covered[i]] ^= 1;
		assert_int_not_equal(vmx_fixed_fields_crc(SEED, fake_vmread), crc);
		fake_vmcs[covered[i]] ^= 1;
	}
}

static void test_vmcs_run_time_fields_left_out(void **state)
{
	static const uint16_t moving[] = { HOST_RSP, PROC_CONTROLS, ENTRY_CONTROLS, EXCEPTION_BITMAP,
					   GUEST_RIP, GUEST_CR3, ENTRY_INTR_INFO };
	(void)state;

	build_vmcs();
	uint32_t crc = vmx_fixed_fields_crc(SEED, fake_vmread);
	for (size_t i = 0; i < sizeof(moving) / sizeof(moving[0]); i++)
		fake_vmcs[moving[i]] ^= 0xFF;
	assert_int_equal(vmx_fixed_fields_crc(SEED, fake_vmread), crc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_match_bytes),
		cmocka_unit_test(test_page_tables_ad_masked),
		cmocka_unit_test(test_page_tables_other_bits_covered),
		cmocka_unit_test(test_gdt_cpu_flags_masked),
		cmocka_unit_test(test_gdt_covered),
		cmocka_unit_test(test_policy_stable),
		cmocka_unit_test(test_policy_covered),
		cmocka_unit_test(test_vmcb_run_time_fields_left_out),
		cmocka_unit_test(test_vmcb_fixed_controls_covered),
		cmocka_unit_test(test_vmcs_fields_covered),
		cmocka_unit_test(test_vmcs_run_time_fields_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
