/* VM-exit decoding into arch-neutral events: a pure function, unit-tested. */
#ifndef ARCH_VMX_DECODE_H
#define ARCH_VMX_DECODE_H

#include <stdint.h>

#include "../../../hv/vcpu.h"

struct vmx_exit_info {
	uint32_t reason;     /* EXIT_REASON */
	uint64_t qual;       /* EXIT_QUALIFICATION */
	uint32_t intr_info;  /* EXIT_INTR_INFO */
	uint32_t insn_len;   /* EXIT_INSN_LEN */
	uint64_t gpa;        /* GUEST_PHYS_ADDR */
	uint32_t ecx;        /* guest RCX (the MSR of RDMSR/WRMSR exits) */
};

void vmx_decode_exit(const struct vmx_exit_info *x, struct hv_event *ev);

#endif
