/*
 * Host unit tests for hv/exitstat.c: the `stat exits` text, rates per
 * second over an interval and plain totals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/exitstat.h"

/* Rates over half a second: counts doubled, zero kinds left out. */
static void test_rates_per_second(void **state)
{
	struct exit_counts prev = { 0 }, cur = { 0 };
	char buf[256];
	(void)state;

	prev.by_kind[EV_IO] = 100;
	cur.by_kind[EV_IO] = 350;
	cur.by_kind[EV_HLT] = 125;
	prev.by_kind[EV_TIMER] = 7;
	cur.by_kind[EV_TIMER] = 7;
	size_t n = exitstat_format(buf, sizeof(buf), &cur, &prev, 500000);
	assert_string_equal(buf, "total=750 io=500 hlt=250");
	assert_int_equal(n, strlen(buf));
}

/* elapsed 0: plain counts since boot (the stop record). */
static void test_totals(void **state)
{
	struct exit_counts zero = { 0 }, cur = { 0 };
	char buf[256];
	(void)state;

	cur.by_kind[EV_HYPERCALL] = 3;
	cur.by_kind[EV_UNHANDLED] = 1;
	cur.by_kind[EV_NONE] = 2;
	exitstat_format(buf, sizeof(buf), &cur, &zero, 0);
	assert_string_equal(buf, "total=6 none=2 hypercall=3 unhandled=1");
	exitstat_format(buf, sizeof(buf), &zero, &zero, 0);
	assert_string_equal(buf, "total=0");
}

/* Rounded to nearest, not truncated. */
static void test_rounding(void **state)
{
	struct exit_counts prev = { 0 }, cur = { 0 };
	char buf[64];
	(void)state;

	cur.by_kind[EV_CPUID] = 2; /* 2 in 3 s = 0.67/s -> 1 */
	exitstat_format(buf, sizeof(buf), &cur, &prev, 3000000);
	assert_string_equal(buf, "total=1 cpuid=1");
}

/* A small buffer is cut, NUL-terminated, never overrun. */
static void test_cut(void **state)
{
	struct exit_counts prev = { 0 }, cur = { 0 };
	char buf[12];
	(void)state;

	for (unsigned k = 0; k < EV_KIND_COUNT; k++)
		cur.by_kind[k] = 123456;
	memset(buf, 'x', sizeof(buf));
	size_t n = exitstat_format(buf, sizeof(buf), &cur, &prev, 0);
	assert_int_equal(n, sizeof(buf) - 1);
	assert_int_equal(buf[sizeof(buf) - 1], '\0');
	assert_memory_equal(buf, "total=22222", 11);
	assert_int_equal(exitstat_format(buf, 0, &cur, &prev, 0), 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(exitstat_kind_name(EV_HLT), "hlt");
	assert_string_equal(exitstat_kind_name(EV_MEM_VIOLATION), "mem_violation");
	assert_string_equal(exitstat_kind_name(EV_KIND_COUNT), "?");
	for (unsigned k = 0; k < EV_KIND_COUNT; k++)
		assert_non_null(exitstat_kind_name((enum hv_event_kind)k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_per_second),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
