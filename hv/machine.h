/*
 * The host machine, found once at launch (glue, hv/machine.c): the ACPI
 * tables, the interrupt controllers the platform then drives, the other
 * CPUs (parked), and the TSC rate with its cross-check (hv/tsc_check.h).
 * docs/design.md, "The host machine".
 */
#ifndef HV_MACHINE_H
#define HV_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/platform.h"
#include "hv/bootinfo.h"
#include "hv/tsc_check.h"

struct machine_facts {
	const struct plat_machine *plat;
	bool acpi_ok;
	const char *acpi;      /* "ok", or why there is none */
	uint32_t cpus;         /* enabled CPUs in the MADT; 0: unknown */
	uint32_t aps_parked;   /* INIT sent to this many; all but this CPU */
	bool hpet;
	uint64_t hpet_addr;
	struct plat_tsc_refs refs;
	struct tsc_choice tsc;
};

/* After plat_take_over_cpu(): walks ACPI (unless acpi_off), sets the
 * platform up from it, parks the other CPUs; logs what it found and did. */
void machine_take(const struct boot_info *bi, bool acpi_off, struct machine_facts *f);
/* Measures the TSC against every reference and decides (logged); false
 * if no rate can be trusted. */
bool machine_calibrate_tsc(struct machine_facts *f);
/* The one-line summary: `machine cpus=.. apic=.. ioapic=.. ...`. */
void machine_log_summary(const struct machine_facts *f);

#endif
