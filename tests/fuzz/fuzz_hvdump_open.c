/*
 * fuzz_hvdump_open: the decryption path of tools/hvdump (dump_key,
 * dump_xpage, dump_xmem, dump_xtag in tools/hvdump_asm.c, and
 * lib/dumpcrypt.c) with the operator's key given.  Each input is turned
 * into a dump: the target seals one or two pages itself (so the fuzzer
 * starts from ciphertext that opens), then the input's bytes pick what
 * to do to the records: flip a byte of a piece or the tag, drop, repeat
 * or swap pieces or pages, change n= or gpa=, name another key.
 * Invariants: a dump that verifies handed on exactly the pages sealed,
 * each equal to its plaintext; one that fails handed on no page whose
 * tag failed, and says why; nothing is handed on after an error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hv/dump_fmt.h"
#include "lib/crc32.h"
#include "lib/dumpcrypt.h"
#include "tests/fuzz/fuzz_common.h"
#include "tools/hvdump_asm.h"

static struct hvdump_asm asmb;
static struct hvlog_record rec;
static uint8_t plain[2][DUMPCRYPT_PAGE], sealed[2][DUMPCRYPT_PAGE];
static unsigned handed;
static bool handed_ok;

/* Not secret: a fixed key pair for the fuzzer only. */
static const uint8_t op_priv[DUMPCRYPT_KEY] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t eph[DUMPCRYPT_KEY] = { 11, 12, 13, 14, 15, 16, 17, 18 };

static void on_page(void *ctx, const struct hvdump_info *d, uint64_t vaddr, uint64_t gpa)
{
	(void)ctx;
	(void)vaddr;
	(void)gpa;
	FUZZ_ASSERT(d->out_pages >= 1);
}

static void on_data(void *ctx, const struct hvdump_info *d, uint32_t off, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (d->ordinal != 1)
		return; /* a dump made of the input's own lines: no key of ours */
	/* A decrypted page is handed on whole, and only if its tag held: it
	 * must be one of the plaintexts sealed. */
	FUZZ_ASSERT(off == 0 && n == DUMPCRYPT_PAGE && d->xopened >= 1 && d->xopened <= 2);
	FUZZ_ASSERT(memcmp(p, plain[d->xopened - 1], n) == 0);
	handed++;
}

static void on_end(void *ctx, const struct hvdump_info *d)
{
	(void)ctx;
	FUZZ_ASSERT(d->ok == (d->err[0] == '\0'));
	if (d->ordinal == 1) /* the sealed dump; the input may start more */
		handed_ok = d->ok;
}

static const struct hvdump_sink sink = { NULL, on_page, on_data, on_end };

static uint64_t seq;
static void feed(const char *text)
{
	static char line[400];
	int n = snprintf(line, sizeof(line), "HV1 %llu 0 info stat %s", (unsigned long long)seq++, text);
	n += snprintf(line + n, sizeof(line) - (size_t)n, " *%08x", crc32_ieee(line, (size_t)n));
	hvdump_asm_line(&asmb, hvlog_parse_line(line, (size_t)n, &rec), &rec, &sink);
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void b64(char *out, const uint8_t *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dumpcrypt c;
	uint8_t pub[DUMPCRYPT_KEY], epk[DUMPCRYPT_KEY], fp[DUMPCRYPT_FP], tag[2][DUMPCRYPT_TAG];
	char text[300], h[80], d64[130];
	unsigned npages = size > 0 && (data[0] & 1) ? 2 : 1;
	size_t at = 1;
	uint32_t idx = 0;

	/* The mutation program: pairs of (op, arg) bytes after the first. */
#define NEXT() (at < size ? data[at++] : 0)
	for (unsigned p = 0; p < 2; p++)
		for (unsigned i = 0; i < DUMPCRYPT_PAGE; i++)
			plain[p][i] = (uint8_t)(i * 7 + p);
	FUZZ_ASSERT(dumpcrypt_public(op_priv, pub));
	FUZZ_ASSERT(dumpcrypt_seal_begin(&c, pub, eph, epk));
	for (unsigned p = 0; p < npages; p++) {
		memcpy(sealed[p], plain[p], DUMPCRYPT_PAGE);
		dumpcrypt_seal_page(&c, 1, p, 0x100000 + p * 0x1000ull, sealed[p], tag[p]);
	}
	uint8_t op = NEXT(), arg = NEXT();
	/* Apply byte flips into the ciphertext or tags. */
	if (op % 8 == 1)
		sealed[arg % npages][(unsigned)arg * 16 % DUMPCRYPT_PAGE] ^= (uint8_t)(NEXT() | 1);
	if (op % 8 == 2)
		tag[arg % npages][arg % DUMPCRYPT_TAG] ^= 1;
	if (op % 8 == 3)
		fp[0] = 0; /* replaced below by a wrong fingerprint */

	hvdump_asm_init(&asmb);
	FUZZ_ASSERT(hvdump_asm_set_key(&asmb, op_priv));
	handed = 0;
	seq = 0;
	feed("dump_begin id=1 level=kernel cause=panic rule=r");
	dumpcrypt_fingerprint(pub, fp);
	if (op % 8 == 3)
		fp[NEXT() % DUMPCRYPT_FP] ^= 1;
	hex(h, fp, DUMPCRYPT_FP);
	char e[70];
	hex(e, epk, DUMPCRYPT_KEY);
	snprintf(text, sizeof(text), "dump_key id=1 i=%u alg=%s rng=rdrand key=%s epk=%s", idx++, DUMPCRYPT_ALG,
		 h, e);
	feed(text);
	for (unsigned p = 0; p < npages; p++) {
		unsigned pn = (op % 8 == 4) ? npages - 1 - p : p; /* pages swapped */
		uint64_t gpa = 0x100000 + pn * 0x1000ull + (op % 8 == 5 ? 0x1000 : 0);
		snprintf(text, sizeof(text), "dump_xpage id=1 i=%u n=%u vaddr=0x%llx gpa=0x%llx what=private", idx++,
			 op % 8 == 6 ? p + 1 : p, (unsigned long long)gpa, (unsigned long long)gpa);
		feed(text);
		unsigned drop = op % 8 == 7 ? arg % 46 : 99;
		for (unsigned k = 0; k < 46; k++) {
			uint32_t off = k * DUMP_CHUNK, n = DUMPCRYPT_PAGE - off < DUMP_CHUNK ? DUMPCRYPT_PAGE - off : DUMP_CHUNK;
			if (k == drop)
				continue;
			b64(d64, sealed[pn] + off, n);
			snprintf(text, sizeof(text), "dump_xmem id=1 i=%u off=%u d=%s", idx++, off, d64);
			feed(text);
		}
		hex(h, tag[pn], DUMPCRYPT_TAG);
		snprintf(text, sizeof(text), "dump_xtag id=1 i=%u n=%u tag=%s", idx++, op % 8 == 6 ? p + 1 : p, h);
		feed(text);
	}
	/* Any remaining input: raw lines for the assembler. */
	while (at < size) {
		size_t len = 0;
		while (at + len < size && data[at + len] != '\n' && len < 250)
			len++;
		snprintf(text, sizeof(text), "%.*s", (int)len, (const char *)data + at);
		feed(text);
		at += len + 1;
	}
	snprintf(text, sizeof(text), "dump_end id=1 level=kernel records=%u pages=0 chunks=0 zero_pages=0 "
		 "skipped=0 xpages=%u crc=00000000 us=1", idx, npages);
	feed(text);
	hvdump_asm_finish(&asmb, &sink);
	/* Every mutation that touches the ciphertext, tag, key, order or
	 * position must fail the dump; the untouched dump must verify and
	 * hand on every page. */
	if (op % 8 == 0 && at >= size && size <= 3)
		FUZZ_ASSERT(handed_ok && handed == npages);
	if (op % 8 >= 1 && !(op % 8 == 4 && npages == 1))
		FUZZ_ASSERT(!handed_ok);
	FUZZ_ASSERT(asmb.nsummary >= 1);
	return 0;
}
