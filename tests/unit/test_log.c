/*
 * Host unit tests for hv/log.c (the report stream) and hv/crc32.c.
 * The platform is faked: plat_tsc() returns fake_tsc, plat_log_write()
 * appends to a buffer.  Frames are checked against an independent
 * bit-at-a-time CRC-32.
 */
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

/* --- tests -------------------------------------------------------------- */

static void test_crc32_known_values(void **state)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t data[1000];
	(void)state;

	assert_int_equal(crc32_ieee("123456789", 9), 0xcbf43926u);
	assert_int_equal(crc32_ieee("", 0), 0);
	assert_int_equal(crc32_ieee(fox, strlen(fox)), 0x414fa339u);
	assert_int_equal(crc32_ieee_update(crc32_ieee("1234", 4), "56789", 5), 0xcbf43926u);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 3));
	assert_int_equal(crc32_ieee(data, sizeof(data)), ref_crc32(data, sizeof(data)));
}

static void test_frame_exact(void **state)
{
	char expect[LOG_LINE_MAX], got[LOG_LINE_MAX];
	const char *body = "HV1 0 0 major event hang missed=2 rip=0x100123";
	(void)state;

	hv_record(LOG_MAJOR, CAT_EVENT, "hang missed=%d rip=0x%x", 2, 0x100123);
	snprintf(expect, sizeof(expect), "%s *%08x\n", body, ref_crc32(body, strlen(body)));
	assert_true(out_line(0, got, sizeof(got)) > 0);
	assert_string_equal(got, expect);
	assert_int_equal(write_calls, 1);

	/* The old call sites: info, log. */
	hv_log("backend %s selected", "vmx");
	body = "HV1 1 0 info log backend vmx selected";
	snprintf(expect, sizeof(expect), "%s *%08x\n", body, ref_crc32(body, strlen(body)));
	out_line(1, got, sizeof(got));
	assert_string_equal(got, expect);
}

/* The example line of docs/report-stream.md. */
static void test_doc_example(void **state)
{
	char got[LOG_LINE_MAX];
	(void)state;

	log_set_clock(1000, 1000000);
	fake_tsc = 1000 + 3456;
	for (int i = 0; i < 12; i++)
		hv_log("filler");
	out_len = 0;
	hv_record(LOG_MAJOR, CAT_EVENT, "hang missed=2 rip=0x100123");
	out_line(0, got, sizeof(got));
	assert_string_equal(got, "HV1 12 3456 major event hang missed=2 rip=0x100123 *e94b5a1d\n");
}

static void test_levels_and_categories(void **state)
{
	struct frame f;
	unsigned n = 0;
	(void)state;

	for (int l = LOG_INFO; l <= LOG_EMERG; l++)
		for (int c = CAT_LOG; c <= CAT_TICK; c++) {
			hv_record((enum log_level)l, (enum log_cat)c, "x l=%d c=%d", l, c);
			line_frame(n, &f);
			assert_int_equal(f.seq, n);
			assert_string_equal(f.level, levels[l]);
			assert_string_equal(f.cat, cats[c]);
			n++;
		}
	/* Out of range: major, log. */
	hv_record((enum log_level)7, (enum log_cat)99, "bad enum");
	line_frame(n, &f);
	assert_string_equal(f.level, "major");
	assert_string_equal(f.cat, "log");
	assert_string_equal(f.text, "bad enum");
}

static void test_sanitize(void **state)
{
	struct frame f;
	(void)state;

	hv_record(LOG_INFO, CAT_EVENT, "a\x01%s*b\tc\nd\r%c\x7f\xff!", "x*y", 0);
	assert_int_equal(out_lines(), 1);
	line_frame(0, &f);
	assert_string_equal(f.text, "a?x?y?b?c?d??" "??" "!");

	/* Empty text: still a frame. */
	hv_record(LOG_INFO, CAT_LOG, "%s", "");
	line_frame(1, &f);
	assert_string_equal(f.text, "");
}

static void test_truncation_keeps_frame(void **state)
{
	static char big[2000];
	struct frame f;
	char buf[LOG_LINE_MAX + 1];
	size_t len;
	(void)state;

	memset(big, 'a', sizeof(big) - 1);
	big[100] = '*';
	hv_record(LOG_INFO, CAT_LOG, "long %s", big);
	len = out_line(0, buf, sizeof(buf));
	assert_int_equal(len, LOG_LINE_MAX);
	check_frame(buf, len, &f);
	assert_memory_equal(f.text, "long ", 5);
	assert_int_equal(f.text[105], '?');
	assert_string_equal(f.text + strlen(f.text) - 4, "a...");

	/* Longest possible prefix: 20-digit t_us. */
	log_set_clock(0, 1000000);
	fake_tsc = UINT64_MAX;
	hv_record(LOG_EMERG, CAT_DECISION, "%s", big);
	len = out_line(1, buf, sizeof(buf));
	assert_int_equal(len, LOG_LINE_MAX);
	check_frame(buf, len, &f);
	assert_int_equal(f.t_us, UINT64_MAX);
	assert_true(strlen(f.text) >= 128);

	/* Exactly fitting text is not cut. */
	out_len = 0;
	log_reset();
	/* "HV1 0 0 info log " is 17 bytes, the tail 11. */
	big[0] = 'b';
	hv_record(LOG_INFO, CAT_LOG, "%.*s", LOG_LINE_MAX - 17 - 11, big);
	len = out_line(0, buf, sizeof(buf));
	assert_int_equal(len, LOG_LINE_MAX);
	check_frame(buf, len, &f);
	assert_int_equal(strlen(f.text), LOG_LINE_MAX - 17 - 11);
	assert_int_equal(f.text[strlen(f.text) - 1], 'a');
}

static void test_clock(void **state)
{
	struct frame f;
	const uint64_t hz = 3000000000ull, start = 123456789;
	(void)state;

	fake_tsc = 5000000;
	hv_log("before clock");
	line_frame(0, &f);
	assert_int_equal(f.t_us, 0);

	log_set_clock(start, hz);
	fake_tsc = start + hz / 1000 * 1500; /* 1.5 s */
	hv_log("a");
	line_frame(1, &f);
	assert_int_equal(f.t_us, 1500000);

	/* 30 days and 0.5 s at 3 GHz: d * 10^6 would overflow 64 bits. */
	fake_tsc = start + hz * 86400 * 30 + hz / 2;
	hv_log("b");
	line_frame(2, &f);
	assert_int_equal(f.t_us, 30ull * 86400 * 1000000 + 500000);

	/* Sub-microsecond rounding is down. */
	fake_tsc = start + 2999;
	hv_log("c");
	line_frame(3, &f);
	assert_int_equal(f.t_us, 0);
	fake_tsc = start + 3000 * 7 + 2999;
	hv_log("d");
	line_frame(4, &f);
	assert_int_equal(f.t_us, 7);

	/* TSC before the start, and a zero frequency: 0. */
	fake_tsc = start - 1;
	hv_log("e");
	line_frame(5, &f);
	assert_int_equal(f.t_us, 0);
	log_set_clock(0, 0);
	fake_tsc = 1ull << 40;
	hv_log("f");
	line_frame(6, &f);
	assert_int_equal(f.t_us, 0);
}

static void test_buffered_until_drain(void **state)
{
	struct frame f;
	(void)state;

	log_set_buffered(true);
	hv_log("one");
	hv_log("two");
	hv_record(LOG_MAJOR, CAT_ALARM, "three");
	assert_int_equal(out_len, 0);
	assert_int_equal(log_pending(), 3);

	assert_int_equal(log_drain(2), 2);
	assert_int_equal(out_lines(), 2);
	assert_int_equal(log_pending(), 1);
	line_frame(0, &f);
	assert_string_equal(f.text, "one");
	line_frame(1, &f);
	assert_string_equal(f.text, "two");
	assert_int_equal(log_drain(0), 1);
	line_frame(2, &f);
	assert_int_equal(f.seq, 2);
	assert_string_equal(f.text, "three");
	assert_int_equal(log_drain(0), 0);

	/* Back to unbuffered: what is pending goes out at once. */
	hv_log("four");
	assert_int_equal(out_lines(), 3);
	log_set_buffered(false);
	assert_int_equal(out_lines(), 4);
	hv_log("five");
	assert_int_equal(out_lines(), 5);
	line_frame(4, &f);
	assert_int_equal(f.seq, 4);
	assert_int_equal(log_pending(), 0);
	assert_int_equal(log_dropped_total(), 0);
}

static void test_emerg_flushes_buffered(void **state)
{
	struct frame f;
	(void)state;

	log_set_buffered(true);
	hv_log("queued");
	hv_record(LOG_EMERG, CAT_ALARM, "alarm level=emerg");
	assert_int_equal(out_lines(), 2);
	line_frame(0, &f);
	assert_string_equal(f.text, "queued");
	line_frame(1, &f);
	assert_string_equal(f.level, "emerg");
	assert_int_equal(log_pending(), 0);
}

/* An emergency record finds the ring full (buffered, nothing drained):
 * the ring is written out first and the emergency record follows it. */
static void test_emerg_never_dropped(void **state)
{
	struct frame f;
	(void)state;

	log_set_buffered(true);
	for (unsigned i = 0; i < LOG_RING_RECORDS + 3; i++)
		hv_record(LOG_INFO, CAT_TICK, "tick n=%u", i);
	assert_int_equal(log_pending(), LOG_RING_RECORDS);
	assert_int_equal(out_len, 0);
	hv_record(LOG_EMERG, CAT_ALARM, "hv_crash vector=14");
	assert_int_equal(log_dropped_total(), 3);
	assert_int_equal(log_pending(), 0);
	/* The ring, then the drop report (it got the room first), then the
	 * emergency record. */
	assert_int_equal(out_lines(), LOG_RING_RECORDS + 2);
	line_frame(LOG_RING_RECORDS, &f);
	assert_string_equal(f.text, "log_dropped count=3 total=3");
	line_frame(LOG_RING_RECORDS + 1, &f);
	assert_string_equal(f.level, "emerg");
	assert_string_equal(f.text, "hv_crash vector=14");
}

static void test_ring_overflow(void **state)
{
	struct frame f;
	char want[64];
	(void)state;

	log_set_buffered(true);
	for (unsigned i = 0; i < LOG_RING_RECORDS + 5; i++)
		hv_record(LOG_INFO, CAT_TICK, "tick n=%u", i);
	assert_int_equal(out_len, 0);
	assert_int_equal(log_pending(), LOG_RING_RECORDS);
	assert_int_equal(log_dropped_total(), 5);

	/* Draining writes the ring, then the report (next seq). */
	assert_int_equal(log_drain(0), LOG_RING_RECORDS + 1);
	assert_int_equal(out_lines(), LOG_RING_RECORDS + 1);
	for (unsigned i = 0; i < LOG_RING_RECORDS; i++) {
		line_frame(i, &f);
		assert_int_equal(f.seq, i);
	}
	line_frame(LOG_RING_RECORDS, &f);
	assert_int_equal(f.seq, LOG_RING_RECORDS + 5);
	assert_string_equal(f.level, "major");
	assert_string_equal(f.cat, "stat");
	assert_string_equal(f.text, "log_dropped count=5 total=5");

	/* Second burst: the report comes before the next record once there
	 * is room, with the count since the last report. */
	out_len = 0;
	const uint64_t base = LOG_RING_RECORDS + 6;
	for (unsigned i = 0; i < LOG_RING_RECORDS + 2; i++)
		hv_record(LOG_INFO, CAT_TICK, "tick n=%u", i);
	assert_int_equal(log_dropped_total(), 7);
	assert_int_equal(log_drain(10), 10);
	/* The budget ran out: the report is queued but not written. */
	assert_int_equal(log_pending(), LOG_RING_RECORDS - 10 + 1);
	hv_log("after");
	assert_int_equal(log_drain(0), LOG_RING_RECORDS - 10 + 2);
	for (unsigned i = 0; i < LOG_RING_RECORDS; i++) {
		line_frame(i, &f);
		assert_int_equal(f.seq, base + i);
	}
	line_frame(LOG_RING_RECORDS, &f);
	assert_int_equal(f.seq, base + LOG_RING_RECORDS + 2);
	assert_string_equal(f.text, "log_dropped count=2 total=7");
	line_frame(LOG_RING_RECORDS + 1, &f);
	assert_int_equal(f.seq, base + LOG_RING_RECORDS + 3);
	assert_string_equal(f.text, "after");
	assert_int_equal(log_pending(), 0);

	/* Report first, then the record, when a record finds room. */
	out_len = 0;
	for (unsigned i = 0; i < LOG_RING_RECORDS + 1; i++)
		hv_log("x");
	assert_int_equal(log_drain(1), 1);
	/* Room for one: the report takes it, the new record is dropped. */
	hv_log("lost");
	assert_int_equal(log_dropped_total(), 9);
	log_set_buffered(false);
	line_frame(LOG_RING_RECORDS, &f);
	snprintf(want, sizeof(want), "log_dropped count=1 total=8");
	assert_string_equal(f.text, want);
	line_frame(LOG_RING_RECORDS + 1, &f);
	assert_string_equal(f.text, "log_dropped count=1 total=9");
	assert_int_equal(out_lines(), LOG_RING_RECORDS + 2);
}

static void test_nested_record(void **state)
{
	struct frame f;
	(void)state;

	/* A record made while the logger is writing: straight to the port. */
	nest_from_write = 1;
	hv_log("outer");
	assert_int_equal(out_lines(), 2);
	line_frame(0, &f);
	assert_int_equal(f.seq, 0);
	assert_string_equal(f.text, "outer");
	line_frame(1, &f);
	assert_int_equal(f.seq, 1);
	assert_string_equal(f.text, "nested depth=0");
	assert_string_equal(f.level, "emerg");

	/* A record made while writing the nested one: only counted, and
	 * reported by the outer record's drain, after the seq gap. */
	nest_from_write = 2;
	hv_log("outer2");
	assert_int_equal(out_lines(), 5);
	line_frame(2, &f);
	assert_int_equal(f.seq, 2);
	line_frame(3, &f);
	assert_int_equal(f.seq, 3);
	assert_string_equal(f.text, "nested depth=1");
	assert_int_equal(log_dropped_total(), 1);
	assert_int_equal(nest_from_write, 0);
	line_frame(4, &f);
	assert_int_equal(f.seq, 5);
	assert_string_equal(f.text, "log_dropped count=1 total=1");
	hv_log("next");
	line_frame(5, &f);
	assert_int_equal(f.seq, 6);
	assert_int_equal(log_pending(), 0);
}

static void test_drain_inside_logger(void **state)
{
	(void)state;

	log_set_buffered(true);
	hv_log("a");
	hv_log("b");
	drain_from_write = true;
	assert_int_equal(log_drain(0), 2);
	assert_int_equal(inner_drain_result, 0);
	assert_int_equal(out_lines(), 2);
	assert_int_equal(log_pending(), 0);
}

static void test_quote(void **state)
{
	char buf[8];
	struct frame f;
	(void)state;

	assert_string_equal(log_quote(buf, sizeof(buf), "a \"b\" c"), "a 'b' c");
	assert_string_equal(log_quote(buf, sizeof(buf), "0123456789"), "0123456");
	assert_string_equal(log_quote(buf, sizeof(buf), NULL), "");
	buf[0] = 'z';
	log_quote(buf, 0, "x");
	assert_int_equal(buf[0], 'z');
	hv_record(LOG_INFO, CAT_EVENT, "boot cmdline=\"%s\"", log_quote(buf, sizeof(buf), "a\"b c"));
	line_frame(0, &f);
	assert_string_equal(f.text, "boot cmdline=\"a'b c\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_crc32_known_values, setup),
		cmocka_unit_test_setup(test_frame_exact, setup),
		cmocka_unit_test_setup(test_doc_example, setup),
		cmocka_unit_test_setup(test_levels_and_categories, setup),
		cmocka_unit_test_setup(test_sanitize, setup),
		cmocka_unit_test_setup(test_truncation_keeps_frame, setup),
		cmocka_unit_test_setup(test_clock, setup),
		cmocka_unit_test_setup(test_buffered_until_drain, setup),
		cmocka_unit_test_setup(test_emerg_flushes_buffered, setup),
		cmocka_unit_test_setup(test_emerg_never_dropped, setup),
		cmocka_unit_test_setup(test_ring_overflow, setup),
		cmocka_unit_test_setup(test_nested_record, setup),
		cmocka_unit_test_setup(test_drain_inside_logger, setup),
		cmocka_unit_test_setup(test_quote, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
