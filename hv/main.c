/*
 * The arch-neutral entry.  Both boot paths fill a struct boot_info and
 * call hv_prepare() (firmware still present: may fail and return) and
 * then hv_launch() (firmware gone: never returns).
 */
#include <string.h>

#include "../arch/x86/platform.h"
#include "../include/hv_abi.h"
#include "cmdline.h"
#include "hv.h"
#include "log.h"
#include "recovery.h"

struct hv_state hv;
bool crash_exit_emulator, crash_reset_machine;

static const struct vcpu_ops *const backends[] = { &vmx_ops, &svm_ops };

static const char *const boot_path_name[] = {
	[BOOT_PATH_UEFI] = "uefi",
	[BOOT_PATH_MULTIBOOT2] = "multiboot2",
};

static const struct vcpu_ops *select_backend(void)
{
	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const char *why = "";
		if (backends[i]->probe(&why))
			return backends[i];
		hv_log("backend %s unavailable: %s", backends[i]->name, why);
	}
	return NULL;
}

static void read_settings(const char *cmdline)
{
	hv.tick_us = cmdline_get_u64(cmdline, "tick_us", HV_DEFAULT_TICK_US);
	if (hv.tick_us < 100 || hv.tick_us > 50000) {
		hv_log("tick_us=%llu out of range 100..50000, using %u",
		       (unsigned long long)hv.tick_us, HV_DEFAULT_TICK_US);
		hv.tick_us = HV_DEFAULT_TICK_US;
	}
	hv.ticklog = cmdline_get_u64(cmdline, "ticklog", HV_DEFAULT_TICKLOG);
	hv.maxticks = cmdline_get_u64(cmdline, "maxticks", 0);
	hv.wd.period_ms = cmdline_get_u64(cmdline, "wd_ms", HV_WATCHDOG_MS);
	if (hv.wd.period_ms > 10000) { /* 0 turns the watchdog off */
		hv_log("wd_ms=%llu out of range 0..10000, using %u", (unsigned long long)hv.wd.period_ms,
		       HV_WATCHDOG_MS);
		hv.wd.period_ms = HV_WATCHDOG_MS;
	}
	hv.wd.k = (uint32_t)cmdline_get_u64(cmdline, "wd_k", HV_WATCHDOG_K);
	if (hv.wd.k < 1 || hv.wd.k > 100)
		hv.wd.k = HV_WATCHDOG_K;
	hv.wd.platform_every = cmdline_get_u64(cmdline, "platform_nmi", 0);
	hv.crash_test_tick = cmdline_get_u64(cmdline, "crash_test", 0);
	hv.self_nmi_tick = cmdline_get_u64(cmdline, "self_nmi", 0);
	char name[24];
	if (cmdline_get(cmdline, "policy", name, sizeof(name))) {
		const struct policy_config *p = policy_find(name);
		if (p != NULL)
			active_policy = p;
		else
			hv_log("policy=%s is not linked in; keeping %s", name, active_policy->name);
	}
	char onfault[8];
	crash_reset_machine = cmdline_get(cmdline, "onfault", onfault, sizeof(onfault)) &&
			      strcmp(onfault, "reset") == 0;
	char onstop[8];
	hv.exit_emulator_on_stop = cmdline_get(cmdline, "onstop", onstop, sizeof(onstop)) &&
				   strcmp(onstop, "exit") == 0;
	crash_exit_emulator = hv.exit_emulator_on_stop;
}

const char *hv_prepare(const struct boot_info *bi)
{
	uart_init();
	hv.boot = bi;
	hv_log("hypervisor starting boot=%s image=0x%llx+0x%llx cmdline=\"%s\"",
	       boot_path_name[bi->path], (unsigned long long)bi->hv_base,
	       (unsigned long long)bi->hv_size, bi->cmdline);
	read_settings(bi->cmdline);
	hv.ops = select_backend();
	if (hv.ops == NULL) {
		hv_log("ERROR no usable hardware virtualization (need VMX with EPT or SVM with NPT)");
		return "no VMX or SVM";
	}
	hv_log("backend %s selected", hv.ops->name);
	if (bi->guest_image == NULL || bi->guest_size == 0) {
		hv_log("ERROR no guest image was loaded");
		return "no guest image";
	}
	if (!guest_check_image(bi->guest_image, bi->guest_size))
		return "bad guest image";
	return NULL;
}

static void log_memory_map(const struct boot_info *bi)
{
	hv_log("memory map: %u ranges (%u dropped), %llu KiB usable", bi->mmap_count,
	       bi->mmap_dropped, (unsigned long long)(boot_mmap_usable_bytes(bi) >> 10));
}

uint64_t hv_ms_to_tsc(uint64_t ms)
{
	return hv.tsc_hz / 1000 * ms;
}

uint64_t hv_now_ms(void)
{
	return (plat_tsc() - hv.launch_tsc) / (hv.tsc_hz / 1000);
}

static void launch_on_own_stack(void)
{
	struct vcpu_config *cfg = &hv.cfg;
	const char *why = "";
	uint32_t vendor = hv.ops == &vmx_ops ? HVG_VENDOR_VMX : HVG_VENDOR_SVM;

	plat_take_over_cpu();
	log_memory_map(hv.boot);
	hv.tsc_hz = plat_calibrate_tsc();
	hv.tick_tsc = hv.tsc_hz * hv.tick_us / 1000000;
	if (hv.tick_tsc == 0)
		hv.tick_tsc = 1;
	hv_log("tsc %llu Hz, tick %llu us = %llu tsc", (unsigned long long)hv.tsc_hz,
	       (unsigned long long)hv.tick_us, (unsigned long long)hv.tick_tsc);
	log_set_clock(hv.boot->entry_tsc, hv.tsc_hz);
	watchdog_init(hv.wd.period_ms, hv.wd.k);
	hv_log("watchdog period_ms=%llu k=%u policy=%s", (unsigned long long)hv.wd.period_ms, hv.wd.k,
	       active_policy->name);
	hv.generation = 1;
	guest_build(hv.boot->guest_image, hv.boot->guest_size, cmdline_guest_part(hv.boot->cmdline),
		    vendor, hv.generation, cfg);
	if (!hv.ops->init(cfg, &why)) {
		hv_log("ERROR %s setup failed: %s", hv.ops->name, why);
		plat_emulator_exit(3);
		plat_halt();
	}
	hv.launch_tsc = plat_tsc();
	hv.next_tick_tsc = hv.launch_tsc + hv.tick_tsc;
	hv.regs.rdi = cfg->entry_rdi;
	hv_log("launching guest entry=0x%llx ram=%llu KiB boot-to-guest tsc=%llu (since hv entry %llu)",
	       (unsigned long long)cfg->entry_rip, (unsigned long long)(cfg->ram_size >> 10),
	       (unsigned long long)hv.launch_tsc,
	       (unsigned long long)(hv.launch_tsc - hv.boot->entry_tsc));
	watchdog_reset();
	recovery_first_boot();
	hv_run_loop();
}

void hv_launch(void)
{
	plat_run_on_own_stack(launch_on_own_stack);
}
