/*
 * Intel VMX backend (Intel SDM Vol. 3C, chapters 23-29).
 * One VMCS, one vCPU, EPT over the guest RAM arena, the VMX-preemption
 * timer as the hypervisor tick.
 *
 * This file is the run time: vmx_run and the rest of the per-exit path
 * (kept here, static, so that it stays free of cross-file calls), event
 * injection, the accessors, reset, and vmx_ops.  Bring-up is in
 * vmx_setup.c, the EPT in vmx_ept.c; vmx_priv.h is what they share.
 */
#include <stddef.h>
#include <string.h>

#include "vcpu/vcpu.h"
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_decode.h"
#include "arch/x86/vmx/vmx_priv.h"

struct vmx_state vmx; /* filled by setup_controls (vmx_setup.c) */
static int vmcs_launched;
/* The deadline the preemption timer counts down to (vmx.preemption_saved). */
static uint64_t armed_deadline;

/* The interrupt window: asked for by the core (request_intr_window) or
 * held open for an interrupt the backend injects itself (queue_intr);
 * its window exit is taken in vmx_entry.S when it can (vmx_priv.h). */
struct vmx_intr_queue vmx_iq;

_Static_assert(offsetof(struct vmx_intr_queue, fast_info) == VMX_IQ_FAST_INFO &&
		       offsetof(struct vmx_intr_queue, queued) == VMX_IQ_QUEUED &&
		       offsetof(struct vmx_state, proc_controls) == VMX_STATE_PROC_CONTROLS,
	       "offsets as vmx_entry.S uses them (vmcs.h)");

/* An event whose delivery was cut short by the exit is re-injected
 * (SDM 3C 28.2.4 and 27.2.3).  Rare: the error code and instruction
 * length are read only then. */
static void reinject_vectoring_event(uint32_t vectoring)
{
	if (!(vectoring & INTR_INFO_VALID))
		return;
	vmwrite(ENTRY_INTR_INFO, vectoring & 0x80000FFFu);
	vmwrite(ENTRY_EXC_ERROR, vmread(IDT_VECTORING_ERROR));
	vmwrite(ENTRY_INSN_LEN, vmread(EXIT_INSN_LEN));
}

/* A fault or EPT violation during an IRET that unblocked NMIs leaves
 * them unblocked; the IRET will run again, so restore the blocking
 * before re-entry (SDM 3C 28.2.3, 31.7.1.2).  Not when the exit came
 * during event delivery: then the bit is undefined (28.2.3). */
static void restore_nmi_blocking(const struct vmx_exit_info *x, uint32_t vectoring)
{
	uint32_t basic = x->reason & 0xFFFF;
	bool unblocked = (basic == VMX_EXIT_EPT_VIOLATION && (x->qual & NMI_UNBLOCKED_BY_IRET)) ||
			 (basic == VMX_EXIT_EXCEPTION_NMI && (x->intr_info & NMI_UNBLOCKED_BY_IRET));

	if (unblocked && !(vectoring & INTR_INFO_VALID))
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) | BLOCKING_BY_NMI);
}

/* The CPL is SS.DPL (SDM 3C 24.4.1). */
static inline uint8_t vmx_ss_dpl(void)
{
	return (uint8_t)((vmread(GUEST_SS_AR) >> 5) & 3);
}

/* EXIT_REASON first, then only the fields that reason needs
 * (vmx_exit_fields()); the others stay 0, and the decoded event does not
 * depend on them (tests/unit/test_vmx_decode.c checks every reason). */
static void read_exit_info(const struct guest_regs *regs, uint32_t reason, struct vmx_exit_info *x)
{
	unsigned need = vmx_exit_fields(reason);

	x->reason = reason;
	x->qual = (need & VMX_FIELD_QUAL) ? vmread(EXIT_QUALIFICATION) : 0;
	x->intr_info = (need & VMX_FIELD_INTR_INFO) ? (uint32_t)vmread(EXIT_INTR_INFO) : 0;
	x->insn_len = (need & VMX_FIELD_INSN_LEN) ? (uint32_t)vmread(EXIT_INSN_LEN) : 0;
	x->gpa = (need & VMX_FIELD_GPA) ? vmread(GUEST_PHYS_ADDR) : 0;
	x->cpl = (need & VMX_FIELD_CPL) ? vmx_ss_dpl() : 0;
	x->ecx = (uint32_t)regs->rcx;
}

/* The VMX-preemption timer counts down at the TSC rate divided by
 * 2^preemption_shift (SDM 3C 25.5.1); a 32-bit field. */
static inline __attribute__((always_inline)) void arm_preemption_timer(uint64_t deadline_tsc)
{
	if (vmx.preemption_saved && deadline_tsc == armed_deadline)
		return; /* still counting down to the same deadline */
	armed_deadline = deadline_tsc;
	uint64_t now = rdtsc();
	uint64_t delta = deadline_tsc > now ? deadline_tsc - now : 0;
	uint64_t timer = delta >> vmx.preemption_shift;

	vmwrite(PREEMPTION_TIMER, timer > 0xFFFFFFFFull ? 0xFFFFFFFFull : timer);
}

static void set_proc_control(uint32_t bit, bool on);
static void vmx_inject(const struct hv_inject *inj);

static void apply_intr_window(void)
{
	set_proc_control(PROC_INTR_WINDOW, vmx_iq.core_window || vmx_iq.queued);
	/* The assembly takes the window exit only when it is the queued
	 * interrupt's alone and the preemption timer needs no re-arming
	 * (its count saved at exit, SDM 3C 25.5.1): then nothing but the
	 * injection differs from the entry before. */
	vmx_iq.fast_info = vmx_iq.queued && !vmx_iq.core_window && vmx.preemption_saved
				   ? vmx_iq.queued | ((uint32_t)INJ_EXT_INTR << 8) | INTR_INFO_VALID
				   : 0;
}

/* An interrupt-window exit the queued interrupt waited for: the guest can
 * take it now (RFLAGS.IF=1, no STI/MOV-SS blocking, SDM 3C 25.2), and as
 * no event was being delivered (the exit comes between instructions)
 * nothing else goes in at this entry.  Injected here, and the guest
 * re-entered without a round through the core. */
static __attribute__((noinline)) void vmx_inject_queued_intr(void)
{
	const struct hv_inject irq = { .type = INJ_EXT_INTR, .vector = vmx_iq.queued };

	vmcs_launched = 1;
	vmx_inject(&irq);
	vmx_iq.queued = 0;
	apply_intr_window();
}

static inline bool vmx_queued_intr_goes_in(uint32_t reason)
{
	if (reason != VMX_EXIT_INTR_WINDOW || !vmx_iq.queued)
		return false;
	vmx_inject_queued_intr();
	return true;
}

static void vmx_run(struct guest_regs *regs, uint64_t deadline_tsc, struct hv_event *ev)
{
	struct vmx_exit_info x;
	uint32_t reason;

	arm_preemption_timer(deadline_tsc);
again:
	if (vmx_enter(regs, vmcs_launched) != 0) {
		memset(ev, 0, sizeof(*ev));
		ev->kind = EV_ENTRY_FAILED;
		ev->raw = 0xFFFF;
		ev->qual = vmread(VM_INSN_ERROR);
		return;
	}
	/* The hypercall first, before any other field is read: a VMCALL
	 * exit needs only its length, and as an instruction's exit it never
	 * interrupts event delivery (SDM 3C 28.2.4), so nothing is left to
	 * re-inject. */
	reason = (uint32_t)vmread(EXIT_REASON);
	if (reason == VMX_EXIT_VMCALL) {
		vmcs_launched = 1;
		vmx_decode_vmcall((uint32_t)vmread(EXIT_INSN_LEN), vmx_ss_dpl(), ev);
		return;
	}
	if (vmx_queued_intr_goes_in(reason)) {
		/* The backend's own exit: the core sees the next one.  Same
		 * deadline (armed_deadline, kept in memory rather than in one
		 * more register across the entry). */
		arm_preemption_timer(armed_deadline);
		goto again;
	}
	read_exit_info(regs, reason, &x);
	vmx_decode_exit(&x, ev);
	if (!vmx_exit_may_vector(x.reason)) {
		/* An instruction's exit (the hot path: VMCALL): the entry
		 * succeeded, and no event was being delivered. */
		vmcs_launched = 1;
		return;
	}
	/* An entry that failed its guest-state checks leaves a VMCLEAR-ed
	 * VMCS unlaunched (SDM 3C 26.8): the next entry is a VMLAUNCH again. */
	if (!(x.reason & VMX_EXIT_FAILED_ENTRY))
		vmcs_launched = 1;
	if (ev->kind == EV_HOST_INTR)
		plat_end_stray_interrupt();
	if ((x.reason & 0xFFFF) == VMX_EXIT_PREEMPTION_TIMER)
		armed_deadline = 0; /* it fired (maybe early, by the shift): re-arm */
	/* Read once: both steps below depend on it (SDM 3C 28.2.4). */
	uint32_t vectoring = (uint32_t)vmread(IDT_VECTORING_INFO);
	restore_nmi_blocking(&x, vectoring);
	reinject_vectoring_event(vectoring);
}

static void vmx_inject(const struct hv_inject *inj)
{
	uint32_t info = inj->vector | ((uint32_t)inj->type << 8) | INTR_INFO_VALID;

	if (inj->has_error) {
		info |= INTR_INFO_DELIVER_ERROR;
		vmwrite(ENTRY_EXC_ERROR, inj->error);
	}
	vmwrite(ENTRY_INTR_INFO, info);
	vmwrite(GUEST_ACTIVITY, 0); /* an injected event wakes a HLT-ed guest */
}

/* A guest halted by "sti; hlt" can exit with blocking by STI still set,
 * although the HLT has completed: the shadow no longer applies, and an
 * injection with it set would fail the entry checks (SDM 3C 26.3.1.5).
 * Drop it while the guest is halted. */
static uint64_t guest_interruptibility(void)
{
	uint64_t intr = vmread(GUEST_INTERRUPTIBILITY);

	if ((intr & BLOCKING_BY_STI) && vmread(GUEST_ACTIVITY) == ACTIVITY_HLT) {
		intr &= ~(uint64_t)BLOCKING_BY_STI;
		vmwrite(GUEST_INTERRUPTIBILITY, intr);
	}
	return intr;
}

static bool vmx_can_inject_intr(void)
{
	return (vmread(GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(guest_interruptibility() & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)) &&
	       !(vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

static uint64_t vmx_get_rip(void)
{
	return vmread(GUEST_RIP);
}

static void vmx_skip_insn(uint8_t len)
{
	const uint64_t shadow = BLOCKING_BY_STI | BLOCKING_BY_MOV_SS;

	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + len);
	/* Skipping an instruction ends an STI/MOV-SS shadow (SDM 3C 25.1.3
	 * and 24.4.2); the field is written only if one was set. */
	uint64_t intr = vmread(GUEST_INTERRUPTIBILITY);
	if (intr & shadow)
		vmwrite(GUEST_INTERRUPTIBILITY, intr & ~shadow);
}

static unsigned vmx_get_cpl(void)
{
	return vmx_ss_dpl();
}

static void vmx_adjust_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)sub;
	if (leaf == 1)
		r[2] &= ~CPUID_1_ECX_VMX; /* no nested VMX */
}

static void set_proc_control(uint32_t bit, bool on)
{
	uint32_t want = on ? vmx.proc_controls | bit : vmx.proc_controls & ~bit;

	if (want == vmx.proc_controls)
		return;
	vmx.proc_controls = want;
	vmwrite(PROC_CONTROLS, want);
}

/* SDM 3C 25.2: exits as soon as there is no virtual-NMI blocking. */
static void vmx_request_nmi_window(bool on)
{
	set_proc_control(PROC_NMI_WINDOW, on);
}

/* SDM 3C 25.2: exits as soon as RFLAGS.IF=1 and no STI/MOV-SS blocking. */
static void vmx_request_intr_window(bool on)
{
	vmx_iq.core_window = on;
	apply_intr_window();
}

static void vmx_queue_intr(uint8_t vector)
{
	vmx_iq.queued = vector;
	apply_intr_window();
}

static bool vmx_intr_queued(void)
{
	return vmx_iq.queued != 0;
}

/* With virtual NMIs, blocking by NMI is the guest's "in NMI handler"
 * state, cleared by its IRET (SDM 3C 25.3).  An NMI may not be injected
 * in a MOV-SS shadow; an STI shadow is treated the same way for safety
 * (SDM 3C 26.3.1.5). */
static enum nmi_readiness vmx_nmi_readiness(void)
{
	uint64_t intr = guest_interruptibility();

	if (intr & BLOCKING_BY_NMI)
		return NMI_BLOCKED;
	if ((intr & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)) || (vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID))
		return NMI_NOT_NOW;
	return NMI_READY;
}

static void vmx_reset(const struct vcpu_config *cfg)
{
	setup_guest_state(cfg);
	cpu_reset_guest_leftovers(true);
	armed_deadline = 0;
	vmwrite(ENTRY_INTR_INFO, 0);
	vmx_request_nmi_window(false);
	vmx_iq.queued = 0;
	vmx_request_intr_window(false);
}

static uint64_t vmx_get_rsp(void)
{
	return vmread(GUEST_RSP);
}

/* A VM exit neither saves nor loads CR2 (SDM 3C 28.5.1, "Loading Host
 * Control Registers": only CR0, CR3, CR4): the CPU's CR2 still holds the
 * guest's value, as the hypervisor takes no page faults of its own (a
 * host #PF is a crash).  Read on demand, not on every exit. */
static uint64_t vmx_get_cr2(void)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	return cr2;
}

static uint64_t vmx_get_cr3(void)
{
	return vmread(GUEST_CR3);
}

static void vmx_set_tsc_offset(uint64_t offset)
{
	vmwrite(TSC_OFFSET, offset); /* RDTSC(P) and the TSC MSR add it (SDM 3C 25.3) */
}

/* Only the owned bits (CR4_MASK) make a MOV to CR4 exit, and the shadow
 * never has them set: the guest tried to set one of them (SDM 3C 25.3).
 * A write without them (not reached today) is applied, the owned VMXE
 * kept set in the real register. */
static bool vmx_write_cr(unsigned cr, uint64_t value)
{
	if (cr != 4 || (value & CR4_GUEST_MAY_NOT_SET))
		return false;
	vmwrite(GUEST_CR4, (value | CR4_VMXE | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));
	vmwrite(CR4_SHADOW, value);
	return true;
}

static uint64_t vmx_get_rflags(void)
{
	return vmread(GUEST_RFLAGS);
}

static bool vmx_injection_pending(void)
{
	return (vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID) != 0;
}

/* Segment fields come in four parallel groups (SDM 3C Appendix B): the
 * selector, limit, access rights and base of segment n are each group's
 * first field plus 2n, in the order ES CS SS DS FS GS LDTR TR. */
_Static_assert(GUEST_TR_SEL == GUEST_ES_SEL + 14 && GUEST_TR_LIMIT == GUEST_ES_LIMIT + 14 &&
		       GUEST_TR_AR == GUEST_ES_AR + 14 && GUEST_TR_BASE == GUEST_ES_BASE + 14 &&
		       GUEST_LDTR_AR == GUEST_ES_AR + 12,
	       "segment fields at 2n from ES (SDM 3C Appendix B)");

static void vmx_seg(struct vcpu_seg *out, unsigned n)
{
	out->sel = (uint16_t)vmread(GUEST_ES_SEL + 2 * n);
	out->limit = (uint32_t)vmread(GUEST_ES_LIMIT + 2 * n);
	out->attr = (uint32_t)vmread(GUEST_ES_AR + 2 * n);
	out->base = vmread(GUEST_ES_BASE + 2 * n);
}

static void vmx_get_state(struct vcpu_state *out)
{
	out->rip = vmread(GUEST_RIP);
	out->rsp = vmread(GUEST_RSP);
	out->rflags = vmread(GUEST_RFLAGS);
	/* The guest's view of the bits the hypervisor owns is the shadow. */
	out->cr0 = (vmread(GUEST_CR0) & ~vmread(CR0_MASK)) | (vmread(CR0_SHADOW) & vmread(CR0_MASK));
	out->cr2 = vmx_get_cr2();
	out->cr3 = vmread(GUEST_CR3);
	out->cr4 = (vmread(GUEST_CR4) & ~vmread(CR4_MASK)) | (vmread(CR4_SHADOW) & vmread(CR4_MASK));
	out->efer = vmread(GUEST_EFER);
	out->dr7 = vmread(GUEST_DR7);
	vmx_seg(&out->es, 0);
	vmx_seg(&out->cs, 1);
	vmx_seg(&out->ss, 2);
	vmx_seg(&out->ds, 3);
	vmx_seg(&out->fs, 4);
	vmx_seg(&out->gs, 5);
	vmx_seg(&out->ldtr, 6);
	vmx_seg(&out->tr, 7);
	out->gdtr_base = vmread(GUEST_GDTR_BASE);
	out->gdtr_limit = (uint32_t)vmread(GUEST_GDTR_LIMIT);
	out->idtr_base = vmread(GUEST_IDTR_BASE);
	out->idtr_limit = (uint32_t)vmread(GUEST_IDTR_LIMIT);
	out->pending_event = vmread(ENTRY_INTR_INFO);
	out->vectoring_event = vmread(IDT_VECTORING_INFO);
	out->interruptibility = vmread(GUEST_INTERRUPTIBILITY);
	out->pat = vmread(GUEST_PAT);
	out->sysenter_cs = vmread(GUEST_SYSENTER_CS);
	out->sysenter_esp = vmread(GUEST_SYSENTER_ESP);
	out->sysenter_eip = vmread(GUEST_SYSENTER_EIP);
	/* No VMCS field holds the SYSCALL MSRs: they stay in the CPU. */
	out->star = rdmsr(MSR_SYSCALL_FIRST);
	out->lstar = rdmsr(MSR_SYSCALL_FIRST + 1);
	out->cstar = rdmsr(MSR_SYSCALL_FIRST + 2);
	out->sfmask = rdmsr(MSR_SYSCALL_FIRST + 3);
	out->kernel_gs_base = rdmsr(MSR_KERNEL_GS);
}

static void vmx_set_seg(const struct vcpu_seg *in, unsigned n)
{
	vmwrite(GUEST_ES_SEL + 2 * n, in->sel);
	vmwrite(GUEST_ES_LIMIT + 2 * n, in->limit);
	vmwrite(GUEST_ES_AR + 2 * n, in->attr);
	vmwrite(GUEST_ES_BASE + 2 * n, in->base);
}

/* The bits under the mask are the hypervisor's (CR4.VMXE and the fixed
 * bits, SDM 3C 25.6.6): the guest field keeps them, the shadow gets the
 * guest's view. */
static void vmx_set_cr(uint64_t field, uint64_t mask_field, uint64_t shadow_field, uint64_t v)
{
	uint64_t mask = vmread(mask_field);

	vmwrite(field, (vmread(field) & mask) | (v & ~mask));
	vmwrite(shadow_field, v);
}

static void vmx_set_state(const struct vcpu_state *in)
{
	const struct vcpu_seg *segs[] = { &in->es, &in->cs, &in->ss, &in->ds,
					  &in->fs, &in->gs, &in->ldtr, &in->tr };

	vmwrite(GUEST_RIP, in->rip);
	vmwrite(GUEST_RSP, in->rsp);
	vmwrite(GUEST_RFLAGS, in->rflags);
	vmx_set_cr(GUEST_CR0, CR0_MASK, CR0_SHADOW, in->cr0);
	vmx_set_cr(GUEST_CR4, CR4_MASK, CR4_SHADOW, in->cr4);
	vmwrite(GUEST_CR3, in->cr3);
	__asm__ volatile("mov %0, %%cr2" ::"r"(in->cr2)); /* not in the VMCS (see vmx_get_cr2) */
	vmwrite(GUEST_EFER, in->efer);
	vmwrite(GUEST_DR7, in->dr7);
	for (unsigned n = 0; n < sizeof(segs) / sizeof(segs[0]); n++)
		vmx_set_seg(segs[n], n);
	vmwrite(GUEST_GDTR_BASE, in->gdtr_base);
	vmwrite(GUEST_GDTR_LIMIT, in->gdtr_limit);
	vmwrite(GUEST_IDTR_BASE, in->idtr_base);
	vmwrite(GUEST_IDTR_LIMIT, in->idtr_limit);
	vmwrite(GUEST_INTERRUPTIBILITY, in->interruptibility & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS));
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(GUEST_PAT, in->pat);
	vmwrite(GUEST_SYSENTER_CS, in->sysenter_cs);
	vmwrite(GUEST_SYSENTER_ESP, in->sysenter_esp);
	vmwrite(GUEST_SYSENTER_EIP, in->sysenter_eip);
	wrmsr(MSR_SYSCALL_FIRST, in->star);
	wrmsr(MSR_SYSCALL_FIRST + 1, in->lstar);
	wrmsr(MSR_SYSCALL_FIRST + 2, in->cstar);
	wrmsr(MSR_SYSCALL_FIRST + 3, in->sfmask);
	wrmsr(MSR_KERNEL_GS, in->kernel_gs_base);
	vmx_request_nmi_window(false);
	vmx_request_intr_window(false);
}

const struct vcpu_ops vmx_ops = {
	.name = "vmx",
	.vendor = VCPU_VENDOR_INTEL,
	.probe = vmx_probe,
	.init = vmx_init,
	.run = vmx_run,
	.inject = vmx_inject,
	.can_inject_intr = vmx_can_inject_intr,
	.get_rip = vmx_get_rip,
	.skip_insn = vmx_skip_insn,
	.get_cpl = vmx_get_cpl,
	.adjust_cpuid = vmx_adjust_cpuid,
	.reset = vmx_reset,
	.nmi_readiness = vmx_nmi_readiness,
	.request_nmi_window = vmx_request_nmi_window,
	.request_intr_window = vmx_request_intr_window,
	.queue_intr = vmx_queue_intr,
	.intr_queued = vmx_intr_queued,
	.get_rsp = vmx_get_rsp,
	.get_cr2 = vmx_get_cr2,
	.get_cr3 = vmx_get_cr3,
	.control_crc = vmx_control_crc,
	.take_dirty = vmx_take_dirty,
	.set_tsc_offset = vmx_set_tsc_offset,
	.injection_pending = vmx_injection_pending,
	.write_cr = vmx_write_cr,
	.get_rflags = vmx_get_rflags,
	.get_state = vmx_get_state,
	.set_state = vmx_set_state,
};
