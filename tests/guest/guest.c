/*
 * Bare-metal test guest.  Links the stub, prints on COM2, and runs the
 * scenarios named on its command line, in order, e.g.
 *   "hello null badcall timer probe"   or   "hello spin"
 * Every line it prints starts with "guest: ".
 */
#include <stdint.h>

#include "../../guest-stub/stub.h"
#include "console.h"

#define TIMER_VECTOR 0x40
#define TIMER_PERIOD_US 2000
#define TIMER_WANTED 10

volatile uint64_t timer_ticks;
void timer_isr(void);
void guest_main(const struct hvg_boot_info *bi);

struct __attribute__((packed)) idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));

static void idt_install(void)
{
	uint64_t h = (uint64_t)(uintptr_t)timer_isr;
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	idt[TIMER_VECTOR] = (struct idt_gate){ (uint16_t)h, HVG_SEL_CODE, 0, 0x8E,
					       (uint16_t)(h >> 16), (uint32_t)(h >> 32), 0 };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

static void say(const char *what)
{
	con_puts("guest: ");
	con_puts(what);
}

static void say_status(const char *what, int64_t status)
{
	say(what);
	con_puts(" FAILED status=");
	con_puti(status);
	con_puts("\n");
}

static void scenario_hello(void)
{
	struct hvstub_result r = hvstub_hello();

	if (r.status != HV_OK) {
		say_status("hello", r.status);
		return;
	}
	say("hello ok abi=");
	con_putu(r.value, 10);
	con_puts(" generation=");
	con_putu(hvstub_boot_info()->boot_generation, 10);
	con_puts("\n");
}

static void scenario_null(void)
{
	const uint64_t x = 0x0123456789abcdefull;
	struct hvstub_result r = hvstub_null(x);

	if (r.status == HV_OK && r.value == ~x)
		say("null hypercall ok\n");
	else
		say_status("null hypercall", r.status == HV_OK ? 99 : r.status);
}

static void scenario_badcall(void)
{
	struct hvstub_result r = hvstub_call(0xdead, 0, 0, 0);

	if (r.status == HV_E_NOSYS)
		say("unknown hypercall refused ok\n");
	else
		say_status("unknown hypercall", r.status);
}

static void scenario_timer(void)
{
	struct hvstub_result r = hvstub_timer_set(TIMER_VECTOR, TIMER_PERIOD_US);

	if (r.status != HV_OK) {
		say_status("timer set", r.status);
		return;
	}
	__asm__ volatile("sti");
	while (timer_ticks < TIMER_WANTED)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");
	hvstub_timer_set(0, 0);
	say("timer ok interrupts=");
	con_putu(timer_ticks, 10);
	con_puts("\n");
}

static void scenario_probe(void)
{
	const struct hvg_boot_info *bi = hvstub_boot_info();
	uint64_t gpa = bi->hv_image_base;

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

struct scenario {
	const char *name;
	void (*run)(void);
};

static const struct scenario scenarios[] = {
	{ "hello", scenario_hello }, { "null", scenario_null }, { "badcall", scenario_badcall },
	{ "timer", scenario_timer }, { "probe", scenario_probe }, { "spin", scenario_spin },
};

static int word_is(const char *w, unsigned len, const char *name)
{
	unsigned i = 0;

	for (; i < len && name[i]; i++)
		if (w[i] != name[i])
			return 0;
	return i == len && name[i] == '\0';
}

static void run_word(const char *w, unsigned len)
{
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (word_is(w, len, scenarios[i].name)) {
			scenarios[i].run();
			return;
		}
	}
	say("unknown scenario ignored\n");
}

void guest_main(const struct hvg_boot_info *bi)
{
	con_init();
	if (hvstub_init(bi) != 0) {
		say("bad boot info\n");
		return;
	}
	idt_install();
	say("started ram=");
	con_putu(bi->ram_size >> 10, 10);
	con_puts("KiB cmdline=\"");
	con_puts(bi->cmdline);
	con_puts("\"\n");
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
	con_flush();
}
