/*
 * What tests/unit/test_log*.c share (included once in each): a fake
 * platform for lib/log.c (plat_tsc() returns fake_tsc, plat_log_write()
 * appends to a buffer, and can log or drain from inside the write, as an
 * exception in the logger would) and a parser that checks every rule of
 * the frame, against an independent bit-at-a-time CRC-32.
 */
#ifndef TESTS_UNIT_LOG_HARNESS_H
#define TESTS_UNIT_LOG_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/platform.h"
#include "lib/crc32.h"
#include "lib/log.h"

/* --- fake platform ------------------------------------------------------ */

static uint64_t fake_tsc;
static char out[1 << 20];
static size_t out_len;
static unsigned write_calls;
/* Records to make from inside plat_log_write (an exception in the
 * logger, as seen by the logger). */
static unsigned nest_from_write;
/* Call log_drain() from inside plat_log_write once; its result. */
static bool drain_from_write;
static unsigned inner_drain_result;

uint64_t plat_tsc(void)
{
	return fake_tsc;
}

unsigned plat_log_try_write(const char *s, unsigned len);
unsigned plat_log_try_write(const char *s, unsigned len)
{
	plat_log_write(s, len);
	return len;
}

void plat_log_write(const char *s, unsigned len)
{
	assert_true(out_len + len <= sizeof(out));
	memcpy(out + out_len, s, len);
	out_len += len;
	write_calls++;
	if (nest_from_write > 0) {
		nest_from_write--;
		hv_record(LOG_EMERG, CAT_ALARM, "nested depth=%u", nest_from_write);
	}
	if (drain_from_write) {
		drain_from_write = false;
		inner_drain_result = log_drain(0);
	}
}

static int setup(void **state)
{
	(void)state;
	log_reset();
	fake_tsc = 0;
	out_len = 0;
	write_calls = 0;
	nest_from_write = 0;
	drain_from_write = false;
	inner_drain_result = 99;
	return 0;
}

/* --- helpers ------------------------------------------------------------ */

static uint32_t ref_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return ~crc;
}

/* Line i of the captured output (with its "\n") into buf; returns its
 * length, or 0 if there is no such line. */
static size_t out_line(unsigned i, char *buf, size_t cap)
{
	size_t pos = 0;

	for (unsigned n = 0; pos < out_len; n++) {
		const char *nl = memchr(out + pos, '\n', out_len - pos);
		size_t len = nl ? (size_t)(nl - (out + pos)) + 1 : out_len - pos;

		if (n == i) {
			assert_true(len < cap);
			memcpy(buf, out + pos, len);
			buf[len] = '\0';
			return len;
		}
		pos += len;
	}
	return 0;
}

static unsigned out_lines(void)
{
	unsigned n = 0;

	for (size_t i = 0; i < out_len; i++)
		n += out[i] == '\n';
	return n;
}

struct frame {
	uint64_t seq, t_us;
	char level[8], cat[16];
	char text[LOG_LINE_MAX];
};

static const char *const levels[] = { "info", "minor", "major", "emerg" };
static const char *const cats[] = { "log",     "event", "decision", "action",
				    "outcome", "alarm", "stat",	    "tick" };

static bool in_set(const char *s, size_t n, const char *const *set, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(set[i]) == n && memcmp(set[i], s, n) == 0)
			return true;
	return false;
}

static const char *parse_u64(const char *p, uint64_t *v)
{
	const char *start = p;

	*v = 0;
	while (*p >= '0' && *p <= '9')
		*v = *v * 10 + (uint64_t)(*p++ - '0');
	assert_true(p > start && p - start <= 20);
	return p;
}

/* Checks every rule of the version-1 frame and returns its fields. */
static void check_frame(const char *line, size_t len, struct frame *f)
{
	const char *p = line, *end = line + len, *star, *sp;
	char hex[9];

	assert_true(len <= LOG_LINE_MAX);
	assert_true(len >= 4 + 11);
	assert_int_equal(line[len - 1], '\n');
	assert_memory_equal(p, "HV1 ", 4);
	p += 4;
	p = parse_u64(p, &f->seq);
	assert_int_equal(*p++, ' ');
	p = parse_u64(p, &f->t_us);
	assert_int_equal(*p++, ' ');
	sp = memchr(p, ' ', (size_t)(end - p));
	assert_non_null(sp);
	assert_true(in_set(p, (size_t)(sp - p), levels, 4));
	memcpy(f->level, p, (size_t)(sp - p));
	f->level[sp - p] = '\0';
	p = sp + 1;
	sp = memchr(p, ' ', (size_t)(end - p));
	assert_non_null(sp);
	assert_true(in_set(p, (size_t)(sp - p), cats, 8));
	memcpy(f->cat, p, (size_t)(sp - p));
	f->cat[sp - p] = '\0';
	p = sp + 1;
	/* tail: " *" 8 lowercase hex "\n" */
	star = end - 11;
	assert_true(star >= p - 1);
	assert_memory_equal(star, " *", 2);
	for (int i = 0; i < 8; i++) {
		char c = star[2 + i];

		assert_true((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
	}
	memcpy(f->text, p, (size_t)(star - p));
	f->text[star - p] = '\0';
	for (const char *q = p; q < star; q++)
		assert_true(*q >= 0x20 && *q <= 0x7e && *q != '*');
	snprintf(hex, sizeof(hex), "%08x", ref_crc32(line, (size_t)(star - line)));
	assert_memory_equal(star + 2, hex, 8);
}

static void line_frame(unsigned i, struct frame *f)
{
	char buf[4 * LOG_LINE_MAX];
	size_t len = out_line(i, buf, sizeof(buf));

	assert_true(len > 0);
	check_frame(buf, len, f);
}

#endif
