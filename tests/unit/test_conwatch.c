/*
 * Host unit tests for hv/dev/conwatch.c: the kernel's panic line found in
 * the console's byte stream, however the bytes are cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/dev/conwatch.h"

static bool feed_str(struct conwatch *w, const char *s)
{
	return conwatch_feed(w, (const uint8_t *)s, strlen(s));
}

/* A real line (timestamped, CRLF): the reason is what follows the prefix. */
static void test_panic_line(void **state)
{
	struct conwatch w;
	(void)state;

	conwatch_reset(&w);
	assert_false(feed_str(&w, "[    1.0] Run /init as init process\r\n"));
	assert_true(feed_str(&w, "[   29.173764] Kernel panic - not syncing: sysrq triggered crash\r\n"));
	assert_true(w.panicked);
	assert_string_equal(w.reason, "sysrq triggered crash");
	/* Later lines change nothing until a reset. */
	assert_false(feed_str(&w, "Kernel panic - not syncing: again\n"));
	assert_string_equal(w.reason, "sysrq triggered crash");
	conwatch_reset(&w);
	assert_false(w.panicked);
	assert_true(feed_str(&w, "Kernel panic - not syncing: again\n"));
	assert_string_equal(w.reason, "again");
}

/* One byte at a time, as a UART sends it: the same result. */
static void test_byte_by_byte(void **state)
{
	const char *line = "xxKernKernel panic - not syncing: Attempted to kill init!\n";
	struct conwatch w;
	int ended = 0;
	(void)state;

	conwatch_reset(&w);
	for (size_t i = 0; line[i]; i++)
		ended += conwatch_feed(&w, (const uint8_t *)&line[i], 1);
	assert_int_equal(ended, 1);
	assert_string_equal(w.reason, "Attempted to kill init!");
}

/* Near misses are not panics: a different word, a broken prefix, the
 * prefix with no end of line yet. */
static void test_near_misses(void **state)
{
	struct conwatch w;
	(void)state;

	conwatch_reset(&w);
	assert_false(feed_str(&w, "Kernel panic - not syncinG: x\n"));
	assert_false(feed_str(&w, "Kernel panic -- not syncing: x\n"));
	assert_false(feed_str(&w, "kernel panic - not syncing: x\n"));
	assert_false(w.panicked);
	assert_false(feed_str(&w, "Kernel panic - not syncing: no newline yet"));
	assert_false(w.panicked);
	assert_true(feed_str(&w, "\n"));
	assert_string_equal(w.reason, "no newline yet");
}

/* A reason longer than the buffer: cut, NUL-terminated, the line ends
 * the capture; an empty reason is still a panic. */
static void test_long_and_empty(void **state)
{
	char line[256];
	struct conwatch w;
	(void)state;

	memset(line, 'a', sizeof(line));
	conwatch_reset(&w);
	assert_false(feed_str(&w, CONWATCH_PANIC_PREFIX));
	assert_true(conwatch_feed(&w, (const uint8_t *)line, sizeof(line)));
	assert_int_equal(strlen(w.reason), CONWATCH_REASON_MAX - 1);
	conwatch_reset(&w);
	assert_true(feed_str(&w, CONWATCH_PANIC_PREFIX "\r\n"));
	assert_string_equal(w.reason, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_panic_line),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_near_misses),
		cmocka_unit_test(test_long_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
