/*
 * The world below the core for tests/fuzz/fuzz_hypercall.c, included once
 * there: the state of one run (the vm, boot info, guest RAM, the TSC), a
 * fake backend (struct vcpu_ops with its recorded injections, windows and
 * guest writes), the fake platform, guest RAM and integrity CRC, and a
 * fake log that checks and counts every record.  The checks and the
 * target itself stay in fuzz_hypercall.c.
 */
#ifndef TESTS_FUZZ_FUZZ_HYPERCALL_WORLD_H
#define TESTS_FUZZ_FUZZ_HYPERCALL_WORLD_H

static struct vm vm;
static struct boot_info boot;
static const uint8_t fake_image[16];
static uint8_t *ram;
static struct fuzz_in ram_desc; /* the input's RAM part: what a reset reloads */
static char cmdline[128];
static uint64_t fake_tsc;

/* ---- the fake backend ---------------------------------------------------- */
static struct {
	unsigned cpl;
	uint64_t cr3, cr2, rip, rsp;
	enum nmi_readiness nmi;       /* before anything is injected */
	bool intr_ok;                 /* can_inject_intr before anything is injected */
	bool nmi_window, intr_window; /* as requested */
	bool event;                   /* an event is being injected at the next entry */
	uint8_t queued;               /* queue_intr: injected at the guest's window */
	bool built;                   /* guest_build ran, ops->reset not yet */
	bool tracks;                  /* take_dirty works (EPT A/D, NPT dirty bits) */
	uint64_t written[GUEST_PAGES / 64]; /* pages the guest wrote since take_dirty */
	uint64_t resets, builds, nmis, irqs, platform_seen, skips;
} cpu;

/* The guest wrote guest RAM at gpa: the backend's dirty log records it. */
static void guest_wrote(uint64_t gpa)
{
	FUZZ_ASSERT(gpa < RAM);
	cpu.written[gpa / GUEST_PAGE_SIZE / 64] |= 1ull << (gpa / GUEST_PAGE_SIZE % 64);
	fuzz_mark_dirty(RAM, gpa, 1);
}

static bool take_dirty(uint64_t *bitmap, uint64_t pages)
{
	FUZZ_ASSERT(pages == GUEST_PAGES);
	bool tracks = cpu.tracks;
	for (uint64_t w = 0; w < GUEST_PAGES / 64; w++) {
		if (tracks)
			bitmap[w] |= cpu.written[w];
		cpu.written[w] = 0;
	}
	return tracks;
}

static unsigned get_cpl(void) { return cpu.cpl; }
static uint64_t get_cr3(void) { return cpu.cr3; }
static uint64_t get_cr2(void) { return cpu.cr2; }
static uint64_t get_rip(void) { return cpu.rip; }
static uint64_t get_rsp(void) { return cpu.rsp; }
static void skip_insn(uint8_t len) { (void)len; cpu.skips++; }

/* A crash dump's view (hv/dump.c): long mode with paging, so its pages
 * around RIP and RSP go through the page-table walk of the fuzzed RAM. */
static void get_state(struct vcpu_state *out)
{
	memset(out, 0, sizeof(*out));
	out->rip = cpu.rip;
	out->rsp = cpu.rsp;
	out->cr2 = cpu.cr2;
	out->cr3 = cpu.cr3;
	out->cr0 = 0x80000001; /* PG, PE */
	out->efer = 0x500;     /* LMA, LME */
	out->pending_event = cpu.event;
}

/* Another event already being injected blocks both kinds (SDM 3C 26.6). */
static bool can_inject_intr(void) { return cpu.intr_ok && !cpu.event; }
static enum nmi_readiness nmi_readiness(void) { return cpu.event ? NMI_NOT_NOW : cpu.nmi; }

static void request_nmi_window(bool on)
{
	FUZZ_ASSERT(on != cpu.nmi_window); /* the core asks only for a change */
	cpu.nmi_window = on;
}

/* The core's window and a queued interrupt never overlap: SVM's share
 * V_IRQ (arch/x86/svm/svm.c; hv/heartbeat.c, inject_timer()). */
static void request_intr_window(bool on)
{
	FUZZ_ASSERT(on != cpu.intr_window);
	FUZZ_ASSERT(!on || cpu.queued == 0);
	cpu.intr_window = on;
}

/* The backend injects it by itself at the guest's next window (entry()). */
static void queue_intr(uint8_t vector)
{
	FUZZ_ASSERT(vector == 0 || (vector >= VTIMER_MIN_VECTOR && vector == vm.vt.vector));
	FUZZ_ASSERT(vector == 0 || !cpu.intr_window);
	cpu.queued = vector;
}

static bool intr_queued(void) { return cpu.queued != 0; }

static void inject(const struct hv_inject *inj)
{
	FUZZ_ASSERT(!cpu.event); /* one event per entry */
	cpu.event = true;
	FUZZ_ASSERT(recovery_guest_runs(&vm.rc));
	if (inj->type == INJ_NMI) {
		FUZZ_ASSERT(inj->vector == X86_VEC_NMI && cpu.nmi == NMI_READY);
		if (vm.wd.platform_sent != cpu.platform_seen) {
			/* A forwarded platform NMI: the shared page untouched. */
			FUZZ_ASSERT(vm.wd.platform_sent == cpu.platform_seen + 1);
			cpu.platform_seen++;
		} else {
			const struct hv_shared_page *sp = vm.stub.shared;
			FUZZ_ASSERT(sp != NULL && sp->nmi_seq == vm.wd.sent_seq &&
				    (sp->nmi_reason == HV_NMI_WATCHDOG || sp->nmi_reason == HV_NMI_COMMAND));
		}
		cpu.nmis++;
	} else {
		FUZZ_ASSERT(inj->type == INJ_EXT_INTR && cpu.intr_ok);
		FUZZ_ASSERT(inj->vector >= VTIMER_MIN_VECTOR && inj->vector == vm.vt.vector);
		cpu.irqs++;
	}
}

static void reset(const struct vcpu_config *cfg)
{
	FUZZ_ASSERT(cfg == &vm.cfg && cpu.built);
	cpu.built = false;
	cpu.resets++;
	/* The boot state: the backend's reset also drops windows and events. */
	cpu.cr3 = cfg->guest_cr3;
	cpu.rip = cfg->entry_rip;
	cpu.rsp = cfg->entry_rsp;
	cpu.cr2 = 0;
	cpu.nmi_window = cpu.intr_window = cpu.event = false;
	cpu.queued = 0;
}

/* Hypercalls never touch the guest's TSC: only a reset sets the offset,
 * back to 0. */
static void set_tsc_offset(uint64_t offset) { FUZZ_ASSERT(offset == 0); }
/* A checkpoint's restore (hv/ckpt.c) puts back what get_state() read. */
static void set_state(const struct vcpu_state *in)
{
	cpu.rip = in->rip;
	cpu.rsp = in->rsp;
	cpu.cr2 = in->cr2;
	cpu.cr3 = in->cr3;
	cpu.event = 0;
}
static bool injection_pending(void) { return cpu.event; }

#define FAKE_OPS_FIELDS(vend)                                                           \
		.name = "fuzz", .vendor = (vend), .inject = inject,                    \
		.can_inject_intr = can_inject_intr, .get_rip = get_rip,                 \
		.skip_insn = skip_insn, .get_cpl = get_cpl, .reset = reset,             \
		.nmi_readiness = nmi_readiness, .request_nmi_window = request_nmi_window, \
		.request_intr_window = request_intr_window, .get_rsp = get_rsp,         \
		.get_cr2 = get_cr2, .get_cr3 = get_cr3, .take_dirty = take_dirty,       \
		.set_tsc_offset = set_tsc_offset, .injection_pending = injection_pending, \
		.get_state = get_state, .set_state = set_state
/* Both take a timer interrupt that cannot go in now (queue_intr), as
 * both real backends do (VMX at its window exit, SVM as a virtual
 * interrupt). */
static const struct vcpu_ops fake_intel = {
	FAKE_OPS_FIELDS(VCPU_VENDOR_INTEL), .queue_intr = queue_intr, .intr_queued = intr_queued,
};
static const struct vcpu_ops fake_amd = {
	FAKE_OPS_FIELDS(VCPU_VENDOR_AMD), .queue_intr = queue_intr, .intr_queued = intr_queued,
};

/* ---- the fake platform, guest RAM and integrity ---------------------------- */
uint64_t plat_tsc(void) { return fake_tsc++; }
/* No CPU generator in the fuzzed world: private ranges are left out
 * (the no_rng path); the operator key is the test key's public half. */
const char *plat_random(uint8_t *buf, unsigned n)
{
	memset(buf, 0, n);
	return NULL;
}
const bool dump_pubkey_present = true;
const uint8_t dump_pubkey[32] = { 9 };
/* No principals: every checkpoint request the ring carries is denied. */
const struct ckpt_principals hv_ckpt_principals = { .p = NULL, .count = 0 };
const bool hv_ckpt_principals_are_test = true;
bool plat_guest_cpu_save(struct plat_guest_cpu *c) { memset(c->dr, 0, sizeof(c->dr)); return true; }
void plat_guest_cpu_load(const struct plat_guest_cpu *c, bool saved) { (void)c, (void)saved; }
void plat_guest_console_init(void) {}
void plat_guest_console_write(const uint8_t *buf, unsigned len) { (void)buf, (void)len; }
unsigned plat_guest_console_read(uint8_t *buf, unsigned max) { (void)buf, (void)max; return 0; }
uint8_t *guest_ram(void) { return ram; }
uint64_t hv_integrity_check(const struct vm *v, bool log)
{
	if (log)
		vm_log_watchdog_stats(v); /* as the real one: reads the shared page */
	return INTEGRITY_CRC;
}

static void fill_cfg(struct vcpu_config *cfg)
{
	cfg->ram = ram;
	cfg->ram_size = RAM;
	cfg->entry_rip = HVG_LOAD_MIN_GPA;
	cfg->entry_rsp = HVG_STACK_TOP_GPA;
	cfg->entry_rdi = HVG_BOOT_INFO_GPA;
	cfg->guest_cr3 = HVG_PML4_GPA;
	cfg->gdt_gpa = HVG_GDT_GPA;
	cfg->gdt_limit = 23;
	cfg->tick_tsc = vm.clk.tick_tsc;
	cfg->tick_us = vm.set.tick_us;
	cfg->tsc_hz = vm.clk.tsc_hz;
}

/* guest.c's, which cannot be linked (its 8 MiB arena). */
void guest_dirty_mark(struct guest_dirty *d, uint64_t gpa)
{
	FUZZ_ASSERT(gpa < RAM); /* the core marks only pages of guest RAM */
	d->bits[gpa / GUEST_PAGE_SIZE / 64] |= 1ull << (gpa / GUEST_PAGE_SIZE % 64);
}

/* What a build puts into RAM: the input's RAM description over zeros
 * (made on the first reset of an input, in a buffer of its own). */
static uint8_t *pristine;
static bool pristine_ok;

static const uint8_t *pristine_ram(void)
{
	if (!pristine_ok) {
		uint8_t dirty[sizeof(fuzz_dirty)];
		struct fuzz_in d = ram_desc;
		/* fuzz_fill_ram() keeps the page bookkeeping of `ram`: keep it. */
		memcpy(dirty, fuzz_dirty, sizeof(dirty));
		memset(pristine, 0, RAM);
		fuzz_fill_ram(pristine, RAM, &d);
		memcpy(fuzz_dirty, dirty, sizeof(dirty));
		pristine_ok = true;
	}
	return pristine;
}

static bool page_is_zero(const uint8_t *p)
{
	for (unsigned i = 0; i < GUEST_PAGE_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

/* The real one (guest.c) reloads the image into its 8 MiB arena.  Here,
 * with the same contract: the pages named in `written` (all of RAM if
 * NULL) are cleared and their bits with them, every other page must
 * still be zero or hold what the last build put there (else a write the
 * core did not name survives the reset), then the input's RAM
 * description is applied again (the image reloaded). */
uint64_t guest_build(const struct guest_files *f, const char *cl,
		     const struct guest_host_info *host, struct guest_dirty *written,
		     struct vcpu_config *cfg)
{
	uint64_t cleared = 0;

	FUZZ_ASSERT(f->image == boot.guest_image && f->image_size == boot.guest_size &&
		    f->initrd == boot.initrd && f->initrd_size == boot.initrd_size &&
		    cl == vm.guest_cmdline);
	FUZZ_ASSERT(cfg == &vm.cfg && !cpu.built);
	FUZZ_ASSERT(host->generation == vm.stub.generation);
	FUZZ_ASSERT(host->vendor == (vm.ops->vendor == VCPU_VENDOR_INTEL ? HVG_VENDOR_VMX : HVG_VENDOR_SVM));
	FUZZ_ASSERT(host->tsc_hz == vm.clk.tsc_hz && host->tick_us == vm.set.tick_us);
	FUZZ_ASSERT(host->hv_base == boot.hv_base && host->hv_size == boot.hv_size);
	FUZZ_ASSERT((written == NULL) == !cpu.tracks);
	const uint8_t *want = pristine_ram();
	for (uint64_t pg = 0; pg < GUEST_PAGES; pg++) {
		uint8_t *p = ram + pg * GUEST_PAGE_SIZE;
		if (written == NULL || (written->bits[pg / 64] >> (pg % 64) & 1)) {
			cleared++;
			continue;
		}
		FUZZ_ASSERT(memcmp(p, want + pg * GUEST_PAGE_SIZE, GUEST_PAGE_SIZE) == 0 || page_is_zero(p));
	}
	if (written != NULL)
		memset(written->bits, 0, sizeof(written->bits));
	memcpy(ram, want, RAM);
	memset(cfg, 0, sizeof(*cfg));
	fill_cfg(cfg);
	cpu.built = true;
	cpu.builds++;
	return cleared;
}

/* ---- the fake log ------------------------------------------------------------ */
static struct {
	uint64_t records, events, decisions, parks, reports;
	uint64_t alarm_id;        /* last alarm id seen */
	enum log_cat last_cat;
	bool expect_alarm;        /* a decision record was the last one */
	unsigned report_type;     /* of the last "report" record */
	uint64_t report_seq, report_gen;
	uint64_t dump_records;
} lg;

uint64_t log_dropped_total(void) { return 0; }
void log_hold_reserve(bool held) { (void)held; } /* every record is counted anyway */

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A crash dump's records (hv/dump.c): printable, no '*', and short
 * enough that the real log never cuts them (DUMP_TEXT_MAX). */
bool hv_record_now(enum log_level level, enum log_cat cat, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	FUZZ_ASSERT((unsigned)level <= LOG_EMERG && (unsigned)cat <= CAT_TICK);
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	FUZZ_ASSERT(n >= 0 && (unsigned)n <= DUMP_TEXT_MAX);
	FUZZ_ASSERT(starts(line, "dump_"));
	for (const char *s = line; *s; s++)
		FUZZ_ASSERT(*s >= ' ' && *s <= '~' && *s != '*');
	lg.dump_records++;
	return true;
}

void hv_record(enum log_level level, enum log_cat cat, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int n;

	FUZZ_ASSERT((unsigned)level <= LOG_EMERG && (unsigned)cat <= CAT_TICK);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	FUZZ_ASSERT(n >= 0);
	unsigned quotes = 0;
	for (const char *s = line; *s; s++) {
		FUZZ_ASSERT(*s >= ' ' && *s <= '~' && *s != '*');
		quotes += *s == '"';
	}
	lg.records++;
	if (lg.expect_alarm) /* event, decision, then its alarm */
		FUZZ_ASSERT(cat == CAT_ALARM && starts(line, "alarm id="));
	lg.expect_alarm = false;
	switch (cat) {
	case CAT_EVENT:
		lg.events++;
		if (starts(line, "report seq=")) {
			lg.reports++;
			FUZZ_ASSERT(sscanf(line, "report seq=%" SCNu64 " gen=%" SCNu64 " source=%*u type=%u", &lg.report_seq,
					   &lg.report_gen, &lg.report_type) == 3);
			/* msg="..." is the only quoted value: sanitized strings. */
			FUZZ_ASSERT((size_t)n >= sizeof(line) ? quotes <= 2 : quotes == 2);
		}
		break;
	case CAT_DECISION:
		if (starts(line, "match ")) {
			FUZZ_ASSERT(lg.last_cat == CAT_EVENT);
			lg.decisions++;
			lg.expect_alarm = true;
		}
		break;
	case CAT_ALARM:
		if (starts(line, "alarm id=")) {
			uint64_t id = strtoull(line + 9, NULL, 10);
			FUZZ_ASSERT(id == lg.alarm_id + 1);
			lg.alarm_id = id;
		}
		break;
	case CAT_ACTION:
		if (starts(line, "park reason="))
			lg.parks++;
		break;
	default:
		break;
	}
	lg.last_cat = cat;
	VLOG("  log %u/%u %s\n", level, cat, line);
}

#endif
