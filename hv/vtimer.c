/* The guest's own timer (hv/vtimer.h). */
#include "hv/vtimer.h"

enum vtimer_set_result vtimer_set(struct vtimer *vt, uint64_t vector, uint64_t period_us,
				  uint64_t min_period_us, uint64_t tsc_hz, uint64_t now)
{
	if (vector == 0) {
		vtimer_reset(vt);
		return VTIMER_STOPPED;
	}
	if (vector < VTIMER_MIN_VECTOR || vector > 255 || period_us < min_period_us ||
	    period_us > VTIMER_MAX_PERIOD_US)
		return VTIMER_INVALID;
	vt->vector = (uint8_t)vector;
	vt->period_tsc = tsc_hz * period_us / 1000000;
	if (vt->period_tsc == 0)
		vt->period_tsc = 1;
	vt->next_tsc = now + vt->period_tsc;
	return VTIMER_STARTED;
}

void vtimer_update(struct vtimer *vt, uint64_t now)
{
	if (vt->vector == 0 || now < vt->next_tsc)
		return;
	if (vt->pending)
		vt->coalesced++;
	else
		vt->pending_since = now;
	vt->pending = true;
	vt->next_tsc += vt->period_tsc;
	if (vt->next_tsc <= now)
		vt->next_tsc = now + vt->period_tsc;
}

void vtimer_delivered(struct vtimer *vt)
{
	vt->pending = false;
	vt->handed = false;
	vt->fired++;
}

void vtimer_reset(struct vtimer *vt)
{
	vt->vector = 0;
	vt->pending = false;
	vt->handed = false;
}

void vtimer_pause(struct vtimer *vt, uint64_t dt)
{
	if (vt->vector == 0)
		return;
	vt->next_tsc += dt;
	if (vt->pending)
		vt->pending_since += dt;
}
