/*
 * A pretend network driver, linked into its own section so the stub can
 * register it as a module ("netdrv") and report faults as module+offset.
 */
#include <stdint.h>

#include "scenarios.h"

/* Polls a "device register" at a guest-virtual address the guest never
 * mapped (above 4 GiB): a page fault inside this module. */
__attribute__((section(".text.netdrv"), noinline)) uint64_t netdrv_poll(void)
{
	volatile uint64_t *reg = (volatile uint64_t *)0x123456789000ull;

	return *reg;
}
