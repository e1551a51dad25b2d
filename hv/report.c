/*
 * Typed exception reports (M5): copied out of guest memory, validated,
 * cross-checked against the real vCPU state, then handed to the policy.
 * A report that does not validate is itself an event (bad_report).
 */
#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/guest.h"
#include "hv/report.h"
#include "hv/report_check.h"
#include "include/hv_abi.h"
#include "lib/log.h"

static struct hv_report rep; /* one at a time; the guest is stopped meanwhile */

static const enum fault_type report_fault[HV_REP_TYPE_COUNT] = {
	[HV_REP_EXCEPTION] = FAULT_EXCEPTION,
	[HV_REP_PANIC] = FAULT_PANIC,
	[HV_REP_LOW_MEMORY] = FAULT_LOW_MEMORY,
	[HV_REP_ASSERT] = FAULT_ASSERT,
};

/* What the hypervisor can check against the vCPU: a #PF report's CR2
 * still sits in the guest's CR2 while its handler runs. */
static const char *cross_check_cr2(const struct vm *vm, const struct hv_report *r)
{
	if (r->type != HV_REP_EXCEPTION || r->vector != X86_VEC_PF)
		return "n/a";
	return r->cr2 == vm->ops->get_cr2() ? "match" : "mismatch";
}

static void log_report(const struct hv_report *r, const char *cr2_check)
{
	hv_record(LOG_INFO, CAT_EVENT,
		  "report seq=%llu gen=%llu source=%u type=%u vector=%u error=0x%x rip=0x%llx rsp=0x%llx "
		  "cr2=0x%llx cr2_check=%s module=%s offset=0x%llx stack=0x%llx,0x%llx,0x%llx,0x%llx "
		  "msg=\"%s\"",
		  (unsigned long long)r->seq, (unsigned long long)r->boot_generation, r->source,
		  r->type, r->vector, r->error_code, (unsigned long long)r->rip,
		  (unsigned long long)r->rsp, (unsigned long long)r->cr2, cr2_check,
		  r->module[0] ? r->module : "-", (unsigned long long)r->module_offset,
		  (unsigned long long)r->stack[0], (unsigned long long)r->stack[1],
		  (unsigned long long)r->stack[2], (unsigned long long)r->stack[3], r->message);
}

/* At most VM_REPORTS_PER_SECOND reports are looked at; more get
 * HV_E_BUSY and are counted, so a guest that floods reports cannot crowd
 * out the watchdog or the hypervisor's own records. */
static bool report_rate_ok(struct vm *vm)
{
	if (rate_allow(&vm->reports, plat_tsc()))
		return true;
	vm->stats.reports_refused++;
	return false;
}

int64_t report_handle(struct vm *vm, uint64_t gva, uint64_t size)
{
	const char *why;

	if (!vm->stub.up)
		return HV_E_STATE;
	if (!report_rate_ok(vm))
		return HV_E_BUSY;
	if (size != sizeof(rep)) {
		vm_simple_fault(vm, FAULT_BAD_REPORT, "reason=%s", "size");
		return HV_E_INVAL;
	}
	if (!guest_copy_from(vm->ops->get_cr3(), gva, &rep, sizeof(rep))) {
		vm_simple_fault(vm, FAULT_BAD_REPORT, "reason=%s", "unmapped_or_outside_guest_ram");
		return HV_E_RANGE;
	}
	why = report_validate(&rep, vm->stub.generation, vm->stub.last_report_seq);
	if (why != NULL) {
		vm_simple_fault(vm, FAULT_BAD_REPORT, "reason=%s", why);
		return HV_E_INVAL;
	}
	vm->stub.last_report_seq = rep.seq;
	vm->stats.reports++;
	report_sanitize(rep.module, sizeof(rep.module));
	report_sanitize(rep.message, sizeof(rep.message));
	log_report(&rep, cross_check_cr2(vm, &rep));
	const struct fault_event ev = {
		.type = report_fault[rep.type],
		.vector = rep.type == HV_REP_EXCEPTION ? (int)rep.vector : -1,
		.rip = rep.rip,
		.module = rep.module,
		.module_index = rep.module_index,
		.stub_up = true,
	};
	vm_fault(vm, &ev, "source=report");
	return HV_OK;
}
