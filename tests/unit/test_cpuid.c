/* hv/cpuid.c: what the guest's CPUID hides and adds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hv/cpuid.h"

static void filtered(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	r[0] = r[1] = r[2] = r[3] = 0xFFFFFFFFu;
	cpuid_filter(leaf, sub, r);
}

static void test_leaf1(void **state)
{
	uint32_t r[4];
	(void)state;

	filtered(1, 0, r);
	/* MONITOR 3, SMX 6, FMA 12, PDCM 15, x2APIC 21, XSAVE 26, OSXSAVE 27,
	 * AVX 28, F16C 29 gone; the hypervisor bit 31 set. */
	assert_int_equal(r[2], 0xFFFFFFFFu & ~((1u << 3) | (1u << 6) | (1u << 12) | (1u << 15) |
					      (1u << 21) | (1u << 24) | (1u << 26) | (1u << 27) |
					      (1u << 28) | (1u << 29)));
	/* MCE 7, APIC 9, MTRR 12, MCA 14, DS 21 */
	assert_int_equal(r[3], 0xFFFFFFFFu & ~((1u << 7) | (1u << 9) | (1u << 12) | (1u << 14) | (1u << 21)));
	assert_int_equal(r[0], 0xFFFFFFFFu);
	assert_int_equal(r[1], 0xFFFFFFFFu);
	r[2] = 0;
	cpuid_filter(1, 0, r);
	assert_int_equal(r[2], 1u << 31);
}

static void test_whole_leaves(void **state)
{
	static const uint32_t leaves[] = { 5, 0xA, 0xD, 0x8000000Au };
	uint32_t r[4];
	(void)state;

	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		for (uint32_t sub = 0; sub < 4; sub++) {
			filtered(leaves[i], sub, r);
			assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
		}
}

static void test_leaf7_only_subleaf0(void **state)
{
	uint32_t r[4];
	(void)state;

	filtered(7, 0, r);
	assert_int_equal(r[1] & (1u << 5), 0);  /* AVX2 */
	assert_int_equal(r[1] & (1u << 16), 0); /* AVX-512F */
	assert_int_not_equal(r[1] & (1u << 1), 0); /* TSC_ADJUST: emulated, kept */
	assert_int_equal(r[3] & 0xFC000000u, 0); /* speculation control, ARCH_CAPABILITIES */
	filtered(0x80000008u, 0, r);
	assert_int_equal(r[1] & ((1u << 12) | (1u << 14) | (1u << 15) | (1u << 24) | (1u << 25)), 0);
	filtered(6, 0, r);
	assert_int_equal(r[2] & 1, 0); /* APERFMPERF */
	filtered(7, 1, r);
	assert_int_equal(r[1], 0xFFFFFFFFu);
	/* Untouched leaves stay as the host says. */
	filtered(0, 0, r);
	assert_int_equal(r[0] & r[1] & r[2] & r[3], 0xFFFFFFFFu);
}

static void test_hv_leaf(void **state)
{
	uint32_t r[4] = { 0 };
	(void)state;

	assert_true(cpuid_hv_leaf(0x40000000u, r));
	assert_int_equal(r[0], 0x40000000u);
	assert_memory_equal(&r[1], "WatchdogHV  ", 12);
	assert_false(cpuid_hv_leaf(0x40000001u, r));
	assert_false(cpuid_hv_leaf(1, r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_whole_leaves),
		cmocka_unit_test(test_leaf7_only_subleaf0),
		cmocka_unit_test(test_hv_leaf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
