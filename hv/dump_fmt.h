/*
 * Crash dumps on the report stream (docs/dumps.md): the pure parts.
 * Which pages a mini dump takes, and the text of the records that carry a
 * dump, so that host tests can check every bound.  hv/dump.c does the
 * I/O; tools/hvdump.c reads the records back.
 *
 * Pure logic: no global state, no allocation, no platform calls.
 */
#ifndef HV_DUMP_FMT_H
#define HV_DUMP_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DUMP_PAGE 4096u
/* Raw bytes per dump_mem record: base64 makes 120 characters of them
 * (no padding: 90 is a multiple of 3), which with the longest record
 * head fits the text every log line is sure to hold (DUMP_TEXT_MAX). */
#define DUMP_CHUNK 90u
#define DUMP_CHUNK_B64 (DUMP_CHUNK / 3u * 4u)
/* Text lib/log.c always fits in one line (docs/report-stream.md: "at
 * least 184 bytes of text always fit"). */
#define DUMP_TEXT_MAX 184u
/* A mini dump's pages: 3 around RIP, RSP's page and 3 above it (the
 * frames of the calls that led there), the shared page, the boot-info
 * page; room for a few more.  Bounded to 64 KiB of guest memory. */
#define DUMP_MINI_PAGES_MAX 16u
_Static_assert(DUMP_MINI_PAGES_MAX * DUMP_PAGE <= 64u * 1024u, "a mini dump is at most 64 KiB");
#define DUMP_RIP_BELOW 1u
#define DUMP_RIP_ABOVE 1u
#define DUMP_RSP_ABOVE 3u
/* The page requests a mini plan can make (each may be skipped). */
#define DUMP_MINI_REQ_MAX (DUMP_RIP_BELOW + 1u + DUMP_RIP_ABOVE + 1u + DUMP_RSP_ABOVE + 2u)
/* The pages a VMCOREINFO note of HV_DUMP_VMCOREINFO_MAX bytes may touch
 * (it need not be page-aligned): a mini dump takes them after its plan. */
#define DUMP_VMCOREINFO_PAGES_MAX 3u
_Static_assert(DUMP_MINI_REQ_MAX + DUMP_VMCOREINFO_PAGES_MAX <= DUMP_MINI_PAGES_MAX,
	       "every request and the VMCOREINFO pages fit the mini bound");

/* Why a page of a mini dump is in it. */
enum dump_what {
	DUMP_WHAT_RIP,    /* around RIP (guest-virtual) */
	DUMP_WHAT_RSP,    /* RSP's page and above (guest-virtual) */
	DUMP_WHAT_SHARED, /* the stub's shared page (guest-physical) */
	DUMP_WHAT_BOOT,   /* the boot-info page (guest-physical) */
	DUMP_WHAT_RAM,    /* a page of a full dump (guest-physical) */
	DUMP_WHAT_IMPORTANT, /* a page of a range the guest registered as important */
	DUMP_WHAT_VMCOREINFO, /* a page of the guest kernel's VMCOREINFO note */
	DUMP_WHAT_COUNT
};
const char *dump_what_name(enum dump_what w);

/* One page a mini dump asks for: guest-virtual (translated through the
 * guest's page tables) or guest-physical. */
struct dump_req {
	uint64_t addr; /* page-aligned */
	bool virt;
	uint8_t what;  /* enum dump_what */
	int8_t delta;  /* pages from RIP's or RSP's page */
};

struct dump_mini_in {
	uint64_t rip, rsp;
	bool has_shared, has_boot;
	uint64_t shared_gpa, boot_gpa;
};

/*
 * The pages of a mini dump, in order, without duplicates (a page asked
 * for twice, under the same kind of address, is taken once) and without
 * addresses that would wrap past 2^64.  Returns how many (at most
 * DUMP_MINI_REQ_MAX, and never more than max).
 */
unsigned dump_mini_plan(const struct dump_mini_in *in, struct dump_req *out, unsigned max);

/* Base64 (RFC 4648, with '=' padding) of n bytes into out, which must
 * hold 4 * ((n + 2) / 3) + 1 bytes; returns the length written (the NUL
 * is not counted). */
size_t dump_b64(char *out, const uint8_t *in, size_t n);

/* True if the n bytes are all zero. */
bool dump_all_zero(const uint8_t *p, size_t n);

/* The text of a dump_mem record (without the log line's frame): bytes
 * [off, off + n) of the dump's current page, n <= DUMP_CHUNK.  Returns the
 * length, at most DUMP_TEXT_MAX, or 0 if n or off is out of range or size
 * is too small. */
size_t dump_fmt_mem(char *buf, size_t size, uint32_t id, uint32_t idx, uint32_t off,
		    const uint8_t *data, size_t n);

/* Walks a page in DUMP_CHUNK pieces, skipping the all-zero ones: *pos
 * is where to look next (0 for a new page).  Returns false when the page
 * is done; else sets *off and *n to the next non-zero piece and moves
 * *pos past it.  The last piece of a page is shorter (4096 = 45 * 90 + 46). */
bool dump_next_chunk(const uint8_t *page, uint32_t *pos, uint32_t *off, uint32_t *n);

#endif
