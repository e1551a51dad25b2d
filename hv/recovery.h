/*
 * Decide and act: a fault event is looked up in the compiled-in policy,
 * and the chosen action runs with a deadline; when the deadline passes
 * without the expected outcome, the policy's ladder names the next step.
 */
#ifndef HV_RECOVERY_H
#define HV_RECOVERY_H

#include <stdint.h>

#include "policy.h"

/* A fault found by the hypervisor or reported by the stub.  `detail` is
 * logged with the event ("key=value ..."). */
enum policy_action recovery_fault(const struct fault_event *ev, const char *detail);
/* Deadlines and back-off; once per loop. */
void recovery_update(uint64_t now);
/* The stub said hello (first boot or after a reset). */
void recovery_hello(void);
/* Starts the guest for the first time (generation 1). */
void recovery_first_boot(void);
/* Shorthand for faults with no vector/module. */
enum policy_action recovery_simple_fault(enum fault_type type, uint64_t rip, const char *detail);

#endif
