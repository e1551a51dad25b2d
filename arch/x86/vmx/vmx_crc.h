/*
 * The VMCS fields the integrity CRC covers (vmx_control_crc, vmx_ept.c):
 * the host-state area, which VM exits load into the CPU (Intel SDM 3C
 * 28.5), and the controls that confine the guest and stay as bring-up set
 * them.  Pure: the caller passes how to read a field (VMREAD in the
 * backend, a fake VMCS in the host unit tests).
 */
#ifndef ARCH_VMX_CRC_H
#define ARCH_VMX_CRC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/crc32.h"
#include "arch/x86/vmx/vmcs.h"

/*
 * Left out, because they change while the guest runs: HOST_RSP (vmx_enter
 * writes it before every entry, vmx_entry.S), the primary processor-based
 * controls (interrupt and NMI windows), the entry controls (IA-32e mode
 * guest follows the guest's EFER.LMA, SDM 3C 24.8.1), the exception
 * bitmap, and the guest-state and exit-information areas.
 */
static inline uint32_t vmx_fixed_fields_crc(uint32_t crc, uint64_t (*read)(uint64_t field))
{
	static const uint16_t fields[] = {
		/* host state (SDM 3C 24.5) */
		HOST_CR0, HOST_CR3, HOST_CR4, HOST_RIP,
		HOST_ES_SEL, HOST_CS_SEL, HOST_SS_SEL, HOST_DS_SEL, HOST_FS_SEL, HOST_GS_SEL,
		HOST_TR_SEL, HOST_FS_BASE, HOST_GS_BASE, HOST_TR_BASE, HOST_GDTR_BASE, HOST_IDTR_BASE,
		HOST_SYSENTER_CS, HOST_SYSENTER_ESP, HOST_SYSENTER_EIP, HOST_EFER, HOST_PAT,
		/* controls (SDM 3C 24.6, 24.7): the bitmaps and the EPT the
		 * rest of the CRC covers are the ones in use */
		PIN_CONTROLS, PROC2_CONTROLS, EXIT_CONTROLS, IO_BITMAP_A, IO_BITMAP_B, MSR_BITMAP,
		EPT_POINTER,
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t v = read(fields[i]);
		crc = crc32_ieee_update_words(crc, &v, 1, 0);
	}
	return crc;
}

#endif
