/*
 * A virtual National/TI PC16550D UART (a "16550A": working 16-byte
 * FIFOs) for a guest console, e.g. COM2 at ports 0x2f8-0x2ff on IRQ3
 * (docs/devices.md).
 *
 * Pure: the caller owns struct uart and routes the guest's accesses to
 * base+0 .. base+7 here by offset.  Bytes the guest transmits collect in
 * an output buffer the caller drains with uart_take_tx(); bytes for the
 * guest go in with uart_push_rx(); uart_irq_level() is the interrupt line
 * the caller feeds to the PIC (pic_set_irq).  No timing: a byte is
 * "transmitted" when the caller takes it, so the caller should drain
 * after every guest write to THR.
 *
 * Every value written by the guest is untrusted: any offset, byte and
 * sequence leaves the model in a defined state.
 */
#ifndef HV_DEV_UART_H
#define HV_DEV_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3f8 /* IRQ4 */
#define UART_COM2_BASE 0x2f8 /* IRQ3 */
#define UART_NPORTS    8

/* Register offsets (with LCR.DLAB in brackets where it selects). */
#define UART_RBR 0 /* read, DLAB 0 */
#define UART_THR 0 /* write, DLAB 0 */
#define UART_DLL 0 /* DLAB 1 */
#define UART_IER 1 /* DLAB 0 */
#define UART_DLM 1 /* DLAB 1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI   0x01 /* received data available (and timeout) */
#define UART_IER_THRI  0x02 /* transmitter holding register empty */
#define UART_IER_RLSI  0x04 /* receiver line status */
#define UART_IER_MSI   0x08 /* modem status */
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI   0x00
#define UART_IIR_THRI  0x02
#define UART_IIR_RDI   0x04
#define UART_IIR_RLSI  0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO  0xc0 /* both FIFOs enabled (a 16550 without A reads 0x80) */
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_LCR_DLAB  0x80
#define UART_MCR_DTR   0x01
#define UART_MCR_RTS   0x02
#define UART_MCR_OUT1  0x04
#define UART_MCR_OUT2  0x08 /* on the PC: enables the IRQ line driver */
#define UART_MCR_LOOP  0x10
#define UART_LSR_DR    0x01
#define UART_LSR_OE    0x02
#define UART_LSR_THRE  0x20
#define UART_LSR_TEMT  0x40
#define UART_MSR_CTS   0x10
#define UART_MSR_DSR   0x20
#define UART_MSR_RI    0x40
#define UART_MSR_DCD   0x80

#define UART_FIFO_SIZE 16  /* the 16550's receive FIFO */
#define UART_TX_SIZE   64  /* transmitted bytes waiting for the caller (> one FIFO load) */

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t rx_trigger;   /* FCR bits 7:6 as 1, 4, 8 or 14 bytes */
	bool fifo_on;         /* FCR bit 0 */
	bool thre_pending;    /* the THRE interrupt source is set */
	bool overrun;         /* LSR OE (loopback only: pushes never overrun) */
	uint8_t rx[UART_FIFO_SIZE];
	uint8_t rx_head, rx_count;
	uint8_t tx[UART_TX_SIZE];
	uint8_t tx_head, tx_count;
	uint64_t tx_dropped;  /* THR writes with the output buffer full */
};

/* Master reset state (PC16550D "UART Reset Configuration"): IER, LCR,
 * MCR, FCR 0, LSR THRE|TEMT, FIFOs empty, divisor 12 (9600 baud). */
void uart_reset(struct uart *u);

/* A guest IN from base + offset (0-7); another offset reads 0xff. */
uint8_t uart_read(struct uart *u, unsigned offset);

/* A guest OUT to base + offset (0-7); another offset is ignored. */
void uart_write(struct uart *u, unsigned offset, uint8_t val);

/* Moves up to max transmitted bytes to buf, oldest first; returns how
 * many.  Emptying the buffer is the transmitter going idle: THRE. */
size_t uart_take_tx(struct uart *u, uint8_t *buf, size_t max);

/* Offers n bytes to the receiver; returns how many it took (up to the
 * free FIFO space: 16 bytes with the FIFO on, 1 without; none in loopback
 * mode).  The caller keeps the rest and offers them again later, so
 * input is never overrun. */
size_t uart_push_rx(struct uart *u, const uint8_t *bytes, size_t n);

/* The UART's interrupt line as the PC sees it: an enabled interrupt is
 * pending and MCR.OUT2 is set (OUT2 gates the IRQ driver on PC boards;
 * loopback mode forces the OUT2 pin inactive, so the line is low). */
bool uart_irq_level(const struct uart *u);

#endif
