/*
 * The flight recorder (issue 11, M25/M26; docs/dumps.md, "The flight
 * recorder"): the hypervisor's crash record, its last FLIGHT_LOG_RECORDS
 * log records and its last mini dump, kept in a RAM region that survives
 * a warm reset of the machine, found again by the next boot, re-emitted
 * on its log as the previous boot's record, and cleared.
 *
 * The region is a fixed physical range the boot path reserves
 * (FLIGHT_BASE: see docs/dumps.md for why there, measured under QEMU
 * with OVMF and with SeaBIOS + GRUB); this module only knows its layout.
 * It is filled three ways:
 *   - every log record, as lib/log.c formats it (flight_tap(), installed
 *     with log_set_tap()): the last FLIGHT_LOG_RECORDS whole lines, each
 *     with its own CRC from the log frame;
 *   - the records of a mini dump between its dump_begin and dump_end
 *     (their text, level and category), with a CRC of their own written
 *     at dump_end;
 *   - on a crash of the hypervisor, the crash record, then a seal: a CRC
 *     over the whole contents.
 * The header has a CRC of its own, rewritten at every record.  So a
 * region left by a crash is checked as a whole, and one left by a reset
 * nobody announced (no seal) line by line: a line torn by the reset is
 * left out and counted.
 *
 * Context: one CPU; flight_tap() runs inside the logger (it must not
 * log); flight_save_crash()/flight_seal() run in the host exception
 * handler.  No heap, no recursion, bounded time.
 */
#ifndef LIB_FLIGHT_H
#define LIB_FLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/log.h"

/* Where both boot paths reserve the region: 4 MiB, below the
 * Multiboot2 image (16 MiB) and OVMF's firmware volumes (8 MiB and up),
 * above what SeaBIOS and GRUB use at boot (docs/dumps.md, measured). */
#define FLIGHT_BASE 0x400000ull
#define FLIGHT_MAGIC 0x52464648u /* "HFFR" */
#define FLIGHT_VERSION 1u
#define FLIGHT_LOG_RECORDS 32u
/* A mini dump's records as text: 30 KB for the test guest's 9 pages,
 * about 125 KB for the worst case of 16 pages with no zero piece
 * (docs/dumps.md, Figures). */
#define FLIGHT_DUMP_BYTES (160u * 1024u)

enum flight_flags { FLIGHT_SEALED = 1u, FLIGHT_HAS_CRASH = 2u };
enum flight_dump_state { FLIGHT_DUMP_NONE, FLIGHT_DUMP_OPEN, FLIGHT_DUMP_COMPLETE,
			 FLIGHT_DUMP_TRUNCATED };

/* What the crash record keeps (arch/x86/host_fault.c fills it). */
struct flight_crash {
	uint64_t vector, error, rip, rsp, rflags, cr2, cr3;
	uint64_t rax, rcx, rdx, rsi, rdi, r8, r9, r10, r11;
	uint64_t exits, last_exit, ticks, generation, guest_rip;
};

struct flight_line {
	uint16_t len; /* bytes of line, "\n" not kept; 0 = empty */
	char line[LOG_LINE_MAX];
};

/* 64 bytes: the contents start at FLIGHT_BASE + 64 (docs/dumps.md). */
struct flight_hdr {
	uint32_t magic, version, size, flags;
	uint32_t boot;          /* warm boots in a row that found a region, from 1 */
	uint32_t dump_state;    /* enum flight_dump_state */
	uint32_t dump_used;     /* bytes of dump[] */
	uint32_t dump_lines;
	uint64_t log_head;      /* records written, free-running */
	uint32_t dump_crc;      /* over dump[0..dump_used) at dump_end */
	uint32_t contents_crc;  /* over crash, log[] and dump[0..dump_used), at the seal */
	uint32_t pad[3];
	uint32_t hdr_crc;       /* over the 60 bytes before it */
};
_Static_assert(sizeof(struct flight_hdr) == 64, "the header is 64 bytes");

struct flight_region {
	struct flight_hdr hdr;
	struct flight_crash crash;
	struct flight_line log[FLIGHT_LOG_RECORDS];
	/* Records of the last mini dump: level, cat, length (2 bytes,
	 * little-endian), then the text. */
	uint8_t dump[FLIGHT_DUMP_BYTES];
};
#define FLIGHT_SIZE ((uint64_t)sizeof(struct flight_region))
_Static_assert(sizeof(struct flight_region) <= 256u * 1024u, "the region stays within 256 KiB");

/* What flight_check() found. */
enum flight_status {
	FLIGHT_EMPTY,       /* no magic: a cold boot, or cleared */
	FLIGHT_BAD_VERSION, /* magic, but another version or size */
	FLIGHT_BAD_HEADER,  /* the header's CRC does not match */
	FLIGHT_BAD_CRC,     /* sealed, and the contents' CRC does not match */
	FLIGHT_OK,
};
const char *flight_status_name(enum flight_status s);

struct flight_found {
	enum flight_status status;
	bool sealed, crash;
	uint32_t boot;
	unsigned records, torn; /* log lines good, and bad (left out) */
	enum flight_dump_state dump; /* TRUNCATED also for a dump whose CRC fails */
	uint32_t dump_lines;
};

/* Pure: validates a region (no writes).  The log lines that count are
 * the last min(log_head, FLIGHT_LOG_RECORDS); each must parse as a log
 * line with a good CRC (sealed or not), else it is torn. */
void flight_check(const struct flight_region *r, struct flight_found *f);

/* Pure: the CRC of the contents, as the seal writes it. */
uint32_t flight_contents_crc(const struct flight_region *r);

/* Clears r and starts recording into it: boot is the number of this boot
 * in a row of warm boots (1 after a cold one). */
void flight_init(struct flight_region *r, uint32_t boot);

/* Writes the previous boot's record (a region flight_check() passed) to
 * the log at once (hv_record_now()): flight_found, the crash record, the
 * log lines, the mini dump; see docs/report-stream.md. */
void flight_emit(const struct flight_region *r, const struct flight_found *f, uint64_t at);

/* At boot: checks the region at r, reports what it found (a bad one is
 * reported and ignored), clears it and records into it from now on
 * (log_set_tap()).  Returns true when the previous boot left a crash
 * record. */
bool flight_boot(struct flight_region *r);

/* The log tap (lib/log.h): keeps the line in the ring, and the text of a
 * mini dump's records. */
void flight_tap(enum log_level level, enum log_cat cat, const char *line, unsigned len,
		unsigned text_off);

/* The crash path: keeps the crash record (no-op when not recording), and
 * seals the region. */
void flight_save_crash(const struct flight_crash *c);
void flight_seal(void);

/* The region being recorded into, or NULL. */
struct flight_region *flight_region(void);

#endif
