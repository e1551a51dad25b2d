/*
 * The guest's side of crash dumps (HC_DUMP, docs/hypercalls.md): the
 * ranges it registers, its stateless flag, the dumps it asks for.
 */
#ifndef HV_DUMP_GUEST_H
#define HV_DUMP_GUEST_H

#include "hv/vm.h"

/* HC_DUMP: RDI = enum hv_dump_op; returns the status for RAX. */
int64_t dump_hypercall(struct vm *vm);

/* Guest-requested dumps: at most one in this many ms (HV_E_BUSY). */
#define DUMP_REQUEST_INTERVAL_MS 5000u

#endif
