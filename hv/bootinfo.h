/*
 * The one structure both boot paths (UEFI and Multiboot2) hand to the
 * arch-neutral entry hv_prepare().  It holds no firmware pointers that
 * are needed after launch: the guest image has already been copied into
 * the hypervisor's own static buffer.
 */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi.h"

#define BOOT_MMAP_MAX 128
#define BOOT_CMDLINE_MAX 512

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI = 3,
	BOOT_MEM_OTHER = 4,
};

struct boot_mem_range {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum boot_mem_type */
};

enum boot_path { BOOT_PATH_UEFI = 1, BOOT_PATH_MULTIBOOT2 = 2 };

struct boot_info {
	enum boot_path path;
	uint32_t mmap_count;
	uint32_t mmap_dropped; /* entries beyond BOOT_MMAP_MAX */
	struct boot_mem_range mmap[BOOT_MMAP_MAX];
	const uint8_t *guest_image; /* NULL if none was found */
	uint64_t guest_size;
	const uint8_t *initrd;      /* NULL if none was given (a Linux guest's) */
	uint64_t initrd_size;
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t entry_tsc; /* TSC when the boot path got control */
	uint64_t hv_base;   /* where the hypervisor image lies (physical) */
	uint64_t hv_size;
	/* The flight recorder's region (lib/flight.h) the boot path reserved,
	 * physical; 0 if it could not, and flight_refused says why. */
	uint64_t flight_base;
	const char *flight_refused;
	/* A copy of the firmware's ACPI RSDP (lib/acpi.h), checked later;
	 * acpi_rsdp_len 0 if none was found.  acpi_from says where from. */
	uint8_t acpi_rsdp[ACPI_RSDP_V2_LEN];
	uint32_t acpi_rsdp_len;
	const char *acpi_from;
};

void boot_mmap_add(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type);
uint64_t boot_mmap_usable_bytes(const struct boot_info *bi);
/* True if [base, base + len) lies inside one usable range of the map. */
bool boot_mmap_usable_range(const struct boot_info *bi, uint64_t base, uint64_t len);
/* True if [a, a + alen) and [b, b + blen) share a byte. */
bool boot_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);

#endif
