/* CPU and state accounting (hv/cpustat.h). */
#include "hv/cpustat.h"

static uint32_t per_mille(uint64_t part, uint64_t whole)
{
	if (whole == 0)
		return 0;
	if (part >= whole)
		return 1000;
	/* part < whole: part * 1000 overflows only for spans of centuries. */
	return (uint32_t)((part * 1000 + whole / 2) / whole);
}

struct cpu_shares cpustat_shares(const struct cpu_times *cur, const struct cpu_times *prev,
				 uint64_t elapsed)
{
	struct cpu_shares s;

	s.guest_pm = per_mille(cur->guest - prev->guest, elapsed);
	s.idle_pm = per_mille(cur->idle - prev->idle, elapsed);
	if (s.guest_pm + s.idle_pm > 1000)
		s.idle_pm = 1000 - s.guest_pm;
	s.hv_pm = 1000 - s.guest_pm - s.idle_pm;
	return s;
}

enum guest_activity cpustat_state(bool guest_out, bool incident_open, const struct cpu_shares *s)
{
	if (guest_out)
		return ACT_STOPPED;
	if (incident_open)
		return ACT_ABNORMAL;
	return s->idle_pm > 500 ? ACT_SLEEPING : ACT_RUNNING;
}

const char *cpustat_state_name(enum guest_activity st)
{
	switch (st) {
	case ACT_RUNNING: return "running";
	case ACT_SLEEPING: return "sleeping";
	case ACT_STOPPED: return "stopped";
	case ACT_ABNORMAL: return "abnormal";
	}
	return "?";
}
