/* Host unit tests for hv/pristine.c: the pristine guest copy's seal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/pristine.h"

static uint8_t image[3000], initrd[500];

static void fill(void)
{
	for (unsigned i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7);
	for (unsigned i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 13 + 1);
}

/* SHA-256 of 16 zero bytes (both sizes 0) and nothing else: the known
 * value (sha256sum of 16 NUL bytes). */
static void test_digest_known_value(void **state)
{
	static const uint8_t want[PRISTINE_DIGEST] = {
		0x37, 0x47, 0x08, 0xff, 0xf7, 0x71, 0x9d, 0xd5, 0x97, 0x9e, 0xc8, 0x75,
		0xd5, 0x6c, 0xd2, 0x28, 0x6f, 0x6d, 0x3c, 0xf7, 0xec, 0x31, 0x7a, 0x3b,
		0x25, 0x63, 0x2a, 0xab, 0x28, 0xec, 0x37, 0xbb,
	};
	uint8_t got[PRISTINE_DIGEST];
	(void)state;

	pristine_digest(image, 0, NULL, 0, got);
	assert_memory_equal(got, want, sizeof(want));
}

static void test_intact_until_a_byte_changes(void **state)
{
	struct pristine_seal s = { 0 };
	(void)state;

	fill();
	assert_false(pristine_intact(&s, image, sizeof(image), initrd, sizeof(initrd))); /* unsealed */
	pristine_seal(&s, image, sizeof(image), initrd, sizeof(initrd));
	assert_true(pristine_intact(&s, image, sizeof(image), initrd, sizeof(initrd)));
	image[1234] ^= 0x01;
	assert_false(pristine_intact(&s, image, sizeof(image), initrd, sizeof(initrd)));
	image[1234] ^= 0x01;
	initrd[499] ^= 0x80;
	assert_false(pristine_intact(&s, image, sizeof(image), initrd, sizeof(initrd)));
	initrd[499] ^= 0x80;
	assert_true(pristine_intact(&s, image, sizeof(image), initrd, sizeof(initrd)));
}

/* The sizes are sealed too: the same bytes split differently, or a
 * shorter image, do not pass. */
static void test_sizes_are_sealed(void **state)
{
	struct pristine_seal s = { 0 };
	(void)state;

	fill();
	pristine_seal(&s, image, 2000, image + 2000, 1000);
	assert_true(pristine_intact(&s, image, 2000, image + 2000, 1000));
	assert_false(pristine_intact(&s, image, 2001, image + 2001, 999));
	assert_false(pristine_intact(&s, image, 3000, NULL, 0));
	assert_false(pristine_intact(&s, image, 2000, image + 2000, 999));
}

static void test_text(void **state)
{
	struct pristine_seal s = { .sealed = true };
	char text[PRISTINE_TEXT];
	(void)state;

	for (unsigned i = 0; i < PRISTINE_DIGEST; i++)
		s.sha256[i] = (uint8_t)(0xA0 + i);
	pristine_text(&s, text);
	assert_string_equal(text, "a0a1a2a3a4a5a6a7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_known_value),
		cmocka_unit_test(test_intact_until_a_byte_changes),
		cmocka_unit_test(test_sizes_are_sealed),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
