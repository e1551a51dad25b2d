/*
 * fuzz_hypercall: the hypercall path through the REAL core.
 * hypercall_handle() with hv/hypercall.c, report.c, report_check.c,
 * guest_mem.c, actions.c, recovery.c, policy.c, ratelimit.c, watchdog.c,
 * vtimer.c, heartbeat.c, settings.c, cmdline.c and the compiled default
 * policy (policy/default.policy through tools/policy_compile.py) linked as
 * they are, HV_GUEST_RAM_MB=2.  Only what lies below the core is faked:
 * the backend (a struct vcpu_ops), the platform (plat_tsc under the
 * harness's control), the log (hv_record), guest RAM (guest_ram,
 * guest_build, guest_dirty_mark: hv/guest.c has an 8 MiB static arena)
 * and hv_integrity_check (the real one CRCs the linked image).
 *
 * Each input is one guest's run, set up as hv/main.c does (settings,
 * start_clock, launch): between the calls time advances and the run
 * loop's periodic work runs (vtimer_update, heartbeat_period when the
 * watchdog period is due, vm_recovery_tick), followed by an entry
 * (heartbeat_inject) and the guest's answer (the stub acknowledging
 * heartbeats and commands, its tick count).  So the recovery machine
 * really decides: hand-backs, resets (fake guest_build + ops->reset) after
 * their back-off, parks when the restart budget is spent.
 *
 * Input layout (short inputs are zero-padded):
 *   header   u8 ncalls (mod 25), u8 flags, u64 cr3, u64 cr2, u64 rip,
 *            u64 generation, u64 last_report_seq, u16 tick_us,
 *            u16 wd_ms, u8 wd_k, u64 tsc_hz, u64 tsc
 *            flags bit 0: the stub is already up (hello seen at launch,
 *            shared page at HVG_SHARED_GPA); bit 1: cr3 as given (else
 *            0x3000 | low bits); bit 2: AMD backend (else Intel); bit 3:
 *            onstop=exit; bit 4: the backend records guest writes
 *            (take_dirty; else a reset clears all RAM); bits 5-6: dump=N
 *            (crash dumps of every reset or park decision, 3 out of
 *            range: none), through the page-table walk of the RAM.  tick_us, wd_ms
 *            and wd_k go through the real settings_parse() as
 *            "tick_us=.. wd_ms=.. wd_k=.. -- fuzz" (out of range: the
 *            default).  tsc_hz = 1 MHz + (tsc_hz mod 10 GHz); the TSC
 *            starts at tsc mod 2^56.
 *   calls    ncalls x {u8 sel, u8 cpl, u8 ctl, u8 wval, u32 wgpa, u64 rdi,
 *            u64 rsi, u64 rdx, u64 rax}
 *            rax = sel if sel < 8 (HC_NULL..HC_REPORT, HC_DUMP, HC_CKPT,
 *            then 7, unknown), else the given 64-bit rax; CPL = cpl % 4.
 *            Before the call (cpl >> 2) steps pass, each 100 ms (ctl bit 7:
 *            one hypervisor tick); each step is a tick of the run loop and,
 *            while the guest runs, an entry.  A guest in back-off is idled
 *            until its reset; the calls of a parked or stopped guest are
 *            not made.
 *            ctl bits 0-1: nmi_readiness (0 ready, 1 blocked, 2 not now,
 *            3 ready); bit 2: can_inject_intr; bit 3: the stub acknowledges
 *            the last command (cmd_ack_id = cmd_id); bit 4: the stub
 *            acknowledges a heartbeat NMI it got (ack_seq = nmi_seq);
 *            bit 5: the guest's tick count moves; bit 6: a platform NMI
 *            arrives (wd_queue_platform, as run.c forwards host NMIs).
 *            wval != 0: before the call the guest writes that byte at
 *            GPA wgpa mod RAM size (its own memory, page tables included).
 *   RAM      the rest: fuzz_fill_ram() (identity tables, blob, patches):
 *            what the launch's build put there.  A reset's guest_build
 *            clears the pages it is told to and applies it again (the
 *            image reloaded).
 *
 * Invariants (trap on violation):
 *  - each call: RAX is an enum hv_status; registers other than RAX/RDX
 *    preserved; RDX is the documented result for HC_NULL, HC_HELLO and
 *    HC_INFO (ticks, tsc_hz, timer count, integrity) and unchanged on an
 *    error; CPL != 0 gives HV_E_PERM; unknown numbers HV_E_NOSYS; a
 *    successful hello names a page of guest RAM (and the stub is up, the
 *    shared page initialised, a pending hand-back kept in it, the report
 *    sequence started again; only the first hello of a generation
 *    restarts the watchdog); reports before hello give HV_E_STATE; the
 *    accepted report sequence only grows between hellos (and an accepted report is
 *    logged with its seq and generation, and decided on); a refused
 *    report (HV_E_BUSY, rate limit) or one before hello changes nothing
 *    and logs nothing; only reports can lead to decisions; a call never
 *    resets the guest; stats.hypercalls counts every call, stats.reports
 *    the accepted reports; HC_TIMER_SET sets vt.vector as asked;
 *  - always: the recovery state is an enum guest_state, a park is for
 *    good; stub.up == (shared != NULL) and the shared page is a page of
 *    RAM; a hand-back only with the stub up; every decision is logged as
 *    event + decision + alarm record (CAT_EVENT, CAT_DECISION "match",
 *    CAT_ALARM), alarm ids count up by one, and decisions + parks equal
 *    the machine's alarm count; every record is valid for vsnprintf (ASan
 *    checks %s arguments), has level/cat in range, and is printable ASCII
 *    without '*' (guest strings are sanitized); the guest was stopped
 *    (vm.stopped) only parked with onstop=exit;
 *  - resets: at most one per tick, guest_build then ops->reset on
 *    vm.cfg, after it the stub is down (up false, shared NULL, report
 *    seq 0), the generation grew by exactly one, the guest timer is off,
 *    the machine waits for the hello; the generation changes only so; a
 *    guest in back-off is reset once its restart time has come; the pages
 *    the reset leaves alone (neither written by the guest, as the
 *    backend's take_dirty reports, nor marked by the core for its own
 *    writes) still hold what the last build put there or zeros, and
 *    guest_dirty_mark is only given guest RAM;
 *  - injections (heartbeat_inject after each tick and call): at most one
 *    event per entry, NMIs have vector 2 and only when the vCPU is ready
 *    (a heartbeat/command NMI with the shared page's reason and sequence
 *    number written first), interrupts have the guest timer's vector
 *    (>= 32) and only when the vCPU can take one; a pending NMI or timer
 *    interrupt that can go in does (a heartbeat may wait once, for an
 *    entry that takes the timer interrupt: never a command or platform
 *    NMI); a timer interrupt that cannot is handed to the backend, which
 *    injects it at the guest's next window, and is pending until the
 *    core learns it went in; window requests toggle (the core's
 *    flags match the backend's); no window is left open with nothing to
 *    inject.
 * Guest RAM is on the heap at its exact size: ASan reports any access
 * outside it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/cmdline.h"
#include "hv/dump_fmt.h"
#include "hv/guest.h"
#include "hv/heartbeat.h"
#include "hv/hypercall.h"
#include "hv/integrity.h"
#include "hv/settings.h"
#include "hv/vm.h"
#include "include/hv_abi.h"
#include "lib/log.h"
#include "tests/fuzz/fuzz_common.h"

#define HVSTUB_VERSION_FOR_FUZZ 1 /* what the stub passes as its version */

#define RAM HV_GUEST_RAM_SIZE
#define MAX_CALLS 24
#define INTEGRITY_CRC 0x1234abcdu

#ifdef FUZZ_VERBOSE
#define VLOG(...) fprintf(stderr, __VA_ARGS__)
#else
#define VLOG(...) ((void)0)
#endif

#include "tests/fuzz/fuzz_hypercall_world.h"

/* ---- checks ---------------------------------------------------------------- */
static uint64_t gen0; /* generation at launch */

struct snap {
	enum guest_state state;
	uint64_t alarms, decisions, parks, records, events, reports_logged;
	uint64_t resets, generation, last_seq, hypercalls, reports;
	uint32_t wd_missed, wd_blocked;
	bool up;
	const struct hv_shared_page *shared;
};

static struct snap snap(void)
{
	return (struct snap){
		.state = vm.rc.state, .alarms = vm.rc.alarms, .decisions = lg.decisions,
		.parks = lg.parks, .records = lg.records, .events = lg.events,
		.reports_logged = lg.reports, .resets = cpu.resets, .generation = vm.stub.generation,
		.last_seq = vm.stub.last_report_seq, .hypercalls = vm.stats.hypercalls,
		.reports = vm.stats.reports, .up = vm.stub.up, .shared = vm.stub.shared,
		.wd_missed = vm.wd.missed, .wd_blocked = vm.wd.blocked,
	};
}

static void mark_shared_dirty(void)
{
	if (vm.stub.shared != NULL)
		fuzz_mark_dirty(RAM, (uint64_t)((uint8_t *)vm.stub.shared - ram), 4096);
}

/* What holds after anything the core did. */
static void check_vm(const struct snap *s)
{
	mark_shared_dirty();
	FUZZ_ASSERT((unsigned)vm.rc.state <= GS_PARKED);
	if (s->state == GS_PARKED)
		FUZZ_ASSERT(vm.rc.state == GS_PARKED);
	FUZZ_ASSERT(vm.stub.up == (vm.stub.shared != NULL));
	if (vm.stub.shared != NULL) {
		uint64_t off = (uint64_t)((uint8_t *)vm.stub.shared - ram);
		FUZZ_ASSERT((uint8_t *)vm.stub.shared >= ram && off % 4096 == 0 &&
			    off >= HVG_BOOT_INFO_GPA && off <= RAM - 4096);
	}
	if (vm.rc.state == GS_HANDBACK)
		FUZZ_ASSERT(vm.stub.up);
	if (vm.stopped)
		FUZZ_ASSERT(vm.set.onstop_exit && vm.rc.state == GS_PARKED);
	FUZZ_ASSERT(cpu.nmi_window == vm.nmi_window && cpu.intr_window == vm.intr_window);
	/* What the backend holds is the core's pending timer interrupt. */
	if (cpu.queued)
		FUZZ_ASSERT(vm.vt.pending && vm.vt.handed && cpu.queued == vm.vt.vector);
	/* Every decision and park is logged with its alarm. */
	FUZZ_ASSERT(!lg.expect_alarm && lg.alarm_id == vm.rc.alarms);
	FUZZ_ASSERT(lg.decisions + lg.parks == vm.rc.alarms);
	FUZZ_ASSERT(lg.events - s->events >= lg.decisions - s->decisions);
	/* Resets: guest_build, ops->reset, then a stub that has not said hello. */
	uint64_t resets = cpu.resets - s->resets;
	FUZZ_ASSERT(resets <= 1 && !cpu.built && cpu.builds == cpu.resets);
	FUZZ_ASSERT(vm.stub.generation == s->generation + resets);
	FUZZ_ASSERT(vm.stub.generation == gen0 + cpu.resets);
	if (resets) {
		FUZZ_ASSERT(!vm.stub.up && vm.stub.shared == NULL && vm.stub.last_report_seq == 0);
		FUZZ_ASSERT(vm.vt.vector == 0 && !vm.vt.pending);
		FUZZ_ASSERT(vm.rc.state == GS_RUNNING && vm.rc.awaiting_hello && vm.rc.after_reset);
		FUZZ_ASSERT(vm.regs.rdi == vm.cfg.entry_rdi);
	}
}

/* ---- the run loop, as far as the harness drives it ------------------------ */
/* A tick: the periodic work of hv/run.c at `now`. */
static void tick(uint64_t now)
{
	struct vm_clock *c = &vm.clk;
	struct snap s = snap();

	if (fake_tsc < now)
		fake_tsc = now;
	now = fake_tsc;
	if (now >= c->next_tick_tsc) {
		uint64_t n = (now - c->next_tick_tsc) / c->tick_tsc + 1;
		c->ticks += n;
		c->next_tick_tsc += n * c->tick_tsc;
	}
	heartbeat_collect(&vm);
	vtimer_update(&vm.vt, now);
	if (wd_due(&vm.wd, now))
		heartbeat_period(&vm, now);
	vm_recovery_tick(&vm, now);
	VLOG("tick t=%llu state=%u gen=%llu up=%d alarms=%llu resets=%llu\n", (unsigned long long)now,
	     vm.rc.state, (unsigned long long)vm.stub.generation, vm.stub.up,
	     (unsigned long long)vm.rc.alarms, (unsigned long long)cpu.resets);
	check_vm(&s);
	if (s.state == GS_BACKOFF && now >= vm.rc.restart_at_tsc && !vm.stopped)
		FUZZ_ASSERT(vm.rc.state != GS_BACKOFF); /* reset, or parked */
	if (vm.stub.last_report_seq != s.last_seq)
		FUZZ_ASSERT(cpu.resets != s.resets);
}

/* An entry: heartbeat_inject, then the guest runs and its stub answers. */
static void entry(uint8_t ctl)
{
	static const enum nmi_readiness readiness[4] = { NMI_READY, NMI_BLOCKED, NMI_NOT_NOW, NMI_READY };
	struct snap s = snap();
	uint64_t nmis = cpu.nmis, irqs = cpu.irqs;

	if (!recovery_guest_runs(&vm.rc) || vm.stopped)
		return;
	heartbeat_collect(&vm); /* the exit before this entry (hv/run.c) */
	cpu.nmi = readiness[ctl & 3];
	cpu.intr_ok = ctl & 4;
	bool nmi_can = (vm.wd.pending_hv && vm.stub.shared) || vm.wd.pending_platform;
	bool nmi_pending = wd_nmi_pending(&vm.wd), timer_due = vtimer_due(&vm.vt);
	bool timer_free = vtimer_to_inject(&vm.vt); /* not with the backend yet */
	bool was_deferred = vm.wd.deferred;
	uint32_t reason = vm.wd.pending_reason;
	uint64_t platform = vm.wd.pending_platform;

	heartbeat_inject(&vm);
	check_vm(&s);
	FUZZ_ASSERT(vm.rc.alarms == s.alarms && lg.records == s.records); /* no faults here */
	FUZZ_ASSERT(cpu.nmis - nmis + cpu.irqs - irqs <= 1);
	/* A heartbeat may wait (once) for an entry that takes the guest's
	 * timer interrupt; never a command or platform NMI. */
	bool deferred = !was_deferred && vm.wd.deferred;
	if (deferred)
		FUZZ_ASSERT(timer_due && reason == WD_REASON_WATCHDOG && platform == 0 &&
			    cpu.nmis == nmis);
	/* What can go in does. */
	if (nmi_can && cpu.nmi == NMI_READY && !deferred)
		FUZZ_ASSERT(cpu.nmis == nmis + 1);
	if (nmi_pending && cpu.nmi != NMI_READY && !deferred)
		FUZZ_ASSERT(vm.nmi_window);
	if (timer_free && cpu.intr_ok && cpu.nmis == nmis)
		FUZZ_ASSERT(cpu.irqs == irqs + 1 && !vm.vt.pending);
	if (vm.vt.pending) /* handed to the backend */
		FUZZ_ASSERT(vm.vt.handed && cpu.queued == vm.vt.vector && !vm.intr_window);
	/* No window left open with nothing to inject (the timer interrupt
	 * never needs one: it is handed to the backend). */
	FUZZ_ASSERT(!vm.intr_window);
	/* (A hello that dropped the pending NMIs once left the NMI window
	 * open: regress_stale_nmi_window_after_hello.) */
	if (vm.nmi_window)
		FUZZ_ASSERT(wd_nmi_pending(&vm.wd));

	/* The entry delivers the event; the guest runs, and takes a queued
	 * interrupt at its window if it can take one at all. */
	cpu.event = false;
	if (cpu.queued && cpu.intr_ok) {
		cpu.queued = 0;
		cpu.irqs++;
	}
	struct hv_shared_page *sp = vm.stub.shared;
	if (sp != NULL) {
		if ((ctl & 0x10) && cpu.nmis != nmis)
			sp->ack_seq = sp->nmi_seq;
		if (ctl & 0x08)
			sp->cmd_ack_id = sp->cmd_id;
		if (ctl & 0x20)
			sp->guest_ticks++;
		if (ctl & 0x38)
			guest_wrote((uint64_t)((uint8_t *)sp - ram));
	}
}

/* ---- the target -------------------------------------------------------- */
struct call {
	uint8_t sel, cpl, ctl, wval;
	uint32_t wgpa;
	uint64_t rdi, rsi, rdx, rax;
};

static bool is_status(uint64_t rax)
{
	int64_t s = (int64_t)rax;
	return s <= HV_OK && s >= HV_E_FULL;
}

static void note(void *ctx, const char *msg)
{
	(void)ctx;
	hv_log("%s", msg);
}

static const enum fault_type report_fault[HV_REP_TYPE_COUNT] = {
	[HV_REP_EXCEPTION] = FAULT_EXCEPTION,
	[HV_REP_PANIC] = FAULT_PANIC,
	[HV_REP_LOW_MEMORY] = FAULT_LOW_MEMORY,
	[HV_REP_ASSERT] = FAULT_ASSERT,
};

/* True if some rule for this fault type only logs (then the flood limit
 * may hold the decision back). */
static bool may_only_log(enum fault_type t)
{
	for (uint32_t i = 0; i < vm.policy->rule_count; i++)
		if (vm.policy->rules[i].event == t && vm.policy->rules[i].action == ACT_LOG)
			return true;
	return false;
}

static void do_call(const struct call *c, unsigned i)
{
	struct guest_regs before;
	struct snap s = snap();
	struct vtimer vt = vm.vt;

	memset(&vm.regs, 0x5a, sizeof(vm.regs));
	vm.regs.rax = c->sel < 8 ? c->sel : c->rax;
	vm.regs.rdi = c->rdi;
	vm.regs.rsi = c->rsi;
	vm.regs.rdx = c->rdx;
	cpu.cpl = c->cpl % 4;
	before = vm.regs;
	vm.trace.exit_tsc = plat_tsc();

	hypercall_handle(&vm);

	const struct guest_regs *r = &vm.regs;
	int64_t st = (int64_t)r->rax;
	VLOG("call %u: rax=0x%llx cpl=%u rdi=0x%llx rsi=0x%llx -> %lld rdx=0x%llx state=%u alarms=%llu\n",
	     i, (unsigned long long)before.rax, cpu.cpl, (unsigned long long)before.rdi,
	     (unsigned long long)before.rsi, (long long)st, (unsigned long long)r->rdx, vm.rc.state,
	     (unsigned long long)vm.rc.alarms);
	(void)i;
	check_vm(&s);
	FUZZ_ASSERT(is_status(r->rax));
	FUZZ_ASSERT(vm.stats.hypercalls == s.hypercalls + 1);
	FUZZ_ASSERT(r->rcx == before.rcx && r->rbx == before.rbx && r->rbp == before.rbp &&
		    r->rsi == before.rsi && r->rdi == before.rdi && r->r8 == before.r8 &&
		    r->r9 == before.r9 && r->r10 == before.r10 && r->r11 == before.r11 &&
		    r->r12 == before.r12 && r->r13 == before.r13 && r->r14 == before.r14 &&
		    r->r15 == before.r15);
	/* A call never resets the guest (resets wait for their back-off). */
	FUZZ_ASSERT(cpu.resets == s.resets);
	bool hello_ok = before.rax == HC_HELLO && st == HV_OK && cpu.cpl == 0;
	/* Only a hello starts the report sequence again. */
	FUZZ_ASSERT(vm.stub.last_report_seq >= s.last_seq || hello_ok);
	if (st != HV_OK)
		FUZZ_ASSERT(r->rdx == before.rdx);
	if (!hello_ok)
		FUZZ_ASSERT(vm.stub.up == s.up && vm.stub.shared == s.shared);
	bool report = before.rax == HC_REPORT && cpu.cpl == 0;
	if (!report) {
		/* Only reports are faults. */
		FUZZ_ASSERT(vm.rc.alarms == s.alarms && vm.rc.state == s.state);
		FUZZ_ASSERT((vm.stub.last_report_seq == s.last_seq || hello_ok) &&
			    vm.stats.reports == s.reports);
	}
	if (cpu.cpl != 0) {
		FUZZ_ASSERT(st == HV_E_PERM);
		return;
	}
	if (before.rax == HC_DUMP) {
		/* Ranges, stateless, requests: a defined code, nothing else. */
		FUZZ_ASSERT(st == HV_OK || st == HV_E_INVAL || st == HV_E_RANGE || st == HV_E_FULL ||
			    st == HV_E_STATE || st == HV_E_BUSY);
		if (st == HV_OK && before.rdi <= HV_DUMP_PRIVATE && before.rdi >= HV_DUMP_IMPORTANT)
			FUZZ_ASSERT(before.rsi % 4096 == 0 && before.rdx % 4096 == 0 && before.rdx > 0 &&
				    before.rsi < RAM && before.rdx <= RAM - before.rsi);
		return;
	}
	if (before.rax == HC_CKPT) {
		/* Register, kick, carry: a defined code; a registered ring is a
		 * whole page of guest RAM above the boot-info page. */
		FUZZ_ASSERT(st == HV_OK || st == HV_E_INVAL || st == HV_E_RANGE);
		if (st == HV_OK && before.rdi == HV_CKPT_REGISTER)
			FUZZ_ASSERT(before.rsi % 4096 == 0 && before.rsi > HVG_BOOT_INFO_GPA &&
				    before.rsi < RAM && vm.ck.ring.registered);
		if (st == HV_OK && before.rdi == HV_CKPT_CARRY)
			FUZZ_ASSERT(before.rdx <= HV_CKPT_CARRY_MAX &&
				    (before.rdx == 0 || (before.rsi < RAM && before.rdx <= RAM - before.rsi)));
		return;
	}
	if (before.rax >= HC_COUNT) {
		FUZZ_ASSERT(st == HV_E_NOSYS);
		return;
	}
	switch (before.rax) {
	case HC_NULL:
		FUZZ_ASSERT(st == HV_OK && r->rdx == ~before.rdi);
		break;
	case HC_HELLO:
		if (st == HV_OK) {
			FUZZ_ASSERT(r->rdx == HV_ABI_VERSION && vm.stub.up);
			FUZZ_ASSERT(before.rsi % 4096 == 0 && before.rsi >= HVG_BOOT_INFO_GPA &&
				    before.rsi < RAM);
			FUZZ_ASSERT((uint8_t *)vm.stub.shared == ram + before.rsi);
			FUZZ_ASSERT(vm.stub.shared->magic == HV_SHARED_MAGIC &&
				    vm.stub.shared->version == HV_ABI_VERSION);
			FUZZ_ASSERT(vm.stub.last_report_seq == 0 && !vm.rc.awaiting_hello);
			/* A pending hand-back stays in the page; else no command. */
			if (recovery_handback_pending(&vm.rc))
				FUZZ_ASSERT(vm.stub.shared->cmd_id == vm.rc.cmd_id);
			else
				FUZZ_ASSERT(vm.stub.shared->cmd_op == HV_CMD_NONE &&
					    vm.stub.shared->cmd_id == 0);
			/* Only the first hello restarts the watchdog. */
			if (!s.up)
				FUZZ_ASSERT(!wd_nmi_pending(&vm.wd));
			else
				FUZZ_ASSERT(vm.wd.missed == s.wd_missed && vm.wd.blocked == s.wd_blocked);
		} else {
			FUZZ_ASSERT(st == HV_E_RANGE);
		}
		break;
	case HC_TIMER_SET:
		FUZZ_ASSERT(st == HV_OK || st == HV_E_INVAL);
		if (st == HV_OK && before.rdi != 0)
			FUZZ_ASSERT(vm.vt.vector == before.rdi && before.rdi >= VTIMER_MIN_VECTOR &&
				    before.rdi <= 255 && before.rsi >= vm.set.tick_us &&
				    before.rsi <= VTIMER_MAX_PERIOD_US && vm.vt.period_tsc != 0);
		if (st == HV_OK && before.rdi == 0)
			FUZZ_ASSERT(vm.vt.vector == 0 && !vm.vt.pending);
		if (st != HV_OK)
			FUZZ_ASSERT(vm.vt.vector == vt.vector && vm.vt.period_tsc == vt.period_tsc &&
				    vm.vt.next_tsc == vt.next_tsc);
		break;
	case HC_INFO:
		switch (before.rdi) {
		case HV_INFO_TICKS:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.clk.ticks);
			break;
		case HV_INFO_TSC_HZ:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.clk.tsc_hz);
			break;
		case HV_INFO_TIMER_FIRED:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.vt.fired);
			break;
		case HV_INFO_INTEGRITY:
			FUZZ_ASSERT(st == HV_OK && r->rdx == INTEGRITY_CRC);
			break;
		case HV_INFO_GENERATION:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.stub.generation);
			break;
		case HV_INFO_RESTART_REASON:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.stub.restart_reason &&
				    r->rdx < HV_RESTART_REASON_COUNT);
			break;
		case HV_INFO_WATCHDOG_MS:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.set.wd_ms);
			break;
		case HV_INFO_WATCHDOG_K:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.set.wd_k);
			break;
		case HV_INFO_TICK_US:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.set.tick_us);
			break;
		case HV_INFO_HELLO_DEADLINE_MS:
			FUZZ_ASSERT(st == HV_OK && r->rdx == vm.policy->hello_deadline_ms);
			break;
		default:
			FUZZ_ASSERT(st == HV_E_INVAL);
			break;
		}
		break;
	case HC_REPORT: {
		uint64_t decisions = lg.decisions - s.decisions;
		if (!s.up)
			FUZZ_ASSERT(st == HV_E_STATE);
		FUZZ_ASSERT(st == HV_OK || st == HV_E_STATE || st == HV_E_BUSY || st == HV_E_INVAL ||
			    st == HV_E_RANGE);
		if (st == HV_OK) {
			FUZZ_ASSERT(vm.stub.last_report_seq > s.last_seq &&
				    before.rsi == sizeof(struct hv_report));
			FUZZ_ASSERT(vm.stats.reports == s.reports + 1);
			/* Logged with what was accepted, then decided on. */
			FUZZ_ASSERT(lg.reports == s.reports_logged + 1 &&
				    lg.report_seq == vm.stub.last_report_seq &&
				    lg.report_gen == vm.stub.generation);
			FUZZ_ASSERT(lg.report_type > 0 && lg.report_type < HV_REP_TYPE_COUNT);
			FUZZ_ASSERT(decisions <= 1);
			if (!may_only_log(report_fault[lg.report_type]))
				FUZZ_ASSERT(decisions == 1);
		} else {
			FUZZ_ASSERT((vm.stub.last_report_seq == s.last_seq || hello_ok) &&
			    vm.stats.reports == s.reports);
			FUZZ_ASSERT(lg.reports == s.reports_logged);
			FUZZ_ASSERT(decisions <= 1); /* bad_report */
		}
		if (st == HV_E_BUSY || st == HV_E_STATE)
			FUZZ_ASSERT(lg.records == s.records && vm.rc.alarms == s.alarms &&
				    vm.rc.state == s.state);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	struct call calls[MAX_CALLS];

	if (ram == NULL) {
		ram = malloc(RAM);
		pristine = malloc(RAM);
	}
	FUZZ_ASSERT(ram != NULL && pristine != NULL);

	unsigned ncalls = fuzz_u8(&in) % (MAX_CALLS + 1);
	uint8_t flags = fuzz_u8(&in);
	uint64_t cr3 = fuzz_u64(&in), cr2 = fuzz_u64(&in), rip = fuzz_u64(&in);
	uint64_t generation = fuzz_u64(&in), last_seq = fuzz_u64(&in);
	unsigned tick_us = fuzz_u8(&in);
	tick_us |= (unsigned)fuzz_u8(&in) << 8;
	unsigned wd_ms = fuzz_u8(&in);
	wd_ms |= (unsigned)fuzz_u8(&in) << 8;
	unsigned wd_k = fuzz_u8(&in);
	uint64_t tsc_hz = 1000000 + fuzz_u64(&in) % 10000000000ull;
	uint64_t tsc = fuzz_u64(&in) & ((1ull << 56) - 1);
	for (unsigned i = 0; i < ncalls; i++) {
		calls[i].sel = fuzz_u8(&in);
		calls[i].cpl = fuzz_u8(&in);
		calls[i].ctl = fuzz_u8(&in);
		calls[i].wval = fuzz_u8(&in);
		calls[i].wgpa = fuzz_u32(&in);
		calls[i].rdi = fuzz_u64(&in);
		calls[i].rsi = fuzz_u64(&in);
		calls[i].rdx = fuzz_u64(&in);
		calls[i].rax = fuzz_u64(&in);
	}
	ram_desc = in;
	fuzz_fill_ram(ram, RAM, &in);
	pristine_ok = false;

	/* The vCPU as the input describes it. */
	memset(&cpu, 0, sizeof(cpu));
	memset(&lg, 0, sizeof(lg));
	cpu.cr3 = flags & 2 ? cr3 : FUZZ_PML4 | (cr3 & 0xfff);
	cpu.cr2 = cr2;
	cpu.rip = rip;
	cpu.rsp = HVG_STACK_TOP_GPA;
	cpu.tracks = flags & 16;
	fake_tsc = tsc;

	/* hv_prepare(): boot information, settings, backend. */
	memset(&vm, 0, sizeof(vm));
	memset(&boot, 0, sizeof(boot));
	boot.path = BOOT_PATH_MULTIBOOT2;
	boot.guest_image = fake_image;
	boot.guest_size = sizeof(fake_image);
	boot.entry_tsc = tsc;
	boot.hv_base = 0x200000;
	boot.hv_size = 0x100000;
	snprintf(cmdline, sizeof(cmdline), "tick_us=%u wd_ms=%u wd_k=%u%s dump=%u -- fuzz", tick_us,
		 wd_ms, wd_k, flags & 8 ? " onstop=exit" : "", (unsigned)(flags >> 5) & 3);
	vm.boot = &boot;
	settings_parse(cmdline, &vm.set, note, NULL);
	vm.policy = &policy;
	vm.guest_cmdline = cmdline_guest_part(cmdline);
	vm.ops = flags & 4 ? &fake_amd : &fake_intel;

	/* start_clock(): the core's own. */
	struct vm_clock *c = &vm.clk;
	vm_start_clock(&vm, tsc_hz, plat_tsc());
	vm_seal_pristine(&vm); /* every reset checks the seal, as in launch_on_own_stack() */

	/* launch_on_own_stack(), with the input's generation and stub. */
	gen0 = generation;
	vm.stub.generation = generation;
	vm.stub.last_report_seq = last_seq;
	fill_cfg(&vm.cfg);
	c->launch_tsc = plat_tsc();
	c->next_tick_tsc = c->launch_tsc + c->tick_tsc;
	vm.regs.rdi = vm.cfg.entry_rdi;
	wd_restart(&vm.wd, c->launch_tsc);
	recovery_start(&vm.rc, c->launch_tsc);
	if (flags & 1) {
		/* The stub says hello at launch, through the real call. */
		vm.regs.rax = HC_HELLO;
		vm.regs.rdi = HVSTUB_VERSION_FOR_FUZZ;
		vm.regs.rsi = HVG_SHARED_GPA;
		cpu.cpl = 0;
		hypercall_handle(&vm);
		FUZZ_ASSERT(vm.regs.rax == HV_OK && vm.stub.up);
		vm.regs.rdi = vm.cfg.entry_rdi;
	}
	struct snap s0 = snap();
	check_vm(&s0);
	VLOG("launch gen=%llu up=%d tsc_hz=%llu tick_us=%llu wd_ms=%llu wd_k=%llu\n",
	     (unsigned long long)generation, vm.stub.up, (unsigned long long)tsc_hz,
	     (unsigned long long)vm.set.tick_us, (unsigned long long)vm.set.wd_ms,
	     (unsigned long long)vm.set.wd_k);

	for (unsigned i = 0; i < ncalls && !vm.stopped; i++) {
		const struct call *cl = &calls[i];
		uint64_t unit = cl->ctl & 0x80 ? vm.clk.tick_tsc : vm_ms_to_tsc(&vm, 100);

		if ((cl->ctl & 0x40) && vm.stub.up && recovery_guest_runs(&vm.rc))
			wd_queue_platform(&vm.wd);
		for (unsigned k = 0; k < (cl->cpl >> 2u) && !vm.stopped; k++) {
			tick(fake_tsc + unit);
			entry(cl->ctl);
		}
		/* A guest in back-off waits for its reset (idle_until_next_tick). */
		for (unsigned k = 0; k < 4 && vm.rc.state == GS_BACKOFF && !vm.stopped; k++) {
			uint64_t t = vm.rc.restart_at_tsc;
			tick(t > fake_tsc ? t : fake_tsc + vm.clk.tick_tsc);
		}
		if (vm.stopped || !recovery_guest_runs(&vm.rc))
			break; /* parked: the guest makes no more calls */
		entry(cl->ctl);
		if (cl->wval) {
			/* The guest writes guest RAM before its call. */
			uint64_t gpa = cl->wgpa % RAM;
			ram[gpa] = cl->wval;
			guest_wrote(gpa);
		}
		do_call(cl, i);
		entry(cl->ctl);
	}
	return 0;
}
