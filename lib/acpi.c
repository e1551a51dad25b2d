/*
 * ACPI table walk and parsers (lib/acpi.h).  Section numbers are the ACPI
 * specification 6.5's.  Every offset read is checked against the length
 * the caller vouches for, never against a length field alone.
 */
#include "lib/acpi.h"

#include <string.h>

#define RSDP_SIG "RSD PTR "
#define SDT_LEN_OFF 4
#define RSDP_REV_OFF 15
#define RSDP_RSDT_OFF 16
#define RSDP_LEN_OFF 20
#define RSDP_XSDT_OFF 24

#define MADT_LAPIC_ADDR_OFF 36
#define MADT_ENTRIES_OFF 44
enum madt_type {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_OVERRIDE = 2,
	MADT_LAPIC_ADDR = 5,
	MADT_X2APIC = 9,
};
#define MADT_CPU_ENABLED 1u

#define FADT_PM_TMR_BLK_OFF 76
#define FADT_PM_TMR_LEN_OFF 91
#define FADT_FLAGS_OFF 112
#define FADT_RESET_REG_OFF 116
#define FADT_RESET_VALUE_OFF 128
#define FADT_X_PM_TMR_OFF 208
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_RESET_REG_SUP (1u << 10)
#define GAS_LEN 12

#define HPET_BASE_OFF 40

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint8_t sum8(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static struct acpi_gas read_gas(const uint8_t *p)
{
	struct acpi_gas g = { p[0], p[1], p[2], p[3], rd64(p + 4) };

	return g;
}

/* The RSDP (5.2.5.3): checksum over the first 20 bytes; for revision 2 and
 * up the extended checksum over the length it gives, at least 36 bytes. */
uint32_t acpi_rsdp_check(const uint8_t *buf, uint32_t len)
{
	if (len < ACPI_RSDP_V1_LEN || memcmp(buf, RSDP_SIG, 8) != 0 ||
	    sum8(buf, ACPI_RSDP_V1_LEN) != 0)
		return 0;
	if (buf[RSDP_REV_OFF] < 2)
		return ACPI_RSDP_V1_LEN;
	if (len < ACPI_RSDP_V2_LEN)
		return 0;
	uint32_t full = rd32(buf + RSDP_LEN_OFF);
	if (full < ACPI_RSDP_V2_LEN || full > len || sum8(buf, full) != 0)
		return 0;
	return full;
}

int64_t acpi_rsdp_scan(const uint8_t *area, uint32_t len)
{
	for (uint32_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
		if (acpi_rsdp_check(area + off, len - off) != 0)
			return off;
	return -1;
}

static void madt_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t flags, bool x2apic)
{
	if (x2apic)
		out->x2apic_entries++;
	if (!(flags & MADT_CPU_ENABLED)) {
		/* bit 1, online capable (5.2.12.2): may be started later; not running now */
		if (!(flags & 2u))
			out->cpus_disabled++;
		return;
	}
	if (out->cpus < ACPI_MAX_CPUS)
		out->apic_ids[out->cpus] = apic_id;
	out->cpus++;
}

static void madt_ioapic(struct acpi_info *out, uint64_t addr, uint32_t gsi_base)
{
	if (out->ioapics == 0 || gsi_base < out->ioapic_gsi_base) {
		out->ioapic_addr = addr;
		out->ioapic_gsi_base = gsi_base;
	}
	out->ioapics++;
}

/* One MADT entry (5.2.12.2-5.2.12.12) of n bytes, n >= 2 checked. */
static void madt_entry(const uint8_t *e, uint8_t n, struct acpi_info *out)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (n >= 8)
			madt_cpu(out, e[3], rd32(e + 4), false);
		break;
	case MADT_X2APIC:
		if (n >= 16)
			madt_cpu(out, rd32(e + 4), rd32(e + 8), true);
		break;
	case MADT_IOAPIC:
		if (n >= 12)
			madt_ioapic(out, rd32(e + 4), rd32(e + 8));
		break;
	case MADT_OVERRIDE: /* bus 0 (ISA), source IRQ 0 */
		if (n >= 10 && e[2] == 0 && e[3] == 0) {
			out->irq0_override = true;
			out->irq0_gsi = rd32(e + 4);
			out->irq0_flags = rd16(e + 8);
		}
		break;
	case MADT_LAPIC_ADDR:
		if (n >= 12)
			out->lapic_addr = rd64(e + 4);
		break;
	default:
		break;
	}
}

void acpi_parse_madt(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (len < MADT_ENTRIES_OFF)
		return;
	out->madt = true;
	if (out->lapic_addr == 0)
		out->lapic_addr = rd32(t + MADT_LAPIC_ADDR_OFF);
	for (uint32_t off = MADT_ENTRIES_OFF; off + 2 <= len;) {
		uint8_t n = t[off + 1];
		if (n < 2 || n > len - off)
			break; /* a zero length would loop forever; a long one runs past */
		madt_entry(t + off, n, out);
		off += n;
	}
}

/* The PM timer (4.8.3.3): X_PM_TMR_BLK when the table has it in I/O
 * space, else PM_TMR_BLK when PM_TMR_LEN says 4 bytes. */
static void fadt_pm_timer(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	uint64_t port = 0;

	if (len >= FADT_X_PM_TMR_OFF + GAS_LEN) {
		struct acpi_gas g = read_gas(t + FADT_X_PM_TMR_OFF);
		if (g.space == ACPI_SPACE_IO)
			port = g.address;
	}
	if (port == 0 && t[FADT_PM_TMR_LEN_OFF] == 4)
		port = rd32(t + FADT_PM_TMR_BLK_OFF);
	if (port != 0 && port <= 0xFFFC)
		out->pm_timer_port = (uint16_t)port;
	out->pm_timer_32bit = (rd32(t + FADT_FLAGS_OFF) & FADT_TMR_VAL_EXT) != 0;
}

/* The reset register (4.8.3.6): an 8-bit register at bit offset 0 in
 * I/O or memory space; anything else is not used. */
static void fadt_reset(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (len <= FADT_RESET_VALUE_OFF)
		return;
	struct acpi_gas g = read_gas(t + FADT_RESET_REG_OFF);
	bool usable = g.address != 0 && g.bit_width == 8 && g.bit_offset == 0 &&
		      (g.space == ACPI_SPACE_MEMORY ||
		       (g.space == ACPI_SPACE_IO && g.address <= 0xFFFF));

	out->reset_reg = g;
	out->reset_value = t[FADT_RESET_VALUE_OFF];
	out->reset_supported = usable && (rd32(t + FADT_FLAGS_OFF) & FADT_RESET_REG_SUP) != 0;
}

void acpi_parse_fadt(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (len < FADT_FLAGS_OFF + 4)
		return;
	out->fadt = true;
	fadt_pm_timer(t, len, out);
	fadt_reset(t, len, out);
}

void acpi_parse_hpet(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (len < HPET_BASE_OFF + GAS_LEN)
		return;
	struct acpi_gas g = read_gas(t + HPET_BASE_OFF);
	if (g.space != ACPI_SPACE_MEMORY || g.address == 0)
		return;
	out->hpet = true;
	out->hpet_addr = g.address;
}

/* Maps a whole table: its header first, for the length, then all of it;
 * NULL if either cannot be read, the length is out of bounds, or the
 * checksum over the table is not 0 (5.2.6). */
static const uint8_t *map_table(acpi_map_fn map, void *ctx, uint64_t phys, uint32_t *len)
{
	const uint8_t *h = map(ctx, phys, ACPI_SDT_HEADER_LEN);

	if (h == NULL)
		return NULL;
	uint32_t n = rd32(h + SDT_LEN_OFF);
	if (n < ACPI_SDT_HEADER_LEN || n > ACPI_TABLE_MAX)
		return NULL;
	const uint8_t *t = map(ctx, phys, n);
	if (t == NULL || sum8(t, n) != 0)
		return NULL;
	*len = n;
	return t;
}

static void parse_table(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (memcmp(t, "APIC", 4) == 0 && !out->madt)
		acpi_parse_madt(t, len, out);
	else if (memcmp(t, "FACP", 4) == 0 && !out->fadt)
		acpi_parse_fadt(t, len, out);
	else if (memcmp(t, "HPET", 4) == 0 && !out->hpet)
		acpi_parse_hpet(t, len, out);
}

enum acpi_status acpi_walk(const uint8_t *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
			   struct acpi_info *out)
{
	uint32_t root_len = 0;

	memset(out, 0, sizeof(*out));
	uint32_t n = acpi_rsdp_check(rsdp, rsdp_len);
	if (n == 0)
		return ACPI_E_NO_RSDP;
	out->revision = rsdp[RSDP_REV_OFF];
	/* ACPI 2.0 and up: the XSDT supersedes the RSDT (5.2.5.3) when it is set */
	out->xsdt = n >= ACPI_RSDP_V2_LEN && rd64(rsdp + RSDP_XSDT_OFF) != 0;
	uint64_t root_addr = out->xsdt ? rd64(rsdp + RSDP_XSDT_OFF) : rd32(rsdp + RSDP_RSDT_OFF);
	const uint8_t *root = map_table(map, ctx, root_addr, &root_len);
	if (root == NULL || memcmp(root, out->xsdt ? "XSDT" : "RSDT", 4) != 0)
		return ACPI_E_ROOT;
	const uint32_t width = out->xsdt ? 8 : 4;
	uint32_t entries = (root_len - ACPI_SDT_HEADER_LEN) / width;
	if (entries > ACPI_MAX_TABLES)
		entries = ACPI_MAX_TABLES;
	for (uint32_t i = 0; i < entries; i++) {
		const uint8_t *p = root + ACPI_SDT_HEADER_LEN + i * width;
		uint64_t addr = width == 8 ? rd64(p) : rd32(p);
		uint32_t len = 0;
		const uint8_t *t = map_table(map, ctx, addr, &len);
		if (t == NULL) {
			out->bad_tables++;
			continue;
		}
		out->tables++;
		parse_table(t, len, out);
	}
	return ACPI_OK;
}

const char *acpi_status_text(enum acpi_status st)
{
	switch (st) {
	case ACPI_OK:
		return "ok";
	case ACPI_E_NO_RSDP:
		return "no_valid_rsdp";
	case ACPI_E_ROOT:
		return "bad_rsdt_or_xsdt";
	}
	return "unknown";
}
