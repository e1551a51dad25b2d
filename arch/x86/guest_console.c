/*
 * The real COM2 behind a Linux guest's emulated UART (hv/devices.c): the
 * hypervisor sends the guest's bytes and polls for input, with the
 * interrupts of the real chip off.  Polled 115200 8N1 like COM1; a
 * missing UART costs a bounded wait, never a hang.
 */
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define COM2 0x2F8

void plat_guest_console_init(void)
{
	uart_setup_port(COM2);
}

void plat_guest_console_write(const uint8_t *buf, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		uart_put_port(COM2, buf[i]);
}

unsigned plat_guest_console_read(uint8_t *buf, unsigned max)
{
	return uart_read_port(COM2, buf, max);
}
