/* Guest entry and exit for VMX (Intel SDM 3C 26-27). */
#include "../guest_regs.inc"

	.text
	.code64

/* int vmx_enter(struct guest_regs *regs, int launched)
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME itself failed. */
	.globl vmx_enter
vmx_enter:
	PUSH_HOST_CALLEE_SAVED
	pushq %rdi                  /* regs, found again at exit */
	movl $0x6C14, %eax          /* HOST_RSP */
	vmwrite %rsp, %rax
	testl %esi, %esi            /* flags survive the loads below */
	movq 0x00(%rdi), %rax
	movq 0x28(%rdi), %rsi
	LOAD_GUEST_GPRS %rdi
	movq 0x30(%rdi), %rdi
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
	movq %rax, 0x00(%rdi)
	SAVE_GUEST_GPRS %rdi
	popq %rax
	movq %rax, 0x30(%rdi)
	addq $8, %rsp
	POP_HOST_CALLEE_SAVED
	xorl %eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
