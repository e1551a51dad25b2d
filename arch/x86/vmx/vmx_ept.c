/*
 * Intel VMX backend, EPT (Intel SDM Vol. 3C, chapter 29): the tables over
 * the guest RAM arena, dirty tracking with the EPT A/D flags and INVEPT
 * (vmx_take_dirty), and the control-structure CRC, which covers the EPT,
 * through vmx_bitmaps_crc (vmx_setup.c, the bitmaps' owner) the I/O and
 * MSR bitmaps, and the VMCS fields of vmx_crc.h.  Private interface:
 * arch/x86/vmx/vmx_priv.h.
 */
#include "vcpu/vcpu.h"
#include "lib/crc32.h"
#include "lib/log.h"
#include "lib/nested_pt.h"
#include "arch/x86/x86.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_crc.h"
#include "arch/x86/vmx/vmx_priv.h"
#include "lib/arena.h"

static pt_page ept_pages[PT_PAGES_FOR(VCPU_RAM_MAX)] HV_ARENA;

/* EPT entry bits (SDM 3C 29.3.2): read, write, execute; WB memory type.
 * The dirty flag counts only with A/D flags on (SDM 3C 29.3.5). */
static const struct pt_flags ept_flags = {
	.table = 0x7,
	.leaf = 0x7 | (6u << 3),
	.present_mask = 0x7,
	.dirty = EPT_DIRTY,
};

/* The EPT and its dirty tracking (vmx_take_dirty): the tables' root, the
 * guest RAM they map, the EPTP, and the INVEPT type that makes the CPU
 * record writes again, 0 when tracking is off. */
static struct {
	uint64_t *root;
	uint64_t ram_size;
	uint64_t eptp;
	uint64_t invept_type;
} ept;

/* SDM 3C 30.3, "INVEPT": drops the translations derived from the EPT
 * that `eptp` names (single-context) or from every EPT (all-context). */
static bool invept(uint64_t type, uint64_t eptp)
{
	const struct {
		uint64_t eptp, reserved;
	} desc = { eptp, 0 };
	uint8_t fail;

	__asm__ volatile("invept %1, %2; setbe %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_op_ok(fail);
}

/* The INVEPT type vmx_take_dirty needs, or 0 if the CPU cannot track
 * writes (SDM 3D A.10): EPT A/D flags (bit 21) and INVEPT (bit 20),
 * single-context (bit 25) or else all-context (bit 26). */
static uint64_t ept_dirty_invept_type(const char **why)
{
	uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);

	*why = !(cap & EPT_CAP_AD) ? "no EPT A/D flags" : !(cap & EPT_CAP_INVEPT) ? "no INVEPT" : NULL;
	if (*why != NULL)
		return 0;
	if (cap & EPT_CAP_INVEPT_SINGLE)
		return INVEPT_SINGLE_CONTEXT;
	if (cap & EPT_CAP_INVEPT_ALL)
		return INVEPT_ALL_CONTEXT;
	*why = "no INVEPT type";
	return 0;
}

/* Turns on the EPT A/D flags (EPTP bit 6) if the CPU can track writes.
 * The first INVEPT drops whatever an earlier VMX user left cached (VMXON
 * need not), so every first write from now on sets a dirty flag; it also
 * proves INVEPT works before tracking relies on it. */
static void setup_ept_dirty(void)
{
	const char *why;
	uint64_t type = ept_dirty_invept_type(&why);

	if (type != 0 && !invept(type, ept.eptp | EPTP_AD)) {
		type = 0;
		why = "INVEPT failed";
	}
	ept.invept_type = type;
	if (type == 0) {
		hv_log("vmx: EPT dirty tracking off (%s)", why);
		return;
	}
	ept.eptp |= EPTP_AD;
	hv_log("vmx: EPT dirty tracking on (%s-context INVEPT)",
	       type == INVEPT_SINGLE_CONTEXT ? "single" : "all");
}

bool setup_ept(const struct vcpu_config *cfg)
{
	struct pt_pool pool = { ept_pages, sizeof(ept_pages) / sizeof(ept_pages[0]), 0 };
	uint64_t *root = pt_new_root(&pool);

	if (root == NULL || !pt_map_range(&pool, root, 0, (uint64_t)(uintptr_t)cfg->ram,
					  cfg->ram_size, &ept_flags))
		return false;
	ept.root = root;
	ept.ram_size = cfg->ram_size;
	ept.eptp = (uint64_t)(uintptr_t)root | EPTP_WB | EPTP_WALK_4;
	setup_ept_dirty();
	vmwrite(EPT_POINTER, ept.eptp);
	return true;
}

/* VMREAD as a function, for vmx_fixed_fields_crc (vmx_crc.h), which the
 * host unit tests run against a fake VMCS. */
static uint64_t vmcs_read(uint64_t field)
{
	return vmread(field);
}

/* With A/D flags on, the CPU sets the accessed and dirty flags in EPT
 * entries as the guest runs (SDM 3C 29.3.5): leave them out of the CRC.
 * Then the VMCS's host state and fixed controls (vmx_crc.h). */
uint32_t vmx_control_crc(uint32_t crc)
{
	crc = vmx_bitmaps_crc(crc); /* the I/O and MSR bitmaps (vmx_setup.c) */
	crc = crc32_ieee_update_words(crc, &ept_pages[0][0], sizeof(ept_pages) / sizeof(ept_pages[0][0]),
				      EPT_ACCESSED | EPT_DIRTY);
	return vmx_fixed_fields_crc(crc, vmcs_read);
}

/* Collects and clears the EPT dirty flags of guest RAM, then INVEPT:
 * a cached translation could let the next write through without setting
 * the flag again (SDM 3C 29.3.5, 29.4.3). */
bool vmx_take_dirty(uint64_t *bitmap, uint64_t pages)
{
	if (ept.invept_type == 0 || pages < ept.ram_size / 4096)
		return false;
	pt_take_dirty(ept.root, 0, ept.ram_size, &ept_flags, bitmap, pages);
	/* Had INVEPT failed, this harvest would still be whole (the last
	 * INVEPT worked); the next ones could miss writes. */
	if (!invept(ept.invept_type, ept.eptp))
		ept.invept_type = 0;
	return true;
}
