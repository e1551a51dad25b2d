/* Host unit tests for hv/nested_pt.c: radix tables built in a host pool.
 * Table "physical" addresses are host virtual addresses here, which is
 * what the identity-mapped hypervisor assumes too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "../../hv/nested_pt.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define HPA_BASE 0x40000000ull /* guest RAM lies at 1 GiB in host memory */

#define POOL_PAGES 64
static pt_page pool_pages[POOL_PAGES];

static const struct pt_flags ept = { .table = 7, .leaf = 0x37, .present_mask = 7 };
static const struct pt_flags npt = { .table = 7, .leaf = 7, .present_mask = 1 };

static struct pt_pool make_pool(uint32_t capacity)
{
	assert_true(capacity <= POOL_PAGES);
	memset(pool_pages, 0xA5, sizeof(pool_pages)); /* the pool must zero tables */
	return (struct pt_pool){ .pages = pool_pages, .capacity = capacity, .used = 0 };
}

/* The leaf entry for gpa, or 0 if a table on the way is missing. */
static uint64_t leaf_entry(const uint64_t *root, uint64_t gpa, const struct pt_flags *fl)
{
	const uint64_t *t = root;

	for (int level = 3; level > 0; level--) {
		uint64_t e = t[(gpa >> (12 + 9 * level)) & 511];
		if (!(e & fl->present_mask))
			return 0;
		assert_int_equal(e & ~PT_ADDR_MASK, fl->table);
		t = (const uint64_t *)(uintptr_t)(e & PT_ADDR_MASK);
	}
	return t[(gpa >> 12) & 511];
}

static void expect_mapped(const uint64_t *root, uint64_t gpa, uint64_t hpa,
			  const struct pt_flags *fl)
{
	uint64_t got = 0;

	assert_true(pt_translate(root, gpa, fl, &got));
	assert_int_equal(got, hpa);
	assert_int_equal(leaf_entry(root, gpa, fl) & ~PT_ADDR_MASK, fl->leaf);
}

static void expect_unmapped(const uint64_t *root, uint64_t gpa, const struct pt_flags *fl)
{
	uint64_t got = 0x1234;

	assert_false(pt_translate(root, gpa, fl, &got));
	assert_int_equal(got, 0x1234);
}

static void test_new_root(void **state)
{
	struct pt_pool pool = make_pool(2);
	(void)state;

	uint64_t *a = pt_new_root(&pool);
	uint64_t *b = pt_new_root(&pool);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal((uintptr_t)a & 4095, 0);
	for (int i = 0; i < PT_ENTRIES; i++)
		assert_int_equal(a[i], 0);
	assert_null(pt_new_root(&pool));
	assert_int_equal(pool.used, 2);
}

static void check_map_8m(const struct pt_flags *fl)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	const uint64_t size = 8 * MiB;

	assert_true(pt_map_range(&pool, root, 0, HPA_BASE, size, fl));
	expect_mapped(root, 0, HPA_BASE, fl);
	expect_mapped(root, 0x123, HPA_BASE + 0x123, fl);
	expect_mapped(root, 2 * MiB, HPA_BASE + 2 * MiB, fl);
	expect_mapped(root, 3 * MiB + 0x5000 + 0xabc, HPA_BASE + 3 * MiB + 0x5abc, fl);
	expect_mapped(root, size - 4 * KiB, HPA_BASE + size - 4 * KiB, fl);
	expect_mapped(root, size - 1, HPA_BASE + size - 1, fl);
	expect_unmapped(root, size, fl);
	expect_unmapped(root, size + 4 * KiB, fl);
	expect_unmapped(root, 1 * GiB, fl);
	expect_unmapped(root, 512 * GiB - 4096, fl);
	expect_unmapped(root, 512 * GiB, fl);
	expect_unmapped(root, UINT64_MAX, fl);
	assert_int_equal(pool.used, PT_PAGES_FOR(size));
}

static void test_map_8m_ept(void **state) { (void)state; check_map_8m(&ept); }
static void test_map_8m_npt(void **state) { (void)state; check_map_8m(&npt); }

static void test_map_at_offset_gpa(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	const uint64_t gpa = 1 * GiB - 8 * KiB; /* straddles a PDPT boundary */
	(void)state;

	assert_true(pt_map_range(&pool, root, gpa, HPA_BASE, 16 * KiB, &ept));
	expect_unmapped(root, gpa - 4 * KiB, &ept);
	expect_mapped(root, gpa, HPA_BASE, &ept);
	expect_mapped(root, 1 * GiB, HPA_BASE + 8 * KiB, &ept);
	expect_mapped(root, gpa + 12 * KiB, HPA_BASE + 12 * KiB, &ept);
	expect_unmapped(root, gpa + 16 * KiB, &ept);
	expect_unmapped(root, 0, &ept);
}

static void test_misaligned_rejected(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	(void)state;

	assert_false(pt_map_range(&pool, root, 0x800, HPA_BASE, 4 * KiB, &ept));
	assert_false(pt_map_range(&pool, root, 0, HPA_BASE + 1, 4 * KiB, &ept));
	assert_false(pt_map_range(&pool, root, 0, HPA_BASE, 4 * KiB + 1, &ept));
	assert_int_equal(pool.used, 1); /* nothing allocated */
	expect_unmapped(root, 0, &ept);
}

static void test_out_of_range_rejected(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	(void)state;

	/* Beyond the 512 GiB one PML4 entry covers. */
	assert_false(pt_map_range(&pool, root, 512 * GiB, HPA_BASE, 4 * KiB, &ept));
	assert_false(pt_map_range(&pool, root, 512 * GiB - 4 * KiB, HPA_BASE, 8 * KiB, &ept));
	assert_false(pt_map_range(&pool, root, 4 * KiB, HPA_BASE, UINT64_MAX & ~4095ull, &ept));
	/* HPA beyond bit 51, or HPA range running past 2^52. */
	assert_false(pt_map_range(&pool, root, 0, 1ull << 52, 4 * KiB, &ept));
	assert_false(pt_map_range(&pool, root, 0, (1ull << 52) - 4 * KiB, 8 * KiB, &ept));
	assert_false(pt_map_range(&pool, root, 0, 0xfffffffffffff000ull, 8 * KiB, &ept));
	assert_int_equal(pool.used, 1);
	/* The very last HPA page is fine. */
	assert_true(pt_map_range(&pool, root, 0, (1ull << 52) - 4 * KiB, 4 * KiB, &ept));
	expect_mapped(root, 0xfff, (1ull << 52) - 1, &ept);
}

static void test_remap_reuses_tables(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	(void)state;

	assert_true(pt_map_range(&pool, root, 0, HPA_BASE, 2 * MiB, &npt));
	uint32_t used = pool.used;
	assert_true(pt_map_range(&pool, root, 0, HPA_BASE + 4 * MiB, 2 * MiB, &npt));
	assert_int_equal(pool.used, used);
	expect_mapped(root, 0x1000, HPA_BASE + 4 * MiB + 0x1000, &npt);
}

static void test_pool_exhaustion(void **state)
{
	struct pt_pool pool = make_pool(3); /* root + PDPT + PD, no PT */
	uint64_t *root = pt_new_root(&pool);
	(void)state;

	assert_false(pt_map_range(&pool, root, 0, HPA_BASE, 4 * KiB, &ept));
	assert_int_equal(pool.used, 3);
}

/* A pool of exactly PT_PAGES_FOR(size) maps [0, size); one page fewer does not. */
static void check_pages_for(uint64_t size)
{
	const uint32_t need = (uint32_t)PT_PAGES_FOR(size);
	struct pt_pool pool = make_pool(need);
	uint64_t *root = pt_new_root(&pool);

	assert_true(pt_map_range(&pool, root, 0, HPA_BASE, size, &ept));
	assert_int_equal(pool.used, need);
	expect_mapped(root, size - 4 * KiB, HPA_BASE + size - 4 * KiB, &ept);

	pool = make_pool(need - 1);
	root = pt_new_root(&pool);
	assert_false(pt_map_range(&pool, root, 0, HPA_BASE, size, &ept));
}

static void test_pages_for_8m(void **state)
{
	(void)state;
	assert_int_equal(PT_PAGES_FOR(8 * MiB), 7);
	check_pages_for(8 * MiB);
}

static void test_pages_for_2m_4k(void **state)
{
	(void)state;
	assert_int_equal(PT_PAGES_FOR(2 * MiB + 4 * KiB), 5);
	check_pages_for(2 * MiB + 4 * KiB);
	check_pages_for(4 * KiB);
	check_pages_for(2 * MiB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_root),
		cmocka_unit_test(test_map_8m_ept),
		cmocka_unit_test(test_map_8m_npt),
		cmocka_unit_test(test_map_at_offset_gpa),
		cmocka_unit_test(test_misaligned_rejected),
		cmocka_unit_test(test_out_of_range_rejected),
		cmocka_unit_test(test_remap_reuses_tables),
		cmocka_unit_test(test_pool_exhaustion),
		cmocka_unit_test(test_pages_for_8m),
		cmocka_unit_test(test_pages_for_2m_4k),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
