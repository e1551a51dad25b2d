/* #VMEXIT decoding into arch-neutral events: a pure function, unit-tested.
 * Inline: it runs on every exit, and the build has no link-time inlining. */
#ifndef ARCH_SVM_DECODE_H
#define ARCH_SVM_DECODE_H

#include <stdint.h>

#include "vcpu/vcpu.h"
#include "arch/x86/svm/vmcb.h"

struct svm_exit_info {
	uint64_t exitcode;
	uint64_t exitinfo1;
	uint64_t exitinfo2;
	uint64_t rip; /* guest RIP at the exit */
	uint32_t ecx; /* guest RCX (the MSR of an MSR exit) */
	uint8_t cpl;  /* the VMCB's CPL (the caller of a VMMCALL) */
};

/* Instruction lengths for exits without a usable nRIP: QEMU's TCG does
 * not implement NRIP save, so the hypervisor does not rely on it. */
#define LEN_VMMCALL 3
#define LEN_CPUID 2
#define LEN_RDMSR_WRMSR 2
#define LEN_INVD 2 /* 0F 08 */
#define LEN_HLT 1  /* F4 */

/* IOIO EXITINFO1 (APM 2 15.10.2): bit 0 IN, bit 2 string, bits 4-6 size,
 * bits 31:16 port; EXITINFO2 is the next RIP. */
static inline void decode_io(const struct svm_exit_info *x, struct hv_event *ev)
{
	uint64_t q = x->exitinfo1;

	ev->kind = EV_IO;
	ev->io_in = q & 1;
	ev->io_string = (q >> 2) & 1;
	ev->io_size = (q & (1u << 6)) ? 4 : (q & (1u << 5)) ? 2 : 1;
	ev->port = (uint16_t)(q >> 16);
	ev->insn_len = x->exitinfo2 > x->rip && x->exitinfo2 - x->rip <= 15
			       ? (uint8_t)(x->exitinfo2 - x->rip) : 1;
}

/* Nested page fault (APM 2 15.25.6): EXITINFO1 is a #PF-style error code
 * (bit 0 present, bit 1 write, bit 4 fetch), EXITINFO2 the GPA. */
static inline void decode_npf(const struct svm_exit_info *x, struct hv_event *ev)
{
	ev->kind = EV_MEM_VIOLATION;
	ev->gpa = x->exitinfo2;
	ev->access = (x->exitinfo1 & (1u << 4)) ? ACC_EXEC
		     : (x->exitinfo1 & (1u << 1)) ? ACC_WRITE : ACC_READ;
}

/* Instructions intercepted so that they cannot bypass the hypervisor
 * (svm.c setup_controls); 0 for any other exit code. */
static inline uint8_t svm_exit_insn(uint64_t exitcode)
{
	switch (exitcode) {
	case SVM_EXIT_INVD:
		return INSN_INVD;
	case SVM_EXIT_MONITOR:
		return INSN_MONITOR;
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_ARMED:
		return INSN_MWAIT;
	case SVM_EXIT_XSETBV:
		return INSN_XSETBV;
	default:
		return 0;
	}
}

/* A MOV to CR4 as the CPU checks it (APM 2 3.1.3, 5.3; Intel SDM 3A
 * 2.5): no bit outside `allowed` (the bits of features this CPU has and
 * the guest is given), PAE stays set and LA57 stays as it is in long
 * mode, and PCIDE may be set only with CR3[11:0] = 0 (SDM 3A 4.10.1). */
#define CR4_PAE_BIT (1ull << 5)
#define CR4_LA57_BIT (1ull << 12)
#define CR4_PCIDE_BIT (1ull << 17)

static inline bool svm_cr4_write_ok(uint64_t cur, uint64_t value, uint64_t allowed, bool long_mode,
				    uint64_t cr3)
{
	if (value & ~allowed)
		return false;
	if (long_mode && (!(value & CR4_PAE_BIT) || ((value ^ cur) & CR4_LA57_BIT)))
		return false;
	if ((value & CR4_PCIDE_BIT) && !(cur & CR4_PCIDE_BIT) && (cr3 & 0xFFF))
		return false;
	return true;
}

/* A VMMCALL exit: what svm_decode_exit() gives for it.  svm_run() calls
 * it before filling a struct svm_exit_info: the hypercall is the hot
 * path, so it sets only the fields the core reads of a hypercall
 * (vcpu/vcpu.h) and clears nothing else. */
static inline void svm_decode_vmmcall(uint64_t exitinfo1, uint8_t cpl, struct hv_event *ev)
{
	ev->kind = EV_HYPERCALL;
	ev->raw = SVM_EXIT_VMMCALL;
	ev->qual = exitinfo1;
	ev->insn_len = LEN_VMMCALL;
	ev->cpl = cpl & 3;
}

static inline void svm_decode_exit(const struct svm_exit_info *x, struct hv_event *ev)
{
	/* A compound literal, not memset(): the freestanding build does not
	 * inline memset, and this runs on every exit. */
	*ev = (struct hv_event){ .raw = x->exitcode, .qual = x->exitinfo1 };
	/* VMEXIT_INVALID is -1; compare the low 32 bits (TCG reports
	 * 0x00000000FFFFFFFF). */
	/* The hypercall first: the commonest exit a guest makes on purpose,
	 * ahead of a switch whose many cases compile to a compare tree. */
	if (x->exitcode == SVM_EXIT_VMMCALL) {
		svm_decode_vmmcall(x->exitinfo1, x->cpl, ev);
		return;
	}
	if ((uint32_t)x->exitcode == SVM_EXIT_INVALID) {
		ev->kind = EV_ENTRY_FAILED;
		return;
	}
	switch (x->exitcode) {
	case SVM_EXIT_NMI:
	case SVM_EXIT_INTR:
		ev->kind = EV_TIMER;
		break;
	case SVM_EXIT_VINTR:
		ev->kind = EV_INTR_WINDOW;
		break;
	case SVM_EXIT_IRET:
		ev->kind = EV_NMI_WINDOW;
		break;
	case SVM_EXIT_CPUID:
		ev->kind = EV_CPUID;
		ev->insn_len = LEN_CPUID;
		break;
	case SVM_EXIT_IOIO:
		decode_io(x, ev);
		break;
	case SVM_EXIT_MSR: /* EXITINFO1: 0 RDMSR, 1 WRMSR (APM 2 15.11) */
		ev->kind = EV_MSR;
		ev->msr = x->ecx;
		ev->msr_write = x->exitinfo1 & 1;
		ev->insn_len = LEN_RDMSR_WRMSR;
		break;
	case SVM_EXIT_NPF:
		decode_npf(x, ev);
		break;
	case SVM_EXIT_SHUTDOWN:
		ev->kind = EV_TRIPLE_FAULT;
		break;
	case SVM_EXIT_HLT:
		ev->kind = EV_HLT;
		ev->insn_len = LEN_HLT;
		break;
	case SVM_EXIT_CR4_WRITE: /* the core decodes the MOV (no decode assists) */
		ev->kind = EV_CR_WRITE;
		ev->cr = 4;
		ev->cr_gpr = CR_GPR_UNKNOWN;
		break;
	case SVM_EXIT_INVD:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_ARMED:
	case SVM_EXIT_XSETBV:
		ev->kind = EV_INSN;
		ev->insn = svm_exit_insn(x->exitcode);
		ev->insn_len = x->exitcode == SVM_EXIT_INVD ? LEN_INVD : 0;
		break;
	default:
		if (x->exitcode == SVM_EXIT_VMRUN ||
		    (x->exitcode >= SVM_EXIT_VMLOAD && x->exitcode <= SVM_EXIT_SKINIT))
			ev->kind = EV_VIRT_INSN;
		else
			ev->kind = EV_UNHANDLED;
		break;
	}
}

#endif
