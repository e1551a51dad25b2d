/* The control channel's MAC (hv/control_mac.h): lib/hmac.c's HMAC-SHA256. */
#include "hv/control_mac.h"

#include "lib/hmac.h"

_Static_assert(CTL_MAC_BYTES == HMAC_SHA256_MAC && CTL_MAC_BYTES == HMAC_SHA256_KEY,
	       "the control key and MAC are HMAC-SHA256's");

bool ctl_mac_ok(const uint8_t *key, const char *text, size_t len, const uint8_t *mac)
{
	return hmac_sha256_ok(key, text, len, mac);
}
