/*
 * CPU-level isolation probes (issue 8): the whole MSR space, the CR4 and
 * EFER bits the guest may not set, the instructions that would bypass the
 * hypervisor, what CPUID hides, a TSC the guest moves without moving the
 * hypervisor's clock, DR7 kept across exits, and a clean CPU after a
 * reset.  The hypervisor's side of each is in docs/design.md (MSRs,
 * CPUID, Reset).
 */
#include <stdint.h>

#include "../../guest-stub/stub.h"
#include "console.h"
#include "scenarios.h"

uint64_t probe_rdmsr(uint32_t msr);
void probe_wrmsr(uint32_t msr, uint64_t value);
void probe_mov_cr4(uint64_t value);
void probe_xsetbv(void);
void probe_monitor(void);
void probe_mwait(void);
void probe_getsec(void);
void probe_rdpmc(void);
void probe_gp_isr(void);
void probe_ud_isr(void);
extern volatile uint64_t probe_gp_count;
volatile uint64_t probe_ud_count;

static uint64_t rdtsc64(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void cpuid4(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* The hypervisor's pass-through list (hv/msr.c): these may work or #GP
 * as the CPU has them.  Emulated: TSC, APIC base (read only), TSC_ADJUST,
 * UCODE_REV and DEBUGCTL (0 only), MISC_ENABLE (its own value only).
 * Everything else must #GP, read and write. */
static int passed_through(uint32_t m)
{
	return (m >= 0x174 && m <= 0x176) || m == 0x277 || (m >= 0xC0000080u && m <= 0xC0000084u) ||
	       (m >= 0xC0000100u && m <= 0xC0000103u);
}

static int emulated_read(uint32_t m)
{
	return m == 0x10 || m == 0x1B || m == 0x3B || m == 0x8B || m == 0x1A0 || m == 0x1D9;
}

/* Written back with what was read (DEBUGCTL and UCODE_REV: 0). */
static int emulated_write(uint32_t m)
{
	return m == 0x10 || m == 0x3B || m == 0x8B || m == 0x1A0 || m == 0x1D9;
}

/* One MSR, read then write; returns the number of answers that break the
 * rule above. */
static unsigned probe_one_msr(uint32_t m)
{
	uint64_t gp = probe_gp_count;
	uint64_t v = probe_rdmsr(m);
	int read_gp = probe_gp_count != gp;
	unsigned bad = 0;

	if (passed_through(m)) {
		if (!read_gp) {
			gp = probe_gp_count;
			probe_wrmsr(m, v); /* its own value back */
		}
		return 0;
	}
	bad += read_gp == emulated_read(m);
	gp = probe_gp_count;
	probe_wrmsr(m, emulated_write(m) && m != 0x1D9 && m != 0x8B ? v : 0);
	bad += (probe_gp_count != gp) == emulated_write(m);
	return bad;
}

static void probe_msr_space(uint64_t *tried, uint64_t *bad)
{
	static const uint32_t ranges[][2] = {
		{ 0, 0x1FFF }, { 0xC0000000u, 0xC0001FFFu }, { 0xC0010000u, 0xC0011FFFu },
		{ 0x40000000u, 0x400000FFu }, /* outside every bitmap: always exits */
	};

	for (unsigned r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (uint32_t m = ranges[r][0]; m <= ranges[r][1]; m++) {
			unsigned b = probe_one_msr(m);
			if (b && *bad < 4)
				put_num(" unexpected_msr=", (int64_t)m, ""); /* the first few */
			*bad += b;
			(*tried)++;
		}
}

/* CR4.VMXE, SMXE and OSXSAVE (features the guest does not have), EFER
 * reserved bit 1 and SVME: each #GP. */
static uint64_t probe_control_bits(void)
{
	uint64_t cr4, gp = probe_gp_count, efer = probe_rdmsr(0xC0000080u);

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	probe_mov_cr4(cr4 | (1ull << 13));
	probe_mov_cr4(cr4 | (1ull << 14));
	probe_mov_cr4(cr4 | (1ull << 18));
	probe_wrmsr(0xC0000080u, efer | (1ull << 1));
	probe_wrmsr(0xC0000080u, efer | (1ull << 12));
	return probe_gp_count - gp;
}

/* #UD for XSETBV, MONITOR, MWAIT, GETSEC; INVD runs as a no-op. */
static uint64_t probe_instructions(int *invd_ok)
{
	uint64_t ud = probe_ud_count;

	probe_xsetbv();
	probe_monitor();
	probe_mwait();
	probe_getsec();
	__asm__ volatile("invd" ::: "memory");
	*invd_ok = 1;
	return probe_ud_count - ud;
}

static int cpuid_hides(void)
{
	uint32_t r[4], svm[4];
	const uint32_t leaf1_ecx = (1u << 3) | (1u << 5) | (1u << 6) | (1u << 21) | (1u << 26) |
				   (1u << 27) | (1u << 28);

	cpuid4(1, 0, r);
	if (r[2] & leaf1_ecx)
		return 0;
	cpuid4(0x80000001u, 0, r);
	cpuid4(0x8000000Au, 0, svm);
	return !(r[2] & (1u << 2)) && (svm[0] | svm[1] | svm[2] | svm[3]) == 0;
}

/* DR7 survives the exits in between (a CPUID is one): a write breakpoint
 * on a variable nobody writes, then DR7 back to its reset value. */
static volatile uint64_t dr_target;

static int dr7_kept(void)
{
	uint64_t want = 0x400 | 1 | (1ull << 16), got, r[4];

	__asm__ volatile("mov %0, %%dr0" ::"r"((uint64_t)(uintptr_t)&dr_target));
	__asm__ volatile("mov %0, %%dr7" ::"r"(want));
	cpuid4(0, 0, (uint32_t *)r);
	__asm__ volatile("mov %%dr7, %0" : "=r"(got));
	__asm__ volatile("mov %0, %%dr7" ::"r"(0x400ull));
	return got == want;
}

/* The guest moves its TSC 2^40 cycles ahead: its own RDTSC follows, the
 * hypervisor's clock must not (tests/e2e/run.py checks the log's time). */
static int tsc_moved(void)
{
	uint64_t t0 = rdtsc64(), target = t0 + (1ull << 40);

	probe_wrmsr(0x10, target);
	return rdtsc64() >= target;
}

void scenario_cpuprobe(void)
{
	uint64_t tried = 0, bad = 0, ctl_gp, ud, crc0 = hvstub_info(HV_INFO_INTEGRITY).value;
	int invd_ok = 0;

	set_gate(13, probe_gp_isr);
	set_gate(6, probe_ud_isr);
	say("cpu probe");
	probe_msr_space(&tried, &bad);
	ctl_gp = probe_control_bits();
	ud = probe_instructions(&invd_ok);
	int hidden = cpuid_hides(), dr7 = dr7_kept(), tsc = tsc_moved();
	hvstub_install_idt(idt); /* the stub's hooks back */
	set_gate(TIMER_VECTOR, timer_isr);
	uint64_t crc1 = hvstub_info(HV_INFO_INTEGRITY).value;
	put_num(" msrs=", (int64_t)tried, "");
	put_num(" msr_unexpected=", (int64_t)bad, "");
	put_num(" control_gp=", (int64_t)ctl_gp, "");
	put_num(" insn_ud=", (int64_t)ud, "");
	put_num(" invd_ok=", invd_ok, "");
	put_num(" cpuid_hidden=", hidden, "");
	put_num(" dr7_kept=", dr7, "");
	put_num(" tsc_moved=", tsc, "");
	put_num(" integrity_same=", crc0 == crc1, "\n");
	if (bad == 0 && ctl_gp == 5 && ud == 4 && invd_ok && hidden && dr7 && tsc && crc0 == crc1)
		say("cpu probe ok\n");
	else
		say("cpu probe BREACHED\n");
}

/* ---- a reset gives the guest a clean CPU ---------------------------------- */

#define DIRTY 0x5a5a000ull

/* SSE instructions need CR4.OSFXSR (SDM 3A 2.5), which the boot state
 * leaves clear: an OS sets it before its first use of SSE. */
static void enable_sse(void)
{
	uint64_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | (1ull << 9)));
}

/* Generation 1: leave state in every register no VMCS/VMCB field holds
 * (or that a backend might forget), then fault. */
void scenario_dirtycpu(void)
{
	uint64_t x = DIRTY, mxcsr = 0x1F80 | (3u << 13); /* round toward zero */

	probe_wrmsr(0xC0000082u, DIRTY);  /* LSTAR */
	probe_wrmsr(0xC0000102u, DIRTY);  /* KERNEL_GS_BASE */
	probe_wrmsr(0xC0000103u, 7);      /* TSC_AUX */
	probe_wrmsr(0x10, rdtsc64() + (1ull << 40));
	__asm__ volatile("mov %0, %%dr0; mov %0, %%dr3" ::"r"(x));
	enable_sse();
	__asm__ volatile("movq %0, %%xmm0; ldmxcsr %1" ::"r"(x), "m"(mxcsr)); /* no xmm clobber: built -mgeneral-regs-only */
	say("cpu dirtied\n");
}

/* Generation 2: all of it back at its reset value. */
void scenario_cleancheck(void)
{
	uint64_t dr0, dr3, xmm0, mxcsr = 0;

	__asm__ volatile("mov %%dr0, %0; mov %%dr3, %1" : "=r"(dr0), "=r"(dr3));
	enable_sse();
	__asm__ volatile("movq %%xmm0, %0; stmxcsr %1" : "=r"(xmm0), "=m"(mxcsr));
	uint64_t lstar = probe_rdmsr(0xC0000082u), kgs = probe_rdmsr(0xC0000102u);
	uint64_t aux = probe_rdmsr(0xC0000103u);
	int tsc_back = rdtsc64() < (1ull << 40);
	say_num("clean generation=", (int64_t)boot->boot_generation, "");
	put_num(" lstar=", (int64_t)lstar, "");
	put_num(" kernel_gs=", (int64_t)kgs, "");
	put_num(" tsc_aux=", (int64_t)aux, "");
	put_num(" dr0=", (int64_t)dr0, "");
	put_num(" dr3=", (int64_t)dr3, "");
	put_num(" xmm0=", (int64_t)xmm0, "");
	put_num(" mxcsr=", (int64_t)mxcsr, "");
	put_num(" tsc_back=", tsc_back, "\n");
	if (lstar == 0 && kgs == 0 && aux == 0 && dr0 == 0 && dr3 == 0 && xmm0 == 0 &&
	    mxcsr == 0x1F80 && tsc_back)
		say("clean cpu ok\n");
	else
		say("clean cpu STALE\n");
}

/* RDPMC: with the test aid test_break=1 an exit the hypervisor does not
 * know; the policy must decide. */
void scenario_rdpmc(void)
{
	say("rdpmc\n");
	con_flush();
	probe_rdpmc();
	say("rdpmc returned\n");
}
