/*
 * Host unit tests for hv/ckpt_auth.c (and lib/hmac.c under it): known
 * answers computed independently (Python's hmac module over the packed
 * request, at test-writing time), a changed bit anywhere in the signed
 * bytes or the MAC refused, replayed and old nonces, unknown principals,
 * ops not allowed, the order of the checks, nonces untouched by any
 * denial and kept per principal; and the test principals table as
 * scripts/ckpt-principals.py compiles it for the test builds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/ckpt_auth.h"
#include "lib/hmac.h"

/* tests/keys/ckpt-{admin,app,reader}-test.key */
#define KEY_ADMIN                                                                                 \
	{ 0x26, 0xfd, 0x1d, 0x76, 0xaf, 0x77, 0xb4, 0x3e, 0x49, 0x2c, 0x41, 0x62, 0x3f, 0x14, 0x8b, \
	  0x5b, 0x75, 0x23, 0xbc, 0x26, 0x18, 0x45, 0xc0, 0x47, 0x43, 0x90, 0xf1, 0x26, 0x02, 0x0f, \
	  0x21, 0x19 }
#define KEY_APP                                                                                   \
	{ 0xd1, 0xd5, 0x0f, 0xea, 0xfe, 0x7e, 0x29, 0xf6, 0x86, 0x56, 0x69, 0x14, 0xee, 0x79, 0x03, \
	  0xe4, 0x9d, 0x9e, 0xb1, 0xb8, 0x70, 0xac, 0x0e, 0xb2, 0x0c, 0x4c, 0xcb, 0x31, 0x8b, 0x00, \
	  0x8e, 0xf0 }
#define KEY_READER                                                                                \
	{ 0x7e, 0xc7, 0x0f, 0x2f, 0xd9, 0xe9, 0x31, 0x6a, 0x2b, 0x66, 0x50, 0xd1, 0xf0, 0xd1, 0xe9, \
	  0x87, 0xd0, 0x51, 0x29, 0x4a, 0xab, 0x31, 0xb0, 0x1b, 0x09, 0x94, 0xde, 0x42, 0xd3, 0x7a, \
	  0x71, 0x4c }
#define BIT(op) (1u << (op))
#define ALL_OPS (BIT(HV_CK_SAVE) | BIT(HV_CK_LIST) | BIT(HV_CK_RESTORE) | BIT(HV_CK_DELETE) | BIT(HV_CK_INFO))

/* Index 0 admin (id 1, every op), 1 app (id 2), 2 reader (id 3): as in
 * tests/keys/ckpt-test.principals. */
static const struct ckpt_principal table_p[] = {
	{ .id = 1, .name = "admin", .allowed_ops = ALL_OPS, .key = KEY_ADMIN },
	{ .id = 2, .name = "app", .allowed_ops = BIT(HV_CK_SAVE) | BIT(HV_CK_LIST) | BIT(HV_CK_INFO),
	  .key = KEY_APP },
	{ .id = 3, .name = "reader", .allowed_ops = BIT(HV_CK_LIST) | BIT(HV_CK_INFO), .key = KEY_READER },
};
static const struct ckpt_principals table = { .p = table_p, .count = 3 };

/*
 * Known answers.  For each: python3 -c 'import hmac, hashlib, struct;
 *   body = struct.pack("<QIIIIQQ16s", id, op, slot, principal, flags, nonce, arg, label);
 *   print(hmac.new(key, body, hashlib.sha256).hexdigest())'
 */
struct kat {
	struct hv_ckpt_req req;
	int who;
};
static const struct kat kats[] = {
	{ { .id = 0x1122334455667788ull, .op = HV_CK_SAVE, .slot = 2, .principal = 1, .flags = 1,
	    .nonce = 5, .arg = 0, .label = "before-fault",
	    .mac = { 0x9c, 0x14, 0x38, 0xbf, 0x62, 0xfd, 0x0c, 0x48, 0x90, 0xf3, 0x6a, 0xb5, 0x41,
		     0x0e, 0x9c, 0x8a, 0xb0, 0xb3, 0x9b, 0xbb, 0x65, 0x3e, 0x93, 0xc9, 0xe4, 0x4d,
		     0x23, 0x36, 0x9e, 0x53, 0xf5, 0x7e } },
	  0 },
	{ { .id = 9, .op = HV_CK_LIST, .slot = 0, .principal = 3, .flags = 0, .nonce = 1, .arg = 0,
	    .mac = { 0x73, 0xdd, 0x5e, 0x21, 0xa1, 0xad, 0x2f, 0xe6, 0xdc, 0xd2, 0x67, 0x8e, 0x99,
		     0xb2, 0x53, 0xe4, 0x0d, 0x0e, 0xb8, 0x0a, 0xfc, 0x34, 0xce, 0xff, 0x95, 0xe7,
		     0x84, 0x18, 0x65, 0x68, 0xdf, 0x20 } },
	  2 },
	{ { .id = 0xfedcba9876543210ull, .op = HV_CK_INFO, .slot = 0, .principal = 2, .flags = 0,
	    .nonce = 0xfffffffffffffff0ull, .arg = HV_CKI_TSC_HZ,
	    .mac = { 0xad, 0xed, 0x82, 0x57, 0x12, 0x8d, 0x79, 0xed, 0x96, 0x11, 0x67, 0xe6, 0xa6,
		     0x9d, 0xbe, 0xb2, 0xb6, 0x73, 0xd6, 0x69, 0x96, 0xd3, 0x04, 0x7d, 0x42, 0x4c,
		     0xb6, 0x93, 0x9b, 0xf9, 0x0d, 0xd5 } },
	  1 },
};
#define N_KATS (sizeof(kats) / sizeof(kats[0]))

/* A request signed here with lib/hmac.c (checked against the known
 * answers above, so the other tests can sign what they need). */
static struct hv_ckpt_req signed_req(int who, uint32_t op, uint64_t nonce)
{
	struct hv_ckpt_req r;

	memset(&r, 0, sizeof(r));
	r.id = 100 + nonce;
	r.op = op;
	r.principal = table_p[who].id;
	r.nonce = nonce;
	hmac_sha256(table_p[who].key, &r, HV_CKPT_REQ_SIGNED, r.mac);
	return r;
}

/* Judges r; the state must change only if it passes. */
static enum hv_ckpt_reason judge(struct ckpt_auth_state *st, const struct hv_ckpt_req *r, int *who)
{
	struct ckpt_auth_state before = *st;
	enum hv_ckpt_reason why = ckpt_auth_judge(&table, st, r, who);

	if (why != HV_CKR_NONE)
		assert_memory_equal(&before, st, sizeof(before));
	return why;
}

static void test_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_KATS; i++) {
		struct ckpt_auth_state st = { { 0 } };
		uint8_t mac[HMAC_SHA256_MAC];
		int who = -7;

		hmac_sha256(table_p[kats[i].who].key, &kats[i].req, HV_CKPT_REQ_SIGNED, mac);
		assert_memory_equal(mac, kats[i].req.mac, sizeof(mac));
		assert_int_equal(ckpt_auth_judge(&table, &st, &kats[i].req, &who), HV_CKR_NONE);
		assert_int_equal(who, kats[i].who);
		for (int j = 0; j < (int)CKPT_PRINCIPALS_MAX; j++)
			assert_int_equal(st.last_nonce[j], j == who ? kats[i].req.nonce : 0);
	}
}

/* One bit flipped in each signed byte (every field) and in each MAC
 * byte: refused, and nothing recorded. */
static void test_any_flipped_bit_refused(void **state)
{
	(void)state;
	for (size_t k = 0; k < N_KATS; k++) {
		for (size_t byte = 0; byte < sizeof(struct hv_ckpt_req); byte++) {
			for (unsigned bit = 0; bit < 8; bit += 3) {
				struct ckpt_auth_state st = { { 0 } };
				struct hv_ckpt_req r = kats[k].req;
				int who;

				((uint8_t *)&r)[byte] ^= (uint8_t)(1u << bit);
				enum hv_ckpt_reason why = judge(&st, &r, &who);
				bool in_principal = byte >= offsetof(struct hv_ckpt_req, principal) &&
						    byte < offsetof(struct hv_ckpt_req, flags);
				/* a changed principal may name one not in the table */
				if (in_principal && (r.principal == 0 || r.principal > 3))
					assert_int_equal(why, HV_CKR_UNKNOWN_PRINCIPAL);
				else
					assert_int_equal(why, HV_CKR_BAD_MAC);
			}
		}
	}
}

static void test_replayed_and_old_nonce(void **state)
{
	struct ckpt_auth_state st = { { 0 } };
	struct hv_ckpt_req r = kats[0].req; /* admin, nonce 5 */
	int who;
	(void)state;

	assert_int_equal(judge(&st, &r, &who), HV_CKR_NONE);
	assert_int_equal(st.last_nonce[0], 5);
	/* the same bytes again */
	assert_int_equal(judge(&st, &r, &who), HV_CKR_REPLAY);
	assert_int_equal(who, 0);
	/* an older nonce, correctly signed */
	struct hv_ckpt_req old = signed_req(0, HV_CK_LIST, 4);
	assert_int_equal(judge(&st, &old, &who), HV_CKR_REPLAY);
	old = signed_req(0, HV_CK_LIST, 1);
	assert_int_equal(judge(&st, &old, &who), HV_CKR_REPLAY);
	/* 0 is never above anything */
	struct ckpt_auth_state fresh = { { 0 } };
	old = signed_req(0, HV_CK_LIST, 0);
	assert_int_equal(judge(&fresh, &old, &who), HV_CKR_REPLAY);
	/* the next one, and the very last one a principal can use */
	struct hv_ckpt_req next = signed_req(0, HV_CK_LIST, 6);
	assert_int_equal(judge(&st, &next, &who), HV_CKR_NONE);
	next = signed_req(0, HV_CK_LIST, UINT64_MAX);
	assert_int_equal(judge(&st, &next, &who), HV_CKR_NONE);
	assert_int_equal(st.last_nonce[0], UINT64_MAX);
	assert_int_equal(judge(&st, &next, &who), HV_CKR_REPLAY);
}

static void test_unknown_principal(void **state)
{
	const uint32_t ids[] = { 0, 4, 99, UINT32_MAX };
	struct ckpt_auth_state st = { { 0 } };
	int who;
	(void)state;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct hv_ckpt_req r = kats[0].req;
		r.principal = ids[i];
		who = 5;
		assert_int_equal(judge(&st, &r, &who), HV_CKR_UNKNOWN_PRINCIPAL);
		assert_int_equal(who, -1);
	}
	/* an empty table (an appliance build without principals) */
	const struct ckpt_principals none = { .p = NULL, .count = 0 };
	assert_int_equal(ckpt_auth_judge(&none, &st, &kats[0].req, &who), HV_CKR_UNKNOWN_PRINCIPAL);
	assert_int_equal(who, -1);
	/* a count above the maximum is not read past the maximum */
	struct ckpt_principal big[CKPT_PRINCIPALS_MAX + 1];
	memset(big, 0, sizeof(big));
	big[CKPT_PRINCIPALS_MAX].id = 77;
	const struct ckpt_principals over = { .p = big, .count = CKPT_PRINCIPALS_MAX + 1 };
	struct hv_ckpt_req r = kats[0].req;
	r.principal = 77;
	assert_int_equal(ckpt_auth_judge(&over, &st, &r, &who), HV_CKR_UNKNOWN_PRINCIPAL);
}

static void test_op_not_allowed(void **state)
{
	struct ckpt_auth_state st = { { 0 } };
	int who;
	(void)state;

	const uint32_t denied[] = { HV_CK_SAVE, HV_CK_RESTORE, HV_CK_DELETE };
	for (size_t i = 0; i < 3; i++) {
		struct hv_ckpt_req r = signed_req(2, denied[i], 10 + i); /* reader */
		assert_int_equal(judge(&st, &r, &who), HV_CKR_NOT_ALLOWED);
		assert_int_equal(who, 2);
	}
	struct hv_ckpt_req r = signed_req(1, HV_CK_RESTORE, 3); /* app */
	assert_int_equal(judge(&st, &r, &who), HV_CKR_NOT_ALLOWED);
	/* ops outside the set (ckpt_req_check refuses them first, but the
	 * judge must not trust that): never allowed, never a wide shift */
	const uint32_t odd[] = { 0, HV_CK_OP_COUNT, 31, 32, 33, UINT32_MAX };
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		r = signed_req(0, odd[i], 20);
		assert_int_equal(judge(&st, &r, &who), HV_CKR_NOT_ALLOWED);
	}
	/* the nonces the refused requests carried are still usable */
	r = signed_req(2, HV_CK_LIST, 10);
	assert_int_equal(judge(&st, &r, &who), HV_CKR_NONE);
	r = signed_req(0, HV_CK_RESTORE, 20);
	assert_int_equal(judge(&st, &r, &who), HV_CKR_NONE);
}

/* The MAC goes before the op and the nonce, the op before the nonce. */
static void test_order_of_checks(void **state)
{
	struct ckpt_auth_state st = { { 0 } };
	int who;
	(void)state;

	st.last_nonce[2] = 50;
	struct hv_ckpt_req r = signed_req(2, HV_CK_SAVE, 40); /* not allowed and old */
	assert_int_equal(judge(&st, &r, &who), HV_CKR_NOT_ALLOWED);
	r.mac[31] ^= 1; /* and a bad MAC */
	assert_int_equal(judge(&st, &r, &who), HV_CKR_BAD_MAC);
	r = signed_req(2, HV_CK_LIST, 40); /* allowed, old */
	assert_int_equal(judge(&st, &r, &who), HV_CKR_REPLAY);
	r.mac[0] ^= 0x80;
	assert_int_equal(judge(&st, &r, &who), HV_CKR_BAD_MAC);
}

static void test_two_principals_keep_separate_nonces(void **state)
{
	struct ckpt_auth_state st = { { 0 } };
	int who;
	(void)state;

	struct hv_ckpt_req a = signed_req(0, HV_CK_SAVE, 100);
	struct hv_ckpt_req b = signed_req(2, HV_CK_LIST, 1);
	assert_int_equal(judge(&st, &a, &who), HV_CKR_NONE);
	assert_int_equal(who, 0);
	/* reader's nonces are its own: 1 is fine after admin's 100 */
	assert_int_equal(judge(&st, &b, &who), HV_CKR_NONE);
	assert_int_equal(who, 2);
	assert_int_equal(st.last_nonce[0], 100);
	assert_int_equal(st.last_nonce[1], 0);
	assert_int_equal(st.last_nonce[2], 1);
	a = signed_req(0, HV_CK_LIST, 50);
	assert_int_equal(judge(&st, &a, &who), HV_CKR_REPLAY);
	b = signed_req(2, HV_CK_INFO, 2);
	assert_int_equal(judge(&st, &b, &who), HV_CKR_NONE);
	/* one principal's request signed with the other's key */
	struct hv_ckpt_req forged = signed_req(2, HV_CK_LIST, 3);
	forged.principal = 1;
	assert_int_equal(judge(&st, &forged, &who), HV_CKR_BAD_MAC);
	assert_int_equal(who, 0);
}

/* The table the test builds link (mk/ckpt.mk, CKPT_PRINCIPALS default). */
static void test_generated_test_table(void **state)
{
	struct ckpt_auth_state st = { { 0 } };
	int who;
	(void)state;

	assert_true(hv_ckpt_principals_are_test);
	assert_int_equal(hv_ckpt_principals.count, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(hv_ckpt_principals.p[i].id, table_p[i].id);
		assert_string_equal(hv_ckpt_principals.p[i].name, table_p[i].name);
		assert_int_equal(hv_ckpt_principals.p[i].allowed_ops, table_p[i].allowed_ops);
		assert_memory_equal(hv_ckpt_principals.p[i].key, table_p[i].key, HV_CKPT_MAC_LEN);
	}
	for (size_t k = 0; k < N_KATS; k++) {
		assert_int_equal(ckpt_auth_judge(&hv_ckpt_principals, &st, &kats[k].req, &who),
				 HV_CKR_NONE);
		assert_int_equal(who, kats[k].who);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_any_flipped_bit_refused),
		cmocka_unit_test(test_replayed_and_old_nonce),
		cmocka_unit_test(test_unknown_principal),
		cmocka_unit_test(test_op_not_allowed),
		cmocka_unit_test(test_order_of_checks),
		cmocka_unit_test(test_two_principals_keep_separate_nonces),
		cmocka_unit_test(test_generated_test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
