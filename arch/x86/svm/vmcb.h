/*
 * VMCB layout (AMD APM Vol. 2, Appendix B) and intercept bits.  Only
 * arch/x86/svm includes this file.
 */
#ifndef ARCH_SVM_VMCB_H
#define ARCH_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

struct __attribute__((packed)) vmcb_seg {
	uint16_t selector;
	uint16_t attrib; /* type, S, DPL, P, AVL, L, D/B, G packed in 12 bits */
	uint32_t limit;
	uint64_t base;
};

struct __attribute__((packed, aligned(4096))) vmcb {
	/* Control area (APM 2 Table B-1) */
	uint32_t intercept_cr;        /* 0x000 */
	uint32_t intercept_dr;        /* 0x004 */
	uint32_t intercept_exceptions;/* 0x008 */
	uint32_t intercept_misc1;     /* 0x00C */
	uint32_t intercept_misc2;     /* 0x010 */
	uint32_t intercept_misc3;     /* 0x014 */
	uint8_t reserved1[0x03C - 0x018];
	uint16_t pause_filter_thresh; /* 0x03C */
	uint16_t pause_filter_count;  /* 0x03E */
	uint64_t iopm_base_pa;        /* 0x040 */
	uint64_t msrpm_base_pa;       /* 0x048 */
	uint64_t tsc_offset;          /* 0x050 */
	uint32_t guest_asid;          /* 0x058 */
	uint8_t tlb_control;          /* 0x05C */
	uint8_t reserved2[3];
	uint64_t vintr;               /* 0x060: V_TPR, V_IRQ, ..., V_INTR_MASKING (bit 24) */
	uint64_t interrupt_shadow;    /* 0x068 */
	uint64_t exitcode;            /* 0x070 */
	uint64_t exitinfo1;           /* 0x078 */
	uint64_t exitinfo2;           /* 0x080 */
	uint64_t exitintinfo;         /* 0x088 */
	uint64_t np_enable;           /* 0x090 */
	uint8_t reserved3[0x0A8 - 0x098];
	uint64_t eventinj;            /* 0x0A8 */
	uint64_t n_cr3;               /* 0x0B0 */
	uint64_t lbr_virt_enable;     /* 0x0B8 */
	uint32_t vmcb_clean;          /* 0x0C0 */
	uint32_t reserved4;
	uint64_t next_rip;            /* 0x0C8 */
	uint8_t reserved5[0x400 - 0x0D0];
	/* State save area (APM 2 Table B-2) */
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t reserved6[0x4CB - 0x4A0];
	uint8_t cpl;                  /* 0x4CB */
	uint32_t reserved7;
	uint64_t efer;                /* 0x4D0 */
	uint8_t reserved8[0x548 - 0x4D8];
	uint64_t cr4;                 /* 0x548 */
	uint64_t cr3;                 /* 0x550 */
	uint64_t cr0;                 /* 0x558 */
	uint64_t dr7;                 /* 0x560 */
	uint64_t dr6;                 /* 0x568 */
	uint64_t rflags;              /* 0x570 */
	uint64_t rip;                 /* 0x578 */
	uint8_t reserved9[0x5D8 - 0x580];
	uint64_t rsp;                 /* 0x5D8 */
	uint8_t reserved10[0x5F8 - 0x5E0];
	uint64_t rax;                 /* 0x5F8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base; /* 0x600 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;   /* 0x628 */
	uint64_t cr2;                 /* 0x640 */
	uint8_t reserved11[0x668 - 0x648];
	uint64_t g_pat;               /* 0x668 */
	uint8_t reserved12[0x1000 - 0x670];
};

/* Every field above at its offset in AMD APM 2 Appendix B: Table B-1
 * (control area) and Table B-2 (state save area, from 0x400). */
#define VMCB_AT(field, off) \
	_Static_assert(offsetof(struct vmcb, field) == (off), "VMCB " #field " (APM 2 Appendix B)")
VMCB_AT(intercept_cr, 0x000);
VMCB_AT(intercept_dr, 0x004);
VMCB_AT(intercept_exceptions, 0x008);
VMCB_AT(intercept_misc1, 0x00C);
VMCB_AT(intercept_misc2, 0x010);
VMCB_AT(intercept_misc3, 0x014);
VMCB_AT(pause_filter_thresh, 0x03C);
VMCB_AT(pause_filter_count, 0x03E);
VMCB_AT(iopm_base_pa, 0x040);
VMCB_AT(msrpm_base_pa, 0x048);
VMCB_AT(tsc_offset, 0x050);
VMCB_AT(guest_asid, 0x058);
VMCB_AT(tlb_control, 0x05C);
VMCB_AT(vintr, 0x060);
VMCB_AT(interrupt_shadow, 0x068);
VMCB_AT(exitcode, 0x070);
VMCB_AT(exitinfo1, 0x078);
VMCB_AT(exitinfo2, 0x080);
VMCB_AT(exitintinfo, 0x088);
VMCB_AT(np_enable, 0x090);
VMCB_AT(eventinj, 0x0A8);
VMCB_AT(n_cr3, 0x0B0);
VMCB_AT(lbr_virt_enable, 0x0B8);
VMCB_AT(vmcb_clean, 0x0C0);
VMCB_AT(next_rip, 0x0C8);
VMCB_AT(es, 0x400);
VMCB_AT(cs, 0x410);
VMCB_AT(ss, 0x420);
VMCB_AT(ds, 0x430);
VMCB_AT(fs, 0x440);
VMCB_AT(gs, 0x450);
VMCB_AT(gdtr, 0x460);
VMCB_AT(ldtr, 0x470);
VMCB_AT(idtr, 0x480);
VMCB_AT(tr, 0x490);
VMCB_AT(cpl, 0x4CB);
VMCB_AT(efer, 0x4D0);
VMCB_AT(cr4, 0x548);
VMCB_AT(cr3, 0x550);
VMCB_AT(cr0, 0x558);
VMCB_AT(dr7, 0x560);
VMCB_AT(dr6, 0x568);
VMCB_AT(rflags, 0x570);
VMCB_AT(rip, 0x578);
VMCB_AT(rsp, 0x5D8);
VMCB_AT(rax, 0x5F8);
VMCB_AT(star, 0x600);
VMCB_AT(lstar, 0x608);
VMCB_AT(cstar, 0x610);
VMCB_AT(sfmask, 0x618);
VMCB_AT(kernel_gs_base, 0x620);
VMCB_AT(sysenter_cs, 0x628);
VMCB_AT(sysenter_esp, 0x630);
VMCB_AT(sysenter_eip, 0x638);
VMCB_AT(cr2, 0x640);
VMCB_AT(g_pat, 0x668);
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
/* A segment register in the state save area (APM 2 Table B-2). */
_Static_assert(offsetof(struct vmcb_seg, selector) == 0 && offsetof(struct vmcb_seg, attrib) == 2 &&
		       offsetof(struct vmcb_seg, limit) == 4 && offsetof(struct vmcb_seg, base) == 8 &&
		       sizeof(struct vmcb_seg) == 16,
	       "VMCB segment layout (APM 2 Table B-2)");

/* Intercept vector 3 (offset 0x00C) and 4 (0x010), APM 2 Table B-1. */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_VINTR (1u << 4)
#define SVM_INTERCEPT_RDPMC (1u << 15)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_IRET (1u << 20)
#define SVM_INTERCEPT_INVD (1u << 22)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
#define SVM_INTERCEPT_VMRUN (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD (1u << 2)
#define SVM_INTERCEPT_VMSAVE (1u << 3)
#define SVM_INTERCEPT_STGI (1u << 4)
#define SVM_INTERCEPT_CLGI (1u << 5)
#define SVM_INTERCEPT_SKINIT (1u << 6)
#define SVM_INTERCEPT_MONITOR (1u << 10)
#define SVM_INTERCEPT_MWAIT (1u << 11)
#define SVM_INTERCEPT_MWAIT_ARMED (1u << 12)
#define SVM_INTERCEPT_XSETBV (1u << 13)

/* intercept_cr (offset 0x000): bits 0-15 reads, 16-31 writes of CR0-15. */
#define SVM_INTERCEPT_CR4_WRITE (1u << (16 + 4))

/* Exit codes (APM 2 Appendix C). */
enum svm_exit_code {
	SVM_EXIT_CR4_WRITE = 0x14,
	SVM_EXIT_INTR = 0x60,
	SVM_EXIT_NMI = 0x61,
	SVM_EXIT_VINTR = 0x64,
	SVM_EXIT_RDPMC = 0x6F,
	SVM_EXIT_CPUID = 0x72,
	SVM_EXIT_IRET = 0x74,
	SVM_EXIT_INVD = 0x76,
	SVM_EXIT_HLT = 0x78,
	SVM_EXIT_IOIO = 0x7B,
	SVM_EXIT_MSR = 0x7C,
	SVM_EXIT_SHUTDOWN = 0x7F,
	SVM_EXIT_VMRUN = 0x80,
	SVM_EXIT_VMMCALL = 0x81,
	SVM_EXIT_VMLOAD = 0x82,
	SVM_EXIT_SKINIT = 0x86,
	SVM_EXIT_MONITOR = 0x8A,
	SVM_EXIT_MWAIT = 0x8B,
	SVM_EXIT_MWAIT_ARMED = 0x8C,
	SVM_EXIT_XSETBV = 0x8D,
	SVM_EXIT_NPF = 0x400,
	SVM_EXIT_INVALID = 0xFFFFFFFFu, /* -1: VMRUN refused the VMCB */
};

/* EVENTINJ / EXITINTINFO (APM 2 15.20, 15.7.2) */
#define SVM_EVENT_VALID (1ull << 31)
#define SVM_EVENT_HAS_ERROR (1ull << 11)
#define SVM_EVENT_TYPE_MASK (7ull << 8)
#define SVM_EVENT_TYPE_NMI (2ull << 8)

/* TLB_CONTROL (VMCB 0x05C, APM 2 15.16.1 and Table B-1): 1 flushes the
 * whole TLB, every ASID, at the next VMRUN; every SVM CPU supports it. */
#define SVM_TLB_FLUSH_ALL 1u

/* VMCB 0x060 bits (APM 2 Table B-1) */
#define SVM_V_IRQ (1ull << 8)
#define SVM_V_INTR_PRIO_MAX (0xFull << 16)
#define SVM_V_IGN_TPR (1ull << 20)
#define SVM_V_INTR_MASKING (1ull << 24)
#define SVM_V_INTR_VECTOR_SHIFT 32 /* V_INTR_VECTOR: bits 32-39 */
#define SVM_V_INTR_VECTOR_MASK (0xFFull << SVM_V_INTR_VECTOR_SHIFT)

#endif
