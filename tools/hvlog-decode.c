/*
 * hvlog-decode: a captured COM1 log -> JSON Lines (docs/report-stream.md).
 *
 *   hvlog-decode [FILE]      (no FILE or "-": standard input)
 *
 * One object per HV1 record, {"error":...} for a record that fails its
 * CRC or does not parse, {"boot":N} when a boot starts (first record, and
 * each seq 0), {"gap":...} when seq does not follow, and a final
 * {"summary":...}.  Anything else in the input (firmware output, escapes)
 * is ignored.  Exit status: 0 clean, 2 if any crc error, malformed record
 * or gap, 1 on a usage or I/O error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/hvlog_parse.h"

/* A longer line keeps its last LINE_CAP / 2 .. LINE_CAP bytes: a record
 * always ends its line. */
#define LINE_CAP 16384

struct decoder {
	bool have_prev;
	uint64_t prev_seq;
	uint64_t records, crc_errors, malformed, gaps, missing, boots, dropped;
	struct hvlog_record rec;
};

static void json_str(FILE *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	putc('"', o);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", o);
			break;
		case '\\':
			fputs("\\\\", o);
			break;
		case '\n':
			fputs("\\n", o);
			break;
		case '\r':
			fputs("\\r", o);
			break;
		case '\t':
			fputs("\\t", o);
			break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				/* Bytes are not UTF-8 here: one code point each. */
				fputs("\\u00", o);
				putc(hex[c >> 4], o);
				putc(hex[c & 0xf], o);
			} else {
				putc(c, o);
			}
		}
	}
	putc('"', o);
}

static void json_span(FILE *o, const struct hvlog_record *r, struct hvlog_span sp)
{
	json_str(o, r->text + sp.off, sp.len);
}

static void emit_error(FILE *o, struct decoder *d, int status, const char *line, size_t off,
		       size_t len)
{
	if (status == HVLOG_ERR_CRC)
		d->crc_errors++;
	else
		d->malformed++;
	fprintf(o, "{\"error\":\"%s\",\"line\":", status == HVLOG_ERR_CRC ? "crc" : "malformed");
	json_str(o, line + off, len);
	fputs("}\n", o);
}

static bool span_is(const struct hvlog_record *r, struct hvlog_span sp, const char *s)
{
	return strlen(s) == sp.len && memcmp(r->text + sp.off, s, sp.len) == 0;
}

/* The reported drop count of a "log_dropped" stat record. */
static void count_reported_drops(struct decoder *d, const struct hvlog_record *r)
{
	if (strcmp(hvlog_cat_names[r->cat], "stat") != 0 || !span_is(r, r->name, "log_dropped"))
		return;
	for (unsigned k = 0; k < r->nfields; k++) {
		const struct hvlog_field *f = &r->fields[k];
		char num[24];

		if (!span_is(r, f->key, "count") || f->value.len == 0 || f->value.len >= sizeof(num))
			continue;
		memcpy(num, r->text + f->value.off, f->value.len);
		num[f->value.len] = '\0';
		if (strspn(num, "0123456789") == f->value.len)
			d->dropped += strtoull(num, NULL, 10);
	}
}

static void emit_record(FILE *o, struct decoder *d)
{
	const struct hvlog_record *r = &d->rec;

	if (!d->have_prev || r->seq == 0) {
		d->boots++;
		fprintf(o, "{\"boot\":%llu}\n", (unsigned long long)d->boots);
	} else if (r->seq != d->prev_seq + 1) {
		/* A backwards step (other than to 0) is a gap with nothing
		 * known to be missing. */
		uint64_t missing = r->seq > d->prev_seq ? r->seq - d->prev_seq - 1 : 0;

		d->gaps++;
		d->missing += missing;
		fprintf(o, "{\"gap\":{\"after\":%llu,\"next\":%llu,\"missing\":%llu}}\n",
			(unsigned long long)d->prev_seq, (unsigned long long)r->seq,
			(unsigned long long)missing);
	}
	d->have_prev = true;
	d->prev_seq = r->seq;
	d->records++;
	count_reported_drops(d, r);

	fprintf(o, "{\"seq\":%llu,\"t_us\":%llu,\"level\":\"%s\",\"cat\":\"%s\",\"name\":",
		(unsigned long long)r->seq, (unsigned long long)r->t_us,
		hvlog_level_names[r->level], hvlog_cat_names[r->cat]);
	json_span(o, r, r->name);
	fputs(",\"fields\":{", o);
	for (unsigned k = 0; k < r->nfields; k++) {
		if (k)
			putc(',', o);
		json_span(o, r, r->fields[k].key);
		putc(':', o);
		json_span(o, r, r->fields[k].value);
	}
	fputs("},\"text\":", o);
	json_str(o, r->text, r->text_len);
	fputs(",\"crc_ok\":true}\n", o);
}

static void decode_line(FILE *o, struct decoder *d, const char *line, size_t len)
{
	int st = hvlog_parse_line(line, len, &d->rec);

	if (st == HVLOG_NONE)
		return;
	if (st != HVLOG_OK) {
		emit_error(o, d, st, line, d->rec.frame_off, d->rec.frame_len);
		return;
	}
	if (d->rec.skipped_status != 0)
		emit_error(o, d, d->rec.skipped_status, line, d->rec.skipped_off,
			   d->rec.skipped_len);
	emit_record(o, d);
}

static int decode_stream(FILE *in, FILE *o, struct decoder *d)
{
	static char line[LINE_CAP];
	static char chunk[65536];
	size_t len = 0, got;

	while ((got = fread(chunk, 1, sizeof(chunk), in)) > 0) {
		for (size_t i = 0; i < got; i++) {
			if (chunk[i] == '\n') {
				decode_line(o, d, line, len);
				len = 0;
				continue;
			}
			if (len == sizeof(line)) {
				memmove(line, line + sizeof(line) / 2, sizeof(line) / 2);
				len = sizeof(line) / 2;
			}
			line[len++] = chunk[i];
		}
	}
	if (ferror(in))
		return -1;
	if (len > 0)
		decode_line(o, d, line, len); /* last line without "\n" */
	return 0;
}

static void usage(FILE *o)
{
	fputs("usage: hvlog-decode [FILE]\n"
	      "Decodes the hypervisor's COM1 report stream (HV1 lines) into JSON Lines.\n"
	      "Reads standard input without FILE or with \"-\".\n"
	      "Exit status: 0 clean, 2 crc errors/malformed records/sequence gaps, 1 usage or I/O error.\n",
	      o);
}

int main(int argc, char **argv)
{
	static struct decoder d;
	const char *path = NULL;
	FILE *in = stdin;
	int rc;

	if (argc > 2) {
		usage(stderr);
		return 1;
	}
	if (argc == 2) {
		if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (argv[1][0] == '-' && argv[1][1] != '\0') {
			usage(stderr);
			return 1;
		}
		if (strcmp(argv[1], "-") != 0)
			path = argv[1];
	}
	if (path != NULL) {
		in = fopen(path, "rb");
		if (in == NULL) {
			fprintf(stderr, "hvlog-decode: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}

	rc = decode_stream(in, stdout, &d);
	if (rc != 0)
		fprintf(stderr, "hvlog-decode: %s: read error\n", path ? path : "<stdin>");
	if (path != NULL)
		fclose(in);

	printf("{\"summary\":{\"records\":%llu,\"crc_errors\":%llu,\"malformed\":%llu,"
	       "\"gaps\":%llu,\"missing\":%llu,\"boots\":%llu,\"dropped_reported\":%llu}}\n",
	       (unsigned long long)d.records, (unsigned long long)d.crc_errors,
	       (unsigned long long)d.malformed, (unsigned long long)d.gaps,
	       (unsigned long long)d.missing, (unsigned long long)d.boots,
	       (unsigned long long)d.dropped);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hvlog-decode: write error\n");
		return 1;
	}
	if (rc != 0)
		return 1;
	return d.crc_errors || d.malformed || d.gaps ? 2 : 0;
}
