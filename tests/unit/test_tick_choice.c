/* Host unit tests for arch/x86/tick_choice.c: which SVM tick sources are
 * kept after the boot probe. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/x86/tick_choice.h"

static void test_both_fire(void **state)
{
	(void)state;
	assert_int_equal(tick_choose(5, 4), TICK_BOTH);
	assert_string_equal(tick_sources_name(TICK_BOTH), "lapic_timer+pit_nmi");
}

/* KVM's in-kernel PIT: the NMI fires once, never again. */
static void test_pit_nmi_once_is_not_a_tick(void **state)
{
	(void)state;
	assert_int_equal(tick_choose(5, 1), TICK_LAPIC);
	assert_string_equal(tick_sources_name(TICK_LAPIC), "lapic_timer");
	assert_int_equal(tick_choose(0, 1), TICK_NONE);
}

static void test_only_pit(void **state)
{
	(void)state;
	assert_int_equal(tick_choose(1, 3), TICK_PIT_NMI);
	assert_string_equal(tick_sources_name(TICK_PIT_NMI), "pit_nmi");
}

static void test_none(void **state)
{
	(void)state;
	assert_int_equal(tick_choose(0, 0), TICK_NONE);
	assert_string_equal(tick_sources_name(TICK_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_fire),
		cmocka_unit_test(test_pit_nmi_once_is_not_a_tick),
		cmocka_unit_test(test_only_pit),
		cmocka_unit_test(test_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
