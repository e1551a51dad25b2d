/*
 * Decide and act, as a pure state machine (features M10-M14, M30, M31).
 * A fault event is looked up in the policy; the chosen action runs with
 * a deadline; when the deadline passes without the expected outcome, the
 * policy's ladder names the next step; restarts are limited by the
 * policy's budget with exponential back-off.
 *
 * The machine takes its inputs (the time in TSC cycles, the stub's
 * acknowledgements, hellos) and returns what to do as a list of effects;
 * the run loop applies them (write a command, reload the guest, park,
 * log).  It touches no global, no platform call and no backend, so host
 * tests drive it through whole scenarios.
 */
#ifndef HV_RECOVERY_H
#define HV_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/policy.h"
#include "hv/ratelimit.h"

enum guest_state {
	GS_RUNNING,  /* the guest runs */
	GS_HANDBACK, /* the guest runs; a command waits for its acknowledgement */
	GS_BACKOFF,  /* stopped, waiting to be restarted */
	GS_PARKED,   /* stopped for good; state kept for inspection */
};

enum rec_fx_kind {
	FX_DECISION,          /* rule matched ev: event, decision and alarm records (alarm_id) */
	FX_LOGGED,            /* a log-only rule: the guest continues */
	FX_SUPPRESSED,        /* a window held back `count` log-only events of `fault` */
	FX_HANDBACK,          /* write command/arg/cmd_id into the shared page, queue a command NMI */
	FX_HANDBACK_NO_STUB,  /* a hand-back with no stub to take it: escalating */
	FX_RESET_SCHEDULED,   /* the guest stops; reset after backoff_ms */
	FX_BUDGET_EXHAUSTED,  /* the restart budget is spent: parking */
	FX_RESET,             /* reload and restart the guest now; then recovery_reset_done() */
	FX_PARK,              /* stop the guest for good: why, level, alarm_id */
	FX_TIMEOUT,           /* `action` timed out; `next` follows: why */
	FX_HANDBACK_ACKED,    /* cmd_id acknowledged, gap_tsc since the fault */
	FX_HANDBACK_FAILED,   /* cmd_id acknowledged with result != 0: `next` follows */
	FX_RESTART_CONFIRMED, /* the stub said hello after a reset, gap_tsc since the fault */
	FX_SILENT_AFTER_RESET,/* no hello after a reset: the event record (level) */
	FX_SILENT_AFTER_BOOT, /* no hello after the first boot: raise FAULT_STUB_SILENT */
	FX_ROLLBACK,          /* restore checkpoint slot `arg` now, and tell the guest */
	FX_ROLLBACK_NONE,     /* nothing to roll back to: `next` follows (logged) */
	FX_NO_RULE,           /* the policy has no rule for `fault` (a table the compiler
			       * would refuse): logged only */
};

struct rec_fx {
	enum rec_fx_kind kind;
	const struct policy_rule *rule; /* FX_DECISION */
	const char *why;                /* FX_PARK, FX_TIMEOUT; FX_RESET: "operator" or NULL */
	uint8_t action, next;           /* FX_TIMEOUT; next: FX_HANDBACK_FAILED */
	uint8_t level;                  /* FX_PARK, FX_SILENT_AFTER_RESET: enum alarm_level */
	uint8_t fault;                  /* FX_SUPPRESSED: enum fault_type */
	uint16_t command;               /* FX_HANDBACK */
	uint32_t deadline_ms;           /* FX_HANDBACK */
	uint32_t backoff_ms, restarts;  /* FX_RESET_SCHEDULED */
	uint64_t arg, cmd_id;           /* FX_HANDBACK, FX_HANDBACK_ACKED/FAILED */
	int64_t result;                 /* FX_HANDBACK_FAILED: the stub's cmd_result */
	uint64_t alarm_id;              /* FX_DECISION, FX_PARK */
	uint64_t gap_tsc;               /* FX_HANDBACK_ACKED/FAILED, FX_RESTART_CONFIRMED */
	uint64_t count;                 /* FX_SUPPRESSED */
	uint64_t incident;              /* the incident it belongs to (0: none, FX_SUPPRESSED
					 * and FX_SILENT_AFTER_BOOT) */
};

/* A fault runs at most: decision, hand-back impossible, budget spent,
 * park; a ladder step a few more.  A suppression report for each type a
 * rule may only log (FAULT_LOGGABLE_COUNT). */
#define REC_FX_MAX (FAULT_LOGGABLE_COUNT + 8)

struct rec_fx_list {
	unsigned n;
	struct rec_fx fx[REC_FX_MAX];
};

/* Log-only events recorded per type and second; the rest are counted
 * (FX_SUPPRESSED), so a guest that provokes them in a loop cannot flood
 * the log or crowd out the hypervisor's own records. */
#define REC_LOG_EVENTS_PER_SECOND 8

struct recovery {
	const struct policy_config *policy;
	uint64_t tsc_per_ms;
	enum guest_state state;
	const struct policy_rule *rule; /* rule whose action is in progress */
	enum policy_action action;
	uint64_t deadline_tsc;          /* hand-back acknowledgement / hello */
	uint64_t restart_at_tsc;
	uint64_t fault_tsc;             /* the incident's first detection, for the gaps */
	bool incident_open;             /* an action's outcome is still awaited */
	/* Incident ids (issue 12): every fault the policy decides gets one,
	 * shared by its event, decision, alarm, actions and outcomes.  A fault
	 * that comes while an incident is open joins it; a log-only fault is
	 * an incident of its own, over at once. */
	uint64_t incident;              /* the current (or last) incident with an action */
	uint64_t incidents;             /* ids handed out */
	uint64_t cmd_id;
	uint64_t cmd_arg;               /* the hand-back under way: re-posted if */
	uint16_t cmd_op;                /* the stub re-registers its page (hv/hello.h) */
	uint32_t hello_deadline_ms;     /* for the reset under way */
	bool awaiting_hello;
	bool after_reset;
	struct restart_budget budget;
	uint64_t alarms;
	struct rate_limit flood[FAULT_TYPE_COUNT];
	uint64_t flood_check_tsc;       /* no flood window ends before this */
	/* The checkpoints a rollback may go to (recovery_set_checkpoints()). */
	uint32_t ckpt_full;             /* bit n: slot n holds one */
	int32_t ckpt_known_good;        /* the newest known-good slot, -1: none */
};

void recovery_init(struct recovery *rc, const struct policy_config *p, uint64_t tsc_per_ms,
		   uint64_t now);
/* What a rollback could restore now: the slots that hold a checkpoint
 * (a bit each) and the newest known-good one (-1: none).  The glue calls
 * it whenever a checkpoint is saved, deleted or lost. */
void recovery_set_checkpoints(struct recovery *rc, uint32_t full, int32_t known_good);

/* The first boot (generation 1): the stub must say hello in time. */
void recovery_start(struct recovery *rc, uint64_t now);

/* A fault found by the hypervisor or reported by the stub.  `can_handback`:
 * the stub is up and its shared page known.  Returns the action chosen
 * (ACT_LOG when the guest is not running: nothing new can happen then). */
enum policy_action recovery_fault(struct recovery *rc, const struct fault_event *ev, uint64_t now,
				  bool can_handback, struct rec_fx_list *out);

/* What the machine reads of the guest once per tick. */
struct rec_guest {
	bool can_handback;   /* the stub is up and its shared page known */
	uint64_t cmd_ack_id; /* the last command the stub acknowledged (0: none) */
	int64_t cmd_result;  /* its result: 0 = done, anything else = it could not run */
};

/* Deadlines, back-off and the flood windows; once per hypervisor tick. */
void recovery_tick(struct recovery *rc, uint64_t now, const struct rec_guest *g,
		   struct rec_fx_list *out);

/* The stub said hello (first boot or after a reset). */
void recovery_hello(struct recovery *rc, uint64_t now, struct rec_fx_list *out);

/* The run loop carried out FX_RESET: the guest runs again and its stub
 * must say hello before the reset's deadline. */
void recovery_reset_done(struct recovery *rc, uint64_t now);

/* The reset in progress cannot be done: the pristine guest copy no
 * longer has its seal (hv/pristine.h).  Parks the guest with an
 * emergency alarm, in the incident of the reset. */
void recovery_pristine_corrupt(struct recovery *rc, struct rec_fx_list *out);

/* What an authenticated operator may ask through the control channel
 * (hv/control.h).  Not faults: no policy lookup, no restart budget. */
enum rec_operator {
	REC_OP_RESTART, /* reset the guest now (a parked one too) */
	REC_OP_PARK,    /* stop it, state kept */
	REC_OP_RESUME,  /* restart a parked guest, with a fresh restart budget */
};

/* Returns false (and no effect) when the request does not apply: park of
 * a guest already parked, resume of one that is not parked.  The effects
 * (FX_RESET, or FX_PARK with why "operator") are an incident of their
 * own: the operator's; a restart's stays open until the restarted stub's
 * hello (or the reset, for a guest without a stub), like a policy's. */
bool recovery_operator(struct recovery *rc, enum rec_operator op, uint64_t now,
		       struct rec_fx_list *out);

/* A command (cmd_op, cmd_arg, cmd_id) waits for its acknowledgement. */
static inline bool recovery_handback_pending(const struct recovery *rc)
{
	return rc->state == GS_HANDBACK;
}

static inline bool recovery_guest_runs(const struct recovery *rc)
{
	return rc->state == GS_RUNNING || rc->state == GS_HANDBACK;
}

#endif
