/* What the core does with each decoded exit (struct hv_event). */
#ifndef HV_EXITS_H
#define HV_EXITS_H

#include "hv/vm.h"

void exit_handle(struct vm *vm, const struct hv_event *ev);

#endif
