/*
 * The NMI watchdog and the guest timer, applied (hv/heartbeat.h).  The
 * decisions are the pure modules' (hv/watchdog.c, hv/vtimer.c); this
 * file reads the shared page, writes the sequence number, injects, and
 * formats the evidence for the policy.
 */
#include <stdio.h>

#include "hv/actions.h"
#include "hv/heartbeat.h"
#include "include/hv_abi.h"

_Static_assert(WD_REASON_WATCHDOG == HV_NMI_WATCHDOG, "watchdog reason as in the ABI");
_Static_assert(WD_REASON_COMMAND == HV_NMI_COMMAND, "command reason as in the ABI");

/* Detection latency, from the end of the last healthy period. */
static void latency(const struct vm *vm, uint64_t now, char *buf, size_t size)
{
	const struct watchdog *wd = &vm->wd;
	uint64_t t = now - wd->last_ok_tsc;

	snprintf(buf, size, "latency_us=%llu latency_periods=%llu",
		 (unsigned long long)(t / vm->clk.tsc_per_us),
		 (unsigned long long)((t + wd->period_tsc / 2) / wd->period_tsc));
}

static void report_verdict(struct vm *vm, enum wd_verdict v, uint64_t now, uint64_t ack_seq)
{
	const struct watchdog *wd = &vm->wd;
	char lat[48];

	latency(vm, now, lat, sizeof(lat));
	switch (v) {
	case WD_HANG_MISSED:
		vm_simple_fault(vm, FAULT_HANG, "missed=%u sent_seq=%llu ack_seq=%llu period_ms=%llu %s",
				wd->missed, (unsigned long long)wd->sent_seq, (unsigned long long)ack_seq,
				(unsigned long long)vm->set.wd_ms, lat);
		break;
	case WD_HANG_BLOCKED:
		vm_simple_fault(vm, FAULT_HANG, "nmi_blocked_periods=%u pending=%llu period_ms=%llu %s",
				wd->blocked, (unsigned long long)wd->pending_hv,
				(unsigned long long)vm->set.wd_ms, lat);
		break;
	case WD_IRQS_HELD:
		vm_simple_fault(vm, FAULT_SOFT_LOCKUP, "irqs_held_ms=%llu limit_ms=%llu %s",
				(unsigned long long)((now - vm->dev.irq_pending_since) / vm->clk.tsc_per_ms),
				(unsigned long long)vm->set.irq_hold_ms, lat);
		break;
	case WD_SOFT_LOCKUP:
		vm_simple_fault(vm, FAULT_SOFT_LOCKUP, "guest_ticks=%llu frozen_periods=%u ack_seq=%llu %s",
				(unsigned long long)wd->last_guest_ticks, wd->stale,
				(unsigned long long)ack_seq, lat);
		break;
	default:
		break;
	}
}

/* A guest with devices and no stub (a Linux kernel without the module):
 * judged by whether it takes its interrupts (hv/watchdog.h). */
static void period_without_stub(struct vm *vm, uint64_t now)
{
	struct wd_irq_view iv = { .irq_pending = vm->dev.irq_pending,
				  .irq_pending_since = vm->dev.irq_pending_since };
	enum wd_verdict v = wd_period_irqs(&vm->wd, now, &iv, vm_ms_to_tsc(vm, vm->set.irq_hold_ms));

	if (v != WD_OK)
		report_verdict(vm, v, now, 0);
}

void heartbeat_period_judge(struct vm *vm, uint64_t now)
{
	const struct hv_shared_page *sp = vm->stub.shared;
	struct wd_guest_view g;

	if (recovery_guest_runs(&vm->rc) && !vm->stub.up && vm->dev.enabled) {
		period_without_stub(vm, now);
		return;
	}
	/* Otherwise only a guest that runs and has a stub is watched. */
	if (!recovery_guest_runs(&vm->rc) || !vm->stub.up || sp == NULL) {
		wd_period(&vm->wd, now, false, NULL); /* the period ends unwatched */
		return;
	}
	/* Each read once: the guest may change them at any time. */
	g.ack_seq = sp->ack_seq;
	g.guest_ticks = sp->guest_ticks;
	g.timer_period_tsc = vm->vt.vector ? vm->vt.period_tsc : 0;
	g.timer_pending = vm->vt.pending;
	g.timer_pending_since = vm->vt.pending_since;
	enum wd_verdict v = wd_period(&vm->wd, now, true, &g);
	if (v != WD_OK)
		report_verdict(vm, v, now, g.ack_seq);
}

static void set_nmi_window(struct vm *vm, bool on)
{
	if (vm->nmi_window != on) {
		vm->nmi_window = on;
		vm->ops->request_nmi_window(on);
	}
}

static void set_intr_window(struct vm *vm, bool on)
{
	if (vm->intr_window != on) {
		vm->intr_window = on;
		vm->ops->request_intr_window(on);
	}
}

/* Pending NMIs are injected only when the guest can take one (not in its
 * NMI handler, no STI or MOV-SS shadow, no other event being injected);
 * otherwise the backend is asked for an NMI window. */
static bool inject_nmi(struct vm *vm)
{
	static const struct hv_inject nmi = { .type = INJ_NMI, .vector = X86_VEC_NMI };
	struct hv_shared_page *sp = vm->stub.shared;
	uint32_t reason;
	uint64_t seq;

	if (vm->ops->nmi_readiness() != NMI_READY) {
		set_nmi_window(vm, true);
		return false;
	}
	switch (wd_take_nmi(&vm->wd, sp != NULL, &reason, &seq)) {
	case WD_NMI_HYPERVISOR:
		/* Reason and number first: the NMI is taken at the entry. */
		sp->nmi_reason = reason;
		__atomic_store_n(&sp->nmi_seq, seq, __ATOMIC_RELEASE);
		break;
	case WD_NMI_PLATFORM:
		break;
	default:
		return false;
	}
	vm->ops->inject(&nmi);
	set_nmi_window(vm, false);
	return true;
}

/* An external interrupt goes in only if no NMI did: one event per entry
 * (Intel SDM 3C 26.6, AMD APM 2 15.20).  After an NMI the backend is not
 * even asked.  Otherwise, when the guest cannot take one, come back as
 * soon as it can, not a tick later: the NMI heartbeat must not starve
 * the guest's interrupts.  True if one may go in now. */
static bool intr_can_go_in(struct vm *vm, bool nmi_injected)
{
	bool now = !nmi_injected && vm->ops->can_inject_intr();

	set_intr_window(vm, !now);
	return now;
}

static void inject_intr(struct vm *vm, uint8_t vector)
{
	const struct hv_inject irq = { .type = INJ_EXT_INTR, .vector = vector };

	vm->ops->inject(&irq);
}

/* The guest timer's interrupt (an ELF guest's VTIMER).  When it cannot
 * go in at this entry (the heartbeat NMI does, or the guest cannot take
 * one now), the backend gets it (vcpu_ops.queue_intr) and has it go in
 * at the guest's next interrupt window by itself: VMX injects at the
 * window exit with no round through the run loop, SVM queues a virtual
 * interrupt the CPU delivers with no exit at all; the guest sees the
 * same events at the same points as if the loop had injected it.
 * heartbeat_collect() learns that it went in.  One the backend still
 * holds goes in here if the guest can take it at this entry after all
 * (as the loop always did), and is otherwise handed over again.
 *
 * Invariant (SVM's window and queue share V_IRQ): the core's own window
 * (set_intr_window) is closed before an interrupt is handed over, and is
 * opened only for a device or checkpoint interrupt, which
 * heartbeat_inject() considers only when no timer interrupt is due, so
 * never while one is handed.  The fake backends of
 * tests/fuzz/fuzz_hypercall_world.h assert it, and svm.c stops on it. */
static void inject_timer(struct vm *vm, bool nmi_injected)
{
	bool now = !nmi_injected && vm->ops->can_inject_intr();

	if (vm->vt.handed && !now) {
		vm->ops->queue_intr(vm->vt.vector);
		return;
	}
	set_intr_window(vm, false);
	if (now) {
		if (vm->vt.handed)
			vm->ops->queue_intr(0);
		inject_intr(vm, vm->vt.vector);
		vtimer_delivered(&vm->vt);
		return;
	}
	vm->ops->queue_intr(vm->vt.vector);
	vtimer_hand_over(&vm->vt);
}

void heartbeat_collect_timer(struct vm *vm)
{
	if (!vm->ops->intr_queued())
		vtimer_delivered(&vm->vt);
}

void heartbeat_timer_changed(struct vm *vm, bool was_handed)
{
	if (was_handed)
		vm->ops->queue_intr(vm->vt.handed ? vm->vt.vector : 0);
}

/* An interrupt of the emulated PIC (a Linux guest's PIT or UART); the PIC
 * learns of the delivery (INTA) only when it really goes in. */
static void inject_device_intr(struct vm *vm, bool nmi_injected)
{
	uint8_t vector;

	if (intr_can_go_in(vm, nmi_injected) && dev_take_intr(&vm->dev, &vector, vm->trace.exit_tsc))
		inject_intr(vm, vector);
}

/* The checkpoint ring's notify interrupt (hv/ckpt_run.c): an answer or
 * a rollback event waits in the guest's ring. */
static void inject_ckpt_intr(struct vm *vm, bool nmi_injected)
{
	if (!intr_can_go_in(vm, nmi_injected))
		return;
	inject_intr(vm, vm->ck.ring.vector);
	vm->ck.irq_pending = false;
}

/* A heartbeat due at the same entry as the guest's timer interrupt waits
 * for the next tick (wd_defer_heartbeat()): the interrupt goes in now,
 * and neither needs an extra window exit. */
static bool heartbeat_waits(struct vm *vm)
{
	return vtimer_due(&vm->vt) && vm->wd.pending_platform == 0 &&
	       wd_period_may_defer(&vm->wd, vm->clk.tick_tsc) &&
	       wd_defer_heartbeat(&vm->wd, vm->clk.tick_tsc);
}

void heartbeat_inject(struct vm *vm)
{
	bool nmi_injected = wd_nmi_pending(&vm->wd) && !heartbeat_waits(vm) && inject_nmi(vm);

	/* Nothing left to inject (a hello dropped the pending NMIs): an open
	 * NMI window would make every entry exit at once. */
	if (!wd_nmi_pending(&vm->wd) && vm->nmi_window)
		set_nmi_window(vm, false);
	if (vtimer_due(&vm->vt))
		inject_timer(vm, nmi_injected);
	else if (vm->dev.irq_pending)
		inject_device_intr(vm, nmi_injected);
	else if (vm->ck.irq_pending && vm->ck.ring.vector)
		inject_ckpt_intr(vm, nmi_injected);
	else if (vm->intr_window)
		set_intr_window(vm, false);
}
