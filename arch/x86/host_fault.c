/*
 * The hypervisor's own exceptions: a crash record on the log, then the
 * stop the core chose (arch/x86/stop.c).  What the record says of the
 * core's state comes from the function the core registered, so this
 * handler never calls up into the core.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/flight.h"
#include "lib/log.h"
#include "arch/x86/platform.h"
#include "arch/x86/stop.h"
#include "arch/x86/x86.h"

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
	struct plat_crash_context ctx; /* zeros if the core registered no filler */
};

#define CRASH_MAGIC 0x48535243u /* "CRSH" */

static struct crash_record crash __attribute__((aligned(64)));
static void (*crash_fill)(struct plat_crash_context *ctx);

void plat_set_crash_context(void (*fill)(struct plat_crash_context *ctx))
{
	crash_fill = fill;
}

static void save_crash_state(const struct exc_frame *f)
{
	crash.frame = *f;
	__asm__ volatile("mov %%cr2, %0" : "=r"(crash.cr2));
	crash.cr3 = read_cr3();
	crash.cr0 = read_cr0();
	crash.cr4 = read_cr4();
	if (crash_fill != NULL)
		crash_fill(&crash.ctx);
	crash.magic = CRASH_MAGIC;
}

/* Three emerg records; tests/e2e/run.py parses their keys: keep them. */
static void log_crash(const struct exc_frame *f)
{
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
}

/* The crash record into the flight recorder's region (lib/flight.h), for
 * the next boot to report after a warm reset. */
static void keep_crash(const struct exc_frame *f)
{
	const struct flight_crash c = {
		.vector = f->vector, .error = f->error, .rip = f->rip, .rsp = f->rsp,
		.rflags = f->rflags, .cr2 = crash.cr2, .cr3 = crash.cr3,
		.rax = f->rax, .rcx = f->rcx, .rdx = f->rdx, .rsi = f->rsi, .rdi = f->rdi,
		.r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11,
		.exits = crash.ctx.exits, .last_exit = crash.ctx.recent_exits[0],
		.ticks = crash.ctx.ticks, .generation = crash.ctx.generation,
		.guest_rip = crash.ctx.guest_rip,
	};

	flight_save_crash(&c);
}

void host_exception(const struct exc_frame *f);
void host_exception(const struct exc_frame *f)
{
	/* A fault while reporting a fault must not loop: stop at once. */
	if (__atomic_fetch_add(&crash.faults, 1, __ATOMIC_RELAXED) != 0)
		halt_forever();
	save_crash_state(f);
	keep_crash(f);
	log_crash(f);
	log_drain(0);
	/* After the crash records went through the ring: they are the last
	 * lines the next boot reports. */
	flight_seal();
	plat_log_flush();
	x86_crash_stop();
}
