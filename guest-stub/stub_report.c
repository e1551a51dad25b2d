/*
 * The fault side (M4, M5): exception hooks, typed reports (HC_REPORT),
 * panic and health reports, the module registry.
 *
 * No libc: strings and zeroing are done by hand, through volatile
 * pointers so that the compiler cannot turn the loops into memset or
 * memcpy calls the guest cannot link.
 */
#include "stub_priv.h"

_Static_assert(sizeof(struct hv_report) % 8 == 0, "hv_report is zeroed word by word");
_Static_assert(sizeof(struct hv_report) <= 0xffff, "hv_report.size is 16 bits");

/* ---- IDT ------------------------------------------------------------ */

struct __attribute__((packed)) idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");

#define GATE_INTERRUPT_DPL0 0x8E /* present, DPL 0, 64-bit interrupt gate */

void hvstub_install_idt(void *idt_base)
{
	struct idt_gate *idt = idt_base;

	for (unsigned v = 0; v < 32; v++) {
		uint64_t h = hvstub_exc_entries[v];

		idt[v].off_lo = (uint16_t)h;
		idt[v].sel = HVG_SEL_CODE;
		idt[v].ist = 0;
		idt[v].attr = GATE_INTERRUPT_DPL0;
		idt[v].off_mid = (uint16_t)(h >> 16);
		idt[v].off_hi = (uint32_t)(h >> 32);
		idt[v].zero = 0;
	}
	HVSTUB_BARRIER();
}

/* ---- Registries ----------------------------------------------------- */

static struct {
	char name[HV_REPORT_MODULE_LEN];
	uint64_t start, end;
	volatile int used;
} modules[HVSTUB_MAX_MODULES];

static struct {
	uint64_t lo, hi;
} stacks[HVSTUB_MAX_STACKS];
static volatile int nstacks;
static uint64_t safe_lo, safe_hi;

static void (*volatile fault_cb)(const struct hv_report *r);

static uint64_t report_seq;  /* last seq used; per boot, first report gets 1 */
static volatile int fatal_depth; /* exceptions / panics in progress */
static struct hv_report fatal_report;  /* exceptions and panics */
static struct hv_report health_report; /* hvstub_report */

static const char *const vector_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved exception 15", "x87 floating-point error", "alignment check",
	"machine check", "SIMD floating-point exception", "virtualization exception",
	"control protection exception", "reserved exception 22", "reserved exception 23",
	"reserved exception 24", "reserved exception 25", "reserved exception 26",
	"reserved exception 27", "hypervisor injection exception", "VMM communication exception",
	"security exception", "reserved exception 31",
};

void hvstub__report_reset(void)
{
	report_seq = 0;
}

uint64_t hvstub_report_count(void)
{
	return report_seq;
}

/* Copies src into dst[pos..size-1], truncating; keeps dst NUL-terminated. */
static unsigned put_str(volatile char *dst, unsigned size, unsigned pos, const char *src)
{
	if (src != NULL)
		for (; pos + 1 < size && *src; pos++, src++)
			dst[pos] = *src;
	if (pos < size)
		dst[pos] = '\0';
	return pos;
}

int hvstub_register_module(const char *name, uint64_t start, uint64_t end)
{
	if (start >= end)
		return -1;
	for (int i = 0; i < HVSTUB_MAX_MODULES; i++) {
		if (modules[i].used)
			continue;
		volatile char *n = modules[i].name;
		for (unsigned k = 0; k < HV_REPORT_MODULE_LEN; k++)
			n[k] = '\0';
		put_str(n, HV_REPORT_MODULE_LEN, 0, name);
		modules[i].start = start;
		modules[i].end = end;
		HVSTUB_BARRIER();
		modules[i].used = 1;
		return i;
	}
	return -1;
}

int hvstub_module_of(uint64_t rip, uint64_t *offset)
{
	for (int i = 0; i < HVSTUB_MAX_MODULES; i++) {
		if (modules[i].used && rip >= modules[i].start && rip < modules[i].end) {
			if (offset != NULL)
				*offset = rip - modules[i].start;
			return i;
		}
	}
	return -1;
}

int hvstub_register_stack(uint64_t lo, uint64_t hi)
{
	int i = nstacks;

	if (lo >= hi || i >= HVSTUB_MAX_STACKS)
		return -1;
	stacks[i].lo = lo;
	stacks[i].hi = hi;
	HVSTUB_BARRIER();
	nstacks = i + 1;
	return i;
}

void hvstub_set_safe_range(uint64_t lo, uint64_t hi)
{
	safe_lo = 0;
	safe_hi = 0;
	HVSTUB_BARRIER();
	if (lo < hi) {
		safe_lo = lo;
		HVSTUB_BARRIER();
		safe_hi = hi;
	}
}

void hvstub_register_fault_callback(void (*fn)(const struct hv_report *r))
{
	fault_cb = fn;
}

/* ---- Building and sending reports ----------------------------------- */

/* [a, a + 8) lies inside a registered stack or the safe range. */
static int word_readable(uint64_t a)
{
	uint64_t b = a + 8;

	if (b < a)
		return 0;
	for (int i = 0; i < nstacks && i < HVSTUB_MAX_STACKS; i++)
		if (a >= stacks[i].lo && b <= stacks[i].hi)
			return 1;
	return safe_lo < safe_hi && a >= safe_lo && b <= safe_hi;
}

static void build_report(struct hv_report *rep, uint32_t source, uint32_t type, uint32_t vector,
			 uint32_t error_code, uint64_t rip, uint64_t rsp, uint64_t cr2,
			 const char *prefix, const char *msg)
{
	volatile struct hv_report *r = rep;
	volatile uint64_t *w = (volatile uint64_t *)rep;
	const struct hvg_boot_info *bi = hvstub__boot_info;
	uint64_t off = 0;
	int m;

	for (unsigned i = 0; i < sizeof(*rep) / 8; i++)
		w[i] = 0;
	r->magic = HV_REPORT_MAGIC;
	r->version = HV_REPORT_VERSION;
	r->size = (uint16_t)sizeof(*rep);
	r->boot_generation = bi != NULL ? bi->boot_generation : 0;
	r->seq = __atomic_add_fetch(&report_seq, 1, __ATOMIC_SEQ_CST);
	r->time_tsc = hvstub__rdtsc();
	r->source = source;
	r->type = type;
	r->vector = vector;
	r->error_code = error_code;
	r->rip = rip;
	r->rsp = rsp;
	r->cr2 = cr2;
	m = hvstub_module_of(rip, &off);
	r->module_index = m;
	if (m >= 0) {
		put_str(r->module, HV_REPORT_MODULE_LEN, 0, modules[m].name);
		r->module_offset = off;
	}
	/* Only words known to be mapped: a bad RSP must not fault again. */
	for (unsigned i = 0; i < HV_REPORT_STACK_WORDS; i++) {
		uint64_t a = rsp + 8ull * i;

		if (a < rsp || !word_readable(a))
			break;
		r->stack[i] = *(const volatile uint64_t *)(uintptr_t)a;
	}
	put_str(r->message, HV_REPORT_MSG_LEN, put_str(r->message, HV_REPORT_MSG_LEN, 0, prefix), msg);
}

static int64_t send_report(const struct hv_report *r)
{
	return hvstub_call(HC_REPORT, (uint64_t)(uintptr_t)r, sizeof(*r), 0).status;
}

/*
 * Parks the CPU until the hypervisor resets the guest: sti; hlt, so the
 * NMI handler (heartbeats, commands) and the guest's interrupts still
 * run.  A report refused with HV_E_BUSY (rate limit) is sent again, at
 * most every ~100 ms, when the CPU wakes.
 */
static __attribute__((noreturn)) void wait_for_hypervisor(struct hv_report *r, int64_t status)
{
	const struct hvg_boot_info *bi = hvstub__boot_info;
	uint64_t gap = bi != NULL ? bi->tsc_hz / 10 : 0;
	uint64_t last = hvstub__rdtsc();

	hvstub__parked = 1;
	for (;;) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		if (status == HV_E_BUSY && hvstub__rdtsc() - last >= gap) {
			/* A fresh seq: another report may have been taken meanwhile. */
			r->seq = __atomic_add_fetch(&report_seq, 1, __ATOMIC_SEQ_CST);
			status = send_report(r);
			last = hvstub__rdtsc();
		}
	}
}

static __attribute__((noreturn)) void park(void)
{
	hvstub__parked = 1;
	for (;;)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void hvstub_exception(struct hvstub_frame *f)
{
	uint64_t cr2 = 0;
	uint32_t vector = (uint32_t)f->vector;

	if (vector == 14)
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));

	int depth = ++fatal_depth;
	if (depth > 2)
		park(); /* faulting while reporting a fault in a fault handler: give up */

	build_report(&fatal_report, HV_SRC_EXCEPTION, HV_REP_EXCEPTION, vector, (uint32_t)f->error_code,
		     f->rip, f->rsp, cr2, depth > 1 ? "nested: " : "", vector_names[vector & 31]);
	int64_t status = send_report(&fatal_report);
	void (*cb)(const struct hv_report *) = fault_cb;
	if (cb != NULL && depth == 1)
		cb(&fatal_report);
	wait_for_hypervisor(&fatal_report, status);
}

void hvstub_panic(const char *msg)
{
	__asm__ volatile("cli" ::: "memory");
	uint64_t rip = (uint64_t)(uintptr_t)__builtin_return_address(0);
	/* The caller's RSP after the call returns: above our return address. */
	uint64_t rsp = (uint64_t)(uintptr_t)__builtin_frame_address(0) + 16;

	int depth = ++fatal_depth;
	if (depth > 2)
		park();
	build_report(&fatal_report, HV_SRC_PANIC, HV_REP_PANIC, 0, 0, rip, rsp, 0,
		     depth > 1 ? "nested: " : "", msg);
	int64_t status = send_report(&fatal_report);
	void (*cb)(const struct hv_report *) = fault_cb;
	if (cb != NULL && depth == 1)
		cb(&fatal_report);
	wait_for_hypervisor(&fatal_report, status);
}

int64_t hvstub_report(enum hv_report_type type, const char *msg)
{
	uint64_t rip = (uint64_t)(uintptr_t)__builtin_return_address(0);
	uint64_t rsp = (uint64_t)(uintptr_t)__builtin_frame_address(0) + 16;

	build_report(&health_report, HV_SRC_HEALTH, (uint32_t)type, 0, 0, rip, rsp, 0, "", msg);
	return send_report(&health_report);
}
