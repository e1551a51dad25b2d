/*
 * Host unit tests for hv/ratelimit.c: the fixed-window limiter the
 * recovery machine uses to hold back floods of log-only events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/ratelimit.h"

/* At most `limit` per window; the rest refused and counted. */
static void test_limit_per_window(void **state)
{
	struct rate_limit rl;
	(void)state;

	rate_init(&rl, 100, 3, 1000);
	assert_int_equal(rl.window_start, 1000);
	assert_true(rate_allow(&rl, 1000));
	assert_true(rate_allow(&rl, 1010));
	assert_true(rate_allow(&rl, 1050));
	assert_int_equal(rl.used, 3);
	assert_false(rate_allow(&rl, 1050));
	assert_false(rate_allow(&rl, 1098));
	assert_int_equal(rl.used, 3);
	assert_int_equal(rl.refused, 2);
	/* Refusals of the running window are not reported yet. */
	assert_int_equal(rate_take_refused(&rl), 0);
	assert_int_equal(rl.refused, 2);

	/* A limit of 0 refuses everything. */
	rate_init(&rl, 100, 0, 0);
	assert_false(rate_allow(&rl, 0));
	assert_false(rate_allow(&rl, 50));
	rate_roll(&rl, 100);
	assert_int_equal(rate_take_refused(&rl), 2);
}

/* The window is [start, start + window): the last cycle still belongs to
 * it, the next one starts a new window. */
static void test_window_edge(void **state)
{
	struct rate_limit rl;
	(void)state;

	rate_init(&rl, 100, 2, 1000);
	assert_true(rate_allow(&rl, 1000));
	assert_true(rate_allow(&rl, 1000));
	assert_false(rate_allow(&rl, 1099)); /* start + window - 1: same window */
	rate_roll(&rl, 1099);
	assert_int_equal(rl.window_start, 1000);
	assert_int_equal(rate_take_refused(&rl), 0);

	/* rate_allow() rolls by itself at start + window. */
	assert_true(rate_allow(&rl, 1100));
	assert_int_equal(rl.window_start, 1100);
	assert_int_equal(rl.used, 1);
	assert_int_equal(rl.refused, 0);
	assert_int_equal(rate_take_refused(&rl), 1);

	/* An explicit roll at the edge does the same. */
	assert_true(rate_allow(&rl, 1199));
	assert_false(rate_allow(&rl, 1199));
	rate_roll(&rl, 1199);
	assert_int_equal(rl.window_start, 1100);
	rate_roll(&rl, 1200);
	assert_int_equal(rl.window_start, 1200);
	assert_int_equal(rl.used, 0);
	assert_int_equal(rate_take_refused(&rl), 1);

	/* A late roll starts the new window at `now`, not on the old grid. */
	rate_roll(&rl, 1750);
	assert_int_equal(rl.window_start, 1750);
	assert_true(rate_allow(&rl, 1849));
	assert_true(rate_allow(&rl, 1849));
	assert_false(rate_allow(&rl, 1849));
}

/* Refusals are handed over once, and those of several ended windows add up. */
static void test_refused_taken_once(void **state)
{
	struct rate_limit rl;
	(void)state;

	rate_init(&rl, 10, 1, 0);
	assert_true(rate_allow(&rl, 0));
	for (int i = 0; i < 5; i++)
		assert_false(rate_allow(&rl, 5));
	rate_roll(&rl, 10);
	assert_true(rate_allow(&rl, 10));
	assert_false(rate_allow(&rl, 11));
	assert_false(rate_allow(&rl, 12));
	/* Window [10,20) still runs: only the first window's 5 are done. */
	assert_int_equal(rate_take_refused(&rl), 5);
	assert_int_equal(rate_take_refused(&rl), 0);
	rate_roll(&rl, 20);
	assert_int_equal(rate_take_refused(&rl), 2);
	assert_int_equal(rate_take_refused(&rl), 0);

	/* Not taken in between: two windows' refusals add up. */
	assert_true(rate_allow(&rl, 20));
	assert_false(rate_allow(&rl, 21));
	assert_true(rate_allow(&rl, 30));
	assert_false(rate_allow(&rl, 31));
	assert_false(rate_allow(&rl, 32));
	rate_roll(&rl, 40);
	assert_int_equal(rate_take_refused(&rl), 3);
	assert_int_equal(rate_take_refused(&rl), 0);
	/* A quiet window reports nothing. */
	rate_roll(&rl, 50);
	assert_int_equal(rate_take_refused(&rl), 0);
}

/* A clock that goes backwards starts a new window (and hands over the
 * refusals of the one it ends) instead of staying stuck in the old one. */
static void test_clock_backwards(void **state)
{
	struct rate_limit rl;
	(void)state;

	rate_init(&rl, 100, 2, 1000);
	assert_true(rate_allow(&rl, 1000));
	assert_true(rate_allow(&rl, 1001));
	assert_false(rate_allow(&rl, 1002));
	assert_true(rate_allow(&rl, 999));
	assert_int_equal(rl.window_start, 999);
	assert_int_equal(rl.used, 1);
	assert_int_equal(rate_take_refused(&rl), 1);

	/* And the new window runs normally from there. */
	assert_true(rate_allow(&rl, 1098));
	assert_false(rate_allow(&rl, 1098));
	assert_true(rate_allow(&rl, 1099));
	assert_int_equal(rl.window_start, 1099);

	/* Back to 0 from the middle of a window, via rate_roll. */
	rate_roll(&rl, 0);
	assert_int_equal(rl.window_start, 0);
	assert_int_equal(rl.used, 0);
	assert_int_equal(rate_take_refused(&rl), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_per_window),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_refused_taken_once),
		cmocka_unit_test(test_clock_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
