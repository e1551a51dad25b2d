/*
 * The platform's own access to the local APIC and the I/O APIC
 * (arch/x86/apic.c), for the tick (pit_tick.c) and the reset (stop.c).
 */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include <stdint.h>

#include "arch/x86/platform.h"

/* A local APIC register by its xAPIC MMIO offset; in x2APIC mode the MSR
 * 0x800 + offset/16 (SDM 3A 11.12.1.2). */
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
/* The PIT's I/O APIC pin as an NMI to this CPU, or masked. */
void ioapic_route_nmi(void);
void ioapic_mask_pit(void);
/* What plat_machine_setup() found (also before it: the defaults). */
const struct plat_machine *apic_machine(void);

#define LAPIC_EOI 0xB0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LVT_MASKED (1u << 16)

#endif
