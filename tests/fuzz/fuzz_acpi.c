/*
 * fuzz_acpi: lib/acpi.c on arbitrary firmware tables.  The input is
 * physical memory at FUZZ_ACPI_BASE with the RSDP in its first 36 bytes;
 * the walk reads it only through a map function that refuses anything
 * outside the input, so ASan reports any read the length checks missed.
 * The same bytes also go to each table parser directly (no checksum to
 * pass) and to the BIOS-area scan.  Invariants: the counts stay within
 * what the tables could hold, the kept APIC IDs within their array.
 */
#include <stdint.h>
#include <string.h>

#include "lib/acpi.h"
#include "tests/fuzz/fuzz_common.h"

#define FUZZ_ACPI_BASE 0x1000u

struct blob {
	const uint8_t *p;
	size_t n;
};

static const uint8_t *map(void *ctx, uint64_t phys, uint32_t len)
{
	const struct blob *b = ctx;

	if (phys < FUZZ_ACPI_BASE || phys - FUZZ_ACPI_BASE > b->n ||
	    len > b->n - (phys - FUZZ_ACPI_BASE))
		return NULL;
	return b->p + (phys - FUZZ_ACPI_BASE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_info a;
	struct blob b = { data, size };

	if (size > UINT32_MAX)
		return 0;
	enum acpi_status st = acpi_walk(data, (uint32_t)(size < ACPI_RSDP_V2_LEN ? size : ACPI_RSDP_V2_LEN),
					map, &b, &a);
	FUZZ_ASSERT(st == ACPI_OK || st == ACPI_E_NO_RSDP || st == ACPI_E_ROOT);
	FUZZ_ASSERT(acpi_status_text(st) != NULL);
	FUZZ_ASSERT(a.tables + a.bad_tables <= ACPI_MAX_TABLES);
	FUZZ_ASSERT(a.cpus <= size / 8 + 1);
	memset(&a, 0, sizeof(a));
	acpi_parse_madt(data, (uint32_t)size, &a);
	FUZZ_ASSERT(a.cpus + a.cpus_disabled <= size / 8);
	acpi_parse_fadt(data, (uint32_t)size, &a);
	FUZZ_ASSERT(!a.reset_supported || a.reset_reg.bit_width == 8);
	acpi_parse_hpet(data, (uint32_t)size, &a);
	int64_t off = acpi_rsdp_scan(data, (uint32_t)size);
	FUZZ_ASSERT(off < 0 || (off % 16 == 0 && (size_t)off + ACPI_RSDP_V1_LEN <= size));
	return 0;
}
