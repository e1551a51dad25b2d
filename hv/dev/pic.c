/*
 * The virtual 8259A pair (hv/dev/pic.h).  Section names are those of the
 * Intel 8259A Programmable Interrupt Controller datasheet (231468):
 * "Initialization Command Words", "Operation Command Words", "Interrupt
 * Sequence", "Fully Nested Mode", "End of Interrupt", "Automatic End of
 * Interrupt", "Reading the 8259A Status", "Poll Command", "Edge and Level
 * Triggered Modes", "Cascade Mode".
 *
 * Left out (Linux does not use them): priority rotation (OCW2 rotate
 * commands act as their plain EOI, "set priority" and the rotate-in-AEOI
 * commands do nothing: IR0 is always highest), special mask mode, special
 * fully nested mode, buffered mode and 8080 (MCS-80/85) vectors: ICW4's
 * uPM bit is ignored and vectors are always the 8086 form.
 */
#include "hv/dev/pic.h"

#include <stddef.h>

#define NONE 8 /* "no IR": lower priority than IR7 */

/* Fixed priority, IR0 highest ("Fully Nested Mode"). */
static unsigned highest(uint8_t bits)
{
	return bits ? (unsigned)__builtin_ctz(bits) : NONE;
}

/* The IR a chip would present at INTA given its request bits, or NONE:
 * unmasked, and of higher priority than everything in service. */
static unsigned chip_choice(const struct pic_chip *c, uint8_t irr)
{
	unsigned r = highest(irr & (uint8_t)~c->imr);

	if (!c->ready || r >= highest(c->isr))
		return NONE;
	return r;
}

/* The master's IRR with IR2 driven by the slave's INT output ("Cascade
 * Mode"); the line is evaluated rather than latched, so a slave request
 * is neither lost nor left stale. */
static uint8_t master_irr(const struct pic *pic)
{
	const struct pic_chip *s = &pic->chip[1];
	bool slave_int = chip_choice(s, s->irr) != NONE;

	return (uint8_t)(pic->chip[0].irr | (slave_int ? 1u << PIC_CASCADE_IRQ : 0));
}

/* "Interrupt Sequence": IRR to ISR (nothing in service under auto-EOI).
 * In level-triggered mode the request stays while the line is high. */
static uint8_t accept(struct pic_chip *c, unsigned r)
{
	uint8_t bit = (uint8_t)(1u << r);

	c->irr &= (uint8_t)~bit;
	if (c->level_mode)
		c->irr |= c->lines & bit;
	if (!c->auto_eoi)
		c->isr |= bit;
	return (uint8_t)(c->vector_base | r);
}

/* ICW1 (A0 = 0, D4 = 1): starts the sequence.  The datasheet lists its
 * effects: the edge sense is reset (a line already high must fall and
 * rise again: `lines` is kept), IMR cleared, status read set to IRR, and
 * with IC4 = 0 every ICW4 function zero.  IRR and ISR are cleared too,
 * so that a re-initialized chip starts from nothing pending. */
static void write_icw1(struct pic_chip *c, uint8_t val)
{
	c->irr = 0;
	c->isr = 0;
	c->imr = 0;
	c->read_isr = false;
	c->poll = false;
	c->auto_eoi = false;
	c->need_icw4 = val & 0x01;
	c->single = val & 0x02;
	c->level_mode = val & 0x08;
	c->init_step = 2;
}

/* ICW2-ICW4 on the data port, in the order ICW1's SNGL and IC4 ask for. */
static void write_icw(struct pic_chip *c, uint8_t val)
{
	unsigned after;

	switch (c->init_step) {
	case 2:
		c->vector_base = val & 0xf8; /* T7-T3; T2-T0 are the IR number */
		after = c->single ? 4 : 3;
		break;
	case 3:
		c->icw3 = val;
		after = 4;
		break;
	default:
		c->auto_eoi = val & 0x02; /* AEOI; uPM, M/S, BUF, SFNM ignored */
		after = 0;
	}
	if (after == 4 && !c->need_icw4)
		after = 0;
	c->init_step = (uint8_t)after;
	c->ready = c->ready || after == 0;
}

/* OCW2: R, SL, EOI (bits 7:5) and the level L2-L0. */
static void write_ocw2(struct pic_chip *c, uint8_t val)
{
	switch (val >> 5) {
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI: no rotation */
		c->isr &= (uint8_t)~(1u << highest(c->isr) & 0xff);
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI: no rotation */
		c->isr &= (uint8_t)~(1u << (val & 7));
		break;
	default: /* rotate in AEOI set/clear, no operation, set priority */
		break;
	}
}

/* OCW3: P (bit 2) and RR/RIS (bits 1:0); ESMM/SMM (bits 6:5) ignored. */
static void write_ocw3(struct pic_chip *c, uint8_t val)
{
	if (val & 0x02)
		c->read_isr = val & 0x01;
	c->poll = val & 0x04;
}

/* "Poll Command": the read is the acknowledge; bit 7 says whether there
 * was a request, bits 2:0 its level.  A master poll that finds the
 * cascade puts IR2 in service; the guest then polls the slave. */
static uint8_t read_poll(struct pic *pic, unsigned chip)
{
	struct pic_chip *c = &pic->chip[chip];
	unsigned r = chip_choice(c, chip ? c->irr : master_irr(pic));

	c->poll = false;
	if (r == NONE)
		return 0;
	(void)accept(c, r);
	return (uint8_t)(0x80 | r);
}

void pic_reset(struct pic *pic)
{
	*pic = (struct pic){ 0 };
	pic->chip[0].imr = 0xff;
	pic->chip[1].imr = 0xff;
}

/* The chip behind a port (0 master, 1 slave) or -1. */
static int port_chip(uint16_t port)
{
	if (port == PIC_MASTER_CMD || port == PIC_MASTER_DATA)
		return 0;
	if (port == PIC_SLAVE_CMD || port == PIC_SLAVE_DATA)
		return 1;
	return -1;
}

uint8_t pic_read(struct pic *pic, uint16_t port)
{
	int chip = port_chip(port);
	struct pic_chip *c;

	if (chip < 0)
		return port == PIC_ELCR_MASTER || port == PIC_ELCR_SLAVE ? 0 : 0xff;
	c = &pic->chip[chip];
	if (port & 1)
		return c->imr;
	if (c->poll)
		return read_poll(pic, (unsigned)chip);
	if (c->read_isr)
		return c->isr;
	return chip ? c->irr : master_irr(pic);
}

void pic_write(struct pic *pic, uint16_t port, uint8_t val)
{
	int chip = port_chip(port);
	struct pic_chip *c;

	if (chip < 0)
		return;
	c = &pic->chip[chip];
	if (!(port & 1) && (val & 0x10))
		write_icw1(c, val);
	else if (!(port & 1) && (val & 0x08))
		write_ocw3(c, val);
	else if (!(port & 1))
		write_ocw2(c, val);
	else if (c->init_step)
		write_icw(c, val);
	else
		c->imr = val; /* OCW1 */
}

void pic_set_irq(struct pic *pic, unsigned irq, bool level)
{
	struct pic_chip *c;
	uint8_t bit;

	if (irq > 15 || irq == PIC_CASCADE_IRQ)
		return;
	c = &pic->chip[irq >> 3];
	bit = (uint8_t)(1u << (irq & 7));
	if (level && (c->level_mode || !(c->lines & bit)))
		c->irr |= bit;
	if (!level && (c->lines & bit))
		c->irr &= (uint8_t)~bit;
	c->lines = level ? c->lines | bit : c->lines & (uint8_t)~bit;
}

void pic_pulse_irq(struct pic *pic, unsigned irq)
{
	if (irq > 15 || irq == PIC_CASCADE_IRQ)
		return;
	pic->chip[irq >> 3].irr |= (uint8_t)(1u << (irq & 7));
}

bool pic_pending(const struct pic *pic, uint8_t *vector)
{
	const struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	unsigned r = chip_choice(m, master_irr(pic));

	if (r == NONE)
		return false;
	if (vector && r == PIC_CASCADE_IRQ)
		*vector = (uint8_t)(s->vector_base | chip_choice(s, s->irr));
	else if (vector)
		*vector = (uint8_t)(m->vector_base | r);
	return true;
}

/* The slave's request is resolved in the same step as the master's, so
 * a slave request that went away shows as no master IR2 request: the
 * spurious case is always the master's IR7, never the slave's IR7 (which
 * on hardware arises when the slave's line drops between the two INTA
 * pulses). */
uint8_t pic_ack(struct pic *pic)
{
	struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	unsigned r = chip_choice(m, master_irr(pic));

	if (r == NONE) {
		pic->spurious++;
		return (uint8_t)(m->vector_base | 7);
	}
	if (r != PIC_CASCADE_IRQ)
		return accept(m, r);
	(void)accept(m, r);
	return accept(s, chip_choice(s, s->irr));
}

uint16_t pic_irr(const struct pic *pic)
{
	return (uint16_t)(master_irr(pic) | pic->chip[1].irr << 8);
}

uint16_t pic_isr(const struct pic *pic)
{
	return (uint16_t)(pic->chip[0].isr | pic->chip[1].isr << 8);
}

uint16_t pic_imr(const struct pic *pic)
{
	return (uint16_t)(pic->chip[0].imr | pic->chip[1].imr << 8);
}
