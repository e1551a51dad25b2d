/* Parser of report-stream lines (see hvlog_parse.h). */
#include "tools/hvlog_parse.h"

#include <string.h>

#include "lib/crc32.h"

const char *const hvlog_level_names[4] = { "info", "minor", "major", "emerg" };
const char *const hvlog_cat_names[8] = { "log",	    "event", "decision", "action",
					 "outcome", "alarm", "stat",	 "tick" };

/* " *" + 8 hex digits */
#define FRAME_TAIL 10

_Static_assert(HVLOG_TEXT_MAX < UINT16_MAX, "spans are 16-bit");

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* uppercase is not the format */
}

/* A trailing ANSI CSI sequence (ESC '[' params final) ending at end:
 * returns its length, 0 if there is none. */
static size_t trailing_csi(const unsigned char *s, size_t end)
{
	size_t i;

	if (end < 3 || s[end - 1] < 0x40 || s[end - 1] > 0x7e)
		return 0;
	i = end - 1;
	while (i > 0 && s[i - 1] >= 0x20 && s[i - 1] <= 0x3f)
		i--;
	if (i < 2 || s[i - 1] != '[' || s[i - 2] != 0x1b)
		return 0;
	return end - (i - 2);
}

/* The end of the line without trailing blanks, controls and CSI escapes. */
static size_t trimmed_end(const unsigned char *s, size_t len)
{
	for (;;) {
		size_t csi;

		if (len > 0 && (s[len - 1] <= 0x20 || s[len - 1] == 0x7f)) {
			len--;
			continue;
		}
		csi = trailing_csi(s, len);
		if (csi == 0)
			return len;
		len -= csi;
	}
}

/* Decimal uint64 at s[*i..n), at least one digit, no overflow. */
static bool parse_u64(const unsigned char *s, size_t n, size_t *i, uint64_t *v)
{
	size_t start = *i;
	uint64_t x = 0;

	while (*i < n && is_digit(s[*i])) {
		unsigned d = s[*i] - '0';

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
		(*i)++;
	}
	*v = x;
	return *i > start;
}

/* A word from set, followed by ' ' or the end of the body. */
static bool parse_word(const unsigned char *s, size_t n, size_t *i, const char *const *set,
		       unsigned count, unsigned *idx)
{
	size_t start = *i, wlen;

	while (*i < n && s[*i] != ' ')
		(*i)++;
	wlen = *i - start;
	for (unsigned k = 0; k < count; k++)
		if (strlen(set[k]) == wlen && memcmp(set[k], s + start, wlen) == 0) {
			*idx = k;
			return true;
		}
	return false;
}

static bool same_span(const char *text, struct hvlog_span a, struct hvlog_span b)
{
	return a.len == b.len && memcmp(text + a.off, text + b.off, a.len) == 0;
}

/* Splits out->text into the name and key=value fields.  Tokens are
 * separated by spaces outside double quotes. */
static void split_text(struct hvlog_record *out)
{
	const char *t = out->text;
	size_t n = out->text_len, i = 0;
	bool first = true;

	out->name.off = 0;
	out->name.len = 0;
	out->nfields = 0;
	out->fields_dropped = 0;
	while (i < n) {
		size_t start, eq, end;
		bool inq = false;

		while (i < n && t[i] == ' ')
			i++;
		if (i >= n)
			break;
		start = i;
		while (i < n && (inq || t[i] != ' ')) {
			if (t[i] == '"')
				inq = !inq;
			i++;
		}
		end = i;
		if (first) {
			out->name.off = (uint16_t)start;
			out->name.len = (uint16_t)(end - start);
			first = false;
			continue;
		}
		for (eq = start; eq < end && t[eq] != '=' && t[eq] != '"'; eq++)
			;
		if (eq == start || eq >= end || t[eq] != '=')
			continue; /* a plain word, not a field */

		struct hvlog_field f;
		size_t vs = eq + 1, ve = end;

		f.key.off = (uint16_t)start;
		f.key.len = (uint16_t)(eq - start);
		if (vs < ve && t[vs] == '"') {
			vs++;
			if (ve > vs && t[ve - 1] == '"')
				ve--;
		}
		f.value.off = (uint16_t)vs;
		f.value.len = (uint16_t)(ve - vs);

		bool dup = false;

		for (unsigned k = 0; k < out->nfields && !dup; k++)
			dup = same_span(t, out->fields[k].key, f.key);
		if (dup || out->nfields >= HVLOG_FIELDS_MAX)
			out->fields_dropped++;
		else
			out->fields[out->nfields++] = f;
	}
}

/* One frame: s[0..n) starts with "HV1 " and ends where the line ends. */
static int parse_frame(const unsigned char *s, size_t n, struct hvlog_record *out)
{
	size_t body, i = 4, tlen;
	uint32_t crc = 0;

	if (n < 4 + FRAME_TAIL)
		return HVLOG_ERR_MALFORMED;
	body = n - FRAME_TAIL;
	if (s[body] != ' ' || s[body + 1] != '*')
		return HVLOG_ERR_MALFORMED;
	for (size_t k = body + 2; k < n; k++) {
		int h = hex_value(s[k]);

		if (h < 0)
			return HVLOG_ERR_MALFORMED;
		crc = crc << 4 | (uint32_t)h;
	}
	out->crc = crc;
	if (crc32_ieee(s, body) != crc)
		return HVLOG_ERR_CRC;

	if (!parse_u64(s, body, &i, &out->seq) || i >= body || s[i++] != ' ')
		return HVLOG_ERR_MALFORMED;
	if (!parse_u64(s, body, &i, &out->t_us) || i >= body || s[i++] != ' ')
		return HVLOG_ERR_MALFORMED;
	if (!parse_word(s, body, &i, hvlog_level_names, 4, &out->level) || i >= body ||
	    s[i++] != ' ')
		return HVLOG_ERR_MALFORMED;
	if (!parse_word(s, body, &i, hvlog_cat_names, 8, &out->cat))
		return HVLOG_ERR_MALFORMED;
	if (i < body)
		i++; /* the space before the text (absent: empty text) */
	tlen = body - i;
	if (tlen > HVLOG_TEXT_MAX)
		return HVLOG_ERR_MALFORMED;
	for (size_t k = i; k < body; k++)
		if (s[k] < 0x20 || s[k] > 0x7e || s[k] == '*')
			return HVLOG_ERR_MALFORMED;
	memcpy(out->text, s + i, tlen);
	out->text[tlen] = '\0';
	out->text_len = tlen;
	split_text(out);
	return HVLOG_OK;
}

/* Next "HV1 " at or after from, or len. */
static size_t find_tag(const unsigned char *s, size_t len, size_t from)
{
	for (size_t i = from; i + 4 <= len; i++)
		if (s[i] == 'H' && s[i + 1] == 'V' && s[i + 2] == '1' && s[i + 3] == ' ')
			return i;
	return len;
}

int hvlog_parse_line(const char *line, size_t len, struct hvlog_record *out)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t end, pos;
	int first_status = 0;
	bool first_recordish = false;
	size_t first_off = 0;

	out->skipped_status = 0;
	out->skipped_off = 0;
	out->skipped_len = 0;
	out->frame_off = 0;
	out->frame_len = 0;
	if (line == NULL)
		return HVLOG_NONE;
	end = trimmed_end(s, len);
	pos = find_tag(s, end, 0);
	if (pos >= end)
		return HVLOG_NONE;

	for (unsigned c = 0; c < HVLOG_CANDIDATES_MAX && pos < end; c++) {
		int st = parse_frame(s + pos, end - pos, out);
		bool recordish = pos + 4 < end && is_digit(s[pos + 4]);

		if (st == HVLOG_OK) {
			out->frame_off = pos;
			out->frame_len = end - pos;
			if (first_status != 0 && first_recordish) {
				out->skipped_status = first_status;
				out->skipped_off = first_off;
				out->skipped_len = end - first_off;
			}
			return HVLOG_OK;
		}
		/* Remember the first failure, preferring one that looks like
		 * a record start over stray "HV1 " text. */
		if (first_status == 0 || (!first_recordish && recordish)) {
			first_status = st;
			first_off = pos;
			first_recordish = recordish;
		}
		pos = find_tag(s, end, pos + 1);
	}
	out->frame_off = first_off;
	out->frame_len = end - first_off;
	return first_status;
}
