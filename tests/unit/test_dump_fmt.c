/*
 * Host unit tests for hv/dump_fmt.c: the pages a mini dump takes and the
 * dump_mem records that carry them (docs/dumps.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "hv/dump_fmt.h"

/* RFC 4648 section 10's test vectors. */
static void test_b64_vectors(void **state)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char buf[16];
	(void)state;

	for (unsigned i = 0; i < 7; i++) {
		size_t n = dump_b64(buf, (const uint8_t *)in[i], strlen(in[i]));
		assert_int_equal(n, strlen(out[i]));
		assert_string_equal(buf, out[i]);
	}
	/* All 64 symbols, and a whole chunk without padding. */
	uint8_t all[48];
	for (unsigned i = 0; i < 48; i++)
		all[i] = (uint8_t)(i * 5 + 3);
	char b[DUMP_CHUNK_B64 + 1];
	assert_int_equal(dump_b64(b, all, 48), 64);
	uint8_t chunk[DUMP_CHUNK];
	memset(chunk, 0xff, sizeof(chunk));
	assert_int_equal(dump_b64(b, chunk, DUMP_CHUNK), DUMP_CHUNK_B64);
	assert_null(strchr(b, '='));
}

/* The longest record head with a full chunk still fits one log line's
 * text, and out-of-range pieces are refused. */
static void test_mem_record_bounds(void **state)
{
	char buf[DUMP_TEXT_MAX + 1];
	uint8_t data[DUMP_CHUNK];
	(void)state;

	memset(data, 0xa5, sizeof(data));
	size_t n = dump_fmt_mem(buf, sizeof(buf), UINT32_MAX, UINT32_MAX, DUMP_PAGE - DUMP_CHUNK, data,
				DUMP_CHUNK);
	assert_true(n > 0 && n <= DUMP_TEXT_MAX);
	assert_int_equal(strlen(buf), n);
	assert_non_null(strstr(buf, "dump_mem id=4294967295 i=4294967295 off=4006 d="));
	assert_null(strchr(buf, '*')); /* '*' would end the log line's text */
	/* A piece past the page's end, an empty or too big piece, no room. */
	assert_int_equal(dump_fmt_mem(buf, sizeof(buf), 1, 1, DUMP_PAGE - 10, data, 11), 0);
	assert_int_equal(dump_fmt_mem(buf, sizeof(buf), 1, 1, DUMP_PAGE, data, 1), 0);
	assert_int_equal(dump_fmt_mem(buf, sizeof(buf), 1, 1, 0, data, 0), 0);
	assert_int_equal(dump_fmt_mem(buf, sizeof(buf), 1, 1, 0, data, DUMP_CHUNK + 1), 0);
	assert_int_equal(dump_fmt_mem(buf, DUMP_TEXT_MAX, 1, 1, 0, data, 1), 0);
}

/* Zero pieces are skipped; the others cover exactly the non-zero bytes,
 * in order, and the last piece of a page is the short one. */
static void test_chunk_walk(void **state)
{
	static uint8_t page[DUMP_PAGE];
	uint32_t pos = 0, off, n, seen = 0, last_end = 0;
	(void)state;

	memset(page, 0, sizeof(page));
	assert_false(dump_next_chunk(page, &pos, &off, &n)); /* all zero: nothing */
	page[0] = 1;
	page[DUMP_CHUNK * 7 + 3] = 2;
	page[DUMP_PAGE - 1] = 3;
	pos = 0;
	while (dump_next_chunk(page, &pos, &off, &n)) {
		assert_true(off % DUMP_CHUNK == 0 && off >= last_end);
		assert_true(n <= DUMP_CHUNK && off + n <= DUMP_PAGE);
		last_end = off + n;
		seen++;
	}
	assert_int_equal(seen, 3);
	assert_int_equal(last_end, DUMP_PAGE);
	assert_int_equal(DUMP_PAGE % DUMP_CHUNK, 46); /* the short last piece */
}

static unsigned plan(uint64_t rip, uint64_t rsp, bool shared, bool boot, struct dump_req *r)
{
	const struct dump_mini_in in = { .rip = rip, .rsp = rsp, .has_shared = shared,
					 .has_boot = boot, .shared_gpa = 0x9000, .boot_gpa = 0x1234 };

	return dump_mini_plan(&in, r, DUMP_MINI_REQ_MAX);
}

/* The usual case: 3 pages around RIP, 4 from RSP up, shared, boot. */
static void test_mini_plan(void **state)
{
	struct dump_req r[DUMP_MINI_REQ_MAX];
	(void)state;

	assert_int_equal(plan(0x102236, 0x10cfa8, true, true, r), 9);
	assert_true(r[0].addr == 0x101000 && r[0].virt && r[0].what == DUMP_WHAT_RIP && r[0].delta == -1);
	assert_true(r[2].addr == 0x103000 && r[2].delta == 1);
	assert_true(r[3].addr == 0x10c000 && r[3].what == DUMP_WHAT_RSP && r[3].delta == 0);
	assert_true(r[6].addr == 0x10f000 && r[6].delta == 3);
	assert_true(r[7].addr == 0x9000 && !r[7].virt && r[7].what == DUMP_WHAT_SHARED);
	assert_true(r[8].addr == 0x1000 && !r[8].virt && r[8].what == DUMP_WHAT_BOOT);
	/* The whole plan is within the 64 KiB bound. */
	assert_true(DUMP_MINI_REQ_MAX * DUMP_PAGE <= 65536);
	/* Without a stub and boot info: only the virtual pages. */
	assert_int_equal(plan(0x102236, 0x10cfa8, false, false, r), 7);
}

/* RIP and RSP in the same pages: each page once. */
static void test_mini_plan_overlap(void **state)
{
	struct dump_req r[DUMP_MINI_REQ_MAX];
	(void)state;

	unsigned n = plan(0x200000, 0x200010, false, false, r);
	assert_int_equal(n, 5); /* 0x1ff000, 0x200000, 0x201000, 0x202000, 0x203000 */
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = i + 1; k < n; k++)
			assert_false(r[i].addr == r[k].addr);
	/* A guest-physical page at the same number as a virtual one is a
	 * different page: both kept. */
	const struct dump_mini_in in = { .rip = 0x9000, .rsp = 0x50000, .has_shared = true,
					 .shared_gpa = 0x9000 };
	assert_int_equal(dump_mini_plan(&in, r, DUMP_MINI_REQ_MAX), 8);
}

/* Near the ends of the address space nothing wraps around. */
static void test_mini_plan_edges(void **state)
{
	struct dump_req r[DUMP_MINI_REQ_MAX];
	(void)state;

	unsigned n = plan(0x10, UINT64_MAX - 5, false, false, r);
	/* RIP page 0 has no page below it; RSP's top page has none above. */
	assert_int_equal(n, 3);
	assert_true(r[0].addr == 0 && r[0].delta == 0);
	assert_true(r[1].addr == 0x1000);
	assert_true(r[2].addr == (UINT64_MAX & ~0xfffull) && r[2].what == DUMP_WHAT_RSP);
	/* A caller's smaller array is respected. */
	const struct dump_mini_in in = { .rip = 0x5000, .rsp = 0x90000 };
	assert_int_equal(dump_mini_plan(&in, r, 2), 2);
	assert_int_equal(dump_mini_plan(&in, r, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_mem_record_bounds),
		cmocka_unit_test(test_chunk_walk),
		cmocka_unit_test(test_mini_plan),
		cmocka_unit_test(test_mini_plan_overlap),
		cmocka_unit_test(test_mini_plan_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
