/*
 * The hypervisor's report stream: every event, decision, action and
 * outcome is one line on the log port (COM1),
 *
 *   HV1 <seq> <t_us> <level> <cat> <text> *<crc>
 *
 * seq counts records from 0 (a record the ring had to drop leaves a gap),
 * t_us is microseconds since log_set_clock()'s start (0 before), level is
 * info|minor|major|emerg, cat is log|event|decision|action|outcome|alarm|
 * stat|tick, text is printable ASCII ("name key=value ..."), crc is the
 * CRC-32 (zlib) of the line up to " *", as 8 lowercase hex digits.  The
 * full definition is in docs/report-stream.md; tools/hvlog-decode turns a
 * captured log into JSON Lines.
 *
 * Records are formatted when they are made and kept in a static ring of
 * LOG_RING_RECORDS lines.  Unbuffered (the default at boot) every record
 * goes to the port at once; buffered, records wait for log_drain() so a
 * burst never holds up the guest.  A full ring drops the new record,
 * counts it, and reports the count in a "log_dropped" stat record as soon
 * as there is room again.
 *
 * The last LOG_RESERVED slots are kept for the records that explain a
 * decision or a stop: categories decision, action, outcome and alarm, and
 * levels major and emerg (log_reserved_class()).  Ordinary records (info
 * and minor events, log lines, stats, ticks: most of what a guest can
 * trigger) fill the ring only up to LOG_RING_ORDINARY, so a flood of them
 * cannot crowd out why the guest was reset, parked or stopped.  The
 * log_dropped report may take one slot more than an ordinary record: a
 * flood cannot keep it out, and at most one waits in the reserve.
 *
 * Context: one CPU.  hv_record() may be called from any hypervisor
 * context, including host exception handlers and a record made while
 * another is being formatted or written (it then goes straight to the
 * port, bypassing the ring), but NOT from NMI handlers: an NMI can arrive
 * inside the ring update.  No heap, no recursion, bounded time (the port
 * write is the UART's bounded poll).
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdbool.h>
#include <stdint.h>

/* One line, including its "\n" (the UART layer sends "\r\n").  384: a
 * report from a 64-bit kernel (eight 18-character addresses, a module
 * name and a 63-character message) fits whole. */
#define LOG_LINE_MAX 384
/* Ring slots; a power of two. */
#define LOG_RING_RECORDS 128
/*
 * Slots only log_reserved_class() records may fill (and one of them the
 * log_dropped report).  One incident that ends in a stop makes at most
 * ACTIONS_RESERVED_RECORDS_MAX such records in one go (hv/actions.c
 * counts them and asserts they fit next to the report); 16 leaves room
 * for a second incident's first records before the next drain.
 */
#define LOG_RESERVED 16
/* Slots ordinary records may fill. */
#define LOG_RING_ORDINARY (LOG_RING_RECORDS - LOG_RESERVED)

enum log_level { LOG_INFO, LOG_MINOR, LOG_MAJOR, LOG_EMERG };
enum log_cat {
	CAT_LOG,
	CAT_EVENT,
	CAT_DECISION,
	CAT_ACTION,
	CAT_OUTCOME,
	CAT_ALARM,
	CAT_STAT,
	CAT_TICK,
};

/*
 * Makes one record: the text is fmt formatted like printf, then any
 * control character, non-ASCII byte or '*' becomes '?'; a text too long
 * for the line is cut and ends in "...".  A value containing spaces may be
 * written key="..." (see log_quote()).  An out-of-range level is written
 * as major, an out-of-range cat as log.
 *
 * An emerg record is written out at once with everything still in the
 * ring before it, even in buffered mode: the caller may be about to halt.
 * It is never dropped: a full ring is written out first to make room.
 * Other records are dropped when the slots their class may fill are
 * taken (LOG_RING_ORDINARY, or LOG_RING_RECORDS for log_reserved_class()).
 */
void hv_record(enum log_level level, enum log_cat cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True for the records that may use the reserved slots: categories
 * decision, action, outcome and alarm, and levels major and emerg (an
 * out-of-range level is written as major, so it counts as major). */
static inline bool log_reserved_class(enum log_level level, enum log_cat cat)
{
	return (unsigned)level >= LOG_MAJOR || cat == CAT_DECISION || cat == CAT_ACTION ||
	       cat == CAT_OUTCOME || cat == CAT_ALARM;
}

/* While held, every record is ordinary whatever its class: for the
 * records of a log-only decision, which a guest can bring in a loop (8 a
 * second per event type) and which must not use up the reserve kept for
 * the decisions that reset, park or stop it.  Emerg records are written
 * out at once as ever. */
void log_hold_reserve(bool held);

/*
 * Makes one record like hv_record() and writes it to the port at once,
 * after every record still queued, waiting for the port as long as it
 * takes; the ring is not used, so a long run of these (a crash dump's
 * chunks, hv/dump.c) can neither be dropped nor crowd out other records.
 * For callers that have stopped the guest.  Returns false (nothing
 * written, no seq used) when called from inside the logger.
 */
bool hv_record_now(enum log_level level, enum log_cat cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The plain log line of the existing call sites: level info, cat log. */
#define hv_log(...) hv_record(LOG_INFO, CAT_LOG, __VA_ARGS__)

/*
 * Sets the clock of t_us: t_us = (tsc - start_tsc) * 10^6 / tsc_hz,
 * computed without overflow for any 64-bit TSC difference.  Before the
 * first call, or with tsc_hz == 0, t_us is 0.
 */
void log_set_clock(uint64_t start_tsc, uint64_t tsc_hz);

/*
 * false (the default at boot): every record is written at once.  true:
 * records wait in the ring until log_drain().  Switching back to false
 * writes whatever is pending.
 */
void log_set_buffered(bool buffered);

/*
 * Writes up to max_records (0 = all) pending records to the port, oldest
 * first, and queues the log_dropped report if drops are pending and
 * there is room; returns how many records were written.  Returns 0 when
 * called from inside the logger (e.g. an exception handler that
 * interrupted a write).
 */
unsigned log_drain(unsigned max_records);
/* Writes what the port takes without waiting (the UART's FIFO), and keeps
 * the rest for later: the vCPU loop calls this so that a burst of records
 * never holds the guest up.  Returns the records completed. */
unsigned log_drain_nonblocking(void);

/* Records waiting in the ring. */
unsigned log_pending(void);

/* Records dropped since boot (ring full, or nested too deep). */
uint64_t log_dropped_total(void);

/*
 * Copies src into dst (size bytes, always NUL-terminated when size > 0)
 * with '"' replaced by '\'': the contents of a key="..." value.  Returns
 * dst.
 */
char *log_quote(char *dst, unsigned size, const char *src);

/*
 * A function that sees every line as it is made (the flight recorder,
 * lib/flight.h): the whole line, "\n" included, and where its text
 * starts.  Called inside the logger, so it must not log; it runs for
 * every record that is not dropped, whether it goes to the ring, to the
 * port at once, or straight out from an exception inside the logger.
 * NULL (the default) for none.
 */
typedef void log_tap_fn(enum log_level level, enum log_cat cat, const char *line, unsigned len,
			unsigned text_off);
void log_set_tap(log_tap_fn *tap);

/* Back to the boot state: empty ring, seq 0, no clock, unbuffered, no
 * drops, no tap.  For host tests; the hypervisor never needs it. */
void log_reset(void);

#endif
