/*
 * Guest entry and exit for SVM (AMD APM Vol. 2, 15.5).  struct
 * guest_regs layout as in vmx_entry.S; guest RAX lives in the VMCB.
 *
 * void svm_enter(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_save_pa)
 *
 * GIF is cleared around the switch so that an NMI (the hypervisor's
 * tick) is taken only after the host state is fully back, at STGI.
 */
	.text
	.code64
	.globl svm_enter
svm_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rsi                  /* regs */
	pushq %rdx                  /* host save area */
	clgi
	movq %rdx, %rax
	vmsave                      /* host FS, GS, TR, LDTR, syscall MSRs */
	movq %rdi, %rax             /* guest VMCB */
	movq 0x08(%rsi), %rcx
	movq 0x10(%rsi), %rdx
	movq 0x18(%rsi), %rbx
	movq 0x20(%rsi), %rbp
	movq 0x30(%rsi), %rdi
	movq 0x38(%rsi), %r8
	movq 0x40(%rsi), %r9
	movq 0x48(%rsi), %r10
	movq 0x50(%rsi), %r11
	movq 0x58(%rsi), %r12
	movq 0x60(%rsi), %r13
	movq 0x68(%rsi), %r14
	movq 0x70(%rsi), %r15
	movq 0x28(%rsi), %rsi
	vmload
	sti                         /* host IF=1: an interrupt exits the guest (INTR intercept) */
	vmrun
	vmsave                      /* RAX is the guest VMCB again after #VMEXIT */
	pushq %rdi                  /* guest rdi */
	movq 16(%rsp), %rdi         /* regs */
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
	popq %rax                   /* host save area */
	vmload
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	stgi                        /* pending NMI / LAPIC tick taken here (host IDT 2 / 0xF0) */
	cli
	ret

	.section .note.GNU-stack, "", @progbits
