/* A CRC-32 of what a guest must never be able to change (integrity.c). */
#ifndef HV_INTEGRITY_H
#define HV_INTEGRITY_H

#include <stdint.h>

#include "hv/vm.h"

/* The CRC, logged with the hypervisor's counters; returned to the guest. */
uint64_t hv_integrity_check(const struct vm *vm);

#endif
