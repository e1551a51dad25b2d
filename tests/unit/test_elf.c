/* Host unit tests for hv/elf_load.c: good and malformed ELF64 images built
 * in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/elf64.h"
#include "hv/elf_load.h"

/* The on-disk layouts, shared with the loader. */
#define ehdr elf64_ehdr
#define phdr elf64_phdr

#define PT_NULL 0
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 1
#define PF_W 2
#define PF_R 4

#define RAM_SIZE 0x10000ull
#define LOAD_MIN 0x1000ull

/* A two-segment image: text (R+X) at 0x2000 with 0x40 file bytes, and data
 * (R+W) at 0x4000 with 0x20 file bytes and 0x100 bytes in memory (bss),
 * plus a PT_NOTE in between that must be ignored. */
#define N_PH 3
#define TEXT_OFF 0x100
#define DATA_OFF 0x140
#define IMG_SIZE 0x160

struct image {
	uint8_t bytes[IMG_SIZE];
	uint64_t size;
};

static const struct elf_window win = { .load_min = LOAD_MIN, .ram_size = RAM_SIZE };

static struct ehdr *eh_of(struct image *im) { return (struct ehdr *)im->bytes; }
static struct phdr *ph_of(struct image *im, unsigned i)
{
	return (struct phdr *)(im->bytes + sizeof(struct ehdr) + i * sizeof(struct phdr));
}

static void build_good(struct image *im)
{
	struct ehdr *eh = eh_of(im);

	memset(im, 0, sizeof(*im));
	im->size = IMG_SIZE;
	memcpy(eh->e_ident, "\x7f" "ELF", 4);
	eh->e_ident[4] = 2; /* ELFCLASS64 */
	eh->e_ident[5] = 1; /* ELFDATA2LSB */
	eh->e_ident[6] = 1; /* EV_CURRENT */
	eh->e_type = 2;     /* ET_EXEC */
	eh->e_machine = 62; /* EM_X86_64 */
	eh->e_version = 1;
	eh->e_entry = 0x2010;
	eh->e_phoff = sizeof(struct ehdr);
	eh->e_ehsize = sizeof(struct ehdr);
	eh->e_phentsize = sizeof(struct phdr);
	eh->e_phnum = N_PH;

	*ph_of(im, 0) = (struct phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = TEXT_OFF, .p_vaddr = 0x2000, .p_paddr = 0x2000,
		.p_filesz = 0x40, .p_memsz = 0x40, .p_align = 0x1000 };
	*ph_of(im, 1) = (struct phdr){ .p_type = PT_NOTE, .p_offset = 0xdead0000,
		.p_paddr = 0xdead0000, .p_filesz = 0x1000, .p_memsz = 0x10 };
	*ph_of(im, 2) = (struct phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W,
		.p_offset = DATA_OFF, .p_vaddr = 0x4000, .p_paddr = 0x4000,
		.p_filesz = 0x20, .p_memsz = 0x100, .p_align = 0x1000 };
	for (unsigned i = 0; i < 0x40; i++)
		im->bytes[TEXT_OFF + i] = (uint8_t)(0x90 + i);
	for (unsigned i = 0; i < 0x20; i++)
		im->bytes[DATA_OFF + i] = (uint8_t)(0xA0 + i);
}

static enum elf_status check(struct image *im, struct elf_result *res)
{
	return elf_check(im->bytes, im->size, &win, res);
}

static enum elf_status check_img(struct image *im)
{
	struct elf_result res;
	return check(im, &res);
}

static void test_good_check(void **state)
{
	struct image im;
	struct elf_result res;
	(void)state;

	build_good(&im);
	assert_int_equal(check(&im, &res), ELF_OK);
	assert_int_equal(res.entry, 0x2010);
	assert_int_equal(res.lowest, 0x2000);
	assert_int_equal(res.highest, 0x4100);
	assert_int_equal(res.segments, 2);
}

static void test_good_load(void **state)
{
	static uint8_t ram[RAM_SIZE];
	struct image im;
	struct elf_result res;
	(void)state;

	build_good(&im);
	memset(ram, 0xCC, sizeof(ram));
	assert_int_equal(elf_load(im.bytes, im.size, &win, ram, &res), ELF_OK);
	assert_int_equal(res.entry, 0x2010);
	assert_int_equal(res.segments, 2);
	assert_memory_equal(ram + 0x2000, im.bytes + TEXT_OFF, 0x40);
	assert_memory_equal(ram + 0x4000, im.bytes + DATA_OFF, 0x20);
	for (unsigned i = 0x20; i < 0x100; i++)
		assert_int_equal(ram[0x4000 + i], 0); /* bss zeroed */
	/* Nothing outside the segments is touched. */
	assert_int_equal(ram[0x1fff], 0xCC);
	assert_int_equal(ram[0x2040], 0xCC);
	assert_int_equal(ram[0x3fff], 0xCC);
	assert_int_equal(ram[0x4100], 0xCC);
	assert_int_equal(ram[0], 0xCC);
}

static void test_segment_at_window_edges(void **state)
{
	struct image im;
	struct elf_result res;
	(void)state;

	/* Exactly [load_min, ram_size) is allowed. */
	build_good(&im);
	ph_of(&im, 0)->p_paddr = LOAD_MIN;
	ph_of(&im, 0)->p_memsz = RAM_SIZE - LOAD_MIN;
	ph_of(&im, 2)->p_type = PT_NULL;
	eh_of(&im)->e_entry = RAM_SIZE - 1;
	assert_int_equal(check(&im, &res), ELF_OK);
	assert_int_equal(res.lowest, LOAD_MIN);
	assert_int_equal(res.highest, RAM_SIZE);
	assert_int_equal(res.segments, 1);
}

static void test_not_elf(void **state)
{
	struct image im;
	(void)state;

	build_good(&im);
	im.bytes[1] = 'e';
	assert_int_equal(check_img(&im), ELF_E_NOT_ELF);
	build_good(&im);
	im.bytes[0] = 0;
	assert_int_equal(check_img(&im), ELF_E_NOT_ELF);
}

static void test_truncated_header(void **state)
{
	struct image im;
	(void)state;

	build_good(&im);
	im.size = 0;
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
	im.size = 3;
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
	im.size = 63;
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
	/* Header present but phdr table cut short. */
	im.size = sizeof(struct ehdr) + N_PH * sizeof(struct phdr) - 1;
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
}

static void test_not_elf64_le(void **state)
{
	struct image im;
	(void)state;

	build_good(&im);
	im.bytes[4] = 1; /* ELFCLASS32 */
	assert_int_equal(check_img(&im), ELF_E_NOT_ELF64);
	build_good(&im);
	im.bytes[5] = 2; /* ELFDATA2MSB */
	assert_int_equal(check_img(&im), ELF_E_NOT_ELF64);
}

static void test_wrong_machine_and_type(void **state)
{
	struct image im;
	(void)state;

	build_good(&im);
	eh_of(&im)->e_machine = 3; /* EM_386 */
	assert_int_equal(check_img(&im), ELF_E_NOT_X86_64);
	build_good(&im);
	eh_of(&im)->e_type = 3; /* ET_DYN */
	assert_int_equal(check_img(&im), ELF_E_NOT_EXEC);
	eh_of(&im)->e_type = 1; /* ET_REL */
	assert_int_equal(check_img(&im), ELF_E_NOT_EXEC);
}

static void test_bad_phdr_table(void **state)
{
	struct image im;
	(void)state;

	build_good(&im);
	eh_of(&im)->e_phnum = 0;
	assert_int_equal(check_img(&im), ELF_E_BAD_PHDRS);
	eh_of(&im)->e_phnum = 0xffff;
	assert_int_equal(check_img(&im), ELF_E_BAD_PHDRS);
	eh_of(&im)->e_phnum = 65;
	assert_int_equal(check_img(&im), ELF_E_BAD_PHDRS);
	build_good(&im);
	eh_of(&im)->e_phentsize = 32; /* an ELF32 phdr size */
	assert_int_equal(check_img(&im), ELF_E_BAD_PHDRS);
	eh_of(&im)->e_phentsize = 57;
	assert_int_equal(check_img(&im), ELF_E_BAD_PHDRS);
}

static void test_phoff_beyond_file(void **state)
{
	struct image im;
	(void)state;

	build_good(&im);
	eh_of(&im)->e_phoff = IMG_SIZE + 1;
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
	eh_of(&im)->e_phoff = IMG_SIZE - sizeof(struct phdr) + 1;
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
	eh_of(&im)->e_phoff = UINT64_MAX - 8; /* offset + table size wraps */
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
}

static void test_filesz_gt_memsz(void **state)
{
	struct image im;
	struct elf_result res;
	(void)state;

	build_good(&im);
	ph_of(&im, 2)->p_filesz = 0x101;
	assert_int_equal(check(&im, &res), ELF_E_SEG_FILESZ);
	assert_int_equal(res.bad_segment, 2);
	assert_int_equal(res.bad_addr, 0x4000);
}

static void test_segment_beyond_file(void **state)
{
	struct image im;
	struct elf_result res;
	(void)state;

	build_good(&im);
	ph_of(&im, 2)->p_filesz = IMG_SIZE - DATA_OFF + 1;
	assert_int_equal(check(&im, &res), ELF_E_TRUNCATED);
	assert_int_equal(res.bad_segment, 2);
	build_good(&im);
	ph_of(&im, 0)->p_offset = IMG_SIZE + 1;
	assert_int_equal(check(&im, &res), ELF_E_TRUNCATED);
	assert_int_equal(res.bad_segment, 0);
	/* p_offset + p_filesz wraps around 2^64. */
	build_good(&im);
	ph_of(&im, 0)->p_offset = 0x10;
	ph_of(&im, 0)->p_filesz = UINT64_MAX - 0x8;
	ph_of(&im, 0)->p_memsz = UINT64_MAX;
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
	build_good(&im);
	ph_of(&im, 0)->p_offset = UINT64_MAX - 0x8;
	ph_of(&im, 0)->p_filesz = 0x10;
	assert_int_equal(check_img(&im), ELF_E_TRUNCATED);
}

static void test_segment_outside_window(void **state)
{
	struct image im;
	struct elf_result res;
	(void)state;

	build_good(&im);
	ph_of(&im, 0)->p_paddr = LOAD_MIN - 0x10; /* below load_min */
	eh_of(&im)->e_entry = LOAD_MIN;
	assert_int_equal(check(&im, &res), ELF_E_SEG_OUTSIDE);
	assert_int_equal(res.bad_segment, 0);
	assert_int_equal(res.bad_addr, LOAD_MIN - 0x10);

	build_good(&im);
	ph_of(&im, 2)->p_memsz = RAM_SIZE - 0x4000 + 1; /* ends past RAM */
	assert_int_equal(check(&im, &res), ELF_E_SEG_OUTSIDE);
	assert_int_equal(res.bad_segment, 2);

	build_good(&im);
	ph_of(&im, 2)->p_paddr = RAM_SIZE + 0x1000; /* starts past RAM */
	assert_int_equal(check_img(&im), ELF_E_SEG_OUTSIDE);

	build_good(&im);
	ph_of(&im, 2)->p_paddr = 0x4000;
	ph_of(&im, 2)->p_memsz = UINT64_MAX - 0x3000; /* paddr + memsz wraps */
	assert_int_equal(check_img(&im), ELF_E_SEG_OUTSIDE);

	build_good(&im);
	ph_of(&im, 2)->p_paddr = UINT64_MAX - 0xf; /* wraps to a low GPA */
	ph_of(&im, 2)->p_memsz = 0x2020;
	assert_int_equal(check_img(&im), ELF_E_SEG_OUTSIDE);
}

static void test_entry_outside_exec_segment(void **state)
{
	struct image im;
	(void)state;

	build_good(&im);
	eh_of(&im)->e_entry = 0x4010; /* inside the non-executable data segment */
	assert_int_equal(check_img(&im), ELF_E_ENTRY);
	eh_of(&im)->e_entry = 0x2040; /* one past the text segment */
	assert_int_equal(check_img(&im), ELF_E_ENTRY);
	eh_of(&im)->e_entry = 0x1fff;
	assert_int_equal(check_img(&im), ELF_E_ENTRY);
	eh_of(&im)->e_entry = 0x2000; /* first byte is fine */
	assert_int_equal(check_img(&im), ELF_OK);
	eh_of(&im)->e_entry = 0x203f; /* last byte is fine */
	assert_int_equal(check_img(&im), ELF_OK);
	/* Entry in the data segment once it is made executable. */
	ph_of(&im, 2)->p_flags |= PF_X;
	eh_of(&im)->e_entry = 0x40ff;
	assert_int_equal(check_img(&im), ELF_OK);
}

static void test_no_load_segment(void **state)
{
	struct image im;
	(void)state;

	build_good(&im);
	ph_of(&im, 0)->p_type = PT_NOTE;
	ph_of(&im, 2)->p_type = PT_NULL;
	assert_int_equal(check_img(&im), ELF_E_NO_LOAD);
}

static void test_failed_load_leaves_ram(void **state)
{
	static uint8_t ram[RAM_SIZE];
	struct image im;
	struct elf_result res;
	(void)state;

	build_good(&im);
	ph_of(&im, 2)->p_memsz = RAM_SIZE; /* second segment is bad */
	memset(ram, 0xCC, sizeof(ram));
	assert_int_equal(elf_load(im.bytes, im.size, &win, ram, &res), ELF_E_SEG_OUTSIDE);
	for (unsigned i = 0; i < RAM_SIZE; i++)
		if (ram[i] != 0xCC)
			fail_msg("ram[%#x] written by a failed load", i);
}

static void test_status_text(void **state)
{
	(void)state;

	for (int a = 0; a < ELF_STATUS_COUNT; a++) {
		const char *ta = elf_status_text((enum elf_status)a);
		assert_non_null(ta);
		assert_true(ta[0] != '\0');
		for (int b = 0; b < a; b++)
			assert_string_not_equal(ta, elf_status_text((enum elf_status)b));
	}
	assert_non_null(elf_status_text(ELF_STATUS_COUNT));
	assert_non_null(elf_status_text((enum elf_status)-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_check),
		cmocka_unit_test(test_good_load),
		cmocka_unit_test(test_segment_at_window_edges),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_not_elf64_le),
		cmocka_unit_test(test_wrong_machine_and_type),
		cmocka_unit_test(test_bad_phdr_table),
		cmocka_unit_test(test_phoff_beyond_file),
		cmocka_unit_test(test_filesz_gt_memsz),
		cmocka_unit_test(test_segment_beyond_file),
		cmocka_unit_test(test_segment_outside_window),
		cmocka_unit_test(test_entry_outside_exec_segment),
		cmocka_unit_test(test_no_load_segment),
		cmocka_unit_test(test_failed_load_leaves_ram),
		cmocka_unit_test(test_status_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
