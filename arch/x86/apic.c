/*
 * The local APIC (xAPIC through MMIO, or x2APIC through MSRs when the
 * firmware left it in that mode), the I/O APIC, and the application
 * processors.  Addresses and the PIT's I/O APIC pin come from ACPI when
 * the core found it (plat_machine_setup), else from the PC defaults.
 */
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/apic.h"
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode (SDM 3A 11.12.1) */
#define APIC_BASE_ADDR_MASK 0xFFFFFF000ull
#define X2APIC_MSR_BASE 0x800u      /* MSR = 0x800 + (MMIO offset >> 4), SDM 3A 11.12.1.2 */
#define X2APIC_ICR_MSR 0x830u
#define LAPIC_ID 0x20
#define LAPIC_SVR 0xF0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_LINT0 0x350
#define ICR_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_DM_NMI (4u << 8)
#define ICR_DM_INIT (5u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)

/* The PC defaults, used when there is no MADT (Multiboot2 under Bochs). */
#define DEFAULT_IOAPIC 0xFEC00000ull
#define DEFAULT_PIT_PIN 2 /* ISA IRQ0 is overridden to GSI 2 on PC platforms */
/* The host identity map keeps 3-4 GiB uncached (cpu.c): APIC registers
 * must lie there. */
#define UNCACHED_LO 0xC0000000ull
#define UNCACHED_HI 0x100000000ull

static struct plat_machine m = {
	.ioapic_addr = DEFAULT_IOAPIC,
	.pit_pin = DEFAULT_PIT_PIN,
	.ioapic_from = "default",
};
static uint64_t lapic_mmio = 0xFEE00000ull;
/* For the LAPIC timer's handler (isr.S): how to send the EOI. */
uint8_t lapic_eoi_by_msr;
uint64_t lapic_eoi_mmio = 0xFEE00000ull + 0xB0;

static void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

uint32_t lapic_read(uint32_t reg)
{
	if (m.x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return mmio_read32(lapic_mmio + reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
	if (m.x2apic)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), v);
	else
		mmio_write32(lapic_mmio + reg, v);
}

/* An IPI: in x2APIC mode one 64-bit ICR write with the 32-bit destination
 * in bits 63:32 (SDM 3A 11.12.9); in xAPIC mode the high half (8-bit
 * destination in 31:24) first, since the low write sends it (11.6.1). */
static void lapic_send_ipi(uint32_t dest, uint32_t low)
{
	if (m.x2apic) {
		wrmsr(X2APIC_ICR_MSR, ((uint64_t)dest << 32) | low);
		return;
	}
	mmio_write32(lapic_mmio + LAPIC_ICR_HI, dest << 24);
	mmio_write32(lapic_mmio + LAPIC_ICR_LO, low);
	for (unsigned i = 0; i < 1000000 && (mmio_read32(lapic_mmio + LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

/* This CPU's APIC ID: 32 bits in x2APIC mode, bits 31:24 in xAPIC mode. */
static uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return m.x2apic ? id : id >> 24;
}

/* The hypervisor owns the interrupt controllers.  Nothing but its own
 * tick may interrupt: mask the 8259 (so nothing reaches LINT0 as ExtINT),
 * the LAPIC timer and LINT0, and move the LAPIC spurious vector out of
 * the exception range (OVMF leaves it at 0x0F). */
void plat_quiesce_interrupts(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	m.x2apic = (base & APIC_BASE_EXTD) != 0;
	if ((base & APIC_BASE_ADDR_MASK) >= UNCACHED_LO && (base & APIC_BASE_ADDR_MASK) < UNCACHED_HI)
		lapic_mmio = base & APIC_BASE_ADDR_MASK;
	m.apic_id = lapic_id();
	lapic_eoi_by_msr = m.x2apic;
	lapic_eoi_mmio = lapic_mmio + LAPIC_EOI;
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	lapic_write(LAPIC_SVR, 0x1FF);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, lapic_read(LAPIC_LVT_LINT0) | LVT_MASKED);
}

/* A host interrupt acknowledged by a VM exit: end it at the LAPIC (in
 * x2APIC mode the EOI MSR takes 0 only, SDM 3A 11.12.1.2). */
void plat_end_stray_interrupt(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(m.ioapic_addr, reg);
	mmio_write32(m.ioapic_addr + 0x10, v);
}

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(m.ioapic_addr, reg);
	return mmio_read32(m.ioapic_addr + 0x10);
}

/* Redirection entry `pin`: delivery mode NMI (100b), physical destination
 * this CPU, edge, unmasked (82093AA I/O APIC datasheet, 3.2.4). */
void ioapic_route_nmi(void)
{
	ioapic_write(0x11 + 2 * m.pit_pin, m.apic_id << 24);
	ioapic_write(0x10 + 2 * m.pit_pin, (4u << 8) | 2u);
}

void ioapic_mask_pit(void)
{
	ioapic_write(0x10 + 2 * m.pit_pin, LVT_MASKED);
}

/* The I/O APIC the MADT names, if its registers lie where the host map
 * keeps memory uncached and it has the pin IRQ0 reaches (the version
 * register's bits 23:16 give the last redirection entry). */
static void take_ioapic(const struct acpi_info *a)
{
	if (!a->madt || a->ioapics == 0) {
		m.ioapic_from = "default_no_madt";
		return;
	}
	if (a->ioapic_addr < UNCACHED_LO || a->ioapic_addr >= UNCACHED_HI - 0x20 ||
	    a->irq0_gsi < a->ioapic_gsi_base) {
		m.ioapic_from = "default_madt_unusable";
		return;
	}
	uint64_t saved = m.ioapic_addr;
	m.ioapic_addr = a->ioapic_addr;
	uint32_t pin = a->irq0_gsi - a->ioapic_gsi_base;
	if (pin > ((ioapic_read(1) >> 16) & 0xFF)) {
		m.ioapic_addr = saved;
		m.ioapic_from = "default_madt_unusable";
		return;
	}
	m.pit_pin = pin;
	m.ioapic_from = "acpi";
}

const struct plat_machine *apic_machine(void)
{
	return &m;
}

/* The FADT's reset register, if it has one the platform can write: I/O
 * space, or memory in the uncached 3-4 GiB window of the host map. */
static void take_reset(const struct acpi_info *a)
{
	const struct acpi_gas *g = &a->reset_reg;

	if (!a->reset_supported)
		return;
	if (g->space == ACPI_SPACE_MEMORY && (g->address < UNCACHED_LO || g->address >= UNCACHED_HI))
		return;
	m.acpi_reset = true;
	m.reset_reg = *g;
	m.reset_value = a->reset_value;
}

const struct plat_machine *plat_machine_setup(const struct acpi_info *a)
{
	if (a == NULL) {
		m.ioapic_from = "default_no_acpi";
		return &m;
	}
	take_ioapic(a);
	take_reset(a);
	m.pm_timer_port = a->pm_timer_port;
	m.pm_timer_32bit = a->pm_timer_32bit;
	return &m;
}

/*
 * Every other CPU to wait-for-SIPI: an INIT IPI to all excluding self,
 * level assert (SDM 3A 11.6.1; no de-assert IPI on processors after the
 * Pentium 4, SDM 3A 10.4.4.1).  An AP in that state runs nothing until a
 * SIPI, which only the local APIC of this CPU, the hypervisor's, could
 * send; the guest has no APIC.  INIT is not blocked on an AP that is not
 * in VMX operation or SMM (SDM 3C 24.8), which no firmware leaves it in.
 *
 * Then an NMI to the same CPUs.  Hardware takes an INIT in HLT at once
 * and holds the NMI in wait-for-SIPI; QEMU TCG (7.2) leaves a halted CPU
 * halted on a pending INIT alone (measured: the APs stayed in SeaBIOS's
 * HLT loop), and the NMI wakes it to process the INIT first, which
 * drops the NMI.
 */
void plat_park_aps(void)
{
	lapic_send_ipi(0, ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_DM_INIT);
	lapic_send_ipi(0, ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_DM_NMI);
}

/* Test aid (x2apic_test=1): x2APIC mode, as a firmware may leave it.
 * From xAPIC mode (EN=1) setting EXTD is a valid transition (SDM 3A
 * 11.12.5).  False if CPUID.1:ECX.x2APIC[21] is clear. */
bool plat_enter_x2apic(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 21)))
		return false;
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	return true;
}

/* Test aid: an NMI to this CPU while the hypervisor runs (ICR to its own
 * APIC ID, delivery mode NMI, level assert; SDM 3A 11.6.1). */
void plat_self_nmi(void)
{
	lapic_send_ipi(m.apic_id, ICR_LEVEL_ASSERT | ICR_DM_NMI);
}
