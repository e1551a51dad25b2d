/*
 * Host unit tests for the run loop's shortcut through a healthy watchdog
 * period (wd_period_healthy(), hv/watchdog.h): it must end the period
 * exactly as wd_period() does, or leave the watchdog alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/watchdog.h"

#define P 1000u
#define K 3u

static void assert_wd_equal(const struct watchdog *a, const struct watchdog *b)
{
	assert_int_equal(a->next_tsc, b->next_tsc);
	assert_int_equal(a->periods, b->periods);
	assert_int_equal(a->sent_seq, b->sent_seq);
	assert_int_equal(a->pending_hv, b->pending_hv);
	assert_int_equal(a->missed, b->missed);
	assert_int_equal(a->blocked, b->blocked);
	assert_int_equal(a->stale, b->stale);
	assert_int_equal(a->last_ok_tsc, b->last_ok_tsc);
	assert_int_equal(a->last_guest_ticks, b->last_guest_ticks);
	assert_int_equal(a->ticks_changed_tsc, b->ticks_changed_tsc);
	assert_int_equal(a->guest_ticks_alive, b->guest_ticks_alive);
	assert_int_equal(a->tickless, b->tickless);
}

/* wd_period_healthy() is the run loop's shortcut for the commonest
 * period: over every combination of the states it looks at, it either
 * leaves the watchdog alone, or ends the period exactly as wd_period()
 * does with the same guest values, with WD_OK. */
static void test_healthy_shortcut(void **state)
{
	(void)state;
	unsigned taken = 0, left = 0;

	for (unsigned bits = 0; bits < 256; bits++) {
		for (uint64_t since = 0; since <= 3 * P; since += P / 2) {
			struct watchdog wd;
			wd_init(&wd, P, (bits & 0x80) ? 0 : K);
			wd_restart(&wd, 0);
			uint64_t now = 10 * P;
			wd.next_tsc = now;
			wd.sent_seq = (bits & 1) ? 5 : 0;
			wd.pending_hv = (bits & 2) ? 1 : 0;
			wd.tickless = bits & 4;
			wd.guest_ticks_alive = bits & 8;
			wd.last_guest_ticks = 40;
			wd.ticks_changed_tsc = now - since;
			wd.missed = wd.blocked = wd.stale = 1;
			struct wd_guest_view g = {
				.ack_seq = (bits & 16) ? wd.sent_seq : wd.sent_seq + 1,
				.guest_ticks = (bits & 32) ? 41 : 40,
				.timer_period_tsc = (bits & 64) ? 2 * P : 0,
				.timer_pending = true,
				.timer_pending_since = 0,
			};
			struct watchdog fast = wd, full = wd;
			if (!wd_period_healthy(&fast, now, g.ack_seq, g.guest_ticks, g.timer_period_tsc)) {
				assert_wd_equal(&fast, &wd);
				left++;
				continue;
			}
			assert_int_equal(wd_period(&full, now, true, &g), WD_OK);
			assert_wd_equal(&fast, &full);
			taken++;
		}
	}
	assert_true(taken > 0 && left > 0);
	/* The steady state of a healthy guest takes the shortcut. */
	struct watchdog wd;
	wd_init(&wd, P, K);
	wd_restart(&wd, 0);
	wd.sent_seq = 3;
	wd.guest_ticks_alive = true;
	wd.last_guest_ticks = 7;
	wd.next_tsc = P;
	assert_true(wd_period_healthy(&wd, P, 3, 8, 2 * P));
	assert_true(wd_period_healthy(&wd, 2 * P, 3, 8, 2 * P) == false); /* a heartbeat waits */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_shortcut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
