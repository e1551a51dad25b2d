/*
 * A CRC-32 of what a guest must never be able to change: the hypervisor's
 * code and the backend's control structures (I/O and MSR intercept
 * bitmaps, EPT/NPT tables).  The isolation probe compares it before and
 * after the guest has tried every page, port and MSR it must not touch.
 * _text/_etext come from the linker script (gnu-efi's for the UEFI
 * image, linker.ld for the Multiboot2 kernel).
 */
#include "hv/actions.h"
#include "hv/integrity.h"
#include "lib/crc32.h"
#include "lib/log.h"

extern char _text[], _etext[];

uint64_t hv_integrity_check(const struct vm *vm, bool log)
{
	uint32_t crc = vm->ops->control_crc(crc32_ieee(_text, (size_t)(_etext - _text)));
	const struct vm_stats *st = &vm->stats;

	if (!log)
		return crc;
	hv_record(LOG_INFO, CAT_STAT,
		  "integrity crc=%08x text_bytes=%llu hypercalls=%llu refused=%llu reports_refused=%llu "
		  "io_blocked=%llu msr_blocked=%llu", crc, (unsigned long long)(_etext - _text),
		  (unsigned long long)st->hypercalls, (unsigned long long)st->hypercalls_refused,
		  (unsigned long long)st->reports_refused, (unsigned long long)st->io_blocked,
		  (unsigned long long)st->msr_blocked);
	vm_log_watchdog_stats(vm);
	return crc;
}
