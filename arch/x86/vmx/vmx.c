/*
 * Intel VMX backend (Intel SDM Vol. 3C, chapters 23-29).
 * One VMCS, one vCPU, EPT over the guest RAM arena, the VMX-preemption
 * timer as the hypervisor tick.
 */
#include <string.h>

#include "../../../hv/nested_pt.h"
#include "../../../hv/hv.h"
#include "../../../include/hv_abi.h"
#include "../../../hv/crc32.h"
#include "../platform.h"
#include "../x86.h"
#include "vmcs.h"
#include "vmx_decode.h"

int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_point(void);

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_region[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmaps[2][4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static pt_page ept_pages[PT_PAGES_FOR(HV_GUEST_RAM_SIZE)];
static int vmcs_launched;
static uint64_t exit_cr2; /* VMX leaves the guest's CR2 in the CPU's CR2 */
static unsigned preemption_shift;

/* EPT entry bits (SDM 3C 29.3.2): read, write, execute; WB memory type. */
static const struct pt_flags ept_flags = {
	.table = 0x7,
	.leaf = 0x7 | (6u << 3),
	.present_mask = 0x7,
};

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

static bool use_true_msrs(void)
{
	return (rdmsr(MSR_VMX_BASIC) >> 55) & 1; /* SDM 3D A.1 */
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
	if (!(r[2] & (1u << 5))) {
		*why = "CPUID reports no VMX";
		return false;
	}
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & 1) && !(fc & 4)) {
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
	if (!(ept_cap & (1u << 6)) || !(ept_cap & (1u << 14))) {
		*why = "EPT lacks 4-level walks or write-back memory type";
		return false;
	}
	return true;
}

/* SDM 3C 23.7-23.8: CR0/CR4 fixed bits, feature control, VMXON. */
static bool enable_vmx(const char **why)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);

	if (!(fc & 1))
		wrmsr(MSR_FEATURE_CONTROL, fc | 1 | 4);
	write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | CR4_VMXE | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));
	uint32_t revision = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7FFFFFFF;
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
	uint32_t base = msr >= 0xC0000000u ? 0x400 : 0, bit = msr & 0x1FFF;

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
	vmwrite(PROC_CONTROLS, adjust_controls(t ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
					       PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY));
	vmwrite(PROC2_CONTROLS,
		adjust_controls(MSR_VMX_PROCBASED2, PROC2_EPT | PROC2_RDTSCP | PROC2_INVPCID));
	vmwrite(EXIT_CONTROLS, adjust_controls(t ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
					       EXIT_HOST_64 | EXIT_ACK_INTR | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
						       EXIT_SAVE_PAT | EXIT_LOAD_PAT));
	vmwrite(ENTRY_CONTROLS, adjust_controls(t ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
						ENTRY_GUEST_64 | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT));
	vmwrite(EXCEPTION_BITMAP, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	/* The guest must keep CR4.VMXE (a fixed-1 bit); hide it from reads. */
	vmwrite(CR4_MASK, CR4_VMXE);
	vmwrite(CR4_SHADOW, CR4_PAE);
	vmwrite(CR0_MASK, 0);
	/* I/O: every port exits except the guest's own COM2 (0x2F8-0x2FF). */
	memset(io_bitmaps, 0xFF, sizeof(io_bitmaps));
	io_bitmaps[0][0x2F8 / 8] = 0;
	vmwrite(IO_BITMAP_A, (uint64_t)(uintptr_t)io_bitmaps[0]);
	vmwrite(IO_BITMAP_B, (uint64_t)(uintptr_t)io_bitmaps[1]);
	setup_msr_bitmap();
	vmwrite(MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
	preemption_shift = (unsigned)(rdmsr(MSR_VMX_MISC) & 0x1F); /* SDM 3C 25.5.1 */
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

static void set_guest_segment(uint64_t sel_field, uint16_t sel, uint32_t ar)
{
	/* Selector, base, limit and access-rights fields are laid out in
	 * parallel (SDM 3D Appendix B): one offset from each base field. */
	uint64_t index = sel_field - GUEST_ES_SEL;

	vmwrite(sel_field, sel);
	vmwrite(GUEST_ES_BASE + index, 0);
	vmwrite(GUEST_ES_LIMIT + index, 0xFFFFFFFF);
	vmwrite(GUEST_ES_AR + index, ar);
}

/* 64-bit guest entry state (SDM 3C 26.3.1 checks). */
static void setup_guest_state(const struct vcpu_config *cfg)
{
	const uint32_t code_ar = 0xA09B, data_ar = 0xC093;
	uint64_t cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;

	vmwrite(GUEST_CR0, (cr0 | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	vmwrite(GUEST_CR3, cfg->guest_cr3);
	vmwrite(GUEST_CR4, (CR4_PAE | CR4_VMXE | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));
	set_guest_segment(GUEST_CS_SEL, HVG_SEL_CODE, code_ar);
	set_guest_segment(GUEST_SS_SEL, HVG_SEL_DATA, data_ar);
	set_guest_segment(GUEST_DS_SEL, HVG_SEL_DATA, data_ar);
	set_guest_segment(GUEST_ES_SEL, HVG_SEL_DATA, data_ar);
	set_guest_segment(GUEST_FS_SEL, HVG_SEL_DATA, data_ar);
	set_guest_segment(GUEST_GS_SEL, HVG_SEL_DATA, data_ar);
	set_guest_segment(GUEST_LDTR_SEL, 0, 0x10000); /* unusable */
	set_guest_segment(GUEST_TR_SEL, 0, 0x8B);      /* busy 64-bit TSS */
	vmwrite(GUEST_TR_LIMIT, 0x67);
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
	vmwrite(GUEST_PAT, 0x0007040600070406ull);
	vmwrite(GUEST_EFER, 0x500); /* LME | LMA */
}

static bool setup_ept(const struct vcpu_config *cfg)
{
	struct pt_pool pool = { ept_pages, sizeof(ept_pages) / sizeof(ept_pages[0]), 0 };
	uint64_t *root = pt_new_root(&pool);

	if (root == NULL || !pt_map_range(&pool, root, 0, (uint64_t)(uintptr_t)cfg->ram,
					  cfg->ram_size, &ept_flags))
		return false;
	/* EPTP: WB (6), 4-level walk (3 in bits 5:3) (SDM 3C 24.6.11) */
	vmwrite(EPT_POINTER, (uint64_t)(uintptr_t)root | 6 | (3 << 3));
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
 * (SDM 3C 28.2.4 and 27.2.3). */
static void reinject_vectoring_event(void)
{
	uint32_t info = (uint32_t)vmread(IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	vmwrite(ENTRY_INTR_INFO, info & 0x80000FFFu);
	vmwrite(ENTRY_EXC_ERROR, vmread(IDT_VECTORING_ERROR));
	vmwrite(ENTRY_INSN_LEN, vmread(EXIT_INSN_LEN));
}

/* A fault or EPT violation during an IRET that unblocked NMIs leaves
 * them unblocked; the IRET will run again, so restore the blocking
 * before re-entry (SDM 3C 28.2.3, 31.7.1.2). */
static void restore_nmi_blocking(const struct vmx_exit_info *x)
{
	uint32_t basic = x->reason & 0xFFFF;
	bool unblocked = (basic == VMX_EXIT_EPT_VIOLATION && (x->qual & NMI_UNBLOCKED_BY_IRET)) ||
			 (basic == VMX_EXIT_EXCEPTION_NMI && (x->intr_info & NMI_UNBLOCKED_BY_IRET));

	if (unblocked && !(vmread(IDT_VECTORING_INFO) & INTR_INFO_VALID))
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) | BLOCKING_BY_NMI);
}

static void vmx_run(struct guest_regs *regs, uint64_t deadline_tsc, struct hv_event *ev)
{
	uint64_t now = rdtsc();
	uint64_t delta = deadline_tsc > now ? deadline_tsc - now : 0;
	uint64_t timer = delta >> preemption_shift;

	vmwrite(PREEMPTION_TIMER, timer > 0xFFFFFFFFull ? 0xFFFFFFFFull : timer);
	if (vmx_enter(regs, vmcs_launched) != 0) {
		memset(ev, 0, sizeof(*ev));
		ev->kind = EV_ENTRY_FAILED;
		ev->raw = 0xFFFF;
		ev->qual = vmread(VM_INSN_ERROR);
		return;
	}
	vmcs_launched = 1;
	struct vmx_exit_info x = {
		.reason = (uint32_t)vmread(EXIT_REASON),
		.qual = vmread(EXIT_QUALIFICATION),
		.intr_info = (uint32_t)vmread(EXIT_INTR_INFO),
		.insn_len = (uint32_t)vmread(EXIT_INSN_LEN),
		.gpa = vmread(GUEST_PHYS_ADDR),
		.ecx = (uint32_t)regs->rcx,
	};
	__asm__ volatile("mov %%cr2, %0" : "=r"(exit_cr2));
	vmx_decode_exit(&x, ev);
	if (ev->kind == EV_HOST_INTR)
		plat_end_stray_interrupt();
	restore_nmi_blocking(&x);
	reinject_vectoring_event();
}

static void vmx_inject(const struct hv_inject *inj)
{
	uint32_t info = inj->vector | ((uint32_t)inj->type << 8) | INTR_INFO_VALID;

	if (inj->has_error) {
		info |= 1u << 11;
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
	return (vmread(GUEST_RFLAGS) & (1u << 9)) && (guest_interruptibility() & 3) == 0 &&
	       !(vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

static uint64_t vmx_get_rip(void)
{
	return vmread(GUEST_RIP);
}

static void vmx_skip_insn(uint8_t len)
{
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + len);
	/* Skipping an instruction ends an STI/MOV-SS shadow (SDM 3C 25.1.3). */
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~3ull);
}

static unsigned vmx_get_cpl(void)
{
	return (unsigned)(vmread(GUEST_SS_AR) >> 5) & 3;
}

static void vmx_adjust_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)sub;
	if (leaf == 1)
		r[2] &= ~(1u << 5); /* no nested VMX */
}

static void set_proc_control(uint32_t bit, bool on)
{
	uint64_t proc = vmread(PROC_CONTROLS);

	vmwrite(PROC_CONTROLS, on ? proc | bit : proc & ~(uint64_t)bit);
}

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
	vmwrite(ENTRY_INTR_INFO, 0);
	vmx_request_nmi_window(false);
	vmx_request_intr_window(false);
}

static uint64_t vmx_get_rsp(void)
{
	return vmread(GUEST_RSP);
}

static uint64_t vmx_get_cr2(void)
{
	return exit_cr2;
}

static uint64_t vmx_get_cr3(void)
{
	return vmread(GUEST_CR3);
}

static uint32_t vmx_control_crc(uint32_t crc)
{
	crc = crc32_ieee_update(crc, io_bitmaps, sizeof(io_bitmaps));
	crc = crc32_ieee_update(crc, msr_bitmap, sizeof(msr_bitmap));
	crc = crc32_ieee_update(crc, ept_pages, sizeof(ept_pages));
	return crc;
}

const struct vcpu_ops vmx_ops = {
	.name = "vmx",
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
};
