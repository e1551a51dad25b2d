/*
 * Bare-metal test guest.  Links the stub, prints on COM2, and runs the
 * scenarios named on its command line, in order.  A word "name@N" runs
 * only in boot generation N (so a scenario can fault once and the guest
 * come back healthy after the reset).  Every line it prints starts with
 * "guest: ".  See tests/e2e/run.py for the runs.
 */
#include <stdint.h>

#include "../../guest-stub/stub.h"
#include "console.h"
#include "scenarios.h"

#define TIMER_VECTOR 0x40
#define TIMER_PERIOD_US 2000
#define TIMER_WANTED 10

volatile uint64_t timer_ticks;
void timer_isr(void);
void guest_main(const struct hvg_boot_info *bi);
extern char guest_stack_bottom[], stack_top[];

static uint8_t idt[256 * 16] __attribute__((aligned(16)));
static volatile uint32_t commands_run[8];
static const struct hvg_boot_info *boot;

static void say(const char *what)
{
	con_puts("guest: ");
	con_puts(what);
}

static void put_num(const char *what, int64_t v, const char *tail)
{
	con_puts(what);
	con_puti(v);
	con_puts(tail);
}

static void say_num(const char *what, int64_t v, const char *tail)
{
	say("");
	put_num(what, v, tail);
}

static void set_gate(unsigned vec, void (*handler)(void))
{
	uint64_t h = (uint64_t)(uintptr_t)handler;
	uint8_t *g = idt + vec * 16;

	g[0] = (uint8_t)h;
	g[1] = (uint8_t)(h >> 8);
	g[2] = HVG_SEL_CODE;
	g[3] = 0;
	g[4] = 0;
	g[5] = 0x8E;
	g[6] = (uint8_t)(h >> 16);
	g[7] = (uint8_t)(h >> 24);
	for (unsigned i = 0; i < 4; i++)
		g[8 + i] = (uint8_t)(h >> (32 + 8 * i));
}

static void load_idt(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" ::"m"(idtr));
}

/* Commands run in NMI context: note them, print later. */
static int64_t cmd_note(uint32_t op)
{
	if (op < 8)
		commands_run[op]++;
	return 0;
}

static int64_t cmd_cleanup(const volatile uint64_t args[4])
{
	(void)args;
	return cmd_note(HV_CMD_CLEANUP);
}

static int64_t cmd_restart_module(const volatile uint64_t args[4])
{
	(void)args;
	return cmd_note(HV_CMD_RESTART_MODULE);
}

static int64_t cmd_restart_task(const volatile uint64_t args[4])
{
	(void)args;
	return cmd_note(HV_CMD_RESTART_TASK);
}

static void collect(volatile struct hv_shared_page *sp)
{
	sp->free_memory = boot->ram_size / 2;
	sp->custom[0] = timer_ticks;
}

static void stub_setup(void)
{
	hvstub_install_idt(idt);
	set_gate(TIMER_VECTOR, timer_isr);
	load_idt();
	hvstub_register_tick_counter(&timer_ticks);
	hvstub_register_collector(collect);
	hvstub_register_stack((uint64_t)(uintptr_t)guest_stack_bottom, (uint64_t)(uintptr_t)stack_top);
	hvstub_register_module("netdrv", (uint64_t)(uintptr_t)__netdrv_start,
			       (uint64_t)(uintptr_t)__netdrv_end);
	hvstub_register_command(HV_CMD_CLEANUP, cmd_cleanup);
	hvstub_register_command(HV_CMD_RESTART_MODULE, cmd_restart_module);
	hvstub_register_command(HV_CMD_RESTART_TASK, cmd_restart_task);
}

static void show_commands(void)
{
	static uint32_t shown[8];
	static const char *const names[8] = {
		[HV_CMD_CLEANUP] = "cleanup", [HV_CMD_RESTART_TASK] = "restart_task",
		[HV_CMD_RESTART_MODULE] = "restart_module",
	};

	for (unsigned op = 0; op < 8; op++) {
		while (shown[op] < commands_run[op]) {
			shown[op]++;
			say("command ");
			con_puts(names[op] ? names[op] : "?");
			con_puts(" run\n");
		}
	}
}

/* ---- scenarios ---------------------------------------------------------- */

static void scenario_hello(void)
{
	struct hvstub_result r = hvstub_hello();

	if (r.status != HV_OK) {
		say_num("hello FAILED status=", r.status, "\n");
		return;
	}
	say_num("hello ok abi=", (int64_t)r.value, "");
	put_num(" generation=", (int64_t)boot->boot_generation, "\n");
}

static void scenario_null(void)
{
	const uint64_t x = 0x0123456789abcdefull;
	struct hvstub_result r = hvstub_null(x);

	if (r.status == HV_OK && r.value == ~x)
		say("null hypercall ok\n");
	else
		say_num("null hypercall FAILED status=", r.status, "\n");
}

static void scenario_badcall(void)
{
	struct hvstub_result r = hvstub_call(0xdead, 0, 0, 0);

	if (r.status == HV_E_NOSYS)
		say("unknown hypercall refused ok\n");
	else
		say_num("unknown hypercall FAILED status=", r.status, "\n");
}

static void scenario_timer(void)
{
	uint64_t start = timer_ticks;

	while (timer_ticks - start < TIMER_WANTED)
		__asm__ volatile("hlt");
	say_num("timer ok interrupts=", (int64_t)(timer_ticks - start), "\n");
}

static void scenario_probe(void)
{
	uint64_t gpa = boot->hv_image_base;

	say("probing hypervisor memory at ");
	con_putu(gpa, 16);
	con_puts("\n");
	con_flush();
	uint64_t v = *(volatile uint64_t *)(uintptr_t)gpa;
	say("PROBE NOT CAUGHT read ");
	con_putu(v, 16);
	con_puts("\n");
}

static void scenario_spin(void)
{
	say("spinning with interrupts disabled\n");
	con_flush();
	__asm__ volatile("cli; 1: jmp 1b");
}

static void scenario_idle(void)
{
	say("idle\n");
	for (;;) {
		__asm__ volatile("sti; hlt");
		show_commands();
	}
}

static void scenario_panic(void)
{
	say("panicking\n");
	con_flush();
	hvstub_panic("test panic");
}

static void scenario_pf_netdrv(void)
{
	say("netdrv touches an unmapped register\n");
	con_flush();
	netdrv_poll();
}

static void scenario_lowmem(void)
{
	int64_t st = hvstub_report(HV_REP_LOW_MEMORY, "free memory below 5%");

	say_num("low memory reported status=", st, "\n");
}

static void scenario_noack(void)
{
	hvstub_set_command_ignore(1);
	say("ignoring commands from now on\n");
}

static void scenario_nmihang(void)
{
	say("NMI handler will never return\n");
	con_flush();
	hvstub_set_nmi_hang(1);
	scenario_idle();
}

static void scenario_triple(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} none = { 0, 0 };

	say("triple fault\n");
	con_flush();
	__asm__ volatile("cli; lidt %0; int3" ::"m"(none));
}

static void scenario_badreport(void)
{
	static struct hv_report bogus = { .magic = 0xbad };
	struct hvstub_result r =
		hvstub_call(HC_REPORT, (uint64_t)(uintptr_t)&bogus, sizeof(bogus), 0);

	say_num("bad report refused status=", r.status, "\n");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* make bench: in Bochs the TSC counts executed instructions, so these
 * figures are exact and repeatable. */
static void scenario_bench_null(void)
{
	const unsigned calls = 1000;
	uint64_t t0 = rdtsc();

	for (unsigned i = 0; i < calls; i++)
		hvstub_null(i);
	uint64_t t1 = rdtsc();
	say_num("bench null_round_trip_tsc=", (int64_t)((t1 - t0) / calls), "");
	put_num(" calls=", calls, "\n");
}

/* A fixed CPU-bound workload (integer mixing, no memory traffic). */
static void scenario_bench_work(void)
{
	uint64_t x = 1, t0 = rdtsc();

	for (uint64_t i = 0; i < 6000000; i++) {
		x = x * 6364136223846793005ull + i;
		__asm__ volatile("" : "+r"(x));
	}
	uint64_t t1 = rdtsc();
	say_num("bench work_tsc=", (int64_t)(t1 - t0), "");
	put_num(" check=", (int64_t)(x & 0xffff), "\n");
}

/* ---- isolation probe (policy=probe: denied accesses give #GP) ------------ */

uint64_t probe_read(uint64_t addr);
void probe_write(uint64_t addr, uint64_t value);
uint8_t probe_in(uint16_t port);
void probe_out(uint16_t port, uint8_t value);
uint64_t probe_rdmsr(uint32_t msr);
void probe_wrmsr(uint32_t msr, uint64_t value);
void probe_gp_isr(void);
volatile uint64_t probe_gp_count;

static uint64_t integrity(void)
{
	return hvstub_info(HV_INFO_INTEGRITY).value;
}

static int port_is_ours(uint32_t port)
{
	return port >= 0x2F8 && port <= 0x2FF; /* COM2: the guest's console */
}

static void probe_memory(uint64_t *pages, uint64_t *caught)
{
	uint64_t base = boot->hv_image_base & ~0xFFFull, end = boot->hv_image_base + boot->hv_image_size;

	for (uint64_t a = base; a < end; a += 4096) {
		uint64_t before = probe_gp_count;
		probe_read(a);
		probe_write(a, 0xdeadbeefdeadbeefull);
		*caught += probe_gp_count - before;
		(*pages)++;
	}
}

static const uint16_t forbidden_ports[] = {
	0x20, 0x21, 0xA0, 0xA1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71, 0x80, 0x3F8, 0x3F9,
	0x3FA, 0x3FB, 0x3FC, 0x3FD, 0xCF8, 0xCFC, 0xCF9, 0xF4, 0x8900, 0xE9, 0x402, 0x510, 0x92,
};

static void probe_port(uint16_t port, uint64_t *tried, uint64_t *ff)
{
	if (port_is_ours(port))
		return;
	/* Writes first: 0xCF9, 0xF4 and 0x8900 would reset or end the machine. */
	probe_out(port, 0x06);
	*ff += probe_in(port) == 0xFF;
	(*tried)++;
}

/* Virtualization state the guest may not see or move: on VMX the
 * feature-control and VMX capability MSRs, on SVM VM_HSAVE_PA and VM_CR
 * (EFER.SVME is checked separately: it must read as 0). */
static const uint32_t forbidden_msrs_vmx[] = {
	0x3A, 0x480, 0x481, 0x482, 0x483, 0x484, 0x485, 0x486, 0x487, 0x488, 0x489, 0x48A,
	0x48B, 0x48C, 0x48D, 0x48E, 0x48F, 0x490, 0x491, 0xC0010117u, 0xC0010114u,
};
static const uint32_t forbidden_msrs_svm[] = { 0x3A, 0xC0010117u, 0xC0010114u };

static void scenario_isolation(void)
{
	uint64_t crc0 = integrity(), pages = 0, caught = 0, ports = 0, ff = 0, msrs = 0;

	set_gate(13, probe_gp_isr);
	probe_memory(&pages, &caught);
	for (unsigned i = 0; i < sizeof(forbidden_ports) / sizeof(forbidden_ports[0]); i++)
		probe_port(forbidden_ports[i], &ports, &ff);
	for (uint32_t p = 0; p < 0x10000; p += 61)
		probe_port((uint16_t)p, &ports, &ff);
	uint64_t gp0 = probe_gp_count;
	int svm = boot->vendor == HVG_VENDOR_SVM;
	const uint32_t *list = svm ? forbidden_msrs_svm : forbidden_msrs_vmx;
	unsigned count = svm ? sizeof(forbidden_msrs_svm) / sizeof(forbidden_msrs_svm[0])
			     : sizeof(forbidden_msrs_vmx) / sizeof(forbidden_msrs_vmx[0]);
	for (unsigned i = 0; i < count; i++) {
		probe_rdmsr(list[i]);
		probe_wrmsr(list[i], 0);
		msrs++;
	}
	probe_wrmsr(0x1B, 0xFEE00900ull); /* move the APIC: refused */
	uint64_t msr_gp = probe_gp_count - gp0;
	uint64_t efer = probe_rdmsr(0xC0000080u);
	hvstub_install_idt(idt); /* the stub's hooks back */
	set_gate(TIMER_VECTOR, timer_isr);
	uint64_t crc1 = integrity();
	say_num("isolation pages=", (int64_t)pages, "");
	put_num(" mem_caught=", (int64_t)caught, "");
	put_num(" ports=", (int64_t)ports, "");
	put_num(" port_reads_ff=", (int64_t)ff, "");
	put_num(" msrs=", (int64_t)msrs, "");
	put_num(" msr_gp=", (int64_t)msr_gp, "");
	put_num(" efer_svme=", (int64_t)((efer >> 12) & 1), "");
	put_num(" integrity_same=", crc0 == crc1, "\n");
	if (caught == 2 * pages && ff == ports && msr_gp == 2 * msrs + 1 && crc0 == crc1 &&
	    !((efer >> 12) & 1))
		say("isolation ok\n");
	else
		say("isolation BREACHED\n");
}

/* ---- in-guest hypercall fuzzer ------------------------------------------ */

#define FUZZ_CALLS 100000
static uint8_t fuzz_scratch[8192] __attribute__((aligned(4096)));

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Arguments that probe the edges: zero, all ones, non-canonical, the
 * hypervisor's own addresses, the ends of guest RAM, misaligned, a real
 * buffer with garbage in it, plain random. */
static uint64_t fuzz_arg(uint64_t *seed)
{
	uint64_t r = xorshift(seed), ram = boot->ram_size;

	switch (r % 12) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 0x8000000000000000ull | (r >> 8);
	case 3: return boot->hv_image_base + ((r >> 8) % (boot->hv_image_size + 1));
	case 4: return ram - ((r >> 8) % 64);
	case 5: return ram + ((r >> 8) % 0x100000);
	case 6: return (uint64_t)(uintptr_t)fuzz_scratch + ((r >> 8) % sizeof(fuzz_scratch));
	case 7: return (r >> 8) % 4096;
	case 8: return sizeof(struct hv_report) + (r >> 60) - 8;
	default: return xorshift(seed);
	}
}

static uint64_t fuzz_number(uint64_t *seed)
{
	uint64_t r = xorshift(seed);

	return (r & 7) < 6 ? (r >> 3) % (HC_COUNT + 2) : xorshift(seed);
}

static void scenario_fuzz(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull, counts[8] = { 0 };

	/* The fuzzer may point the guest timer at any vector: every one of
	 * them counts as a timer tick, so the guest stays visibly alive. */
	for (unsigned v = 32; v < 256; v++)
		set_gate(v, timer_isr);
	for (unsigned i = 0; i < sizeof(fuzz_scratch); i++)
		fuzz_scratch[i] = (uint8_t)xorshift(&seed);
	integrity();
	for (unsigned i = 0; i < FUZZ_CALLS; i++) {
		uint64_t nr = fuzz_number(&seed), a0 = fuzz_arg(&seed), a1 = fuzz_arg(&seed);
		if (nr == HC_HELLO && a1 < boot->ram_size)
			a1 |= 1; /* never move the shared page onto the guest's own code */
		if (nr == HC_INFO && a0 == HV_INFO_INTEGRITY)
			a0 = HV_INFO_TICKS;
		struct hvstub_result r = hvstub_call(nr, a0, a1, fuzz_arg(&seed));
		int64_t st = r.status;
		counts[st <= 0 && st >= -6 ? -st : 7]++;
	}
	hvstub_timer_set(TIMER_VECTOR, TIMER_PERIOD_US); /* our own timer back */
	say_num("fuzz calls=", FUZZ_CALLS, "");
	put_num(" ok=", (int64_t)counts[0], "");
	put_num(" nosys=", (int64_t)counts[1], "");
	put_num(" perm=", (int64_t)counts[2], "");
	put_num(" inval=", (int64_t)counts[3], "");
	put_num(" range=", (int64_t)counts[4], "");
	put_num(" state=", (int64_t)counts[5], "");
	put_num(" busy=", (int64_t)counts[6], "");
	put_num(" undefined=", (int64_t)counts[7], "\n");
	integrity();
}

struct scenario {
	const char *name;
	void (*run)(void);
};

static const struct scenario scenarios[] = {
	{ "hello", scenario_hello },	     { "null", scenario_null },
	{ "badcall", scenario_badcall },     { "timer", scenario_timer },
	{ "probe", scenario_probe },	     { "spin", scenario_spin },
	{ "idle", scenario_idle },	     { "panic", scenario_panic },
	{ "pf_netdrv", scenario_pf_netdrv }, { "lowmem", scenario_lowmem },
	{ "noack", scenario_noack },	     { "nmihang", scenario_nmihang },
	{ "triple", scenario_triple },	     { "badreport", scenario_badreport },
	{ "bench_null", scenario_bench_null }, { "bench_work", scenario_bench_work },
	{ "isolation", scenario_isolation }, { "fuzz", scenario_fuzz },
};

static int word_is(const char *w, unsigned len, const char *name)
{
	unsigned i = 0;

	for (; i < len && name[i]; i++)
		if (w[i] != name[i])
			return 0;
	return i == len && name[i] == '\0';
}

/* "name" or "name@N": returns the name length, and whether it runs now. */
static unsigned parse_word(const char *w, unsigned len, int *runs_now)
{
	unsigned n = 0;
	uint64_t gen = 0;

	while (n < len && w[n] != '@')
		n++;
	*runs_now = 1;
	if (n < len) {
		for (unsigned i = n + 1; i < len; i++)
			gen = gen * 10 + (uint64_t)(w[i] - '0');
		*runs_now = gen == boot->boot_generation;
	}
	return n;
}

static void run_word(const char *w, unsigned len)
{
	int now;
	unsigned n = parse_word(w, len, &now);

	if (!now)
		return;
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (word_is(w, n, scenarios[i].name)) {
			scenarios[i].run();
			return;
		}
	}
	say("unknown scenario ignored\n");
}

void guest_main(const struct hvg_boot_info *bi)
{
	boot = bi;
	con_init();
	if (hvstub_init(bi) != 0) {
		say("bad boot info\n");
		return;
	}
	stub_setup();
	say_num("started generation=", (int64_t)bi->boot_generation, "");
	put_num(" ram_kib=", (int64_t)(bi->ram_size >> 10), "");
	con_puts(" cmdline=\"");
	con_puts(bi->cmdline);
	con_puts("\"\n");
	/* The guest's own timer runs from the start: the watchdog watches it. */
	hvstub_timer_set(TIMER_VECTOR, TIMER_PERIOD_US);
	__asm__ volatile("sti");
	for (const char *p = bi->cmdline; *p;) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if (p > w)
			run_word(w, (unsigned)(p - w));
	}
	say("all scenarios done\n");
	scenario_idle();
}
