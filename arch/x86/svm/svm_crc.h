/*
 * The VMCB control-area fields the integrity CRC covers (svm_control_crc,
 * svm.c).  On SVM the host's state is not in the VMCB: VMRUN saves it to
 * the host save area and #VMEXIT reloads it from there (AMD APM 2 15.5.1),
 * so what must stay fixed are the controls that confine the guest.  Pure
 * (static inline over a struct vmcb), for the host unit tests.
 */
#ifndef ARCH_SVM_CRC_H
#define ARCH_SVM_CRC_H

#include <stdint.h>

#include "lib/crc32.h"
#include "arch/x86/svm/vmcb.h"

/*
 * Left out, because the hypervisor or the CPU changes them while the guest
 * runs: the IRET and VINTR intercepts (NMI tracking and the interrupt
 * window, svm.c), V_TPR/V_IRQ/V_INTR_VECTOR and the rest of 0x060 but
 * V_INTR_MASKING (the window and the queued virtual interrupt; the CPU
 * writes V_TPR and V_IRQ back, APM 2 15.21), TSC_OFFSET,
 * TLB_CONTROL, the interrupt shadow, EXITCODE/EXITINFO1/2/EXITINTINFO and
 * nRIP (written at every #VMEXIT, APM 2 15.6, 15.7), EVENTINJ and
 * VMCB_CLEAN; and the whole state save area (the guest's registers).
 */
#define SVM_CRC_MISC1_MOVING (SVM_INTERCEPT_IRET | SVM_INTERCEPT_VINTR)

static inline uint32_t svm_vmcb_control_crc(uint32_t crc, const struct vmcb *v)
{
	const uint64_t fixed[] = {
		v->intercept_cr,
		v->intercept_dr,
		v->intercept_exceptions,
		v->intercept_misc1 & ~SVM_CRC_MISC1_MOVING,
		v->intercept_misc2,
		v->intercept_misc3,
		v->iopm_base_pa,
		v->msrpm_base_pa,
		v->guest_asid,
		v->vintr & SVM_V_INTR_MASKING,
		v->np_enable,
		v->n_cr3,
		v->lbr_virt_enable,
	};

	return crc32_ieee_update_words(crc, fixed, sizeof(fixed) / sizeof(fixed[0]), 0);
}

#endif
