/* 16550 UART on COM1: the hypervisor's log port.  Polled, 115200 8N1. */
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define COM1 0x3F8
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

void uart_setup_port(uint16_t base)
{
	outb(base + 1, 0x00); /* no interrupts */
	outb(base + 3, 0x80); /* DLAB */
	outb(base + 0, 0x01); /* divisor 1: 115200 */
	outb(base + 1, 0x00);
	outb(base + 3, 0x03); /* 8N1 (Bochs truncates to 5 bits otherwise) */
	outb(base + 2, 0xC7); /* FIFO on, cleared */
	outb(base + 4, 0x03);
}

void uart_put_port(uint16_t base, uint8_t c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (unsigned spin = 0; spin < 100000 && !(inb(base + 5) & LSR_THRE); spin++)
		cpu_relax();
	outb(base, c);
}

#define LSR_DR 0x01

unsigned uart_read_port(uint16_t base, uint8_t *buf, unsigned max)
{
	unsigned n = 0;

	while (n < max && (inb(base + 5) & LSR_DR))
		buf[n++] = inb(base);
	return n;
}

unsigned plat_log_read(uint8_t *buf, unsigned max)
{
	return uart_read_port(COM1, buf, max);
}

void uart_init(void)
{
	uart_setup_port(COM1);
}

static void uart_putc(char c)
{
	uart_put_port(COM1, (uint8_t)c);
}

void plat_log_write(const char *s, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

#define UART_FIFO 16

unsigned plat_log_try_write(const char *s, unsigned len)
{
	unsigned used = 0, room;

	if (!(inb(COM1 + 5) & LSR_THRE))
		return 0;
	/* THRE with the FIFO on: the whole FIFO is free. */
	for (room = UART_FIFO; used < len && room >= 2; used++) {
		if (s[used] == '\n') {
			outb(COM1, '\r');
			room--;
		}
		outb(COM1, (uint8_t)s[used]);
		room--;
	}
	return used;
}

void plat_log_flush(void)
{
	for (unsigned spin = 0; spin < 1000000 && !(inb(COM1 + 5) & LSR_TEMT); spin++)
		cpu_relax();
}
