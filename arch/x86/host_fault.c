/* The hypervisor's own exceptions, emulator exit and halt. */
#include <stdint.h>

#include "../../hv/log.h"
#include "platform.h"
#include "x86.h"

struct exc_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

static volatile int in_host_exception;

void host_exception(const struct exc_frame *f);
void host_exception(const struct exc_frame *f)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	/* A fault while reporting a fault must not loop: stop at once. */
	if (in_host_exception++)
		halt_forever();
	hv_log("HV-FAULT vector=%llu error=0x%llx rip=0x%llx rsp=0x%llx cr2=0x%llx rax=0x%llx",
	       (unsigned long long)f->vector, (unsigned long long)f->error,
	       (unsigned long long)f->rip, (unsigned long long)f->rsp,
	       (unsigned long long)cr2, (unsigned long long)f->rax);
	plat_log_flush();
	plat_halt();
}

void plat_emulator_exit(uint8_t code)
{
	static const char shutdown[] = "Shutdown";

	plat_log_flush();
	outl(0xF4, code); /* QEMU isa-debug-exit: status (code << 1) | 1 */
	for (const char *p = shutdown; *p; p++)
		outb(0x8900, (uint8_t)*p); /* Bochs: ends the simulation */
}

void plat_halt(void)
{
	plat_log_flush();
	halt_forever();
	__builtin_unreachable();
}
