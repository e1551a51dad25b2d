/*
 * 16550 UART: the hypervisor's log port (COM1 unless log_port= says
 * otherwise) and its receive side, the control channel.  Polled, 115200
 * 8N1.  A board without a UART at the port must cost nothing: the port
 * is probed first (scratch register and line status), and an absent one
 * is never touched again; the log then goes only to the flight recorder.
 */
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define COM1 0x3F8
#define UART_SCR 7 /* scratch register: any 16450/16550 keeps what is written */
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static uint16_t log_port = COM1;
static bool log_present;

/* An absent port reads all ones on a PC bus: a UART keeps what is
 * written to its scratch register, and its LSR never reads 0xFF (bits 1-4
 * and 7 are error flags that the reads clear, and THRE/TEMT with DR set
 * and every error at once would be a broken chip). */
bool uart_present(uint16_t base)
{
	static const uint8_t patterns[] = { 0x5A, 0xA5 };

	for (unsigned i = 0; i < sizeof(patterns); i++) {
		outb(base + UART_SCR, patterns[i]);
		if (inb(base + UART_SCR) != patterns[i])
			return false;
	}
	(void)inb(base + UART_LSR); /* clears the error bits the firmware left */
	return inb(base + UART_LSR) != 0xFF;
}

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
	/* Bounded wait: a stuck UART must not hang the hypervisor. */
	for (unsigned spin = 0; spin < 100000 && !(inb(base + UART_LSR) & LSR_THRE); spin++)
		cpu_relax();
	outb(base, c);
}

unsigned uart_read_port(uint16_t base, uint8_t *buf, unsigned max)
{
	unsigned n = 0;

	while (n < max && (inb(base + UART_LSR) & LSR_DR))
		buf[n++] = inb(base);
	return n;
}

unsigned plat_log_read(uint8_t *buf, unsigned max)
{
	return log_present ? uart_read_port(log_port, buf, max) : 0;
}

bool plat_log_select(uint16_t port)
{
	log_port = port;
	log_present = port != 0 && uart_present(port);
	if (log_present)
		uart_setup_port(port);
	return log_present;
}

void uart_init(void)
{
	plat_log_select(log_port);
}

static void uart_putc(char c)
{
	uart_put_port(log_port, (uint8_t)c);
}

void plat_log_write(const char *s, unsigned len)
{
	if (!log_present)
		return;
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

	if (!log_present)
		return len; /* nowhere to go: consumed at once */
	if (!(inb(log_port + UART_LSR) & LSR_THRE))
		return 0;
	/* THRE with the FIFO on: the whole FIFO is free. */
	for (room = UART_FIFO; used < len && room >= 2; used++) {
		if (s[used] == '\n') {
			outb(log_port, '\r');
			room--;
		}
		outb(log_port, (uint8_t)s[used]);
		room--;
	}
	return used;
}

void plat_log_flush(void)
{
	if (!log_present)
		return;
	for (unsigned spin = 0; spin < 1000000 && !(inb(log_port + UART_LSR) & LSR_TEMT); spin++)
		cpu_relax();
}
