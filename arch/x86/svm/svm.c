/*
 * AMD SVM backend (AMD APM Vol. 2, chapter 15).  One VMCB, nested paging
 * over the guest RAM arena, the PIT routed as an NMI as the hypervisor
 * tick (arch/x86/pit_tick.c explains why).
 */
#include <string.h>

#include "vcpu/vcpu.h"
#include "lib/crc32.h"
#include "lib/arena.h"
#include "lib/nested_pt.h"
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"
#include "arch/x86/svm/svm_crc.h"
#include "arch/x86/svm/svm_decode.h"
#include "arch/x86/svm/svm_priv.h"
#include "arch/x86/svm/vmcb.h"

void svm_enter(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_save_pa);

static struct vmcb guest_vmcb;
/* The host's share of the VMSAVE/VMLOAD state (FS, GS, TR, LDTR, the
 * syscall and sysenter MSRs): saved once, at init, because the
 * hypervisor never changes it after taking over the CPU; each exit only
 * loads it back (APM 2 15.5.2). */
static struct vmcb host_save_vmcb;
static uint8_t host_hsave[4096] __attribute__((aligned(4096)));
static uint8_t iopm[3 * 4096] HV_ARENA;
static uint8_t msrpm[2 * 4096] HV_ARENA;
static pt_page npt_pages[PT_PAGES_FOR(VCPU_RAM_MAX)] HV_ARENA;

/* SVM has no virtual-NMI blocking state the hypervisor can read, and
 * QEMU's TCG lets a second injected NMI nest: track "the guest is in its
 * NMI handler" here, from injection to the IRET that ends it (APM 2
 * 15.21.2 and 15.9: IRET intercept, taken before the IRET executes). */
static struct {
	bool blocked;
	bool iret_seen;
	uint64_t iret_rip;
} nmi_track;

/* What the guest may set in EFER and CR4 (svm_state.c); a write setting
 * any other bit gets #GP, as on the CPU. */
static uint64_t efer_allowed, cr4_allowed;

/* NPT entries are ordinary long-mode entries; they need U/S set or every
 * guest access faults (APM 2 15.25.5: all guest accesses are user).  The
 * CPU sets the D bit (bit 6, APM 2 5.4.1) of a leaf on a guest write. */
static const struct pt_flags npt_flags = {
	.table = 0x7,
	.leaf = 0x7,
	.present_mask = 0x1,
	.dirty = 1u << 6,
};

/* The NPT's root and the guest RAM it maps, for svm_take_dirty. */
static struct {
	uint64_t *root;
	uint64_t ram_size;
} npt;

static bool svm_probe(const char **why)
{
	uint32_t r[4];

	cpuid(0x80000000u, 0, r);
	if (r[0] < 0x8000000Au) {
		*why = "CPUID reports no SVM";
		return false;
	}
	cpuid(0x80000001u, 0, r);
	if (!(r[2] & CPUID_80000001_ECX_SVM)) {
		*why = "CPUID reports no SVM";
		return false;
	}
	if (plat_svm_disabled_by_firmware()) {
		*why = "SVM disabled in the firmware (VM_CR.SVMDIS)";
		return false;
	}
	cpuid(0x8000000Au, 0, r);
	if (!(r[3] & CPUID_8000000A_EDX_NP)) {
		*why = "SVM without nested paging (NPT)";
		return false;
	}
	return true;
}

/* MSR permission map (APM 2 15.11): two bits per MSR (read, write) for
 * 0-0x1FFF at 0x000, 0xC0000000-0xC0001FFF at 0x800, 0xC0010000-
 * 0xC0011FFF at 0x1000; MSRs outside them always exit.  Deny by default:
 * every bit set, then cleared for the core's pass-through list; EFER
 * stays intercepted whatever the list says (SVME is emulated). */
static void msr_intercept(uint32_t msr, bool on)
{
	uint32_t base = msr >= MSR_RANGE_C001 ? 0x1000 : msr >= MSR_RANGE_C000 ? 0x800 : 0;
	uint32_t bit = (msr & 0x1FFF) * 2;
	bool mapped = msr <= 0x1FFF || (msr >= MSR_RANGE_C000 && msr <= MSR_RANGE_C000 + 0x1FFF) ||
		      (msr >= MSR_RANGE_C001 && msr <= MSR_RANGE_C001 + 0x1FFF);

	if (!mapped)
		return; /* always exits */
	if (on)
		msrpm[base + bit / 8] |= (uint8_t)(3u << (bit % 8));
	else
		msrpm[base + bit / 8] &= (uint8_t)~(3u << (bit % 8));
}

static void setup_msrpm(const struct vcpu_config *cfg)
{
	memset(msrpm, 0xFF, sizeof(msrpm));
	for (unsigned i = 0; i < cfg->msr_pass_count; i++)
		for (uint32_t msr = cfg->msr_pass[i].first; msr <= cfg->msr_pass[i].last; msr++)
			msr_intercept(msr, false);
	msr_intercept(MSR_EFER, true);
}

/* Besides what the tick, the hypercall and isolation need: INVD (would
 * discard dirty lines of hypervisor memory), MONITOR/MWAIT, XSETBV
 * (XCR0 is not switched by VMRUN, and XSAVE is hidden), APM 2 15.9-15.13;
 * the virtualization instructions; VMRUN must be intercepted or VMRUN
 * fails (APM 2 15.5.1). */
static void setup_controls(const struct vcpu_config *cfg)
{
	struct vmcb *v = &guest_vmcb;

	/* CR4 writes: there is no guest/host mask on SVM; the core decodes
	 * the MOV and svm_write_cr checks it (OSXSAVE for a guest without
	 * XSAVE, reserved bits). */
	v->intercept_cr = SVM_INTERCEPT_CR4_WRITE;
	v->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_CPUID |
			     SVM_INTERCEPT_INVD | SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR |
			     SVM_INTERCEPT_SHUTDOWN;
	if (cfg->test_break == VCPU_BREAK_UNHANDLED)
		v->intercept_misc1 |= SVM_INTERCEPT_RDPMC; /* an exit svm_decode_exit() does not know */
	if (cfg->hlt_exits)
		v->intercept_misc1 |= SVM_INTERCEPT_HLT;
	v->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			     SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_MONITOR | SVM_INTERCEPT_MWAIT |
			     SVM_INTERCEPT_MWAIT_ARMED | SVM_INTERCEPT_XSETBV;
	setup_msrpm(cfg);
	/* Every port exits except the guest's own COM2 (0x2F8-0x2FF), unless
	 * the core emulates a UART there. */
	memset(iopm, 0xFF, sizeof(iopm));
	if (!cfg->com2_emulated)
		iopm[0x2F8 / 8] = 0;
	v->iopm_base_pa = (uint64_t)(uintptr_t)iopm;
	v->msrpm_base_pa = (uint64_t)(uintptr_t)msrpm;
	v->guest_asid = 1;
	v->tlb_control = SVM_TLB_FLUSH_ALL; /* start from an empty TLB */
	v->vintr = SVM_V_INTR_MASKING; /* guest IF cannot mask host interrupts */
}

static bool setup_npt(const struct vcpu_config *cfg)
{
	struct pt_pool pool = { npt_pages, sizeof(npt_pages) / sizeof(npt_pages[0]), 0 };
	uint64_t *root = pt_new_root(&pool);

	if (root == NULL || !pt_map_range(&pool, root, 0, (uint64_t)(uintptr_t)cfg->ram,
					  cfg->ram_size, &npt_flags))
		return false;
	guest_vmcb.np_enable = 1;
	guest_vmcb.n_cr3 = (uint64_t)(uintptr_t)root;
	npt.root = root;
	npt.ram_size = cfg->ram_size;
	return true;
}

static bool svm_init(const struct vcpu_config *cfg, const char **why)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)(uintptr_t)host_hsave);
	__asm__ volatile("vmsave" : : "a"((uint64_t)(uintptr_t)&host_save_vmcb) : "memory");
	memset(&guest_vmcb, 0, sizeof(guest_vmcb));
	efer_allowed = svm_efer_allowed();
	cr4_allowed = svm_cr4_allowed();
	setup_controls(cfg);
	svm_state_boot(&guest_vmcb, cfg);
	if (!setup_npt(cfg)) {
		*why = "NPT table pool exhausted";
		return false;
	}
	return plat_tick_start(cfg->tick_us, cfg->tsc_hz, why);
}

static void set_iret_intercept(bool on)
{
	if (on)
		guest_vmcb.intercept_misc1 |= SVM_INTERCEPT_IRET;
	else
		guest_vmcb.intercept_misc1 &= ~SVM_INTERCEPT_IRET;
}

/* Out of line: it has work only while the guest is in its NMI handler
 * (svm_enter_once tests for that first). */
static __attribute__((noinline)) void track_nmi_after_exit(uint64_t exitintinfo)
{
	if (guest_vmcb.exitcode == SVM_EXIT_IRET) {
		/* The IRET has not run yet: NMIs unblock once RIP moves on. */
		nmi_track.iret_seen = true;
		nmi_track.iret_rip = guest_vmcb.rip;
		set_iret_intercept(false);
	} else if (nmi_track.iret_seen && guest_vmcb.rip != nmi_track.iret_rip) {
		nmi_track.blocked = false;
		nmi_track.iret_seen = false;
	}
	/* An NMI whose delivery was cut short is re-injected: still blocked. */
	if ((exitintinfo & SVM_EVENT_VALID) && (exitintinfo & SVM_EVENT_TYPE_MASK) == SVM_EVENT_TYPE_NMI)
		nmi_track.blocked = true;
}

static void svm_skip_insn(uint8_t len);

/* EFER is intercepted so that the guest neither sees nor clears SVME,
 * which VMRUN requires set in the guest (APM 2 15.5.1); everything else
 * in EFER is the guest's, checked as the CPU checks it: no reserved bit
 * (SVME included: no nested SVM), no change of LME while paging is on
 * (APM 2 14.6.1), and LMA is the CPU's (a write leaves it as it is).
 * Returns false to refuse the write (#GP). */
static bool emulate_efer(struct guest_regs *regs, bool write)
{
	uint64_t cur = guest_vmcb.efer;

	if (!write) {
		uint64_t v = cur & ~EFER_SVME;
		regs->rax = (uint32_t)v;
		regs->rdx = v >> 32;
	} else {
		uint64_t v = (regs->rdx << 32) | (uint32_t)regs->rax;
		if ((v & ~efer_allowed) ||
		    ((guest_vmcb.cr0 & CR0_PG) && ((v ^ cur) & EFER_LME)))
			return false;
		guest_vmcb.efer = (v & ~EFER_LMA) | (cur & EFER_LMA) | EFER_SVME;
	}
	svm_skip_insn(2);
	return true;
}

static void virq_at_entry(void);

/* One VMRUN: the guest's RAX in and back, the one-shot TLB flush off.  A
 * set V_IRQ (the core's window or a queued interrupt) costs the entry one
 * test more: virq_at_entry(). */
static inline __attribute__((always_inline)) void svm_vmrun(struct guest_regs *regs)
{
	if (guest_vmcb.vintr & SVM_V_IRQ)
		virq_at_entry();
	guest_vmcb.rax = regs->rax;
	svm_enter((uint64_t)(uintptr_t)&guest_vmcb, regs, (uint64_t)(uintptr_t)&host_save_vmcb);
	regs->rax = guest_vmcb.rax;
	guest_vmcb.tlb_control = 0;
}

/* What every exit needs before anything looks at it: EVENTINJ and the
 * NMI tracking.  Whatever was injected has been delivered or sits in
 * EXITINTINFO (APM 2 15.7.2); an event cut short by the exit is
 * re-injected.  One store either way: nothing below reads EVENTINJ. */
static inline __attribute__((always_inline)) void svm_after_exit(void)
{
	uint64_t exitintinfo = guest_vmcb.exitintinfo;

	guest_vmcb.eventinj = (exitintinfo & SVM_EVENT_VALID) ? exitintinfo : 0;
	if (nmi_track.iret_seen || (exitintinfo & SVM_EVENT_VALID) || guest_vmcb.exitcode == SVM_EXIT_IRET)
		track_nmi_after_exit(exitintinfo);
}

static inline __attribute__((always_inline)) void svm_enter_once(struct guest_regs *regs)
{
	svm_vmrun(regs);
	svm_after_exit();
}

/* svm_after_exit() for a VMMCALL exit, the hot path: an instruction's
 * intercept never cuts an event's delivery short (APM 2 15.7.2, 15.20:
 * EXITINTINFO is valid only for an intercept taken during delivery), so
 * there is nothing to re-inject and only a finished NMI handler (the
 * IRET seen before) is left to track. */
static inline __attribute__((always_inline)) void svm_after_vmmcall(void)
{
	guest_vmcb.eventinj = 0;
	if (nmi_track.iret_seen)
		track_nmi_after_exit(0);
}

/* The IRET intercept exit is this backend's own bookkeeping (nmi_track):
 * the IRET has not run yet (APM 2 15.9), so the guest is still in its NMI
 * handler and the core could inject nothing more than at the previous
 * entry.  It is taken here and the guest re-entered at once, without a
 * round through the run loop; the next exit shows whether the IRET ran.
 * Anything the core waits for still comes as an exit of its own (VINTR
 * for the core's interrupt window, the tick for time and a blocked NMI),
 * and a queued virtual interrupt goes in after the IRET by itself.  Only when the
 * IRET exit itself interrupted an event's delivery (EXITINTINFO valid, now
 * in EVENTINJ) does it go to the core, which then sees that event pending. */
static bool svm_iret_exit_only(void)
{
	return guest_vmcb.exitcode == SVM_EXIT_IRET && !(guest_vmcb.eventinj & SVM_EVENT_VALID);
}

/* Out of line: the loop would cost every exit a few instructions. */
static __attribute__((noinline)) void svm_reenter_after_iret(struct guest_regs *regs)
{
	do
		svm_enter_once(regs);
	while (svm_iret_exit_only());
}

static void svm_run(struct guest_regs *regs, uint64_t deadline_tsc, struct hv_event *ev)
{
	(void)deadline_tsc; /* the PIT NMI fires every tick */
	svm_vmrun(regs);
	if (guest_vmcb.exitcode == SVM_EXIT_VMMCALL) {
		svm_after_vmmcall();
		svm_decode_vmmcall(guest_vmcb.exitinfo1, guest_vmcb.cpl, ev);
		return;
	}
	svm_after_exit();
	if (svm_iret_exit_only())
		svm_reenter_after_iret(regs);
	struct svm_exit_info x = {
		.exitcode = guest_vmcb.exitcode,
		.exitinfo1 = guest_vmcb.exitinfo1,
		.exitinfo2 = guest_vmcb.exitinfo2,
		.rip = guest_vmcb.rip,
		.ecx = (uint32_t)regs->rcx,
		.cpl = guest_vmcb.cpl,
	};
	svm_decode_exit(&x, ev);
	if (ev->kind == EV_MSR && ev->msr == MSR_EFER && emulate_efer(regs, ev->msr_write))
		ev->kind = EV_NONE;
}

static void svm_inject(const struct hv_inject *inj)
{
	uint64_t e = inj->vector | ((uint64_t)inj->type << 8) | SVM_EVENT_VALID;

	if (inj->has_error)
		e |= SVM_EVENT_HAS_ERROR | ((uint64_t)inj->error << 32);
	guest_vmcb.eventinj = e;
	if (inj->type == INJ_NMI) {
		nmi_track.blocked = true;
		nmi_track.iret_seen = false;
		set_iret_intercept(true);
	}
}

static bool svm_can_inject_intr(void)
{
	return (guest_vmcb.rflags & RFLAGS_IF) && !(guest_vmcb.interrupt_shadow & 1) &&
	       !(guest_vmcb.eventinj & SVM_EVENT_VALID);
}

static uint64_t svm_get_rip(void)
{
	return guest_vmcb.rip;
}

static void svm_skip_insn(uint8_t len)
{
	guest_vmcb.rip += len;
	guest_vmcb.interrupt_shadow &= ~1ull;
}

static unsigned svm_get_cpl(void)
{
	return guest_vmcb.cpl & 3;
}

static void svm_adjust_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)sub;
	if (leaf == 0x80000001u)
		r[2] &= ~CPUID_80000001_ECX_SVM; /* no nested SVM */
}

static enum nmi_readiness svm_nmi_readiness(void)
{
	if (nmi_track.blocked)
		return NMI_BLOCKED;
	if ((guest_vmcb.interrupt_shadow & 1) || (guest_vmcb.eventinj & SVM_EVENT_VALID))
		return NMI_NOT_NOW;
	return NMI_READY;
}

/* V_IRQ serves two users, never both at once (the core asks for its own
 * window only while no timer interrupt is handed to the backend, and
 * hands one over only after closing its window: hv/heartbeat.c,
 * inject_timer() and heartbeat_inject()'s else-if chain).  A clash would
 * lose an interrupt silently, so it stops the hypervisor instead: ud2 is
 * a host fault (arch/x86/host_fault.c), with the crash report. */
static void svm_check_no_clash(bool clash)
{
	if (clash)
		__builtin_trap();
}

/* A virtual interrupt queued by svm_queue_intr(): V_IRQ set without the
 * VINTR intercept.  The CPU clears V_IRQ when the guest takes it and
 * writes it back at the next #VMEXIT (APM 2 15.21.4, Table B-1). */
static bool virq_queued(void)
{
	return (guest_vmcb.vintr & SVM_V_IRQ) && !(guest_vmcb.intercept_misc1 & SVM_INTERCEPT_VINTR);
}

/* The core's window: a virtual interrupt nobody will take (V_IRQ) plus
 * the VINTR intercept: the exit comes when the guest could take it, and
 * the hypervisor then injects the real one with EVENTINJ (APM 2 15.21.4). */
static void svm_request_intr_window(bool on)
{
	const uint64_t virq = SVM_V_IRQ | SVM_V_INTR_PRIO_MAX | SVM_V_IGN_TPR;

	if (on) {
		svm_check_no_clash(virq_queued());
		guest_vmcb.vintr |= virq;
		guest_vmcb.intercept_misc1 |= SVM_INTERCEPT_VINTR;
	} else if (guest_vmcb.intercept_misc1 & SVM_INTERCEPT_VINTR) {
		/* Otherwise already off: the bits are set only together with
		 * the intercept, and of them the CPU writes back only V_IRQ,
		 * which without AVIC it can clear but not set (APM 2 15.21.4,
		 * Table B-1).  The core asks for "off" before nearly every
		 * entry. */
		guest_vmcb.vintr &= ~virq;
		guest_vmcb.intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	}
}

/* A real virtual interrupt, with no intercept (APM 2 15.21.4): with
 * V_INTR_MASKING=1 the CPU takes it through the guest's IDT by itself as
 * soon as the guest's RFLAGS.IF=1 and no interrupt shadow holds it off
 * (V_IGN_TPR: the guest's V_TPR does not mask it; highest priority), and
 * clears V_IRQ as it does.  Not a single exit for the window.  An NMI
 * injected at the same entry (EVENTINJ) goes first and clears IF through
 * the interrupt gate; the virtual interrupt follows the handler's IRET
 * (which the IRET intercept still sees: svm_reenter_after_iret()).  If
 * its delivery is cut short by an exit, EXITINTINFO has it and
 * svm_after_exit() re-injects it like any event.  Vector 0 takes a
 * waiting one back. */
static void svm_queue_intr(uint8_t vector)
{
	const uint64_t virq = SVM_V_IRQ | SVM_V_INTR_PRIO_MAX | SVM_V_IGN_TPR | SVM_V_INTR_VECTOR_MASK;
	uint64_t v = guest_vmcb.vintr;

	svm_check_no_clash((guest_vmcb.intercept_misc1 & SVM_INTERCEPT_VINTR) != 0);
	v &= ~virq;
	if (vector != 0)
		v |= SVM_V_IRQ | SVM_V_INTR_PRIO_MAX | SVM_V_IGN_TPR |
		     ((uint64_t)vector << SVM_V_INTR_VECTOR_SHIFT);
	guest_vmcb.vintr = v;
}

/* A queued virtual interrupt the guest can take at this very entry
 * (RFLAGS.IF=1, no interrupt shadow, no other event injected) goes in
 * with EVENTINJ instead, where the CPU would take it before the first
 * guest instruction anyway (APM 2 15.21.4): nothing the guest can tell
 * apart.  Needed under Bochs (2.7, cpu/svm.cc): its VMRUN loads the
 * guest's RFLAGS before it counts as in the guest, so the unmasking of a
 * virtual interrupt (handleInterruptMaskChange, which tests in_svm_guest)
 * is skipped, and every #VMEXIT masks it again; a virtual interrupt
 * pending at a VMRUN with IF=1 then waits for the guest's next IF 0->1
 * change.  A guest spinning with IF=1 never makes one: measured in the
 * 1 ms watchdog bench, where the tick's LAPIC interrupt exit came right
 * after the heartbeat NMI handler's IRET had unmasked it, every tick, and
 * the guest timer starved into a soft lockup.  What is still left to
 * Bochs: an interrupt queued in an STI/MOV-SS shadow (the guest can
 * take it one instruction later) waits there for the next exit, a tick
 * at most. */
static __attribute__((noinline)) void virq_at_entry(void)
{
	if (!virq_queued() || !svm_can_inject_intr())
		return;
	uint8_t vector = (uint8_t)(guest_vmcb.vintr >> SVM_V_INTR_VECTOR_SHIFT);

	guest_vmcb.eventinj = vector | ((uint64_t)INJ_EXT_INTR << 8) | SVM_EVENT_VALID;
	svm_queue_intr(0);
}

/* Read after the #VMEXIT: V_IRQ still set means the guest has not taken
 * it yet. */
static bool svm_intr_queued(void)
{
	return virq_queued();
}

/* The IRET intercept and the next tick exit open the window on SVM. */
static void svm_request_nmi_window(bool on)
{
	(void)on;
}

static void svm_reset(const struct vcpu_config *cfg)
{
	svm_state_boot(&guest_vmcb, cfg);
	cpu_reset_guest_leftovers(false);
	guest_vmcb.eventinj = 0;
	guest_vmcb.interrupt_shadow = 0;
	guest_vmcb.tlb_control = SVM_TLB_FLUSH_ALL;
	nmi_track.blocked = false;
	nmi_track.iret_seen = false;
	set_iret_intercept(false);
	svm_request_intr_window(false);
	svm_queue_intr(0); /* a reset leaves nothing queued */
}

static uint64_t svm_get_rsp(void)
{
	return guest_vmcb.rsp;
}

static uint64_t svm_get_cr2(void)
{
	return guest_vmcb.cr2;
}

static uint64_t svm_get_cr3(void)
{
	return guest_vmcb.cr3;
}

/* The CPU sets the accessed and dirty bits in NPT entries as the guest
 * runs (APM 2 15.25.4): leave them out of the CRC.  Then the VMCB's fixed
 * controls (svm_crc.h). */
static uint32_t svm_control_crc(uint32_t crc)
{
	const uint64_t ad_bits = (1u << 5) | (1u << 6);

	crc = crc32_ieee_update(crc, iopm, sizeof(iopm));
	crc = crc32_ieee_update(crc, msrpm, sizeof(msrpm));
	crc = crc32_ieee_update_words(crc, &npt_pages[0][0], sizeof(npt_pages) / sizeof(npt_pages[0][0]),
				      ad_bits);
	return svm_vmcb_control_crc(crc, &guest_vmcb);
}

/* Collects and clears the NPT dirty bits of guest RAM (APM 2 15.25.5),
 * then flushes the TLB at the next VMRUN (svm_run clears TLB_CONTROL
 * after each one): a cached translation could let the next write
 * through without setting the bit again (APM 2 15.16). */
static bool svm_take_dirty(uint64_t *bitmap, uint64_t pages)
{
	if (npt.root == NULL || pages < npt.ram_size / 4096)
		return false;
	pt_take_dirty(npt.root, 0, npt.ram_size, &npt_flags, bitmap, pages);
	guest_vmcb.tlb_control = SVM_TLB_FLUSH_ALL;
	return true;
}

static void svm_set_tsc_offset(uint64_t offset)
{
	guest_vmcb.tsc_offset = offset; /* RDTSC(P) and the TSC MSR add it (APM 2 15.30.5) */
}

/* The new CR4 takes effect at the next VMRUN; a change of paging bits
 * (PGE, PAE, PSE, PCIDE, SMEP...) needs the guest's TLB entries gone. */
static bool svm_write_cr(unsigned cr, uint64_t value)
{
	struct vmcb *v = &guest_vmcb;

	if (cr != 4 || !svm_cr4_write_ok(v->cr4, value, cr4_allowed, (v->efer & EFER_LMA) != 0, v->cr3))
		return false;
	v->cr4 = value;
	v->tlb_control = SVM_TLB_FLUSH_ALL;
	return true;
}

static uint64_t svm_get_rflags(void)
{
	return guest_vmcb.rflags;
}

static bool svm_injection_pending(void)
{
	return (guest_vmcb.eventinj & SVM_EVENT_VALID) != 0;
}

static void svm_get_state(struct vcpu_state *out)
{
	svm_state_get(&guest_vmcb, out);
}

/* A checkpoint's restore: the NMI tracking and the window start afresh,
 * as after a reset. */
static void svm_set_state(const struct vcpu_state *in)
{
	svm_state_set(&guest_vmcb, in);
	nmi_track.blocked = false;
	nmi_track.iret_seen = false;
	set_iret_intercept(false);
	svm_request_intr_window(false);
}

const struct vcpu_ops svm_ops = {
	.name = "svm",
	.vendor = VCPU_VENDOR_AMD,
	.host_nmis_are_ticks = true,
	.probe = svm_probe,
	.init = svm_init,
	.run = svm_run,
	.inject = svm_inject,
	.can_inject_intr = svm_can_inject_intr,
	.get_rip = svm_get_rip,
	.skip_insn = svm_skip_insn,
	.get_cpl = svm_get_cpl,
	.adjust_cpuid = svm_adjust_cpuid,
	.reset = svm_reset,
	.nmi_readiness = svm_nmi_readiness,
	.request_nmi_window = svm_request_nmi_window,
	.request_intr_window = svm_request_intr_window,
	.queue_intr = svm_queue_intr,
	.intr_queued = svm_intr_queued,
	.get_rsp = svm_get_rsp,
	.get_cr2 = svm_get_cr2,
	.get_cr3 = svm_get_cr3,
	.control_crc = svm_control_crc,
	.take_dirty = svm_take_dirty,
	.set_tsc_offset = svm_set_tsc_offset,
	.injection_pending = svm_injection_pending,
	.write_cr = svm_write_cr,
	.get_rflags = svm_get_rflags,
	.get_state = svm_get_state,
	.set_state = svm_set_state,
};
