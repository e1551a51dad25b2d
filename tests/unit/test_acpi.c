/* Host unit tests for lib/acpi.c: hand-built tables laid out like QEMU
 * q35's (ACPI 6.5 formats) in a fake physical memory, walked through a
 * map function that refuses anything outside it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/acpi.h"
#include "tests/unit/fixtures/qemu_q35_smp4_acpi.h"

#define MEM_BASE 0x7FE0000ull
#define MEM_SIZE 0x10000u

static uint8_t mem[MEM_SIZE];
static uint32_t mem_used;
static struct acpi_info info;

static const uint8_t *fake_map(void *ctx, uint64_t phys, uint32_t len)
{
	(void)ctx;
	if (phys < MEM_BASE || phys - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (phys - MEM_BASE))
		return NULL;
	return mem + (phys - MEM_BASE);
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fix_sum(uint8_t *p, uint32_t len, uint32_t sum_off)
{
	uint8_t s = 0;

	p[sum_off] = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	p[sum_off] = (uint8_t)-s;
}

/* A table of len bytes in fake memory, 16-aligned; returns its offset. */
static uint32_t table(const char *sig, uint32_t len)
{
	uint32_t off = mem_used;

	assert_true(off + len <= MEM_SIZE);
	memcpy(mem + off, sig, 4);
	put32(mem + off + 4, len);
	mem[off + 8] = 1;
	memcpy(mem + off + 10, "BOCHS ", 6);
	mem_used = (off + len + 15) & ~15u;
	return off;
}

/* Sets a table's checksum byte (offset 9) so that it sums to 0. */
static void seal(uint32_t off)
{
	uint32_t len;

	memcpy(&len, mem + off + 4, 4);
	fix_sum(mem + off, len, 9);
}

/* MADT like QEMU q35 with n CPUs: LAPIC entries, I/O APIC at 0xFEC00000
 * GSI 0, IRQ0 -> GSI 2, IRQ9 level, a LAPIC NMI entry (type 4). */
static uint32_t madt(unsigned n)
{
	uint32_t len = 44 + n * 8 + 12 + 10 + 10 + 6;
	uint32_t t = table("APIC", len), e = t + 44;

	put32(mem + t + 36, 0xFEE00000u);
	put32(mem + t + 40, 1);
	for (unsigned i = 0; i < n; i++, e += 8) {
		mem[e] = 0, mem[e + 1] = 8, mem[e + 2] = (uint8_t)i, mem[e + 3] = (uint8_t)i;
		put32(mem + e + 4, 1);
	}
	mem[e] = 1, mem[e + 1] = 12, mem[e + 2] = 0;
	put32(mem + e + 4, 0xFEC00000u), put32(mem + e + 8, 0), e += 12;
	mem[e] = 2, mem[e + 1] = 10, mem[e + 2] = 0, mem[e + 3] = 0;
	put32(mem + e + 4, 2), put16(mem + e + 8, 0), e += 10;
	mem[e] = 2, mem[e + 1] = 10, mem[e + 2] = 0, mem[e + 3] = 9;
	put32(mem + e + 4, 9), put16(mem + e + 8, 0xd), e += 10;
	mem[e] = 4, mem[e + 1] = 6, mem[e + 2] = 0xff, put16(mem + e + 3, 0), mem[e + 5] = 1;
	seal(t);
	return t;
}

/* FADT (ACPI 5.0 length, 268 bytes) like QEMU q35: PM timer at 0x608,
 * reset register 0xCF9 <- 0x06. */
static uint32_t fadt(void)
{
	uint32_t t = table("FACP", 268);

	put32(mem + t + 76, 0x608);
	mem[t + 91] = 4;
	put32(mem + t + 112, (1u << 10));
	mem[t + 116] = ACPI_SPACE_IO, mem[t + 117] = 8;
	put64(mem + t + 120, 0xCF9);
	mem[t + 128] = 6;
	mem[t + 208] = ACPI_SPACE_IO, mem[t + 209] = 32;
	put64(mem + t + 212, 0x608);
	seal(t);
	return t;
}

static uint32_t hpet(void)
{
	uint32_t t = table("HPET", 56);

	put32(mem + t + 36, 0x8086a201u);
	mem[t + 40] = ACPI_SPACE_MEMORY;
	put64(mem + t + 44, 0xFED00000ull);
	seal(t);
	return t;
}

/* The root table with the given table offsets; XSDT (8-byte entries) or RSDT. */
static uint32_t root(bool x, const uint32_t *tabs, unsigned n)
{
	uint32_t w = x ? 8 : 4, t = table(x ? "XSDT" : "RSDT", 36 + n * w);

	for (unsigned i = 0; i < n; i++) {
		if (x)
			put64(mem + t + 36 + i * w, MEM_BASE + tabs[i]);
		else
			put32(mem + t + 36 + i * w, (uint32_t)(MEM_BASE + tabs[i]));
	}
	seal(t);
	return t;
}

static void rsdp(uint8_t *r, bool v2, uint32_t root_off)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = v2 ? 2 : 0;
	put32(r + 16, v2 ? 0 : (uint32_t)(MEM_BASE + root_off));
	fix_sum(r, 20, 8);
	if (v2) {
		put32(r + 20, 36);
		put64(r + 24, MEM_BASE + root_off);
		fix_sum(r, 36, 32);
	}
}

static uint8_t r[36];

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	mem_used = 0;
	return 0;
}

static void q35(bool v2, unsigned cpus)
{
	uint32_t tabs[3] = { fadt(), madt(cpus), hpet() };

	rsdp(r, v2, root(v2, tabs, 3));
}

static void test_q35_xsdt(void **state)
{
	(void)state;
	q35(true, 4);
	assert_int_equal(acpi_walk(r, sizeof(r), fake_map, NULL, &info), ACPI_OK);
	assert_true(info.xsdt);
	assert_int_equal(info.tables, 3);
	assert_int_equal(info.bad_tables, 0);
	assert_true(info.madt);
	assert_int_equal(info.cpus, 4);
	assert_int_equal(info.apic_ids[3], 3);
	assert_int_equal(info.lapic_addr, 0xFEE00000u);
	assert_int_equal(info.ioapics, 1);
	assert_int_equal(info.ioapic_addr, 0xFEC00000u);
	assert_true(info.irq0_override);
	assert_int_equal(info.irq0_gsi, 2);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_true(info.reset_supported);
	assert_int_equal(info.reset_reg.address, 0xCF9);
	assert_int_equal(info.reset_value, 6);
	assert_true(info.hpet);
	assert_int_equal(info.hpet_addr, 0xFED00000ull);
}

static void test_rsdt_v1(void **state)
{
	(void)state;
	q35(false, 1);
	assert_int_equal(acpi_walk(r, ACPI_RSDP_V1_LEN, fake_map, NULL, &info), ACPI_OK);
	assert_false(info.xsdt);
	assert_int_equal(info.cpus, 1);
	assert_int_equal(info.irq0_gsi, 2);
}

static void test_rsdp_checksums(void **state)
{
	(void)state;
	q35(true, 2);
	assert_int_equal(acpi_rsdp_check(r, 36), 36);
	assert_int_equal(acpi_rsdp_check(r, 35), 0); /* v2 needs its whole length */
	r[20] = 200;                                  /* length beyond the buffer */
	assert_int_equal(acpi_rsdp_check(r, 36), 0);
	r[20] = 36;
	r[30] ^= 1; /* extended checksum broken */
	assert_int_equal(acpi_walk(r, 36, fake_map, NULL, &info), ACPI_E_NO_RSDP);
	r[30] ^= 1;
	r[0] = 'X';
	assert_int_equal(acpi_rsdp_check(r, 36), 0);
}

static void test_rsdp_scan(void **state)
{
	static uint8_t area[0x400];

	(void)state;
	q35(false, 1);
	memset(area, 0, sizeof(area));
	memcpy(area + 0x101, "RSD PTR ", 8); /* not on a 16-byte boundary */
	memcpy(area + 0x200, r, 20);
	assert_int_equal(acpi_rsdp_scan(area, sizeof(area)), 0x200);
	assert_int_equal(acpi_rsdp_scan(area, 0x210), -1); /* cut short: not whole */
	area[0x208] ^= 1;
	assert_int_equal(acpi_rsdp_scan(area, sizeof(area)), -1);
}

static void test_bad_table_checksum_skipped(void **state)
{
	(void)state;
	uint32_t m = madt(4);
	uint32_t tabs[2] = { fadt(), m };
	rsdp(r, true, root(true, tabs, 2));
	mem[m + 50] ^= 0x10;
	assert_int_equal(acpi_walk(r, 36, fake_map, NULL, &info), ACPI_OK);
	assert_int_equal(info.tables, 1);
	assert_int_equal(info.bad_tables, 1);
	assert_false(info.madt);
	assert_true(info.fadt);
}

static void test_root_unreadable_or_wrong(void **state)
{
	(void)state;
	uint32_t tabs[1] = { hpet() };
	uint32_t rt = root(true, tabs, 1);
	rsdp(r, true, rt);
	memcpy(mem + rt, "RSDT", 4); /* wrong signature for an XSDT */
	seal(rt);
	assert_int_equal(acpi_walk(r, 36, fake_map, NULL, &info), ACPI_E_ROOT);
	put64(r + 24, 0x1000); /* outside memory */
	fix_sum(r, 20, 8);
	fix_sum(r, 36, 32);
	assert_int_equal(acpi_walk(r, 36, fake_map, NULL, &info), ACPI_E_ROOT);
}

static void test_table_length_lies(void **state)
{
	(void)state;
	uint32_t m = madt(2);
	uint32_t tabs[1] = { m };
	rsdp(r, true, root(true, tabs, 1));
	put32(mem + m + 4, 0xFFFFFFF0u); /* far beyond memory and ACPI_TABLE_MAX */
	assert_int_equal(acpi_walk(r, 36, fake_map, NULL, &info), ACPI_OK);
	assert_int_equal(info.bad_tables, 1);
	put32(mem + m + 4, 10); /* shorter than a header */
	assert_int_equal(acpi_walk(r, 36, fake_map, NULL, &info), ACPI_OK);
	assert_int_equal(info.bad_tables, 1);
}

static void test_madt_entry_lengths(void **state)
{
	static uint8_t t[64];

	(void)state;
	memset(t, 0, sizeof(t));
	memcpy(t, "APIC", 4);
	/* an entry claiming 0 bytes must end the walk, not loop */
	t[44] = 0, t[45] = 0;
	memset(&info, 0, sizeof(info));
	acpi_parse_madt(t, 52, &info);
	assert_int_equal(info.cpus, 0);
	/* one that runs past the table is not read */
	t[44] = 0, t[45] = 8, t[49] = 1, t[48] = 1;
	memset(&info, 0, sizeof(info));
	acpi_parse_madt(t, 50, &info);
	assert_int_equal(info.cpus, 0);
	acpi_parse_madt(t, 52, &info);
	assert_int_equal(info.cpus, 1);
	/* a local APIC entry too short for its flags */
	t[45] = 4;
	memset(&info, 0, sizeof(info));
	acpi_parse_madt(t, 52, &info);
	assert_int_equal(info.cpus, 0);
}

static void test_madt_x2apic_and_disabled(void **state)
{
	static uint8_t t[44 + 16 + 16 + 8 + 8];

	(void)state;
	memset(t, 0, sizeof(t));
	uint8_t *e = t + 44;
	e[0] = 9, e[1] = 16, put32(e + 4, 300), put32(e + 8, 1), e += 16;
	e[0] = 9, e[1] = 16, put32(e + 4, 301), put32(e + 8, 2), e += 16; /* online capable */
	e[0] = 0, e[1] = 8, e[3] = 7, put32(e + 4, 0), e += 8;             /* disabled */
	e[0] = 5, e[1] = 8; /* LAPIC address override too short: ignored */
	memset(&info, 0, sizeof(info));
	put32(t + 36, 0xFEE00000u);
	acpi_parse_madt(t, sizeof(t), &info);
	assert_int_equal(info.cpus, 1);
	assert_int_equal(info.apic_ids[0], 300);
	assert_int_equal(info.x2apic_entries, 2);
	assert_int_equal(info.cpus_disabled, 1);
	assert_int_equal(info.lapic_addr, 0xFEE00000u);
}

static void test_fadt_reset_needs_flag_and_width(void **state)
{
	(void)state;
	uint32_t f = fadt();
	memset(&info, 0, sizeof(info));
	put32(mem + f + 112, 0); /* RESET_REG_SUP clear */
	acpi_parse_fadt(mem + f, 268, &info);
	assert_false(info.reset_supported);
	put32(mem + f + 112, 1u << 10);
	mem[f + 117] = 16; /* not an 8-bit register */
	acpi_parse_fadt(mem + f, 268, &info);
	assert_false(info.reset_supported);
	/* ACPI 1.0 FADT (116 bytes): no reset register, PM timer from PM_TMR_BLK */
	memset(&info, 0, sizeof(info));
	acpi_parse_fadt(mem + f, 116, &info);
	assert_true(info.fadt);
	assert_false(info.reset_supported);
	assert_int_equal(info.pm_timer_port, 0x608);
	acpi_parse_fadt(mem + f, 100, &info); /* too short: not an FADT */
	memset(&info, 0, sizeof(info));
	acpi_parse_fadt(mem + f, 100, &info);
	assert_false(info.fadt);
}

/* QEMU's own tables, as SeaBIOS laid them out (fixtures/acpi_fixture.py):
 * each region is served at its physical address, nothing else. */
static const uint8_t *q35_map(void *ctx, uint64_t phys, uint32_t len)
{
	(void)ctx;
	for (unsigned i = 0; i < sizeof(q35_regions) / sizeof(q35_regions[0]); i++) {
		const struct acpi_region *r = &q35_regions[i];
		if (phys >= r->addr && phys - r->addr <= r->len && len <= r->len - (phys - r->addr))
			return r->bytes + (phys - r->addr);
	}
	return NULL;
}

static void test_qemu_q35_real_tables(void **state)
{
	(void)state;
	const struct acpi_region *rsdp = &q35_regions[0];
	assert_int_equal(acpi_rsdp_check(rsdp->bytes, rsdp->len), ACPI_RSDP_V1_LEN);
	assert_int_equal(acpi_walk(rsdp->bytes, rsdp->len, q35_map, NULL, &info), ACPI_OK);
	assert_false(info.xsdt);
	assert_int_equal(info.tables, 5); /* FACP APIC HPET MCFG WAET */
	assert_int_equal(info.bad_tables, 0);
	assert_int_equal(info.cpus, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(info.apic_ids[i], i);
	assert_int_equal(info.lapic_addr, 0xFEE00000u);
	assert_int_equal(info.ioapics, 1);
	assert_int_equal(info.ioapic_addr, 0xFEC00000u);
	assert_int_equal(info.ioapic_gsi_base, 0);
	assert_true(info.irq0_override);
	assert_int_equal(info.irq0_gsi, 2);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_true(info.reset_supported);
	assert_int_equal(info.reset_reg.space, ACPI_SPACE_IO);
	assert_int_equal(info.reset_reg.address, 0xCF9);
	assert_int_equal(info.reset_value, 0xF);
	assert_true(info.hpet);
	assert_int_equal(info.hpet_addr, 0xFED00000u);
}

static void test_status_texts(void **state)
{
	(void)state;
	assert_string_equal(acpi_status_text(ACPI_OK), "ok");
	assert_string_equal(acpi_status_text(ACPI_E_NO_RSDP), "no_valid_rsdp");
	assert_string_equal(acpi_status_text(ACPI_E_ROOT), "bad_rsdt_or_xsdt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_q35_xsdt, setup),
		cmocka_unit_test_setup(test_rsdt_v1, setup),
		cmocka_unit_test_setup(test_rsdp_checksums, setup),
		cmocka_unit_test_setup(test_rsdp_scan, setup),
		cmocka_unit_test_setup(test_bad_table_checksum_skipped, setup),
		cmocka_unit_test_setup(test_root_unreadable_or_wrong, setup),
		cmocka_unit_test_setup(test_table_length_lies, setup),
		cmocka_unit_test_setup(test_madt_entry_lengths, setup),
		cmocka_unit_test_setup(test_madt_x2apic_and_disabled, setup),
		cmocka_unit_test_setup(test_fadt_reset_needs_flag_and_width, setup),
		cmocka_unit_test(test_qemu_q35_real_tables),
		cmocka_unit_test(test_status_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
