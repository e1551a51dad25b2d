/*
 * Fault policy (docs/policy.md): a table compiled in at build time from
 * policy/<name>.policy by tools/policy_compile.py.  When the hypervisor
 * sees a fault event it looks up the first matching rule and acts on it;
 * an action whose deadline expires is escalated along the ladder; guest
 * restarts are limited by a budget with exponential back-off.
 *
 * Pure logic: no hardware access, no allocation, usable by host tests.
 */
#ifndef HV_POLICY_H
#define HV_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fault_type {
	FAULT_EXCEPTION,     /* CPU exception the guest could not handle */
	FAULT_PANIC,         /* the guest called its panic entry */
	FAULT_LOW_MEMORY,    /* the guest reported low memory */
	FAULT_ASSERT,        /* a guest assertion failed */
	FAULT_BAD_REPORT,    /* a malformed report from the guest */
	FAULT_HANG,          /* the watchdog heartbeat went unanswered */
	FAULT_SOFT_LOCKUP,   /* the guest's own timer stopped advancing */
	FAULT_TRIPLE_FAULT,  /* shutdown exit */
	FAULT_MEM_VIOLATION, /* nested page fault outside guest RAM */
	FAULT_STUB_SILENT,   /* no stub hello within the hello deadline */
	FAULT_BLOCKED_IO,    /* the guest touched a port it does not own */
	FAULT_BLOCKED_MSR,   /* the guest touched an MSR it may not */
	FAULT_UNHANDLED_EXIT, /* an exit the hypervisor has no handler for */
	FAULT_ENTRY_FAILED,  /* the CPU refused to enter the guest */
	FAULT_TYPE_COUNT
};

/* Faults after which the vCPU cannot run again without a reset, the
 * last types of the enum: a rule for them must reset or park (the policy
 * compiler checks it; the recovery machine resets on a milder rule), and
 * with no rule the guest is parked.  The types before them are the ones
 * a rule may only log (and a flood limit may suppress). */
#define FAULT_LOGGABLE_COUNT FAULT_UNHANDLED_EXIT
_Static_assert(FAULT_UNHANDLED_EXIT == FAULT_TYPE_COUNT - 2 && FAULT_ENTRY_FAILED == FAULT_TYPE_COUNT - 1,
	       "the faults that need a restart come last");

static inline bool fault_needs_restart(unsigned type)
{
	return type >= FAULT_LOGGABLE_COUNT && type < FAULT_TYPE_COUNT;
}

enum policy_action {
	ACT_LOG,      /* record only, guest keeps running */
	ACT_HANDBACK, /* send a command to the guest's stub */
	ACT_RESET,    /* restart the guest (subject to the restart budget) */
	ACT_PARK,     /* stop the guest for good */
	ACT_ROLLBACK, /* restore a checkpoint (docs/checkpoints.md); none: the ladder's next step */
	ACT_COUNT
};

enum alarm_level { ALARM_INFO, ALARM_MINOR, ALARM_MAJOR, ALARM_EMERGENCY };

enum stub_state_match {
	STUB_ANY,
	STUB_UP,   /* said hello since last (re)start */
	STUB_DOWN,
};

/* What to record with the event (struct policy_rule.record, a bit set). */
#define REC_REPORT 1u /* the guest's report */
#define REC_REGS   2u /* vCPU registers */
#define REC_SHARED 4u /* collector values */

/* A dump taken before the rule's action (docs/dumps.md); the policy
 * compiler allows it on reset and park rules only. */
enum policy_dump {
	DUMP_NONE,
	DUMP_MINI, /* vCPU state and the pages around RIP and RSP, bounded */
	DUMP_FULL, /* vCPU state and all of guest RAM, zero pages left out */
	DUMP_KERNEL, /* mini plus the guest's important and private ranges */
	DUMP_LEVEL_COUNT
};

/* command_arg value meaning "the index of the faulting module". */
#define POLICY_ARG_MODULE UINT64_MAX
/* ACT_ROLLBACK's command_arg: the newest checkpoint marked known-good
 * (otherwise the slot named). */
#define POLICY_SLOT_KNOWN_GOOD UINT64_MAX

struct fault_event {
	enum fault_type type;
	int vector;         /* -1: none */
	uint64_t rip;
	const char *module; /* NULL or "" if unknown */
	int module_index;   /* -1 unknown */
	bool stub_up;
};

struct policy_rule {
	const char *name;
	const char *where;    /* "policy/default.policy:12" */
	/* match keys */
	uint8_t event;        /* enum fault_type */
	int16_t vector;       /* -1 any */
	const char *module;   /* NULL any */
	uint64_t rip_start, rip_end; /* [start,end); end 0 = any */
	uint8_t stub;         /* enum stub_state_match */
	/* outcome */
	uint8_t action;       /* enum policy_action */
	uint16_t command;     /* enum hv_command_op for ACT_HANDBACK */
	uint64_t command_arg; /* or POLICY_ARG_MODULE */
	uint32_t deadline_ms; /* ACT_HANDBACK, ACT_RESET; 0 otherwise */
	uint8_t alarm;        /* enum alarm_level */
	uint8_t record;       /* REC_* */
	uint8_t dump;         /* enum policy_dump */
};

#define POLICY_LADDER_MAX 4

/* Restart budget: at most restart_max restarts within restart_window_ms. */
#define RESTART_MAX_LIMIT 16

struct policy_config {
	const char *name;
	const struct policy_rule *rules;
	uint32_t rule_count;
	/* e.g. HANDBACK, RESET, PARK: the step after an action whose deadline expired */
	uint8_t ladder[POLICY_LADDER_MAX];
	uint8_t ladder_len;
	uint32_t restart_max;       /* 1..RESTART_MAX_LIMIT */
	uint32_t restart_window_ms;
	uint32_t backoff_ms;        /* first back-off; doubles per restart in the window */
	uint32_t hello_deadline_ms; /* stub must say hello within this after a (re)start;
				     * 0 (`hello none`): the guest has no stub */
	bool snapshot_restart;      /* `snapshot hello`: a checkpoint at the stub's first hello,
				     * which a reset restores instead of a cold reload */
};

/* The table chosen at build time (make POLICY=name), generated. */
extern const struct policy_config policy;
/* Every policy linked in (NULL-terminated). */
extern const struct policy_config *const policy_registry[];
const struct policy_config *policy_find(const char *name);

/*
 * First rule in table order that matches ev.  Never NULL for a table the
 * compiler accepted (it guarantees a catch-all per event type); NULL for
 * an out-of-range event type.
 */
const struct policy_rule *policy_lookup(const struct policy_config *p,
				       const struct fault_event *ev);

/*
 * Next ladder step after `current` timed out: the step following `current`
 * in p->ladder; if `current` is not in the ladder or is last, ACT_PARK.
 */
enum policy_action policy_escalate(const struct policy_config *p, enum policy_action current);

/*
 * crc continued over what policy_lookup, policy_escalate and the restart
 * budget read of p (the integrity check, hv/integrity.c): the
 * configuration, every rule, and the rule names and module strings the
 * rules point to.  *bytes gets the number of bytes covered.
 */
uint32_t policy_crc(const struct policy_config *p, uint32_t crc, uint64_t *bytes);

/* Lower-case names as spelt in policy files; "?" when out of range. */
const char *fault_type_name(enum fault_type t);
const char *policy_action_name(enum policy_action a);
const char *alarm_level_name(enum alarm_level l);

struct restart_budget {
	uint64_t times_ms[RESTART_MAX_LIMIT]; /* restarts in the window, oldest first */
	uint32_t count;
};

/*
 * Decides whether a restart may happen at now_ms.  Forgets restarts at
 * least restart_window_ms old first.  Returns true and sets *delay_ms to
 * the back-off (backoff_ms << restarts still in the window, capped at
 * restart_window_ms) when allowed; false when the budget is spent (the
 * caller parks the guest).  A zero-initialised budget is empty.
 */
bool restart_allowed(struct restart_budget *b, const struct policy_config *p, uint64_t now_ms,
		     uint32_t *delay_ms);
/* Counts a restart done at now_ms (call it when the restart happens). */
void restart_record(struct restart_budget *b, const struct policy_config *p, uint64_t now_ms);

#endif
