/*
 * The vCPU loop: enter the guest, handle the decoded exit, and once per
 * hypervisor tick do the periodic work (guest timer, watchdog period,
 * recovery deadlines).  One guest, one vCPU, one physical CPU.
 *
 * Hot path: an exit that is not a tick (a hypercall, an I/O access, a
 * window exit) costs its own handling and nothing else; the periodic
 * work and the injections run only when something is due.
 */
#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/ckpt.h"
#include "hv/control_run.h"
#include "hv/exits.h"
#include "hv/heartbeat.h"
#include "hv/run.h"
#include "lib/log.h"

#define LOG_DRAIN_WHILE_IDLE 16

/* The crash record's view of the core (registered with the platform). */
static const struct vm *crash_vm;

static void fill_crash_context(struct plat_crash_context *ctx)
{
	const struct vm *vm = crash_vm;
	if (vm == NULL)
		return;
	const struct exit_trace *t = &vm->trace;
	ctx->exits = t->exits;
	for (unsigned i = 0; i < PLAT_CRASH_RECENT_EXITS; i++) {
		uint64_t n = t->exits - 1 - i; /* newest first */
		ctx->recent_exits[i] = i < t->exits ? t->recent[n % VM_RECENT_EXITS] : 0;
	}
	ctx->last_kind = t->last_kind;
	ctx->ticks = vm->clk.ticks;
	ctx->generation = vm->stub.generation;
	ctx->guest_rip = vm->ops ? vm->ops->get_rip() : 0;
}

#ifdef HV_TEST_AIDS
/* Test aid (crash_test=N): the hypervisor touches memory it never mapped
 * (above its 64 GiB identity map), to prove the crash record path. */
static void crash_on_purpose(void)
{
	hv_log("crash_test: touching unmapped hypervisor memory on purpose");
	log_drain(0);
	(void)*(volatile uint64_t *)(uintptr_t)0x2000000000ull;
}

/* Test aid (hang_test=N): the hypervisor hangs with interrupts off; the
 * chipset's watchdog is to reset the machine (docs/hardware.md). */
static void hang_on_purpose(void)
{
	hv_log("hang_test: spinning with interrupts off on purpose");
	log_drain(0);
	plat_test_hang();
}

/* Command-line test aids that act at a given tick (README). */
static void tick_test_aids(struct vm *vm)
{
	const struct hv_settings *s = &vm->set;
	uint64_t t = vm->clk.ticks;

	if (s->platform_nmi && t % s->platform_nmi == 0 && vm->stub.up && recovery_guest_runs(&vm->rc))
		wd_queue_platform(&vm->wd); /* platform_nmi=N */
	if (s->crash_test && t == s->crash_test)
		crash_on_purpose(); /* crash_test=N */
	if (s->hang_test && t == s->hang_test)
		hang_on_purpose(); /* hang_test=N */
	if (s->self_nmi && t == s->self_nmi)
		plat_self_nmi(); /* self_nmi=N: an NMI while the hypervisor runs */
}
#else
static void tick_test_aids(struct vm *vm)
{
	(void)vm;
}
#endif

/* Counts ticks by the TSC, not by timer exits: an emulator may merge or
 * drop timer interrupts, the TSC never goes back.  After a long pause (a
 * full dump of minutes) many ticks pass at once: only the last `tick`
 * line of them is logged, so that they do not flood the log's ring. */
static void ticks_catch_up(struct vm *vm, uint64_t now)
{
	struct vm_clock *c = &vm->clk;

	while (now >= c->next_tick_tsc) {
		c->ticks++;
		c->next_tick_tsc += c->tick_tsc;
		tick_test_aids(vm);
		if (vm->set.ticklog && c->ticks % vm->set.ticklog == 0 &&
		    (now < c->next_tick_tsc || now - c->next_tick_tsc < vm->set.ticklog * c->tick_tsc))
			hv_record(LOG_INFO, CAT_TICK, "tick %llu guest_rip=0x%llx",
				  (unsigned long long)c->ticks, (unsigned long long)vm->ops->get_rip());
		if (vm->set.maxticks && c->ticks >= vm->set.maxticks) {
			vm_stop(vm, "tick limit reached (maxticks)");
			return;
		}
	}
}

/* An NMI the host IDT took while the hypervisor itself ran (VMX; on SVM
 * those are the tick): recorded as an alarm and passed on to the guest,
 * whose stub tells it from the watchdog's own. */
static void check_host_nmis(struct vm *vm)
{
	uint64_t now = host_nmi_count;

	if (vm->ops->host_nmis_are_ticks || now == vm->host_nmis_seen)
		return;
	hv_record(LOG_MAJOR, CAT_ALARM, "unexpected_nmi count=%llu where=hypervisor forwarded=yes",
		  (unsigned long long)(now - vm->host_nmis_seen));
	for (; vm->host_nmis_seen < now; vm->host_nmis_seen++)
		wd_queue_platform(&vm->wd);
}

/* The periodic work, after a tick boundary has passed. */
static void periodic(struct vm *vm)
{
	uint64_t now = plat_tsc();

	plat_hw_watchdog_feed();
	check_host_nmis(vm);
	dev_tick(&vm->dev, now);
	if (wd_due(&vm->wd, now))
		heartbeat_period(vm, now);
	vm_recovery_tick(vm, now);
	if (vm->ck.rollback.pending)
		ckpt_rollback_now(vm); /* a deadline's escalation reached it */
	if (recovery_guest_runs(&vm->rc))
		ckpt_poll(vm);
	if (vm->set.stat_ms && now >= vm->st.next_tsc)
		vm_log_periodic_stats(vm, now);
	vm_control_poll(vm, now);
}

/* The guest is not running (back-off or parked): wait for the next tick. */
static void idle_until_next_tick(struct vm *vm)
{
	uint64_t start = plat_tsc(), now;

	while ((now = plat_tsc()) < vm->clk.next_tick_tsc)
		__asm__ volatile("pause");
	vm->st.cpu.idle += now - start;
	ticks_catch_up(vm, now);
	if (!vm->stopped)
		periodic(vm);
	log_drain(LOG_DRAIN_WHILE_IDLE);
}

/* A Linux guest halted with interrupts on (exits.c, handle_hlt): it
 * stays out until one of its devices raises an interrupt, which the next
 * entry injects.  Time passes a tick at a time, with the periodic work
 * (the PIT's IRQ0 among it) as when the guest is in back-off. */
static void wait_for_interrupt(struct vm *vm)
{
	while (!vm->stopped && recovery_guest_runs(&vm->rc) && !vm->dev.irq_pending &&
	       !wd_nmi_pending(&vm->wd))
		idle_until_next_tick(vm);
}

/* One entry and the record every exit leaves (time, trace, counters);
 * returns the time of the exit.  Inline: it is most of the hot path. */
static inline __attribute__((always_inline)) uint64_t enter_guest(struct vm *vm,
								  const struct vcpu_ops *ops,
								  uint64_t deadline,
								  struct hv_event *ev)
{
	uint64_t entry = plat_tsc_inline();
	ops->run(&vm->regs, deadline, ev);
	uint64_t now = plat_tsc_inline();
	vm->st.cpu.guest += now - entry; /* with the entry and exit themselves */
	struct exit_trace *t = &vm->trace;
	t->exit_tsc = now;
	t->recent[t->exits++ % VM_RECENT_EXITS] = ev->raw;
	t->last_kind = ev->kind;
	if ((unsigned)ev->kind < EV_KIND_COUNT)
		t->counts.by_kind[ev->kind]++;
	return now;
}

/* An exit with nothing to handle between ticks: a stray or early timer
 * exit (SVM's LAPIC tick arrives just after the tick the TSC already
 * counted), or one the backend dealt with itself (EV_NONE). */
static inline bool exit_needs_nothing(const struct hv_event *ev)
{
	return ev->kind == EV_TIMER || ev->kind == EV_NONE;
}

static void run_guest_once(struct vm *vm)
{
	const struct vcpu_ops *ops = vm->ops;
	uint64_t deadline = vm->clk.next_tick_tsc;

	/* Nothing to inject and no window open, before the entry (after the
	 * injections).  Only a tick or an exit the general path handles can
	 * change that, never a short call or a stray timer exit, so while it
	 * holds those re-enter without asking again. */
	bool quiet = !heartbeat_inject_needed(vm);
	struct hv_event ev;
	uint64_t now;

	if (!quiet) {
		heartbeat_inject(vm);
		quiet = heartbeat_settled(vm);
	}
	/* The short path: a policy-free hypercall between ticks is answered
	 * here and the guest re-entered.  It writes no log record, so the
	 * drain below waits for the next other exit (a tick at the latest). */
	for (;;) {
		now = enter_guest(vm, ops, deadline, &ev);
		if (now >= deadline || !(exit_needs_nothing(&ev) || hypercall_short(vm, &ev)))
			break;
		if (!quiet) {
			heartbeat_collect(vm);
			return; /* the injection check first, in the caller's loop */
		}
	}
	heartbeat_collect(vm); /* before the tick's timer update */
	bool tick = now >= deadline;
	if (tick) {
		ticks_catch_up(vm, now);
		vtimer_update(&vm->vt, now);
	}
	if (vm->stopped)
		return;
	bool halted = exit_handle(vm, &ev);
	if (vm->ck.rollback.pending)
		ckpt_rollback_now(vm); /* the policy's, decided while handling the exit */
	if (tick && !vm->stopped)
		periodic(vm);
	else if (vm->ck.kicked && !vm->stopped && recovery_guest_runs(&vm->rc))
		ckpt_poll(vm); /* HC_CKPT KICK: requests wait */
	if (halted)
		wait_for_interrupt(vm);
	if (log_pending())
		log_drain_nonblocking();
}

void vm_run_loop(struct vm *vm)
{
	crash_vm = vm;
	plat_set_crash_context(fill_crash_context);
	log_set_buffered(true);
	while (!vm->stopped) {
		if (recovery_guest_runs(&vm->rc))
			run_guest_once(vm);
		else
			idle_until_next_tick(vm);
	}
	log_drain(0);
	if (vm->set.onstop_exit)
		plat_emulator_exit(vm->clk.ticks > 0 ? 1 : 2);
	hv_log("hypervisor idle: guest is stopped");
	log_drain(0);
	plat_halt();
}
