/*
 * Applying the recovery machine's effects (hv/recovery.h), and the
 * records that go with them (docs/report-stream.md).
 */
#include <stdarg.h>
#include <stdio.h>

#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/ckpt.h"
#include "hv/dump.h"
#include "hv/guest.h"
#include "hv/pristine.h"
#include "hv/wallclock.h"
#include "include/hv_abi.h"
#include "lib/log.h"

static const enum log_level alarm_to_log[] = {
	[ALARM_INFO] = LOG_INFO,
	[ALARM_MINOR] = LOG_MINOR,
	[ALARM_MAJOR] = LOG_MAJOR,
	[ALARM_EMERGENCY] = LOG_EMERG,
};

/*
 * The most records one incident makes in one go that use the log's
 * reserve (log_reserved_class(), lib/log.h): the fault's event (at a
 * major alarm level), decision and alarm; an outcome for every hand-back
 * the ladder cannot make (POLICY_LADDER_MAX + 1 steps at most, see
 * do_action() in hv/recovery.c); the spent budget's decision; park's
 * action, alarm and outcome; the stop's outcome (vm_stop()).  A missed
 * deadline's chain (stub_silent event, timeout, then the same ladder) is
 * one shorter.  The reserve must hold them and the log_dropped report.
 */
#define ACTIONS_RESERVED_RECORDS_MAX (3 + (POLICY_LADDER_MAX + 1) + 1 + 3 + 1)
_Static_assert(ACTIONS_RESERVED_RECORDS_MAX + 1 <= LOG_RESERVED,
	       "the log's reserve must hold one incident's records and the drop report");

static enum log_level alarm_log_level(unsigned level)
{
	return level < sizeof(alarm_to_log) / sizeof(alarm_to_log[0]) ? alarm_to_log[level] : LOG_MAJOR;
}

static uint64_t tsc_to_ms(const struct vm *vm, uint64_t tsc)
{
	return tsc / vm->clk.tsc_per_ms;
}

void vm_log_watchdog_stats(const struct vm *vm)
{
	const struct watchdog *wd = &vm->wd;
	const struct hv_shared_page *sp = vm->stub.shared;

	hv_record(LOG_INFO, CAT_STAT,
		  "watchdog periods=%llu commands=%llu sent=%llu pending=%llu acked=%llu "
		  "platform_sent=%llu platform_pending=%llu platform_seen=%llu",
		  (unsigned long long)wd->periods, (unsigned long long)wd->commands,
		  (unsigned long long)wd->sent_seq, (unsigned long long)wd->pending_hv,
		  (unsigned long long)(sp ? sp->ack_seq : 0), (unsigned long long)wd->platform_sent,
		  (unsigned long long)wd->pending_platform,
		  (unsigned long long)(sp ? sp->platform_nmis : 0));
}

/* Longest `stat exits` text: every kind with a 20-digit count. */
#define EXITSTAT_TEXT_MAX 512

static void log_cpu(const struct vm *vm, uint64_t now)
{
	const struct stat_period *st = &vm->st;
	struct cpu_shares sh = cpustat_shares(&st->cpu, &st->cpu_prev, now - st->prev_tsc);
	bool out = vm->stopped || !recovery_guest_runs(&vm->rc);
	char wall[WALLCLOCK_TEXT];

	wallclock_text_at(st->wall_s, st->wall_tsc, vm->clk.tsc_hz, now, wall);
	hv_record(LOG_INFO, CAT_STAT,
		  "cpu interval_ms=%llu wall=%s guest_pct=%u.%u hv_pct=%u.%u idle_pct=%u.%u state=%s",
		  (unsigned long long)tsc_to_ms(vm, now - st->prev_tsc), wall, sh.guest_pm / 10,
		  sh.guest_pm % 10, sh.hv_pm / 10, sh.hv_pm % 10, sh.idle_pm / 10, sh.idle_pm % 10,
		  cpustat_state_name(cpustat_state(out, vm->rc.incident_open, &sh)));
}

/* The stub's collector (M7), as it last wrote it into the shared page. */
static void log_health(const struct vm *vm)
{
	const struct hv_shared_page *sp = vm->stub.shared;

	if (!vm->stub.up || sp == NULL)
		return;
	hv_record(LOG_INFO, CAT_STAT,
		  "health free_memory=%llu uptime_ms=%llu guest_ticks=%llu custom=%llu,%llu,%llu,%llu "
		  "ack_seq=%llu",
		  (unsigned long long)sp->free_memory, (unsigned long long)sp->uptime_ms,
		  (unsigned long long)sp->guest_ticks, (unsigned long long)sp->custom[0],
		  (unsigned long long)sp->custom[1], (unsigned long long)sp->custom[2],
		  (unsigned long long)sp->custom[3], (unsigned long long)sp->ack_seq);
}

void vm_log_periodic_stats(struct vm *vm, uint64_t now)
{
	struct stat_period *st = &vm->st;
	char text[EXITSTAT_TEXT_MAX];

	log_cpu(vm, now);
	exitstat_format(text, sizeof(text), &vm->trace.counts, &st->exits_prev,
			(now - st->prev_tsc) / vm->clk.tsc_per_us);
	hv_record(LOG_INFO, CAT_STAT, "exits per_s interval_ms=%llu %s",
		  (unsigned long long)tsc_to_ms(vm, now - st->prev_tsc), text);
	log_health(vm);
	st->exits_prev = vm->trace.counts;
	st->cpu_prev = st->cpu;
	st->prev_tsc = now;
	st->next_tsc = now + vm_ms_to_tsc(vm, vm->set.stat_ms);
}

void vm_log_exit_totals(const struct vm *vm)
{
	static const struct exit_counts zero;
	char text[EXITSTAT_TEXT_MAX];

	exitstat_format(text, sizeof(text), &vm->trace.counts, &zero, 0);
	hv_record(LOG_INFO, CAT_STAT, "exits since_boot %s", text);
}

void vm_stop(struct vm *vm, const char *reason)
{
	vm->stopped = true;
	vm_log_watchdog_stats(vm);
	vm_log_exit_totals(vm);
	/* An outcome: it explains the stop, so it may use the log's reserve. */
	hv_record(LOG_INFO, CAT_OUTCOME,
		  "guest stopped: %s; ticks=%llu hypercalls=%llu io_blocked=%llu msr_blocked=%llu "
		  "vtimer_fired=%llu generation=%llu reports=%llu reports_refused=%llu log_dropped=%llu",
		  reason, (unsigned long long)vm->clk.ticks, (unsigned long long)vm->stats.hypercalls,
		  (unsigned long long)vm->stats.io_blocked, (unsigned long long)vm->stats.msr_blocked,
		  (unsigned long long)vm->vt.fired, (unsigned long long)vm->stub.generation,
		  (unsigned long long)vm->stats.reports, (unsigned long long)vm->stats.reports_refused,
		  (unsigned long long)log_dropped_total());
}

bool vm_guest_line_allowed(struct vm *vm)
{
	return rate_allow(&vm->guest_lines, plat_tsc());
}

bool vm_refusal_logged(struct vm *vm)
{
	vm->stats.hypercalls_refused++;
	return vm_guest_line_allowed(vm);
}

/* " incident=<id>" for the records of an incident (issue 12: one id ties
 * a fault's event, decision, alarm, actions and outcomes), "" for none. */
struct incident_text {
	char s[32];
};

static struct incident_text incident_of(uint64_t id)
{
	struct incident_text t = { "" };

	if (id)
		snprintf(t.s, sizeof(t.s), " incident=%llu", (unsigned long long)id);
	return t;
}

static void log_regs(const struct vm *vm, const struct incident_text *inc)
{
	const struct guest_regs *r = &vm->regs;
	const struct vcpu_ops *ops = vm->ops;

	hv_record(LOG_INFO, CAT_EVENT,
		  "regs rip=0x%llx rsp=0x%llx cr2=0x%llx cr3=0x%llx rax=0x%llx rbx=0x%llx rcx=0x%llx "
		  "rdx=0x%llx rsi=0x%llx rdi=0x%llx rbp=0x%llx%s",
		  (unsigned long long)ops->get_rip(), (unsigned long long)ops->get_rsp(),
		  (unsigned long long)ops->get_cr2(), (unsigned long long)ops->get_cr3(),
		  (unsigned long long)r->rax, (unsigned long long)r->rbx, (unsigned long long)r->rcx,
		  (unsigned long long)r->rdx, (unsigned long long)r->rsi, (unsigned long long)r->rdi,
		  (unsigned long long)r->rbp, inc->s);
}

static void log_collector(const struct vm *vm, const struct incident_text *inc)
{
	const struct hv_shared_page *sp = vm->stub.shared;

	if (sp == NULL)
		return;
	hv_record(LOG_INFO, CAT_EVENT,
		  "collector free_memory=%llu uptime_ms=%llu custom0=%llu custom1=%llu guest_ticks=%llu%s",
		  (unsigned long long)sp->free_memory, (unsigned long long)sp->uptime_ms,
		  (unsigned long long)sp->custom[0], (unsigned long long)sp->custom[1],
		  (unsigned long long)sp->guest_ticks, inc->s);
}

/* What the fault is and what the policy made of it: the event (with its
 * evidence), the decision (rule, file and line, how long it took from the
 * VM exit), the alarm, and what the rule asks to record. */
struct decided_fault {
	const struct fault_event *ev;
	const char *detail;
	uint64_t decided_tsc;
};

static void log_decision(const struct vm *vm, const struct rec_fx *fx, const struct decided_fault *d)
{
	const struct incident_text inc = incident_of(fx->incident);
	const struct policy_rule *r = fx->rule;
	const struct fault_event *ev = d->ev;
	enum log_level level = alarm_log_level(r->alarm);

	hv_record(level, CAT_EVENT, "%s vector=%d rip=0x%llx module=%s stub=%s %s%s",
		  fault_type_name(ev->type), ev->vector, (unsigned long long)ev->rip,
		  ev->module && ev->module[0] ? ev->module : "-", ev->stub_up ? "up" : "down", d->detail,
		  inc.s);
	hv_record(LOG_INFO, CAT_DECISION,
		  "match policy=%s rule=%s at=%s action=%s deadline_ms=%u exit_to_decision_tsc=%llu%s",
		  vm->policy->name, r->name, r->where, policy_action_name((enum policy_action)r->action),
		  r->deadline_ms, (unsigned long long)(d->decided_tsc - vm->trace.exit_tsc), inc.s);
	hv_record(level, CAT_ALARM, "alarm id=%llu level=%s category=%s cause=%s%s",
		  (unsigned long long)fx->alarm_id, alarm_level_name((enum alarm_level)r->alarm),
		  fault_type_name(ev->type), r->name, inc.s);
	if (r->record & REC_REGS)
		log_regs(vm, &inc);
	if (r->record & REC_SHARED)
		log_collector(vm, &inc);
	/* Before the action, with the guest stopped: the state it died in. */
	vm_dump(vm, dump_level_for(vm, r), fault_type_name(ev->type), r->name);
}

/* cmd_id last (a release store): a stub that sees the new id sees the
 * op and argument that go with it. */
static void post_command(struct hv_shared_page *sp, uint16_t op, uint64_t arg, uint64_t cmd_id)
{
	sp->cmd_op = op;
	sp->cmd_args[0] = arg;
	__atomic_store_n(&sp->cmd_id, cmd_id, __ATOMIC_RELEASE);
}

void vm_handback_repost(struct vm *vm)
{
	if (vm->stub.shared != NULL && recovery_handback_pending(&vm->rc))
		post_command(vm->stub.shared, vm->rc.cmd_op, vm->rc.cmd_arg, vm->rc.cmd_id);
}

static void send_command(struct vm *vm, const struct rec_fx *fx)
{
	struct hv_shared_page *sp = vm->stub.shared;

	if (sp == NULL)
		return; /* the machine asks only when the stub is up */
	post_command(sp, fx->command, fx->arg, fx->cmd_id);
	wd_queue_command(&vm->wd);
	hv_record(LOG_INFO, CAT_ACTION, "handback command=%u arg=%llu cmd_id=%llu deadline_ms=%u%s",
		  fx->command, (unsigned long long)fx->arg, (unsigned long long)fx->cmd_id,
		  fx->deadline_ms, incident_of(fx->incident).s);
}

void vm_hv_wrote_guest_page(struct vm *vm, uint64_t gpa)
{
	guest_dirty_mark(&vm->written, gpa);
	ckpt_hv_wrote(gpa);
}

/* What must be cleared: the pages the backend saw the guest write, and
 * those the hypervisor wrote through its own map (every shared page a
 * stub registered, marked at its hello).  NULL (clear everything) when
 * the backend cannot track writes. */
static struct guest_dirty *pages_to_clear(struct vm *vm)
{
	return ckpt_take_dirty(vm) ? &vm->written : NULL;
}

uint64_t vm_build_guest(struct vm *vm, struct guest_dirty *clear)
{
	const struct guest_host_info host = {
		.vendor = vm->ops->vendor == VCPU_VENDOR_INTEL ? HVG_VENDOR_VMX : HVG_VENDOR_SVM,
		.generation = vm->stub.generation,
		.tsc_hz = vm->clk.tsc_hz,
		.tick_us = vm->set.tick_us,
		.hv_base = vm->boot->hv_base,
		.hv_size = vm->boot->hv_size,
	};

	const struct guest_files files = {
		.image = vm->boot->guest_image,
		.image_size = vm->boot->guest_size,
		.initrd = vm->boot->initrd,
		.initrd_size = vm->boot->initrd_size,
	};

	return guest_build(&files, vm->guest_cmdline, &host,
			   clear, &vm->cfg);
}

/* The ABI's name for a fault that reset the guest (HV_INFO_RESTART_REASON):
 * the fault types in their enum's order. */
static const uint8_t restart_reason_of_fault[FAULT_TYPE_COUNT] = {
	[FAULT_EXCEPTION] = HV_RESTART_EXCEPTION,
	[FAULT_PANIC] = HV_RESTART_PANIC,
	[FAULT_LOW_MEMORY] = HV_RESTART_LOW_MEMORY,
	[FAULT_ASSERT] = HV_RESTART_ASSERT,
	[FAULT_BAD_REPORT] = HV_RESTART_BAD_REPORT,
	[FAULT_HANG] = HV_RESTART_HANG,
	[FAULT_SOFT_LOCKUP] = HV_RESTART_SOFT_LOCKUP,
	[FAULT_TRIPLE_FAULT] = HV_RESTART_TRIPLE_FAULT,
	[FAULT_MEM_VIOLATION] = HV_RESTART_MEM_VIOLATION,
	[FAULT_STUB_SILENT] = HV_RESTART_STUB_SILENT,
	[FAULT_BLOCKED_IO] = HV_RESTART_BLOCKED_IO,
	[FAULT_BLOCKED_MSR] = HV_RESTART_BLOCKED_MSR,
	[FAULT_UNHANDLED_EXIT] = HV_RESTART_UNHANDLED_EXIT,
	[FAULT_ENTRY_FAILED] = HV_RESTART_ENTRY_FAILED,
};
/* 14 faults, the first boot, the guest's own reboot, an operator's restart */
_Static_assert(FAULT_TYPE_COUNT == 14 && HV_RESTART_REASON_COUNT == 17,
	       "every fault type has its restart reason in the ABI");

static void park(struct vm *vm, const struct rec_fx *fx);

/* Once, before the first build: the seal every reset checks. */
void vm_seal_pristine(struct vm *vm)
{
	const struct boot_info *b = vm->boot;
	char text[PRISTINE_TEXT];
	uint64_t t0 = plat_tsc();

	pristine_seal(&vm->pristine, b->guest_image, b->guest_size, b->initrd, b->initrd_size);
	pristine_text(&vm->pristine, text);
	hv_log("pristine sealed at=0x%llx bytes=%llu initrd_bytes=%llu sha256=%s... cost_tsc=%llu",
	       (unsigned long long)(uintptr_t)b->guest_image, (unsigned long long)b->guest_size,
	       (unsigned long long)b->initrd_size, text, (unsigned long long)(plat_tsc() - t0));
}

/* Before every reset that reloads the image: the copy must still be what
 * was loaded, or the reset would boot garbage.  A broken seal parks the
 * guest (emergency alarm); the hypervisor runs on.  A restart from the
 * snapshot does not read the copy, and is not kept waiting for its hash
 * (SHA-256 of the image: some 57 instructions a byte, 8.2 M for the
 * 144 KB test guest under Bochs). */
static bool pristine_ok(struct vm *vm)
{
	const struct boot_info *b = vm->boot;
	struct rec_fx_list out = { 0 };
	char text[PRISTINE_TEXT];

	if (ckpt_snapshot_ready(vm) ||
	    pristine_intact(&vm->pristine, b->guest_image, b->guest_size, b->initrd, b->initrd_size))
		return true;
	pristine_text(&vm->pristine, text);
	hv_record(LOG_EMERG, CAT_EVENT, "pristine_corrupt at=0x%llx bytes=%llu sealed_sha256=%s... "
		  "generation=%llu: not resetting", (unsigned long long)(uintptr_t)b->guest_image,
		  (unsigned long long)b->guest_size, text, (unsigned long long)vm->stub.generation);
	recovery_pristine_corrupt(&vm->rc, &out);
	for (unsigned i = 0; i < out.n; i++)
		if (out.fx[i].kind == FX_PARK)
			park(vm, &out.fx[i]);
	return false;
}

/* After either kind of restart: the guest's checkpoint ring forgotten
 * (its checkpoints kept), the watchdog and the recovery machine. */
static void restarted(struct vm *vm)
{
	uint64_t now = plat_tsc();

	ckpt_guest_restarted(vm);
	wd_restart(&vm->wd, now);
	recovery_reset_done(&vm->rc, now);
}

/* The policy's `snapshot hello` (docs/checkpoints.md): the guest as it
 * was at its stub's first hello instead of a cold reload.  false if no
 * snapshot was taken. */
static bool snapshot_reset(struct vm *vm, uint32_t reason, uint64_t incident, uint64_t t0)
{
	if (!ckpt_snapshot_restart(vm))
		return false;
	vm->stub = (struct stub_link){ .generation = vm->stub.generation, .restart_reason = reason };
	restarted(vm);
	hv_record(LOG_INFO, CAT_ACTION, "reset done generation=%llu cost_tsc=%llu from=snapshot%s",
		  (unsigned long long)vm->stub.generation, (unsigned long long)(plat_tsc() - t0),
		  incident_of(incident).s);
	return true;
}

/* Reload the image from the pristine copy into cleared RAM, reset the
 * vCPU and the guest's devices, next boot generation (M11).  `reason`
 * (enum hv_restart_reason) is what the next generation's stub learns. */
static void reset_guest(struct vm *vm, uint32_t reason, uint64_t incident)
{
	uint64_t t0 = plat_tsc();

	vm->stub.generation++;
	if (snapshot_reset(vm, reason, incident, t0))
		return;
	struct guest_dirty *clear = pages_to_clear(vm);
	uint64_t cleared = vm_build_guest(vm, clear);
	ckpt_ram_rebuilt();
	vm->ops->reset(&vm->cfg);
	vm->msr = (struct msr_state){ .apic_base = vm->msr.apic_base };
	dev_reset(&vm->dev, vm->cfg.com2_emulated, vm->clk.tsc_hz, plat_tsc());
	vm->ops->set_tsc_offset(0);
	vm->regs = (struct guest_regs){ .rdi = vm->cfg.entry_rdi, .rsi = vm->cfg.entry_rsi };
	vm->nmi_window = vm->intr_window = false; /* the backend's reset turned them off */
	vm->stub = (struct stub_link){ .generation = vm->stub.generation, .restart_reason = reason };
	vtimer_reset(&vm->vt);
	restarted(vm);
	hv_record(LOG_INFO, CAT_ACTION, "reset done generation=%llu cost_tsc=%llu cleared_pages=%llu/%llu%s",
		  (unsigned long long)vm->stub.generation, (unsigned long long)(plat_tsc() - t0),
		  (unsigned long long)cleared, (unsigned long long)GUEST_PAGES, incident_of(incident).s);
}

void vm_guest_reboot(struct vm *vm)
{
	hv_record(LOG_INFO, CAT_ACTION, "reboot requested by the guest rip=0x%llx generation=%llu",
		  (unsigned long long)vm->ops->get_rip(), (unsigned long long)vm->stub.generation);
	if (pristine_ok(vm))
		reset_guest(vm, HV_RESTART_REBOOT, 0);
}

static void park(struct vm *vm, const struct rec_fx *fx)
{
	const struct incident_text inc = incident_of(fx->incident);

	hv_record(LOG_INFO, CAT_ACTION, "park reason=%s generation=%llu%s", fx->why,
		  (unsigned long long)vm->stub.generation, inc.s);
	hv_record(alarm_log_level(fx->level), CAT_ALARM,
		  "alarm id=%llu level=%s category=parked cause=%s%s", (unsigned long long)fx->alarm_id,
		  alarm_level_name((enum alarm_level)fx->level), fx->why, inc.s);
	hv_record(LOG_INFO, CAT_OUTCOME, "parked guest_rip=0x%llx state_kept=yes%s",
		  (unsigned long long)vm->ops->get_rip(), inc.s);
	if (vm->set.onstop_exit)
		vm_stop(vm, "parked");
	else
		vm_log_watchdog_stats(vm);
}

/* The policy's rollback (docs/checkpoints.md): carried out once the
 * exit is handled (hv/run.c, ckpt_rollback_now()). */
static void roll_back(struct vm *vm, const struct rec_fx *fx)
{
	uint32_t reason = vm->rc.rule != NULL ? restart_reason_of_fault[vm->rc.rule->event] : HV_RESTART_NONE;

	hv_record(LOG_INFO, CAT_ACTION, "rollback slot=%llu%s", (unsigned long long)fx->arg,
		  incident_of(fx->incident).s);
	vm->ck.rollback = (struct ckpt_rollback){ .pending = true, .slot = (int)fx->arg,
						  .reason = reason, .incident = fx->incident };
}

static void log_outcome(const struct vm *vm, const struct rec_fx *fx)
{
	const struct policy_config *p = vm->policy;
	const struct incident_text inc = incident_of(fx->incident);

	switch (fx->kind) {
	case FX_LOGGED:
		hv_record(LOG_INFO, CAT_OUTCOME, "logged guest_continues=yes%s", inc.s);
		break;
	case FX_SUPPRESSED:
		hv_record(LOG_MINOR, CAT_STAT, "suppressed event=%s count=%llu window_ms=1000",
			  fault_type_name((enum fault_type)fx->fault), (unsigned long long)fx->count);
		break;
	case FX_HANDBACK_NO_STUB:
		hv_record(LOG_MINOR, CAT_OUTCOME, "handback impossible: no stub; escalating%s", inc.s);
		break;
	case FX_RESET_SCHEDULED:
		hv_record(LOG_INFO, CAT_ACTION, "reset scheduled backoff_ms=%u restarts_in_window=%u%s",
			  fx->backoff_ms, fx->restarts, inc.s);
		break;
	case FX_BUDGET_EXHAUSTED:
		hv_record(LOG_EMERG, CAT_DECISION, "restart budget exhausted max=%u window_ms=%u: parking%s",
			  p->restart_max, p->restart_window_ms, inc.s);
		break;
	case FX_TIMEOUT:
		hv_record(LOG_MAJOR, CAT_OUTCOME, "timeout action=%s next=%s why=\"%s\"%s",
			  policy_action_name((enum policy_action)fx->action),
			  policy_action_name((enum policy_action)fx->next), fx->why, inc.s);
		break;
	case FX_HANDBACK_ACKED:
		hv_record(LOG_INFO, CAT_OUTCOME, "handback acknowledged cmd_id=%llu result=%lld gap_ms=%llu%s",
			  (unsigned long long)fx->cmd_id,
			  (long long)(vm->stub.shared ? vm->stub.shared->cmd_result : 0),
			  (unsigned long long)tsc_to_ms(vm, fx->gap_tsc), inc.s);
		break;
	case FX_HANDBACK_FAILED:
		hv_record(LOG_MAJOR, CAT_OUTCOME, "handback failed cmd_id=%llu result=%lld gap_ms=%llu next=%s%s",
			  (unsigned long long)fx->cmd_id, (long long)fx->result,
			  (unsigned long long)tsc_to_ms(vm, fx->gap_tsc),
			  policy_action_name((enum policy_action)fx->next), inc.s);
		break;
	case FX_RESTART_CONFIRMED:
		hv_record(LOG_INFO, CAT_OUTCOME, "restart confirmed generation=%llu gap_ms=%llu gap_tsc=%llu%s",
			  (unsigned long long)vm->stub.generation,
			  (unsigned long long)tsc_to_ms(vm, fx->gap_tsc), (unsigned long long)fx->gap_tsc,
			  inc.s);
		break;
	case FX_SILENT_AFTER_RESET:
		hv_record(alarm_log_level(fx->level), CAT_EVENT, "stub_silent after reset generation=%llu%s",
			  (unsigned long long)vm->stub.generation, inc.s);
		break;
	case FX_ROLLBACK_NONE:
		hv_record(LOG_MINOR, CAT_OUTCOME, "rollback impossible: no checkpoint to go back to; next=%s%s",
			  policy_action_name((enum policy_action)fx->next), inc.s);
		break;
	case FX_NO_RULE:
		hv_log("ERROR policy %s has no rule for event %s: %s", p->name,
		       fault_type_name((enum fault_type)fx->fault),
		       fault_needs_restart(fx->fault) ? "parking" : "logged only");
		break;
	default:
		break;
	}
}

/* Applies the effects in order.  Returns true if the first boot's stub
 * stayed silent: the caller raises that fault (no recursion here). */
/* The incident's cause is gone (issue 12): its alarms are cleared, for
 * an operator's view that shows only what still needs attention. */
static void clear_alarms(uint64_t incident, const char *why)
{
	if (incident)
		hv_record(LOG_INFO, CAT_ALARM, "alarm cleared incident=%llu why=%s",
			  (unsigned long long)incident, why);
}

static bool apply(struct vm *vm, const struct rec_fx_list *out, const struct decided_fault *d)
{
	bool silent_after_boot = false;

	for (unsigned i = 0; i < out->n; i++) {
		const struct rec_fx *fx = &out->fx[i];
		switch (fx->kind) {
		case FX_DECISION:
			if (d != NULL)
				log_decision(vm, fx, d);
			break;
		case FX_HANDBACK:
			send_command(vm, fx);
			break;
		case FX_RESET:
			if (!pristine_ok(vm))
				break;
			/* the rule whose reset this is names the incident's fault */
			reset_guest(vm, fx->why != NULL ? HV_RESTART_OPERATOR :
					vm->rc.rule != NULL ? restart_reason_of_fault[vm->rc.rule->event]
							    : HV_RESTART_NONE,
				    fx->incident);
			/* no hello awaited (`hello none`): the reset ends it */
			if (!vm->rc.incident_open)
				clear_alarms(fx->incident, "reset_done");
			break;
		case FX_PARK:
			park(vm, fx);
			break;
		case FX_ROLLBACK:
			roll_back(vm, fx);
			break;
		case FX_SILENT_AFTER_BOOT:
			silent_after_boot = true;
			break;
		case FX_HANDBACK_ACKED:
			log_outcome(vm, fx);
			clear_alarms(fx->incident, "handback_acknowledged");
			break;
		case FX_RESTART_CONFIRMED:
			log_outcome(vm, fx);
			clear_alarms(fx->incident, "restart_confirmed");
			break;
		default:
			log_outcome(vm, fx);
			break;
		}
	}
	return silent_after_boot;
}

bool vm_operator(struct vm *vm, enum rec_operator op)
{
	struct rec_fx_list out = { 0 };

	if (!recovery_operator(&vm->rc, op, plat_tsc(), &out))
		return false;
	apply(vm, &out, NULL);
	return true;
}

static enum policy_action fault_v(struct vm *vm, const struct fault_event *ev, const char *fmt,
				  va_list ap)
{
	struct rec_fx_list out;
	out.n = 0; /* only n: clearing the whole list costs more than the rest */
	bool can_handback = vm->stub.up && vm->stub.shared != NULL;
	enum policy_action a = recovery_fault(&vm->rc, ev, plat_tsc(), can_handback, &out);
	struct decided_fault d = { .ev = ev, .decided_tsc = plat_tsc() };
	char detail[192];

	if (out.n == 0)
		return a; /* not recorded (flood limit, guest not running) */
	vsnprintf(detail, sizeof(detail), fmt, ap);
	d.detail = detail;
	/* A log-only decision changes nothing for the guest, and a guest can
	 * provoke one in a loop: its records stay out of the reserve. */
	log_hold_reserve(a == ACT_LOG);
	apply(vm, &out, &d);
	log_hold_reserve(false);
	return a;
}

enum policy_action vm_fault(struct vm *vm, const struct fault_event *ev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	enum policy_action a = fault_v(vm, ev, fmt, ap);
	va_end(ap);
	return a;
}

enum policy_action vm_simple_fault(struct vm *vm, enum fault_type type, const char *fmt, ...)
{
	const struct fault_event ev = {
		.type = type, .vector = -1, .rip = vm->ops->get_rip(), .module = NULL,
		.module_index = -1, .stub_up = vm->stub.up,
	};
	va_list ap;

	va_start(ap, fmt);
	enum policy_action a = fault_v(vm, &ev, fmt, ap);
	va_end(ap);
	return a;
}

void vm_recovery_tick(struct vm *vm, uint64_t now)
{
	const struct hv_shared_page *sp = vm->stub.shared;
	const struct rec_guest g = {
		.can_handback = vm->stub.up && sp != NULL,
		.cmd_ack_id = sp ? sp->cmd_ack_id : 0,
		.cmd_result = sp ? sp->cmd_result : 0,
	};
	struct rec_fx_list out;

	out.n = 0;
	recovery_tick(&vm->rc, now, &g, &out);
	if (apply(vm, &out, NULL))
		vm_simple_fault(vm, FAULT_STUB_SILENT, "no hello after boot");
}

void vm_recovery_hello(struct vm *vm, uint64_t now)
{
	struct rec_fx_list out;

	out.n = 0;
	recovery_hello(&vm->rc, now, &out);
	apply(vm, &out, NULL);
}
