#include "hv/bootinfo.h"

void boot_mmap_add(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (bi->mmap_count >= BOOT_MMAP_MAX) {
		bi->mmap_dropped++;
		return;
	}
	bi->mmap[bi->mmap_count].base = base;
	bi->mmap[bi->mmap_count].length = len;
	bi->mmap[bi->mmap_count].type = type;
	bi->mmap_count++;
}

uint64_t boot_mmap_usable_bytes(const struct boot_info *bi)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == BOOT_MEM_USABLE)
			total += bi->mmap[i].length;
	return total;
}
