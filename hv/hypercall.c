/* Hypercall dispatch (ABI in include/hv_abi.h, docs/hypercalls.md). */
#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/ckpt.h"
#include "hv/dump_guest.h"
#include "hv/guest.h"
#include "hv/heartbeat.h"
#include "hv/hello.h"
#include "hv/hypercall.h"
#include "hv/integrity.h"
#include "hv/report.h"
#include "include/hv_abi.h"
#include "lib/log.h"

static int64_t hc_null(struct vm *vm)
{
	hypercall_null(vm);
	return HV_OK;
}

static struct hello_view hello_view_of(const struct vm *vm, const struct hv_shared_page *sp)
{
	return (struct hello_view){
		.stub_up = vm->stub.up,
		.handback_pending = recovery_handback_pending(&vm->rc),
		.pending_cmd_id = vm->rc.cmd_id,
		.page_cmd_id = sp->cmd_id,
		.page_ack_seq = sp->ack_seq,
		.sent_seq = vm->wd.sent_seq,
		.nmi_pending = vm->wd.pending_hv != 0,
		.command_nmi_pending = vm->wd.pending_hv != 0 && vm->wd.pending_reason == WD_REASON_COMMAND,
	};
}

/* The page, the stub link, the watchdog: what hello_decide() planned. */
static void hello_apply(struct vm *vm, struct hv_shared_page *sp, const struct hello_plan *p,
			uint64_t now)
{
	/* Only the hypervisor's half: the stub's counters stay (it may have
	 * counted platform NMIs before its hello).  nmi_seq 0 is what a
	 * stub that has just initialized its page last acknowledged. */
	sp->nmi_seq = 0;
	sp->nmi_reason = HV_NMI_NONE;
	if (p->clear_command) {
		sp->cmd_id = 0;
		sp->cmd_op = HV_CMD_NONE;
	}
	sp->magic = HV_SHARED_MAGIC;
	sp->version = HV_ABI_VERSION;
	vm->stub.shared = sp;
	vm->stub.up = true;
	/* The stub's report seq restarts at 1 with its page. */
	vm->stub.last_report_seq = 0;
	if (p->restart_watchdog)
		wd_restart(&vm->wd, now);
	if (p->repost_command)
		vm_handback_repost(vm);
	if (p->nmi == HELLO_NMI_COMMAND)
		wd_queue_command(&vm->wd);
	else if (p->nmi == HELLO_NMI_HEARTBEAT)
		wd_queue_heartbeat(&vm->wd);
}

static int64_t hc_hello(struct vm *vm)
{
	uint64_t version = vm->regs.rdi, shared = vm->regs.rsi;

	if ((shared & 0xFFF) || shared >= HV_GUEST_RAM_SIZE || shared < HVG_BOOT_INFO_GPA) {
		if (vm_refusal_logged(vm))
			hv_log("hypercall hello rejected: shared page 0x%llx not a page of guest RAM",
			       (unsigned long long)shared);
		return HV_E_RANGE;
	}
	ckpt_snapshot_at_hello(vm); /* policy `snapshot hello`: before the call changes anything */
	struct hv_shared_page *sp = guest_gpa_ptr(shared, 4096);
	const struct hello_view view = hello_view_of(vm, sp);
	const struct hello_plan plan = hello_decide(&view);
	if (vm_guest_line_allowed(vm)) /* a guest may say hello in a loop */
		hv_log("guest hello stub_version=%llu shared_page=0x%llx generation=%llu first=%s "
		       "handback_reposted=%s",
		       (unsigned long long)version, (unsigned long long)shared,
		       (unsigned long long)vm->stub.generation, plan.first ? "yes" : "no",
		       plan.repost_command ? "yes" : "no");
	vm_hv_wrote_guest_page(vm, shared); /* written through our map: a reset clears it */
	uint64_t now = plat_tsc();
	hello_apply(vm, sp, &plan, now);
	vm_recovery_hello(vm, now);
	vm->regs.rdx = HV_ABI_VERSION;
	return HV_OK;
}

static int64_t hc_timer_set(struct vm *vm)
{
	uint64_t vector = vm->regs.rdi, period_us = vm->regs.rsi, now = plat_tsc();
	bool handed = vm->vt.handed;

	switch (vtimer_set(&vm->vt, vector, period_us, vm->set.tick_us, vm->clk.tsc_hz, now)) {
	case VTIMER_STOPPED:
		heartbeat_timer_changed(vm, handed);
		wd_timer_changed(&vm->wd, now, true);
		return HV_OK;
	case VTIMER_STARTED:
		heartbeat_timer_changed(vm, handed);
		wd_timer_changed(&vm->wd, now, false);
		if (vm_guest_line_allowed(vm))
			hv_log("guest timer set vector=%llu period_us=%llu", (unsigned long long)vector,
			       (unsigned long long)period_us);
		return HV_OK;
	default:
		vm_refusal_logged(vm);
		return HV_E_INVAL;
	}
}

static int64_t hc_report(struct vm *vm)
{
	return report_handle(vm, vm->regs.rdi, vm->regs.rsi);
}

static int64_t hc_info(struct vm *vm)
{
	switch (vm->regs.rdi) {
	case HV_INFO_TICKS:
		vm->regs.rdx = vm->clk.ticks;
		return HV_OK;
	case HV_INFO_TSC_HZ:
		vm->regs.rdx = vm->clk.tsc_hz;
		return HV_OK;
	case HV_INFO_TIMER_FIRED:
		vm->regs.rdx = vm->vt.fired;
		return HV_OK;
	case HV_INFO_INTEGRITY:
		/* Its records are guest-triggered: rate-limited (a budget of
		 * their own, VM_INTEGRITY_RECORDS_PER_SECOND). */
		vm->regs.rdx = hv_integrity_check(vm, rate_allow(&vm->integrity_records, plat_tsc()));
		return HV_OK;
	case HV_INFO_GENERATION:
		vm->regs.rdx = vm->stub.generation;
		return HV_OK;
	case HV_INFO_RESTART_REASON:
		vm->regs.rdx = vm->stub.restart_reason;
		return HV_OK;
	case HV_INFO_WATCHDOG_MS:
		vm->regs.rdx = vm->set.wd_ms;
		return HV_OK;
	case HV_INFO_WATCHDOG_K:
		vm->regs.rdx = vm->set.wd_k;
		return HV_OK;
	case HV_INFO_TICK_US:
		vm->regs.rdx = vm->set.tick_us;
		return HV_OK;
	case HV_INFO_HELLO_DEADLINE_MS:
		vm->regs.rdx = vm->policy->hello_deadline_ms;
		return HV_OK;
	default:
		return HV_E_INVAL;
	}
}

typedef int64_t (*hypercall_fn)(struct vm *vm);

static const hypercall_fn hypercalls[HC_COUNT] = {
	[HC_NULL] = hc_null,
	[HC_HELLO] = hc_hello,
	[HC_TIMER_SET] = hc_timer_set,
	[HC_INFO] = hc_info,
	[HC_REPORT] = hc_report,
};

void hypercall_handle(struct vm *vm)
{
	uint64_t nr = vm->regs.rax;
	unsigned cpl = vm->ops->get_cpl();
	int64_t status;

	vm->stats.hypercalls++;
	if (cpl != 0) {
		status = HV_E_PERM;
		if (vm_refusal_logged(vm))
			hv_log("hypercall %llu refused: caller at CPL %u", (unsigned long long)nr, cpl);
	} else if (nr == HC_CKPT) {
		status = ckpt_hypercall(vm); /* checkpoints: hv/ckpt_run.c */
	} else if (nr == HC_DUMP) {
		status = dump_hypercall(vm); /* crash dumps: hv/dump_guest.c */
	} else if (nr >= HC_COUNT) {
		status = HV_E_NOSYS;
		if (vm_refusal_logged(vm))
			hv_log("hypercall %llu refused: unknown call number", (unsigned long long)nr);
	} else {
		status = hypercalls[nr](vm);
	}
	vm->regs.rax = (uint64_t)status;
}
