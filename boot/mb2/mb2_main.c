/* Multiboot2 boot path: boot information -> struct boot_info -> hv core. */
#include <string.h>

#include "arch/x86/platform.h"
#include "arch/x86/x86.h"
#include "hv/hv.h"
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
 * The flight recorder's region (lib/flight.h) at FLIGHT_BASE: usable in
 * the memory map, and clear of this image and of what GRUB handed over
 * (the boot information, the modules), which it must not be mistaken
 * for.  GRUB itself does not write there at boot: measured under QEMU
 * with SeaBIOS (docs/dumps.md, "The flight recorder").
 */
static void place_flight(const struct mb2_module *mod, uint64_t info)
{
	uint32_t info_size = *(const uint32_t *)(uintptr_t)info;

	if (!boot_mmap_usable_range(&boot, FLIGHT_BASE, FLIGHT_SIZE))
		boot.flight_refused = "not_usable_in_the_memory_map";
	else if (boot_ranges_overlap(FLIGHT_BASE, FLIGHT_SIZE, boot.hv_base, boot.hv_size))
		boot.flight_refused = "overlaps_the_hypervisor_image";
	else if (boot_ranges_overlap(FLIGHT_BASE, FLIGHT_SIZE, info, info_size) ||
		 boot_ranges_overlap(FLIGHT_BASE, FLIGHT_SIZE, mod->start, mod->end - mod->start) ||
		 boot_ranges_overlap(FLIGHT_BASE, FLIGHT_SIZE, mod->initrd_start,
				     mod->initrd_end - mod->initrd_start))
		boot.flight_refused = "overlaps_the_boot_information_or_a_module";
	else
		boot.flight_base = FLIGHT_BASE;
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
