/* Host unit tests for hv/settings.c in a build WITHOUT the test aids (no
 * -DHV_TEST_AIDS): their keys are refused, with a note, and stay 0. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv/settings.h"
#include "tests/unit/settings_notes.h"

#ifdef HV_TEST_AIDS
#error "test_settings_release checks a build without HV_TEST_AIDS"
#endif

static void assert_aids_off(const struct hv_settings *s)
{
	assert_int_equal(s->platform_nmi, 0);
	assert_int_equal(s->crash_test, 0);
	assert_int_equal(s->self_nmi, 0);
	assert_int_equal(s->hang_test, 0);
}

static void test_not_built(void **state)
{
	(void)state;
	assert_false(settings_test_aids_built());
}

/* One test-aid key given alone: one note refusing it, every aid off. */
static void assert_refused_alone(const char *cmdline)
{
	struct hv_settings s;
	char want[128];
	struct notes n = parse(cmdline, &s);

	snprintf(want, sizeof(want), "%s refused: test aids are not in this build (make TEST_AIDS=1)",
		 cmdline);
	assert_int_equal(n.count, 1);
	assert_string_equal(n.msg[0], want);
	assert_aids_off(&s);
	assert_string_equal(s.simulate, "");
}

static void test_crash_test_refused(void **state)
{
	(void)state;
	assert_refused_alone("crash_test=5");
}

static void test_simulate_refused(void **state)
{
	(void)state;
	assert_refused_alone("simulate=svmdis");
}

static void test_hang_test_refused(void **state)
{
	(void)state;
	assert_refused_alone("hang_test=300");
}

static void test_self_nmi_refused(void **state)
{
	(void)state;
	assert_refused_alone("self_nmi=3");
}

static void test_platform_nmi_refused(void **state)
{
	(void)state;
	assert_refused_alone("platform_nmi=7");
}

/* All three together, among ordinary keys that still work; the value is
 * shown as written; =0 is refused too (the key was asked for). */
static void test_refused_among_others(void **state)
{
	struct hv_settings s;
	struct notes n = parse("tick_us=2000 self_nmi=0x3 wd_k=5 crash_test=0 platform_nmi=7 "
			       "onstop=exit", &s);
	(void)state;

	assert_int_equal(n.count, 3);
	/* Table order: platform_nmi, crash_test, self_nmi. */
	assert_string_equal(n.msg[0],
			    "platform_nmi=7 refused: test aids are not in this build (make TEST_AIDS=1)");
	assert_string_equal(n.msg[1],
			    "crash_test=0 refused: test aids are not in this build (make TEST_AIDS=1)");
	assert_string_equal(n.msg[2],
			    "self_nmi=0x3 refused: test aids are not in this build (make TEST_AIDS=1)");
	assert_aids_off(&s);
	assert_int_equal(s.tick_us, 2000);
	assert_int_equal(s.wd_k, 5);
	assert_true(s.onstop_exit);
}

/* Absent, or only in the guest's part: no note. */
static void test_absent_no_note(void **state)
{
	struct hv_settings s;
	struct notes n = parse("tick_us=2000 -- crash_test=5 self_nmi=3 platform_nmi=7", &s);
	(void)state;

	assert_int_equal(n.count, 0);
	assert_aids_off(&s);
	assert_int_equal(s.tick_us, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_built),
		cmocka_unit_test(test_crash_test_refused),
		cmocka_unit_test(test_simulate_refused),
		cmocka_unit_test(test_hang_test_refused),
		cmocka_unit_test(test_self_nmi_refused),
		cmocka_unit_test(test_platform_nmi_refused),
		cmocka_unit_test(test_refused_among_others),
		cmocka_unit_test(test_absent_no_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
