/* Which TSC rate to trust (hv/tsc_check.h).  Pure. */
#include "hv/tsc_check.h"

bool tsc_agree(uint64_t a, uint64_t b)
{
	uint64_t hi = a > b ? a : b, lo = a > b ? b : a;

	/* hi <= 20 GHz (plausible) or anything: divide first, no overflow */
	return a != 0 && b != 0 && hi - lo <= hi / 100 * TSC_AGREE_PCT;
}

static uint64_t plausible(uint64_t hz)
{
	return hz >= TSC_PLAUSIBLE_MIN && hz <= TSC_PLAUSIBLE_MAX ? hz : 0;
}

static struct tsc_choice chose(uint64_t hz, const char *source, const char *verdict)
{
	struct tsc_choice c = { .ok = hz != 0, .hz = hz, .source = source, .verdict = verdict };

	return c;
}

/* Both measured and apart: CPUID may side with one of them. */
static struct tsc_choice settle(uint64_t pit, uint64_t pm, uint64_t cpuid)
{
	if (tsc_agree(pit, cpuid))
		return chose(pit, "pit", "cpuid_decides");
	if (tsc_agree(pm, cpuid))
		return chose(pm, "pm_timer", "cpuid_decides");
	return chose(0, "none", "disagree");
}

struct tsc_choice tsc_choose(const struct tsc_refs *r)
{
	const uint64_t pit = plausible(r->pit_hz), pm = plausible(r->pm_hz);
	const uint64_t cpuid = plausible(r->cpuid_hz);
	struct tsc_choice c;

	if (pit && pm)
		c = tsc_agree(pit, pm) ? chose(pit, "pit", "agree") : settle(pit, pm, cpuid);
	else if (pit)
		c = chose(pit, "pit", "single");
	else if (pm)
		c = chose(pm, "pm_timer", "pit_refused");
	else if (cpuid)
		c = chose(cpuid, "cpuid", "cpuid_only");
	else
		c = chose(0, "none", "no_reference");
	c.cpuid_disagrees = cpuid != 0 && c.ok && !tsc_agree(c.hz, cpuid);
	return c;
}
