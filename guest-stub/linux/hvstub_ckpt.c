// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint requests (docs/checkpoints.md; docs/hypercalls.md, "The
 * Linux stub module"): a ring page registered with HC_CKPT after the
 * hello, and two parameters under /sys/module/hvstub/parameters/:
 *
 *   ckpt_request (write, root): one signed request, 88 bytes as 176 hex
 *     digits (tools/ckptsign.py's output), copied into the ring as it is,
 *     then a kick.  -EINVAL for anything else, -EBUSY when the ring holds
 *     HV_CKPT_RING requests not yet taken, -ENODEV without a ring.
 *   ckpt_events (read): the last EVENTS_KEPT events, oldest first, one a
 *     line: "id=<id> op=<op> status=<status> reason=<reason> slot=<n>
 *     value=<v>", or for a rollback by the policy "id=0 rolled_back
 *     event=<restart reason> slot=<n> value=<incident>".
 *
 * The module holds no key: requests are signed elsewhere (in the tests on
 * the host).  No notify vector: wiring an IDT vector into Linux from a
 * module means taking one of its system vectors, which 6.1 exports no
 * interface for, so a delayed work polls the event ring every POLL_MS
 * instead (a few loads, no hypercall), and a read drains it too.  Nothing
 * here waits for the hypervisor: the kick returns at once and the answers
 * are picked up later.
 */
#include <linux/ctype.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "hvstub.h"

#define REQ_HEX (2 * sizeof(struct hv_ckpt_req))
#define EVENTS_KEPT 16u
#define POLL_MS 100

static struct hv_ckpt_ring *ring; /* NULL until registered */
static struct hv_ckpt_event kept[EVENTS_KEPT];
static unsigned int kept_count; /* events ever kept: kept[i % EVENTS_KEPT] */
static DEFINE_MUTEX(lock);      /* the ring's guest side and kept[] */
static void poll_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(poll_work, poll_fn);

static const char *const op_names[HV_CK_OP_COUNT] = {
	[HV_CK_SAVE] = "save", [HV_CK_LIST] = "list", [HV_CK_RESTORE] = "restore",
	[HV_CK_DELETE] = "delete", [HV_CK_INFO] = "info",
};
static const char *const status_names[] = {
	[HV_CK_OK] = "ok", [HV_CK_FAIL] = "fail", [HV_CK_DENIED] = "denied",
	[HV_CK_BUSY] = "busy", [HV_CK_NOSPACE] = "nospace",
};
/* The log's words (docs/checkpoints.md, "Answers: status and reason"). */
static const char *const reason_names[HV_CKR_REASON_COUNT] = {
	[HV_CKR_NONE] = "none", [HV_CKR_BAD_OP] = "bad_op", [HV_CKR_BAD_SLOT] = "bad_slot",
	[HV_CKR_EMPTY_SLOT] = "empty_slot", [HV_CKR_BAD_INFO] = "bad_info",
	[HV_CKR_BAD_REQUEST] = "bad_request", [HV_CKR_UNKNOWN_PRINCIPAL] = "unknown_principal",
	[HV_CKR_BAD_MAC] = "bad_mac", [HV_CKR_REPLAY] = "replay",
	[HV_CKR_NOT_ALLOWED] = "not_allowed", [HV_CKR_IN_FLIGHT] = "in_flight",
	[HV_CKR_SLOTS_FULL] = "slots_full",
};

/* A name from a table indexed by a value the hypervisor wrote: "?" for
 * anything outside it. */
static const char *name_of(const char *const *names, size_t n, u64 v)
{
	return v < n && names[v] ? names[v] : "?";
}
#define NAME(tab, v) name_of(tab, ARRAY_SIZE(tab), v)

/* Moves the events the hypervisor wrote into kept[]; under lock.  The
 * indices are free-running u32 counters (include/hv_abi.h): at most
 * HV_CKPT_RING events can be unread, so a larger distance is a ring we
 * do not understand and nothing is read from it. */
static void drain(void)
{
	u32 head, tail;

	if (ring == NULL)
		return;
	head = ring->evt_head;
	tail = smp_load_acquire(&ring->evt_tail);
	if (tail - head > HV_CKPT_RING)
		return;
	for (; head != tail; head++)
		kept[kept_count++ % EVENTS_KEPT] = ring->evt[head % HV_CKPT_RING];
	/* The entries copied before the hypervisor may write over them. */
	smp_store_release(&ring->evt_head, head);
}

static void poll_fn(struct work_struct *w)
{
	mutex_lock(&lock);
	drain();
	mutex_unlock(&lock);
	schedule_delayed_work(&poll_work, msecs_to_jiffies(POLL_MS));
}

void hvstub_ckpt_init(void)
{
	unsigned long page = get_zeroed_page(GFP_KERNEL);
	long st;

	if (!page) {
		pr_err("hvstub: ckpt: no page for the ring\n");
		return;
	}
	st = hvstub_call3(HC_CKPT, HV_CKPT_REGISTER, virt_to_phys((void *)page), 0, NULL);
	if (st != HV_OK) {
		pr_err("hvstub: ckpt: ring refused: status %ld\n", st);
		free_page(page);
		return;
	}
	mutex_lock(&lock);
	ring = (struct hv_ckpt_ring *)page;
	mutex_unlock(&lock);
	schedule_delayed_work(&poll_work, msecs_to_jiffies(POLL_MS));
	pr_info("hvstub: ckpt ring=0x%llx notify=poll poll_ms=%d\n",
		(unsigned long long)virt_to_phys((void *)page), POLL_MS);
}

static int request_set(const char *val, const struct kernel_param *kp)
{
	struct hv_ckpt_req req;
	size_t len = strlen(val);
	u32 tail;
	int err = 0;

	/* echo's newline (and any other trailing space) is not part of it */
	while (len > 0 && isspace(val[len - 1]))
		len--;
	if (len != REQ_HEX || hex2bin((u8 *)&req, val, sizeof(req)) != 0)
		return -EINVAL;
	mutex_lock(&lock);
	if (ring == NULL) {
		err = -ENODEV;
		goto out;
	}
	tail = ring->req_tail;
	/* req_head is the hypervisor's: unsigned distance, right across the
	 * wrap; anything not below HV_CKPT_RING leaves no room. */
	if (tail - READ_ONCE(ring->req_head) >= HV_CKPT_RING) {
		err = -EBUSY;
		goto out;
	}
	memcpy(&ring->req[tail % HV_CKPT_RING], &req, sizeof(req));
	/* The request before the tail that publishes it. */
	smp_store_release(&ring->req_tail, tail + 1);
	hvstub_call(HC_CKPT, HV_CKPT_KICK, 0, NULL);
out:
	mutex_unlock(&lock);
	return err;
}

static int events_get(char *buf, const struct kernel_param *kp)
{
	unsigned int first;
	int n = 0;

	mutex_lock(&lock);
	drain();
	first = kept_count > EVENTS_KEPT ? kept_count - EVENTS_KEPT : 0;
	for (unsigned int i = first; i != kept_count; i++) {
		const struct hv_ckpt_event *e = &kept[i % EVENTS_KEPT];

		if (e->kind == HV_CKE_ROLLED_BACK)
			n += sysfs_emit_at(buf, n, "id=%llu rolled_back event=%s slot=%u value=%llu\n",
					   e->id, hvstub_restart_reason_name(e->event), e->slot, e->value);
		else
			n += sysfs_emit_at(buf, n,
					   "id=%llu op=%s status=%s reason=%s slot=%u value=%llu\n",
					   e->id, NAME(op_names, e->op), NAME(status_names, (u32)e->status),
					   NAME(reason_names, e->reason), e->slot, e->value);
	}
	mutex_unlock(&lock);
	return n;
}

static const struct kernel_param_ops request_ops = { .set = request_set };
module_param_cb(ckpt_request, &request_ops, NULL, 0200);
MODULE_PARM_DESC(ckpt_request, "write a signed checkpoint request (176 hex digits): queued and kicked");
static const struct kernel_param_ops events_ops = { .get = events_get };
module_param_cb(ckpt_events, &events_ops, NULL, 0444);
MODULE_PARM_DESC(ckpt_events, "the last 16 checkpoint answers and rollback notices, oldest first");
