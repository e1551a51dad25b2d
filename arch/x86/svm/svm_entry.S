/*
 * Guest entry and exit for SVM (AMD APM Vol. 2, 15.5).  struct
 * guest_regs layout in ../guest_regs.inc; guest RAX lives in the VMCB.
 *
 * void svm_enter(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_save_pa)
 *
 * GIF is cleared around the switch so that an NMI (the hypervisor's
 * tick) is taken only after the host state is fully back, at STGI.
 */
#include "../guest_regs.inc"

	.text
	.code64
	.globl svm_enter
svm_enter:
	PUSH_HOST_CALLEE_SAVED
	pushq %rsi                  /* regs */
	pushq %rdx                  /* host save area */
	clgi
	movq %rdx, %rax
	vmsave                      /* host FS, GS, TR, LDTR, syscall MSRs */
	movq %rdi, %rax             /* guest VMCB */
	LOAD_GUEST_GPRS %rsi
	movq 0x30(%rsi), %rdi
	movq 0x28(%rsi), %rsi
	vmload
	sti                         /* host IF=1: an interrupt exits the guest (INTR intercept) */
	vmrun
	vmsave                      /* RAX is the guest VMCB again after #VMEXIT */
	pushq %rdi                  /* guest rdi */
	movq 16(%rsp), %rdi         /* regs */
	SAVE_GUEST_GPRS %rdi
	popq %rax
	movq %rax, 0x30(%rdi)
	popq %rax                   /* host save area */
	vmload
	addq $8, %rsp
	POP_HOST_CALLEE_SAVED
	stgi                        /* pending NMI / LAPIC tick taken here (host IDT 2 / 0xF0) */
	cli
	ret

	.section .note.GNU-stack, "", @progbits
