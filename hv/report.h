/*
 * Typed exception reports (M5): copied out of guest memory, validated,
 * cross-checked against the vCPU, then handed to the policy.
 */
#ifndef HV_REPORT_H
#define HV_REPORT_H

#include <stdint.h>

#include "hv/vm.h"

/* HC_REPORT: the report at guest-virtual gva, `size` bytes.  Returns an
 * enum hv_status. */
int64_t report_handle(struct vm *vm, uint64_t gva, uint64_t size);

#endif
