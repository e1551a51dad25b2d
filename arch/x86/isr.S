/* Host interrupt entry points (the IDT is built in cpu.c). */
	.text
	.code64

/* NMI on its own IST stack: count it and return.  On SVM the
 * hypervisor's tick is an NMI that the host takes at STGI after the
 * NMI-intercept exit (AMD APM 2 15.12); no EOI for NMIs. */
	.globl isr_nmi
isr_nmi:
	lock incq host_nmi_count(%rip)
	iretq

	.globl isr_ignore
isr_ignore:
	iretq

/* LAPIC timer tick (SVM): the INTR exit already did its job; count it
 * (the boot probe, pit_tick.c) and end it: EOI through MSR 0x80B in
 * x2APIC mode (which takes 0 only), else the MMIO register (apic.c sets
 * both variables; SDM 3A 11.12.1.2). */
	.globl isr_lapic_tick
isr_lapic_tick:
	pushq %rax
	pushq %rcx
	pushq %rdx
	lock incq lapic_tick_count(%rip)
	cmpb $0, lapic_eoi_by_msr(%rip)
	jne 1f
	movq lapic_eoi_mmio(%rip), %rax
	movl $0, (%rax)
	jmp 2f
1:	movl $0x80B, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
2:	popq %rdx
	popq %rcx
	popq %rax
	iretq

/* Exceptions: push a dummy error code where the CPU pushes none, then
 * the vector, and go to the common C handler. */
.macro EXC_NOERR v
exc_\v:
	pushq $0
	pushq $\v
	jmp exc_common
.endm
.macro EXC_ERR v
exc_\v:
	pushq $\v
	jmp exc_common
.endm

EXC_NOERR 0
EXC_NOERR 1
EXC_NOERR 2
EXC_NOERR 3
EXC_NOERR 4
EXC_NOERR 5
EXC_NOERR 6
EXC_NOERR 7
EXC_ERR 8
EXC_NOERR 9
EXC_ERR 10
EXC_ERR 11
EXC_ERR 12
EXC_ERR 13
EXC_ERR 14
EXC_NOERR 15
EXC_NOERR 16
EXC_ERR 17
EXC_NOERR 18
EXC_NOERR 19
EXC_NOERR 20
EXC_ERR 21
EXC_NOERR 22
EXC_NOERR 23
EXC_NOERR 24
EXC_NOERR 25
EXC_NOERR 26
EXC_NOERR 27
EXC_NOERR 28
EXC_ERR 29
EXC_ERR 30
EXC_NOERR 31

exc_common:
	/* Frame: vector, error, RIP, CS, RFLAGS, RSP, SS */
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq %rsp, %rdi
	andq $-16, %rsp
	call host_exception
1:	cli
	hlt
	jmp 1b

	.section .data.rel.ro, "aw"
	.align 8
	.globl isr_stub_table
isr_stub_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad exc_\v
	.endr

	.data
	.align 8
	.globl host_nmi_count
host_nmi_count:
	.quad 0
	.globl lapic_tick_count
lapic_tick_count:
	.quad 0

	.text
/* void cpu_load_tables(gdtr *rdi, idtr *rsi, uint16_t tss_sel) */
	.globl cpu_load_tables
cpu_load_tables:
	lgdt (%rdi)
	lidt (%rsi)
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	ltr %dx
	popq %rax            /* return address */
	pushq $0x08
	pushq %rax
	lretq                /* reload CS */

/* void plat_run_on_own_stack(void (*fn)(void)) */
	.globl plat_run_on_own_stack
plat_run_on_own_stack:
	leaq hv_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call *%rdi
2:	cli
	hlt
	jmp 2b

	.bss
	.align 16
hv_stack:
	.skip 65536
hv_stack_top:

	.section .note.GNU-stack, "", @progbits
