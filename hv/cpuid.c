/*
 * CPUID filtering (hv/cpuid.h).  Bits: Intel SDM 2A CPUID, AMD APM 3
 * Appendix E.
 */
#include "hv/cpuid.h"
#include "include/hv_abi.h"

_Static_assert(HV_CPUID_BASE == HV_CPUID_LEAF, "the signature leaf is part of the ABI");

enum { EAX, EBX, ECX, EDX };

#define ANY_SUB 0xFFFFFFFFu

struct cpuid_hide {
	uint32_t leaf, sub; /* sub ANY_SUB: every subleaf */
	uint8_t reg;
	uint32_t bits;      /* cleared; 0xFFFFFFFF clears the register */
};

/*
 * Features the guest does not get, each because the hypervisor keeps what
 * it needs to itself:
 *  - MONITOR/MWAIT: intercepted (#UD): a deep C-state would stop the VMX
 *    preemption timer and with it the watchdog;
 *  - SMX (GETSEC): #UD; the guest may not enter a measured environment;
 *  - XSAVE, and what needs it (OSXSAVE, AVX, FMA, F16C, AVX2, AVX-512):
 *    XSETBV is intercepted (#UD), so XCR0 stays the hypervisor's;
 *  - x2APIC: the APIC belongs to the hypervisor, its MSRs are refused;
 *  - DS (debug store), PDCM, the architectural PMU: their MSRs are
 *    refused (DS_AREA would let the CPU write records anywhere in host
 *    memory);
 *  - the SVM leaf 0x8000000A: no nested virtualization;
 *  - the local APIC and TSC-deadline: the APIC is the hypervisor's, so an
 *    OS uses the 8259 and the 8254 instead;
 *  - MTRR, MCE and MCA: their MSRs are refused (the MTRRs set the memory
 *    types of the hypervisor's memory too; machine checks are the
 *    host's);
 *  - APERF/MPERF (leaf 6 ECX 0): their MSRs are refused (Linux would read
 *    them every tick for frequency invariance);
 *  - the speculation-control MSRs (IBRS/IBPB, STIBP, L1D flush,
 *    ARCH_CAPABILITIES, core capabilities, SSBD; AMD's IBPB/IBRS/STIBP/
 *    SSBD in 0x80000008): refused, as on a CPU without them.
 */
static const struct cpuid_hide hidden[] = {
	{ 1, ANY_SUB, ECX, (1u << 3) | (1u << 6) | (1u << 12) | (1u << 15) | (1u << 21) |
			   (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) },
	/* leaf 1 EDX: MCE 7, APIC 9, MTRR 12, MCA 14, DS 21; ECX: TSC-deadline 24 */
	{ 1, ANY_SUB, EDX, (1u << 7) | (1u << 9) | (1u << 12) | (1u << 14) | (1u << 21) },
	{ 1, ANY_SUB, ECX, 1u << 24 },
	{ 6, ANY_SUB, ECX, 1u << 0 },
	{ 5, ANY_SUB, EAX, 0xFFFFFFFFu },
	{ 5, ANY_SUB, EBX, 0xFFFFFFFFu },
	{ 5, ANY_SUB, ECX, 0xFFFFFFFFu },
	{ 5, ANY_SUB, EDX, 0xFFFFFFFFu },
	/* leaf 7: AVX2 (EBX 5), AVX-512 F/DQ/IFMA/PF/ER/CD/BW/VL (EBX 16, 17,
	 * 21, 26-28, 30, 31), AVX-512 VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ (ECX 1,
	 * 6, 11, 12, 14), AVX-512 4VNNIW/4FMAPS/VP2INTERSECT/FP16 (EDX 2, 3,
	 * 8, 23) */
	{ 7, 0, EBX, (1u << 5) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) |
			     (1u << 28) | (1u << 30) | (1u << 31) },
	{ 7, 0, ECX, (1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14) },
	{ 7, 0, EDX, (1u << 2) | (1u << 3) | (1u << 8) | (1u << 23) | (1u << 26) | (1u << 27) |
			     (1u << 28) | (1u << 29) | (1u << 30) | (1u << 31) },
	/* AMD: IBPB 12, IBRS 14, STIBP 15, SSBD 24, VIRT_SSBD 25 */
	{ 0x80000008u, ANY_SUB, EBX, (1u << 12) | (1u << 14) | (1u << 15) | (1u << 24) | (1u << 25) },
	{ 0xA, ANY_SUB, EAX, 0xFFFFFFFFu },
	{ 0xA, ANY_SUB, EBX, 0xFFFFFFFFu },
	{ 0xA, ANY_SUB, ECX, 0xFFFFFFFFu },
	{ 0xA, ANY_SUB, EDX, 0xFFFFFFFFu },
	{ 0xD, ANY_SUB, EAX, 0xFFFFFFFFu },
	{ 0xD, ANY_SUB, EBX, 0xFFFFFFFFu },
	{ 0xD, ANY_SUB, ECX, 0xFFFFFFFFu },
	{ 0xD, ANY_SUB, EDX, 0xFFFFFFFFu },
	/* AMD: PerfCtrExtCore/NB/L2 (ECX 23, 24, 28): their MSRs are refused */
	{ 0x80000001u, ANY_SUB, ECX, (1u << 23) | (1u << 24) | (1u << 28) },
	{ 0x8000000Au, ANY_SUB, EAX, 0xFFFFFFFFu },
	{ 0x8000000Au, ANY_SUB, EBX, 0xFFFFFFFFu },
	{ 0x8000000Au, ANY_SUB, ECX, 0xFFFFFFFFu },
	{ 0x8000000Au, ANY_SUB, EDX, 0xFFFFFFFFu },
};

#define CPUID_1_ECX_HYPERVISOR (1u << 31)

bool cpuid_hv_leaf(uint32_t leaf, uint32_t r[4])
{
	if (leaf != HV_CPUID_BASE)
		return false;
	/* max leaf, then "WatchdogHV  " as the vendor signature */
	r[EAX] = HV_CPUID_BASE;
	r[EBX] = HV_CPUID_SIG_EBX;
	r[ECX] = HV_CPUID_SIG_ECX;
	r[EDX] = HV_CPUID_SIG_EDX;
	return true;
}

void cpuid_filter(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	for (unsigned i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		const struct cpuid_hide *h = &hidden[i];
		if (h->leaf == leaf && (h->sub == ANY_SUB || h->sub == sub))
			r[h->reg] &= ~h->bits;
	}
	if (leaf == 1)
		r[ECX] |= CPUID_1_ECX_HYPERVISOR;
}
