/* Test guest entry: long mode, paging on, RDI = boot-info GPA
 * (docs/guest-boot.md). */
	.section .text.start, "ax"
	.code64
	.globl _start
_start:
	leaq stack_top(%rip), %rsp
	call guest_main
1:	cli
	hlt
	jmp 1b

/* Virtual timer interrupt (vector 0x40): count and return; no EOI. */
	.text
	.globl timer_isr
timer_isr:
	lock incq timer_ticks(%rip)
	iretq

/* The checkpoint ring's notify interrupt (tests/guest/ckpt.c): counted. */
	.globl ckpt_isr
ckpt_isr:
	lock incq ckpt_irqs(%rip)
	iretq

/* An NMI handler that answers nothing (scenario hellohang): the guest
 * takes the hypervisor's NMIs and never acknowledges them. */
	.globl nmi_mute_isr
nmi_mute_isr:
	iretq

	.bss
	.align 16
	.globl guest_stack_bottom, stack_top
guest_stack_bottom:
	.skip 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
