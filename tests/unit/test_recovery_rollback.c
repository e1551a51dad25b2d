/*
 * Host unit tests for hv/recovery.c, part 3: the rollback action
 * (docs/checkpoints.md) as a rule's action and as a step of the ladder
 * handback -> rollback -> reset -> park; with and without a checkpoint
 * to go back to; a named slot; the restart budget it spends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/recovery_harness.h"

/* The harness's rules, but a panic rolls back to the newest known-good
 * checkpoint and an assert to slot 1 (filled in by main()). */
static struct policy_rule rb_rules[sizeof(rules) / sizeof(rules[0])];

static struct policy_config rb_cfg = {
	.name = "rollback",
	.rules = rb_rules,
	.rule_count = sizeof(rb_rules) / sizeof(rb_rules[0]),
	.ladder = { ACT_HANDBACK, ACT_ROLLBACK, ACT_RESET, ACT_PARK },
	.ladder_len = 4,
	.restart_max = 3,
	.restart_window_ms = 60000,
	.backoff_ms = 100,
	.hello_deadline_ms = 2000,
};

static void rollback_rule(const char *name, uint64_t slot)
{
	struct policy_rule *r = (struct policy_rule *)rule_named(&rb_cfg, name);

	r->action = ACT_ROLLBACK;
	r->command = 0;
	r->command_arg = slot;
	r->deadline_ms = 0;
	r->alarm = ALARM_MAJOR;
}

/* A rule's rollback with a known-good checkpoint: restored at once, the
 * guest runs on, the incident is over, one restart spent. */
static void test_rollback_known_good(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &rb_cfg, 0);
	recovery_set_checkpoints(&rc, 0x5, 2);
	assert_int_equal(fault(&rc, &out, FAULT_PANIC, 1 * SEC, true), ACT_ROLLBACK);
	EXPECT(&out, FX_DECISION, FX_ROLLBACK);
	assert_int_equal(out.fx[1].arg, 2);
	assert_int_equal(out.fx[1].incident, out.fx[0].incident);
	assert_int_equal(rc.state, GS_RUNNING);
	assert_false(rc.incident_open);
	assert_false(rc.awaiting_hello);
	assert_int_equal(rc.budget.count, 1);
}

/* Nothing to roll back to: logged, and the ladder's next step (reset). */
static void test_rollback_none_falls_through(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &rb_cfg, 0);
	fault(&rc, &out, FAULT_PANIC, 1 * SEC, true);
	EXPECT(&out, FX_DECISION, FX_ROLLBACK_NONE, FX_RESET_SCHEDULED);
	assert_int_equal(out.fx[1].next, ACT_RESET);
	run_reset(&rc, 1 * SEC + 100 * MS);
	/* the ladder reached the reset: the policy's hello deadline */
	assert_int_equal(rc.hello_deadline_ms, 2000);
}

/* A hand-back that times out goes to the rollback, the ladder's next step. */
static void test_ladder_handback_rollback(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &rb_cfg, 0);
	recovery_set_checkpoints(&rc, 0x1, 0);
	assert_int_equal(fault(&rc, &out, FAULT_LOW_MEMORY, 100 * MS, true), ACT_HANDBACK);
	tick(&rc, &out, 600 * MS, true, 0);
	EXPECT(&out, FX_TIMEOUT, FX_ROLLBACK);
	assert_int_equal(out.fx[0].next, ACT_ROLLBACK);
	assert_int_equal(out.fx[1].arg, 0);
	assert_int_equal(rc.state, GS_RUNNING);

	/* Without a checkpoint the same timeout ends in a reset. */
	boot(&rc, &rb_cfg, 0);
	fault(&rc, &out, FAULT_LOW_MEMORY, 100 * MS, true);
	tick(&rc, &out, 600 * MS, true, 0);
	EXPECT(&out, FX_TIMEOUT, FX_ROLLBACK_NONE, FX_RESET_SCHEDULED);
}

/* A rule naming a slot goes to that slot only, known-good or not. */
static void test_rollback_named_slot(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &rb_cfg, 0);
	recovery_set_checkpoints(&rc, 0x1, 0); /* slot 1 empty */
	fault(&rc, &out, FAULT_ASSERT, 1 * SEC, true);
	EXPECT(&out, FX_DECISION, FX_ROLLBACK_NONE, FX_RESET_SCHEDULED);

	boot(&rc, &rb_cfg, 0);
	recovery_set_checkpoints(&rc, 0x2, -1); /* slot 1 full, nothing known-good */
	fault(&rc, &out, FAULT_ASSERT, 1 * SEC, true);
	EXPECT(&out, FX_DECISION, FX_ROLLBACK);
	assert_int_equal(out.fx[1].arg, 1);
}

/* A guest that faults again after every rollback spends the budget and
 * is parked. */
static void test_rollback_budget(void **state)
{
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	boot(&rc, &rb_cfg, 0);
	recovery_set_checkpoints(&rc, 0x1, 0);
	for (unsigned i = 1; i <= 3; i++) {
		fault(&rc, &out, FAULT_PANIC, i * SEC, true);
		EXPECT(&out, FX_DECISION, FX_ROLLBACK);
	}
	fault(&rc, &out, FAULT_PANIC, 4 * SEC, true);
	EXPECT(&out, FX_DECISION, FX_BUDGET_EXHAUSTED, FX_PARK);
	assert_int_equal(rc.state, GS_PARKED);
}

/* Without rollback in the ladder, a rule's rollback with nothing to go
 * back to resets (policy_escalate()). */
static void test_rollback_not_in_ladder(void **state)
{
	struct policy_config p = rb_cfg;
	struct recovery rc;
	struct rec_fx_list out;
	(void)state;

	p.ladder[1] = ACT_RESET;
	p.ladder[2] = ACT_PARK;
	p.ladder_len = 3;
	boot(&rc, &p, 0);
	fault(&rc, &out, FAULT_PANIC, 1 * SEC, true);
	EXPECT(&out, FX_DECISION, FX_ROLLBACK_NONE, FX_RESET_SCHEDULED);
	assert_int_equal(policy_escalate(&p, ACT_HANDBACK), ACT_RESET);
	assert_int_equal(policy_escalate(&rb_cfg, ACT_HANDBACK), ACT_ROLLBACK);
	assert_int_equal(policy_escalate(&rb_cfg, ACT_ROLLBACK), ACT_RESET);
}

int main(void)
{
	memcpy(rb_rules, rules, sizeof(rules));
	rollback_rule("any_panic", POLICY_SLOT_KNOWN_GOOD);
	rollback_rule("any_assert", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollback_known_good),
		cmocka_unit_test(test_rollback_none_falls_through),
		cmocka_unit_test(test_ladder_handback_rollback),
		cmocka_unit_test(test_rollback_named_slot),
		cmocka_unit_test(test_rollback_budget),
		cmocka_unit_test(test_rollback_not_in_ladder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
