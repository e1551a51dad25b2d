/* The NMI watchdog's logic (hv/watchdog.h). */
#include "hv/watchdog.h"

void wd_init(struct watchdog *wd, uint64_t period_tsc, uint32_t k)
{
	*wd = (struct watchdog){ .period_tsc = period_tsc, .k = k };
}

void wd_restart(struct watchdog *wd, uint64_t now)
{
	uint64_t period_tsc = wd->period_tsc, platform_sent = wd->platform_sent;
	uint32_t k = wd->k;

	*wd = (struct watchdog){
		.period_tsc = period_tsc,
		.k = k,
		.platform_sent = platform_sent,
		.pending_reason = WD_REASON_WATCHDOG,
		.next_tsc = now + period_tsc,
		.last_ok_tsc = now,
		.ticks_changed_tsc = now,
	};
}

void wd_resume(struct watchdog *wd, uint64_t sent_seq, uint64_t now)
{
	wd_restart(wd, now);
	wd->sent_seq = sent_seq;
}

/* The guest's timer is not serviced if the stub's copy of its tick count
 * stopped moving (once it had moved), or if the interrupt the hypervisor
 * holds for it has not been taken, for K windows; a window is the
 * watchdog period or the guest timer's period, whichever is longer, so a
 * slow guest timer is not mistaken for a dead one. */
static void check_soft_lockup(struct watchdog *wd, uint64_t now, const struct wd_guest_view *g)
{
	uint64_t window = wd->period_tsc;

	if (wd->tickless) {
		/* The stub copies its count in the NMI handler, so the ticks
		 * from just before the timer stopped arrive after the stop:
		 * they must not make the count look alive again. */
		wd->last_guest_ticks = g->guest_ticks;
		wd->stale = 0;
		return;
	}
	if (g->timer_period_tsc > window)
		window = g->timer_period_tsc;
	bool timer_held = g->timer_period_tsc && g->timer_pending &&
			  now - g->timer_pending_since >= window;
	if (g->guest_ticks != wd->last_guest_ticks) {
		wd->guest_ticks_alive = true;
		wd->last_guest_ticks = g->guest_ticks;
		wd->ticks_changed_tsc = now;
		wd->stale = 0;
	} else if (wd->guest_ticks_alive) {
		wd->stale = (uint32_t)((now - wd->ticks_changed_tsc) / window);
	} else if (timer_held) {
		/* No tick count from the stub: how long the interrupt has waited. */
		wd->stale = (uint32_t)((now - g->timer_pending_since) / window);
	} else {
		wd->stale = 0;
	}
}

static enum wd_verdict judge(struct watchdog *wd, uint64_t now, const struct wd_guest_view *g)
{
	bool outstanding = wd->sent_seq != g->ack_seq;

	wd->periods++;
	wd->missed = outstanding ? wd->missed + 1 : 0;
	wd->blocked = wd->pending_hv ? wd->blocked + 1 : 0;
	if (!outstanding && wd->sent_seq > 0)
		check_soft_lockup(wd, now, g);
	wd->pending_hv++; /* this period's heartbeat */
	if (wd->missed == 0 && wd->blocked == 0 && wd->stale == 0)
		wd->last_ok_tsc = now;
	if (wd->missed >= wd->k)
		return WD_HANG_MISSED;
	if (wd->blocked >= wd->k)
		return WD_HANG_BLOCKED;
	if (wd->stale >= wd->k)
		return WD_SOFT_LOCKUP;
	return WD_OK;
}

static void next_period(struct watchdog *wd, uint64_t now)
{
	wd->next_tsc += wd->period_tsc;
	if (wd->next_tsc <= now)
		wd->next_tsc = now + wd->period_tsc;
}

enum wd_verdict wd_period(struct watchdog *wd, uint64_t now, bool watched,
			  const struct wd_guest_view *g)
{
	next_period(wd, now);
	return watched ? judge(wd, now, g) : WD_OK;
}

enum wd_verdict wd_period_irqs(struct watchdog *wd, uint64_t now, const struct wd_irq_view *g,
			       uint64_t hold_tsc)
{
	next_period(wd, now);
	wd->periods++;
	uint64_t held = g->irq_pending && now > g->irq_pending_since ? now - g->irq_pending_since : 0;
	/* stale: whole periods held, for the record */
	wd->stale = (uint32_t)(held / wd->period_tsc);
	if (wd->stale == 0)
		wd->last_ok_tsc = now;
	return hold_tsc && held >= hold_tsc ? WD_IRQS_HELD : WD_OK;
}

void wd_timer_changed(struct watchdog *wd, uint64_t now, bool stopped)
{
	if (stopped) {
		/* A guest that stops its timer (tickless idle) is not locked up:
		 * its tick count may stand still from now on. */
		wd->guest_ticks_alive = false;
		wd->tickless = true;
		wd->stale = 0;
		return;
	}
	wd->tickless = false;
	/* A new period: judge the guest's tick count against it from now on,
	 * not against how long the old (maybe much longer) one stood still. */
	wd->ticks_changed_tsc = now;
	wd->stale = 0;
}

void wd_queue_command(struct watchdog *wd)
{
	wd->pending_hv++;
	wd->commands++;
	wd->pending_reason = WD_REASON_COMMAND;
}

void wd_queue_heartbeat(struct watchdog *wd)
{
	wd->pending_hv++;
}

void wd_queue_platform(struct watchdog *wd)
{
	wd->pending_platform++;
}

bool wd_defer_heartbeat(struct watchdog *wd, uint64_t tick_tsc)
{
	if (wd->deferred || wd->pending_hv == 0 || wd->pending_reason != WD_REASON_WATCHDOG ||
	    wd->period_tsc < WD_DEFER_MIN_TICKS * tick_tsc)
		return false;
	wd->deferred = true;
	return true;
}

void wd_pause(struct watchdog *wd, uint64_t dt)
{
	wd->next_tsc += dt;
	wd->last_ok_tsc += dt;
	wd->ticks_changed_tsc += dt;
}
