/*
 * CPU and state accounting (feature M29): how the one physical CPU's time
 * splits between the guest, the hypervisor and waiting (idle: the guest
 * halted, in back-off or parked), and what state the guest is in, for the
 * periodic `stat cpu` record (stat_ms=<ms>).  The run loop adds up TSC
 * spans; this module turns two snapshots into shares and a state.  Pure.
 */
#ifndef HV_CPUSTAT_H
#define HV_CPUSTAT_H

#include <stdbool.h>
#include <stdint.h>

/* TSC spent since boot; the hypervisor's share is the rest of the time. */
struct cpu_times {
	uint64_t guest; /* between VM entry and VM exit */
	uint64_t idle;  /* waiting for a tick with the guest out */
};

enum guest_activity {
	ACT_RUNNING,  /* it runs and mostly computes */
	ACT_SLEEPING, /* it runs, but mostly halted waiting for an interrupt */
	ACT_STOPPED,  /* parked, in back-off before a restart, or the run ended */
	ACT_ABNORMAL, /* it runs inside an open incident (a fault not yet resolved) */
};

/* Shares of `elapsed` in per mille, summing to 1000 (the hypervisor's
 * takes the rounding).  Spans longer than `elapsed` are capped. */
struct cpu_shares {
	uint32_t guest_pm, hv_pm, idle_pm;
};
struct cpu_shares cpustat_shares(const struct cpu_times *cur, const struct cpu_times *prev,
				 uint64_t elapsed);

/* The state for an interval: stopped wins, then an open incident, then
 * sleeping when more than half of the interval was idle. */
enum guest_activity cpustat_state(bool guest_out, bool incident_open, const struct cpu_shares *s);

const char *cpustat_state_name(enum guest_activity st);

#endif
