/*
 * Guest memory access for the hypervisor.  Guest pointers are
 * guest-virtual; they are translated by walking the guest's own 4-level
 * page tables (Intel SDM 3A 4.5, AMD APM 2 5.3), and every table entry
 * and data byte is bounds-checked against guest RAM before use.
 */
#include <string.h>

#include "hv/guest.h"

#define PAGE_SIZE 4096ull
#define PTE_PRESENT 1ull
#define PTE_LARGE (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

void *guest_gpa_ptr(uint64_t gpa, uint64_t len)
{
	if (gpa >= HV_GUEST_RAM_SIZE || len > HV_GUEST_RAM_SIZE - gpa)
		return NULL;
	return guest_ram() + gpa;
}

static bool read_entry(uint64_t table_gpa, unsigned index, uint64_t *entry)
{
	const uint64_t *table = guest_gpa_ptr(table_gpa & PTE_ADDR, PAGE_SIZE);

	if (table == NULL)
		return false;
	/* One read: the guest may change its tables while we walk them. */
	*entry = __atomic_load_n(&table[index], __ATOMIC_RELAXED);
	return (*entry & PTE_PRESENT) != 0;
}

/* GVA -> GPA; handles 1 GiB and 2 MiB pages.  Non-canonical addresses
 * are refused. */
static bool gva_to_gpa(uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
	uint64_t table = cr3 & PTE_ADDR, e = 0;

	if ((uint64_t)((int64_t)(gva << 16) >> 16) != gva)
		return false;
	for (int level = 3; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		if (!read_entry(table, (unsigned)(gva >> shift) & 511, &e))
			return false;
		if (level == 0 || ((e & PTE_LARGE) && level <= 2)) {
			uint64_t page_mask = (1ull << shift) - 1;
			*gpa = (e & PTE_ADDR & ~page_mask) | (gva & page_mask);
			return true;
		}
		table = e & PTE_ADDR;
	}
	return false;
}

bool guest_gva_to_gpa(uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
	return gva_to_gpa(cr3, gva, gpa);
}

bool guest_copy_from(uint64_t cr3, uint64_t gva, void *dst, uint64_t len)
{
	uint8_t *out = dst;

	if (gva + len < gva)
		return false;
	while (len > 0) {
		uint64_t gpa, chunk = PAGE_SIZE - (gva & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (!gva_to_gpa(cr3, gva, &gpa))
			return false;
		const void *src = guest_gpa_ptr(gpa, chunk);
		if (src == NULL)
			return false;
		memcpy(out, src, chunk);
		out += chunk;
		gva += chunk;
		len -= chunk;
	}
	return true;
}
