/* What the core does with each decoded exit (struct hv_event). */
#ifndef HV_EXITS_H
#define HV_EXITS_H

#include "hv/hypercall.h"
#include "hv/vm.h"

/* Every exit but the commonest ones (exits.c).  Returns true if the
 * guest halted with interrupts on (a Linux guest's HLT): the run loop
 * then waits for its next interrupt instead of entering it. */
bool exit_handle_other(struct vm *vm, const struct hv_event *ev);

/* Inline, for the hot path: a hypercall goes straight to its handler;
 * timer and window exits need nothing here (the tick work and the
 * injections run around every entry); the rest out of line.  Returns
 * what exit_handle_other() does (false on the hot path, a constant the
 * compiler folds). */
static inline bool exit_handle(struct vm *vm, const struct hv_event *ev)
{
	switch (ev->kind) {
	case EV_HYPERCALL:
		hypercall_handle(vm);
		vm->ops->skip_insn(ev->insn_len);
		return false;
	case EV_NONE:
	case EV_TIMER:
	case EV_NMI_WINDOW:
	case EV_INTR_WINDOW:
		return false;
	default:
		return exit_handle_other(vm, ev);
	}
}

#endif
