/*
 * CRCs of the host's own CPU tables for the integrity check, with the
 * bits the CPU itself writes left out (tables_crc.c).  Pure functions
 * over the tables' memory: arch/x86/cpu.c passes the live tables, the
 * host unit tests (tests/unit/test_integrity.c) hand-made ones.
 */
#ifndef ARCH_X86_TABLES_CRC_H
#define ARCH_X86_TABLES_CRC_H

#include <stddef.h>
#include <stdint.h>

/* Accessed and dirty flags of a page-table entry (Intel SDM 3A 4.8,
 * AMD APM 2 5.4.1); the D bit exists only in leaves (a 2 MiB PDE here),
 * and bit 6 of a non-leaf entry is ignored by the CPU, so clearing it
 * everywhere hides nothing the walk uses. */
#define X86_PTE_ACCESSED (1ull << 5)
#define X86_PTE_DIRTY (1ull << 6)

/* The CRC of `entries` descriptors of a GDT, without the accessed flag of
 * code and data descriptors and the busy flag of 64-bit TSS descriptors. */
uint32_t x86_gdt_crc(uint32_t crc, const uint64_t *gdt, size_t entries);

/* The CRC of n page-table entries without their accessed and dirty flags. */
uint32_t x86_page_table_crc(uint32_t crc, const uint64_t *entries, size_t n);

#endif
