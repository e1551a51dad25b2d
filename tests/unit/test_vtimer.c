/*
 * Host unit tests for hv/vtimer.c: the guest's virtual timer (HC_TIMER_SET
 * validation, raising at the period, coalescing, no burst replay, reset,
 * an interrupt handed over to the backend).
 *
 * Times: a 1 GHz TSC, so 1 us = 1000 cycles; the hypervisor tick (the
 * shortest period) is 1 ms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vtimer.h"

#define TSC_HZ 1000000000ull
#define TICK_US 1000ull
#define MS 1000000ull /* cycles per ms */

/* Field by field: the struct has padding. */
static void assert_vtimer_equal(const struct vtimer *a, const struct vtimer *b)
{
	assert_int_equal(a->vector, b->vector);
	assert_int_equal(a->period_tsc, b->period_tsc);
	assert_int_equal(a->next_tsc, b->next_tsc);
	assert_int_equal(a->pending, b->pending);
	assert_int_equal(a->handed, b->handed);
	assert_int_equal(a->pending_since, b->pending_since);
	assert_int_equal(a->fired, b->fired);
	assert_int_equal(a->coalesced, b->coalesced);
}

static enum vtimer_set_result set(struct vtimer *vt, uint64_t vector, uint64_t period_us,
				  uint64_t now)
{
	return vtimer_set(vt, vector, period_us, TICK_US, TSC_HZ, now);
}

/* Out-of-range vectors and periods are refused and change nothing;
 * vector 0 stops the timer. */
static void test_validation(void **state)
{
	struct vtimer vt = { 0 }, before;
	(void)state;

	assert_int_equal(set(&vt, 32, 1000, 5), VTIMER_STARTED);
	assert_int_equal(vt.vector, 32);
	assert_int_equal(vt.period_tsc, 1 * MS);
	assert_int_equal(vt.next_tsc, 5 + 1 * MS);
	vtimer_update(&vt, 5 + MS);
	assert_true(vtimer_due(&vt));
	vt.fired = 7;
	vt.coalesced = 3;

	static const struct {
		uint64_t vector, period_us;
	} bad[] = {
		{ 1, 1000 },
		{ 31, 1000 },
		{ 256, 1000 },
		{ 0x100000020ull, 1000 }, /* would be 32 if truncated to 8 bits */
		{ UINT64_MAX, 1000 },
		{ 40, 999 },              /* below the hypervisor tick */
		{ 40, 0 },
		{ 40, VTIMER_MAX_PERIOD_US + 1 },
		{ 40, UINT64_MAX },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		before = vt;
		assert_int_equal(set(&vt, bad[i].vector, bad[i].period_us, 7 * MS), VTIMER_INVALID);
		assert_vtimer_equal(&vt, &before);
	}

	/* The bounds themselves are valid. */
	assert_int_equal(set(&vt, 255, TICK_US, 0), VTIMER_STARTED);
	assert_int_equal(vt.vector, 255);
	assert_int_equal(vt.period_tsc, MS);
	assert_int_equal(set(&vt, 32, VTIMER_MAX_PERIOD_US, 100), VTIMER_STARTED);
	assert_int_equal(vt.period_tsc, 10000 * MS);
	assert_int_equal(vt.next_tsc, 100 + 10000 * MS);

	/* Vector 0 stops it, whatever the period, and drops the waiting
	 * interrupt; the counters stay. */
	assert_true(vt.pending);
	assert_int_equal(set(&vt, 0, 0, 200), VTIMER_STOPPED);
	assert_int_equal(vt.vector, 0);
	assert_false(vtimer_due(&vt));
	assert_int_equal(vt.fired, 7);
	assert_int_equal(vt.coalesced, 3);
	vtimer_update(&vt, UINT64_MAX / 2);
	assert_false(vtimer_due(&vt));

	/* A period shorter than one TSC cycle still advances. */
	assert_int_equal(vtimer_set(&vt, 50, 1, 1, 100, 10), VTIMER_STARTED);
	assert_int_equal(vt.period_tsc, 1);
	assert_int_equal(vt.next_tsc, 11);
}

/* The interrupt is raised exactly at next_tsc, not a cycle before, and
 * the next one is a period after the previous deadline (no drift). */
static void test_raise_at_period(void **state)
{
	struct vtimer vt = { 0 };
	(void)state;

	assert_int_equal(set(&vt, 48, 10000, 1000), VTIMER_STARTED); /* 10 ms */
	vtimer_update(&vt, 1000 + 10 * MS - 1);
	assert_false(vtimer_due(&vt));
	vtimer_update(&vt, 1000 + 10 * MS);
	assert_true(vtimer_due(&vt));
	assert_int_equal(vt.pending_since, 1000 + 10 * MS);
	assert_int_equal(vt.next_tsc, 1000 + 20 * MS);
	vtimer_delivered(&vt);
	assert_false(vtimer_due(&vt));
	assert_int_equal(vt.fired, 1);

	/* Seen late (a tick after the deadline): the next deadline keeps the
	 * grid. */
	vtimer_update(&vt, 1000 + 21 * MS);
	assert_true(vtimer_due(&vt));
	assert_int_equal(vt.pending_since, 1000 + 21 * MS);
	assert_int_equal(vt.next_tsc, 1000 + 30 * MS);
	vtimer_delivered(&vt);
	vtimer_update(&vt, 1000 + 30 * MS - 1);
	assert_false(vtimer_due(&vt));
	assert_int_equal(vt.fired, 2);
	assert_int_equal(vt.coalesced, 0);

	/* Setting it again starts the period from now. */
	assert_int_equal(set(&vt, 48, 10000, 1000 + 25 * MS), VTIMER_STARTED);
	vtimer_update(&vt, 1000 + 30 * MS);
	assert_false(vtimer_due(&vt));
	vtimer_update(&vt, 1000 + 35 * MS);
	assert_true(vtimer_due(&vt));
}

/* Periods that pass while the interrupt still waits are folded into it
 * and counted; pending_since keeps the first one's time. */
static void test_coalescing(void **state)
{
	struct vtimer vt = { 0 };
	(void)state;

	assert_int_equal(set(&vt, 33, 1000, 0), VTIMER_STARTED);
	vtimer_update(&vt, 1 * MS);
	vtimer_update(&vt, 2 * MS);
	vtimer_update(&vt, 2 * MS + 10); /* no new period: not coalesced */
	vtimer_update(&vt, 3 * MS);
	assert_true(vtimer_due(&vt));
	assert_int_equal(vt.coalesced, 2);
	assert_int_equal(vt.pending_since, 1 * MS);
	vtimer_delivered(&vt);
	assert_int_equal(vt.fired, 1);
	assert_false(vtimer_due(&vt));

	/* Delivered in time: nothing coalesced. */
	vtimer_update(&vt, 4 * MS);
	assert_int_equal(vt.pending_since, 4 * MS);
	vtimer_delivered(&vt);
	vtimer_update(&vt, 5 * MS);
	vtimer_delivered(&vt);
	assert_int_equal(vt.fired, 3);
	assert_int_equal(vt.coalesced, 2);
}

/* After a long gap (the hypervisor was away) one interrupt is raised, not
 * a burst, and the next deadline is a full period after now. */
static void test_no_burst_replay(void **state)
{
	struct vtimer vt = { 0 };
	(void)state;

	assert_int_equal(set(&vt, 64, 1000, 0), VTIMER_STARTED);
	vtimer_update(&vt, 500 * MS + 123);
	assert_true(vtimer_due(&vt));
	assert_int_equal(vt.coalesced, 0);
	assert_int_equal(vt.next_tsc, 501 * MS + 123);
	vtimer_delivered(&vt);
	vtimer_update(&vt, 500 * MS + 124);
	vtimer_update(&vt, 501 * MS + 122);
	assert_false(vtimer_due(&vt));
	assert_int_equal(vt.fired, 1);
	vtimer_update(&vt, 501 * MS + 123);
	assert_true(vtimer_due(&vt));

	/* Far behind with the interrupt already waiting: one more coalesced,
	 * not one per lost period. */
	vtimer_update(&vt, 900 * MS);
	assert_int_equal(vt.coalesced, 1);
	assert_int_equal(vt.pending_since, 501 * MS + 123);
	assert_int_equal(vt.next_tsc, 901 * MS);
	vtimer_delivered(&vt);
	assert_int_equal(vt.fired, 2);
}

/* A guest reset: off, nothing pending, the counters kept; a later set
 * starts afresh. */
static void test_reset(void **state)
{
	struct vtimer vt = { 0 };
	(void)state;

	assert_int_equal(set(&vt, 40, 2000, 0), VTIMER_STARTED);
	vtimer_update(&vt, 2 * MS);
	vtimer_delivered(&vt);
	vtimer_update(&vt, 4 * MS);
	vtimer_update(&vt, 6 * MS);
	assert_true(vtimer_due(&vt));
	vtimer_reset(&vt);
	assert_int_equal(vt.vector, 0);
	assert_false(vtimer_due(&vt));
	assert_int_equal(vt.fired, 1);
	assert_int_equal(vt.coalesced, 1);
	vtimer_update(&vt, 8 * MS);
	vtimer_update(&vt, 100 * MS);
	assert_false(vtimer_due(&vt));

	assert_int_equal(set(&vt, 41, 2000, 100 * MS), VTIMER_STARTED);
	vtimer_update(&vt, 102 * MS - 1);
	assert_false(vtimer_due(&vt));
	vtimer_update(&vt, 102 * MS);
	assert_true(vtimer_due(&vt));
	assert_int_equal(vt.pending_since, 102 * MS);
	assert_int_equal(vt.coalesced, 1);
}

/* An interrupt handed to the backend (which injects it at the guest's
 * window) stays pending until it went in: a period passing meanwhile is
 * coalesced, not raised again, and nothing is left to inject; a new
 * period keeps it handed over, a stop or a reset drops it. */
static void test_handed_over(void **state)
{
	struct vtimer vt = { 0 };
	(void)state;

	assert_int_equal(set(&vt, 40, 2000, 0), VTIMER_STARTED);
	vtimer_hand_over(&vt); /* nothing pending: nothing to hand over */
	assert_false(vt.handed);
	vtimer_update(&vt, 2 * MS);
	assert_true(vtimer_to_inject(&vt));
	vtimer_hand_over(&vt);
	assert_true(vt.handed);
	assert_true(vtimer_due(&vt));
	assert_false(vtimer_to_inject(&vt));
	vtimer_update(&vt, 4 * MS);
	assert_int_equal(vt.coalesced, 1);
	assert_int_equal(vt.pending_since, 2 * MS);
	assert_false(vtimer_to_inject(&vt));
	vtimer_delivered(&vt);
	assert_false(vt.handed);
	assert_false(vtimer_due(&vt));
	assert_int_equal(vt.fired, 1);

	vtimer_update(&vt, 6 * MS);
	vtimer_hand_over(&vt);
	assert_int_equal(set(&vt, 41, 3000, 6 * MS), VTIMER_STARTED);
	assert_true(vt.handed && vtimer_due(&vt)); /* goes in with vector 41 */
	assert_int_equal(set(&vt, 0, 0, 6 * MS), VTIMER_STOPPED);
	assert_false(vt.handed || vtimer_due(&vt));

	assert_int_equal(set(&vt, 40, 2000, 10 * MS), VTIMER_STARTED);
	vtimer_update(&vt, 12 * MS);
	vtimer_hand_over(&vt);
	vtimer_reset(&vt);
	assert_false(vt.handed || vtimer_due(&vt));
	assert_int_equal(vt.fired, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_raise_at_period),
		cmocka_unit_test(test_coalescing),
		cmocka_unit_test(test_no_burst_replay),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_handed_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
