/*
 * Wall-clock time for the report stream (issue 12): the machine's real-
 * time clock is read once at boot, and every `stat cpu` record carries
 * the time as that reading plus the TSC since.  Pure: the RTC's raw
 * registers in, seconds since 1970-01-01 UTC out.
 */
#ifndef HV_WALLCLOCK_H
#define HV_WALLCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/platform.h"

/* struct rtc_raw (arch/x86/platform.h): the MC146818 registers as read;
 * century 0 if the firmware keeps none; status register B bit 2 binary
 * (not BCD), bit 1 24-hour mode. */

#define RTC_B_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_HOUR_PM 0x80 /* 12-hour mode: bit 7 of the hours */

/* Seconds since the epoch for the reading (taken as UTC, as firmware on
 * servers and emulators keeps it), or false when a field is out of its
 * range (a missing or broken RTC reads all ones).  Years 1970-2399. */
bool wallclock_from_rtc(const struct rtc_raw *r, uint64_t *unix_s);

/* "YYYY-MM-DDTHH:MM:SSZ" into buf (at least WALLCLOCK_TEXT bytes). */
#define WALLCLOCK_TEXT 21
void wallclock_format(uint64_t unix_s, char *buf);

/* The text for the TSC reading `now` (the `wall=` of `stat cpu` and
 * `stat status`): the boot's RTC reading `wall_s`, taken at TSC
 * `wall_tsc`, plus the whole seconds since at `tsc_hz`; "unknown" when
 * the boot had no reading (wall_s 0).  A `now` before `wall_tsc`, or no
 * TSC rate, counts as no time since. */
void wallclock_text_at(uint64_t wall_s, uint64_t wall_tsc, uint64_t tsc_hz, uint64_t now,
		       char *buf);

#endif
