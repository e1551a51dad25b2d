/*
 * Host unit tests for hv/recovery.c: the recovery state machine, driven
 * through whole scenarios (fault, ticks, acknowledgements, resets,
 * hellos); each step checks the exact effects, in order, and the state.
 *
 * The policy is written here (not the generated default) so the tests do
 * not move with policy/default.policy.  It is shaped like the default
 * (ladder handback -> reset -> park, 3 restarts a minute, back-off
 * 100/200/400 ms) except that a reset chosen by a rule waits 3000 ms for
 * the hello and a reset reached by the ladder the policy's 2000 ms, so
 * the two can be told apart.  tsc_per_ms = 1000: 1 ms = 1000 cycles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/recovery.h"
#include "include/hv_abi.h"

#define MS 1000ull /* TSC cycles per ms */
#define SEC (1000 * MS)

#define RULE(nm, ev, act, dl, al) \
	{ .name = (nm), .where = "test", .event = (ev), .vector = -1, .action = (act), \
	  .deadline_ms = (dl), .alarm = (al) }

static const struct policy_rule rules[] = {
	{ .name = "pf_module", .where = "test", .event = FAULT_EXCEPTION, .vector = 14,
	  .action = ACT_HANDBACK, .command = HV_CMD_RESTART_MODULE,
	  .command_arg = POLICY_ARG_MODULE, .deadline_ms = 500, .alarm = ALARM_MINOR },
	RULE("any_exception", FAULT_EXCEPTION, ACT_RESET, 3000, ALARM_MAJOR),
	RULE("any_panic", FAULT_PANIC, ACT_RESET, 3000, ALARM_MAJOR),
	{ .name = "any_low_memory", .where = "test", .event = FAULT_LOW_MEMORY, .vector = -1,
	  .action = ACT_HANDBACK, .command = HV_CMD_CLEANUP, .deadline_ms = 500,
	  .alarm = ALARM_MINOR },
	{ .name = "any_assert", .where = "test", .event = FAULT_ASSERT, .vector = -1,
	  .action = ACT_HANDBACK, .command = HV_CMD_RESTART_TASK, .command_arg = 7,
	  .deadline_ms = 500, .alarm = ALARM_MINOR },
	RULE("any_bad_report", FAULT_BAD_REPORT, ACT_LOG, 0, ALARM_INFO),
	RULE("any_hang", FAULT_HANG, ACT_RESET, 3000, ALARM_MAJOR),
	RULE("any_soft_lockup", FAULT_SOFT_LOCKUP, ACT_RESET, 3000, ALARM_MAJOR),
	RULE("any_triple_fault", FAULT_TRIPLE_FAULT, ACT_PARK, 0, ALARM_EMERGENCY),
	RULE("any_mem_violation", FAULT_MEM_VIOLATION, ACT_RESET, 3000, ALARM_MAJOR),
	RULE("any_stub_silent", FAULT_STUB_SILENT, ACT_RESET, 3000, ALARM_MINOR),
	RULE("any_blocked_io", FAULT_BLOCKED_IO, ACT_LOG, 0, ALARM_MINOR),
	RULE("any_blocked_msr", FAULT_BLOCKED_MSR, ACT_LOG, 0, ALARM_MINOR),
};

static const struct policy_config cfg = {
	.name = "test",
	.rules = rules,
	.rule_count = sizeof(rules) / sizeof(rules[0]),
	.ladder = { ACT_HANDBACK, ACT_RESET, ACT_PARK },
	.ladder_len = 3,
	.restart_max = 3,
	.restart_window_ms = 60000,
	.backoff_ms = 100,
	.hello_deadline_ms = 2000,
};

static const struct policy_rule *rule_named(const struct policy_config *p, const char *name)
{
	for (uint32_t i = 0; i < p->rule_count; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

static struct fault_event ev_of(enum fault_type type, int vector, int module_index, bool stub_up)
{
	return (struct fault_event){ .type = type, .vector = vector, .module_index = module_index,
				     .module = module_index >= 0 ? "mod" : NULL,
				     .stub_up = stub_up };
}

/* The calls, each with a fresh effect list. */
static enum policy_action fault(struct recovery *rc, struct rec_fx_list *out,
				enum fault_type type, uint64_t now, bool can_handback)
{
	struct fault_event ev = ev_of(type, -1, -1, can_handback);

	out->n = 0;
	return recovery_fault(rc, &ev, now, can_handback, out);
}

static void tick(struct recovery *rc, struct rec_fx_list *out, uint64_t now, bool can_handback,
		 uint64_t ack)
{
	const struct rec_guest g = { .can_handback = can_handback, .cmd_ack_id = ack };

	out->n = 0;
	recovery_tick(rc, now, &g, out);
}

static void hello(struct recovery *rc, struct rec_fx_list *out, uint64_t now)
{
	out->n = 0;
	recovery_hello(rc, now, out);
}

static const char *kind_name(int k)
{
	static const char *const names[] = {
		"FX_DECISION", "FX_LOGGED", "FX_SUPPRESSED", "FX_HANDBACK", "FX_HANDBACK_NO_STUB",
		"FX_RESET_SCHEDULED", "FX_BUDGET_EXHAUSTED", "FX_RESET", "FX_PARK", "FX_TIMEOUT",
		"FX_HANDBACK_ACKED", "FX_RESTART_CONFIRMED", "FX_SILENT_AFTER_RESET",
		"FX_SILENT_AFTER_BOOT", "FX_NO_RULE",
	};
	return k >= 0 && k < (int)(sizeof(names) / sizeof(names[0])) ? names[k] : "?";
}

/* The effect kinds, exactly and in order (list ends with -1). */
static void expect_kinds(const struct rec_fx_list *out, ...)
{
	va_list ap;
	unsigned i = 0;
	int k;

	assert_true(out->n <= REC_FX_MAX);
	va_start(ap, out);
	while ((k = va_arg(ap, int)) >= 0) {
		if (i >= out->n)
			fail_msg("effect %u: want %s, list has only %u", i, kind_name(k), out->n);
		if ((int)out->fx[i].kind != k)
			fail_msg("effect %u: %s, want %s", i, kind_name((int)out->fx[i].kind), kind_name(k));
		i++;
	}
	va_end(ap);
	if (i != out->n)
		fail_msg("%u effects, want %u (the next is %s)", out->n, i, kind_name((int)out->fx[i].kind));
}
#define EXPECT(out, ...) expect_kinds((out), __VA_ARGS__, -1)
#define EXPECT_NONE(out) expect_kinds((out), -1)

/* A machine after the first boot whose stub said hello at `now`. */
static void boot(struct recovery *rc, const struct policy_config *p, uint64_t now)
{
	struct rec_fx_list out;

	recovery_init(rc, p, MS, now);
	recovery_start(rc, now);
	assert_int_equal(rc->state, GS_RUNNING);
	assert_true(rc->awaiting_hello);
	hello(rc, &out, now);
	EXPECT_NONE(&out); /* a first hello confirms no restart */
	assert_false(rc->awaiting_hello);
}

/* A reset: FX_RESET not a cycle before restart_at, at it; the run loop
 * reloads the guest (reset_done at the same time). */
static void run_reset(struct recovery *rc, uint64_t restart_at)
{
	struct rec_fx_list out;

	assert_int_equal(rc->state, GS_BACKOFF);
	assert_int_equal(rc->restart_at_tsc, restart_at);
	tick(rc, &out, restart_at - 1, false, 0);
	EXPECT_NONE(&out);
	tick(rc, &out, restart_at, false, 0);
	EXPECT(&out, FX_RESET);
	assert_int_equal(rc->state, GS_BACKOFF);
	recovery_reset_done(rc, restart_at);
	assert_int_equal(rc->state, GS_RUNNING);
	assert_true(rc->awaiting_hello);
	assert_true(rc->after_reset);
}

static void expect_reset_scheduled(const struct rec_fx *fx, uint32_t backoff_ms, uint32_t restarts)
{
	assert_int_equal(fx->kind, FX_RESET_SCHEDULED);
	assert_int_equal(fx->backoff_ms, backoff_ms);
	assert_int_equal(fx->restarts, restarts);
}

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

	tick(&rc, &out, 11 * MS, true, 0);
	EXPECT_NONE(&out);
	tick(&rc, &out, 260 * MS, true, 1);
	EXPECT(&out, FX_HANDBACK_ACKED);
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

/* 9 log-only events of every type (stub down): one over each limit. */
static void flood_all_types(struct recovery *rc, uint64_t now)
{
	struct rec_fx_list out;

	for (int t = 0; t < FAULT_TYPE_COUNT; t++)
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
	for (int t = 0; t < FAULT_TYPE_COUNT; t++) {
		assert_int_equal(out->fx[t].kind, FX_SUPPRESSED);
		assert_int_equal(out->fx[t].fault, t);
		assert_int_equal(out->fx[t].count, 1);
	}
}

/* One tick: all 12 types suppressed, a hand-back timed out, the budget
 * spent, parked.  Every effect is there, within REC_FX_MAX. */
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
	assert_int_equal(out.fx[12].kind, FX_TIMEOUT);
	assert_int_equal(out.fx[12].action, ACT_HANDBACK);
	assert_int_equal(out.fx[12].next, ACT_RESET);
	assert_int_equal(out.fx[13].kind, FX_BUDGET_EXHAUSTED);
	assert_int_equal(out.fx[14].kind, FX_PARK);
	assert_int_equal(out.fx[14].level, ALARM_EMERGENCY);
	assert_int_equal(out.n, FAULT_TYPE_COUNT + 3);
	assert_int_equal(rc.state, GS_PARKED);
}

/* The longest list a tick can make, with a ladder the compiler would
 * refuse (a repeated hand-back): all 12 suppressed, silent after reset,
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
	assert_int_equal(out.fx[12].kind, FX_SILENT_AFTER_RESET);
	assert_int_equal(out.fx[13].kind, FX_TIMEOUT);
	assert_int_equal(out.fx[13].action, ACT_RESET);
	assert_int_equal(out.fx[13].next, ACT_HANDBACK);
	for (unsigned i = 14; i < 19; i++)
		assert_int_equal(out.fx[i].kind, FX_HANDBACK_NO_STUB);
	assert_int_equal(out.fx[19].kind, FX_PARK);
	assert_string_equal(out.fx[19].why, "hang_up");
	assert_int_equal(rc.state, GS_PARKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_only),
		cmocka_unit_test(test_flood_limit),
		cmocka_unit_test(test_handback_acked),
		cmocka_unit_test(test_handback_deadline_edge),
		cmocka_unit_test(test_handback_first_deadline_kept),
		cmocka_unit_test(test_gap_from_first_detection),
		cmocka_unit_test(test_handback_no_stub),
		cmocka_unit_test(test_reset_flow),
		cmocka_unit_test(test_crash_loop),
		cmocka_unit_test(test_budget_window),
		cmocka_unit_test(test_silent_after_reset),
		cmocka_unit_test(test_silent_after_boot),
		cmocka_unit_test(test_fault_while_stopped),
		cmocka_unit_test(test_reset_deadline_source),
		cmocka_unit_test(test_no_rule),
		cmocka_unit_test(test_fx_list_worst_case),
		cmocka_unit_test(test_fx_list_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
