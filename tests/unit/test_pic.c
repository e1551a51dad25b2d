/*
 * Host unit tests for hv/dev/pic.c: the virtual 8259A pair, driven
 * through Linux 6.1's sequences (arch/x86/kernel/i8259.c: probe_8259A,
 * init_8259A, mask_and_ack_8259A, i8259A_irq_real) and through hostile
 * programming.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/dev/pic.h"

/* init_8259A(auto_eoi): ICW1 0x11 (edge, cascade, ICW4), ICW2 0x30 and
 * 0x38, ICW3 0x04 (slave on IR2) and 0x02 (slave id), ICW4 0x01 (8086)
 * or 0x03 (and AEOI) on the master; then the cached masks. */
static void linux_init(struct pic *pic, bool auto_eoi, uint8_t master_mask, uint8_t slave_mask)
{
	pic_write(pic, PIC_MASTER_DATA, 0xff);
	pic_write(pic, PIC_MASTER_CMD, 0x11);
	pic_write(pic, PIC_MASTER_DATA, 0x30);
	pic_write(pic, PIC_MASTER_DATA, 0x04);
	pic_write(pic, PIC_MASTER_DATA, auto_eoi ? 0x03 : 0x01);
	pic_write(pic, PIC_SLAVE_CMD, 0x11);
	pic_write(pic, PIC_SLAVE_DATA, 0x38);
	pic_write(pic, PIC_SLAVE_DATA, 0x02);
	pic_write(pic, PIC_SLAVE_DATA, 0x01);
	pic_write(pic, PIC_MASTER_DATA, master_mask);
	pic_write(pic, PIC_SLAVE_DATA, slave_mask);
}

static struct pic linux_pic(uint8_t master_mask, uint8_t slave_mask)
{
	struct pic pic;

	pic_reset(&pic);
	linux_init(&pic, false, master_mask, slave_mask);
	return pic;
}

/* The vector pending now, or -1. */
static int pending(const struct pic *pic)
{
	uint8_t v = 0;

	return pic_pending(pic, &v) ? v : -1;
}

/* probe_8259A reads back an IMR; nothing is delivered before the ICWs
 * (the vector base is unknown); after init_8259A and unmasking IRQ0 the
 * PIT's edge is vector 0x30, blocks itself while in service, and comes
 * back after a non-specific EOI. */
static void test_linux_init_and_timer(void **state)
{
	struct pic pic;
	(void)state;

	pic_reset(&pic);
	assert_int_equal(pic_imr(&pic), 0xffff);
	pic_write(&pic, PIC_SLAVE_DATA, 0xff);
	pic_write(&pic, PIC_MASTER_DATA, 0xa5);
	assert_int_equal(pic_read(&pic, PIC_MASTER_DATA), 0xa5);
	pic_write(&pic, PIC_MASTER_DATA, 0x00);
	pic_pulse_irq(&pic, 0);
	assert_int_equal(pending(&pic), -1);
	pic_write(&pic, PIC_MASTER_CMD, 0x11); /* an unfinished sequence */
	pic_write(&pic, PIC_MASTER_DATA, 0x30);
	pic_pulse_irq(&pic, 0);
	assert_int_equal(pending(&pic), -1);

	linux_init(&pic, false, 0xfb, 0xff);
	assert_int_equal(pic_imr(&pic), 0xfffb);
	assert_int_equal(pic_irr(&pic), 0); /* ICW1 dropped the old request */
	pic_pulse_irq(&pic, 0);
	assert_int_equal(pending(&pic), -1); /* masked */
	pic_write(&pic, PIC_MASTER_DATA, 0xfa);
	assert_int_equal(pending(&pic), 0x30);
	assert_int_equal(pic_ack(&pic), 0x30);
	assert_int_equal(pic_isr(&pic), 0x0001);
	assert_int_equal(pic_irr(&pic), 0);
	pic_pulse_irq(&pic, 0);
	assert_int_equal(pending(&pic), -1); /* in service */
	pic_write(&pic, PIC_MASTER_CMD, 0x20); /* non-specific EOI */
	assert_int_equal(pic_isr(&pic), 0);
	assert_int_equal(pending(&pic), 0x30);
	assert_int_equal(pic.spurious, 0);
}

/* Fixed priority (IR0 highest), nesting of a higher request over one in
 * service, non-specific EOI ending the highest in service, specific EOI
 * (0x60 + n, as mask_and_ack_8259A sends), and masking. */
static void test_priority_nesting_eoi(void **state)
{
	struct pic pic = linux_pic(0x00, 0xff);
	(void)state;

	pic_set_irq(&pic, 4, true);
	pic_pulse_irq(&pic, 3);
	assert_int_equal(pic_ack(&pic), 0x33);
	assert_int_equal(pending(&pic), -1); /* IR4 below IR3 in service */
	pic_set_irq(&pic, 1, true);
	assert_int_equal(pending(&pic), 0x31);
	assert_int_equal(pic_ack(&pic), 0x31);
	assert_int_equal(pic_isr(&pic), 0x0a);
	pic_write(&pic, PIC_MASTER_CMD, 0xa0); /* rotate on non-specific EOI: an EOI here */
	assert_int_equal(pic_isr(&pic), 0x08);
	pic_write(&pic, PIC_MASTER_CMD, 0x65); /* specific EOI of a level not in service */
	assert_int_equal(pic_isr(&pic), 0x08);
	pic_write(&pic, PIC_MASTER_DATA, 0x10); /* mask IR4 */
	pic_write(&pic, PIC_MASTER_CMD, 0x63);
	assert_int_equal(pic_isr(&pic), 0);
	assert_int_equal(pending(&pic), -1);
	pic_write(&pic, PIC_MASTER_DATA, 0x00);
	assert_int_equal(pic_ack(&pic), 0x34);
}

/* A slave IRQ reaches the CPU through the master's IR2: vector from the
 * slave's base, both ISRs set, the EOIs Linux sends (slave 0x60+n, master
 * 0x62), the master's mask on IR2 and its in-service IR2 blocking. */
static void test_cascade(void **state)
{
	struct pic pic = linux_pic(0xfb, 0xef); /* IRQ2 and IRQ12 unmasked */
	(void)state;

	pic_set_irq(&pic, 12, true);
	assert_int_equal(pic_irr(&pic), 0x1004);
	assert_int_equal(pending(&pic), 0x3c);
	pic_write(&pic, PIC_MASTER_DATA, 0xff);
	assert_int_equal(pending(&pic), -1);
	pic_write(&pic, PIC_MASTER_DATA, 0xf3); /* IRQ2, IRQ3 unmasked */
	assert_int_equal(pic_ack(&pic), 0x3c);
	assert_int_equal(pic_isr(&pic), 0x1004);
	pic_set_irq(&pic, 12, false);
	pic_set_irq(&pic, 3, true);
	assert_int_equal(pending(&pic), -1); /* below IR2 in service */
	pic_write(&pic, PIC_SLAVE_CMD, 0x64);
	pic_write(&pic, PIC_MASTER_CMD, 0x62);
	assert_int_equal(pic_isr(&pic), 0);
	assert_int_equal(pending(&pic), 0x33);

	/* Slave ISR read as i8259A_irq_real does: OCW3 0x0b, then 0x0a. */
	pic_write(&pic, PIC_MASTER_DATA, 0xfb);
	pic_set_irq(&pic, 12, true);
	assert_int_equal(pic_ack(&pic), 0x3c);
	pic_write(&pic, PIC_SLAVE_CMD, 0x0b);
	assert_int_equal(pic_read(&pic, PIC_SLAVE_CMD), 0x10);
	pic_write(&pic, PIC_SLAVE_CMD, 0x0a);
	assert_int_equal(pic_read(&pic, PIC_SLAVE_CMD), 0x00);
	pic_set_irq(&pic, 9, true);
	pic_write(&pic, PIC_SLAVE_DATA, 0xed);
	/* The slave's IR1 is above its IR4 in service, but the master's IR2
	 * in service blocks it (no special fully nested mode). */
	assert_int_equal(pending(&pic), -1);
	assert_int_equal(pic_read(&pic, PIC_SLAVE_CMD), 0x02);
	pic_write(&pic, PIC_MASTER_CMD, 0x62);
	assert_int_equal(pending(&pic), 0x39);
}

/* Edge triggering: a line held high requests once; a line that falls
 * before the acknowledge withdraws its request and the acknowledge is the
 * spurious IR7 vector with nothing put in service; a pulse stays latched. */
static void test_edges_and_spurious(void **state)
{
	struct pic pic = linux_pic(0x00, 0x00);
	(void)state;

	pic_set_irq(&pic, 3, true);
	assert_int_equal(pic_ack(&pic), 0x33);
	pic_write(&pic, PIC_MASTER_CMD, 0x20);
	pic_set_irq(&pic, 3, true);
	assert_int_equal(pending(&pic), -1);
	pic_set_irq(&pic, 3, false);
	pic_set_irq(&pic, 3, true);
	assert_int_equal(pending(&pic), 0x33);
	pic_set_irq(&pic, 3, false);
	assert_int_equal(pending(&pic), -1);
	assert_int_equal(pic_ack(&pic), 0x37);
	assert_int_equal(pic_isr(&pic), 0);
	assert_int_equal(pic.spurious, 1);

	pic_pulse_irq(&pic, 10);
	pic_set_irq(&pic, 10, false); /* the line was never high: nothing withdrawn */
	assert_int_equal(pending(&pic), 0x3a);
	pic_pulse_irq(&pic, 16);
	pic_set_irq(&pic, 0xffffffffu, true);
	assert_int_equal(pic_irr(&pic), 0x0404);
	assert_int_equal(pic_ack(&pic), 0x3a);
	pic_write(&pic, PIC_SLAVE_CMD, 0x20);
	pic_write(&pic, PIC_MASTER_CMD, 0x20);
	pic_set_irq(&pic, 2, true); /* the cascade input is not a device line */
	pic_pulse_irq(&pic, 2);
	assert_int_equal(pic_irr(&pic), 0);
	assert_int_equal(pending(&pic), -1);
}

/* ICW1 0x19: level triggered; the request stays while the line is high,
 * so it comes back after the EOI. */
static void test_level_mode(void **state)
{
	struct pic pic;
	(void)state;

	pic_reset(&pic);
	pic_write(&pic, PIC_MASTER_CMD, 0x19);
	pic_write(&pic, PIC_MASTER_DATA, 0x20);
	pic_write(&pic, PIC_MASTER_DATA, 0x04);
	pic_write(&pic, PIC_MASTER_DATA, 0x01);
	pic_set_irq(&pic, 5, true);
	assert_int_equal(pic_ack(&pic), 0x25);
	assert_int_equal(pending(&pic), -1);
	pic_write(&pic, PIC_MASTER_CMD, 0x20);
	assert_int_equal(pending(&pic), 0x25);
	pic_set_irq(&pic, 5, false);
	assert_int_equal(pending(&pic), -1);
}

/* ICW4 AEOI: the acknowledge puts nothing in service. */
static void test_auto_eoi(void **state)
{
	struct pic pic;
	(void)state;

	pic_reset(&pic);
	linux_init(&pic, true, 0xfa, 0xff);
	pic_pulse_irq(&pic, 0);
	assert_int_equal(pic_ack(&pic), 0x30);
	assert_int_equal(pic_isr(&pic), 0);
	pic_pulse_irq(&pic, 0);
	assert_int_equal(pending(&pic), 0x30);
}

/* OCW3: IRR/ISR select and the poll command. */
static void test_ocw3(void **state)
{
	struct pic pic = linux_pic(0x00, 0x00);
	(void)state;

	pic_pulse_irq(&pic, 6);
	pic_pulse_irq(&pic, 5);
	assert_int_equal(pic_read(&pic, PIC_MASTER_CMD), 0x60);
	pic_write(&pic, PIC_MASTER_CMD, 0x0c); /* poll */
	assert_int_equal(pic_read(&pic, PIC_MASTER_CMD), 0x85);
	assert_int_equal(pic_read(&pic, PIC_MASTER_CMD), 0x40); /* poll is one read */
	pic_write(&pic, PIC_MASTER_CMD, 0x0b);
	assert_int_equal(pic_read(&pic, PIC_MASTER_CMD), 0x20);
	pic_write(&pic, PIC_MASTER_CMD, 0x08); /* RR = 0: selection unchanged */
	assert_int_equal(pic_read(&pic, PIC_MASTER_CMD), 0x20);
	pic_write(&pic, PIC_MASTER_CMD, 0x0c);
	assert_int_equal(pic_read(&pic, PIC_MASTER_CMD), 0x00); /* IR6 below IR5 */
	assert_int_equal(pic_read(&pic, PIC_ELCR_MASTER), 0);
	assert_int_equal(pic_read(&pic, PIC_ELCR_SLAVE), 0);
	assert_int_equal(pic_read(&pic, 0x22), 0xff);
}

/* ICW1 variants: single (no ICW3), no ICW4; a new ICW1 mid-sequence
 * restarts it; the IMR is reachable only when the sequence is over. */
static void test_icw_sequences(void **state)
{
	struct pic pic;
	(void)state;

	pic_reset(&pic);
	pic_write(&pic, PIC_MASTER_CMD, 0x13); /* SNGL, IC4 */
	pic_write(&pic, PIC_MASTER_DATA, 0x47); /* base 0x40 */
	pic_write(&pic, PIC_MASTER_DATA, 0x01); /* ICW4, not ICW3 */
	pic_write(&pic, PIC_MASTER_DATA, 0xfe); /* OCW1 */
	assert_int_equal(pic_imr(&pic) & 0xff, 0xfe);
	pic_pulse_irq(&pic, 0);
	assert_int_equal(pic_ack(&pic), 0x40);
	assert_int_equal(pic_isr(&pic), 0x01); /* not AEOI */

	pic_write(&pic, PIC_MASTER_CMD, 0x10); /* cascade, no ICW4 */
	pic_write(&pic, PIC_MASTER_DATA, 0x50);
	pic_write(&pic, PIC_MASTER_DATA, 0x04);
	pic_write(&pic, PIC_MASTER_DATA, 0xfd); /* OCW1, not ICW4 */
	assert_int_equal(pic_imr(&pic) & 0xff, 0xfd);
	pic_write(&pic, PIC_MASTER_CMD, 0x10);
	pic_write(&pic, PIC_MASTER_DATA, 0x50);
	pic_write(&pic, PIC_MASTER_CMD, 0x11); /* restart */
	pic_write(&pic, PIC_MASTER_DATA, 0x60);
	pic_write(&pic, PIC_MASTER_DATA, 0x04);
	pic_write(&pic, PIC_MASTER_DATA, 0x01);
	pic_write(&pic, PIC_MASTER_DATA, 0x7e);
	assert_int_equal(pic_imr(&pic) & 0xff, 0x7e);
	pic_pulse_irq(&pic, 0);
	assert_int_equal(pic_ack(&pic), 0x60);
}

/* Any byte to any port and any line change keeps the model consistent:
 * whenever pic_pending names a vector, pic_ack returns that vector. */
static void test_random_sequences(void **state)
{
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x22 };
	struct pic pic;
	uint32_t x = 12345;
	uint8_t v;
	(void)state;

	pic_reset(&pic);
	for (unsigned i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		unsigned r = x >> 8;
		if ((r & 3) == 0)
			pic_write(&pic, ports[(r >> 2) % 7], (uint8_t)(r >> 5));
		else if ((r & 3) == 1)
			(void)pic_read(&pic, ports[(r >> 2) % 7]);
		else if ((r & 3) == 2)
			pic_set_irq(&pic, (r >> 2) & 31, r & 0x100);
		else if (pic_pending(&pic, &v))
			assert_int_equal(pic_ack(&pic), v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_init_and_timer),
		cmocka_unit_test(test_priority_nesting_eoi),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_edges_and_spurious),
		cmocka_unit_test(test_level_mode),
		cmocka_unit_test(test_auto_eoi),
		cmocka_unit_test(test_ocw3),
		cmocka_unit_test(test_icw_sequences),
		cmocka_unit_test(test_random_sequences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
