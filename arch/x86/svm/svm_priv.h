/*
 * What svm.c (the per-exit path and the ops table) and svm_state.c (the
 * guest's state in the VMCB) share.  The VMCB itself stays svm.c's: the
 * hot path reaches it as a static, and svm_state.c is handed it.
 */
#ifndef ARCH_X86_SVM_PRIV_H
#define ARCH_X86_SVM_PRIV_H

#include <stdint.h>

#include "vcpu/vcpu.h"
#include "arch/x86/svm/vmcb.h"

/* 64-bit guest state from the core's boot state (docs/guest-boot.md). */
void svm_state_boot(struct vmcb *v, const struct vcpu_config *cfg);
/* The checkpoint's view: everything but the event being injected, which
 * a restore clears. */
void svm_state_get(const struct vmcb *v, struct vcpu_state *out);
void svm_state_set(struct vmcb *v, const struct vcpu_state *in);
/* The CR4 and EFER bits of features this CPU reports that the guest may set. */
uint64_t svm_cr4_allowed(void);
uint64_t svm_efer_allowed(void);

#endif
