/*
 * Host unit tests for guest-stub/stub_time.h: the stub's uptime in ms,
 * one division while d * 1000 fits in 64 bits, two parts beyond; both
 * must give floor(d * 1000 / hz) exactly, at the seam too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "guest-stub/stub_time.h"

/* The exact value, in 128 bits. */
static uint64_t exact(uint64_t d, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)d * 1000 / hz);
}

static void test_exact_everywhere(void **state)
{
	static const uint64_t hzs[] = { 1, 999, 1000, 1001, 10000000, 2999999999ull,
					3000000000ull, 1ull << 40 };
	static const uint64_t ds[] = { 0, 1, 999, 1000, 123456789, (1ull << 54) - 1, 1ull << 54,
				       (1ull << 54) + 1, 1ull << 60, UINT64_MAX };
	(void)state;
	for (unsigned i = 0; i < sizeof(hzs) / sizeof(hzs[0]); i++)
		for (unsigned j = 0; j < sizeof(ds) / sizeof(ds[0]); j++) {
			/* values of 2^64 ms and more do not fit: not asked */
			if ((unsigned __int128)ds[j] * 1000 / hzs[i] > UINT64_MAX)
				continue;
			assert_int_equal(hvstub__tsc_to_ms(ds[j], hzs[i]), exact(ds[j], hzs[i]));
		}
}

static void test_known_values(void **state)
{
	(void)state;
	assert_int_equal(hvstub__tsc_to_ms(10000000, 10000000), 1000);   /* 1 s at 10 MHz */
	assert_int_equal(hvstub__tsc_to_ms(9999, 10000000), 0);
	assert_int_equal(hvstub__tsc_to_ms(10000, 10000000), 1);
	assert_int_equal(hvstub__tsc_to_ms(2999999999ull, 2999999999ull), 1000);
	/* past the seam: d * 1000 wraps in 64 bits, the result must not */
	assert_int_equal(hvstub__tsc_to_ms(1ull << 60, 1000000000ull), (1ull << 60) / 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_everywhere),
		cmocka_unit_test(test_known_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
