/* Host unit tests for hv/tsc_check.c: which measured TSC rate is trusted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/tsc_check.h"

#define GHZ 1000000000ull

static struct tsc_choice pick(uint64_t pit, uint64_t pm, uint64_t cpuid)
{
	struct tsc_refs r = { pit, pm, cpuid };

	return tsc_choose(&r);
}

static void test_agree(void **state)
{
	(void)state;
	struct tsc_choice c = pick(2999000000ull, 3001000000ull, 0);
	assert_true(c.ok);
	assert_int_equal(c.hz, 2999000000ull);
	assert_string_equal(c.source, "pit");
	assert_string_equal(c.verdict, "agree");
	assert_false(c.cpuid_disagrees);
}

/* The bug this guards against: a PIT that never signals gave ~10^12 Hz. */
static void test_gated_pit_refused_pm_used(void **state)
{
	(void)state;
	struct tsc_choice c = pick(1000000000000ull, 3 * GHZ, 3 * GHZ);
	assert_true(c.ok);
	assert_int_equal(c.hz, 3 * GHZ);
	assert_string_equal(c.source, "pm_timer");
	assert_string_equal(c.verdict, "pit_refused");
	c = pick(0, 3 * GHZ, 0); /* timed out */
	assert_string_equal(c.verdict, "pit_refused");
	assert_int_equal(c.hz, 3 * GHZ);
}

static void test_gated_pit_alone_refused_cpuid_used(void **state)
{
	(void)state;
	struct tsc_choice c = pick(1000000000000ull, 0, 2400000000ull);
	assert_true(c.ok);
	assert_string_equal(c.source, "cpuid");
	assert_string_equal(c.verdict, "cpuid_only");
	c = pick(1000000000000ull, 0, 0);
	assert_false(c.ok);
	assert_int_equal(c.hz, 0);
	assert_string_equal(c.verdict, "no_reference");
	c = pick(500000, 0, 0); /* implausibly slow */
	assert_false(c.ok);
}

static void test_disagree_cpuid_decides(void **state)
{
	(void)state;
	struct tsc_choice c = pick(3 * GHZ, 1 * GHZ, 1010000000ull);
	assert_true(c.ok);
	assert_string_equal(c.source, "pm_timer");
	assert_string_equal(c.verdict, "cpuid_decides");
	c = pick(3 * GHZ, 1 * GHZ, 3 * GHZ);
	assert_string_equal(c.source, "pit");
	c = pick(3 * GHZ, 1 * GHZ, 0);
	assert_false(c.ok);
	assert_string_equal(c.verdict, "disagree");
	c = pick(3 * GHZ, 1 * GHZ, 2 * GHZ);
	assert_false(c.ok);
}

/* Bochs: the TSC counts instructions (10 MHz here) while CPUID reports a
 * nominal GHz rate: used, with the disagreement reported. */
static void test_single_with_cpuid_disagreeing(void **state)
{
	(void)state;
	struct tsc_choice c = pick(10000000ull, 10050000ull, 2 * GHZ);
	assert_true(c.ok);
	assert_string_equal(c.verdict, "agree");
	assert_true(c.cpuid_disagrees);
	c = pick(10000000ull, 0, 0);
	assert_string_equal(c.verdict, "single");
	assert_false(c.cpuid_disagrees);
}

static void test_agree_bounds(void **state)
{
	(void)state;
	assert_true(tsc_agree(100, 100));
	assert_true(tsc_agree(1000 * 1000, 900 * 1000));
	assert_false(tsc_agree(1000 * 1000, 899 * 1000));
	assert_false(tsc_agree(0, 0));
	assert_false(tsc_agree(UINT64_MAX, 1));
	assert_true(tsc_agree(UINT64_MAX, UINT64_MAX - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agree),
		cmocka_unit_test(test_gated_pit_refused_pm_used),
		cmocka_unit_test(test_gated_pit_alone_refused_cpuid_used),
		cmocka_unit_test(test_disagree_cpuid_decides),
		cmocka_unit_test(test_single_with_cpuid_disagreeing),
		cmocka_unit_test(test_agree_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
