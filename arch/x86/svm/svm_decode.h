/* #VMEXIT decoding into arch-neutral events: a pure function, unit-tested. */
#ifndef ARCH_SVM_DECODE_H
#define ARCH_SVM_DECODE_H

#include <stdint.h>

#include "vcpu/vcpu.h"

struct svm_exit_info {
	uint64_t exitcode;
	uint64_t exitinfo1;
	uint64_t exitinfo2;
	uint64_t rip; /* guest RIP at the exit */
	uint32_t ecx; /* guest RCX (the MSR of an MSR exit) */
};

void svm_decode_exit(const struct svm_exit_info *x, struct hv_event *ev);

#endif
