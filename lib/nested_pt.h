/*
 * Four-level page tables that map guest-physical to host-physical
 * addresses, built from a fixed pool.  EPT (Intel SDM Vol. 3C 29.3) and
 * NPT (AMD APM Vol. 2 15.25) share the radix layout: 9 bits per level,
 * 4 KiB leaves, the next table's address in bits 51:12.  They differ
 * only in the permission and memory-type bits, which the backend passes
 * in, so this file touches no arch format.
 *
 * The hypervisor runs identity-mapped, so a table's address is its
 * physical address.
 */
#ifndef HV_NESTED_PT_H
#define HV_NESTED_PT_H

#include <stdbool.h>
#include <stdint.h>

#define PT_ENTRIES 512
#define PT_ADDR_MASK 0x000ffffffffff000ull

typedef uint64_t pt_page[PT_ENTRIES] __attribute__((aligned(4096)));

struct pt_pool {
	pt_page *pages;
	uint32_t capacity;
	uint32_t used;
};

struct pt_flags {
	uint64_t table; /* bits for a non-leaf entry */
	uint64_t leaf;  /* bits for a 4 KiB leaf */
	uint64_t present_mask; /* any of these bits set means "present" */
	/* The bit the CPU sets in a leaf when the guest writes its page, for
	 * pt_take_dirty(): EPT bit 9 with A/D flags on (Intel SDM 3C 29.3.5),
	 * NPT bit 6, the x86-64 D bit (AMD APM 2 15.25.5, 5.4.1).  0: none. */
	uint64_t dirty;
};

/* Tables needed to map [0, size) with 4 KiB pages (size a multiple of
 * 4 KiB, at most 512 GiB).  Used for the static pool's _Static_assert. */
#define PT_PAGES_FOR(size)                                                     \
	(1 + 1 + (((size) + (1ull << 30) - 1) >> 30) + (((size) + (1ull << 21) - 1) >> 21))

/* Allocates a zeroed root table; NULL if the pool is empty. */
uint64_t *pt_new_root(struct pt_pool *pool);

/* Maps [gpa, gpa+size) to [hpa, hpa+size), 4 KiB pages.  All three must
 * be 4 KiB aligned.  Returns false if the pool ran out or the range is
 * invalid (then nothing useful is mapped). */
bool pt_map_range(struct pt_pool *pool, uint64_t *root, uint64_t gpa, uint64_t hpa,
		  uint64_t size, const struct pt_flags *fl);

/* Walks the tables: returns true and the HPA if gpa is mapped. */
bool pt_translate(const uint64_t *root, uint64_t gpa, const struct pt_flags *fl, uint64_t *hpa);

/* Collects and clears the dirty bits (fl->dirty) of the present 4 KiB
 * leaves mapping [gpa, gpa+size), tables as pt_map_range() builds them
 * (no large pages).  For each dirty leaf, sets bit (leaf_gpa - gpa) / 4096
 * of `bitmap` (bit n in bitmap[n / 64], 1 << (n % 64)) and clears the
 * entry's dirty bit; bits of other pages are left as they were, so the
 * caller zeroes the bitmap first.  A dirty page whose bit would lie at or
 * past `bitmap_bits` is counted but neither recorded nor cleared (its
 * write is not lost): a bitmap of size / 4096 bits or more records all.
 * A NULL bitmap records nothing, whatever bitmap_bits says.
 *
 * Returns the number of dirty leaves found; 0 for a misaligned range or
 * one past 512 GiB (nothing touched).  Tables on the way that are not
 * present are skipped.  Bounded: one pass over the range's leaves, no
 * recursion.  The caller must keep the guest from running meanwhile (the
 * CPU sets the bits with locked writes; this is a plain read-modify-write)
 * and must invalidate cached translations afterwards, or the CPU may not
 * set the bits again (Intel SDM 3C 29.3.5 and 29.4.3; AMD APM 2 15.16). */
uint64_t pt_take_dirty(uint64_t *root, uint64_t gpa, uint64_t size, const struct pt_flags *fl,
		       uint64_t *bitmap, uint64_t bitmap_bits);

#endif
