/*
 * Which TSC rate to trust (pure; tests/unit/test_tsc_check.c).  The
 * platform measures the TSC against the PIT and the ACPI PM timer and
 * reads what CPUID 0x15/0x16 says; each can be missing or wrong (a PIT
 * whose gate is off never signals, and a broken one gives ~10^12 Hz).
 * A measurement outside TSC_PLAUSIBLE_MIN..MAX is refused.  Two measured
 * rates must agree within TSC_AGREE_PCT; if they do not, CPUID decides
 * when it agrees with one of them, otherwise the calibration is refused.
 * A single measured rate is used; CPUID disagreeing with it is reported
 * (emulators report a nominal rate their TSC does not run at).  With no
 * measured rate CPUID's is used; with nothing the calibration fails.
 */
#ifndef HV_TSC_CHECK_H
#define HV_TSC_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#define TSC_PLAUSIBLE_MIN 1000000ull        /* 1 MHz: slower than any emulator run here */
#define TSC_PLAUSIBLE_MAX 20000000000ull    /* 20 GHz */
#define TSC_AGREE_PCT 10

struct tsc_refs {
	uint64_t pit_hz, pm_hz, cpuid_hz; /* 0: missing */
};

struct tsc_choice {
	bool ok;             /* false: no rate can be trusted; do not run */
	uint64_t hz;         /* the rate to use (0 if !ok) */
	const char *source;  /* "pit", "pm_timer", "cpuid" or "none" */
	const char *verdict; /* agree, single, pit_refused, cpuid_decides,
			      * cpuid_only, disagree, no_reference */
	bool cpuid_disagrees; /* CPUID present and more than TSC_AGREE_PCT off */
};

struct tsc_choice tsc_choose(const struct tsc_refs *r);
/* True if a and b (both nonzero) differ by at most TSC_AGREE_PCT of the larger. */
bool tsc_agree(uint64_t a, uint64_t b);

#endif
