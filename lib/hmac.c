/* HMAC-SHA256 from BearSSL (lib/hmac.h). */
#include "lib/hmac.h"

#include <bearssl.h>

void hmac_sha256(const uint8_t key[HMAC_SHA256_KEY], const void *msg, size_t len,
		 uint8_t out[HMAC_SHA256_MAC])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, HMAC_SHA256_KEY);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, len);
	br_hmac_out(&hc, out);
}

bool hmac_sha256_ok(const uint8_t key[HMAC_SHA256_KEY], const void *msg, size_t len,
		    const uint8_t mac[HMAC_SHA256_MAC])
{
	uint8_t want[HMAC_SHA256_MAC];
	uint8_t diff = 0;

	hmac_sha256(key, msg, len, want);
	/* every byte looked at: how much of a forged MAC was right must not
	 * show in the time the refusal takes */
	for (size_t i = 0; i < HMAC_SHA256_MAC; i++)
		diff |= (uint8_t)(want[i] ^ mac[i]);
	return diff == 0;
}
