/*
 * What every guest gets at entry, whatever its image format
 * (docs/guest-boot.md): the vCPU's boot state, the identity page tables
 * and the boot-info page.
 */
#include <string.h>

#include "hv/guest_boot.h"
#include "include/hv_abi.h"
#include "vcpu/x86_regs.h"

/* The guest's boot state (docs/guest-boot.md), defined once for both
 * backends: 64-bit paging on (Intel SDM 3A 9.8.5, AMD APM 2 14.6), flat
 * code and data segments, the power-on PAT (SDM 3A 11.12.4). */
const struct vcpu_boot_state guest_boot_state = {
	.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG,
	.cr4 = CR4_PAE,
	.efer = EFER_LME | EFER_LMA,
	.pat = 0x0007040600070406ull,
	.code_sel = HVG_SEL_CODE,
	.data_sel = HVG_SEL_DATA,
	.code_desc = 0x00AF9B000000FFFFull, /* 64-bit code, present, accessed */
	.data_desc = 0x00CF93000000FFFFull, /* data, writable, present, accessed */
};

/* Identity map of the low 4 GiB with 2 MiB pages: the guest can name any
 * GPA below 4 GiB; EPT/NPT decides what is really there.  User/supervisor
 * is set at every level so a guest may run code at CPL 3 without first
 * building tables of its own. */
void guest_build_page_tables(uint8_t *ram)
{
	uint64_t *pml4 = (uint64_t *)(ram + HVG_PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(ram + HVG_PDPT_GPA);

	pml4[0] = HVG_PDPT_GPA | 0x07;
	for (unsigned g = 0; g < 4; g++) {
		uint64_t *pd = (uint64_t *)(ram + HVG_PD_GPA + g * 4096ull);
		pdpt[g] = (HVG_PD_GPA + g * 4096ull) | 0x07;
		for (unsigned i = 0; i < 512; i++)
			pd[i] = (((uint64_t)g << 30) | ((uint64_t)i << 21)) | 0x87;
	}
}

void guest_build_boot_info(uint8_t *ram, const char *cmdline, const struct guest_host_info *host)
{
	struct hvg_boot_info *bi = (struct hvg_boot_info *)(ram + HVG_BOOT_INFO_GPA);
	size_t len = strlen(cmdline);

	if (len >= HVG_CMDLINE_MAX)
		len = HVG_CMDLINE_MAX - 1;
	bi->magic = HVG_BOOT_MAGIC;
	bi->version = HV_ABI_VERSION;
	bi->ram_size = HV_GUEST_RAM_SIZE;
	bi->vendor = host->vendor;
	bi->cmdline_len = (uint32_t)len;
	bi->shared_page_gpa = HVG_SHARED_GPA;
	bi->boot_generation = host->generation;
	bi->tsc_hz = host->tsc_hz;
	bi->tick_us = host->tick_us;
	bi->hv_image_base = host->hv_base;
	bi->hv_image_size = host->hv_size;
	memcpy(bi->cmdline, cmdline, len);
	bi->cmdline[len] = '\0';
}

