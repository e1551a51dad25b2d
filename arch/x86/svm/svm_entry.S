/*
 * Guest entry and exit for SVM (AMD APM Vol. 2, 15.5).  struct
 * guest_regs offsets in vcpu/guest_regs_offsets.h; guest RAX lives in the
 * VMCB.
 *
 * void svm_enter(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_save_pa)
 *
 * GIF is cleared around the switch so that an NMI (the hypervisor's
 * tick) is taken only after the host state is fully back, at STGI.
 */
#include "arch/x86/guest_regs.inc"

	.text
	.code64
	.globl svm_enter
svm_enter:
	PUSH_HOST_CALLEE_SAVED
	pushq %rsi                  /* regs */
	pushq %rdx                  /* host save area */
	clgi                        /* host FS, GS, TR, LDTR, syscall MSRs: saved once (svm_init) */
	movq %rdi, %rax             /* guest VMCB */
	LOAD_GUEST_GPRS %rsi
	movq GREG_RDI(%rsi), %rdi
	movq GREG_RSI(%rsi), %rsi
	vmload
	sti                         /* host IF=1: an interrupt exits the guest (INTR intercept) */
	vmrun
	vmsave                      /* RAX is the guest VMCB again after #VMEXIT */
	pushq %rdi                  /* guest rdi */
	movq 16(%rsp), %rdi         /* regs */
	SAVE_GUEST_GPRS %rdi
	popq %rax
	movq %rax, GREG_RDI(%rdi)
	popq %rax                   /* host save area */
	vmload                      /* the host's TR (its IST stacks) back before STGI */
	addq $8, %rsp
	POP_HOST_CALLEE_SAVED
	stgi                        /* pending NMI / LAPIC tick taken here (host IDT 2 / 0xF0) */
	cli
	ret

	.section .note.GNU-stack, "", @progbits
