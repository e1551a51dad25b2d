/*
 * Isolation probes.  Each faulting instruction sits at a known label with
 * a known length, so the #GP handler below can step over it: the
 * hypervisor answers a denied access with #GP(0) (policy "probe").
 */
	.text
	.code64

	.globl probe_read, probe_write, probe_in, probe_out, probe_rdmsr, probe_wrmsr

/* uint64_t probe_read(uint64_t addr) */
probe_read:
	xorl %eax, %eax
probe_read_insn:
	movq (%rdi), %rax            /* 3 bytes */
	ret

/* void probe_write(uint64_t addr, uint64_t value) */
probe_write:
	movq %rsi, %rax
probe_write_insn:
	movq %rax, (%rdi)            /* 3 bytes */
	ret

/* uint8_t probe_in(uint16_t port) */
probe_in:
	movl %edi, %edx
	xorl %eax, %eax
probe_in_insn:
	inb %dx, %al                 /* 1 byte */
	ret

/* void probe_out(uint16_t port, uint8_t value) */
probe_out:
	movl %edi, %edx
	movl %esi, %eax
probe_out_insn:
	outb %al, %dx                /* 1 byte */
	ret

/* uint64_t probe_rdmsr(uint32_t msr): value, or 0 after a #GP */
probe_rdmsr:
	movl %edi, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
probe_rdmsr_insn:
	rdmsr                        /* 2 bytes */
	shlq $32, %rdx
	orq %rdx, %rax
	ret

/* void probe_wrmsr(uint32_t msr, uint64_t value) */
probe_wrmsr:
	movl %edi, %ecx
	movq %rsi, %rax
	movq %rsi, %rdx
	shrq $32, %rdx
probe_wrmsr_insn:
	wrmsr                        /* 2 bytes */
	ret

/* #GP handler while probing: step over the probe instruction and count.
 * Frame: error code, RIP, CS, RFLAGS, RSP, SS. */
	.globl probe_gp_isr
probe_gp_isr:
	pushq %rax
	pushq %rcx
	movq 24(%rsp), %rax          /* faulting RIP */
	leaq probe_insns(%rip), %rcx
1:	cmpq $0, (%rcx)
	je 9f                        /* not a probe: a real bug in the guest */
	cmpq (%rcx), %rax
	je 2f
	addq $16, %rcx
	jmp 1b
2:	addq 8(%rcx), %rax           /* + instruction length */
	movq %rax, 24(%rsp)
	lock incq probe_gp_count(%rip)
	popq %rcx
	popq %rax
	addq $8, %rsp                /* error code */
	iretq
9:	cli
	hlt
	jmp 9b

	.section .rodata
	.align 8
probe_insns:                         /* address, length; 0 ends the table */
	.quad probe_read_insn, 3
	.quad probe_write_insn, 3
	.quad probe_in_insn, 1
	.quad probe_out_insn, 1
	.quad probe_rdmsr_insn, 2
	.quad probe_wrmsr_insn, 2
	.quad 0, 0

	.section .note.GNU-stack, "", @progbits
