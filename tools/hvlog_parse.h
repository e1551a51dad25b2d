/*
 * Parser of the hypervisor's report stream, version 1 (docs/report-stream.md):
 *
 *   HV1 <seq> <t_us> <level> <cat> <text> *<crc>
 *
 * Host code, no global state, no recursion, no allocation: a fuzz target
 * may call hvlog_parse_line() on any bytes.
 */
#ifndef HVLOG_PARSE_H
#define HVLOG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest text accepted (the hypervisor writes at most ~240). */
#define HVLOG_TEXT_MAX 1024
/* key=value fields kept per record; more are counted in fields_dropped. */
#define HVLOG_FIELDS_MAX 32
/* "HV1 " occurrences tried per line. */
#define HVLOG_CANDIDATES_MAX 16

enum hvlog_status {
	HVLOG_ERR_CRC = -2,	  /* framed, but the CRC does not match */
	HVLOG_ERR_MALFORMED = -1, /* "HV1 " but not a valid frame or record */
	HVLOG_NONE = 0,		  /* no "HV1 " in the line: not a record */
	HVLOG_OK = 1,
};

struct hvlog_span {
	uint16_t off, len; /* into hvlog_record.text */
};

struct hvlog_field {
	struct hvlog_span key, value; /* value without its double quotes */
};

struct hvlog_record {
	uint64_t seq, t_us;
	unsigned level;	 /* index into hvlog_level_names */
	unsigned cat;	 /* index into hvlog_cat_names */
	uint32_t crc;	 /* as written in the line (== computed when OK) */
	char text[HVLOG_TEXT_MAX + 1]; /* NUL-terminated */
	size_t text_len;
	struct hvlog_span name; /* first token of the text */
	unsigned nfields;
	unsigned fields_dropped; /* beyond HVLOG_FIELDS_MAX, or repeated keys */
	struct hvlog_field fields[HVLOG_FIELDS_MAX];
	/* The frame in the input line: from "HV1 " to the end of the line
	 * without trailing blanks, control characters and ANSI escapes.
	 * Set for OK and for errors (then it is the failing frame). */
	size_t frame_off, frame_len;
	/* On OK: an earlier "HV1 <digit>" in the same line that did not parse
	 * (e.g. a record cut short by the next one); skipped_status is 0 if
	 * there was none. */
	int skipped_status;
	size_t skipped_off, skipped_len;
};

extern const char *const hvlog_level_names[4]; /* info minor major emerg */
extern const char *const hvlog_cat_names[8];   /* log event ... tick */

/*
 * Parses one input line (without its "\n"; any bytes, any length).  Finds
 * "HV1 " anywhere in it; if the first occurrence does not parse, later
 * ones are tried.  Returns an enum hvlog_status; *out is filled on OK and
 * its frame_* on errors.
 */
int hvlog_parse_line(const char *line, size_t len, struct hvlog_record *out);

#endif
