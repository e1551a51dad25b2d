/*
 * Loading a Linux bzImage guest by the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst, "The Linux/x86 Boot Protocol",
 * sections "64-bit Boot Protocol" and "Details of Header Fields"; the
 * zero page layout is Documentation/arch/x86/zero-page.rst).  The image,
 * the initrd size and the command line come from a file or a boot module
 * and are not trusted: every header field is checked against the image
 * size and guest RAM before use.  Pure logic: no hardware access, no
 * state; the caller owns guest RAM and enters the guest.
 *
 * Placement policy (guest-physical addresses, GPA 0 = ram[0]):
 *
 *   0x00000-0x00FFF  untouched; e820 "reserved" (Linux reserves page 0
 *                    itself, see bz_load())
 *   0x01000-0x09FFF  the hypervisor's boot-info page, GDT, identity page
 *                    tables and shared page (include/hv_abi.h); untouched
 *                    here, e820 "reserved"
 *   BZ_BOOT_PARAMS_GPA (0x10000)  struct boot_params, 4 KiB ("zero page")
 *   BZ_CMDLINE_GPA (0x11000)      the command line, NUL-terminated, at most
 *                    min(cmdline_size, BZ_CMDLINE_MAX) bytes before the NUL
 *   load address     the protected-mode kernel; [load, load + init_size)
 *                    is kept free of everything else.  load = pref_address
 *                    when [pref_address, + init_size) lies in RAM at or
 *                    above 1 MiB (and is kernel_alignment-aligned for a
 *                    relocatable kernel); otherwise, for a relocatable
 *                    kernel only, the lowest kernel_alignment-aligned
 *                    address at or above 16 MiB.
 *   initrd           the highest page-aligned start whose end is at or
 *                    below min(ram_size, initrd_addr_max + 1) (no address
 *                    limit but RAM with XLF_CAN_BE_LOADED_ABOVE_4G),
 *                    outside [load, load + init_size) and at or above
 *                    1 MiB; below the kernel if it does not fit above.
 *
 * Anything that does not fit is refused with a status naming the field.
 */
#ifndef HV_BZIMAGE_H
#define HV_BZIMAGE_H

#include <stdbool.h>
#include <stdint.h>

#define BZ_BOOT_PARAMS_GPA 0x10000ull
#define BZ_BOOT_PARAMS_SIZE 0x1000ull
#define BZ_CMDLINE_GPA 0x11000ull
/* Command line bytes (without the NUL) the low area holds: up to 0x20000. */
#define BZ_CMDLINE_MAX (0x20000ull - BZ_CMDLINE_GPA - 1)
/* Lowest GPA for the kernel and the initrd: above the low areas and the
 * legacy 640 KiB-1 MiB hole. */
#define BZ_HIGH_MIN_GPA 0x100000ull
/* Where a relocatable kernel goes when pref_address does not fit: Linux's
 * default LOAD_PHYSICAL_ADDR (CONFIG_PHYSICAL_START), above the ISA DMA
 * zone. */
#define BZ_RELOC_BASE_GPA 0x1000000ull
/* 64-bit entry: "the start address of loaded 64-bit kernel plus 0x200". */
#define BZ_ENTRY64_OFFSET 0x200ull
/* Selectors the 64-bit boot protocol requires in the GDT (4G flat). */
#define BZ_BOOT_CS 0x10
#define BZ_BOOT_DS 0x18

/* e820 entry types (zero-page.rst e820_table; struct e820_entry). */
#define BZ_E820_RAM 1u
#define BZ_E820_RESERVED 2u
/* GPAs [0, BZ_E820_RESERVED_END) are reported reserved. */
#define BZ_E820_RESERVED_END 0xA000ull

enum bz_status {
	BZ_OK = 0,
	BZ_E_NOT_BZIMAGE,   /* no 0xAA55 at 0x1FE or no "HdrS" at 0x202 */
	BZ_E_TRUNCATED,     /* file shorter than its setup header */
	BZ_E_VERSION,       /* protocol version < 2.12 */
	BZ_E_HDR_LEN,       /* header end (0x202 + byte at 0x201) out of range */
	BZ_E_NOT_64,        /* XLF_KERNEL_64 clear */
	BZ_E_NOT_HIGH,      /* loadflags LOADED_HIGH clear (a zImage) */
	BZ_E_SETUP_SECTS,   /* setup code reaches the end of the file */
	BZ_E_SYSSIZE,       /* syssize or payload beyond the file */
	BZ_E_INIT_SIZE,     /* init_size smaller than the kernel */
	BZ_E_RAM,           /* guest RAM smaller than 1 MiB */
	BZ_E_CMDLINE,       /* command line longer than cmdline_size */
	BZ_E_ALIGN,         /* pref_address / kernel_alignment unusable */
	BZ_E_INIT_SIZE_RAM, /* no room for [load, load + init_size) in RAM */
	BZ_E_INITRD,        /* initrd does not fit */
	BZ_STATUS_COUNT
};

/* What the caller provides besides the image. */
struct bz_window {
	uint64_t ram_size;    /* bytes of guest RAM from GPA 0 */
	uint64_t initrd_size; /* bytes; 0 = no initrd */
	uint64_t cmdline_len; /* bytes, without the terminating NUL */
	/* Zero [load + kernel bytes, load + init_size) in bz_load().  The
	 * hypervisor leaves this false: guest RAM is already zero before
	 * every (re)load (docs/guest-boot.md). */
	bool zero_init;
};

/* Where the pieces go; ranges are [start, end). */
struct bz_layout {
	uint64_t entry;        /* load + 0x200: 64-bit entry, RIP */
	uint64_t boot_params;  /* BZ_BOOT_PARAMS_GPA: RSI at entry */
	uint64_t kernel_start; /* load address */
	uint64_t kernel_end;   /* load + init_size */
	uint64_t initrd_start; /* both 0 without an initrd */
	uint64_t initrd_end;
	uint64_t cmdline_start; /* BZ_CMDLINE_GPA */
	uint64_t cmdline_end;   /* after the NUL */
	uint16_t boot_cs;       /* BZ_BOOT_CS */
	uint16_t boot_ds;       /* BZ_BOOT_DS */
	uint32_t e820_entries;
};

/* What bz_check() read from the setup header, plus the layout. */
struct bz_info {
	uint16_t version;       /* 0x206, e.g. 0x020f */
	uint16_t xloadflags;    /* 0x236 */
	uint8_t loadflags;      /* 0x211 */
	uint8_t relocatable;    /* 0x234 */
	uint8_t setup_sects;    /* 0x1F1, 4 when the field is 0 */
	uint32_t hdr_end;       /* 0x202 + byte at 0x201 */
	uint64_t kernel_offset; /* (setup_sects + 1) * 512 */
	uint64_t kernel_size;   /* syssize * 16: bytes copied */
	uint64_t pref_address;  /* 0x258 */
	uint32_t init_size;     /* 0x260 */
	uint32_t kernel_alignment; /* 0x230 */
	uint32_t initrd_addr_max;  /* 0x22C */
	uint32_t cmdline_size;     /* 0x238 */
	struct bz_layout layout;
};

/* True if img has the boot-protocol header (boot_flag 0xAA55 at 0x1FE
 * and "HdrS" at 0x202); an ELF image starts with \x7fELF instead. */
bool bz_is_bzimage(const uint8_t *img, uint64_t size);

/* Checks the image and the window and computes the layout without
 * touching guest RAM. */
enum bz_status bz_check(const uint8_t *img, uint64_t size, const struct bz_window *win,
			struct bz_info *info);

/* bz_check(), then writes into ram[0..win->ram_size): the kernel at the
 * load address, the zeroed boot_params with the setup header, the
 * command line (win->cmdline_len bytes of cmdline, then a NUL) and the
 * initrd (win->initrd_size bytes of initrd).  Nothing else is written;
 * nothing is written on an error. */
enum bz_status bz_load(const uint8_t *img, uint64_t size, const struct bz_window *win,
		       const uint8_t *initrd, const char *cmdline, uint8_t *ram,
		       struct bz_layout *layout);

/* One line naming the field, for "guest image rejected: %s". */
const char *bz_status_text(enum bz_status st);

#endif
