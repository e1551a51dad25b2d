/*
 * A virtual pair of Intel 8259A programmable interrupt controllers wired
 * as on the PC: master at ports 0x20/0x21 (IRQ0-7), slave at 0xa0/0xa1
 * (IRQ8-15) cascaded into the master's IR2 (docs/devices.md).
 *
 * Pure: the caller owns struct pic and routes the guest's port accesses
 * here.  Devices drive the input lines with pic_set_irq() (or
 * pic_pulse_irq() for an edge the device cannot hold, such as the PIT's);
 * pic_pending() says whether an interrupt is to be delivered and which
 * vector; pic_ack() is the interrupt acknowledge the caller performs when
 * it injects, and returns the vector to inject.
 *
 * Every value written by the guest is untrusted: any port, byte and
 * sequence leaves the model in a defined state.
 */
#ifndef HV_DEV_PIC_H
#define HV_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xa0
#define PIC_SLAVE_DATA  0xa1
#define PIC_ELCR_MASTER 0x4d0 /* edge/level control: read as 0 (all edge), writes ignored */
#define PIC_ELCR_SLAVE  0x4d1
#define PIC_CASCADE_IRQ 2     /* the master input the slave drives */

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;       /* input levels from pic_set_irq: edge detection */
	uint8_t vector_base; /* ICW2 bits 7:3 */
	uint8_t icw3;        /* kept; the cascade is IR2 whatever it says */
	uint8_t init_step;   /* 0: operational; 2, 3, 4: the ICW expected next */
	bool ready;          /* an ICW sequence has completed since pic_reset */
	bool need_icw4, single, level_mode, auto_eoi;
	bool read_isr;       /* OCW3 RR/RIS: the command port reads ISR, not IRR */
	bool poll;           /* OCW3 P: the next command port read is a poll */
};

struct pic {
	struct pic_chip chip[2]; /* master, slave */
	uint64_t spurious;       /* acknowledges with no request left (IRQ7 vector) */
};

/* Power-on state (also a guest reset): nothing requested or in service,
 * every input masked, and no interrupt delivered until the guest has
 * written an ICW sequence (the vector base is not known before). */
void pic_reset(struct pic *pic);

/* A guest IN from 0x20, 0x21, 0xa0, 0xa1 (IRR/ISR/poll, IMR) or 0x4d0,
 * 0x4d1 (0); other ports read 0xff. */
uint8_t pic_read(struct pic *pic, uint16_t port);

/* A guest OUT to those ports (ICW1-4, OCW1-3); other ports are ignored. */
void pic_write(struct pic *pic, uint16_t port, uint8_t val);

/* Input line irq (0-15) goes to `level`.  A rising edge requests the
 * interrupt (in level-triggered mode, a high line does); a falling line
 * withdraws a request not yet acknowledged (8259A datasheet, "Edge
 * Triggered Mode": the IR input must stay high until the first INTA).
 * IRQ2 (the cascade input) and numbers above 15 are ignored. */
void pic_set_irq(struct pic *pic, unsigned irq, bool level);

/* A rising edge on irq whose request stays latched until acknowledged:
 * for the PIT's OUT0, whose pulses the caller only counts afterwards. */
void pic_pulse_irq(struct pic *pic, unsigned irq);

/* True if the pair's INT output is asserted; *vector (if not NULL) is
 * the vector an acknowledge now would return.  No side effects. */
bool pic_pending(const struct pic *pic, uint8_t *vector);

/* The interrupt acknowledge (INTA) of an injection: moves the highest
 * priority request from IRR to ISR (not in auto-EOI mode) on the master
 * and, through the cascade, the slave, and returns the vector.  With no
 * request left it returns the master's IR7 vector and sets nothing in
 * service (the 8259A's spurious "default IR7"). */
uint8_t pic_ack(struct pic *pic);

/* The 16-bit registers, slave in bits 15:8 (for the caller's logs; IRR
 * shows the cascade input as the slave drives it). */
uint16_t pic_irr(const struct pic *pic);
uint16_t pic_isr(const struct pic *pic);
uint16_t pic_imr(const struct pic *pic);

#endif
