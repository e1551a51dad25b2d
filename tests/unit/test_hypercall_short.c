/*
 * hypercall_short() (hv/hypercall.h), the run loop's short path for a
 * policy-free hypercall: it must answer exactly what the general path
 * (hypercall_handle()) would, and leave everything else to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv/hypercall.h"

static struct {
	uint64_t skipped;
	unsigned skips;
} be;

static void skip_insn(uint8_t len) { be.skipped += len, be.skips++; }

static const struct vcpu_ops fake_ops = { .name = "fake", .skip_insn = skip_insn };

static struct vm vm;

static struct hv_event hypercall_exit(uint64_t nr, uint64_t rdi)
{
	memset(&be, 0, sizeof(be));
	memset(&vm, 0, sizeof(vm));
	vm.ops = &fake_ops;
	vm.regs.rax = nr;
	vm.regs.rdi = rdi;
	vm.regs.rdx = 0x1234;
	return (struct hv_event){ .kind = EV_HYPERCALL, .raw = 18, .insn_len = 3 };
}

static void test_null_answered(void **state)
{
	(void)state;
	struct hv_event ev = hypercall_exit(HC_NULL, 0xF0F0);

	assert_true(hypercall_short(&vm, &ev));
	assert_int_equal(vm.regs.rax, HV_OK);
	assert_int_equal(vm.regs.rdx, ~(uint64_t)0xF0F0);
	assert_int_equal(vm.stats.hypercalls, 1);
	assert_int_equal(vm.stats.hypercalls_refused, 0);
	assert_int_equal(be.skips, 1);
	assert_int_equal(be.skipped, 3);
}

/* A caller above CPL 0 is refused and logged: the general path's job. */
static void test_user_caller_left_alone(void **state)
{
	(void)state;
	struct hv_event ev = hypercall_exit(HC_NULL, 7);

	ev.cpl = 3;
	assert_false(hypercall_short(&vm, &ev));
	assert_int_equal(vm.regs.rax, HC_NULL);
	assert_int_equal(vm.regs.rdx, 0x1234);
	assert_int_equal(vm.stats.hypercalls, 0);
	assert_int_equal(be.skips, 0);
}

static void test_other_calls_left_alone(void **state)
{
	(void)state;
	for (uint64_t nr = 1; nr <= HC_COUNT + 1; nr++) {
		struct hv_event ev = hypercall_exit(nr, 7);

		assert_false(hypercall_short(&vm, &ev));
		assert_int_equal(vm.regs.rax, nr);
		assert_int_equal(vm.regs.rdx, 0x1234);
		assert_int_equal(vm.stats.hypercalls, 0);
		assert_int_equal(be.skips, 0);
	}
}

/* Only a hypercall exit: RAX means nothing for any other. */
static void test_other_exits_left_alone(void **state)
{
	(void)state;
	for (int k = EV_NONE; k < EV_KIND_COUNT; k++) {
		struct hv_event ev = hypercall_exit(HC_NULL, 7);

		if (k == EV_HYPERCALL)
			continue;
		ev.kind = (enum hv_event_kind)k;
		assert_false(hypercall_short(&vm, &ev));
		assert_int_equal(vm.regs.rdx, 0x1234);
		assert_int_equal(be.skips, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_answered),
		cmocka_unit_test(test_user_caller_left_alone),
		cmocka_unit_test(test_other_calls_left_alone),
		cmocka_unit_test(test_other_exits_left_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
