/* hv/mov_cr.c: MOV to CRn decoded from code bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hv/mov_cr.h"

static void test_forms(void **state)
{
	struct mov_cr m;
	(void)state;

	/* mov %rax,%cr4 */
	assert_true(mov_cr_decode((const uint8_t[]){ 0x0F, 0x22, 0xE0 }, 3, &m));
	assert_int_equal(m.cr, 4);
	assert_int_equal(m.gpr, 0);
	assert_int_equal(m.len, 3);
	/* mov %rdi,%cr4 */
	assert_true(mov_cr_decode((const uint8_t[]){ 0x0F, 0x22, 0xE7, 0x90 }, 4, &m));
	assert_int_equal(m.gpr, 7);
	assert_int_equal(m.len, 3);
	/* mov %r9,%cr4: REX.B */
	assert_true(mov_cr_decode((const uint8_t[]){ 0x41, 0x0F, 0x22, 0xE1 }, 4, &m));
	assert_int_equal(m.cr, 4);
	assert_int_equal(m.gpr, 9);
	assert_int_equal(m.len, 4);
	/* mov %rax,%cr8: REX.R */
	assert_true(mov_cr_decode((const uint8_t[]){ 0x44, 0x0F, 0x22, 0xC0 }, 4, &m));
	assert_int_equal(m.cr, 8);
	/* mov %rsp,%cr3 */
	assert_true(mov_cr_decode((const uint8_t[]){ 0x0F, 0x22, 0xDC }, 3, &m));
	assert_int_equal(m.cr, 3);
	assert_int_equal(m.gpr, 4);
}

static void test_refused(void **state)
{
	struct mov_cr m;
	(void)state;

	/* MOV from CR4, other opcodes, a legacy prefix, too few bytes */
	assert_false(mov_cr_decode((const uint8_t[]){ 0x0F, 0x20, 0xE0 }, 3, &m));
	assert_false(mov_cr_decode((const uint8_t[]){ 0x0F, 0x01, 0xD1 }, 3, &m));
	assert_false(mov_cr_decode((const uint8_t[]){ 0x66, 0x0F, 0x22, 0xE0 }, 4, &m));
	assert_false(mov_cr_decode((const uint8_t[]){ 0x0F, 0x22 }, 2, &m));
	assert_false(mov_cr_decode((const uint8_t[]){ 0x41, 0x0F, 0x22 }, 3, &m));
	assert_false(mov_cr_decode((const uint8_t[]){ 0 }, 0, &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
