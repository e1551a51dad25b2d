/* The hypervisor's own exceptions, emulator exit and halt. */
#include <stdint.h>

#include "../../hv/hv.h"
#include "../../hv/log.h"
#include "platform.h"
#include "x86.h"

struct exc_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/*
 * The hypervisor's own crash record (M25): a static block, filled and
 * printed with no allocation and no locks; a fault while handling a fault
 * halts at once instead of looping.  The log's emergency path writes
 * straight to the port, and copes with a fault inside the logger itself.
 */
struct crash_record {
	uint32_t magic;     /* CRASH_MAGIC once filled */
	uint32_t faults;    /* faults seen, including nested ones */
	struct exc_frame frame;
	uint64_t cr2, cr3, cr0, cr4;
	struct hv_crash_context ctx;
};

#define CRASH_MAGIC 0x48535243u /* "CRSH" */

static struct crash_record crash __attribute__((aligned(64)));

static void crash_stop(void)
{
	log_drain(0);
	plat_log_flush();
	if (crash_exit_emulator)
		plat_emulator_exit(5);
	if (crash_reset_machine) {
		outb(0xCF9, 0x02); /* PCI reset control: hard reset */
		outb(0xCF9, 0x06);
	}
	halt_forever();
}

void host_exception(const struct exc_frame *f);
void host_exception(const struct exc_frame *f)
{
	/* A fault while reporting a fault must not loop: stop at once. */
	if (__atomic_fetch_add(&crash.faults, 1, __ATOMIC_RELAXED) != 0)
		halt_forever();
	crash.frame = *f;
	__asm__ volatile("mov %%cr2, %0" : "=r"(crash.cr2));
	crash.cr3 = read_cr3();
	crash.cr0 = read_cr0();
	crash.cr4 = read_cr4();
	hv_crash_context(&crash.ctx);
	crash.magic = CRASH_MAGIC;
	hv_record(LOG_EMERG, CAT_ALARM,
		  "hv_crash vector=%llu error=0x%llx rip=0x%llx rsp=0x%llx rflags=0x%llx cr2=0x%llx "
		  "cr3=0x%llx", (unsigned long long)f->vector, (unsigned long long)f->error,
		  (unsigned long long)f->rip, (unsigned long long)f->rsp,
		  (unsigned long long)f->rflags, (unsigned long long)crash.cr2,
		  (unsigned long long)crash.cr3);
	hv_record(LOG_EMERG, CAT_ALARM,
		  "hv_crash_regs rax=0x%llx rcx=0x%llx rdx=0x%llx rsi=0x%llx rdi=0x%llx r8=0x%llx "
		  "r9=0x%llx r10=0x%llx r11=0x%llx", (unsigned long long)f->rax,
		  (unsigned long long)f->rcx, (unsigned long long)f->rdx, (unsigned long long)f->rsi,
		  (unsigned long long)f->rdi, (unsigned long long)f->r8, (unsigned long long)f->r9,
		  (unsigned long long)f->r10, (unsigned long long)f->r11);
	hv_record(LOG_EMERG, CAT_ALARM,
		  "hv_crash_context exits=%llu last_exit=0x%llx last_kind=%u recent=0x%llx,0x%llx,0x%llx,"
		  "0x%llx ticks=%llu generation=%llu guest_rip=0x%llx",
		  (unsigned long long)crash.ctx.exits, (unsigned long long)crash.ctx.recent_exits[0],
		  crash.ctx.last_kind, (unsigned long long)crash.ctx.recent_exits[1],
		  (unsigned long long)crash.ctx.recent_exits[2],
		  (unsigned long long)crash.ctx.recent_exits[3],
		  (unsigned long long)crash.ctx.recent_exits[4], (unsigned long long)crash.ctx.ticks,
		  (unsigned long long)crash.ctx.generation, (unsigned long long)crash.ctx.guest_rip);
	crash_stop();
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
