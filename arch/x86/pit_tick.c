/*
 * The 8254 PIT: TSC calibration (channel 2, polled) and, for SVM, the
 * hypervisor's tick (channel 0 routed through IOAPIC pin 2 as an NMI).
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

#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define SYS_CTRL_B 0x61 /* bit 0: ch2 gate, bit 1: speaker, bit 5: ch2 out */

#define IOAPIC_BASE 0xFEC00000ull
#define LAPIC_BASE 0xFEE00000ull
#define LAPIC_SVR 0xF0
#define LAPIC_EOI 0xB0
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define PIT_IOAPIC_PIN 2 /* ISA IRQ0 is overridden to GSI 2 on PC platforms */

static void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

uint64_t plat_calibrate_tsc(void)
{
	const uint32_t count = 11932; /* 10 ms */
	uint8_t ctrl = inb(SYS_CTRL_B);

	outb(SYS_CTRL_B, (uint8_t)((ctrl & ~0x02) | 0x01));
	outb(PIT_CMD, 0xB0); /* ch2, lo/hi byte, mode 0 */
	outb(PIT_CH2, count & 0xFF);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	uint64_t t0 = rdtsc(), t1 = t0;
	/* Bounded: give up after ~10^10 cycles (a broken PIT) */
	while (!(inb(SYS_CTRL_B) & 0x20) && t1 - t0 < 10000000000ull)
		t1 = rdtsc();
	outb(SYS_CTRL_B, ctrl);
	return (t1 - t0) * PIT_HZ / count;
}

/* The hypervisor owns the interrupt controllers.  Nothing but its own
 * tick may interrupt: mask the 8259 (so nothing reaches LINT0 as ExtINT),
 * the LAPIC timer and LINT0, and move the LAPIC spurious vector out of
 * the exception range (OVMF leaves it at 0x0F). */
void plat_quiesce_interrupts(void)
{
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	mmio_write32(LAPIC_BASE + LAPIC_SVR, 0x1FF);
	mmio_write32(LAPIC_BASE + LAPIC_LVT_TIMER, 1u << 16);
	mmio_write32(LAPIC_BASE + LAPIC_LVT_LINT0, mmio_read32(LAPIC_BASE + LAPIC_LVT_LINT0) | (1u << 16));
}

/* A host interrupt acknowledged by a VM exit: end it at the LAPIC. */
void plat_end_stray_interrupt(void)
{
	mmio_write32(LAPIC_BASE + LAPIC_EOI, 0);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE, reg);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

void pit_nmi_tick_start(uint64_t period_us)
{
	uint64_t divisor = PIT_HZ * period_us / 1000000ull;
	uint32_t r[4];

	if (divisor < 2)
		divisor = 2;
	if (divisor > 65535)
		divisor = 65535;
	cpuid(1, 0, r);
	uint32_t apic_id = r[1] >> 24;
	/* Redirection entry: delivery mode NMI (100b), physical, edge,
	 * unmasked (IOAPIC datasheet, 3.2.4). */
	ioapic_write(0x11 + 2 * PIT_IOAPIC_PIN, apic_id << 24);
	ioapic_write(0x10 + 2 * PIT_IOAPIC_PIN, (4u << 8) | 2u);
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

	mmio_write32(LAPIC_BASE + LAPIC_TIMER_DIVIDE, 0xB); /* divide by 1 */
	mmio_write32(LAPIC_BASE + LAPIC_LVT_TIMER, 1u << 16);
	mmio_write32(LAPIC_BASE + LAPIC_TIMER_INIT, 0xFFFFFFFFu);
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < sample_tsc)
		cpu_relax();
	uint64_t counted = 0xFFFFFFFFull - mmio_read32(LAPIC_BASE + LAPIC_TIMER_CURRENT);
	uint64_t count = counted * period_us / 10000;

	if (count == 0)
		count = 1;
	if (count > 0xFFFFFFFFull)
		count = 0xFFFFFFFFull;
	mmio_write32(LAPIC_BASE + LAPIC_LVT_TIMER, LAPIC_TICK_VECTOR | LAPIC_TIMER_PERIODIC);
	mmio_write32(LAPIC_BASE + LAPIC_TIMER_INIT, (uint32_t)count);
}

/* Test aid: an NMI to this CPU while the hypervisor runs (LAPIC ICR to
 * its own APIC ID, delivery mode NMI, level assert; SDM 3A 10.6.1). */
void plat_self_nmi(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	mmio_write32(LAPIC_BASE + 0x310, (r[1] >> 24) << 24);
	mmio_write32(LAPIC_BASE + 0x300, (1u << 14) | (4u << 8));
}
