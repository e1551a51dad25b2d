/*
 * Host unit tests for hv/ckpt_ring.c: the checkpoint ring's indices
 * (free-running uint32, across the wrap at 2^32), a full event ring, a
 * broken ring, every check of a request and the reason it gives, the
 * status of every reason, the answer, and the names the log prints.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/ckpt_ring.h"

#define SLOTS 4u

/* A request that passes ckpt_req_check for its op. */
static struct hv_ckpt_req good(uint32_t op)
{
	struct hv_ckpt_req r;

	memset(&r, 0, sizeof(r));
	r.id = 42;
	r.op = op;
	r.principal = 1;
	r.nonce = 7;
	if (op == HV_CK_SAVE) {
		r.slot = SLOTS - 1;
		r.flags = HV_CKF_KNOWN_GOOD;
		strcpy(r.label, "boot ok");
	}
	if (op == HV_CK_RESTORE || op == HV_CK_DELETE)
		r.slot = 1;
	if (op == HV_CK_INFO)
		r.arg = HV_CKI_TSC_HZ;
	return r;
}

static enum hv_ckpt_reason check(const struct hv_ckpt_req *r)
{
	return ckpt_req_check(r, SLOTS);
}

/* ---- the indices ---- */

static void test_ring_empty_and_waiting(void **state)
{
	(void)state;
	assert_int_equal(ckpt_ring_next(5, 5, 3, 3), CKPT_TAKE_NONE);
	assert_int_equal(ckpt_ring_next(5, 6, 3, 3), CKPT_TAKE_ONE);
	assert_int_equal(ckpt_ring_next(5, 5 + HV_CKPT_RING, 0, 0), CKPT_TAKE_ONE);
	/* one more than the ring holds: the guest's tail cannot be true */
	assert_int_equal(ckpt_ring_next(5, 6 + HV_CKPT_RING, 0, 0), CKPT_TAKE_BROKEN);
	/* a tail behind our head is a huge distance ahead */
	assert_int_equal(ckpt_ring_next(5, 4, 0, 0), CKPT_TAKE_BROKEN);
	assert_int_equal(ckpt_ring_next(0, UINT32_MAX, 0, 0), CKPT_TAKE_BROKEN);
}

static void test_ring_wraps_at_2_32(void **state)
{
	(void)state;
	/* 0xfffffffe -> 2: four waiting */
	assert_int_equal(ckpt_ring_next(0xfffffffeu, 2u, 0, 0), CKPT_TAKE_ONE);
	assert_int_equal(ckpt_ring_next(0u - HV_CKPT_RING, 0u, 0, 0), CKPT_TAKE_ONE);
	assert_int_equal(ckpt_ring_next(0u - HV_CKPT_RING - 1, 0u, 0, 0), CKPT_TAKE_BROKEN);
	assert_int_equal(ckpt_ring_next(UINT32_MAX, UINT32_MAX, 0, 0), CKPT_TAKE_NONE);
	/* the event ring across the wrap: full, then one free */
	assert_int_equal(ckpt_ring_next(0, 1, 0xfffffffcu, 4u), CKPT_TAKE_NO_ROOM);
	assert_int_equal(ckpt_ring_next(0, 1, 0xfffffffdu, 4u), CKPT_TAKE_ONE);
	assert_int_equal(ckpt_ring_next(0, 1, 0xfffffffbu, 4u), CKPT_TAKE_BROKEN);
}

static void test_event_ring_full(void **state)
{
	(void)state;
	assert_int_equal(ckpt_ring_next(0, 1, 10, 10 + HV_CKPT_RING - 1), CKPT_TAKE_ONE);
	assert_int_equal(ckpt_ring_next(0, 1, 10, 10 + HV_CKPT_RING), CKPT_TAKE_NO_ROOM);
	/* nothing waits: a full event ring does not matter */
	assert_int_equal(ckpt_ring_next(1, 1, 10, 10 + HV_CKPT_RING), CKPT_TAKE_NONE);
}

static void test_event_ring_broken(void **state)
{
	(void)state;
	/* the guest read an answer we never wrote */
	assert_int_equal(ckpt_ring_next(0, 1, 11, 10), CKPT_TAKE_BROKEN);
	assert_int_equal(ckpt_ring_next(0, 0, 11, 10), CKPT_TAKE_BROKEN);
	/* or claims to be further behind than the ring holds */
	assert_int_equal(ckpt_ring_next(0, 0, 10, 11 + HV_CKPT_RING), CKPT_TAKE_BROKEN);
}

/* A guest and a hypervisor passing 3 * HV_CKPT_RING requests through
 * the ring across 2^32: each taken once, in order, at index % RING. */
static void test_ring_round_trip_across_wrap(void **state)
{
	uint32_t req_head = 0xfffffff0u, req_tail = req_head, evt_head = 0xfffffff5u,
		 evt_tail = evt_head;
	uint32_t next_id = 0, taken = 0;
	(void)state;

	while (taken < 3 * HV_CKPT_RING) {
		/* the guest writes as many as fit, reads one answer of two */
		while (req_tail - req_head < HV_CKPT_RING)
			req_tail++;
		if (evt_tail != evt_head && (taken & 1))
			evt_head++;
		enum ckpt_take t = ckpt_ring_next(req_head, req_tail, evt_head, evt_tail);
		if (t == CKPT_TAKE_NO_ROOM) {
			evt_head = evt_tail; /* the guest drains the answers */
			continue;
		}
		assert_int_equal(t, CKPT_TAKE_ONE);
		assert_int_equal(req_head % HV_CKPT_RING, (0xfffffff0u + next_id) % HV_CKPT_RING);
		req_head++;
		evt_tail++;
		next_id++;
		taken++;
	}
	assert_true(req_head < 0x100u); /* it did wrap */
}

/* ---- the request's checks ---- */

static void test_good_requests(void **state)
{
	(void)state;
	for (uint32_t op = HV_CK_SAVE; op < HV_CK_OP_COUNT; op++) {
		struct hv_ckpt_req r = good(op);
		assert_int_equal(check(&r), HV_CKR_NONE);
	}
}

static void test_id_zero(void **state)
{
	struct hv_ckpt_req r = good(HV_CK_LIST);
	(void)state;
	r.id = 0;
	assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
	/* id is checked first: even with a bad op */
	r.op = 99;
	assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
}

static void test_bad_op(void **state)
{
	const uint32_t bad[] = { 0, HV_CK_OP_COUNT, 31, 32, 0x80000000u, UINT32_MAX };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hv_ckpt_req r = good(HV_CK_LIST);
		r.op = bad[i];
		assert_int_equal(check(&r), HV_CKR_BAD_OP);
	}
}

static void test_flags(void **state)
{
	struct hv_ckpt_req r = good(HV_CK_SAVE);
	(void)state;
	r.flags = 0;
	assert_int_equal(check(&r), HV_CKR_NONE);
	r.flags = 2;
	assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
	r.flags = HV_CKF_KNOWN_GOOD | 0x80000000u;
	assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
	for (uint32_t op = HV_CK_LIST; op < HV_CK_OP_COUNT; op++) {
		r = good(op);
		r.flags = HV_CKF_KNOWN_GOOD; /* known, but SAVE's only */
		assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
	}
}

static enum hv_ckpt_reason label_check(const char *bytes, size_t n)
{
	struct hv_ckpt_req r = good(HV_CK_SAVE);

	memset(r.label, 0, sizeof(r.label));
	memcpy(r.label, bytes, n);
	return check(&r);
}

static void test_label_edges(void **state)
{
	(void)state;
	assert_int_equal(label_check("", 0), HV_CKR_NONE);
	assert_int_equal(label_check("a", 1), HV_CKR_NONE);
	assert_int_equal(label_check(" ~!09AZaz.-_/ x", 15), HV_CKR_NONE);
	/* 16 characters: no room for the NUL */
	assert_int_equal(label_check("0123456789abcdef", 16), HV_CKR_BAD_REQUEST);
	assert_int_equal(label_check("bad*star", 8), HV_CKR_BAD_REQUEST);
	assert_int_equal(label_check("tab\there", 8), HV_CKR_BAD_REQUEST);
	assert_int_equal(label_check("nl\n", 3), HV_CKR_BAD_REQUEST);
	assert_int_equal(label_check("del\x7f", 4), HV_CKR_BAD_REQUEST);
	assert_int_equal(label_check("hi\x80", 3), HV_CKR_BAD_REQUEST);
	assert_int_equal(label_check("\xff", 1), HV_CKR_BAD_REQUEST);
	/* bytes after the NUL: one signed request, one meaning */
	assert_int_equal(label_check("ab\0c", 4), HV_CKR_BAD_REQUEST);
	assert_int_equal(label_check("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0x", 16), HV_CKR_BAD_REQUEST);
	/* a label is SAVE's only */
	struct hv_ckpt_req r = good(HV_CK_RESTORE);
	strcpy(r.label, "x");
	assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
}

static void test_slots(void **state)
{
	const uint32_t ops[] = { HV_CK_SAVE, HV_CK_RESTORE, HV_CK_DELETE };
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct hv_ckpt_req r = good(ops[i]);
		r.slot = SLOTS - 1;
		assert_int_equal(check(&r), HV_CKR_NONE);
		r.slot = SLOTS;
		assert_int_equal(check(&r), HV_CKR_BAD_SLOT);
		r.slot = UINT32_MAX;
		assert_int_equal(check(&r), HV_CKR_BAD_SLOT);
		/* a build without slots has no valid slot */
		r.slot = 0;
		assert_int_equal(ckpt_req_check(&r, 0), HV_CKR_BAD_SLOT);
		/* a count above the ring page's table is capped to it */
		r.slot = HV_CKPT_SLOTS_MAX;
		assert_int_equal(ckpt_req_check(&r, 1000), HV_CKR_BAD_SLOT);
		r.slot = HV_CKPT_SLOTS_MAX - 1;
		assert_int_equal(ckpt_req_check(&r, 1000), HV_CKR_NONE);
	}
	/* LIST and INFO take no slot */
	struct hv_ckpt_req r = good(HV_CK_LIST);
	r.slot = 1;
	assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
	r = good(HV_CK_INFO);
	r.slot = 1;
	assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
}

static void test_arg_and_info(void **state)
{
	(void)state;
	for (uint32_t op = HV_CK_SAVE; op < HV_CK_INFO; op++) {
		struct hv_ckpt_req r = good(op);
		r.arg = 1;
		assert_int_equal(check(&r), HV_CKR_BAD_REQUEST);
	}
	struct hv_ckpt_req r = good(HV_CK_INFO);
	for (uint64_t f = HV_CKI_ABI_VERSION; f < HV_CKI_COUNT; f++) {
		r.arg = f;
		assert_int_equal(check(&r), HV_CKR_NONE);
	}
	const uint64_t bad[] = { 0, HV_CKI_COUNT, 100, (1ull << 32) | HV_CKI_SLOTS, UINT64_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.arg = bad[i];
		assert_int_equal(check(&r), HV_CKR_BAD_INFO);
	}
}

/* ---- status, answer, names ---- */

static void test_status_of_every_reason(void **state)
{
	static const enum hv_ckpt_status want[HV_CKR_REASON_COUNT] = {
		[HV_CKR_NONE] = HV_CK_OK,
		[HV_CKR_BAD_OP] = HV_CK_FAIL,
		[HV_CKR_BAD_SLOT] = HV_CK_FAIL,
		[HV_CKR_EMPTY_SLOT] = HV_CK_FAIL,
		[HV_CKR_BAD_INFO] = HV_CK_FAIL,
		[HV_CKR_BAD_REQUEST] = HV_CK_FAIL,
		[HV_CKR_UNKNOWN_PRINCIPAL] = HV_CK_DENIED,
		[HV_CKR_BAD_MAC] = HV_CK_DENIED,
		[HV_CKR_REPLAY] = HV_CK_DENIED,
		[HV_CKR_NOT_ALLOWED] = HV_CK_DENIED,
		[HV_CKR_IN_FLIGHT] = HV_CK_BUSY,
		[HV_CKR_SLOTS_FULL] = HV_CK_NOSPACE,
	};
	(void)state;
	for (unsigned w = 0; w < HV_CKR_REASON_COUNT; w++)
		assert_int_equal(ckpt_status_of((enum hv_ckpt_reason)w), want[w]);
	assert_int_equal(ckpt_status_of(HV_CKR_REASON_COUNT), HV_CK_FAIL);
	assert_int_equal(ckpt_status_of((enum hv_ckpt_reason)0x7fffffff), HV_CK_FAIL);
}

static void test_answer(void **state)
{
	struct hv_ckpt_req r = good(HV_CK_SAVE);
	struct hv_ckpt_event e, zero;
	(void)state;

	memset(&e, 0xaa, sizeof(e));
	ckpt_answer(&e, &r, HV_CKR_NONE, 17, 1234);
	assert_int_equal(e.id, 42);
	assert_int_equal(e.kind, HV_CKE_ANSWER);
	assert_int_equal(e.op, HV_CK_SAVE);
	assert_int_equal(e.status, HV_CK_OK);
	assert_int_equal(e.reason, HV_CKR_NONE);
	assert_int_equal(e.slot, SLOTS - 1);
	assert_int_equal(e.event, 0);
	assert_int_equal(e.value, 17);
	assert_int_equal(e.time_ms, 1234);

	/* a refused request gets no value, and no byte of the old event */
	memset(&e, 0xaa, sizeof(e));
	ckpt_answer(&e, &r, HV_CKR_REPLAY, 17, 99);
	assert_int_equal(e.status, HV_CK_DENIED);
	assert_int_equal(e.reason, HV_CKR_REPLAY);
	assert_int_equal(e.value, 0);
	memset(&zero, 0, sizeof(zero));
	e.id = e.kind = e.op = e.reason = e.slot = 0;
	e.status = 0;
	e.time_ms = 0;
	assert_memory_equal(&e, &zero, sizeof(e));

	ckpt_answer(&e, &r, HV_CKR_SLOTS_FULL, 5, 0);
	assert_int_equal(e.status, HV_CK_NOSPACE);
	ckpt_answer(&e, &r, HV_CKR_IN_FLIGHT, 5, 0);
	assert_int_equal(e.status, HV_CK_BUSY);
}

static void test_names(void **state)
{
	static const char *const reasons[] = { "none", "bad_op", "bad_slot", "empty_slot",
					       "bad_info", "bad_request", "unknown_principal",
					       "bad_mac", "replay", "not_allowed", "in_flight",
					       "slots_full" };
	_Static_assert(sizeof(reasons) / sizeof(reasons[0]) == HV_CKR_REASON_COUNT, "every reason");
	(void)state;
	for (unsigned w = 0; w < HV_CKR_REASON_COUNT; w++)
		assert_string_equal(ckpt_reason_name(w), reasons[w]);
	assert_string_equal(ckpt_op_name(HV_CK_SAVE), "save");
	assert_string_equal(ckpt_op_name(HV_CK_LIST), "list");
	assert_string_equal(ckpt_op_name(HV_CK_RESTORE), "restore");
	assert_string_equal(ckpt_op_name(HV_CK_DELETE), "delete");
	assert_string_equal(ckpt_op_name(HV_CK_INFO), "info");
	assert_string_equal(ckpt_status_name(HV_CK_OK), "ok");
	assert_string_equal(ckpt_status_name(HV_CK_FAIL), "fail");
	assert_string_equal(ckpt_status_name(HV_CK_DENIED), "denied");
	assert_string_equal(ckpt_status_name(HV_CK_BUSY), "busy");
	assert_string_equal(ckpt_status_name(HV_CK_NOSPACE), "nospace");
	assert_string_equal(ckpt_info_name(HV_CKI_ABI_VERSION), "abi_version");
	assert_string_equal(ckpt_info_name(HV_CKI_ROLLBACKS), "rollbacks");
	for (uint64_t f = HV_CKI_ABI_VERSION; f < HV_CKI_COUNT; f++)
		assert_string_not_equal(ckpt_info_name(f), "?");
	/* anything else: "?" */
	assert_string_equal(ckpt_op_name(0), "?");
	assert_string_equal(ckpt_op_name(HV_CK_OP_COUNT), "?");
	assert_string_equal(ckpt_op_name(UINT32_MAX), "?");
	assert_string_equal(ckpt_reason_name(HV_CKR_REASON_COUNT), "?");
	assert_string_equal(ckpt_reason_name(UINT32_MAX), "?");
	assert_string_equal(ckpt_status_name(5), "?");
	assert_string_equal(ckpt_status_name(-1), "?");
	assert_string_equal(ckpt_status_name(INT32_MIN), "?");
	assert_string_equal(ckpt_info_name(0), "?");
	assert_string_equal(ckpt_info_name(HV_CKI_COUNT), "?");
	assert_string_equal(ckpt_info_name(UINT64_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_empty_and_waiting),
		cmocka_unit_test(test_ring_wraps_at_2_32),
		cmocka_unit_test(test_event_ring_full),
		cmocka_unit_test(test_event_ring_broken),
		cmocka_unit_test(test_ring_round_trip_across_wrap),
		cmocka_unit_test(test_good_requests),
		cmocka_unit_test(test_id_zero),
		cmocka_unit_test(test_bad_op),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_label_edges),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_arg_and_info),
		cmocka_unit_test(test_status_of_every_reason),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
