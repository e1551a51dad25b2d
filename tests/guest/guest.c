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

#define TIMER_WANTED 10

volatile uint64_t timer_ticks;
void guest_main(const struct hvg_boot_info *bi);
extern char guest_stack_bottom[], stack_top[];

uint8_t idt[256 * 16] __attribute__((aligned(16)));
static volatile uint32_t commands_run[8];
const struct hvg_boot_info *boot;

void say(const char *what)
{
	con_puts("guest: ");
	con_puts(what);
}

void put_num(const char *what, int64_t v, const char *tail)
{
	con_puts(what);
	con_puti(v);
	con_puts(tail);
}

void say_num(const char *what, int64_t v, const char *tail)
{
	say("");
	put_num(what, v, tail);
}

void set_gate(unsigned vec, void (*handler)(void))
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

/* The stub re-initializes (a kernel that restarts its watchdog driver):
 * its page zeroed, its report seq back at 1, commands answered again,
 * then hello once more.  A hand-back still pending must reach it. */
static void scenario_reinit(void)
{
	hvstub_set_command_ignore(0);
	if (hvstub_init(boot) != 0) {
		say("reinit FAILED\n");
		return;
	}
	stub_setup();
	say("stub re-initialized\n");
	uint32_t before = commands_run[HV_CMD_CLEANUP];
	scenario_hello();
	/* A command left pending runs now; a few more timer ticks, so the
	 * hypervisor sees its acknowledgement before anything else. */
	for (unsigned i = 0; i < 20 && commands_run[HV_CMD_CLEANUP] == before; i++)
		__asm__ volatile("sti; hlt");
	for (unsigned i = 0; i < 5; i++)
		__asm__ volatile("sti; hlt");
	say(commands_run[HV_CMD_CLEANUP] != before ? "pending command ran after the re-init\n"
						   : "no command after the re-init\n");
}

/* Hangs for the watchdog (NMIs taken, never acknowledged) while saying
 * hello in a loop: the hellos must not keep the hang from being seen. */
static void scenario_hellohang(void)
{
	say("NMIs unanswered from now on, hello in a loop\n");
	con_flush();
	set_gate(2, nmi_mute_isr);
	for (;;) {
		hvstub_hello();
		for (volatile unsigned i = 0; i < 1000; i++)
			;
	}
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

/* The first page of the hypervisor image, named by its host address,
 * beyond guest RAM (see hostile.c, probe_memory). */
static void scenario_probe(void)
{
	uint64_t gpa = boot->hv_image_base < boot->ram_size ? boot->ram_size : boot->hv_image_base;

	say("probing hypervisor memory at ");
	con_putu(gpa, 16);
	con_puts("\n");
	con_flush();
	uint64_t v = *(volatile uint64_t *)(uintptr_t)gpa;
	say("PROBE NOT CAUGHT read ");
	con_putu(v, 16);
	con_puts("\n");
}

/* The stack pointer moved into hypervisor memory (as in scenario_probe),
 * then a push: the nested fault is the crash; a dump taken now must
 * leave the pages around RSP out, not read them (docs/dumps.md, M24). */
static void scenario_hvstack(void)
{
	uint64_t gpa = boot->hv_image_base < boot->ram_size ? boot->ram_size : boot->hv_image_base;

	say("stack into hypervisor memory at ");
	con_putu(gpa, 16);
	con_puts("\n");
	con_flush();
	__asm__ volatile("cli; mov %0, %%rsp; push %%rax" ::"r"(gpa + 4096) : "memory");
	say("HVSTACK NOT CAUGHT\n");
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

/* A reset must give the next generation guest RAM as the last build left
 * it: the image's data reloaded, its bss and every other page zero, even
 * though the hypervisor clears only the pages the guest wrote.  Checks
 * that, then writes over all three for the next generation to check. */
#define RAMCHECK_DATA 0x5eedull
static volatile uint64_t ramcheck_data = RAMCHECK_DATA;
static volatile uint64_t ramcheck_bss;

static const char *ok_or(int ok, const char *bad)
{
	return ok ? "ok" : bad;
}

static void scenario_ramcheck(void)
{
	/* 64 KiB below the end of RAM: no part of the image, stack or tables. */
	volatile uint64_t *high = (volatile uint64_t *)(uintptr_t)(boot->ram_size - 0x10000);
	int high_zero = 1;

	for (unsigned i = 0; i < 512; i++)
		high_zero &= high[i] == 0;
	say_num("ram check generation=", (int64_t)boot->boot_generation, "");
	con_puts(" data=");
	con_puts(ok_or(ramcheck_data == RAMCHECK_DATA, "stale"));
	con_puts(" bss=");
	con_puts(ok_or(ramcheck_bss == 0, "stale"));
	con_puts(" high=");
	con_puts(ok_or(high_zero, "stale"));
	con_puts("\n");
	ramcheck_data = ~RAMCHECK_DATA;
	ramcheck_bss = boot->boot_generation;
	for (unsigned i = 0; i < 512; i++)
		high[i] = 0xA5A5A5A5A5A5A5A5ull ^ i;
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
	{ "usercall", scenario_usercall },   { "ramcheck", scenario_ramcheck },
	{ "logflood", scenario_logflood },   { "cpuprobe", scenario_cpuprobe },
	{ "dirtycpu", scenario_dirtycpu },   { "cleancheck", scenario_cleancheck },
	{ "rdpmc", scenario_rdpmc },	     { "reinit", scenario_reinit },
	{ "hellohang", scenario_hellohang }, { "hvstack", scenario_hvstack },
	{ "dumpranges", scenario_dumpranges }, { "stateless", scenario_stateless },
	{ "dumpreq", scenario_dumpreq },     { "ckpt", scenario_ckpt },
	{ "ckptflood", scenario_ckptflood },
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
