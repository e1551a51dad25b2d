/* Decide and act: the recovery state machine (hv/recovery.h). */
#include "hv/recovery.h"

/* Adds an effect.  The list is sized for the longest chain a call can
 * make (tests/unit/test_recovery.c drives the worst cases); were it ever
 * full, the last slot is reused rather than written past. */
/* Marks the effects from index `from` on with the incident they belong to
 * (those not marked already, and not the two that belong to none). */
static void stamp(struct rec_fx_list *out, unsigned from, uint64_t incident)
{
	for (unsigned i = from; i < out->n; i++)
		if (out->fx[i].incident == 0 && out->fx[i].kind != FX_SUPPRESSED &&
		    out->fx[i].kind != FX_SILENT_AFTER_BOOT)
			out->fx[i].incident = incident;
}

static struct rec_fx *fx_add(struct rec_fx_list *out, enum rec_fx_kind kind)
{
	unsigned i = out->n < REC_FX_MAX ? out->n++ : REC_FX_MAX - 1;

	out->fx[i] = (struct rec_fx){ .kind = kind };
	return &out->fx[i];
}

static uint64_t ms_to_tsc(const struct recovery *rc, uint64_t ms)
{
	return ms * rc->tsc_per_ms;
}

void recovery_init(struct recovery *rc, const struct policy_config *p, uint64_t tsc_per_ms,
		   uint64_t now)
{
	*rc = (struct recovery){ .policy = p, .tsc_per_ms = tsc_per_ms ? tsc_per_ms : 1,
				 .ckpt_known_good = -1 };
	for (unsigned t = 0; t < FAULT_TYPE_COUNT; t++)
		rate_init(&rc->flood[t], ms_to_tsc(rc, 1000), REC_LOG_EVENTS_PER_SECOND, now);
	rc->flood_check_tsc = now + ms_to_tsc(rc, 1000);
}

/* A policy with `hello none` (hello_deadline_ms 0) is for a guest with no
 * stub: no hello is awaited, and a reset's incident ends with the reset. */
static void await_hello(struct recovery *rc, uint64_t now, uint32_t deadline_ms, bool after_reset)
{
	bool stub_expected = rc->policy->hello_deadline_ms != 0;

	rc->state = GS_RUNNING;
	rc->awaiting_hello = stub_expected;
	rc->after_reset = after_reset;
	rc->deadline_tsc = now + ms_to_tsc(rc, deadline_ms);
	if (!stub_expected && after_reset)
		rc->incident_open = false;
}

void recovery_start(struct recovery *rc, uint64_t now)
{
	await_hello(rc, now, rc->policy->hello_deadline_ms, false);
}

void recovery_reset_done(struct recovery *rc, uint64_t now)
{
	await_hello(rc, now, rc->hello_deadline_ms, true);
}

static void park(struct recovery *rc, const char *why, enum alarm_level level,
		 struct rec_fx_list *out)
{
	struct rec_fx *fx = fx_add(out, FX_PARK);

	rc->state = GS_PARKED;
	rc->incident_open = false;
	rc->awaiting_hello = false;
	fx->why = why;
	fx->level = (uint8_t)level;
	fx->alarm_id = ++rc->alarms;
}

void recovery_pristine_corrupt(struct recovery *rc, struct rec_fx_list *out)
{
	unsigned from = out->n;

	park(rc, "pristine guest image corrupt", ALARM_EMERGENCY, out);
	stamp(out, from, rc->incident);
}

static void schedule_reset(struct recovery *rc, uint64_t now, struct rec_fx_list *out)
{
	uint32_t delay_ms = 0;
	uint64_t now_ms = now / rc->tsc_per_ms;

	if (!restart_allowed(&rc->budget, rc->policy, now_ms, &delay_ms)) {
		fx_add(out, FX_BUDGET_EXHAUSTED);
		park(rc, "restart budget exhausted", ALARM_EMERGENCY, out);
		return;
	}
	restart_record(&rc->budget, rc->policy, now_ms);
	rc->state = GS_BACKOFF;
	rc->restart_at_tsc = now + ms_to_tsc(rc, delay_ms);
	struct rec_fx *fx = fx_add(out, FX_RESET_SCHEDULED);
	fx->backoff_ms = delay_ms;
	fx->restarts = rc->budget.count;
}

static void send_command(struct recovery *rc, const struct fault_event *ev, uint64_t now,
			 struct rec_fx_list *out)
{
	const struct policy_rule *r = rc->rule;
	struct rec_fx *fx = fx_add(out, FX_HANDBACK);

	fx->arg = r->command_arg;
	if (fx->arg == POLICY_ARG_MODULE)
		fx->arg = ev->module_index < 0 ? UINT64_MAX : (uint64_t)ev->module_index;
	fx->command = r->command;
	fx->cmd_id = ++rc->cmd_id;
	rc->cmd_op = fx->command;
	rc->cmd_arg = fx->arg;
	/* A hand-back already pending keeps its first deadline: new faults
	 * must not put off the escalation. */
	if (rc->state != GS_HANDBACK)
		rc->deadline_tsc = now + ms_to_tsc(rc, r->deadline_ms);
	fx->deadline_ms = rc->deadline_tsc > now ? (uint32_t)((rc->deadline_tsc - now) / rc->tsc_per_ms) : 0;
	rc->state = GS_HANDBACK;
}

void recovery_set_checkpoints(struct recovery *rc, uint32_t full, int32_t known_good)
{
	rc->ckpt_full = full;
	rc->ckpt_known_good = known_good;
}

/* The slot a rollback goes to: the one its rule names if it chose the
 * rollback itself, else (the ladder reached it) the newest known-good
 * one; -1 if that holds nothing. */
static int rollback_target(const struct recovery *rc)
{
	const struct policy_rule *r = rc->rule;

	if (r && r->action == ACT_ROLLBACK && r->command_arg != POLICY_SLOT_KNOWN_GOOD)
		return r->command_arg < 32 && (rc->ckpt_full & (1u << r->command_arg)) ? (int)r->command_arg : -1;
	return rc->ckpt_known_good;
}

/* A rollback counts against the restart budget, as a reset does: a
 * guest that faults again at once after each one ends up parked. */
static bool roll_back(struct recovery *rc, int slot, uint64_t now, struct rec_fx_list *out)
{
	uint32_t delay_ms = 0;
	uint64_t now_ms = now / rc->tsc_per_ms;

	if (!restart_allowed(&rc->budget, rc->policy, now_ms, &delay_ms)) {
		fx_add(out, FX_BUDGET_EXHAUSTED);
		park(rc, "restart budget exhausted", ALARM_EMERGENCY, out);
		return false;
	}
	restart_record(&rc->budget, rc->policy, now_ms);
	fx_add(out, FX_ROLLBACK)->arg = (uint64_t)slot;
	rc->state = GS_RUNNING;
	rc->incident_open = false;
	return true;
}

/* Runs an action; a hand-back with nobody to take it goes up the ladder
 * at once.  A loop, not recursion: the ladder ends in park. */
static void do_action(struct recovery *rc, enum policy_action a, const struct fault_event *ev,
		      uint64_t now, bool can_handback, struct rec_fx_list *out)
{
	for (unsigned steps = 0; steps <= POLICY_LADDER_MAX; steps++) {
		rc->action = a;
		switch (a) {
		case ACT_LOG: /* only reached by escalation: nothing more to do */
			rc->incident_open = false;
			return;
		case ACT_HANDBACK:
			if (can_handback && rc->rule) {
				send_command(rc, ev, now, out);
				return;
			}
			fx_add(out, FX_HANDBACK_NO_STUB);
			a = policy_escalate(rc->policy, ACT_HANDBACK);
			continue;
		case ACT_RESET:
			/* The rule's deadline if it chose the reset, else (a reset
			 * the ladder reached) the policy's hello deadline. */
			rc->hello_deadline_ms = rc->rule && rc->rule->action == ACT_RESET
							? rc->rule->deadline_ms
							: rc->policy->hello_deadline_ms;
			schedule_reset(rc, now, out);
			return;
		case ACT_ROLLBACK: {
			int slot = rollback_target(rc);
			if (slot >= 0) {
				roll_back(rc, slot, now, out);
				return;
			}
			a = policy_escalate(rc->policy, ACT_ROLLBACK);
			fx_add(out, FX_ROLLBACK_NONE)->next = (uint8_t)a;
			continue;
		}
		default:
			break;
		}
		break;
	}
	park(rc, rc->rule ? rc->rule->name : "policy",
	     (enum alarm_level)(rc->rule ? rc->rule->alarm : ALARM_MAJOR), out);
}

static void decided(struct recovery *rc, const struct policy_rule *r, struct rec_fx_list *out)
{
	struct rec_fx *fx = fx_add(out, FX_DECISION);

	fx->rule = r;
	fx->alarm_id = ++rc->alarms;
}

/* No rule for a fault the guest cannot survive: parked, an incident of
 * its own. */
static enum policy_action no_rule_park(struct recovery *rc, const struct fault_event *ev,
				       unsigned from, struct rec_fx_list *out)
{
	fx_add(out, FX_NO_RULE)->fault = (uint8_t)ev->type;
	rc->incident = ++rc->incidents;
	park(rc, "no rule for a fault the guest cannot survive", ALARM_EMERGENCY, out);
	stamp(out, from, rc->incident);
	return ACT_PARK;
}

enum policy_action recovery_fault(struct recovery *rc, const struct fault_event *ev, uint64_t now,
				  bool can_handback, struct rec_fx_list *out)
{
	unsigned from = out->n;

	if (!recovery_guest_runs(rc))
		return ACT_LOG; /* the guest is not running: nothing new can happen */
	const struct policy_rule *r = policy_lookup(rc->policy, ev);
	if (r == NULL || (r->action == ACT_LOG && !fault_needs_restart(ev->type))) {
		if (r == NULL && fault_needs_restart(ev->type))
			return no_rule_park(rc, ev, from, out);
		/* Recorded only, an incident of its own: an action already
		 * under way (a hand-back waiting for its acknowledgement)
		 * keeps its rule, clock and incident. */
		if (r == NULL)
			fx_add(out, FX_NO_RULE)->fault = (uint8_t)ev->type;
		else if (rate_allow(&rc->flood[ev->type], now)) {
			decided(rc, r, out);
			fx_add(out, FX_LOGGED);
		}
		stamp(out, from, ++rc->incidents);
		return ACT_LOG;
	}
	/* The gaps run from the incident's first detection, not from a
	 * later fault while its outcome is still awaited. */
	if (!rc->incident_open) {
		rc->fault_tsc = now;
		rc->incident_open = true;
		rc->incident = ++rc->incidents;
	}
	rc->rule = r;
	decided(rc, r, out);
	enum policy_action a = (enum policy_action)r->action;
	/* The guest cannot run on after these: a rule that would let it (a
	 * table the compiler refuses) resets it instead. */
	if (fault_needs_restart(ev->type) && a < ACT_RESET)
		a = ACT_RESET;
	do_action(rc, a, ev, now, can_handback, out);
	stamp(out, from, rc->incident);
	return a;
}

static void escalate(struct recovery *rc, const char *why, uint64_t now, bool can_handback,
		     struct rec_fx_list *out)
{
	static const struct fault_event none = { .type = FAULT_HANG, .vector = -1, .module_index = -1 };
	enum policy_action next = policy_escalate(rc->policy, rc->action);
	struct rec_fx *fx = fx_add(out, FX_TIMEOUT);

	fx->action = (uint8_t)rc->action;
	fx->next = (uint8_t)next;
	fx->why = why;
	rc->state = GS_RUNNING;
	do_action(rc, next, &none, now, can_handback, out);
}

static void check_handback(struct recovery *rc, uint64_t now, const struct rec_guest *g,
			   struct rec_fx_list *out)
{
	if (g->cmd_ack_id == rc->cmd_id && g->cmd_result != 0) {
		/* The stub could not run the command (it said so instead of
		 * letting the deadline pass): the ladder's next step at once. */
		static const struct fault_event none = { .type = FAULT_HANG, .vector = -1,
							 .module_index = -1 };
		enum policy_action next = policy_escalate(rc->policy, ACT_HANDBACK);
		struct rec_fx *fx = fx_add(out, FX_HANDBACK_FAILED);

		fx->cmd_id = rc->cmd_id;
		fx->result = g->cmd_result;
		fx->gap_tsc = now - rc->fault_tsc;
		fx->next = (uint8_t)next;
		rc->state = GS_RUNNING;
		do_action(rc, next, &none, now, g->can_handback, out);
	} else if (g->cmd_ack_id == rc->cmd_id) {
		struct rec_fx *fx = fx_add(out, FX_HANDBACK_ACKED);
		rc->state = GS_RUNNING;
		rc->incident_open = false;
		fx->cmd_id = rc->cmd_id;
		fx->gap_tsc = now - rc->fault_tsc;
	} else if (now >= rc->deadline_tsc) {
		escalate(rc, "handback not acknowledged before the deadline", now, g->can_handback, out);
	}
}

static void check_hello_deadline(struct recovery *rc, uint64_t now, const struct rec_guest *g,
				 struct rec_fx_list *out)
{
	if (!rc->awaiting_hello || now < rc->deadline_tsc)
		return;
	rc->awaiting_hello = false;
	if (!rc->after_reset) {
		fx_add(out, FX_SILENT_AFTER_BOOT);
		return;
	}
	/* The reset's expected outcome did not come: its own event, then the
	 * ladder's next step. */
	const struct fault_event ev = { .type = FAULT_STUB_SILENT, .vector = -1, .module_index = -1 };
	const struct policy_rule *r = policy_lookup(rc->policy, &ev);
	fx_add(out, FX_SILENT_AFTER_RESET)->level = r ? r->alarm : ALARM_MAJOR;
	escalate(rc, "no hello after reset", now, g->can_handback, out);
}

/* Rolls the windows that are over and reports what they held back.  Runs
 * on the tick only once a window may have ended (windows start when they
 * roll, so none ends before the earliest start plus the window). */
static void roll_flood_windows(struct recovery *rc, uint64_t now, struct rec_fx_list *out)
{
	uint64_t earliest = UINT64_MAX;

	if (now < rc->flood_check_tsc)
		return;
	for (unsigned t = 0; t < FAULT_TYPE_COUNT; t++) {
		rate_roll(&rc->flood[t], now);
		if (rc->flood[t].window_start + rc->flood[t].window < earliest)
			earliest = rc->flood[t].window_start + rc->flood[t].window;
		uint64_t n = rate_take_refused(&rc->flood[t]);
		if (n) {
			struct rec_fx *fx = fx_add(out, FX_SUPPRESSED);
			fx->fault = (uint8_t)t;
			fx->count = n;
		}
	}
	rc->flood_check_tsc = earliest;
}

void recovery_tick(struct recovery *rc, uint64_t now, const struct rec_guest *g,
		   struct rec_fx_list *out)
{
	unsigned from = out->n;

	roll_flood_windows(rc, now, out);
	if (rc->state == GS_BACKOFF && now >= rc->restart_at_tsc)
		fx_add(out, FX_RESET);
	else if (rc->state == GS_HANDBACK)
		check_handback(rc, now, g, out);
	if (rc->state == GS_RUNNING)
		check_hello_deadline(rc, now, g, out);
	stamp(out, from, rc->incident);
}

void recovery_hello(struct recovery *rc, uint64_t now, struct rec_fx_list *out)
{
	if (!rc->awaiting_hello)
		return;
	rc->awaiting_hello = false;
	if (rc->after_reset) {
		struct rec_fx *fx = fx_add(out, FX_RESTART_CONFIRMED);
		fx->gap_tsc = now - rc->fault_tsc;
		fx->incident = rc->incident;
		rc->incident_open = false;
	}
}

bool recovery_operator(struct recovery *rc, enum rec_operator op, uint64_t now,
		       struct rec_fx_list *out)
{
	unsigned from = out->n;
	bool parked = rc->state == GS_PARKED;

	if ((op == REC_OP_PARK && parked) || (op == REC_OP_RESUME && !parked))
		return false;
	rc->incident = ++rc->incidents;
	rc->incident_open = false; /* what was awaited will not come now */
	rc->rule = NULL;
	if (op == REC_OP_PARK) {
		park(rc, "operator", ALARM_INFO, out);
	} else {
		if (op == REC_OP_RESUME)
			rc->budget = (struct restart_budget){ 0 };
		rc->state = GS_BACKOFF; /* out until the run loop has reset it */
		rc->incident_open = true;
		rc->fault_tsc = now;
		rc->hello_deadline_ms = rc->policy->hello_deadline_ms;
		fx_add(out, FX_RESET)->why = "operator";
	}
	stamp(out, from, rc->incident);
	return true;
}
