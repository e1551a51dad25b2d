/*
 * fuzz_hypercall: the hypercall decoder and validator, hypercall_handle()
 * with hv/hypercall.c, hv/report.c, hv/report_check.c, hv/guest_mem.c and
 * hv/vtimer.c linked as they are, HV_GUEST_RAM_MB=2, over a fake vCPU.
 *
 * Input layout (short inputs are zero-padded):
 *   header   u8 ncalls (mod 25), u8 flags, u64 cr3, u64 cr2, u64 rip,
 *            u64 generation, u64 last_report_seq, u64 tick_us,
 *            u64 tsc_hz, u64 tsc
 *            flags bit 0: the stub is already up (hello seen);
 *            bit 1: cr3 as given (else 0x3000 | low bits)
 *   calls    ncalls x {u8 sel, u8 cpl, u64 rdi, u64 rsi, u64 rdx, u64 rax}
 *            rax = sel if sel < 8 (HC_NULL..HC_REPORT, then unknown
 *            numbers 5..7), else the given 64-bit rax; CPL = cpl % 4,
 *            and hv_now_ms() advances by (cpl >> 2) * 100 ms before the
 *            call (the rate limits: 24 calls can exceed 16 reports/s)
 *   RAM      the rest: fuzz_fill_ram() (identity tables, blob, patches)
 *
 * Invariants (trap on violation): RAX after each call is an enum
 * hv_status; registers other than RAX/RDX are preserved; RDX is the
 * documented result for HC_NULL/HC_HELLO/HC_INFO; CPL != 0 is refused;
 * unknown numbers give HV_E_NOSYS; a successful hello names a page of
 * guest RAM; reports before hello give HV_E_STATE; the accepted report
 * sequence only grows; a refused report (HV_E_BUSY, rate limit) changes
 * nothing; everything passed to the logger is a valid
 * format/argument set (formatted with vsnprintf, so ASan checks %s
 * strings); recovery_fault gets a valid, sanitized event.  Guest RAM is
 * on the heap at its exact size: ASan reports any access outside it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../arch/x86/platform.h"
#include "../../hv/hv.h"
#include "../../hv/log.h"
#include "../../hv/recovery.h"
#include "../../include/hv_abi.h"
#include "fuzz_common.h"

#define RAM HV_GUEST_RAM_SIZE

struct hv_state hv;
static uint8_t *ram;

/* ---- fake vCPU ------------------------------------------------------- */
static unsigned fake_cpl;
static uint64_t fake_cr3, fake_cr2, fake_rip, fake_tsc, fake_ms;
static bool fake_can_inject;
static unsigned injected;

static unsigned get_cpl(void) { return fake_cpl; }
static uint64_t get_cr3(void) { return fake_cr3; }
static uint64_t get_cr2(void) { return fake_cr2; }
static uint64_t get_rip(void) { return fake_rip; }
static uint64_t get_rsp(void) { return 0x80000; }
static bool can_inject_intr(void) { return fake_can_inject; }
static void request_intr_window(bool on) { (void)on; }
static void inject(const struct hv_inject *inj)
{
	FUZZ_ASSERT(inj->type == INJ_EXT_INTR && inj->vector >= 32);
	injected++;
}

static const struct vcpu_ops fake_ops = {
	.name = "fuzz",
	.get_cpl = get_cpl,
	.get_cr3 = get_cr3,
	.get_cr2 = get_cr2,
	.get_rip = get_rip,
	.get_rsp = get_rsp,
	.can_inject_intr = can_inject_intr,
	.request_intr_window = request_intr_window,
	.inject = inject,
};

/* ---- stubs for what the linked files call ------------------------------ */
uint8_t *guest_ram(void) { return ram; }
uint64_t plat_tsc(void) { return fake_tsc; }
/* Each input starts far after the previous one: the rate-limit windows
 * (static in hypercall.c and report.c) restart, so a run is repeatable. */
uint64_t hv_now_ms(void) { return fake_ms; }
void watchdog_reset(void) {}
void recovery_hello(void) {}

static unsigned faults;

enum policy_action recovery_fault(const struct fault_event *ev, const char *detail)
{
	FUZZ_ASSERT((unsigned)ev->type < FAULT_TYPE_COUNT);
	FUZZ_ASSERT(ev->vector >= -1 && ev->vector <= 31);
	FUZZ_ASSERT(ev->module_index >= -1 && ev->module_index <= 255);
	if (ev->module != NULL)
		for (const char *s = ev->module; *s; s++)
			FUZZ_ASSERT(*s > ' ' && *s <= '~' && *s != '"' && *s != '*');
	FUZZ_ASSERT(detail != NULL && strlen(detail) < 256);
	faults++;
	return ACT_LOG;
}

enum policy_action recovery_simple_fault(enum fault_type type, uint64_t rip, const char *detail)
{
	const struct fault_event ev = { .type = type, .vector = -1, .rip = rip, .module_index = -1 };
	return recovery_fault(&ev, detail);
}

/* HV_INFO_INTEGRITY: the real one CRCs the hypervisor image. */
uint64_t hv_integrity_check(void) { return 0x12345678; }

void hv_record(enum log_level level, enum log_cat cat, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	FUZZ_ASSERT((unsigned)level <= LOG_EMERG && (unsigned)cat <= CAT_TICK);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}

/* ---- the target -------------------------------------------------------- */
struct call {
	uint8_t sel, cpl;
	uint64_t rdi, rsi, rdx, rax;
};

static bool is_status(uint64_t rax)
{
	int64_t s = (int64_t)rax;
	return s <= HV_OK && s >= HV_E_BUSY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	struct call calls[24];

	if (ram == NULL)
		ram = malloc(RAM);
	FUZZ_ASSERT(ram != NULL);

	unsigned ncalls = fuzz_u8(&in) % 25;
	uint8_t flags = fuzz_u8(&in);
	fake_cr3 = fuzz_u64(&in);
	fake_cr2 = fuzz_u64(&in);
	fake_rip = fuzz_u64(&in);
	if (!(flags & 2))
		fake_cr3 = FUZZ_PML4 | (fake_cr3 & 0xfff);

	memset(&hv, 0, sizeof(hv));
	hv.ops = &fake_ops;
	hv.generation = fuzz_u64(&in);
	hv.last_report_seq = fuzz_u64(&in);
	hv.tick_us = fuzz_u64(&in);
	hv.tsc_hz = fuzz_u64(&in);
	fake_tsc = fuzz_u64(&in);
	hv.stub_up = flags & 1;
	if (hv.stub_up)
		hv.shared = (struct hv_shared_page *)(ram + HVG_SHARED_GPA);
	fake_can_inject = flags & 4;
	fake_ms += 1000000;

	for (unsigned i = 0; i < ncalls; i++) {
		calls[i].sel = fuzz_u8(&in);
		calls[i].cpl = fuzz_u8(&in);
		calls[i].rdi = fuzz_u64(&in);
		calls[i].rsi = fuzz_u64(&in);
		calls[i].rdx = fuzz_u64(&in);
		calls[i].rax = fuzz_u64(&in);
	}
	fuzz_fill_ram(ram, RAM, &in);

	for (unsigned i = 0; i < ncalls; i++) {
		const struct call *c = &calls[i];
		struct guest_regs r, before;
		uint64_t hypercalls = hv.hypercalls, last_seq = hv.last_report_seq;
		bool stub_was_up = hv.stub_up;

		memset(&r, 0x5a, sizeof(r));
		r.rax = c->sel < 8 ? c->sel : c->rax;
		r.rdi = c->rdi;
		r.rsi = c->rsi;
		r.rdx = c->rdx;
		fake_cpl = c->cpl % 4;
		fake_ms += (uint64_t)(c->cpl >> 2) * 100;
		uint64_t reports = hv.reports;
		before = r;

		hypercall_handle(&r);
		if (hv.shared != NULL) /* hello wrote the shared page */
			fuzz_mark_dirty(RAM, (uint64_t)((uint8_t *)hv.shared - ram), 4096);

		int64_t st = (int64_t)r.rax;
#ifdef FUZZ_VERBOSE
		fprintf(stderr, "call %u: rax=0x%llx cpl=%u rdi=0x%llx rsi=0x%llx -> %lld rdx=0x%llx faults=%u\n",
			i, (unsigned long long)before.rax, fake_cpl, (unsigned long long)before.rdi,
			(unsigned long long)before.rsi, (long long)st, (unsigned long long)r.rdx, faults);
#endif
		FUZZ_ASSERT(is_status(r.rax));
		FUZZ_ASSERT(hv.hypercalls == hypercalls + 1);
		FUZZ_ASSERT(r.rcx == before.rcx && r.rbx == before.rbx && r.rbp == before.rbp &&
			    r.rsi == before.rsi && r.rdi == before.rdi && r.r8 == before.r8 &&
			    r.r9 == before.r9 && r.r10 == before.r10 && r.r11 == before.r11 &&
			    r.r12 == before.r12 && r.r13 == before.r13 && r.r14 == before.r14 &&
			    r.r15 == before.r15);
		FUZZ_ASSERT(hv.last_report_seq >= last_seq);
		if (fake_cpl != 0) {
			FUZZ_ASSERT(st == HV_E_PERM && r.rdx == before.rdx);
			continue;
		}
		if (before.rax >= HC_COUNT) {
			FUZZ_ASSERT(st == HV_E_NOSYS && r.rdx == before.rdx);
			continue;
		}
		if (st != HV_OK)
			FUZZ_ASSERT(r.rdx == before.rdx);
		switch (before.rax) {
		case HC_NULL:
			FUZZ_ASSERT(st == HV_OK && r.rdx == ~before.rdi);
			break;
		case HC_HELLO:
			if (st == HV_OK) {
				FUZZ_ASSERT(r.rdx == HV_ABI_VERSION && hv.stub_up);
				FUZZ_ASSERT(before.rsi % 4096 == 0 && before.rsi >= HVG_BOOT_INFO_GPA &&
					    before.rsi < RAM);
				FUZZ_ASSERT((uint8_t *)hv.shared == ram + before.rsi);
				FUZZ_ASSERT(hv.shared->magic == HV_SHARED_MAGIC);
			} else {
				FUZZ_ASSERT(st == HV_E_RANGE);
			}
			break;
		case HC_TIMER_SET:
			FUZZ_ASSERT(st == HV_OK || st == HV_E_INVAL);
			if (st == HV_OK && before.rdi != 0)
				FUZZ_ASSERT(hv.vtimer_vector == before.rdi && before.rdi >= 32);
			break;
		case HC_INFO:
			FUZZ_ASSERT(st == HV_OK || st == HV_E_INVAL);
			if (before.rdi <= HV_INFO_TIMER_FIRED)
				FUZZ_ASSERT(st == HV_OK);
			break;
		case HC_REPORT:
			if (!stub_was_up)
				FUZZ_ASSERT(st == HV_E_STATE);
			if (st == HV_OK)
				FUZZ_ASSERT(hv.last_report_seq > last_seq && before.rsi == sizeof(struct hv_report));
			if (st == HV_E_BUSY)
				FUZZ_ASSERT(hv.last_report_seq == last_seq && hv.reports == reports);
			break;
		}
	}
	/* The virtual timer the calls may have armed. */
	vtimer_update(fake_tsc + hv.vtimer_period_tsc);
	vtimer_try_inject();
	return 0;
}
