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

/* HOST_RIP: the CPU arrives here on every VM exit with RSP = HOST_RSP. */
	.globl vmx_exit_point
vmx_exit_point:
	pushq %rdi                  /* guest rdi */
	movq 8(%rsp), %rdi          /* regs */
	movq %rax, GREG_RAX(%rdi)
	SAVE_GUEST_GPRS %rdi
	popq %rax
	movq %rax, GREG_RDI(%rdi)
	addq $8, %rsp
	POP_HOST_CALLEE_SAVED
	xorl %eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
