/*
 * Host unit tests for hv/policy.c: rule lookup, the escalation ladder and
 * the restart budget, on a hand-written table; then the shipped
 * policy/default.policy as compiled by tools/policy_compile.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/policy.h"
#include "include/hv_abi.h"

/* A catch-all: event type only. */
#define ANY_RULE(nm, ev, act) \
	{ .name = (nm), .where = "test", .event = (ev), .vector = -1, .action = (act) }

/* Order matters: several rules match some events; the first must win. */
static const struct policy_rule test_rules[] = {
	{ .name = "pf_netdrv_up", .event = FAULT_EXCEPTION, .vector = 14, .module = "netdrv",
	  .stub = STUB_UP, .action = ACT_HANDBACK, .command = HV_CMD_RESTART_MODULE,
	  .command_arg = POLICY_ARG_MODULE, .deadline_ms = 500 },
	{ .name = "pf_rip", .event = FAULT_EXCEPTION, .vector = 14, .rip_start = 0x1000,
	  .rip_end = 0x2000, .action = ACT_HANDBACK, .command = HV_CMD_REINIT_DRIVER,
	  .command_arg = 7, .deadline_ms = 500 },
	{ .name = "pf_stub_down", .event = FAULT_EXCEPTION, .vector = 14, .stub = STUB_DOWN,
	  .action = ACT_RESET, .deadline_ms = 2000 },
	{ .name = "pf_any", .event = FAULT_EXCEPTION, .vector = 14, .action = ACT_PARK },
	{ .name = "exc_netdrv", .event = FAULT_EXCEPTION, .vector = -1, .module = "netdrv",
	  .action = ACT_LOG },
	/* Vector 0 is a real vector, not "any". */
	{ .name = "divide_error", .event = FAULT_EXCEPTION, .vector = 0, .action = ACT_PARK },
	ANY_RULE("any_exception", FAULT_EXCEPTION, ACT_RESET),
	{ .name = "panic_up", .event = FAULT_PANIC, .vector = -1, .stub = STUB_UP,
	  .action = ACT_HANDBACK, .command = HV_CMD_CLEANUP, .deadline_ms = 500 },
	ANY_RULE("any_panic", FAULT_PANIC, ACT_RESET),
	ANY_RULE("any_low_memory", FAULT_LOW_MEMORY, ACT_HANDBACK),
	ANY_RULE("any_assert", FAULT_ASSERT, ACT_HANDBACK),
	ANY_RULE("any_bad_report", FAULT_BAD_REPORT, ACT_LOG),
	ANY_RULE("any_hang", FAULT_HANG, ACT_RESET),
	ANY_RULE("any_soft_lockup", FAULT_SOFT_LOCKUP, ACT_RESET),
	ANY_RULE("any_triple_fault", FAULT_TRIPLE_FAULT, ACT_RESET),
	ANY_RULE("any_mem_violation", FAULT_MEM_VIOLATION, ACT_PARK),
	ANY_RULE("any_stub_silent", FAULT_STUB_SILENT, ACT_RESET),
	ANY_RULE("any_blocked_io", FAULT_BLOCKED_IO, ACT_LOG),
	ANY_RULE("any_blocked_msr", FAULT_BLOCKED_MSR, ACT_LOG),
	ANY_RULE("any_unhandled_exit", FAULT_UNHANDLED_EXIT, ACT_RESET),
	ANY_RULE("any_entry_failed", FAULT_ENTRY_FAILED, ACT_PARK),
};

static const struct policy_config test_cfg = {
	.name = "test",
	.rules = test_rules,
	.rule_count = sizeof(test_rules) / sizeof(test_rules[0]),
	.ladder = { ACT_HANDBACK, ACT_RESET, ACT_PARK },
	.ladder_len = 3,
	.restart_max = 3,
	.restart_window_ms = 60000,
	.backoff_ms = 100,
	.hello_deadline_ms = 2000,
};

static struct fault_event ev_make(enum fault_type type, int vector, uint64_t rip,
				  const char *module, bool stub_up)
{
	struct fault_event ev = {
		.type = type, .vector = vector, .rip = rip, .module = module,
		.module_index = module ? 3 : -1, .stub_up = stub_up,
	};
	return ev;
}

/* Name of the rule test_cfg picks for the event. */
static const char *pick(enum fault_type type, int vector, uint64_t rip, const char *module,
			bool stub_up)
{
	struct fault_event ev = ev_make(type, vector, rip, module, stub_up);
	const struct policy_rule *r = policy_lookup(&test_cfg, &ev);

	assert_non_null(r);
	return r->name;
}

static void test_lookup_vector(void **state)
{
	(void)state;

	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, NULL, true), "pf_any");
	assert_string_equal(pick(FAULT_EXCEPTION, 13, 0, NULL, true), "any_exception");
	assert_string_equal(pick(FAULT_EXCEPTION, 0, 0, NULL, true), "divide_error");
	assert_string_equal(pick(FAULT_EXCEPTION, 1, 0, NULL, true), "any_exception");
	assert_string_equal(pick(FAULT_EXCEPTION, 255, 0, NULL, true), "any_exception");
	/* An event without a vector never matches a rule that names one. */
	assert_string_equal(pick(FAULT_EXCEPTION, -1, 0, NULL, true), "any_exception");
}

static void test_lookup_module(void **state)
{
	(void)state;

	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, "netdrv", true), "pf_netdrv_up");
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, "diskdrv", true), "pf_any");
	/* Unknown module (NULL or "") never matches a named one. */
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, NULL, true), "pf_any");
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, "", true), "pf_any");
	/* Whole-name comparison, no prefixes. */
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, "netdrv2", true), "pf_any");
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, "net", true), "pf_any");
	/* Other vectors in the module fall to the module-wide rule. */
	assert_string_equal(pick(FAULT_EXCEPTION, 0, 0, "netdrv", true), "exc_netdrv");
	assert_string_equal(pick(FAULT_EXCEPTION, 0, 0, "netdrv", false), "exc_netdrv");
	assert_string_equal(pick(FAULT_EXCEPTION, 13, 0, "other", false), "any_exception");
}

static void test_lookup_rip_range(void **state)
{
	(void)state;

	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0xfff, NULL, true), "pf_any");
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0x1000, NULL, true), "pf_rip");
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0x1fff, NULL, true), "pf_rip");
	/* The end is exclusive. */
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0x2000, NULL, true), "pf_any");
	assert_string_equal(pick(FAULT_EXCEPTION, 14, UINT64_MAX, NULL, true), "pf_any");
	/* The range rule matches whatever the stub state. */
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0x1800, NULL, false), "pf_rip");
}

static void test_lookup_stub_state(void **state)
{
	(void)state;

	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, "netdrv", false), "pf_stub_down");
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0, NULL, false), "pf_stub_down");
	assert_string_equal(pick(FAULT_PANIC, -1, 0, NULL, true), "panic_up");
	assert_string_equal(pick(FAULT_PANIC, -1, 0, NULL, false), "any_panic");
}

static void test_lookup_first_match_wins(void **state)
{
	(void)state;

	/* pf_netdrv_up, pf_rip, pf_any and any_exception all match. */
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0x1800, "netdrv", true), "pf_netdrv_up");
	/* Stub down: pf_netdrv_up is out, pf_rip precedes pf_stub_down. */
	assert_string_equal(pick(FAULT_EXCEPTION, 14, 0x1800, "netdrv", false), "pf_rip");
}

static void test_lookup_catch_all(void **state)
{
	(void)state;

	for (int t = 0; t < FAULT_TYPE_COUNT; t++) {
		struct fault_event ev = ev_make((enum fault_type)t, 200, 0x5000, "zzz", false);
		const struct policy_rule *r = policy_lookup(&test_cfg, &ev);

		assert_non_null(r);
		assert_int_equal(r->event, t);
		assert_int_equal(r->vector, -1);
		assert_null(r->module);
		assert_int_equal(r->rip_end, 0);
		assert_int_equal(r->stub, STUB_ANY);
	}
}

static void test_lookup_no_match(void **state)
{
	struct fault_event ev = ev_make(FAULT_EXCEPTION, 14, 0, NULL, true);
	struct policy_config empty = test_cfg;
	(void)state;

	empty.rule_count = 0;
	assert_null(policy_lookup(&empty, &ev));
	ev.type = FAULT_TYPE_COUNT;
	assert_null(policy_lookup(&test_cfg, &ev));
	ev.type = (enum fault_type)-1;
	assert_null(policy_lookup(&test_cfg, &ev));
}

static void test_escalate(void **state)
{
	struct policy_config p = test_cfg;
	(void)state;

	assert_int_equal(policy_escalate(&p, ACT_HANDBACK), ACT_RESET);
	assert_int_equal(policy_escalate(&p, ACT_RESET), ACT_PARK);
	assert_int_equal(policy_escalate(&p, ACT_PARK), ACT_PARK);
	assert_int_equal(policy_escalate(&p, ACT_LOG), ACT_PARK);
	assert_int_equal(policy_escalate(&p, ACT_COUNT), ACT_PARK);

	/* A shorter ladder: handback is not in it. */
	p.ladder[0] = ACT_RESET;
	p.ladder[1] = ACT_PARK;
	p.ladder_len = 2;
	assert_int_equal(policy_escalate(&p, ACT_HANDBACK), ACT_PARK);
	assert_int_equal(policy_escalate(&p, ACT_RESET), ACT_PARK);

	/* The last step is never followed, even by stale entries past ladder_len. */
	p.ladder[0] = ACT_HANDBACK;
	p.ladder[1] = ACT_RESET;
	p.ladder_len = 1;
	assert_int_equal(policy_escalate(&p, ACT_HANDBACK), ACT_PARK);
	p.ladder_len = 0;
	assert_int_equal(policy_escalate(&p, ACT_HANDBACK), ACT_PARK);
}

static void test_restart_budget(void **state)
{
	struct restart_budget b = { 0 };
	uint32_t delay = 0;
	(void)state;

	/* 3 restarts in the window, back-off 100, 200, 400; the 4th is refused. */
	assert_true(restart_allowed(&b, &test_cfg, 0, &delay));
	assert_int_equal(delay, 100);
	restart_record(&b, &test_cfg, 100);
	assert_true(restart_allowed(&b, &test_cfg, 1000, &delay));
	assert_int_equal(delay, 200);
	restart_record(&b, &test_cfg, 1200);
	assert_true(restart_allowed(&b, &test_cfg, 2000, &delay));
	assert_int_equal(delay, 400);
	restart_record(&b, &test_cfg, 2400);
	delay = 12345;
	assert_false(restart_allowed(&b, &test_cfg, 3000, &delay));
	assert_int_equal(delay, 12345);
	assert_false(restart_allowed(&b, &test_cfg, 60099, &delay));

	/* The first restart leaves the window exactly one window later. */
	assert_true(restart_allowed(&b, &test_cfg, 60100, &delay));
	assert_int_equal(b.count, 2);
	assert_int_equal(delay, 400);
	restart_record(&b, &test_cfg, 60500);
	assert_false(restart_allowed(&b, &test_cfg, 61000, &delay));

	/* Long quiet: the budget is whole again. */
	assert_true(restart_allowed(&b, &test_cfg, 200000, &delay));
	assert_int_equal(b.count, 0);
	assert_int_equal(delay, 100);
}

static void test_restart_backoff_cap(void **state)
{
	struct policy_config p = test_cfg;
	struct restart_budget b = { 0 };
	static const uint32_t want[] = { 1000, 2000, 3000, 3000, 3000 };
	uint32_t delay;
	(void)state;

	p.restart_max = 5;
	p.restart_window_ms = 3000;
	p.backoff_ms = 1000;
	for (unsigned i = 0; i < 5; i++) {
		assert_true(restart_allowed(&b, &p, i, &delay));
		assert_int_equal(delay, want[i]);
		restart_record(&b, &p, i);
	}
	assert_false(restart_allowed(&b, &p, 5, &delay));

	/* A huge first back-off is capped too, without overflowing. */
	p.backoff_ms = UINT32_MAX;
	p.restart_window_ms = UINT32_MAX - 1;
	b.count = 0;
	assert_true(restart_allowed(&b, &p, 0, &delay));
	assert_int_equal(delay, UINT32_MAX - 1);

	/* Zero back-off: restart at once. */
	p.backoff_ms = 0;
	assert_true(restart_allowed(&b, &p, 0, &delay));
	assert_int_equal(delay, 0);
}

static void test_restart_limits(void **state)
{
	struct policy_config p = test_cfg;
	struct restart_budget b = { 0 };
	uint32_t delay;
	unsigned n = 0;
	(void)state;

	/* A table asking for more than the budget holds gets RESTART_MAX_LIMIT. */
	p.restart_max = 100;
	p.restart_window_ms = 1000000;
	p.backoff_ms = 1;
	while (n < 100 && restart_allowed(&b, &p, n, &delay)) {
		restart_record(&b, &p, n);
		n++;
	}
	assert_int_equal(n, RESTART_MAX_LIMIT);
	/* Recording past a full budget keeps it full and in bounds. */
	restart_record(&b, &p, n);
	assert_int_equal(b.count, RESTART_MAX_LIMIT);
	assert_int_equal(b.times_ms[RESTART_MAX_LIMIT - 1], n);
	assert_int_equal(b.times_ms[0], 1);

	/* Clock going backwards: future stamps count as recent. */
	memset(&b, 0, sizeof(b));
	p = test_cfg;
	restart_record(&b, &p, 500000);
	assert_true(restart_allowed(&b, &p, 1000, &delay));
	assert_int_equal(b.count, 1);
	assert_int_equal(delay, 200);
}

static void test_names(void **state)
{
	(void)state;

	assert_string_equal(fault_type_name(FAULT_EXCEPTION), "exception");
	assert_string_equal(fault_type_name(FAULT_PANIC), "panic");
	assert_string_equal(fault_type_name(FAULT_LOW_MEMORY), "low_memory");
	assert_string_equal(fault_type_name(FAULT_ASSERT), "assert");
	assert_string_equal(fault_type_name(FAULT_BAD_REPORT), "bad_report");
	assert_string_equal(fault_type_name(FAULT_HANG), "hang");
	assert_string_equal(fault_type_name(FAULT_SOFT_LOCKUP), "soft_lockup");
	assert_string_equal(fault_type_name(FAULT_TRIPLE_FAULT), "triple_fault");
	assert_string_equal(fault_type_name(FAULT_MEM_VIOLATION), "mem_violation");
	assert_string_equal(fault_type_name(FAULT_STUB_SILENT), "stub_silent");
	assert_string_equal(fault_type_name(FAULT_TYPE_COUNT), "?");
	assert_string_equal(fault_type_name((enum fault_type)-1), "?");

	assert_string_equal(policy_action_name(ACT_LOG), "log");
	assert_string_equal(policy_action_name(ACT_HANDBACK), "handback");
	assert_string_equal(policy_action_name(ACT_RESET), "reset");
	assert_string_equal(policy_action_name(ACT_PARK), "park");
	assert_string_equal(policy_action_name(ACT_COUNT), "?");

	assert_string_equal(alarm_level_name(ALARM_INFO), "info");
	assert_string_equal(alarm_level_name(ALARM_MINOR), "minor");
	assert_string_equal(alarm_level_name(ALARM_MAJOR), "major");
	assert_string_equal(alarm_level_name(ALARM_EMERGENCY), "emergency");
	assert_string_equal(alarm_level_name((enum alarm_level)42), "?");
}

/* ---- The shipped default policy (generated table `policy`) ---------- */

static const struct policy_rule *pick_default(enum fault_type type, int vector,
					      const char *module, bool stub_up)
{
	struct fault_event ev = ev_make(type, vector, 0xffffffff80001234ull, module, stub_up);
	const struct policy_rule *r = policy_lookup(&policy, &ev);

	assert_non_null(r);
	assert_int_equal(r->event, type);
	assert_true(strncmp(r->where, "policy/default.policy:", 22) == 0);
	return r;
}

static void expect_reset(enum fault_type type)
{
	for (int up = 0; up < 2; up++) {
		const struct policy_rule *r = pick_default(type, -1, NULL, up);

		assert_int_equal(r->action, ACT_RESET);
		assert_int_equal(r->deadline_ms, 2000);
	}
}

static void test_default_policy(void **state)
{
	const struct policy_rule *r;
	(void)state;

	assert_string_equal(policy.name, "default");
	assert_int_equal(policy.ladder_len, 3);
	assert_int_equal(policy.ladder[0], ACT_HANDBACK);
	assert_int_equal(policy.ladder[1], ACT_RESET);
	assert_int_equal(policy.ladder[2], ACT_PARK);
	assert_int_equal(policy.restart_max, 3);
	assert_int_equal(policy.restart_window_ms, 60000);
	assert_int_equal(policy.backoff_ms, 100);
	assert_int_equal(policy.hello_deadline_ms, 2000);

	r = pick_default(FAULT_EXCEPTION, 14, "netdrv", true);
	assert_int_equal(r->action, ACT_HANDBACK);
	assert_int_equal(r->command, HV_CMD_RESTART_MODULE);
	assert_true(r->command_arg == POLICY_ARG_MODULE);
	assert_int_equal(r->deadline_ms, 500);

	r = pick_default(FAULT_LOW_MEMORY, -1, NULL, true);
	assert_int_equal(r->action, ACT_HANDBACK);
	assert_int_equal(r->command, HV_CMD_CLEANUP);
	assert_int_equal(r->deadline_ms, 500);

	r = pick_default(FAULT_ASSERT, -1, "netdrv", true);
	assert_int_equal(r->action, ACT_HANDBACK);
	assert_int_equal(r->command, HV_CMD_RESTART_TASK);
	assert_int_equal(r->command_arg, 0);
	assert_int_equal(r->deadline_ms, 500);

	r = pick_default(FAULT_BAD_REPORT, -1, NULL, true);
	assert_int_equal(r->action, ACT_LOG);

	/* Other exceptions, and page faults elsewhere, reset. */
	assert_int_equal(pick_default(FAULT_EXCEPTION, 14, "diskdrv", true)->action, ACT_RESET);
	assert_int_equal(pick_default(FAULT_EXCEPTION, 13, "netdrv", true)->action, ACT_RESET);
	assert_int_equal(pick_default(FAULT_EXCEPTION, 14, NULL, true)->action, ACT_RESET);
	expect_reset(FAULT_EXCEPTION);
	expect_reset(FAULT_PANIC);
	expect_reset(FAULT_HANG);
	expect_reset(FAULT_SOFT_LOCKUP);
	expect_reset(FAULT_TRIPLE_FAULT);
	expect_reset(FAULT_MEM_VIOLATION);
	expect_reset(FAULT_STUB_SILENT);
}

/* The compiler guarantees a catch-all per event type, and sane outcomes. */
static void test_default_policy_complete(void **state)
{
	(void)state;

	for (int t = 0; t < FAULT_TYPE_COUNT; t++) {
		struct fault_event ev = ev_make((enum fault_type)t, 77, 0, "nomodule", false);

		assert_non_null(policy_lookup(&policy, &ev));
	}
	for (uint32_t i = 0; i < policy.rule_count; i++) {
		const struct policy_rule *r = &policy.rules[i];

		assert_true(r->action < ACT_COUNT);
		assert_true(r->alarm <= ALARM_EMERGENCY);
		assert_true((r->record & ~(REC_REPORT | REC_REGS | REC_SHARED)) == 0);
		if (r->action == ACT_HANDBACK || r->action == ACT_RESET)
			assert_true(r->deadline_ms > 0);
		else
			assert_int_equal(r->deadline_ms, 0);
		if (r->action == ACT_HANDBACK)
			assert_int_not_equal(r->command, HV_CMD_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_vector),
		cmocka_unit_test(test_lookup_module),
		cmocka_unit_test(test_lookup_rip_range),
		cmocka_unit_test(test_lookup_stub_state),
		cmocka_unit_test(test_lookup_first_match_wins),
		cmocka_unit_test(test_lookup_catch_all),
		cmocka_unit_test(test_lookup_no_match),
		cmocka_unit_test(test_escalate),
		cmocka_unit_test(test_restart_budget),
		cmocka_unit_test(test_restart_backoff_cap),
		cmocka_unit_test(test_restart_limits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_default_policy_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
