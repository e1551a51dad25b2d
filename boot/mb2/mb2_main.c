/* Multiboot2 boot path: boot information -> struct boot_info -> hv core. */
#include <string.h>

#include "arch/x86/platform.h"
#include "arch/x86/x86.h"
#include "hv/hv.h"
#include "lib/acpi.h"
#include "lib/flight.h"
#include "lib/log.h"
#include "boot/mb2/mb2_info.h"
#ifdef HV_APPLIANCE
#include "boot/appliance/appliance.h"
#endif

#define MB2_INFO_LIMIT (1u << 20)

extern char __hv_image_start[], __hv_image_end[];
void mb2_main(uint32_t magic, uint64_t info);

static struct boot_info boot;

/* The second module, if any: the guest's initrd, kept after the image. */
#ifndef HV_APPLIANCE
static void take_initrd_module(const struct mb2_module *mod)
{
	uint64_t cap, size = mod->initrd_end - mod->initrd_start;
	uint8_t *buf = guest_initrd_buffer(boot.guest_size, &cap);

	if (mod->count < 2)
		return;
	if (size > cap) {
		hv_log("ERROR initrd module is %llu bytes, the limit is %llu (after the guest image)",
		       (unsigned long long)size, (unsigned long long)cap);
		boot.guest_image = NULL; /* refused as a whole: no guest without its initrd */
		return;
	}
	memcpy(buf, (const void *)(uintptr_t)mod->initrd_start, size);
	boot.initrd = buf;
	boot.initrd_size = size;
}

static void take_guest_module(const struct mb2_module *mod)
{
	uint64_t cap, size = mod->end - mod->start;
	uint8_t *buf = guest_image_buffer(&cap);

	if (mod->count == 0) {
		hv_log("ERROR no guest module: load one with module2 in grub.cfg");
		return;
	}
	if (size > cap) {
		hv_log("ERROR guest module is %llu bytes, the limit is %llu",
		       (unsigned long long)size, (unsigned long long)cap);
		return;
	}
	memcpy(buf, (const void *)(uintptr_t)mod->start, size);
	boot.guest_image = buf;
	boot.guest_size = size;
	take_initrd_module(mod);
}

#endif /* !HV_APPLIANCE */

/*
 * The flight recorder's region (lib/flight.h): at FLIGHT_BASE, or above
 * this image when GRUB put a module there (a Linux guest's bzImage or
 * initrd often covers 4 MiB), clear of what GRUB handed over, which it
 * must not be mistaken for (mb2_flight_place()).  GRUB itself does not
 * write at either place at boot: measured under QEMU with SeaBIOS
 * (docs/dumps.md, "The flight recorder").
 */
static void place_flight(const struct mb2_module *mod, uint64_t info)
{
	uint32_t info_size = *(const uint32_t *)(uintptr_t)info;

	boot.flight_base = mb2_flight_place(&boot, mod, info, info_size, FLIGHT_BASE, FLIGHT_SIZE,
					    &boot.flight_refused);
}

/* A physical address as a pointer, hidden from the compiler's bounds
 * checks (the BIOS data area is at address 0x400). */
static const uint8_t *phys_ptr(uint64_t addr)
{
	__asm__("" : "+r"(addr));
	return (const uint8_t *)(uintptr_t)addr;
}

/* No RSDP tag from the loader: search where a BIOS puts it (ACPI 6.5,
 * 5.2.5.1): the first KiB of the EBDA, then 0xE0000-0xFFFFF. */
static void scan_bios_for_rsdp(void)
{
	uint64_t ebda = (uint64_t)(*(const uint16_t *)phys_ptr(0x40E)) << 4;
	const uint64_t where[2][2] = { { ebda, 1024 }, { 0xE0000, 0x20000 } };

	for (unsigned i = 0; i < 2 && boot.acpi_rsdp_len == 0; i++) {
		if (where[i][0] < 0x80000 || where[i][0] >= 0x100000)
			continue; /* no EBDA where one can be */
		const uint8_t *area = phys_ptr(where[i][0]);
		int64_t off = acpi_rsdp_scan(area, (uint32_t)where[i][1]);
		if (off < 0)
			continue;
		uint32_t n = acpi_rsdp_check(area + off, (uint32_t)where[i][1] - (uint32_t)off);
		if (n > sizeof(boot.acpi_rsdp))
			n = sizeof(boot.acpi_rsdp);
		memcpy(boot.acpi_rsdp, area + off, n);
		boot.acpi_rsdp_len = n;
		boot.acpi_from = "bios_area_scan";
	}
}

static __attribute__((noreturn)) void boot_failed(void)
{
	if (hv_onstop_exit())
		plat_emulator_exit(4);
	plat_halt();
}

void mb2_main(uint32_t magic, uint64_t info)
{
	struct mb2_module mod;

	boot.entry_tsc = rdtsc();
	boot.path = BOOT_PATH_MULTIBOOT2;
	boot.hv_base = (uint64_t)(uintptr_t)__hv_image_start;
	boot.hv_size = (uint64_t)(__hv_image_end - __hv_image_start);
	uart_init();
	if (magic != MB2_BOOT_MAGIC) {
		hv_log("ERROR not started by a Multiboot2 loader (magic 0x%x)", magic);
		plat_halt();
	}
	enum mb2_status st = mb2_parse((const uint8_t *)(uintptr_t)info, MB2_INFO_LIMIT, &boot, &mod);
	if (st != MB2_OK) {
		hv_log("ERROR %s", mb2_status_text(st));
		boot.flight_refused = "no_memory_map";
	} else {
		place_flight(&mod, info);
		if (boot.acpi_rsdp_len == 0)
			scan_bios_for_rsdp();
#ifndef HV_APPLIANCE
		take_guest_module(&mod);
#endif
	}
#ifdef HV_APPLIANCE
	appliance_load(&boot); /* GRUB's modules and command line are ignored */
#endif
	if (hv_prepare(&boot) != HV_PREPARED)
		boot_failed();
	hv_launch();
}
