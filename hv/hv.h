/*
 * What the boot paths see of the core: the image buffer to load the
 * guest into, and the two-step entry.  hv_prepare() runs while the
 * firmware is still there and may fail (it has logged why).  hv_launch()
 * never returns.
 */
#ifndef HV_HV_H
#define HV_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/bootinfo.h"

/* Where a boot path copies the guest image (guest.c); also the pristine
 * copy kept for resets. */
uint8_t *guest_image_buffer(uint64_t *capacity);
/* Where the initrd goes, in the same store after an image of image_size
 * bytes (guest.c); *capacity 0 if there is no room. */
uint8_t *guest_initrd_buffer(uint64_t image_size, uint64_t *capacity);

enum hv_prepare_result {
	HV_PREPARED,
	HV_PREP_NO_BACKEND,   /* neither VMX with EPT nor SVM with NPT */
	HV_PREP_VIRT_DISABLED, /* VMX or SVM switched off in the firmware setup */
	HV_PREP_NO_GUEST,     /* no guest image was loaded */
	HV_PREP_BAD_GUEST,    /* the guest image was rejected */
};

enum hv_prepare_result hv_prepare(const struct boot_info *bi);
/* True if the command line asked to end an emulator run when the run
 * stops (onstop=exit); false until hv_prepare() has read it. */
bool hv_onstop_exit(void);
/* One line for the firmware's log. */
const char *hv_prepare_text(enum hv_prepare_result r);
__attribute__((noreturn)) void hv_launch(void);

#endif
