/*
 * The checkpoint engine's part of struct vm (hv/ckpt.h is its interface;
 * docs/checkpoints.md).  The arenas themselves are statics of hv/ckpt.c.
 */
#ifndef HV_CKPT_TYPES_H
#define HV_CKPT_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/ckpt_auth.h"
#include "hv/ratelimit.h"
#include "include/hv_abi.h"

/* Slots the guest may use (a build setting: make CKPT_SLOTS=); one more
 * arena, never visible to the guest, holds the snapshot restart's. */
#ifndef HV_CKPT_SLOTS
#define HV_CKPT_SLOTS 2
#endif
_Static_assert(HV_CKPT_SLOTS >= 1 && HV_CKPT_SLOTS <= HV_CKPT_SLOTS_MAX, "1 to HV_CKPT_SLOTS_MAX slots");
#define CKPT_SNAPSHOT HV_CKPT_SLOTS
#define CKPT_ARENAS (HV_CKPT_SLOTS + 1)

/* Requests taken per tick (kicks included): a guest flooding its ring
 * costs the hypervisor at most this much work between two ticks. */
#define CKPT_REQS_PER_TICK 4
/* The carry range's largest size (HC_CKPT CARRY). */
#define HV_CKPT_CARRY_MAX 16384u
/* Non-OK answers logged a second (guest-triggered lines). */
#define CKPT_LINES_PER_SECOND 8

/* The guest's ring and carry range: guest-visible state, so a slot keeps
 * a copy and a restore puts it back. */
struct ckpt_ring_link {
	bool registered;
	uint64_t ring_gpa;
	uint8_t vector;            /* notify vector, 0: none */
	uint32_t req_head, evt_tail; /* the hypervisor's own counters */
	uint64_t carry_gpa, carry_len;
};

/* An operation taken but not yet done (SAVE or RESTORE): it runs once the
 * batch of requests it came in is taken; others meanwhile get BUSY. */
struct ckpt_pending {
	bool active;
	struct hv_ckpt_req req;
	int who; /* the principal's index, for the answer's log record */
};

/* The policy's rollback, decided during an exit's handling and carried
 * out after it (hv/run.c): the exit's own completion (a hypercall's
 * status, the skipped instruction) must not land on the restored vCPU. */
struct ckpt_rollback {
	bool pending;
	int slot;
	uint32_t reason;   /* enum hv_restart_reason of the fault */
	uint64_t incident;
};

struct ckpt_link {
	struct ckpt_ring_link ring;
	struct ckpt_rollback rollback;
	struct ckpt_pending pending;
	bool kicked;               /* HC_CKPT KICK since the last poll */
	bool irq_pending;          /* the notify interrupt waits for the guest */
	unsigned taken_this_tick;
	uint64_t tick_seen;
	uint64_t generation;       /* the last save's, over all slots */
	uint64_t rollbacks;        /* restores by policy since the first boot */
	bool snapshot_taken;       /* the snapshot restart's slot is full */
	struct hv_ckpt_slot_info info[CKPT_ARENAS];
	struct ckpt_auth_state auth; /* never saved nor restored: a rollback cannot rewind it */
	struct rate_limit lines;
	uint64_t denied, answered;
};

#endif
