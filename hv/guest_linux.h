/*
 * Linux bzImage guests (docs/guest-boot.md, "Linux bzImage guests"): the
 * part of building a guest that differs from an ELF guest.  Private to
 * the guest module (hv/guest.c, hv/guest_linux.c).
 */
#ifndef HV_GUEST_LINUX_H
#define HV_GUEST_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest_types.h"

/* True if the image is a bzImage (boot-protocol header), not an ELF. */
bool guest_is_linux(const struct guest_files *f);
/* bz_check() against guest RAM, with the initrd and command line; logs
 * the layout or the field that is wrong. */
bool guest_linux_check(const struct guest_files *f, const char *cmdline);
/* Loads the kernel, boot_params, command line and initrd into cleared
 * RAM, with the GDT and identity map the 64-bit boot protocol asks for;
 * fills cfg's boot state and entry registers. */
void guest_linux_build(const struct guest_files *f, const char *cmdline,
		       const struct guest_host_info *host, uint8_t *ram, struct vcpu_config *cfg);

#endif
