/*
 * Host unit tests for hv/hello.c (what an HC_HELLO changes), alone and
 * driven together with the real watchdog (hv/watchdog.c): a guest that
 * hangs while saying hello in a loop is still found hung, and a healthy
 * stub that re-initializes its page is not.
 *
 * Times: a watchdog period of 1000 TSC cycles, K = 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/hello.h"
#include "hv/watchdog.h"

#define P 1000u
#define K 2u

/* A stub that is up, its last heartbeat answered, no command waiting. */
static struct hello_view healthy(void)
{
	return (struct hello_view){ .stub_up = true, .page_ack_seq = 56, .sent_seq = 56 };
}

static void test_first_hello_starts_the_watchdog(void **state)
{
	struct hello_view v = { .stub_up = false, .page_ack_seq = 9, .sent_seq = 0 };
	(void)state;

	struct hello_plan p = hello_decide(&v);
	assert_true(p.first);
	assert_true(p.restart_watchdog);
	assert_true(p.clear_command);
	assert_false(p.repost_command);
	/* The restart clears the counters: nothing to catch up with. */
	assert_int_equal(p.nmi, HELLO_NMI_NONE);
}

static void test_rehello_keeps_the_watchdog(void **state)
{
	struct hello_view v = healthy();
	(void)state;

	struct hello_plan p = hello_decide(&v);
	assert_false(p.first);
	assert_false(p.restart_watchdog);
	assert_true(p.clear_command);
	assert_false(p.repost_command);
	assert_int_equal(p.nmi, HELLO_NMI_NONE); /* the page still shows the answer */

	/* A re-initialized stub zeroed its page: a heartbeat at once, so its
	 * answer is there before the period ends. */
	v.page_ack_seq = 0;
	assert_int_equal(hello_decide(&v).nmi, HELLO_NMI_HEARTBEAT);
	/* A page that kept its ack_seq (a hello loop, a hung guest) gets none. */
	v.page_ack_seq = 50;
	assert_int_equal(hello_decide(&v).nmi, HELLO_NMI_NONE);
	v.page_ack_seq = 0;
	/* One waits already: no second (a hello loop cannot pile them up). */
	v.nmi_pending = true;
	assert_int_equal(hello_decide(&v).nmi, HELLO_NMI_NONE);
}

static void test_pending_handback_is_reposted(void **state)
{
	struct hello_view v = healthy();
	(void)state;

	v.handback_pending = true;
	v.pending_cmd_id = 3;
	v.page_cmd_id = 0; /* the stub zeroed its page, or names a new one */
	v.page_ack_seq = 0;
	struct hello_plan p = hello_decide(&v);
	assert_false(p.restart_watchdog);
	assert_false(p.clear_command);
	assert_true(p.repost_command);
	assert_int_equal(p.nmi, HELLO_NMI_COMMAND);

	/* A heartbeat waiting does not carry the command: still queued. */
	v.nmi_pending = true;
	assert_int_equal(hello_decide(&v).nmi, HELLO_NMI_COMMAND);
	/* A command NMI waiting does. */
	v.command_nmi_pending = true;
	p = hello_decide(&v);
	assert_true(p.repost_command);
	assert_int_equal(p.nmi, HELLO_NMI_NONE);

	/* The page still holds the command: left as it is. */
	v = healthy();
	v.handback_pending = true;
	v.pending_cmd_id = 3;
	v.page_cmd_id = 3;
	p = hello_decide(&v);
	assert_false(p.clear_command);
	assert_false(p.repost_command);
	assert_int_equal(p.nmi, HELLO_NMI_NONE);
}

/* --- with the watchdog ------------------------------------------------- */

struct sim {
	struct watchdog wd;
	struct wd_guest_view g; /* the page, as the watchdog reads it */
	bool stub_up;
	bool acks; /* the stub's NMI handler answers */
};

/* The run loop: the hello's plan applied to the watchdog. */
static void sim_hello(struct sim *s, uint64_t now, bool reinit)
{
	if (reinit)
		s->g.ack_seq = 0; /* hvstub_init zeroes the page */
	const struct hello_view v = {
		.stub_up = s->stub_up,
		.page_ack_seq = s->g.ack_seq,
		.sent_seq = s->wd.sent_seq,
		.nmi_pending = s->wd.pending_hv != 0,
	};
	const struct hello_plan p = hello_decide(&v);

	s->stub_up = true;
	if (p.restart_watchdog)
		wd_restart(&s->wd, now);
	if (p.nmi == HELLO_NMI_HEARTBEAT)
		wd_queue_heartbeat(&s->wd);
}

/* Injects what is pending; the guest answers or not. */
static void sim_take_all(struct sim *s)
{
	uint32_t reason;
	uint64_t seq;

	while (wd_take_nmi(&s->wd, true, &reason, &seq) != WD_NMI_NONE)
		if (s->acks)
			s->g.ack_seq = seq;
}

/* `periods` periods, with `hellos` hellos spread over each (re-initializing
 * the page if `reinit`); returns the first verdict that is not WD_OK, and
 * in *at the period it came in. */
static enum wd_verdict sim_run(struct sim *s, unsigned periods, unsigned hellos, bool reinit,
			       unsigned *at)
{
	for (unsigned n = 1; n <= periods; n++) {
		for (unsigned h = 0; h < hellos; h++) {
			sim_hello(s, (n - 1) * P + (h + 1) * P / (hellos + 1), reinit);
			sim_take_all(s);
		}
		enum wd_verdict v = wd_period(&s->wd, n * P, true, &s->g);
		sim_take_all(s);
		if (v != WD_OK) {
			*at = n;
			return v;
		}
	}
	return WD_OK;
}

static void sim_start(struct sim *s, bool acks)
{
	*s = (struct sim){ .acks = acks };
	wd_init(&s->wd, P, K);
	wd_restart(&s->wd, 0);
	sim_hello(s, 0, false);
	sim_take_all(s);
}

/* The guest stops answering NMIs but keeps saying hello, many times a
 * period: the hellos must not postpone the verdict. */
static void test_hang_found_through_a_hello_loop(void **state)
{
	struct sim s;
	unsigned at = 0;
	(void)state;

	sim_start(&s, true);
	assert_int_equal(sim_run(&s, 3, 0, false, &at), WD_OK);
	s.acks = false;
	assert_int_equal(sim_run(&s, 20, 7, false, &at), WD_HANG_MISSED);
	assert_true(at <= K + 1);
	/* The same with a stub that re-initializes its page at each hello. */
	sim_start(&s, false);
	assert_int_equal(sim_run(&s, 20, 7, true, &at), WD_HANG_MISSED);
	assert_true(at <= K + 1);
}

/* A healthy stub that re-initializes (its page zeroed) at every hello,
 * even once a period, is never taken for hung. */
static void test_healthy_reinit_is_not_a_hang(void **state)
{
	struct sim s;
	unsigned at = 0;
	(void)state;

	sim_start(&s, true);
	assert_int_equal(sim_run(&s, 50, 1, true, &at), WD_OK);
	assert_int_equal(sim_run(&s, 50, 5, true, &at), WD_OK);
	assert_int_equal(s.wd.missed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_hello_starts_the_watchdog),
		cmocka_unit_test(test_rehello_keeps_the_watchdog),
		cmocka_unit_test(test_pending_handback_is_reposted),
		cmocka_unit_test(test_hang_found_through_a_hello_loop),
		cmocka_unit_test(test_healthy_reinit_is_not_a_hang),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
