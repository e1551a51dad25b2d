/* Device routing for a Linux guest (hv/devices.h). */
#include "arch/x86/platform.h"
#include "hv/devices.h"

#define COM2_BASE UART_COM2_BASE

static void update_irq(struct guest_devices *d, uint64_t now)
{
	bool was = d->irq_pending;

	pic_set_irq(&d->pic, DEV_IRQ_COM2, uart_irq_level(&d->com2));
	d->irq_pending = pic_pending(&d->pic, NULL);
	if (d->irq_pending && !was)
		d->irq_pending_since = now;
}

void dev_reset(struct guest_devices *d, bool enabled, uint64_t tsc_hz, uint64_t now)
{
	*d = (struct guest_devices){ .enabled = enabled, .boot_tsc = now, .tsc_hz = tsc_hz };
	if (!enabled)
		return;
	pit_reset(&d->pit, tsc_hz, now);
	pic_reset(&d->pic);
	uart_reset(&d->com2);
	plat_guest_console_init();
}

static bool is_pit(uint16_t port)
{
	return (port >= PIT_PORT_CH0 && port <= PIT_PORT_CONTROL) || port == PIT_PORT_SYSCTL;
}

static bool is_pic(uint16_t port)
{
	return port == PIC_MASTER_CMD || port == PIC_MASTER_DATA || port == PIC_SLAVE_CMD ||
	       port == PIC_SLAVE_DATA || port == PIC_ELCR_MASTER || port == PIC_ELCR_SLAVE;
}

static bool is_com2(uint16_t port)
{
	return port >= COM2_BASE && port < COM2_BASE + 8;
}

static bool is_machine_control(uint16_t port)
{
	return port == DEV_PORT_KBC_STATUS || port == DEV_PORT_RESET_CONTROL;
}

static bool is_cmos(uint16_t port)
{
	return port == DEV_PORT_CMOS_INDEX || port == DEV_PORT_CMOS_DATA || port == DEV_PORT_POST;
}

static bool is_device(uint16_t port)
{
	return is_pit(port) || is_pic(port) || is_com2(port) || is_machine_control(port) ||
	       is_cmos(port);
}

static uint8_t bcd(uint64_t v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

/* Just enough of the MC146818 CMOS clock for an OS to read the time
 * without waiting (MC146818A datasheet, registers A-D): the time is the
 * guest's uptime on 2000-01-01, in BCD and 24-hour mode; no update is
 * ever in progress (register A bit 7 clear), the clock is valid
 * (register D bit 7), no alarm or periodic interrupt; writes are ignored
 * and the other bytes of CMOS RAM read 0.  Port 0x80, the POST code port
 * Linux writes to as an I/O delay, takes writes and reads all ones. */
static uint8_t cmos_read(const struct guest_devices *d, uint16_t port, uint64_t now)
{
	uint64_t s = d->tsc_hz ? (now - d->boot_tsc) / d->tsc_hz : 0;

	if (port != DEV_PORT_CMOS_DATA)
		return 0xFF;
	switch (d->cmos_index) {
	case 0x00: return bcd(s % 60);
	case 0x02: return bcd(s / 60 % 60);
	case 0x04: return bcd(s / 3600 % 24);
	case 0x06: return 0x07;          /* Saturday, 2000-01-01 */
	case 0x07: return bcd(1 + s / 86400 % 28);
	case 0x08: return 0x01;
	case 0x09: return 0x00;
	case 0x0A: return 0x26;          /* 32.768 kHz, 1024 Hz rate, no update in progress */
	case 0x0B: return 0x02;          /* 24-hour, BCD, no interrupts */
	case 0x0D: return 0x80;          /* valid RAM and time */
	case 0x32: return 0x20;          /* century */
	default: return 0x00;
	}
}

/* The keyboard controller, for a reset only: its status reads as idle
 * (output buffer empty, input buffer empty: an OS waiting to send a
 * command goes ahead at once), and command 0xFE pulses the reset line
 * (8042: "Pulse output port", bit 0 is the CPU reset).  Port 0xCF9: bit
 * 2 going to 1 resets the machine (the PIIX/ICH reset control register). */
static uint8_t read_machine_control(const struct guest_devices *d, uint16_t port)
{
	return port == DEV_PORT_KBC_STATUS ? 0x00 : d->reset_control;
}

static void write_machine_control(struct guest_devices *d, uint16_t port, uint8_t v)
{
	if (port == DEV_PORT_KBC_STATUS) {
		d->reboot |= v == DEV_KBC_PULSE_RESET;
		return;
	}
	d->reboot |= (v & DEV_RESET_CONTROL_RESET) && !(d->reset_control & DEV_RESET_CONTROL_RESET);
	d->reset_control = v;
}

/* Bytes the guest wrote to the UART go to the real COM2 at once: the
 * model's THRE follows, so the guest's driver keeps sending. */
static void send_com2(struct guest_devices *d)
{
	uint8_t buf[UART_TX_SIZE];
	size_t n = uart_take_tx(&d->com2, buf, sizeof(buf));

	if (n == 0)
		return;
	plat_guest_console_write(buf, (unsigned)n);
	if (conwatch_feed(&d->console, buf, n))
		d->panic_line = true;
}

static uint8_t read_byte(struct guest_devices *d, uint16_t port, uint64_t now)
{
	if (is_pit(port))
		return pit_read(&d->pit, port, now);
	if (is_pic(port))
		return pic_read(&d->pic, port);
	if (is_machine_control(port))
		return read_machine_control(d, port);
	if (is_cmos(port))
		return cmos_read(d, port, now);
	return uart_read(&d->com2, (unsigned)(port - COM2_BASE));
}

static void write_byte(struct guest_devices *d, uint16_t port, uint8_t v, uint64_t now)
{
	if (is_pit(port)) {
		pit_write(&d->pit, port, v, now);
	} else if (is_pic(port)) {
		pic_write(&d->pic, port, v);
	} else if (is_machine_control(port)) {
		write_machine_control(d, port, v);
	} else if (is_cmos(port)) {
		if (port == DEV_PORT_CMOS_INDEX)
			d->cmos_index = v & 0x7F; /* bit 7 masks NMIs on a PC: the guest has none to mask */
	} else {
		uart_write(&d->com2, (unsigned)(port - COM2_BASE), v);
		send_com2(d);
	}
}

/* The models are byte-wide: a word or dword access is one byte access
 * per port, as the bus would split it.  String I/O is not emulated. */
bool dev_io(struct guest_devices *d, const struct hv_event *ev, uint64_t *rax, uint64_t now)
{
	uint16_t port = ev->port;

	if (!d->enabled || ev->io_string || !is_device(port))
		return false;
	for (unsigned i = 0; i < ev->io_size; i++) {
		uint16_t p = (uint16_t)(port + i);
		if (!is_device(p))
			continue; /* the part nobody owns: as for a blocked port */
		if (ev->io_in) {
			uint64_t mask = 0xFFull << (8 * i);
			*rax = (*rax & ~mask) | ((uint64_t)read_byte(d, p, now) << (8 * i));
		} else {
			write_byte(d, p, (uint8_t)(*rax >> (8 * i)), now);
		}
	}
	if (ev->io_in && ev->io_size == 4)
		*rax &= 0xFFFFFFFFull; /* IN EAX zero-extends (Intel SDM 1 3.4.1.1) */
	update_irq(d, now);
	return true;
}

/* Input on the real COM2, offered to the model until it takes it: the
 * model never overruns, bytes wait here meanwhile. */
static void receive_com2(struct guest_devices *d)
{
	if (d->rx_len == 0)
		d->rx_len = (uint8_t)plat_guest_console_read(d->rx, sizeof(d->rx));
	if (d->rx_len == 0)
		return;
	size_t took = uart_push_rx(&d->com2, d->rx, d->rx_len);
	for (size_t i = took; i < d->rx_len; i++)
		d->rx[i - took] = d->rx[i];
	d->rx_len = (uint8_t)(d->rx_len - took);
}

void dev_tick(struct guest_devices *d, uint64_t now)
{
	if (!d->enabled)
		return;
	/* The PIC latches one request however many edges came (the 8259
	 * has one IRR bit per line): one pulse stands for all of them. */
	if (pit_irq0_edges(&d->pit, now) > 0)
		pic_pulse_irq(&d->pic, DEV_IRQ_PIT);
	receive_com2(d);
	update_irq(d, now);
}

bool dev_take_intr(struct guest_devices *d, uint8_t *vector, uint64_t now)
{
	if (!d->enabled || !pic_pending(&d->pic, NULL))
		return false;
	*vector = pic_ack(&d->pic);
	/* The guest takes one: whatever is still pending waits from now. */
	d->irq_pending = false;
	update_irq(d, now);
	return true;
}
