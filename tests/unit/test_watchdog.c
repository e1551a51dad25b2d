/*
 * Host unit tests for hv/watchdog.c: the NMI watchdog's period logic,
 * driven through whole scenarios with a simulated guest (takes the NMIs
 * it can, acknowledges them or not, moves its tick count or not).
 *
 * Times: a period of 1000 TSC cycles, K = 3, restart at 0, so the period
 * boundaries are 1000, 2000, 3000, ...
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/watchdog.h"
#include "include/hv_abi.h"

#define P 1000u
#define K 3u

/* A guest as the run loop sees it. */
struct sim {
	struct watchdog wd;
	struct wd_guest_view g;
	bool takes_nmis; /* not NMI-blocked: the run loop injects what is pending */
	bool acks;       /* the stub's NMI handler acknowledges */
	bool ticks;      /* the guest's timer interrupt runs: tick count moves */
};

static void sim_init(struct sim *s)
{
	*s = (struct sim){ .takes_nmis = true, .acks = true, .ticks = true };
	wd_init(&s->wd, P, K);
	wd_restart(&s->wd, 0);
}

/* Injects everything pending, as the run loop would between periods. */
static void sim_take_all(struct sim *s)
{
	uint32_t reason;
	uint64_t seq;

	while (s->takes_nmis && wd_take_nmi(&s->wd, true, &reason, &seq) != WD_NMI_NONE)
		if (s->acks)
			s->g.ack_seq = seq;
}

/* One period boundary at `now` (it must be due, not before), then the
 * guest runs until the next one. */
static enum wd_verdict sim_period(struct sim *s, uint64_t now)
{
	assert_false(wd_due(&s->wd, now - 1));
	assert_true(wd_due(&s->wd, now));
	enum wd_verdict v = wd_period(&s->wd, now, true, &s->g);
	sim_take_all(s);
	if (s->ticks)
		s->g.guest_ticks++;
	return v;
}

/* The NMI reasons are those of the shared page. */
static void test_reasons_match_abi(void **state)
{
	(void)state;

	assert_int_equal(WD_REASON_WATCHDOG, HV_NMI_WATCHDOG);
	assert_int_equal(WD_REASON_COMMAND, HV_NMI_COMMAND);
}

/* One heartbeat per watched period; none for a guest not watched (not
 * running or no stub), and an unwatched period judges nothing. */
static void test_heartbeat_when_watched(void **state)
{
	struct watchdog wd;
	struct wd_guest_view g = { 0 };
	uint32_t reason = 0;
	uint64_t seq = 0;
	(void)state;

	wd_init(&wd, P, K);
	assert_int_equal(wd.period_tsc, P);
	assert_int_equal(wd.k, K);
	wd_restart(&wd, 0);
	assert_int_equal(wd.next_tsc, P);
	assert_false(wd_due(&wd, P - 1));
	assert_true(wd_due(&wd, P));

	assert_int_equal(wd_period(&wd, P, true, &g), WD_OK);
	assert_int_equal(wd.pending_hv, 1);
	assert_int_equal(wd.periods, 1);
	assert_int_equal(wd.next_tsc, 2 * P);
	assert_true(wd_nmi_pending(&wd));
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_HYPERVISOR);
	assert_int_equal(reason, WD_REASON_WATCHDOG);
	assert_int_equal(seq, 1);
	assert_false(wd_nmi_pending(&wd));

	/* Not watched: the clock moves on, nothing queued, nothing judged,
	 * even though seq 1 was never acknowledged. */
	for (uint64_t t = 2; t <= 10; t++) {
		assert_true(wd_due(&wd, t * P));
		assert_int_equal(wd_period(&wd, t * P, false, &g), WD_OK);
		assert_int_equal(wd.next_tsc, (t + 1) * P);
	}
	assert_int_equal(wd.pending_hv, 0);
	assert_false(wd_nmi_pending(&wd));
	assert_int_equal(wd.periods, 1);
	assert_int_equal(wd.missed, 0);

	/* Watched again, seq 1 acknowledged: the next heartbeat. */
	g.ack_seq = 1;
	assert_int_equal(wd_period(&wd, 11 * P, true, &g), WD_OK);
	assert_int_equal(wd.pending_hv, 1);
	assert_int_equal(wd.periods, 2);
	assert_int_equal(wd.last_ok_tsc, 11 * P);
}

/* A heartbeat may wait one tick for an entry of its own, once, and only
 * when the period is at least WD_DEFER_MIN_TICKS ticks; never a command. */
static void test_defer_heartbeat(void **state)
{
	struct watchdog wd;
	uint32_t reason;
	uint64_t seq;
	(void)state;

	wd_init(&wd, P, K);
	wd_restart(&wd, 0);
	assert_false(wd_defer_heartbeat(&wd, P / WD_DEFER_MIN_TICKS)); /* nothing pending */
	wd_period(&wd, P, true, &(struct wd_guest_view){ 0 });
	assert_true(wd_nmi_pending(&wd));
	/* Ticks too long for the period: no wait. */
	assert_false(wd_defer_heartbeat(&wd, P / WD_DEFER_MIN_TICKS + 1));
	assert_true(wd_defer_heartbeat(&wd, P / WD_DEFER_MIN_TICKS));
	assert_false(wd_defer_heartbeat(&wd, P / WD_DEFER_MIN_TICKS)); /* only once */
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_HYPERVISOR);
	/* The next heartbeat may wait again; a command may not. */
	wd_period(&wd, 2 * P, true, &(struct wd_guest_view){ .ack_seq = seq });
	assert_true(wd_defer_heartbeat(&wd, 1));
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_HYPERVISOR);
	wd_queue_command(&wd);
	assert_false(wd_defer_heartbeat(&wd, 1));
}

/* Hypervisor NMIs go before platform ones, but only with the shared page
 * to write into; a command NMI carries the command reason, the next one
 * the watchdog reason again; sequence numbers go up by one. */
static void test_take_nmi_order(void **state)
{
	struct watchdog wd;
	struct wd_guest_view g = { 0 };
	uint32_t reason = 0xdead;
	uint64_t seq = 0xbeef;
	(void)state;

	wd_init(&wd, P, K);
	wd_restart(&wd, 0);
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_NONE);
	assert_false(wd_nmi_pending(&wd));

	wd_queue_platform(&wd);
	assert_true(wd_nmi_pending(&wd));
	assert_int_equal(wd_period(&wd, P, true, &g), WD_OK); /* heartbeat */
	wd_queue_command(&wd);
	assert_int_equal(wd.pending_hv, 2);
	assert_int_equal(wd.commands, 1);

	/* No shared page: the platform NMI may go, ours wait; the shared
	 * page's values are left alone. */
	assert_int_equal(wd_take_nmi(&wd, false, &reason, &seq), WD_NMI_PLATFORM);
	assert_int_equal(reason, 0xdead);
	assert_int_equal(seq, 0xbeef);
	assert_int_equal(wd.platform_sent, 1);
	assert_int_equal(wd_take_nmi(&wd, false, &reason, &seq), WD_NMI_NONE);
	assert_true(wd_nmi_pending(&wd));
	assert_int_equal(wd.pending_hv, 2);

	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_HYPERVISOR);
	assert_int_equal(reason, WD_REASON_COMMAND);
	assert_int_equal(seq, 1);
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_HYPERVISOR);
	assert_int_equal(reason, WD_REASON_WATCHDOG);
	assert_int_equal(seq, 2);
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_NONE);
	assert_int_equal(seq, 2);

	/* Both kinds pending, shared page known: ours first. */
	wd_queue_platform(&wd);
	wd_queue_platform(&wd);
	wd_queue_command(&wd);
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_HYPERVISOR);
	assert_int_equal(reason, WD_REASON_COMMAND);
	assert_int_equal(seq, 3);
	reason = 0xdead;
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_PLATFORM);
	assert_int_equal(reason, 0xdead);
	assert_int_equal(seq, 3);
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_PLATFORM);
	assert_int_equal(wd_take_nmi(&wd, true, &reason, &seq), WD_NMI_NONE);
	assert_int_equal(wd.platform_sent, 3);
	assert_int_equal(wd.commands, 2);
	assert_int_equal(wd.sent_seq, 3);
	assert_false(wd_nmi_pending(&wd));
}

/* NMIs taken but never acknowledged: a hang at the K-th missed one, not
 * before; the latency runs from the last healthy period. */
static void test_hang_missed(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	s.acks = false;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK); /* seq 1 sent */
	assert_int_equal(s.wd.last_ok_tsc, 1 * P);
	assert_int_equal(sim_period(&s, 2 * P), WD_OK); /* missed 1 */
	assert_int_equal(sim_period(&s, 3 * P), WD_OK); /* missed 2 = K - 1 */
	assert_int_equal(s.wd.missed, K - 1);
	assert_int_equal(sim_period(&s, 4 * P), WD_HANG_MISSED);
	assert_int_equal(s.wd.missed, K);
	assert_int_equal(s.wd.blocked, 0);
	assert_int_equal(s.wd.last_ok_tsc, 1 * P);
	assert_int_equal(s.wd.sent_seq, 4);

	/* An acknowledgement in between starts the count again; an old
	 * sequence number is no acknowledgement. */
	sim_init(&s);
	s.acks = false;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK); /* seq 1 */
	assert_int_equal(sim_period(&s, 2 * P), WD_OK); /* missed 1, seq 2 */
	assert_int_equal(sim_period(&s, 3 * P), WD_OK); /* missed 2, seq 3 */
	s.g.ack_seq = 3;
	assert_int_equal(sim_period(&s, 4 * P), WD_OK); /* seq 4 */
	assert_int_equal(s.wd.missed, 0);
	assert_int_equal(s.wd.last_ok_tsc, 4 * P);
	s.g.ack_seq = 3;
	assert_int_equal(sim_period(&s, 5 * P), WD_OK);
	assert_int_equal(sim_period(&s, 6 * P), WD_OK);
	assert_int_equal(sim_period(&s, 7 * P), WD_HANG_MISSED);
	assert_int_equal(s.wd.last_ok_tsc, 4 * P);
}

/* A guest that answered, then stays NMI-blocked: the heartbeats pile up
 * (counted, not folded) and the K-th period with one pending is a hang. */
static void test_hang_blocked(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	assert_int_equal(sim_period(&s, 1 * P), WD_OK); /* seq 1, acknowledged */
	s.takes_nmis = false;
	assert_int_equal(sim_period(&s, 2 * P), WD_OK); /* heartbeat 2 queued */
	assert_int_equal(sim_period(&s, 3 * P), WD_OK); /* blocked 1 */
	assert_int_equal(sim_period(&s, 4 * P), WD_OK); /* blocked 2 = K - 1 */
	assert_int_equal(s.wd.blocked, K - 1);
	assert_int_equal(s.wd.last_ok_tsc, 2 * P);
	assert_int_equal(sim_period(&s, 5 * P), WD_HANG_BLOCKED);
	assert_int_equal(s.wd.blocked, K);
	assert_int_equal(s.wd.missed, 0);
	assert_int_equal(s.wd.stale, 0);
	assert_int_equal(s.wd.pending_hv, 4);
	assert_int_equal(s.wd.sent_seq, 1);

	/* Taking them in time clears it. */
	sim_init(&s);
	assert_int_equal(sim_period(&s, 1 * P), WD_OK);
	s.takes_nmis = false;
	assert_int_equal(sim_period(&s, 2 * P), WD_OK);
	assert_int_equal(sim_period(&s, 3 * P), WD_OK);
	s.takes_nmis = true;
	sim_take_all(&s);
	assert_int_equal(sim_period(&s, 4 * P), WD_OK);
	assert_int_equal(s.wd.blocked, 0);
	assert_int_equal(sim_period(&s, 5 * P), WD_OK);
	assert_int_equal(sim_period(&s, 6 * P), WD_OK);
}

/* NMIs answered, tick count frozen: a soft lockup at K frozen windows,
 * not K - 1. */
static void test_soft_lockup(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	s.g.timer_period_tsc = 500; /* faster than the watchdog: window = P */
	assert_int_equal(sim_period(&s, 1 * P), WD_OK); /* nothing sent yet: not judged */
	assert_int_equal(sim_period(&s, 2 * P), WD_OK); /* ticks moved, seen at 2000 */
	s.ticks = false;
	assert_int_equal(s.wd.ticks_changed_tsc, 2 * P);
	assert_true(s.wd.guest_ticks_alive);
	assert_int_equal(sim_period(&s, 3 * P), WD_OK); /* the last tick is seen */
	assert_int_equal(s.wd.ticks_changed_tsc, 3 * P);
	assert_int_equal(sim_period(&s, 4 * P), WD_OK); /* 1 window frozen */
	assert_int_equal(sim_period(&s, 5 * P), WD_OK); /* 2 = K - 1 */
	assert_int_equal(s.wd.stale, K - 1);
	assert_int_equal(s.wd.last_ok_tsc, 3 * P);
	assert_int_equal(sim_period(&s, 6 * P), WD_SOFT_LOCKUP);
	assert_int_equal(s.wd.stale, K);
	assert_int_equal(s.wd.missed, 0);
	assert_int_equal(s.wd.blocked, 0);
	assert_int_equal(s.wd.last_ok_tsc, 3 * P);

	/* Ticks moving again clear it. */
	s.ticks = true;
	s.g.guest_ticks++;
	assert_int_equal(sim_period(&s, 7 * P), WD_OK);
	assert_int_equal(s.wd.stale, 0);
	assert_int_equal(s.wd.last_ok_tsc, 7 * P);
}

/* A guest timer slower than the watchdog widens the window: 2500 cycles,
 * so K windows are 7500 cycles of frozen ticks. */
static void test_soft_lockup_slow_timer(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	s.g.timer_period_tsc = 2500;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK);
	s.ticks = false;
	assert_int_equal(sim_period(&s, 2 * P), WD_OK); /* last change seen at 2000 */
	for (uint64_t t = 3; t <= 9; t++) /* 9000 - 2000 = 7000 < 3 * 2500 */
		assert_int_equal(sim_period(&s, t * P), WD_OK);
	assert_int_equal(s.wd.stale, 2);
	assert_int_equal(sim_period(&s, 10 * P), WD_SOFT_LOCKUP);
	assert_int_equal(s.wd.stale, 3);
}

/* A tickless guest (timer stopped) is never a soft lockup, however long
 * its tick count stands still; once it sets a timer and ticks again it
 * is watched again. */
static void test_tickless_not_lockup(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	s.g.timer_period_tsc = P;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK);
	assert_int_equal(sim_period(&s, 2 * P), WD_OK);
	s.ticks = false;
	assert_int_equal(sim_period(&s, 3 * P), WD_OK);
	assert_int_equal(sim_period(&s, 4 * P), WD_OK);
	assert_int_equal(sim_period(&s, 5 * P), WD_OK);
	assert_int_equal(s.wd.stale, K - 1);
	/* The guest goes tickless just before the K-th window. */
	wd_timer_changed(&s.wd, 5 * P + 10, true);
	s.g.timer_period_tsc = 0;
	for (uint64_t t = 6; t <= 50; t++) {
		assert_int_equal(sim_period(&s, t * P), WD_OK);
		assert_int_equal(s.wd.stale, 0);
	}
	assert_int_equal(s.wd.last_ok_tsc, 50 * P);

	/* Timer back on and ticking, then frozen again: watched again. */
	wd_timer_changed(&s.wd, 50 * P + 10, false);
	s.g.timer_period_tsc = P;
	s.g.guest_ticks++; /* one tick, then frozen again */
	assert_int_equal(sim_period(&s, 51 * P), WD_OK); /* change seen at 51000 */
	assert_true(s.wd.guest_ticks_alive);
	assert_int_equal(sim_period(&s, 52 * P), WD_OK);
	assert_int_equal(sim_period(&s, 53 * P), WD_OK);
	assert_int_equal(sim_period(&s, 54 * P), WD_SOFT_LOCKUP);
}

/* The stub copies its tick count in its NMI handler, so the ticks
 * counted just before the guest stopped its timer reach the shared page
 * one heartbeat after the stop.  That late change must not make the
 * count look alive again (a tickless guest is never a soft lockup). */
static void test_tickless_late_tick_copy(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	s.g.timer_period_tsc = P;
	for (uint64_t t = 1; t <= 3; t++)
		assert_int_equal(sim_period(&s, t * P), WD_OK);
	wd_timer_changed(&s.wd, 3 * P + P / 2, true);
	s.g.timer_period_tsc = 0;
	s.ticks = false;
	s.g.guest_ticks += 50; /* the ticks between the last NMI and the stop */
	for (uint64_t t = 4; t <= 30; t++) {
		assert_int_equal(sim_period(&s, t * P), WD_OK);
		assert_int_equal(s.wd.stale, 0);
	}
}

/* A new guest timer period restarts the frozen-ticks clock: the K
 * windows count from the change, not from the last tick. */
static void test_timer_change_restarts_clock(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	s.g.timer_period_tsc = P;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK);
	s.ticks = false;
	assert_int_equal(sim_period(&s, 2 * P), WD_OK); /* last change seen at 2000 */
	assert_int_equal(sim_period(&s, 3 * P), WD_OK);
	assert_int_equal(sim_period(&s, 4 * P), WD_OK);
	assert_int_equal(s.wd.stale, K - 1);
	wd_timer_changed(&s.wd, 4 * P + 500, false); /* at 4500 */
	assert_int_equal(s.wd.stale, 0);
	assert_int_equal(s.wd.ticks_changed_tsc, 4 * P + 500);
	assert_int_equal(sim_period(&s, 5 * P), WD_OK); /* would be K from 2000 */
	assert_int_equal(s.wd.stale, 0);
	assert_int_equal(sim_period(&s, 6 * P), WD_OK);
	assert_int_equal(sim_period(&s, 7 * P), WD_OK); /* 2500: 2 windows */
	assert_int_equal(sim_period(&s, 8 * P), WD_SOFT_LOCKUP); /* 3500: 3 */
}

/* A stub that never copies its tick count: the interrupt the hypervisor
 * holds for the guest, not taken for K windows, is the soft lockup. */
static void test_soft_lockup_no_tick_count(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	s.ticks = false; /* guest_ticks stays 0 */
	s.g.timer_period_tsc = P;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK);
	assert_int_equal(sim_period(&s, 2 * P), WD_OK);
	assert_false(s.wd.guest_ticks_alive);
	/* The guest stops taking interrupts; one is held from 2500. */
	s.g.timer_pending = true;
	s.g.timer_pending_since = 2 * P + 500;
	assert_int_equal(sim_period(&s, 3 * P), WD_OK); /* held 500: < 1 window */
	assert_int_equal(s.wd.stale, 0);
	assert_int_equal(sim_period(&s, 4 * P), WD_OK); /* 1500: 1 */
	assert_int_equal(sim_period(&s, 5 * P), WD_OK); /* 2500: 2 */
	assert_int_equal(s.wd.stale, 2);
	assert_int_equal(sim_period(&s, 6 * P), WD_SOFT_LOCKUP); /* 3500: 3 */

	/* Delivered in time: no lockup. */
	sim_init(&s);
	s.ticks = false;
	s.g.timer_period_tsc = P;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK);
	s.g.timer_pending = true;
	s.g.timer_pending_since = 1 * P + 500;
	assert_int_equal(sim_period(&s, 2 * P), WD_OK);
	assert_int_equal(sim_period(&s, 3 * P), WD_OK);
	assert_int_equal(sim_period(&s, 4 * P), WD_OK);
	assert_int_equal(s.wd.stale, 2);
	s.g.timer_pending = false;
	assert_int_equal(sim_period(&s, 5 * P), WD_OK);
	assert_int_equal(s.wd.stale, 0);
	/* No guest timer at all: nothing to hold, nothing to judge. */
	s.g.timer_period_tsc = 0;
	s.g.timer_pending = true;
	s.g.timer_pending_since = 0;
	for (uint64_t t = 6; t <= 20; t++)
		assert_int_equal(sim_period(&s, t * P), WD_OK);
}

/* After a long absence of the hypervisor one period is judged, not all
 * those that passed, and the next boundary is a period after now. */
static void test_one_period_per_call(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	s.acks = false;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK); /* seq 1, never acknowledged */
	assert_int_equal(s.wd.next_tsc, 2 * P);
	assert_true(wd_due(&s.wd, 15 * P + 500));
	assert_int_equal(wd_period(&s.wd, 15 * P + 500, true, &s.g), WD_OK);
	assert_int_equal(s.wd.missed, 1);
	assert_int_equal(s.wd.periods, 2);
	assert_int_equal(s.wd.next_tsc, 16 * P + 500);
	assert_false(wd_due(&s.wd, 16 * P + 499));
	assert_true(wd_due(&s.wd, 16 * P + 500));

	/* A little late: the boundaries keep their grid. */
	assert_int_equal(wd_period(&s.wd, 16 * P + 800, true, &s.g), WD_OK);
	assert_int_equal(s.wd.next_tsc, 17 * P + 500);
	/* Exactly one period late: next is a period after now. */
	assert_int_equal(wd_period(&s.wd, 18 * P + 500, true, &s.g), WD_HANG_MISSED);
	assert_int_equal(s.wd.next_tsc, 19 * P + 500);
}

/* wd_restart: the counters cleared, the clock from now; the period, K and
 * the platform NMIs already forwarded kept. */
static void test_restart_clears(void **state)
{
	struct sim s;
	uint32_t reason;
	uint64_t seq;
	(void)state;

	sim_init(&s);
	s.g.timer_period_tsc = P;
	assert_int_equal(sim_period(&s, 1 * P), WD_OK);
	wd_queue_platform(&s.wd);
	s.acks = false;
	s.ticks = false;
	assert_int_equal(sim_period(&s, 2 * P), WD_OK);
	assert_int_equal(sim_period(&s, 3 * P), WD_OK);
	s.takes_nmis = false;
	wd_queue_command(&s.wd);
	wd_queue_platform(&s.wd);
	assert_int_equal(sim_period(&s, 4 * P), WD_OK);
	assert_int_equal(s.wd.platform_sent, 1);
	assert_true(s.wd.missed > 0 && s.wd.blocked > 0 && s.wd.sent_seq > 0);

	wd_restart(&s.wd, 7777);
	assert_int_equal(s.wd.period_tsc, P);
	assert_int_equal(s.wd.k, K);
	assert_int_equal(s.wd.platform_sent, 1);
	assert_int_equal(s.wd.next_tsc, 7777 + P);
	assert_int_equal(s.wd.last_ok_tsc, 7777);
	assert_int_equal(s.wd.ticks_changed_tsc, 7777);
	assert_int_equal(s.wd.periods, 0);
	assert_int_equal(s.wd.sent_seq, 0);
	assert_int_equal(s.wd.pending_hv, 0);
	assert_int_equal(s.wd.pending_platform, 0);
	assert_int_equal(s.wd.commands, 0);
	assert_int_equal(s.wd.missed, 0);
	assert_int_equal(s.wd.blocked, 0);
	assert_int_equal(s.wd.stale, 0);
	assert_int_equal(s.wd.last_guest_ticks, 0);
	assert_false(s.wd.guest_ticks_alive);
	assert_int_equal(s.wd.pending_reason, WD_REASON_WATCHDOG);
	assert_false(wd_nmi_pending(&s.wd));

	/* The restarted guest starts its numbering again at 1. */
	assert_false(wd_due(&s.wd, 7777 + P - 1));
	struct wd_guest_view g = { 0 };
	assert_int_equal(wd_period(&s.wd, 7777 + P, true, &g), WD_OK);
	assert_int_equal(wd_take_nmi(&s.wd, true, &reason, &seq), WD_NMI_HYPERVISOR);
	assert_int_equal(reason, WD_REASON_WATCHDOG);
	assert_int_equal(seq, 1);
}

/* Period 0: the watchdog is off, never due. */
/* A guest with devices and no stub: judged by its interrupts alone.  An
 * interrupt held back for hold_tsc or longer is WD_IRQS_HELD; one taken
 * in time, or none pending, is fine; no heartbeat is ever queued; a limit
 * of 0 is off. */
static void test_irqs_held_no_stub(void **state)
{
	const uint64_t hold = 5 * P / 2;
	struct watchdog wd;
	struct wd_irq_view iv = { 0 };
	(void)state;

	wd_init(&wd, P, K);
	wd_restart(&wd, 0);
	/* Nothing pending: healthy, and the clock of "last ok" moves. */
	assert_int_equal(wd_period_irqs(&wd, P, &iv, hold), WD_OK);
	assert_int_equal(wd.last_ok_tsc, P);
	/* An interrupt that waits less than a period: not counted. */
	iv = (struct wd_irq_view){ .irq_pending = true, .irq_pending_since = 2 * P - 10 };
	assert_int_equal(wd_period_irqs(&wd, 2 * P, &iv, hold), WD_OK);
	assert_int_equal(wd.stale, 0);
	/* Held 2P-10 at 4P: below the limit, two whole periods on record. */
	assert_int_equal(wd_period_irqs(&wd, 3 * P, &iv, hold), WD_OK);
	assert_int_equal(wd_period_irqs(&wd, 4 * P, &iv, hold), WD_OK);
	assert_int_equal(wd.stale, 2);
	assert_int_equal(wd.last_ok_tsc, 2 * P);
	/* Held 3P-10 >= 2.5P at 5P: locked up. */
	assert_int_equal(wd_period_irqs(&wd, 5 * P, &iv, hold), WD_IRQS_HELD);
	assert_int_equal(wd.pending_hv, 0);
	assert_int_equal(wd.periods, 5);
	assert_int_equal(wd.next_tsc, 6 * P);
	/* Limit 0: the check is off. */
	assert_int_equal(wd_period_irqs(&wd, 6 * P, &iv, 0), WD_OK);
	/* The guest took it: healthy again at once. */
	iv.irq_pending = false;
	assert_int_equal(wd_period_irqs(&wd, 7 * P, &iv, hold), WD_OK);
	assert_int_equal(wd.stale, 0);
	assert_int_equal(wd.last_ok_tsc, 7 * P);
	/* A fresh pending interrupt starts its own count. */
	iv = (struct wd_irq_view){ .irq_pending = true, .irq_pending_since = 7 * P };
	assert_int_equal(wd_period_irqs(&wd, 9 * P, &iv, hold), WD_OK);
	assert_int_equal(wd_period_irqs(&wd, 10 * P, &iv, hold), WD_IRQS_HELD);
}

static void test_off_never_due(void **state)
{
	struct watchdog wd;
	(void)state;

	wd_init(&wd, 0, K);
	assert_false(wd_due(&wd, 0));
	assert_false(wd_due(&wd, UINT64_MAX));
	wd_restart(&wd, 5000);
	assert_false(wd_due(&wd, 5000));
	assert_false(wd_due(&wd, 5001));
	assert_false(wd_due(&wd, UINT64_MAX));
}

/* A checkpoint's restore (wd_resume): a fresh period from now, but the
 * sequence goes on from the restored stub's last one, so its next
 * acknowledgement matches and no period is missed. */
static void test_resume_keeps_sequence(void **state)
{
	struct sim s;
	(void)state;

	sim_init(&s);
	for (uint64_t t = 1; t <= 3; t++)
		assert_int_equal(sim_period(&s, t * P), WD_OK);
	uint64_t seq = s.wd.sent_seq;
	assert_int_equal(s.g.ack_seq, seq);
	wd_resume(&s.wd, seq, 10 * P + 7);
	assert_int_equal(s.wd.sent_seq, seq);
	assert_int_equal(s.wd.next_tsc, 11 * P + 7);
	assert_int_equal(s.wd.missed, 0);
	assert_int_equal(s.wd.pending_hv, 0);
	for (uint64_t t = 11; t <= 14; t++)
		assert_int_equal(sim_period(&s, t * P + 7), WD_OK);
	assert_int_equal(s.wd.sent_seq, seq + 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume_keeps_sequence),
		cmocka_unit_test(test_reasons_match_abi),
		cmocka_unit_test(test_heartbeat_when_watched),
		cmocka_unit_test(test_take_nmi_order),
		cmocka_unit_test(test_hang_missed),
		cmocka_unit_test(test_hang_blocked),
		cmocka_unit_test(test_soft_lockup),
		cmocka_unit_test(test_soft_lockup_slow_timer),
		cmocka_unit_test(test_tickless_not_lockup),
		cmocka_unit_test(test_tickless_late_tick_copy),
		cmocka_unit_test(test_defer_heartbeat),
		cmocka_unit_test(test_timer_change_restarts_clock),
		cmocka_unit_test(test_soft_lockup_no_tick_count),
		cmocka_unit_test(test_one_period_per_call),
		cmocka_unit_test(test_restart_clears),
		cmocka_unit_test(test_irqs_held_no_stub),
		cmocka_unit_test(test_off_never_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
