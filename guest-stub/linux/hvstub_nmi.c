// SPDX-License-Identifier: GPL-2.0
/*
 * The NMI side: tell the hypervisor's NMIs from the platform's, answer
 * heartbeats, fill the collector fields (docs/hypercalls.md, "The NMI
 * protocol").  Runs in NMI context, on top of whatever the CPU was doing:
 * no locks, no printk, no allocation, only reads of counters Linux keeps
 * NMI-safe, and a bounded amount of work.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/vmstat.h>
#include <asm/nmi.h>

#include "hvstub.h"

/* Our own copy of what the page's ack_seq says. */
static u64 acked_seq;
/* Heartbeats that found the CPU idle with interrupts on (see tick_count). */
static u64 idle_beats;

unsigned long long hvstub_heartbeats, hvstub_platform_nmis;

void hvstub_nmi_reset(void)
{
	acked_seq = 0;
	idle_beats = 0;
}

/*
 * What goes into guest_ticks, which the hypervisor watches for a soft
 * lockup (the count standing still for K periods while NMIs are answered).
 * jiffies alone would stand still on an idle CPU too: the kernel stops
 * its tick while idle (NO_HZ) and catches jiffies up only at the next
 * interrupt.  A heartbeat that lands in the idle task with interrupts on
 * shows that the CPU takes interrupts, so it moves the count as a tick
 * would.  A CPU that spins with interrupts off, or is stuck anywhere but
 * idle, moves neither.
 */
static u64 tick_count(const struct pt_regs *regs)
{
	if (is_idle_task(current) && (regs->flags & X86_EFLAGS_IF))
		idle_beats++;
	return get_jiffies_64() + idle_beats;
}

static int hvstub_nmi(unsigned int type, struct pt_regs *regs)
{
	struct hv_shared_page *sp = hvstub_shared;
	u64 seq = READ_ONCE(sp->nmi_seq);

	if (seq == acked_seq) {
		/* Not the hypervisor's (it writes a new nmi_seq before each of
		 * its NMIs): Linux's other handlers get it. */
		sp->platform_nmis = sp->platform_nmis + 1;
		hvstub_platform_nmis++;
		return NMI_DONE;
	}
	/* The hypervisor wrote nmi_reason and cmd_* before nmi_seq.  The
	 * reason tells a heartbeat from a command, but every NMI of the
	 * hypervisor is answered the same way: the command is found by
	 * its cmd_id (hvstub_cmd_nmi). */
	barrier();

	/* The collector: ktime_get_mono_fast_ns() and the vmstat counters
	 * are the NMI-safe ways to read the time and free memory. */
	sp->uptime_ms = div_u64(ktime_get_mono_fast_ns(), NSEC_PER_MSEC);
	sp->free_memory = global_zone_page_state(NR_FREE_PAGES) << PAGE_SHIFT;
	hvstub_counters_nmi(sp); /* custom[]: the user counters, the load */
	sp->guest_ticks = tick_count(regs);

	/* A command (HV_NMI_COMMAND, or one left waiting while another
	 * ran): taken here, run and acknowledged outside NMI context. */
	hvstub_cmd_nmi(sp);

	/* Last: everything above is in the page before the acknowledgement. */
	barrier();
	acked_seq = seq;
	sp->ack_seq = seq;
	hvstub_heartbeats++;
	return NMI_HANDLED;
}

int hvstub_nmi_register(void)
{
	return register_nmi_handler(NMI_LOCAL, hvstub_nmi, 0, "hvstub");
}

void hvstub_nmi_unregister(void)
{
	unregister_nmi_handler(NMI_LOCAL, "hvstub");
}
