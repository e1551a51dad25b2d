/*
 * A checkpoint slot's page map (docs/checkpoints.md, "The engine"): which
 * guest pages the slot holds and where in its arena.  A page not held is
 * a page that was all zero when saved.  Pure: no memory is copied here;
 * the glue (hv/ckpt.c) copies what the map says.  Also the dirty-page
 * bitmaps' helpers, shared by the engine and the reset path.
 */
#ifndef HV_CKPT_MAP_H
#define HV_CKPT_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest_types.h"

/* A slot's guest-RAM arena, in pages (a build setting: make CKPT_SLOT_MB=). */
#ifndef HV_CKPT_SLOT_MB
#define HV_CKPT_SLOT_MB 4
#endif
#define CKPT_SLOT_PAGES ((uint32_t)((uint64_t)HV_CKPT_SLOT_MB << 20) / (uint32_t)GUEST_PAGE_SIZE)
_Static_assert(HV_CKPT_SLOT_MB >= 1 && HV_CKPT_SLOT_MB <= HV_GUEST_RAM_MB,
	       "a slot: 1 MiB up to guest RAM");

#define CKPT_NOT_HELD 0u /* where[]: the page is not in the arena (zero) */

struct ckpt_map {
	uint32_t where[GUEST_PAGES];      /* arena page + 1, or CKPT_NOT_HELD */
	uint32_t free_list[CKPT_SLOT_PAGES]; /* arena pages not in use */
	uint32_t free_count;
	uint32_t held;                    /* pages in use */
};

/* Empties the map: every page not held, every arena page free. */
void ckpt_map_clear(struct ckpt_map *m);
/* The arena page that holds guest page `page`, giving it one if it has
 * none.  false if the arena is full (nothing changes) or page is out of
 * range. */
bool ckpt_map_hold(struct ckpt_map *m, uint64_t page, uint32_t *arena_page);
/* The guest page is zero now: its arena page goes back to the free list. */
void ckpt_map_drop(struct ckpt_map *m, uint64_t page);
/* The arena page holding `page`, or -1 if none (a zero page). */
int64_t ckpt_map_find(const struct ckpt_map *m, uint64_t page);

/* dst |= src, over the whole guest. */
void dirty_or(struct guest_dirty *dst, const struct guest_dirty *src);
void dirty_fill(struct guest_dirty *d);
void dirty_clear(struct guest_dirty *d);
/* The next set bit at or after page `from`, or GUEST_PAGES if none. */
uint64_t dirty_next(const struct guest_dirty *d, uint64_t from);
uint64_t dirty_count(const struct guest_dirty *d);

#endif
