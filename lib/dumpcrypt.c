/* Key wrap and page encryption of the dumps' private ranges (lib/dumpcrypt.h). */
#include <bearssl.h>
#include <string.h>

#include "lib/dumpcrypt.h"

/* The X25519 base point's u-coordinate (RFC 7748: u = 9). */
static const uint8_t base_u[DUMPCRYPT_KEY] = { 9 };

void dumpcrypt_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

void dumpcrypt_fingerprint(const uint8_t pub[DUMPCRYPT_KEY], uint8_t fp[DUMPCRYPT_FP])
{
	br_sha256_context h;
	uint8_t out[32];

	br_sha256_init(&h);
	br_sha256_update(&h, DUMPCRYPT_SALT, sizeof(DUMPCRYPT_SALT) - 1);
	br_sha256_update(&h, pub, DUMPCRYPT_KEY);
	br_sha256_out(&h, out);
	memcpy(fp, out, DUMPCRYPT_FP);
}

/* point = scalar * point, in place (X25519). */
static bool x25519(uint8_t point[DUMPCRYPT_KEY], const uint8_t scalar[DUMPCRYPT_KEY])
{
	return br_ec_c25519_m31.mul(point, DUMPCRYPT_KEY, scalar, DUMPCRYPT_KEY, BR_EC_curve25519) == 1 &&
	       !all_zero(point, DUMPCRYPT_KEY);
}

bool dumpcrypt_public(const uint8_t priv[DUMPCRYPT_KEY], uint8_t pub[DUMPCRYPT_KEY])
{
	memcpy(pub, base_u, DUMPCRYPT_KEY);
	return x25519(pub, priv);
}

static void derive(struct dumpcrypt *c, const uint8_t shared[DUMPCRYPT_KEY],
		   const uint8_t epk[DUMPCRYPT_KEY], const uint8_t op_pub[DUMPCRYPT_KEY])
{
	br_hkdf_context h;
	uint8_t info[2 * DUMPCRYPT_KEY];

	memcpy(info, epk, DUMPCRYPT_KEY);
	memcpy(info + DUMPCRYPT_KEY, op_pub, DUMPCRYPT_KEY);
	br_hkdf_init(&h, &br_sha256_vtable, DUMPCRYPT_SALT, sizeof(DUMPCRYPT_SALT) - 1);
	br_hkdf_inject(&h, shared, DUMPCRYPT_KEY);
	br_hkdf_flip(&h);
	br_hkdf_produce(&h, info, sizeof(info), c->key, DUMPCRYPT_KEY);
	dumpcrypt_wipe(&h, sizeof(h));
	c->ready = true;
}

bool dumpcrypt_seal_begin(struct dumpcrypt *c, const uint8_t op_pub[DUMPCRYPT_KEY],
			  const uint8_t eph[DUMPCRYPT_KEY], uint8_t epk[DUMPCRYPT_KEY])
{
	uint8_t shared[DUMPCRYPT_KEY];
	bool ok;

	c->ready = false;
	memcpy(shared, op_pub, DUMPCRYPT_KEY);
	ok = dumpcrypt_public(eph, epk) && x25519(shared, eph);
	if (ok)
		derive(c, shared, epk, op_pub);
	dumpcrypt_wipe(shared, sizeof(shared));
	return ok;
}

bool dumpcrypt_open_begin(struct dumpcrypt *c, const uint8_t op_priv[DUMPCRYPT_KEY],
			  const uint8_t epk[DUMPCRYPT_KEY])
{
	uint8_t shared[DUMPCRYPT_KEY], pub[DUMPCRYPT_KEY];
	bool ok;

	c->ready = false;
	memcpy(shared, epk, DUMPCRYPT_KEY);
	ok = dumpcrypt_public(op_priv, pub) && x25519(shared, op_priv);
	if (ok)
		derive(c, shared, epk, pub);
	dumpcrypt_wipe(shared, sizeof(shared));
	return ok;
}

static void le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Nonce: 4 zero bytes, then the page number (little-endian).  AAD: salt,
 * dump id, page number, GPA. */
static void nonce_aad(uint32_t id, uint64_t n, uint64_t gpa, uint8_t iv[12], uint8_t aad[40])
{
	memset(iv, 0, 12);
	le(iv + 4, n, 8);
	memset(aad, 0, 40);
	memcpy(aad, DUMPCRYPT_SALT, sizeof(DUMPCRYPT_SALT) - 1); /* 17 bytes */
	le(aad + 20, id, 4);
	le(aad + 24, n, 8);
	le(aad + 32, gpa, 8);
}

void dumpcrypt_seal_page(const struct dumpcrypt *c, uint32_t id, uint64_t n, uint64_t gpa,
			 uint8_t page[DUMPCRYPT_PAGE], uint8_t tag[DUMPCRYPT_TAG])
{
	uint8_t iv[12], aad[40];

	nonce_aad(id, n, gpa, iv, aad);
	br_poly1305_ctmul_run(c->key, iv, page, DUMPCRYPT_PAGE, aad, sizeof(aad), tag, br_chacha20_ct_run, 1);
}

bool dumpcrypt_open_page(const struct dumpcrypt *c, uint32_t id, uint64_t n, uint64_t gpa,
			 const uint8_t ct[DUMPCRYPT_PAGE], const uint8_t tag[DUMPCRYPT_TAG],
			 uint8_t out[DUMPCRYPT_PAGE])
{
	uint8_t iv[12], aad[40], got[DUMPCRYPT_TAG], diff = 0;

	if (!c->ready) {
		memset(out, 0, DUMPCRYPT_PAGE);
		return false;
	}
	nonce_aad(id, n, gpa, iv, aad);
	memcpy(out, ct, DUMPCRYPT_PAGE);
	br_poly1305_ctmul_run(c->key, iv, out, DUMPCRYPT_PAGE, aad, sizeof(aad), got, br_chacha20_ct_run, 0);
	for (unsigned i = 0; i < DUMPCRYPT_TAG; i++)
		diff |= (uint8_t)(got[i] ^ tag[i]);
	if (diff != 0) {
		dumpcrypt_wipe(out, DUMPCRYPT_PAGE);
		return false;
	}
	return true;
}
