// SPDX-License-Identifier: GPL-2.0
/*
 * hvcrash: a test module that faults on purpose, so that the end-to-end
 * tests can check that a fault in a module other than the stub is
 * reported located in that module (name + offset), and what the stub and
 * the hypervisor make of each kind of fault.
 *   insmod hvcrash.ko fault=none   loads and does nothing (what a reload loads)
 *   insmod hvcrash.ko fault=null   a write through a NULL pointer (page fault)
 *   insmod hvcrash.ko fault=gpf    a read at a non-canonical address (#GP)
 *   insmod hvcrash.ko fault=bug    BUG() (invalid opcode)
 *   insmod hvcrash.ko fault=hardlockup  spins with interrupts off for ever
 *   insmod hvcrash.ko fault=softlockup  spins with preemption off (interrupts
 *                                  on) for seconds= s: Linux's soft lockup detector
 *   insmod hvcrash.ko fault=nmihang     an NMI handler that never returns
 * thread=1: the fault happens in a kernel thread of the module, after the
 * load has succeeded, so that the module can be unloaded and loaded again
 * (a fault in its init leaves it half loaded for good).  command=N:
 * registers the stub's user command N (op 100 + N, policy `user:N`),
 * which answers 0, if the stub is loaded.  counter=V: registers a
 * collector counter "hvcrash" with the value V (hvstub_register_counter).
 * Never load it on a system you care about.
 */
#include <linux/bug.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/string.h>
#include <asm/nmi.h>

#include "hvstub_api.h"
#include "hv_abi.h"

static char *fault = "none";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "none, null, gpf, bug, hardlockup, softlockup or nmihang");
static bool thread;
module_param(thread, bool, 0444);
MODULE_PARM_DESC(thread, "fault in a kernel thread after the load, not in the load");
static uint seconds = 30;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "how long fault=softlockup spins");
static int command = -1;
module_param(command, int, 0444);
MODULE_PARM_DESC(command, "register the stub's user command N (op 100+N)");
static u64 counter;
module_param(counter, ullong, 0444);
MODULE_PARM_DESC(counter, "register a collector counter \"hvcrash\" with this value");

/* Not inlined and the pointers laundered through a volatile, so that the
 * compiler keeps each fault where it is written instead of proving it
 * undefined and dropping it. */
static noinline void hvcrash_null_write(void)
{
	int *volatile p = NULL;

	*p = 0x2a;
}

static noinline void hvcrash_gpf(void)
{
	unsigned long *volatile p = (unsigned long *)0xdead000000000000ul;

	pr_info("hvcrash: %lu\n", *p);
}

/* A hard lockup: no interrupt is taken again on this CPU (Linux's own
 * detector needs a PMU NMI, which the guest does not have). */
static noinline void hvcrash_hardlockup(void)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
}

/* A soft lockup: interrupts are taken (the timer runs, jiffies move) but
 * nothing else is scheduled on this CPU, which Linux's detector notices
 * once its watchdog thread has not run for 2 x watchdog_thresh s. */
static noinline void hvcrash_softlockup(void)
{
	preempt_disable();
	mdelay(seconds * 1000u);
	preempt_enable();
}

/* Registered first, so that every NMI after the load stops here: the
 * stub's handler never runs again, and the CPU stays in NMI context. */
static int hvcrash_nmi(unsigned int type, struct pt_regs *regs)
{
	for (;;)
		cpu_relax();
	return NMI_HANDLED;
}

static bool nmi_on;

static void do_fault(void)
{
	if (strcmp(fault, "null") == 0)
		hvcrash_null_write();
	else if (strcmp(fault, "gpf") == 0)
		hvcrash_gpf();
	else if (strcmp(fault, "bug") == 0)
		BUG();
	else if (strcmp(fault, "hardlockup") == 0)
		hvcrash_hardlockup();
	else if (strcmp(fault, "softlockup") == 0)
		hvcrash_softlockup();
	else if (strcmp(fault, "nmihang") == 0)
		nmi_on = register_nmi_handler(NMI_LOCAL, hvcrash_nmi, NMI_FLAG_FIRST, "hvcrash") == 0;
}

static int fault_thread(void *unused)
{
	do_fault();
	return 0;
}

/* The stub's user command: proves that it ran, in process context. */
static long hvcrash_command(const u64 args[4])
{
	pr_info("hvcrash: user command %d ran arg=%llu\n", command, args[0]);
	return 0;
}

/* Looked up, not linked: hvcrash also loads without the stub. */
static int (*register_cmd)(u32 op, hvstub_command_fn fn);
static void (*unregister_counter)(int slot);
static int counter_slot = -1;

static int __init hvcrash_init(void)
{
	pr_info("hvcrash: fault=%s%s\n", fault, thread ? " thread=1" : "");
	if (command >= 0) {
		register_cmd = symbol_get(hvstub_register_command);
		if (register_cmd == NULL || register_cmd(HV_CMD_USER_BASE + command, hvcrash_command)) {
			pr_info("hvcrash: no user command %d (stub not loaded?)\n", command);
			if (register_cmd)
				symbol_put(hvstub_register_command);
			register_cmd = NULL;
		}
	}
	if (counter) {
		int (*reg)(const char *name, const u64 *value) = symbol_get(hvstub_register_counter);

		unregister_counter = symbol_get(hvstub_unregister_counter);
		if (reg != NULL && unregister_counter != NULL)
			counter_slot = reg("hvcrash", &counter);
		if (reg != NULL)
			symbol_put(hvstub_register_counter);
		pr_info("hvcrash: counter hvcrash=%llu in slot %d\n", counter, counter_slot);
		if (counter_slot < 0 && unregister_counter != NULL) {
			symbol_put(hvstub_unregister_counter);
			unregister_counter = NULL;
		}
	}
	if (strcmp(fault, "none") == 0)
		return 0;
	if (thread) {
		/* The thread ends (or dies) by itself: nothing to stop at unload. */
		if (IS_ERR(kthread_run(fault_thread, NULL, "hvcrash")))
			return -ENOMEM;
		return 0;
	}
	do_fault();
	/* fault=softlockup and fault=nmihang come back: stay loaded (nmihang's
	 * handler must stay), the others never get here. */
	return 0;
}
module_init(hvcrash_init);

static void __exit hvcrash_exit(void)
{
	if (unregister_counter != NULL) {
		unregister_counter(counter_slot);
		symbol_put(hvstub_unregister_counter);
	}
	if (nmi_on)
		unregister_nmi_handler(NMI_LOCAL, "hvcrash");
	if (register_cmd) {
		register_cmd(HV_CMD_USER_BASE + command, NULL);
		symbol_put(hvstub_register_command);
	}
}
module_exit(hvcrash_exit);

MODULE_DESCRIPTION("Faults on purpose (tests of the watchdog hypervisor's Linux stub)");
MODULE_LICENSE("GPL");
