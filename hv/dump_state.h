/*
 * The one instance of the guest's dump ranges (hv/dump_ranges.h): written
 * by HC_DUMP (hv/dump_guest.c), read by the dump (hv/dump.c).  A module of
 * its own so that neither of those includes the other.
 */
#ifndef HV_DUMP_STATE_H
#define HV_DUMP_STATE_H

#include "hv/dump_ranges.h"
#include "hv/vm.h"

/* The ranges and flag of the guest's current boot generation (empty after
 * a reset, until the guest registers again). */
struct dump_ranges *dump_state_ranges(const struct vm *vm);

#endif
