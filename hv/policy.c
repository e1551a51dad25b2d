/* Fault policy lookup, escalation ladder and restart budget (docs/policy.md). */
#include "hv/policy.h"

#include <string.h>

_Static_assert(POLICY_LADDER_MAX == 4, "ladder size is part of the policy ABI");
_Static_assert(ACT_COUNT <= 255 && FAULT_TYPE_COUNT <= 255, "actions and events fit a uint8_t");
_Static_assert(RESTART_MAX_LIMIT < 32, "back-off shift must stay below 32");

static const char *const fault_names[FAULT_TYPE_COUNT] = {
	[FAULT_EXCEPTION] = "exception",
	[FAULT_PANIC] = "panic",
	[FAULT_LOW_MEMORY] = "low_memory",
	[FAULT_ASSERT] = "assert",
	[FAULT_BAD_REPORT] = "bad_report",
	[FAULT_HANG] = "hang",
	[FAULT_SOFT_LOCKUP] = "soft_lockup",
	[FAULT_TRIPLE_FAULT] = "triple_fault",
	[FAULT_MEM_VIOLATION] = "mem_violation",
	[FAULT_STUB_SILENT] = "stub_silent",
	[FAULT_BLOCKED_IO] = "blocked_io",
	[FAULT_BLOCKED_MSR] = "blocked_msr",
	[FAULT_UNHANDLED_EXIT] = "unhandled_exit",
	[FAULT_ENTRY_FAILED] = "entry_failed",
};

static const char *const action_names[ACT_COUNT] = {
	[ACT_LOG] = "log",
	[ACT_HANDBACK] = "handback",
	[ACT_RESET] = "reset",
	[ACT_PARK] = "park",
	[ACT_ROLLBACK] = "rollback",
};

static const char *const alarm_names[ALARM_EMERGENCY + 1] = {
	[ALARM_INFO] = "info",
	[ALARM_MINOR] = "minor",
	[ALARM_MAJOR] = "major",
	[ALARM_EMERGENCY] = "emergency",
};

const char *fault_type_name(enum fault_type t)
{
	return (unsigned)t < FAULT_TYPE_COUNT ? fault_names[t] : "?";
}

const char *policy_action_name(enum policy_action a)
{
	return (unsigned)a < ACT_COUNT ? action_names[a] : "?";
}

const char *alarm_level_name(enum alarm_level l)
{
	return (unsigned)l <= ALARM_EMERGENCY ? alarm_names[l] : "?";
}

/* A rule naming a module never matches an event whose module is unknown. */
static bool module_matches(const char *want, const char *have)
{
	if (!want)
		return true;
	return have && strcmp(want, have) == 0;
}

static bool stub_matches(uint8_t want, bool up)
{
	if (want == STUB_UP)
		return up;
	if (want == STUB_DOWN)
		return !up;
	return true;
}

static bool rule_matches(const struct policy_rule *r, const struct fault_event *ev)
{
	if (r->event != (unsigned)ev->type)
		return false;
	if (r->vector >= 0 && r->vector != ev->vector)
		return false;
	if (!module_matches(r->module, ev->module))
		return false;
	if (r->rip_end != 0 && (ev->rip < r->rip_start || ev->rip >= r->rip_end))
		return false;
	return stub_matches(r->stub, ev->stub_up);
}

const struct policy_rule *policy_lookup(const struct policy_config *p,
				       const struct fault_event *ev)
{
	if ((unsigned)ev->type >= FAULT_TYPE_COUNT)
		return NULL;
	for (uint32_t i = 0; i < p->rule_count; i++)
		if (rule_matches(&p->rules[i], ev))
			return &p->rules[i];
	return NULL;
}

enum policy_action policy_escalate(const struct policy_config *p, enum policy_action current)
{
	uint32_t len = p->ladder_len < POLICY_LADDER_MAX ? p->ladder_len : POLICY_LADDER_MAX;

	for (uint32_t i = 0; i + 1 < len; i++)
		if (p->ladder[i] == (unsigned)current)
			return (enum policy_action)p->ladder[i + 1];
	/* A rule's rollback with nothing to go back to, and no rollback in
	 * the ladder: a reset, the step after it in escalation order. */
	if (current == ACT_ROLLBACK)
		return ACT_RESET;
	return ACT_PARK;
}

/* A hand-made table may ask for more than the budget can hold. */
static uint32_t budget_max(const struct policy_config *p)
{
	return p->restart_max < RESTART_MAX_LIMIT ? p->restart_max : RESTART_MAX_LIMIT;
}

/*
 * Drops restarts at least one window old.  A time stamp in the future
 * (clock went backwards) counts as recent: keeping it errs on the side
 * of fewer restarts.
 */
static void budget_expire(struct restart_budget *b, const struct policy_config *p, uint64_t now_ms)
{
	uint32_t keep = 0;

	if (b->count > RESTART_MAX_LIMIT)
		b->count = RESTART_MAX_LIMIT;
	for (uint32_t i = 0; i < b->count; i++) {
		uint64_t t = b->times_ms[i];
		if (now_ms >= t && now_ms - t >= p->restart_window_ms)
			continue;
		b->times_ms[keep++] = t;
	}
	b->count = keep;
}

bool restart_allowed(struct restart_budget *b, const struct policy_config *p, uint64_t now_ms,
		     uint32_t *delay_ms)
{
	uint64_t delay;

	budget_expire(b, p, now_ms);
	if (b->count >= budget_max(p))
		return false;
	/* count < RESTART_MAX_LIMIT < 32: the 64-bit shift cannot overflow. */
	delay = (uint64_t)p->backoff_ms << b->count;
	if (delay > p->restart_window_ms)
		delay = p->restart_window_ms;
	*delay_ms = (uint32_t)delay;
	return true;
}

void restart_record(struct restart_budget *b, const struct policy_config *p, uint64_t now_ms)
{
	budget_expire(b, p, now_ms);
	/* Full: forget the oldest; the budget still refuses the next one. */
	if (b->count == RESTART_MAX_LIMIT) {
		memmove(&b->times_ms[0], &b->times_ms[1], sizeof(b->times_ms[0]) * (RESTART_MAX_LIMIT - 1));
		b->count--;
	}
	b->times_ms[b->count++] = now_ms;
}
