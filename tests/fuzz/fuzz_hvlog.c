/*
 * fuzz_hvlog: tools/hvlog_parse.c (+ hv/crc32.c), the report-stream line
 * parser of tools/hvlog-decode, on any bytes.  Invariants: the status is
 * an enum hvlog_status; frame and skipped spans lie inside the line; on
 * OK the text is NUL-terminated at text_len <= HVLOG_TEXT_MAX, level and
 * cat index their name tables, every span lies inside the text, the
 * frame starts with "HV1 " and its CRC really matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crc32.h"
#include "tools/hvlog_parse.h"
#include "tests/fuzz/fuzz_common.h"

static void check_span(const struct hvlog_record *r, struct hvlog_span s)
{
	FUZZ_ASSERT((size_t)s.off + s.len <= r->text_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hvlog_record rec;
	const char *line = (const char *)data;

	int st = hvlog_parse_line(line, size, &rec);
	FUZZ_ASSERT(st == HVLOG_OK || st == HVLOG_NONE || st == HVLOG_ERR_MALFORMED ||
		    st == HVLOG_ERR_CRC);
	if (st == HVLOG_NONE)
		return 0;
	FUZZ_ASSERT(rec.frame_off <= size && rec.frame_len <= size - rec.frame_off);
	FUZZ_ASSERT(rec.frame_len >= 4 && memcmp(line + rec.frame_off, "HV1 ", 4) == 0);
	if (st != HVLOG_OK)
		return 0;
	FUZZ_ASSERT(rec.text_len <= HVLOG_TEXT_MAX && rec.text[rec.text_len] == '\0');
	FUZZ_ASSERT(strlen(rec.text) == rec.text_len);
	FUZZ_ASSERT(rec.level < 4 && rec.cat < 8);
	FUZZ_ASSERT(rec.nfields <= HVLOG_FIELDS_MAX);
	check_span(&rec, rec.name);
	for (unsigned i = 0; i < rec.nfields; i++) {
		check_span(&rec, rec.fields[i].key);
		check_span(&rec, rec.fields[i].value);
		FUZZ_ASSERT(rec.fields[i].key.len > 0);
	}
	FUZZ_ASSERT(rec.frame_len >= 14);
	FUZZ_ASSERT(crc32_ieee(line + rec.frame_off, rec.frame_len - 10) == rec.crc);
	if (rec.skipped_status != 0) {
		FUZZ_ASSERT(rec.skipped_status == HVLOG_ERR_MALFORMED ||
			    rec.skipped_status == HVLOG_ERR_CRC);
		FUZZ_ASSERT(rec.skipped_off < rec.frame_off);
		FUZZ_ASSERT(rec.skipped_len <= size - rec.skipped_off);
	}
	return 0;
}
