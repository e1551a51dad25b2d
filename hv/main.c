/*
 * The arch-neutral entry.  Both boot paths fill a struct boot_info and
 * call hv_prepare() (firmware still present: may fail and return) and
 * then hv_launch() (firmware gone: never returns).  The core's state is
 * composed here, once (hv/vm.h).
 */
#include <string.h>

#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/ckpt.h"
#include "hv/cmdline.h"
#include "hv/guest.h"
#include "hv/hv.h"
#include "hv/machine.h"
#include "hv/control_run.h"
#include "hv/run.h"
#include "hv/wallclock.h"
#include "lib/flight.h"
#include "lib/log.h"

static struct vm vm;

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

static void log_setting_note(void *ctx, const char *msg)
{
	(void)ctx;
	hv_log("%s", msg);
}

/* Test aid simulate=<what> (docs/hardware.md): compiled out without the
 * test aids, like the key. */
static bool simulating(const char *what)
{
#ifdef HV_TEST_AIDS
	return strcmp(vm.set.simulate, what) == 0;
#else
	(void)what;
	return false;
#endif
}

static void read_settings(const char *cmdline)
{
	settings_parse(cmdline, &vm.set, log_setting_note, NULL);
	vm.policy = &policy; /* the build's POLICY */
	if (vm.set.policy[0]) {
		const struct policy_config *p = policy_find(vm.set.policy);
		if (p != NULL)
			vm.policy = p;
		else
			hv_log("policy=%s is not linked in; keeping %s", vm.set.policy, vm.policy->name);
	}
	vm.guest_cmdline = cmdline_guest_part(cmdline);
	plat_set_crash_stop(vm.set.onstop_exit, vm.set.onfault_reset);
	if (simulating("svmdis"))
		plat_simulate_svmdis();
}

/* log_port= (docs/hardware.md) before the first line, so that every line
 * goes to the port chosen.  A chosen port with no UART falls back to
 * COM1 if one answers there (a typo must not silence the log); with no
 * UART at all the log goes to the flight recorder only. */
static void choose_log_port(const char *cmdline)
{
	uint16_t port;
	enum log_port_choice c = settings_log_port(cmdline, &port);

	if (plat_log_select(port)) {
		if (c == LOG_PORT_REFUSED)
			hv_log("log_port refused: not 0x3f8, 0x3e8, 0x2e8 or none (0x2f8 is the "
			       "guest's); using 0x3f8");
		return;
	}
	if (port != 0 && port != SETTINGS_LOG_PORT_COM1 && plat_log_select(SETTINGS_LOG_PORT_COM1))
		hv_log("log_port 0x%x has no UART; the log stays on 0x%x", port,
		       SETTINGS_LOG_PORT_COM1);
}

bool hv_onstop_exit(void)
{
	return vm.set.onstop_exit;
}

const char *hv_prepare_text(enum hv_prepare_result r)
{
	switch (r) {
	case HV_PREPARED:
		return "ok";
	case HV_PREP_NO_BACKEND:
		return "no VMX or SVM";
	case HV_PREP_VIRT_DISABLED:
		return "virtualization disabled in the firmware setup";
	case HV_PREP_NO_GUEST:
		return "no guest image";
	default:
		return "bad guest image";
	}
}

/*
 * The flight recorder (lib/flight.h): reports what the previous boot
 * left in the region the boot path reserved, clears it, and records into
 * it from now on.  The guest can never reach it: EPT/NPT map guest RAM
 * only, a static arena of the image, and the region lies outside it
 * (checked here; refused if not).
 */
static void start_flight(const struct boot_info *bi)
{
	const uint64_t ram = (uint64_t)(uintptr_t)guest_ram();

	if (bi->flight_base == 0) {
		hv_record(LOG_MAJOR, CAT_ALARM, "flight_recorder off why=%s",
			  bi->flight_refused ? bi->flight_refused : "not_reserved");
		return;
	}
	if (boot_ranges_overlap(bi->flight_base, FLIGHT_SIZE, ram, HV_GUEST_RAM_SIZE)) {
		hv_record(LOG_MAJOR, CAT_ALARM, "flight_recorder off why=inside_guest_ram");
		return;
	}
	bool crashed = flight_boot((struct flight_region *)(uintptr_t)bi->flight_base);
	hv_log("flight_recorder at=0x%llx bytes=%llu records=%u guest_ram=0x%llx+0x%llx",
	       (unsigned long long)bi->flight_base, (unsigned long long)FLIGHT_SIZE,
	       FLIGHT_LOG_RECORDS, (unsigned long long)ram, (unsigned long long)HV_GUEST_RAM_SIZE);
	if (crashed && vm.set.crash_test != 0) {
		/* Test aid: crash once, so that a test sees the boot after. */
		hv_log("crash_test skipped: the previous boot crashed (flight record)");
		vm.set.crash_test = 0;
	}
}

/* Hardware virtualization is there but the firmware switched it off: the
 * user can fix that in the setup screen, so say how. */
static enum hv_prepare_result no_backend(void)
{
	if (plat_svm_disabled_by_firmware()) {
		hv_log("ERROR AMD-V is disabled in the firmware (VM_CR.SVMDIS is set): enable SVM "
		       "(\"SVM Mode\", \"AMD-V\") in the firmware setup");
		return HV_PREP_VIRT_DISABLED;
	}
	if (plat_vmx_disabled_by_firmware()) {
		hv_log("ERROR VT-x is disabled in the firmware (IA32_FEATURE_CONTROL locked without "
		       "VMX): enable \"Intel Virtualization Technology\" in the firmware setup");
		return HV_PREP_VIRT_DISABLED;
	}
	hv_log("ERROR no usable hardware virtualization (need VMX with EPT or SVM with NPT)");
	return HV_PREP_NO_BACKEND;
}

enum hv_prepare_result hv_prepare(const struct boot_info *bi)
{
	choose_log_port(bi->cmdline);
	vm.boot = bi;
	hv_log("hypervisor starting boot=%s image=0x%llx+0x%llx cmdline=\"%s\"",
	       boot_path_name[bi->path], (unsigned long long)bi->hv_base,
	       (unsigned long long)bi->hv_size, bi->cmdline);
	read_settings(bi->cmdline);
	start_flight(bi);
	vm.ops = select_backend();
	if (vm.ops == NULL)
		return no_backend();
	hv_log("backend %s selected", vm.ops->name);
	if (bi->guest_image == NULL || bi->guest_size == 0) {
		hv_log("ERROR no guest image was loaded");
		return HV_PREP_NO_GUEST;
	}
	const struct guest_files files = {
		.image = bi->guest_image,
		.image_size = bi->guest_size,
		.initrd = bi->initrd,
		.initrd_size = bi->initrd_size,
	};
	if (!guest_check_image(&files, vm.guest_cmdline))
		return HV_PREP_BAD_GUEST;
	if (bi->initrd != NULL)
		hv_log("initrd %llu bytes kept with the guest image", (unsigned long long)bi->initrd_size);
	return HV_PREPARED;
}

static void log_memory_map(const struct boot_info *bi)
{
	hv_log("memory map: %u ranges (%u dropped), %llu KiB usable", bi->mmap_count,
	       bi->mmap_dropped, (unsigned long long)(boot_mmap_usable_bytes(bi) >> 10));
}

/* The clock, the watchdog, the recovery machine and the rate limits,
 * once the TSC rate is known. */
static void start_clock(uint64_t tsc_hz)
{
	vm_start_clock(&vm, tsc_hz, plat_tsc());
	ckpt_init(&vm, plat_tsc());
	hv_log("tsc %llu Hz, tick %llu us = %llu tsc", (unsigned long long)tsc_hz,
	       (unsigned long long)vm.set.tick_us, (unsigned long long)vm.clk.tick_tsc);
	log_set_clock(vm.boot->entry_tsc, tsc_hz);
	hv_log("watchdog period_ms=%llu k=%u policy=%s", (unsigned long long)vm.set.wd_ms,
	       (unsigned)vm.set.wd_k, vm.policy->name);
}

/* A 64-bit mix (the SplitMix64 finaliser's constants): the boot id only
 * has to differ from boot to boot, and the TSC at boot already does. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Who and when, once (issue 12): the instance's name, a boot id, and the
 * real-time clock read once, so every later record can be placed. */
static void log_identity(void)
{
	struct rtc_raw rtc;
	char wall[WALLCLOCK_TEXT];
	const char *name = vm.set.instance[0] ? vm.set.instance : HV_INSTANCE;

	vm.st.wall_tsc = plat_tsc();
	if (!plat_rtc_read(&rtc) || !wallclock_from_rtc(&rtc, &vm.st.wall_s))
		vm.st.wall_s = 0;
	wallclock_text_at(vm.st.wall_s, vm.st.wall_tsc, vm.clk.tsc_hz, vm.st.wall_tsc, wall);
	vm.st.boot_id = mix64(vm.st.wall_tsc ^ mix64(vm.st.wall_s ^ vm.boot->hv_base));
	hv_log("identity instance=%s boot_id=%016llx wall=%s tsc_hz=%llu", name,
	       (unsigned long long)vm.st.boot_id, wall, (unsigned long long)vm.clk.tsc_hz);
}

/* A failure before the guest exists: end the emulator run if asked to
 * (onstop=exit), else halt. */
static __attribute__((noreturn)) void launch_failed(void)
{
	if (vm.set.onstop_exit)
		plat_emulator_exit(3);
	plat_halt();
}

static void launch_on_own_stack(void)
{
	const char *why = "";
	struct machine_facts mach = { 0 }; /* this frame lives as long as the run */

	if (vm.set.x2apic_test) /* test aid: as a firmware may leave the APIC */
		hv_log("x2apic_test: %s", plat_enter_x2apic() ? "local APIC put in x2APIC mode"
							     : "this CPU has no x2APIC");
	plat_take_over_cpu();
	log_memory_map(vm.boot);
	machine_take(vm.boot, vm.set.acpi_off, &mach);
	if (!machine_calibrate_tsc(&mach))
		launch_failed();
	start_clock(mach.tsc.hz);
	machine_log_summary(&mach);
	log_identity();
	vm_hw_watchdog_start(&vm);
	vm.stub.generation = 1;
	vm_seal_pristine(&vm);
	vm_build_guest(&vm, NULL);
	vm.cfg.msr_pass = msr_pass_list;
	vm.cfg.msr_pass_count = msr_pass_count;
	vm.cfg.test_break = (enum vcpu_test_break)vm.set.test_break;
	vm.msr.apic_base = plat_apic_base_msr();
	dev_reset(&vm.dev, vm.cfg.com2_emulated, vm.clk.tsc_hz, plat_tsc());
	if (simulating("setup_fail"))
		why = "simulate=setup_fail (test aid)";
	else if (vm.ops->init(&vm.cfg, &why))
		why = NULL;
	if (why != NULL) {
		/* The firmware is gone: halt (exit the emulator only with onstop=exit). */
		hv_log("ERROR %s setup failed: %s; halting", vm.ops->name, why);
		launch_failed();
	}
	vm.clk.launch_tsc = plat_tsc();
	vm.clk.next_tick_tsc = vm.clk.launch_tsc + vm.clk.tick_tsc;
	vm.regs.rdi = vm.cfg.entry_rdi;
	vm.regs.rsi = vm.cfg.entry_rsi;
	hv_log("launching guest entry=0x%llx ram=%llu KiB boot-to-guest tsc=%llu (since hv entry %llu)",
	       (unsigned long long)vm.cfg.entry_rip, (unsigned long long)(vm.cfg.ram_size >> 10),
	       (unsigned long long)vm.clk.launch_tsc,
	       (unsigned long long)(vm.clk.launch_tsc - vm.boot->entry_tsc));
	wd_restart(&vm.wd, vm.clk.launch_tsc);
	recovery_start(&vm.rc, vm.clk.launch_tsc);
	vm_control_init(&vm, vm.clk.launch_tsc);
	vm.st.prev_tsc = vm.clk.launch_tsc;
	vm.st.next_tsc = vm.clk.launch_tsc + vm_ms_to_tsc(&vm, vm.set.stat_ms);
	vm_run_loop(&vm);
}

void hv_launch(void)
{
	plat_run_on_own_stack(launch_on_own_stack);
}
