/*
 * What tests/unit/test_recovery*.c share (included once in each): the
 * test policy, the calls with fresh effect lists, and the checks.
 *
 * The recovery state machine (hv/recovery.c) is driven
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

#ifndef TESTS_UNIT_RECOVERY_HARNESS_H
#define TESTS_UNIT_RECOVERY_HARNESS_H

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

static const __attribute__((unused)) struct policy_rule rules[] = {
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
	RULE("any_unhandled_exit", FAULT_UNHANDLED_EXIT, ACT_RESET, 3000, ALARM_MAJOR),
	RULE("any_entry_failed", FAULT_ENTRY_FAILED, ACT_RESET, 3000, ALARM_MAJOR),
};

static const __attribute__((unused)) struct policy_config cfg = {
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

static const __attribute__((unused)) struct policy_rule *rule_named(const struct policy_config *p, const char *name)
{
	for (uint32_t i = 0; i < p->rule_count; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

static inline struct fault_event ev_of(enum fault_type type, int vector, int module_index, bool stub_up)
{
	return (struct fault_event){ .type = type, .vector = vector, .module_index = module_index,
				     .module = module_index >= 0 ? "mod" : NULL,
				     .stub_up = stub_up };
}

/* The calls, each with a fresh effect list. */
static inline enum policy_action fault(struct recovery *rc, struct rec_fx_list *out,
				enum fault_type type, uint64_t now, bool can_handback)
{
	struct fault_event ev = ev_of(type, -1, -1, can_handback);

	out->n = 0;
	return recovery_fault(rc, &ev, now, can_handback, out);
}

static inline void tick(struct recovery *rc, struct rec_fx_list *out, uint64_t now, bool can_handback,
		 uint64_t ack)
{
	const struct rec_guest g = { .can_handback = can_handback, .cmd_ack_id = ack };

	out->n = 0;
	recovery_tick(rc, now, &g, out);
}

/* A tick that finds command `ack` acknowledged with `result`. */
static inline void tick_result(struct recovery *rc, struct rec_fx_list *out, uint64_t now,
			       uint64_t ack, int64_t result)
{
	const struct rec_guest g = { .can_handback = true, .cmd_ack_id = ack, .cmd_result = result };

	out->n = 0;
	recovery_tick(rc, now, &g, out);
}

static inline void hello(struct recovery *rc, struct rec_fx_list *out, uint64_t now)
{
	out->n = 0;
	recovery_hello(rc, now, out);
}

static const __attribute__((unused)) char *kind_name(int k)
{
	static const char *const names[] = {
		"FX_DECISION", "FX_LOGGED", "FX_SUPPRESSED", "FX_HANDBACK", "FX_HANDBACK_NO_STUB",
		"FX_RESET_SCHEDULED", "FX_BUDGET_EXHAUSTED", "FX_RESET", "FX_PARK", "FX_TIMEOUT",
		"FX_HANDBACK_ACKED", "FX_HANDBACK_FAILED", "FX_RESTART_CONFIRMED",
		"FX_SILENT_AFTER_RESET", "FX_SILENT_AFTER_BOOT", "FX_ROLLBACK", "FX_ROLLBACK_NONE",
		"FX_NO_RULE",
	};
	return k >= 0 && k < (int)(sizeof(names) / sizeof(names[0])) ? names[k] : "?";
}

/* The effect kinds, exactly and in order (list ends with -1). */
static inline void expect_kinds(const struct rec_fx_list *out, ...)
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
static inline void boot(struct recovery *rc, const struct policy_config *p, uint64_t now)
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
static inline void run_reset(struct recovery *rc, uint64_t restart_at)
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
	/* A guest with a stub must say hello; one without (`hello none`) is
	 * simply running again. */
	assert_int_equal(rc->awaiting_hello, rc->policy->hello_deadline_ms != 0);
	assert_true(rc->after_reset);
}

static inline void expect_reset_scheduled(const struct rec_fx *fx, uint32_t backoff_ms, uint32_t restarts)
{
	assert_int_equal(fx->kind, FX_RESET_SCHEDULED);
	assert_int_equal(fx->backoff_ms, backoff_ms);
	assert_int_equal(fx->restarts, restarts);
}

#endif
