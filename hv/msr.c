/*
 * MSR pass-through list and emulation (hv/msr.h).  MSR numbers and
 * meanings: Intel SDM 4 chapter 2, AMD APM 2 Appendix A.
 */
#include "hv/msr.h"

#define MSR_TSC 0x10u
#define MSR_APIC_BASE 0x1Bu
#define MSR_TSC_ADJUST 0x3Bu
#define MSR_DEBUGCTL 0x1D9u
#define MSR_UCODE_REV 0x8Bu
#define MSR_MISC_ENABLE 0x1A0u
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode (SDM 3A 11.12.1) */
/* IA32_MISC_ENABLE as the guest sees it (SDM 4 Table 2-2): fast strings
 * (bit 0), BTS unavailable (11), PEBS unavailable (12); no CPUID limit
 * (22), XD not disabled (34), so an OS has nothing to change. */
#define MISC_ENABLE_VALUE ((1ull << 0) | (1ull << 11) | (1ull << 12))

/*
 * What the guest may use without an exit.  An MSR is here only if the
 * guest's value affects nothing but the guest: either the CPU switches
 * it at every entry and exit, or the hypervisor never depends on it
 * (it runs no SYSCALL/SYSENTER, no SWAPGS, no RDTSCP/RDPID); a guest
 * reset clears the unswitched ones (docs/design.md, Reset).
 */
const struct vcpu_msr_range msr_pass_list[] = {
	/* SYSENTER_CS/ESP/EIP: VMCS guest-state fields (SDM 3C 24.4.1), VMCB
	 * state save area (APM 2 Table B-2, loaded by VMLOAD). */
	{ 0x174, 0x176 },
	/* PAT: switched (VMX load/save PAT controls, SDM 3C 24.7-24.8; SVM
	 * G_PAT with nested paging, APM 2 15.25.8); the CPU checks writes. */
	{ 0x277, 0x277 },
	/* EFER: switched (VMX load/save EFER) and checked by the CPU; the SVM
	 * backend intercepts it anyway to keep SVME its own. */
	{ 0xC0000080u, 0xC0000080u },
	/* STAR, LSTAR, CSTAR, SFMASK: SYSCALL targets; VMLOAD switches them on
	 * SVM, and the hypervisor never executes SYSCALL. */
	{ 0xC0000081u, 0xC0000084u },
	/* FS/GS base (VMCS/VMCB guest state) and KERNEL_GS_BASE (VMLOAD; the
	 * hypervisor never executes SWAPGS): the guest's own linear space. */
	{ 0xC0000100u, 0xC0000102u },
	/* TSC_AUX: read by RDTSCP/RDPID, which the hypervisor never uses. */
	{ 0xC0000103u, 0xC0000103u },
};
const unsigned msr_pass_count = sizeof(msr_pass_list) / sizeof(msr_pass_list[0]);

bool msr_passed_through(uint32_t msr)
{
	for (unsigned i = 0; i < msr_pass_count; i++)
		if (msr >= msr_pass_list[i].first && msr <= msr_pass_list[i].last)
			return true;
	return false;
}

enum msr_result msr_read(const struct msr_state *s, uint32_t msr, uint64_t host_tsc,
			 uint64_t *value)
{
	switch (msr) {
	case MSR_TSC:
		*value = host_tsc + s->tsc_offset;
		return MSR_DONE;
	case MSR_TSC_ADJUST:
		*value = s->tsc_adjust;
		return MSR_DONE;
	case MSR_APIC_BASE:
		/* Where the APIC is; it stays the hypervisor's (writes refused).
		 * x2APIC mode, if the firmware left it on, is not the guest's:
		 * CPUID hides x2APIC and its MSRs (0x800-0x8FF) are refused. */
		*value = s->apic_base & ~APIC_BASE_EXTD;
		return MSR_DONE;
	case MSR_DEBUGCTL:
		/* No LBR, no BTS: BTS would store branch records through
		 * physical addresses the guest chooses (SDM 3B 18.4.8). */
		*value = 0;
		return MSR_DONE;
	case MSR_UCODE_REV:
		/* Microcode revision 0 (bits 63:32); an OS writes 0 and runs
		 * CPUID before reading it (SDM 3A 10.11.7). */
		*value = 0;
		return MSR_DONE;
	case MSR_MISC_ENABLE:
		*value = MISC_ENABLE_VALUE;
		return MSR_DONE;
	default:
		return MSR_REFUSED;
	}
}

/* A write to the TSC or to TSC_ADJUST moves the other by the same amount
 * (SDM 3B 18.17.3). */
static void move_tsc(struct msr_state *s, uint64_t delta)
{
	s->tsc_offset += delta;
	s->tsc_adjust += delta;
}

enum msr_result msr_write(struct msr_state *s, uint32_t msr, uint64_t value, uint64_t host_tsc)
{
	switch (msr) {
	case MSR_TSC:
		move_tsc(s, value - (host_tsc + s->tsc_offset));
		return MSR_DONE_OFFSET;
	case MSR_TSC_ADJUST:
		move_tsc(s, value - s->tsc_adjust);
		return MSR_DONE_OFFSET;
	case MSR_DEBUGCTL:
	case MSR_UCODE_REV:
		return value == 0 ? MSR_DONE : MSR_REFUSED;
	case MSR_MISC_ENABLE:
		/* Nothing in it is the guest's to change: a write that keeps it
		 * as it reads is accepted (Linux writes back what it read). */
		return value == MISC_ENABLE_VALUE ? MSR_DONE : MSR_REFUSED;
	default:
		return MSR_REFUSED;
	}
}
