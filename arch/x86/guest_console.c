/*
 * The real COM2 behind a Linux guest's emulated UART (hv/devices.c): the
 * hypervisor sends the guest's bytes and polls for input, with the
 * interrupts of the real chip off.  Polled 115200 8N1 like COM1; a
 * missing UART costs a bounded wait, never a hang.
 */
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define COM2 0x2F8
#define LSR_DR 0x01
#define LSR_THRE 0x20

void plat_guest_console_init(void)
{
	outb(COM2 + 1, 0x00); /* no interrupts */
	outb(COM2 + 3, 0x80); /* DLAB */
	outb(COM2 + 0, 0x01); /* divisor 1: 115200 */
	outb(COM2 + 1, 0x00);
	outb(COM2 + 3, 0x03); /* 8N1 */
	outb(COM2 + 2, 0xC7); /* FIFO on, cleared */
	outb(COM2 + 4, 0x03);
}

void plat_guest_console_write(const uint8_t *buf, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		for (unsigned spin = 0; spin < 100000 && !(inb(COM2 + 5) & LSR_THRE); spin++)
			cpu_relax();
		outb(COM2, buf[i]);
	}
}

unsigned plat_guest_console_read(uint8_t *buf, unsigned max)
{
	unsigned n = 0;

	while (n < max && (inb(COM2 + 5) & LSR_DR))
		buf[n++] = inb(COM2);
	return n;
}
