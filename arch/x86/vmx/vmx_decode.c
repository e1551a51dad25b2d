#include "arch/x86/vmx/vmx_decode.h"

#include "arch/x86/vmx/vmcs.h"

/* I/O exit qualification (SDM 3C Table 28-5). */
static void decode_io(uint64_t q, struct hv_event *ev)
{
	ev->kind = EV_IO;
	ev->io_size = (uint8_t)((q & 7) + 1);
	ev->io_in = (q >> 3) & 1;
	ev->io_string = (q >> 4) & 1;
	ev->port = (uint16_t)(q >> 16);
}

/* EPT-violation exit qualification bits 0-2 (SDM 3C Table 28-7). */
static void decode_ept_violation(const struct vmx_exit_info *x, struct hv_event *ev)
{
	ev->kind = EV_MEM_VIOLATION;
	ev->gpa = x->gpa;
	ev->access = ((x->qual & 1) ? ACC_READ : 0) | ((x->qual & 2) ? ACC_WRITE : 0) |
		     ((x->qual & 4) ? ACC_EXEC : 0);
}

void vmx_decode_exit(const struct vmx_exit_info *x, struct hv_event *ev)
{
	uint32_t basic = x->reason & 0xFFFF;

	/* A compound literal, not memset(): the freestanding build does not
	 * inline memset, and this runs on every exit. */
	*ev = (struct hv_event){ .raw = x->reason, .qual = x->qual, .insn_len = (uint8_t)x->insn_len };
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
	case VMX_EXIT_VMCALL:
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
