/* Hypercall dispatch (ABI in include/hv_abi.h, docs/hypercalls.md). */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include "hv/vm.h"
#include "include/hv_abi.h"

/* Handles the call in vm->regs (number in RAX) and writes the status to
 * RAX; never fails the hypervisor, whatever the guest passed. */
void hypercall_handle(struct vm *vm);

/* HC_NULL's answer (docs/hypercalls.md): RDX = ~RDI, status HV_OK. */
static inline void hypercall_null(struct vm *vm)
{
	vm->regs.rdx = ~vm->regs.rdi;
	vm->regs.rax = HV_OK;
}

/*
 * The short path (docs/design.md, "Hot path"): a hypercall that needs no
 * policy, no log and no state of the core beyond its counter, answered
 * right after the exit.  Today that is HC_NULL from CPL 0, the
 * round-trip probe; anything else (another number, a caller at CPL > 0,
 * which is refused and logged) returns false and takes the general path
 * (hypercall_handle()), so the answer is the same either way.  Inline:
 * it runs on every hypercall exit; the CPL comes with the event.
 */
static inline bool hypercall_short(struct vm *vm, const struct hv_event *ev)
{
	if (ev->kind != EV_HYPERCALL || vm->regs.rax != HC_NULL || ev->cpl != 0)
		return false;
	vm->stats.hypercalls++;
	hypercall_null(vm);
	vm->ops->skip_insn(ev->insn_len);
	return true;
}

#endif
