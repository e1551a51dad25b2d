/*
 * The flight recorder (lib/flight.h, docs/dumps.md): the region's layout,
 * its checks, the ring of the last log lines, the capture of the last
 * mini dump, and the report of the previous boot's record.
 *
 * Uses only lib/log.c and lib/crc32.c, so the host unit test
 * (tests/unit/test_flight.c) runs all of it on a region in its own
 * memory.
 */
#include "lib/flight.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/crc32.h"
#include "lib/log.h"

/* Text of the old line carried by one flight_rec record: with the
 * longest head ("flight_rec i=31 part=3/3 seq=<20 digits> t_us=<20
 * digits> level=emerg cat=decision : ", 101 bytes) it fits the 184 bytes
 * of text every log line holds (docs/report-stream.md). */
#define FLIGHT_REC_CHUNK 80u
_Static_assert(101u + FLIGHT_REC_CHUNK <= 184u, "a flight_rec record fits a log line");
/* A dump record's text is at most DUMP_TEXT_MAX (184) bytes, and its
 * entry's head 4. */
#define FLIGHT_DUMP_ENTRY_MAX (4u + LOG_LINE_MAX)
_Static_assert(FLIGHT_DUMP_BYTES >= 64u * FLIGHT_DUMP_ENTRY_MAX, "room for a mini dump");
_Static_assert((FLIGHT_LOG_RECORDS & (FLIGHT_LOG_RECORDS - 1u)) == 0, "a power of two");

static struct flight_region *rec; /* being recorded into; NULL: off */

struct flight_region *flight_region(void)
{
	return rec;
}

const char *flight_status_name(enum flight_status s)
{
	switch (s) {
	case FLIGHT_EMPTY:
		return "empty";
	case FLIGHT_BAD_VERSION:
		return "bad_version";
	case FLIGHT_BAD_HEADER:
		return "bad_header_crc";
	case FLIGHT_BAD_CRC:
		return "bad_crc";
	default:
		return "ok";
	}
}

static uint32_t hdr_crc(const struct flight_hdr *h)
{
	return crc32_ieee(h, offsetof(struct flight_hdr, hdr_crc));
}

static void hdr_update(struct flight_region *r)
{
	r->hdr.hdr_crc = hdr_crc(&r->hdr);
}

uint32_t flight_contents_crc(const struct flight_region *r)
{
	uint32_t used = r->hdr.dump_used <= FLIGHT_DUMP_BYTES ? r->hdr.dump_used : FLIGHT_DUMP_BYTES;
	uint32_t c = crc32_ieee(&r->crash, sizeof(r->crash));

	c = crc32_ieee_update(c, r->log, sizeof(r->log));
	return crc32_ieee_update(c, r->dump, used);
}

/* A stored log line: "HV1 <seq> <t_us> <level> <cat> <text> *<crc>".
 * Checks the frame's CRC and finds the fields; false if torn. */
struct line_parts {
	uint64_t seq, t_us;
	const char *level, *cat, *text;
	unsigned level_len, cat_len, text_len;
};

static bool parse_u64(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;

	*v = 0;
	if (s >= end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9')
		*v = *v * 10u + (uint64_t)(*s++ - '0');
	*p = s;
	return true;
}

static bool parse_word(const char **p, const char *end, const char **w, unsigned *n)
{
	const char *s = *p;

	*w = s;
	while (s < end && *s != ' ')
		s++;
	*n = (unsigned)(s - *w);
	*p = s;
	return *n > 0;
}

static bool parse_line(const struct flight_line *l, struct line_parts *lp)
{
	static const char hex[] = "0123456789abcdef";
	unsigned len = l->len;
	uint32_t crc = 0;

	if (len < 4 + 11 || len > LOG_LINE_MAX - 1 || memcmp(l->line, "HV1 ", 4) != 0 ||
	    l->line[len - 10] != ' ' || l->line[len - 9] != '*')
		return false;
	for (unsigned i = len - 8; i < len; i++) {
		const char *d = memchr(hex, l->line[i], 16);
		if (d == NULL || l->line[i] == '\0')
			return false;
		crc = crc << 4 | (uint32_t)(d - hex);
	}
	if (crc32_ieee(l->line, len - 10) != crc)
		return false;
	const char *p = l->line + 4, *end = l->line + len - 10;
	if (!parse_u64(&p, end, &lp->seq) || p >= end || *p++ != ' ' ||
	    !parse_u64(&p, end, &lp->t_us) || p >= end || *p++ != ' ' ||
	    !parse_word(&p, end, &lp->level, &lp->level_len) || p >= end || *p++ != ' ' ||
	    !parse_word(&p, end, &lp->cat, &lp->cat_len))
		return false;
	if (p < end)
		p++; /* the space before the text (an empty text has none) */
	lp->text = p;
	lp->text_len = (unsigned)(end - p);
	return true;
}

/* The log lines that count: the last min(head, N), oldest first. */
static unsigned log_first(const struct flight_region *r, uint64_t *first)
{
	uint64_t head = r->hdr.log_head;
	unsigned n = head < FLIGHT_LOG_RECORDS ? (unsigned)head : FLIGHT_LOG_RECORDS;

	*first = head - n;
	return n;
}

void flight_check(const struct flight_region *r, struct flight_found *f)
{
	uint64_t first;

	memset(f, 0, sizeof(*f));
	f->status = FLIGHT_EMPTY;
	if (r->hdr.magic != FLIGHT_MAGIC)
		return;
	f->status = FLIGHT_BAD_VERSION;
	if (r->hdr.version != FLIGHT_VERSION || r->hdr.size != sizeof(*r))
		return;
	f->status = FLIGHT_BAD_HEADER;
	if (hdr_crc(&r->hdr) != r->hdr.hdr_crc || r->hdr.dump_used > FLIGHT_DUMP_BYTES)
		return;
	f->sealed = (r->hdr.flags & FLIGHT_SEALED) != 0;
	f->status = FLIGHT_BAD_CRC;
	if (f->sealed && flight_contents_crc(r) != r->hdr.contents_crc)
		return;
	f->status = FLIGHT_OK;
	f->boot = r->hdr.boot;
	f->crash = f->sealed && (r->hdr.flags & FLIGHT_HAS_CRASH) != 0;
	unsigned n = log_first(r, &first);
	for (unsigned i = 0; i < n; i++) {
		struct line_parts lp;
		if (parse_line(&r->log[(first + i) % FLIGHT_LOG_RECORDS], &lp))
			f->records++;
		else
			f->torn++;
	}
	f->dump = (enum flight_dump_state)r->hdr.dump_state;
	if (f->dump == FLIGHT_DUMP_COMPLETE &&
	    crc32_ieee(r->dump, r->hdr.dump_used) != r->hdr.dump_crc)
		f->dump = FLIGHT_DUMP_TRUNCATED;
	else if (f->dump != FLIGHT_DUMP_COMPLETE && f->dump != FLIGHT_DUMP_NONE)
		f->dump = FLIGHT_DUMP_TRUNCATED; /* open at the reset, or too big */
	f->dump_lines = f->dump == FLIGHT_DUMP_COMPLETE ? r->hdr.dump_lines : 0;
}

void flight_init(struct flight_region *r, uint32_t boot)
{
	memset(r, 0, sizeof(*r));
	r->hdr.magic = FLIGHT_MAGIC;
	r->hdr.version = FLIGHT_VERSION;
	r->hdr.size = sizeof(*r);
	r->hdr.boot = boot;
	hdr_update(r);
}

static const char *dump_state_name(enum flight_dump_state s)
{
	return s == FLIGHT_DUMP_COMPLETE ? "complete" : s == FLIGHT_DUMP_NONE ? "none" : "truncated";
}

static void emit_crash(const struct flight_crash *c)
{
	hv_record_now(LOG_MAJOR, CAT_ALARM,
		      "flight_crash vector=%llu error=0x%llx rip=0x%llx rsp=0x%llx rflags=0x%llx "
		      "cr2=0x%llx cr3=0x%llx",
		      (unsigned long long)c->vector, (unsigned long long)c->error,
		      (unsigned long long)c->rip, (unsigned long long)c->rsp,
		      (unsigned long long)c->rflags, (unsigned long long)c->cr2,
		      (unsigned long long)c->cr3);
	hv_record_now(LOG_INFO, CAT_STAT,
		      "flight_crash_regs rax=0x%llx rcx=0x%llx rdx=0x%llx rsi=0x%llx rdi=0x%llx "
		      "r8=0x%llx r9=0x%llx r10=0x%llx r11=0x%llx",
		      (unsigned long long)c->rax, (unsigned long long)c->rcx,
		      (unsigned long long)c->rdx, (unsigned long long)c->rsi,
		      (unsigned long long)c->rdi, (unsigned long long)c->r8, (unsigned long long)c->r9,
		      (unsigned long long)c->r10, (unsigned long long)c->r11);
	hv_record_now(LOG_INFO, CAT_STAT,
		      "flight_crash_context exits=%llu last_exit=0x%llx ticks=%llu generation=%llu "
		      "guest_rip=0x%llx",
		      (unsigned long long)c->exits, (unsigned long long)c->last_exit,
		      (unsigned long long)c->ticks, (unsigned long long)c->generation,
		      (unsigned long long)c->guest_rip);
}

/* One old log line as flight_rec records of at most FLIGHT_REC_CHUNK
 * bytes of its text each. */
static void emit_line(unsigned i, const struct line_parts *lp)
{
	unsigned parts = lp->text_len == 0 ? 1 : (lp->text_len + FLIGHT_REC_CHUNK - 1) / FLIGHT_REC_CHUNK;

	for (unsigned p = 0; p < parts; p++) {
		unsigned off = p * FLIGHT_REC_CHUNK;
		unsigned n = lp->text_len - off < FLIGHT_REC_CHUNK ? lp->text_len - off : FLIGHT_REC_CHUNK;
		hv_record_now(LOG_INFO, CAT_STAT,
			      "flight_rec i=%u part=%u/%u seq=%llu t_us=%llu level=%.*s cat=%.*s : %.*s",
			      i, p + 1, parts, (unsigned long long)lp->seq,
			      (unsigned long long)lp->t_us, (int)lp->level_len, lp->level,
			      (int)lp->cat_len, lp->cat, (int)n, lp->text + off);
	}
}

static void emit_dump(const struct flight_region *r, const struct flight_found *f)
{
	uint32_t pos = 0, lines = 0;

	hv_record_now(LOG_INFO, CAT_ACTION, "flight_dump_begin lines=%u bytes=%u crc=%08x",
		      f->dump_lines, r->hdr.dump_used, r->hdr.dump_crc);
	while (pos + 4 <= r->hdr.dump_used && lines < f->dump_lines) {
		const uint8_t *e = r->dump + pos;
		unsigned n = (unsigned)e[2] | (unsigned)e[3] << 8;
		if (pos + 4 + n > r->hdr.dump_used)
			break; /* cannot happen: the CRC held */
		/* The dump's own records, as they were: tools/hvdump reads
		 * them as a dump. */
		hv_record_now((enum log_level)e[0], (enum log_cat)e[1], "%.*s", (int)n,
			      (const char *)e + 4);
		pos += 4 + n;
		lines++;
	}
	hv_record_now(LOG_INFO, CAT_ACTION, "flight_dump_end lines=%u", lines);
}

void flight_emit(const struct flight_region *r, const struct flight_found *f, uint64_t at)
{
	uint64_t first;
	unsigned n = log_first(r, &first), i = 0;

	hv_record_now(LOG_MAJOR, CAT_ALARM,
		      "flight_found at=0x%llx boot=%u sealed=%s crash=%s records=%u torn=%u dump=%s "
		      "dump_lines=%u",
		      (unsigned long long)at, f->boot, f->sealed ? "yes" : "no",
		      f->crash ? "yes" : "no", f->records, f->torn, dump_state_name(f->dump),
		      f->dump_lines);
	if (f->crash)
		emit_crash(&r->crash);
	for (unsigned k = 0; k < n; k++) {
		struct line_parts lp;
		if (parse_line(&r->log[(first + k) % FLIGHT_LOG_RECORDS], &lp))
			emit_line(i++, &lp);
	}
	if (f->dump == FLIGHT_DUMP_COMPLETE)
		emit_dump(r, f);
	hv_record_now(LOG_MAJOR, CAT_ALARM, "flight_end boot=%u records=%u cleared=yes", f->boot, i);
}

bool flight_boot(struct flight_region *r)
{
	struct flight_found f;
	uint64_t at = (uint64_t)(uintptr_t)r;
	uint32_t boot = 1;

	flight_check(r, &f);
	if (f.status == FLIGHT_OK) {
		flight_emit(r, &f, at);
		boot = f.boot + 1;
	} else if (f.status != FLIGHT_EMPTY) {
		/* Not trusted: nothing of it is re-emitted. */
		hv_record_now(LOG_MAJOR, CAT_ALARM,
			      "flight_corrupt at=0x%llx why=%s ignored=yes cleared=yes",
			      (unsigned long long)at, flight_status_name(f.status));
	}
	flight_init(r, boot);
	rec = r;
	log_set_tap(flight_tap);
	return f.status == FLIGHT_OK && f.crash;
}

static void dump_append(struct flight_region *r, enum log_level level, enum log_cat cat,
			const char *text, unsigned n)
{
	struct flight_hdr *h = &r->hdr;

	if (h->dump_state != FLIGHT_DUMP_OPEN)
		return;
	if (h->dump_used + 4u + n > FLIGHT_DUMP_BYTES) {
		h->dump_state = FLIGHT_DUMP_TRUNCATED; /* too big: the capture stops */
		return;
	}
	uint8_t *e = r->dump + h->dump_used;
	e[0] = (uint8_t)level;
	e[1] = (uint8_t)cat;
	e[2] = (uint8_t)(n & 0xff);
	e[3] = (uint8_t)(n >> 8);
	memcpy(e + 4, text, n);
	h->dump_used += 4u + n;
	h->dump_lines++;
}

static bool starts_with(const char *text, unsigned n, const char *word)
{
	unsigned w = (unsigned)strlen(word);

	return n >= w && memcmp(text, word, w) == 0;
}

static bool contains(const char *text, unsigned n, const char *s)
{
	unsigned w = (unsigned)strlen(s);

	for (unsigned i = 0; i + w <= n; i++)
		if (memcmp(text + i, s, w) == 0)
			return true;
	return false;
}

void flight_tap(enum log_level level, enum log_cat cat, const char *line, unsigned len,
		unsigned text_off)
{
	struct flight_region *r = rec;

	if (r == NULL || (r->hdr.flags & FLIGHT_SEALED) != 0)
		return;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > LOG_LINE_MAX - 1 || text_off > len)
		return;
	struct flight_line *slot = &r->log[r->hdr.log_head % FLIGHT_LOG_RECORDS];
	/* The slot is torn while it is rewritten: a reset now loses this
	 * line and the one it replaces, never the others. */
	slot->len = 0;
	memcpy(slot->line, line, len);
	slot->len = (uint16_t)len;
	r->hdr.log_head++;

	/* A mini dump (docs/report-stream.md, dump_* records): its records
	 * from dump_begin to dump_end, kept by their documented names. */
	const char *text = line + text_off;
	unsigned n = len - text_off - (len - text_off >= 10 ? 10u : 0u); /* without " *<crc>" */
	if (starts_with(text, n, "dump_begin ")) {
		if (contains(text, n, " level=mini ")) {
			r->hdr.dump_state = FLIGHT_DUMP_OPEN;
			r->hdr.dump_used = 0;
			r->hdr.dump_lines = 0;
		} else if (r->hdr.dump_state == FLIGHT_DUMP_OPEN) {
			r->hdr.dump_state = FLIGHT_DUMP_NONE;
		}
	}
	if (starts_with(text, n, "dump_")) {
		dump_append(r, level, cat, text, n);
		if (starts_with(text, n, "dump_end ") && r->hdr.dump_state == FLIGHT_DUMP_OPEN) {
			r->hdr.dump_crc = crc32_ieee(r->dump, r->hdr.dump_used);
			r->hdr.dump_state = FLIGHT_DUMP_COMPLETE;
		}
	}
	hdr_update(r);
}

void flight_save_crash(const struct flight_crash *c)
{
	if (rec == NULL)
		return;
	rec->crash = *c;
	rec->hdr.flags |= FLIGHT_HAS_CRASH;
	hdr_update(rec);
}

void flight_seal(void)
{
	if (rec == NULL)
		return;
	rec->hdr.contents_crc = flight_contents_crc(rec);
	rec->hdr.flags |= FLIGHT_SEALED;
	hdr_update(rec);
}
