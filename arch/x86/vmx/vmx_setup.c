/*
 * Intel VMX backend, bring-up (Intel SDM Vol. 3C, chapters 23-25): VMXON
 * and the VMCS, the I/O and MSR bitmaps, the execution, exit and entry
 * controls, host state, and the guest's boot state (written again by
 * vmx_reset).  Private interface: arch/x86/vmx/vmx_priv.h.
 */
#include <string.h>

#include "vcpu/vcpu.h"
#include "lib/crc32.h"
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_priv.h"
#include "lib/arena.h"
#include "lib/log.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_region[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmaps[2][4096] HV_ARENA;
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));

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
	return (rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS) != 0; /* SDM 3D A.1 */
}

/* A control's allowed settings: bits clear in the low half must be 0,
 * bits set in the high half may be 1 (SDM 3D A.3). */
static uint32_t adjust_controls(uint32_t msr, uint32_t want)
{
	uint64_t cap = rdmsr(msr);
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

bool vmx_probe(const char **why)
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
 * both ranges always exit.  Deny by default: every bit set, then cleared
 * for the core's pass-through list (vcpu_config.msr_pass). */
static void msr_pass_through(uint32_t msr)
{
	uint32_t base = msr >= MSR_RANGE_C000 ? 0x400 : 0, bit = msr & 0x1FFF;

	if (msr > 0x1FFF && (msr < MSR_RANGE_C000 || msr > MSR_RANGE_C000 + 0x1FFF))
		return; /* outside the bitmap: always exits */
	msr_bitmap[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
	msr_bitmap[0x800 + base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static void setup_msr_bitmap(const struct vcpu_config *cfg)
{
	memset(msr_bitmap, 0xFF, sizeof(msr_bitmap));
	for (unsigned i = 0; i < cfg->msr_pass_count; i++)
		for (uint32_t msr = cfg->msr_pass[i].first; msr <= cfg->msr_pass[i].last; msr++)
			msr_pass_through(msr);
}

/* Exits for instructions that would bypass the hypervisor: MWAIT and
 * MONITOR (a deep C-state stops the preemption timer, SDM 3C 25.5.1);
 * INVD, GETSEC and XSETBV exit unconditionally (SDM 3C 25.1.2).  TSC
 * offsetting keeps the guest's TSC writes off the host's clock. */
static uint32_t wanted_proc_controls(const struct vcpu_config *cfg)
{
	uint32_t want = PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY | PROC_TSC_OFFSETTING |
			PROC_MWAIT_EXITING | PROC_MONITOR_EXITING;

	if (cfg->test_break == VCPU_BREAK_UNHANDLED)
		want |= PROC_RDPMC_EXITING; /* an exit vmx_decode_exit() does not know */
	if (cfg->hlt_exits)
		want |= PROC_HLT_EXITING;
	return want;
}

static void setup_controls(const struct vcpu_config *cfg)
{
	bool t = use_true_msrs();

	vmwrite(PIN_CONTROLS, adjust_controls(t ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED,
					      PIN_EXT_INTR_EXITING | PIN_NMI_EXITING |
						      PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER));
	vmx.proc_controls = adjust_controls(t ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
					    wanted_proc_controls(cfg));
	vmwrite(PROC_CONTROLS, vmx.proc_controls);
	vmwrite(PROC2_CONTROLS,
		adjust_controls(MSR_VMX_PROCBASED2, PROC2_EPT | PROC2_RDTSCP | PROC2_INVPCID));
	uint32_t exit_controls = adjust_controls(t ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
						 EXIT_HOST_64 | EXIT_ACK_INTR | EXIT_SAVE_DEBUG | EXIT_SAVE_EFER |
							 EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
							 EXIT_SAVE_PREEMPTION);
	vmwrite(EXIT_CONTROLS, exit_controls);
	vmx.preemption_saved = (exit_controls & EXIT_SAVE_PREEMPTION) != 0;
	vmwrite(ENTRY_CONTROLS, adjust_controls(t ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
						ENTRY_GUEST_64 | ENTRY_LOAD_DEBUG | ENTRY_LOAD_EFER |
							ENTRY_LOAD_PAT));
	vmwrite(EXCEPTION_BITMAP, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	/* The guest must keep CR4.VMXE (a fixed-1 bit); hide it from reads
	 * (the shadow is written with the guest state).  SMXE and OSXSAVE
	 * belong to features CPUID hides (hv/cpuid.c): owned too, so a guest
	 * write that sets one exits, and gets #GP as on a CPU without them
	 * (SDM 3C 25.1.3: the shadow never has them set). */
	vmwrite(CR4_MASK, CR4_GUEST_MAY_NOT_SET);
	vmwrite(CR0_MASK, 0);
	/* I/O: every port exits except the guest's own COM2 (0x2F8-0x2FF),
	 * unless the core emulates a UART there. */
	memset(io_bitmaps, 0xFF, sizeof(io_bitmaps));
	if (!cfg->com2_emulated)
		io_bitmaps[0][0x2F8 / 8] = 0;
	vmwrite(IO_BITMAP_A, (uint64_t)(uintptr_t)io_bitmaps[0]);
	vmwrite(IO_BITMAP_B, (uint64_t)(uintptr_t)io_bitmaps[1]);
	setup_msr_bitmap(cfg);
	vmwrite(TSC_OFFSET, 0);
	vmwrite(MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
	vmx.preemption_shift = (unsigned)(rdmsr(MSR_VMX_MISC) & VMX_MISC_PREEMPT_SHIFT); /* SDM 3C 25.5.1 */
	hv_log("tick source=vmx_preemption_timer shift=%u saved=%u (no interrupt controller "
	       "involved)", vmx.preemption_shift, vmx.preemption_saved);
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
void setup_guest_state(const struct vcpu_config *cfg)
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
	/* RFLAGS bit 1 is reserved as 1; the test aid clears it so that the
	 * entry fails its guest-state checks (SDM 3C 26.3.1.4). */
	vmwrite(GUEST_RFLAGS, cfg->test_break == VCPU_BREAK_BAD_ENTRY ? 0 : 0x2);
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

bool vmx_init(const struct vcpu_config *cfg, const char **why)
{
	if (!enable_vmx(why))
		return false;
	setup_controls(cfg);
	setup_host_state();
	setup_guest_state(cfg);
	if (!setup_ept(cfg)) {
		*why = "EPT table pool exhausted";
		return false;
	}
	return true;
}

/* The bitmaps' part of vmx_control_crc (vmx_ept.c), which the bitmaps'
 * owner computes: I/O bitmaps first, then the MSR bitmap. */
uint32_t vmx_bitmaps_crc(uint32_t crc)
{
	crc = crc32_ieee_update(crc, io_bitmaps, sizeof(io_bitmaps));
	crc = crc32_ieee_update(crc, msr_bitmap, sizeof(msr_bitmap));
	return crc;
}
