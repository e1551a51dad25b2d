/*
 * Host unit tests for hv/recovery.c, part 2: resets and their back-off,
 * the restart budget, silent stubs, faults while stopped, a missing rule.
 * Shared setup: recovery_harness.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/recovery_harness.h"

/* ---- reset ------------------------------------------------------------ */

/* A rule's reset: back-off, the reset exactly at restart_at, the hello
 * confirms it (gap from the fault); the rule's own hello deadline. */
static void test_reset_flow(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	const uint64_t f = 1 * SEC;
	(void)state;

	boot(&rc, &cfg, 0);
	assert_int_equal(fault(&rc, &out, FAULT_PANIC, f, true), ACT_RESET);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	assert_ptr_equal(out.fx[0].rule, rule_named(&cfg, "any_panic"));
	expect_reset_scheduled(&out.fx[1], 100, 1);
	assert_false(recovery_guest_runs(&rc));
	assert_int_equal(rc.hello_deadline_ms, 3000);

	tick(&rc, &out, f + 100 * MS - 1, false, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, f + 100 * MS, false, 0);
	EXPECT(&out, FX_RESET);
	/* The run loop is slow to carry it out: asked again. */
	tick(&rc, &out, f + 101 * MS, false, 0);
	EXPECT(&out, FX_RESET);
	recovery_reset_done(&rc, f + 105 * MS);
	assert_true(recovery_guest_runs(&rc));
	assert_int_equal(rc.deadline_tsc, f + 105 * MS + 3000 * MS);

	tick(&rc, &out, f + 105 * MS + 3000 * MS - 1, false, 0);
	EXPECT_NONE(&out);
	hello(&rc, &out, f + 105 * MS + 3000 * MS - 1);
	EXPECT(&out, FX_RESTART_CONFIRMED);
	assert_int_equal(out.fx[0].gap_tsc, 105 * MS + 3000 * MS - 1);
	assert_false(rc.awaiting_hello);
	hello(&rc, &out, f + 4 * SEC);
	EXPECT_NONE(&out); /* one confirmation */
	tick(&rc, &out, f + 100 * SEC, true, 0);
	EXPECT_NONE(&out);
	assert_int_equal(rc.state, GS_RUNNING);
}

/* A crash loop: back-off 100, 200, 400 ms, then the budget is spent and
 * the guest parked with an emergency alarm. */
static void test_crash_loop(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	static const uint32_t backoff[] = { 100, 200, 400 };
	uint64_t t = 1 * SEC;
	(void)state;

	boot(&rc, &cfg, 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(fault(&rc, &out, FAULT_HANG, t, false), ACT_RESET);
		EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
		assert_int_equal(out.fx[0].alarm_id, i + 1);
		expect_reset_scheduled(&out.fx[1], backoff[i], i + 1);
		run_reset(&rc, t + backoff[i] * MS);
		hello(&rc, &out, t + backoff[i] * MS + 50 * MS);
		EXPECT(&out, FX_RESTART_CONFIRMED);
		assert_int_equal(out.fx[0].gap_tsc, backoff[i] * MS + 50 * MS);
		t += 1 * SEC;
	}
	assert_int_equal(fault(&rc, &out, FAULT_HANG, t, false), ACT_RESET);
	EXPECT(&out, FX_DECISION, FX_BUDGET_EXHAUSTED, FX_PARK);
	assert_int_equal(out.fx[0].alarm_id, 4);
	assert_string_equal(out.fx[2].why, "restart budget exhausted");
	assert_int_equal(out.fx[2].level, ALARM_EMERGENCY);
	assert_int_equal(out.fx[2].alarm_id, 5);
	assert_int_equal(rc.state, GS_PARKED);
	assert_false(recovery_guest_runs(&rc));

	/* Parked for good: later faults, ticks and hellos do nothing, even
	 * after the budget's window. */
	assert_int_equal(fault(&rc, &out, FAULT_PANIC, t + 1, true), ACT_LOG);
	EXPECT_NONE(&out);
	tick(&rc, &out, t + 120 * SEC, true, 0);
	EXPECT_NONE(&out);
	hello(&rc, &out, t + 120 * SEC);
	EXPECT_NONE(&out);
	assert_int_equal(fault(&rc, &out, FAULT_HANG, t + 121 * SEC, true), ACT_LOG);
	EXPECT_NONE(&out);
	assert_int_equal(rc.state, GS_PARKED);
}

/* Three restarts at 1 s, 2 s and 3 s (restart_at 1.1, 2.2, 3.4 s), then a
 * fault at `when`: the budget's window is 60 s from each restart's
 * decision. */
static void crash_then(struct recovery *rc, struct rec_fx_list *out, uint64_t when)
{
	static const uint32_t backoff[] = { 100, 200, 400 };

	boot(rc, &cfg, 0);
	for (unsigned i = 0; i < 3; i++) {
		uint64_t t = (i + 1) * SEC;
		fault(rc, out, FAULT_SOFT_LOCKUP, t, true);
		EXPECT(out, FX_DECISION, FX_RESET_SCHEDULED);
		run_reset(rc, t + backoff[i] * MS);
		hello(rc, out, t + backoff[i] * MS + 1);
	}
	fault(rc, out, FAULT_SOFT_LOCKUP, when, true);
}

/* Once the window has passed the budget is there again. */
static void test_budget_window(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	/* One ms before the first restart leaves the window: parked. */
	crash_then(&rc, &out, 61 * SEC - 1 * MS);
	EXPECT(&out, FX_DECISION, FX_BUDGET_EXHAUSTED, FX_PARK);

	/* Exactly a window after the first: one more, with the back-off of
	 * the two still in the window. */
	crash_then(&rc, &out, 61 * SEC);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	expect_reset_scheduled(&out.fx[1], 400, 3);

	/* A window after the last: all forgotten, 100 ms again. */
	crash_then(&rc, &out, 63 * SEC);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	expect_reset_scheduled(&out.fx[1], 100, 1);
	run_reset(&rc, 63 * SEC + 100 * MS);
	hello(&rc, &out, 63 * SEC + 200 * MS);
	EXPECT(&out, FX_RESTART_CONFIRMED);
}

/* No hello after a reset: its own event (the stub_silent rule's level),
 * then the ladder: reset -> park, with the reset's rule and alarm. */
static void test_silent_after_reset(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	const uint64_t r = 2 * SEC + 100 * MS;
	(void)state;

	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_PANIC, 2 * SEC, true);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	run_reset(&rc, r);
	tick(&rc, &out, r + 3000 * MS - 1, false, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, r + 3000 * MS, false, 0);
	EXPECT(&out, FX_SILENT_AFTER_RESET, FX_TIMEOUT, FX_PARK);
	assert_int_equal(out.fx[0].level, ALARM_MINOR);
	assert_int_equal(out.fx[1].action, ACT_RESET);
	assert_int_equal(out.fx[1].next, ACT_PARK);
	assert_string_equal(out.fx[1].why, "no hello after reset");
	assert_string_equal(out.fx[2].why, "any_panic");
	assert_int_equal(out.fx[2].level, ALARM_MAJOR);
	assert_int_equal(out.fx[2].alarm_id, 2);
	assert_int_equal(rc.state, GS_PARKED);
	assert_false(rc.awaiting_hello);
	/* A hello too late confirms nothing. */
	hello(&rc, &out, r + 3001 * MS);
	EXPECT_NONE(&out);
	tick(&rc, &out, r + 100 * SEC, false, 0);
	EXPECT_NONE(&out);
}

/* No hello after the first boot: FX_SILENT_AFTER_BOOT exactly at the
 * policy's deadline, once; the guest keeps running. */
static void test_silent_after_boot(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	recovery_init(&rc, &cfg, MS, 0);
	recovery_start(&rc, 5 * MS);
	assert_int_equal(rc.deadline_tsc, 2005 * MS);
	tick(&rc, &out, 2005 * MS - 1, false, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 2005 * MS, false, 0);
	EXPECT(&out, FX_SILENT_AFTER_BOOT);
	assert_int_equal(rc.state, GS_RUNNING);
	assert_false(rc.awaiting_hello);
	tick(&rc, &out, 2005 * MS + 1, false, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 50 * SEC, false, 0);
	EXPECT_NONE(&out);
	hello(&rc, &out, 50 * SEC);
	EXPECT_NONE(&out);

	/* The run loop raises stub_silent: the rule's reset, its deadline. */
	assert_int_equal(fault(&rc, &out, FAULT_STUB_SILENT, 2005 * MS, false), ACT_RESET);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	assert_ptr_equal(out.fx[0].rule, rule_named(&cfg, "any_stub_silent"));

	/* A hello one cycle before the deadline: nothing, ever. */
	recovery_init(&rc, &cfg, MS, 0);
	recovery_start(&rc, 5 * MS);
	hello(&rc, &out, 2005 * MS - 1);
	EXPECT_NONE(&out);
	tick(&rc, &out, 2005 * MS, true, 0);
	EXPECT_NONE(&out);
}

/* While the guest is stopped (back-off, parked) a fault changes nothing:
 * ACT_LOG, no effect, not even for a log-only rule. */
static void test_fault_while_stopped(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_HANG, 1 * SEC, false);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	for (int t = 0; t < FAULT_TYPE_COUNT; t++) {
		assert_int_equal(fault(&rc, &out, (enum fault_type)t, 1 * SEC + 10, true), ACT_LOG);
		EXPECT_NONE(&out);
	}
	assert_int_equal(rc.state, GS_BACKOFF);
	assert_int_equal(rc.budget.count, 1);
	assert_int_equal(rc.alarms, 1);
	assert_ptr_equal(rc.rule, rule_named(&cfg, "any_hang"));
	/* The back-off and reset are unchanged. */
	run_reset(&rc, 1 * SEC + 100 * MS);

	/* A rule that parks; then nothing. */
	assert_int_equal(fault(&rc, &out, FAULT_TRIPLE_FAULT, 2 * SEC, false), ACT_PARK);
	EXPECT(&out, FX_DECISION, FX_PARK);
	assert_ptr_equal(out.fx[0].rule, rule_named(&cfg, "any_triple_fault"));
	assert_string_equal(out.fx[1].why, "any_triple_fault");
	assert_int_equal(out.fx[1].level, ALARM_EMERGENCY);
	assert_int_equal(out.fx[1].alarm_id, 3);
	assert_false(rc.awaiting_hello);
	for (int t = 0; t < FAULT_TYPE_COUNT; t++) {
		assert_int_equal(fault(&rc, &out, (enum fault_type)t, 3 * SEC, true), ACT_LOG);
		EXPECT_NONE(&out);
	}
	tick(&rc, &out, 10 * SEC, false, 0); /* the hello deadline is gone */
	EXPECT_NONE(&out);
	assert_int_equal(rc.state, GS_PARKED);
	assert_int_equal(rc.alarms, 3);
}

/* A reset the ladder reached waits the policy's hello deadline (2000 ms);
 * one a rule chose, the rule's (3000 ms). */
static void test_reset_deadline_source(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	/* Ladder: hand-back timed out. */
	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_ASSERT, 0, true);
	tick(&rc, &out, 500 * MS, true, 0);
	EXPECT(&out, FX_TIMEOUT, FX_RESET_SCHEDULED);
	run_reset(&rc, 600 * MS);
	tick(&rc, &out, 2600 * MS - 1, false, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 2600 * MS, false, 0);
	EXPECT(&out, FX_SILENT_AFTER_RESET, FX_TIMEOUT, FX_PARK);

	/* Rule: the same times, no silence at 2000 ms. */
	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_MEM_VIOLATION, 0, true);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	run_reset(&rc, 100 * MS);
	tick(&rc, &out, 2100 * MS, false, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 3100 * MS - 1, false, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 3100 * MS, false, 0);
	EXPECT(&out, FX_SILENT_AFTER_RESET, FX_TIMEOUT, FX_PARK);

	/* The same reset rule with another deadline: its deadline counts. */
	static const struct policy_rule one[] = {
		RULE("quick_reset", FAULT_HANG, ACT_RESET, 700, ALARM_MAJOR),
		RULE("silent", FAULT_STUB_SILENT, ACT_RESET, 100, ALARM_MAJOR),
	};
	struct policy_config p = cfg;
	p.rules = one;
	p.rule_count = 2;
	boot(&rc, &p, 0);
	fault(&rc, &out, FAULT_HANG, 0, true);
	run_reset(&rc, 100 * MS);
	assert_int_equal(rc.hello_deadline_ms, 700);
	tick(&rc, &out, 800 * MS - 1, false, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 800 * MS, false, 0);
	EXPECT(&out, FX_SILENT_AFTER_RESET, FX_TIMEOUT, FX_PARK);
	assert_string_equal(out.fx[2].why, "quick_reset");
}

/* No rule: an out-of-range event type, or a table without a rule for it
 * (one the compiler would refuse): FX_NO_RULE, logged only. */
static void test_no_rule(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &cfg, 0);
	assert_int_equal(fault(&rc, &out, FAULT_TYPE_COUNT, 1 * MS, true), ACT_LOG);
	EXPECT(&out, FX_NO_RULE);
	assert_int_equal(out.fx[0].fault, FAULT_TYPE_COUNT);
	assert_int_equal(fault(&rc, &out, (enum fault_type)200, 2 * MS, true), ACT_LOG);
	EXPECT(&out, FX_NO_RULE);
	assert_int_equal(out.fx[0].fault, 200);
	assert_int_equal(rc.state, GS_RUNNING);
	assert_int_equal(rc.alarms, 0);
	assert_null(rc.rule);

	struct policy_config p = cfg;
	p.rule_count = 1; /* pf_module only */
	boot(&rc, &p, 0);
	assert_int_equal(fault(&rc, &out, FAULT_PANIC, 1 * MS, true), ACT_LOG);
	EXPECT(&out, FX_NO_RULE);
	assert_int_equal(out.fx[0].fault, FAULT_PANIC);
	/* Not flood-limited: it is not a log-only rule. */
	for (unsigned i = 0; i < 20; i++) {
		fault(&rc, &out, FAULT_BLOCKED_IO, 2 * MS, true);
		EXPECT(&out, FX_NO_RULE);
	}
	tick(&rc, &out, 5 * SEC, true, 0);
	EXPECT_NONE(&out);
	assert_int_equal(rc.state, GS_RUNNING);
}

/* A fault the guest cannot survive (it cannot run again without a
 * restart) and no rule for it: parked with an emergency alarm, never left
 * stopped without a decision.  With a rule, the rule decides. */
static void test_no_rule_needs_restart(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	struct policy_config p = cfg;
	(void)state;

	p.rule_count = 1; /* pf_module only */
	for (int t = FAULT_UNHANDLED_EXIT; t <= FAULT_ENTRY_FAILED; t++) {
		boot(&rc, &p, 0);
		assert_int_equal(fault(&rc, &out, (enum fault_type)t, 1 * MS, true), ACT_PARK);
		EXPECT(&out, FX_NO_RULE, FX_PARK);
		assert_int_equal(out.fx[1].level, ALARM_EMERGENCY);
		assert_int_equal(rc.state, GS_PARKED);
	}
	boot(&rc, &cfg, 0);
	assert_int_equal(fault(&rc, &out, FAULT_ENTRY_FAILED, 1 * MS, true), ACT_RESET);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	assert_false(recovery_guest_runs(&rc));
	/* A rule that would let the guest run on (log, hand-back: a table the
	 * compiler refuses) resets it: it cannot run on after these faults. */
	static const enum policy_action mild[] = { ACT_LOG, ACT_HANDBACK };
	for (unsigned i = 0; i < 2; i++) {
		struct policy_rule r = { .name = "mild", .where = "test", .event = FAULT_UNHANDLED_EXIT,
					 .vector = -1, .action = (uint8_t)mild[i], .deadline_ms = 500,
					 .alarm = ALARM_MINOR };
		p = cfg;
		p.rules = &r;
		p.rule_count = 1;
		boot(&rc, &p, 0);
		for (unsigned n = 0; n < 20; n++) /* no flood limit either */
			assert_int_equal(fault(&rc, &out, FAULT_UNHANDLED_EXIT, 1 * MS, true),
					 n == 0 ? ACT_RESET : ACT_LOG);
		assert_false(recovery_guest_runs(&rc));
		assert_int_equal(rc.state, GS_BACKOFF);
	}
}

/* `hello none`: a guest without a stub.  No stub_silent at boot or
 * after a reset, and the reset's incident ends with the reset: the next
 * fault opens a new one, with the gap measured from it. */
static void test_no_stub_expected(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	struct policy_config p = cfg;
	(void)state;

	p.hello_deadline_ms = 0;
	recovery_init(&rc, &p, MS, 0);
	recovery_start(&rc, 0);
	assert_false(rc.awaiting_hello);
	tick(&rc, &out, 60 * SEC, false, 0);
	EXPECT_NONE(&out);
	assert_int_equal(rc.state, GS_RUNNING);
	assert_int_equal(fault(&rc, &out, FAULT_MEM_VIOLATION, 1 * SEC, false), ACT_RESET);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	run_reset(&rc, rc.restart_at_tsc);
	assert_int_equal(rc.state, GS_RUNNING);
	assert_false(rc.incident_open);
	tick(&rc, &out, 30 * SEC, false, 0);
	EXPECT_NONE(&out);
	assert_int_equal(fault(&rc, &out, FAULT_MEM_VIOLATION, 31 * SEC, false), ACT_RESET);
	assert_int_equal(rc.fault_tsc, 31 * SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_flow),
		cmocka_unit_test(test_crash_loop),
		cmocka_unit_test(test_budget_window),
		cmocka_unit_test(test_silent_after_reset),
		cmocka_unit_test(test_silent_after_boot),
		cmocka_unit_test(test_fault_while_stopped),
		cmocka_unit_test(test_reset_deadline_source),
		cmocka_unit_test(test_no_rule),
		cmocka_unit_test(test_no_rule_needs_restart),
		cmocka_unit_test(test_no_stub_expected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
