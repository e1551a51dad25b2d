/* The test guest's console: COM2 (0x2F8), polled, plus a tiny formatter. */
#include "console.h"

#include "../../arch/x86/x86.h"

#define COM2 0x2F8

void con_init(void)
{
	outb(COM2 + 1, 0x00);
	outb(COM2 + 3, 0x80);
	outb(COM2 + 0, 0x01);
	outb(COM2 + 1, 0x00);
	outb(COM2 + 3, 0x03);
	outb(COM2 + 2, 0xC7);
	outb(COM2 + 4, 0x03);
}

static void con_putc(char c)
{
	for (unsigned i = 0; i < 100000 && !(inb(COM2 + 5) & 0x20); i++)
		__asm__ volatile("pause");
	outb(COM2, (uint8_t)c);
}

void con_flush(void)
{
	for (unsigned i = 0; i < 1000000 && !(inb(COM2 + 5) & 0x40); i++)
		__asm__ volatile("pause");
}

void con_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			con_putc('\r');
		con_putc(*s);
	}
}

void con_putu(uint64_t v, unsigned base)
{
	char buf[24];
	int i = 0;

	do {
		unsigned d = (unsigned)(v % base);
		buf[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v && i < (int)sizeof(buf));
	if (base == 16)
		con_puts("0x");
	while (i > 0)
		con_putc(buf[--i]);
}

void con_puti(int64_t v)
{
	if (v < 0) {
		con_putc('-');
		con_putu((uint64_t)-v, 10);
	} else {
		con_putu((uint64_t)v, 10);
	}
}
