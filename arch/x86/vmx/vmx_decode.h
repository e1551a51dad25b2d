/* VM-exit decoding into arch-neutral events: pure functions, unit-tested.
 * Inline: they run on every exit, and the build has no link-time inlining. */
#ifndef ARCH_VMX_DECODE_H
#define ARCH_VMX_DECODE_H

#include <stdint.h>

#include "vcpu/vcpu.h"
#include "arch/x86/vmx/vmcs.h"

/* The exit-information fields, as read from the VMCS after an exit.  A
 * field the exit reason does not need (vmx_exit_fields()) is not read
 * and stays 0. */
struct vmx_exit_info {
	uint32_t reason;     /* EXIT_REASON */
	uint64_t qual;       /* EXIT_QUALIFICATION */
	uint32_t intr_info;  /* EXIT_INTR_INFO */
	uint32_t insn_len;   /* EXIT_INSN_LEN */
	uint64_t gpa;        /* GUEST_PHYS_ADDR */
	uint32_t ecx;        /* guest RCX (the MSR of RDMSR/WRMSR exits) */
	uint8_t cpl;         /* guest CPL, SS.DPL (the caller of a VMCALL) */
};

/* The fields above, as bits of vmx_exit_fields(). */
enum {
	VMX_FIELD_QUAL = 1u << 0,
	VMX_FIELD_INTR_INFO = 1u << 1,
	VMX_FIELD_INSN_LEN = 1u << 2,
	VMX_FIELD_GPA = 1u << 3,
	VMX_FIELD_CPL = 1u << 4,
};

/*
 * The exit-information fields each exit reason needs, so that vmx_run()
 * reads no more of them than that (each VMREAD counts on the hot path):
 * the qualification (SDM 3C 28.2.1) for I/O, EPT violations and
 * exceptions, the interruption information (28.2.2) for exception/NMI
 * and external-interrupt exits, the instruction length (28.2.5) for the
 * instructions the core skips, the guest-physical address (28.2.1) for
 * EPT violations.  Rare reasons keep the qualification for the log of an
 * unhandled exit or a failed entry (SDM 3C "VM-Entry Failures During or
 * After Loading Guest State").  Inline: it runs on every exit.
 */
static inline unsigned vmx_exit_fields(uint32_t reason)
{
	if (reason & VMX_EXIT_FAILED_ENTRY)
		return VMX_FIELD_QUAL;
	switch (reason & 0xFFFF) {
	case VMX_EXIT_PREEMPTION_TIMER:
	case VMX_EXIT_INTR_WINDOW:
	case VMX_EXIT_NMI_WINDOW:
	case VMX_EXIT_TRIPLE_FAULT:
		return 0;
	case VMX_EXIT_EXCEPTION_NMI:
		return VMX_FIELD_INTR_INFO | VMX_FIELD_QUAL;
	case VMX_EXIT_EXTERNAL_INTR:
		return VMX_FIELD_INTR_INFO;
	case VMX_EXIT_VMCALL:
		return VMX_FIELD_INSN_LEN | VMX_FIELD_CPL;
	case VMX_EXIT_CPUID:
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		return VMX_FIELD_INSN_LEN;
	case VMX_EXIT_IO:
		return VMX_FIELD_QUAL | VMX_FIELD_INSN_LEN;
	case VMX_EXIT_EPT_VIOLATION:
		return VMX_FIELD_QUAL | VMX_FIELD_GPA;
	default:
		return VMX_FIELD_QUAL | VMX_FIELD_INSN_LEN;
	}
}

/* False for exits caused by executing an instruction: they never happen
 * during event delivery, so their IDT-vectoring information is never
 * valid (SDM 3C 28.2.4) and need not be read. */
static inline bool vmx_exit_may_vector(uint32_t reason)
{
	switch (reason & 0xFFFF) {
	case VMX_EXIT_VMCALL:
	case VMX_EXIT_CPUID:
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
	case VMX_EXIT_IO:
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_HLT:
	case VMX_EXIT_INVD:
	case VMX_EXIT_CR_ACCESS:
	case VMX_EXIT_MWAIT:
	case VMX_EXIT_MONITOR:
	case VMX_EXIT_XSETBV:
		return (reason & VMX_EXIT_FAILED_ENTRY) != 0;
	default:
		return true;
	}
}

/* The fields vmx_exit_fields() leaves out must be 0: the event's kind
 * and details never depend on them, but qual and insn_len are copied
 * into the event (for the log) whatever the reason. */
/* I/O exit qualification (SDM 3C Table 28-5). */
static inline void decode_io(uint64_t q, struct hv_event *ev)
{
	ev->kind = EV_IO;
	ev->io_size = (uint8_t)((q & 7) + 1);
	ev->io_in = (q >> 3) & 1;
	ev->io_string = (q >> 4) & 1;
	ev->port = (uint16_t)(q >> 16);
}

/* EPT-violation exit qualification bits 0-2 (SDM 3C Table 28-7). */
static inline void decode_ept_violation(const struct vmx_exit_info *x, struct hv_event *ev)
{
	ev->kind = EV_MEM_VIOLATION;
	ev->gpa = x->gpa;
	ev->access = ((x->qual & 1) ? ACC_READ : 0) | ((x->qual & 2) ? ACC_WRITE : 0) |
		     ((x->qual & 4) ? ACC_EXEC : 0);
}

/* Control-register access (SDM 3C Table 28-3): bits 3:0 the register,
 * 5:4 the access type (0 MOV to CR), 11:8 the source register.  Only
 * CR4 has owned bits (CR4_MASK), so only a MOV to CR4 is expected. */
static inline void decode_cr_access(uint64_t q, struct hv_event *ev)
{
	if ((q & 0xF) == 4 && ((q >> 4) & 3) == 0) {
		ev->kind = EV_CR_WRITE;
		ev->cr = 4;
		ev->cr_gpr = (uint8_t)((q >> 8) & 15);
	} else {
		ev->kind = EV_UNHANDLED;
	}
}

/* Instructions intercepted so that they cannot bypass the hypervisor
 * (vmx_setup.c); 0 for any other reason. */
static inline uint8_t vmx_exit_insn(uint32_t basic)
{
	switch (basic) {
	case VMX_EXIT_GETSEC:
		return INSN_GETSEC;
	case VMX_EXIT_INVD:
		return INSN_INVD;
	case VMX_EXIT_MWAIT:
		return INSN_MWAIT;
	case VMX_EXIT_MONITOR:
		return INSN_MONITOR;
	case VMX_EXIT_XSETBV:
		return INSN_XSETBV;
	default:
		return 0;
	}
}

/* A VMCALL exit (reason 18, bit 31 clear): what vmx_decode_exit() gives
 * for it, from the two fields it needs, the instruction length (SDM 3C
 * 28.2.5) and the caller's CPL.  vmx_run() calls it before reading any
 * other field: the hypercall is the hot path, so it sets only the fields
 * the core reads of a hypercall (vcpu/vcpu.h) and clears nothing else. */
static inline void vmx_decode_vmcall(uint32_t insn_len, uint8_t cpl, struct hv_event *ev)
{
	ev->kind = EV_HYPERCALL;
	ev->raw = VMX_EXIT_VMCALL;
	ev->qual = 0;
	ev->insn_len = (uint8_t)insn_len;
	ev->cpl = cpl & 3;
}

static inline void vmx_decode_exit(const struct vmx_exit_info *x, struct hv_event *ev)
{
	uint32_t basic = x->reason & 0xFFFF;

	/* A compound literal, not memset(): the freestanding build does not
	 * inline memset, and this runs on every exit. */
	*ev = (struct hv_event){ .raw = x->reason, .qual = x->qual, .insn_len = (uint8_t)x->insn_len };
	/* The hypercall first (bit 31 clear: a real exit): the commonest exit
	 * a guest makes on purpose, ahead of the switch. */
	if (x->reason == VMX_EXIT_VMCALL) {
		vmx_decode_vmcall(x->insn_len, x->cpl, ev);
		return;
	}
	if (x->reason & VMX_EXIT_FAILED_ENTRY) {
		ev->kind = EV_ENTRY_FAILED;
		return;
	}
	switch (basic) {
	case VMX_EXIT_PREEMPTION_TIMER:
		ev->kind = EV_TIMER;
		break;
	case VMX_EXIT_EXCEPTION_NMI:
		ev->kind = ((x->intr_info >> 8) & 7) == INTR_TYPE_NMI ? EV_HOST_NMI : EV_UNHANDLED;
		break;
	case VMX_EXIT_INTR_WINDOW:
		ev->kind = EV_INTR_WINDOW;
		break;
	case VMX_EXIT_NMI_WINDOW:
		ev->kind = EV_NMI_WINDOW;
		break;
	case VMX_EXIT_EXTERNAL_INTR:
		ev->kind = EV_HOST_INTR;
		ev->qual = x->intr_info; /* acknowledged vector in bits 7:0 */
		break;
	case VMX_EXIT_VMCALL: /* with bits 30:16 set (e.g. from an enclave) */
		ev->kind = EV_HYPERCALL;
		break;
	case VMX_EXIT_CPUID:
		ev->kind = EV_CPUID;
		break;
	case VMX_EXIT_IO:
		decode_io(x->qual, ev);
		break;
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		ev->kind = EV_MSR;
		ev->msr = x->ecx;
		ev->msr_write = basic == VMX_EXIT_WRMSR;
		break;
	case VMX_EXIT_EPT_VIOLATION:
		decode_ept_violation(x, ev);
		break;
	case VMX_EXIT_TRIPLE_FAULT:
		ev->kind = EV_TRIPLE_FAULT;
		break;
	case VMX_EXIT_HLT:
		ev->kind = EV_HLT;
		break;
	case VMX_EXIT_CR_ACCESS:
		decode_cr_access(x->qual, ev);
		break;
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_INVD:
	case VMX_EXIT_MWAIT:
	case VMX_EXIT_MONITOR:
	case VMX_EXIT_XSETBV:
		ev->kind = EV_INSN;
		ev->insn = vmx_exit_insn(basic);
		break;
	case VMX_EXIT_INVALID_STATE:
	case VMX_EXIT_MSR_LOADING:
		ev->kind = EV_ENTRY_FAILED;
		break;
	default:
		if ((basic >= VMX_EXIT_VMCLEAR && basic <= VMX_EXIT_VMXON) ||
		    basic == VMX_EXIT_INVEPT || basic == VMX_EXIT_INVVPID)
			ev->kind = EV_VIRT_INSN;
		else
			ev->kind = EV_UNHANDLED;
		break;
	}
}

#endif
