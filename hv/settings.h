/*
 * The hypervisor's boot settings: the "key=value" words of its command line
 * (README.md, "The hypervisor command line").  hv/settings.c reads them
 * through one table (key, kind, range, default, field, what a bad value
 * does, test aid or not), so the ranges and defaults live in one place.
 *
 * Pure logic: no global state, no logging, no platform calls, so host unit
 * tests can check every edge.  Messages go to a caller-supplied callback.
 */
#ifndef HV_SETTINGS_H
#define HV_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

/* Build-time defaults (make WATCHDOG_MS= WATCHDOG_K=), their ranges
 * checked when the hypervisor is compiled. */
#define HV_DEFAULT_TICK_US 1000
#define HV_DEFAULT_TICKLOG 1000
#ifndef HV_WATCHDOG_MS
#define HV_WATCHDOG_MS 100
#endif
#ifndef HV_WATCHDOG_K
#define HV_WATCHDOG_K 2
#endif
/* A guest with devices and no stub (hv/watchdog.h wd_period_irqs()):
 * well above the half second Linux may hold interrupts off by itself,
 * which an emulated CPU on a busy host can stretch past a second. */
#define HV_IRQ_HOLD_MS 5000
/* The chipset watchdog (docs/hardware.md): from the hypervisor's last
 * tick to the machine's reset.  Long enough for the slowest thing the
 * hypervisor does between ticks under an emulator on a loaded host. */
#define HV_HW_WD_MS 30000
#ifndef HV_INSTANCE
#define HV_INSTANCE "hv0"
#endif
_Static_assert(HV_WATCHDOG_MS >= 1 && HV_WATCHDOG_MS <= 10000, "watchdog period: 1 ms to 10 s");
_Static_assert(HV_WATCHDOG_K >= 1 && HV_WATCHDOG_K <= 100, "watchdog K: 1 to 100");

/* Size of the policy name buffer, NUL included: names of at most
 * SETTINGS_POLICY_MAX - 1 characters fit; a longer one is refused rather
 * than cut short, since a cut name could match a different policy. */
#define SETTINGS_POLICY_MAX 24
_Static_assert(sizeof(HV_INSTANCE) >= 2 && sizeof(HV_INSTANCE) <= SETTINGS_POLICY_MAX,
	       "make INSTANCE=: a name of 1 to 23 characters");

struct hv_settings {
	uint64_t tick_us;   /* 100..50000, default 1000; out of range -> message, default */
	uint64_t ticklog;   /* default 1000, 0 = off */
	uint64_t maxticks;  /* default 0 = no limit */
	uint64_t wd_ms;     /* 0..10000 (0 = watchdog off), default HV_WATCHDOG_MS;
			     * out of range -> message, default */
	uint64_t irq_hold_ms; /* 0..60000 (0 = off), default HV_IRQ_HOLD_MS: a stub-less
			       * device guest holding an interrupt off this long is locked up */
	uint64_t stat_ms;   /* 0..3600000, default 0 = off: `stat cpu`, `stat exits` (and
			     * `stat health` with a stub) records every so often */
	uint64_t wd_k;      /* 1..100, default HV_WATCHDOG_K; out of range -> message, default */
	uint64_t hw_wd_ms;  /* 0..1200000 (0 = off), default HV_HW_WD_MS: the chipset watchdog */
	uint64_t dump_level; /* dump=0..3: 0 the policy decides, 1 mini, 2 full, 3 kernel for every
			      * reset or park decision (docs/dumps.md) */
	char policy[SETTINGS_POLICY_MAX]; /* "" = the build's default */
	char instance[SETTINGS_POLICY_MAX]; /* "" = the build's (HV_INSTANCE) */
	bool onstop_exit;   /* onstop=exit */
	bool onfault_reset; /* onfault=reset */
	bool stateless;     /* stateless=yes: the guest is never dumped (docs/dumps.md) */
	bool acpi_off;      /* acpi=off: the firmware's ACPI tables are ignored, the PC defaults
			     * used (docs/design.md, The host machine) */
	/* Test aids: only in builds with HV_TEST_AIDS defined; otherwise always 0
	 * and the key is refused with a message. */
	uint64_t platform_nmi, crash_test, self_nmi;
	uint64_t hang_test;  /* hang_test=N: the hypervisor hangs at tick N (docs/hardware.md) */
	uint64_t test_break; /* enum vcpu_test_break: 1 unhandled exit, 2 failed entry */
	uint64_t x2apic_test; /* 1: put the local APIC in x2APIC mode before take-over, as a
			       * firmware may leave it (arch/x86/apic.c) */
	uint64_t ckpt_full;  /* 1: checkpoints copy without dirty tracking (the baseline) */
	/* simulate=<what>: pretend a condition the emulators cannot produce
	 * (docs/hardware.md): svmdis, setup_fail, ... */
	char simulate[SETTINGS_POLICY_MAX];
};

/* One line of text about a setting (out of range, refused); the caller logs it. */
typedef void (*settings_note_fn)(void *ctx, const char *msg);

/* Fills *s from the command line (only the keys before the first "--" word:
 * hv/cmdline.c stops there).  Never fails: a bad value gets its default and
 * a note.  Every field of *s is written.  note may be NULL (no messages). */
void settings_parse(const char *cmdline, struct hv_settings *s, settings_note_fn note, void *ctx);

/* log_port=0x3f8|0x3e8|0x2e8|none (docs/hardware.md): where the log and
 * the control channel live.  Read on its own, before the first log line. */
#define SETTINGS_LOG_PORT_COM1 0x3F8
enum log_port_choice {
	LOG_PORT_DEFAULT, /* absent: COM1 */
	LOG_PORT_CHOSEN,  /* *port is the choice, 0 for none */
	LOG_PORT_REFUSED, /* not one of the above (COM2 is the guest's): COM1 */
};
enum log_port_choice settings_log_port(const char *cmdline, uint16_t *port);

/* True if this build has the test aids (HV_TEST_AIDS). */
bool settings_test_aids_built(void);

#endif
