/*
 * Host unit tests for hv/ckpt_map.c: a checkpoint slot's page map (hold,
 * drop, find, a full arena) and the dirty-bitmap helpers the engine's
 * incremental save and restore walk.  Built small: 2 MiB of guest RAM
 * (512 pages), 1 MiB slots (256 pages).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/ckpt_map.h"

static struct ckpt_map m;

static void test_hold_find_drop(void **state)
{
	uint32_t a, b, again;
	(void)state;

	ckpt_map_clear(&m);
	assert_int_equal(ckpt_map_find(&m, 7), -1);
	assert_true(ckpt_map_hold(&m, 7, &a));
	assert_true(ckpt_map_hold(&m, 9, &b));
	assert_int_not_equal(a, b);
	assert_true(ckpt_map_hold(&m, 7, &again)); /* held already: the same arena page */
	assert_int_equal(again, a);
	assert_int_equal(m.held, 2);
	assert_int_equal(ckpt_map_find(&m, 7), a);
	ckpt_map_drop(&m, 7);
	assert_int_equal(ckpt_map_find(&m, 7), -1);
	assert_int_equal(m.held, 1);
	ckpt_map_drop(&m, 7); /* twice: nothing */
	assert_int_equal(m.held, 1);
	assert_true(ckpt_map_hold(&m, 11, &again)); /* the freed arena page is used again */
	assert_int_equal(again, a);
	assert_false(ckpt_map_hold(&m, GUEST_PAGES, &again)); /* out of range */
	assert_int_equal(ckpt_map_find(&m, GUEST_PAGES), -1);
}

static void test_arena_full(void **state)
{
	uint32_t at, seen[CKPT_SLOT_PAGES] = { 0 };
	(void)state;

	ckpt_map_clear(&m);
	for (uint64_t p = 0; p < CKPT_SLOT_PAGES; p++) {
		assert_true(ckpt_map_hold(&m, p, &at));
		assert_true(at < CKPT_SLOT_PAGES);
		assert_int_equal(seen[at], 0); /* every arena page handed out once */
		seen[at] = 1;
	}
	assert_false(ckpt_map_hold(&m, CKPT_SLOT_PAGES, &at));
	assert_int_equal(ckpt_map_find(&m, CKPT_SLOT_PAGES), -1);
	assert_int_equal(m.held, CKPT_SLOT_PAGES);
	ckpt_map_drop(&m, 3);
	assert_true(ckpt_map_hold(&m, CKPT_SLOT_PAGES, &at));
	ckpt_map_clear(&m);
	assert_int_equal(m.held, 0);
	assert_int_equal(ckpt_map_find(&m, 0), -1);
}

static void test_dirty_helpers(void **state)
{
	static struct guest_dirty a, b;
	(void)state;

	dirty_clear(&a);
	assert_int_equal(dirty_next(&a, 0), GUEST_PAGES);
	assert_int_equal(dirty_count(&a), 0);
	dirty_clear(&b);
	b.bits[0] = 1ull << 63;
	b.bits[1] = 1;
	b.bits[GUEST_PAGES / 64 - 1] = 1ull << 63;
	dirty_or(&a, &b);
	assert_int_equal(dirty_count(&a), 3);
	assert_int_equal(dirty_next(&a, 0), 63);
	assert_int_equal(dirty_next(&a, 63), 63);
	assert_int_equal(dirty_next(&a, 64), 64);
	assert_int_equal(dirty_next(&a, 65), GUEST_PAGES - 1);
	assert_int_equal(dirty_next(&a, GUEST_PAGES - 1), GUEST_PAGES - 1);
	dirty_fill(&a);
	assert_int_equal(dirty_count(&a), GUEST_PAGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_find_drop),
		cmocka_unit_test(test_arena_full),
		cmocka_unit_test(test_dirty_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
