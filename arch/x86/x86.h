/* Small inline wrappers for x86-64 instructions the hypervisor uses. */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpu/x86_regs.h"

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_CR_ACCESS(n)                                                    \
	static inline uint64_t read_cr##n(void)                                \
	{                                                                      \
		uint64_t v;                                                    \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));              \
		return v;                                                      \
	}                                                                      \
	static inline void write_cr##n(uint64_t v)                             \
	{                                                                      \
		__asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");       \
	}
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)

/* A 16550 at `base`, polled, 115200 8N1, FIFO on (arch/x86/uart.c): COM1
 * for the log, COM2 behind a Linux guest's emulated UART. */
void uart_setup_port(uint16_t base);
/* True if a UART answers at `base` (scratch register, LSR); probing
 * writes only the scratch register. */
bool uart_present(uint16_t base);
void uart_put_port(uint16_t base, uint8_t c); /* bounded wait for THRE */
/* Takes the bytes waiting in the UART's receive buffer, at most max, never
 * waiting for more (a missing UART reads as all ones: bounded by max). */
unsigned uart_read_port(uint16_t base, uint8_t *buf, unsigned max);

/* Puts the guest-owned CPU state no VMCS/VMCB switches back to its
 * power-on values (arch/x86/guest_cpu.c); `syscall_msrs_in_cpu` on VMX,
 * where STAR..SFMASK and KERNEL_GS_BASE are not in the VMCS. */
void cpu_reset_guest_leftovers(bool syscall_msrs_in_cpu);

static inline void cpu_relax(void)
{
	__asm__ volatile("pause");
}

static inline void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline uint16_t read_tr(void)
{
	uint16_t v;
	__asm__ volatile("str %0" : "=r"(v));
	return v;
}

/* MSRs the hypervisor reads, writes or keeps from the guest (Intel SDM
 * 4 Table 2-2, AMD APM 2 Appendix A). */
#define MSR_APIC_BASE 0x1Bu
#define MSR_FEATURE_CONTROL 0x3Au
#define MSR_PAT 0x277u
/* SYSCALL MSRs (STAR, LSTAR, CSTAR, SFMASK in a row; AMD APM 2 6.1.1) */
#define MSR_SYSCALL_FIRST 0xC0000081u
#define MSR_KERNEL_GS 0xC0000102u
#define MSR_VMX_BASIC 0x480u
#define MSR_VMX_PINBASED 0x481u
#define MSR_VMX_PROCBASED 0x482u
#define MSR_VMX_EXIT 0x483u
#define MSR_VMX_ENTRY 0x484u
#define MSR_VMX_MISC 0x485u
#define MSR_VMX_CR0_FIXED0 0x486u
#define MSR_VMX_CR0_FIXED1 0x487u
#define MSR_VMX_CR4_FIXED0 0x488u
#define MSR_VMX_CR4_FIXED1 0x489u
#define MSR_VMX_PROCBASED2 0x48Bu
#define MSR_VMX_EPT_VPID_CAP 0x48Cu
#define MSR_VMX_TRUE_PINBASED 0x48Du
#define MSR_VMX_TRUE_PROCBASED 0x48Eu
#define MSR_VMX_TRUE_EXIT 0x48Fu
#define MSR_VMX_TRUE_ENTRY 0x490u
#define MSR_VMX_VMFUNC 0x491u
#define MSR_EFER 0xC0000080u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_VM_CR 0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u
/* First MSRs of the ranges the VMX MSR bitmap (SDM 3C 24.6.9) and the
 * SVM MSR permission map (APM 2 15.11) cover besides 0-0x1FFF. */
#define MSR_RANGE_C000 0xC0000000u
#define MSR_RANGE_C001 0xC0010000u

/* IA32_FEATURE_CONTROL (SDM 3C 23.7): lock, VMXON outside SMX. */
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX (1ull << 2)

/* CPUID feature bits the backends probe and hide (SDM 2A CPUID,
 * APM 3 Appendix E). */
#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_8000000A_EDX_NP (1u << 0)



/* Base and limit of a code or data segment descriptor (SDM 3A 3.4.5):
 * the limit counts 4 KiB units when G (bit 55) is set. */
static inline uint64_t seg_desc_base(uint64_t d)
{
	return ((d >> 16) & 0xFFFFFFull) | ((d >> 32) & 0xFF000000ull);
}

static inline uint32_t seg_desc_limit(uint64_t d)
{
	uint32_t limit = (uint32_t)(d & 0xFFFF) | (uint32_t)((d >> 32) & 0xF0000);

	return (d & (1ull << 55)) ? (limit << 12) | 0xFFF : limit;
}

/* Host GDT selectors (arch/x86/cpu.c). */
#define HOST_SEL_CODE 0x08
#define HOST_SEL_DATA 0x10
#define HOST_SEL_TSS 0x18

#endif
