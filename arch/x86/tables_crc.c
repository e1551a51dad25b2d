/* CRCs of the host GDT and page tables without what the CPU writes in
 * them (arch/x86/tables_crc.h). */
#include "arch/x86/tables_crc.h"
#include "lib/crc32.h"

/* Descriptor fields (Intel SDM 3A 3.4.5): S (bit 44) set for a code or
 * data segment; the type in bits 40-43. */
#define DESC_S (1ull << 44)
#define DESC_TYPE(d) (((d) >> 40) & 0xF)
/* The CPU sets a code or data descriptor's accessed flag (type bit 0)
 * when it loads the selector into a segment register (SDM 3A 3.4.5.1). */
#define DESC_ACCESSED (1ull << 40)
/* LTR marks the TSS descriptor busy (type 0x9 -> 0xB, the B flag, SDM 3A
 * 8.2.2 and SDM 2A LTR). */
#define DESC_TSS_BUSY (1ull << 41)
#define DESC_TYPE_TSS64_AVAIL 0x9
#define DESC_TYPE_TSS64_BUSY 0xB

static uint64_t desc_cpu_bits(uint64_t d)
{
	if (d & DESC_S)
		return DESC_ACCESSED;
	if (DESC_TYPE(d) == DESC_TYPE_TSS64_AVAIL || DESC_TYPE(d) == DESC_TYPE_TSS64_BUSY)
		return DESC_TSS_BUSY;
	return 0;
}

/* A 64-bit TSS descriptor takes two entries (SDM 3A 8.2.3); its upper
 * half (base 63:32) has no bit the CPU writes and is covered as it is. */
uint32_t x86_gdt_crc(uint32_t crc, const uint64_t *gdt, size_t entries)
{
	for (size_t i = 0; i < entries; i++) {
		uint64_t ignore = desc_cpu_bits(gdt[i]);

		crc = crc32_ieee_update_words(crc, &gdt[i], 1, ignore);
		if (ignore == DESC_TSS_BUSY && i + 1 < entries) {
			i++;
			crc = crc32_ieee_update_words(crc, &gdt[i], 1, 0);
		}
	}
	return crc;
}

/* The CPU sets the accessed flag of every entry a walk uses and the dirty
 * flag of a leaf it writes through (SDM 3A 4.8, APM 2 5.4.1). */
uint32_t x86_page_table_crc(uint32_t crc, const uint64_t *entries, size_t n)
{
	return crc32_ieee_update_words(crc, entries, n, X86_PTE_ACCESSED | X86_PTE_DIRTY);
}
