/*
 * How the hypervisor stops: ending an emulator run, resetting the
 * machine, halting.  The core chooses how a crash ends
 * (plat_set_crash_stop, from onstop= and onfault=) before anything can
 * crash; host_fault.c carries it out.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/apic.h"
#include "arch/x86/platform.h"
#include "arch/x86/stop.h"
#include "arch/x86/x86.h"

#define QEMU_DEBUG_EXIT_PORT 0xF4 /* isa-debug-exit: status (code << 1) | 1 */
#define BOCHS_SHUTDOWN_PORT 0x8900 /* "Shutdown" written here ends the simulation */
#define PCI_RESET_CONTROL 0xCF9 /* Reset Control register (Intel ICH/PCH datasheets) */
#define RESET_CONTROL_SYS_RST 0x02 /* with RST_CPU: a hard (system) reset */
#define RESET_CONTROL_RST_CPU 0x04
#define CRASH_EXIT_CODE 5 /* the emulator exit code of a hypervisor crash */

/* onstop=exit: the only thing that lets the emulator exit ports be
 * written.  On a real board 0xF4 and 0x8900 may belong to some chipset or
 * add-in device, so a build that does not know it runs under an emulator
 * never touches them (issue 14; scripts/check-exit-ports.py checks that
 * these port numbers appear nowhere else in the image). */
static bool crash_exit_emulator, crash_reset_machine;

void plat_set_crash_stop(bool exit_emulator, bool reset_machine)
{
	crash_exit_emulator = exit_emulator;
	crash_reset_machine = reset_machine;
}

void plat_emulator_exit(uint8_t code)
{
	static const char shutdown[] = "Shutdown";

	if (!crash_exit_emulator)
		return;
	plat_log_flush();
	outl(QEMU_DEBUG_EXIT_PORT, code);
	for (const char *p = shutdown; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
}

void plat_halt(void)
{
	plat_hw_watchdog_stop(); /* a deliberate halt: not a hang to recover from */
	plat_log_flush();
	halt_forever();
	__builtin_unreachable();
}

/* The FADT's reset register when ACPI gave one (ACPI 6.5, 4.8.3.6: write
 * RESET_VALUE to it); then, or without it, the Reset Control register:
 * the reset bits are set first, then RST_CPU's 0->1 transition starts
 * the reset. */
static void reset_machine(void)
{
	const struct plat_machine *m = apic_machine();

	if (m->acpi_reset && m->reset_reg.space == ACPI_SPACE_IO)
		outb((uint16_t)m->reset_reg.address, m->reset_value);
	else if (m->acpi_reset)
		*(volatile uint8_t *)(uintptr_t)m->reset_reg.address = m->reset_value;
	outb(PCI_RESET_CONTROL, RESET_CONTROL_SYS_RST);
	outb(PCI_RESET_CONTROL, RESET_CONTROL_SYS_RST | RESET_CONTROL_RST_CPU);
}

void x86_crash_stop(void)
{
	if (crash_exit_emulator)
		plat_emulator_exit(CRASH_EXIT_CODE);
	if (crash_reset_machine)
		reset_machine();
	halt_forever();
	__builtin_unreachable();
}

#ifdef HV_TEST_AIDS
/* Test aid (hang_test=N): a hypervisor hung with interrupts off.  The
 * tick's NMIs still arrive (SVM) and return here; nothing feeds the
 * hardware watchdog any more. */
void plat_test_hang(void)
{
	plat_log_flush();
	for (;;)
		__asm__ volatile("cli; pause");
}
#endif
