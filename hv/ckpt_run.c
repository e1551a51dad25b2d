/*
 * The guest's side of checkpoints, applied (hv/ckpt.h;
 * docs/checkpoints.md): HC_CKPT, taking requests out of the ring the
 * guest registered, judging them (hv/ckpt_ring.c, hv/ckpt_auth.c),
 * running them on the engine (hv/ckpt.c) and writing the answers; the
 * policy's rollback.
 */
#include <string.h>

#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/ckpt.h"
#include "hv/ckpt_map.h"
#include "hv/ckpt_ring.h"
#include "hv/guest.h"
#include "include/hv_abi.h"
#include "lib/log.h"

_Static_assert(sizeof(struct hv_ckpt_ring) <= 4096, "the ring fits its page");
_Static_assert(offsetof(struct hv_ckpt_req, mac) == HV_CKPT_REQ_SIGNED, "the MAC follows the signed bytes");

static uint64_t now_ms(const struct vm *vm)
{
	return (plat_tsc() - vm->clk.launch_tsc) / vm->clk.tsc_per_ms;
}

static struct hv_ckpt_ring *ring_page(const struct vm *vm)
{
	return vm->ck.ring.registered ? guest_gpa_ptr(vm->ck.ring.ring_gpa, 4096) : NULL;
}

static int64_t ckpt_register(struct vm *vm, uint64_t gpa, uint64_t vector)
{
	/* Not the boot-info page nor below it, whole, inside guest RAM. */
	if ((gpa & 0xFFF) || gpa <= HVG_BOOT_INFO_GPA || gpa >= HV_GUEST_RAM_SIZE) {
		if (vm_refusal_logged(vm))
			hv_log("ckpt register refused: ring page 0x%llx not a page of guest RAM",
			       (unsigned long long)gpa);
		return HV_E_RANGE;
	}
	if (vector != 0 && (vector < 32 || vector > 255)) {
		if (vm_refusal_logged(vm))
			hv_log("ckpt register refused: notify vector %llu", (unsigned long long)vector);
		return HV_E_INVAL;
	}
	struct hv_ckpt_ring *r = guest_gpa_ptr(gpa, 4096);
	r->magic = HV_CKPT_MAGIC;
	r->version = HV_ABI_VERSION;
	r->req_head = 0;
	r->evt_tail = 0;
	vm_hv_wrote_guest_page(vm, gpa);
	struct ckpt_ring_link *l = &vm->ck.ring;
	*l = (struct ckpt_ring_link){ .registered = true, .ring_gpa = gpa, .vector = (uint8_t)vector,
				      .carry_gpa = l->carry_gpa, .carry_len = l->carry_len };
	vm->ck.pending.active = false;
	if (vm_guest_line_allowed(vm))
		hv_log("ckpt ring registered gpa=0x%llx vector=%llu slots=%u slot_mb=%u",
		       (unsigned long long)gpa, (unsigned long long)vector, (unsigned)HV_CKPT_SLOTS,
		       (unsigned)HV_CKPT_SLOT_MB);
	return HV_OK;
}

static int64_t ckpt_carry(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (len > HV_CKPT_CARRY_MAX || (len && guest_gpa_ptr(gpa, len) == NULL)) {
		if (vm_refusal_logged(vm))
			hv_log("ckpt carry refused: 0x%llx+%llu (at most %u bytes of guest RAM)",
			       (unsigned long long)gpa, (unsigned long long)len, HV_CKPT_CARRY_MAX);
		return HV_E_RANGE;
	}
	vm->ck.ring.carry_gpa = len ? gpa : 0;
	vm->ck.ring.carry_len = len;
	return HV_OK;
}

int64_t ckpt_hypercall(struct vm *vm)
{
	switch (vm->regs.rdi) {
	case HV_CKPT_REGISTER:
		return ckpt_register(vm, vm->regs.rsi, vm->regs.rdx);
	case HV_CKPT_KICK:
		vm->ck.kicked = true; /* taken after this exit (hv/run.c) */
		return HV_OK;
	case HV_CKPT_CARRY:
		return ckpt_carry(vm, vm->regs.rsi, vm->regs.rdx);
	default:
		vm_refusal_logged(vm);
		return HV_E_INVAL;
	}
}

/* Writes an event into the ring (if it has room) and raises the notify
 * interrupt.  false if the ring had no room (the event is lost, logged). */
static bool post_event(struct vm *vm, const struct hv_ckpt_event *e)
{
	struct hv_ckpt_ring *r = ring_page(vm);
	struct ckpt_link *ck = &vm->ck;

	if (r == NULL)
		return false;
	if ((uint32_t)(ck->ring.evt_tail - r->evt_head) >= HV_CKPT_RING) {
		if (rate_allow(&ck->lines, plat_tsc()))
			hv_record(LOG_MINOR, CAT_EVENT, "ckpt event lost: ring full id=%llu kind=%u",
				  (unsigned long long)e->id, e->kind);
		return false;
	}
	r->evt[ck->ring.evt_tail % HV_CKPT_RING] = *e;
	ck->ring.evt_tail++;
	__atomic_store_n(&r->evt_tail, ck->ring.evt_tail, __ATOMIC_RELEASE);
	vm_hv_wrote_guest_page(vm, ck->ring.ring_gpa);
	ck->irq_pending = ck->ring.vector != 0;
	return true;
}

static const char *principal_name(int who)
{
	return who >= 0 && (unsigned)who < hv_ckpt_principals.count ? hv_ckpt_principals.p[who].name : "?";
}

static void answer(struct vm *vm, const struct hv_ckpt_req *q, enum hv_ckpt_reason why, uint64_t value,
		   int who, struct hv_ckpt_event *out)
{
	struct hv_ckpt_event e;

	ckpt_answer(&e, q, why, value, now_ms(vm));
	vm->ck.answered++;
	if (why != HV_CKR_NONE && rate_allow(&vm->ck.lines, plat_tsc()))
		hv_record(e.status == HV_CK_DENIED ? LOG_MINOR : LOG_INFO, CAT_EVENT,
			  "ckpt %s op=%s status=%s reason=%s slot=%u id=%llu principal=%u name=%s",
			  e.status == HV_CK_DENIED ? "denied" : "refused", ckpt_op_name(q->op),
			  ckpt_status_name(e.status), ckpt_reason_name(why), q->slot,
			  (unsigned long long)q->id, q->principal, principal_name(who));
	post_event(vm, &e);
	if (out)
		*out = e;
}

static uint64_t info_value(const struct vm *vm, uint64_t field)
{
	switch (field) {
	case HV_CKI_ABI_VERSION: return HV_ABI_VERSION;
	case HV_CKI_SLOTS: return HV_CKPT_SLOTS;
	case HV_CKI_SLOT_BYTES: return (uint64_t)CKPT_SLOT_PAGES * GUEST_PAGE_SIZE;
	case HV_CKI_TSC_HZ: return vm->clk.tsc_hz;
	case HV_CKI_GENERATION: return vm->stub.generation;
	case HV_CKI_ROLLBACKS: return vm->ck.rollbacks;
	default: return 0; /* ckpt_req_check() let no other field through */
	}
}

static void list_slots(struct vm *vm, struct hv_ckpt_ring *r)
{
	memset(r->slots, 0, sizeof(r->slots));
	for (unsigned i = 0; i < HV_CKPT_SLOTS; i++)
		r->slots[i] = vm->ck.info[i];
}

/* A well-formed, allowed request. */
static void run_request(struct vm *vm, struct hv_ckpt_ring *r, const struct hv_ckpt_req *q, int who)
{
	switch (q->op) {
	case HV_CK_SAVE:
	case HV_CK_RESTORE:
		if (vm->ck.pending.active) {
			answer(vm, q, HV_CKR_IN_FLIGHT, 0, who, NULL);
			return;
		}
		vm->ck.pending = (struct ckpt_pending){ .active = true, .req = *q, .who = who };
		return;
	case HV_CK_LIST:
		list_slots(vm, r);
		answer(vm, q, HV_CKR_NONE, HV_CKPT_SLOTS, who, NULL);
		return;
	case HV_CK_DELETE:
		if (!ckpt_slot_full(q->slot)) {
			answer(vm, q, HV_CKR_EMPTY_SLOT, 0, who, NULL);
			return;
		}
		ckpt_delete(vm, q->slot);
		answer(vm, q, HV_CKR_NONE, 0, who, NULL);
		return;
	default:
		answer(vm, q, HV_CKR_NONE, info_value(vm, q->arg), who, NULL);
		return;
	}
}

static void take_one(struct vm *vm, struct hv_ckpt_ring *r)
{
	struct ckpt_link *ck = &vm->ck;
	struct hv_ckpt_req q;
	int who = -1;

	/* A private copy: the guest may change the ring while we look. */
	memcpy(&q, &r->req[ck->ring.req_head % HV_CKPT_RING], sizeof(q));
	ck->ring.req_head++;
	__atomic_store_n(&r->req_head, ck->ring.req_head, __ATOMIC_RELEASE);
	vm_hv_wrote_guest_page(vm, ck->ring.ring_gpa);
	enum hv_ckpt_reason why = ckpt_req_check(&q, HV_CKPT_SLOTS);
	if (why == HV_CKR_NONE)
		why = ckpt_auth_judge(&hv_ckpt_principals, &ck->auth, &q, &who);
	if (why != HV_CKR_NONE) {
		ck->denied += ckpt_status_of(why) == HV_CK_DENIED;
		answer(vm, &q, why, 0, who, NULL); /* nothing else changes */
		return;
	}
	run_request(vm, r, &q, who);
}

/* A restore brought back a ring without the answer to the save that
 * filled the slot (written after the copy): it is posted again. */
static void repost_save_answer(struct vm *vm, unsigned slot)
{
	const struct hv_ckpt_event *e = ckpt_save_answer(slot);

	if (e != NULL && e->id != 0)
		post_event(vm, e);
}

static void run_pending(struct vm *vm)
{
	struct ckpt_pending *p = &vm->ck.pending;
	struct hv_ckpt_event e;

	if (!p->active)
		return;
	p->active = false;
	const struct hv_ckpt_req q = p->req;
	if (q.op == HV_CK_SAVE) {
		enum hv_ckpt_reason why = ckpt_save(vm, q.slot, q.label, q.flags);
		answer(vm, &q, why, vm->ck.info[q.slot].generation, p->who, &e);
		if (why == HV_CKR_NONE)
			ckpt_set_save_answer(q.slot, &e);
		return;
	}
	enum hv_ckpt_reason why = ckpt_restore(vm, q.slot);
	if (why == HV_CKR_NONE)
		repost_save_answer(vm, q.slot);
	answer(vm, &q, why, vm->ck.info[q.slot].generation, p->who, NULL);
}

void ckpt_poll(struct vm *vm)
{
	struct ckpt_link *ck = &vm->ck;
	struct hv_ckpt_ring *r = ring_page(vm);

	ck->kicked = false;
	if (r == NULL)
		return;
	if (ck->tick_seen != vm->clk.ticks) {
		ck->tick_seen = vm->clk.ticks;
		ck->taken_this_tick = 0;
	}
	while (ck->taken_this_tick < CKPT_REQS_PER_TICK) {
		/* The pending operation's answer needs room too. */
		uint32_t tail = ck->ring.evt_tail + (ck->pending.active ? 1u : 0u);
		enum ckpt_take t = ckpt_ring_next(ck->ring.req_head, r->req_tail, r->evt_head, tail);
		if (t == CKPT_TAKE_BROKEN && rate_allow(&ck->lines, plat_tsc()))
			hv_record(LOG_MINOR, CAT_EVENT, "ckpt ring broken req_head=%u req_tail=%u evt_head=%u evt_tail=%u",
				  ck->ring.req_head, r->req_tail, r->evt_head, ck->ring.evt_tail);
		if (t != CKPT_TAKE_ONE)
			break;
		ck->taken_this_tick++;
		take_one(vm, r);
	}
	run_pending(vm);
}

void ckpt_rollback_now(struct vm *vm)
{
	struct ckpt_rollback rb = vm->ck.rollback;
	uint64_t t0 = plat_tsc();

	vm->ck.rollback.pending = false;
	bool done = ckpt_rollback(vm, rb.slot, rb.reason, rb.incident);
	hv_record(done ? LOG_INFO : LOG_MAJOR, CAT_OUTCOME, "rollback %s slot=%d cost_tsc=%llu incident=%llu",
		  done ? "done" : "failed", rb.slot, (unsigned long long)(plat_tsc() - t0),
		  (unsigned long long)rb.incident);
	if (done)
		hv_record(LOG_INFO, CAT_ALARM, "alarm cleared incident=%llu why=rolled_back",
			  (unsigned long long)rb.incident);
}

bool ckpt_rollback(struct vm *vm, int slot, uint32_t reason, uint64_t incident)
{
	int n = slot >= 0 ? slot : ckpt_newest_known_good(vm);

	if (n < 0 || !ckpt_slot_full((unsigned)n))
		return false;
	ckpt_restore(vm, (unsigned)n);
	vm->ck.rollbacks++;
	repost_save_answer(vm, (unsigned)n);
	const struct hv_ckpt_event e = { .kind = HV_CKE_ROLLED_BACK, .slot = (uint32_t)n, .event = reason,
					 .value = incident, .time_ms = now_ms(vm) };
	post_event(vm, &e);
	return true;
}
