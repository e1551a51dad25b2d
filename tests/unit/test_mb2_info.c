/* Host unit tests for boot/mb2/mb2_info.c on hand-built Multiboot2 boot
 * information buffers (Multiboot2 spec 3.6). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "boot/mb2/mb2_info.h"

#define BUF_SIZE 4096

/* A builder: fixed header {total_size, reserved}, then 8-byte aligned tags. */
struct mb2_buf {
	uint8_t b[BUF_SIZE] __attribute__((aligned(8)));
	uint32_t len;
};

static struct mb2_buf mb;
static struct boot_info bi;
static struct mb2_module mod;

static void put32(uint32_t off, uint32_t v) { memcpy(mb.b + off, &v, 4); }
static void put64(uint32_t off, uint64_t v) { memcpy(mb.b + off, &v, 8); }

static void mb_begin(void)
{
	memset(&mb, 0xEE, sizeof(mb));
	put32(4, 0);
	mb.len = 8;
}

/* Starts a tag of `size` bytes (header included); returns its offset. */
static uint32_t mb_tag(uint32_t type, uint32_t size)
{
	uint32_t off = mb.len;

	assert_true(off + size + 8 <= BUF_SIZE);
	put32(off, type);
	put32(off + 4, size);
	mb.len = (off + size + 7) & ~7u;
	return off;
}

static void mb_cmdline(const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1;
	uint32_t off = mb_tag(1, 8 + n);
	memcpy(mb.b + off + 8, s, n);
}

static void mb_module(uint32_t start, uint32_t end, const char *name)
{
	uint32_t n = (uint32_t)strlen(name) + 1;
	uint32_t off = mb_tag(3, 16 + n);
	put32(off + 8, start);
	put32(off + 12, end);
	memcpy(mb.b + off + 16, name, n);
}

struct mmap_ent { uint64_t base, len; uint32_t type; };

static void mb_mmap(const struct mmap_ent *e, unsigned n, uint32_t entry_size)
{
	uint32_t off = mb_tag(6, 16 + n * entry_size);
	put32(off + 8, entry_size);
	put32(off + 12, 0); /* entry_version */
	for (unsigned i = 0; i < n; i++) {
		uint32_t eo = off + 16 + i * entry_size;
		memset(mb.b + eo, 0, entry_size);
		put64(eo, e[i].base);
		put64(eo + 8, e[i].len);
		put32(eo + 16, e[i].type);
	}
}

/* Adds the end tag and sets total_size; returns total_size. */
static uint32_t mb_end(void)
{
	mb_tag(0, 8);
	put32(0, mb.len);
	return mb.len;
}

static enum mb2_status parse(uint32_t limit)
{
	return mb2_parse(mb.b, limit, &bi, &mod);
}

static int setup(void **state)
{
	(void)state;
	memset(&bi, 0, sizeof(bi));
	memset(&mod, 0xEE, sizeof(mod)); /* mb2_parse must clear it */
	mb_begin();
	return 0;
}

static void test_minimal(void **state)
{
	(void)state;

	uint32_t total = mb_end();
	assert_int_equal(total, 16);
	assert_int_equal(parse(total), MB2_OK);
	assert_int_equal(mod.count, 0);
	assert_int_equal(mod.start, 0);
	assert_int_equal(mod.initrd_start, mod.initrd_end); /* no initrd */
	assert_int_equal(bi.mmap_count, 0);
	assert_string_equal(bi.cmdline, "");
}

static void test_full(void **state)
{
	static const struct mmap_ent map[] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xe0000, 0x20000, 3 },
		{ 0x100000, 0x7ee0000, 1 }, { 0xfeffc000, 0x4000, 4 }, { 0xfffc0000, 0x40000, 99 },
	};
	(void)state;

	mb_tag(21, 12); /* load base address tag: ignored, odd size gets padded */
	mb_cmdline("mem=64M -- console");
	mb_module(0x200000, 0x280000, "guest.elf");
	mb_module(0x300000, 0x301000, "second");
	mb_mmap(map, 6, 24);
	uint32_t total = mb_end();

	assert_int_equal(parse(BUF_SIZE), MB2_OK);
	assert_int_equal(parse(total), MB2_OK); /* limit == total is fine */
	assert_string_equal(bi.cmdline, "mem=64M -- console");
	assert_int_equal(mod.count, 2);
	assert_int_equal(mod.start, 0x200000); /* the first module is the guest */
	assert_int_equal(mod.end, 0x280000);
	assert_int_equal(mod.initrd_start, 0x300000); /* the second its initrd */
	assert_int_equal(mod.initrd_end, 0x301000);
	/* parse() ran twice and mb2_parse appends to the memory map */
	assert_int_equal(bi.mmap_count, 12);
	static const uint32_t want[] = { BOOT_MEM_USABLE, BOOT_MEM_RESERVED, BOOT_MEM_ACPI,
					 BOOT_MEM_USABLE, BOOT_MEM_OTHER, BOOT_MEM_OTHER };
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(bi.mmap[i].base, map[i].base);
		assert_int_equal(bi.mmap[i].length, map[i].len);
		assert_int_equal(bi.mmap[i].type, want[i]);
	}
	assert_int_equal(boot_mmap_usable_bytes(&bi), 2 * (0x9fc00 + 0x7ee0000));
}

static void test_mmap_larger_entries(void **state)
{
	static const struct mmap_ent map[] = { { 0x1000, 0x2000, 1 }, { 0x5000, 0x1000, 2 } };
	(void)state;

	mb_mmap(map, 2, 32); /* a future, larger entry format */
	assert_int_equal(parse(mb_end()), MB2_OK);
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap[1].base, 0x5000);
	assert_int_equal(bi.mmap[1].type, BOOT_MEM_RESERVED);
}

static void test_mmap_bad_entry_size_ignored(void **state)
{
	static const struct mmap_ent map[] = { { 0x1000, 0x2000, 1 } };
	(void)state;

	mb_mmap(map, 1, 16);
	assert_int_equal(parse(mb_end()), MB2_OK);
	assert_int_equal(bi.mmap_count, 0);
}

static void test_module_end_before_start(void **state)
{
	(void)state;

	mb_module(0x300000, 0x200000, "bad");
	assert_int_equal(parse(mb_end()), MB2_OK);
	assert_int_equal(mod.count, 1);
	assert_int_equal(mod.start, 0x300000);
	assert_int_equal(mod.end, 0x300000); /* empty, never negative */
}

static void test_long_cmdline_truncated(void **state)
{
	char s[BOOT_CMDLINE_MAX + 100];
	(void)state;

	for (unsigned i = 0; i < sizeof(s) - 1; i++)
		s[i] = (char)('a' + i % 26);
	s[sizeof(s) - 1] = '\0';
	mb_cmdline(s);
	memset(bi.cmdline, 'Z', sizeof(bi.cmdline));
	assert_int_equal(parse(mb_end()), MB2_OK);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	assert_memory_equal(bi.cmdline, s, BOOT_CMDLINE_MAX - 1);
	assert_int_equal(bi.cmdline[BOOT_CMDLINE_MAX - 1], '\0');
}

static void test_cmdline_without_nul(void **state)
{
	(void)state;

	uint32_t off = mb_tag(1, 8 + 5);
	memcpy(mb.b + off + 8, "abcde", 5); /* padding after it is 0xEE */
	assert_int_equal(parse(mb_end()), MB2_OK);
	assert_string_equal(bi.cmdline, "abcde");
}

static void test_total_size_errors(void **state)
{
	(void)state;

	uint32_t total = mb_end();
	assert_int_equal(parse(total - 1), MB2_E_SIZE); /* total > limit */
	assert_int_equal(parse(7), MB2_E_SIZE);
	assert_int_equal(parse(0), MB2_E_SIZE);
	for (uint32_t t = 0; t < 16; t++) {
		put32(0, t);
		assert_int_equal(parse(BUF_SIZE), MB2_E_SIZE);
	}
	put32(0, UINT32_MAX);
	assert_int_equal(parse(BUF_SIZE), MB2_E_SIZE);
}

static void test_tag_size_too_small(void **state)
{
	(void)state;

	mb_cmdline("x");
	mb_end();
	put32(8 + 4, 7);
	assert_int_equal(parse(BUF_SIZE), MB2_E_SIZE);
	put32(8 + 4, 0); /* would loop forever if accepted */
	assert_int_equal(parse(BUF_SIZE), MB2_E_SIZE);
}

static void test_tag_runs_past_total(void **state)
{
	(void)state;

	uint32_t off = mb_tag(1, 16);
	memcpy(mb.b + off + 8, "abc", 4);
	uint32_t total = mb_end();
	put32(off + 4, total - off + 1);
	assert_int_equal(parse(BUF_SIZE), MB2_E_SIZE);
	put32(off + 4, UINT32_MAX);
	assert_int_equal(parse(BUF_SIZE), MB2_E_SIZE);
	/* The end tag itself running past total. */
	put32(off + 4, 16);
	put32(total - 4, 16);
	assert_int_equal(parse(BUF_SIZE), MB2_E_SIZE);
}

static void test_missing_end_tag(void **state)
{
	(void)state;

	mb_cmdline("abc");
	put32(0, mb.len); /* no end tag */
	assert_int_equal(parse(BUF_SIZE), MB2_E_NO_END);
	/* Trailing bytes too short for a tag header. */
	put32(0, mb.len + 4);
	assert_int_equal(parse(BUF_SIZE), MB2_E_NO_END);
}

static void test_tags_after_end_ignored(void **state)
{
	(void)state;

	mb_end();
	mb_cmdline("late");
	put32(0, mb.len);
	assert_int_equal(parse(BUF_SIZE), MB2_OK);
	assert_string_equal(bi.cmdline, "");
}

static void test_status_text(void **state)
{
	(void)state;

	const char *a = mb2_status_text(MB2_OK), *b = mb2_status_text(MB2_E_SIZE),
		   *c = mb2_status_text(MB2_E_NO_END);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_string_not_equal(a, b);
	assert_string_not_equal(b, c);
	assert_string_not_equal(a, c);
	assert_non_null(mb2_status_text((enum mb2_status)42));
}

/* ACPI RSDP tags (14 old, 15 new): copied, the new one preferred
 * whatever the order, at most 36 bytes kept. */
static void test_acpi_rsdp_tags(void **state)
{
	(void)state;
	uint32_t off = mb_tag(15, 8 + 40);
	memset(mb.b + off + 8, 'N', 40);
	off = mb_tag(14, 8 + 20);
	memset(mb.b + off + 8, 'O', 20);
	assert_int_equal(parse(mb_end()), MB2_OK);
	assert_int_equal(bi.acpi_rsdp_len, 36);
	assert_int_equal(bi.acpi_rsdp[0], 'N');
	assert_string_equal(bi.acpi_from, "multiboot2_new_rsdp");

	memset(&bi, 0, sizeof(bi));
	mb_begin();
	off = mb_tag(14, 8 + 20);
	memset(mb.b + off + 8, 'O', 20);
	assert_int_equal(parse(mb_end()), MB2_OK);
	assert_int_equal(bi.acpi_rsdp_len, 20);
	assert_int_equal(bi.acpi_rsdp[0], 'O');
	assert_string_equal(bi.acpi_from, "multiboot2_old_rsdp");
}

#define T(f) cmocka_unit_test_setup(f, setup)

/* The flight recorder's place: 4 MiB when free; above the image (the next
 * 2 MiB boundary) when a module covers 4 MiB; none when neither fits. */
static void test_flight_place(void **state)
{
	static const struct mmap_ent map[] = { { 0, 0x9fc00, 1 }, { 0x100000, 0xff00000, 1 } };
	const uint64_t FB = 0x400000, SZ = 0x2a000;
	const char *why = "x";
	(void)state;

	mb_module(0x200000, 0x280000, "guest.elf");
	mb_mmap(map, 2, 24);
	mb_end();
	assert_int_equal(parse(BUF_SIZE), MB2_OK);
	bi.hv_base = 0x1000000;
	bi.hv_size = 0x9121000;
	assert_int_equal(mb2_flight_place(&bi, &mod, 0x10000, 0x200, FB, SZ, &why), FB);
	assert_null(why);
	/* a bzImage over 4 MiB: above the image, at the next 2 MiB boundary */
	mod.start = 0x18e000;
	mod.end = 0x980000;
	assert_int_equal(mb2_flight_place(&bi, &mod, 0x10000, 0x200, FB, SZ, &why), 0xa200000);
	assert_null(why);
	/* the initrd, the boot information: the same */
	mod.start = 0x200000;
	mod.end = 0x280000;
	mod.initrd_start = 0x3f0000;
	mod.initrd_end = 0x500000;
	assert_int_equal(mb2_flight_place(&bi, &mod, 0x10000, 0x200, FB, SZ, &why), 0xa200000);
	mod.initrd_start = mod.initrd_end = 0x500000;
	assert_int_equal(mb2_flight_place(&bi, &mod, FB + 0x1000, 0x200, FB, SZ, &why), 0xa200000);
	/* and a module above the image too: none, the preferred place's reason */
	mod.initrd_start = 0xa1f0000;
	mod.initrd_end = 0xa300000;
	mod.start = 0x300000;
	mod.end = 0x500000;
	assert_int_equal(mb2_flight_place(&bi, &mod, 0x10000, 0x200, FB, SZ, &why), 0);
	assert_string_equal(why, "overlaps_the_boot_information_or_a_module");
	/* above the image is not RAM (a small machine) */
	mod.initrd_start = mod.initrd_end = 0x500000;
	bi.mmap[1].length = 0xa000000;
	assert_int_equal(mb2_flight_place(&bi, &mod, 0x10000, 0x200, FB, SZ, &why), 0);
	/* an image that ends at the top of the address space: no wrap */
	bi.hv_base = UINT64_MAX - 0x1000;
	bi.hv_size = 0x800;
	assert_int_equal(mb2_flight_place(&bi, &mod, 0x10000, 0x200, FB, SZ, &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_minimal),
		T(test_full),
		T(test_mmap_larger_entries),
		T(test_mmap_bad_entry_size_ignored),
		T(test_module_end_before_start),
		T(test_long_cmdline_truncated),
		T(test_cmdline_without_nul),
		T(test_total_size_errors),
		T(test_tag_size_too_small),
		T(test_tag_runs_past_total),
		T(test_missing_end_tag),
		T(test_tags_after_end_ignored),
		T(test_status_text),
		T(test_flight_place),
		T(test_acpi_rsdp_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
