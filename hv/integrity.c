/*
 * A CRC-32 of what a guest must never be able to change, in this order:
 * the hypervisor's code; the fault policy in force; the platform's CPU
 * tables (GDT, IDT, TSS, CR3 and the identity page tables,
 * plat_host_tables_crc); and the backend's control structures
 * (control_crc: I/O and MSR intercept bitmaps, EPT/NPT tables, the VMCS
 * host-state and fixed control fields or the VMCB's fixed control area).
 * Each part leaves out what the CPU or the hypervisor itself changes
 * while the guest runs.  The isolation probe compares it before and after
 * the guest has tried every page, port and MSR it must not touch.
 * _text/_etext come from the linker script (gnu-efi's for the UEFI
 * image, linker.ld for the Multiboot2 kernel).
 */
#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/integrity.h"
#include "lib/crc32.h"
#include "lib/log.h"

extern char _text[], _etext[];

uint64_t hv_integrity_check(const struct vm *vm, bool log)
{
	uint64_t text_bytes = (uint64_t)(_etext - _text), policy_bytes, host_bytes;
	uint32_t crc = crc32_ieee(_text, text_bytes);
	const struct vm_stats *st = &vm->stats;

	crc = policy_crc(vm->policy, crc, &policy_bytes);
	crc = plat_host_tables_crc(crc, &host_bytes);
	crc = vm->ops->control_crc(crc);
	if (!log)
		return crc;
	hv_record(LOG_INFO, CAT_STAT,
		  "integrity crc=%08x parts=text:%llu,policy:%llu,host:%llu,ctl hypercalls=%llu "
		  "refused=%llu reports_refused=%llu io_blocked=%llu msr_blocked=%llu", crc,
		  (unsigned long long)text_bytes, (unsigned long long)policy_bytes,
		  (unsigned long long)host_bytes, (unsigned long long)st->hypercalls,
		  (unsigned long long)st->hypercalls_refused, (unsigned long long)st->reports_refused,
		  (unsigned long long)st->io_blocked, (unsigned long long)st->msr_blocked);
	vm_log_watchdog_stats(vm);
	return crc;
}
