/* Unit tests: key wrap and page sealing (lib/dumpcrypt.c over BearSSL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/dumpcrypt.h"

static uint8_t page[DUMPCRYPT_PAGE], ct[DUMPCRYPT_PAGE], out[DUMPCRYPT_PAGE];

/* RFC 7748, section 6.1: Alice's key pair. */
static const uint8_t alice_priv[32] = {
	0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
	0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
};
static const uint8_t alice_pub[32] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
	0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};
static const uint8_t eph[32] = { 42, 1, 2, 3 };

static void seal(struct dumpcrypt *s, uint8_t epk[32], uint8_t tag[16])
{
	for (unsigned i = 0; i < DUMPCRYPT_PAGE; i++)
		page[i] = (uint8_t)(i * 13);
	memcpy(ct, page, sizeof(ct));
	assert_true(dumpcrypt_seal_begin(s, alice_pub, eph, epk));
	dumpcrypt_seal_page(s, 7, 3, 0x200000, ct, tag);
}

static void test_public_rfc7748(void **state)
{
	uint8_t pub[32];

	(void)state;
	assert_true(dumpcrypt_public(alice_priv, pub));
	assert_memory_equal(pub, alice_pub, 32);
}

static void test_round_trip(void **state)
{
	struct dumpcrypt s, o;
	uint8_t epk[32], tag[16];

	(void)state;
	seal(&s, epk, tag);
	assert_memory_not_equal(ct, page, 64); /* it is ciphertext */
	assert_true(dumpcrypt_open_begin(&o, alice_priv, epk));
	assert_memory_equal(o.key, s.key, sizeof(o.key));
	assert_true(dumpcrypt_open_page(&o, 7, 3, 0x200000, ct, tag, out));
	assert_memory_equal(out, page, sizeof(page));
}

static void test_refusals(void **state)
{
	struct dumpcrypt s, o;
	uint8_t epk[32], tag[16], wrong[32] = { 5, 6, 7 };

	(void)state;
	seal(&s, epk, tag);
	/* wrong key */
	assert_true(dumpcrypt_open_begin(&o, wrong, epk));
	assert_false(dumpcrypt_open_page(&o, 7, 3, 0x200000, ct, tag, out));
	for (unsigned i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0); /* nothing of a failed page is handed on */
	assert_true(dumpcrypt_open_begin(&o, alice_priv, epk));
	/* moved: another page number, another GPA, another dump */
	assert_false(dumpcrypt_open_page(&o, 7, 4, 0x200000, ct, tag, out));
	assert_false(dumpcrypt_open_page(&o, 7, 3, 0x201000, ct, tag, out));
	assert_false(dumpcrypt_open_page(&o, 8, 3, 0x200000, ct, tag, out));
	/* tampered ciphertext and tag */
	ct[100] ^= 1;
	assert_false(dumpcrypt_open_page(&o, 7, 3, 0x200000, ct, tag, out));
	ct[100] ^= 1;
	tag[0] ^= 0x80;
	assert_false(dumpcrypt_open_page(&o, 7, 3, 0x200000, ct, tag, out));
	tag[0] ^= 0x80;
	assert_true(dumpcrypt_open_page(&o, 7, 3, 0x200000, ct, tag, out));
}

static void test_low_order_key(void **state)
{
	struct dumpcrypt s;
	uint8_t zero[32] = { 0 }, epk[32];

	(void)state;
	/* The point 0 gives a zero shared secret: refused, not used. */
	assert_false(dumpcrypt_seal_begin(&s, zero, eph, epk));
	assert_false(s.ready);
	assert_false(dumpcrypt_open_page(&s, 7, 3, 0x200000, ct, epk, out));
}

static void test_fresh_keys(void **state)
{
	struct dumpcrypt a, b;
	uint8_t e2[32] = { 42, 9, 2, 3 }, epk1[32], epk2[32];

	(void)state;
	assert_true(dumpcrypt_seal_begin(&a, alice_pub, eph, epk1));
	assert_true(dumpcrypt_seal_begin(&b, alice_pub, e2, epk2));
	assert_memory_not_equal(a.key, b.key, 32);
	assert_memory_not_equal(epk1, epk2, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_rfc7748), cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals), cmocka_unit_test(test_low_order_key),
		cmocka_unit_test(test_fresh_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
