/*
 * The guest's own timer (HC_TIMER_SET).  The hypervisor owns the
 * hardware timer, so the guest asks for a periodic interrupt and the
 * run loop injects it as an external interrupt when the guest can take
 * one.  Its resolution is the hypervisor tick.  Periods that pass while
 * the guest cannot take the interrupt are coalesced and counted.
 *
 * Pure: the caller passes the time (TSC) and injects; no globals, no
 * platform or backend calls.
 */
#ifndef HV_VTIMER_H
#define HV_VTIMER_H

#include <stdbool.h>
#include <stdint.h>

#define VTIMER_MAX_PERIOD_US 10000000ull
#define VTIMER_MIN_VECTOR 32 /* 0-31 are exceptions (Intel SDM 3A 6.3) */

struct vtimer {
	uint8_t vector;          /* 0: off */
	uint64_t period_tsc, next_tsc;
	bool pending;            /* an interrupt waits for the guest */
	/* The waiting interrupt is with the backend, which injects it at the
	 * guest's next interrupt window by itself (vcpu_ops.queue_intr); it
	 * is still pending until the run loop learns that it went in. */
	bool handed;
	uint64_t pending_since;  /* TSC when the waiting interrupt was raised */
	uint64_t fired, coalesced;
};

enum vtimer_set_result {
	VTIMER_STOPPED, /* vector 0: the guest stopped its timer (tickless idle) */
	VTIMER_STARTED, /* a new vector and period */
	VTIMER_INVALID, /* vector or period out of range: nothing changed */
};

/* HC_TIMER_SET: vector 0 stops the timer; otherwise vector 32-255 and a
 * period from min_period_us (the hypervisor tick) to
 * VTIMER_MAX_PERIOD_US. */
enum vtimer_set_result vtimer_set(struct vtimer *vt, uint64_t vector, uint64_t period_us,
				  uint64_t min_period_us, uint64_t tsc_hz, uint64_t now);

/* Raises the interrupt if its period has passed at `now`.  Far behind
 * (the hypervisor was away), it does not replay a burst. */
void vtimer_update(struct vtimer *vt, uint64_t now);

/* True if an interrupt waits to go into the guest. */
static inline bool vtimer_due(const struct vtimer *vt)
{
	return vt->pending;
}

/* True if an interrupt waits and nobody has been given it to inject. */
static inline bool vtimer_to_inject(const struct vtimer *vt)
{
	return vt->pending && !vt->handed;
}

/* The waiting interrupt was handed to the backend (vtimer.handed). */
static inline void vtimer_hand_over(struct vtimer *vt)
{
	vt->handed = vt->pending;
}

/* The waiting interrupt went into the guest (injected, or injected by
 * the backend it was handed to). */
void vtimer_delivered(struct vtimer *vt);

/* Off, nothing pending or handed over (a guest reset); the counters
 * stay. */
void vtimer_reset(struct vtimer *vt);

/* The guest was stopped for dt TSC cycles (a dump it asked for): its
 * timer's next interrupt and a waiting one's age move on by dt. */
void vtimer_pause(struct vtimer *vt, uint64_t dt);

#endif
