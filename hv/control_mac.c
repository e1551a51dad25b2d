/* The control channel's MAC (hv/control_mac.h). */
#include "hv/control_mac.h"

#include <bearssl.h>

bool ctl_mac_ok(const uint8_t *key, const char *text, size_t len, const uint8_t *mac)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	uint8_t want[CTL_MAC_BYTES];
	uint8_t diff = 0;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, CTL_MAC_BYTES);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, text, len);
	br_hmac_out(&hc, want);
	/* every byte looked at: how much of a forged MAC was right must not
	 * show in the time the refusal takes */
	for (size_t i = 0; i < CTL_MAC_BYTES; i++)
		diff |= (uint8_t)(want[i] ^ mac[i]);
	return diff == 0;
}
