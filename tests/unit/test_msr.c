/* hv/msr.c: deny by default, the pass-through list, and an emulated TSC
 * whose writes never move the host's clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hv/msr.h"

/* Every index of the three MSR ranges the bitmaps cover, plus a few
 * beyond them: only the listed ones pass, everything else exits and is
 * refused unless emulated. */
static void test_deny_by_default(void **state)
{
	static const uint32_t ranges[][2] = {
		{ 0, 0x1FFF }, { 0xC0000000u, 0xC0001FFFu }, { 0xC0010000u, 0xC0011FFFu },
		{ 0x40000000u, 0x400000FFu }, { 0xFFFFFF00u, 0xFFFFFFFFu },
	};
	static const uint32_t emulated[] = { 0x10, 0x1B, 0x3B, 0x8B, 0x1A0, 0x1D9 };
	struct msr_state s = { 0 };
	unsigned passed = 0;
	(void)state;

	for (unsigned r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		for (uint64_t m = ranges[r][0]; m <= ranges[r][1]; m++) {
			uint32_t msr = (uint32_t)m;
			uint64_t v = 0;
			bool emu = false;
			for (unsigned i = 0; i < sizeof(emulated) / sizeof(emulated[0]); i++)
				emu |= emulated[i] == msr;
			if (msr_passed_through(msr)) {
				passed++;
				assert_false(emu);
				continue;
			}
			assert_int_equal(msr_read(&s, msr, 1000, &v) == MSR_REFUSED, !emu);
			if (msr != 0x1D9 && msr != 0x8B) /* DEBUGCTL, UCODE_REV take 0 */
				assert_int_equal(msr_write(&s, msr, 0, 1000) == MSR_REFUSED,
						 !emu || msr == 0x1B || msr == 0x1A0);
		}
	}
	/* SYSENTER x3, PAT, EFER, STAR..SFMASK x4, FS/GS/KERNEL_GS x3, TSC_AUX */
	assert_int_equal(passed, 13);
	/* What the issue named: the TSC is emulated, the rest refused. */
	assert_false(msr_passed_through(0x10));
	assert_false(msr_passed_through(0x570));       /* IA32_RTIT_CTL */
	assert_false(msr_passed_through(0x600));       /* IA32_DS_AREA */
	assert_false(msr_passed_through(0xC0010114u)); /* VM_CR */
	assert_false(msr_passed_through(0xC0010015u)); /* HWCR */
	assert_false(msr_passed_through(0x802));       /* x2APIC ID */
	assert_false(msr_passed_through(0x3A));        /* FEATURE_CONTROL */
	assert_false(msr_passed_through(0x48B));       /* VMX capability */
}

/* The guest's TSC is the host's plus an offset; writing it moves the
 * offset only, and TSC_ADJUST with it (SDM 3B 18.17.3). */
static void test_tsc_write_moves_offset_only(void **state)
{
	struct msr_state s = { 0 };
	uint64_t v = 0, host = 1000000;
	(void)state;

	assert_int_equal(msr_read(&s, 0x10, host, &v), MSR_DONE);
	assert_int_equal(v, host);
	/* The guest sets its TSC 6,871 s back (to 5), as in the issue. */
	assert_int_equal(msr_write(&s, 0x10, 5, host), MSR_DONE_OFFSET);
	assert_int_equal(msr_read(&s, 0x10, host + 100, &v), MSR_DONE);
	assert_int_equal(v, 105);
	assert_int_equal(s.tsc_offset, (uint64_t)5 - host);
	assert_int_equal(msr_read(&s, 0x3B, host, &v), MSR_DONE);
	assert_int_equal(v, (uint64_t)5 - host);
	/* Forward by a huge amount: no overflow trap, exact modulo 2^64. */
	assert_int_equal(msr_write(&s, 0x10, UINT64_MAX, host + 200), MSR_DONE_OFFSET);
	assert_int_equal(msr_read(&s, 0x10, host + 201, &v), MSR_DONE);
	assert_int_equal(v, 0);
}

static void test_tsc_adjust(void **state)
{
	struct msr_state s = { 0 };
	uint64_t v = 0;
	(void)state;

	assert_int_equal(msr_write(&s, 0x3B, 500, 7000), MSR_DONE_OFFSET);
	assert_int_equal(s.tsc_offset, 500);
	assert_int_equal(msr_read(&s, 0x10, 7000, &v), MSR_DONE);
	assert_int_equal(v, 7500);
	assert_int_equal(msr_write(&s, 0x3B, 200, 9000), MSR_DONE_OFFSET);
	assert_int_equal(s.tsc_offset, 200);
	assert_int_equal(msr_read(&s, 0x3B, 9000, &v), MSR_DONE);
	assert_int_equal(v, 200);
}

static void test_apic_base_and_debugctl(void **state)
{
	struct msr_state s = { .apic_base = 0xFEE00900ull };
	uint64_t v = 0;
	(void)state;

	assert_int_equal(msr_read(&s, 0x1B, 0, &v), MSR_DONE);
	assert_int_equal(v, 0xFEE00900ull);
	assert_int_equal(msr_write(&s, 0x1B, 0xFEE00900ull, 0), MSR_REFUSED); /* the APIC stays */
	assert_int_equal(msr_read(&s, 0x1D9, 0, &v), MSR_DONE);
	assert_int_equal(v, 0);
	assert_int_equal(msr_write(&s, 0x1D9, 0, 0), MSR_DONE);
	assert_int_equal(msr_write(&s, 0x1D9, 1, 0), MSR_REFUSED);      /* LBR */
	assert_int_equal(msr_write(&s, 0x1D9, 1u << 7, 0), MSR_REFUSED); /* BTS */
}

/* A host APIC the firmware left in x2APIC mode stays the hypervisor's:
 * the guest reads IA32_APIC_BASE without EXTD, and no x2APIC register
 * (MSRs 0x800-0x8FF, SDM 3A 11.12.1.2) reaches the CPU. */
static void test_x2apic_not_the_guests(void **state)
{
	struct msr_state s = { .apic_base = 0xFEE00D00ull }; /* BSP, EN, EXTD */
	uint64_t v = 0;
	(void)state;

	assert_int_equal(msr_read(&s, 0x1B, 0, &v), MSR_DONE);
	assert_int_equal(v, 0xFEE00900ull);
	for (uint32_t msr = 0x800; msr <= 0x8FF; msr++) {
		assert_false(msr_passed_through(msr));
		assert_int_equal(msr_read(&s, msr, 0, &v), MSR_REFUSED);
		assert_int_equal(msr_write(&s, msr, 0, 0), MSR_REFUSED);
	}
}

/* What an OS reads early at boot: a microcode revision (after writing
 * 0), MISC_ENABLE with nothing for it to change. */
static void test_boot_time_msrs(void **state)
{
	struct msr_state s = { 0 };
	uint64_t v = 1;
	(void)state;

	assert_int_equal(msr_write(&s, 0x8B, 0, 0), MSR_DONE);
	assert_int_equal(msr_read(&s, 0x8B, 0, &v), MSR_DONE);
	assert_int_equal(v, 0);
	assert_int_equal(msr_write(&s, 0x8B, 5, 0), MSR_REFUSED);
	assert_int_equal(msr_read(&s, 0x1A0, 0, &v), MSR_DONE);
	assert_int_equal(v, 0x1801);           /* fast strings, no BTS, no PEBS */
	assert_int_equal(msr_write(&s, 0x1A0, v, 0), MSR_DONE); /* written back unchanged */
	assert_int_equal(msr_write(&s, 0x1A0, v | (1ull << 22), 0), MSR_REFUSED);
	assert_int_equal(msr_write(&s, 0x1A0, v & ~1ull, 0), MSR_REFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_by_default),
		cmocka_unit_test(test_tsc_write_moves_offset_only),
		cmocka_unit_test(test_tsc_adjust),
		cmocka_unit_test(test_apic_base_and_debugctl),
		cmocka_unit_test(test_x2apic_not_the_guests),
		cmocka_unit_test(test_boot_time_msrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
