#include "lib/nested_pt.h"

#include <stddef.h>
#include <string.h>

#define PAGE_SIZE 4096ull
#define MAX_GPA (1ull << 39) /* one PML4 entry's reach is plenty: 512 GiB */

static unsigned level_index(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> (12 + 9 * level)) & (PT_ENTRIES - 1);
}

uint64_t *pt_new_root(struct pt_pool *pool)
{
	if (pool->used >= pool->capacity)
		return NULL;
	uint64_t *page = pool->pages[pool->used++];
	memset(page, 0, sizeof(pt_page));
	return page;
}

/* Returns the table that `entry` points to, creating it if needed. */
static uint64_t *next_table(struct pt_pool *pool, uint64_t *entry, const struct pt_flags *fl)
{
	if (*entry & fl->present_mask)
		return (uint64_t *)(uintptr_t)(*entry & PT_ADDR_MASK);
	uint64_t *table = pt_new_root(pool);
	if (table == NULL)
		return NULL;
	*entry = ((uint64_t)(uintptr_t)table & PT_ADDR_MASK) | fl->table;
	return table;
}

static bool map_page(struct pt_pool *pool, uint64_t *root, uint64_t gpa, uint64_t hpa,
		     const struct pt_flags *fl)
{
	uint64_t *table = root;

	for (unsigned level = 3; level > 0; level--) {
		table = next_table(pool, &table[level_index(gpa, level)], fl);
		if (table == NULL)
			return false;
	}
	table[level_index(gpa, 0)] = (hpa & PT_ADDR_MASK) | fl->leaf;
	return true;
}

/* A guest range the tables can cover: 4 KiB aligned, below MAX_GPA. */
static bool gpa_range_ok(uint64_t gpa, uint64_t size)
{
	return ((gpa | size) & (PAGE_SIZE - 1)) == 0 && gpa <= MAX_GPA && size <= MAX_GPA - gpa;
}

bool pt_map_range(struct pt_pool *pool, uint64_t *root, uint64_t gpa, uint64_t hpa,
		  uint64_t size, const struct pt_flags *fl)
{
	if (!gpa_range_ok(gpa, size))
		return false;
	/* The host range must stay below the 52-bit physical-address limit. */
	if ((hpa & ~PT_ADDR_MASK) || size > PT_ADDR_MASK + PAGE_SIZE - hpa)
		return false;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (!map_page(pool, root, gpa + off, hpa + off, fl))
			return false;
	return true;
}

/* The page table (level 0) that maps gpa, or NULL if an entry on the
 * way is not present.  Returns a non-const pointer, like strchr(). */
static uint64_t *leaf_table(const uint64_t *root, uint64_t gpa, const struct pt_flags *fl)
{
	const uint64_t *table = root;

	for (unsigned level = 3; level > 0; level--) {
		uint64_t e = table[level_index(gpa, level)];
		if (!(e & fl->present_mask))
			return NULL;
		table = (const uint64_t *)(uintptr_t)(e & PT_ADDR_MASK);
	}
	return (uint64_t *)(uintptr_t)table;
}

bool pt_translate(const uint64_t *root, uint64_t gpa, const struct pt_flags *fl, uint64_t *hpa)
{
	if (gpa >= MAX_GPA)
		return false;
	const uint64_t *table = leaf_table(root, gpa, fl);
	if (table == NULL)
		return false;
	uint64_t leaf = table[level_index(gpa, 0)];
	if (!(leaf & fl->present_mask))
		return false;
	*hpa = (leaf & PT_ADDR_MASK) | (gpa & (PAGE_SIZE - 1));
	return true;
}

/* Where pt_take_dirty() records: bit n for the page at base + n * 4 KiB. */
struct dirty_out {
	uint64_t *bits;
	uint64_t nbits;
	uint64_t base;
};

/* The dirty leaves of one page table for [at, end), a range inside the
 * 2 MiB that table maps. */
static uint64_t take_dirty_leaves(uint64_t *table, uint64_t at, uint64_t end,
				  const struct pt_flags *fl, const struct dirty_out *out)
{
	uint64_t found = 0;

	for (; at < end; at += PAGE_SIZE) {
		uint64_t *e = &table[level_index(at, 0)];
		if (!(*e & fl->present_mask) || !(*e & fl->dirty))
			continue;
		found++;
		uint64_t n = (at - out->base) / PAGE_SIZE;
		if (n >= out->nbits)
			continue; /* left dirty: nowhere to record it */
		out->bits[n / 64] |= 1ull << (n % 64);
		*e &= ~fl->dirty;
	}
	return found;
}

uint64_t pt_take_dirty(uint64_t *root, uint64_t gpa, uint64_t size, const struct pt_flags *fl,
		       uint64_t *bitmap, uint64_t bitmap_bits)
{
	const struct dirty_out out = { bitmap, bitmap != NULL ? bitmap_bits : 0, gpa };
	const uint64_t pt_span = PAGE_SIZE * PT_ENTRIES; /* what one page table maps */
	uint64_t found = 0;

	if (!gpa_range_ok(gpa, size))
		return 0;
	/* One page table at a time: size / 2 MiB + 1 walks at most. */
	for (uint64_t at = gpa, end = gpa + size; at < end;) {
		uint64_t next = (at | (pt_span - 1)) + 1;
		uint64_t stop = next < end ? next : end;
		uint64_t *table = leaf_table(root, at, fl);
		if (table != NULL)
			found += take_dirty_leaves(table, at, stop, fl, &out);
		at = stop;
	}
	return found;
}
