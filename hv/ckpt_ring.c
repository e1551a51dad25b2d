/* The checkpoint request ring's protocol (hv/ckpt_ring.h; docs/checkpoints.md). */
#include "hv/ckpt_ring.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

_Static_assert(HV_CKPT_RING > 0 && (HV_CKPT_RING & (HV_CKPT_RING - 1)) == 0,
	       "free-running uint32 indices wrap at 2^32: the ring size must divide it");
_Static_assert(HV_CK_OP_COUNT <= 32, "allowed_ops is a 32-bit set of ops");

enum ckpt_take ckpt_ring_next(uint32_t req_head, uint32_t req_tail, uint32_t evt_head,
			      uint32_t evt_tail)
{
	/* Unsigned differences are right across the wrap at 2^32; a guest
	 * index behind ours shows up as a huge difference. */
	uint32_t waiting = req_tail - req_head;
	uint32_t unread = evt_tail - evt_head;

	if (waiting > HV_CKPT_RING || unread > HV_CKPT_RING)
		return CKPT_TAKE_BROKEN;
	if (waiting == 0)
		return CKPT_TAKE_NONE;
	if (unread == HV_CKPT_RING)
		return CKPT_TAKE_NO_ROOM;
	return CKPT_TAKE_ONE;
}

/* The label is the report stream's `text` (docs/report-stream.md):
 * printable ASCII except '*', so the log can print it as it is.  It ends
 * at its first NUL, and every byte after that NUL is NUL too, so that one
 * signed request has one meaning. */
static bool label_ok(const char label[HV_CKPT_LABEL_LEN])
{
	size_t n = 0;

	while (n < HV_CKPT_LABEL_LEN && label[n] != '\0') {
		unsigned char c = (unsigned char)label[n];
		if (c < 0x20 || c > 0x7e || c == '*')
			return false;
		n++;
	}
	if (n == HV_CKPT_LABEL_LEN)
		return false; /* no NUL */
	for (; n < HV_CKPT_LABEL_LEN; n++)
		if (label[n] != '\0')
			return false;
	return true;
}

static bool op_takes_slot(uint32_t op)
{
	return op == HV_CK_SAVE || op == HV_CK_RESTORE || op == HV_CK_DELETE;
}

enum hv_ckpt_reason ckpt_req_check(const struct hv_ckpt_req *r, unsigned slots)
{
	if (slots > HV_CKPT_SLOTS_MAX)
		slots = HV_CKPT_SLOTS_MAX;
	if (r->id == 0)
		return HV_CKR_BAD_REQUEST;
	if (r->op < HV_CK_SAVE || r->op >= HV_CK_OP_COUNT)
		return HV_CKR_BAD_OP;
	/* A field the op does not use must be zero (a label is SAVE's only). */
	if (r->flags != 0 && (r->op != HV_CK_SAVE || (r->flags & ~HV_CKF_KNOWN_GOOD) != 0))
		return HV_CKR_BAD_REQUEST;
	if (!label_ok(r->label) || (r->op != HV_CK_SAVE && r->label[0] != '\0'))
		return HV_CKR_BAD_REQUEST;
	if (!op_takes_slot(r->op) && r->slot != 0)
		return HV_CKR_BAD_REQUEST;
	if (op_takes_slot(r->op) && r->slot >= slots)
		return HV_CKR_BAD_SLOT;
	if (r->op != HV_CK_INFO)
		return r->arg == 0 ? HV_CKR_NONE : HV_CKR_BAD_REQUEST;
	if (r->arg < HV_CKI_ABI_VERSION || r->arg >= HV_CKI_COUNT)
		return HV_CKR_BAD_INFO;
	return HV_CKR_NONE;
}

enum hv_ckpt_status ckpt_status_of(enum hv_ckpt_reason why)
{
	switch (why) {
	case HV_CKR_NONE:
		return HV_CK_OK;
	case HV_CKR_UNKNOWN_PRINCIPAL:
	case HV_CKR_BAD_MAC:
	case HV_CKR_REPLAY:
	case HV_CKR_NOT_ALLOWED:
		return HV_CK_DENIED;
	case HV_CKR_IN_FLIGHT:
		return HV_CK_BUSY;
	case HV_CKR_SLOTS_FULL:
		return HV_CK_NOSPACE;
	default:
		return HV_CK_FAIL;
	}
}

void ckpt_answer(struct hv_ckpt_event *e, const struct hv_ckpt_req *r, enum hv_ckpt_reason why,
		 uint64_t value, uint64_t now_ms)
{
	memset(e, 0, sizeof(*e));
	e->id = r->id;
	e->kind = HV_CKE_ANSWER;
	e->op = r->op;
	e->status = (int32_t)ckpt_status_of(why);
	e->reason = (uint32_t)why;
	e->slot = r->slot;
	/* a refused request learns nothing but the reason */
	e->value = why == HV_CKR_NONE ? value : 0;
	e->time_ms = now_ms;
}

static const char *const op_names[HV_CK_OP_COUNT] = {
	[HV_CK_SAVE] = "save",       [HV_CK_LIST] = "list", [HV_CK_RESTORE] = "restore",
	[HV_CK_DELETE] = "delete",   [HV_CK_INFO] = "info",
};

static const char *const reason_names[HV_CKR_REASON_COUNT] = {
	[HV_CKR_NONE] = "none",
	[HV_CKR_BAD_OP] = "bad_op",
	[HV_CKR_BAD_SLOT] = "bad_slot",
	[HV_CKR_EMPTY_SLOT] = "empty_slot",
	[HV_CKR_BAD_INFO] = "bad_info",
	[HV_CKR_BAD_REQUEST] = "bad_request",
	[HV_CKR_UNKNOWN_PRINCIPAL] = "unknown_principal",
	[HV_CKR_BAD_MAC] = "bad_mac",
	[HV_CKR_REPLAY] = "replay",
	[HV_CKR_NOT_ALLOWED] = "not_allowed",
	[HV_CKR_IN_FLIGHT] = "in_flight",
	[HV_CKR_SLOTS_FULL] = "slots_full",
};

static const char *const status_names[] = {
	[HV_CK_OK] = "ok",         [HV_CK_FAIL] = "fail",       [HV_CK_DENIED] = "denied",
	[HV_CK_BUSY] = "busy",     [HV_CK_NOSPACE] = "nospace",
};

static const char *const info_names[HV_CKI_COUNT] = {
	[HV_CKI_ABI_VERSION] = "abi_version", [HV_CKI_SLOTS] = "slots",
	[HV_CKI_SLOT_BYTES] = "slot_bytes",   [HV_CKI_TSC_HZ] = "tsc_hz",
	[HV_CKI_GENERATION] = "generation",   [HV_CKI_ROLLBACKS] = "rollbacks",
};

/* names[i] if i is in the table and has a name, else "?" */
static const char *name_in(const char *const *names, size_t count, uint64_t i)
{
	return i < count && names[i] != NULL ? names[i] : "?";
}

#define NAME_IN(names, i) name_in((names), sizeof(names) / sizeof((names)[0]), (i))

const char *ckpt_op_name(uint32_t op)
{
	return NAME_IN(op_names, op);
}

const char *ckpt_reason_name(uint32_t why)
{
	return NAME_IN(reason_names, why);
}

const char *ckpt_status_name(int32_t status)
{
	return status < 0 ? "?" : NAME_IN(status_names, (uint32_t)status);
}

const char *ckpt_info_name(uint64_t field)
{
	return NAME_IN(info_names, field);
}
