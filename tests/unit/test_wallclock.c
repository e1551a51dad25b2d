/*
 * Host unit tests for hv/wallclock.c: RTC readings in BCD and binary,
 * 12- and 24-hour mode, leap days, broken readings, and the UTC text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/wallclock.h"

/* 2026-11-30 14:10:05 UTC = 1796047805 (date -u -d @1796047805). */
static void test_bcd_24h(void **state)
{
	struct rtc_raw r = { .sec = 0x05, .min = 0x10, .hour = 0x14, .day = 0x30, .month = 0x11,
			     .year = 0x26, .century = 0x20, .reg_b = RTC_B_24H };
	uint64_t t = 0;
	char text[WALLCLOCK_TEXT];
	(void)state;

	assert_true(wallclock_from_rtc(&r, &t));
	assert_int_equal(t, 1796047805);
	wallclock_format(t, text);
	assert_string_equal(text, "2026-11-30T14:10:05Z");
}

/* Binary mode, 12-hour mode with the PM bit, no century register. */
static void test_binary_12h(void **state)
{
	struct rtc_raw r = { .sec = 59, .min = 59, .hour = 11 | RTC_HOUR_PM, .day = 31, .month = 12,
			     .year = 99, .century = 0, .reg_b = RTC_B_BINARY };
	uint64_t t = 0;
	char text[WALLCLOCK_TEXT];
	(void)state;

	assert_true(wallclock_from_rtc(&r, &t));
	wallclock_format(t, text);
	assert_string_equal(text, "2099-12-31T23:59:59Z");
	r.hour = 12; /* 12 AM is midnight */
	assert_true(wallclock_from_rtc(&r, &t));
	wallclock_format(t, text);
	assert_string_equal(text, "2099-12-31T00:59:59Z");
	r.hour = 12 | RTC_HOUR_PM; /* 12 PM is noon */
	assert_true(wallclock_from_rtc(&r, &t));
	wallclock_format(t, text);
	assert_string_equal(text, "2099-12-31T12:59:59Z");
}

/* Leap days: 2024-02-29 exists, 2100-02-29 and 2026-02-29 do not. */
static void test_leap_days(void **state)
{
	struct rtc_raw r = { .day = 29, .month = 2, .year = 24, .century = 20,
			     .reg_b = RTC_B_BINARY | RTC_B_24H };
	uint64_t t = 0;
	char text[WALLCLOCK_TEXT];
	(void)state;

	assert_true(wallclock_from_rtc(&r, &t));
	assert_int_equal(t, 1709164800);
	wallclock_format(t, text);
	assert_string_equal(text, "2024-02-29T00:00:00Z");
	r.year = 26;
	assert_false(wallclock_from_rtc(&r, &t));
	r.year = 0;
	r.century = 21;
	assert_false(wallclock_from_rtc(&r, &t));
	r.century = 20; /* 2000 is a leap year */
	assert_true(wallclock_from_rtc(&r, &t));
	assert_int_equal(t, 951782400);
}

/* A missing RTC reads all ones; bad BCD digits; out-of-range fields. */
static void test_broken(void **state)
{
	struct rtc_raw ones = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	struct rtc_raw r = { .sec = 0x5A, .min = 0, .hour = 0, .day = 1, .month = 1, .year = 0x70,
			     .century = 0x19, .reg_b = RTC_B_24H };
	uint64_t t = 7;
	(void)state;

	assert_false(wallclock_from_rtc(&ones, &t));
	assert_false(wallclock_from_rtc(&r, &t)); /* 0x5A is not BCD */
	r.sec = 0;
	assert_true(wallclock_from_rtc(&r, &t));
	assert_int_equal(t, 0); /* 1970-01-01T00:00:00Z */
	r.year = 0x69; /* 1969: before the epoch */
	assert_false(wallclock_from_rtc(&r, &t));
	r.year = 0x70;
	r.month = 0x13;
	assert_false(wallclock_from_rtc(&r, &t));
	r.month = 0x01;
	r.hour = 0x24;
	assert_false(wallclock_from_rtc(&r, &t));
	r.reg_b = 0; /* 12-hour mode: hour 0 does not exist */
	r.hour = 0x00;
	assert_false(wallclock_from_rtc(&r, &t));
}

/* The text is bounded whatever the input. */
static void test_format_bounds(void **state)
{
	char text[WALLCLOCK_TEXT];
	(void)state;

	wallclock_format(0, text);
	assert_string_equal(text, "1970-01-01T00:00:00Z");
	wallclock_format(UINT64_MAX, text);
	assert_string_equal(text, "9999-12-31T23:59:59Z");
}

/* The text at a later TSC reading: the boot's reading plus whole seconds
 * since; "unknown" without a reading; no time runs backwards or without a
 * TSC rate. */
static void test_text_at(void **state)
{
	const uint64_t hz = 1000000000, at = 5 * hz;
	char text[WALLCLOCK_TEXT];
	(void)state;

	wallclock_text_at(1796047805, at, hz, at, text);
	assert_string_equal(text, "2026-11-30T14:10:05Z");
	wallclock_text_at(1796047805, at, hz, at + 61 * hz + hz / 2, text);
	assert_string_equal(text, "2026-11-30T14:11:06Z");
	wallclock_text_at(0, at, hz, at + hz, text);
	assert_string_equal(text, "unknown");
	wallclock_text_at(1796047805, at, hz, at - hz, text);
	assert_string_equal(text, "2026-11-30T14:10:05Z");
	wallclock_text_at(1796047805, at, 0, at + hz, text);
	assert_string_equal(text, "2026-11-30T14:10:05Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bcd_24h),
		cmocka_unit_test(test_binary_12h),
		cmocka_unit_test(test_leap_days),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_format_bounds),
		cmocka_unit_test(test_text_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
