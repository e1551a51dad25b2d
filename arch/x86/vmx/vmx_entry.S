/*
 * Guest entry and exit for VMX.  struct guest_regs layout (hv/vcpu.h):
 * rax 0x00, rcx 0x08, rdx 0x10, rbx 0x18, rbp 0x20, rsi 0x28, rdi 0x30,
 * r8 0x38 ... r15 0x70.
 */
	.text
	.code64

/* int vmx_enter(struct guest_regs *regs, int launched)
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME itself failed. */
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi                  /* regs, found again at exit */
	movl $0x6C14, %eax          /* HOST_RSP */
	vmwrite %rsp, %rax
	testl %esi, %esi            /* flags survive the loads below */
	movq 0x00(%rdi), %rax
	movq 0x08(%rdi), %rcx
	movq 0x10(%rdi), %rdx
	movq 0x18(%rdi), %rbx
	movq 0x20(%rdi), %rbp
	movq 0x28(%rdi), %rsi
	movq 0x38(%rdi), %r8
	movq 0x40(%rdi), %r9
	movq 0x48(%rdi), %r10
	movq 0x50(%rdi), %r11
	movq 0x58(%rdi), %r12
	movq 0x60(%rdi), %r13
	movq 0x68(%rdi), %r14
	movq 0x70(%rdi), %r15
	movq 0x30(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* entry failed: host RSP is unchanged */
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	movl $1, %eax
	ret

/* HOST_RIP: the CPU arrives here on every VM exit with RSP = HOST_RSP. */
	.globl vmx_exit_point
vmx_exit_point:
	pushq %rdi                  /* guest rdi */
	movq 8(%rsp), %rdi          /* regs */
	movq %rax, 0x00(%rdi)
	movq %rcx, 0x08(%rdi)
	movq %rdx, 0x10(%rdi)
	movq %rbx, 0x18(%rdi)
	movq %rbp, 0x20(%rdi)
	movq %rsi, 0x28(%rdi)
	movq %r8, 0x38(%rdi)
	movq %r9, 0x40(%rdi)
	movq %r10, 0x48(%rdi)
	movq %r11, 0x50(%rdi)
	movq %r12, 0x58(%rdi)
	movq %r13, 0x60(%rdi)
	movq %r14, 0x68(%rdi)
	movq %r15, 0x70(%rdi)
	popq %rax
	movq %rax, 0x30(%rdi)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	xorl %eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
