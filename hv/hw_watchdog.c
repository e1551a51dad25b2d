/*
 * The chipset's hardware watchdog, the core's side (docs/hardware.md):
 * armed once the hypervisor owns the machine, fed by every tick (run.c),
 * and, at boot, the reason the previous boot ended if it was its reset.
 */
#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "lib/log.h"

void vm_hw_watchdog_start(struct vm *vm)
{
	struct plat_hw_wd wd;
	bool armed = plat_hw_watchdog_start((uint32_t)vm->set.hw_wd_ms, &wd);

	if (wd.previous_timeout) {
		hv_record(LOG_MAJOR, CAT_ALARM, "hw_watchdog_reset previous_boot=reset_by_chipset_watchdog "
			  "why=\"the hypervisor stopped feeding the TCO timer (hung, or halted after a crash)\"");
		if (vm->set.hang_test != 0) {
			hv_log("hang_test skipped: the previous boot was reset by the hardware watchdog");
			vm->set.hang_test = 0;
		}
	}
	if (armed)
		hv_log("hw_watchdog armed chipset=%s tco=0x%x timeout_ms=%u no_reboot=%s", wd.chipset,
		       wd.tco_base, wd.timeout_ms, wd.no_reboot);
	else
		hv_log("no hardware watchdog: %s (00:1f.0 id=%08x)", wd.why_not, wd.pci_id);
}
