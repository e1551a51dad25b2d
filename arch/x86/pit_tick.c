/*
 * The 8254 PIT: TSC calibration (channel 2, polled) and, for SVM, the
 * hypervisor's tick (channel 0 routed through the I/O APIC pin IRQ0
 * reaches, as an NMI), and the ACPI PM timer as a second reference.
 *
 * Why an NMI: after ExitBootServices the hypervisor needs an interrupt
 * source of its own that forces an exit even when the guest spins with
 * RFLAGS.IF=0.  With the SVM NMI intercept, an NMI exits the guest
 * regardless of the guest's IF and of V_INTR_MASKING; the NMI stays
 * pending and is taken by the host IDT's vector 2 at STGI (AMD APM 2
 * 15.12 and 15.17).  The LAPIC timer (lapic_tick_start, below) is the
 * second source, for guests that hold NMIs (see docs/design.md).
 */
#include <stdint.h>

#include "arch/x86/apic.h"
#include "arch/x86/platform.h"
#include "arch/x86/tick_choice.h"
#include "arch/x86/x86.h"
#include "lib/log.h"

#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define SYS_CTRL_B 0x61 /* bit 0: ch2 gate, bit 1: speaker, bit 5: ch2 out */

#define PM_TIMER_HZ 3579545ull /* ACPI 6.5, 4.8.3.3 */
#define CALIBRATE_MS 10
/* A reference that has not finished after this many TSC cycles or polls
 * is broken (10^10 cycles: seconds on any real CPU; a poll is an I/O
 * read, about a microsecond, so 10 ms takes some 10^4). */
#define CALIBRATE_GIVE_UP_TSC 10000000000ull
#define CALIBRATE_GIVE_UP_POLLS 10000000u
/* A measurement counts only when its start and its end together are
 * known to within 1/20 of the window (the rate to within 2.5 %, well
 * inside the 10 % the cross-check allows): each is bracketed by a TSC
 * read before and after the I/O accesses that saw it.  The CPU can be away between the
 * two (an emulator's thread descheduled on a busy host: seen to make a
 * single window's rate 10x off); then the window is measured again. */
#define CALIBRATE_SLACK_DIV 20
#define CALIBRATE_TRIES 8

/* When a reference started and ended, each as a TSC interval. */
struct window {
	uint64_t start_lo, start_hi, end_lo, end_hi;
};

static uint64_t window_tsc(const struct window *w)
{
	return (w->end_lo + w->end_hi) / 2 - (w->start_lo + w->start_hi) / 2;
}

static bool window_clean(const struct window *w)
{
	uint64_t slack = (w->start_hi - w->start_lo) + (w->end_hi - w->end_lo);

	return slack * CALIBRATE_SLACK_DIV <= window_tsc(w);
}

static bool given_up(uint32_t polls, uint64_t t0)
{
	return polls >= CALIBRATE_GIVE_UP_POLLS || rdtsc() - t0 >= CALIBRATE_GIVE_UP_TSC;
}

/* PIT channel 2 in mode 0 counts down 10 ms with its gate on from the
 * count's high byte; its OUT (port 0x61 bit 5) rises at the end, which
 * lies after the last poll that saw it low and before the first that saw
 * it high.  0 if it never rose. */
static uint64_t pit_once(struct window *w)
{
	const uint32_t count = (uint32_t)(PIT_HZ * CALIBRATE_MS / 1000);
	uint8_t ctrl = inb(SYS_CTRL_B);
	bool done = false;
	uint32_t polls = 0;

	outb(SYS_CTRL_B, (uint8_t)((ctrl & ~0x02) | 0x01));
	outb(PIT_CMD, 0xB0); /* ch2, lo/hi byte, mode 0 */
	outb(PIT_CH2, count & 0xFF);
	w->start_lo = rdtsc();
	outb(PIT_CH2, (uint8_t)(count >> 8));
	w->start_hi = w->end_lo = rdtsc();
	while (!done && !given_up(polls++, w->start_lo)) {
		uint64_t before = rdtsc();
		done = (inb(SYS_CTRL_B) & 0x20) != 0;
		w->end_hi = rdtsc();
		if (!done)
			w->end_lo = before;
	}
	outb(SYS_CTRL_B, ctrl);
	return done ? window_tsc(w) * PIT_HZ / count : 0;
}

/* The ACPI PM timer (ACPI 6.5, 4.8.3.3): a free-running 3.579545 MHz
 * counter of 24 or 32 bits; 10 ms of it against the TSC, each of the two
 * readings bracketed by TSC reads.  0 if it does not advance (no device
 * answers: the port reads all ones). */
static uint64_t pm_once(struct window *w, uint16_t port, bool bits32)
{
	const uint32_t mask = bits32 ? 0xFFFFFFFFu : 0xFFFFFFu;
	const uint32_t want = (uint32_t)(PM_TIMER_HZ * CALIBRATE_MS / 1000);
	uint32_t ticks = 0, polls = 0;

	w->start_lo = rdtsc();
	uint32_t start = inl(port) & mask;
	w->start_hi = rdtsc();
	while (ticks < want && !given_up(polls++, w->start_lo)) {
		w->end_lo = rdtsc();
		ticks = ((inl(port) & mask) - start) & mask;
		w->end_hi = rdtsc();
	}
	return ticks >= want ? window_tsc(w) * PM_TIMER_HZ / ticks : 0;
}

/* Each reference until one measurement is clean, at most CALIBRATE_TRIES
 * times; *retries counts the others.  A reference never measured cleanly
 * reports 0, as if missing: its rate is not known. */
static uint64_t tsc_against_pit(uint32_t *retries)
{
	struct window w;

	for (unsigned i = 0; i < CALIBRATE_TRIES; i++, (*retries)++) {
		uint64_t hz = pit_once(&w);
		if (hz == 0 || window_clean(&w))
			return hz;
	}
	return 0;
}

static uint64_t tsc_against_pm_timer(uint16_t port, bool bits32, uint32_t *retries)
{
	struct window w;

	for (unsigned i = 0; i < CALIBRATE_TRIES; i++, (*retries)++) {
		uint64_t hz = pm_once(&w, port, bits32);
		if (hz == 0 || window_clean(&w))
			return hz;
	}
	return 0;
}

/* What the CPU says its TSC runs at: leaf 0x15 (TSC/crystal ratio
 * EBX/EAX times the crystal's ECX Hz), else leaf 0x16 (EAX: base
 * frequency in MHz) (SDM 2A CPUID; SDM 3B 19.7.3). */
static uint64_t tsc_from_cpuid(const char **leaf)
{
	uint32_t r[4];

	*leaf = "none";
	cpuid(0, 0, r);
	uint32_t max = r[0];
	if (max >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] != 0 && r[1] != 0 && r[2] != 0) {
			*leaf = "0x15";
			return (uint64_t)r[2] * r[1] / r[0];
		}
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, r);
		if ((r[0] & 0xFFFF) != 0) {
			*leaf = "0x16";
			return (uint64_t)(r[0] & 0xFFFF) * 1000000ull;
		}
	}
	return 0;
}

void plat_measure_tsc(struct plat_tsc_refs *r)
{
	const struct plat_machine *m = apic_machine();

	r->retries = 0;
	r->pit_hz = tsc_against_pit(&r->retries);
	r->pit_timed_out = r->pit_hz == 0;
	r->pm_hz = m->pm_timer_port ? tsc_against_pm_timer(m->pm_timer_port, m->pm_timer_32bit,
							     &r->retries)
				    : 0;
	r->cpuid_hz = tsc_from_cpuid(&r->cpuid_leaf);
}

void pit_nmi_tick_start(uint64_t period_us)
{
	uint64_t divisor = PIT_HZ * period_us / 1000000ull;

	if (divisor < 2)
		divisor = 2;
	if (divisor > 65535)
		divisor = 65535;
	ioapic_route_nmi();
	outb(PIT_CMD, 0x34); /* ch0, lo/hi byte, mode 2 (rate generator) */
	outb(PIT_CH0, (uint8_t)(divisor & 0xFF));
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

/*
 * The second SVM tick source: the LAPIC timer, periodic, with the INTR
 * intercept and V_INTR_MASKING, entered with host IF=1 (GIF=0 holds the
 * interrupt until the host is ready).  It exits a guest that sits in its
 * own NMI handler, where the processor also holds physical NMIs until
 * the guest's IRET and the PIT NMI cannot get through (AMD APM 2 15.21).
 */
void lapic_tick_start(uint64_t period_us, uint64_t tsc_hz)
{
	const uint64_t sample_tsc = tsc_hz / 100; /* 10 ms */

	lapic_write(LAPIC_TIMER_DIVIDE, 0xB); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, 1u << 16);
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < sample_tsc)
		cpu_relax();
	uint64_t counted = 0xFFFFFFFFull - lapic_read(LAPIC_TIMER_CURRENT);
	uint64_t count = counted * period_us / 10000;

	if (count == 0)
		count = 1;
	if (count > 0xFFFFFFFFull)
		count = 0xFFFFFFFFull;
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TICK_VECTOR | LAPIC_TIMER_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
}

/* LAPIC timer interrupts the host took (arch/x86/isr.S). */
extern volatile uint64_t lapic_tick_count;

/* The probe waits until both sources fired this often, or for at most
 * TICK_PROBE_PERIODS periods and at least TICK_PROBE_MIN_MS: an
 * emulator on a busy host delivers nothing for tens of milliseconds
 * (seen under QEMU TCG: neither source fired within 20 ms). */
#define TICK_PROBE_WANT 3
#define TICK_PROBE_PERIODS 20
#define TICK_PROBE_MIN_MS 500

/*
 * Starts both SVM tick sources and keeps those that really fire: the
 * host takes them itself for a few periods, interrupts on (the NMI goes
 * to IDT vector 2, the LAPIC timer to vector 0xF0; both only count).
 * The choice is logged; a source that does not work is stopped.
 */
bool plat_tick_start(uint64_t period_us, uint64_t tsc_hz, const char **why)
{
	uint64_t wait = tsc_hz / 1000000 * period_us * TICK_PROBE_PERIODS;

	if (wait < tsc_hz / 1000 * TICK_PROBE_MIN_MS)
		wait = tsc_hz / 1000 * TICK_PROBE_MIN_MS;

	pit_nmi_tick_start(period_us);
	lapic_tick_start(period_us, tsc_hz);
	/* Counted from here: NMIs already came during the LAPIC timer's
	 * calibration (IF does not hold them). */
	const uint64_t nmi0 = host_nmi_count, lapic0 = lapic_tick_count;
	uint64_t t0 = rdtsc();
	__asm__ volatile("sti" ::: "memory");
	while (rdtsc() - t0 < wait &&
	       (host_nmi_count - nmi0 < TICK_PROBE_WANT || lapic_tick_count - lapic0 < TICK_PROBE_WANT))
		cpu_relax();
	__asm__ volatile("cli" ::: "memory");
	const uint64_t nmis = host_nmi_count - nmi0, lapics = lapic_tick_count - lapic0;
	enum tick_sources use = tick_choose(lapics, nmis);
	if (!(use & TICK_PIT_NMI))
		ioapic_mask_pit();
	if (!(use & TICK_LAPIC))
		lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	hv_log("tick sources probed over %llu us: lapic_timer fired %llu, pit_nmi fired %llu; "
	       "using=%s", (unsigned long long)((rdtsc() - t0) * 1000000 / (tsc_hz ? tsc_hz : 1)),
	       (unsigned long long)lapics, (unsigned long long)nmis, tick_sources_name(use));
	if (use == TICK_NONE)
		*why = "no tick source fires (neither the LAPIC timer nor the PIT as an NMI)";
	return use != TICK_NONE;
}
