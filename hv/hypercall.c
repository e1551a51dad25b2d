/* Hypercall dispatch (ABI in include/hv_abi.h, docs/hypercalls.md). */
#include "../include/hv_abi.h"
#include "hv.h"
#include "log.h"
#include "recovery.h"

static int64_t hc_null(struct guest_regs *r)
{
	r->rdx = ~r->rdi;
	return HV_OK;
}

static int64_t hc_hello(struct guest_regs *r)
{
	uint64_t version = r->rdi, shared = r->rsi;

	if ((shared & 0xFFF) || shared >= HV_GUEST_RAM_SIZE || shared < HVG_BOOT_INFO_GPA) {
		if (refusal_logged())
			hv_log("hypercall hello rejected: shared page 0x%llx not a page of guest RAM",
		       (unsigned long long)shared);
		return HV_E_RANGE;
	}
	hv_log("guest hello stub_version=%llu shared_page=0x%llx generation=%llu",
	       (unsigned long long)version, (unsigned long long)shared,
	       (unsigned long long)hv.generation);
	struct hv_shared_page *sp = guest_gpa_ptr(shared, 4096);
	/* Only the hypervisor's half: the stub's counters stay (it may have
	 * counted platform NMIs before its hello). */
	sp->nmi_seq = 0;
	sp->nmi_reason = HV_NMI_NONE;
	sp->cmd_id = 0;
	sp->cmd_op = HV_CMD_NONE;
	sp->magic = HV_SHARED_MAGIC;
	sp->version = HV_ABI_VERSION;
	hv.shared = sp;
	hv.stub_up = true;
	watchdog_reset();
	recovery_hello();
	r->rdx = HV_ABI_VERSION;
	return HV_OK;
}

static int64_t hc_timer_set(struct guest_regs *r)
{
	return vtimer_set(r->rdi, r->rsi);
}

static int64_t hc_report(struct guest_regs *r)
{
	return report_handle(r->rdi, r->rsi);
}

static int64_t hc_info(struct guest_regs *r)
{
	switch (r->rdi) {
	case HV_INFO_TICKS:
		r->rdx = hv.ticks;
		return HV_OK;
	case HV_INFO_TSC_HZ:
		r->rdx = hv.tsc_hz;
		return HV_OK;
	case HV_INFO_TIMER_FIRED:
		r->rdx = hv.vtimer_fired;
		return HV_OK;
	case HV_INFO_INTEGRITY:
		r->rdx = hv_integrity_check();
		return HV_OK;
	default:
		return HV_E_INVAL;
	}
}

typedef int64_t (*hypercall_fn)(struct guest_regs *r);

static const hypercall_fn hypercalls[HC_COUNT] = {
	[HC_NULL] = hc_null,
	[HC_HELLO] = hc_hello,
	[HC_TIMER_SET] = hc_timer_set,
	[HC_INFO] = hc_info,
	[HC_REPORT] = hc_report,
};

/* Guest-triggered log lines are limited to GUEST_LINES_PER_SECOND a
 * second (a guest may call in a loop); refusals are counted either way. */
#define GUEST_LINES_PER_SECOND 8

bool guest_line_allowed(void)
{
	static uint64_t window_ms, in_window;
	uint64_t now_ms = hv_now_ms();

	if (now_ms - window_ms >= 1000) {
		window_ms = now_ms;
		in_window = 0;
	}
	return in_window++ < GUEST_LINES_PER_SECOND;
}

bool refusal_logged(void)
{
	hv.hypercalls_refused++;
	return guest_line_allowed();
}

void hypercall_handle(struct guest_regs *r)
{
	uint64_t nr = r->rax;
	int64_t status;

	hv.hypercalls++;
	if (hv.ops->get_cpl() != 0) {
		status = HV_E_PERM;
		if (refusal_logged())
			hv_log("hypercall %llu refused: caller at CPL %u", (unsigned long long)nr,
			       hv.ops->get_cpl());
	} else if (nr >= HC_COUNT) {
		status = HV_E_NOSYS;
		if (refusal_logged())
			hv_log("hypercall %llu refused: unknown call number", (unsigned long long)nr);
	} else {
		status = hypercalls[nr](r);
	}
	r->rax = (uint64_t)status;
}
