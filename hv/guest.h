/*
 * Guest RAM (a static arena, GPA 0 = its first byte, the only memory
 * EPT/NPT maps), the pristine image copy, building the guest's boot
 * state, and checked access to guest memory.
 */
#ifndef HV_GUEST_H
#define HV_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest_types.h"
#include "vcpu/vcpu.h"

/* Marks the page holding gpa as written: for the hypervisor's own writes
 * into guest RAM (the shared page), which EPT/NPT do not record. */
void guest_dirty_mark(struct guest_dirty *d, uint64_t gpa);


uint8_t *guest_ram(void);
uint8_t *guest_image_buffer(uint64_t *capacity);
/* Where the initrd goes in the same store, after an image of image_size
 * bytes (page-aligned); *capacity is what is left (0 if nothing). */
uint8_t *guest_initrd_buffer(uint64_t image_size, uint64_t *capacity);

/* Validates the image (and for a bzImage the initrd and command line)
 * against guest RAM; logs what is wrong, naming the field. */
bool guest_check_image(const struct guest_files *f, const char *cmdline);
/* Clears guest RAM, loads the image and writes the boot-info page, GDT
 * and identity page tables (docs/guest-boot.md; for a bzImage also the
 * boot_params, command line and initrd); fills cfg, including the vCPU's
 * boot state.  `written` names the pages to clear (every page not named
 * must still be zero or hold what the last build put there); NULL clears
 * all of guest RAM.  The bits are cleared as the pages are.  Returns the
 * number of pages cleared. */
uint64_t guest_build(const struct guest_files *f, const char *cmdline,
		     const struct guest_host_info *host, struct guest_dirty *written,
		     struct vcpu_config *cfg);
/* Copies len bytes at guest-virtual gva (walking the guest's own page
 * tables from cr3) into dst.  Every table and data access is checked
 * against guest RAM; returns false if anything is out of bounds or not
 * present. */
bool guest_copy_from(uint64_t cr3, uint64_t gva, void *dst, uint64_t len);
/* The GPA guest-virtual gva maps to through the guest's 4-level tables
 * from cr3; every table read is checked against guest RAM, the result is
 * not (the caller checks it with guest_gpa_ptr()).  false if not mapped
 * or not canonical. */
bool guest_gva_to_gpa(uint64_t cr3, uint64_t gva, uint64_t *gpa);
/* Host pointer for [gpa, gpa+len) if it lies inside guest RAM, else NULL. */
void *guest_gpa_ptr(uint64_t gpa, uint64_t len);

#endif
