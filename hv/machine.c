/*
 * The host machine at launch (hv/machine.h): glue between the pure ACPI
 * walk (lib/acpi.h), the platform that drives the interrupt controllers
 * and the other CPUs, and the pure TSC decision (hv/tsc_check.h).
 */
#include "hv/machine.h"

#include <stdio.h>

#include "lib/log.h"

static const char *apic_mode(const struct plat_machine *p)
{
	return p->x2apic ? "x2apic" : "xapic";
}

static void walk_acpi(const struct boot_info *bi, struct acpi_info *a, struct machine_facts *f)
{
	if (bi->acpi_rsdp_len == 0) {
		f->acpi = "no_rsdp";
		hv_log("acpi none: the boot path found no RSDP; using the PC defaults");
		return;
	}
	enum acpi_status st = acpi_walk(bi->acpi_rsdp, bi->acpi_rsdp_len, plat_phys_map, NULL, a);
	f->acpi = acpi_status_text(st);
	f->acpi_ok = st == ACPI_OK;
	if (st != ACPI_OK) {
		hv_log("acpi refused from=%s: %s; using the PC defaults", bi->acpi_from, f->acpi);
		return;
	}
	hv_log("acpi from=%s revision=%u root=%s tables=%u bad=%u madt=%u fadt=%u hpet=%u",
	       bi->acpi_from, a->revision, a->xsdt ? "xsdt" : "rsdt", a->tables, a->bad_tables,
	       a->madt, a->fadt, a->hpet);
	if (a->madt)
		hv_log("acpi madt cpus=%u disabled=%u x2apic_entries=%u lapic=0x%llx ioapics=%u "
		       "ioapic=0x%llx gsi_base=%u irq0_gsi=%u%s",
		       a->cpus, a->cpus_disabled, a->x2apic_entries, (unsigned long long)a->lapic_addr,
		       a->ioapics, (unsigned long long)a->ioapic_addr, a->ioapic_gsi_base, a->irq0_gsi,
		       a->irq0_override ? " (override)" : "");
	f->cpus = a->madt ? a->cpus : 0;
	f->hpet = a->hpet;
	f->hpet_addr = a->hpet_addr;
}

void machine_take(const struct boot_info *bi, bool acpi_off, struct machine_facts *f)
{
	struct acpi_info a; /* on the hypervisor's own stack: only its facts are kept */

	if (acpi_off) {
		f->acpi = "off";
		hv_log("acpi ignored: acpi=off on the command line; using the PC defaults");
	} else {
		walk_acpi(bi, &a, f);
	}
	f->plat = plat_machine_setup(f->acpi_ok ? &a : NULL);
	plat_park_aps();
	f->aps_parked = f->cpus > 1 ? f->cpus - 1 : 0;
	if (f->cpus == 0)
		hv_log("aps parked: INIT sent to all but this CPU (how many there are is unknown "
		       "without a MADT)");
	else
		hv_log("aps parked=%u: INIT sent to all but this CPU (apic_id=%u); they wait for a "
		       "SIPI that never comes", f->aps_parked, f->plat->apic_id);
}

/* Two references that disagree are measured again, up to this many
 * rounds in all: a busy host can still disturb a clean-looking window. */
#define TSC_ROUNDS 5

static void measure_and_choose(struct machine_facts *f)
{
	plat_measure_tsc(&f->refs);
	const struct tsc_refs r = { f->refs.pit_hz, f->refs.pm_hz, f->refs.cpuid_hz };
	f->tsc = tsc_choose(&r);
	hv_record(f->tsc.cpuid_disagrees ? LOG_MINOR : LOG_INFO, CAT_LOG,
		  "tsc_check pit_hz=%llu%s pm_timer_hz=%llu cpuid_hz=%llu cpuid_leaf=%s "
		  "retries=%u chosen=%llu source=%s verdict=%s%s",
		  (unsigned long long)f->refs.pit_hz, f->refs.pit_timed_out ? " (unmeasured)" : "",
		  (unsigned long long)f->refs.pm_hz, (unsigned long long)f->refs.cpuid_hz,
		  f->refs.cpuid_leaf, f->refs.retries, (unsigned long long)f->tsc.hz,
		  f->tsc.source, f->tsc.verdict, f->tsc.cpuid_disagrees ? " cpuid=disagrees" : "");
}

bool machine_calibrate_tsc(struct machine_facts *f)
{
	for (unsigned i = 0; i < TSC_ROUNDS; i++) {
		measure_and_choose(f);
		if (f->tsc.ok)
			break;
	}
	if (!f->tsc.ok)
		hv_record(LOG_EMERG, CAT_ALARM,
			  "ERROR tsc calibration refused (%s): no TSC rate can be trusted; not "
			  "starting the guest", f->tsc.verdict);
	return f->tsc.ok;
}

void machine_log_summary(const struct machine_facts *f)
{
	const struct plat_machine *p = f->plat;
	char reset[48] = "cf9";

	if (p->acpi_reset)
		snprintf(reset, sizeof(reset), "acpi_%s:0x%llx=0x%x",
			 p->reset_reg.space == ACPI_SPACE_IO ? "io" : "mem",
			 (unsigned long long)p->reset_reg.address, p->reset_value);
	hv_log("machine cpus=%u aps_parked=%u apic=%s apic_id=%u ioapic=0x%llx ioapic_from=%s "
	       "pit_pin=%u pm_timer=0x%x hpet=0x%llx reset=%s acpi=%s tsc_hz=%llu tsc_source=%s "
	       "tsc_check=%s%s",
	       f->cpus, f->aps_parked, apic_mode(p), p->apic_id, (unsigned long long)p->ioapic_addr,
	       p->ioapic_from, p->pit_pin, p->pm_timer_port,
	       (unsigned long long)(f->hpet ? f->hpet_addr : 0), reset, f->acpi,
	       (unsigned long long)f->tsc.hz, f->tsc.source, f->tsc.verdict,
	       f->tsc.cpuid_disagrees ? "_cpuid_disagrees" : "");
}
