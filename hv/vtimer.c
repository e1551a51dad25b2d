/*
 * The guest's own timer.  The hypervisor owns the hardware timer, so the
 * guest asks for a periodic interrupt (HC_TIMER_SET) and the hypervisor
 * injects it as an external interrupt when the guest can take one.  Its
 * resolution is the hypervisor tick.  Periods that pass while the guest
 * cannot take the interrupt are coalesced and counted.
 */
#include "../include/hv_abi.h"
#include "../arch/x86/platform.h"
#include "hv.h"
#include "log.h"

#define VTIMER_MAX_PERIOD_US 10000000ull

int64_t vtimer_set(uint64_t vector, uint64_t period_us)
{
	if (vector == 0) {
		hv.vtimer_vector = 0;
		hv.vtimer_pending = false;
		/* A guest that stops its timer (tickless idle) is not locked up:
		 * its tick count may stand still from now on. */
		hv.wd.guest_ticks_alive = false;
		return HV_OK;
	}
	if (vector < 32 || vector > 255 || period_us < hv.tick_us || period_us > VTIMER_MAX_PERIOD_US) {
		refusal_logged();
		return HV_E_INVAL;
	}
	hv.vtimer_vector = (uint8_t)vector;
	hv.vtimer_period_tsc = hv.tsc_hz * period_us / 1000000;
	hv.vtimer_next_tsc = plat_tsc() + hv.vtimer_period_tsc;
	/* A new period: judge the guest's tick count against it from now on,
	 * not against how long the old (maybe much longer) one stood still. */
	hv.wd.ticks_changed_tsc = plat_tsc();
	hv.wd.stale = 0;
	if (guest_line_allowed())
		hv_log("guest timer set vector=%llu period_us=%llu", (unsigned long long)vector,
		       (unsigned long long)period_us);
	return HV_OK;
}

void vtimer_update(uint64_t now)
{
	if (hv.vtimer_vector == 0 || now < hv.vtimer_next_tsc)
		return;
	if (hv.vtimer_pending)
		hv.vtimer_coalesced++;
	else
		hv.vtimer_pending_since = now;
	hv.vtimer_pending = true;
	hv.vtimer_next_tsc += hv.vtimer_period_tsc;
	if (hv.vtimer_next_tsc <= now) /* far behind: do not replay a burst */
		hv.vtimer_next_tsc = now + hv.vtimer_period_tsc;
}

void vtimer_try_inject(void)
{
	if (!hv.vtimer_pending || hv.vtimer_vector == 0) {
		hv.ops->request_intr_window(false);
		return;
	}
	if (!hv.ops->can_inject_intr()) {
		/* Come back as soon as the guest can take it, not a tick later:
		 * the NMI heartbeat must not starve the guest's own timer. */
		hv.ops->request_intr_window(true);
		return;
	}
	hv.ops->request_intr_window(false);
	const struct hv_inject irq = { .type = INJ_EXT_INTR, .vector = hv.vtimer_vector };
	hv.ops->inject(&irq);
	hv.vtimer_pending = false;
	hv.vtimer_fired++;
}

void vtimer_reset(void)
{
	hv.vtimer_vector = 0;
	hv.vtimer_pending = false;
}
