/*
 * The real COM2 behind a Linux guest's emulated UART (hv/devices.c): the
 * hypervisor sends the guest's bytes and polls for input, with the
 * interrupts of the real chip off.  Polled 115200 8N1 like COM1; a
 * missing UART is probed once and then left alone.
 */
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define COM2 0x2F8

/* No COM2 on the board: the guest's output is dropped, and no input
 * (an absent port would read as endless 0xFF bytes). */
static bool com2_present;

void plat_guest_console_init(void)
{
	com2_present = uart_present(COM2);
	if (com2_present)
		uart_setup_port(COM2);
}

void plat_guest_console_write(const uint8_t *buf, unsigned len)
{
	for (unsigned i = 0; com2_present && i < len; i++)
		uart_put_port(COM2, buf[i]);
}

unsigned plat_guest_console_read(uint8_t *buf, unsigned max)
{
	return com2_present ? uart_read_port(COM2, buf, max) : 0;
}
