/*
 * Sample logs from the real logger (hv/log.c) on a fake platform, for the
 * decoder tests (tests/tools/run.sh).  Output is what COM1 carries: the
 * fake plat_log_write turns "\n" into "\r\n" as the UART does.
 *
 *   hvlog-sample basic      one boot, every category, quoting, truncation
 *   hvlog-sample overflow   buffered burst: ring drops, gap, log_dropped
 *   hvlog-sample reboot     two boots
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/platform.h"
#include "lib/log.h"

static uint64_t fake_tsc;

uint64_t plat_tsc(void)
{
	fake_tsc += 2997; /* about 1 us at 3 GHz per call */
	return fake_tsc;
}

unsigned plat_log_try_write(const char *s, unsigned len);
unsigned plat_log_try_write(const char *s, unsigned len)
{
	plat_log_write(s, len);
	return len;
}

void plat_log_write(const char *s, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		if (s[i] == '\n')
			putchar('\r');
		putchar(s[i]);
	}
}

static void boot(void)
{
	char q[64];

	log_reset();
	fake_tsc = 1000000;
	hv_log("hypervisor starting boot=uefi cmdline=\"%s\"",
	       log_quote(q, sizeof(q), "ticklog=10 name=\"x\""));
	log_set_clock(1000000, 3000000000ull);
	hv_record(LOG_INFO, CAT_EVENT, "hello stub_version=1 shared_page=0x7000");
	hv_record(LOG_MAJOR, CAT_EVENT, "hang missed=2 rip=0x100123");
	hv_record(LOG_INFO, CAT_DECISION, "policy=default rule=hang action=reset");
	hv_record(LOG_INFO, CAT_ACTION, "reset scheduled backoff_ms=10");
	hv_record(LOG_MINOR, CAT_OUTCOME, "reset done generation=1");
	hv_record(LOG_EMERG, CAT_ALARM, "alarm id=1 level=emerg cause=\"too many resets\"");
	hv_record(LOG_INFO, CAT_STAT, "stat exits=1234 ticks=99");
	hv_record(LOG_INFO, CAT_TICK, "tick n=100 guest_rip=0x100200");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "basic";
	char big[400];

	if (strcmp(mode, "basic") == 0) {
		boot();
		memset(big, 'z', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		hv_record(LOG_INFO, CAT_LOG, "long value=%s", big);
		hv_record(LOG_INFO, CAT_LOG, "odd a*b=%c tab=\t end", 1);
	} else if (strcmp(mode, "overflow") == 0) {
		boot();
		log_set_buffered(true);
		/* 7 more than ordinary records may fill (the rest of the ring is
		 * reserved for decisions, lib/log.h) */
		for (unsigned i = 0; i < LOG_RING_ORDINARY + 7; i++)
			hv_record(LOG_INFO, CAT_TICK, "tick n=%u", i);
		log_drain(0);
		hv_log("after burst");
		log_set_buffered(false);
	} else if (strcmp(mode, "reboot") == 0) {
		boot();
		boot();
	} else {
		fprintf(stderr, "usage: hvlog-sample basic|overflow|reboot\n");
		return 1;
	}
	return 0;
}
