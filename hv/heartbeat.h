/*
 * The watchdog and the guest timer as the run loop applies them: the
 * period's verdict goes to the policy, pending NMIs and timer
 * interrupts go into the guest when it can take them.
 */
#ifndef HV_HEARTBEAT_H
#define HV_HEARTBEAT_H

#include <stdbool.h>

#include "hv/vm.h"
#include "include/hv_abi.h"

/* heartbeat_period() when the healthy-period shortcut does not apply:
 * judge the guest by wd_period(), with the shared page read again. */
void heartbeat_period_judge(struct vm *vm, uint64_t now);

/* A watchdog period ended (wd_due()): judge the guest, queue the next
 * heartbeat, hand a hang or soft lockup to the policy.  A running guest
 * with its stub up whose period looks healthy (wd_period_healthy()) is
 * done here, inline, with no call: that is nearly every period, and at
 * 1 ms it is every tick.  Otherwise heartbeat_period_judge() reads the
 * page again; the shortcut changed nothing when it declined. */
static inline void heartbeat_period(struct vm *vm, uint64_t now)
{
	const struct hv_shared_page *sp = vm->stub.shared;

	if (recovery_guest_runs(&vm->rc) && vm->stub.up && sp != NULL &&
	    wd_period_healthy(&vm->wd, now, sp->ack_seq, sp->guest_ticks,
			      vm->vt.vector ? vm->vt.period_tsc : 0))
		return;
	heartbeat_period_judge(vm, now);
}
/* Before an entry: inject a pending NMI or timer interrupt, or ask the
 * backend for the exit at which the guest can take it; close a window
 * nothing waits for any more.  The run loop calls it only when an NMI or
 * interrupt is pending or a window is open. */
void heartbeat_inject(struct vm *vm);

/* A timer interrupt handed to the backend (inject_timer()) is pending
 * until it went in: learn whether it did.  The run loop calls it before
 * it leaves its inner loop (so before the next injections) and before
 * the tick's timer update. */
void heartbeat_collect_timer(struct vm *vm);

static inline void heartbeat_collect(struct vm *vm)
{
	if (vm->vt.handed)
		heartbeat_collect_timer(vm);
}

/* HC_TIMER_SET changed or stopped the timer (vtimer_set()): a handed-over
 * interrupt goes in with the new vector, or not at all. */
void heartbeat_timer_changed(struct vm *vm, bool was_handed);

/* True if nothing waits for the core to inject it or to open a window
 * for it: a timer interrupt handed to the backend goes in without the
 * core (it only learns so later, heartbeat_collect()). */
static inline bool heartbeat_settled(const struct vm *vm)
{
	return !(wd_nmi_pending(&vm->wd) || vtimer_to_inject(&vm->vt) || vm->intr_window ||
		 vm->nmi_window || vm->dev.irq_pending || (vm->ck.irq_pending && vm->ck.ring.vector));
}

/* True if heartbeat_inject() has anything to do before this entry: the
 * run loop's cheap test, so that most entries skip the call.  A handed-
 * over timer interrupt counts: heartbeat_inject() injects it itself if
 * the guest can take it at this entry after all. */
static inline bool heartbeat_inject_needed(const struct vm *vm)
{
	return !heartbeat_settled(vm) || vtimer_due(&vm->vt);
}

#endif
