/*
 * Multiboot2 entry.  GRUB enters in 32-bit protected mode with paging
 * off, EAX = 0x36d76289 and EBX = the boot information (Multiboot2
 * specification, 3.3).  Build an identity map of the first 4 GiB, enter
 * long mode (Intel SDM 3A 9.8.5) and call mb2_main(magic, info).
 */
	.section .multiboot2, "a"
	.align 8
mb2_header:
	.long 0xE85250D6                 /* magic */
	.long 0                          /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(0xE85250D6 + (mb2_header_end - mb2_header))
	.short 0, 0                      /* end tag */
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	movl %eax, %esi
	movl %ebx, %edi
	movl $boot_stack_top, %esp
	/* PD entries: 2 MiB pages over 0-4 GiB */
	movl $boot_pd, %ebx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, (%ebx,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, 4(%ebx,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jne 1b
	/* PDPT: four PDs */
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $3, %eax
	movl %eax, boot_pdpt(,%ecx,8)
	incl %ecx
	cmpl $4, %ecx
	jne 2b
	movl $boot_pdpt, %eax
	orl $3, %eax
	movl %eax, boot_pml4
	/* PAE, CR3, EFER.LME, then paging */
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000021, %eax            /* PG | NE | PE */
	movl %eax, %cr0
	lgdt boot_gdtr
	ljmp $0x08, $long_mode

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl %esi, %esi
	movl %edi, %edi
	xchgq %rsi, %rdi                 /* mb2_main(magic, info) */
	call mb2_main
3:	cli
	hlt
	jmp 3b

	.section .rodata.boot, "a"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF         /* 64-bit code */
	.quad 0x00CF92000000FFFF         /* data */
boot_gdtr:
	.short boot_gdtr - boot_gdt - 1
	.quad boot_gdt

	.section .bss.boot, "aw", @nobits
	.align 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
