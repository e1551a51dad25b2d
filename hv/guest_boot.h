/*
 * What every guest gets at entry (hv/guest_boot.c).  Private to the guest
 * module (hv/guest.c, hv/guest_linux.c).
 */
#ifndef HV_GUEST_BOOT_H
#define HV_GUEST_BOOT_H

#include <stdint.h>

#include "hv/guest_types.h"

/* 64-bit paging on, flat code and data at HVG_SEL_CODE/HVG_SEL_DATA (a
 * Linux guest takes the same descriptors at other selectors). */
extern const struct vcpu_boot_state guest_boot_state;
/* Identity map of the low 4 GiB at HVG_PML4_GPA. */
void guest_build_page_tables(uint8_t *ram);
/* The boot-info page at HVG_BOOT_INFO_GPA. */
void guest_build_boot_info(uint8_t *ram, const char *cmdline, const struct guest_host_info *host);

#endif
