/*
 * HMAC-SHA256 with a 32-byte key, from BearSSL (mk/bearssl.mk): the
 * control channel's commands (hv/control_mac.c) and the checkpoint
 * requests (hv/ckpt_auth.c) are both signed with it.  No cryptography is
 * written here: this file only wraps BearSSL's br_hmac_* calls and
 * compares a MAC in constant time.  Pure: no global state.
 */
#ifndef LIB_HMAC_H
#define LIB_HMAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMAC_SHA256_KEY 32u
#define HMAC_SHA256_MAC 32u

/* out = HMAC-SHA256(key, msg[0..len)). */
void hmac_sha256(const uint8_t key[HMAC_SHA256_KEY], const void *msg, size_t len,
		 uint8_t out[HMAC_SHA256_MAC]);

/* True if mac is HMAC-SHA256(key, msg[0..len)); every byte of the MAC is
 * looked at whatever the others hold (constant time). */
bool hmac_sha256_ok(const uint8_t key[HMAC_SHA256_KEY], const void *msg, size_t len,
		    const uint8_t mac[HMAC_SHA256_MAC]);

#endif
