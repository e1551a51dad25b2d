/* Host unit tests for hv/settings.c, built with the test aids (-DHV_TEST_AIDS,
 * see mk/unit.mk); tests/unit/test_settings_release.c covers a build without. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv/settings.h"
#include "tests/unit/settings_notes.h"

#ifndef HV_TEST_AIDS
#error "test_settings is meant to be built with -DHV_TEST_AIDS (mk/unit.mk)"
#endif

static void assert_defaults(const struct hv_settings *s)
{
	assert_int_equal(s->tick_us, 1000);
	assert_int_equal(s->ticklog, 1000);
	assert_int_equal(s->maxticks, 0);
	assert_int_equal(s->wd_ms, HV_WATCHDOG_MS);
	assert_int_equal(s->wd_k, HV_WATCHDOG_K);
	assert_string_equal(s->policy, "");
	assert_false(s->onstop_exit);
	assert_false(s->onfault_reset);
	assert_int_equal(s->platform_nmi, 0);
	assert_int_equal(s->crash_test, 0);
	assert_int_equal(s->self_nmi, 0);
}

/* Exactly one note, with this text. */
static void assert_one_note(const struct notes *n, const char *text)
{
	assert_int_equal(n->count, 1);
	assert_string_equal(n->msg[0], text);
}

static void test_defaults(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	/* Every field is written, whatever *s held before. */
	memset(&s, 0xa5, sizeof(s));
	n = parse("", &s);
	assert_defaults(&s);
	assert_int_equal(n.count, 0);
	/* Unknown keys, bare words and prefixes of known keys are ignored. */
	memset(&s, 0xa5, sizeof(s));
	n = parse("guest=\\g.elf foo=1 tick_us tick_usx=200 xwd_k=5 wd=3 onstop", &s);
	assert_defaults(&s);
	assert_int_equal(n.count, 0);
}

static void test_each_key_in_range(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("tick_us=2000 ticklog=5 maxticks=77 wd_ms=250 wd_k=7 policy=appliance "
		  "onstop=exit onfault=reset platform_nmi=7 crash_test=5 self_nmi=3 hw_wd_ms=5000 "
		  "hang_test=9 -- guest words",
		  &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.tick_us, 2000);
	assert_int_equal(s.ticklog, 5);
	assert_int_equal(s.maxticks, 77);
	assert_int_equal(s.wd_ms, 250);
	assert_int_equal(s.wd_k, 7);
	assert_string_equal(s.policy, "appliance");
	assert_true(s.onstop_exit);
	assert_true(s.onfault_reset);
	assert_int_equal(s.platform_nmi, 7);
	assert_int_equal(s.crash_test, 5);
	assert_int_equal(s.self_nmi, 3);
	assert_int_equal(s.hw_wd_ms, 5000);
	assert_int_equal(s.hang_test, 9);
}

static void test_tick_us_edges(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("tick_us=100", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.tick_us, 100);
	n = parse("tick_us=50000", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.tick_us, 50000);
	n = parse("tick_us=99", &s);
	assert_one_note(&n, "tick_us=99 out of range 100..50000, using 1000");
	assert_int_equal(s.tick_us, 1000);
	n = parse("tick_us=50001", &s);
	assert_one_note(&n, "tick_us=50001 out of range 100..50000, using 1000");
	assert_int_equal(s.tick_us, 1000);
	n = parse("tick_us=0", &s);
	assert_one_note(&n, "tick_us=0 out of range 100..50000, using 1000");
	assert_int_equal(s.tick_us, 1000);
}

static void test_wd_ms_edges(void **state)
{
	struct hv_settings s;
	struct notes n;
	char want[160];
	(void)state;

	/* 0 is in range: it turns the watchdog off. */
	n = parse("wd_ms=0", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.wd_ms, 0);
	n = parse("wd_ms=1", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.wd_ms, 1);
	n = parse("wd_ms=10000", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.wd_ms, 10000);
	n = parse("wd_ms=10001", &s);
	snprintf(want, sizeof(want), "wd_ms=10001 out of range 0..10000, using %d", HV_WATCHDOG_MS);
	assert_one_note(&n, want);
	assert_int_equal(s.wd_ms, HV_WATCHDOG_MS);
	/* Below 0 cannot be written as a number. */
	n = parse("wd_ms=-1", &s);
	snprintf(want, sizeof(want), "wd_ms=-1 is not a number, using %d", HV_WATCHDOG_MS);
	assert_one_note(&n, want);
	assert_int_equal(s.wd_ms, HV_WATCHDOG_MS);
	n = parse("wd_ms=0xffffffffffffffff", &s);
	snprintf(want, sizeof(want), "wd_ms=18446744073709551615 out of range 0..10000, using %d",
		 HV_WATCHDOG_MS);
	assert_one_note(&n, want);
	assert_int_equal(s.wd_ms, HV_WATCHDOG_MS);
}

static void test_wd_k_edges(void **state)
{
	struct hv_settings s;
	struct notes n;
	char want[160];
	(void)state;

	n = parse("wd_k=1", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.wd_k, 1);
	n = parse("wd_k=100", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.wd_k, 100);
	n = parse("wd_k=0", &s);
	snprintf(want, sizeof(want), "wd_k=0 out of range 1..100, using %d", HV_WATCHDOG_K);
	assert_one_note(&n, want);
	assert_int_equal(s.wd_k, HV_WATCHDOG_K);
	n = parse("wd_k=101", &s);
	snprintf(want, sizeof(want), "wd_k=101 out of range 1..100, using %d", HV_WATCHDOG_K);
	assert_one_note(&n, want);
	assert_int_equal(s.wd_k, HV_WATCHDOG_K);
}

/* ticklog, maxticks and the test aids take any 64-bit number. */
static void test_full_range_keys(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("ticklog=0 maxticks=0 platform_nmi=0 crash_test=0 self_nmi=0", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.ticklog, 0);
	assert_int_equal(s.maxticks, 0);
	n = parse("ticklog=18446744073709551615 maxticks=0xffffffffffffffff "
		  "platform_nmi=0xFFFFFFFFFFFFFFFF crash_test=18446744073709551615 "
		  "self_nmi=0xffffffffffffffff",
		  &s);
	assert_int_equal(n.count, 0);
	assert_true(s.ticklog == UINT64_MAX);
	assert_true(s.maxticks == UINT64_MAX);
	assert_true(s.platform_nmi == UINT64_MAX);
	assert_true(s.crash_test == UINT64_MAX);
	assert_true(s.self_nmi == UINT64_MAX);
	/* One past 2^64 - 1 is not a number: the default, and a note. */
	n = parse("maxticks=18446744073709551616", &s);
	assert_one_note(&n, "maxticks=18446744073709551616 is not a number, using 0");
	assert_int_equal(s.maxticks, 0);
	n = parse("ticklog=0x10000000000000000", &s);
	assert_one_note(&n, "ticklog=0x10000000000000000 is not a number, using 1000");
	assert_int_equal(s.ticklog, 1000);
}

static void test_hex(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("tick_us=0x7d0 wd_ms=0X2710 wd_k=0x64 ticklog=0xA maxticks=0x0", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.tick_us, 2000);
	assert_int_equal(s.wd_ms, 10000);
	assert_int_equal(s.wd_k, 100);
	assert_int_equal(s.ticklog, 10);
	assert_int_equal(s.maxticks, 0);
	/* Range checks see the value, and the note shows it in decimal. */
	n = parse("tick_us=0x63", &s);
	assert_one_note(&n, "tick_us=99 out of range 100..50000, using 1000");
	assert_int_equal(s.tick_us, 1000);
	n = parse("wd_k=0x65", &s);
	assert_int_equal(n.count, 1);
	assert_non_null(strstr(n.msg[0], "wd_k=101 out of range 1..100, using "));
}

static void test_not_a_number(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("tick_us=abc", &s);
	assert_one_note(&n, "tick_us=abc is not a number, using 1000");
	assert_int_equal(s.tick_us, 1000);
	n = parse("tick_us=", &s);
	assert_one_note(&n, "tick_us= is not a number, using 1000");
	n = parse("tick_us=200us", &s);
	assert_one_note(&n, "tick_us=200us is not a number, using 1000");
	assert_int_equal(s.tick_us, 1000);
	n = parse("ticklog=0x", &s);
	assert_one_note(&n, "ticklog=0x is not a number, using 1000");
	n = parse("crash_test=1e3", &s);
	assert_one_note(&n, "crash_test=1e3 is not a number, using 0");
	assert_int_equal(s.crash_test, 0);
}

/* The first occurrence of a key counts, good or bad. */
static void test_duplicates(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("tick_us=200 tick_us=300 wd_k=4 wd_k=0", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.tick_us, 200);
	assert_int_equal(s.wd_k, 4);
	n = parse("tick_us=99 tick_us=200", &s);
	assert_one_note(&n, "tick_us=99 out of range 100..50000, using 1000");
	assert_int_equal(s.tick_us, 1000);
	n = parse("policy=probe policy=appliance onstop=exit onstop=no onfault=no onfault=reset", &s);
	assert_int_equal(n.count, 0);
	assert_string_equal(s.policy, "probe");
	assert_true(s.onstop_exit);
	assert_false(s.onfault_reset);
	n = parse("crash_test=5 crash_test=9", &s);
	assert_int_equal(s.crash_test, 5);
}

/* Only keys before the first "--" word are settings. */
static void test_guest_part_ignored(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("tick_us=200 -- tick_us=300 wd_k=9 onstop=exit", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.tick_us, 200);
	assert_int_equal(s.wd_k, HV_WATCHDOG_K);
	assert_false(s.onstop_exit);
	n = parse("-- tick_us=1 policy=x", &s);
	assert_int_equal(n.count, 0);
	assert_defaults(&s);
	/* "--" inside a word is not the separator. */
	n = parse("a--b wd_k=9", &s);
	assert_int_equal(s.wd_k, 9);
}

static void test_policy_name_limit(void **state)
{
	struct hv_settings s;
	struct notes n;
	char line[80];
	const char *name23 = "abcdefghijklmnopqrstuvw"; /* SETTINGS_POLICY_MAX - 1 */
	(void)state;

	assert_int_equal(strlen(name23), SETTINGS_POLICY_MAX - 1);
	snprintf(line, sizeof(line), "policy=%s", name23);
	n = parse(line, &s);
	assert_int_equal(n.count, 0);
	assert_string_equal(s.policy, name23);
	/* One more character: refused whole, not cut to a (maybe valid) name. */
	n = parse("policy=abcdefghijklmnopqrstuvwx", &s);
	assert_one_note(&n, "policy=abcdefghijklmnopqrstuvwx is not a name of 1..23 characters, "
			    "using the build's default");
	assert_string_equal(s.policy, "");
	n = parse("policy=abcdefghijklmnopqrstuvwxyz0123456789abcdef", &s);
	assert_int_equal(n.count, 1);
	assert_non_null(strstr(n.msg[0], "is not a name of 1..23 characters"));
	assert_string_equal(s.policy, "");
	n = parse("policy=", &s);
	assert_one_note(&n, "policy= is not a name of 1..23 characters, using the build's default");
	assert_string_equal(s.policy, "");
	n = parse("policy=a", &s);
	assert_int_equal(n.count, 0);
	assert_string_equal(s.policy, "a");
}

/* onstop/onfault: only the exact word turns the flag on; anything else is
 * off, silently (documented behaviour). */
static void test_flag_words(void **state)
{
	static const char *const off[] = {
		"onstop=EXIT onfault=RESET", "onstop=exit1 onfault=reset1", "onstop= onfault=",
		"onstop=reset onfault=exit", "onstop=1 onfault=yes",
	};
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("onstop=exit", &s);
	assert_true(s.onstop_exit);
	assert_false(s.onfault_reset);
	n = parse("onfault=reset", &s);
	assert_false(s.onstop_exit);
	assert_true(s.onfault_reset);
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		n = parse(off[i], &s);
		assert_int_equal(n.count, 0);
		assert_false(s.onstop_exit);
		assert_false(s.onfault_reset);
	}
}

static void test_test_aids_accepted(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	assert_true(settings_test_aids_built());
	n = parse("crash_test=5 self_nmi=3 platform_nmi=7", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.crash_test, 5);
	assert_int_equal(s.self_nmi, 3);
	assert_int_equal(s.platform_nmi, 7);
	n = parse("crash_test=0x10", &s);
	assert_int_equal(n.count, 0);
	assert_int_equal(s.crash_test, 16);
}

/* Several notes come in table order; a NULL callback means no notes. */
static void test_several_notes_and_null_callback(void **state)
{
	struct hv_settings s;
	struct notes n;
	(void)state;

	n = parse("wd_k=0 tick_us=1", &s);
	assert_int_equal(n.count, 2);
	assert_string_equal(n.msg[0], "tick_us=1 out of range 100..50000, using 1000");
	assert_non_null(strstr(n.msg[1], "wd_k=0 out of range 1..100"));
	memset(&s, 0xa5, sizeof(s));
	settings_parse("tick_us=1 wd_k=0 policy= maxticks=x", &s, NULL, NULL);
	assert_defaults(&s);
}

static void test_log_port(void **state)
{
	uint16_t port = 1;

	(void)state;
	assert_int_equal(settings_log_port("onstop=exit", &port), LOG_PORT_DEFAULT);
	assert_int_equal(port, 0x3F8);
	assert_int_equal(settings_log_port("log_port=none", &port), LOG_PORT_CHOSEN);
	assert_int_equal(port, 0);
	assert_int_equal(settings_log_port("log_port=0x3e8", &port), LOG_PORT_CHOSEN);
	assert_int_equal(port, 0x3E8);
	assert_int_equal(settings_log_port("log_port=0x2E8", &port), LOG_PORT_CHOSEN);
	assert_int_equal(port, 0x2E8);
	assert_int_equal(settings_log_port("log_port=1016", &port), LOG_PORT_CHOSEN);
	assert_int_equal(port, 0x3F8);
	/* COM2 is the guest's; anything else is refused and COM1 kept */
	const char *bad[] = { "log_port=0x2f8", "log_port=0x80", "log_port=", "log_port=0x3e8x",
			      "log_port=nonE", "log_port=0x10003e8" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		port = 1;
		assert_int_equal(settings_log_port(bad[i], &port), LOG_PORT_REFUSED);
		assert_int_equal(port, 0x3F8);
	}
	/* only the hypervisor's part of the line */
	assert_int_equal(settings_log_port("onstop=exit -- log_port=none", &port), LOG_PORT_DEFAULT);
}

static void test_hw_wd_ms(void **state)
{
	struct hv_settings s;
	struct notes n = parse("onstop=exit", &s);

	(void)state;
	assert_int_equal(n.count, 0);
	assert_int_equal(s.hw_wd_ms, HV_HW_WD_MS);
	n = parse("hw_wd_ms=0", &s);
	assert_int_equal(s.hw_wd_ms, 0); /* off */
	n = parse("hw_wd_ms=1200001", &s);
	assert_one_note(&n, "hw_wd_ms=1200001 out of range 0..1200000, using 30000");
	assert_int_equal(s.hw_wd_ms, HV_HW_WD_MS);
}

static void test_simulate(void **state)
{
	struct hv_settings s;
	struct notes n = parse("simulate=svmdis", &s);

	(void)state;
	assert_int_equal(n.count, 0);
	assert_string_equal(s.simulate, "svmdis");
	parse("onstop=exit", &s);
	assert_string_equal(s.simulate, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_each_key_in_range),
		cmocka_unit_test(test_tick_us_edges),
		cmocka_unit_test(test_wd_ms_edges),
		cmocka_unit_test(test_wd_k_edges),
		cmocka_unit_test(test_full_range_keys),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_not_a_number),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_guest_part_ignored),
		cmocka_unit_test(test_policy_name_limit),
		cmocka_unit_test(test_flag_words),
		cmocka_unit_test(test_test_aids_accepted),
		cmocka_unit_test(test_several_notes_and_null_callback),
		cmocka_unit_test(test_log_port),
		cmocka_unit_test(test_simulate),
		cmocka_unit_test(test_hw_wd_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
