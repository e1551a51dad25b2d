/*
 * The guest's dump ranges and its stateless flag (HC_DUMP, docs/dumps.md):
 * what a guest registers, checked and kept, pure.  hv/dump_guest.c owns
 * the one instance and answers the hypercall; hv/dump.c asks which kind
 * a page is.
 *
 * Pure logic: no global state, no allocation, no platform calls.
 */
#ifndef HV_DUMP_RANGES_H
#define HV_DUMP_RANGES_H

#include <stdbool.h>
#include <stdint.h>

#include "include/hv_abi.h"

enum dump_range_kind {
	DUMP_RANGE_NONE = 0,
	DUMP_RANGE_IMPORTANT = HV_DUMP_IMPORTANT,
	DUMP_RANGE_REGENERABLE = HV_DUMP_REGENERABLE,
	DUMP_RANGE_PRIVATE = HV_DUMP_PRIVATE,
};
const char *dump_range_kind_name(enum dump_range_kind k);

struct dump_range {
	uint64_t gpa, bytes; /* page-aligned, inside guest RAM */
	uint8_t kind;        /* enum dump_range_kind */
};

struct dump_ranges {
	uint64_t generation; /* the boot generation they belong to */
	unsigned n;
	uint64_t kept_pages; /* important + private */
	bool stateless;
	struct dump_range r[HV_DUMP_RANGES_MAX];
	/* The guest kernel's VMCOREINFO note (HV_DUMP_VMCOREINFO); bytes 0: none. */
	uint64_t vmcoreinfo_gpa, vmcoreinfo_bytes;
};

_Static_assert(HV_DUMP_RANGES_MAX <= 64, "a dump lists its ranges one record each");
_Static_assert(HV_DUMP_RANGE_PAGES_MAX <= 4096, "a kernel dump stays within 16 MiB of ranges");

/* Forgets everything; the ranges now belong to `generation`. */
void dump_ranges_reset(struct dump_ranges *s, uint64_t generation);

/* Starts afresh if `generation` is not the ranges' own (a reset came). */
void dump_ranges_sync(struct dump_ranges *s, uint64_t generation);

/*
 * Adds [gpa, gpa + bytes) as `kind`.  Returns HV_OK, HV_E_INVAL (kind is
 * not a range kind, or the range overlaps one already registered),
 * HV_E_RANGE (bytes 0, not 4 KiB-aligned, wraps, or not inside guest RAM
 * of ram_bytes), HV_E_FULL (HV_DUMP_RANGES_MAX ranges already, or the
 * important and private pages would exceed HV_DUMP_RANGE_PAGES_MAX).
 * Nothing changes unless it returns HV_OK.
 */
int64_t dump_ranges_add(struct dump_ranges *s, uint64_t gpa, uint64_t bytes, uint64_t kind,
			uint64_t ram_bytes);

/*
 * Where the guest's VMCOREINFO note lies: [gpa, gpa + bytes), replacing
 * the one given before.  HV_OK, or HV_E_RANGE (bytes 0 or above
 * HV_DUMP_VMCOREINFO_MAX, wraps, or not inside guest RAM of ram_bytes),
 * and then nothing changes.
 */
int64_t dump_ranges_set_vmcoreinfo(struct dump_ranges *s, uint64_t gpa, uint64_t bytes,
				   uint64_t ram_bytes);

/* The kind of the range holding the page at gpa, or DUMP_RANGE_NONE. */
enum dump_range_kind dump_ranges_kind_of(const struct dump_ranges *s, uint64_t gpa);

#endif
