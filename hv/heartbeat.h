/*
 * The watchdog and the guest timer as the run loop applies them: the
 * period's verdict goes to the policy, pending NMIs and timer
 * interrupts go into the guest when it can take them.
 */
#ifndef HV_HEARTBEAT_H
#define HV_HEARTBEAT_H

#include "hv/vm.h"

/* A watchdog period ended (wd_due()): judge the guest, queue the next
 * heartbeat, hand a hang or soft lockup to the policy. */
void heartbeat_period(struct vm *vm, uint64_t now);
/* Before an entry: inject a pending NMI or timer interrupt, or ask the
 * backend for the exit at which the guest can take it; close a window
 * nothing waits for any more.  The run loop calls it only when an NMI or
 * interrupt is pending or a window is open. */
void heartbeat_inject(struct vm *vm);

#endif
