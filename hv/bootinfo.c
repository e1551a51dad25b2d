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

bool boot_mmap_usable_range(const struct boot_info *bi, uint64_t base, uint64_t len)
{
	if (len == 0 || base + len < base)
		return false;
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *m = &bi->mmap[i];
		if (m->type == BOOT_MEM_USABLE && base >= m->base && base + len <= m->base + m->length &&
		    m->base + m->length >= m->base)
			return true;
	}
	return false;
}

bool boot_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}
