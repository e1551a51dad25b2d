/*
 * Architectural control-register and EFER bits (Intel SDM 3A 2.5 and
 * 2.2.1, AMD APM 2 3.1): plain defines shared by the core, which chooses
 * the guest's boot state, and the platform and backends, which program
 * the CPU.
 */
#ifndef VCPU_X86_REGS_H
#define VCPU_X86_REGS_H

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)
#define CR4_OSXSAVE (1ull << 18)
/* CR4 bits of features the guest does not get (hv/cpuid.c hides them). */
#define CR4_GUEST_MAY_NOT_SET (CR4_VMXE | CR4_SMXE | CR4_OSXSAVE)
#define RFLAGS_IF (1ull << 9)
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SVME (1ull << 12)
#define EFER_FFXSR (1ull << 14)
#define EFER_TCE (1ull << 15)

#endif
