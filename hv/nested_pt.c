#include "nested_pt.h"

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

bool pt_map_range(struct pt_pool *pool, uint64_t *root, uint64_t gpa, uint64_t hpa,
		  uint64_t size, const struct pt_flags *fl)
{
	if ((gpa | hpa | size) & (PAGE_SIZE - 1))
		return false;
	if (gpa > MAX_GPA || size > MAX_GPA - gpa)
		return false;
	/* The host range must stay below the 52-bit physical-address limit. */
	if ((hpa & ~PT_ADDR_MASK) || size > PT_ADDR_MASK + PAGE_SIZE - hpa)
		return false;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (!map_page(pool, root, gpa + off, hpa + off, fl))
			return false;
	return true;
}

bool pt_translate(const uint64_t *root, uint64_t gpa, const struct pt_flags *fl, uint64_t *hpa)
{
	const uint64_t *table = root;

	if (gpa >= MAX_GPA)
		return false;
	for (unsigned level = 3; level > 0; level--) {
		uint64_t e = table[level_index(gpa, level)];
		if (!(e & fl->present_mask))
			return false;
		table = (const uint64_t *)(uintptr_t)(e & PT_ADDR_MASK);
	}
	uint64_t leaf = table[level_index(gpa, 0)];
	if (!(leaf & fl->present_mask))
		return false;
	*hpa = (leaf & PT_ADDR_MASK) | (gpa & (PAGE_SIZE - 1));
	return true;
}
