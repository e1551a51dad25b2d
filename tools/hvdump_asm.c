/*
 * Reassembly and verification of crash dumps from the report stream
 * (tools/hvdump_asm.h, docs/dumps.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/crc32.h"
#include "tools/hvdump_asm.h"

void hvdump_asm_init(struct hvdump_asm *a)
{
	/* Only the small fields: summary[] is filled as dumps finish. */
	a->boots = a->ndumps = a->nsummary = a->too_many = 0;
	a->open = a->failed = a->page_open = false;
	a->next_i = a->page_fill = 0;
	a->key_seen = a->xpage_open = false;
}

bool hvdump_asm_set_key(struct hvdump_asm *a, const uint8_t priv[DUMPCRYPT_KEY])
{
	uint8_t pub[DUMPCRYPT_KEY], fp[DUMPCRYPT_FP];

	if (!dumpcrypt_public(priv, pub))
		return false;
	dumpcrypt_fingerprint(pub, fp);
	for (unsigned i = 0; i < DUMPCRYPT_FP; i++)
		snprintf(a->my_fp + 2 * i, 3, "%02x", fp[i]);
	memcpy(a->priv, priv, DUMPCRYPT_KEY);
	a->have_key = true;
	return true;
}

/* A field's value as a span of the record's text. */
static bool field(const struct hvlog_record *r, const char *key, const char **v, size_t *len)
{
	size_t klen = strlen(key);

	for (unsigned i = 0; i < r->nfields; i++) {
		const struct hvlog_field *f = &r->fields[i];
		if (f->key.len == klen && memcmp(r->text + f->key.off, key, klen) == 0) {
			*v = r->text + f->value.off;
			*len = f->value.len;
			return true;
		}
	}
	return false;
}

/* Unsigned decimal or 0x hex, the whole value, no overflow. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > (base == 16 ? 16u : 20u))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static bool field_u64(const struct hvlog_record *r, const char *key, uint64_t *out)
{
	const char *v;
	size_t len;

	return field(r, key, &v, &len) && parse_u64(v, len, out);
}

static void field_str(const struct hvlog_record *r, const char *key, char *out, size_t size)
{
	const char *v;
	size_t len;

	out[0] = '\0';
	if (!field(r, key, &v, &len))
		return;
	if (len >= size)
		len = size - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static bool name_is(const struct hvlog_record *r, const char *name)
{
	size_t n = strlen(name);

	return r->name.len == n && memcmp(r->text + r->name.off, name, n) == 0;
}

static void fail(struct hvdump_asm *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct hvdump_asm *a, const char *fmt, ...)
{
	va_list ap;

	if (a->failed)
		return; /* the first error is the one to report */
	a->failed = true;
	va_start(ap, fmt);
	vsnprintf(a->cur.err, sizeof(a->cur.err), fmt, ap);
	va_end(ap);
}

static void close_page(struct hvdump_asm *a)
{
	if (a->page_open) {
		a->cur.crc = crc32_ieee_update(a->cur.crc, a->page, HVDUMP_PAGE);
		a->page_open = false;
	}
}

/* The open dump ends (dump_end seen, or cut short): its summary is kept. */
static void finish(struct hvdump_asm *a, const struct hvdump_sink *sink)
{
	a->cur.ok = !a->failed;
	if (!a->cur.ok && a->cur.err[0] == '\0')
		snprintf(a->cur.err, sizeof(a->cur.err), "failed");
	if (sink && sink->end)
		sink->end(sink->ctx, &a->cur);
	if (a->nsummary < HVDUMP_DUMPS_MAX)
		a->summary[a->nsummary++] = a->cur;
	else
		a->too_many++;
	a->open = a->failed = a->page_open = false;
	a->key_seen = a->xpage_open = false;
	dumpcrypt_wipe(&a->dc, sizeof(a->dc));
	dumpcrypt_wipe(a->plain, sizeof(a->plain));
}

static void begin(struct hvdump_asm *a, const struct hvlog_record *r, const struct hvdump_sink *sink)
{
	uint64_t id = 0;

	if (a->open) {
		fail(a, "dump %u (id %u): cut short: no dump_end before the next dump_begin",
		     a->cur.ordinal, a->cur.id);
		finish(a, sink);
	}
	memset(&a->cur, 0, sizeof(a->cur));
	a->open = true;
	a->failed = a->page_open = false;
	a->next_i = 0;
	a->cur.ordinal = ++a->ndumps;
	a->cur.boot = a->boots;
	field_str(r, "level", a->cur.level, sizeof(a->cur.level));
	field_str(r, "cause", a->cur.cause, sizeof(a->cur.cause));
	field_str(r, "rule", a->cur.rule, sizeof(a->cur.rule));
	if (!field_u64(r, "id", &id) || id > UINT32_MAX)
		fail(a, "dump %u: dump_begin without a valid id", a->cur.ordinal);
	a->cur.id = (uint32_t)id;
	if (!field_u64(r, "ram_bytes", &a->cur.ram_bytes))
		a->cur.ram_bytes = 0;
	if (strcmp(a->cur.level, "mini") != 0 && strcmp(a->cur.level, "full") != 0 &&
	    strcmp(a->cur.level, "kernel") != 0)
		fail(a, "dump %u (id %u): unknown level '%s'", a->cur.ordinal, a->cur.id, a->cur.level);
}

static void add_reg(struct hvdump_asm *a, const struct hvlog_record *r, const struct hvlog_field *f)
{
	struct hvdump_info *d = &a->cur;
	uint64_t v;

	if (f->key.len >= HVDUMP_KEY_MAX || !parse_u64(r->text + f->value.off, f->value.len, &v)) {
		fail(a, "dump %u (id %u): bad register field in record i=%u", d->ordinal, d->id,
		     a->next_i - 1);
		return;
	}
	if (d->nregs >= HVDUMP_REGS_MAX) {
		fail(a, "dump %u (id %u): more than %u register fields", d->ordinal, d->id,
		     HVDUMP_REGS_MAX);
		return;
	}
	struct hvdump_reg *g = &d->regs[d->nregs++];
	memcpy(g->key, r->text + f->key.off, f->key.len);
	g->key[f->key.len] = '\0';
	g->value = v;
}

static void regs(struct hvdump_asm *a, const struct hvlog_record *r)
{
	for (unsigned i = 0; i < r->nfields; i++) {
		const struct hvlog_field *f = &r->fields[i];
		size_t kl = f->key.len;
		const char *k = r->text + f->key.off;
		if ((kl == 2 && memcmp(k, "id", 2) == 0) || (kl == 1 && k[0] == 'i'))
			continue;
		add_reg(a, r, f);
	}
	if (r->fields_dropped)
		fail(a, "dump %u (id %u): a dump_regs record with repeated or too many fields",
		     a->cur.ordinal, a->cur.id);
}

static void page(struct hvdump_asm *a, const struct hvlog_record *r, const struct hvdump_sink *sink)
{
	uint64_t vaddr, gpa;

	if (!field_u64(r, "vaddr", &vaddr) || !field_u64(r, "gpa", &gpa) ||
	    (vaddr | gpa) % HVDUMP_PAGE != 0) {
		fail(a, "dump %u (id %u): dump_page i=%u without page-aligned vaddr and gpa",
		     a->cur.ordinal, a->cur.id, a->next_i - 1);
		return;
	}
	if (a->cur.pages >= HVDUMP_PAGES_MAX) {
		fail(a, "dump %u (id %u): more than %u pages", a->cur.ordinal, a->cur.id,
		     HVDUMP_PAGES_MAX);
		return;
	}
	close_page(a);
	memset(a->page, 0, sizeof(a->page));
	a->page_open = true;
	a->page_fill = 0;
	a->cur.pages++;
	a->cur.out_pages++;
	if (sink && sink->page)
		sink->page(sink->ctx, &a->cur, vaddr, gpa);
}

static void mem(struct hvdump_asm *a, const struct hvlog_record *r, const struct hvdump_sink *sink)
{
	uint8_t buf[HVDUMP_PAGE];
	uint64_t off;
	const char *d;
	size_t dlen;

	if (!a->page_open) {
		fail(a, "dump %u (id %u): dump_mem i=%u before any dump_page", a->cur.ordinal,
		     a->cur.id, a->next_i - 1);
		return;
	}
	if (!field_u64(r, "off", &off) || !field(r, "d", &d, &dlen)) {
		fail(a, "dump %u (id %u): dump_mem i=%u without off= and d=", a->cur.ordinal,
		     a->cur.id, a->next_i - 1);
		return;
	}
	long n = hvdump_b64_decode(d, dlen, buf, sizeof(buf));
	/* Pieces come in page order and never overlap: a reordered or
	 * repeated one is an error, not a silent overwrite. */
	if (n <= 0 || off < a->page_fill || off >= HVDUMP_PAGE || (uint64_t)n > HVDUMP_PAGE - off) {
		fail(a, "dump %u (id %u): dump_mem i=%u: bad data or offset %llu", a->cur.ordinal,
		     a->cur.id, a->next_i - 1, (unsigned long long)off);
		return;
	}
	memcpy(a->page + off, buf, (size_t)n);
	a->page_fill = (uint32_t)(off + (uint64_t)n);
	a->cur.chunks++;
	if (sink && sink->data)
		sink->data(sink->ctx, &a->cur, (uint32_t)off, buf, (size_t)n);
}

static void skip(struct hvdump_asm *a, const struct hvlog_record *r)
{
	struct hvdump_info *d = &a->cur;
	char what[16], why[24], delta[8], addr[24];

	d->skipped++;
	if (d->nskips >= HVDUMP_SKIPS_MAX)
		return;
	field_str(r, "what", what, sizeof(what));
	field_str(r, "why", why, sizeof(why));
	field_str(r, "delta", delta, sizeof(delta));
	field_str(r, "gva", addr, sizeof(addr));
	if (addr[0] == '\0')
		field_str(r, "gpa", addr, sizeof(addr));
	snprintf(d->skips[d->nskips++], HVDUMP_SKIP_TEXT, "%s delta=%s at %s: %s", what, delta, addr,
		 why);
}

/* dump_note: where the guest kernel's VMCOREINFO note lies (the only
 * note there is); the sink reads it out of the dump's pages. */
static void note(struct hvdump_asm *a, const struct hvlog_record *r)
{
	struct hvdump_info *d = &a->cur;
	char name[16];
	uint64_t gpa, bytes;

	field_str(r, "name", name, sizeof(name));
	if (strcmp(name, "VMCOREINFO") != 0 || !field_u64(r, "gpa", &gpa) ||
	    !field_u64(r, "bytes", &bytes) || bytes == 0 || bytes > HVDUMP_VMCOREINFO_MAX ||
	    gpa > UINT64_MAX - bytes || d->vmcoreinfo_bytes != 0) {
		fail(a, "dump %u (id %u): dump_note i=%u: not one VMCOREINFO note with gpa= and "
			"bytes= (1..%u)", d->ordinal, d->id, a->next_i - 1, HVDUMP_VMCOREINFO_MAX);
		return;
	}
	d->vmcoreinfo_gpa = gpa;
	d->vmcoreinfo_bytes = bytes;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool hvdump_vmcoreinfo_desc(const uint8_t *buf, size_t len, size_t *desc_off, size_t *desc_len)
{
	static const char name[] = "VMCOREINFO"; /* n_namesz counts its NUL */
	const size_t head = 12, name_room = (sizeof(name) + 3) & ~(size_t)3;

	if (len < head + name_room)
		return false;
	uint32_t namesz = le32(buf), descsz = le32(buf + 4);
	if (namesz != sizeof(name) || memcmp(buf + head, name, sizeof(name)) != 0 ||
	    descsz > len - head - name_room)
		return false;
	*desc_off = head + name_room;
	*desc_len = descsz;
	return true;
}

bool hvdump_hex_decode(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] << 4) | d : d);
	}
	return true;
}

/* Exactly 2 * n lower-case hex digits. */
static bool hex_bytes(const struct hvlog_record *r, const char *key, uint8_t *out, size_t n)
{
	const char *v;
	size_t len;

	return field(r, key, &v, &len) && len == 2 * n && hvdump_hex_decode(v, out, n);
}

/* dump_key: the dump key is derived here, once, if a key was given and
 * is the one the dump names. */
static void xkey(struct hvdump_asm *a, const struct hvlog_record *r)
{
	struct hvdump_info *d = &a->cur;
	uint8_t epk[DUMPCRYPT_KEY], fp[DUMPCRYPT_FP];
	char alg[48];

	field_str(r, "alg", alg, sizeof(alg));
	if (a->key_seen || strcmp(alg, DUMPCRYPT_ALG) != 0 || !hex_bytes(r, "epk", epk, sizeof(epk)) ||
	    !hex_bytes(r, "key", fp, sizeof(fp))) {
		fail(a, "dump %u (id %u): a bad or repeated dump_key record (i=%u)", d->ordinal, d->id,
		     a->next_i - 1);
		return;
	}
	a->key_seen = true;
	for (unsigned i = 0; i < DUMPCRYPT_FP; i++)
		snprintf(d->keyfp + 2 * i, 3, "%02x", fp[i]);
	if (!a->have_key)
		return;
	if (strcmp(d->keyfp, a->my_fp) != 0) {
		fail(a, "dump %u (id %u): wrong key: its private pages are sealed for key %s, the key "
			"given (-k) is %s; nothing decrypted", d->ordinal, d->id, d->keyfp, a->my_fp);
		return;
	}
	if (!dumpcrypt_open_begin(&a->dc, a->priv, epk))
		fail(a, "dump %u (id %u): dump_key: the ephemeral key is not usable", d->ordinal, d->id);
}

static void xpage(struct hvdump_asm *a, const struct hvlog_record *r)
{
	struct hvdump_info *d = &a->cur;
	uint64_t n, vaddr, gpa;

	if (!a->key_seen || a->xpage_open) {
		fail(a, "dump %u (id %u): dump_xpage i=%u %s", d->ordinal, d->id, a->next_i - 1,
		     a->key_seen ? "before the last sealed page's tag" : "before any dump_key");
		return;
	}
	if (!field_u64(r, "n", &n) || !field_u64(r, "vaddr", &vaddr) || !field_u64(r, "gpa", &gpa) ||
	    (vaddr | gpa) % HVDUMP_PAGE != 0) {
		fail(a, "dump %u (id %u): dump_xpage i=%u without n and page-aligned vaddr and gpa",
		     d->ordinal, d->id, a->next_i - 1);
		return;
	}
	if (n != d->xpages) {
		fail(a, "dump %u (id %u): sealed page n=%llu where n=%llu was due: sealed pages missing "
			"or out of order", d->ordinal, d->id, (unsigned long long)n,
		     (unsigned long long)d->xpages);
		return;
	}
	a->xpage_open = true;
	a->xn = n;
	a->xvaddr = vaddr;
	a->xgpa = gpa;
	a->xfill = 0;
}

static void xmem(struct hvdump_asm *a, const struct hvlog_record *r)
{
	struct hvdump_info *d = &a->cur;
	uint8_t buf[HVDUMP_PAGE];
	uint64_t off;
	const char *v;
	size_t len;

	if (!a->xpage_open) {
		fail(a, "dump %u (id %u): dump_xmem i=%u outside a sealed page", d->ordinal, d->id,
		     a->next_i - 1);
		return;
	}
	if (!field_u64(r, "off", &off) || !field(r, "d", &v, &len)) {
		fail(a, "dump %u (id %u): dump_xmem i=%u without off= and d=", d->ordinal, d->id,
		     a->next_i - 1);
		return;
	}
	long n = hvdump_b64_decode(v, len, buf, sizeof(buf));
	/* Ciphertext comes whole: every piece, in order, none twice. */
	if (n <= 0 || off != a->xfill || (uint64_t)n > HVDUMP_PAGE - off) {
		fail(a, "dump %u (id %u): sealed page n=%llu: piece at offset %llu where %u was due "
			"(ciphertext missing, reordered or repeated)", d->ordinal, d->id,
		     (unsigned long long)a->xn, (unsigned long long)off, a->xfill);
		return;
	}
	memcpy(a->xbuf + off, buf, (size_t)n);
	a->xfill = (uint32_t)(off + (uint64_t)n);
}

static void xtag(struct hvdump_asm *a, const struct hvlog_record *r, const struct hvdump_sink *sink)
{
	struct hvdump_info *d = &a->cur;
	uint8_t tag[DUMPCRYPT_TAG];
	uint64_t n;

	if (!a->xpage_open || !field_u64(r, "n", &n) || n != a->xn || !hex_bytes(r, "tag", tag, sizeof(tag))) {
		fail(a, "dump %u (id %u): dump_xtag i=%u without its sealed page", d->ordinal, d->id,
		     a->next_i - 1);
		return;
	}
	a->xpage_open = false;
	if (a->xfill != HVDUMP_PAGE) {
		fail(a, "dump %u (id %u): sealed page n=%llu: ciphertext cut short (%u of %u bytes)",
		     d->ordinal, d->id, (unsigned long long)n, a->xfill, HVDUMP_PAGE);
		return;
	}
	d->xpages++;
	if (!a->have_key)
		return; /* complete; left out of the core */
	if (!dumpcrypt_open_page(&a->dc, d->id, n, a->xgpa, a->xbuf, tag, a->plain)) {
		fail(a, "dump %u (id %u): sealed page n=%llu (gpa 0x%llx): authentication failed "
			"(tampered, reordered or substituted ciphertext); nothing decrypted",
		     d->ordinal, d->id, (unsigned long long)n, (unsigned long long)a->xgpa);
		return;
	}
	d->xopened++;
	d->out_pages++;
	if (sink && sink->page)
		sink->page(sink->ctx, d, a->xvaddr, a->xgpa);
	if (sink && sink->data)
		sink->data(sink->ctx, d, 0, a->plain, HVDUMP_PAGE);
	dumpcrypt_wipe(a->plain, sizeof(a->plain));
}

static void end(struct hvdump_asm *a, const struct hvlog_record *r, const struct hvdump_sink *sink)
{
	struct hvdump_info *d = &a->cur;
	uint64_t records, pages, chunks, skipped, crc, zero = 0, us = 0, xpages = 0;

	close_page(a);
	field_u64(r, "xpages", &xpages);
	if (!field_u64(r, "records", &records) || !field_u64(r, "pages", &pages) ||
	    !field_u64(r, "chunks", &chunks) || !field_u64(r, "skipped", &skipped)) {
		fail(a, "dump %u (id %u): dump_end without its counts", d->ordinal, d->id);
	} else if (records != a->next_i) {
		fail(a, "dump %u (id %u): %llu records sent, %u received: records i=%u.. missing",
		     d->ordinal, d->id, (unsigned long long)records, a->next_i, a->next_i);
	} else if (pages != d->pages || chunks != d->chunks || skipped != d->skipped ||
		   xpages != d->xpages || a->xpage_open) {
		fail(a, "dump %u (id %u): counts differ: pages %llu/%llu chunks %llu/%llu skipped %llu/%llu "
			"sealed pages %llu/%llu",
		     d->ordinal, d->id, (unsigned long long)d->pages, (unsigned long long)pages,
		     (unsigned long long)d->chunks, (unsigned long long)chunks,
		     (unsigned long long)d->skipped, (unsigned long long)skipped,
		     (unsigned long long)d->xpages, (unsigned long long)xpages);
	} else {
		/* crc= is 8 hex digits without 0x (as the line's own CRC). */
		char hex[11] = "0x";
		const char *v;
		size_t len;
		if (field(r, "crc", &v, &len) && len == 8) {
			memcpy(hex + 2, v, 8);
			hex[10] = '\0';
		}
		if (!parse_u64(hex, strlen(hex), &crc))
			fail(a, "dump %u (id %u): dump_end without crc=", d->ordinal, d->id);
		else if ((uint32_t)crc != d->crc)
			fail(a, "dump %u (id %u): page CRC %08x, dump_end says %08llx", d->ordinal, d->id,
			     d->crc, (unsigned long long)crc);
	}
	field_u64(r, "zero_pages", &zero);
	field_u64(r, "us", &us);
	d->zero_pages = zero;
	d->us = us;
	d->records = a->next_i;
	finish(a, sink);
}

void hvdump_asm_line(struct hvdump_asm *a, int status, const struct hvlog_record *rec,
		     const struct hvdump_sink *sink)
{
	if (status == HVLOG_NONE)
		return;
	if (status != HVLOG_OK) {
		/* A damaged line inside a dump may be one of its records. */
		if (a->open)
			fail(a, "dump %u (id %u): a damaged log line (%s) after record i=%u",
			     a->cur.ordinal, a->cur.id, status == HVLOG_ERR_CRC ? "bad CRC" : "malformed",
			     a->next_i);
		return;
	}
	if (rec->seq == 0 || a->boots == 0) {
		if (rec->seq == 0 && a->open) {
			fail(a, "dump %u (id %u): cut short by a hypervisor restart", a->cur.ordinal,
			     a->cur.id);
			finish(a, sink);
		}
		a->boots++;
	}
	if (rec->name.len < 5 || memcmp(rec->text + rec->name.off, "dump_", 5) != 0)
		return;
	if (name_is(rec, "dump_begin")) {
		begin(a, rec, sink);
		return;
	}
	if (name_is(rec, "dump_progress"))
		return; /* informational, outside the index */
	if (!a->open)
		return; /* a stray record: no dump to belong to (its begin was lost) */
	uint64_t id, i;
	if (!field_u64(rec, "id", &id) || id != a->cur.id) {
		fail(a, "dump %u (id %u): a record of another dump inside it", a->cur.ordinal, a->cur.id);
		return;
	}
	if (name_is(rec, "dump_end")) {
		end(a, rec, sink);
		return;
	}
	if (a->failed)
		return;
	if (!field_u64(rec, "i", &i) || i != a->next_i) {
		fail(a, "dump %u (id %u): record i=%u missing (next record has i=%s)", a->cur.ordinal,
		     a->cur.id, a->next_i, field_u64(rec, "i", &i) ? "a later one" : "none");
		return;
	}
	a->next_i++;
	if (name_is(rec, "dump_regs"))
		regs(a, rec);
	else if (name_is(rec, "dump_page"))
		page(a, rec, sink);
	else if (name_is(rec, "dump_mem"))
		mem(a, rec, sink);
	else if (name_is(rec, "dump_skip"))
		skip(a, rec);
	else if (name_is(rec, "dump_note"))
		note(a, rec);
	else if (name_is(rec, "dump_key"))
		xkey(a, rec);
	else if (name_is(rec, "dump_xpage"))
		xpage(a, rec);
	else if (name_is(rec, "dump_xmem"))
		xmem(a, rec);
	else if (name_is(rec, "dump_xtag"))
		xtag(a, rec, sink);
	else
		fail(a, "dump %u (id %u): unknown record in it", a->cur.ordinal, a->cur.id);
}

void hvdump_asm_finish(struct hvdump_asm *a, const struct hvdump_sink *sink)
{
	if (a->open) {
		fail(a, "dump %u (id %u): cut short: the log ends before its dump_end", a->cur.ordinal,
		     a->cur.id);
		finish(a, sink);
	}
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long hvdump_b64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	size_t o = 0;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		unsigned pad = 0;
		for (unsigned k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad)
				return -1; /* data after '=' */
			v[k] = b64_value(in[i + k]);
			if (v[k] < 0)
				return -1;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		size_t n = 3 - pad;
		if (o + n > max)
			return -1;
		out[o++] = (uint8_t)(w >> 16);
		if (n > 1)
			out[o++] = (uint8_t)(w >> 8);
		if (n > 2)
			out[o++] = (uint8_t)w;
	}
	return (long)o;
}

bool hvdump_reg(const struct hvdump_info *d, const char *key, uint64_t *value)
{
	for (unsigned i = 0; i < d->nregs; i++) {
		if (strcmp(d->regs[i].key, key) == 0) {
			*value = d->regs[i].value;
			return true;
		}
	}
	return false;
}
