/*
 * The checkpoint engine (hv/ckpt.h; docs/checkpoints.md, "The engine"):
 * static slots, each a page map and an arena of guest pages plus the
 * hypervisor's view of the guest at the save; the dirty-page fan-out
 * that makes a save copy only what changed since the slot's last save
 * and a restore only what changed since the save.
 */
#include <string.h>

#include "arch/x86/platform.h"
#include "hv/ckpt.h"
#include "hv/ckpt_map.h"
#include "hv/guest.h"
#include "lib/arena.h"
#include "lib/log.h"

/* Everything of the guest outside its RAM, as the save found it. */
struct ckpt_hv_view {
	struct guest_regs regs;
	struct vcpu_state cpu;
	struct plat_guest_cpu extra;
	bool extra_saved;
	struct vtimer vt;
	struct guest_devices dev;
	struct msr_state msr;
	struct stub_link stub;
	struct ckpt_ring_link ring;
	uint64_t wd_sent_seq;
	uint64_t save_tsc;
	struct hv_ckpt_event answer; /* the save's own answer, posted again after a restore */
};

struct ckpt_slot {
	bool full;
	struct ckpt_map map;
	struct guest_dirty changed; /* pages written since this slot's save */
	struct ckpt_hv_view hv;
};

/* All zero at boot, so none of it is carried in BOOTX64.EFI (lib/arena.h):
 * the slots' page maps and bitmaps alone are some 400 KiB. */
static struct ckpt_slot slots[CKPT_ARENAS] HV_ARENA;
static uint8_t arenas[CKPT_ARENAS][CKPT_SLOT_PAGES][GUEST_PAGE_SIZE] HV_ARENA;
static struct guest_dirty taken HV_ARENA; /* one take's bits, before the fan-out */
static uint8_t carry_buf[HV_CKPT_CARRY_MAX] HV_ARENA;

/* What a rollback could go to, for the recovery machine. */
static void sync_recovery(struct vm *vm)
{
	uint32_t full = 0;

	for (unsigned i = 0; i < HV_CKPT_SLOTS; i++)
		full |= slots[i].full ? 1u << i : 0;
	recovery_set_checkpoints(&vm->rc, full, ckpt_newest_known_good(vm));
}

void ckpt_init(struct vm *vm, uint64_t now)
{
	for (unsigned i = 0; i < CKPT_ARENAS; i++) {
		slots[i].full = false;
		ckpt_map_clear(&slots[i].map);
		dirty_fill(&slots[i].changed);
	}
	rate_init(&vm->ck.lines, vm_ms_to_tsc(vm, 1000), CKPT_LINES_PER_SECOND, now);
	sync_recovery(vm);
}

bool ckpt_take_dirty(struct vm *vm)
{
	dirty_clear(&taken);
	bool tracked = vm->ops->take_dirty(taken.bits, GUEST_PAGES);
	if (!tracked)
		dirty_fill(&taken);
	dirty_or(&vm->written, &taken);
	for (unsigned i = 0; i < CKPT_ARENAS; i++)
		dirty_or(&slots[i].changed, &taken);
	return tracked;
}

void ckpt_hv_wrote(uint64_t gpa)
{
	for (unsigned i = 0; i < CKPT_ARENAS; i++)
		guest_dirty_mark(&slots[i].changed, gpa);
}

void ckpt_guest_restarted(struct vm *vm)
{
	vm->ck.ring = (struct ckpt_ring_link){ 0 };
	vm->ck.pending.active = false;
	vm->ck.kicked = false;
	vm->ck.irq_pending = false;
}

void ckpt_ram_rebuilt(void)
{
	for (unsigned i = 0; i < CKPT_ARENAS; i++)
		dirty_fill(&slots[i].changed);
}

/* Eight words OR-ed per test: a slot's first save examines every page
 * of guest RAM, so this loop is most of its cost. */
static bool page_is_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;

	for (unsigned i = 0; i < GUEST_PAGE_SIZE / 8; i += 8)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7])
			return false;
	return true;
}

/* Copies the pages `pages` names from guest RAM into the slot; a zero
 * page is only dropped from the map.  false if the arena is full. */
static bool save_pages(unsigned n, const struct guest_dirty *pages, uint64_t *copied)
{
	struct ckpt_slot *s = &slots[n];
	const uint8_t *ram = guest_ram();
	uint32_t at;

	for (uint64_t p = dirty_next(pages, 0); p < GUEST_PAGES; p = dirty_next(pages, p + 1)) {
		const uint8_t *src = ram + p * GUEST_PAGE_SIZE;
		if (page_is_zero(src)) {
			ckpt_map_drop(&s->map, p);
			continue;
		}
		if (!ckpt_map_hold(&s->map, p, &at))
			return false;
		memcpy(arenas[n][at], src, GUEST_PAGE_SIZE);
		(*copied)++;
	}
	return true;
}

static void save_hv_view(struct vm *vm, struct ckpt_hv_view *h)
{
	h->regs = vm->regs;
	vm->ops->get_state(&h->cpu);
	h->extra_saved = plat_guest_cpu_save(&h->extra);
	h->vt = vm->vt;
	h->dev = vm->dev;
	h->msr = vm->msr;
	h->stub = vm->stub;
	h->ring = vm->ck.ring;
	h->wd_sent_seq = vm->wd.sent_seq;
	h->save_tsc = plat_tsc();
	h->answer = (struct hv_ckpt_event){ 0 };
}

enum hv_ckpt_reason ckpt_save(struct vm *vm, unsigned n, const char *label, uint32_t flags)
{
	struct ckpt_slot *s = &slots[n];
	uint64_t t0 = plat_tsc(), copied = 0;

	ckpt_take_dirty(vm);
	if (!s->full || vm->set.ckpt_full) { /* ckpt_full=1: the baseline a full copy costs */
		ckpt_map_clear(&s->map);
		dirty_fill(&s->changed); /* a first save copies every page */
	}
	uint64_t candidates = dirty_count(&s->changed);
	if (!save_pages(n, &s->changed, &copied)) {
		s->full = false;
		ckpt_map_clear(&s->map);
		memset(&vm->ck.info[n], 0, sizeof(vm->ck.info[n]));
		hv_record(LOG_MINOR, CAT_ACTION, "ckpt save slot=%u failed: arena full pages=%u",
			  n, (unsigned)CKPT_SLOT_PAGES);
		sync_recovery(vm);
		return HV_CKR_SLOTS_FULL;
	}
	dirty_clear(&s->changed);
	save_hv_view(vm, &s->hv);
	s->full = true;
	struct hv_ckpt_slot_info *in = &vm->ck.info[n];
	*in = (struct hv_ckpt_slot_info){ .generation = ++vm->ck.generation,
					  .time_ms = (t0 - vm->clk.launch_tsc) / vm->clk.tsc_per_ms,
					  .bytes = copied * GUEST_PAGE_SIZE,
					  .flags = flags & HV_CKF_KNOWN_GOOD };
	if (label != NULL) /* NUL-terminated within HV_CKPT_LABEL_LEN (ckpt_req_check) */
		memcpy(in->label, label, strnlen(label, HV_CKPT_LABEL_LEN - 1));
	sync_recovery(vm);
	hv_record(LOG_INFO, CAT_ACTION,
		  "ckpt saved slot=%u generation=%llu pages_checked=%llu pages_copied=%llu held=%u "
		  "cost_tsc=%llu",
		  n, (unsigned long long)in->generation, (unsigned long long)candidates,
		  (unsigned long long)copied, s->map.held, (unsigned long long)(plat_tsc() - t0));
	return HV_CKR_NONE;
}

/* The slot's answer to the save that filled it: posted again into the
 * ring a restore brings back (it was written after the RAM was copied). */
void ckpt_set_save_answer(unsigned n, const struct hv_ckpt_event *e)
{
	if (n < CKPT_ARENAS)
		slots[n].hv.answer = *e;
}

const struct hv_ckpt_event *ckpt_save_answer(unsigned n)
{
	return n < CKPT_ARENAS && slots[n].full ? &slots[n].hv.answer : NULL;
}

/* Puts back every page changed since the save; the other slots and the
 * reset see those pages as written.  Returns the pages copied. */
static uint64_t restore_pages(struct vm *vm, unsigned n)
{
	struct ckpt_slot *s = &slots[n];
	uint8_t *ram = guest_ram();
	uint64_t copied = 0;

	for (uint64_t p = dirty_next(&s->changed, 0); p < GUEST_PAGES; p = dirty_next(&s->changed, p + 1)) {
		int64_t at = ckpt_map_find(&s->map, p);
		if (at < 0)
			memset(ram + p * GUEST_PAGE_SIZE, 0, GUEST_PAGE_SIZE);
		else
			memcpy(ram + p * GUEST_PAGE_SIZE, arenas[n][at], GUEST_PAGE_SIZE);
		copied++;
	}
	dirty_or(&vm->written, &s->changed);
	for (unsigned i = 0; i < CKPT_ARENAS; i++)
		if (i != n)
			dirty_or(&slots[i].changed, &s->changed);
	dirty_clear(&s->changed);
	return copied;
}

static void restore_hv_view(struct vm *vm, const struct ckpt_hv_view *h)
{
	uint64_t now = plat_tsc();

	vm->regs = h->regs;
	vm->ops->set_state(&h->cpu);
	plat_guest_cpu_load(&h->extra, h->extra_saved);
	vm->nmi_window = vm->intr_window = false; /* set_state turned them off */
	/* The guest's timers resume where they stood: the time the guest
	 * spent away is not owed to it (its TSC still runs on, M17). */
	vm->vt = h->vt;
	vtimer_pause(&vm->vt, now - h->save_tsc);
	/* A timer interrupt handed to the backend (vcpu_ops.queue_intr) is
	 * taken back: the backend forgets what it held for the guest of
	 * before, and a restored waiting interrupt goes in through the core. */
	vm->ops->queue_intr(0);
	vm->vt.handed = false;
	vm->dev = h->dev;
	/* An interrupt held at the save has not been held while the guest
	 * was away (the watchdog's held-interrupt check, hv/watchdog.h). */
	if (vm->dev.irq_pending)
		vm->dev.irq_pending_since += now - h->save_tsc;
	vm->msr = h->msr;
	vm->ops->set_tsc_offset(vm->msr.tsc_offset);
	uint64_t generation = vm->stub.generation;
	uint32_t reason = vm->stub.restart_reason;
	vm->stub = h->stub;
	vm->stub.generation = generation;
	vm->stub.restart_reason = reason;
	vm->ck.ring = h->ring;
	vm->ck.pending.active = false;
	vm->ck.irq_pending = false;
	wd_resume(&vm->wd, h->wd_sent_seq, now);
}

/* The carry range (M17) as it is now, kept across the restore. */
static uint64_t carry_out(const struct ckpt_ring_link *r)
{
	const void *src = r->carry_len ? guest_gpa_ptr(r->carry_gpa, r->carry_len) : NULL;

	if (src == NULL)
		return 0;
	memcpy(carry_buf, src, r->carry_len);
	return r->carry_len;
}

/* The hypervisor's own write: the reset and every slot must see it. */
static void mark_written(struct vm *vm, uint64_t gpa)
{
	guest_dirty_mark(&vm->written, gpa);
	ckpt_hv_wrote(gpa);
}

static void carry_in(struct vm *vm, uint64_t gpa, uint64_t len)
{
	void *dst = len ? guest_gpa_ptr(gpa, len) : NULL;

	if (dst == NULL)
		return;
	memcpy(dst, carry_buf, len);
	for (uint64_t p = gpa & ~(GUEST_PAGE_SIZE - 1); p < gpa + len; p += GUEST_PAGE_SIZE)
		mark_written(vm, p);
}

enum hv_ckpt_reason ckpt_restore(struct vm *vm, unsigned n)
{
	if (n >= CKPT_ARENAS || !slots[n].full)
		return HV_CKR_EMPTY_SLOT;
	uint64_t t0 = plat_tsc();
	const struct ckpt_ring_link now_ring = vm->ck.ring;
	uint64_t carried = n == CKPT_SNAPSHOT ? 0 : carry_out(&now_ring); /* a restart carries nothing */

	ckpt_take_dirty(vm);
	if (vm->set.ckpt_full)
		dirty_fill(&slots[n].changed); /* the baseline: every page rewritten */
	uint64_t copied = restore_pages(vm, n);
	restore_hv_view(vm, &slots[n].hv);
	/* The newest registration of the range wins (it may be newer than the save). */
	if (n != CKPT_SNAPSHOT) {
		vm->ck.ring.carry_gpa = now_ring.carry_gpa;
		vm->ck.ring.carry_len = now_ring.carry_len;
		carry_in(vm, now_ring.carry_gpa, carried);
	}
	hv_record(LOG_INFO, CAT_ACTION,
		  "ckpt restored slot=%u generation=%llu pages_copied=%llu held=%u carried_bytes=%llu "
		  "cost_tsc=%llu",
		  n, (unsigned long long)vm->ck.info[n].generation, (unsigned long long)copied,
		  slots[n].map.held, (unsigned long long)carried, (unsigned long long)(plat_tsc() - t0));
	return HV_CKR_NONE;
}

void ckpt_delete(struct vm *vm, unsigned n)
{
	if (n >= CKPT_ARENAS)
		return;
	slots[n].full = false;
	ckpt_map_clear(&slots[n].map);
	dirty_fill(&slots[n].changed);
	memset(&vm->ck.info[n], 0, sizeof(vm->ck.info[n]));
	sync_recovery(vm);
}

bool ckpt_slot_full(unsigned n)
{
	return n < CKPT_ARENAS && slots[n].full;
}

int ckpt_newest_known_good(const struct vm *vm)
{
	int best = -1;

	for (unsigned i = 0; i < HV_CKPT_SLOTS; i++)
		if (slots[i].full && (vm->ck.info[i].flags & HV_CKF_KNOWN_GOOD) &&
		    (best < 0 || vm->ck.info[i].generation > vm->ck.info[best].generation))
			best = (int)i;
	return best;
}

/* The snapshot restart (docs/checkpoints.md): a checkpoint at the stub's
 * first hello, before the call does anything, so that a restored guest
 * says hello again. */
void ckpt_snapshot_at_hello(struct vm *vm)
{
	if (!vm->policy->snapshot_restart || vm->ck.snapshot_taken || vm->stub.generation != 1 ||
	    vm->stub.up)
		return;
	vm->ck.snapshot_taken = ckpt_save(vm, CKPT_SNAPSHOT, "snapshot", HV_CKF_KNOWN_GOOD) == HV_CKR_NONE;
}

bool ckpt_snapshot_ready(const struct vm *vm)
{
	return vm->policy->snapshot_restart && slots[CKPT_SNAPSHOT].full;
}

bool ckpt_snapshot_restart(struct vm *vm)
{
	if (!ckpt_snapshot_ready(vm))
		return false;
	ckpt_restore(vm, CKPT_SNAPSHOT);
	/* An ELF guest's boot-info page says which generation runs (a Linux
	 * guest has none there: it asks HC_INFO). */
	struct hvg_boot_info *bi = guest_gpa_ptr(HVG_BOOT_INFO_GPA, sizeof(*bi));
	if (bi != NULL && vm->cfg.entry_rdi == HVG_BOOT_INFO_GPA && !vm->dev.enabled) {
		bi->boot_generation = vm->stub.generation;
		mark_written(vm, HVG_BOOT_INFO_GPA);
	}
	return true;
}
