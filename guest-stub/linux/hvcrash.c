// SPDX-License-Identifier: GPL-2.0
/*
 * hvcrash: a test module that faults on load, so that the end-to-end
 * tests can check that a fault in a module other than the stub is
 * reported located in that module (name + offset).
 *   insmod hvcrash.ko fault=null   a write through a NULL pointer (page fault)
 *   insmod hvcrash.ko fault=gpf    a read at a non-canonical address (#GP)
 *   insmod hvcrash.ko fault=bug    BUG() (invalid opcode)
 *   insmod hvcrash.ko fault=hardlockup  spins with interrupts off for ever
 * Never load it on a system you care about.
 */
#include <linux/bug.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

static char *fault = "null";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "null, gpf, bug or hardlockup");

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

static int __init hvcrash_init(void)
{
	pr_info("hvcrash: fault=%s\n", fault);
	if (strcmp(fault, "null") == 0)
		hvcrash_null_write();
	else if (strcmp(fault, "gpf") == 0)
		hvcrash_gpf();
	else if (strcmp(fault, "bug") == 0)
		BUG();
	else if (strcmp(fault, "hardlockup") == 0)
		hvcrash_hardlockup();
	return -EINVAL; /* never stays loaded */
}
module_init(hvcrash_init);

MODULE_DESCRIPTION("Faults on purpose (tests of the watchdog hypervisor's Linux stub)");
MODULE_LICENSE("GPL");
