/*
 * The guest's MSRs, deny by default (docs/design.md, MSRs): every MSR
 * access exits except the pass-through list below, which the backends
 * leave out of their intercept bitmaps; the exits come here.  A few MSRs
 * are emulated (the TSC with an offset the hypervisor owns, TSC_ADJUST,
 * APIC base reads, DEBUGCTL with nothing enabled, a microcode revision of
 * 0, a fixed MISC_ENABLE: what an OS reads early at boot); every other
 * access is
 * refused with #GP(0), as on a CPU without that MSR, and is a
 * `blocked_msr` event for the policy.
 *
 * Pure logic: no hardware access; host-tested (tests/unit/test_msr.c).
 */
#ifndef HV_MSR_H
#define HV_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpu/vcpu.h"

/* The ranges passed through to the guest (reasons in msr.c). */
extern const struct vcpu_msr_range msr_pass_list[];
extern const unsigned msr_pass_count;

/* The emulated MSRs' state; a guest reset puts it back to zero. */
struct msr_state {
	uint64_t tsc_offset; /* guest TSC = host TSC + tsc_offset (mod 2^64) */
	uint64_t tsc_adjust; /* IA32_TSC_ADJUST as the guest sees it */
	uint64_t apic_base;  /* IA32_APIC_BASE as read at boot */
};

enum msr_result {
	MSR_DONE,         /* emulated */
	MSR_DONE_OFFSET,  /* emulated, and the TSC offset changed */
	MSR_REFUSED,      /* #GP(0) and a blocked_msr event */
};

bool msr_passed_through(uint32_t msr);

/* RDMSR of an intercepted MSR: *value on MSR_DONE. */
enum msr_result msr_read(const struct msr_state *s, uint32_t msr, uint64_t host_tsc,
			 uint64_t *value);

/* WRMSR of an intercepted MSR.  A write to the TSC or TSC_ADJUST moves
 * only s->tsc_offset (MSR_DONE_OFFSET: the caller hands it to the
 * backend); the hypervisor's own clock is the host TSC and never moves. */
enum msr_result msr_write(struct msr_state *s, uint32_t msr, uint64_t value, uint64_t host_tsc);

#endif
