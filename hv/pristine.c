/* The pristine guest copy's seal: see hv/pristine.h. */
#include "hv/pristine.h"

#include <bearssl.h>
#include <string.h>

static void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void pristine_digest(const uint8_t *image, uint64_t image_size, const uint8_t *initrd,
		     uint64_t initrd_size, uint8_t out[PRISTINE_DIGEST])
{
	br_sha256_context h;
	uint8_t sizes[16];

	put_le64(sizes, image_size);
	put_le64(sizes + 8, initrd_size);
	br_sha256_init(&h);
	br_sha256_update(&h, sizes, sizeof(sizes));
	br_sha256_update(&h, image, image_size);
	if (initrd != NULL)
		br_sha256_update(&h, initrd, initrd_size);
	br_sha256_out(&h, out);
}

void pristine_seal(struct pristine_seal *s, const uint8_t *image, uint64_t image_size,
		   const uint8_t *initrd, uint64_t initrd_size)
{
	pristine_digest(image, image_size, initrd, initrd_size, s->sha256);
	s->sealed = true;
}

bool pristine_intact(const struct pristine_seal *s, const uint8_t *image, uint64_t image_size,
		     const uint8_t *initrd, uint64_t initrd_size)
{
	uint8_t now[PRISTINE_DIGEST];
	uint8_t diff = 0;

	if (!s->sealed)
		return false;
	pristine_digest(image, image_size, initrd, initrd_size, now);
	for (unsigned i = 0; i < PRISTINE_DIGEST; i++)
		diff |= (uint8_t)(now[i] ^ s->sha256[i]);
	return diff == 0;
}

void pristine_text(const struct pristine_seal *s, char out[PRISTINE_TEXT])
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < (PRISTINE_TEXT - 1) / 2; i++) {
		out[2 * i] = hex[s->sha256[i] >> 4];
		out[2 * i + 1] = hex[s->sha256[i] & 0xF];
	}
	out[PRISTINE_TEXT - 1] = '\0';
}
