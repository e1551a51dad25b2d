/*
 * The CPU's random number generator, for the per-dump key of the dumps'
 * private ranges (docs/dumps.md).  RDSEED (CPUID.(EAX=7,ECX=0):EBX[18])
 * gives conditioned entropy straight from the source; RDRAND
 * (CPUID.1:ECX[30]) a DRBG output reseeded from it, also fit for a key.
 * Either may fail transiently (CF=0): Intel's guidance is to retry RDRAND
 * up to 10 times; RDSEED fails more often under load, so it gets more
 * tries and then RDRAND takes over.  No other source is used: without
 * these instructions the hypervisor has nothing unpredictable to build a
 * key from, and the caller must not seal (it leaves private data out).
 */
#include <stddef.h>

#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define RDSEED_TRIES 64
#define RDRAND_TRIES 10

static bool rdseed64(uint64_t *v)
{
	for (int i = 0; i < RDSEED_TRIES; i++) {
		uint8_t ok;
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok)::"cc");
		if (ok)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < RDRAND_TRIES; i++) {
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok)::"cc");
		if (ok)
			return true;
	}
	return false;
}

const char *plat_random(uint8_t *buf, unsigned n)
{
	uint32_t r[4];
	bool has_seed = false, has_rand;

	cpuid(0, 0, r);
	if (r[0] >= 7) {
		cpuid(7, 0, r);
		has_seed = (r[1] >> 18) & 1;
	}
	cpuid(1, 0, r);
	has_rand = (r[2] >> 30) & 1;
	if (!has_seed && !has_rand)
		return NULL;

	const char *used = has_seed ? "rdseed" : "rdrand";
	for (unsigned i = 0; i < n; i += 8) {
		uint64_t v;
		bool ok = has_seed && rdseed64(&v);
		if (!ok) {
			ok = has_rand && rdrand64(&v);
			if (ok)
				used = has_seed ? "rdseed+rdrand" : "rdrand";
		}
		if (!ok) {
			for (unsigned k = 0; k < n; k++)
				((volatile uint8_t *)buf)[k] = 0;
			return NULL;
		}
		for (unsigned k = 0; k < 8 && i + k < n; k++)
			buf[i + k] = (uint8_t)(v >> (8 * k));
		v = 0;
	}
	return used;
}
