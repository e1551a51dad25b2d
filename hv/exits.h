/* What the core does with each decoded exit (struct hv_event). */
#ifndef HV_EXITS_H
#define HV_EXITS_H

#include "hv/hypercall.h"
#include "hv/vm.h"

/* Every exit but the commonest ones (exits.c). */
void exit_handle_other(struct vm *vm, const struct hv_event *ev);

/* Inline, for the hot path: a hypercall goes straight to its handler;
 * timer and window exits need nothing here (the tick work and the
 * injections run around every entry); the rest out of line. */
static inline void exit_handle(struct vm *vm, const struct hv_event *ev)
{
	switch (ev->kind) {
	case EV_HYPERCALL:
		hypercall_handle(vm);
		vm->ops->skip_insn(ev->insn_len);
		break;
	case EV_NONE:
	case EV_TIMER:
	case EV_NMI_WINDOW:
	case EV_INTR_WINDOW:
		break;
	default:
		exit_handle_other(vm, ev);
		break;
	}
}

#endif
