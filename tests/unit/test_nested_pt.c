/* Host unit tests for lib/nested_pt.c: radix tables built in a host pool.
 * Table "physical" addresses are host virtual addresses here, which is
 * what the identity-mapped hypervisor assumes too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/nested_pt.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define HPA_BASE 0x40000000ull /* guest RAM lies at 1 GiB in host memory */

#define POOL_PAGES 64
static pt_page pool_pages[POOL_PAGES];

static const struct pt_flags ept = { .table = 7, .leaf = 0x37, .present_mask = 7, .dirty = 1u << 9 };
static const struct pt_flags npt = { .table = 7, .leaf = 7, .present_mask = 1, .dirty = 1u << 6 };
/* What the CPU sets besides the dirty bit: EPT A (bit 8), NPT A (bit 5). */
#define EPT_ACCESSED (1ull << 8)
#define NPT_ACCESSED (1ull << 5)

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

/* The leaf entry itself, for the tests that play the CPU setting bits. */
static uint64_t *leaf_ptr(uint64_t *root, uint64_t gpa, const struct pt_flags *fl)
{
	uint64_t *t = root;

	for (int level = 3; level > 0; level--) {
		uint64_t e = t[(gpa >> (12 + 9 * level)) & 511];
		assert_true(e & fl->present_mask);
		t = (uint64_t *)(uintptr_t)(e & PT_ADDR_MASK);
	}
	return &t[(gpa >> 12) & 511];
}

/* Marks guest page `page` (GPA page * 4 KiB) written, as the CPU would,
 * with the accessed bit too. */
static void dirty_page(uint64_t *root, uint64_t page, const struct pt_flags *fl, uint64_t accessed)
{
	*leaf_ptr(root, page * 4 * KiB, fl) |= fl->dirty | accessed;
}

static bool bit_set(const uint64_t *bitmap, uint64_t n)
{
	return (bitmap[n / 64] >> (n % 64)) & 1;
}

#define RAM_8M_PAGES (8 * MiB / (4 * KiB))

/* Every leaf of [0, 8 MiB) maps its page, with the accessed bit where
 * `accessed` says, and no dirty bit. */
static void expect_clean_8m(uint64_t *root, const struct pt_flags *fl, const uint64_t *accessed_pages,
			    unsigned n_accessed, uint64_t accessed)
{
	for (uint64_t p = 0; p < RAM_8M_PAGES; p++) {
		uint64_t want = (HPA_BASE + p * 4 * KiB) | fl->leaf;
		for (unsigned i = 0; i < n_accessed; i++)
			if (accessed_pages[i] == p)
				want |= accessed;
		assert_int_equal(*leaf_ptr(root, p * 4 * KiB, fl), want);
	}
}

/* Dirty pages at both ends of the range and on both sides of a page
 * table's edge (511 | 512) land on the right bits, lose their dirty bit
 * (and nothing else), and a second pass finds nothing. */
static void check_take_dirty_8m(const struct pt_flags *fl, uint64_t accessed)
{
	static const uint64_t pages[] = { 0, 1, 511, 512, 1000, 1023, 1024, RAM_8M_PAGES - 1 };
	const unsigned n = sizeof(pages) / sizeof(pages[0]);
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	uint64_t bitmap[RAM_8M_PAGES / 64] = { 0 };

	assert_true(pt_map_range(&pool, root, 0, HPA_BASE, 8 * MiB, fl));
	for (unsigned i = 0; i < n; i++)
		dirty_page(root, pages[i], fl, accessed);
	assert_int_equal(pt_take_dirty(root, 0, 8 * MiB, fl, bitmap, RAM_8M_PAGES), n);
	for (uint64_t p = 0, i = 0; p < RAM_8M_PAGES; p++) {
		bool want = i < n && pages[i] == p;
		assert_int_equal(bit_set(bitmap, p), want);
		i += want;
	}
	expect_clean_8m(root, fl, pages, n, accessed);

	memset(bitmap, 0, sizeof(bitmap));
	assert_int_equal(pt_take_dirty(root, 0, 8 * MiB, fl, bitmap, RAM_8M_PAGES), 0);
	for (unsigned w = 0; w < RAM_8M_PAGES / 64; w++)
		assert_int_equal(bitmap[w], 0);
	expect_clean_8m(root, fl, pages, n, accessed);
}

static void test_take_dirty_ept(void **state) { (void)state; check_take_dirty_8m(&ept, EPT_ACCESSED); }
static void test_take_dirty_npt(void **state) { (void)state; check_take_dirty_8m(&npt, NPT_ACCESSED); }

/* Bits already set in the bitmap stay set (the caller may accumulate). */
static void test_take_dirty_keeps_bitmap_bits(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	uint64_t bitmap[2] = { 1ull << 5, 1ull << 63 };
	(void)state;

	assert_true(pt_map_range(&pool, root, 0, HPA_BASE, 128 * 4 * KiB, &npt));
	dirty_page(root, 6, &npt, 0);
	assert_int_equal(pt_take_dirty(root, 0, 128 * 4 * KiB, &npt, bitmap, 128), 1);
	assert_int_equal(bitmap[0], (1ull << 5) | (1ull << 6));
	assert_int_equal(bitmap[1], 1ull << 63);
}

/* Bit n counts from the start of the range walked, not from GPA 0; pages
 * outside the range are left alone. */
static void test_take_dirty_offset_range(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	const uint64_t gpa = 1 * GiB - 8 * KiB; /* straddles a PDPT boundary */
	uint64_t bitmap[1] = { 0 };
	(void)state;

	assert_true(pt_map_range(&pool, root, gpa - 4 * KiB, HPA_BASE, 24 * KiB, &ept));
	for (uint64_t p = 0; p < 6; p++)
		dirty_page(root, (gpa >> 12) - 1 + p, &ept, 0);
	/* Walk the middle four pages: first, last, and across 1 GiB. */
	assert_int_equal(pt_take_dirty(root, gpa, 16 * KiB, &ept, bitmap, 64), 4);
	assert_int_equal(bitmap[0], 0xF);
	assert_true(*leaf_ptr(root, gpa - 4 * KiB, &ept) & ept.dirty);
	assert_true(*leaf_ptr(root, gpa + 16 * KiB, &ept) & ept.dirty);
	for (uint64_t off = 0; off < 16 * KiB; off += 4 * KiB)
		assert_false(*leaf_ptr(root, gpa + off, &ept) & ept.dirty);
}

/* A dirty page past the bitmap is counted, not recorded, and stays dirty;
 * the words after the bitmap are not touched. */
static void test_take_dirty_small_bitmap(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	uint64_t bitmap[2] = { 0, 0xC0FFEE };
	(void)state;

	assert_true(pt_map_range(&pool, root, 0, HPA_BASE, 128 * 4 * KiB, &ept));
	dirty_page(root, 63, &ept, 0);
	dirty_page(root, 64, &ept, 0);
	dirty_page(root, 127, &ept, 0);
	assert_int_equal(pt_take_dirty(root, 0, 128 * 4 * KiB, &ept, bitmap, 64), 3);
	assert_int_equal(bitmap[0], 1ull << 63);
	assert_int_equal(bitmap[1], 0xC0FFEE);
	assert_false(*leaf_ptr(root, 63 * 4 * KiB, &ept) & ept.dirty);
	assert_true(*leaf_ptr(root, 64 * 4 * KiB, &ept) & ept.dirty);
	assert_true(*leaf_ptr(root, 127 * 4 * KiB, &ept) & ept.dirty);

	/* No bitmap at all: count only.  A big enough one takes the rest. */
	assert_int_equal(pt_take_dirty(root, 0, 128 * 4 * KiB, &ept, NULL, 0), 2);
	assert_int_equal(pt_take_dirty(root, 0, 128 * 4 * KiB, &ept, NULL, 128), 2);
	assert_int_equal(pt_take_dirty(root, 0, 128 * 4 * KiB, &ept, bitmap, 128), 2);
	assert_int_equal(bitmap[1], 0xC0FFEE | 1ull | (1ull << 63));
	assert_int_equal(pt_take_dirty(root, 0, 128 * 4 * KiB, &ept, bitmap, 128), 0);
}

/* Unmapped parts of the range (no page table, or a non-present leaf with
 * the dirty bit pattern in it) are skipped. */
static void test_take_dirty_skips_unmapped(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	uint64_t bitmap[RAM_8M_PAGES / 64] = { 0 };
	(void)state;

	/* [0, 4 KiB) and [2 MiB - 4 KiB, 2 MiB): one page table, mostly empty. */
	assert_true(pt_map_range(&pool, root, 0, HPA_BASE, 4 * KiB, &npt));
	assert_true(pt_map_range(&pool, root, 2 * MiB - 4 * KiB, HPA_BASE, 4 * KiB, &npt));
	uint64_t *hole = leaf_ptr(root, 0, &npt) + 1;
	*hole = npt.dirty; /* not present (bit 0 clear) */
	dirty_page(root, 511, &npt, 0);
	assert_int_equal(pt_take_dirty(root, 0, 8 * MiB, &npt, bitmap, RAM_8M_PAGES), 1);
	assert_int_equal(bitmap[7], 1ull << 63);
	assert_int_equal(*hole, npt.dirty);
	for (unsigned w = 0; w < 7; w++)
		assert_int_equal(bitmap[w], 0);
}

/* A misaligned or too large range is refused whole; no dirty bit: nothing. */
static void test_take_dirty_bad_args(void **state)
{
	struct pt_pool pool = make_pool(POOL_PAGES);
	uint64_t *root = pt_new_root(&pool);
	uint64_t bitmap[2] = { 0 };
	const struct pt_flags no_dirty = { .table = 7, .leaf = 7, .present_mask = 1, .dirty = 0 };
	(void)state;

	assert_true(pt_map_range(&pool, root, 0, HPA_BASE, 128 * 4 * KiB, &npt));
	dirty_page(root, 0, &npt, 0);
	assert_int_equal(pt_take_dirty(root, 0x800, 4 * KiB, &npt, bitmap, 128), 0);
	assert_int_equal(pt_take_dirty(root, 0, 4 * KiB + 1, &npt, bitmap, 128), 0);
	assert_int_equal(pt_take_dirty(root, 512 * GiB, 4 * KiB, &npt, bitmap, 128), 0);
	assert_int_equal(pt_take_dirty(root, 4 * KiB, UINT64_MAX & ~4095ull, &npt, bitmap, 128), 0);
	assert_int_equal(pt_take_dirty(root, 0, 0, &npt, bitmap, 128), 0);
	assert_int_equal(pt_take_dirty(root, 0, 128 * 4 * KiB, &no_dirty, bitmap, 128), 0);
	assert_int_equal(bitmap[0] | bitmap[1], 0);
	assert_true(*leaf_ptr(root, 0, &npt) & npt.dirty);
	assert_int_equal(pt_take_dirty(root, 0, 4 * KiB, &npt, bitmap, 128), 1);
	assert_int_equal(bitmap[0], 1);
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
		cmocka_unit_test(test_take_dirty_ept),
		cmocka_unit_test(test_take_dirty_npt),
		cmocka_unit_test(test_take_dirty_keeps_bitmap_bits),
		cmocka_unit_test(test_take_dirty_offset_range),
		cmocka_unit_test(test_take_dirty_small_bitmap),
		cmocka_unit_test(test_take_dirty_skips_unmapped),
		cmocka_unit_test(test_take_dirty_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
