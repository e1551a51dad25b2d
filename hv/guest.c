/*
 * Guest RAM lives in a static arena of the hypervisor's image; GPA 0 is
 * guest_ram_arena[0].  Only this arena is mapped through EPT/NPT.
 */
#include <string.h>

#include "hv/guest.h"
#include "hv/guest_boot.h"
#include "hv/guest_linux.h"
#include "hv/elf_load.h"
#include "include/hv_abi.h"
#include "lib/log.h"
#include "vcpu/x86_regs.h"
#include "lib/arena.h"

static uint8_t guest_ram_arena[HV_GUEST_RAM_SIZE] HV_ARENA;
static uint8_t guest_image_store[HV_GUEST_IMAGE_MAX] HV_ARENA;

_Static_assert(HVG_PD_GPA + 4 * 4096 <= HVG_SHARED_GPA, "guest page tables overlap the shared page");
_Static_assert(sizeof(struct hvg_boot_info) <= 4096, "boot info fits one page");
_Static_assert(HVG_STACK_TOP_GPA <= HVG_LOAD_MIN_GPA, "stack below the load area");

uint8_t *guest_ram(void)
{
	return guest_ram_arena;
}

uint8_t *guest_image_buffer(uint64_t *capacity)
{
	*capacity = sizeof(guest_image_store);
	return guest_image_store;
}

uint8_t *guest_initrd_buffer(uint64_t image_size, uint64_t *capacity)
{
	uint64_t at = (image_size + GUEST_PAGE_SIZE - 1) & ~(GUEST_PAGE_SIZE - 1);

	if (image_size > sizeof(guest_image_store) || at >= sizeof(guest_image_store)) {
		*capacity = 0;
		return guest_image_store + sizeof(guest_image_store);
	}
	*capacity = sizeof(guest_image_store) - at;
	return guest_image_store + at;
}

static const struct elf_window guest_window = {
	.load_min = HVG_LOAD_MIN_GPA,
	.ram_size = HV_GUEST_RAM_SIZE,
};

static bool check_elf(const uint8_t *image, uint64_t size)
{
	struct elf_result res;
	enum elf_status st = elf_check(image, size, &guest_window, &res);

	if (st == ELF_OK) {
		hv_log("guest image ok size=%llu entry=0x%llx load=0x%llx-0x%llx",
		       (unsigned long long)size, (unsigned long long)res.entry,
		       (unsigned long long)res.lowest, (unsigned long long)res.highest);
		return true;
	}
	if (st == ELF_E_NOT_ELF)
		hv_log("ERROR guest image rejected: neither an ELF64 file nor a Linux bzImage "
		       "(no ELF magic, no boot-protocol header) (size %llu)", (unsigned long long)size);
	else if (st == ELF_E_SEG_OUTSIDE)
		hv_log("ERROR guest image rejected: %s (segment %u at 0x%llx; guest RAM is 0x%llx-0x%llx)",
		       elf_status_text(st), res.bad_segment, (unsigned long long)res.bad_addr,
		       (unsigned long long)guest_window.load_min,
		       (unsigned long long)guest_window.ram_size);
	else
		hv_log("ERROR guest image rejected: %s (size %llu)", elf_status_text(st),
		       (unsigned long long)size);
	return false;
}

bool guest_check_image(const struct guest_files *f, const char *cmdline)
{
	if (guest_is_linux(f))
		return guest_linux_check(f, cmdline);
	if (f->initrd != NULL)
		hv_log("initrd ignored: the guest is an ELF image");
	return check_elf(f->image, f->image_size);
}

static void build_gdt(uint8_t *ram)
{
	uint64_t *gdt = (uint64_t *)(ram + HVG_GDT_GPA);

	gdt[0] = 0;
	gdt[HVG_SEL_CODE / 8] = guest_boot_state.code_desc;
	gdt[HVG_SEL_DATA / 8] = guest_boot_state.data_desc;
}

void guest_dirty_mark(struct guest_dirty *d, uint64_t gpa)
{
	if (gpa < HV_GUEST_RAM_SIZE)
		d->bits[gpa / GUEST_PAGE_SIZE / 64] |= 1ull << (gpa / GUEST_PAGE_SIZE % 64);
}

/* Clears the pages named in `written` (all of RAM if NULL): a reset
 * costs in proportion to what the guest wrote, not to its RAM size. */
static uint64_t clear_written(uint8_t *ram, struct guest_dirty *written)
{
	uint64_t cleared = 0;

	if (written == NULL) {
		memset(ram, 0, HV_GUEST_RAM_SIZE);
		return GUEST_PAGES;
	}
	for (uint64_t w = 0; w < GUEST_PAGES / 64; w++) {
		for (uint64_t bits = written->bits[w]; bits != 0; bits &= bits - 1) {
			uint64_t page = w * 64 + (uint64_t)__builtin_ctzll(bits);
			memset(ram + page * GUEST_PAGE_SIZE, 0, GUEST_PAGE_SIZE);
			cleared++;
		}
		written->bits[w] = 0;
	}
	return cleared;
}

/* The ELF guest's entry state (docs/guest-boot.md). */
static void build_elf(const struct guest_files *f, const char *cmdline,
		      const struct guest_host_info *host, uint8_t *ram, struct vcpu_config *cfg)
{
	struct elf_result res;

	/* Checked by guest_check_image() before launch: cannot fail here. */
	elf_load(f->image, f->image_size, &guest_window, ram, &res);
	build_gdt(ram);
	guest_build_page_tables(ram);
	guest_build_boot_info(ram, cmdline, host);
	cfg->boot = guest_boot_state;
	cfg->entry_rip = res.entry;
	cfg->entry_rsp = HVG_STACK_TOP_GPA;
	cfg->entry_rdi = HVG_BOOT_INFO_GPA;
	cfg->entry_rsi = 0;
	cfg->gdt_limit = 3 * 8 - 1;
	cfg->com2_emulated = false;
	cfg->hlt_exits = false;
}

uint64_t guest_build(const struct guest_files *f, const char *cmdline,
		     const struct guest_host_info *host, struct guest_dirty *written,
		     struct vcpu_config *cfg)
{
	uint8_t *ram = guest_ram_arena;
	uint64_t cleared = clear_written(ram, written);

	if (guest_is_linux(f))
		guest_linux_build(f, cmdline, host, ram, cfg);
	else
		build_elf(f, cmdline, host, ram, cfg);
	cfg->ram = ram;
	cfg->ram_size = HV_GUEST_RAM_SIZE;
	cfg->guest_cr3 = HVG_PML4_GPA;
	cfg->gdt_gpa = HVG_GDT_GPA;
	cfg->tick_us = host->tick_us;
	cfg->tick_tsc = host->tsc_hz * host->tick_us / 1000000;
	cfg->tsc_hz = host->tsc_hz;
	return cleared;
}
