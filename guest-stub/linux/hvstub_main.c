// SPDX-License-Identifier: GPL-2.0
/*
 * hvstub: the guest stub as a Linux kernel module (docs/hypercalls.md,
 * "The Linux stub module").  On load it checks that it runs under the
 * watchdog hypervisor, learns its boot generation, the reason for the last
 * restart and the hypervisor's settings (HC_INFO), hooks the NMI, die and
 * panic paths, then says hello with a page of its own as the shared page,
 * and registers a second page as its checkpoint ring (hvstub_ckpt.c).
 * What it learned is shown read-only under /sys/module/hvstub/parameters/
 * and in one kernel log line.  Under a policy for guests without a stub
 * (`hello none`, policy=linux) it declines to load.
 *
 * There is no goodbye in ABI version 1: once the stub has said hello, the
 * hypervisor sends heartbeat NMIs for the rest of the boot generation and
 * finds the guest hung if nobody answers them.  So the module has no exit
 * function, which makes Linux refuse to unload it.
 */
#include <linux/crash_core.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include <asm/processor.h>

#include "hvstub.h"

bool hvstub_vmmcall;
struct hv_shared_page *hvstub_shared;
unsigned long long hvstub_generation;
bool hvstub_up;

/* What HC_INFO said at load (module parameters, read-only). */
static unsigned long long abi_version, restart_reason, wd_ms, wd_k, tick_us, hello_deadline_ms;
static unsigned long long shared_page_gpa;

static const char *const restart_reason_names[HV_RESTART_REASON_COUNT] = {
	[HV_RESTART_NONE] = "none",
	[HV_RESTART_REBOOT] = "reboot",
	[HV_RESTART_EXCEPTION] = "exception",
	[HV_RESTART_PANIC] = "panic",
	[HV_RESTART_LOW_MEMORY] = "low_memory",
	[HV_RESTART_ASSERT] = "assert",
	[HV_RESTART_BAD_REPORT] = "bad_report",
	[HV_RESTART_HANG] = "hang",
	[HV_RESTART_SOFT_LOCKUP] = "soft_lockup",
	[HV_RESTART_TRIPLE_FAULT] = "triple_fault",
	[HV_RESTART_MEM_VIOLATION] = "mem_violation",
	[HV_RESTART_STUB_SILENT] = "stub_silent",
	[HV_RESTART_BLOCKED_IO] = "blocked_io",
	[HV_RESTART_BLOCKED_MSR] = "blocked_msr",
	[HV_RESTART_UNHANDLED_EXIT] = "unhandled_exit",
	[HV_RESTART_ENTRY_FAILED] = "entry_failed",
	[HV_RESTART_OPERATOR] = "operator",
};

const char *hvstub_restart_reason_name(unsigned long long r)
{
	return r < HV_RESTART_REASON_COUNT && restart_reason_names[r] ? restart_reason_names[r]
								      : "unknown";
}

/*
 * Read-only parameters: no .set, so "insmod hvstub.ko generation=5" or a
 * write under /sys is refused instead of overwriting what the hypervisor
 * said (a NULL .set would crash the kernel's parser instead).
 */
static int param_refuse(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops ro_ullong = {
	.set = param_refuse,
	.get = param_get_ullong,
};

static int get_hex(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "0x%llx\n", *(unsigned long long *)kp->arg);
}

static const struct kernel_param_ops ro_hex = {
	.set = param_refuse,
	.get = get_hex,
};

static u64 info(enum hv_info what);

/*
 * The generation and the restart reason are read live once the stub is
 * up, not only at load: a snapshot restart or a rollback by the policy
 * (docs/checkpoints.md) brings back a kernel, this module included, whose
 * memory holds what an earlier boot generation read, and no load runs
 * again.  Kept in the variables too, for the fault report.
 */
static void refresh(void)
{
	u64 g;

	if (!READ_ONCE(hvstub_up))
		return;
	g = info(HV_INFO_GENERATION);
	if (g != 0) /* 0: the call failed (generations start at 1) */
		WRITE_ONCE(hvstub_generation, g);
	WRITE_ONCE(restart_reason, info(HV_INFO_RESTART_REASON));
}

static int get_generation(char *buf, const struct kernel_param *kp)
{
	refresh();
	return sysfs_emit(buf, "%llu\n", READ_ONCE(hvstub_generation));
}

static const struct kernel_param_ops ro_generation = {
	.set = param_refuse,
	.get = get_generation,
};

static int get_reason(char *buf, const struct kernel_param *kp)
{
	refresh();
	return sysfs_emit(buf, "%s\n", hvstub_restart_reason_name(READ_ONCE(restart_reason)));
}

static const struct kernel_param_ops ro_reason = {
	.set = param_refuse,
	.get = get_reason,
};

static int get_insn(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", hvstub_vmmcall ? "vmmcall" : "vmcall");
}

static const struct kernel_param_ops ro_insn = {
	.set = param_refuse,
	.get = get_insn,
};

module_param_cb(abi_version, &ro_ullong, &abi_version, 0444);
MODULE_PARM_DESC(abi_version, "HV_ABI_VERSION the hypervisor answered to the hello");
module_param_cb(generation, &ro_generation, &hvstub_generation, 0444);
MODULE_PARM_DESC(generation, "boot generation: 1 at first boot, +1 per restart");
module_param_cb(restart_reason, &ro_reason, &restart_reason, 0444);
MODULE_PARM_DESC(restart_reason, "why this generation started (none = first boot)");
module_param_cb(wd_ms, &ro_ullong, &wd_ms, 0444);
MODULE_PARM_DESC(wd_ms, "the hypervisor's NMI watchdog period, ms");
module_param_cb(wd_k, &ro_ullong, &wd_k, 0444);
MODULE_PARM_DESC(wd_k, "unanswered periods that make a hang");
module_param_cb(tick_us, &ro_ullong, &tick_us, 0444);
MODULE_PARM_DESC(tick_us, "the hypervisor's tick, us");
module_param_cb(hello_deadline_ms, &ro_ullong, &hello_deadline_ms, 0444);
MODULE_PARM_DESC(hello_deadline_ms, "the policy's hello deadline, ms (0: none)");
module_param_cb(shared_page, &ro_hex, &shared_page_gpa, 0444);
MODULE_PARM_DESC(shared_page, "guest-physical address of the shared page");
module_param_cb(hypercall, &ro_insn, NULL, 0444);
MODULE_PARM_DESC(hypercall, "the hypercall instruction (by CPU vendor)");
module_param_cb(heartbeats, &ro_ullong, &hvstub_heartbeats, 0444);
MODULE_PARM_DESC(heartbeats, "hypervisor NMIs acknowledged");
module_param_cb(platform_nmis, &ro_ullong, &hvstub_platform_nmis, 0444);
MODULE_PARM_DESC(platform_nmis, "NMIs passed on to Linux (not the hypervisor's)");
module_param_cb(reports, &ro_ullong, &hvstub_reports, 0444);
MODULE_PARM_DESC(reports, "fault reports the hypervisor accepted");
module_param_cb(commands_run, &ro_ullong, &hvstub_commands_run, 0444);
MODULE_PARM_DESC(commands_run, "commands run with result 0");
module_param_cb(commands_failed, &ro_ullong, &hvstub_commands_failed, 0444);
MODULE_PARM_DESC(commands_failed, "commands that could not run (result other than 0)");

/* The hypervisor's signature in CPUID leaf 0x40000000: anywhere else a
 * hypercall would raise #UD. */
static bool under_watchdog_hv(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(HV_CPUID_LEAF, &eax, &ebx, &ecx, &edx);
	return ebx == HV_CPUID_SIG_EBX && ecx == HV_CPUID_SIG_ECX && edx == HV_CPUID_SIG_EDX;
}

static u64 info(enum hv_info what)
{
	u64 v = 0;

	if (hvstub_call(HC_INFO, what, 0, &v) != HV_OK)
		return 0;
	return v;
}

/*
 * Where this kernel keeps its VMCOREINFO ELF note (the address and size
 * /sys/kernel/vmcoreinfo shows), so that a dump carries it and hvdump can
 * write it into the core for makedumpfile and crash (docs/dumps.md).
 * Not fatal: without it a dump is only harder to read.
 */
static void register_vmcoreinfo(void)
{
#ifdef CONFIG_CRASH_CORE
	u64 gpa = paddr_vmcoreinfo_note();
	long st = hvstub_call3(HC_DUMP, HV_DUMP_VMCOREINFO, gpa, VMCOREINFO_NOTE_SIZE, NULL);

	pr_info("hvstub: vmcoreinfo gpa=0x%llx bytes=%lu status=%ld\n", gpa,
		(unsigned long)VMCOREINFO_NOTE_SIZE, st);
#endif
}

static int __init hvstub_init(void)
{
	unsigned long page;
	u64 abi = 0;
	long st;
	int err;

	if (!under_watchdog_hv()) {
		pr_err("hvstub: not running under the watchdog hypervisor (CPUID 0x%x)\n",
		       HV_CPUID_LEAF);
		return -ENODEV;
	}
	hvstub_vmmcall = boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
			 boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;

	hvstub_generation = info(HV_INFO_GENERATION);
	restart_reason = info(HV_INFO_RESTART_REASON);
	wd_ms = info(HV_INFO_WATCHDOG_MS);
	wd_k = info(HV_INFO_WATCHDOG_K);
	tick_us = info(HV_INFO_TICK_US);
	hello_deadline_ms = info(HV_INFO_HELLO_DEADLINE_MS);
	/* A policy with `hello none` is for a guest without a stub: its
	 * rules expect no heartbeats, so the stub stays out of its way. */
	if (hello_deadline_ms == 0) {
		pr_info("hvstub: the hypervisor's policy expects no stub (hello none): not loading\n");
		return -ENODEV;
	}

	/* A page of the kernel's direct map: its guest-physical address is
	 * what the hypervisor writes through, its virtual one what we read. */
	page = get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	hvstub_shared = (struct hv_shared_page *)page;
	shared_page_gpa = virt_to_phys(hvstub_shared);

	/* The NMI handler first: from the hello on, the hypervisor sends NMIs. */
	hvstub_nmi_reset();
	hvstub_report_reset();
	hvstub_cmd_reset();
	err = hvstub_nmi_register();
	if (err)
		goto free_page;
	err = hvstub_report_register();
	if (err)
		goto nmi;

	st = hvstub_call(HC_HELLO, HVSTUB_LINUX_VERSION, shared_page_gpa, &abi);
	if (st != HV_OK) {
		pr_err("hvstub: hello refused: status %ld\n", st);
		err = -EIO;
		goto report;
	}
	WRITE_ONCE(hvstub_up, true);
	abi_version = abi;
	/* A snapshot restart resumes the kernel right after the hello's
	 * VMCALL, in a new boot generation: what was read above is the
	 * snapshot's. */
	refresh();
	register_vmcoreinfo();
	pr_info("hvstub: hello abi=%llu generation=%llu restart_reason=%s wd_ms=%llu wd_k=%llu "
		"tick_us=%llu hello_deadline_ms=%llu shared_page=0x%llx hypercall=%s\n",
		abi_version, hvstub_generation, hvstub_restart_reason_name(restart_reason), wd_ms, wd_k,
		tick_us, hello_deadline_ms, shared_page_gpa, hvstub_vmmcall ? "vmmcall" : "vmcall");
	/* Not fatal: without a ring only checkpoints are missing. */
	hvstub_ckpt_init();
	return 0;

report:
	hvstub_report_unregister();
nmi:
	hvstub_nmi_unregister();
free_page:
	hvstub_shared = NULL;
	free_page(page);
	return err;
}
module_init(hvstub_init);

MODULE_DESCRIPTION("Guest stub of the watchdog hypervisor: heartbeats, collector, fault reports");
MODULE_LICENSE("GPL");
