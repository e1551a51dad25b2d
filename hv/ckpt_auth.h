/*
 * Who may ask for what (features M18, M19; docs/checkpoints.md): the
 * build's table of principals, each with a 32-byte HMAC-SHA256 key and
 * the set of operations it may ask for, and the last nonce accepted from
 * each.  The table is generated at build time from a principals file
 * (never from the guest image); the nonces live in the hypervisor and
 * are not part of any checkpoint, so a rollback cannot rewind them.
 */
#ifndef HV_CKPT_AUTH_H
#define HV_CKPT_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "include/hv_abi.h"

#define CKPT_PRINCIPALS_MAX 8u
#define CKPT_PRINCIPAL_NAME 16u /* NUL included */

struct ckpt_principal {
	uint32_t id;                   /* what hv_ckpt_req.principal names */
	char name[CKPT_PRINCIPAL_NAME]; /* for the audit log */
	uint32_t allowed_ops;          /* bit (1u << enum hv_ckpt_op) per allowed op */
	uint8_t key[HV_CKPT_MAC_LEN];
};

struct ckpt_principals {
	const struct ckpt_principal *p;
	unsigned count; /* at most CKPT_PRINCIPALS_MAX */
};

/* The build's table (generated: $(BUILD)/gen/ckpt_principals.c). */
extern const struct ckpt_principals hv_ckpt_principals;

struct ckpt_auth_state {
	uint64_t last_nonce[CKPT_PRINCIPALS_MAX]; /* per table index */
};

/* Judges a well-formed request (ckpt_req_check passed): HV_CKR_NONE if
 * it may run; then *who is the principal's index and its nonce is
 * recorded.  Otherwise HV_CKR_UNKNOWN_PRINCIPAL, HV_CKR_BAD_MAC,
 * HV_CKR_REPLAY or HV_CKR_NOT_ALLOWED, and nothing changes (*who is the
 * index when the principal is known, else -1). */
enum hv_ckpt_reason ckpt_auth_judge(const struct ckpt_principals *t, struct ckpt_auth_state *st,
				    const struct hv_ckpt_req *r, int *who);

#endif
