/*
 * The control channel's MAC (hv/control.h): HMAC-SHA256 from BearSSL
 * (mk/bearssl.mk) under the key given at build time (make CONTROL_KEY=,
 * mk/control.mk).  No key of its own is written here.
 */
#ifndef HV_CONTROL_MAC_H
#define HV_CONTROL_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/control.h"

/* The build's key (generated: $(BUILD)/gen/control_key.c). */
extern const uint8_t hv_control_key[CTL_MAC_BYTES];
/* False when the build has no real key (an appliance build without
 * CONTROL_KEY): the channel is then off. */
extern const bool hv_control_key_set;
/* True when the key is the test key under tests/keys/ (logged at boot). */
extern const bool hv_control_key_is_test;

/* True if mac is HMAC-SHA256(key, text[0..len)); compared in constant time. */
bool ctl_mac_ok(const uint8_t *key, const char *text, size_t len, const uint8_t *mac);

#endif
