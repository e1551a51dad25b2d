/*
 * Host unit tests for hv/control.c: command lines gathered from bytes,
 * parsed, and judged against the instance, the boot and the nonce.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv/control.h"

#define MAC64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const char *parse(const char *line, struct ctl_cmd *c)
{
	return ctl_parse(line, strlen(line), c);
}

static void test_parse_ok(void **state)
{
	struct ctl_cmd c;
	const char *line = "HVC1 hv0 0123456789abcdef 42 status *" MAC64;
	(void)state;

	assert_null(parse(line, &c));
	assert_string_equal(c.instance, "hv0");
	assert_true(c.boot_id == 0x0123456789abcdefull);
	assert_int_equal(c.nonce, 42);
	assert_int_equal(c.op, CTL_STATUS);
	assert_int_equal(c.signed_len, strlen(line) - strlen(" *" MAC64));
	assert_int_equal(c.mac[0], 0x00);
	assert_int_equal(c.mac[1], 0x11);
	assert_int_equal(c.mac[31], 0xff);
	assert_null(parse("HVC1 node-7.a ffffffffffffffff 18446744073709551615 dump full *" MAC64, &c));
	assert_int_equal(c.op, CTL_DUMP);
	assert_int_equal(c.arg, 2);
	assert_true(c.nonce == UINT64_MAX);
	assert_null(parse("HVC1 hv0 0000000000000001 3 checkpoint 1 *" MAC64, &c));
	assert_int_equal(c.op, CTL_CHECKPOINT);
	assert_int_equal(c.arg, 1);
	assert_null(parse("HVC1 hv0 0000000000000001 4 rollback 7 *" MAC64, &c));
	assert_int_equal(c.op, CTL_ROLLBACK);
	assert_int_equal(c.arg, CTL_SLOT_MAX);
	for (enum ctl_op op = CTL_STATUS; op <= CTL_RESUME; op++) {
		char buf[200];
		snprintf(buf, sizeof(buf), "HVC1 hv0 0000000000000001 1 %s *" MAC64, ctl_op_name(op));
		assert_null(parse(buf, &c));
		assert_int_equal(c.op, op);
	}
}

/* Each malformed part is named; nothing is half-parsed into a command. */
static void test_parse_errors(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "HVC1 hv0 0123456789abcdef 42 status", "no_mac" },
		{ "HVC1 hv0 0123456789abcdef 42 status *0011", "bad_mac_text" },
		{ "HVC1 hv0 0123456789abcdef 42 status *" MAC64 "0", "bad_mac_text" },
		{ "HVC1 hv0 0123456789abcdef 42 status *" "0011223344556677889XAABBCCDDEEFF00112233445566778899aabbccddeeff", "bad_mac_text" },
		{ "HVC2 hv0 0123456789abcdef 42 status *" MAC64, "not_a_command" },
		{ " HVC1 hv0 0123456789abcdef 42 status *" MAC64, "not_a_command" },
		{ "HVC1 abcdefghijklmnopqrstuvwx 0123456789abcdef 42 status *" MAC64, "bad_instance" },
		{ "HVC1  0123456789abcdef 42 status *" MAC64, "bad_instance" },
		{ "HVC1 hv0 0123456789ABCDEF 42 status *" MAC64, "bad_boot_id" },
		{ "HVC1 hv0 123456789abcdef 42 status *" MAC64, "bad_boot_id" },
		{ "HVC1 hv0 0123456789abcdef 0 status *" MAC64, "bad_nonce" },
		{ "HVC1 hv0 0123456789abcdef 042 status *" MAC64, "bad_nonce" },
		{ "HVC1 hv0 0123456789abcdef 18446744073709551616 status *" MAC64, "bad_nonce" },
		{ "HVC1 hv0 0123456789abcdef 4x status *" MAC64, "bad_nonce" },
		{ "HVC1 hv0 0123456789abcdef 42 reboot *" MAC64, "unknown_op" },
		{ "HVC1 hv0 0123456789abcdef 42 *" MAC64, "unknown_op" },
		{ "HVC1 hv0 0123456789abcdef 42 status now *" MAC64, "unexpected_argument" },
		{ "HVC1 hv0 0123456789abcdef 42 dump *" MAC64, "missing_argument" },
		{ "HVC1 hv0 0123456789abcdef 42 dump huge *" MAC64, "bad_argument" },
		{ "HVC1 hv0 0123456789abcdef 42 dump mini x *" MAC64, "unexpected_argument" },
		{ "HVC1 hv0 0123456789abcdef 42 checkpoint *" MAC64, "missing_argument" },
		{ "HVC1 hv0 0123456789abcdef 42 checkpoint 8 *" MAC64, "bad_argument" },
		{ "HVC1 hv0 0123456789abcdef 42 rollback 01 *" MAC64, "bad_argument" },
		{ "HVC1 hv0 0123456789abcdef 42 rollback mini *" MAC64, "bad_argument" },
		{ "HVC1 hv0 0123456789abcdef 42 rollback 1 2 *" MAC64, "unexpected_argument" },
		{ "", "no_mac" },
	};
	struct ctl_cmd c;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = parse(bad[i].line, &c);
		if (why == NULL || strcmp(why, bad[i].why) != 0)
			fail_msg("line %zu: got %s, want %s", i, why ? why : "ok", bad[i].why);
	}
}

static void test_judge(void **state)
{
	struct ctl_state st = { .instance = "hv0", .boot_id = 7, .last_nonce = 10 };
	struct ctl_cmd c = { .instance = "hv0", .boot_id = 7, .nonce = 11, .op = CTL_PARK };
	(void)state;

	assert_null(ctl_judge(&st, &c, true));
	assert_string_equal(ctl_judge(&st, &c, false), "bad_mac");
	c.nonce = 10;
	assert_string_equal(ctl_judge(&st, &c, true), "replayed");
	c.nonce = 3;
	assert_string_equal(ctl_judge(&st, &c, true), "replayed");
	assert_string_equal(ctl_judge(&st, &c, false), "bad_mac"); /* the MAC is judged first */
	c.nonce = 11;
	c.boot_id = 8;
	assert_string_equal(ctl_judge(&st, &c, true), "other_boot");
	strcpy(c.instance, "hv1");
	assert_string_equal(ctl_judge(&st, &c, true), "other_instance");
}

/* Bytes to lines: CR, LF and CRLF end lines, empty lines are skipped, an
 * overlong line is reported once at its end and the next one is whole. */
static void test_rx(void **state)
{
	struct ctl_rx rx = { 0 };
	char lines[3][CTL_LINE_MAX + 1];
	int got = 0, overlong = 0;
	char input[2 * CTL_LINE_MAX];
	(void)state;

	memset(input, 'x', sizeof(input));
	const char *a = "first\r\n\nsecond\r";
	for (const char *p = a; *p; p++)
		if (ctl_rx_byte(&rx, (uint8_t)*p) == CTL_RX_LINE)
			strcpy(lines[got++], rx.line);
	for (size_t i = 0; i < sizeof(input); i++)
		assert_int_equal(ctl_rx_byte(&rx, (uint8_t)input[i]), CTL_RX_MORE);
	overlong += ctl_rx_byte(&rx, '\n') == CTL_RX_OVERLONG;
	for (const char *p = "third\n"; *p; p++)
		if (ctl_rx_byte(&rx, (uint8_t)*p) == CTL_RX_LINE)
			strcpy(lines[got++], rx.line);
	assert_int_equal(got, 3);
	assert_int_equal(overlong, 1);
	assert_string_equal(lines[0], "first");
	assert_string_equal(lines[1], "second");
	assert_string_equal(lines[2], "third");
	/* exactly CTL_LINE_MAX bytes still fit */
	for (unsigned i = 0; i < CTL_LINE_MAX; i++)
		ctl_rx_byte(&rx, 'y');
	assert_int_equal(ctl_rx_byte(&rx, '\n'), CTL_RX_LINE);
	assert_int_equal(strlen(rx.line), CTL_LINE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_rx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
