/*
 * The firmware's ACPI tables, read once at boot (ACPI specification 6.5):
 * the RSDP, the RSDT or XSDT, and from them the MADT (CPUs, I/O APIC,
 * interrupt source overrides), the FADT (reset register, PM timer) and
 * the HPET table.
 *
 * Pure: every function takes bytes and a length, or reads physical
 * memory only through the caller's map function, and trusts no length,
 * count or address the tables give (unit-tested in tests/unit/test_acpi.c,
 * fuzzed by tests/fuzz/fuzz_acpi.c).
 */
#ifndef LIB_ACPI_H
#define LIB_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36
#define ACPI_SDT_HEADER_LEN 36
#define ACPI_MAX_TABLES 64      /* RSDT/XSDT entries looked at */
#define ACPI_TABLE_MAX (1u << 20) /* a length field above this is refused */
#define ACPI_MAX_CPUS 256       /* APIC IDs kept (more are counted) */

/* A Generic Address Structure (ACPI 6.5, 5.2.3.2). */
#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO 1
struct acpi_gas {
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t address;
};

enum acpi_status {
	ACPI_OK = 0,
	ACPI_E_NO_RSDP,     /* no RSDP, or one whose signature or checksum is wrong */
	ACPI_E_ROOT,        /* the RSDT/XSDT cannot be read or its checksum is wrong */
};

struct acpi_info {
	uint8_t revision;     /* the RSDP's: 0 ACPI 1.0 (RSDT), 2 and up (XSDT) */
	bool xsdt;            /* walked the XSDT, not the RSDT */
	uint32_t tables;      /* tables read with a good checksum */
	uint32_t bad_tables;  /* entries refused: unreadable, bad length or checksum */
	/* MADT ("APIC", 5.2.12) */
	bool madt;
	uint64_t lapic_addr;
	uint32_t cpus;            /* enabled local APIC / x2APIC entries */
	uint32_t cpus_disabled;   /* present but neither enabled nor online capable */
	uint32_t x2apic_entries;
	uint32_t apic_ids[ACPI_MAX_CPUS]; /* of the enabled ones, in table order */
	uint32_t ioapics;
	uint64_t ioapic_addr;     /* the one whose GSI base is lowest */
	uint32_t ioapic_gsi_base;
	bool irq0_override;
	uint32_t irq0_gsi;        /* ISA IRQ0's GSI: 0 unless overridden */
	uint16_t irq0_flags;
	/* FADT ("FACP", 5.2.9) */
	bool fadt;
	bool reset_supported;     /* flags.RESET_REG_SUP and a usable register */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t pm_timer_port;   /* 0 if none in I/O space */
	bool pm_timer_32bit;      /* flags.TMR_VAL_EXT */
	/* HPET ("HPET", IA-PC HPET specification 1.0a, 3.2.4) */
	bool hpet;
	uint64_t hpet_addr;
};

/* The map function: a pointer to len readable bytes at physical address
 * phys, or NULL when that range cannot be read. */
typedef const uint8_t *(*acpi_map_fn)(void *ctx, uint64_t phys, uint32_t len);

/* The RSDP in buf (a copy, or the firmware's): its signature, its
 * checksum over the first 20 bytes, and for revision 2 and up the
 * extended checksum over its length (which must fit in len).  Returns how
 * many bytes it spans (20 or its length), 0 if it is no valid RSDP. */
uint32_t acpi_rsdp_check(const uint8_t *buf, uint32_t len);

/* A BIOS-area scan (ACPI 6.5, 5.2.5.1): the offset of the first valid
 * RSDP on a 16-byte boundary of area, or -1. */
int64_t acpi_rsdp_scan(const uint8_t *area, uint32_t len);

/* Walks the RSDT or XSDT the RSDP names and fills *out (zeroed first). */
enum acpi_status acpi_walk(const uint8_t *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
			   struct acpi_info *out);

/* The parsers the walk uses, for a whole table (header included) that
 * the caller has checked; each reads at most len bytes. */
void acpi_parse_madt(const uint8_t *t, uint32_t len, struct acpi_info *out);
void acpi_parse_fadt(const uint8_t *t, uint32_t len, struct acpi_info *out);
void acpi_parse_hpet(const uint8_t *t, uint32_t len, struct acpi_info *out);

const char *acpi_status_text(enum acpi_status st);

#endif
