/*
 * Intel VMX backend (Intel SDM Vol. 3C, chapters 23-29).
 * One VMCS, one vCPU, EPT over the guest RAM arena, the VMX-preemption
 * timer as the hypervisor tick.
 */
#include <string.h>

#include "vcpu/vcpu.h"
#include "lib/crc32.h"
#include "lib/log.h"
#include "lib/nested_pt.h"
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_decode.h"

int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_point(void);

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_region[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmaps[2][4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static pt_page ept_pages[PT_PAGES_FOR(VCPU_RAM_MAX)];
static int vmcs_launched;
static unsigned preemption_shift;
/* With the timer's count saved at exit, it needs writing only when the
 * deadline moves (armed_deadline), or after it fired. */
static bool preemption_saved;
static uint64_t armed_deadline;
/* The VMCS's primary processor-based controls, mirrored here so that
 * turning a window exit on or off costs a VMWRITE only when a bit
 * really changes (the core asks for "off" before nearly every entry). */
static uint32_t proc_controls;

/* EPT entry bits (SDM 3C 29.3.2): read, write, execute; WB memory type.
 * The dirty flag counts only with A/D flags on (SDM 3C 29.3.5). */
static const struct pt_flags ept_flags = {
	.table = 0x7,
	.leaf = 0x7 | (6u << 3),
	.present_mask = 0x7,
	.dirty = EPT_DIRTY,
};

/* The EPT and its dirty tracking (vmx_take_dirty): the tables' root, the
 * guest RAM they map, the EPTP, and the INVEPT type that makes the CPU
 * record writes again, 0 when tracking is off. */
static struct {
	uint64_t *root;
	uint64_t ram_size;
	uint64_t eptp;
	uint64_t invept_type;
} ept;

static inline void vmwrite(uint64_t field, uint64_t value)
{
	__asm__ volatile("vmwrite %1, %0" ::"r"(field), "r"(value) : "cc", "memory");
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;
	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

/* Returns false if the instruction failed (CF or ZF set, SDM 3C 30.2). */
static bool vmx_op_ok(uint8_t fail)
{
	return fail == 0;
}

static bool vmxon(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmxon %1; setbe %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return vmx_op_ok(fail);
}

static bool vmclear(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmclear %1; setbe %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return vmx_op_ok(fail);
}

static bool vmptrld(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmptrld %1; setbe %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return vmx_op_ok(fail);
}

/* SDM 3C 30.3, "INVEPT": drops the translations derived from the EPT
 * that `eptp` names (single-context) or from every EPT (all-context). */
static bool invept(uint64_t type, uint64_t eptp)
{
	const struct {
		uint64_t eptp, reserved;
	} desc = { eptp, 0 };
	uint8_t fail;

	__asm__ volatile("invept %1, %2; setbe %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_op_ok(fail);
}

static bool use_true_msrs(void)
{
	return (rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS) != 0; /* SDM 3D A.1 */
}

/* A control's allowed settings: bits clear in the low half must be 0,
 * bits set in the high half may be 1 (SDM 3D A.3). */
static uint32_t adjust_controls(uint32_t msr, uint32_t want)
{
	uint64_t cap = rdmsr(msr);
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

static bool vmx_probe(const char **why)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & CPUID_1_ECX_VMX)) {
		*why = "CPUID reports no VMX";
		return false;
	}
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX)) {
		*why = "VMX disabled and locked in IA32_FEATURE_CONTROL by the firmware";
		return false;
	}
	uint32_t proc_hi = (uint32_t)(rdmsr(MSR_VMX_PROCBASED) >> 32);
	uint32_t proc2_hi = (proc_hi & PROC_SECONDARY) ? (uint32_t)(rdmsr(MSR_VMX_PROCBASED2) >> 32) : 0;
	if (!(proc2_hi & PROC2_EPT)) {
		*why = "VMX without EPT";
		return false;
	}
	if (!((rdmsr(MSR_VMX_PINBASED) >> 32) & PIN_PREEMPTION_TIMER)) {
		*why = "VMX without the preemption timer";
		return false;
	}
	uint64_t ept_cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!(ept_cap & EPT_CAP_WALK_4) || !(ept_cap & EPT_CAP_WB)) {
		*why = "EPT lacks 4-level walks or write-back memory type";
		return false;
	}
	return true;
}

/* SDM 3C 23.7-23.8: CR0/CR4 fixed bits, feature control, VMXON. */
static bool enable_vmx(const char **why)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX);
	write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | CR4_VMXE | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));
	uint32_t revision = (uint32_t)(rdmsr(MSR_VMX_BASIC) & VMX_BASIC_REVISION);
	memcpy(vmxon_region, &revision, 4);
	memcpy(vmcs_region, &revision, 4);
	if (!vmxon((uint64_t)(uintptr_t)vmxon_region)) {
		*why = "VMXON failed";
		return false;
	}
	if (!vmclear((uint64_t)(uintptr_t)vmcs_region) || !vmptrld((uint64_t)(uintptr_t)vmcs_region)) {
		*why = "VMCLEAR/VMPTRLD failed";
		return false;
	}
	return true;
}

/* MSR bitmap (SDM 3C 24.6.9): read-low, read-high, write-low,
 * write-high, 1 KiB each; a set bit makes the access exit.  MSRs outside
 * both ranges always exit.  The guest may not see or change VMX state
 * (IA32_FEATURE_CONTROL, the VMX capability MSRs) nor move the APIC. */
static void msr_intercept(uint32_t msr, bool read, bool write)
{
	uint32_t base = msr >= MSR_RANGE_C000 ? 0x400 : 0, bit = msr & 0x1FFF;

	if (read)
		msr_bitmap[base + bit / 8] |= (uint8_t)(1u << (bit % 8));
	if (write)
		msr_bitmap[0x800 + base + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void setup_msr_bitmap(void)
{
	memset(msr_bitmap, 0, sizeof(msr_bitmap));
	msr_intercept(MSR_FEATURE_CONTROL, true, true);
	for (uint32_t msr = MSR_VMX_BASIC; msr <= MSR_VMX_VMFUNC; msr++)
		msr_intercept(msr, true, true);
	msr_intercept(MSR_APIC_BASE, false, true);
}

static void setup_controls(void)
{
	bool t = use_true_msrs();

	vmwrite(PIN_CONTROLS, adjust_controls(t ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED,
					      PIN_EXT_INTR_EXITING | PIN_NMI_EXITING |
						      PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER));
	proc_controls = adjust_controls(t ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
					PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY);
	vmwrite(PROC_CONTROLS, proc_controls);
	vmwrite(PROC2_CONTROLS,
		adjust_controls(MSR_VMX_PROCBASED2, PROC2_EPT | PROC2_RDTSCP | PROC2_INVPCID));
	uint32_t exit_controls = adjust_controls(t ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
						 EXIT_HOST_64 | EXIT_ACK_INTR | EXIT_SAVE_EFER |
							 EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
							 EXIT_SAVE_PREEMPTION);
	vmwrite(EXIT_CONTROLS, exit_controls);
	preemption_saved = (exit_controls & EXIT_SAVE_PREEMPTION) != 0;
	vmwrite(ENTRY_CONTROLS, adjust_controls(t ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
						ENTRY_GUEST_64 | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT));
	vmwrite(EXCEPTION_BITMAP, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	/* The guest must keep CR4.VMXE (a fixed-1 bit); hide it from reads
	 * (the shadow is written with the guest state). */
	vmwrite(CR4_MASK, CR4_VMXE);
	vmwrite(CR0_MASK, 0);
	/* I/O: every port exits except the guest's own COM2 (0x2F8-0x2FF). */
	memset(io_bitmaps, 0xFF, sizeof(io_bitmaps));
	io_bitmaps[0][0x2F8 / 8] = 0;
	vmwrite(IO_BITMAP_A, (uint64_t)(uintptr_t)io_bitmaps[0]);
	vmwrite(IO_BITMAP_B, (uint64_t)(uintptr_t)io_bitmaps[1]);
	setup_msr_bitmap();
	vmwrite(MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
	preemption_shift = (unsigned)(rdmsr(MSR_VMX_MISC) & VMX_MISC_PREEMPT_SHIFT); /* SDM 3C 25.5.1 */
}

static void setup_host_state(void)
{
	uint64_t gdt, idt, tss;

	plat_host_tables(&gdt, &idt, &tss);
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SEL, HOST_SEL_CODE);
	vmwrite(HOST_SS_SEL, HOST_SEL_DATA);
	vmwrite(HOST_DS_SEL, HOST_SEL_DATA);
	vmwrite(HOST_ES_SEL, HOST_SEL_DATA);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	vmwrite(HOST_TR_SEL, HOST_SEL_TSS); /* must be non-zero (SDM 3C 26.2.3) */
	vmwrite(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmwrite(HOST_TR_BASE, tss);
	vmwrite(HOST_GDTR_BASE, gdt);
	vmwrite(HOST_IDTR_BASE, idt);
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);
}

/* VMX access rights of a code or data segment (SDM 3C 24.4.1): bits
 * 40-55 of its descriptor with the descriptor's limit 19:16 (AR bits
 * 8-11, reserved) cleared. */
static uint32_t vmx_seg_ar(uint64_t desc)
{
	return (uint32_t)(desc >> 40) & 0xF0FFu;
}

static void set_guest_segment(uint64_t sel_field, uint16_t sel, uint64_t base, uint32_t limit,
			      uint32_t ar)
{
	/* Selector, base, limit and access-rights fields are laid out in
	 * parallel (SDM 3D Appendix B): one offset from each base field. */
	uint64_t index = sel_field - GUEST_ES_SEL;

	vmwrite(sel_field, sel);
	vmwrite(GUEST_ES_BASE + index, base);
	vmwrite(GUEST_ES_LIMIT + index, limit);
	vmwrite(GUEST_ES_AR + index, ar);
}

/* A code or data segment as the GDT describes it. */
static void set_guest_segment_from(uint64_t sel_field, uint16_t sel, uint64_t desc)
{
	set_guest_segment(sel_field, sel, seg_desc_base(desc), seg_desc_limit(desc), vmx_seg_ar(desc));
}

/* The core's boot segments; LDTR unusable, TR a busy 64-bit TSS as the
 * entry checks require (SDM 3C 26.3.1.2). */
static void setup_guest_segments(const struct vcpu_boot_state *b)
{
	static const uint64_t data_segs[] = { GUEST_SS_SEL, GUEST_DS_SEL, GUEST_ES_SEL,
					      GUEST_FS_SEL, GUEST_GS_SEL };

	set_guest_segment_from(GUEST_CS_SEL, b->code_sel, b->code_desc);
	for (unsigned i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
		set_guest_segment_from(data_segs[i], b->data_sel, b->data_desc);
	set_guest_segment(GUEST_LDTR_SEL, 0, 0, 0xFFFFFFFF, 0x10000); /* unusable */
	set_guest_segment(GUEST_TR_SEL, 0, 0, 0x67, 0x8B);            /* busy 64-bit TSS */
}

/* 64-bit guest entry state (SDM 3C 26.3.1 checks) from the core's boot
 * state; CR0 and CR4 also take the VMX fixed bits (SDM 3D A.7, A.8),
 * which keep CR4.VMXE set in the guest. */
static void setup_guest_state(const struct vcpu_config *cfg)
{
	const struct vcpu_boot_state *b = &cfg->boot;

	vmwrite(GUEST_CR0, (b->cr0 | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	vmwrite(GUEST_CR3, cfg->guest_cr3);
	vmwrite(GUEST_CR4, (b->cr4 | CR4_VMXE | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));
	vmwrite(CR4_SHADOW, b->cr4); /* what the guest reads for the masked VMXE */
	setup_guest_segments(b);
	vmwrite(GUEST_GDTR_BASE, cfg->gdt_gpa);
	vmwrite(GUEST_GDTR_LIMIT, cfg->gdt_limit);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_RSP, cfg->entry_rsp);
	vmwrite(GUEST_RIP, cfg->entry_rip);
	vmwrite(GUEST_RFLAGS, 0x2);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(VMCS_LINK_PTR, ~0ull);
	vmwrite(GUEST_DEBUGCTL, 0);
	vmwrite(GUEST_PAT, b->pat);
	vmwrite(GUEST_EFER, b->efer);
}

/* The INVEPT type vmx_take_dirty needs, or 0 if the CPU cannot track
 * writes (SDM 3D A.10): EPT A/D flags (bit 21) and INVEPT (bit 20),
 * single-context (bit 25) or else all-context (bit 26). */
static uint64_t ept_dirty_invept_type(const char **why)
{
	uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);

	*why = !(cap & EPT_CAP_AD) ? "no EPT A/D flags" : !(cap & EPT_CAP_INVEPT) ? "no INVEPT" : NULL;
	if (*why != NULL)
		return 0;
	if (cap & EPT_CAP_INVEPT_SINGLE)
		return INVEPT_SINGLE_CONTEXT;
	if (cap & EPT_CAP_INVEPT_ALL)
		return INVEPT_ALL_CONTEXT;
	*why = "no INVEPT type";
	return 0;
}

/* Turns on the EPT A/D flags (EPTP bit 6) if the CPU can track writes.
 * The first INVEPT drops whatever an earlier VMX user left cached (VMXON
 * need not), so every first write from now on sets a dirty flag; it also
 * proves INVEPT works before tracking relies on it. */
static void setup_ept_dirty(void)
{
	const char *why;
	uint64_t type = ept_dirty_invept_type(&why);

	if (type != 0 && !invept(type, ept.eptp | EPTP_AD)) {
		type = 0;
		why = "INVEPT failed";
	}
	ept.invept_type = type;
	if (type == 0) {
		hv_log("vmx: EPT dirty tracking off (%s)", why);
		return;
	}
	ept.eptp |= EPTP_AD;
	hv_log("vmx: EPT dirty tracking on (%s-context INVEPT)",
	       type == INVEPT_SINGLE_CONTEXT ? "single" : "all");
}

static bool setup_ept(const struct vcpu_config *cfg)
{
	struct pt_pool pool = { ept_pages, sizeof(ept_pages) / sizeof(ept_pages[0]), 0 };
	uint64_t *root = pt_new_root(&pool);

	if (root == NULL || !pt_map_range(&pool, root, 0, (uint64_t)(uintptr_t)cfg->ram,
					  cfg->ram_size, &ept_flags))
		return false;
	ept.root = root;
	ept.ram_size = cfg->ram_size;
	ept.eptp = (uint64_t)(uintptr_t)root | EPTP_WB | EPTP_WALK_4;
	setup_ept_dirty();
	vmwrite(EPT_POINTER, ept.eptp);
	return true;
}

static bool vmx_init(const struct vcpu_config *cfg, const char **why)
{
	if (!enable_vmx(why))
		return false;
	setup_controls();
	setup_host_state();
	setup_guest_state(cfg);
	if (!setup_ept(cfg)) {
		*why = "EPT table pool exhausted";
		return false;
	}
	return true;
}

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

/* EXIT_REASON first, then only the fields that reason needs
 * (vmx_exit_fields()); the others stay 0, and the decoded event does not
 * depend on them (tests/unit/test_vmx_decode.c checks every reason). */
static void read_exit_info(const struct guest_regs *regs, struct vmx_exit_info *x)
{
	uint32_t reason = (uint32_t)vmread(EXIT_REASON);
	unsigned need = vmx_exit_fields(reason);

	x->reason = reason;
	x->qual = (need & VMX_FIELD_QUAL) ? vmread(EXIT_QUALIFICATION) : 0;
	x->intr_info = (need & VMX_FIELD_INTR_INFO) ? (uint32_t)vmread(EXIT_INTR_INFO) : 0;
	x->insn_len = (need & VMX_FIELD_INSN_LEN) ? (uint32_t)vmread(EXIT_INSN_LEN) : 0;
	x->gpa = (need & VMX_FIELD_GPA) ? vmread(GUEST_PHYS_ADDR) : 0;
	x->ecx = (uint32_t)regs->rcx;
}

/* The VMX-preemption timer counts down at the TSC rate divided by
 * 2^preemption_shift (SDM 3C 25.5.1); a 32-bit field. */
static void arm_preemption_timer(uint64_t deadline_tsc)
{
	if (preemption_saved && deadline_tsc == armed_deadline)
		return; /* still counting down to the same deadline */
	armed_deadline = deadline_tsc;
	uint64_t now = rdtsc();
	uint64_t delta = deadline_tsc > now ? deadline_tsc - now : 0;
	uint64_t timer = delta >> preemption_shift;

	vmwrite(PREEMPTION_TIMER, timer > 0xFFFFFFFFull ? 0xFFFFFFFFull : timer);
}

static void vmx_run(struct guest_regs *regs, uint64_t deadline_tsc, struct hv_event *ev)
{
	struct vmx_exit_info x;

	arm_preemption_timer(deadline_tsc);
	if (vmx_enter(regs, vmcs_launched) != 0) {
		memset(ev, 0, sizeof(*ev));
		ev->kind = EV_ENTRY_FAILED;
		ev->raw = 0xFFFF;
		ev->qual = vmread(VM_INSN_ERROR);
		return;
	}
	vmcs_launched = 1;
	read_exit_info(regs, &x);
	vmx_decode_exit(&x, ev);
	if (ev->kind == EV_HOST_INTR)
		plat_end_stray_interrupt();
	if ((x.reason & 0xFFFF) == VMX_EXIT_PREEMPTION_TIMER)
		armed_deadline = 0; /* it fired (maybe early, by the shift): re-arm */
	if (!vmx_exit_may_vector(x.reason))
		return;
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
	return (unsigned)(vmread(GUEST_SS_AR) >> 5) & 3;
}

static void vmx_adjust_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)sub;
	if (leaf == 1)
		r[2] &= ~CPUID_1_ECX_VMX; /* no nested VMX */
}

static void set_proc_control(uint32_t bit, bool on)
{
	uint32_t want = on ? proc_controls | bit : proc_controls & ~bit;

	if (want == proc_controls)
		return;
	proc_controls = want;
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
	set_proc_control(PROC_INTR_WINDOW, on);
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
	armed_deadline = 0;
	vmwrite(ENTRY_INTR_INFO, 0);
	vmx_request_nmi_window(false);
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

/* With A/D flags on, the CPU sets the accessed and dirty flags in EPT
 * entries as the guest runs (SDM 3C 29.3.5): leave them out of the CRC. */
static uint32_t vmx_control_crc(uint32_t crc)
{
	crc = crc32_ieee_update(crc, io_bitmaps, sizeof(io_bitmaps));
	crc = crc32_ieee_update(crc, msr_bitmap, sizeof(msr_bitmap));
	for (unsigned p = 0; p < sizeof(ept_pages) / sizeof(ept_pages[0]); p++) {
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			uint64_t e = ept_pages[p][i] & ~(EPT_ACCESSED | EPT_DIRTY);
			crc = crc32_ieee_update(crc, &e, sizeof(e));
		}
	}
	return crc;
}

/* Collects and clears the EPT dirty flags of guest RAM, then INVEPT:
 * a cached translation could let the next write through without setting
 * the flag again (SDM 3C 29.3.5, 29.4.3). */
static bool vmx_take_dirty(uint64_t *bitmap, uint64_t pages)
{
	if (ept.invept_type == 0 || pages < ept.ram_size / 4096)
		return false;
	pt_take_dirty(ept.root, 0, ept.ram_size, &ept_flags, bitmap, pages);
	/* Had INVEPT failed, this harvest would still be whole (the last
	 * INVEPT worked); the next ones could miss writes. */
	if (!invept(ept.invept_type, ept.eptp))
		ept.invept_type = 0;
	return true;
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
	.get_rsp = vmx_get_rsp,
	.get_cr2 = vmx_get_cr2,
	.get_cr3 = vmx_get_cr3,
	.control_crc = vmx_control_crc,
	.take_dirty = vmx_take_dirty,
};
