/* A CRC-32 of what a guest must never be able to change (integrity.c). */
#ifndef HV_INTEGRITY_H
#define HV_INTEGRITY_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/vm.h"

/* The CRC, returned to the guest; logged with the hypervisor's counters
 * if `log`. */
uint64_t hv_integrity_check(const struct vm *vm, bool log);

#endif
