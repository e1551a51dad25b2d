/*
 * The crash dumps' private ranges (docs/dumps.md, "Private ranges"):
 * key agreement and page encryption, all done by BearSSL (built from
 * Debian's source package, mk/bearssl.mk); this file only chooses the
 * algorithms and lays out what goes into them, so that the hypervisor
 * (sealing) and hvdump (opening) cannot disagree.
 *
 *  - Key wrap: X25519 (br_ec_c25519_m31, constant time).  Per dump, the
 *    hypervisor draws an ephemeral secret e, sends E = e*G in the dump and
 *    derives the dump key from e*P, P the operator's public key compiled
 *    into the image.  The operator, holding p with P = p*G, gets the same
 *    shared point from p*E.  e is wiped after the dump: neither the image
 *    nor the dump holds a key that opens it.
 *  - KDF: HKDF-SHA-256 (br_hkdf), salt DUMPCRYPT_SALT, input the shared
 *    point, info E || P: a 32-byte key per dump.
 *  - AEAD: ChaCha20-Poly1305 (RFC 8439; br_poly1305_ctmul_run with
 *    br_chacha20_ct_run), one sealed unit per 4 KiB page.  The nonce is
 *    the page's number in the dump (the key is never reused across
 *    dumps); the additional data binds the dump id, that number and the
 *    page's guest-physical address, so a page moved, swapped or
 *    renumbered fails its tag like a changed byte does.
 *
 * Pure: no global state, no allocation; the caller owns every buffer.
 */
#ifndef LIB_DUMPCRYPT_H
#define LIB_DUMPCRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DUMPCRYPT_KEY 32u  /* X25519 scalars and points, the dump key */
#define DUMPCRYPT_TAG 16u  /* Poly1305 */
#define DUMPCRYPT_FP 8u    /* key fingerprint bytes */
#define DUMPCRYPT_PAGE 4096u
#define DUMPCRYPT_SALT "hvdump-private-v1"
/* The algorithm's name in the dump_key record. */
#define DUMPCRYPT_ALG "x25519-hkdf-sha256-chacha20poly1305"

struct dumpcrypt {
	uint8_t key[DUMPCRYPT_KEY];
	bool ready;
};

/* The fingerprint named in a dump: the first bytes of
 * SHA-256(DUMPCRYPT_SALT || pub), so hvdump can tell a wrong key before
 * trying it. */
void dumpcrypt_fingerprint(const uint8_t pub[DUMPCRYPT_KEY], uint8_t fp[DUMPCRYPT_FP]);

/* pub = priv * G.  False if priv gives the all-zero point. */
bool dumpcrypt_public(const uint8_t priv[DUMPCRYPT_KEY], uint8_t pub[DUMPCRYPT_KEY]);

/* Sender: epk = eph * G, dump key from eph * op_pub.  False (c not ready)
 * if op_pub is a low-order point (the shared point is zero). */
bool dumpcrypt_seal_begin(struct dumpcrypt *c, const uint8_t op_pub[DUMPCRYPT_KEY],
			  const uint8_t eph[DUMPCRYPT_KEY], uint8_t epk[DUMPCRYPT_KEY]);

/* Receiver: the dump key from op_priv * epk.  False on a zero shared point. */
bool dumpcrypt_open_begin(struct dumpcrypt *c, const uint8_t op_priv[DUMPCRYPT_KEY],
			  const uint8_t epk[DUMPCRYPT_KEY]);

/* Encrypts the page in place and writes its tag. */
void dumpcrypt_seal_page(const struct dumpcrypt *c, uint32_t id, uint64_t n, uint64_t gpa,
			 uint8_t page[DUMPCRYPT_PAGE], uint8_t tag[DUMPCRYPT_TAG]);

/* Checks the tag and decrypts ct into out; false (out zeroed: nothing of
 * a page that failed is ever handed on) if the tag does not match. */
bool dumpcrypt_open_page(const struct dumpcrypt *c, uint32_t id, uint64_t n, uint64_t gpa,
			 const uint8_t ct[DUMPCRYPT_PAGE], const uint8_t tag[DUMPCRYPT_TAG],
			 uint8_t out[DUMPCRYPT_PAGE]);

/* Overwrites n bytes so that the compiler cannot drop it. */
void dumpcrypt_wipe(void *p, size_t n);

#endif
