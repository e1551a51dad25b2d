/*
 * The checkpoint request ring's protocol (include/hv_abi.h, struct
 * hv_ckpt_ring; docs/checkpoints.md).  Pure: the glue copies the guest's
 * indices and one request at a time out of guest RAM into private memory
 * and hands them here; this module decides whether a request may be
 * taken, whether it is well formed, and fills the answer.  It never
 * reads guest memory itself and trusts no guest value.
 */
#ifndef HV_CKPT_RING_H
#define HV_CKPT_RING_H

#include <stdint.h>

#include "include/hv_abi.h"

enum ckpt_take {
	CKPT_TAKE_NONE,    /* no request waits */
	CKPT_TAKE_ONE,     /* one waits at req_head, and its answer has room */
	CKPT_TAKE_NO_ROOM, /* one waits, but the event ring is full: wait for the guest */
	CKPT_TAKE_BROKEN,  /* req_tail more than HV_CKPT_RING ahead, or evt_head ahead of evt_tail */
};

/* req_head and evt_tail are the hypervisor's own counters (never read
 * back from the guest); req_tail and evt_head are the guest's, as read. */
enum ckpt_take ckpt_ring_next(uint32_t req_head, uint32_t req_tail, uint32_t evt_head,
			      uint32_t evt_tail);

/* Checks a request copied out of the ring: HV_CKR_NONE if well formed
 * for a build with `slots` slots, else why not (HV_CKR_BAD_REQUEST,
 * HV_CKR_BAD_OP, HV_CKR_BAD_SLOT, HV_CKR_BAD_INFO).  Checked in this
 * order, the first failure answering: id not 0 (BAD_REQUEST); op known
 * (BAD_OP); flags: only HV_CKF_KNOWN_GOOD, and only on SAVE
 * (BAD_REQUEST); label: printable ASCII except '*', NUL-terminated within
 * HV_CKPT_LABEL_LEN, NUL-padded, and empty unless SAVE (BAD_REQUEST);
 * slot: 0 for LIST and INFO (BAD_REQUEST), below `slots` (capped at
 * HV_CKPT_SLOTS_MAX) for the others (BAD_SLOT); arg: 0 unless INFO
 * (BAD_REQUEST), an enum hv_ckpt_info for INFO (BAD_INFO).  Nothing here
 * depends on any state: the answer to a malformed request tells nothing
 * about the hypervisor. */
enum hv_ckpt_reason ckpt_req_check(const struct hv_ckpt_req *r, unsigned slots);

/* The status that goes with a reason (DENIED for the authorization
 * reasons, BUSY, NOSPACE, FAIL for the rest; OK for HV_CKR_NONE). */
enum hv_ckpt_status ckpt_status_of(enum hv_ckpt_reason why);

/* Fills the answer to r (kind HV_CKE_ANSWER, r's id, op and slot echoed,
 * status from ckpt_status_of(why)); value is carried only when why is
 * HV_CKR_NONE, 0 otherwise. */
void ckpt_answer(struct hv_ckpt_event *e, const struct hv_ckpt_req *r, enum hv_ckpt_reason why,
		 uint64_t value, uint64_t now_ms);

/* Short words for the log: "save", ...; "bad_mac", ... ("?" if unknown). */
const char *ckpt_op_name(uint32_t op);
const char *ckpt_reason_name(uint32_t why);
const char *ckpt_status_name(int32_t status);
/* "abi_version", ... for an enum hv_ckpt_info ("?" if unknown). */
const char *ckpt_info_name(uint64_t field);

#endif
