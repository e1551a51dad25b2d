/*
 * Host unit tests for lib/log.c's frame (format, sanitizing, truncation,
 * clock) and lib/crc32.c.  The ring (buffering, drops, the reserve) is
 * tested in test_log_ring.c; the fake platform and the frame parser are
 * in log_harness.h.
 */
#include "tests/unit/log_harness.h"

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
		cmocka_unit_test_setup(test_quote, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
