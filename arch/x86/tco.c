/*
 * The chipset's hardware watchdog: the TCO timer of the Intel ICH9 family
 * (ICH9 datasheet, 316972: LPC D31:F0 config 0x40 PMBASE, 0x44 ACPI_CNTL,
 * 0xF0 RCBA; the TCO registers at PMBASE + 0x60, section 13.9; GCS at
 * RCBA + 0x3410, section 10.1.75).  QEMU's q35 emulates it (LPC bridge
 * 8086:2918).  The timer counts down in 0.6 s steps; its first expiry
 * sets TIMEOUT (and an SMI if SMI_EN.TCO_EN), reloads and counts again;
 * the second resets the machine unless GCS.NO_REBOOT is set.  Every tick
 * of the hypervisor reloads it (plat_hw_watchdog_feed), so only a
 * hypervisor that stopped running its tick (hung with interrupts off,
 * crashed and halted) gets the machine reset.
 *
 * Other chipsets (PCHs from the 6 series on, AMD FCHs) are not driven:
 * "no hardware watchdog" (docs/hardware.md).
 */
#include <stddef.h>

#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define LPC_BDF(reg) (0x80000000u | (31u << 11) | (0u << 8) | (reg)) /* 00:1f.0 */
#define LPC_ID 0x00
#define LPC_PMBASE 0x40
#define LPC_ACPI_CNTL 0x44
#define ACPI_CNTL_ACPI_EN 0x80
#define LPC_RCBA 0xF0
#define RCBA_ENABLE 1u
#define RCBA_GCS 0x3410
#define GCS_NO_REBOOT (1u << 5)

#define PM_SMI_EN 0x30
#define SMI_EN_TCO_EN (1u << 13)
#define PM_TCO 0x60
#define TCO_RLD 0x00
#define TCO1_STS 0x04
#define TCO1_STS_TIMEOUT (1u << 3)
#define TCO2_STS 0x06
#define TCO2_STS_SECOND_TO (1u << 1)
#define TCO1_CNT 0x08
#define TCO1_CNT_TMR_HLT (1u << 11)
#define TCO1_CNT_LOCK (1u << 12)
#define TCO_TMR 0x12
#define TCO_TMR_MAX 0x3FFu
#define TCO_TICK_MS 600u

static const struct {
	uint16_t device;
	const char *name;
} ich9_lpc[] = {
	{ 0x2912, "ICH9DH" }, { 0x2914, "ICH9DO" }, { 0x2916, "ICH9R" },
	{ 0x2917, "ICH9M-E" }, { 0x2918, "ICH9" }, { 0x2919, "ICH9M" },
};

static uint16_t tco_base; /* 0: not armed */

static uint16_t inw_port(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t inl_port(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2). */
static uint32_t lpc_read32(uint32_t reg)
{
	outl(PCI_CONFIG_ADDRESS, LPC_BDF(reg));
	return inl_port(PCI_CONFIG_DATA);
}

static const char *ich9_name(uint32_t id)
{
	if ((id & 0xFFFF) != 0x8086)
		return NULL;
	for (unsigned i = 0; i < sizeof(ich9_lpc) / sizeof(ich9_lpc[0]); i++)
		if (ich9_lpc[i].device == (id >> 16))
			return ich9_lpc[i].name;
	return NULL;
}

/* SECOND_TO_STS is write-one-to-clear on the chip, a plain register in
 * QEMU's model (hw/acpi/ich9_tco.c): write 1, and if it is still set, 0. */
static void clear_status(uint16_t port, uint16_t bit)
{
	outw(port, bit);
	if (inw_port(port) & bit)
		outw(port, (uint16_t)(inw_port(port) & ~bit));
}

/* NO_REBOOT would turn the second expiry into nothing: clear it where the
 * chip lets us (RCBA enabled; the firmware may have locked it). */
static const char *allow_reboot(struct plat_hw_wd *wd)
{
	uint32_t rcba = lpc_read32(LPC_RCBA);

	if (!(rcba & RCBA_ENABLE)) {
		wd->no_reboot = "unknown_rcba_off";
		return NULL;
	}
	volatile uint32_t *gcs = (volatile uint32_t *)(uintptr_t)((rcba & ~0x3FFFu) + RCBA_GCS);
	if (*gcs & GCS_NO_REBOOT)
		*gcs &= ~GCS_NO_REBOOT;
	if (*gcs & GCS_NO_REBOOT)
		return "GCS.NO_REBOOT is set and the firmware locked it";
	wd->no_reboot = "clear";
	return NULL;
}

static const char *arm(uint16_t pm, uint32_t timeout_ms, struct plat_hw_wd *wd)
{
	uint16_t tco = (uint16_t)(pm + PM_TCO);
	uint32_t ticks = (timeout_ms / 2 + TCO_TICK_MS - 1) / TCO_TICK_MS; /* two expiries */
	uint16_t cnt = inw_port((uint16_t)(tco + TCO1_CNT));

	if ((cnt & TCO1_CNT_LOCK) && (cnt & TCO1_CNT_TMR_HLT))
		return "the firmware locked the TCO timer halted (TCO_LOCK)";
	const char *why = allow_reboot(wd);
	if (why != NULL)
		return why;
	/* The first expiry must not go to SMM, whose handler may reload it. */
	outl((uint16_t)(pm + PM_SMI_EN), inl_port((uint16_t)(pm + PM_SMI_EN)) & ~SMI_EN_TCO_EN);
	ticks = ticks < 2 ? 2 : ticks > TCO_TMR_MAX ? TCO_TMR_MAX : ticks; /* 0 and 1 are ignored */
	outw((uint16_t)(tco + TCO_TMR), (uint16_t)ticks);
	clear_status((uint16_t)(tco + TCO1_STS), TCO1_STS_TIMEOUT);
	clear_status((uint16_t)(tco + TCO2_STS), TCO2_STS_SECOND_TO);
	outw((uint16_t)(tco + TCO_RLD), 1);
	outw((uint16_t)(tco + TCO1_CNT), (uint16_t)(cnt & ~TCO1_CNT_TMR_HLT));
	wd->timeout_ms = 2 * ticks * TCO_TICK_MS;
	wd->tco_base = tco;
	tco_base = tco;
	return NULL;
}

bool plat_hw_watchdog_start(uint32_t timeout_ms, struct plat_hw_wd *wd)
{
	uint32_t id = lpc_read32(LPC_ID);

	*wd = (struct plat_hw_wd){ .pci_id = id, .no_reboot = "unknown" };
	wd->chipset = ich9_name(id);
	if (wd->chipset == NULL) {
		wd->why_not = "no supported chipset at 00:1f.0 (ICH9 family only)";
		return false;
	}
	uint16_t pm = (uint16_t)(lpc_read32(LPC_PMBASE) & 0xFF80u);
	if (pm == 0 || !(lpc_read32(LPC_ACPI_CNTL) & ACPI_CNTL_ACPI_EN)) {
		wd->why_not = "the ACPI I/O space (PMBASE) is not enabled";
		return false;
	}
	wd->previous_timeout = inw_port((uint16_t)(pm + PM_TCO + TCO2_STS)) & TCO2_STS_SECOND_TO;
	if (timeout_ms == 0) {
		wd->why_not = "hw_wd_ms=0";
		return false;
	}
	wd->why_not = arm(pm, timeout_ms, wd);
	return wd->why_not == NULL;
}

void plat_hw_watchdog_feed(void)
{
	if (tco_base)
		outw((uint16_t)(tco_base + TCO_RLD), 1);
}

void plat_hw_watchdog_stop(void)
{
	if (!tco_base)
		return;
	outw((uint16_t)(tco_base + TCO1_CNT),
	     (uint16_t)(inw_port((uint16_t)(tco_base + TCO1_CNT)) | TCO1_CNT_TMR_HLT));
	tco_base = 0;
}
