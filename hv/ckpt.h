/*
 * Checkpoints (features M15-M17; docs/checkpoints.md): the engine that
 * saves the whole guest (RAM, vCPU, devices, timers, the stub link) into
 * a static slot and puts it back, the guest's ring of requests (HC_CKPT),
 * the policy's rollback and the snapshot restart.  Glue: the decisions
 * are the pure modules' (hv/ckpt_ring.c, hv/ckpt_auth.c, hv/ckpt_map.c).
 */
#ifndef HV_CKPT_H
#define HV_CKPT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/vm.h"

/* At launch: every slot empty, the rate limit of the ckpt lines. */
void ckpt_init(struct vm *vm, uint64_t now);

/* Takes the pages the guest wrote from the backend (vcpu_ops.take_dirty)
 * and adds them to every consumer's bitmap: the reset's (vm->written) and
 * each slot's "changed since its save".  false if the backend cannot
 * track writes: every page then counts as written. */
bool ckpt_take_dirty(struct vm *vm);
/* The hypervisor wrote the guest page holding gpa through its own map. */
void ckpt_hv_wrote(uint64_t gpa);
/* The guest was restarted (cold or from the snapshot): its ring, carry
 * range, the operation in flight and the notify interrupt are forgotten;
 * the checkpoints stay. */
void ckpt_guest_restarted(struct vm *vm);
/* Guest RAM was rebuilt from the image: every slot differs everywhere. */
void ckpt_ram_rebuilt(void);

/* Saves the guest into slot (0..HV_CKPT_SLOTS-1, or CKPT_SNAPSHOT).
 * HV_CKR_NONE or HV_CKR_SLOTS_FULL (its RAM did not fit: the slot is left
 * empty). */
enum hv_ckpt_reason ckpt_save(struct vm *vm, unsigned slot, const char *label, uint32_t flags);
/* Puts the guest back as slot holds it; HV_CKR_EMPTY_SLOT if it holds
 * nothing.  The carry range keeps its newest contents. */
enum hv_ckpt_reason ckpt_restore(struct vm *vm, unsigned slot);
void ckpt_delete(struct vm *vm, unsigned slot);
bool ckpt_slot_full(unsigned slot);
/* The answer to the save that filled the slot (kept to be posted again
 * into the ring a restore brings back), NULL if the slot is empty. */
void ckpt_set_save_answer(unsigned slot, const struct hv_ckpt_event *e);
const struct hv_ckpt_event *ckpt_save_answer(unsigned slot);
/* The newest slot saved with HV_CKF_KNOWN_GOOD, or -1. */
int ckpt_newest_known_good(const struct vm *vm);

/* HC_CKPT (docs/hypercalls.md). */
int64_t ckpt_hypercall(struct vm *vm);
/* Takes waiting requests (at a tick, or after a kick), at most
 * CKPT_REQS_PER_TICK a tick. */
void ckpt_poll(struct vm *vm);

/* The policy's rollback: restores slot (or the newest known-good one if
 * slot < 0) and tells the guest (HV_CKE_ROLLED_BACK).  false if there is
 * nothing to roll back to (logged). */
bool ckpt_rollback(struct vm *vm, int slot, uint32_t reason, uint64_t incident);

/* Carries out the rollback the policy decided (vm->ck.rollback), after
 * the exit that led to it is handled; logs its outcome. */
void ckpt_rollback_now(struct vm *vm);

/* The policy's `snapshot hello`: at the stub's first hello (before the
 * call is handled), a checkpoint into the hidden slot. */
void ckpt_snapshot_at_hello(struct vm *vm);
/* A reset with that snapshot taken: restores it (the new generation in
 * its boot-info page) instead of reloading the image.  false if there is
 * none: the caller reloads. */
bool ckpt_snapshot_restart(struct vm *vm);
/* True if a reset now would restore the snapshot (no cold reload). */
bool ckpt_snapshot_ready(const struct vm *vm);

/* Before the notify interrupt goes in (hv/heartbeat.c). */
static inline bool ckpt_irq_due(const struct vm *vm)
{
	return vm->ck.irq_pending && vm->ck.ring.vector != 0;
}

#endif
