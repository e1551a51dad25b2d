/*
 * The NMI watchdog (features M1-M3, M9).
 *
 * Every period the hypervisor queues one NMI for the guest.  Before it
 * injects one it writes a reason and a new sequence number into the
 * stub's shared page; the stub's NMI handler acknowledges that number.
 * Pending NMIs are counted, never folded into a flag, and are injected
 * only when the guest can take one (not in its NMI handler, no STI or
 * MOV-SS shadow, no other event being injected): otherwise the backend
 * asks for an NMI window.
 *
 * At each period boundary:
 *  - an NMI sent and not acknowledged counts as missed; K missed in a row,
 *    or an NMI still pending (the guest is NMI-blocked) for K periods, is
 *    a hang: the guest no longer answers NMIs;
 *  - NMIs answered while the guest's own timer count (copied into the
 *    shared page by the stub) stays frozen for K periods is a soft
 *    lockup: the guest answers NMIs but no longer services interrupts.
 */
#include <stdio.h>

#include "../arch/x86/platform.h"
#include "../include/hv_abi.h"
#include "hv.h"
#include "log.h"
#include "recovery.h"

void watchdog_init(uint64_t period_ms, uint32_t k)
{
	hv.wd.period_ms = period_ms;
	hv.wd.period_tsc = hv_ms_to_tsc(period_ms);
	hv.wd.k = k;
}

void watchdog_reset(void)
{
	struct watchdog *wd = &hv.wd;

	wd->periods = wd->sent_seq = wd->pending_hv = wd->commands = 0;
	wd->pending_platform = 0;
	wd->missed = wd->blocked = wd->stale = 0;
	wd->last_guest_ticks = 0;
	wd->guest_ticks_alive = false;
	wd->pending_reason = HV_NMI_WATCHDOG;
	wd->next_tsc = plat_tsc() + wd->period_tsc;
	wd->last_ok_tsc = plat_tsc();
	wd->ticks_changed_tsc = plat_tsc();
}

/* The guest's timer is not serviced if the stub's copy of its tick count
 * stopped moving (once it had moved), or if the interrupt the hypervisor
 * holds for it has not been taken, for K windows; a window is the
 * watchdog period or the guest timer's period, whichever is longer, so a
 * slow guest timer is not mistaken for a dead one. */
static void check_soft_lockup(const struct hv_shared_page *sp)
{
	struct watchdog *wd = &hv.wd;
	uint64_t ticks = sp->guest_ticks;
	uint64_t window = wd->period_tsc;

	if (hv.vtimer_vector && hv.vtimer_period_tsc > window)
		window = hv.vtimer_period_tsc;
	bool timer_held = hv.vtimer_vector && hv.vtimer_pending &&
			  wd->now - hv.vtimer_pending_since >= window;
	if (ticks != wd->last_guest_ticks) {
		wd->guest_ticks_alive = true;
		wd->last_guest_ticks = ticks;
		wd->ticks_changed_tsc = wd->now;
		wd->stale = 0;
	} else if (wd->guest_ticks_alive) {
		wd->stale = (uint32_t)((wd->now - wd->ticks_changed_tsc) / window);
	} else if (timer_held) {
		/* No tick count from the stub: how long the interrupt has waited. */
		wd->stale = (uint32_t)((wd->now - hv.vtimer_pending_since) / window);
	} else {
		wd->stale = 0;
	}
}

/* Detection latency: from the end of the last healthy period. */
static const char *latency(void)
{
	static char buf[48];
	const struct watchdog *wd = &hv.wd;
	uint64_t t = wd->now - wd->last_ok_tsc;

	snprintf(buf, sizeof(buf), "latency_us=%llu latency_periods=%llu",
		 (unsigned long long)(t / (hv.tsc_hz / 1000000)),
		 (unsigned long long)((t + wd->period_tsc / 2) / wd->period_tsc));
	return buf;
}

static void report_hang(void)
{
	char detail[160];
	struct watchdog *wd = &hv.wd;

	if (wd->missed >= wd->k)
		snprintf(detail, sizeof(detail), "missed=%u sent_seq=%llu ack_seq=%llu period_ms=%llu %s",
			 wd->missed, (unsigned long long)wd->sent_seq,
			 (unsigned long long)hv.shared->ack_seq, (unsigned long long)wd->period_ms,
			 latency());
	else
		snprintf(detail, sizeof(detail), "nmi_blocked_periods=%u pending=%llu period_ms=%llu %s",
			 wd->blocked, (unsigned long long)wd->pending_hv,
			 (unsigned long long)wd->period_ms, latency());
	recovery_simple_fault(FAULT_HANG, hv.ops->get_rip(), detail);
}

static void period_elapsed(void)
{
	struct watchdog *wd = &hv.wd;
	const struct hv_shared_page *sp = hv.shared;
	bool outstanding = wd->sent_seq != sp->ack_seq;

	wd->periods++;
	wd->missed = outstanding ? wd->missed + 1 : 0;
	wd->blocked = wd->pending_hv ? wd->blocked + 1 : 0;
	if (!outstanding && wd->sent_seq > 0)
		check_soft_lockup(sp);
	wd->pending_hv++; /* this period's heartbeat */
	if (wd->missed == 0 && wd->blocked == 0 && wd->stale == 0)
		wd->last_ok_tsc = wd->now;
	if (wd->missed >= wd->k || wd->blocked >= wd->k) {
		report_hang();
	} else if (wd->stale >= wd->k) {
		char detail[144];
		snprintf(detail, sizeof(detail), "guest_ticks=%llu frozen_periods=%u ack_seq=%llu %s",
			 (unsigned long long)wd->last_guest_ticks, wd->stale,
			 (unsigned long long)sp->ack_seq, latency());
		recovery_simple_fault(FAULT_SOFT_LOCKUP, hv.ops->get_rip(), detail);
	}
}

void watchdog_update(uint64_t now)
{
	struct watchdog *wd = &hv.wd;

	if (wd->period_tsc == 0)
		return; /* watchdog off (wd_ms=0) */
	wd->now = now;
	if (now < wd->next_tsc)
		return;
	/* One period per update: if the hypervisor itself was away for
	 * longer (a burst of its own work), the guest is not blamed for it. */
	wd->next_tsc += wd->period_tsc;
	if (wd->next_tsc <= now)
		wd->next_tsc = now + wd->period_tsc;
	/* Only a guest that runs and has a stub is watched. */
	if ((hv.state == GS_RUNNING || hv.state == GS_HANDBACK) && hv.stub_up)
		period_elapsed();
}

void watchdog_queue_command(void)
{
	hv.wd.pending_hv++;
	hv.wd.commands++;
	hv.wd.pending_reason = HV_NMI_COMMAND;
}

void watchdog_forward_platform_nmi(void)
{
	hv.wd.pending_platform++;
}

void watchdog_inject(void)
{
	struct watchdog *wd = &hv.wd;
	const struct hv_inject nmi = { .type = INJ_NMI, .vector = 2 };

	if (wd->pending_hv == 0 && wd->pending_platform == 0)
		return;
	if (hv.ops->nmi_readiness() != NMI_READY) {
		hv.ops->request_nmi_window(true);
		return;
	}
	if (wd->pending_hv && hv.shared) {
		/* Reason and number first: the NMI is taken at the entry. */
		hv.shared->nmi_reason = wd->pending_reason;
		__atomic_store_n(&hv.shared->nmi_seq, ++wd->sent_seq, __ATOMIC_RELEASE);
		wd->pending_hv--;
		wd->pending_reason = HV_NMI_WATCHDOG;
	} else if (wd->pending_platform) {
		/* A platform NMI leaves the shared page alone: the stub sees no
		 * new number and knows the NMI is not ours. */
		wd->pending_platform--;
		wd->platform_sent++;
	} else {
		return;
	}
	hv.ops->inject(&nmi);
	hv.ops->request_nmi_window(false);
}

void watchdog_log_stats(void)
{
	const struct watchdog *wd = &hv.wd;
	const struct hv_shared_page *sp = hv.shared;

	hv_record(LOG_INFO, CAT_STAT,
		  "watchdog periods=%llu commands=%llu sent=%llu pending=%llu acked=%llu "
		  "platform_sent=%llu platform_pending=%llu platform_seen=%llu",
		  (unsigned long long)wd->periods, (unsigned long long)wd->commands,
		  (unsigned long long)wd->sent_seq, (unsigned long long)wd->pending_hv,
		  (unsigned long long)(sp ? sp->ack_seq : 0), (unsigned long long)wd->platform_sent,
		  (unsigned long long)wd->pending_platform,
		  (unsigned long long)(sp ? sp->platform_nmis : 0));
}
