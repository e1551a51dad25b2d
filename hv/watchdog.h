/*
 * The NMI watchdog's logic (features M1-M3, M9), pure: the run loop
 * passes the time and what the guest wrote into the shared page, and
 * applies what comes back (write the sequence number, inject the NMI,
 * hand a verdict to the policy).  No globals, no platform calls.
 *
 * Every period one heartbeat NMI is queued.  Pending NMIs are counted,
 * never folded into a flag.  At each period boundary of a watched guest
 * (running, stub up):
 *  - an NMI sent and not acknowledged counts as missed; K missed in a
 *    row, or a heartbeat still pending (the guest is NMI-blocked) for K
 *    periods, is a hang: the guest no longer answers NMIs;
 *  - NMIs answered while the guest's own timer count (copied into the
 *    shared page by the stub) stays frozen for K windows is a soft
 *    lockup: the guest answers NMIs but no longer services interrupts.
 */
#ifndef HV_WATCHDOG_H
#define HV_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

struct watchdog {
	uint64_t period_tsc;       /* 0: watchdog off */
	uint32_t k;
	uint64_t next_tsc;         /* next period boundary */
	uint64_t periods;          /* periods watched since the last restart */
	uint64_t sent_seq;         /* last sequence number sent with an NMI */
	uint64_t pending_hv;       /* heartbeat/command NMIs not yet injected */
	uint32_t pending_reason;   /* reason for the next one (enum hv_nmi_reason) */
	uint64_t commands;         /* command NMIs queued */
	uint64_t pending_platform; /* platform NMIs to forward */
	uint64_t platform_sent;
	uint32_t missed, blocked, stale;
	uint64_t last_ok_tsc;      /* end of the last period that looked healthy */
	uint64_t last_guest_ticks;
	uint64_t ticks_changed_tsc; /* when the guest's tick count last moved */
	bool guest_ticks_alive;
	bool tickless;             /* the guest stopped its timer: its count may stand */
	bool deferred;             /* the next heartbeat already waited one tick */
};

/* A heartbeat may wait for the next tick when the period is at least
 * this many ticks long (the wait is then at most a quarter period). */
#define WD_DEFER_MIN_TICKS 4

/* What the run loop reads for a period: the shared page and the guest
 * timer's state. */
struct wd_guest_view {
	uint64_t ack_seq;        /* the stub's acknowledged sequence number */
	uint64_t guest_ticks;    /* the stub's copy of its tick count */
	uint64_t timer_period_tsc; /* 0: the guest has no timer */
	bool timer_pending;      /* an interrupt waits for the guest */
	uint64_t timer_pending_since;
};

enum wd_verdict {
	WD_OK,
	WD_HANG_MISSED,  /* K heartbeats in a row not acknowledged */
	WD_HANG_BLOCKED, /* a heartbeat pending for K periods: NMI-blocked */
	WD_SOFT_LOCKUP,  /* NMIs answered, the guest's timer frozen K windows */
	WD_IRQS_HELD,    /* no stub: an interrupt held back too long */
};

/* NMI reasons as in the shared page (include/hv_abi.h enum hv_nmi_reason). */
#define WD_REASON_WATCHDOG 1u
#define WD_REASON_COMMAND 3u

enum wd_nmi {
	WD_NMI_NONE,
	WD_NMI_HYPERVISOR, /* write reason and sequence number, then inject */
	WD_NMI_PLATFORM,   /* inject with the shared page untouched */
};

void wd_init(struct watchdog *wd, uint64_t period_tsc, uint32_t k);
/* A guest (re)start or the stub's first hello in a boot generation:
 * counters cleared, clock from now. */
void wd_restart(struct watchdog *wd, uint64_t now);
/* A checkpoint's restore: as a restart, but the sequence number goes on
 * from the one the restored stub last saw, so its next acknowledgment
 * matches. */
void wd_resume(struct watchdog *wd, uint64_t sent_seq, uint64_t now);

/* True if a period boundary has passed at `now`. */
static inline bool wd_due(const struct watchdog *wd, uint64_t now)
{
	return wd->period_tsc != 0 && now >= wd->next_tsc;
}

/* Ends the period (call when wd_due()).  `watched`: the guest runs and
 * its stub said hello; only then is a heartbeat queued and the guest
 * judged, from `g` (not read otherwise: may be NULL).  One period per call: time the hypervisor itself
 * was away is not held against the guest. */
enum wd_verdict wd_period(struct watchdog *wd, uint64_t now, bool watched,
			  const struct wd_guest_view *g);

/* The commonest period of a watched guest, decided without the view:
 * the last heartbeat acknowledged (ack_seq), none waiting, and the
 * guest's tick count moved (guest_ticks), or it moved less than a window
 * ago (the window is the period or the guest timer's period,
 * timer_period_tsc, whichever is longer).  Then it ends the period
 * exactly as wd_period(wd, now, true, g) would with those values, which
 * gives WD_OK, and returns true; otherwise it changes nothing and
 * returns false, and the caller asks wd_period().  Inline: it runs every
 * period (tests/unit/test_watchdog.c checks it against wd_period()). */
static inline bool wd_period_healthy(struct watchdog *wd, uint64_t now, uint64_t ack_seq,
				     uint64_t guest_ticks, uint64_t timer_period_tsc)
{
	uint64_t window = timer_period_tsc > wd->period_tsc ? timer_period_tsc : wd->period_tsc;
	bool moved = guest_ticks != wd->last_guest_ticks;

	if (ack_seq != wd->sent_seq || wd->sent_seq == 0 || wd->pending_hv != 0 || wd->tickless ||
	    wd->k == 0 || !(moved || (wd->guest_ticks_alive && now - wd->ticks_changed_tsc < window)))
		return false;
	wd->next_tsc += wd->period_tsc;
	if (wd->next_tsc <= now)
		wd->next_tsc = now + wd->period_tsc;
	wd->periods++;
	wd->missed = 0;
	wd->blocked = 0;
	wd->stale = 0;
	if (moved) {
		wd->guest_ticks_alive = true;
		wd->last_guest_ticks = guest_ticks;
		wd->ticks_changed_tsc = now;
	}
	wd->pending_hv = 1; /* this period's heartbeat */
	wd->last_ok_tsc = now;
	return true;
}

/* What the run loop reads for a guest with emulated devices and no stub
 * (a Linux kernel without the hvstub module). */
struct wd_irq_view {
	bool irq_pending;          /* the PIC holds an interrupt for the guest */
	uint64_t irq_pending_since; /* since when it has not taken one */
};

/* Ends the period (call when wd_due()) of a running guest that has
 * devices but no stub.  It gets no heartbeat NMI (a kernel without the
 * stub would take it for a hardware error); the only evidence is whether
 * it takes its interrupts.  One held back for `hold_tsc` or longer means
 * the guest spins with interrupts off: WD_IRQS_HELD, judged as a soft
 * lockup.  The limit is the caller's, not K periods: an OS may keep
 * interrupts off for a good part of a second on its own (Linux probing
 * for a keyboard controller that is not there waits 0.5 s per command),
 * so it is set well above that; 0 turns the check off.  A guest that
 * masks its interrupt controller is not seen: that needs the stub. */
enum wd_verdict wd_period_irqs(struct watchdog *wd, uint64_t now, const struct wd_irq_view *g,
			       uint64_t hold_tsc);

/* The guest stopped (tickless) or restarted its timer. */
void wd_timer_changed(struct watchdog *wd, uint64_t now, bool stopped);

void wd_queue_command(struct watchdog *wd);
/* One heartbeat now, outside the period's (a stub that re-registered its
 * page, hv/hello.h); judged like the period's own at the next boundary. */
void wd_queue_heartbeat(struct watchdog *wd);
void wd_queue_platform(struct watchdog *wd);

static inline bool wd_nmi_pending(const struct watchdog *wd)
{
	return (wd->pending_hv | wd->pending_platform) != 0;
}

/* True if the pending heartbeat may wait one hypervisor tick, because
 * another event (the guest's timer interrupt) goes into this entry: one
 * event goes in per entry (Intel SDM 3C 26.6, AMD APM 2 15.20), so both
 * at once would cost an extra exit.  Once per heartbeat, never for a
 * command NMI or a platform NMI, and only for periods of at least
 * WD_DEFER_MIN_TICKS ticks.  Counts the deferral. */
bool wd_defer_heartbeat(struct watchdog *wd, uint64_t tick_tsc);

/* The period part of that rule, inline: at short periods the run loop
 * need not ask at all. */
static inline bool wd_period_may_defer(const struct watchdog *wd, uint64_t tick_tsc)
{
	return wd->period_tsc >= WD_DEFER_MIN_TICKS * tick_tsc;
}

/* Takes the next NMI to inject now that the guest can take one.  A
 * hypervisor NMI needs the shared page (have_shared); *reason and *seq
 * are what to write into it before the injection.  Inline: it runs at
 * every heartbeat. */
static inline enum wd_nmi wd_take_nmi(struct watchdog *wd, bool have_shared, uint32_t *reason,
				      uint64_t *seq)
{
	if (wd->pending_hv && have_shared) {
		wd->deferred = false;
		*reason = wd->pending_reason;
		*seq = ++wd->sent_seq;
		wd->pending_hv--;
		wd->pending_reason = WD_REASON_WATCHDOG;
		return WD_NMI_HYPERVISOR;
	}
	if (wd->pending_platform) {
		/* A platform NMI leaves the shared page alone: the stub sees no
		 * new number and knows the NMI is not ours. */
		wd->pending_platform--;
		wd->platform_sent++;
		return WD_NMI_PLATFORM;
	}
	return WD_NMI_NONE;
}

/* The guest was stopped for dt TSC cycles while it runs (a dump it asked
 * for): every clock of the watchdog moves on by dt, so the pause is
 * neither a missed heartbeat nor a frozen timer. */
void wd_pause(struct watchdog *wd, uint64_t dt);

#endif
