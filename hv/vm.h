/*
 * The core's state, composed in one place from the structures each
 * module owns.  The pure modules (watchdog, vtimer, recovery, rate
 * limits, settings) own their structures and are changed only through
 * their functions; the glue (run loop, exits, hypercalls, reports,
 * actions) owns the rest, field group by field group, as marked.
 */
#ifndef HV_VM_H
#define HV_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/bootinfo.h"
#include "hv/ckpt_types.h"
#include "hv/control.h"
#include "hv/cpustat.h"
#include "hv/devices.h"
#include "hv/exitstat.h"
#include "hv/guest.h"
#include "hv/msr.h"
#include "hv/policy.h"
#include "hv/pristine.h"
#include "hv/ratelimit.h"
#include "hv/recovery.h"
#include "hv/settings.h"
#include "hv/vtimer.h"
#include "hv/watchdog.h"
#include "vcpu/vcpu.h"

struct hv_shared_page;

/* Time (main.c sets it once, the run loop advances the tick). */
struct vm_clock {
	uint64_t tsc_hz, tsc_per_ms, tsc_per_us;
	uint64_t launch_tsc;
	uint64_t tick_tsc, next_tick_tsc, ticks;
};

/* The stub's link (hypercall.c, report.c; cleared by a reset). */
struct stub_link {
	bool up;                       /* said hello since the last (re)start */
	struct hv_shared_page *shared; /* in guest RAM, NULL until hello */
	uint64_t generation;           /* boot generation, 1 at first boot */
	uint64_t last_report_seq;
	uint32_t restart_reason;       /* enum hv_restart_reason of this generation */
};

/* Counters for the stop and integrity records (whoever counts). */
struct vm_stats {
	uint64_t hypercalls, hypercalls_refused;
	uint64_t io_blocked, msr_blocked;
	uint64_t reports, reports_refused;
};

/* The last exits, for the crash record (run.c). */
#define VM_RECENT_EXITS 8
struct exit_trace {
	uint64_t exit_tsc; /* TSC right after the last VM exit */
	uint64_t exits;
	uint64_t recent[VM_RECENT_EXITS];
	uint32_t last_kind;
	struct exit_counts counts;     /* since boot, by kind (hv/exitstat.h) */
};

/* The periodic `stat` records (stat_ms=<ms>, actions.c) and what they
 * count: CPU time by where it went (run.c), the instance's identity and
 * wall-clock time (main.c). */
struct stat_period {
	struct cpu_times cpu;         /* since boot (hv/cpustat.h) */
	struct cpu_times cpu_prev;    /* at the last records */
	struct exit_counts exits_prev;
	uint64_t prev_tsc, next_tsc;
	uint64_t boot_id;
	uint64_t wall_s, wall_tsc;    /* the RTC at boot (wall_s 0: no reading) and the TSC then */
};

/* Guest-triggered log lines and reports allowed per second. */
#define VM_GUEST_LINES_PER_SECOND 8
#define VM_REPORTS_PER_SECOND 16
/* Integrity records (HC_INFO) a second: a budget of their own, so that a
 * guest's refused calls cannot crowd out the records a check relies on. */
#define VM_INTEGRITY_RECORDS_PER_SECOND 4

/* The control channel's link (hv/control_run.h). */
struct ctl_link {
	bool enabled;               /* the build has a control key */
	struct ctl_rx rx;
	uint64_t last_nonce;        /* the last accepted; only larger ones run */
	uint64_t accepted, refused;
	struct rate_limit refusals; /* audit records a second */
};

struct vm {
	const struct vcpu_ops *ops;
	const struct boot_info *boot;
	const struct policy_config *policy;
	struct hv_settings set;
	const char *guest_cmdline; /* the text after "--" */
	struct vm_clock clk;
	struct guest_regs regs;
	struct vcpu_config cfg;
	struct stub_link stub;
	struct vm_stats stats;
	struct exit_trace trace;
	struct stat_period st;
	struct ctl_link ctl;
	struct vtimer vt;
	struct watchdog wd;
	struct recovery rc;
	struct rate_limit guest_lines, reports, integrity_records;
	struct guest_dirty written; /* pages a reset must clear (actions.c) */
	struct msr_state msr;       /* emulated MSRs (exits.c; a reset clears it) */
	struct guest_devices dev;   /* a Linux guest's PIT, PIC, UART (devices.c) */
	struct ckpt_link ck;        /* checkpoints (hv/ckpt.c, hv/ckpt_run.c) */
	struct pristine_seal pristine; /* the image and initrd as loaded (actions.c) */
	uint64_t host_nmis_seen;
	bool nmi_window, intr_window; /* window exits requested (heartbeat.c) */
	bool stopped;
};

static inline uint64_t vm_ms_to_tsc(const struct vm *vm, uint64_t ms)
{
	return vm->clk.tsc_per_ms * ms;
}

/* Once the TSC rate is known (the settings and the policy already set):
 * the clock, the watchdog, the recovery machine and the rate limits. */
void vm_start_clock(struct vm *vm, uint64_t tsc_hz, uint64_t now);

#endif
