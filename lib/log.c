/*
 * The report stream (see log.h and docs/report-stream.md): framed,
 * sequenced, timestamped, CRC'd lines, kept in a static ring.
 *
 * Only plat_tsc() and plat_log_write() are used from the platform, and
 * only snprintf/vsnprintf from the C library, so the host unit test links
 * this file with fakes of the two (tests/unit/test_log.c).
 */
#include "lib/log.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/x86/platform.h"
#include "lib/crc32.h"
#include "lib/arena.h"

/* " *" + 8 hex digits + "\n" */
#define LOG_TAIL 11
/* "HV1 " + seq + ' ' + t_us + ' ' + level + ' ' + cat + ' ' */
#define LOG_PREFIX_MAX (4 + 20 + 1 + 20 + 1 + 5 + 1 + 8 + 1)
/* Text bytes that always fit, whatever seq and t_us are. */
#define LOG_TEXT_MIN (LOG_LINE_MAX - LOG_PREFIX_MAX - LOG_TAIL)

_Static_assert(LOG_TEXT_MIN >= 128, "LOG_LINE_MAX leaves too little room for the text");
_Static_assert(LOG_LINE_MAX <= UINT16_MAX, "slot length is a uint16_t");
_Static_assert(LOG_RING_RECORDS >= 2 && (LOG_RING_RECORDS & (LOG_RING_RECORDS - 1)) == 0,
	       "LOG_RING_RECORDS must be a power of two >= 2");
/* The reserve holds the log_dropped report and at least one more record,
 * and leaves ordinary records most of the ring. */
_Static_assert(LOG_RESERVED >= 2 && LOG_RESERVED <= LOG_RING_RECORDS / 4,
	       "LOG_RESERVED: 2 .. a quarter of the ring");
/* The log_dropped report may fill one slot more than an ordinary record. */
#define LOG_REPORT_LIMIT (LOG_RING_ORDINARY + 1)

struct log_slot {
	uint16_t len;
	char line[LOG_LINE_MAX];
};

_Static_assert(sizeof(struct log_slot) * LOG_RING_RECORDS <= 64 * 1024,
	       "the log ring must stay small");

static const char *const level_name[] = { "info", "minor", "major", "emerg" };
static const char *const cat_name[] = { "log",	 "event", "decision", "action",
					"outcome", "alarm", "stat",	   "tick" };
_Static_assert(sizeof(level_name) / sizeof(level_name[0]) == LOG_EMERG + 1, "level names");
_Static_assert(sizeof(cat_name) / sizeof(cat_name[0]) == CAT_TICK + 1, "category names");

/* Keeps the compiler from moving ring updates across it: an exception
 * handler that logs may run between any two instructions. */
#define log_barrier() __asm__ volatile("" ::: "memory")

static struct log_slot ring[LOG_RING_RECORDS] HV_ARENA; /* 48 KiB of zeros: not in the EFI file */
/* Free-running: pending records are ring[tail..head) modulo the size. */
static unsigned ring_head, ring_tail;
static uint64_t log_seq;
static uint64_t clock_start, clock_hz;
static bool log_buffered;
static uint64_t dropped_total, dropped_unreported;
static unsigned tail_offset; /* bytes of ring[tail] already written (non-blocking drain) */
/* Nesting: 0 outside the logger, 1 inside hv_record()/log_drain(), 2
 * inside a record made from an exception taken within the logger. */
static volatile unsigned log_depth;
/* The line of a nested record (depth 2), written straight to the port. */
static char nested_line[LOG_LINE_MAX];

static uint64_t log_now_us(void)
{
	uint64_t tsc, d;

	if (clock_hz == 0)
		return 0;
	tsc = plat_tsc();
	if (tsc <= clock_start)
		return 0;
	d = tsc - clock_start;
	/* Division first: d * 10^6 would overflow after ~100 minutes at
	 * 3 GHz.  d % hz * 10^6 fits while hz < 1.8e13. */
	return d / clock_hz * 1000000u + d % clock_hz * 1000000u / clock_hz;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	unsigned n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* log_set_tap(): sees every line as it is made. */
static log_tap_fn *log_tap;

void log_set_tap(log_tap_fn *tap)
{
	log_tap = tap;
}

/*
 * Formats one complete line into buf (LOG_LINE_MAX bytes) and returns its
 * length, "\n" included.  Never fails: whatever fmt produces is made to
 * fit and to keep the frame parseable.
 */
static unsigned format_line(char *buf, uint64_t seq, uint64_t t_us, enum log_level level,
			    enum log_cat cat, const char *fmt, va_list ap)
{
	static const char hex[] = "0123456789abcdef";
	const char *lv = (unsigned)level <= LOG_EMERG ? level_name[level] : level_name[LOG_MAJOR];
	const char *ct = (unsigned)cat <= CAT_TICK ? cat_name[cat] : cat_name[CAT_LOG];
	char *p = buf;
	unsigned pre, room, len;
	uint32_t crc;
	int m;

	p = put_str(p, "HV1 ");
	p = put_u64(p, seq);
	*p++ = ' ';
	p = put_u64(p, t_us);
	*p++ = ' ';
	p = put_str(p, lv);
	*p++ = ' ';
	p = put_str(p, ct);
	*p++ = ' ';
	pre = (unsigned)(p - buf);

	/* vsnprintf writes at most room text bytes and a NUL, which lands
	 * where the tail goes. */
	room = LOG_LINE_MAX - LOG_TAIL - pre;
	m = vsnprintf(p, room + 1, fmt, ap);
	len = m < 0 ? 0 : (unsigned)m;
	if (len > room) {
		len = room;
		p[len - 3] = '.';
		p[len - 2] = '.';
		p[len - 1] = '.';
	}
	for (unsigned i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c > 0x7e || c == '*')
			p[i] = '?';
	}
	p += len;

	crc = crc32_ieee(buf, (size_t)(p - buf));
	*p++ = ' ';
	*p++ = '*';
	for (int shift = 28; shift >= 0; shift -= 4)
		*p++ = hex[(crc >> shift) & 0xf];
	*p++ = '\n';
	if (log_tap != NULL)
		log_tap(level, cat, buf, (unsigned)(p - buf), pre);
	return (unsigned)(p - buf);
}

static unsigned format_linef(char *buf, uint64_t seq, uint64_t t_us, enum log_level level,
			     enum log_cat cat, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static unsigned format_linef(char *buf, uint64_t seq, uint64_t t_us, enum log_level level,
			     enum log_cat cat, const char *fmt, ...)
{
	va_list ap;
	unsigned n;

	va_start(ap, fmt);
	n = format_line(buf, seq, t_us, level, cat, fmt, ap);
	va_end(ap);
	return n;
}

/* True when `limit` or more records are pending: a record allowed to
 * fill `limit` slots finds no room. */
static bool ring_full_to(unsigned limit)
{
	return ring_head - ring_tail >= limit;
}

static bool ring_full(void)
{
	return ring_full_to(LOG_RING_RECORDS);
}

/* log_hold_reserve(): records a guest can bring in a loop. */
static bool reserve_held;

void log_hold_reserve(bool held)
{
	reserve_held = held;
}

static unsigned class_limit(enum log_level level, enum log_cat cat)
{
	return log_reserved_class(level, cat) && !reserve_held ? LOG_RING_RECORDS : LOG_RING_ORDINARY;
}

static void count_drop(void)
{
	dropped_total++;
	dropped_unreported++;
}

/* Queues the log_dropped report if drops are unreported and there is
 * room.  Called with log_depth == 1. */
static bool queue_drop_report(void)
{
	struct log_slot *slot;

	if (dropped_unreported == 0 || ring_full_to(LOG_REPORT_LIMIT))
		return false;
	slot = &ring[ring_head % LOG_RING_RECORDS];
	slot->len = (uint16_t)format_linef(slot->line, log_seq++, log_now_us(), LOG_MAJOR,
					   CAT_STAT, "log_dropped count=%llu total=%llu",
					   (unsigned long long)dropped_unreported,
					   (unsigned long long)dropped_total);
	dropped_unreported = 0;
	log_barrier();
	ring_head++;
	return true;
}

/* Writes pending records; called with log_depth == 1. */
static unsigned drain_locked(unsigned max_records)
{
	unsigned n = 0;

	for (;;) {
		if (max_records != 0 && n >= max_records)
			break;
		if (ring_head == ring_tail && !queue_drop_report())
			break;
		struct log_slot *slot = &ring[ring_tail % LOG_RING_RECORDS];

		plat_log_write(slot->line + tail_offset, slot->len - tail_offset);
		log_barrier();
		tail_offset = 0;
		ring_tail++;
		n++;
	}
	/* Out of budget with drops pending: queue the report now that
	 * there is room, so it goes out with the next drain. */
	queue_drop_report();
	return n;
}

void hv_record(enum log_level level, enum log_cat cat, const char *fmt, ...)
{
	va_list ap;
	uint64_t t_us = log_now_us();

	if (log_depth != 0) {
		/* An exception inside the logger: write this one directly with
		 * its own buffer.  Deeper than that, only count it. */
		if (log_depth >= 2) {
			log_seq++;
			count_drop();
			return;
		}
		log_depth = 2;
		log_barrier();
		va_start(ap, fmt);
		unsigned n = format_line(nested_line, log_seq++, t_us, level, cat, fmt, ap);
		va_end(ap);
		plat_log_write(nested_line, n);
		log_barrier();
		log_depth = 1;
		return;
	}

	log_depth = 1;
	log_barrier();
	/* An emergency record is never dropped: the caller may be about to
	 * halt, and it explains why.  A full ring is written out first. */
	if (level == LOG_EMERG && ring_full())
		drain_locked(0);
	queue_drop_report();
	if (ring_full_to(class_limit(level, cat))) {
		log_seq++;
		count_drop();
	} else {
		struct log_slot *slot = &ring[ring_head % LOG_RING_RECORDS];

		va_start(ap, fmt);
		slot->len = (uint16_t)format_line(slot->line, log_seq++, t_us, level, cat, fmt, ap);
		va_end(ap);
		log_barrier();
		ring_head++;
	}
	if (!log_buffered || level == LOG_EMERG)
		drain_locked(0);
	log_barrier();
	log_depth = 0;
}

/* The line of hv_record_now(), written at once and never kept. */
static char now_line[LOG_LINE_MAX];

bool hv_record_now(enum log_level level, enum log_cat cat, const char *fmt, ...)
{
	va_list ap;

	if (log_depth != 0)
		return false;
	log_depth = 1;
	log_barrier();
	/* Everything queued before goes first, so the stream stays in seq
	 * order (the ring's half-written record included). */
	drain_locked(0);
	va_start(ap, fmt);
	unsigned n = format_line(now_line, log_seq++, log_now_us(), level, cat, fmt, ap);
	va_end(ap);
	plat_log_write(now_line, n);
	log_barrier();
	log_depth = 0;
	return true;
}

unsigned log_drain(unsigned max_records)
{
	unsigned n;

	if (log_depth != 0)
		return 0;
	log_depth = 1;
	log_barrier();
	n = drain_locked(max_records);
	log_barrier();
	log_depth = 0;
	return n;
}

unsigned log_drain_nonblocking(void)
{
	unsigned n = 0;

	if (log_depth != 0)
		return 0;
	log_depth = 1;
	log_barrier();
	while (ring_head != ring_tail || queue_drop_report()) {
		struct log_slot *slot = &ring[ring_tail % LOG_RING_RECORDS];
		unsigned done = plat_log_try_write(slot->line + tail_offset, slot->len - tail_offset);

		tail_offset += done;
		if (tail_offset < slot->len)
			break; /* the port is full: the rest goes out later */
		tail_offset = 0;
		ring_tail++;
		n++;
	}
	log_barrier();
	log_depth = 0;
	return n;
}

void log_set_clock(uint64_t start_tsc, uint64_t tsc_hz)
{
	clock_start = start_tsc;
	clock_hz = tsc_hz;
}

void log_set_buffered(bool buffered)
{
	log_buffered = buffered;
	if (!buffered)
		log_drain(0);
}

unsigned log_pending(void)
{
	return ring_head - ring_tail;
}

uint64_t log_dropped_total(void)
{
	return dropped_total;
}

char *log_quote(char *dst, unsigned size, const char *src)
{
	unsigned i = 0;

	if (size == 0)
		return dst;
	for (; src != NULL && src[i] != '\0' && i < size - 1; i++)
		dst[i] = src[i] == '"' ? '\'' : src[i];
	dst[i] = '\0';
	return dst;
}

void log_reset(void)
{
	ring_head = 0;
	ring_tail = 0;
	log_seq = 0;
	clock_start = 0;
	clock_hz = 0;
	log_buffered = false;
	dropped_total = 0;
	dropped_unreported = 0;
	reserve_held = false;
	log_depth = 0;
	log_tap = NULL;
}
