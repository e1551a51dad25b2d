/*
 * HC_DUMP (hv/dump_guest.h): ranges, stateless, dump requests.  Every
 * argument is the guest's and checked (hv/dump_ranges.c); a refused call
 * changes nothing and returns its status.
 */
#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/dump.h"
#include "hv/dump_guest.h"
#include "hv/dump_state.h"
#include "hv/guest.h"
#include "include/hv_abi.h"
#include "lib/log.h"

static uint64_t last_request_tsc;
static bool requested;

static const char *status_name(int64_t st)
{
	switch (st) {
	case HV_OK:
		return "ok";
	case HV_E_INVAL:
		return "invalid";
	case HV_E_RANGE:
		return "bad_range";
	case HV_E_FULL:
		return "full";
	case HV_E_STATE:
		return "stateless";
	case HV_E_BUSY:
		return "busy";
	default:
		return "error";
	}
}

static int64_t add_range(struct vm *vm, uint64_t kind)
{
	uint64_t gpa = vm->regs.rsi, bytes = vm->regs.rdx;
	int64_t st = dump_ranges_add(dump_state_ranges(vm), gpa, bytes, kind, HV_GUEST_RAM_SIZE);

	if (st != HV_OK)
		vm_refusal_logged(vm);
	if (vm_guest_line_allowed(vm)) /* a guest may register in a loop */
		hv_log("guest dump range kind=%s gpa=0x%llx bytes=%llu status=%s ranges=%u",
		       dump_range_kind_name((enum dump_range_kind)kind), (unsigned long long)gpa,
		       (unsigned long long)bytes, status_name(st), dump_state_ranges(vm)->n);
	return st;
}

/* Where the guest kernel's VMCOREINFO note lies: every dump takes its
 * pages, and hvdump makes the core's note of it. */
static int64_t set_vmcoreinfo(struct vm *vm, struct dump_ranges *ranges)
{
	uint64_t gpa = vm->regs.rsi, bytes = vm->regs.rdx;
	int64_t st = dump_ranges_set_vmcoreinfo(ranges, gpa, bytes, HV_GUEST_RAM_SIZE);

	if (st != HV_OK)
		vm_refusal_logged(vm);
	if (vm_guest_line_allowed(vm))
		hv_log("guest dump vmcoreinfo gpa=0x%llx bytes=%llu status=%s", (unsigned long long)gpa,
		       (unsigned long long)bytes, status_name(st));
	return st;
}

/* The guest asked for a dump and goes on after it: the dump's time is
 * taken out of the watchdog's and the guest timer's clocks, so that it is
 * neither a missed heartbeat nor a frozen timer. */
static int64_t request(struct vm *vm)
{
	static const enum policy_dump levels[] = {
		[HV_DUMP_LEVEL_MINI] = DUMP_MINI,
		[HV_DUMP_LEVEL_FULL] = DUMP_FULL,
		[HV_DUMP_LEVEL_KERNEL] = DUMP_KERNEL,
	};
	uint64_t lv = vm->regs.rsi, now = plat_tsc();
	int64_t st = HV_OK;

	if (lv == 0 || lv >= sizeof(levels) / sizeof(levels[0]))
		st = HV_E_INVAL;
	else if (dump_state_ranges(vm)->stateless || vm->set.stateless)
		st = HV_E_STATE;
	else if (requested && now - last_request_tsc < vm_ms_to_tsc(vm, DUMP_REQUEST_INTERVAL_MS))
		st = HV_E_BUSY;
	/* An accepted request is always logged (requests are rate-limited
	 * themselves); a refused one within the guest's line budget. */
	if (st == HV_OK || vm_guest_line_allowed(vm))
		hv_log("guest dump request level=%llu status=%s", (unsigned long long)lv, status_name(st));
	if (st != HV_OK) {
		vm_refusal_logged(vm);
		return st;
	}
	requested = true;
	last_request_tsc = now;
	vm_dump(vm, levels[lv], "request", "guest_request");
	uint64_t dt = plat_tsc() - now;
	wd_pause(&vm->wd, dt);
	vtimer_pause(&vm->vt, dt);
	return HV_OK;
}

int64_t dump_hypercall(struct vm *vm)
{
	uint64_t op = vm->regs.rdi;
	struct dump_ranges *ranges = dump_state_ranges(vm);

	switch (op) {
	case HV_DUMP_IMPORTANT:
	case HV_DUMP_REGENERABLE:
	case HV_DUMP_PRIVATE:
		return add_range(vm, op);
	case HV_DUMP_CLEAR: {
		bool stateless = ranges->stateless;
		dump_ranges_reset(ranges, vm->stub.generation);
		ranges->stateless = stateless;
		if (vm_guest_line_allowed(vm))
			hv_log("guest dump ranges cleared");
		return HV_OK;
	}
	case HV_DUMP_STATELESS:
		if (vm->regs.rsi > 1) {
			vm_refusal_logged(vm);
			return HV_E_INVAL;
		}
		ranges->stateless = vm->regs.rsi == 1;
		if (vm_guest_line_allowed(vm))
			hv_log("guest dump stateless=%s: %s", ranges->stateless ? "yes" : "no",
			       ranges->stateless ? "this guest will not be dumped" : "dumps allowed again");
		return HV_OK;
	case HV_DUMP_REQUEST:
		return request(vm);
	case HV_DUMP_VMCOREINFO:
		return set_vmcoreinfo(vm, ranges);
	default:
		vm_refusal_logged(vm);
		return HV_E_INVAL;
	}
}
