/* Wall-clock time from the RTC (hv/wallclock.h). */
#include "hv/wallclock.h"

#include <stdio.h>

static bool leap(uint64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(uint64_t y, unsigned m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* A BCD byte's value, or 0xFF if a nibble is not a decimal digit. */
static unsigned from_bcd(uint8_t v)
{
	if ((v & 0x0F) > 9 || (v >> 4) > 9)
		return 0xFF;
	return (v >> 4) * 10u + (v & 0x0Fu);
}

static unsigned field(const struct rtc_raw *r, uint8_t v)
{
	return r->reg_b & RTC_B_BINARY ? v : from_bcd(v);
}

/* The hour in 0..23, or 0xFF. */
static unsigned hour24(const struct rtc_raw *r)
{
	if (r->reg_b & RTC_B_24H)
		return field(r, r->hour);
	unsigned h = field(r, r->hour & (uint8_t)~RTC_HOUR_PM);
	if (h < 1 || h > 12)
		return 0xFF;
	return (h % 12) + (r->hour & RTC_HOUR_PM ? 12 : 0);
}

bool wallclock_from_rtc(const struct rtc_raw *r, uint64_t *unix_s)
{
	unsigned sec = field(r, r->sec), min = field(r, r->min), hour = hour24(r);
	unsigned day = field(r, r->day), month = field(r, r->month), yy = field(r, r->year);
	unsigned cc = r->century ? field(r, r->century) : 20;

	if (sec > 59 || min > 59 || hour > 23 || month < 1 || month > 12 || yy > 99 || cc < 19 ||
	    cc > 23)
		return false;
	uint64_t year = cc * 100u + yy;
	if (year < 1970 || day < 1 || day > days_in_month(year, month))
		return false;
	uint64_t days = day - 1;
	for (uint64_t y = 1970; y < year; y++)
		days += leap(y) ? 366 : 365;
	for (unsigned m = 1; m < month; m++)
		days += days_in_month(year, m);
	*unix_s = ((days * 24 + hour) * 60 + min) * 60 + sec;
	return true;
}

/* 9999-12-31T23:59:59Z: the text has four digits of year, and the loops
 * below stay short. */
#define WALLCLOCK_MAX 253402300799ull

void wallclock_format(uint64_t unix_s, char *buf)
{
	if (unix_s > WALLCLOCK_MAX)
		unix_s = WALLCLOCK_MAX;
	uint64_t days = unix_s / 86400, rem = unix_s % 86400;
	uint64_t year = 1970;
	unsigned month = 1;

	while (days >= (leap(year) ? 366u : 365u)) {
		days -= leap(year) ? 366 : 365;
		year++;
	}
	while (days >= days_in_month(year, month)) {
		days -= days_in_month(year, month);
		month++;
	}
	/* The % bounds tell the compiler each field's width (they change no
	 * value: the clamp above keeps the year within four digits). */
	snprintf(buf, WALLCLOCK_TEXT, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(year % 10000u),
		 month % 100u, (unsigned)((days + 1) % 100u), (unsigned)(rem / 3600 % 100u),
		 (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

void wallclock_text_at(uint64_t wall_s, uint64_t wall_tsc, uint64_t tsc_hz, uint64_t now,
		       char *buf)
{
	if (wall_s == 0) {
		snprintf(buf, WALLCLOCK_TEXT, "unknown");
		return;
	}
	uint64_t since_s = tsc_hz && now > wall_tsc ? (now - wall_tsc) / tsc_hz : 0;

	wallclock_format(wall_s + since_s, buf);
}
