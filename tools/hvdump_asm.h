/*
 * Reassembly of the crash dumps in a captured log (docs/dumps.md): fed
 * the parsed records of the report stream one by one, it checks every
 * dump's records (index sequence, page and chunk bounds, base64, counts,
 * the CRC of its pages) and hands the verified pieces to a sink.
 *
 * Host code, no global state, no allocation, no recursion: the caller
 * owns the (large, fixed-size) state, and a fuzz target may feed it any
 * records.
 */
#ifndef HVDUMP_ASM_H
#define HVDUMP_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dumpcrypt.h"
#include "tools/hvlog_parse.h"

#define HVDUMP_PAGE 4096u
/* Dumps one log may hold. */
#define HVDUMP_DUMPS_MAX 64u
/* Register fields per dump (the hypervisor sends 63). */
#define HVDUMP_REGS_MAX 96u
#define HVDUMP_KEY_MAX 24u
/* Skip records kept per dump for the core's note (a mini dump has at most
 * 9 requests; more are counted). */
#define HVDUMP_SKIPS_MAX 32u
#define HVDUMP_SKIP_TEXT 96u
#define HVDUMP_ERR_MAX 160u
/* A VMCOREINFO note's bytes (HV_DUMP_VMCOREINFO_MAX, include/hv_abi.h). */
#define HVDUMP_VMCOREINFO_MAX 8192u
/* Pages per dump: all of a 1 GiB guest (make GUEST_RAM_MB=1024). */
#define HVDUMP_PAGES_MAX (1u << 18)

struct hvdump_reg {
	char key[HVDUMP_KEY_MAX];
	uint64_t value;
};

/* What the log says about one dump, and what was checked. */
struct hvdump_info {
	unsigned ordinal;    /* 1 = the first dump in the log */
	unsigned boot;       /* 1 = the first boot in the log */
	uint32_t id;         /* the hypervisor's number for it (per boot) */
	char level[8];       /* "mini", "kernel" or "full" */
	char cause[24], rule[40];
	uint64_t ram_bytes;  /* guest RAM (dump_begin's ram_bytes), 0 if not given */
	bool ok;             /* complete and verified */
	char err[HVDUMP_ERR_MAX];
	uint32_t records;    /* indexed records seen */
	uint64_t pages, chunks, skipped, zero_pages;
	uint64_t xpages;     /* sealed private pages received (and verified, with a key) */
	uint64_t xopened;    /* ... of which decrypted and handed to the sink */
	uint64_t out_pages;  /* pages handed to the sink: plaintext and decrypted */
	char keyfp[2 * DUMPCRYPT_FP + 1]; /* the key its private pages are sealed for */
	uint32_t crc;        /* computed over the pages */
	uint64_t us;         /* the hypervisor's time for it */
	unsigned nregs;
	struct hvdump_reg regs[HVDUMP_REGS_MAX];
	unsigned nskips;
	char skips[HVDUMP_SKIPS_MAX][HVDUMP_SKIP_TEXT];
	/* The guest kernel's VMCOREINFO note (dump_note): where it lies in
	 * guest-physical memory; vmcoreinfo_bytes 0 if the dump names none. */
	uint64_t vmcoreinfo_gpa, vmcoreinfo_bytes;
};

/* Where verified data goes.  Every callback may be NULL.  page() opens a
 * page (zero-filled), data() fills part of it, end() closes the dump
 * (info->ok says if it verified).  Pages and data are handed over as they
 * come, before the dump's end is seen: a sink that writes them must keep
 * its output until end() says ok (hvdump writes only in a second pass). */
struct hvdump_sink {
	void *ctx;
	void (*page)(void *ctx, const struct hvdump_info *d, uint64_t vaddr, uint64_t gpa);
	void (*data)(void *ctx, const struct hvdump_info *d, uint32_t off, const uint8_t *p, size_t n);
	void (*end)(void *ctx, const struct hvdump_info *d);
};

struct hvdump_asm {
	/* The operator's private key (hvdump -k): set by the caller after
	 * hvdump_asm_init(); without it sealed pages are checked for
	 * completeness only and left out. */
	bool have_key;
	uint8_t priv[DUMPCRYPT_KEY];
	char my_fp[2 * DUMPCRYPT_FP + 1];
	unsigned boots, ndumps;
	bool open;          /* between dump_begin and dump_end */
	bool failed;        /* the open dump failed: its records are ignored */
	bool page_open;
	uint32_t next_i;
	uint32_t page_fill;  /* bytes of the open page already given (data must move forward) */
	uint8_t page[HVDUMP_PAGE];
	/* The open dump's sealing, and the sealed page being received. */
	struct dumpcrypt dc;
	bool key_seen, xpage_open;
	uint64_t xn, xvaddr, xgpa;
	uint32_t xfill;
	uint8_t xbuf[HVDUMP_PAGE], plain[HVDUMP_PAGE];
	struct hvdump_info cur;
	unsigned nsummary;   /* dumps finished (ok or not), at most HVDUMP_DUMPS_MAX */
	struct hvdump_info summary[HVDUMP_DUMPS_MAX];
	unsigned too_many;   /* dumps beyond HVDUMP_DUMPS_MAX (an error) */
};

void hvdump_asm_init(struct hvdump_asm *a);
/* Gives the operator's private key (after hvdump_asm_init); false if it
 * is not a usable X25519 key. */
bool hvdump_asm_set_key(struct hvdump_asm *a, const uint8_t priv[DUMPCRYPT_KEY]);
/* One input line's parse result (status from hvlog_parse_line(); rec is
 * read only when status is HVLOG_OK). */
void hvdump_asm_line(struct hvdump_asm *a, int status, const struct hvlog_record *rec,
		     const struct hvdump_sink *sink);
/* End of input: a dump still open fails (cut short). */
void hvdump_asm_finish(struct hvdump_asm *a, const struct hvdump_sink *sink);

/* Strict base64 (RFC 4648, '=' padding only at the end): decodes len
 * characters into out (room for max bytes); returns the byte count, or -1
 * if the text is not base64 or does not fit. */
long hvdump_b64_decode(const char *in, size_t len, uint8_t *out, size_t max);

/* A register's value from a dump, or false if the dump lacks it. */
bool hvdump_reg(const struct hvdump_info *d, const char *key, uint64_t *value);

/* The first ELF note in buf[0, len) if it is named "VMCOREINFO" (as Linux
 * lays out its note: 12-byte header, name padded to 4 bytes, then the
 * text): sets *desc_off and *desc_len to its text, every size checked
 * against len.  False if there is no such note. */
bool hvdump_vmcoreinfo_desc(const uint8_t *buf, size_t len, size_t *desc_off, size_t *desc_len);

/* 2 * n lower-case hex digits at s into n bytes; false at any other
 * character (s must hold 2 * n characters). */
bool hvdump_hex_decode(const char *s, uint8_t *out, size_t n);

#endif
