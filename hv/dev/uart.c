/*
 * The virtual 16550A (hv/dev/uart.h).  Register and table names are
 * those of the National/TI PC16550D datasheet: "Register Description"
 * (RBR, THR, IER, IIR, FCR, LCR, MCR, LSR, MSR, SCR, DLL/DLM), "Interrupt
 * Control Functions" (the IIR priorities and what resets each source),
 * "UART Reset Configuration", "FIFO Interrupt Mode Operation".
 *
 * Left out: line timing (baud rate, character times: the divisor is only
 * stored), parity/framing/break errors (nothing produces them), the
 * modem-status deltas and their interrupt (the modem lines never change
 * outside loopback), DMA mode (FCR bit 3) and the transmitter FIFO as a
 * separate 16-byte stage (the output buffer stands for it).
 */
#include "hv/dev/uart.h"

static unsigned rx_capacity(const struct uart *u)
{
	return u->fifo_on ? UART_FIFO_SIZE : 1;
}

/* A received byte into the FIFO (or RBR), or an overrun if full. */
static void rx_put(struct uart *u, uint8_t b)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->overrun = true;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = b;
	u->rx_count++;
}

static uint8_t rx_get(struct uart *u)
{
	uint8_t b;

	if (!u->rx_count)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO_SIZE);
	u->rx_count--;
	return b;
}

/* "Interrupt Control Functions": the highest priority enabled source.
 * Received data below the FIFO trigger level reports the character
 * timeout at once: there are no character times to wait here, and a
 * driver treats both the same (it reads RBR while LSR.DR). */
static uint8_t iir_source(const struct uart *u)
{
	if ((u->ier & UART_IER_RLSI) && u->overrun)
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count)
		return u->fifo_on && u->rx_count < u->rx_trigger ? UART_IIR_TIMEOUT : UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

/* IIR: reading it resets the THRE source when THRE is what it reports. */
static uint8_t read_iir(struct uart *u)
{
	uint8_t src = iir_source(u);

	if (src == UART_IIR_THRI)
		u->thre_pending = false;
	return (uint8_t)(src | (u->fifo_on ? UART_IIR_FIFO : 0));
}

/* LSR: reading it resets the overrun error (and its interrupt). */
static uint8_t read_lsr(struct uart *u)
{
	uint8_t v = u->rx_count ? UART_LSR_DR : 0;

	if (u->overrun)
		v |= UART_LSR_OE;
	if (!u->tx_count)
		v |= UART_LSR_THRE | UART_LSR_TEMT;
	u->overrun = false;
	return v;
}

/* MSR bits 7:4: a modem that is there (CTS, DSR, DCD), or in loopback
 * mode MCR's RTS, DTR, OUT1, OUT2 looped to CTS, DSR, RI, DCD ("MCR bit
 * 4").  No delta bits (3:0): the lines do not change otherwise. */
static uint8_t read_msr(const struct uart *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	return (uint8_t)((m & UART_MCR_RTS ? UART_MSR_CTS : 0) | (m & UART_MCR_DTR ? UART_MSR_DSR : 0) |
			 (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) | (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0));
}

/* THR: writing it resets the THRE source.  In loopback mode the byte goes
 * straight to the receiver and the transmitter is empty again at once. */
static void write_thr(struct uart *u, uint8_t val)
{
	u->thre_pending = false;
	if (u->mcr & UART_MCR_LOOP) {
		rx_put(u, val);
		u->thre_pending = true;
	} else if (u->tx_count < UART_TX_SIZE) {
		u->tx[(u->tx_head + u->tx_count) % UART_TX_SIZE] = val;
		u->tx_count++;
	} else {
		u->tx_dropped++;
	}
}

/* IER bits 3:0 (7:4 read 0: Linux's autoconfig tells other UARTs by
 * them).  Enabling ETBEI with THR empty raises THRE, as Linux's THRE test
 * in serial8250_do_startup expects of a real 16550. */
static void write_ier(struct uart *u, uint8_t val)
{
	val &= 0x0f;
	if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI) && !u->tx_count)
		u->thre_pending = true;
	u->ier = val;
}

/* Emptying the transmitter (drained, or its FIFO reset) sets THRE. */
static void tx_clear(struct uart *u)
{
	if (u->tx_count)
		u->thre_pending = true;
	u->tx_count = 0;
	u->tx_head = 0;
}

/* FCR: bit 0 enables both FIFOs (a change empties them, and with it 0 the
 * other bits are not written), bits 1 and 2 reset them, bits 7:6 the
 * receiver trigger level. */
static void write_fcr(struct uart *u, uint8_t val)
{
	static const uint8_t trigger[4] = { 1, 4, 8, 14 };
	bool on = val & UART_FCR_ENABLE;

	if (on != u->fifo_on) {
		u->rx_count = 0;
		tx_clear(u);
	}
	u->fifo_on = on;
	if (!on)
		return;
	if (val & UART_FCR_CLEAR_RX)
		u->rx_count = 0;
	if (val & UART_FCR_CLEAR_TX)
		tx_clear(u);
	u->rx_trigger = trigger[val >> 6];
}

void uart_reset(struct uart *u)
{
	*u = (struct uart){ .dll = 12, .rx_trigger = 1 };
}

uint8_t uart_read(struct uart *u, unsigned offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RBR:
		return dlab ? u->dll : rx_get(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return read_iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return read_lsr(u);
	case UART_MSR:
		return read_msr(u);
	case UART_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

void uart_write(struct uart *u, unsigned offset, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	if (offset == UART_THR && dlab)
		u->dll = val;
	else if (offset == UART_THR)
		write_thr(u, val);
	else if (offset == UART_IER && dlab)
		u->dlm = val;
	else if (offset == UART_IER)
		write_ier(u, val);
	else if (offset == UART_FCR)
		write_fcr(u, val);
	else if (offset == UART_LCR)
		u->lcr = val;
	else if (offset == UART_MCR)
		u->mcr = val & 0x1f; /* bits 7:5 read 0 */
	else if (offset == UART_SCR)
		u->scr = val;
	/* LSR and MSR writes: factory test on the 16550; ignored. */
}

size_t uart_take_tx(struct uart *u, uint8_t *buf, size_t max)
{
	size_t n = max < u->tx_count ? max : u->tx_count;

	for (size_t i = 0; i < n; i++)
		buf[i] = u->tx[(u->tx_head + i) % UART_TX_SIZE];
	u->tx_head = (uint8_t)((u->tx_head + n) % UART_TX_SIZE);
	u->tx_count = (uint8_t)(u->tx_count - n);
	if (n && !u->tx_count)
		u->thre_pending = true;
	return n;
}

size_t uart_push_rx(struct uart *u, const uint8_t *bytes, size_t n)
{
	size_t room = rx_capacity(u) - u->rx_count, i;

	if (u->mcr & UART_MCR_LOOP)
		return 0;
	for (i = 0; i < n && i < room; i++)
		rx_put(u, bytes[i]);
	return i;
}

bool uart_irq_level(const struct uart *u)
{
	return (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2 &&
	       iir_source(u) != UART_IIR_NO_INT;
}
