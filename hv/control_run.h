/*
 * The control channel in the run loop (hv/control.h, docs/operations.md):
 * commands read from the log port's receive side once per tick.
 */
#ifndef HV_CONTROL_RUN_H
#define HV_CONTROL_RUN_H

#include "hv/vm.h"

/* At launch: on if the build has a control key (logged either way). */
void vm_control_init(struct vm *vm, uint64_t now);

/* Once per hypervisor tick, also while the guest is out (parked: resume
 * must still come through). */
void vm_control_poll(struct vm *vm, uint64_t now);

#endif
