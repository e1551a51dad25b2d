/*
 * Crash-dump scenarios (docs/dumps.md): ranges registered through the
 * stub, a stateless guest, a dump the guest asks for.  The e2e runs
 * (tests/e2e/run.py, *-dump-*) look for the markers below in the log, in
 * what hvdump writes, and must not find the private one in plaintext.
 */
#include <stdint.h>

#include "../../guest-stub/stub.h"
#include "console.h"
#include "scenarios.h"

/* One page each, identity-mapped (GVA == GPA): important, regenerable,
 * private.  Page-aligned, as HC_DUMP wants. */
static uint8_t dump_pages[3][4096] __attribute__((aligned(4096)));

/* Each marker is kept in two halves and joined in its page at run time:
 * the whole text then exists only in that page, never in the image
 * (whose code and data pages a dump may well hold). */
struct marker {
	const char *head, *tail;
};
static const struct marker mark_important = { "IMPORTANT-RANGE-", "MARKER-4b8e0c" };
static const struct marker mark_regen = { "REGENERABLE-RANGE-", "MARKER-71c2aa" };
static const struct marker mark_private = { "PRIVATE-RANGE-", "MARKER-9d1e5c37" };

/* The marker again and again over the page, one copy every 64 bytes. */
static void fill(uint8_t *page, const struct marker *m)
{
	for (unsigned at = 0; at + 64 <= 4096; at += 64) {
		unsigned n = 0;
		for (const char *c = m->head; *c; c++)
			page[at + n++] = (uint8_t)*c;
		for (const char *c = m->tail; *c; c++)
			page[at + n++] = (uint8_t)*c;
	}
}

static uint64_t gpa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int expect(const char *what, int64_t got, int64_t want)
{
	if (got == want)
		return 1;
	say(what);
	con_puts(" FAILED status=");
	con_puti(got);
	con_puts("\n");
	return 0;
}

void scenario_dumpranges(void)
{
	int ok = 1;
	uint64_t ram = boot->ram_size;

	/* Bad calls first: each refused with its code, nothing kept. */
	ok &= expect("misaligned range", hvstub_dump_range(HV_DUMP_IMPORTANT, gpa_of(dump_pages[0]) + 8, 4096),
		     HV_E_RANGE);
	ok &= expect("range beyond RAM", hvstub_dump_range(HV_DUMP_IMPORTANT, ram - 4096, 8192), HV_E_RANGE);
	ok &= expect("wrapping range", hvstub_dump_range(HV_DUMP_PRIVATE, 0xfffffffffffff000ull, 0x2000),
		     HV_E_RANGE);
	ok &= expect("empty range", hvstub_dump_range(HV_DUMP_PRIVATE, 0x200000, 0), HV_E_RANGE);
	ok &= expect("bad kind", hvstub_call(HC_DUMP, 99, 0x200000, 4096).status, HV_E_INVAL);
	ok &= expect("too many pages", hvstub_dump_range(HV_DUMP_IMPORTANT, 0x400000,
							 (HV_DUMP_RANGE_PAGES_MAX + 1) * 4096ull), HV_E_FULL);
	for (unsigned i = 0; i < HV_DUMP_RANGES_MAX; i++)
		ok &= expect("filling ranges", hvstub_dump_range(HV_DUMP_REGENERABLE, 0x400000 + i * 4096ull, 4096),
			     HV_OK);
	ok &= expect("one range too many", hvstub_dump_range(HV_DUMP_REGENERABLE, 0x500000, 4096), HV_E_FULL);
	ok &= expect("overlap", hvstub_dump_range(HV_DUMP_PRIVATE, 0x400000, 4096), HV_E_INVAL);
	ok &= expect("clear", hvstub_dump_clear(), HV_OK);

	fill(dump_pages[0], &mark_important);
	fill(dump_pages[1], &mark_regen);
	fill(dump_pages[2], &mark_private);
	ok &= expect("important", hvstub_dump_range(HV_DUMP_IMPORTANT, gpa_of(dump_pages[0]), 4096), HV_OK);
	ok &= expect("regenerable", hvstub_dump_range(HV_DUMP_REGENERABLE, gpa_of(dump_pages[1]), 4096), HV_OK);
	ok &= expect("private", hvstub_dump_range(HV_DUMP_PRIVATE, gpa_of(dump_pages[2]), 4096), HV_OK);
	say(ok ? "dump ranges ok\n" : "dump ranges FAILED\n");
	say("dump pages at ");
	con_putu(gpa_of(dump_pages[0]), 16);
	con_puts("\n");
}

void scenario_stateless(void)
{
	int64_t st = hvstub_set_stateless(1);

	say_num("declared stateless status=", st, "\n");
}

/* A kernel dump now, then one more at once: the second is refused
 * (HV_E_BUSY), and the guest goes on after the first. */
void scenario_dumpreq(void)
{
	int64_t a = hvstub_request_dump(HV_DUMP_LEVEL_KERNEL);
	int64_t b = hvstub_request_dump(HV_DUMP_LEVEL_KERNEL);
	int64_t c = hvstub_request_dump((enum hv_dump_level)7);

	say_num("dump request status=", a, "");
	put_num(" again=", b, "");
	put_num(" badlevel=", c, "\n");
	say(a == HV_OK && b == HV_E_BUSY && c == HV_E_INVAL ? "dump request ok\n" : "dump request FAILED\n");
}
