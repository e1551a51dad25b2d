/*
 * fuzz_ckpt_req: the checkpoint request path of hv/ckpt_ring.c and
 * hv/ckpt_auth.c, as the glue runs it: the ring's indices, then one
 * request copied out of the ring, checked, judged and answered.  Input:
 *   u32 req_head, req_tail, evt_head, evt_tail    the ring's indices
 *   u8  slots                                     the build's slot count
 *   u8  mode   bit 0: sign the request with the key of principal
 *              (mode >> 2) % 3 (and name it), so inputs reach the checks
 *              behind the MAC; bit 1: make id and op valid
 *   u64 last_nonce[3]                             the judge's state
 *   88 bytes                                      the request
 * Invariants: the ring's verdict agrees with the distances; a request
 * that passes the checks is well formed; the judge gives only its own
 * reasons, names the principal unless unknown, never passes a bad MAC,
 * an op not allowed or a nonce not above the last, and a denial changes
 * no nonce; an answer's status is the reason's, and carries no value
 * unless OK; every name is a string.
 */
#include <stdint.h>
#include <string.h>

#include "hv/ckpt_auth.h"
#include "hv/ckpt_ring.h"
#include "lib/hmac.h"
#include "tests/fuzz/fuzz_common.h"

#define BIT(op) (1u << (op))

static const struct ckpt_principal table_p[] = {
	{ .id = 1, .name = "all", .allowed_ops = BIT(HV_CK_SAVE) | BIT(HV_CK_LIST) | BIT(HV_CK_RESTORE) |
						 BIT(HV_CK_DELETE) | BIT(HV_CK_INFO),
	  .key = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
		   24, 25, 26, 27, 28, 29, 30, 31, 32 } },
	{ .id = 2, .name = "reader", .allowed_ops = BIT(HV_CK_LIST) | BIT(HV_CK_INFO), .key = { 0xaa } },
	{ .id = 0x80000000u, .name = "none", .allowed_ops = 0, .key = { 0x55, 0x55 } },
};
static const struct ckpt_principals table = { .p = table_p, .count = 3 };

static void check_ring(uint32_t rh, uint32_t rt, uint32_t eh, uint32_t et)
{
	uint32_t waiting = rt - rh, unread = et - eh;

	switch (ckpt_ring_next(rh, rt, eh, et)) {
	case CKPT_TAKE_BROKEN:
		FUZZ_ASSERT(waiting > HV_CKPT_RING || unread > HV_CKPT_RING);
		break;
	case CKPT_TAKE_NONE:
		FUZZ_ASSERT(waiting == 0 && unread <= HV_CKPT_RING);
		break;
	case CKPT_TAKE_NO_ROOM:
		FUZZ_ASSERT(waiting >= 1 && waiting <= HV_CKPT_RING && unread == HV_CKPT_RING);
		break;
	case CKPT_TAKE_ONE:
		FUZZ_ASSERT(waiting >= 1 && waiting <= HV_CKPT_RING && unread < HV_CKPT_RING);
		break;
	default:
		FUZZ_ASSERT(0);
	}
}

static void check_well_formed(const struct hv_ckpt_req *r, unsigned slots)
{
	size_t n = strnlen(r->label, HV_CKPT_LABEL_LEN);

	FUZZ_ASSERT(r->id != 0 && r->op >= HV_CK_SAVE && r->op < HV_CK_OP_COUNT);
	FUZZ_ASSERT(n < HV_CKPT_LABEL_LEN);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(r->label[i] >= 0x20 && r->label[i] <= 0x7e && r->label[i] != '*');
	FUZZ_ASSERT((r->flags & ~HV_CKF_KNOWN_GOOD) == 0);
	if (r->op == HV_CK_SAVE || r->op == HV_CK_RESTORE || r->op == HV_CK_DELETE)
		FUZZ_ASSERT(r->slot < slots && r->slot < HV_CKPT_SLOTS_MAX);
	if (r->op == HV_CK_INFO)
		FUZZ_ASSERT(r->arg >= HV_CKI_ABI_VERSION && r->arg < HV_CKI_COUNT);
	else
		FUZZ_ASSERT(r->arg == 0);
}

/* The judge is run on every request, well formed or not: it must not
 * rely on ckpt_req_check having passed. */
static enum hv_ckpt_reason check_judge(struct ckpt_auth_state *st, const struct hv_ckpt_req *r,
				       bool signed_here)
{
	struct ckpt_auth_state before = *st;
	int who = -2;
	enum hv_ckpt_reason why = ckpt_auth_judge(&table, st, r, &who);

	FUZZ_ASSERT(why == HV_CKR_NONE || why == HV_CKR_UNKNOWN_PRINCIPAL || why == HV_CKR_BAD_MAC ||
		    why == HV_CKR_NOT_ALLOWED || why == HV_CKR_REPLAY);
	FUZZ_ASSERT((who == -1) == (why == HV_CKR_UNKNOWN_PRINCIPAL));
	if (signed_here)
		FUZZ_ASSERT(why != HV_CKR_BAD_MAC && why != HV_CKR_UNKNOWN_PRINCIPAL);
	if (why != HV_CKR_NONE) {
		FUZZ_ASSERT(memcmp(&before, st, sizeof(before)) == 0);
		return why;
	}
	FUZZ_ASSERT(who >= 0 && who < (int)table.count && table_p[who].id == r->principal);
	FUZZ_ASSERT(hmac_sha256_ok(table_p[who].key, r, HV_CKPT_REQ_SIGNED, r->mac));
	FUZZ_ASSERT(r->op < 32 && (table_p[who].allowed_ops & BIT(r->op)));
	FUZZ_ASSERT(r->nonce > before.last_nonce[who] && st->last_nonce[who] == r->nonce);
	for (int i = 0; i < (int)CKPT_PRINCIPALS_MAX; i++)
		if (i != who)
			FUZZ_ASSERT(st->last_nonce[i] == before.last_nonce[i]);
	return why;
}

static void check_answer(const struct hv_ckpt_req *r, enum hv_ckpt_reason why)
{
	struct hv_ckpt_event e;
	bool denied = why == HV_CKR_UNKNOWN_PRINCIPAL || why == HV_CKR_BAD_MAC ||
		      why == HV_CKR_REPLAY || why == HV_CKR_NOT_ALLOWED;

	ckpt_answer(&e, r, why, 0x1234, 77);
	FUZZ_ASSERT(e.id == r->id && e.kind == HV_CKE_ANSWER && e.reason == (uint32_t)why);
	FUZZ_ASSERT(e.status == (int32_t)ckpt_status_of(why));
	FUZZ_ASSERT((e.status == HV_CK_OK) == (why == HV_CKR_NONE));
	FUZZ_ASSERT((e.status == HV_CK_DENIED) == denied);
	FUZZ_ASSERT(e.value == (why == HV_CKR_NONE ? 0x1234u : 0u));
	FUZZ_ASSERT(strcmp(ckpt_status_name(e.status), "?") != 0);
	FUZZ_ASSERT(strcmp(ckpt_reason_name(e.reason), "?") != 0);
	FUZZ_ASSERT(ckpt_op_name(r->op) != NULL && ckpt_info_name(r->arg) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	struct ckpt_auth_state st;
	struct hv_ckpt_req r;
	uint32_t idx[4];

	for (int i = 0; i < 4; i++)
		idx[i] = fuzz_u32(&in);
	check_ring(idx[0], idx[1], idx[2], idx[3]);
	unsigned slots = fuzz_u8(&in);
	uint8_t mode = fuzz_u8(&in);
	memset(&st, 0, sizeof(st));
	for (int i = 0; i < 3; i++)
		st.last_nonce[i] = fuzz_u64(&in);
	fuzz_bytes(&in, &r, sizeof(r));

	if (mode & 2) {
		r.id |= 1;
		r.op = HV_CK_SAVE + r.op % (HV_CK_OP_COUNT - HV_CK_SAVE);
	}
	bool signed_here = mode & 1;
	if (signed_here) {
		const struct ckpt_principal *p = &table_p[(mode >> 2) % 3];
		r.principal = p->id;
		hmac_sha256(p->key, &r, HV_CKPT_REQ_SIGNED, r.mac);
	}
	enum hv_ckpt_reason why = ckpt_req_check(&r, slots);
	FUZZ_ASSERT(why == HV_CKR_NONE || why == HV_CKR_BAD_REQUEST || why == HV_CKR_BAD_OP ||
		    why == HV_CKR_BAD_SLOT || why == HV_CKR_BAD_INFO);
	if (why == HV_CKR_NONE)
		check_well_formed(&r, slots);
	enum hv_ckpt_reason judged = check_judge(&st, &r, signed_here);
	check_answer(&r, why != HV_CKR_NONE ? why : judged);
	return 0;
}
