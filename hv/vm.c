/* Bringing the core's composed state to life (hv/vm.h). */
#include "hv/vm.h"

void vm_start_clock(struct vm *vm, uint64_t tsc_hz, uint64_t now)
{
	struct vm_clock *c = &vm->clk;

	c->tsc_hz = tsc_hz;
	c->tsc_per_ms = tsc_hz / 1000 ? tsc_hz / 1000 : 1;
	c->tsc_per_us = tsc_hz / 1000000 ? tsc_hz / 1000000 : 1;
	c->tick_tsc = tsc_hz * vm->set.tick_us / 1000000;
	if (c->tick_tsc == 0)
		c->tick_tsc = 1;
	wd_init(&vm->wd, vm_ms_to_tsc(vm, vm->set.wd_ms), (uint32_t)vm->set.wd_k);
	recovery_init(&vm->rc, vm->policy, c->tsc_per_ms, now);
	rate_init(&vm->guest_lines, vm_ms_to_tsc(vm, 1000), VM_GUEST_LINES_PER_SECOND, now);
	rate_init(&vm->reports, vm_ms_to_tsc(vm, 1000), VM_REPORTS_PER_SECOND, now);
	rate_init(&vm->integrity_records, vm_ms_to_tsc(vm, 1000), VM_INTEGRITY_RECORDS_PER_SECOND,
		  now);
}
