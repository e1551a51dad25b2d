/*
 * Crash dumps (docs/dumps.md): taken by the hypervisor, with the guest
 * stopped, before a reset or park decision is carried out, and written to
 * the log port as records of the report stream.  Nothing here runs in the
 * guest or trusts it: guest-virtual addresses go through the checked
 * page-table walk of hv/guest_mem.c, and only guest RAM (GPA 0 up to
 * HV_GUEST_RAM_SIZE, a static arena of its own) is ever read, so no page
 * of the hypervisor can end up in a dump.
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86/platform.h"
#include "hv/dump.h"
#include "hv/dump_fmt.h"
#include "hv/dump_state.h"
#include "hv/guest.h"
#include "include/hv_abi.h"
#include "lib/crc32.h"
#include "lib/dumpcrypt.h"
#include "lib/log.h"

/* The operator's public key, from DUMP_PUBKEY at build time
 * (tools/dump_pubkey.py): the only key material in the image. */
extern const bool dump_pubkey_present;
extern const uint8_t dump_pubkey[DUMPCRYPT_KEY];

/* Pages scanned between two dump_progress records of a full dump. */
#define DUMP_PROGRESS_PAGES 4096u
/* Register fields per dump_regs record: the longest five
 * ("ldtr_limit=0x" and 16 digits, ...) with the head fit DUMP_TEXT_MAX. */
#define DUMP_REGS_PER_RECORD 5u

#define CR0_PG (1ull << 31)
#define EFER_LMA (1ull << 10)

/* Sealing a dump's private pages: set up at its first private page. */
enum seal_state { SEAL_UNTRIED, SEAL_READY, SEAL_UNAVAILABLE };

struct dump_run {
	uint32_t id, idx;   /* dump number since boot; next record index */
	uint32_t crc;       /* over every plaintext page's 4096 bytes, in order */
	uint64_t pages, zero_pages, skipped, chunks;
	uint64_t xpages;    /* private pages sent sealed */
	uint64_t t0;        /* TSC at dump_begin */
	const struct dump_ranges *ranges;
	enum seal_state seal;
	const char *seal_why; /* why private pages are left out (SEAL_UNAVAILABLE) */
};

/* The per-dump key and the page being sealed: static (no large stack
 * frames), wiped when the dump ends. */
static struct dumpcrypt seal_key;
static uint8_t seal_page_buf[DUMPCRYPT_PAGE];

static uint32_t dumps_taken;

/* Only the hypervisor holds these bytes (in its image, never in guest
 * RAM): the e2e tests look for them in every dump and must not find them
 * (docs/dumps.md, M24). */
__attribute__((used)) const char dump_hv_marker[] = "HV-PRIVATE-M24:7f3c19a2-only-in-the-hypervisor";

static void dump_line(const char *text)
{
	hv_record_now(LOG_INFO, CAT_STAT, "%s", text);
}

struct reg_field {
	const char *key;
	uint64_t value;
};

static void emit_regs(struct dump_run *d, const struct reg_field *f, unsigned n)
{
	char text[DUMP_TEXT_MAX + 1];

	for (unsigned i = 0; i < n; i += DUMP_REGS_PER_RECORD) {
		int len = snprintf(text, sizeof(text), "dump_regs id=%u i=%u", d->id, d->idx++);
		for (unsigned k = i; k < n && k < i + DUMP_REGS_PER_RECORD && len > 0 &&
				     (size_t)len < sizeof(text);
		     k++)
			len += snprintf(text + len, sizeof(text) - (size_t)len, " %s=0x%llx", f[k].key,
					(unsigned long long)f[k].value);
		dump_line(text);
	}
}

#define SEG_FIELDS(name, s)                                                      \
	{ name "_sel", (s).sel }, { name "_base", (s).base }, { name "_limit", (s).limit }, \
		{ name "_attr", (s).attr }

static void dump_state(struct dump_run *d, const struct vm *vm, const struct vcpu_state *st)
{
	const struct guest_regs *r = &vm->regs;
	const struct reg_field f[] = {
		{ "rax", r->rax }, { "rbx", r->rbx }, { "rcx", r->rcx }, { "rdx", r->rdx },
		{ "rsi", r->rsi }, { "rdi", r->rdi }, { "rbp", r->rbp }, { "rsp", st->rsp },
		{ "r8", r->r8 }, { "r9", r->r9 }, { "r10", r->r10 }, { "r11", r->r11 },
		{ "r12", r->r12 }, { "r13", r->r13 }, { "r14", r->r14 }, { "r15", r->r15 },
		{ "rip", st->rip }, { "rflags", st->rflags },
		{ "cr0", st->cr0 }, { "cr2", st->cr2 }, { "cr3", st->cr3 }, { "cr4", st->cr4 },
		{ "efer", st->efer }, { "dr7", st->dr7 },
		SEG_FIELDS("cs", st->cs), SEG_FIELDS("ss", st->ss), SEG_FIELDS("ds", st->ds),
		SEG_FIELDS("es", st->es), SEG_FIELDS("fs", st->fs), SEG_FIELDS("gs", st->gs),
		SEG_FIELDS("ldtr", st->ldtr), SEG_FIELDS("tr", st->tr),
		{ "gdtr_base", st->gdtr_base }, { "gdtr_limit", st->gdtr_limit },
		{ "idtr_base", st->idtr_base }, { "idtr_limit", st->idtr_limit },
		{ "pending_event", st->pending_event }, { "vectoring_event", st->vectoring_event },
		{ "interruptibility", st->interruptibility },
	};

	emit_regs(d, f, sizeof(f) / sizeof(f[0]));
}

/* One page: its descriptor, then its non-zero pieces. */
static void emit_page(struct dump_run *d, uint64_t vaddr, uint64_t gpa, enum dump_what what,
		      const uint8_t *page)
{
	char text[DUMP_TEXT_MAX + 1];
	uint32_t pos = 0, off, n;

	snprintf(text, sizeof(text), "dump_page id=%u i=%u vaddr=0x%llx gpa=0x%llx what=%s", d->id,
		 d->idx++, (unsigned long long)vaddr, (unsigned long long)gpa, dump_what_name(what));
	dump_line(text);
	d->crc = crc32_ieee_update(d->crc, page, DUMP_PAGE);
	d->pages++;
	while (dump_next_chunk(page, &pos, &off, &n)) {
		if (dump_fmt_mem(text, sizeof(text), d->id, d->idx, off, page + off, n) == 0)
			continue; /* cannot happen: dump_next_chunk's pieces are in range */
		d->idx++;
		d->chunks++;
		dump_line(text);
	}
}

static void emit_skip(struct dump_run *d, const struct dump_req *q, const char *why)
{
	char text[DUMP_TEXT_MAX + 1];

	snprintf(text, sizeof(text), "dump_skip id=%u i=%u what=%s delta=%d %s=0x%llx why=%s", d->id,
		 d->idx++, dump_what_name((enum dump_what)q->what), q->delta, q->virt ? "gva" : "gpa",
		 (unsigned long long)q->addr, why);
	dump_line(text);
	d->skipped++;
}

static void emit_skip_gpa(struct dump_run *d, const char *what, uint64_t gpa, uint64_t pages,
			  const char *why)
{
	char text[DUMP_TEXT_MAX + 1];

	snprintf(text, sizeof(text), "dump_skip id=%u i=%u what=%s delta=0 gpa=0x%llx pages=%llu why=%s",
		 d->id, d->idx++, what, (unsigned long long)gpa, (unsigned long long)pages, why);
	dump_line(text);
	d->skipped++;
}

/* The first private page of a dump: a fresh ephemeral key from the CPU's
 * generator, the dump key derived for the operator's public key, the
 * ephemeral public half in a dump_key record.  Without a key compiled in
 * or without RDSEED/RDRAND, private pages are left out, never sent in
 * plaintext. */
static void seal_setup(struct dump_run *d)
{
	uint8_t eph[DUMPCRYPT_KEY], epk[DUMPCRYPT_KEY], fp[DUMPCRYPT_FP];
	char text[DUMP_TEXT_MAX + 1];
	const char *src = NULL, *hint = "";

	d->seal = SEAL_UNAVAILABLE;
	if (!dump_pubkey_present) {
		d->seal_why = "no_key";
		hint = "built with DUMP_PUBKEY=none";
	} else if ((src = plat_random(eph, sizeof(eph))) == NULL) {
		d->seal_why = "no_rng";
		hint = "no RDSEED or RDRAND on this CPU";
	} else if (!dumpcrypt_seal_begin(&seal_key, dump_pubkey, eph, epk)) {
		d->seal_why = "bad_key";
		hint = "the compiled-in public key is a low-order point";
	} else {
		d->seal = SEAL_READY;
	}
	dumpcrypt_wipe(eph, sizeof(eph));
	if (d->seal != SEAL_READY) {
		/* Not an indexed record: the skips that follow say it per page. */
		hv_record_now(LOG_MINOR, CAT_ACTION,
			      "private_left_out id=%u why=%s (%s; private ranges are never sent in plaintext)",
			      d->id, d->seal_why, hint);
		return;
	}
	dumpcrypt_fingerprint(dump_pubkey, fp);
	int len = snprintf(text, sizeof(text), "dump_key id=%u i=%u alg=%s rng=%s key=", d->id, d->idx++,
			   DUMPCRYPT_ALG, src);
	for (unsigned k = 0; k < DUMPCRYPT_FP && len > 0; k++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "%02x", fp[k]);
	len += snprintf(text + len, sizeof(text) - (size_t)len, " epk=");
	for (unsigned k = 0; k < DUMPCRYPT_KEY && len > 0; k++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "%02x", epk[k]);
	dump_line(text);
}

/* A private page: sealed as a whole (every piece sent, zero or not, so
 * the ciphertext says nothing about where the zeros are), then its tag. */
static void emit_xpage(struct dump_run *d, uint64_t vaddr, uint64_t gpa, const char *what,
		       const uint8_t *page)
{
	char text[DUMP_TEXT_MAX + 1];
	uint8_t tag[DUMPCRYPT_TAG];

	if (d->seal == SEAL_UNTRIED)
		seal_setup(d);
	if (d->seal != SEAL_READY) {
		emit_skip_gpa(d, what, gpa, 1, d->seal_why);
		return;
	}
	memcpy(seal_page_buf, page, DUMP_PAGE);
	dumpcrypt_seal_page(&seal_key, d->id, d->xpages, gpa, seal_page_buf, tag);
	snprintf(text, sizeof(text), "dump_xpage id=%u i=%u n=%llu vaddr=0x%llx gpa=0x%llx what=%s",
		 d->id, d->idx++, (unsigned long long)d->xpages, (unsigned long long)vaddr,
		 (unsigned long long)gpa, what);
	dump_line(text);
	for (uint32_t off = 0; off < DUMP_PAGE; off += DUMP_CHUNK) {
		uint32_t n = DUMP_PAGE - off < DUMP_CHUNK ? DUMP_PAGE - off : DUMP_CHUNK;
		char b64[DUMP_CHUNK_B64 + 1];
		dump_b64(b64, seal_page_buf + off, n);
		snprintf(text, sizeof(text), "dump_xmem id=%u i=%u off=%u d=%s", d->id, d->idx++, off, b64);
		dump_line(text);
	}
	int len = snprintf(text, sizeof(text), "dump_xtag id=%u i=%u n=%llu tag=", d->id, d->idx++,
			   (unsigned long long)d->xpages);
	for (unsigned k = 0; k < DUMPCRYPT_TAG && len > 0; k++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "%02x", tag[k]);
	dump_line(text);
	d->xpages++;
}

/* Any page a dump takes: left out if the guest said it can be rebuilt,
 * sealed if it said private, sent as it is otherwise. */
static void take_page(struct dump_run *d, uint64_t vaddr, uint64_t gpa, enum dump_what what,
		      const uint8_t *page)
{
	switch (dump_ranges_kind_of(d->ranges, gpa)) {
	case DUMP_RANGE_REGENERABLE:
		emit_skip_gpa(d, dump_what_name(what), gpa, 1, "regenerable");
		return;
	case DUMP_RANGE_PRIVATE:
		emit_xpage(d, vaddr, gpa, dump_what_name(what), page);
		return;
	default:
		emit_page(d, vaddr, gpa, what, page);
	}
}

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static void dump_mini_pages(struct dump_run *d, const struct vm *vm, const struct vcpu_state *st)
{
	const struct hv_shared_page *sp = vm->stub.shared;
	struct dump_mini_in in = { .rip = st->rip, .rsp = st->rsp };
	struct dump_req req[DUMP_MINI_REQ_MAX];
	bool paging = (st->cr0 & CR0_PG) != 0, long_mode = (st->efer & EFER_LMA) != 0;

	if (vm->stub.up && sp != NULL) {
		in.has_shared = true;
		in.shared_gpa = (uint64_t)((const uint8_t *)sp - guest_ram());
	}
	/* The boot info of an ELF guest (rdi at entry), or a Linux guest's
	 * boot_params (rsi). */
	in.boot_gpa = vm->cfg.entry_rdi ? vm->cfg.entry_rdi : vm->cfg.entry_rsi;
	in.has_boot = in.boot_gpa != 0;

	unsigned n = dump_mini_plan(&in, req, DUMP_MINI_REQ_MAX);
	for (unsigned i = 0; i < n; i++) {
		const struct dump_req *q = &req[i];
		uint64_t gpa = q->addr;

		if (q->virt && paging && !long_mode) {
			emit_skip(d, q, "paging_mode"); /* 32-bit paging: not walked */
			continue;
		}
		if (q->virt && paging) {
			if (!canonical(q->addr)) {
				emit_skip(d, q, "noncanonical");
				continue;
			}
			if (!guest_gva_to_gpa(st->cr3, q->addr, &gpa)) {
				emit_skip(d, q, "unmapped");
				continue;
			}
		}
		/* The guest's page tables may name any address: what lies
		 * outside guest RAM (the hypervisor's image, devices) is
		 * left out, never read. */
		const uint8_t *page = guest_gpa_ptr(gpa, DUMP_PAGE);
		if (page == NULL) {
			emit_skip(d, q, "outside_ram");
			continue;
		}
		take_page(d, q->addr, gpa, (enum dump_what)q->what, page);
	}
}

/* Regenerable ranges are in no dump: each is noted once, up front. */
static void note_regenerable(struct dump_run *d)
{
	for (unsigned i = 0; i < d->ranges->n; i++) {
		const struct dump_range *r = &d->ranges->r[i];
		if (r->kind == DUMP_RANGE_REGENERABLE)
			emit_skip_gpa(d, "regenerable", r->gpa, r->bytes / DUMP_PAGE, "regenerable");
	}
}

/* A kernel dump's ranges, after the mini part: important ones as they
 * are, private ones sealed.  Each page is read through guest_gpa_ptr()
 * again, although hv/dump_ranges.c checked the range against guest RAM
 * when the guest registered it. */
static void dump_kernel_ranges(struct dump_run *d)
{
	for (unsigned i = 0; i < d->ranges->n; i++) {
		const struct dump_range *r = &d->ranges->r[i];
		if (r->kind == DUMP_RANGE_REGENERABLE)
			continue;
		for (uint64_t off = 0; off < r->bytes; off += DUMP_PAGE) {
			uint64_t gpa = r->gpa + off;
			const uint8_t *page = guest_gpa_ptr(gpa, DUMP_PAGE);
			if (page == NULL)
				emit_skip_gpa(d, dump_range_kind_name((enum dump_range_kind)r->kind), gpa, 1,
					      "outside_ram");
			else if (r->kind == DUMP_RANGE_PRIVATE)
				emit_xpage(d, gpa, gpa, "private", page);
			else
				emit_page(d, gpa, gpa, DUMP_WHAT_IMPORTANT, page);
		}
	}
}

_Static_assert((HV_DUMP_VMCOREINFO_MAX + DUMP_PAGE - 2) / DUMP_PAGE + 1 <= DUMP_VMCOREINFO_PAGES_MAX,
	       "a VMCOREINFO note touches at most DUMP_VMCOREINFO_PAGES_MAX pages");

/* The guest kernel's VMCOREINFO note, if it gave one: where it lies
 * (hvdump copies it into the core's "VMCOREINFO" note), then its pages.
 * A full dump has them anyway (the note is not all zero); a kernel dump
 * takes those of an important range with the range. */
static void dump_vmcoreinfo(struct dump_run *d, enum policy_dump level)
{
	const struct dump_ranges *r = d->ranges;
	char text[DUMP_TEXT_MAX + 1];

	if (r->vmcoreinfo_bytes == 0)
		return;
	snprintf(text, sizeof(text), "dump_note id=%u i=%u name=VMCOREINFO gpa=0x%llx bytes=%llu",
		 d->id, d->idx++, (unsigned long long)r->vmcoreinfo_gpa,
		 (unsigned long long)r->vmcoreinfo_bytes);
	dump_line(text);
	if (level == DUMP_FULL)
		return;
	uint64_t first = r->vmcoreinfo_gpa & ~(uint64_t)(DUMP_PAGE - 1);
	uint64_t last = (r->vmcoreinfo_gpa + r->vmcoreinfo_bytes - 1) & ~(uint64_t)(DUMP_PAGE - 1);
	for (uint64_t gpa = first; gpa <= last; gpa += DUMP_PAGE) {
		if (level == DUMP_KERNEL && dump_ranges_kind_of(r, gpa) == DUMP_RANGE_IMPORTANT)
			continue;
		const uint8_t *page = guest_gpa_ptr(gpa, DUMP_PAGE);
		if (page == NULL)
			emit_skip_gpa(d, "vmcoreinfo", gpa, 1, "outside_ram");
		else
			take_page(d, gpa, gpa, DUMP_WHAT_VMCOREINFO, page);
	}
}

static void dump_full_pages(struct dump_run *d, const struct vm *vm)
{
	const uint8_t *ram = guest_ram();
	const uint64_t total = HV_GUEST_RAM_SIZE / DUMP_PAGE;
	char text[DUMP_TEXT_MAX + 1];

	for (uint64_t p = 0; p < total; p++) {
		const uint8_t *page = ram + p * DUMP_PAGE;
		enum dump_range_kind k = dump_ranges_kind_of(d->ranges, p * DUMP_PAGE);
		if (k == DUMP_RANGE_REGENERABLE)
			; /* left out, noted up front (note_regenerable) */
		else if (k == DUMP_RANGE_PRIVATE)
			emit_xpage(d, p * DUMP_PAGE, p * DUMP_PAGE, "private", page);
		else if (dump_all_zero(page, DUMP_PAGE))
			d->zero_pages++;
		else
			emit_page(d, p * DUMP_PAGE, p * DUMP_PAGE, DUMP_WHAT_RAM, page);
		if ((p + 1) % DUMP_PROGRESS_PAGES == 0 || p + 1 == total) {
			/* Outside the record index: a reader may lose these. */
			snprintf(text, sizeof(text),
				 "dump_progress id=%u scanned=%llu/%llu pages=%llu zero_pages=%llu ms=%llu",
				 d->id, (unsigned long long)(p + 1), (unsigned long long)total,
				 (unsigned long long)d->pages, (unsigned long long)d->zero_pages,
				 (unsigned long long)((plat_tsc() - d->t0) / vm->clk.tsc_per_ms));
			dump_line(text);
		}
	}
}

enum policy_dump dump_level_for(const struct vm *vm, const struct policy_rule *rule)
{
	if (rule->action != ACT_RESET && rule->action != ACT_PARK)
		return DUMP_NONE;
	if (vm->set.dump_level != 0 && vm->set.dump_level < DUMP_LEVEL_COUNT)
		return (enum policy_dump)vm->set.dump_level;
	return rule->dump < DUMP_LEVEL_COUNT ? (enum policy_dump)rule->dump : DUMP_NONE;
}

static const char *level_name(enum policy_dump level)
{
	return level == DUMP_FULL ? "full" : level == DUMP_KERNEL ? "kernel" : "mini";
}

void vm_dump(const struct vm *vm, enum policy_dump level, const char *cause, const char *rule)
{
	struct dump_run d = { .t0 = plat_tsc() };
	struct vcpu_state st;

	if (level != DUMP_MINI && level != DUMP_FULL && level != DUMP_KERNEL)
		return;
	d.ranges = dump_state_ranges(vm);
	/* A stateless guest has nothing worth keeping (M23): no dump at all,
	 * and the log says so and who declared it. */
	if (d.ranges->stateless || vm->set.stateless) {
		hv_record_now(LOG_INFO, CAT_ACTION,
			      "dump_not_taken level=%s cause=%s rule=%s why=stateless declared_by=%s",
			      level_name(level), cause, rule,
			      vm->set.stateless ? "command_line" : "guest");
		return;
	}
	d.id = ++dumps_taken;
	memset(&st, 0, sizeof(st));
	vm->ops->get_state(&st);
	hv_record_now(LOG_INFO, CAT_ACTION,
		      "dump_begin id=%u level=%s cause=%s rule=%s backend=%s ram_bytes=%llu "
		      "generation=%llu ranges=%u",
		      d.id, level_name(level), cause, rule, vm->ops->name,
		      (unsigned long long)HV_GUEST_RAM_SIZE, (unsigned long long)vm->stub.generation,
		      d.ranges->n);
	dump_state(&d, vm, &st);
	note_regenerable(&d);
	dump_vmcoreinfo(&d, level);
	if (level == DUMP_FULL) {
		dump_full_pages(&d, vm);
	} else {
		dump_mini_pages(&d, vm, &st);
		if (level == DUMP_KERNEL)
			dump_kernel_ranges(&d);
	}
	/* The dump key and the last sealed page go now: nothing that opens
	 * the dump stays in the hypervisor. */
	dumpcrypt_wipe(&seal_key, sizeof(seal_key));
	dumpcrypt_wipe(seal_page_buf, sizeof(seal_page_buf));
	uint64_t us = (plat_tsc() - d.t0) / vm->clk.tsc_per_us;
	hv_record_now(LOG_INFO, CAT_ACTION,
		      "dump_end id=%u level=%s records=%u pages=%llu chunks=%llu zero_pages=%llu "
		      "skipped=%llu xpages=%llu crc=%08x us=%llu",
		      d.id, level_name(level), d.idx, (unsigned long long)d.pages,
		      (unsigned long long)d.chunks, (unsigned long long)d.zero_pages,
		      (unsigned long long)d.skipped, (unsigned long long)d.xpages, d.crc,
		      (unsigned long long)us);
}
