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

#endif
