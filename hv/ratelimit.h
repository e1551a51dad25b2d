/*
 * A fixed-window rate limiter: at most `limit` events per `window` (any
 * time unit, the caller's: the core uses TSC cycles).  Events past the
 * limit are refused and counted, so the caller can report how many a
 * window held back.  Pure: no globals, no platform calls.
 */
#ifndef HV_RATELIMIT_H
#define HV_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct rate_limit {
	uint64_t window;       /* length of a window */
	uint32_t limit;        /* events allowed per window */
	uint32_t used;         /* events allowed in the current window */
	uint64_t window_start;
	uint64_t refused;      /* refused in the current window */
	uint64_t refused_done; /* refused in windows that have ended, not yet taken */
};

/* An empty limiter whose first window starts at `now`. */
void rate_init(struct rate_limit *rl, uint64_t window, uint32_t limit, uint64_t now);

/* Starts a new window if the current one is over at `now`. */
void rate_roll(struct rate_limit *rl, uint64_t now);

/* True if one more event may pass at `now` (and counts it); false if the
 * window's limit is spent (and counts the refusal). */
bool rate_allow(struct rate_limit *rl, uint64_t now);

/* Refusals of the windows that have ended since the last call. */
uint64_t rate_take_refused(struct rate_limit *rl);

#endif
