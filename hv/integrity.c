/*
 * A CRC-32 of what a guest must never be able to change: the hypervisor's
 * code and the backend's control structures (I/O and MSR intercept
 * bitmaps, EPT/NPT tables).  The isolation probe compares it before and
 * after the guest has tried every page, port and MSR it must not touch.
 * _text/_etext come from the linker script (gnu-efi's for the UEFI
 * image, linker.ld for the Multiboot2 kernel).
 */
#include "crc32.h"
#include "hv.h"
#include "log.h"

extern char _text[], _etext[];

uint32_t hv_integrity_crc(void)
{
	uint32_t crc = crc32_ieee(_text, (size_t)(_etext - _text));

	return hv.ops->control_crc(crc);
}

uint64_t hv_integrity_check(void)
{
	uint32_t crc = hv_integrity_crc();

	hv_record(LOG_INFO, CAT_STAT,
		  "integrity crc=%08x text_bytes=%llu hypercalls=%llu refused=%llu reports_refused=%llu "
		  "io_blocked=%llu msr_blocked=%llu", crc, (unsigned long long)(_etext - _text),
		  (unsigned long long)hv.hypercalls, (unsigned long long)hv.hypercalls_refused,
		  (unsigned long long)hv.reports_refused,
		  (unsigned long long)hv.io_blocked, (unsigned long long)hv.msr_blocked);
	watchdog_log_stats();
	return crc;
}
