#include "hv/bzimage.h"

#include <stddef.h>
#include <string.h>

/*
 * Setup header fields: boot.rst, "The Real-Mode Kernel Header".  The
 * header sits at the same offset in the file and in struct boot_params
 * (zero-page.rst: hdr at 0x1F1), so one set of offsets serves both.
 */
#define HDR_SETUP_SECTS 0x1F1      /* 1 */
#define HDR_SYSSIZE 0x1F4          /* 4, protocol 2.04+ */
#define HDR_BOOT_FLAG 0x1FE        /* 2, 0xAA55 */
#define HDR_JUMP_OFFSET 0x201      /* 1, the jump's displacement from 0x202 */
#define HDR_HEADER 0x202           /* 4, "HdrS" */
#define HDR_VERSION 0x206          /* 2 */
#define HDR_TYPE_OF_LOADER 0x210   /* 1 */
#define HDR_LOADFLAGS 0x211        /* 1 */
#define HDR_CODE32_START 0x214     /* 4 */
#define HDR_RAMDISK_IMAGE 0x218    /* 4 */
#define HDR_RAMDISK_SIZE 0x21C     /* 4 */
#define HDR_CMD_LINE_PTR 0x228     /* 4 */
#define HDR_INITRD_ADDR_MAX 0x22C  /* 4 */
#define HDR_KERNEL_ALIGNMENT 0x230 /* 4 */
#define HDR_RELOCATABLE 0x234      /* 1 */
#define HDR_XLOADFLAGS 0x236       /* 2, protocol 2.12+ */
#define HDR_CMDLINE_SIZE 0x238     /* 4 */
#define HDR_PAYLOAD_OFFSET 0x248   /* 4 */
#define HDR_PAYLOAD_LENGTH 0x24C   /* 4 */
#define HDR_SETUP_DATA 0x250       /* 8 */
#define HDR_PREF_ADDRESS 0x258     /* 8 */
#define HDR_INIT_SIZE 0x260        /* 4 */
#define HDR_HANDOVER_OFFSET 0x264  /* 4, protocol 2.11+ */

/* zero-page.rst: boot_params fields outside the setup header. */
#define BP_EXT_RAMDISK_IMAGE 0x0C0 /* 4 */
#define BP_EXT_RAMDISK_SIZE 0x0C4  /* 4 */
#define BP_EXT_CMD_LINE_PTR 0x0C8  /* 4 */
#define BP_E820_ENTRIES 0x1E8      /* 1 */
#define BP_SENTINEL 0x1EF          /* 1 */
#define BP_EDD_MBR_SIG 0x290       /* edd_mbr_sig_buffer: first field after hdr */
#define BP_E820_TABLE 0x2D0        /* struct e820_entry[128] */
#define BP_E820_TABLE_SIZE 0xA00
#define BP_EDDBUF 0xD00            /* first field after e820_table */
#define E820_ENTRY_SIZE 20         /* u64 addr, u64 size, u32 type, packed */
#define E820_MAX_ENTRIES 128

/*
 * Header length.  A protocol 2.12+ header reaches at least past
 * handover_offset (2.11+), and it "is permanently limited to 144 bytes
 * due to the reach of the 2-byte jump field" (boot.rst, "The
 * kernel_info").
 */
#define HDR_MIN_END (HDR_HANDOVER_OFFSET + 4)
#define HDR_MAX_END (HDR_SETUP_SECTS + 144)

#define BOOT_FLAG_MAGIC 0xAA55u
#define HDRS_MAGIC 0x53726448u /* "HdrS" */
#define PROTOCOL_MIN 0x020Cu   /* 2.12: xloadflags, ext_* fields */
#define LOADED_HIGH 0x01u
#define CAN_USE_HEAP 0x80u
#define XLF_KERNEL_64 0x01u
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x02u
#define TYPE_OF_LOADER_UNDEFINED 0xFFu /* "Otherwise, enter 0xFF here" */
#define SECTOR 512ull
#define PAGE 4096ull
#define FOUR_GIB (1ull << 32)

_Static_assert(HDR_MIN_END <= HDR_MAX_END, "header bounds");
_Static_assert(HDR_MAX_END <= BP_EDD_MBR_SIG, "the header fits its hole in boot_params");
_Static_assert(HDR_INIT_SIZE + 4 <= HDR_MIN_END, "every field read lies in a checked header");
_Static_assert(E820_MAX_ENTRIES * E820_ENTRY_SIZE == BP_E820_TABLE_SIZE, "e820_table: 128 entries");
_Static_assert(BP_E820_TABLE + BP_E820_TABLE_SIZE <= BP_EDDBUF, "e820_table ends before eddbuf");
_Static_assert(BP_EDDBUF < BZ_BOOT_PARAMS_SIZE, "boot_params is one page");
_Static_assert(BP_SENTINEL < HDR_SETUP_SECTS, "the sentinel is outside the copied header");
_Static_assert(BZ_BOOT_PARAMS_GPA >= BZ_E820_RESERVED_END, "boot_params above the hypervisor pages");
_Static_assert(BZ_BOOT_PARAMS_GPA + BZ_BOOT_PARAMS_SIZE <= BZ_CMDLINE_GPA, "low areas apart");
_Static_assert(BZ_CMDLINE_GPA + BZ_CMDLINE_MAX + 1 <= BZ_HIGH_MIN_GPA, "low areas below 1 MiB");

static const char *const status_text[BZ_STATUS_COUNT] = {
	[BZ_OK] = "ok",
	[BZ_E_NOT_BZIMAGE] = "not a bzImage (no boot_flag 0xAA55 at 0x1FE or no \"HdrS\" at 0x202)",
	[BZ_E_TRUNCATED] = "setup header: file shorter than the header",
	[BZ_E_VERSION] = "setup header: protocol version older than 2.12",
	[BZ_E_HDR_LEN] = "setup header: length (byte at 0x201) out of range",
	[BZ_E_NOT_64] = "xloadflags: not 64-bit capable (XLF_KERNEL_64 clear)",
	[BZ_E_NOT_HIGH] = "loadflags: LOADED_HIGH clear (not a bzImage)",
	[BZ_E_SETUP_SECTS] = "setup_sects: setup code reaches past the end of the file",
	[BZ_E_SYSSIZE] = "syssize/payload beyond the file",
	[BZ_E_INIT_SIZE] = "init_size smaller than the kernel (syssize)",
	[BZ_E_RAM] = "guest RAM smaller than 1 MiB",
	[BZ_E_CMDLINE] = "command line longer than cmdline_size",
	[BZ_E_ALIGN] = "pref_address / kernel_alignment: no usable load address",
	[BZ_E_INIT_SIZE_RAM] = "init_size larger than guest RAM",
	[BZ_E_INITRD] = "initrd does not fit below initrd_addr_max / guest RAM",
};

const char *bz_status_text(enum bz_status st)
{
	if ((unsigned)st >= BZ_STATUS_COUNT)
		return "unknown bzImage status";
	return status_text[st];
}

/* Little-endian reads; callers check off + width <= size first. */
static uint16_t rd16(const uint8_t *p, uint64_t off)
{
	return (uint16_t)(p[off] | (p[off + 1] << 8));
}

static uint32_t rd32(const uint8_t *p, uint64_t off)
{
	return (uint32_t)rd16(p, off) | ((uint32_t)rd16(p, off + 2) << 16);
}

static uint64_t rd64(const uint8_t *p, uint64_t off)
{
	return (uint64_t)rd32(p, off) | ((uint64_t)rd32(p, off + 4) << 32);
}

static void wr32(uint8_t *p, uint64_t off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t off, uint64_t v)
{
	wr32(p, off, (uint32_t)v);
	wr32(p, off + 4, (uint32_t)(v >> 32));
}

bool bz_is_bzimage(const uint8_t *img, uint64_t size)
{
	return size >= HDR_HEADER + 4 && rd16(img, HDR_BOOT_FLAG) == BOOT_FLAG_MAGIC &&
	       rd32(img, HDR_HEADER) == HDRS_MAGIC;
}

/* Magic, version and header length: after this every field up to
 * HDR_MIN_END may be read. */
static enum bz_status check_header(const uint8_t *img, uint64_t size, struct bz_info *in)
{
	if (!bz_is_bzimage(img, size))
		return BZ_E_NOT_BZIMAGE;
	if (size < HDR_VERSION + 2)
		return BZ_E_TRUNCATED;
	in->version = rd16(img, HDR_VERSION);
	if (in->version < PROTOCOL_MIN)
		return BZ_E_VERSION;
	/* "The end of setup header can be calculated as follows:
	 * 0x0202 + byte value at offset 0x0201" (64-bit Boot Protocol). */
	in->hdr_end = HDR_HEADER + img[HDR_JUMP_OFFSET];
	if (in->hdr_end < HDR_MIN_END || in->hdr_end > HDR_MAX_END)
		return BZ_E_HDR_LEN;
	if (size < in->hdr_end)
		return BZ_E_TRUNCATED;
	return BZ_OK;
}

static void read_fields(const uint8_t *img, struct bz_info *in)
{
	in->xloadflags = rd16(img, HDR_XLOADFLAGS);
	in->loadflags = img[HDR_LOADFLAGS];
	in->relocatable = img[HDR_RELOCATABLE];
	/* setup_sects: "If this field is 0, the real value is 4." */
	in->setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	in->kernel_offset = ((uint64_t)in->setup_sects + 1) * SECTOR;
	in->kernel_size = (uint64_t)rd32(img, HDR_SYSSIZE) * 16;
	in->pref_address = rd64(img, HDR_PREF_ADDRESS);
	in->init_size = rd32(img, HDR_INIT_SIZE);
	in->kernel_alignment = rd32(img, HDR_KERNEL_ALIGNMENT);
	in->initrd_addr_max = rd32(img, HDR_INITRD_ADDR_MAX);
	in->cmdline_size = rd32(img, HDR_CMDLINE_SIZE);
}

/* The protected-mode kernel "starts at offset (setup_sects+1)*512 in the
 * kernel file" (Loading The Rest of The Kernel) and is syssize 16-byte
 * paragraphs long; payload_offset/length point inside it. */
static enum bz_status check_file_layout(const uint8_t *img, uint64_t size,
					const struct bz_info *in)
{
	uint32_t poff = rd32(img, HDR_PAYLOAD_OFFSET), plen = rd32(img, HDR_PAYLOAD_LENGTH);

	if (!(in->xloadflags & XLF_KERNEL_64))
		return BZ_E_NOT_64;
	if (!(in->loadflags & LOADED_HIGH))
		return BZ_E_NOT_HIGH;
	if (in->kernel_offset >= size)
		return BZ_E_SETUP_SECTS;
	if (in->kernel_size == 0 || in->kernel_size > size - in->kernel_offset)
		return BZ_E_SYSSIZE;
	if (poff > in->kernel_size || in->kernel_size - poff < plen)
		return BZ_E_SYSSIZE;
	/* The kernel bytes must stay inside [load, load + init_size), the
	 * only range kept free for them. */
	if (in->init_size < in->kernel_size)
		return BZ_E_INIT_SIZE;
	return BZ_OK;
}

/* [start, start + len) inside [BZ_HIGH_MIN_GPA, limit). */
static bool high_range_fits(uint64_t start, uint64_t len, uint64_t limit)
{
	return start >= BZ_HIGH_MIN_GPA && start <= limit && limit - start >= len;
}

/* A kernel without XLF_CAN_BE_LOADED_ABOVE_4G stays below 4 GiB
 * (code32_start is 32 bits). */
static uint64_t kernel_limit(const struct bz_info *in, uint64_t ram_size)
{
	if (!(in->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) && ram_size > FOUR_GIB)
		return FOUR_GIB;
	return ram_size;
}

/* A non-relocatable kernel "will unconditionally move itself and to run
 * at" pref_address (Details of Header Fields, pref_address), so it is
 * loaded there or not at all; no pref_address means the bzImage default,
 * 0x100000 (Loading The Rest of The Kernel). */
static enum bz_status fixed_load(const struct bz_info *in, uint64_t limit, uint64_t *load)
{
	uint64_t pref = in->pref_address ? in->pref_address : BZ_HIGH_MIN_GPA;

	if (pref < BZ_HIGH_MIN_GPA || pref >= limit)
		return BZ_E_ALIGN;
	if (!high_range_fits(pref, in->init_size, limit))
		return BZ_E_INIT_SIZE_RAM;
	*load = pref;
	return BZ_OK;
}

/* A relocatable kernel "can be loaded at any address that satisfies the
 * kernel_alignment field" (relocatable_kernel); a misaligned one would
 * move itself to align_up(load, kernel_alignment) (init_size), outside
 * the range kept free, so every candidate is aligned. */
static enum bz_status choose_load(const struct bz_info *in, uint64_t ram_size, uint64_t *load)
{
	uint64_t limit = kernel_limit(in, ram_size);
	uint64_t align = in->kernel_alignment;

	if (!in->relocatable)
		return fixed_load(in, limit, load);
	if (align == 0 || (align & (align - 1)) != 0)
		return BZ_E_ALIGN;
	if (in->pref_address % align == 0 &&
	    high_range_fits(in->pref_address, in->init_size, limit)) {
		*load = in->pref_address;
		return BZ_OK;
	}
	/* align <= 2^31, so this does not overflow. */
	*load = (BZ_RELOC_BASE_GPA + align - 1) & ~(align - 1);
	if (!high_range_fits(*load, in->init_size, limit))
		return BZ_E_INIT_SIZE_RAM;
	return BZ_OK;
}

/* The highest page-aligned start in [lo, hi) with start + size <= hi. */
static bool top_fit(uint64_t lo, uint64_t hi, uint64_t size, uint64_t *start)
{
	uint64_t s;

	if (hi < lo || hi - lo < size)
		return false;
	s = (hi - size) & ~(PAGE - 1);
	if (s < lo)
		return false;
	*start = s;
	return true;
}

/* initrd_addr_max is "the address of the highest safe byte" (Details of
 * Header Fields); the initrd goes as high as it can, above the kernel's
 * [load, load + init_size) or else below it, never into the low areas. */
static bool place_initrd(const struct bz_info *in, const struct bz_window *win, uint64_t load,
			 uint64_t *start)
{
	uint64_t top = win->ram_size, kend = load + in->init_size;

	if (top > (uint64_t)in->initrd_addr_max + 1)
		top = (uint64_t)in->initrd_addr_max + 1;
	if (top > kend && top_fit(kend, top, win->initrd_size, start))
		return true;
	return top_fit(BZ_HIGH_MIN_GPA, top < load ? top : load, win->initrd_size, start);
}

static void set_layout(const struct bz_info *in, const struct bz_window *win, uint64_t load,
		       uint64_t initrd, struct bz_layout *l)
{
	l->entry = load + BZ_ENTRY64_OFFSET;
	l->boot_params = BZ_BOOT_PARAMS_GPA;
	l->kernel_start = load;
	l->kernel_end = load + in->init_size;
	l->initrd_start = win->initrd_size ? initrd : 0;
	l->initrd_end = win->initrd_size ? initrd + win->initrd_size : 0;
	l->cmdline_start = BZ_CMDLINE_GPA;
	l->cmdline_end = BZ_CMDLINE_GPA + win->cmdline_len + 1;
	l->boot_cs = BZ_BOOT_CS;
	l->boot_ds = BZ_BOOT_DS;
	l->e820_entries = 2;
}

/* Placement in guest RAM: low areas, kernel, initrd. */
static enum bz_status check_placement(const struct bz_window *win, struct bz_info *in)
{
	uint64_t load = 0, initrd = 0;
	enum bz_status st;

	if (win->ram_size < BZ_HIGH_MIN_GPA)
		return BZ_E_RAM;
	/* cmdline_size: "The maximum size of the command line without the
	 * terminating zero." */
	if (win->cmdline_len > in->cmdline_size || win->cmdline_len > BZ_CMDLINE_MAX)
		return BZ_E_CMDLINE;
	st = choose_load(in, win->ram_size, &load);
	if (st != BZ_OK)
		return st;
	if (win->initrd_size && !place_initrd(in, win, load, &initrd))
		return BZ_E_INITRD;
	set_layout(in, win, load, initrd, &in->layout);
	return BZ_OK;
}

enum bz_status bz_check(const uint8_t *img, uint64_t size, const struct bz_window *win,
			struct bz_info *info)
{
	enum bz_status st;

	memset(info, 0, sizeof(*info));
	st = check_header(img, size, info);
	if (st != BZ_OK)
		return st;
	read_fields(img, info);
	st = check_file_layout(img, size, info);
	if (st != BZ_OK)
		return st;
	return check_placement(win, info);
}

static void put_e820(uint8_t *bp, unsigned i, uint64_t addr, uint64_t len, uint32_t type)
{
	uint64_t off = BP_E820_TABLE + (uint64_t)i * E820_ENTRY_SIZE;

	wr64(bp, off, addr);
	wr64(bp, off + 8, len);
	wr32(bp, off + 16, type);
}

/*
 * The e820 map describes guest RAM exactly: [0, ram_size) and nothing
 * beyond.  [0, 0xA000) is reserved: page 0 because Linux reserves it
 * anyway (BIOS data), and 0x1000-0x9FFF because the hypervisor writes its
 * GDT and identity page tables there, which are live at the 64-bit entry
 * and rewritten on every reset.  The rest is usable; the kernel reserves
 * its own image and the initrd (ramdisk_image) itself, and copies
 * boot_params and the command line before it allocates memory.
 */
static void write_e820(uint8_t *bp, uint64_t ram_size)
{
	put_e820(bp, 0, 0, BZ_E820_RESERVED_END, BZ_E820_RESERVED);
	put_e820(bp, 1, BZ_E820_RESERVED_END, ram_size - BZ_E820_RESERVED_END, BZ_E820_RAM);
	bp[BP_E820_ENTRIES] = 2;
}

/*
 * The 64-bit Boot Protocol: boot_params "initialized to all zero", then
 * "the setup header at offset 0x01f1 of kernel image on should be loaded
 * into struct boot_params" up to 0x202 + the byte at 0x201.  Copying from
 * 0x1F1 leaves the sentinel (0x1EF), which the image holds as 0xFF, at
 * zero: a non-zero sentinel tells the kernel the loader copied too much
 * and makes it clear the fields it did fill (zero-page.rst, sentinel).
 */
static void write_boot_params(uint8_t *ram, const uint8_t *img, const struct bz_info *in,
			      const struct bz_window *win)
{
	uint8_t *bp = ram + BZ_BOOT_PARAMS_GPA;
	const struct bz_layout *l = &in->layout;

	memset(bp, 0, BZ_BOOT_PARAMS_SIZE);
	memcpy(bp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, in->hdr_end - HDR_SETUP_SECTS);
	/* The sample loader (Sample Boot Configuration) writes back 4 for 0. */
	bp[HDR_SETUP_SECTS] = in->setup_sects;
	bp[HDR_TYPE_OF_LOADER] = TYPE_OF_LOADER_UNDEFINED;
	/* No real-mode setup runs, so there is no heap: heap_end_ptr is not
	 * set and CAN_USE_HEAP must not claim it is (loadflags). */
	bp[HDR_LOADFLAGS] = (uint8_t)(in->loadflags & ~CAN_USE_HEAP);
	wr32(bp, HDR_CODE32_START, (uint32_t)l->kernel_start);
	wr32(bp, HDR_CMD_LINE_PTR, (uint32_t)l->cmdline_start);
	wr32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(l->cmdline_start >> 32));
	wr32(bp, HDR_RAMDISK_IMAGE, (uint32_t)l->initrd_start);
	wr32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(l->initrd_start >> 32));
	wr32(bp, HDR_RAMDISK_SIZE, (uint32_t)win->initrd_size);
	wr32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)(win->initrd_size >> 32));
	/* We pass no setup_data list; the image's value means nothing. */
	wr64(bp, HDR_SETUP_DATA, 0);
	write_e820(bp, win->ram_size);
}

enum bz_status bz_load(const uint8_t *img, uint64_t size, const struct bz_window *win,
		       const uint8_t *initrd, const char *cmdline, uint8_t *ram,
		       struct bz_layout *layout)
{
	struct bz_info in;
	enum bz_status st = bz_check(img, size, win, &in);
	uint64_t load = in.layout.kernel_start;

	memset(layout, 0, sizeof(*layout));
	if (st != BZ_OK)
		return st;
	memcpy(ram + load, img + in.kernel_offset, in.kernel_size);
	if (win->zero_init)
		memset(ram + load + in.kernel_size, 0, in.init_size - in.kernel_size);
	write_boot_params(ram, img, &in, win);
	if (win->cmdline_len)
		memcpy(ram + BZ_CMDLINE_GPA, cmdline, win->cmdline_len);
	ram[BZ_CMDLINE_GPA + win->cmdline_len] = 0;
	if (win->initrd_size)
		memcpy(ram + in.layout.initrd_start, initrd, win->initrd_size);
	*layout = in.layout;
	return BZ_OK;
}
