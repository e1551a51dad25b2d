/*
 * What the guest's CPUID says (docs/design.md, CPUID): the host's answer,
 * minus every feature the hypervisor does not give the guest, plus the
 * hypervisor bit and leaf 0x40000000.  The backends hide their own
 * extension (VMX, SVM) on top (vcpu_ops.adjust_cpuid).
 *
 * Pure logic: host-tested (tests/unit/test_cpuid.c).
 */
#ifndef HV_CPUID_H
#define HV_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#define HV_CPUID_BASE 0x40000000u

/* The hypervisor's own leaves: true (and r filled) for 0x40000000. */
bool cpuid_hv_leaf(uint32_t leaf, uint32_t r[4]);

/* Edits the host's answer r (EAX, EBX, ECX, EDX) for leaf/sub. */
void cpuid_filter(uint32_t leaf, uint32_t sub, uint32_t r[4]);

#endif
