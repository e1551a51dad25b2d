/*
 * The pristine guest copy's seal (issue 14): a SHA-256 (BearSSL) over the
 * image and the initrd, taken once at boot and checked before every
 * reset, so that a copy corrupted in memory (a stray write of the
 * hypervisor, a bit flip, an attack through a device) parks the guest
 * with an emergency alarm instead of booting garbage.
 *
 * Pure: the caller passes the buffers; no globals, no logging.
 */
#ifndef HV_PRISTINE_H
#define HV_PRISTINE_H

#include <stdbool.h>
#include <stdint.h>

#define PRISTINE_DIGEST 32

struct pristine_seal {
	uint8_t sha256[PRISTINE_DIGEST];
	bool sealed;
};

/* The digest of (image size, initrd size, image, initrd); the sizes
 * first, so that moving the boundary between the two changes it.
 * initrd may be NULL with size 0. */
void pristine_digest(const uint8_t *image, uint64_t image_size, const uint8_t *initrd,
		     uint64_t initrd_size, uint8_t out[PRISTINE_DIGEST]);

void pristine_seal(struct pristine_seal *s, const uint8_t *image, uint64_t image_size,
		   const uint8_t *initrd, uint64_t initrd_size);

/* True if the copy still has the digest it was sealed with; false too
 * if it was never sealed. */
bool pristine_intact(const struct pristine_seal *s, const uint8_t *image, uint64_t image_size,
		     const uint8_t *initrd, uint64_t initrd_size);

/* The digest's first 8 bytes as 16 hex digits, for the log. */
#define PRISTINE_TEXT 17
void pristine_text(const struct pristine_seal *s, char out[PRISTINE_TEXT]);

#endif
