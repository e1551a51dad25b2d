/*
 * fuzz_bzimage: hv/bzimage.c on arbitrary images, initrd sizes and
 * command line lengths.  Input:
 *   u32 ram_size (mod 40 MiB; below 1 MiB is refused)
 *   u32 initrd_size (mod 512 KiB unless flags bit 0: as is)
 *   u32 cmdline_len (mod 64 KiB)
 *   u8  flags: bit 0 raw initrd size, bit 1 zero_init
 *   the rest: the image
 * Guest RAM is one heap buffer of 40 MiB with [ram_size, 40 MiB)
 * poisoned for ASan, so any access at or beyond ram_size is reported.
 * bz_check() then bz_load(); invariants on success: the layout lies in
 * RAM (kernel at or above 1 MiB, boot_params and the command line below
 * it, the initrd apart from [load, load + init_size) and below
 * initrd_addr_max + 1), entry = load + 0x200, boot_params written as
 * documented, the e820 map covers exactly [0, ram_size), and the kernel,
 * command line and initrd bytes are where the layout says.
 */
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/bzimage.h"
#include "tests/fuzz/fuzz_common.h"

#define RAM_MAX (40ull << 20)
#define SRC_MAX (64ull << 10) /* command line source */

static uint8_t *ram, *initrd_src;
static char cmdline_src[SRC_MAX];

static void setup_once(void)
{
	if (ram != NULL)
		return;
	ram = malloc(RAM_MAX);
	initrd_src = malloc(RAM_MAX);
	FUZZ_ASSERT(ram != NULL && initrd_src != NULL);
	for (uint64_t i = 0; i < RAM_MAX; i++)
		initrd_src[i] = (uint8_t)(i * 13 + 7);
	for (uint64_t i = 0; i < SRC_MAX; i++)
		cmdline_src[i] = (char)('a' + i % 26);
}

static uint64_t rd_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void check_e820(const uint8_t *bp, const struct bz_layout *l, uint64_t ram_size)
{
	uint64_t end = 0;

	FUZZ_ASSERT(bp[0x1E8] == l->e820_entries && l->e820_entries <= 128);
	for (unsigned i = 0; i < bp[0x1E8]; i++) {
		const uint8_t *e = bp + 0x2D0 + 20 * i;
		uint64_t addr = rd_le(e, 8), len = rd_le(e + 8, 8), type = rd_le(e + 16, 4);

		FUZZ_ASSERT(addr == end && len > 0 && len <= ram_size - addr);
		FUZZ_ASSERT(type == BZ_E820_RAM || type == BZ_E820_RESERVED);
		end = addr + len;
	}
	FUZZ_ASSERT(end == ram_size);
}

static void check_layout(const struct bz_info *in, const struct bz_window *w)
{
	const struct bz_layout *l = &in->layout;

	FUZZ_ASSERT(l->kernel_start >= BZ_HIGH_MIN_GPA && l->kernel_start < l->kernel_end);
	FUZZ_ASSERT(l->kernel_end <= w->ram_size && l->kernel_end - l->kernel_start == in->init_size);
	FUZZ_ASSERT(l->entry == l->kernel_start + 0x200 && l->entry < w->ram_size);
	FUZZ_ASSERT(l->boot_params == BZ_BOOT_PARAMS_GPA && l->cmdline_start == BZ_CMDLINE_GPA);
	FUZZ_ASSERT(l->cmdline_end == BZ_CMDLINE_GPA + w->cmdline_len + 1);
	FUZZ_ASSERT(l->cmdline_end <= BZ_HIGH_MIN_GPA && w->cmdline_len <= in->cmdline_size);
	FUZZ_ASSERT(l->boot_cs == 0x10 && l->boot_ds == 0x18);
	if (w->initrd_size == 0) {
		FUZZ_ASSERT(l->initrd_start == 0 && l->initrd_end == 0);
		return;
	}
	FUZZ_ASSERT(l->initrd_start >= BZ_HIGH_MIN_GPA && l->initrd_start % 4096 == 0);
	FUZZ_ASSERT(l->initrd_end - l->initrd_start == w->initrd_size);
	FUZZ_ASSERT(l->initrd_end <= w->ram_size);
	FUZZ_ASSERT(l->initrd_end - 1 <= in->initrd_addr_max);
	FUZZ_ASSERT(l->initrd_end <= l->kernel_start || l->initrd_start >= l->kernel_end);
}

static void check_ram(const uint8_t *img, const struct bz_info *in, const struct bz_window *w)
{
	const struct bz_layout *l = &in->layout;
	const uint8_t *bp = ram + l->boot_params;

	FUZZ_ASSERT(memcmp(ram + l->kernel_start, img + in->kernel_offset, in->kernel_size) == 0);
	FUZZ_ASSERT(bp[0x1EF] == 0 && bp[0x210] == 0xFF && !(bp[0x211] & 0x80));
	FUZZ_ASSERT(memcmp(bp + 0x1F2, img + 0x1F2, 0x210 - 0x1F2) == 0);
	FUZZ_ASSERT(rd_le(bp + 0x228, 4) == l->cmdline_start && rd_le(bp + 0x214, 4) == l->kernel_start);
	FUZZ_ASSERT(rd_le(bp + 0x218, 4) == l->initrd_start && rd_le(bp + 0x21C, 4) == w->initrd_size);
	FUZZ_ASSERT(memcmp(ram + l->cmdline_start, cmdline_src, w->cmdline_len) == 0);
	FUZZ_ASSERT(ram[l->cmdline_end - 1] == 0);
	FUZZ_ASSERT(memcmp(ram + l->initrd_start, initrd_src, w->initrd_size) == 0);
	check_e820(bp, l, w->ram_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { .p = data, .n = size };
	struct bz_window w;
	struct bz_info info;
	struct bz_layout lay;
	uint8_t flags;

	setup_once();
	w.ram_size = fuzz_u32(&in) % RAM_MAX;
	w.initrd_size = fuzz_u32(&in);
	w.cmdline_len = fuzz_u32(&in) % SRC_MAX;
	flags = fuzz_u8(&in);
	if (!(flags & 1))
		w.initrd_size %= 512u << 10;
	w.zero_init = flags & 2;
	const uint8_t *img = data + (in.off < size ? in.off : size);
	uint64_t img_size = fuzz_left(&in);

	enum bz_status st = bz_check(img, img_size, &w, &info);
	FUZZ_ASSERT((unsigned)st < BZ_STATUS_COUNT && bz_status_text(st) != NULL);
	if (st == BZ_OK)
		check_layout(&info, &w);
#ifdef FUZZ_VERBOSE
	fprintf(stderr, "bz_check: %s\n", bz_status_text(st));
#endif
	ASAN_POISON_MEMORY_REGION(ram + w.ram_size, RAM_MAX - w.ram_size);
	enum bz_status st2 = bz_load(img, img_size, &w, initrd_src, cmdline_src, ram, &lay);
	ASAN_UNPOISON_MEMORY_REGION(ram + w.ram_size, RAM_MAX - w.ram_size);
	FUZZ_ASSERT(st2 == st);
	if (st == BZ_OK) {
		FUZZ_ASSERT(memcmp(&lay, &info.layout, sizeof(lay)) == 0);
		check_ram(img, &info, &w);
	}
	return 0;
}
