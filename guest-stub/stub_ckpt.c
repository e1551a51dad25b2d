/* Checkpoint requests from the guest (guest-stub/stub.h; docs/checkpoints.md). */
#include "stub_priv.h"

static struct hv_ckpt_ring *ck_ring;
static uint64_t ck_last_nonce;

int64_t hvstub_ckpt_register(struct hv_ckpt_ring *ring, uint8_t vector)
{
	volatile uint8_t *b = (volatile uint8_t *)ring;

	for (unsigned i = 0; i < sizeof(*ring); i++)
		b[i] = 0;
	struct hvstub_result r = hvstub_call(HC_CKPT, HV_CKPT_REGISTER, (uint64_t)(uintptr_t)ring, vector);
	if (r.status == HV_OK)
		ck_ring = ring;
	return r.status;
}

int64_t hvstub_ckpt_carry(void *p, uint64_t bytes)
{
	return hvstub_call(HC_CKPT, HV_CKPT_CARRY, (uint64_t)(uintptr_t)p, bytes).status;
}

uint64_t hvstub_ckpt_nonce(void)
{
	uint64_t t = hvstub__rdtsc();

	ck_last_nonce = t > ck_last_nonce ? t : ck_last_nonce + 1;
	return ck_last_nonce;
}

int64_t hvstub_ckpt_kick(void)
{
	return hvstub_call(HC_CKPT, HV_CKPT_KICK, 0, 0).status;
}

int hvstub_ckpt_submit_many(const struct hv_ckpt_req *const *r, unsigned n, int kick)
{
	struct hv_ckpt_ring *g = ck_ring;

	if (g == NULL || n > HV_CKPT_RING ||
	    g->req_tail - __atomic_load_n(&g->req_head, __ATOMIC_ACQUIRE) > HV_CKPT_RING - n)
		return -1;
	for (unsigned i = 0; i < n; i++)
		g->req[(g->req_tail + i) % HV_CKPT_RING] = *r[i];
	/* One release store: the hypervisor sees all of them or none. */
	__atomic_store_n(&g->req_tail, g->req_tail + n, __ATOMIC_RELEASE);
	if (kick)
		hvstub_ckpt_kick();
	return 0;
}

int hvstub_ckpt_submit(const struct hv_ckpt_req *r, int kick)
{
	return hvstub_ckpt_submit_many(&r, 1, kick);
}

static int submit(uint64_t id, uint32_t op, uint32_t slot, uint32_t principal, uint32_t flags,
		  uint64_t arg, const char *label, uint64_t nonce, const uint8_t mac[HV_CKPT_MAC_LEN])
{
	struct hv_ckpt_req r = { .id = id, .op = op, .slot = slot, .principal = principal,
				 .flags = flags, .nonce = nonce, .arg = arg };

	for (unsigned i = 0; label && label[i] && i < HV_CKPT_LABEL_LEN - 1; i++)
		r.label[i] = label[i];
	for (unsigned i = 0; i < HV_CKPT_MAC_LEN; i++)
		r.mac[i] = mac[i];
	if (nonce > ck_last_nonce)
		ck_last_nonce = nonce;
	return hvstub_ckpt_submit(&r, 1);
}

int hvstub_ckpt_save(uint64_t id, uint32_t slot, uint32_t principal, const char *label,
		     uint32_t flags, uint64_t nonce, const uint8_t mac[HV_CKPT_MAC_LEN])
{
	return submit(id, HV_CK_SAVE, slot, principal, flags, 0, label, nonce, mac);
}

int hvstub_ckpt_restore(uint64_t id, uint32_t slot, uint32_t principal, uint64_t nonce,
			const uint8_t mac[HV_CKPT_MAC_LEN])
{
	return submit(id, HV_CK_RESTORE, slot, principal, 0, 0, NULL, nonce, mac);
}

int hvstub_ckpt_delete(uint64_t id, uint32_t slot, uint32_t principal, uint64_t nonce,
		       const uint8_t mac[HV_CKPT_MAC_LEN])
{
	return submit(id, HV_CK_DELETE, slot, principal, 0, 0, NULL, nonce, mac);
}

int hvstub_ckpt_list(uint64_t id, uint32_t principal, uint64_t nonce, const uint8_t mac[HV_CKPT_MAC_LEN])
{
	return submit(id, HV_CK_LIST, 0, principal, 0, 0, NULL, nonce, mac);
}

int hvstub_ckpt_info(uint64_t id, uint32_t principal, enum hv_ckpt_info what, uint64_t nonce,
		     const uint8_t mac[HV_CKPT_MAC_LEN])
{
	return submit(id, HV_CK_INFO, 0, principal, 0, what, NULL, nonce, mac);
}

int hvstub_ckpt_poll(struct hv_ckpt_event *out)
{
	struct hv_ckpt_ring *g = ck_ring;

	if (g == NULL || g->evt_head == __atomic_load_n(&g->evt_tail, __ATOMIC_ACQUIRE))
		return 0;
	*out = g->evt[g->evt_head % HV_CKPT_RING];
	__atomic_store_n(&g->evt_head, g->evt_head + 1, __ATOMIC_RELEASE);
	return 1;
}
