/* Fixed-window rate limiter (hv/ratelimit.h). */
#include "hv/ratelimit.h"

void rate_init(struct rate_limit *rl, uint64_t window, uint32_t limit, uint64_t now)
{
	*rl = (struct rate_limit){ .window = window, .limit = limit, .window_start = now };
}

void rate_roll(struct rate_limit *rl, uint64_t now)
{
	/* A clock that went back (never expected) also starts a new window. */
	if (now - rl->window_start < rl->window)
		return;
	rl->refused_done += rl->refused;
	rl->refused = 0;
	rl->used = 0;
	rl->window_start = now;
}

bool rate_allow(struct rate_limit *rl, uint64_t now)
{
	rate_roll(rl, now);
	if (rl->used < rl->limit) {
		rl->used++;
		return true;
	}
	rl->refused++;
	return false;
}

uint64_t rate_take_refused(struct rate_limit *rl)
{
	uint64_t n = rl->refused_done;

	rl->refused_done = 0;
	return n;
}
