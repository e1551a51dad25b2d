/*
 * Host unit tests for hv/dev/pit.c: the virtual 8254 and port 0x61,
 * driven through the sequences Linux 6.1 uses (arch/x86/kernel/tsc.c
 * pit_calibrate_tsc and quick_pit_calibrate, drivers/clocksource/i8253.c
 * periodic and one-shot) and through hostile programming.
 *
 * Times: a 3 GHz TSC starting at T0; at(k) is the first TSC value at which
 * k PIT ticks have passed, computed here with 128-bit arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hv/dev/pit.h"

#define TSC_HZ 3000000000ull
#define T0 1000000ull

static uint64_t at(uint64_t tick)
{
	return T0 + (uint64_t)(((unsigned __int128)tick * TSC_HZ + PIT_HZ - 1) / PIT_HZ);
}

static struct pit fresh(void)
{
	struct pit p;

	assert_true(pit_reset(&p, TSC_HZ, T0));
	return p;
}

/* Writes control word `cw` and a 16-bit count LSB then MSB at tick k. */
static void program(struct pit *p, unsigned ch, uint8_t cw, uint16_t count, uint64_t k)
{
	pit_write(p, PIT_PORT_CONTROL, cw, at(k));
	pit_write(p, (uint16_t)(PIT_PORT_CH0 + ch), (uint8_t)count, at(k));
	pit_write(p, (uint16_t)(PIT_PORT_CH0 + ch), (uint8_t)(count >> 8), at(k));
}

/* pit_calibrate_tsc: gate high and speaker off through port 0x61,
 * channel 2 mode 0 with a 50 ms count (0xb0), then poll bit 5 (OUT2)
 * until terminal count. */
static void test_linux_calibration(void **state)
{
	const uint16_t latch = PIT_HZ / 20; /* CLOCK_TICK_RATE / (1000 / 50) */
	struct pit p = fresh();
	uint8_t v;
	(void)state;

	v = pit_read(&p, PIT_PORT_SYSCTL, at(0));
	assert_int_equal(v & (PIT_SYSCTL_OUT2 | PIT_SYSCTL_GATE2 | 0xc0), 0);
	pit_write(&p, PIT_PORT_SYSCTL, (uint8_t)((v & ~PIT_SYSCTL_SPEAKER) | PIT_SYSCTL_GATE2), at(0));
	program(&p, 2, 0xb0, latch, 10);

	v = pit_read(&p, PIT_PORT_SYSCTL, at(10));
	assert_int_equal(v & PIT_SYSCTL_OUT2, 0);
	assert_int_equal(v & PIT_SYSCTL_RW_MASK, PIT_SYSCTL_GATE2);
	assert_int_equal(pit_read(&p, PIT_PORT_SYSCTL, at(10 + latch) - 1) & PIT_SYSCTL_OUT2, 0);
	assert_int_equal(pit_read(&p, PIT_PORT_SYSCTL, at(10 + latch)) & PIT_SYSCTL_OUT2, PIT_SYSCTL_OUT2);
	/* OUT stays high in mode 0; the counter wraps and keeps counting. */
	pit_write(&p, PIT_PORT_CONTROL, 0x80, at(10 + latch + 5)); /* latch channel 2 */
	assert_int_equal(pit_read(&p, PIT_PORT_CH2, 0), 0xfb); /* 0 - 5 = 0xfffb */
	assert_int_equal(pit_read(&p, PIT_PORT_CH2, 0), 0xff);
	assert_true(pit_read(&p, PIT_PORT_SYSCTL, at(10 + 3 * latch)) & PIT_SYSCTL_OUT2);

	/* The refresh bit toggles on every read; the speaker bit is kept. */
	v = pit_read(&p, PIT_PORT_SYSCTL, at(1000000));
	assert_int_not_equal(v & PIT_SYSCTL_REFRESH, pit_read(&p, PIT_PORT_SYSCTL, at(1000000)) & PIT_SYSCTL_REFRESH);
	pit_write(&p, PIT_PORT_SYSCTL, 0xff, at(1000000));
	assert_int_equal(pit_read(&p, PIT_PORT_SYSCTL, at(1000000)) & PIT_SYSCTL_RW_MASK, 0x0f);
}

/* Gate low suspends a mode 0 count; a count written with the gate low
 * waits for the gate. */
static void test_gate_mode0(void **state)
{
	struct pit p = fresh();
	(void)state;

	program(&p, 2, 0xb0, 1000, 0); /* gate low since power-on */
	assert_false(pit_out(&p, 2, at(5000)));
	pit_write(&p, PIT_PORT_SYSCTL, PIT_SYSCTL_GATE2, at(5000));
	assert_false(pit_out(&p, 2, at(5600)));
	pit_write(&p, PIT_PORT_SYSCTL, 0, at(5600)); /* 600 counted */
	assert_false(pit_out(&p, 2, at(9000)));
	pit_write(&p, PIT_PORT_SYSCTL, PIT_SYSCTL_GATE2, at(9000));
	assert_false(pit_out(&p, 2, at(9399)));
	assert_true(pit_out(&p, 2, at(9400)));
}

/* Modes 2 and 3 on channel 2: a low gate forces OUT high and its rising
 * edge reloads the count. */
static void test_gate_mode2_3(void **state)
{
	struct pit p = fresh();
	(void)state;

	pit_write(&p, PIT_PORT_SYSCTL, PIT_SYSCTL_GATE2, at(0));
	program(&p, 2, 0xb4, 100, 0); /* mode 2 */
	assert_false(pit_out(&p, 2, at(99)));
	assert_true(pit_out(&p, 2, at(100)));
	pit_write(&p, PIT_PORT_SYSCTL, 0, at(199)); /* in the clock OUT is low */
	assert_true(pit_out(&p, 2, at(250)));
	pit_write(&p, PIT_PORT_SYSCTL, PIT_SYSCTL_GATE2, at(300));
	pit_write(&p, PIT_PORT_CONTROL, 0x80, at(310));
	assert_int_equal(pit_read(&p, PIT_PORT_CH2, 0), 90);
	assert_false(pit_out(&p, 2, at(399)));

	program(&p, 2, 0xb6, 100, 1000); /* mode 3: high 50, low 50 */
	assert_true(pit_out(&p, 2, at(1049)));
	assert_false(pit_out(&p, 2, at(1050)));
	assert_true(pit_out(&p, 2, at(1100)));
	pit_write(&p, PIT_PORT_CONTROL, 0x80, at(1110));
	assert_int_equal(pit_read(&p, PIT_PORT_CH2, 0), 80); /* counts by two */
}

/* quick_pit_calibrate: mode 0 from 0xffff, the live count read LSB then
 * MSB without a latch command, polling the MSB. */
static void test_linux_quick_calibrate(void **state)
{
	struct pit p = fresh();
	(void)state;

	pit_write(&p, PIT_PORT_SYSCTL, PIT_SYSCTL_GATE2, at(0));
	pit_write(&p, PIT_PORT_CONTROL, 0xb0, at(0));
	pit_write(&p, PIT_PORT_CH2, 0xff, at(0));
	pit_write(&p, PIT_PORT_CH2, 0xff, at(0));
	assert_int_equal(pit_read(&p, PIT_PORT_CH2, at(1)), 0xfe);
	assert_int_equal(pit_read(&p, PIT_PORT_CH2, at(1)), 0xff);
	for (unsigned i = 1; i < 20; i++) {
		uint64_t k = (uint64_t)i * 256;

		(void)pit_read(&p, PIT_PORT_CH2, at(k)); /* LSB */
		assert_int_equal(pit_read(&p, PIT_PORT_CH2, at(k)), 0xff - i);
	}
}

/* drivers/clocksource/i8253.c periodic at HZ=250: 0x34 (channel 0, LSB
 * then MSB, mode 2) and LATCH = 4773.  Polling every millisecond for a
 * second gives 249 edges (250 periods are 1193250 ticks, just over a
 * second), and the 250th comes at at(1193250). */
static void test_periodic_hz250(void **state)
{
	const uint16_t latch = (PIT_HZ + 125) / 250;
	struct pit p = fresh();
	unsigned total = 0, n;
	(void)state;

	assert_int_equal(latch, 4773);
	program(&p, 0, 0x34, latch, 0);
	for (uint64_t ms = 1; ms <= 1000; ms++) {
		n = pit_irq0_edges(&p, T0 + ms * (TSC_HZ / 1000));
		assert_true(n <= 1);
		total += n;
	}
	assert_int_equal(total, 249);
	assert_int_equal(pit_next_event_tsc(&p, T0 + TSC_HZ), at(250ull * latch));
	assert_int_equal(pit_irq0_edges(&p, at(250ull * latch) - 1), 0);
	assert_int_equal(pit_irq0_edges(&p, at(250ull * latch)), 1);
	assert_int_equal(p.irq0_dropped, 0);
	/* An edge that passed and was not yet collected is due now. */
	assert_int_equal(pit_next_event_tsc(&p, at(251ull * latch + 10)), at(251ull * latch + 10));

	/* Driven by pit_next_event_tsc alone: one edge per deadline. */
	p = fresh();
	program(&p, 0, 0x34, latch, 0);
	uint64_t now = T0;
	for (unsigned i = 1; i <= 250; i++) {
		now = pit_next_event_tsc(&p, now);
		assert_int_equal(now, at((uint64_t)i * latch));
		assert_int_equal(pit_irq0_edges(&p, now), 1);
	}
}

/* i8253 one-shot: 0x38 (mode 4) then a count: one edge, N+1 ticks after
 * the write (OUT pulses low for the clock at terminal count), none after;
 * a new count restarts it; 0x30 with count 0 (shutdown) is 65536 ticks. */
static void test_oneshot_mode4(void **state)
{
	struct pit p = fresh();
	(void)state;

	program(&p, 0, 0x38, 1000, 0);
	assert_true(pit_out(&p, 0, at(999)));
	assert_false(pit_out(&p, 0, at(1000)));
	assert_int_equal(pit_next_event_tsc(&p, at(1000)), at(1001));
	assert_int_equal(pit_irq0_edges(&p, at(1000)), 0);
	assert_int_equal(pit_irq0_edges(&p, at(1001)), 1);
	assert_true(pit_out(&p, 0, at(1001)));
	assert_int_equal(pit_next_event_tsc(&p, at(1001)), UINT64_MAX);
	assert_int_equal(pit_irq0_edges(&p, at(200000)), 0);

	pit_write(&p, PIT_PORT_CH0, 50, at(200000));
	pit_write(&p, PIT_PORT_CH0, 0, at(200000));
	assert_int_equal(pit_next_event_tsc(&p, at(200000)), at(200051));
	assert_int_equal(pit_irq0_edges(&p, at(300000)), 1);

	program(&p, 0, 0x30, 0, 300000); /* mode 0, count 0 = 65536 */
	assert_int_equal(pit_next_event_tsc(&p, at(300000)), at(300000 + 65536));
	assert_int_equal(pit_irq0_edges(&p, at(300000 + 65535)), 0);
	assert_int_equal(pit_irq0_edges(&p, at(300000 + 65536)), 1);
	assert_int_equal(pit_next_event_tsc(&p, at(400000)), UINT64_MAX);
}

/* An edge that happened before a reprogramming is still reported. */
static void test_reprogram_keeps_edge(void **state)
{
	struct pit p = fresh();
	(void)state;

	program(&p, 0, 0x34, 100, 0);
	pit_write(&p, PIT_PORT_CONTROL, 0x34, at(250)); /* 2 edges, not yet reported */
	assert_int_equal(pit_next_event_tsc(&p, at(250)), at(250));
	pit_write(&p, PIT_PORT_CH0, 10, at(260));
	pit_write(&p, PIT_PORT_CH0, 0, at(260));
	assert_int_equal(pit_irq0_edges(&p, at(265)), 2);
	assert_int_equal(pit_irq0_edges(&p, at(270)), 1);

	/* The one-shot rearmed (a new count, no control word) after it fired
	 * but before the caller asked: the edge is kept. */
	assert_int_equal(pit_irq0_edges(&p, at(1000)), PIT_IRQ0_MAX_EDGES); /* 74 periods of 10 */
	program(&p, 0, 0x38, 100, 1000);
	pit_write(&p, PIT_PORT_CH0, 100, at(1200));
	pit_write(&p, PIT_PORT_CH0, 0, at(1200));
	assert_int_equal(pit_irq0_edges(&p, at(1250)), 1);
	assert_int_equal(pit_irq0_edges(&p, at(1301)), 1);
}

/* Counter latch command (a second latch before the read is ignored),
 * LSB-only and MSB-only access, read-back of status and count. */
static void test_latch_and_readback(void **state)
{
	struct pit p = fresh();
	(void)state;

	program(&p, 1, 0x74, 0x1234, 0); /* channel 1, mode 2 */
	pit_write(&p, PIT_PORT_CONTROL, 0x40, at(0x34));
	pit_write(&p, PIT_PORT_CONTROL, 0x40, at(0x100));
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x200)), 0x00);
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x200)), 0x12);
	pit_write(&p, PIT_PORT_CONTROL, 0x40, at(0x200));
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x300)), 0x34);

	pit_write(&p, PIT_PORT_CONTROL, 0x50, at(0)); /* channel 1, LSB only */
	/* After a control word: NULL COUNT until the count is written. */
	pit_write(&p, PIT_PORT_CONTROL, 0xe4, at(0x300)); /* read-back status, ch 1 */
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x300)), 0x40 | 0x10); /* OUT low */
	pit_write(&p, PIT_PORT_CH1, 0x80, at(0x300));
	pit_write(&p, PIT_PORT_CONTROL, 0xc4, at(0x310)); /* status and count */
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x320)), 0x10);
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x320)), 0x70);
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x320)), 0x60); /* live again */

	pit_write(&p, PIT_PORT_CONTROL, 0x6e, at(0x400)); /* MSB only, mode 7 = 3, */
	pit_write(&p, PIT_PORT_CH1, 0x02, at(0x400));      /* count 0x200 */
	pit_write(&p, PIT_PORT_CONTROL, 0xd4, at(0x401)); /* read-back count only */
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x401)), 0x01); /* 0x200 - 2 */
	pit_write(&p, PIT_PORT_CONTROL, 0xe4, at(0x401));
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x500)), 0x80 | 0x20 | 0x06);
	pit_write(&p, PIT_PORT_CONTROL, 0xe4, at(0x500)); /* second half period: OUT low */
	assert_int_equal(pit_read(&p, PIT_PORT_CH1, at(0x500)), 0x20 | 0x06);
}

/* A hostile guest: reload 1 in mode 2 (~1.19 MHz) reports at most
 * PIT_IRQ0_MAX_EDGES per call and counts the rest; odd ports and TSC
 * values do nothing harmful. */
static void test_hostile(void **state)
{
	struct pit p = fresh(), q;
	(void)state;

	program(&p, 0, 0x34, 1, 0);
	assert_int_equal(pit_irq0_edges(&p, T0 + TSC_HZ), PIT_IRQ0_MAX_EDGES);
	assert_int_equal(p.irq0_dropped, PIT_HZ - PIT_IRQ0_MAX_EDGES);
	assert_int_equal(pit_next_event_tsc(&p, T0 + TSC_HZ), at(PIT_HZ + 1));
	assert_int_equal(pit_irq0_edges(&p, UINT64_MAX), PIT_IRQ0_MAX_EDGES);
	/* Time never runs back; an old TSC reads the latest state. */
	assert_int_equal(pit_irq0_edges(&p, T0), 0);
	p = fresh();
	program(&p, 0, 0x34, 100, 1000);
	assert_int_equal(pit_irq0_edges(&p, at(500)), 0);
	assert_int_equal(pit_next_event_tsc(&p, at(500)), at(1100));

	p = fresh();
	assert_int_equal(pit_read(&p, PIT_PORT_CONTROL, at(1)), 0xff);
	assert_int_equal(pit_read(&p, 0x44, at(1)), 0xff);
	pit_write(&p, 0x44, 0x34, at(1));
	pit_write(&p, 0x60, 0x01, at(1));
	assert_int_equal(pit_next_event_tsc(&p, at(1)), UINT64_MAX);
	assert_false(pit_out(&p, 3, at(1)));
	assert_false(pit_reset(&q, PIT_TSC_HZ_MIN - 1, 0));
	assert_false(pit_reset(&q, PIT_TSC_HZ_MAX + 1, 0));
	assert_true(pit_reset(&q, PIT_TSC_HZ_MAX, UINT64_MAX - 10));
	program(&q, 0, 0x30, 0, 0);
	assert_int_equal(pit_next_event_tsc(&q, 0), UINT64_MAX); /* beyond the TSC's range */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_calibration),
		cmocka_unit_test(test_gate_mode0),
		cmocka_unit_test(test_gate_mode2_3),
		cmocka_unit_test(test_linux_quick_calibrate),
		cmocka_unit_test(test_periodic_hz250),
		cmocka_unit_test(test_oneshot_mode4),
		cmocka_unit_test(test_reprogram_keeps_edge),
		cmocka_unit_test(test_latch_and_readback),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
