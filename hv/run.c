/*
 * The vCPU loop: enter the guest, account for time, handle the decoded
 * exit.  One guest, one vCPU, one physical CPU.
 */
#include <stdio.h>

#include "../arch/x86/platform.h"
#include "../include/hv_abi.h"
#include "hv.h"
#include "log.h"
#include "recovery.h"

#define LOG_DRAIN_WHILE_IDLE 16

/* Ends the run (tick limit, or parked with onstop=exit). */
void hv_stop_guest(const char *reason)
{
	hv.stopped = true;
	watchdog_log_stats();
	hv_log("guest stopped: %s; ticks=%llu hypercalls=%llu io_blocked=%llu msr_blocked=%llu "
	       "vtimer_fired=%llu "
	       "generation=%llu reports=%llu reports_refused=%llu log_dropped=%llu",
	       reason, (unsigned long long)hv.ticks, (unsigned long long)hv.hypercalls,
	       (unsigned long long)hv.io_blocked, (unsigned long long)hv.msr_blocked,
	       (unsigned long long)hv.vtimer_fired,
	       (unsigned long long)hv.generation, (unsigned long long)hv.reports,
	       (unsigned long long)hv.reports_refused,
	       (unsigned long long)log_dropped_total());
}

void hv_crash_context(struct hv_crash_context *ctx)
{
	ctx->exits = hv.exits;
	for (unsigned i = 0; i < HV_RECENT_EXITS; i++) {
		uint64_t n = hv.exits - 1 - i; /* newest first */
		ctx->recent_exits[i] = i < hv.exits ? hv.recent_exits[n % HV_RECENT_EXITS_RING] : 0;
	}
	ctx->last_kind = hv.last_exit_kind;
	ctx->ticks = hv.ticks;
	ctx->generation = hv.generation;
	ctx->guest_rip = hv.ops ? hv.ops->get_rip() : 0;
}

/* Test aid (crash_test=N): the hypervisor touches memory it never mapped
 * (above its 64 GiB identity map), to prove the crash record path. */
static void crash_on_purpose(void)
{
	hv_log("crash_test: touching unmapped hypervisor memory on purpose");
	log_drain(0);
	(void)*(volatile uint64_t *)(uintptr_t)0x2000000000ull;
}

/* Command-line test aids that act at a given tick (docs: README). */
static void tick_test_aids(void)
{
	if (hv.wd.platform_every && hv.ticks % hv.wd.platform_every == 0 && hv.stub_up &&
	    (hv.state == GS_RUNNING || hv.state == GS_HANDBACK))
		watchdog_forward_platform_nmi(); /* platform_nmi=N */
	if (hv.crash_test_tick && hv.ticks == hv.crash_test_tick)
		crash_on_purpose(); /* crash_test=N */
	if (hv.self_nmi_tick && hv.ticks == hv.self_nmi_tick)
		plat_self_nmi(); /* self_nmi=N: an NMI while the hypervisor runs */
}

/* Counts ticks by the TSC, not by timer exits: an emulator may merge or
 * drop timer interrupts, the TSC never goes back. */
static void ticks_catch_up(uint64_t now)
{
	while (now >= hv.next_tick_tsc) {
		hv.ticks++;
		hv.next_tick_tsc += hv.tick_tsc;
		tick_test_aids();
		if (hv.ticklog && hv.ticks % hv.ticklog == 0)
			hv_record(LOG_INFO, CAT_TICK, "tick %llu guest_rip=0x%llx",
				  (unsigned long long)hv.ticks, (unsigned long long)hv.ops->get_rip());
		if (hv.maxticks && hv.ticks >= hv.maxticks) {
			hv_stop_guest("tick limit reached (maxticks)");
			return;
		}
	}
}

static const char *gpa_owner(uint64_t gpa)
{
	const struct boot_info *bi = hv.boot;

	if (gpa >= bi->hv_base && gpa - bi->hv_base < bi->hv_size)
		return "hypervisor image";
	if (gpa >= 0xFEC00000ull && gpa < 0xFF000000ull)
		return "interrupt controllers (hypervisor-owned)";
	return "unassigned";
}

static void inject_gp(void)
{
	const struct hv_inject gp = { .type = INJ_EXCEPTION, .vector = 13, .has_error = true };

	hv.ops->inject(&gp);
}

static void handle_mem_violation(const struct hv_event *ev)
{
	char detail[128];

	snprintf(detail, sizeof(detail), "gpa=0x%llx access=%s%s%s owner=\"%s\"",
		 (unsigned long long)ev->gpa, (ev->access & ACC_READ) ? "r" : "",
		 (ev->access & ACC_WRITE) ? "w" : "", (ev->access & ACC_EXEC) ? "x" : "",
		 gpa_owner(ev->gpa));
	/* A policy that lets the guest go on must still refuse the access:
	 * the guest gets #GP(0) instead of the memory. */
	if (recovery_simple_fault(FAULT_MEM_VIOLATION, hv.ops->get_rip(), detail) == ACT_LOG)
		inject_gp();
}

/* MSRs the guest may not touch (the intercept bitmaps name them): #GP,
 * as for an MSR the CPU does not have, and an event for the policy. */
static void handle_msr(const struct hv_event *ev)
{
	char detail[64];

	hv.msr_blocked++;
	snprintf(detail, sizeof(detail), "msr=0x%x access=%s", ev->msr, ev->msr_write ? "w" : "r");
	recovery_simple_fault(FAULT_BLOCKED_MSR, hv.ops->get_rip(), detail);
	inject_gp();
}

static void handle_io(const struct hv_event *ev)
{
	char detail[64];

	hv.io_blocked++;
	snprintf(detail, sizeof(detail), "port=0x%x access=%s size=%u", ev->port,
		 ev->io_in ? "in" : "out", ev->io_size);
	recovery_simple_fault(FAULT_BLOCKED_IO, hv.ops->get_rip(), detail);
	if (ev->io_in && !ev->io_string) {
		uint64_t mask = ev->io_size == 4 ? 0xFFFFFFFFull : ((1ull << (8 * ev->io_size)) - 1);
		hv.regs.rax |= mask; /* reads of a port nobody owns float high */
	}
	hv.ops->skip_insn(ev->insn_len);
}

#define HV_CPUID_BASE 0x40000000u

static void handle_cpuid(const struct hv_event *ev)
{
	uint32_t leaf = (uint32_t)hv.regs.rax, sub = (uint32_t)hv.regs.rcx, r[4];

	if (leaf == HV_CPUID_BASE) {
		/* max leaf, then "WatchdogHV  " as the vendor signature */
		r[0] = HV_CPUID_BASE;
		r[1] = 0x63746157; /* "Watc" */
		r[2] = 0x676f6468; /* "hdog" */
		r[3] = 0x20205648; /* "HV  " */
	} else {
		__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
		if (leaf == 1)
			r[2] |= 1u << 31; /* hypervisor present */
		hv.ops->adjust_cpuid(leaf, sub, r);
	}
	hv.regs.rax = r[0];
	hv.regs.rbx = r[1];
	hv.regs.rcx = r[2];
	hv.regs.rdx = r[3];
	hv.ops->skip_insn(ev->insn_len);
}

static void handle_event(const struct hv_event *ev)
{
	switch (ev->kind) {
	case EV_NONE:
	case EV_TIMER:
		break;
	case EV_HYPERCALL:
		hypercall_handle(&hv.regs);
		hv.ops->skip_insn(ev->insn_len);
		break;
	case EV_MEM_VIOLATION:
		handle_mem_violation(ev);
		break;
	case EV_IO:
		handle_io(ev);
		break;
	case EV_MSR:
		handle_msr(ev);
		break;
	case EV_CPUID:
		handle_cpuid(ev);
		break;
	case EV_TRIPLE_FAULT:
		recovery_simple_fault(FAULT_TRIPLE_FAULT, hv.ops->get_rip(), "source=cpu");
		break;
	case EV_HOST_NMI:
		hv_log("platform NMI while the guest ran: forwarded");
		watchdog_forward_platform_nmi();
		break;
	case EV_NMI_WINDOW:
	case EV_INTR_WINDOW:
		break; /* watchdog_inject() / vtimer_try_inject() run before the next entry */
	case EV_HOST_INTR:
		hv_log("stray host interrupt vector=%llu acknowledged", (unsigned long long)(ev->qual & 0xFF));
		break;
	case EV_VIRT_INSN: {
		const struct hv_inject ud = { .type = INJ_EXCEPTION, .vector = 6 };
		hv.ops->inject(&ud);
		break;
	}
	case EV_ENTRY_FAILED:
		hv_log("ERROR guest entry failed code=0x%llx detail=0x%llx",
		       (unsigned long long)ev->raw, (unsigned long long)ev->qual);
		hv_stop_guest("entry failed");
		break;
	default:
		hv_log("unhandled exit code=0x%llx qual=0x%llx rip=0x%llx", (unsigned long long)ev->raw,
		       (unsigned long long)ev->qual, (unsigned long long)hv.ops->get_rip());
		hv_stop_guest("unhandled exit");
		break;
	}
}

static bool guest_runs(void)
{
	return hv.state == GS_RUNNING || hv.state == GS_HANDBACK;
}

static void run_guest_once(void)
{
	struct hv_event ev;

	watchdog_inject();
	vtimer_try_inject(); /* only if no NMI went into this entry */
	hv.ops->run(&hv.regs, hv.next_tick_tsc, &ev);
	uint64_t now = plat_tsc();
	hv.exit_tsc = now;
	hv.recent_exits[hv.exits++ % HV_RECENT_EXITS_RING] = ev.raw;
	hv.last_exit_kind = ev.kind;
	ticks_catch_up(now);
	vtimer_update(now);
	if (!hv.stopped)
		handle_event(&ev);
}

/* An NMI the host IDT took while the hypervisor itself ran (VMX; on SVM
 * those are the tick): recorded as an alarm and passed on to the guest,
 * whose stub tells it from the watchdog's own. */
static void check_host_nmis(void)
{
	static uint64_t seen;
	uint64_t now = host_nmi_count;

	if (hv.ops->host_nmis_are_ticks || now == seen)
		return;
	hv_record(LOG_MAJOR, CAT_ALARM, "unexpected_nmi count=%llu where=hypervisor forwarded=yes",
		  (unsigned long long)(now - seen));
	for (; seen < now; seen++)
		watchdog_forward_platform_nmi();
}

/* The guest is not running (back-off or parked): wait for the next tick. */
static void idle_until_next_tick(void)
{
	while (plat_tsc() < hv.next_tick_tsc)
		__asm__ volatile("pause");
	ticks_catch_up(plat_tsc());
}

void hv_run_loop(void)
{
	log_set_buffered(true);
	while (!hv.stopped) {
		if (guest_runs())
			run_guest_once();
		else
			idle_until_next_tick();
		check_host_nmis();
		uint64_t now = plat_tsc();
		if (!hv.stopped) {
			watchdog_update(now);
			recovery_update(now);
		}
		if (guest_runs())
			log_drain_nonblocking();
		else
			log_drain(LOG_DRAIN_WHILE_IDLE);
	}
	log_drain(0);
	if (hv.exit_emulator_on_stop)
		plat_emulator_exit(hv.ticks > 0 ? 1 : 2);
	hv_log("hypervisor idle: guest is stopped");
	log_drain(0);
	plat_halt();
}
