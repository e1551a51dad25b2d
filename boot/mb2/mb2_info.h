/*
 * Parsing the Multiboot2 boot information (Multiboot2 specification,
 * section 3.6) into struct boot_info.  Pure: unit-tested on the host.
 */
#ifndef BOOT_MB2_INFO_H
#define BOOT_MB2_INFO_H

#include <stdint.h>

#include "hv/bootinfo.h"

#define MB2_BOOT_MAGIC 0x36d76289u

enum mb2_status {
	MB2_OK = 0,
	MB2_E_SIZE,      /* total size or a tag size is inconsistent */
	MB2_E_NO_END,    /* no end tag within total_size */
};

/* The first module is the guest, the second (optional) its initrd;
 * further modules are ignored. */
struct mb2_module {
	uint64_t start, end;               /* the guest, physical, [start, end) */
	uint64_t initrd_start, initrd_end; /* the initrd; equal if none */
	uint32_t count;                    /* modules seen */
};

/* `info` points at the boot information; `limit` bounds how many bytes
 * may be read (the caller's idea of the structure's maximum size). */
enum mb2_status mb2_parse(const uint8_t *info, uint32_t limit, struct boot_info *bi,
			  struct mb2_module *mod);

const char *mb2_status_text(enum mb2_status st);

/* Where the flight recorder's region of `size` bytes goes: at `preferred`
 * (FLIGHT_BASE), else at the first 2 MiB boundary above the hypervisor's
 * image (bi->hv_base, bi->hv_size), whichever first lies inside one usable
 * range of the memory map and clear of the image, the boot information
 * [info, info + info_size) and the modules.  Both are fixed for a build and
 * a set of modules, so the next boot after a warm reset looks in the same
 * place.  Returns the address (*why NULL), or 0 with *why set to the
 * preferred place's reason (docs/dumps.md). */
uint64_t mb2_flight_place(const struct boot_info *bi, const struct mb2_module *mod, uint64_t info,
			  uint64_t info_size, uint64_t preferred, uint64_t size, const char **why);

#endif
