/* Hypercall dispatch (ABI in include/hv_abi.h, docs/hypercalls.md). */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include "hv/vm.h"

/* Handles the call in vm->regs (number in RAX) and writes the status to
 * RAX; never fails the hypervisor, whatever the guest passed. */
void hypercall_handle(struct vm *vm);

#endif
