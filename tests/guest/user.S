/*
 * A trip to CPL 3 and back, to check that a hypercall made from user
 * mode is refused (HV_E_PERM).  The guest's own GDT gets user segments
 * and a TSS; INT 0x80 (a DPL-3 gate) brings the CPU back to CPL 0.
 *
 * int64_t user_hypercall(int use_vmmcall): returns RAX as CPL 3 saw it.
 */
	.text
	.code64

	.globl user_hypercall, user_return_isr
user_hypercall:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, kernel_rsp(%rip)
	movl %edi, use_vmmcall(%rip)
	pushq $0x1B                   /* SS: user data, RPL 3 */
	leaq user_stack_top(%rip), %rax
	pushq %rax                    /* RSP */
	pushq $0x2                    /* RFLAGS: interrupts off in user mode */
	pushq $0x23                   /* CS: user code, RPL 3 */
	leaq user_code(%rip), %rax
	pushq %rax
	iretq

user_code:                            /* CPL 3 */
	xorl %eax, %eax               /* HC_NULL */
	movq $0x1234, %rdi
	cmpl $0, use_vmmcall(%rip)
	jne 1f
	vmcall
	jmp 2f
1:	vmmcall
2:	movq %rax, user_result(%rip)
	int $0x80

user_return_isr:                      /* CPL 0, on the TSS's RSP0 */
	movq kernel_rsp(%rip), %rsp
	movw $0x10, %ax
	movw %ax, %ss
	movq user_result(%rip), %rax
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.data
	.align 8
kernel_rsp:	.quad 0
user_result:	.quad 0
use_vmmcall:	.long 0

	.bss
	.align 16
	.skip 4096
user_stack_top:
	.align 16
	.skip 4096
	.globl user_rsp0_top
user_rsp0_top:

	.section .note.GNU-stack, "", @progbits
