/*
 * The arch-neutral vCPU interface.  Each backend (arch/x86/vmx,
 * arch/x86/svm) implements struct vcpu_ops; the core picks one at run
 * time from CPUID and never sees a VMCS field or a VMCB offset.  Exits
 * come back decoded into a struct hv_event.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcpu/guest_regs_offsets.h"

/* The largest guest RAM a backend must map (EPT/NPT pools are sized
 * from it); a build setting (make GUEST_RAM_MB=). */
#ifndef HV_GUEST_RAM_MB
#define HV_GUEST_RAM_MB 128
#endif
#define VCPU_RAM_MAX ((uint64_t)HV_GUEST_RAM_MB << 20)

/* Exception vectors the core injects or reads (Intel SDM 3A 6.3.1,
 * AMD APM 2 8.2). */
enum x86_vector {
	X86_VEC_NMI = 2,
	X86_VEC_UD = 6,
	X86_VEC_DF = 8,
	X86_VEC_MC = 18,
	X86_VEC_GP = 13,
	X86_VEC_PF = 14,
};

/* Guest general-purpose registers the backends save and restore around
 * every entry.  The entry assembly addresses them through the GREG_*
 * offsets; the asserts below keep the two in step. */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

_Static_assert(offsetof(struct guest_regs, rax) == GREG_RAX, "GREG_RAX");
_Static_assert(offsetof(struct guest_regs, rcx) == GREG_RCX, "GREG_RCX");
_Static_assert(offsetof(struct guest_regs, rdx) == GREG_RDX, "GREG_RDX");
_Static_assert(offsetof(struct guest_regs, rbx) == GREG_RBX, "GREG_RBX");
_Static_assert(offsetof(struct guest_regs, rbp) == GREG_RBP, "GREG_RBP");
_Static_assert(offsetof(struct guest_regs, rsi) == GREG_RSI, "GREG_RSI");
_Static_assert(offsetof(struct guest_regs, rdi) == GREG_RDI, "GREG_RDI");
_Static_assert(offsetof(struct guest_regs, r8) == GREG_R8, "GREG_R8");
_Static_assert(offsetof(struct guest_regs, r9) == GREG_R9, "GREG_R9");
_Static_assert(offsetof(struct guest_regs, r10) == GREG_R10, "GREG_R10");
_Static_assert(offsetof(struct guest_regs, r11) == GREG_R11, "GREG_R11");
_Static_assert(offsetof(struct guest_regs, r12) == GREG_R12, "GREG_R12");
_Static_assert(offsetof(struct guest_regs, r13) == GREG_R13, "GREG_R13");
_Static_assert(offsetof(struct guest_regs, r14) == GREG_R14, "GREG_R14");
_Static_assert(offsetof(struct guest_regs, r15) == GREG_R15, "GREG_R15");
_Static_assert(sizeof(struct guest_regs) == GREG_SIZE, "GREG_SIZE");

/* A general-purpose register by its number in instruction encodings and
 * exit qualifications (Intel SDM 2A 2.1.5, Table 2-2: 0 RAX, 1 RCX, 2 RDX,
 * 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15); RSP is not in struct
 * guest_regs (the VMCS/VMCB holds it), so the caller passes it. */
static inline uint64_t guest_reg_by_number(const struct guest_regs *r, unsigned n, uint64_t rsp)
{
	switch (n & 15) {
	case 0: return r->rax;
	case 1: return r->rcx;
	case 2: return r->rdx;
	case 3: return r->rbx;
	case 4: return rsp;
	case 5: return r->rbp;
	case 6: return r->rsi;
	case 7: return r->rdi;
	case 8: return r->r8;
	case 9: return r->r9;
	case 10: return r->r10;
	case 11: return r->r11;
	case 12: return r->r12;
	case 13: return r->r13;
	case 14: return r->r14;
	default: return r->r15;
	}
}

enum hv_event_kind {
	EV_NONE = 0,      /* exit needing no action (e.g. a lost race) */
	EV_TIMER,         /* the hypervisor's own timer fired */
	EV_HYPERCALL,     /* VMCALL / VMMCALL */
	EV_MEM_VIOLATION, /* EPT violation / NPT fault: gpa, access */
	EV_IO,            /* intercepted port access */
	EV_MSR,           /* intercepted RDMSR / WRMSR: msr, msr_write */
	EV_CPUID,         /* CPUID (always intercepted) */
	EV_TRIPLE_FAULT,  /* triple fault / shutdown */
	EV_HOST_NMI,      /* an NMI arrived that was not our timer */
	EV_HOST_INTR,     /* a stray host interrupt (all sources are masked) */
	EV_VIRT_INSN,     /* guest tried a virtualization instruction */
	EV_NMI_WINDOW,    /* the guest can take an NMI now (VMX NMI-window exit) */
	EV_INTR_WINDOW,   /* the guest can take an interrupt now */
	EV_ENTRY_FAILED,  /* the CPU refused to enter the guest */
	EV_INSN,          /* an intercepted instruction (enum hv_insn in insn) */
	EV_CR_WRITE,      /* an intercepted MOV to CR4: cr, cr_gpr */
	EV_HLT,           /* HLT (intercepted for a Linux guest only: hlt_exits) */
	EV_UNHANDLED,     /* anything else: raw code kept for the log */
	EV_KIND_COUNT
};

enum hv_access { ACC_READ = 1, ACC_WRITE = 2, ACC_EXEC = 4 };

/* Instructions both backends intercept because they would bypass the
 * hypervisor (EV_INSN); the core gives them the same meaning on both. */
enum hv_insn {
	INSN_MONITOR = 1, /* MONITOR/MWAIT: a deep C-state stops the VMX timer */
	INSN_MWAIT,
	INSN_INVD,        /* would discard dirty lines of hypervisor memory */
	INSN_GETSEC,      /* SMX, hidden from the guest */
	INSN_XSETBV,      /* XSAVE, hidden from the guest */
};

struct hv_event {
	enum hv_event_kind kind;
	uint64_t raw;       /* backend exit code, for the log */
	uint64_t qual;      /* backend qualification, for the log */
	uint64_t gpa;       /* EV_MEM_VIOLATION */
	uint32_t access;    /* EV_MEM_VIOLATION: enum hv_access bits */
	uint16_t port;      /* EV_IO */
	uint8_t io_size;    /* EV_IO: 1, 2 or 4 */
	bool io_in;         /* EV_IO: IN (true) or OUT */
	bool io_string;     /* EV_IO: INS/OUTS */
	uint32_t msr;       /* EV_MSR: ECX */
	bool msr_write;     /* EV_MSR: WRMSR (true) or RDMSR */
	uint8_t insn_len;   /* length of the exiting instruction, 0 if unknown */
	uint8_t insn;       /* EV_INSN: enum hv_insn */
	uint8_t cr;         /* EV_CR_WRITE: the control register */
	/* EV_CR_WRITE: the source register (a guest_reg_by_number() index)
	 * when the exit names it (VMX); CR_GPR_UNKNOWN otherwise (SVM without
	 * decode assists): the core decodes the instruction at RIP. */
	uint8_t cr_gpr;
	/* EV_HYPERCALL: the caller's privilege level (0-3), read at the exit
	 * so that the short path needs no call back into the backend. */
	uint8_t cpl;
};

/* The hot path (docs/design.md): a backend decoding a hypercall exit
 * before anything else sets only kind, raw, qual, insn_len and cpl, the
 * fields the core reads of an EV_HYPERCALL; the others keep whatever the
 * event held.  Every other exit sets every field. */

#define CR_GPR_UNKNOWN 0xFF

/* Event to inject at the next entry (Intel SDM 3C 26.6 / AMD APM 15.20). */
enum hv_inject_type { INJ_EXT_INTR = 0, INJ_NMI = 2, INJ_EXCEPTION = 3 };

struct hv_inject {
	enum hv_inject_type type;
	uint8_t vector;
	bool has_error;
	uint32_t error;
};

/* Whether an NMI could be injected at the next entry (Intel SDM 3C
 * 26.3.1.5 and 24.4.2; AMD APM 2 15.20-15.21). */
enum nmi_readiness {
	NMI_READY,        /* no NMI blocking, no STI/MOV-SS shadow, nothing pending */
	NMI_BLOCKED,      /* the guest is still in its NMI handler (no IRET yet) */
	NMI_NOT_NOW,      /* shadow or another event is being injected */
};

/* The guest's boot state (docs/guest-boot.md), chosen by the core once
 * for both backends: the backends only translate it into VMCS fields or
 * VMCB offsets.  Segment descriptors are in the GDT format (Intel SDM 3A
 * 3.4.5); each backend derives its access rights from them. */
struct vcpu_boot_state {
	uint64_t cr0, cr4, efer, pat;
	uint16_t code_sel, data_sel;
	uint64_t code_desc, data_desc;
};

/* An inclusive range of MSR indices (vcpu_config.msr_pass). */
struct vcpu_msr_range {
	uint32_t first, last;
};

/* Test aids (vcpu_config.test_break; only HV_TEST_AIDS builds set it):
 * make the backend produce what no guest can, to prove the core's path
 * for it.  UNHANDLED intercepts RDPMC without decoding it; BAD_ENTRY
 * gives every (re)started guest a state the entry checks refuse. */
enum vcpu_test_break { VCPU_BREAK_NONE, VCPU_BREAK_UNHANDLED, VCPU_BREAK_BAD_ENTRY };

/* What the backend needs to set up the guest. */
struct vcpu_config {
	struct vcpu_boot_state boot;
	uint8_t *ram;          /* host address of guest RAM (GPA 0) */
	uint64_t ram_size;
	uint64_t entry_rip;
	uint64_t entry_rsp;
	uint64_t entry_rdi;    /* boot-info GPA (an ELF guest) */
	uint64_t entry_rsi;    /* boot_params GPA (a Linux guest), else 0 */
	uint64_t guest_cr3;
	uint64_t gdt_gpa;
	uint16_t gdt_limit;
	uint64_t tick_tsc;     /* hypervisor tick period in TSC cycles */
	uint64_t tick_us;      /* the same in microseconds */
	uint64_t tsc_hz;
	/* Deny by default: every MSR access exits except these ranges, which
	 * the core has found safe to pass through (hv/msr.c says why for
	 * each).  A backend still intercepts what it must virtualize itself
	 * (SVM: EFER, for SVME). */
	const struct vcpu_msr_range *msr_pass;
	unsigned msr_pass_count;
	enum vcpu_test_break test_break;
	/* The guest's COM2 (0x2F8-0x2FF) is the core's emulated UART (a
	 * Linux guest): intercepted.  Otherwise it is passed through. */
	bool com2_emulated;
	/* HLT exits (a Linux guest): the core waits for the guest's next
	 * interrupt, and a HLT with interrupts off is the guest powering off. */
	bool hlt_exits;
};

/* One segment register as a dump records it.  attr is in the VMX
 * access-rights layout (Intel SDM 3C 24.4.1: type, S, DPL, P in bits 0-7,
 * AVL, L, D/B, G in bits 12-15, bit 16 "unusable"); SVM's packed 12-bit
 * attribute converts to it by moving bits 8-11 up to 12-15. */
struct vcpu_seg {
	uint16_t sel;
	uint32_t attr, limit;
	uint64_t base;
};

/* The vCPU state a crash dump records (hv/dump.c) besides struct
 * guest_regs: what the backend keeps in the VMCS or VMCB. */
struct vcpu_state {
	uint64_t rip, rsp, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer, dr7;
	struct vcpu_seg es, cs, ss, ds, fs, gs, ldtr, tr;
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	/* An event waiting for the next entry (VMX VM-entry interruption
	 * information, SVM EVENTINJ) and one the exit cut short (VMX
	 * IDT-vectoring information, SVM EXITINTINFO), raw; bit 31 = valid
	 * in both layouts. */
	uint64_t pending_event, vectoring_event;
	/* STI/MOV-SS shadow: VMX guest interruptibility, SVM INTERRUPT_SHADOW. */
	uint64_t interruptibility;
	/* The MSRs the guest owns that the VMCS or VMCB holds, or (VMX, the
	 * SYSCALL ones) that stay in the CPU while the guest is out. */
	uint64_t pat, sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
};

/* Which hypercall instruction the guest must use (VMCALL or VMMCALL). */
enum vcpu_vendor { VCPU_VENDOR_INTEL = 1, VCPU_VENDOR_AMD = 2 };

struct vcpu_ops {
	const char *name;
	enum vcpu_vendor vendor;
	/* SVM's tick is an NMI the host takes at STGI; on VMX an NMI that
	 * reaches the host IDT arrived while the hypervisor itself ran. */
	bool host_nmis_are_ticks;
	/* true if the CPU supports this backend; *why explains a "no". */
	bool (*probe)(const char **why);
	/* Enables the extension, builds the VMCS/VMCB and EPT/NPT. */
	bool (*init)(const struct vcpu_config *cfg, const char **why);
	/* Enters the guest; returns on the next exit, decoded.  Guarantees
	 * an exit once the guest has run until `deadline_tsc` (the next
	 * tick).  VMX counts only the guest's own time towards it (the
	 * preemption timer's count is saved at each exit and re-armed when the
	 * deadline moves), so the exit may come later by the hypervisor's
	 * time since the deadline was set: at most one tick, because every
	 * exit past the deadline runs the tick and moves it. */
	void (*run)(struct guest_regs *regs, uint64_t deadline_tsc, struct hv_event *ev);
	void (*inject)(const struct hv_inject *inj);
	/* true if an external interrupt can be injected now: guest IF=1,
	 * no STI/MOV-SS shadow, nothing else pending. */
	bool (*can_inject_intr)(void);
	uint64_t (*get_rip)(void);
	void (*skip_insn)(uint8_t len);
	unsigned (*get_cpl)(void);
	/* Host-side CPUID leaf adjustment for the guest (hide VMX/SVM). */
	void (*adjust_cpuid)(uint32_t leaf, uint32_t sub, uint32_t r[4]);
	/* Puts the vCPU back in its boot state (a guest reset). */
	void (*reset)(const struct vcpu_config *cfg);
	enum nmi_readiness (*nmi_readiness)(void);
	/* Ask for an exit as soon as an NMI can be injected (VMX NMI-window
	 * exiting; on SVM the IRET intercept and the tick do this). */
	void (*request_nmi_window)(bool on);
	/* Ask for an exit as soon as the guest can take an external
	 * interrupt (VMX interrupt-window exiting, SVM V_IRQ + VINTR). */
	void (*request_intr_window)(bool on);
	/* Hands an external interrupt to the backend, which has it go in at
	 * the guest's next interrupt window with no return to the core: VMX
	 * takes the interrupt-window exit in run(), injects and re-enters;
	 * SVM queues a real virtual interrupt (V_IRQ, V_INTR_VECTOR) that
	 * the CPU delivers itself, with no exit at all.  For an interrupt
	 * that cannot go in at this entry (an NMI does: one event per
	 * entry, or the guest cannot take one now).  One at a time: a new
	 * vector replaces a waiting one, vector 0 drops it, and so does a
	 * reset.  The core never holds its own window (request_intr_window)
	 * open while one is queued, nor queues while its window is open:
	 * SVM's two share V_IRQ. */
	void (*queue_intr)(uint8_t vector);
	/* true while the interrupt given to queue_intr() waits (SVM: as of
	 * the last exit). */
	bool (*intr_queued)(void);
	uint64_t (*get_rsp)(void);
	uint64_t (*get_cr2)(void);
	uint64_t (*get_cr3)(void);
	/* Folds the backend's static control structures (intercept bitmaps,
	 * EPT/NPT tables, the VMCS host state and fixed controls or the
	 * VMCB's fixed controls) into a CRC-32. */
	uint32_t (*control_crc)(uint32_t crc);
	/* Sets the bit of every 4 KiB guest page written since the last call
	 * in `bitmap` (bit n = GPA n * 4096; `pages` bits), forgets those
	 * writes, and makes sure the next write to each page is recorded
	 * again (EPT accessed/dirty flags, NPT dirty bits, with the TLB
	 * flush each needs).  Returns false if the CPU cannot record writes:
	 * the caller must then treat every page as written.  A guest reset
	 * clears only the pages written (docs/design.md, Reset). */
	bool (*take_dirty)(uint64_t *bitmap, uint64_t pages);
	/* The guest's TSC is the host's plus this (VMX TSC offsetting, SVM
	 * TSC_OFFSET): a guest write to its TSC moves only the offset. */
	void (*set_tsc_offset)(uint64_t offset);
	/* true if an event is waiting to be injected at the next entry
	 * (one the hypervisor queued, or one re-injected after an exit that
	 * cut its delivery short). */
	bool (*injection_pending)(void);
	/* MOV to control register `cr` (only 4 is ever intercepted), checked
	 * as the CPU checks it: false if the CPU would refuse it with #GP
	 * (a reserved bit, a feature CPUID hides, a rule of long mode). */
	bool (*write_cr)(unsigned cr, uint64_t value);
	uint64_t (*get_rflags)(void);
	/* Everything a crash dump records of the vCPU (struct vcpu_state);
	 * reads only. */
	void (*get_state)(struct vcpu_state *out);
	/* Puts back a state get_state() read (a checkpoint's restore,
	 * docs/checkpoints.md): everything above except the events, which
	 * are dropped (no event pending, none cut short); the bits of CR0 and
	 * CR4 the backend owns keep their values. */
	void (*set_state)(const struct vcpu_state *in);
};

extern const struct vcpu_ops vmx_ops;
extern const struct vcpu_ops svm_ops;

#endif
