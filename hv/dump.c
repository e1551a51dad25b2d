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
#include "hv/guest.h"
#include "include/hv_abi.h"
#include "lib/crc32.h"
#include "lib/log.h"

/* Pages scanned between two dump_progress records of a full dump. */
#define DUMP_PROGRESS_PAGES 4096u
/* Register fields per dump_regs record: the longest five
 * ("ldtr_limit=0x" and 16 digits, ...) with the head fit DUMP_TEXT_MAX. */
#define DUMP_REGS_PER_RECORD 5u

#define CR0_PG (1ull << 31)
#define EFER_LMA (1ull << 10)

struct dump_run {
	uint32_t id, idx;   /* dump number since boot; next record index */
	uint32_t crc;       /* over every page's 4096 bytes, in order */
	uint64_t pages, zero_pages, skipped, chunks;
	uint64_t t0;        /* TSC at dump_begin */
};

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
		emit_page(d, q->addr, gpa, (enum dump_what)q->what, page);
	}
}

static void dump_full_pages(struct dump_run *d, const struct vm *vm)
{
	const uint8_t *ram = guest_ram();
	const uint64_t total = HV_GUEST_RAM_SIZE / DUMP_PAGE;
	char text[DUMP_TEXT_MAX + 1];

	for (uint64_t p = 0; p < total; p++) {
		const uint8_t *page = ram + p * DUMP_PAGE;
		if (dump_all_zero(page, DUMP_PAGE))
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

void vm_dump(const struct vm *vm, enum policy_dump level, const char *cause, const char *rule)
{
	struct dump_run d = { .id = ++dumps_taken, .t0 = plat_tsc() };
	struct vcpu_state st;

	if (level != DUMP_MINI && level != DUMP_FULL)
		return;
	memset(&st, 0, sizeof(st));
	vm->ops->get_state(&st);
	hv_record_now(LOG_INFO, CAT_ACTION,
		      "dump_begin id=%u level=%s cause=%s rule=%s backend=%s ram_bytes=%llu "
		      "generation=%llu",
		      d.id, level == DUMP_FULL ? "full" : "mini", cause, rule, vm->ops->name,
		      (unsigned long long)HV_GUEST_RAM_SIZE, (unsigned long long)vm->stub.generation);
	dump_state(&d, vm, &st);
	if (level == DUMP_FULL)
		dump_full_pages(&d, vm);
	else
		dump_mini_pages(&d, vm, &st);
	uint64_t us = (plat_tsc() - d.t0) / vm->clk.tsc_per_us;
	hv_record_now(LOG_INFO, CAT_ACTION,
		      "dump_end id=%u level=%s records=%u pages=%llu chunks=%llu zero_pages=%llu "
		      "skipped=%llu crc=%08x us=%llu",
		      d.id, level == DUMP_FULL ? "full" : "mini", d.idx, (unsigned long long)d.pages,
		      (unsigned long long)d.chunks, (unsigned long long)d.zero_pages,
		      (unsigned long long)d.skipped, d.crc, (unsigned long long)us);
}
