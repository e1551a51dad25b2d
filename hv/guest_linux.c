/*
 * Linux bzImage guests: the 64-bit boot protocol (Linux
 * Documentation/arch/x86/boot.rst, "64-bit Boot Protocol") on top of the
 * loader in hv/bzimage.c.  The kernel enters in 64-bit mode at load +
 * 0x200 with RSI = boot_params, interrupts off, paging on with an
 * identity map of everything it needs (the guest's 4 GiB identity map),
 * and a GDT with a flat code segment at __BOOT_CS (0x10) and a flat data
 * segment at __BOOT_DS (0x18).
 */
#include <string.h>

#include "hv/bzimage.h"
#include "hv/guest_boot.h"
#include "hv/guest_linux.h"
#include "include/hv_abi.h"
#include "lib/log.h"

_Static_assert(BZ_E820_RESERVED_END >= HVG_SHARED_GPA + 4096,
	       "the e820 map reserves the hypervisor's low pages");
_Static_assert(BZ_BOOT_PARAMS_GPA >= BZ_E820_RESERVED_END && BZ_CMDLINE_GPA < HVG_STACK_TOP_GPA,
	       "boot_params and the command line lie in usable RAM below the initial stack");

bool guest_is_linux(const struct guest_files *f)
{
	return bz_is_bzimage(f->image, f->image_size);
}

static struct bz_window window_for(const struct guest_files *f, const char *cmdline)
{
	return (struct bz_window){
		.ram_size = HV_GUEST_RAM_SIZE,
		.initrd_size = f->initrd != NULL ? f->initrd_size : 0,
		.cmdline_len = strlen(cmdline),
		.zero_init = false, /* guest RAM is zero before every build */
	};
}

bool guest_linux_check(const struct guest_files *f, const char *cmdline)
{
	const struct bz_window win = window_for(f, cmdline);
	struct bz_info info;
	enum bz_status st = bz_check(f->image, f->image_size, &win, &info);

	if (st != BZ_OK) {
		hv_log("ERROR guest image rejected: bzImage %s (size %llu, initrd %llu, guest RAM %llu MiB)",
		       bz_status_text(st), (unsigned long long)f->image_size,
		       (unsigned long long)win.initrd_size, (unsigned long long)(win.ram_size >> 20));
		return false;
	}
	const struct bz_layout *l = &info.layout;
	hv_log("guest image ok kind=bzImage protocol=%u.%02u size=%llu kernel=0x%llx-0x%llx "
	       "entry=0x%llx initrd=0x%llx-0x%llx cmdline_bytes=%llu",
	       info.version >> 8, info.version & 0xFF, (unsigned long long)f->image_size,
	       (unsigned long long)l->kernel_start, (unsigned long long)l->kernel_end,
	       (unsigned long long)l->entry, (unsigned long long)l->initrd_start,
	       (unsigned long long)l->initrd_end, (unsigned long long)win.cmdline_len);
	return true;
}

/* Flat 64-bit code at __BOOT_CS and flat data at __BOOT_DS, the same
 * descriptors as an ELF guest's (boot.rst: "__BOOT_CS(0x10) and
 * __BOOT_DS(0x18); both descriptors must be 4G flat segment"). */
static void build_gdt(uint8_t *ram)
{
	uint64_t *gdt = (uint64_t *)(ram + HVG_GDT_GPA);

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[BZ_BOOT_CS / 8] = guest_boot_state.code_desc;
	gdt[BZ_BOOT_DS / 8] = guest_boot_state.data_desc;
}

void guest_linux_build(const struct guest_files *f, const char *cmdline,
		       const struct guest_host_info *host, uint8_t *ram, struct vcpu_config *cfg)
{
	const struct bz_window win = window_for(f, cmdline);
	struct bz_layout layout;

	/* Checked by guest_check_image() before launch: cannot fail here. */
	bz_load(f->image, f->image_size, &win, f->initrd, cmdline, ram, &layout);
	build_gdt(ram);
	guest_build_page_tables(ram);
	guest_build_boot_info(ram, cmdline, host); /* for a stub module (issue 10); e820-reserved */
	cfg->boot = guest_boot_state;
	cfg->boot.code_sel = BZ_BOOT_CS;
	cfg->boot.data_sel = BZ_BOOT_DS;
	cfg->entry_rip = layout.entry;
	cfg->entry_rsp = HVG_STACK_TOP_GPA;
	cfg->entry_rdi = 0;
	cfg->entry_rsi = layout.boot_params;
	cfg->gdt_limit = 4 * 8 - 1;
	cfg->com2_emulated = true;
	cfg->hlt_exits = true;
}
