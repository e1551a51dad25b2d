/*
 * Isolation probes.  Each faulting instruction sits at a known label with
 * a known length, so the #GP handler below can step over it: the
 * hypervisor answers a denied access with #GP(0) (policy "probe").
 */
	.text
	.code64

	.globl probe_read, probe_write, probe_in, probe_out, probe_rdmsr, probe_wrmsr
	.globl probe_mov_cr4, probe_xsetbv, probe_monitor, probe_mwait, probe_getsec, probe_rdpmc

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

/* void probe_mov_cr4(uint64_t value): #GP if a bit may not be set */
probe_mov_cr4:
probe_mov_cr4_insn:
	movq %rdi, %cr4              /* 3 bytes */
	ret

/* Instructions the guest does not have (#UD expected): XSETBV of
 * XCR0 = x87|SSE, MONITOR/MWAIT on a local, GETSEC CAPABILITIES; RDPMC
 * (CPL 0 may use it; the unhandled-exit test aid intercepts it). */
probe_xsetbv:
	xorl %ecx, %ecx
	movl $3, %eax
	xorl %edx, %edx
probe_xsetbv_insn:
	xsetbv                       /* 3 bytes */
	ret

probe_monitor:
	leaq -8(%rsp), %rax
	xorl %ecx, %ecx
	xorl %edx, %edx
probe_monitor_insn:
	monitor                      /* 3 bytes */
	ret

probe_mwait:
	xorl %eax, %eax
	xorl %ecx, %ecx
probe_mwait_insn:
	mwait                        /* 3 bytes */
	ret

probe_getsec:
	xorl %eax, %eax
	xorl %ebx, %ebx
probe_getsec_insn:
	getsec                       /* 2 bytes */
	ret

probe_rdpmc:
	xorl %ecx, %ecx
probe_rdpmc_insn:
	rdpmc                        /* 2 bytes */
	ret

/* The body of a probing fault handler: find the faulting RIP (at
 * rip_off(%rsp) after the two pushes) in probe_insns, step over the
 * instruction, count the fault in `counter`; a fault that is not a probe
 * is a real bug in the guest: halt.  The caller pops what it must and
 * returns with IRETQ. */
.macro PROBE_STEP_OVER rip_off, counter
	pushq %rax
	pushq %rcx
	movq \rip_off(%rsp), %rax      /* faulting RIP */
	leaq probe_insns(%rip), %rcx
1:	cmpq $0, (%rcx)
	je 9f                        /* not a probe */
	cmpq (%rcx), %rax
	je 2f
	addq $16, %rcx
	jmp 1b
9:	cli
	hlt
	jmp 9b
2:	addq 8(%rcx), %rax           /* + instruction length */
	movq %rax, \rip_off(%rsp)
	lock incq \counter(%rip)
	popq %rcx
	popq %rax
.endm

/* #UD handler while probing.  Frame: RIP, CS, RFLAGS, RSP, SS. */
	.globl probe_ud_isr
probe_ud_isr:
	PROBE_STEP_OVER 16, probe_ud_count
	iretq

/* #GP handler while probing.  Frame: error code, RIP, CS, RFLAGS, RSP, SS. */
	.globl probe_gp_isr
probe_gp_isr:
	PROBE_STEP_OVER 24, probe_gp_count
	addq $8, %rsp                /* error code */
	iretq

	.section .rodata
	.align 8
probe_insns:                         /* address, length; 0 ends the table */
	.quad probe_read_insn, 3
	.quad probe_write_insn, 3
	.quad probe_in_insn, 1
	.quad probe_out_insn, 1
	.quad probe_rdmsr_insn, 2
	.quad probe_wrmsr_insn, 2
	.quad probe_mov_cr4_insn, 3
	.quad probe_xsetbv_insn, 3
	.quad probe_monitor_insn, 3
	.quad probe_mwait_insn, 3
	.quad probe_getsec_insn, 2
	.quad probe_rdpmc_insn, 2
	.quad 0, 0

	.section .note.GNU-stack, "", @progbits
