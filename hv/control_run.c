/*
 * The control channel applied (hv/control.h): once per hypervisor tick
 * the log port's receive side is read without waiting, whole lines are
 * parsed, authenticated and judged, and an accepted command runs.  A
 * refused one changes nothing but the audit record (M33).
 */
#include <stdio.h>

#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/ckpt.h"
#include "hv/ckpt_ring.h"
#include "hv/control.h"
#include "hv/control_mac.h"
#include "hv/control_run.h"
#include "hv/dump.h"
#include "hv/wallclock.h"
#include "lib/log.h"

/* Bytes taken per tick: 115200 baud brings about 12 a millisecond, so a
 * 1 ms tick keeps up, and a flood of input costs each tick a bounded
 * few microseconds. */
#define CTL_RX_PER_TICK 32
/* Refusals recorded a second; the rest are counted in the next one. */
#define CTL_REFUSALS_PER_SECOND 4

void vm_control_init(struct vm *vm, uint64_t now)
{
	vm->ctl = (struct ctl_link){ .enabled = hv_control_key_set };
	rate_init(&vm->ctl.refusals, vm_ms_to_tsc(vm, 1000), CTL_REFUSALS_PER_SECOND, now);
	if (!hv_control_key_set)
		hv_log("control channel off: this build has no control key (make CONTROL_KEY=<file>)");
	else if (hv_control_key_is_test)
		hv_log("control channel on, with the TEST key from tests/keys: for tests only");
	else
		hv_log("control channel on");
}

static const char *instance_name(const struct vm *vm)
{
	return vm->set.instance[0] ? vm->set.instance : HV_INSTANCE;
}

static void refuse(struct vm *vm, const char *why, const struct ctl_cmd *c)
{
	vm->ctl.refused++;
	if (!rate_allow(&vm->ctl.refusals, plat_tsc()))
		return;
	uint64_t held = rate_take_refused(&vm->ctl.refusals);
	hv_record(LOG_MINOR, CAT_EVENT, "control_refused why=%s op=%s nonce=%llu refused=%llu held=%llu",
		  why, c ? ctl_op_name(c->op) : "-", (unsigned long long)(c ? c->nonce : 0),
		  (unsigned long long)vm->ctl.refused, (unsigned long long)held);
}

/* The guest's state now, as the `stat cpu` records name it. */
static const char *state_now(const struct vm *vm)
{
	if (vm->stopped || !recovery_guest_runs(&vm->rc))
		return "stopped";
	return vm->rc.incident_open ? "abnormal" : "running";
}

/* M8: the state parameters, answered at once (the monitor's deadline T2
 * is far longer than the tick this costs). */
static void answer_status(const struct vm *vm, const struct ctl_cmd *c, uint64_t now)
{
	char wall[WALLCLOCK_TEXT];

	wallclock_text_at(vm->st.wall_s, vm->st.wall_tsc, vm->clk.tsc_hz, now, wall);
	hv_record(LOG_INFO, CAT_STAT,
		  "status instance=%s boot_id=%016llx nonce=%llu state=%s parked=%s generation=%llu "
		  "stub=%s incidents=%llu restarts_in_window=%u alarms=%llu uptime_ms=%llu wall=%s",
		  instance_name(vm), (unsigned long long)vm->st.boot_id, (unsigned long long)c->nonce,
		  state_now(vm), vm->rc.state == GS_PARKED ? "yes" : "no",
		  (unsigned long long)vm->stub.generation, vm->stub.up ? "up" : "down",
		  (unsigned long long)vm->rc.incidents, vm->rc.budget.count,
		  (unsigned long long)vm->rc.alarms,
		  (unsigned long long)((now - vm->clk.launch_tsc) / vm->clk.tsc_per_ms), wall);
}

/* The guest is held while the dump is written and then runs on; its
 * watchdog period and timer move on by the time the dump took, so the
 * pause is not judged against it (as for a dump the guest asks for). */
static void operator_dump(struct vm *vm, enum policy_dump level)
{
	uint64_t t0 = plat_tsc();

	vm_dump(vm, level, "operator", "control");
	uint64_t dt = plat_tsc() - t0;
	wd_pause(&vm->wd, dt);
	vtimer_pause(&vm->vt, dt);
}

/* A checkpoint the operator takes (docs/checkpoints.md): known good, so
 * the policy's rollback may come back to it; the guest is held while it
 * is copied, as for a dump, and its own ring answers nothing (it did
 * not ask). */
static const char *operator_checkpoint(struct vm *vm, unsigned slot)
{
	static const struct hv_ckpt_event none = { 0 };
	uint64_t t0 = plat_tsc();

	if (vm->ck.pending.active)
		return "busy";
	enum hv_ckpt_reason why = ckpt_save(vm, slot, "operator", HV_CKF_KNOWN_GOOD);
	uint64_t dt = plat_tsc() - t0;
	wd_pause(&vm->wd, dt);
	vtimer_pause(&vm->vt, dt);
	if (why != HV_CKR_NONE)
		return ckpt_reason_name(why);
	ckpt_set_save_answer(slot, &none);
	hv_record(LOG_INFO, CAT_OUTCOME, "control op=checkpoint slot=%u result=saved cost_tsc=%llu",
		  slot, (unsigned long long)dt);
	return NULL;
}

/* The rollback goes the policy's way: once the exit at hand is handled
 * (hv/run.c), the guest told why (HV_RESTART_OPERATOR). */
static const char *operator_rollback(struct vm *vm, unsigned slot)
{
	if (!ckpt_slot_full(slot))
		return "empty_slot";
	if (!recovery_guest_runs(&vm->rc))
		return "not_running"; /* parked or in a back-off: restart or resume it */
	vm->ck.rollback = (struct ckpt_rollback){ .pending = true, .slot = (int)slot,
						  .reason = HV_RESTART_OPERATOR };
	return NULL;
}

static void run_checkpoint_op(struct vm *vm, const struct ctl_cmd *c)
{
	const char *why = c->arg >= HV_CKPT_SLOTS ? "bad_slot"
			: c->op == CTL_CHECKPOINT ? operator_checkpoint(vm, c->arg)
						  : operator_rollback(vm, c->arg);

	if (why != NULL)
		hv_record(LOG_INFO, CAT_OUTCOME, "control op=%s nonce=%llu slot=%u result=%s",
			  ctl_op_name(c->op), (unsigned long long)c->nonce, c->arg, why);
}

static void run_command(struct vm *vm, const struct ctl_cmd *c, uint64_t now)
{
	static const enum rec_operator ops[] = {
		[CTL_RESTART] = REC_OP_RESTART, [CTL_PARK] = REC_OP_PARK, [CTL_RESUME] = REC_OP_RESUME,
	};

	vm->ctl.accepted++;
	hv_record(LOG_INFO, CAT_ACTION, "control op=%s nonce=%llu", ctl_op_name(c->op),
		  (unsigned long long)c->nonce);
	switch (c->op) {
	case CTL_STATUS:
		answer_status(vm, c, now);
		break;
	case CTL_RESTART:
	case CTL_PARK:
	case CTL_RESUME:
		if (!vm_operator(vm, ops[c->op]))
			hv_record(LOG_INFO, CAT_OUTCOME, "control op=%s nonce=%llu result=not_applicable",
				  ctl_op_name(c->op), (unsigned long long)c->nonce);
		break;
	case CTL_DUMP:
		operator_dump(vm, c->arg == 2 ? DUMP_FULL : DUMP_MINI);
		break;
	case CTL_CHECKPOINT:
	case CTL_ROLLBACK:
		run_checkpoint_op(vm, c);
		break;
	}
}

static void take_line(struct vm *vm, const char *line, size_t len, uint64_t now)
{
	struct ctl_cmd c;
	const char *why = ctl_parse(line, len, &c);

	if (why != NULL) {
		refuse(vm, why, NULL);
		return;
	}
	const struct ctl_state st = { .instance = instance_name(vm),
				      .boot_id = vm->st.boot_id,
				      .last_nonce = vm->ctl.last_nonce };
	why = ctl_judge(&st, &c, ctl_mac_ok(hv_control_key, line, c.signed_len, c.mac));
	if (why != NULL) {
		refuse(vm, why, &c);
		return;
	}
	vm->ctl.last_nonce = c.nonce;
	run_command(vm, &c, now);
}

void vm_control_poll(struct vm *vm, uint64_t now)
{
	uint8_t buf[CTL_RX_PER_TICK];

	if (!vm->ctl.enabled)
		return;
	unsigned n = plat_log_read(buf, sizeof(buf));
	for (unsigned i = 0; i < n && !vm->stopped; i++) {
		switch (ctl_rx_byte(&vm->ctl.rx, buf[i])) {
		case CTL_RX_LINE:
			take_line(vm, vm->ctl.rx.line, vm->ctl.rx.len, now);
			break;
		case CTL_RX_OVERLONG:
			refuse(vm, "overlong", NULL);
			break;
		default:
			break;
		}
	}
}
