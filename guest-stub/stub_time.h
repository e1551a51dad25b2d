/*
 * TSC cycles to milliseconds, pure (tests/unit/test_stub_time.c): the
 * stub's uptime_ms, which its NMI handler writes at every heartbeat.
 */
#ifndef HVSTUB_STUB_TIME_H
#define HVSTUB_STUB_TIME_H

#include <stdint.h>

/* floor(d * 1000 / hz) for hz > 0.  While d * 1000 fits in 64 bits
 * (d < 2^54: more than 69 days at 3 GHz) that is one division; beyond,
 * the same value in two parts (d = q * hz + r: 1000 q + floor(1000 r / hz)).
 * One division instead of three on the heartbeat's path. */
static inline uint64_t hvstub__tsc_to_ms(uint64_t d, uint64_t hz)
{
	if (__builtin_expect(d < (1ull << 54), 1))
		return d * 1000 / hz;
	return d / hz * 1000 + d % hz * 1000 / hz;
}

#endif
