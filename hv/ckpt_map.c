/* A checkpoint slot's page map (hv/ckpt_map.h).  Pure. */
#include "hv/ckpt_map.h"

void ckpt_map_clear(struct ckpt_map *m)
{
	for (uint64_t p = 0; p < GUEST_PAGES; p++)
		m->where[p] = CKPT_NOT_HELD;
	/* Handed out from the top of the list: arena page 0 first. */
	for (uint32_t i = 0; i < CKPT_SLOT_PAGES; i++)
		m->free_list[i] = CKPT_SLOT_PAGES - 1 - i;
	m->free_count = CKPT_SLOT_PAGES;
	m->held = 0;
}

bool ckpt_map_hold(struct ckpt_map *m, uint64_t page, uint32_t *arena_page)
{
	if (page >= GUEST_PAGES)
		return false;
	if (m->where[page] != CKPT_NOT_HELD) {
		*arena_page = m->where[page] - 1;
		return true;
	}
	if (m->free_count == 0)
		return false;
	*arena_page = m->free_list[--m->free_count];
	m->where[page] = *arena_page + 1;
	m->held++;
	return true;
}

void ckpt_map_drop(struct ckpt_map *m, uint64_t page)
{
	if (page >= GUEST_PAGES || m->where[page] == CKPT_NOT_HELD)
		return;
	m->free_list[m->free_count++] = m->where[page] - 1;
	m->where[page] = CKPT_NOT_HELD;
	m->held--;
}

int64_t ckpt_map_find(const struct ckpt_map *m, uint64_t page)
{
	if (page >= GUEST_PAGES || m->where[page] == CKPT_NOT_HELD)
		return -1;
	return (int64_t)m->where[page] - 1;
}

void dirty_or(struct guest_dirty *dst, const struct guest_dirty *src)
{
	for (uint64_t i = 0; i < GUEST_PAGES / 64; i++)
		dst->bits[i] |= src->bits[i];
}

void dirty_fill(struct guest_dirty *d)
{
	for (uint64_t i = 0; i < GUEST_PAGES / 64; i++)
		d->bits[i] = ~0ull;
}

void dirty_clear(struct guest_dirty *d)
{
	for (uint64_t i = 0; i < GUEST_PAGES / 64; i++)
		d->bits[i] = 0;
}

uint64_t dirty_next(const struct guest_dirty *d, uint64_t from)
{
	for (uint64_t i = from / 64; i < GUEST_PAGES / 64; i++) {
		uint64_t w = d->bits[i];
		if (i == from / 64)
			w &= ~0ull << (from % 64);
		if (w)
			return i * 64 + (uint64_t)__builtin_ctzll(w);
	}
	return GUEST_PAGES;
}

uint64_t dirty_count(const struct guest_dirty *d)
{
	uint64_t n = 0;

	/* No popcount builtin: the freestanding build has no libgcc. */
	for (uint64_t i = 0; i < GUEST_PAGES / 64; i++)
		for (uint64_t w = d->bits[i]; w; w &= w - 1)
			n++;
	return n;
}
