/* Host unit tests for hv/bootinfo.c: the boot memory map. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/bootinfo.h"

static struct boot_info bi;

static int setup(void **state)
{
	(void)state;
	memset(&bi, 0, sizeof(bi));
	return 0;
}

static void test_add_records(void **state)
{
	(void)state;

	boot_mmap_add(&bi, 0x1000, 0x9f000, BOOT_MEM_USABLE);
	boot_mmap_add(&bi, 0xf0000, 0x10000, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap_dropped, 0);
	assert_int_equal(bi.mmap[0].base, 0x1000);
	assert_int_equal(bi.mmap[0].length, 0x9f000);
	assert_int_equal(bi.mmap[0].type, BOOT_MEM_USABLE);
	assert_int_equal(bi.mmap[1].base, 0xf0000);
	assert_int_equal(bi.mmap[1].type, BOOT_MEM_RESERVED);
}

static void test_overflow_counted(void **state)
{
	(void)state;

	for (unsigned i = 0; i < BOOT_MMAP_MAX; i++)
		boot_mmap_add(&bi, i * 0x1000ull, 0x1000, BOOT_MEM_USABLE);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	assert_int_equal(bi.mmap_dropped, 0);
	boot_mmap_add(&bi, 0xdead000, 0x1000, BOOT_MEM_USABLE);
	boot_mmap_add(&bi, 0xbeef000, 0x1000, BOOT_MEM_ACPI);
	boot_mmap_add(&bi, 0xcafe000, 0x1000, BOOT_MEM_OTHER);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	assert_int_equal(bi.mmap_dropped, 3);
	assert_int_equal(bi.mmap[BOOT_MMAP_MAX - 1].base, (BOOT_MMAP_MAX - 1) * 0x1000ull);
	/* Dropped entries do not count as usable memory. */
	assert_int_equal(boot_mmap_usable_bytes(&bi), BOOT_MMAP_MAX * 0x1000ull);
}

static void test_usable_bytes(void **state)
{
	(void)state;

	assert_int_equal(boot_mmap_usable_bytes(&bi), 0);
	boot_mmap_add(&bi, 0, 0x9fc00, BOOT_MEM_USABLE);
	boot_mmap_add(&bi, 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	boot_mmap_add(&bi, 0xe0000, 0x20000, BOOT_MEM_ACPI);
	boot_mmap_add(&bi, 0x100000, 0x7ee0000, BOOT_MEM_USABLE);
	boot_mmap_add(&bi, 0xfffc0000, 0x40000, BOOT_MEM_OTHER);
	boot_mmap_add(&bi, 0x100000000ull, 0x180000000ull, BOOT_MEM_USABLE);
	assert_int_equal(boot_mmap_usable_bytes(&bi), 0x9fc00 + 0x7ee0000 + 0x180000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_add_records, setup),
		cmocka_unit_test_setup(test_overflow_counted, setup),
		cmocka_unit_test_setup(test_usable_bytes, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
