/*
 * Host unit tests for hv/control_mac.c: the control channel's MAC
 * (BearSSL's HMAC-SHA256) agrees with an independent one (Python's
 * hmac module, which tools/hvctl.py signs with) and refuses any change
 * to the text or the MAC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/control_mac.h"

/* tests/keys/control-test.key */
static const uint8_t key[32] = {
	0xe6, 0x9e, 0x93, 0xe7, 0xf9, 0x2b, 0x19, 0x0e, 0xdb, 0x94, 0x5a, 0x9c, 0x55, 0x88, 0xb3, 0xfa,
	0x6c, 0x52, 0xe9, 0xa2, 0xee, 0xc5, 0x78, 0xe3, 0x86, 0x18, 0x35, 0xd0, 0xcc, 0x6f, 0x2c, 0x36,
};
static const char text[] = "HVC1 hv0 0123456789abcdef 1 status";
/* python3 -c 'import hmac,hashlib; print(hmac.new(key, text, hashlib.sha256).hexdigest())' */
static const uint8_t mac[32] = {
	0xed, 0x38, 0x4e, 0xe4, 0xce, 0xdb, 0x97, 0xbe, 0x5c, 0xa7, 0x5d, 0x2b, 0xc9, 0x79, 0xd3, 0x15,
	0x73, 0x7d, 0xe5, 0x06, 0xde, 0x34, 0x84, 0x3b, 0xe3, 0x73, 0x8c, 0xb1, 0x89, 0xe5, 0x42, 0x08,
};

static void test_known_mac(void **state)
{
	(void)state;
	assert_true(ctl_mac_ok(key, text, strlen(text), mac));
}

static void test_any_change_refused(void **state)
{
	uint8_t m[32], k[32];
	char t[sizeof(text)];
	(void)state;

	for (size_t i = 0; i < 32; i++) {
		memcpy(m, mac, 32);
		m[i] ^= 0x01;
		assert_false(ctl_mac_ok(key, text, strlen(text), m));
		memcpy(k, key, 32);
		k[i] ^= 0x80;
		assert_false(ctl_mac_ok(k, text, strlen(text), mac));
	}
	for (size_t i = 0; i < strlen(text); i++) {
		memcpy(t, text, sizeof(text));
		t[i] ^= 0x20;
		assert_false(ctl_mac_ok(key, t, strlen(t), mac));
	}
	/* the MAC covers the length: a prefix is not the same text */
	assert_false(ctl_mac_ok(key, text, strlen(text) - 1, mac));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_mac),
		cmocka_unit_test(test_any_change_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
