/*
 * Host unit tests for hv/dev/uart.c: the virtual 16550A, driven through
 * Linux 6.1's sequences (drivers/tty/serial/8250/8250_port.c: autoconfig,
 * autoconfig_16550a, serial8250_do_startup and its THRE test, the
 * interrupt handler's transmit and receive paths) and hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/dev/uart.h"

static struct uart fresh(void)
{
	struct uart u;

	uart_reset(&u);
	return u;
}

/* autoconfig: IER bits 3:0 writable (7:4 not: they would make it an
 * XScale), the loopback check (MCR 0x1a gives MSR 7:4 = 0x90), the FIFO
 * probe (IIR bits 7:6 = 11 after FCR 0x01: a 16550A), no 64-byte FIFO
 * (IIR bit 5 stays 0), no EFR behind LCR 0xbf, MCR bits 7:5 read 0. */
static void test_linux_autoconfig(void **state)
{
	struct uart u = fresh();
	(void)state;

	assert_int_equal(uart_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_NO_INT);
	uart_write(&u, UART_SCR, 0xa5);
	assert_int_equal(uart_read(&u, UART_SCR), 0xa5);
	uart_write(&u, UART_IER, 0);
	assert_int_equal(uart_read(&u, UART_IER) & 0x0f, 0);
	uart_write(&u, UART_IER, 0x0f);
	assert_int_equal(uart_read(&u, UART_IER) & 0x0f, 0x0f);
	uart_write(&u, UART_IER, 0xff);
	assert_int_equal(uart_read(&u, UART_IER), 0x0f);
	uart_write(&u, UART_IER, 0);

	uart_write(&u, UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(uart_read(&u, UART_MSR) & 0xf0, 0x90);
	uart_write(&u, UART_MCR, 0);
	assert_int_equal(uart_read(&u, UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);

	uart_write(&u, UART_LCR, 0xbf);
	assert_int_not_equal(uart_read(&u, UART_IIR), 0); /* no EFR */
	uart_write(&u, UART_LCR, 0);
	uart_write(&u, UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(uart_read(&u, UART_IIR) >> 6, 3);
	uart_write(&u, UART_FCR, UART_FCR_ENABLE | 0x20); /* UART_FCR7_64BYTE */
	assert_int_equal(uart_read(&u, UART_IIR) >> 5, 6);
	uart_write(&u, UART_MCR, 0xff);
	assert_int_equal(uart_read(&u, UART_MCR), 0x1f);
	uart_write(&u, UART_FCR, 0);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_NO_INT);
}

/* DLAB: offsets 0 and 1 are the divisor latch; THR and IER untouched. */
static void test_dlab(void **state)
{
	struct uart u = fresh();
	(void)state;

	assert_int_equal(u.dll, 12);
	uart_write(&u, UART_IER, 0x05);
	uart_write(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	uart_write(&u, UART_DLL, 0x01);
	uart_write(&u, UART_DLM, 0x02);
	assert_int_equal(uart_read(&u, UART_DLL), 0x01);
	assert_int_equal(uart_read(&u, UART_DLM), 0x02);
	assert_int_equal(uart_read(&u, UART_LCR), 0x83);
	uart_write(&u, UART_LCR, 0x03);
	assert_int_equal(uart_read(&u, UART_IER), 0x05);
	assert_int_equal(uart_read(&u, UART_LSR) & UART_LSR_THRE, UART_LSR_THRE); /* no byte sent */
	assert_int_equal(u.dll | u.dlm << 8, 0x0201);
}

/* serial8250_do_startup (OUT2 on, THRE test: IER THRI, IIR, IER 0, IER
 * THRI, IIR), then transmission as the interrupt handler does it: THRE
 * interrupt, IIR read, up to 16 bytes into THR, drained by the caller,
 * THRE again, stop (IER without THRI). */
static void test_transmit_thre(void **state)
{
	struct uart u = fresh();
	uint8_t out[UART_TX_SIZE + 8];
	(void)state;

	uart_write(&u, UART_FCR, 0x87); /* enable and clear, trigger 8 */
	uart_write(&u, UART_LCR, 0x03);
	uart_write(&u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(uart_read(&u, UART_IIR), 0xc2);
	assert_int_equal(uart_read(&u, UART_IIR), 0xc1); /* reading IIR reset THRE */
	uart_write(&u, UART_IER, 0);
	uart_write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(uart_read(&u, UART_IIR), 0xc2); /* not UART_BUG_THRE */
	uart_write(&u, UART_IER, UART_IER_RDI | UART_IER_RLSI);
	assert_false(uart_irq_level(&u));

	uart_write(&u, UART_IER, UART_IER_RDI | UART_IER_RLSI | UART_IER_THRI); /* start_tx */
	assert_true(uart_irq_level(&u));
	assert_int_equal(uart_read(&u, UART_IIR), 0xc2);
	assert_false(uart_irq_level(&u));
	for (unsigned i = 0; i < 16; i++)
		uart_write(&u, UART_THR, (uint8_t)('a' + i));
	assert_int_equal(uart_read(&u, UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), 0);
	assert_int_equal(uart_take_tx(&u, out, 10), 10);
	assert_memory_equal(out, "abcdefghij", 10);
	assert_false(uart_irq_level(&u));
	assert_int_equal(uart_take_tx(&u, out, sizeof(out)), 6);
	assert_memory_equal(out, "klmnop", 6);
	assert_true(uart_irq_level(&u)); /* transmitter empty: THRE */
	uart_write(&u, UART_THR, 'q');   /* writing THR resets it */
	assert_false(uart_irq_level(&u));
	assert_int_equal(uart_take_tx(&u, out, sizeof(out)), 1);
	assert_true(uart_irq_level(&u));
	uart_write(&u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS); /* OUT2 off: no line */
	assert_false(uart_irq_level(&u));
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_RDI); /* stop_tx */
	assert_false(uart_irq_level(&u));

	/* The caller does not drain: the buffer fills, the rest is counted. */
	for (unsigned i = 0; i < UART_TX_SIZE + 3; i++)
		uart_write(&u, UART_THR, (uint8_t)i);
	assert_int_equal(u.tx_dropped, 3);
	assert_int_equal(uart_take_tx(&u, out, sizeof(out)), UART_TX_SIZE);
	assert_int_equal(out[UART_TX_SIZE - 1], UART_TX_SIZE - 1);
	/* A FIFO reset empties the transmitter too. */
	uart_write(&u, UART_THR, 'x');
	uart_write(&u, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_TX);
	assert_int_equal(uart_read(&u, UART_LSR) & UART_LSR_TEMT, UART_LSR_TEMT);
	assert_int_equal(uart_take_tx(&u, out, sizeof(out)), 0);
}

/* Receive with FIFOs at trigger 8 (Linux's 16550A setting, FCR 0x81):
 * below the trigger the character timeout (IIR 0xcc), at it received
 * data (0xc4); the handler reads RBR while LSR.DR; the FIFO takes 16. */
static void test_receive(void **state)
{
	struct uart u = fresh();
	uint8_t in[20], b;
	(void)state;

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)('A' + i);
	uart_write(&u, UART_FCR, 0x81);
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_RDI | UART_IER_RLSI);
	assert_int_equal(uart_push_rx(&u, in, 3), 3);
	assert_true(uart_irq_level(&u));
	assert_int_equal(uart_read(&u, UART_IIR), 0xcc);
	assert_int_equal(uart_push_rx(&u, in + 3, 5), 5);
	assert_int_equal(uart_read(&u, UART_IIR), 0xc4);
	for (unsigned i = 0; i < 8; i++) {
		assert_true(uart_read(&u, UART_LSR) & UART_LSR_DR);
		assert_int_equal(uart_read(&u, UART_RBR), 'A' + i);
	}
	assert_false(uart_read(&u, UART_LSR) & UART_LSR_DR);
	assert_int_equal(uart_read(&u, UART_IIR), 0xc1);
	assert_false(uart_irq_level(&u));
	assert_int_equal(uart_push_rx(&u, in, 20), UART_FIFO_SIZE);
	assert_int_equal(uart_push_rx(&u, in, 1), 0);
	uart_write(&u, UART_FCR, 0x83); /* receiver FIFO reset */
	assert_false(uart_read(&u, UART_LSR) & UART_LSR_DR);
	assert_int_equal(uart_push_rx(&u, in, 20), UART_FIFO_SIZE);
	assert_int_equal(uart_read(&u, UART_LSR) & UART_LSR_OE, 0);
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
		assert_int_equal(uart_read(&u, UART_RBR), 'A' + i);

	/* Received data outranks THRE. */
	uart_write(&u, UART_IER, UART_IER_RDI | UART_IER_THRI);
	b = 'z';
	assert_int_equal(uart_push_rx(&u, &b, 1), 1);
	assert_int_equal(uart_read(&u, UART_IIR), 0xcc);
	assert_int_equal(uart_read(&u, UART_RBR), 'z');
	assert_int_equal(uart_read(&u, UART_IIR), 0xc2);

	/* Without FIFOs: one byte of room, reported as received data. */
	uart_write(&u, UART_FCR, 0);
	assert_int_equal(uart_push_rx(&u, in, 2), 1);
	uart_write(&u, UART_FCR, UART_FCR_CLEAR_RX); /* not written: bit 0 is 0 */
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_RDI);
	uart_write(&u, UART_IER, 0);
	assert_false(uart_irq_level(&u));
}

/* Loopback: THR to RBR, host input refused, the IRQ line off; a second
 * byte with the 1-byte receiver full is an overrun (LSR.OE, line status
 * interrupt, reset by reading LSR). */
static void test_loopback(void **state)
{
	struct uart u = fresh();
	uint8_t b = 'h', out[4];
	(void)state;

	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_RDI | UART_IER_RLSI);
	assert_int_equal(uart_push_rx(&u, &b, 1), 0);
	uart_write(&u, UART_THR, 'x');
	assert_int_equal(uart_take_tx(&u, out, sizeof(out)), 0);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_RDI);
	assert_false(uart_irq_level(&u));
	uart_write(&u, UART_THR, 'y');
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_RLSI);
	assert_int_equal(uart_read(&u, UART_LSR), UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(uart_read(&u, UART_LSR) & UART_LSR_OE, 0);
	assert_int_equal(uart_read(&u, UART_RBR), 'x');
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_NO_INT);
	/* The looped byte leaves THR empty at once: THRE again. */
	uart_write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_THRI);
	uart_write(&u, UART_THR, 'k');
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_THRI);
}

/* Any byte to any offset: bounded buffers, valid IIR values, no crash. */
static void test_random_sequences(void **state)
{
	struct uart u = fresh();
	uint8_t buf[UART_TX_SIZE + 1];
	uint32_t x = 99;
	(void)state;

	assert_int_equal(uart_read(&u, 8), 0xff);
	assert_int_equal(uart_read(&u, 0xffffffffu), 0xff);
	uart_write(&u, 8, 0x80);
	uart_write(&u, 0xffffffffu, 0x80);
	assert_int_equal(uart_read(&u, UART_LCR), 0);
	for (unsigned i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		unsigned r = x >> 8, iir;
		if ((r & 3) == 0)
			uart_write(&u, (r >> 2) % 9, (uint8_t)(r >> 6));
		else if ((r & 3) == 1 && ((r >> 2) % 9) == UART_IIR) {
			iir = uart_read(&u, UART_IIR) & 0x3f;
			assert_true(iir == 1 || iir == 2 || iir == 4 || iir == 6 || iir == 0xc);
		} else if ((r & 3) == 1)
			(void)uart_read(&u, (r >> 2) % 9);
		else if ((r & 3) == 2)
			(void)uart_push_rx(&u, buf, (r >> 2) % 20);
		else
			(void)uart_take_tx(&u, buf, (r >> 2) % sizeof(buf));
		assert_true(u.rx_count <= UART_FIFO_SIZE && u.tx_count <= UART_TX_SIZE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_autoconfig),
		cmocka_unit_test(test_dlab),
		cmocka_unit_test(test_transmit_thre),
		cmocka_unit_test(test_receive),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_random_sequences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
