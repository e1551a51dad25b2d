/*
 * fuzz_mb2: boot/mb2/mb2_info.c on arbitrary Multiboot2 boot information.
 * The input is the structure and its size is the limit, so ASan reports
 * any read past what the boot loader handed over.  Invariants: the memory
 * map count stays within BOOT_MMAP_MAX, the command line is NUL-terminated
 * inside its buffer, a module's end is not below its start.
 */
#include <stdint.h>
#include <string.h>

#include "boot/mb2/mb2_info.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	struct mb2_module mod;

	if (size > UINT32_MAX)
		return 0;
	memset(&bi, 0, sizeof(bi));
	enum mb2_status st = mb2_parse(data, (uint32_t)size, &bi, &mod);
	FUZZ_ASSERT(st == MB2_OK || st == MB2_E_SIZE || st == MB2_E_NO_END);
	FUZZ_ASSERT(mb2_status_text(st) != NULL);
	FUZZ_ASSERT(bi.mmap_count <= BOOT_MMAP_MAX);
	FUZZ_ASSERT(memchr(bi.cmdline, '\0', sizeof(bi.cmdline)) != NULL);
	FUZZ_ASSERT(mod.end >= mod.start);
	(void)boot_mmap_usable_bytes(&bi);
	return 0;
}
