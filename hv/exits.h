/* What the core does with each decoded exit (struct hv_event). */
#ifndef HV_EXITS_H
#define HV_EXITS_H

#include <stdbool.h>

#include "hv/vm.h"

void exit_handle(struct vm *vm, const struct hv_event *ev);

/* Exits that need no handling beyond what runs around every entry. */
static inline bool exit_needs_nothing(enum hv_event_kind kind)
{
	return kind == EV_TIMER || kind == EV_NMI_WINDOW || kind == EV_INTR_WINDOW || kind == EV_NONE;
}

#endif
