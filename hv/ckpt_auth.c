/*
 * Who may ask for what (hv/ckpt_auth.h; docs/checkpoints.md,
 * "Authorization").  The checks run in this order, the first failure
 * answering:
 *   1. the principal is in the table (UNKNOWN_PRINCIPAL): its key is
 *      needed for the next step; the table is the build's, not state;
 *   2. the MAC (BAD_MAC): before anything that depends on what the
 *      principal may do or has done, so that without the key a request
 *      learns nothing but "this principal exists";
 *   3. the op is allowed (NOT_ALLOWED): tells the key holder its rights;
 *   4. the nonce is above the last accepted one (REPLAY).
 * Only when all pass is the nonce recorded.
 */
#include "hv/ckpt_auth.h"

#include <stddef.h>

#include "lib/hmac.h"

_Static_assert(HV_CKPT_MAC_LEN == HMAC_SHA256_MAC && HV_CKPT_MAC_LEN == HMAC_SHA256_KEY,
	       "a principal's key and a request's MAC are HMAC-SHA256's");
/* The MAC covers every byte before it, with no padding hole between. */
_Static_assert(offsetof(struct hv_ckpt_req, mac) == HV_CKPT_REQ_SIGNED,
	       "HV_CKPT_REQ_SIGNED is the offset of the MAC");

/* The table index of principal id, or -1. */
static int principal_index(const struct ckpt_principals *t, uint32_t id)
{
	unsigned n = t->count < CKPT_PRINCIPALS_MAX ? t->count : CKPT_PRINCIPALS_MAX;

	for (unsigned i = 0; i < n; i++)
		if (t->p[i].id == id)
			return (int)i;
	return -1;
}

static bool op_allowed(const struct ckpt_principal *p, uint32_t op)
{
	return op < 32 && (p->allowed_ops & (1u << op)) != 0;
}

enum hv_ckpt_reason ckpt_auth_judge(const struct ckpt_principals *t, struct ckpt_auth_state *st,
				    const struct hv_ckpt_req *r, int *who)
{
	int i = principal_index(t, r->principal);

	*who = i;
	if (i < 0)
		return HV_CKR_UNKNOWN_PRINCIPAL;
	const struct ckpt_principal *p = &t->p[i];
	if (!hmac_sha256_ok(p->key, r, HV_CKPT_REQ_SIGNED, r->mac))
		return HV_CKR_BAD_MAC;
	if (!op_allowed(p, r->op))
		return HV_CKR_NOT_ALLOWED;
	if (r->nonce <= st->last_nonce[i])
		return HV_CKR_REPLAY;
	st->last_nonce[i] = r->nonce;
	return HV_CKR_NONE;
}
