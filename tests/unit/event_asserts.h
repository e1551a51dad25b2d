/*
 * Shared by the backend decoder tests: a hypercall exit decoded on the
 * short path must be the same event as the full decoder's in every field
 * the core reads of a hypercall (vcpu/vcpu.h); the short path leaves the
 * others as they were, the full decoder clears them.
 */
#ifndef TEST_EVENT_ASSERTS_H
#define TEST_EVENT_ASSERTS_H

static inline void assert_same_hypercall_event(const struct hv_event *fast,
					       const struct hv_event *full)
{
	assert_int_equal(fast->kind, full->kind);
	assert_int_equal(fast->raw, full->raw);
	assert_int_equal(fast->qual, full->qual);
	assert_int_equal(fast->insn_len, full->insn_len);
	assert_int_equal(fast->cpl, full->cpl);
	assert_int_equal(full->gpa, 0);
	assert_int_equal(full->access, 0);
	assert_int_equal(full->port, 0);
	assert_int_equal(full->msr, 0);
	assert_int_equal(full->insn, 0);
	assert_int_equal(full->cr, 0);
	assert_false(full->io_in || full->io_string || full->msr_write);
}

#endif
