/* Unit tests: the guest's dump ranges (hv/dump_ranges.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/dump_ranges.h"

#define RAM (8ull << 20)

static void test_add_and_kind(void **state)
{
	struct dump_ranges s;

	(void)state;
	dump_ranges_reset(&s, 1);
	assert_int_equal(dump_ranges_add(&s, 0x100000, 0x2000, HV_DUMP_IMPORTANT, RAM), HV_OK);
	assert_int_equal(dump_ranges_add(&s, 0x200000, 0x1000, HV_DUMP_PRIVATE, RAM), HV_OK);
	assert_int_equal(dump_ranges_add(&s, 0x300000, 0x1000, HV_DUMP_REGENERABLE, RAM), HV_OK);
	assert_int_equal(dump_ranges_kind_of(&s, 0x100000), DUMP_RANGE_IMPORTANT);
	assert_int_equal(dump_ranges_kind_of(&s, 0x101000), DUMP_RANGE_IMPORTANT);
	assert_int_equal(dump_ranges_kind_of(&s, 0x102000), DUMP_RANGE_NONE);
	assert_int_equal(dump_ranges_kind_of(&s, 0x200000), DUMP_RANGE_PRIVATE);
	assert_int_equal(dump_ranges_kind_of(&s, 0x300000), DUMP_RANGE_REGENERABLE);
	assert_int_equal(dump_ranges_kind_of(&s, 0xfff), DUMP_RANGE_NONE);
	assert_int_equal(s.kept_pages, 3); /* regenerable pages are not kept */
}

static void test_bad_ranges(void **state)
{
	struct dump_ranges s;

	(void)state;
	dump_ranges_reset(&s, 1);
	assert_int_equal(dump_ranges_add(&s, 0x100000, 0, HV_DUMP_IMPORTANT, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_add(&s, 0x100008, 0x1000, HV_DUMP_IMPORTANT, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_add(&s, 0x100000, 0x1008, HV_DUMP_IMPORTANT, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_add(&s, RAM, 0x1000, HV_DUMP_IMPORTANT, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_add(&s, RAM - 0x1000, 0x2000, HV_DUMP_IMPORTANT, RAM), HV_E_RANGE);
	/* gpa + bytes wraps past 2^64: still refused */
	assert_int_equal(dump_ranges_add(&s, 0xfffffffffffff000ull, 0x2000, HV_DUMP_PRIVATE, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_add(&s, 0x1000, 0xfffffffffffff000ull, HV_DUMP_PRIVATE, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_add(&s, 0x100000, 0x1000, 0, RAM), HV_E_INVAL);
	assert_int_equal(dump_ranges_add(&s, 0x100000, 0x1000, HV_DUMP_CLEAR, RAM), HV_E_INVAL);
	assert_int_equal(s.n, 0);
	/* The last page of RAM is fine. */
	assert_int_equal(dump_ranges_add(&s, RAM - 0x1000, 0x1000, HV_DUMP_IMPORTANT, RAM), HV_OK);
}

static void test_overlap(void **state)
{
	struct dump_ranges s;

	(void)state;
	dump_ranges_reset(&s, 1);
	assert_int_equal(dump_ranges_add(&s, 0x100000, 0x3000, HV_DUMP_PRIVATE, RAM), HV_OK);
	assert_int_equal(dump_ranges_add(&s, 0x102000, 0x1000, HV_DUMP_REGENERABLE, RAM), HV_E_INVAL);
	assert_int_equal(dump_ranges_add(&s, 0xff000, 0x2000, HV_DUMP_IMPORTANT, RAM), HV_E_INVAL);
	assert_int_equal(dump_ranges_add(&s, 0xff000, 0x1000, HV_DUMP_IMPORTANT, RAM), HV_OK);
	assert_int_equal(dump_ranges_add(&s, 0x103000, 0x1000, HV_DUMP_IMPORTANT, RAM), HV_OK);
}

static void test_limits(void **state)
{
	struct dump_ranges s;

	(void)state;
	dump_ranges_reset(&s, 1);
	for (unsigned i = 0; i < HV_DUMP_RANGES_MAX; i++)
		assert_int_equal(dump_ranges_add(&s, 0x100000 + i * 0x2000ull, 0x1000, HV_DUMP_REGENERABLE, RAM),
				 HV_OK);
	assert_int_equal(dump_ranges_add(&s, 0x400000, 0x1000, HV_DUMP_REGENERABLE, RAM), HV_E_FULL);
	dump_ranges_reset(&s, 1);
	assert_int_equal(dump_ranges_add(&s, 0, (HV_DUMP_RANGE_PAGES_MAX + 1) * 4096ull, HV_DUMP_IMPORTANT, RAM),
			 HV_E_FULL);
	assert_int_equal(dump_ranges_add(&s, 0, HV_DUMP_RANGE_PAGES_MAX * 4096ull, HV_DUMP_IMPORTANT, RAM), HV_OK);
	assert_int_equal(dump_ranges_add(&s, 0x600000, 0x1000, HV_DUMP_PRIVATE, RAM), HV_E_FULL);
	/* Regenerable ranges cost no dump space. */
	assert_int_equal(dump_ranges_add(&s, 0x600000, 0x100000, HV_DUMP_REGENERABLE, RAM), HV_OK);
}

static void test_generation(void **state)
{
	struct dump_ranges s;

	(void)state;
	dump_ranges_reset(&s, 1);
	assert_int_equal(dump_ranges_add(&s, 0x100000, 0x1000, HV_DUMP_PRIVATE, RAM), HV_OK);
	s.stateless = true;
	dump_ranges_sync(&s, 1);
	assert_int_equal(s.n, 1);
	assert_true(s.stateless);
	dump_ranges_sync(&s, 2); /* a reset: the new guest starts with none */
	assert_int_equal(s.n, 0);
	assert_false(s.stateless);
	assert_int_equal(dump_ranges_kind_of(&s, 0x100000), DUMP_RANGE_NONE);
}

/* The VMCOREINFO note: any alignment, inside RAM, bounded; a refused
 * one leaves the last one in place; a reset forgets it. */
static void test_vmcoreinfo(void **state)
{
	struct dump_ranges s;

	(void)state;
	dump_ranges_reset(&s, 1);
	assert_int_equal(s.vmcoreinfo_bytes, 0);
	assert_int_equal(dump_ranges_set_vmcoreinfo(&s, 0x123010, 4132, RAM), HV_OK);
	assert_int_equal(s.vmcoreinfo_gpa, 0x123010);
	assert_int_equal(s.vmcoreinfo_bytes, 4132);
	assert_int_equal(dump_ranges_set_vmcoreinfo(&s, 0x1000, 0, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_set_vmcoreinfo(&s, 0x1000, HV_DUMP_VMCOREINFO_MAX + 1, RAM),
			 HV_E_RANGE);
	assert_int_equal(dump_ranges_set_vmcoreinfo(&s, RAM - 100, 101, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_set_vmcoreinfo(&s, RAM, 1, RAM), HV_E_RANGE);
	assert_int_equal(dump_ranges_set_vmcoreinfo(&s, 0xffffffffffffff00ull, 0x200, RAM), HV_E_RANGE);
	assert_int_equal(s.vmcoreinfo_gpa, 0x123010);
	assert_int_equal(s.vmcoreinfo_bytes, 4132);
	assert_int_equal(dump_ranges_set_vmcoreinfo(&s, RAM - 100, 100, RAM), HV_OK);
	assert_int_equal(dump_ranges_set_vmcoreinfo(&s, 0, HV_DUMP_VMCOREINFO_MAX, RAM), HV_OK);
	dump_ranges_sync(&s, 2);
	assert_int_equal(s.vmcoreinfo_bytes, 0);
	/* no range is added by it */
	assert_int_equal(s.n, 0);
	assert_int_equal(s.kept_pages, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_kind), cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_overlap), cmocka_unit_test(test_limits),
		cmocka_unit_test(test_generation), cmocka_unit_test(test_vmcoreinfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
