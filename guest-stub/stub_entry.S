/*
 * The stub's interrupt entries (64-bit interrupt gates, CPL 0).
 *
 * Frame built on the stack (struct hvstub_frame in stub_priv.h), lowest
 * address first: r11 r10 r9 r8 rdi rsi rdx rcx rax, vector, error code
 * (0 when the CPU pushes none), then the CPU's RIP CS RFLAGS RSP SS.
 * The CPU aligns RSP to 16 before pushing its frame; 7 + 9 quadwords
 * keep it 16-byte aligned at each call, as the ABI wants.
 */
	.code64

.macro SAVE_REGS
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
.endm

.macro RESTORE_REGS
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
.endm

	.text

/* NMI (vector 2): handled and returned from with iretq, which also
 * ends the CPU's NMI blocking. */
	.p2align 4
	.globl hvstub_nmi_entry
	.type hvstub_nmi_entry, @function
hvstub_nmi_entry:
	pushq $0		/* error code */
	pushq $2		/* vector */
	SAVE_REGS
	cld
	movq %rsp, %rdi
	call hvstub_nmi
	RESTORE_REGS
	addq $16, %rsp		/* vector, error code */
	iretq
	.size hvstub_nmi_entry, . - hvstub_nmi_entry

/* Exceptions 0-31: hvstub_exception reports and never returns. */
	.p2align 4
	.type hvstub_exc_common, @function
hvstub_exc_common:
	SAVE_REGS
	cld
	movq %rsp, %rdi
	call hvstub_exception
1:	cli
	hlt
	jmp 1b
	.size hvstub_exc_common, . - hvstub_exc_common

/* Vectors for which the CPU pushes an error code. */
.macro EXC_ENTRY vec
	.p2align 4
hvstub_exc_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0		/* no error code from the CPU */
	.endif
	pushq $\vec
	jmp hvstub_exc_common
.endm

	.irp v, 0,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC_ENTRY \v
	.endr

	.section .rodata
	.p2align 3
	.globl hvstub_exc_entries
	.type hvstub_exc_entries, @object
hvstub_exc_entries:
	.quad hvstub_exc_0, hvstub_exc_1, hvstub_nmi_entry, hvstub_exc_3
	.quad hvstub_exc_4, hvstub_exc_5, hvstub_exc_6, hvstub_exc_7
	.quad hvstub_exc_8, hvstub_exc_9, hvstub_exc_10, hvstub_exc_11
	.quad hvstub_exc_12, hvstub_exc_13, hvstub_exc_14, hvstub_exc_15
	.quad hvstub_exc_16, hvstub_exc_17, hvstub_exc_18, hvstub_exc_19
	.quad hvstub_exc_20, hvstub_exc_21, hvstub_exc_22, hvstub_exc_23
	.quad hvstub_exc_24, hvstub_exc_25, hvstub_exc_26, hvstub_exc_27
	.quad hvstub_exc_28, hvstub_exc_29, hvstub_exc_30, hvstub_exc_31
	.size hvstub_exc_entries, . - hvstub_exc_entries

	.section .note.GNU-stack, "", @progbits
