/* Host unit tests for hv/cmdline.c: "key=value ... -- guest part". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/cmdline.h"

static void test_get_basic(void **state)
{
	char v[32];
	(void)state;

	assert_true(cmdline_get("mem=64M log=debug", "mem", v, sizeof(v)));
	assert_string_equal(v, "64M");
	assert_true(cmdline_get("mem=64M log=debug", "log", v, sizeof(v)));
	assert_string_equal(v, "debug");
	assert_true(cmdline_get("  \tlog=x\n", "log", v, sizeof(v)));
	assert_string_equal(v, "x");
	assert_true(cmdline_get("empty= other=1", "empty", v, sizeof(v)));
	assert_string_equal(v, "");
}

static void test_get_absent_and_prefix(void **state)
{
	char v[32] = "untouched";
	(void)state;

	assert_false(cmdline_get("", "mem", v, sizeof(v)));
	assert_false(cmdline_get("memory=1 xmem=2 mem", "mem", v, sizeof(v)));
	assert_string_equal(v, "untouched");
	/* A key that is a prefix of another key must not match it. */
	assert_true(cmdline_get("memory=1 mem=2", "mem", v, sizeof(v)));
	assert_string_equal(v, "2");
	/* First occurrence wins. */
	assert_true(cmdline_get("a=1 a=2", "a", v, sizeof(v)));
	assert_string_equal(v, "1");
}

static void test_get_truncates(void **state)
{
	char v[4];
	char big[8];
	(void)state;

	memset(v, 'X', sizeof(v));
	assert_true(cmdline_get("k=abcdefgh", "k", v, sizeof(v)));
	assert_string_equal(v, "abc");
	/* out_size 0: reports presence, writes nothing. */
	memset(big, 'Y', sizeof(big));
	assert_true(cmdline_get("k=abc", "k", big, 0));
	assert_int_equal(big[0], 'Y');
	assert_true(cmdline_get("k=abc", "k", big, 1));
	assert_string_equal(big, "");
}

static void test_get_stops_at_separator(void **state)
{
	char v[32];
	(void)state;

	assert_false(cmdline_get("mem=1 -- guest=2", "guest", v, sizeof(v)));
	assert_true(cmdline_get("mem=1 -- guest=2", "mem", v, sizeof(v)));
	assert_string_equal(v, "1");
	assert_false(cmdline_get("-- mem=1", "mem", v, sizeof(v)));
	/* "--" inside a token is not a separator. */
	assert_true(cmdline_get("a--b x=--y k=v", "k", v, sizeof(v)));
	assert_string_equal(v, "v");
	assert_true(cmdline_get("x=--y", "x", v, sizeof(v)));
	assert_string_equal(v, "--y");
	/* "---" is not a separator either. */
	assert_true(cmdline_get("--- k=v", "k", v, sizeof(v)));
}

static void test_guest_part(void **state)
{
	(void)state;

	assert_string_equal(cmdline_guest_part("mem=1 -- console=ttyS0 quiet"),
			    "console=ttyS0 quiet");
	assert_string_equal(cmdline_guest_part("mem=1 --   \t a -- b"), "a -- b");
	assert_string_equal(cmdline_guest_part("-- x"), "x");
	assert_string_equal(cmdline_guest_part("mem=1 --"), "");
	assert_string_equal(cmdline_guest_part("mem=1"), "");
	assert_string_equal(cmdline_guest_part(""), "");
	assert_string_equal(cmdline_guest_part("a--b c=--d"), "");
	assert_string_equal(cmdline_guest_part("x\t--\ty"), "y");
}

static void test_u64_decimal_hex(void **state)
{
	(void)state;

	assert_int_equal(cmdline_get_u64("n=0", "n", 7), 0);
	assert_int_equal(cmdline_get_u64("n=1234", "n", 7), 1234);
	assert_int_equal(cmdline_get_u64("n=0x1F", "n", 7), 0x1f);
	assert_int_equal(cmdline_get_u64("n=0XaBc", "n", 7), 0xabc);
	assert_int_equal(cmdline_get_u64("n=18446744073709551615", "n", 7), UINT64_MAX);
	assert_int_equal(cmdline_get_u64("n=0xffffffffffffffff", "n", 7), UINT64_MAX);
	assert_int_equal(cmdline_get_u64("n=010", "n", 7), 10); /* not octal */
}

static void test_u64_rejects(void **state)
{
	(void)state;

	assert_int_equal(cmdline_get_u64("m=1", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=0x", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=12a", "n", 7), 7);   /* hex digit, base 10 */
	assert_int_equal(cmdline_get_u64("n=64M", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=-1", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=0xg", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=18446744073709551616", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=0x10000000000000000", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("-- n=5", "n", 7), 7);
}

/* A value longer than the internal buffer must not be parsed from its
 * truncated prefix. */
static void test_u64_long_value_rejected(void **state)
{
	(void)state;

	assert_int_equal(cmdline_get_u64("n=000000000000000000000000000012", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=00000000000000000000000000junk", "n", 7), 7);
	assert_int_equal(cmdline_get_u64("n=00000000000000000012", "n", 7), 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_basic),
		cmocka_unit_test(test_get_absent_and_prefix),
		cmocka_unit_test(test_get_truncates),
		cmocka_unit_test(test_get_stops_at_separator),
		cmocka_unit_test(test_guest_part),
		cmocka_unit_test(test_u64_decimal_hex),
		cmocka_unit_test(test_u64_rejects),
		cmocka_unit_test(test_u64_long_value_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
