/*
 * The machine's MC146818-compatible real-time clock, read once at boot
 * for the report stream's wall-clock time (hv/wallclock.h).  Index port
 * 0x70, data port 0x71; bit 7 of the index is left clear, since on a PC
 * it masks NMIs and the hypervisor's tick may be one.  A reading is
 * taken while no update cycle runs (register A bit 7, "UIP") and taken
 * again until two agree, so it never mixes the seconds before an update
 * with the minutes after it.  (MC146818A datasheet, "Update cycle".)
 */
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define RTC_REG_A 0x0A
#define RTC_A_UIP 0x80
/* An update cycle lasts under 2 ms; a port read about 1 us: these bound
 * the waits on a clock that is missing (reads all ones) or stuck. */
#define RTC_UIP_POLLS 100000
#define RTC_TRIES 8

static uint8_t rtc_reg(uint8_t index)
{
	outb(RTC_INDEX, index);
	return inb(RTC_DATA);
}

static bool wait_no_update(void)
{
	for (unsigned i = 0; i < RTC_UIP_POLLS; i++)
		if (!(rtc_reg(RTC_REG_A) & RTC_A_UIP))
			return true;
	return false;
}

static void read_once(struct rtc_raw *r)
{
	r->sec = rtc_reg(0x00);
	r->min = rtc_reg(0x02);
	r->hour = rtc_reg(0x04);
	r->day = rtc_reg(0x07);
	r->month = rtc_reg(0x08);
	r->year = rtc_reg(0x09);
	r->century = rtc_reg(0x32);
	r->reg_b = rtc_reg(0x0B);
}

static bool same(const struct rtc_raw *a, const struct rtc_raw *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
	       a->month == b->month && a->year == b->year && a->century == b->century &&
	       a->reg_b == b->reg_b;
}

bool plat_rtc_read(struct rtc_raw *r)
{
	struct rtc_raw again;

	for (unsigned i = 0; i < RTC_TRIES; i++) {
		if (!wait_no_update())
			return false;
		read_once(r);
		if (!wait_no_update())
			return false;
		read_once(&again);
		if (same(r, &again))
			return true;
	}
	return false;
}
