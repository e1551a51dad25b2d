/*
 * The virtual 8254 PIT and port 0x61 (hv/dev/pit.h).  Section names are
 * those of the Intel 8254 Programmable Interval Timer datasheet
 * (231164): "Control Word Format", "Counter Latch Command", "Read-Back
 * Command", "Mode Definitions", "Read Operations", "Write Operations".
 *
 * A channel is described by its reload N and the number of PIT ticks e it
 * has counted since its count was loaded (gate-low time excluded); count,
 * OUT and the number of OUT rising edges are functions of (mode, N, e).
 */
#include "hv/dev/pit.h"

#include <stddef.h>

/* Modes 1 and 5 are gate-triggered on the 8254 (a gate rising edge starts
 * the count).  No PC wires a gate edge to channels 0/1, and Linux uses
 * mode 0 on channel 2, so they count like modes 0 and 4: started by the
 * count write, paused while the gate is low. */
static unsigned kind(const struct pit_channel *c)
{
	static const uint8_t k[6] = { 0, 0, 2, 3, 4, 4 };
	return k[c->mode];
}

/* PIT ticks since pit_reset, never less than the last value seen (a caller
 * passing an older TSC does not make guest time run backwards).  Split so
 * that nothing overflows: d / tsc_hz * PIT_HZ <= d as tsc_hz >= PIT_HZ,
 * and the remainder's product is below 2^42 * 2^21. */
static uint64_t pit_tick(struct pit *p, uint64_t now_tsc)
{
	uint64_t d = now_tsc > p->epoch_tsc ? now_tsc - p->epoch_tsc : 0;
	uint64_t t = d / p->tsc_hz * PIT_HZ + d % p->tsc_hz * PIT_HZ / p->tsc_hz;

	if (t < p->last_tick)
		t = p->last_tick;
	p->last_tick = t;
	return t;
}

/* The first TSC value at which pit_tick() reaches `tick` (rounded up),
 * UINT64_MAX if beyond the TSC's range. */
static uint64_t tick_tsc(const struct pit *p, uint64_t tick)
{
	uint64_t q = tick / PIT_HZ, r = tick % PIT_HZ;
	uint64_t part = (r * p->tsc_hz + PIT_HZ - 1) / PIT_HZ;
	uint64_t room = UINT64_MAX - p->epoch_tsc;

	if (part > room || q > (room - part) / p->tsc_hz)
		return UINT64_MAX;
	return p->epoch_tsc + q * p->tsc_hz + part;
}

static uint64_t elapsed(const struct pit_channel *c, uint64_t t)
{
	if (!c->armed)
		return 0;
	return c->done + (c->gate ? t - c->run_since : 0);
}

/* Rising edges of OUT after e ticks of a count ("Mode Definitions"):
 * mode 0 rises once at terminal count; mode 4 pulses low for one clock at
 * terminal count and rises after it; modes 2 and 3 rise at the end of
 * every period of N clocks. */
static uint64_t edges_after(const struct pit_channel *c, uint64_t e)
{
	switch (kind(c)) {
	case 0:
		return e >= c->reload;
	case 4:
		return e > c->reload;
	default:
		return e / c->reload;
	}
}

/* OUT after e ticks.  After a control word OUT is low in mode 0 and high
 * in the others ("Mode Definitions": "OUT will be initially low/high"). */
static bool out_after(const struct pit_channel *c, uint64_t e)
{
	uint64_t n = c->reload;

	if (!c->armed)
		return kind(c) != 0;
	switch (kind(c)) {
	case 0:
		return e >= n;
	case 4:
		return e != n;
	case 2: /* low while the count is 1; a gate held low forces OUT high */
		return !c->gate || n == 1 || e % n != n - 1;
	default: /* mode 3: high for the first half (the larger one if N is odd) */
		return !c->gate || e % n < (n + 1) / 2;
	}
}

/* The counting element after e ticks.  Modes 0/4 wrap after terminal
 * count and keep counting; mode 2 counts N..1; mode 3 counts down by two
 * through each half period (exact for even N, close for odd N, whose
 * halves the 8254 counts from N-1 and N+1). */
static uint16_t count_after(const struct pit_channel *c, uint64_t e)
{
	uint64_t n = c->reload, h;

	if (!c->armed)
		return (uint16_t)n;
	switch (kind(c)) {
	case 2:
		return (uint16_t)(n - e % n);
	case 3:
		h = e % n;
		if (h >= (n + 1) / 2)
			h -= (n + 1) / 2;
		return (uint16_t)(n - 2 * h);
	default:
		return (uint16_t)(n - e);
	}
}

/* Move edges of the current count into edges_banked, before the count is
 * restarted, so that a reprogramming does not lose an edge that happened. */
static void bank_edges(struct pit_channel *c, uint64_t t)
{
	uint64_t total = c->armed ? edges_after(c, elapsed(c, t)) : 0;

	if (total > c->edges_seen)
		c->edges_banked += total - c->edges_seen;
	c->edges_seen = total;
}

/* Start counting the reload from tick t. */
static void restart(struct pit_channel *c, uint64_t t)
{
	c->done = 0;
	c->run_since = t;
	c->edges_seen = 0;
}

/* "Write Operations": the count is loaded once all its bytes are written;
 * a new count restarts the channel in every mode.  (In modes 2 and 3 the
 * 8254 would finish the current period first: not modelled; Linux writes
 * a control word before every count.)  0 is the largest count, 2^16. */
static void load_count(struct pit_channel *c, uint32_t v, uint64_t t)
{
	bank_edges(c, t);
	c->reload = v ? v : 65536;
	c->armed = true;
	c->null_count = false;
	restart(c, t);
}

static void write_count(struct pit_channel *c, uint8_t val, uint64_t t)
{
	switch (c->rw) {
	case 1:
		load_count(c, val, t);
		break;
	case 2:
		load_count(c, (uint32_t)val << 8, t);
		break;
	default:
		if (!c->write_msb) {
			c->lsb = val;
			c->write_msb = true;
			return;
		}
		c->write_msb = false;
		load_count(c, c->lsb | (uint32_t)val << 8, t);
	}
}

/* "Counter Latch Command": the count is held until read; a second latch
 * before the first is read is ignored. */
static void latch_count(struct pit_channel *c, uint64_t t)
{
	uint16_t v = count_after(c, elapsed(c, t));

	if (c->count_left)
		return;
	c->count_bytes[0] = c->rw == 2 ? (uint8_t)(v >> 8) : (uint8_t)v;
	c->count_bytes[1] = (uint8_t)(v >> 8);
	c->count_left = c->rw == 3 ? 2 : 1;
}

/* "Read-Back Command", status byte: OUT, NULL COUNT, RW, mode, BCD. */
static void latch_status(struct pit_channel *c, uint64_t t)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)(out_after(c, elapsed(c, t)) << 7 | c->null_count << 6 | c->rw << 4 |
			      c->mode << 1 | c->bcd);
	c->status_latched = true;
}

/* "Read-Back Command": bits 3:1 select counters 0-2, bit 5 clear latches
 * the count, bit 4 clear latches the status. */
static void read_back(struct pit *p, uint8_t val, uint64_t t)
{
	for (unsigned i = 0; i < 3; i++) {
		if (!(val & (2u << i)))
			continue;
		if (!(val & 0x20))
			latch_count(&p->ch[i], t);
		if (!(val & 0x10))
			latch_status(&p->ch[i], t);
	}
}

/* "Control Word Format": SC (7:6), RW (5:4), M (3:1), BCD (0).  A control
 * word resets the channel's control logic: it stops counting until a count
 * is written, and drops latched values and half-written counts. */
static void write_control(struct pit *p, uint8_t val, uint64_t t)
{
	unsigned sc = val >> 6, rw = (val >> 4) & 3, mode = (val >> 1) & 7;
	struct pit_channel *c;

	if (sc == 3) {
		read_back(p, val, t);
		return;
	}
	c = &p->ch[sc];
	if (rw == 0) {
		latch_count(c, t);
		return;
	}
	bank_edges(c, t);
	c->rw = (uint8_t)rw;
	c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode); /* 6, 7 are 2, 3 ("X10", "X11") */
	c->bcd = val & 1;
	c->armed = false;
	c->null_count = true;
	c->write_msb = false;
	c->read_msb = false;
	c->count_left = 0;
	c->status_latched = false;
}

/* "Read Operations": a latched status first, then a latched count, then
 * the live count (rw 3: LSB, MSB alternately). */
static uint8_t read_channel(struct pit_channel *c, uint64_t t)
{
	uint16_t v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_left) {
		uint8_t b = c->count_bytes[c->rw == 3 && c->count_left == 1];

		c->count_left--;
		return b;
	}
	v = count_after(c, elapsed(c, t));
	if (c->rw == 1 || (c->rw == 3 && !c->read_msb)) {
		c->read_msb = c->rw == 3;
		return (uint8_t)v;
	}
	c->read_msb = false;
	return (uint8_t)(v >> 8);
}

/* Channel 2's gate (port 0x61 bit 0).  "Mode Definitions", GATE: in modes
 * 0, 1, 4, 5 (as modelled) a low gate suspends counting; in modes 2 and 3
 * it stops counting and forces OUT high, and its rising edge reloads. */
static void set_gate(struct pit_channel *c, bool gate, uint64_t t)
{
	if (gate == c->gate)
		return;
	if (c->armed && !gate)
		c->done = elapsed(c, t);
	if (c->armed && gate && kind(c) != 0 && kind(c) != 4) {
		bank_edges(c, t);
		c->done = 0;
		c->edges_seen = 0;
	}
	c->run_since = t;
	c->gate = gate;
}

/* Port 0x61: bits 3:0 as written, bit 4 the refresh toggle (hardware
 * flips it every 15 us; it flips on every read here, so a guest waiting
 * for it to change never waits long), bit 5 channel 2's OUT. */
static uint8_t read_sysctl(struct pit *p, uint64_t t)
{
	struct pit_channel *c = &p->ch[2];

	p->refresh = !p->refresh;
	return (uint8_t)(p->sysctl | (p->refresh ? PIT_SYSCTL_REFRESH : 0) |
			 (out_after(c, elapsed(c, t)) ? PIT_SYSCTL_OUT2 : 0));
}

bool pit_reset(struct pit *p, uint64_t tsc_hz, uint64_t now_tsc)
{
	static const struct pit_channel power_on = { .reload = 65536, .rw = 3 };

	if (tsc_hz < PIT_TSC_HZ_MIN || tsc_hz > PIT_TSC_HZ_MAX)
		return false;
	*p = (struct pit){ .tsc_hz = tsc_hz, .epoch_tsc = now_tsc };
	for (unsigned i = 0; i < 3; i++)
		p->ch[i] = power_on;
	p->ch[0].gate = true; /* PC wiring: channels 0 and 1 gated high */
	p->ch[1].gate = true;
	return true;
}

uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_tsc)
{
	uint64_t t = pit_tick(p, now_tsc);

	if (port >= PIT_PORT_CH0 && port <= PIT_PORT_CH2)
		return read_channel(&p->ch[port - PIT_PORT_CH0], t);
	if (port == PIT_PORT_SYSCTL)
		return read_sysctl(p, t);
	return 0xff;
}

void pit_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_tsc)
{
	uint64_t t = pit_tick(p, now_tsc);

	if (port >= PIT_PORT_CH0 && port <= PIT_PORT_CH2) {
		write_count(&p->ch[port - PIT_PORT_CH0], val, t);
	} else if (port == PIT_PORT_CONTROL) {
		write_control(p, val, t);
	} else if (port == PIT_PORT_SYSCTL) {
		p->sysctl = val & PIT_SYSCTL_RW_MASK;
		set_gate(&p->ch[2], val & PIT_SYSCTL_GATE2, t);
	}
}

unsigned pit_irq0_edges(struct pit *p, uint64_t now_tsc)
{
	struct pit_channel *c = &p->ch[0];
	uint64_t n;

	bank_edges(c, pit_tick(p, now_tsc));
	n = c->edges_banked;
	c->edges_banked = 0;
	if (n > PIT_IRQ0_MAX_EDGES) {
		p->irq0_dropped += n - PIT_IRQ0_MAX_EDGES;
		n = PIT_IRQ0_MAX_EDGES;
	}
	return (unsigned)n;
}

/* PIT ticks from e to channel 0's next rising edge, 0 if none comes. */
static uint64_t ticks_to_edge(const struct pit_channel *c, uint64_t e)
{
	uint64_t n = c->reload;

	if (!c->armed || !c->gate)
		return 0;
	switch (kind(c)) {
	case 0:
		return e < n ? n - e : 0;
	case 4:
		return e <= n ? n + 1 - e : 0;
	default:
		return n - e % n;
	}
}

uint64_t pit_next_event_tsc(struct pit *p, uint64_t now_tsc)
{
	struct pit_channel *c = &p->ch[0];
	uint64_t t = pit_tick(p, now_tsc), e = elapsed(c, t), d;

	if (c->edges_banked || edges_after(c, e) > c->edges_seen)
		return now_tsc;
	d = ticks_to_edge(c, e);
	return d ? tick_tsc(p, t + d) : UINT64_MAX;
}

bool pit_out(struct pit *p, unsigned channel, uint64_t now_tsc)
{
	uint64_t t = pit_tick(p, now_tsc);

	if (channel > 2)
		return false;
	return out_after(&p->ch[channel], elapsed(&p->ch[channel], t));
}
