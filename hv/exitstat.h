/*
 * Exits by reason (issue 9): what a guest costs the hypervisor, idle and
 * busy.  The run loop counts every exit by its arch-neutral kind; with
 * stat_ms=<ms> on the command line a `stat exits` record every interval
 * gives the rate of each kind over that interval, and the stop record the
 * totals.  Pure: no globals, no platform calls.
 */
#ifndef HV_EXITSTAT_H
#define HV_EXITSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "vcpu/vcpu.h"

struct exit_counts {
	uint64_t by_kind[EV_KIND_COUNT];
};

/* The name a kind has in `stat exits` records ("io", "hlt", ...). */
const char *exitstat_kind_name(enum hv_event_kind kind);

/* Formats "total=<n> <kind>=<n> ..." for the kinds that occurred between
 * `prev` and `cur` (both counted since boot), as counts per second over
 * `elapsed_us` when it is not 0, as plain counts when it is.  Kinds with
 * no exit are left out.  Returns the length written (always
 * NUL-terminated; the text is cut at `size` - 1). */
size_t exitstat_format(char *buf, size_t size, const struct exit_counts *cur,
		       const struct exit_counts *prev, uint64_t elapsed_us);

#endif
