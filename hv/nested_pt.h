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

#endif
