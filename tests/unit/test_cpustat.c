/*
 * Host unit tests for hv/cpustat.c: shares of an interval and the guest
 * state they and the recovery machine give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/cpustat.h"

static void test_shares(void **state)
{
	struct cpu_times prev = { .guest = 1000, .idle = 500 };
	struct cpu_times cur = { .guest = 1000 + 700, .idle = 500 + 200 };
	(void)state;

	struct cpu_shares s = cpustat_shares(&cur, &prev, 1000);
	assert_int_equal(s.guest_pm, 700);
	assert_int_equal(s.idle_pm, 200);
	assert_int_equal(s.hv_pm, 100);
	/* Rounded to nearest; the hypervisor's share takes the rest. */
	cur = (struct cpu_times){ .guest = 1000 + 2, .idle = 500 + 1 };
	s = cpustat_shares(&cur, &prev, 3);
	assert_int_equal(s.guest_pm, 667);
	assert_int_equal(s.idle_pm, 333);
	assert_int_equal(s.hv_pm, 0);
}

/* Spans longer than the interval (a stretch that began before it) are
 * capped: the shares never pass 1000 or go negative. */
static void test_capped(void **state)
{
	struct cpu_times prev = { 0 }, cur = { .guest = 900, .idle = 900 };
	(void)state;

	struct cpu_shares s = cpustat_shares(&cur, &prev, 1000);
	assert_int_equal(s.guest_pm + s.idle_pm + s.hv_pm, 1000);
	assert_int_equal(s.guest_pm, 900);
	assert_int_equal(s.idle_pm, 100);
	cur.guest = 5000;
	s = cpustat_shares(&cur, &prev, 1000);
	assert_int_equal(s.guest_pm, 1000);
	assert_int_equal(s.idle_pm, 0);
	assert_int_equal(s.hv_pm, 0);
	s = cpustat_shares(&cur, &prev, 0);
	assert_int_equal(s.guest_pm + s.idle_pm, 0);
	assert_int_equal(s.hv_pm, 1000);
}

static void test_state(void **state)
{
	struct cpu_shares busy = { .guest_pm = 950, .hv_pm = 50 };
	struct cpu_shares idle = { .guest_pm = 100, .hv_pm = 50, .idle_pm = 850 };
	struct cpu_shares half = { .guest_pm = 450, .hv_pm = 50, .idle_pm = 500 };
	(void)state;

	assert_int_equal(cpustat_state(false, false, &busy), ACT_RUNNING);
	assert_int_equal(cpustat_state(false, false, &idle), ACT_SLEEPING);
	assert_int_equal(cpustat_state(false, false, &half), ACT_RUNNING);
	assert_int_equal(cpustat_state(false, true, &idle), ACT_ABNORMAL);
	assert_int_equal(cpustat_state(true, true, &busy), ACT_STOPPED);
	assert_string_equal(cpustat_state_name(ACT_SLEEPING), "sleeping");
	assert_string_equal(cpustat_state_name(ACT_ABNORMAL), "abnormal");
	assert_string_equal(cpustat_state_name((enum guest_activity)9), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_capped),
		cmocka_unit_test(test_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
