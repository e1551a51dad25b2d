/* Host unit tests for hv/bzimage.c: synthetic bzImages (a setup header
 * with the fields set and a fake payload) built in memory, loaded into a
 * guest RAM buffer with guard bytes on both sides. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/bzimage.h"

#define MiB (1ull << 20)
#define RAM_SIZE (32 * MiB)
#define GUARD 4096
#define FILL 0xCC

/* setup_sects 1: boot sector + one setup sector, kernel at 0x400. */
#define SETUP_SECTS 1
#define KOFF 0x400
#define KSIZE 0x400
#define IMG_SIZE (5 * 512 + KSIZE) /* room for setup_sects 0 (= 4) */
#define HDR_END 0x268
#define LOAD (16 * MiB)
#define INIT_SIZE (4 * MiB)

struct image {
	uint8_t b[IMG_SIZE];
	uint64_t size;
};

static uint8_t mem[GUARD + RAM_SIZE + GUARD];
static uint8_t *const ram = mem + GUARD;
static uint8_t initrd_data[0x3000];
static const char cmdline[] = "console=ttyS1 rdinit=/init";

static void put16(uint8_t *p, unsigned off, uint16_t v) { memcpy(p + off, &v, 2); }
static void put32(uint8_t *p, unsigned off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, unsigned off, uint64_t v) { memcpy(p + off, &v, 8); }
static uint32_t get32(const uint8_t *p, uint64_t off) { uint32_t v; memcpy(&v, p + off, 4); return v; }
static uint64_t get64(const uint8_t *p, uint64_t off) { uint64_t v; memcpy(&v, p + off, 8); return v; }

/* A relocatable protocol 2.15 kernel preferring 16 MiB. */
static void build(struct image *im)
{
	uint8_t *b = im->b;

	memset(im, 0, sizeof(*im));
	im->size = KOFF + KSIZE;
	for (unsigned i = 0; i < 0x1EF; i++)
		b[i] = (uint8_t)(0x40 + i); /* boot sector noise: never copied */
	b[0x1EF] = 0xFF;                    /* sentinel, as header.S has it */
	b[0x1F0] = 0xFF;
	b[0x1F1] = SETUP_SECTS;
	put16(b, 0x1F2, 1);                 /* root_flags */
	put32(b, 0x1F4, KSIZE / 16);        /* syssize */
	put16(b, 0x1FA, 0xFFFF);            /* vid_mode */
	put16(b, 0x1FE, 0xAA55);
	b[0x200] = 0xEB;
	b[0x201] = HDR_END - 0x202;
	memcpy(b + 0x202, "HdrS", 4);
	put16(b, 0x206, 0x020F);
	put16(b, 0x20E, 0x100);             /* kernel_version */
	b[0x211] = 0x01 | 0x80;             /* LOADED_HIGH | CAN_USE_HEAP */
	put32(b, 0x214, 0x100000);          /* code32_start */
	put32(b, 0x218, 0xDEAD000);         /* ramdisk_image: must be overwritten */
	put32(b, 0x228, 0xBAD);             /* cmd_line_ptr: must be overwritten */
	put32(b, 0x22C, 0x7FFFFFFF);        /* initrd_addr_max */
	put32(b, 0x230, 0x200000);          /* kernel_alignment */
	b[0x234] = 1;                       /* relocatable_kernel */
	b[0x235] = 21;                      /* min_alignment */
	put16(b, 0x236, 0x01 | 0x02);       /* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	put32(b, 0x238, 2047);              /* cmdline_size */
	put32(b, 0x248, 0x10);              /* payload_offset */
	put32(b, 0x24C, 0x100);             /* payload_length */
	put64(b, 0x250, 0x1234);            /* setup_data: must be cleared */
	put64(b, 0x258, LOAD);              /* pref_address */
	put32(b, 0x260, INIT_SIZE);
	put32(b, 0x264, 0x190);             /* handover_offset */
	for (unsigned i = HDR_END; i < 0x290; i++)
		b[i] = 0xEE;                /* setup code after the header */
	for (unsigned i = 0; i < KSIZE; i++)
		b[KOFF + i] = (uint8_t)(i * 7 + 1);
}

static struct bz_window window(uint64_t initrd_size, uint64_t cmdline_len)
{
	return (struct bz_window){ .ram_size = RAM_SIZE, .initrd_size = initrd_size,
				   .cmdline_len = cmdline_len };
}

static enum bz_status check_win(const struct image *im, const struct bz_window *w,
				struct bz_info *info)
{
	return bz_check(im->b, im->size, w, info);
}

static enum bz_status check_img(const struct image *im)
{
	struct bz_window w = window(sizeof(initrd_data), strlen(cmdline));
	struct bz_info info;

	return check_win(im, &w, &info);
}

static enum bz_status load(const struct image *im, const struct bz_window *w, struct bz_layout *l)
{
	memset(mem, FILL, sizeof(mem));
	return bz_load(im->b, im->size, w, initrd_data, cmdline, ram, l);
}

static void assert_guards(void)
{
	for (unsigned i = 0; i < GUARD; i++) {
		assert_int_equal(mem[i], FILL);
		assert_int_equal(mem[GUARD + RAM_SIZE + i], FILL);
	}
}

static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(initrd_data); i++)
		initrd_data[i] = (uint8_t)(i ^ 0x5A);
	return 0;
}

/* ---- detection ------------------------------------------------------ */

static void test_detect(void **state)
{
	struct image im;
	static const uint8_t elf[0x300] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	(void)state;

	build(&im);
	assert_true(bz_is_bzimage(im.b, im.size));
	assert_true(bz_is_bzimage(im.b, 0x206));
	assert_false(bz_is_bzimage(im.b, 0x205));
	assert_false(bz_is_bzimage(elf, sizeof(elf)));
	im.b[0x1FE] = 0;
	assert_false(bz_is_bzimage(im.b, im.size));
	assert_int_equal(check_img(&im), BZ_E_NOT_BZIMAGE);
	build(&im);
	im.b[0x205] = 'T';
	assert_false(bz_is_bzimage(im.b, im.size));
}

/* ---- what bz_check reads and where it puts things -------------------- */

static void test_good_check(void **state)
{
	struct image im;
	struct bz_window w = window(sizeof(initrd_data), strlen(cmdline));
	struct bz_info info;
	(void)state;

	build(&im);
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.version, 0x020F);
	assert_int_equal(info.setup_sects, SETUP_SECTS);
	assert_int_equal(info.hdr_end, HDR_END);
	assert_int_equal(info.kernel_offset, KOFF);
	assert_int_equal(info.kernel_size, KSIZE);
	assert_int_equal(info.init_size, INIT_SIZE);
	assert_int_equal(info.layout.kernel_start, LOAD);
	assert_int_equal(info.layout.kernel_end, LOAD + INIT_SIZE);
	assert_int_equal(info.layout.entry, LOAD + 0x200);
	assert_int_equal(info.layout.boot_params, 0x10000);
	assert_int_equal(info.layout.cmdline_start, 0x11000);
	assert_int_equal(info.layout.cmdline_end, 0x11000 + strlen(cmdline) + 1);
	/* initrd at the top of RAM, page-aligned */
	assert_int_equal(info.layout.initrd_start, RAM_SIZE - sizeof(initrd_data));
	assert_int_equal(info.layout.initrd_end, RAM_SIZE);
	assert_int_equal(info.layout.boot_cs, 0x10);
	assert_int_equal(info.layout.boot_ds, 0x18);
	assert_int_equal(info.layout.e820_entries, 2);
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct image im;
	struct bz_window w = window(0, 0);
	struct bz_info info;
	struct bz_layout l;
	(void)state;

	build(&im);
	im.b[0x1F1] = 0;
	memmove(im.b + 5 * 512, im.b + KOFF, KSIZE);
	im.size = 5 * 512 + KSIZE;
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.setup_sects, 4);
	assert_int_equal(info.kernel_offset, 0xA00);
	assert_int_equal(load(&im, &w, &l), BZ_OK);
	assert_memory_equal(ram + LOAD, im.b + 0xA00, KSIZE);
	/* the sample loader's "if (setup_sects == 0) setup_sects = 4" */
	assert_int_equal(ram[0x10000 + 0x1F1], 4);
}

/* ---- refusals ---------------------------------------------------------- */

static void test_refuse_version(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	put16(im.b, 0x206, 0x020B);
	assert_int_equal(check_img(&im), BZ_E_VERSION);
	put16(im.b, 0x206, 0x020C);
	assert_int_equal(check_img(&im), BZ_OK);
}

static void test_refuse_not_64(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	put16(im.b, 0x236, 0x02);
	assert_int_equal(check_img(&im), BZ_E_NOT_64);
}

static void test_refuse_not_loaded_high(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	im.b[0x211] = 0x80;
	assert_int_equal(check_img(&im), BZ_E_NOT_HIGH);
}

static void test_refuse_truncated(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	im.size = 0x207;
	assert_int_equal(check_img(&im), BZ_E_TRUNCATED);
	im.size = HDR_END - 1;
	assert_int_equal(check_img(&im), BZ_E_TRUNCATED);
	im.size = KOFF + KSIZE - 1; /* the payload is cut */
	assert_int_equal(check_img(&im), BZ_E_SYSSIZE);
}

static void test_refuse_header_length(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	im.b[0x201] = 0x265 - 0x202; /* ends inside handover_offset */
	assert_int_equal(check_img(&im), BZ_E_HDR_LEN);
	im.b[0x201] = 0x80; /* past the 144-byte limit (a backward jump) */
	assert_int_equal(check_img(&im), BZ_E_HDR_LEN);
	im.b[0x201] = 0x7F; /* 0x281: the longest header */
	assert_int_equal(check_img(&im), BZ_OK);
}

static void test_refuse_setup_sects(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	im.b[0x1F1] = 200; /* (200 + 1) * 512 is past the end */
	assert_int_equal(check_img(&im), BZ_E_SETUP_SECTS);
	im.b[0x1F1] = (KOFF + KSIZE) / 512 - 1; /* kernel offset == file size */
	assert_int_equal(check_img(&im), BZ_E_SETUP_SECTS);
}

static void test_refuse_syssize(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	put32(im.b, 0x1F4, KSIZE / 16 + 1);
	assert_int_equal(check_img(&im), BZ_E_SYSSIZE);
	put32(im.b, 0x1F4, 0xFFFFFFFF);
	assert_int_equal(check_img(&im), BZ_E_SYSSIZE);
	put32(im.b, 0x1F4, 0); /* no kernel at all (and no payload) */
	put32(im.b, 0x248, 0);
	put32(im.b, 0x24C, 0);
	assert_int_equal(check_img(&im), BZ_E_SYSSIZE);
	build(&im);
	put32(im.b, 0x24C, KSIZE - 0x10 + 1); /* payload one byte too long */
	assert_int_equal(check_img(&im), BZ_E_SYSSIZE);
	put32(im.b, 0x24C, KSIZE - 0x10);
	assert_int_equal(check_img(&im), BZ_OK);
	put32(im.b, 0x248, 0xFFFFFFF0); /* offset wraps */
	assert_int_equal(check_img(&im), BZ_E_SYSSIZE);
}

static void test_refuse_init_size(void **state)
{
	struct image im;
	struct bz_window w = window(0, 0);
	struct bz_info info;
	(void)state;

	build(&im);
	put32(im.b, 0x260, KSIZE - 1);
	assert_int_equal(check_img(&im), BZ_E_INIT_SIZE);
	/* No aligned place in 32 MiB holds 17 MiB above 16 MiB. */
	put32(im.b, 0x260, 17 * MiB);
	assert_int_equal(check_win(&im, &w, &info), BZ_E_INIT_SIZE_RAM);
	put32(im.b, 0x260, 16 * MiB); /* exactly up to the end of RAM */
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.kernel_end, RAM_SIZE);
}

static void test_refuse_small_ram(void **state)
{
	struct image im;
	struct bz_window w = window(0, 0);
	struct bz_info info;
	(void)state;

	build(&im);
	w.ram_size = MiB - 1;
	assert_int_equal(check_win(&im, &w, &info), BZ_E_RAM);
}

static void test_refuse_cmdline(void **state)
{
	struct image im;
	struct bz_window w = window(0, 2047);
	struct bz_info info;
	(void)state;

	build(&im);
	assert_int_equal(check_win(&im, &w, &info), BZ_OK); /* cmdline_size chars */
	w.cmdline_len = 2048;
	assert_int_equal(check_win(&im, &w, &info), BZ_E_CMDLINE);
	/* a huge cmdline_size is capped by the low area */
	put32(im.b, 0x238, 0xFFFFFFFF);
	w.cmdline_len = BZ_CMDLINE_MAX;
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_true(info.layout.cmdline_end <= 0x20000);
	w.cmdline_len = BZ_CMDLINE_MAX + 1;
	assert_int_equal(check_win(&im, &w, &info), BZ_E_CMDLINE);
}

static void test_refuse_initrd(void **state)
{
	struct image im;
	struct bz_window w = window(RAM_SIZE, 0);
	struct bz_info info;
	(void)state;

	build(&im);
	assert_int_equal(check_win(&im, &w, &info), BZ_E_INITRD);
	/* Above the kernel: 12 MiB; below it: 15 MiB (from 1 MiB). */
	w.initrd_size = 15 * MiB;
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.initrd_start, MiB);
	assert_int_equal(info.layout.initrd_end, LOAD);
	w.initrd_size = 15 * MiB + 1;
	assert_int_equal(check_win(&im, &w, &info), BZ_E_INITRD);
	/* initrd_addr_max just above 1 MiB: nothing fits */
	put32(im.b, 0x22C, MiB + 0x1FFF);
	w.initrd_size = 0x3000;
	assert_int_equal(check_win(&im, &w, &info), BZ_E_INITRD);
	w.initrd_size = 0x2000;
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.initrd_start, MiB);
}

static void test_refuse_fixed_kernel_outside_ram(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	im.b[0x234] = 0; /* not relocatable */
	put64(im.b, 0x258, RAM_SIZE);
	assert_int_equal(check_img(&im), BZ_E_ALIGN);
	put64(im.b, 0x258, 0x8000); /* over the hypervisor's low pages */
	assert_int_equal(check_img(&im), BZ_E_ALIGN);
	put64(im.b, 0x258, RAM_SIZE - INIT_SIZE + 0x1000); /* init_size sticks out */
	assert_int_equal(check_img(&im), BZ_E_INIT_SIZE_RAM);
}

static void test_refuse_bad_alignment(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	put32(im.b, 0x230, 0x300000);
	assert_int_equal(check_img(&im), BZ_E_ALIGN);
	put32(im.b, 0x230, 0);
	assert_int_equal(check_img(&im), BZ_E_ALIGN);
}

static void test_status_text(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BZ_STATUS_COUNT; i++) {
		const char *t = bz_status_text((enum bz_status)i);
		assert_non_null(t);
		assert_true(strlen(t) > 1);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(t, bz_status_text((enum bz_status)j));
	}
	assert_non_null(strstr(bz_status_text(BZ_E_VERSION), "2.12"));
	assert_non_null(strstr(bz_status_text(BZ_E_NOT_64), "XLF_KERNEL_64"));
	assert_non_null(strstr(bz_status_text(BZ_E_SETUP_SECTS), "setup_sects"));
	assert_non_null(strstr(bz_status_text(BZ_E_SYSSIZE), "syssize"));
	assert_non_null(strstr(bz_status_text(BZ_E_INIT_SIZE_RAM), "init_size"));
	assert_non_null(strstr(bz_status_text(BZ_E_ALIGN), "pref_address"));
	assert_non_null(strstr(bz_status_text(BZ_E_INITRD), "initrd_addr_max"));
	assert_non_null(strstr(bz_status_text(BZ_E_CMDLINE), "cmdline_size"));
	assert_string_equal(bz_status_text(BZ_STATUS_COUNT), "unknown bzImage status");
}

/* ---- placement ----------------------------------------------------------- */

static uint64_t load_addr(const struct image *im, uint64_t ram_size)
{
	struct bz_window w = window(0, 0);
	struct bz_info info;

	w.ram_size = ram_size;
	assert_int_equal(check_win(im, &w, &info), BZ_OK);
	return info.layout.kernel_start;
}

static void test_place_kernel(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	put64(im.b, 0x258, 0x1400000); /* aligned, fits: taken */
	assert_int_equal(load_addr(&im, RAM_SIZE), 0x1400000);
	put64(im.b, 0x258, 0x1500000); /* misaligned: lowest aligned >= 16 MiB */
	assert_int_equal(load_addr(&im, RAM_SIZE), LOAD);
	put64(im.b, 0x258, RAM_SIZE); /* outside RAM */
	assert_int_equal(load_addr(&im, RAM_SIZE), LOAD);
	/* realignment: with a 32 MiB alignment the 16 MiB pref_address is
	 * misaligned and the fallback moves up to 32 MiB */
	put64(im.b, 0x258, LOAD);
	put32(im.b, 0x230, 32 * MiB);
	assert_int_equal(load_addr(&im, 64 * MiB), 32 * MiB);
	/* a fixed kernel is loaded at pref_address, or 1 MiB without one */
	build(&im);
	im.b[0x234] = 0;
	put64(im.b, 0x258, 0x200000);
	assert_int_equal(load_addr(&im, RAM_SIZE), 0x200000);
	put64(im.b, 0x258, 0);
	assert_int_equal(load_addr(&im, RAM_SIZE), MiB);
}

static void test_place_kernel_above_4g(void **state)
{
	struct image im;
	(void)state;

	build(&im);
	put64(im.b, 0x258, 5ull << 30);
	assert_int_equal(load_addr(&im, 8ull << 30), 5ull << 30);
	put16(im.b, 0x236, 0x01); /* no XLF_CAN_BE_LOADED_ABOVE_4G */
	assert_int_equal(load_addr(&im, 8ull << 30), LOAD);
}

static void test_place_initrd(void **state)
{
	struct image im;
	struct bz_window w = window(0x1234, 0);
	struct bz_info info;
	(void)state;

	build(&im);
	/* highest page-aligned start, end at or below RAM */
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.initrd_start, (RAM_SIZE - 0x1234) & ~0xFFFull);
	assert_int_equal(info.layout.initrd_end, info.layout.initrd_start + 0x1234);
	/* below initrd_addr_max + 1 */
	put32(im.b, 0x22C, 24 * MiB - 1);
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.initrd_start, (24 * MiB - 0x1234) & ~0xFFFull);
	/* initrd_addr_max inside the kernel: below it */
	put32(im.b, 0x22C, 18 * MiB);
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.initrd_start, (LOAD - 0x1234) & ~0xFFFull);
	assert_true(info.layout.initrd_end <= LOAD);
	/* kernel at the top of RAM: initrd below it */
	build(&im);
	put64(im.b, 0x258, RAM_SIZE - INIT_SIZE);
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.kernel_end, RAM_SIZE);
	assert_true(info.layout.initrd_end <= info.layout.kernel_start);
	assert_int_equal(info.layout.initrd_start, (RAM_SIZE - INIT_SIZE - 0x1234) & ~0xFFFull);
	/* kernel_end not page-aligned and just enough room above it: the
	 * page-aligned start would overlap the kernel, so it goes below */
	put64(im.b, 0x258, LOAD);
	put32(im.b, 0x260, RAM_SIZE - LOAD - 0x1800);
	w.initrd_size = 0x1800;
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.initrd_start, (LOAD - 0x1800) & ~0xFFFull);
	assert_true(info.layout.initrd_end <= LOAD);
	/* no initrd: empty range */
	w.initrd_size = 0;
	assert_int_equal(check_win(&im, &w, &info), BZ_OK);
	assert_int_equal(info.layout.initrd_start, 0);
	assert_int_equal(info.layout.initrd_end, 0);
}

/* ---- bz_load: guest RAM contents ----------------------------------------- */

static void test_load_contents(void **state)
{
	struct image im;
	struct bz_window w = window(sizeof(initrd_data), strlen(cmdline));
	struct bz_layout l;
	const uint64_t initrd = RAM_SIZE - sizeof(initrd_data);
	(void)state;

	build(&im);
	assert_int_equal(load(&im, &w, &l), BZ_OK);
	assert_int_equal(l.entry, LOAD + 0x200);
	assert_int_equal(l.boot_params, 0x10000);
	/* kernel bytes at the load address, the rest of init_size untouched */
	assert_memory_equal(ram + LOAD, im.b + KOFF, KSIZE);
	assert_int_equal(ram[LOAD + KSIZE], FILL);
	assert_int_equal(ram[LOAD - 1], FILL);
	/* command line, NUL-terminated, nothing after it */
	assert_string_equal((const char *)ram + 0x11000, cmdline);
	assert_int_equal(ram[l.cmdline_end], FILL);
	/* initrd at the top of RAM */
	assert_memory_equal(ram + initrd, initrd_data, sizeof(initrd_data));
	assert_int_equal(ram[initrd - 1], FILL);
	/* nothing below boot_params, nor between it and the command line */
	for (uint64_t a = 0; a < 0x10000; a++)
		assert_int_equal(ram[a], FILL);
	assert_guards();
}

static void test_load_boot_params(void **state)
{
	struct image im;
	struct bz_window w = window(sizeof(initrd_data), strlen(cmdline));
	struct bz_layout l;
	const uint8_t *bp = ram + 0x10000;
	uint8_t want[0x1000];
	(void)state;

	build(&im);
	assert_int_equal(load(&im, &w, &l), BZ_OK);
	/* zeroed, the header copied from 0x1F1 to 0x202 + byte at 0x201 */
	memset(want, 0, sizeof(want));
	memcpy(want + 0x1F1, im.b + 0x1F1, HDR_END - 0x1F1);
	want[0x210] = 0xFF;          /* type_of_loader: undefined */
	want[0x211] = 0x01;          /* LOADED_HIGH kept, CAN_USE_HEAP cleared */
	put32(want, 0x214, LOAD);    /* code32_start */
	put32(want, 0x218, RAM_SIZE - sizeof(initrd_data)); /* ramdisk_image */
	put32(want, 0x21C, sizeof(initrd_data));            /* ramdisk_size */
	put32(want, 0x228, 0x11000); /* cmd_line_ptr */
	put64(want, 0x250, 0);       /* setup_data */
	want[0x1E8] = 2;             /* e820_entries */
	put64(want, 0x2D0, 0);
	put64(want, 0x2D8, 0xA000);
	put32(want, 0x2E0, 2);       /* reserved: page 0 + hypervisor pages */
	put64(want, 0x2E4, 0xA000);
	put64(want, 0x2EC, RAM_SIZE - 0xA000);
	put32(want, 0x2F4, 1);       /* usable up to exactly ram_size */
	assert_memory_equal(bp, want, sizeof(want));
	/* the sentinel stays zero although the image has 0xFF there */
	assert_int_equal(bp[0x1EF], 0);
	assert_int_equal(bp[0x1F0], 0);
	assert_int_equal(get32(bp, 0xC0) | get32(bp, 0xC4) | get32(bp, 0xC8), 0);
	assert_guards();
}

static void test_load_e820_within_ram(void **state)
{
	struct image im;
	struct bz_window w = window(0, 0);
	struct bz_layout l;
	const uint8_t *bp = ram + 0x10000;
	uint64_t end = 0;
	(void)state;

	build(&im);
	w.ram_size = RAM_SIZE - 0x1800; /* not even page-aligned */
	assert_int_equal(load(&im, &w, &l), BZ_OK);
	assert_int_equal(bp[0x1E8], l.e820_entries);
	for (unsigned i = 0; i < bp[0x1E8]; i++) {
		uint64_t addr = get64(bp, 0x2D0 + 20 * i), len = get64(bp, 0x2D8 + 20 * i);
		assert_int_equal(addr, end); /* contiguous from 0, no overlap */
		end = addr + len;
	}
	assert_int_equal(end, w.ram_size);
}

static void test_load_longest_header(void **state)
{
	struct image im;
	struct bz_window w = window(0, 0);
	struct bz_layout l;
	(void)state;

	build(&im);
	im.b[0x201] = 0x7F;
	assert_int_equal(load(&im, &w, &l), BZ_OK);
	assert_int_equal(ram[0x10000 + 0x280], 0xEE);
	assert_int_equal(ram[0x10000 + 0x281], 0);
}

static void test_load_zero_init_to_ram_end(void **state)
{
	struct image im;
	struct bz_window w = window(0x2000, 0);
	struct bz_layout l;
	(void)state;

	build(&im);
	w.zero_init = true;
	put32(im.b, 0x260, RAM_SIZE - LOAD - 0x2000); /* kernel, then initrd, to the end */
	assert_int_equal(load(&im, &w, &l), BZ_OK);
	assert_int_equal(l.initrd_start, RAM_SIZE - 0x2000);
	assert_int_equal(l.kernel_end, l.initrd_start);
	assert_memory_equal(ram + LOAD, im.b + KOFF, KSIZE);
	for (uint64_t a = LOAD + KSIZE; a < l.kernel_end; a += 4093)
		assert_int_equal(ram[a], 0);
	assert_int_equal(ram[l.kernel_end - 1], 0);
	assert_memory_equal(ram + l.initrd_start, initrd_data, 0x2000);
	assert_int_equal(ram[LOAD - 1], FILL);
	assert_guards();
}

static void test_load_refused_writes_nothing(void **state)
{
	struct image im;
	struct bz_window w = window(RAM_SIZE, 0);
	struct bz_layout l;
	(void)state;

	build(&im);
	assert_int_equal(load(&im, &w, &l), BZ_E_INITRD);
	for (uint64_t a = 0; a < sizeof(mem); a++)
		if (mem[a] != FILL)
			fail_msg("byte at %llu written", (unsigned long long)a);
	assert_int_equal(l.entry, 0);
}

static void test_load_empty_cmdline(void **state)
{
	struct image im;
	struct bz_window w = window(0, 0);
	struct bz_layout l;
	(void)state;

	build(&im);
	assert_int_equal(bz_load(im.b, im.size, &w, NULL, NULL, ram, &l), BZ_OK);
	assert_int_equal(ram[0x11000], 0);
	assert_int_equal(get32(ram + 0x10000, 0x228), 0x11000);
	assert_int_equal(get32(ram + 0x10000, 0x218) | get32(ram + 0x10000, 0x21C), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_good_check),
		cmocka_unit_test(test_setup_sects_zero_means_four),
		cmocka_unit_test(test_refuse_version),
		cmocka_unit_test(test_refuse_not_64),
		cmocka_unit_test(test_refuse_not_loaded_high),
		cmocka_unit_test(test_refuse_truncated),
		cmocka_unit_test(test_refuse_header_length),
		cmocka_unit_test(test_refuse_setup_sects),
		cmocka_unit_test(test_refuse_syssize),
		cmocka_unit_test(test_refuse_init_size),
		cmocka_unit_test(test_refuse_small_ram),
		cmocka_unit_test(test_refuse_cmdline),
		cmocka_unit_test(test_refuse_initrd),
		cmocka_unit_test(test_refuse_fixed_kernel_outside_ram),
		cmocka_unit_test(test_refuse_bad_alignment),
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_place_kernel),
		cmocka_unit_test(test_place_kernel_above_4g),
		cmocka_unit_test(test_place_initrd),
		cmocka_unit_test(test_load_contents),
		cmocka_unit_test(test_load_boot_params),
		cmocka_unit_test(test_load_e820_within_ram),
		cmocka_unit_test(test_load_longest_header),
		cmocka_unit_test(test_load_zero_init_to_ram_end),
		cmocka_unit_test(test_load_refused_writes_nothing),
		cmocka_unit_test(test_load_empty_cmdline),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
