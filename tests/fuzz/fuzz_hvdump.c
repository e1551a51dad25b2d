/*
 * fuzz_hvdump: tools/hvdump_asm.c, the crash-dump reassembly of
 * tools/hvdump, on any log.  The input is lines ('\n'-separated); its
 * first byte picks how they are read: 'T' frames each line as a record's
 * text with a good CRC (so the fuzzer reaches the reassembly instead of
 * stopping at the line CRC), anything else passes the lines as captured
 * log lines.  Invariants: every page and piece the sink gets lies inside
 * a page and the dump's page bound; a dump reported ok saw its dump_end
 * counts and page CRC match; summaries never exceed their bound.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/crc32.h"
#include "tests/fuzz/fuzz_common.h"
#include "tools/hvdump_asm.h"

static struct hvdump_asm asmb;
static struct hvlog_record rec;
static uint64_t pages_seen;
static uint32_t crc;
static uint8_t page[HVDUMP_PAGE];
static bool page_open;

static void on_page(void *ctx, const struct hvdump_info *d, uint64_t vaddr, uint64_t gpa)
{
	(void)ctx;
	FUZZ_ASSERT(vaddr % HVDUMP_PAGE == 0 && gpa % HVDUMP_PAGE == 0);
	FUZZ_ASSERT(d->pages >= 1 && d->pages <= HVDUMP_PAGES_MAX);
	if (d->pages == 1)
		crc = 0;
	else if (page_open)
		crc = crc32_ieee_update(crc, page, sizeof(page));
	memset(page, 0, sizeof(page));
	page_open = true;
	pages_seen++;
}

static void on_data(void *ctx, const struct hvdump_info *d, uint32_t off, const uint8_t *p, size_t n)
{
	(void)ctx;
	(void)d;
	FUZZ_ASSERT(page_open && n > 0 && off < HVDUMP_PAGE && n <= HVDUMP_PAGE - off);
	memcpy(page + off, p, n);
}

static void on_end(void *ctx, const struct hvdump_info *d)
{
	(void)ctx;
	if (d->ok) {
		/* The sink rebuilt the same pages the assembler checked. */
		uint32_t c = d->pages == 0 ? 0 : crc32_ieee_update(crc, page, sizeof(page));
		FUZZ_ASSERT(c == d->crc);
		FUZZ_ASSERT(d->err[0] == '\0');
	} else {
		FUZZ_ASSERT(d->err[0] != '\0');
	}
	page_open = false;
}

static const struct hvdump_sink sink = { NULL, on_page, on_data, on_end };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[1400];
	bool frame = size > 0 && data[0] == 'T';
	size_t at = size > 0 ? 1 : 0;
	uint64_t seq = 0;

	hvdump_asm_init(&asmb);
	pages_seen = 0;
	page_open = false;
	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
		int st;
		if (frame && len < 1200) {
			int n = snprintf(line, sizeof(line), "HV1 %llu 0 info stat %.*s",
					 (unsigned long long)seq++, (int)len, (const char *)data + at);
			n += snprintf(line + n, sizeof(line) - (size_t)n, " *%08x",
				      crc32_ieee(line, (size_t)n));
			st = hvlog_parse_line(line, (size_t)n, &rec);
		} else {
			st = hvlog_parse_line((const char *)data + at, len, &rec);
		}
		hvdump_asm_line(&asmb, st, &rec, &sink);
		at += len + 1;
	}
	hvdump_asm_finish(&asmb, &sink);
	FUZZ_ASSERT(asmb.nsummary <= HVDUMP_DUMPS_MAX);
	FUZZ_ASSERT(!asmb.open);
	return 0;
}
