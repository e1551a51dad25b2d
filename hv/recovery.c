/*
 * Decide and act (features M10-M14, M30, M31).  Every step is logged:
 * the event, the decision (which rule), the alarm, each action and its
 * outcome.  Reset reloads the guest from the pristine image copy; a
 * restart must be confirmed by the stub's hello within the deadline; the
 * restart budget and its back-off come from the policy.
 */
#include <stdio.h>

#include "../arch/x86/platform.h"
#include "../include/hv_abi.h"
#include "cmdline.h"
#include "hv.h"
#include "log.h"
#include "recovery.h"

static const enum log_level alarm_to_log[] = {
	[ALARM_INFO] = LOG_INFO,
	[ALARM_MINOR] = LOG_MINOR,
	[ALARM_MAJOR] = LOG_MAJOR,
	[ALARM_EMERGENCY] = LOG_EMERG,
};

static struct {
	const struct policy_rule *rule; /* rule whose action is in progress */
	enum policy_action action;
	uint64_t deadline_tsc;          /* handback acknowledgement / hello */
	uint64_t restart_at_tsc;
	uint64_t fault_tsc;             /* for the fault-to-hello gap */
	uint64_t cmd_id;
	uint32_t hello_deadline_ms;     /* for the reset under way */
	bool awaiting_hello;
	bool after_reset;
	struct restart_budget budget;
	uint64_t alarms;
} rc;

static void do_action(enum policy_action a, const struct fault_event *ev);

static void log_regs(void)
{
	const struct guest_regs *r = &hv.regs;

	hv_record(LOG_INFO, CAT_EVENT,
		  "regs rip=0x%llx rsp=0x%llx cr2=0x%llx cr3=0x%llx rax=0x%llx rbx=0x%llx rcx=0x%llx "
		  "rdx=0x%llx rsi=0x%llx rdi=0x%llx rbp=0x%llx",
		  (unsigned long long)hv.ops->get_rip(), (unsigned long long)hv.ops->get_rsp(),
		  (unsigned long long)hv.ops->get_cr2(), (unsigned long long)hv.ops->get_cr3(),
		  (unsigned long long)r->rax, (unsigned long long)r->rbx, (unsigned long long)r->rcx,
		  (unsigned long long)r->rdx, (unsigned long long)r->rsi, (unsigned long long)r->rdi,
		  (unsigned long long)r->rbp);
}

static void log_shared(void)
{
	const struct hv_shared_page *sp = hv.shared;

	if (sp == NULL)
		return;
	hv_record(LOG_INFO, CAT_EVENT,
		  "collector free_memory=%llu uptime_ms=%llu custom0=%llu custom1=%llu guest_ticks=%llu",
		  (unsigned long long)sp->free_memory, (unsigned long long)sp->uptime_ms,
		  (unsigned long long)sp->custom[0], (unsigned long long)sp->custom[1],
		  (unsigned long long)sp->guest_ticks);
}

static void log_decision(const struct policy_rule *r, const struct fault_event *ev,
			 const char *detail)
{
	hv_record(alarm_to_log[r->alarm], CAT_EVENT, "%s vector=%d rip=0x%llx module=%s stub=%s %s",
		  fault_type_name(ev->type), ev->vector, (unsigned long long)ev->rip,
		  ev->module && ev->module[0] ? ev->module : "-", ev->stub_up ? "up" : "down",
		  detail ? detail : "");
	hv_record(LOG_INFO, CAT_DECISION,
		  "match policy=%s rule=%s at=%s action=%s deadline_ms=%u exit_to_decision_tsc=%llu",
		  active_policy->name, r->name, r->where, policy_action_name(r->action), r->deadline_ms,
		  (unsigned long long)(plat_tsc() - hv.exit_tsc));
	hv_record(alarm_to_log[r->alarm], CAT_ALARM, "alarm id=%llu level=%s category=%s cause=%s",
		  (unsigned long long)++rc.alarms, alarm_level_name(r->alarm),
		  fault_type_name(ev->type), r->name);
	if (r->record & REC_REGS)
		log_regs();
	if (r->record & REC_SHARED)
		log_shared();
}

/* Events whose rule only logs are limited to LOG_EVENTS_PER_SECOND per
 * type, so a guest that provokes them in a loop cannot flood the log or
 * crowd out the hypervisor's own records; the rest are counted and the
 * count is reported when the second is over. */
#define LOG_EVENTS_PER_SECOND 8

static struct {
	uint64_t window_start_ms;
	uint32_t in_window[FAULT_TYPE_COUNT];
	uint64_t suppressed[FAULT_TYPE_COUNT];
} flood;

/* Reports what the last window suppressed; runs once per loop too, so a
 * burst is accounted for even if nothing follows it. */
static void flood_window_roll(void)
{
	uint64_t now_ms = hv_now_ms();

	if (now_ms - flood.window_start_ms >= 1000) {
		for (unsigned i = 0; i < FAULT_TYPE_COUNT; i++) {
			if (flood.suppressed[i])
				hv_record(LOG_MINOR, CAT_STAT, "suppressed event=%s count=%llu window_ms=1000",
					  fault_type_name((enum fault_type)i),
					  (unsigned long long)flood.suppressed[i]);
			flood.suppressed[i] = 0;
			flood.in_window[i] = 0;
		}
		flood.window_start_ms = now_ms;
	}
}

static bool flood_limited(enum fault_type t)
{
	flood_window_roll();
	if (flood.in_window[t] < LOG_EVENTS_PER_SECOND) {
		flood.in_window[t]++;
		return false;
	}
	flood.suppressed[t]++;
	return true;
}

enum policy_action recovery_fault(const struct fault_event *ev, const char *detail)
{
	const struct policy_rule *r = policy_lookup(active_policy, ev);

	if (hv.state == GS_PARKED || hv.state == GS_BACKOFF)
		return ACT_LOG; /* the guest is not running: nothing new can happen */
	if (r->action == ACT_LOG) {
		/* Recorded only: an action already under way (a hand-back
		 * waiting for its acknowledgement) keeps its rule and clock. */
		if (!flood_limited(ev->type)) {
			log_decision(r, ev, detail);
			hv_record(LOG_INFO, CAT_OUTCOME, "logged guest_continues=yes");
		}
		return ACT_LOG;
	}
	rc.fault_tsc = plat_tsc();
	rc.rule = r;
	log_decision(r, ev, detail);
	do_action((enum policy_action)r->action, ev);
	return (enum policy_action)r->action;
}

enum policy_action recovery_simple_fault(enum fault_type type, uint64_t rip, const char *detail)
{
	const struct fault_event ev = {
		.type = type, .vector = -1, .rip = rip, .module = NULL, .module_index = -1,
		.stub_up = hv.stub_up,
	};

	return recovery_fault(&ev, detail);
}

static void park(const char *why, enum alarm_level level)
{
	hv.state = GS_PARKED;
	rc.awaiting_hello = false;
	hv_record(LOG_INFO, CAT_ACTION, "park reason=%s generation=%llu", why,
		  (unsigned long long)hv.generation);
	hv_record(alarm_to_log[level], CAT_ALARM, "alarm id=%llu level=%s category=parked cause=%s",
		  (unsigned long long)++rc.alarms, alarm_level_name(level), why);
	hv_record(LOG_INFO, CAT_OUTCOME, "parked guest_rip=0x%llx state_kept=yes",
		  (unsigned long long)hv.ops->get_rip());
	if (hv.exit_emulator_on_stop)
		hv_stop_guest("parked");
	else
		watchdog_log_stats();
}

static void schedule_reset(void)
{
	uint32_t delay_ms = 0;
	uint64_t now_ms = hv_now_ms();

	if (!restart_allowed(&rc.budget, active_policy, now_ms, &delay_ms)) {
		hv_record(LOG_EMERG, CAT_DECISION,
			  "restart budget exhausted max=%u window_ms=%u: parking", active_policy->restart_max,
			  active_policy->restart_window_ms);
		park("restart budget exhausted", ALARM_EMERGENCY);
		return;
	}
	restart_record(&rc.budget, active_policy, now_ms);
	hv.state = GS_BACKOFF;
	rc.restart_at_tsc = plat_tsc() + hv_ms_to_tsc(delay_ms);
	hv_record(LOG_INFO, CAT_ACTION, "reset scheduled backoff_ms=%u restarts_in_window=%u",
		  delay_ms, rc.budget.count);
}

/* Reload the image from the pristine copy, clear the rest of RAM, reset
 * the vCPU and the guest's devices, next boot generation (M11). */
static void perform_reset(void)
{
	uint32_t vendor = hv.ops == &vmx_ops ? HVG_VENDOR_VMX : HVG_VENDOR_SVM;
	uint64_t t0 = plat_tsc();

	hv.generation++;
	guest_build(hv.boot->guest_image, hv.boot->guest_size, cmdline_guest_part(hv.boot->cmdline),
		    vendor, hv.generation, &hv.cfg);
	hv.ops->reset(&hv.cfg);
	for (unsigned i = 0; i < sizeof(hv.regs) / sizeof(uint64_t); i++)
		((uint64_t *)&hv.regs)[i] = 0;
	hv.regs.rdi = hv.cfg.entry_rdi;
	hv.stub_up = false;
	hv.shared = NULL;
	hv.last_report_seq = 0;
	vtimer_reset();
	watchdog_reset();
	hv.state = GS_RUNNING;
	rc.awaiting_hello = true;
	rc.after_reset = true;
	rc.deadline_tsc = plat_tsc() + hv_ms_to_tsc(rc.hello_deadline_ms);
	hv_record(LOG_INFO, CAT_ACTION, "reset done generation=%llu cost_tsc=%llu",
		  (unsigned long long)hv.generation, (unsigned long long)(plat_tsc() - t0));
}

static void send_command(const struct fault_event *ev)
{
	const struct policy_rule *r = rc.rule;
	struct hv_shared_page *sp = hv.shared;
	uint64_t arg = r->command_arg;

	if (arg == POLICY_ARG_MODULE)
		arg = ev->module_index < 0 ? UINT64_MAX : (uint64_t)ev->module_index;
	sp->cmd_op = r->command;
	sp->cmd_args[0] = arg;
	__atomic_store_n(&sp->cmd_id, ++rc.cmd_id, __ATOMIC_RELEASE);
	watchdog_queue_command();
	hv.state = GS_HANDBACK;
	rc.deadline_tsc = plat_tsc() + hv_ms_to_tsc(r->deadline_ms);
	hv_record(LOG_INFO, CAT_ACTION, "handback command=%u arg=%llu cmd_id=%llu deadline_ms=%u",
		  r->command, (unsigned long long)arg, (unsigned long long)rc.cmd_id, r->deadline_ms);
}

static void do_action(enum policy_action a, const struct fault_event *ev)
{
	rc.action = a;
	switch (a) {
	case ACT_LOG: /* only reached by escalation: nothing more to do */
		break;
	case ACT_HANDBACK:
		if (hv.stub_up && hv.shared) {
			send_command(ev);
			break;
		}
		hv_record(LOG_MINOR, CAT_OUTCOME, "handback impossible: no stub; escalating");
		do_action(policy_escalate(active_policy, ACT_HANDBACK), ev);
		break;
	case ACT_RESET:
		/* The rule's deadline if it chose the reset, else (a reset the
		 * ladder reached) the policy's hello deadline. */
		rc.hello_deadline_ms = rc.rule && rc.rule->action == ACT_RESET
					       ? rc.rule->deadline_ms
					       : active_policy->hello_deadline_ms;
		schedule_reset();
		break;
	default:
		park(rc.rule ? rc.rule->name : "policy", (enum alarm_level)(rc.rule ? rc.rule->alarm : ALARM_MAJOR));
		break;
	}
}

static void escalate(const char *why)
{
	enum policy_action next = policy_escalate(active_policy, rc.action);
	const struct fault_event none = { .type = FAULT_HANG, .vector = -1, .module_index = -1 };

	hv_record(LOG_MAJOR, CAT_OUTCOME, "timeout action=%s next=%s why=\"%s\"",
		  policy_action_name(rc.action), policy_action_name(next), why);
	hv.state = GS_RUNNING;
	do_action(next, &none);
}

static void check_handback(uint64_t now)
{
	const struct hv_shared_page *sp = hv.shared;

	if (sp && sp->cmd_ack_id == rc.cmd_id) {
		hv.state = GS_RUNNING;
		hv_record(LOG_INFO, CAT_OUTCOME, "handback acknowledged cmd_id=%llu result=%lld gap_ms=%llu",
			  (unsigned long long)rc.cmd_id, (long long)sp->cmd_result,
			  (unsigned long long)((now - rc.fault_tsc) * 1000 / hv.tsc_hz));
	} else if (now >= rc.deadline_tsc) {
		escalate("handback not acknowledged before the deadline");
	}
}

static void check_hello_deadline(uint64_t now)
{
	if (!rc.awaiting_hello || now < rc.deadline_tsc)
		return;
	rc.awaiting_hello = false;
	if (rc.after_reset) {
		/* The reset's expected outcome did not come: its own event,
		 * then the ladder's next step. */
		const struct fault_event ev = { .type = FAULT_STUB_SILENT, .vector = -1,
						.module_index = -1 };
		const struct policy_rule *r = policy_lookup(active_policy, &ev);
		hv_record(alarm_to_log[r->alarm], CAT_EVENT,
			  "stub_silent after reset generation=%llu", (unsigned long long)hv.generation);
		escalate("no hello after reset");
	} else {
		recovery_simple_fault(FAULT_STUB_SILENT, hv.ops->get_rip(), "no hello after boot");
	}
}

void recovery_update(uint64_t now)
{
	flood_window_roll();
	switch (hv.state) {
	case GS_BACKOFF:
		if (now >= rc.restart_at_tsc)
			perform_reset();
		break;
	case GS_HANDBACK:
		check_handback(now);
		break;
	default:
		break;
	}
	if (hv.state == GS_RUNNING)
		check_hello_deadline(now);
}

void recovery_hello(void)
{
	if (!rc.awaiting_hello)
		return;
	rc.awaiting_hello = false;
	if (rc.after_reset)
		hv_record(LOG_INFO, CAT_OUTCOME, "restart confirmed generation=%llu gap_ms=%llu gap_tsc=%llu",
			  (unsigned long long)hv.generation,
			  (unsigned long long)((plat_tsc() - rc.fault_tsc) * 1000 / hv.tsc_hz),
			  (unsigned long long)(plat_tsc() - rc.fault_tsc));
}

void recovery_first_boot(void)
{
	hv.state = GS_RUNNING;
	rc.awaiting_hello = true;
	rc.after_reset = false;
	rc.deadline_tsc = plat_tsc() + hv_ms_to_tsc(active_policy->hello_deadline_ms);
}
