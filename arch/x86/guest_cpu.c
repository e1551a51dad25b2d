/*
 * CPU state the guest owns but no VMCS field or VMCB offset switches:
 * the debug address registers, CR2 (VMX), the SYSCALL MSRs (VMX; SVM
 * keeps them in the VMCB), TSC_AUX, and the x87/SSE/AVX registers.  The
 * hypervisor never uses any of them, so the guest's values simply stay in
 * the CPU; a guest reset must put them back to their power-on values
 * (Intel SDM 3A 10.1, Table 10-1; AMD APM 2 14.1.3), or the next
 * generation would start with the last one's leftovers.
 */
#include <stdint.h>

#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define MSR_STAR 0xC0000081u
#define MSR_SFMASK 0xC0000084u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define MSR_TSC_AUX 0xC0000103u
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)

#define MXCSR_RESET 0x1F80u
#define FCW_RESET 0x037Fu

uint64_t plat_apic_base_msr(void)
{
	return rdmsr(MSR_APIC_BASE);
}

/* An FXSAVE image of the x87/SSE power-on state (SDM 1 10.5.1): FCW
 * 0x37F, MXCSR 0x1F80, everything else zero (the abridged tag word 0
 * marks every x87 register empty).  The XSAVE header after it (SDM 1
 * 13.4.2) is all zero: XSTATE_BV = 0 makes XRSTOR put every component
 * it loads in its initial configuration (SDM 1 13.8.1). */
static uint8_t init_image[512 + 64] __attribute__((aligned(64))) = {
	[0] = FCW_RESET & 0xFF,
	[1] = FCW_RESET >> 8,
	[24] = MXCSR_RESET & 0xFF,
	[25] = MXCSR_RESET >> 8,
};

/* With XSAVE enabled by the firmware, XRSTOR of every XCR0 component
 * (AVX and beyond included); else FXRSTOR.  CR0.TS/EM and CR4.OSFXSR
 * are set for the instruction and put back. */
/* CR0.TS/EM off and CR4.OSFXSR on around FXSAVE/XSAVE and their
 * restores (SDM 1 10.5.1), then back as they were. */
struct fpu_access {
	uint64_t cr0, cr4;
};

static struct fpu_access fpu_open(void)
{
	struct fpu_access a = { read_cr0(), read_cr4() };

	write_cr0(a.cr0 & ~(CR0_EM | CR0_TS));
	write_cr4(a.cr4 | CR4_OSFXSR);
	return a;
}

static void fpu_close(struct fpu_access a)
{
	write_cr4(a.cr4);
	write_cr0(a.cr0);
}

static void reset_fpu_state(void)
{
	struct fpu_access a = fpu_open();

	if (a.cr4 & CR4_OSXSAVE)
		__asm__ volatile("xrstor64 %0" ::"m"(init_image), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 %0" ::"m"(init_image) : "memory");
	fpu_close(a);
}

/* The XSAVE image's size for the components XCR0 enables
 * (CPUID.(EAX=0DH,ECX=0):EBX, SDM 1 13.2). */
static uint32_t xsave_size(void)
{
	uint32_t r[4];

	cpuid(0xD, 0, r);
	return r[1];
}

bool plat_guest_cpu_save(struct plat_guest_cpu *c)
{
	__asm__ volatile("mov %%dr0, %0; mov %%dr1, %1; mov %%dr2, %2; mov %%dr3, %3"
			 : "=r"(c->dr[0]), "=r"(c->dr[1]), "=r"(c->dr[2]), "=r"(c->dr[3]));
	c->tsc_aux = rdmsr(MSR_TSC_AUX);
	bool xsave = (read_cr4() & CR4_OSXSAVE) != 0;
	if (xsave && xsave_size() > sizeof(c->fpu))
		return false;
	struct fpu_access a = fpu_open();
	if (xsave)
		__asm__ volatile("xsave64 %0" : "=m"(c->fpu) : "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxsave64 %0" : "=m"(c->fpu)::"memory");
	fpu_close(a);
	return true;
}

void plat_guest_cpu_load(const struct plat_guest_cpu *c, bool saved)
{
	__asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3"
			 ::"r"(c->dr[0]), "r"(c->dr[1]), "r"(c->dr[2]), "r"(c->dr[3]));
	wrmsr(MSR_TSC_AUX, c->tsc_aux);
	if (!saved) {
		reset_fpu_state();
		return;
	}
	struct fpu_access a = fpu_open();
	if (a.cr4 & CR4_OSXSAVE)
		__asm__ volatile("xrstor64 %0" ::"m"(c->fpu), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 %0" ::"m"(c->fpu) : "memory");
	fpu_close(a);
}

static void reset_debug_registers(void)
{
	uint64_t zero = 0, dr6 = 0xFFFF0FF0ull; /* DR6 at power-on (SDM 3B 18.2.3) */

	__asm__ volatile("mov %0, %%dr0; mov %0, %%dr1; mov %0, %%dr2; mov %0, %%dr3; mov %1, %%dr6"
			 ::"r"(zero), "r"(dr6));
}

void cpu_reset_guest_leftovers(bool syscall_msrs_in_cpu)
{
	reset_debug_registers();
	write_cr2(0);
	if (syscall_msrs_in_cpu) {
		for (uint32_t msr = MSR_STAR; msr <= MSR_SFMASK; msr++)
			wrmsr(msr, 0);
		wrmsr(MSR_KERNEL_GS_BASE, 0);
	}
	wrmsr(MSR_TSC_AUX, 0);
	reset_fpu_state();
}
