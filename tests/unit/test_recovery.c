/*
 * Host unit tests for hv/recovery.c, part 1: log-only rules and flood
 * limits, hand-backs, and the longest effect lists.  Part 2
 * (test_recovery_reset.c): resets, the restart budget, silent stubs.
 * Shared setup: recovery_harness.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/recovery_harness.h"

/* ---- log-only rules ------------------------------------------------- */

/* Log-only: decision + logged, the guest continues, nothing else moves;
 * a hand-back under way keeps its rule, command and deadline. */
static void test_log_only(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &cfg, 0);
	assert_int_equal(fault(&rc, &out, FAULT_BAD_REPORT, 10 * MS, true), ACT_LOG);
	EXPECT(&out, FX_DECISION, FX_LOGGED);
	assert_ptr_equal(out.fx[0].rule, rule_named(&cfg, "any_bad_report"));
	assert_int_equal(out.fx[0].alarm_id, 1);
	assert_int_equal(rc.state, GS_RUNNING);
	assert_null(rc.rule);
	assert_int_equal(rc.fault_tsc, 0);
	tick(&rc, &out, 20 * MS, true, 0);
	EXPECT_NONE(&out);

	/* A hand-back under way. */
	assert_int_equal(fault(&rc, &out, FAULT_LOW_MEMORY, 100 * MS, true), ACT_HANDBACK);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	assert_int_equal(out.fx[0].alarm_id, 2);
	assert_int_equal(rc.deadline_tsc, 600 * MS);
	assert_int_equal(fault(&rc, &out, FAULT_BLOCKED_IO, 200 * MS, true), ACT_LOG);
	EXPECT(&out, FX_DECISION, FX_LOGGED);
	assert_ptr_equal(out.fx[0].rule, rule_named(&cfg, "any_blocked_io"));
	assert_int_equal(out.fx[0].alarm_id, 3);
	assert_int_equal(rc.state, GS_HANDBACK);
	assert_ptr_equal(rc.rule, rule_named(&cfg, "any_low_memory"));
	assert_int_equal(rc.action, ACT_HANDBACK);
	assert_int_equal(rc.deadline_tsc, 600 * MS);
	assert_int_equal(rc.fault_tsc, 100 * MS);
	assert_int_equal(rc.cmd_id, 1);

	/* Its clock still runs from the first fault. */
	tick(&rc, &out, 600 * MS - 1, true, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 600 * MS, true, 0);
	EXPECT(&out, FX_TIMEOUT, FX_RESET_SCHEDULED);
	assert_int_equal(out.fx[0].action, ACT_HANDBACK);
}

/* A second hand-back while the first is pending sends its command but
 * keeps the first deadline: faults arriving faster than the deadline must
 * not put off the escalation for ever. */
static void test_handback_first_deadline_kept(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &cfg, 0);
	assert_int_equal(fault(&rc, &out, FAULT_LOW_MEMORY, 100 * MS, true), ACT_HANDBACK);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	assert_int_equal(out.fx[1].deadline_ms, 500);
	for (uint64_t t = 200; t <= 500; t += 100) {
		assert_int_equal(fault(&rc, &out, FAULT_ASSERT, t * MS, true), ACT_HANDBACK);
		EXPECT(&out, FX_DECISION, FX_HANDBACK);
		assert_int_equal(out.fx[1].deadline_ms, 600 - t); /* what is left of the first */
		assert_int_equal(rc.deadline_tsc, 600 * MS);
	}
	assert_int_equal(rc.cmd_id, 5);
	tick(&rc, &out, 600 * MS - 1, true, 4); /* an older command acknowledged: not enough */
	EXPECT_NONE(&out);
	tick(&rc, &out, 600 * MS, true, 4);
	EXPECT(&out, FX_TIMEOUT, FX_RESET_SCHEDULED);
}

/* The fault-to-hello gap runs from the incident's first detection, even
 * when later faults come while its outcome is awaited; the next incident
 * starts its own clock. */
static void test_gap_from_first_detection(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_LOW_MEMORY, 100 * MS, true);
	fault(&rc, &out, FAULT_ASSERT, 300 * MS, true);
	tick(&rc, &out, 600 * MS, true, 0);
	EXPECT(&out, FX_TIMEOUT, FX_RESET_SCHEDULED);
	run_reset(&rc, 700 * MS);
	hello(&rc, &out, 832 * MS);
	EXPECT(&out, FX_RESTART_CONFIRMED);
	assert_int_equal(out.fx[0].gap_tsc, 732 * MS);
	assert_false(rc.incident_open);

	/* A new incident: its own clock; an acknowledged hand-back ends it. */
	fault(&rc, &out, FAULT_LOW_MEMORY, 2 * SEC, true);
	tick(&rc, &out, 2 * SEC + 50 * MS, true, rc.cmd_id);
	EXPECT(&out, FX_HANDBACK_ACKED);
	assert_int_equal(out.fx[0].gap_tsc, 50 * MS);
	fault(&rc, &out, FAULT_PANIC, 3 * SEC, true);
	assert_int_equal(rc.fault_tsc, 3 * SEC);
}

/* 8 log-only events of a type per second; the 9th and later give nothing
 * and are reported once, by the first tick after the window, as one
 * FX_SUPPRESSED with the count; other types are not affected. */
static void test_flood_limit(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &cfg, 0); /* the windows start at 0 */
	for (unsigned i = 0; i < REC_LOG_EVENTS_PER_SECOND; i++) {
		assert_int_equal(fault(&rc, &out, FAULT_BLOCKED_IO, 1000 + i, true), ACT_LOG);
		EXPECT(&out, FX_DECISION, FX_LOGGED);
		assert_int_equal(out.fx[0].alarm_id, i + 1);
	}
	for (unsigned i = 0; i < 5; i++) { /* 9th to 13th */
		assert_int_equal(fault(&rc, &out, FAULT_BLOCKED_IO, 2000 + i, true), ACT_LOG);
		EXPECT_NONE(&out);
	}
	/* Other types have windows of their own. */
	assert_int_equal(fault(&rc, &out, FAULT_BLOCKED_MSR, 3000, true), ACT_LOG);
	EXPECT(&out, FX_DECISION, FX_LOGGED);
	assert_int_equal(out.fx[0].alarm_id, 9);
	assert_int_equal(fault(&rc, &out, FAULT_LOW_MEMORY, 4000, true), ACT_HANDBACK);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	tick(&rc, &out, 5000, true, 1);
	EXPECT(&out, FX_HANDBACK_ACKED);
	/* Still refused at the window's last cycle, and not reported yet. */
	assert_int_equal(fault(&rc, &out, FAULT_BLOCKED_IO, SEC - 1, true), ACT_LOG);
	EXPECT_NONE(&out);
	tick(&rc, &out, SEC - 1, true, 1);
	EXPECT_NONE(&out);

	tick(&rc, &out, SEC, true, 1);
	EXPECT(&out, FX_SUPPRESSED);
	assert_int_equal(out.fx[0].incident, 0); /* a count, not an incident */
	assert_int_equal(out.fx[0].fault, FAULT_BLOCKED_IO);
	assert_int_equal(out.fx[0].count, 6);
	tick(&rc, &out, SEC + 1, true, 1);
	EXPECT_NONE(&out); /* reported once */

	/* The new window lets 8 through again. */
	for (unsigned i = 0; i < REC_LOG_EVENTS_PER_SECOND; i++) {
		fault(&rc, &out, FAULT_BLOCKED_IO, SEC + 10 + i, true);
		EXPECT(&out, FX_DECISION, FX_LOGGED);
	}
	fault(&rc, &out, FAULT_BLOCKED_IO, SEC + 20, true);
	EXPECT_NONE(&out);
	tick(&rc, &out, 2 * SEC - 1, true, 1);
	EXPECT_NONE(&out);
	tick(&rc, &out, 2 * SEC, true, 1);
	EXPECT(&out, FX_SUPPRESSED);
	assert_int_equal(out.fx[0].count, 1);
	assert_int_equal(rc.state, GS_RUNNING);
}

/* ---- hand-back -------------------------------------------------------- */

/* A hand-back acknowledged in time: the command, its argument (the
 * faulting module for arg=module), id and deadline; the ack's gap. */
static void test_handback_acked(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	struct fault_event ev;
	(void)state;

	boot(&rc, &cfg, 0);
	assert_int_equal(fault(&rc, &out, FAULT_ASSERT, 10 * MS, true), ACT_HANDBACK);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	assert_ptr_equal(out.fx[0].rule, rule_named(&cfg, "any_assert"));
	assert_int_equal(out.fx[0].alarm_id, 1);
	assert_int_equal(out.fx[1].command, HV_CMD_RESTART_TASK);
	assert_int_equal(out.fx[1].arg, 7);
	assert_int_equal(out.fx[1].cmd_id, 1);
	assert_int_equal(out.fx[1].deadline_ms, 500);
	assert_int_equal(rc.state, GS_HANDBACK);
	assert_int_equal(rc.deadline_tsc, 510 * MS);
	/* What a stub that re-registers its page gets again (hv/hello.h). */
	assert_true(recovery_handback_pending(&rc));
	assert_int_equal(rc.cmd_op, HV_CMD_RESTART_TASK);
	assert_int_equal(rc.cmd_arg, 7);

	tick(&rc, &out, 11 * MS, true, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 260 * MS, true, 1);
	EXPECT(&out, FX_HANDBACK_ACKED);
	assert_false(recovery_handback_pending(&rc));
	assert_int_equal(out.fx[0].cmd_id, 1);
	assert_int_equal(out.fx[0].gap_tsc, 250 * MS);
	assert_int_equal(rc.state, GS_RUNNING);
	tick(&rc, &out, 10 * SEC, true, 1);
	EXPECT_NONE(&out);

	/* arg=module: the event's module index. */
	ev = ev_of(FAULT_EXCEPTION, 14, 5, true);
	out.n = 0;
	assert_int_equal(recovery_fault(&rc, &ev, 11 * SEC, true, &out), ACT_HANDBACK);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	assert_ptr_equal(out.fx[0].rule, rule_named(&cfg, "pf_module"));
	assert_int_equal(out.fx[1].command, HV_CMD_RESTART_MODULE);
	assert_int_equal(out.fx[1].arg, 5);
	assert_int_equal(out.fx[1].cmd_id, 2);
	/* The previous command's ack does not count for this one. */
	tick(&rc, &out, 11 * SEC + 100 * MS, true, 1);
	EXPECT_NONE(&out);
	tick(&rc, &out, 11 * SEC + 200 * MS, true, 2);
	EXPECT(&out, FX_HANDBACK_ACKED);
	assert_int_equal(out.fx[0].cmd_id, 2);
	assert_int_equal(out.fx[0].gap_tsc, 200 * MS);

	/* arg=module, module unknown: all ones. */
	ev = ev_of(FAULT_EXCEPTION, 14, -1, true);
	out.n = 0;
	recovery_fault(&rc, &ev, 12 * SEC, true, &out);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	assert_true(out.fx[1].arg == UINT64_MAX);
	assert_int_equal(out.fx[1].cmd_id, 3);
	assert_int_equal(rc.cmd_id, 3);
}

/* The edge of the window: an acknowledgement seen one cycle before the
 * deadline (or at it) wins; none at the deadline escalates to a reset. */
static void test_handback_deadline_edge(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	const uint64_t f = 10 * MS, dl = f + 500 * MS;
	(void)state;

	/* Acknowledged at deadline - 1. */
	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_LOW_MEMORY, f, true);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	tick(&rc, &out, dl - 1, true, 1);
	EXPECT(&out, FX_HANDBACK_ACKED);
	assert_int_equal(out.fx[0].gap_tsc, dl - 1 - f);
	assert_int_equal(rc.state, GS_RUNNING);
	tick(&rc, &out, dl, true, 1);
	EXPECT_NONE(&out);

	/* The acknowledgement is read before the deadline is checked: one
	 * first seen at the deadline's tick still counts. */
	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_LOW_MEMORY, f, true);
	tick(&rc, &out, dl, true, 1);
	EXPECT(&out, FX_HANDBACK_ACKED);

	/* Not acknowledged: nothing at deadline - 1, the ladder at it. */
	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_LOW_MEMORY, f, true);
	tick(&rc, &out, dl - 1, true, 0);
	EXPECT_NONE(&out);
	assert_int_equal(rc.state, GS_HANDBACK);
	tick(&rc, &out, dl, true, 0);
	EXPECT(&out, FX_TIMEOUT, FX_RESET_SCHEDULED);
	assert_int_equal(out.fx[0].action, ACT_HANDBACK);
	assert_int_equal(out.fx[0].next, ACT_RESET);
	assert_string_equal(out.fx[0].why, "handback not acknowledged before the deadline");
	expect_reset_scheduled(&out.fx[1], 100, 1);
	assert_int_equal(rc.state, GS_BACKOFF);
	assert_int_equal(rc.action, ACT_RESET);
	assert_int_equal(rc.restart_at_tsc, dl + 100 * MS);
	/* A late acknowledgement changes nothing now. */
	tick(&rc, &out, dl + 1, true, 1);
	EXPECT_NONE(&out);
	/* A reset the ladder reached: the policy's hello deadline. */
	assert_int_equal(rc.hello_deadline_ms, 2000);
	run_reset(&rc, dl + 100 * MS);
	assert_int_equal(rc.deadline_tsc, dl + 100 * MS + 2000 * MS);
	hello(&rc, &out, dl + 150 * MS);
	EXPECT(&out, FX_RESTART_CONFIRMED);
	assert_int_equal(out.fx[0].gap_tsc, dl + 150 * MS - f);
}

/* A command the stub acknowledges with a failure (it could not run it)
 * takes the ladder's next step at once, without waiting for the
 * deadline; the incident stays open, so the reset's gap runs from the
 * fault. */
static void test_handback_failed(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	const uint64_t f = 10 * MS;
	(void)state;

	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_LOW_MEMORY, f, true);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	tick_result(&rc, &out, f + 30 * MS, 0, -38); /* no ack yet: the result means nothing */
	EXPECT_NONE(&out);
	tick_result(&rc, &out, f + 40 * MS, 1, -38);
	EXPECT(&out, FX_HANDBACK_FAILED, FX_RESET_SCHEDULED);
	assert_int_equal(out.fx[0].cmd_id, 1);
	assert_int_equal(out.fx[0].result, -38);
	assert_int_equal(out.fx[0].gap_tsc, 40 * MS);
	assert_int_equal(out.fx[0].next, ACT_RESET);
	expect_reset_scheduled(&out.fx[1], 100, 1);
	assert_int_equal(rc.state, GS_BACKOFF);
	assert_int_equal(rc.hello_deadline_ms, 2000);
	tick_result(&rc, &out, f + 50 * MS, 1, -38);
	EXPECT_NONE(&out);
	run_reset(&rc, f + 140 * MS);
	hello(&rc, &out, f + 200 * MS);
	EXPECT(&out, FX_RESTART_CONFIRMED);
	assert_int_equal(out.fx[0].gap_tsc, 200 * MS);

	/* Result 0 is success, as before. */
	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_LOW_MEMORY, f, true);
	tick_result(&rc, &out, f + 40 * MS, 1, 0);
	EXPECT(&out, FX_HANDBACK_ACKED);
}

/* A hand-back with nobody to take it goes up the ladder at once. */
static void test_handback_no_stub(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &cfg, 0);
	assert_int_equal(fault(&rc, &out, FAULT_ASSERT, 50 * MS, false), ACT_HANDBACK);
	EXPECT(&out, FX_DECISION, FX_HANDBACK_NO_STUB, FX_RESET_SCHEDULED);
	assert_ptr_equal(out.fx[0].rule, rule_named(&cfg, "any_assert"));
	expect_reset_scheduled(&out.fx[2], 100, 1);
	assert_int_equal(rc.state, GS_BACKOFF);
	assert_int_equal(rc.action, ACT_RESET);
	assert_int_equal(rc.cmd_id, 0); /* no command written */
	assert_int_equal(rc.hello_deadline_ms, 2000);

	/* A ladder without reset: park, with the rule's name and alarm. */
	struct policy_config p = cfg;
	p.ladder[0] = ACT_HANDBACK;
	p.ladder[1] = ACT_PARK;
	p.ladder_len = 2;
	boot(&rc, &p, 0);
	assert_int_equal(fault(&rc, &out, FAULT_ASSERT, 50 * MS, false), ACT_HANDBACK);
	EXPECT(&out, FX_DECISION, FX_HANDBACK_NO_STUB, FX_PARK);
	assert_string_equal(out.fx[2].why, "any_assert");
	assert_int_equal(out.fx[2].level, ALARM_MINOR);
	assert_int_equal(out.fx[2].alarm_id, 2);
	assert_int_equal(rc.state, GS_PARKED);
}

/* ---- the longest effect lists ------------------------------------------ */

/* Every type's log rule matches only with the stub down; an assertion
 * with the stub up is handed back, or resets the guest with a hang. */
static const struct policy_rule flood_rules[] = {
	{ .name = "assert_up", .where = "test", .event = FAULT_ASSERT, .vector = -1,
	  .stub = STUB_UP, .action = ACT_HANDBACK, .command = HV_CMD_RESTART_TASK,
	  .deadline_ms = 500, .alarm = ALARM_MINOR },
	{ .name = "hang_up", .where = "test", .event = FAULT_HANG, .vector = -1,
	  .stub = STUB_UP, .action = ACT_RESET, .deadline_ms = 1000, .alarm = ALARM_MAJOR },
#define LOG_RULE(ev) RULE("log", (ev), ACT_LOG, 0, ALARM_INFO)
	LOG_RULE(FAULT_EXCEPTION), LOG_RULE(FAULT_PANIC), LOG_RULE(FAULT_LOW_MEMORY),
	LOG_RULE(FAULT_ASSERT), LOG_RULE(FAULT_BAD_REPORT), LOG_RULE(FAULT_HANG),
	LOG_RULE(FAULT_SOFT_LOCKUP), LOG_RULE(FAULT_TRIPLE_FAULT), LOG_RULE(FAULT_MEM_VIOLATION),
	LOG_RULE(FAULT_STUB_SILENT), LOG_RULE(FAULT_BLOCKED_IO), LOG_RULE(FAULT_BLOCKED_MSR),
#undef LOG_RULE
};

/* 9 log-only events of every type a rule may log (stub down): one over
 * each limit. */
static void flood_all_types(struct recovery *rc, uint64_t now)
{
	struct rec_fx_list out;

	for (int t = 0; t < FAULT_LOGGABLE_COUNT; t++)
		for (unsigned i = 0; i <= REC_LOG_EVENTS_PER_SECOND; i++) {
			assert_int_equal(fault(rc, &out, (enum fault_type)t, now, false), ACT_LOG);
			if (i < REC_LOG_EVENTS_PER_SECOND)
				EXPECT(&out, FX_DECISION, FX_LOGGED);
			else
				EXPECT_NONE(&out);
		}
}

static void expect_suppressed_all(const struct rec_fx_list *out)
{
	for (int t = 0; t < FAULT_LOGGABLE_COUNT; t++) {
		assert_int_equal(out->fx[t].kind, FX_SUPPRESSED);
		assert_int_equal(out->fx[t].fault, t);
		assert_int_equal(out->fx[t].count, 1);
	}
}

/* One tick: every type suppressed, a hand-back timed out, the budget
 * spent, parked.  Every effect is there, within REC_FX_MAX. */
/* Incident ids: a fault opens one, shared by all it brings (decision,
 * hand-back, timeout, reset, restart confirmed), and a fault that comes
 * while it is open joins it; log-only faults are incidents of their own;
 * suppression counts belong to none. */
static void test_incident_ids(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &cfg, 0);
	/* A log-only fault: incident 1, over at once. */
	fault(&rc, &out, FAULT_BAD_REPORT, 1 * MS, true);
	EXPECT(&out, FX_DECISION, FX_LOGGED);
	assert_int_equal(out.fx[0].incident, 1);
	assert_int_equal(out.fx[1].incident, 1);
	assert_false(rc.incident_open);
	/* A hand-back: incident 2, its timeout and the reset it escalates to. */
	fault(&rc, &out, FAULT_ASSERT, 10 * MS, true);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	assert_int_equal(out.fx[0].incident, 2);
	assert_int_equal(out.fx[1].incident, 2);
	/* A log-only fault meanwhile: incident 3; the open one stays 2. */
	fault(&rc, &out, FAULT_BLOCKED_IO, 20 * MS, true);
	EXPECT(&out, FX_DECISION, FX_LOGGED);
	assert_int_equal(out.fx[0].incident, 3);
	assert_int_equal(rc.incident, 2);
	/* An acting fault meanwhile joins incident 2. */
	fault(&rc, &out, FAULT_LOW_MEMORY, 30 * MS, true);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	assert_int_equal(out.fx[0].incident, 2);
	tick(&rc, &out, 510 * MS, true, 0);
	EXPECT(&out, FX_TIMEOUT, FX_RESET_SCHEDULED);
	assert_int_equal(out.fx[0].incident, 2);
	assert_int_equal(out.fx[1].incident, 2);
	tick(&rc, &out, 610 * MS, false, 0);
	EXPECT(&out, FX_RESET);
	assert_int_equal(out.fx[0].incident, 2);
	recovery_reset_done(&rc, 610 * MS);
	hello(&rc, &out, 700 * MS);
	EXPECT(&out, FX_RESTART_CONFIRMED);
	assert_int_equal(out.fx[0].incident, 2);
	assert_false(rc.incident_open);
	/* The next fault opens incident 4. */
	fault(&rc, &out, FAULT_PANIC, 1 * SEC, true);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	assert_int_equal(out.fx[0].incident, 4);
	assert_int_equal(out.fx[1].incident, 4);
	assert_int_equal(rc.incidents, 4);
}

/* A reset that finds the pristine copy corrupt (hv/pristine.h): the
 * guest is parked with an emergency alarm in the reset's incident, and
 * nothing more is scheduled. */
static void test_pristine_corrupt(void **state)
{
	struct recovery rc;
	struct rec_fx_list out = { 0 };
	(void)state;

	boot(&rc, &cfg, 0);
	fault(&rc, &out, FAULT_PANIC, 10 * MS, true);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	out.n = 0;
	recovery_pristine_corrupt(&rc, &out);
	EXPECT(&out, FX_PARK);
	assert_string_equal(out.fx[0].why, "pristine guest image corrupt");
	assert_int_equal(out.fx[0].level, ALARM_EMERGENCY);
	assert_int_equal(out.fx[0].incident, rc.incident);
	assert_int_equal(rc.state, GS_PARKED);
	assert_false(rc.incident_open);
	out.n = 0;
	tick(&rc, &out, 5 * SEC, false, 0);
	EXPECT_NONE(&out);
}

/* An operator's requests (the control channel): not faults.  Park stops
 * the guest (once); resume only restarts a parked one, with a fresh
 * budget; restart resets at once, parked or not; each is an incident of
 * its own and ends what was awaited. */
static void test_operator(void **state)
{
	struct recovery rc;
	struct rec_fx_list out = { 0 };
	(void)state;

	boot(&rc, &cfg, 0);
	assert_false(recovery_operator(&rc, REC_OP_RESUME, 15 * MS, &out));
	EXPECT_NONE(&out);
	/* a hand-back under way is dropped by the operator's park */
	fault(&rc, &out, FAULT_ASSERT, 10 * MS, true);
	assert_int_equal(rc.incident, 1);
	out.n = 0;
	assert_true(recovery_operator(&rc, REC_OP_PARK, 12 * MS, &out));
	EXPECT(&out, FX_PARK);
	assert_string_equal(out.fx[0].why, "operator");
	assert_int_equal(out.fx[0].incident, 2);
	assert_int_equal(rc.state, GS_PARKED);
	assert_false(rc.incident_open);
	out.n = 0;
	assert_false(recovery_operator(&rc, REC_OP_PARK, 12 * MS, &out));
	EXPECT_NONE(&out);
	/* spend the budget, then resume: a fresh one */
	rc.budget.count = cfg.restart_max;
	assert_true(recovery_operator(&rc, REC_OP_RESUME, 15 * MS, &out));
	EXPECT(&out, FX_RESET);
	assert_string_equal(out.fx[0].why, "operator");
	assert_int_equal(out.fx[0].incident, 3);
	assert_int_equal(rc.budget.count, 0);
	recovery_reset_done(&rc, 20 * MS);
	assert_int_equal(rc.state, GS_RUNNING);
	assert_true(rc.awaiting_hello);
	assert_int_equal(rc.deadline_tsc, 20 * MS + 2000 * MS); /* the policy's hello deadline */
	assert_true(rc.incident_open); /* until the restarted stub says hello */
	hello(&rc, &out, 30 * MS);
	EXPECT(&out, FX_RESTART_CONFIRMED);
	assert_int_equal(out.fx[0].incident, 3);
	assert_int_equal(out.fx[0].gap_tsc, 15 * MS);
	assert_false(rc.incident_open);
	/* restart of a running guest: at once, the budget untouched */
	out.n = 0;
	assert_true(recovery_operator(&rc, REC_OP_RESTART, 40 * MS, &out));
	EXPECT(&out, FX_RESET);
	assert_int_equal(out.fx[0].incident, 4);
	assert_int_equal(rc.budget.count, 0);
	assert_null(rc.rule);
}

static void test_fx_list_worst_case(void **state)
{
	struct policy_config p = cfg;
	struct recovery rc;
	struct rec_fx_list out;
	uint64_t t = 10 * MS;
	(void)state;

	p.rules = flood_rules;
	p.rule_count = sizeof(flood_rules) / sizeof(flood_rules[0]);
	boot(&rc, &p, 0);
	/* Three hand-backs timed out, three resets. */
	for (unsigned i = 0; i < 3; i++) {
		fault(&rc, &out, FAULT_ASSERT, t, true);
		EXPECT(&out, FX_DECISION, FX_HANDBACK);
		tick(&rc, &out, t + 500 * MS, true, 0);
		EXPECT(&out, FX_TIMEOUT, FX_RESET_SCHEDULED);
		run_reset(&rc, rc.restart_at_tsc);
		hello(&rc, &out, rc.restart_at_tsc + 1);
		EXPECT(&out, FX_RESTART_CONFIRMED);
		t = rc.restart_at_tsc + 10 * MS;
	}
	/* The fourth, and the flood, before any tick. */
	fault(&rc, &out, FAULT_ASSERT, t, true);
	EXPECT(&out, FX_DECISION, FX_HANDBACK);
	flood_all_types(&rc, t);
	assert_int_equal(rc.state, GS_HANDBACK);
	tick(&rc, &out, t + 1 * SEC, true, 0);
	assert_true(out.n <= REC_FX_MAX);
	expect_suppressed_all(&out);
	const unsigned n = FAULT_LOGGABLE_COUNT;
	assert_int_equal(out.fx[n].kind, FX_TIMEOUT);
	assert_int_equal(out.fx[n].action, ACT_HANDBACK);
	assert_int_equal(out.fx[n].next, ACT_RESET);
	assert_int_equal(out.fx[n + 1].kind, FX_BUDGET_EXHAUSTED);
	assert_int_equal(out.fx[n + 2].kind, FX_PARK);
	assert_int_equal(out.fx[n + 2].level, ALARM_EMERGENCY);
	assert_int_equal(out.n, n + 3);
	assert_int_equal(rc.state, GS_PARKED);
}

/* The longest list a tick can make, with a ladder the compiler would
 * refuse (a repeated hand-back): every type suppressed, silent after reset,
 * the time-out, five hand-backs without a stub, park: REC_FX_MAX
 * exactly, nothing lost. */
static void test_fx_list_bound(void **state)
{
	struct policy_config p = cfg;
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	p.rules = flood_rules;
	p.rule_count = sizeof(flood_rules) / sizeof(flood_rules[0]);
	p.ladder[0] = ACT_RESET;
	p.ladder[1] = ACT_HANDBACK;
	p.ladder[2] = ACT_HANDBACK;
	p.ladder[3] = ACT_PARK;
	p.ladder_len = 4;
	boot(&rc, &p, 0);
	fault(&rc, &out, FAULT_HANG, 1 * MS, true);
	EXPECT(&out, FX_DECISION, FX_RESET_SCHEDULED);
	run_reset(&rc, 101 * MS);
	flood_all_types(&rc, 200 * MS);
	tick(&rc, &out, 1101 * MS, false, 0); /* windows end at 1000 ms, hello due */
	assert_int_equal(out.n, REC_FX_MAX);
	expect_suppressed_all(&out);
	const unsigned n = FAULT_LOGGABLE_COUNT;
	assert_int_equal(out.fx[n].kind, FX_SILENT_AFTER_RESET);
	assert_int_equal(out.fx[n + 1].kind, FX_TIMEOUT);
	assert_int_equal(out.fx[n + 1].action, ACT_RESET);
	assert_int_equal(out.fx[n + 1].next, ACT_HANDBACK);
	for (unsigned i = n + 2; i < n + 7; i++)
		assert_int_equal(out.fx[i].kind, FX_HANDBACK_NO_STUB);
	assert_int_equal(out.fx[n + 7].kind, FX_PARK);
	assert_string_equal(out.fx[n + 7].why, "hang_up");
	assert_int_equal(rc.state, GS_PARKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_only),
		cmocka_unit_test(test_flood_limit),
		cmocka_unit_test(test_handback_acked),
		cmocka_unit_test(test_handback_deadline_edge),
		cmocka_unit_test(test_handback_failed),
		cmocka_unit_test(test_handback_first_deadline_kept),
		cmocka_unit_test(test_gap_from_first_detection),
		cmocka_unit_test(test_handback_no_stub),
		cmocka_unit_test(test_incident_ids),
		cmocka_unit_test(test_operator),
		cmocka_unit_test(test_pristine_corrupt),
		cmocka_unit_test(test_fx_list_worst_case),
		cmocka_unit_test(test_fx_list_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
