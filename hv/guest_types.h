/*
 * The guest's sizes and the types the guest module's files share
 * (hv/guest.h is the module's interface; hv/guest_boot.h and
 * hv/guest_linux.h its private parts).
 */
#ifndef HV_GUEST_TYPES_H
#define HV_GUEST_TYPES_H

#include <stdint.h>

#include "vcpu/vcpu.h"

#define HV_GUEST_RAM_SIZE VCPU_RAM_MAX
/* The pristine copy of the guest image and its initrd, kept for resets
 * (a build setting: make GUEST_IMAGE_MB=). */
#ifndef HV_GUEST_IMAGE_MB
#define HV_GUEST_IMAGE_MB 16
#endif
#define HV_GUEST_IMAGE_MAX ((uint64_t)HV_GUEST_IMAGE_MB << 20)
_Static_assert(HV_GUEST_IMAGE_MB >= 1 && HV_GUEST_IMAGE_MB <= 256, "image store: 1 MiB to 256 MiB");

_Static_assert(HV_GUEST_RAM_MB >= 2 && HV_GUEST_RAM_MB <= 1024, "guest RAM: 2 MiB to 1 GiB");

#define GUEST_PAGE_SIZE 4096ull
#define GUEST_PAGES (HV_GUEST_RAM_SIZE / GUEST_PAGE_SIZE)
_Static_assert(GUEST_PAGES % 64 == 0, "guest RAM is a whole number of bitmap words");

/* Guest pages written since the guest was last built: what a reset must
 * clear (one bit per 4 KiB page). */
struct guest_dirty {
	uint64_t bits[GUEST_PAGES / 64];
};

/* What the boot-info page tells the guest about its host. */
struct guest_host_info {
	uint32_t vendor; /* enum hvg_vendor */
	uint64_t generation;
	uint64_t tsc_hz, tick_us;
	uint64_t hv_base, hv_size;
};

/* What a build loads: the image (an ELF64 file or a Linux bzImage, told
 * apart by its header) and, for a bzImage, an initrd (may be absent). */
struct guest_files {
	const uint8_t *image;
	uint64_t image_size;
	const uint8_t *initrd;
	uint64_t initrd_size;
};

#endif
