/*
 * Host unit tests for tools/hvdump_asm.c: dumps written with the
 * hypervisor's own record formatting (hv/dump_fmt.c), framed as the log
 * frames them, reassembled, and every kind of damage refused
 * (docs/dumps.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hv/dump_fmt.h"
#include "lib/crc32.h"
#include "tools/hvdump_asm.h"

#define LINES_MAX 512
#define PAGES 2

/* A dump as text records (before framing), so a test can damage it. */
static char lines[LINES_MAX][DUMP_TEXT_MAX + 64];
static unsigned nlines;
static uint8_t pages[PAGES][DUMP_PAGE];
static struct hvdump_asm asmb;
static struct hvlog_record rec;

/* What the sink saw. */
static uint8_t got[PAGES][DUMP_PAGE];
static int got_pages;
static unsigned ends, ends_ok;

static void sink_page(void *ctx, const struct hvdump_info *d, uint64_t vaddr, uint64_t gpa)
{
	(void)ctx;
	(void)d;
	(void)gpa;
	got_pages++;
	assert_true(vaddr % DUMP_PAGE == 0);
}

static void sink_data(void *ctx, const struct hvdump_info *d, uint32_t off, const uint8_t *p, size_t n)
{
	(void)ctx;
	assert_true(got_pages >= 1 && got_pages <= PAGES);
	assert_true(off < DUMP_PAGE && n <= DUMP_PAGE - off);
	(void)d;
	memcpy(&got[got_pages - 1][off], p, n);
}

static void sink_end(void *ctx, const struct hvdump_info *d)
{
	(void)ctx;
	ends++;
	ends_ok += d->ok;
}

static const struct hvdump_sink sink = { NULL, sink_page, sink_data, sink_end };

static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
	va_list ap;

	assert_true(nlines < LINES_MAX);
	va_start(ap, fmt);
	vsnprintf(lines[nlines++], sizeof(lines[0]), fmt, ap);
	va_end(ap);
}

/* Two pages with some zero pieces, the records the hypervisor writes;
 * note (if not NULL): the fields of a dump_note record after the
 * registers. */
static void make_dump_noted(const char *note)
{
	uint32_t idx = 0, crc = 0, chunks = 0;

	nlines = 0;
	memset(pages, 0, sizeof(pages));
	for (unsigned i = 0; i < 1000; i++)
		pages[0][i * 3 % DUMP_PAGE] = (uint8_t)(i + 1);
	memcpy(&pages[1][DUMP_PAGE - 5], "tail", 5);
	add("dump_begin id=7 level=mini cause=panic rule=any_panic backend=svm ram_bytes=134217728");
	add("dump_regs id=7 i=%u rax=0x1 rip=0x102236 rsp=0x10cfa8 cs_sel=0x8", idx++);
	if (note)
		add("dump_note id=7 i=%u %s", idx++, note);
	for (unsigned p = 0; p < PAGES; p++) {
		uint32_t pos = 0, off, n;
		add("dump_page id=7 i=%u vaddr=0x%x gpa=0x%x what=rip", idx++, 0x100000 + p * 0x1000,
		    0x100000 + p * 0x1000);
		crc = crc32_ieee_update(crc, pages[p], DUMP_PAGE);
		while (dump_next_chunk(pages[p], &pos, &off, &n)) {
			assert_true(nlines < LINES_MAX);
			assert_true(dump_fmt_mem(lines[nlines++], sizeof(lines[0]), 7, idx++, off,
						 &pages[p][off], n) > 0);
			chunks++;
		}
	}
	add("dump_skip id=7 i=%u what=rsp delta=3 gva=0x110000 why=unmapped", idx++);
	add("dump_end id=7 level=mini records=%u pages=%u chunks=%u zero_pages=0 skipped=1 crc=%08x us=5",
	    idx, PAGES, chunks, crc);
}

static void make_dump(void)
{
	make_dump_noted(NULL);
}

/* Frames text as lib/log.c does and feeds it. */
static void feed_line(uint64_t seq, const char *text, bool damage)
{
	char line[1200];
	int n = snprintf(line, sizeof(line), "HV1 %llu 100 info stat %s", (unsigned long long)seq, text);
	uint32_t crc = crc32_ieee(line, (size_t)n);
	snprintf(line + n, sizeof(line) - (size_t)n, " *%08x", damage ? crc ^ 1 : crc);
	int st = hvlog_parse_line(line, strlen(line), &rec);
	hvdump_asm_line(&asmb, st, &rec, &sink);
}

/* Feeds lines[], leaving out line `drop` and damaging line `bad` (-1:
 * none); ends the input unless `open`. */
static const struct hvdump_info *run(int drop, int bad, bool finish)
{
	memset(got, 0, sizeof(got));
	got_pages = 0;
	ends = ends_ok = 0;
	hvdump_asm_init(&asmb);
	feed_line(0, "hypervisor start", false);
	for (unsigned i = 0; i < nlines; i++)
		if ((int)i != drop)
			feed_line(1 + i, lines[i], (int)i == bad);
	if (finish)
		hvdump_asm_finish(&asmb, &sink);
	return asmb.nsummary ? &asmb.summary[asmb.nsummary - 1] : NULL;
}

static void test_round_trip(void **state)
{
	(void)state;
	make_dump();
	const struct hvdump_info *d = run(-1, -1, true);
	assert_non_null(d);
	assert_true(d->ok);
	assert_int_equal(ends_ok, 1);
	assert_int_equal(d->id, 7);
	assert_string_equal(d->level, "mini");
	assert_string_equal(d->rule, "any_panic");
	assert_int_equal(d->pages, PAGES);
	assert_int_equal(d->skipped, 1);
	assert_non_null(strstr(d->skips[0], "unmapped"));
	uint64_t rip = 0;
	assert_true(hvdump_reg(d, "rip", &rip));
	assert_int_equal(rip, 0x102236);
	assert_false(hvdump_reg(d, "i", &rip)); /* the index is not a register */
	assert_memory_equal(got, pages, sizeof(pages));
}

/* A lost chunk, in the middle or the last one: the index shows it. */
static void test_missing_chunk(void **state)
{
	(void)state;
	make_dump();
	const struct hvdump_info *d = run(5, -1, true);
	assert_false(d->ok);
	assert_non_null(strstr(d->err, "missing"));
	d = run((int)nlines - 3, -1, true); /* the last dump_mem before the skip */
	assert_false(d->ok);
	assert_non_null(strstr(d->err, "missing"));
	assert_int_equal(ends_ok, 0);
}

/* Two chunks swapped: their index and their offsets are out of order. */
static void test_reordered(void **state)
{
	char tmp[sizeof(lines[0])];
	(void)state;
	make_dump();
	memcpy(tmp, lines[4], sizeof(tmp));
	memcpy(lines[4], lines[5], sizeof(tmp));
	memcpy(lines[5], tmp, sizeof(tmp));
	assert_false(run(-1, -1, true)->ok);
}

/* A damaged line inside the dump, even a chunk's, fails it. */
static void test_damaged_line(void **state)
{
	(void)state;
	make_dump();
	const struct hvdump_info *d = run(-1, 6, true);
	assert_false(d->ok);
	assert_non_null(strstr(d->err, "damaged"));
}

/* Data that arrived intact but is not what was sent (a changed byte
 * before the line was framed): the page CRC catches it. */
static void test_page_crc(void **state)
{
	(void)state;
	make_dump();
	char *d = strstr(lines[3], " d=");
	assert_non_null(d);
	d[3] = d[3] == 'A' ? 'B' : 'A';
	const struct hvdump_info *r = run(-1, -1, true);
	assert_false(r->ok);
	assert_non_null(strstr(r->err, "CRC"));
}

/* No dump_end (the log ends, or the hypervisor restarts): cut short. */
static void test_cut_short(void **state)
{
	(void)state;
	make_dump();
	const struct hvdump_info *d = run((int)nlines - 1, -1, true);
	assert_false(d->ok);
	assert_non_null(strstr(d->err, "cut short"));
	run((int)nlines - 1, -1, false);
	feed_line(0, "hypervisor start", false);
	assert_int_equal(asmb.nsummary, 1);
	assert_false(asmb.summary[0].ok);
	assert_non_null(strstr(asmb.summary[0].err, "restart"));
}

/* A piece that would run past its page, and a repeated one. */
static void test_bad_offsets(void **state)
{
	(void)state;
	make_dump();
	/* line 3 is the first dump_mem: move it near the page's end */
	char *off = strstr(lines[3], "off=0 ");
	assert_non_null(off);
	memcpy(off, "off=4090", 8); /* 4090 + 90 > 4096 */
	memmove(off + 8, off + 6, strlen(off + 6) + 1);
	assert_false(run(-1, -1, true)->ok);
	assert_int_equal(got_pages, 1);

	make_dump();
	/* the second piece says it starts where the first did */
	char *o2 = strstr(lines[4], "off=");
	assert_non_null(o2);
	memcpy(o2, "off=0 ", 6);
	memmove(o2 + 6, strchr(o2 + 4, ' ') + 1, strlen(strchr(o2 + 4, ' ') + 1) + 1);
	assert_false(run(-1, -1, true)->ok);
}

/* Counts in dump_end that do not match what came. */
static void test_counts(void **state)
{
	(void)state;
	make_dump();
	char *p = strstr(lines[nlines - 1], "skipped=1");
	assert_non_null(p);
	p[8] = '2';
	assert_false(run(-1, -1, true)->ok);
}

static void test_b64_decode(void **state)
{
	uint8_t out[8];
	(void)state;

	assert_int_equal(hvdump_b64_decode("Zm9vYmFy", 8, out, sizeof(out)), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(hvdump_b64_decode("Zg==", 4, out, sizeof(out)), 1);
	assert_int_equal(hvdump_b64_decode("Zm8=", 4, out, sizeof(out)), 2);
	assert_int_equal(hvdump_b64_decode("Zg=a", 4, out, sizeof(out)), -1);
	assert_int_equal(hvdump_b64_decode("Z===", 4, out, sizeof(out)), -1);
	assert_int_equal(hvdump_b64_decode("Zg==Zg==", 8, out, sizeof(out)), -1);
	assert_int_equal(hvdump_b64_decode("Zm9", 3, out, sizeof(out)), -1);
	assert_int_equal(hvdump_b64_decode("Zm9*", 4, out, sizeof(out)), -1);
	assert_int_equal(hvdump_b64_decode("Zm9vYmFy", 8, out, 5), -1); /* does not fit */
}

/* The VMCOREINFO note's place: kept for the sink; a bad or second one
 * fails the dump. */
static void test_vmcoreinfo_note(void **state)
{
	(void)state;
	make_dump();
	const struct hvdump_info *d = run(-1, -1, true);
	assert_true(d->ok);
	assert_int_equal(d->vmcoreinfo_bytes, 0);
	make_dump_noted("name=VMCOREINFO gpa=0x100ff0 bytes=4132");
	d = run(-1, -1, true);
	assert_true(d->ok);
	assert_int_equal(d->vmcoreinfo_gpa, 0x100ff0);
	assert_int_equal(d->vmcoreinfo_bytes, 4132);
	static const char *const bad[] = {
		"name=OTHER gpa=0x1000 bytes=16",
		"name=VMCOREINFO gpa=0x1000 bytes=0",
		"name=VMCOREINFO gpa=0x1000 bytes=8193",
		"name=VMCOREINFO gpa=0xfffffffffffffff0 bytes=32",
		"name=VMCOREINFO bytes=32",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_dump_noted(bad[i]);
		d = run(-1, -1, true);
		assert_false(d->ok);
		assert_non_null(strstr(d->err, "dump_note"));
	}
	/* a second note in one dump */
	make_dump_noted("name=VMCOREINFO gpa=0x1000 bytes=32");
	memmove(lines[3], lines[2], sizeof(lines[0]));
	snprintf(lines[2], sizeof(lines[2]), "dump_note id=7 i=1 name=VMCOREINFO gpa=0x1000 bytes=32");
	snprintf(lines[3], sizeof(lines[3]), "dump_note id=7 i=2 name=VMCOREINFO gpa=0x1000 bytes=32");
	d = run(-1, -1, true);
	assert_false(d->ok);
	assert_non_null(strstr(d->err, "dump_note"));
}

/* Linux's note layout, and every size checked against the bytes. */
static void test_vmcoreinfo_desc(void **state)
{
	uint8_t b[64] = { 11, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 'V', 'M', 'C', 'O', 'R', 'E',
			  'I', 'N', 'F', 'O', 0, 0, 'a', '=', '1', '\n', 'b' };
	size_t off = 0, len = 0;

	(void)state;
	assert_true(hvdump_vmcoreinfo_desc(b, sizeof(b), &off, &len));
	assert_int_equal(off, 24);
	assert_int_equal(len, 5);
	assert_true(hvdump_vmcoreinfo_desc(b, 29, &off, &len)); /* the text just fits */
	assert_false(hvdump_vmcoreinfo_desc(b, 28, &off, &len));
	assert_false(hvdump_vmcoreinfo_desc(b, 20, &off, &len));
	b[4] = 0xff;
	b[7] = 0xff; /* descsz past the end, and past 2^32 arithmetic */
	assert_false(hvdump_vmcoreinfo_desc(b, sizeof(b), &off, &len));
	b[4] = 5;
	b[7] = 0;
	b[12] = 'X'; /* another note */
	assert_false(hvdump_vmcoreinfo_desc(b, sizeof(b), &off, &len));
	b[12] = 'V';
	b[0] = 10; /* namesz without the NUL */
	assert_false(hvdump_vmcoreinfo_desc(b, sizeof(b), &off, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_missing_chunk),
		cmocka_unit_test(test_reordered),    cmocka_unit_test(test_damaged_line),
		cmocka_unit_test(test_page_crc),     cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_bad_offsets),  cmocka_unit_test(test_counts),
		cmocka_unit_test(test_b64_decode),   cmocka_unit_test(test_vmcoreinfo_note),
		cmocka_unit_test(test_vmcoreinfo_desc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
