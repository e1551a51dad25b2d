/* Guest entry and exit for VMX (Intel SDM 3C 26-27). */
#include "arch/x86/guest_regs.inc"
#include "arch/x86/vmx/vmcs.h"

	.text
	.code64

/* int vmx_enter(struct guest_regs *regs, int launched)
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME itself failed. */
	.globl vmx_enter
vmx_enter:
	PUSH_HOST_CALLEE_SAVED
	pushq %rdi                  /* regs, found again at exit */
	movl $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	testl %esi, %esi            /* flags survive the loads below */
	movq GREG_RAX(%rdi), %rax
	movq GREG_RSI(%rdi), %rsi
	LOAD_GUEST_GPRS %rdi
	movq GREG_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* entry failed: host RSP is unchanged */
	addq $8, %rsp
	POP_HOST_CALLEE_SAVED
	movl $1, %eax
	ret

/* Saves the guest's registers at an exit (RDI's own value on the stack
 * above HOST_RSP's regs pointer) and returns \ret from vmx_enter. */
.macro EXIT_TO_C ret
	movq 8(%rsp), %rdi          /* regs */
	movq %rax, GREG_RAX(%rdi)
	SAVE_GUEST_GPRS %rdi
	popq %rax
	movq %rax, GREG_RDI(%rdi)
	addq $8, %rsp
	POP_HOST_CALLEE_SAVED
	movl $\ret, %eax
	ret
.endm

	.hidden vmx_iq
	.hidden vmx

/* HOST_RIP: the CPU arrives here on every VM exit with RSP = HOST_RSP. */
	.globl vmx_exit_point
vmx_exit_point:
	cmpl $0, vmx_iq+VMX_IQ_FAST_INFO(%rip)
	jne window_exit
full_exit:
	pushq %rdi                  /* guest rdi */
	EXIT_TO_C 0

/* The window exit of the interrupt the backend queued (struct
 * vmx_intr_queue, vmx_priv.h): the guest can take it now (RFLAGS.IF=1,
 * no STI/MOV-SS blocking, SDM 3C 25.2), and no event was being delivered
 * (the exit comes between instructions, SDM 3C 28.2.4), so it goes in at
 * this entry, as vmx_inject_queued_intr() (vmx.c) would do, without a
 * round through C: about 25 instructions instead of about 95.  Only RAX
 * and RDX are the hypervisor's here, kept on the stack. */
window_exit:
	pushq %rax
	pushq %rdx
	movl $VMCS_EXIT_REASON, %eax
	vmread %rax, %rdx
	cmpl $VMCS_EXIT_INTR_WINDOW, %edx
	jne 3f
	movl vmx_iq+VMX_IQ_FAST_INFO(%rip), %edx
	movl $VMCS_ENTRY_INTR_INFO, %eax
	vmwrite %rdx, %rax
	xorl %edx, %edx             /* an injected event wakes a HLT-ed guest */
	movl $VMCS_GUEST_ACTIVITY, %eax
	vmwrite %rdx, %rax
	movl %edx, vmx_iq+VMX_IQ_FAST_INFO(%rip)
	movb %dl, vmx_iq+VMX_IQ_QUEUED(%rip)
	movl vmx+VMX_STATE_PROC_CONTROLS(%rip), %edx
	andl $~VMCS_PROC_INTR_WINDOW, %edx
	movl %edx, vmx+VMX_STATE_PROC_CONTROLS(%rip)
	movl $VMCS_PROC_CONTROLS, %eax
	vmwrite %rdx, %rax
	popq %rdx
	popq %rax
	vmresume
	/* VMfail (not expected: the same VMCS has just run): as a failed
	 * entry of vmx_enter, with the guest's registers saved. */
	pushq %rdi
	EXIT_TO_C 1
3:	popq %rdx                   /* another exit: the whole path */
	popq %rax
	jmp full_exit

	.section .note.GNU-stack, "", @progbits
