/*
 * Shared by the backend decoder tests: a hypercall exit decoded on the
 * short path must be the same event as the full decoder's, with every
 * field the short path does not set left zero.
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
	assert_int_equal(fast->gpa, 0);
	assert_int_equal(fast->access, 0);
	assert_int_equal(fast->port, 0);
	assert_int_equal(fast->msr, 0);
	assert_int_equal(fast->insn, 0);
	assert_int_equal(fast->cr, 0);
	assert_false(fast->io_in || fast->io_string || fast->msr_write);
}

#endif
