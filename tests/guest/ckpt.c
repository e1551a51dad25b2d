/*
 * Checkpoints from the guest (docs/checkpoints.md): scenario "ckpt".  The
 * requests are signed on the host (tests/guest/ckpt_reqs.py); the guest
 * copies them into its ring.  A marker in memory is good at the save and
 * bad afterwards: a restore must bring the good one back, while the
 * carried range keeps its newest value (which phase the test is in).
 */
#include "../../guest-stub/stub.h"
#include "console.h"
#include "ckpt_test_reqs.h"
#include "scenarios.h"

#define CKPT_VECTOR 0x41
#define MARKER_GOOD 0x600du
#define MARKER_BAD 0xbadu
#define BIG_BYTES (9u << 20) /* more than a slot's 8 MiB arena */

static struct hv_ckpt_ring ring __attribute__((aligned(4096)));
static struct {
	uint64_t phase;
	uint64_t rolled_back;
} carry __attribute__((aligned(64)));
static volatile uint64_t marker;
volatile uint64_t ckpt_irqs; /* ckpt_isr (start.S) counts the notify interrupts */
void ckpt_isr(void);
/* Guest RAM past the image, not the image's .bss: the ELF loader zeroes
 * a .bss at every reset, and 9 MiB of it would be most of what the
 * bench's reset cost measures.  Zero at boot as all RAM is; the guest's
 * identity map covers it.  The e2e builds have 128 MiB. */
#define BIG_GPA 0x2000000ull
#define big ((volatile uint8_t *)(uintptr_t)BIG_GPA)

static void show(const struct hv_ckpt_event *e)
{
	say_num("ckpt event id=", (int64_t)e->id, "");
	put_num(" kind=", e->kind, "");
	put_num(" op=", e->op, "");
	put_num(" status=", e->status, "");
	put_num(" reason=", e->reason, "");
	put_num(" slot=", e->slot, "");
	put_num(" event=", e->event, "");
	put_num(" value=", (int64_t)e->value, "\n");
}

/* Waits (timer ticks, never a spin on a hypercall) for the answer to id;
 * every event on the way is printed.  0 if none came. */
static int wait_for(uint64_t id, struct hv_ckpt_event *out)
{
	for (unsigned i = 0; i < 3000; i++) {
		while (hvstub_ckpt_poll(out)) {
			show(out);
			if (out->id == id)
				return 1;
		}
		__asm__ volatile("sti; hlt");
	}
	say_num("ckpt no answer to id=", (int64_t)id, "\n");
	return 0;
}

static void ask(const struct hv_ckpt_req *r, struct hv_ckpt_event *e)
{
	if (hvstub_ckpt_submit(r, 1) != 0)
		say("ckpt ring full\n");
	else
		wait_for(r->id, e);
}

static void denials(struct hv_ckpt_event *e)
{
	ask(&CKREQ_RESTORE_BOOT, e); /* again: its nonce is spent */
	ask(&CKREQ_BAD_MAC, e);
	ask(&CKREQ_UNKNOWN, e);
	ask(&CKREQ_NOT_ALLOWED, e);
	say_num("ckpt marker=", (int64_t)marker, " after the denials\n");
}

/* Two saves in one batch: the second finds the first in flight.  Both
 * published at once, in a new tick (the hypervisor's budget of requests
 * for the tick is whole again). */
static void busy(struct hv_ckpt_event *e)
{
	static const struct hv_ckpt_req *const two[] = { &CKREQ_SAVE_ONE, &CKREQ_SAVE_TWO };

	/* Two timer interrupts: a whole timer period, so a new hypervisor tick. */
	for (uint64_t t = timer_ticks; timer_ticks < t + 2;)
		__asm__ volatile("sti; hlt");
	hvstub_ckpt_submit_many(two, 2, 1);
	wait_for(CKREQ_SAVE_ONE.id, e);
	ask(&CKREQ_LIST, e);
	say_num("ckpt list slot0 generation=", (int64_t)ring.slots[0].generation, "");
	put_num(" bytes=", (int64_t)ring.slots[0].bytes, "");
	put_num(" flags=", ring.slots[0].flags, "");
	put_num(" slot1 generation=", (int64_t)ring.slots[1].generation, "\n");
	big[0] = 2; /* one page changed: the next save of slot 1 copies little */
	ask(&CKREQ_SAVE_AGAIN, e);
	ask(&CKREQ_DELETE_ONE, e);
}

static void nospace(struct hv_ckpt_event *e)
{
	for (unsigned i = 0; i < BIG_BYTES; i += 4096)
		big[i] = 1;
	ask(&CKREQ_SAVE_BIG, e);
}

void scenario_ckpt(void)
{
	struct hv_ckpt_event e;

	set_gate(CKPT_VECTOR, ckpt_isr);
	say_num("ckpt register status=", hvstub_ckpt_register(&ring, CKPT_VECTOR), "");
	put_num(" magic_ok=", ring.magic == HV_CKPT_MAGIC, "\n");
	hvstub_ckpt_carry(&carry, sizeof(carry));
	ask(&CKREQ_INFO_SLOTS, &e);
	marker = MARKER_GOOD;
	ask(&CKREQ_SAVE_BOOT, &e);
	/* A restore or a rollback comes back here, with the carried phase. */
	say_num("ckpt resumed phase=", (int64_t)carry.phase, "");
	put_num(" marker=", (int64_t)marker, "\n");
	if (carry.phase == 0) {
		carry.phase = 1;
		marker = MARKER_BAD;
		ask(&CKREQ_RESTORE_BOOT, &e); /* no answer here: the restore comes back above */
		say("ckpt restore FAILED to come back\n");
		return;
	}
	if (carry.phase == 1) {
		while (hvstub_ckpt_poll(&e)) /* the restore's own answer */
			show(&e);
		denials(&e);
		busy(&e);
		nospace(&e);
		carry.phase = 2;
		marker = MARKER_BAD;
		say("ckpt phase 2: panicking for the policy's rollback\n");
		hvstub_panic("ckpt test panic");
		return;
	}
	while (hvstub_ckpt_poll(&e)) {
		show(&e);
		if (e.kind == HV_CKE_ROLLED_BACK)
			carry.rolled_back = 1;
	}
	say_num("ckpt rolled back=", (int64_t)carry.rolled_back, "");
	put_num(" marker=", (int64_t)marker, "");
	put_num(" big0=", big[0], "");
	put_num(" notify_irqs=", (int64_t)ckpt_irqs, "\n");
	say("ckpt scenario done\n");
}

/* A hostile guest: its NMIs go unanswered, and it floods its ring with
 * requests (replays, after the first) and kicks in a loop.  The
 * hypervisor takes at most CKPT_REQS_PER_TICK a tick, and its watchdog
 * still finds the hang. */
void scenario_ckptflood(void)
{
	struct hv_ckpt_event e;
	uint64_t events = 0, t0 = (uint64_t)hvstub_info(HV_INFO_TICKS).value;

	set_gate(CKPT_VECTOR, nmi_mute_isr);
	hvstub_ckpt_register(&ring, 0);
	say("ckpt flood: NMIs unanswered, the ring flooded\n");
	con_flush();
	set_gate(2, nmi_mute_isr);
	for (uint64_t round = 1;; round++) {
		while (hvstub_ckpt_poll(&e))
			events++;
		while (hvstub_ckpt_submit(&CKREQ_INFO_SLOTS, 0) == 0)
			;
		hvstub_ckpt_kick();
		if (round % 5 == 0) {
			say_num("ckpt flood events=", (int64_t)events, "");
			put_num(" hv_ticks=", (int64_t)((uint64_t)hvstub_info(HV_INFO_TICKS).value - t0), "\n");
		}
	}
}
