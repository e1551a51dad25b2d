/*
 * Applying the recovery machine's decisions: the records of each fault
 * (event, decision, alarm, action, outcome), writing a command into the
 * shared page, reloading the guest, parking it, and ending the run.
 */
#ifndef HV_ACTIONS_H
#define HV_ACTIONS_H

#include <stdbool.h>

#include "hv/guest.h"
#include "hv/vm.h"

/* A fault: the policy decides first, then `fmt` (the event's evidence,
 * "key=value ...") is formatted and everything is recorded and acted on.
 * Returns the action the policy chose. */
enum policy_action vm_fault(struct vm *vm, const struct fault_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for a fault with no vector or module, at the guest's RIP. */
enum policy_action vm_simple_fault(struct vm *vm, enum fault_type type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Recovery deadlines, back-off and flood windows; once per tick. */
void vm_recovery_tick(struct vm *vm, uint64_t now);
/* The stub said hello. */
void vm_recovery_hello(struct vm *vm, uint64_t now);
/* Writes the command of the hand-back under way into the shared page
 * again (a stub that re-registered its page); nothing if none waits. */
void vm_handback_repost(struct vm *vm);

/* Builds the guest for boot generation vm->stub.generation into guest
 * RAM, clearing the pages in `clear` (NULL: all of RAM); fills vm->cfg.
 * Returns the pages cleared. */
uint64_t vm_build_guest(struct vm *vm, struct guest_dirty *clear);
/* Arms the chipset's watchdog (hv/hw_watchdog.c), and says whether it
 * reset the machine at the end of the previous boot. */
void vm_hw_watchdog_start(struct vm *vm);
/* Seals the pristine guest copy (hv/pristine.h); every reset checks it. */
void vm_seal_pristine(struct vm *vm);

/* The hypervisor wrote the guest page holding gpa through its own map
 * (EPT/NPT do not see it): the next reset must clear it too. */
void vm_hv_wrote_guest_page(struct vm *vm, uint64_t gpa);

/* The guest asked for a reset (a reboot): the guest is reloaded at once,
 * as a restart it requested, not a fault (no policy decision, no restart
 * budget). */
void vm_guest_reboot(struct vm *vm);

/* Ends the run (tick limit, or the guest parked). */
void vm_stop(struct vm *vm, const char *reason);
void vm_log_watchdog_stats(const struct vm *vm);
/* The periodic records (stat_ms=<ms>): `stat cpu` (shares and state),
 * `stat exits` (rates by reason) and, with the stub up, `stat health`
 * (its collector's values), all over the time since the last ones. */
void vm_log_periodic_stats(struct vm *vm, uint64_t now);

/* An authenticated operator's restart, park or resume (the control
 * channel): the recovery machine's effects applied.  False when it does
 * not apply (park of a parked guest, resume of a running one). */
bool vm_operator(struct vm *vm, enum rec_operator op);
void vm_log_exit_totals(const struct vm *vm);

/* True if one more guest-triggered line may be logged this second. */
bool vm_guest_line_allowed(struct vm *vm);
/* Counts a refused guest request; true if it may still be logged. */
bool vm_refusal_logged(struct vm *vm);

#endif
