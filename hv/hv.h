/* Core state shared by the hypervisor's arch-neutral files. */
#ifndef HV_HV_H
#define HV_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "bootinfo.h"
#include "vcpu.h"

#ifndef HV_GUEST_RAM_MB
#define HV_GUEST_RAM_MB 8
#endif
#define HV_GUEST_RAM_SIZE ((uint64_t)HV_GUEST_RAM_MB << 20)
#define HV_GUEST_IMAGE_MAX (2u << 20)
#define HV_DEFAULT_TICK_US 1000
#define HV_DEFAULT_TICKLOG 1000

/* NMI watchdog: period (build-time, 1 ms to 10 s) and K, the missed
 * acknowledgements / blocked periods that make a hang. */
#ifndef HV_WATCHDOG_MS
#define HV_WATCHDOG_MS 100
#endif
#ifndef HV_WATCHDOG_K
#define HV_WATCHDOG_K 2
#endif

_Static_assert(HV_GUEST_RAM_MB >= 2 && HV_GUEST_RAM_MB <= 1024, "guest RAM: 2 MiB to 1 GiB");
_Static_assert(HV_WATCHDOG_MS >= 1 && HV_WATCHDOG_MS <= 10000, "watchdog period: 1 ms to 10 s");
_Static_assert(HV_WATCHDOG_K >= 1 && HV_WATCHDOG_K <= 100, "watchdog K: 1 to 100");

struct hv_shared_page;
#define HV_RECENT_EXITS_RING 8

/* NMI watchdog state (watchdog.c). */
struct watchdog {
	uint64_t period_ms, period_tsc, next_tsc;
	uint32_t k;
	uint64_t periods;          /* watchdog periods since the stub said hello */
	uint64_t sent_seq;         /* last nmi_seq sent with an NMI */
	uint64_t pending_hv;       /* hypervisor NMIs not yet injected */
	uint32_t pending_reason;   /* enum hv_nmi_reason for the next one */
	uint64_t commands;         /* command NMIs queued */
	uint64_t pending_platform; /* platform NMIs to forward */
	uint64_t platform_sent;
	uint64_t platform_every;   /* test aid: a platform NMI every N ticks */
	uint32_t missed, blocked, stale;
	uint64_t now;              /* TSC of the current update */
	uint64_t last_ok_tsc;      /* end of the last period that looked healthy */
	uint64_t last_guest_ticks;
	uint64_t ticks_changed_tsc; /* when the guest's tick count last moved */
	bool guest_ticks_alive;
};

enum guest_state {
	GS_RUNNING,  /* the guest runs */
	GS_HANDBACK, /* the guest runs; a command waits for its acknowledgement */
	GS_BACKOFF,  /* stopped, waiting to be restarted */
	GS_PARKED,   /* stopped for good; state kept for inspection */
};

struct hv_state {
	const struct vcpu_ops *ops;
	const struct boot_info *boot;
	struct guest_regs regs;
	uint64_t tsc_hz;
	uint64_t tick_us, tick_tsc;
	uint64_t ticks, next_tick_tsc;
	uint64_t ticklog, maxticks;
	uint64_t launch_tsc;
	uint64_t hypercalls, hypercalls_refused;
	uint64_t io_blocked, msr_blocked;
	bool exit_emulator_on_stop;
	bool stopped;
	/* guest's virtual timer (HC_TIMER_SET) */
	uint8_t vtimer_vector;
	uint64_t vtimer_period_tsc, vtimer_next_tsc;
	bool vtimer_pending;
	uint64_t vtimer_pending_since; /* TSC when the pending interrupt was raised */
	uint64_t vtimer_fired, vtimer_coalesced;
	/* stub */
	bool stub_up;
	struct hv_shared_page *shared; /* in guest RAM, NULL until hello */
	uint64_t generation;
	uint64_t reports, last_report_seq, reports_refused;
	struct watchdog wd;
	enum guest_state state;
	struct vcpu_config cfg;
	uint64_t exit_tsc; /* TSC right after the last VM exit */
	uint64_t exits;
	uint64_t recent_exits[HV_RECENT_EXITS_RING];
	uint32_t last_exit_kind;
	uint64_t crash_test_tick; /* test aid: fault on purpose at this tick */
	uint64_t self_nmi_tick;   /* test aid: NMI the hypervisor at this tick */
};

extern struct hv_state hv;

/* Guest RAM and the pristine image copy (guest.c). */
uint8_t *guest_ram(void);
uint8_t *guest_image_buffer(uint64_t *capacity);
/* Validates an image against the guest RAM window; logs what is wrong. */
bool guest_check_image(const uint8_t *image, uint64_t size);
/* Loads the image into fresh guest RAM and writes the boot-info page,
 * GDT and identity page tables (docs/guest-boot.md); fills cfg. */
void guest_build(const uint8_t *image, uint64_t size, const char *cmdline, uint32_t vendor,
		 uint64_t generation, struct vcpu_config *cfg);
/* Copies len bytes at guest-virtual gva (walking the guest's own page
 * tables from cr3) into dst.  Every table and data access is checked
 * against guest RAM; returns false if anything is out of bounds or not
 * present. */
bool guest_copy_from(uint64_t cr3, uint64_t gva, void *dst, uint64_t len);
/* Host pointer for [gpa, gpa+len) if it lies inside guest RAM, else NULL. */
void *guest_gpa_ptr(uint64_t gpa, uint64_t len);

uint64_t hv_now_ms(void);
uint64_t hv_ms_to_tsc(uint64_t ms);

/* Event handling (run.c, hypercall.c, vtimer.c). */
__attribute__((noreturn)) void hv_run_loop(void);
void hv_stop_guest(const char *reason);
void hypercall_handle(struct guest_regs *r);
/* True if one more guest-triggered line may be logged this second. */
bool guest_line_allowed(void);
/* Counts a refused guest request; true if it may still be logged. */
bool refusal_logged(void);
void vtimer_update(uint64_t now);
void vtimer_try_inject(void);
int64_t vtimer_set(uint64_t vector, uint64_t period_us);
void vtimer_reset(void);

/* NMI watchdog (watchdog.c). */
void watchdog_init(uint64_t period_ms, uint32_t k);
void watchdog_reset(void);               /* guest (re)start */
void watchdog_update(uint64_t now);      /* once per loop: periods, hang checks */
void watchdog_inject(void);              /* before entry: deliver a pending NMI */
void watchdog_queue_command(void);       /* an NMI with reason COMMAND */
void watchdog_forward_platform_nmi(void);
void watchdog_log_stats(void);

/* Reports (report.c). */
int64_t report_handle(uint64_t gva, uint64_t size);

/* What the crash record keeps of the core's state (run.c). */
#define HV_RECENT_EXITS 5
struct hv_crash_context {
	uint64_t exits;
	uint64_t recent_exits[HV_RECENT_EXITS]; /* raw exit codes, newest first */
	uint32_t last_kind;
	uint64_t ticks, generation, guest_rip;
};
void hv_crash_context(struct hv_crash_context *ctx);
/* How a crash of the hypervisor ends (onfault= / onstop=exit). */
extern bool crash_exit_emulator, crash_reset_machine;

/* CRC of the hypervisor's code and control structures (integrity.c). */
uint32_t hv_integrity_crc(void);
uint64_t hv_integrity_check(void); /* logs it too */

/* Stub hello (hypercall.c). */
void stub_hello_seen(void);

/* The arch-neutral entry both boot paths call (main.c).  hv_prepare()
 * runs while the firmware is still there and may fail: it returns NULL
 * on success or a one-line reason.  hv_launch() never returns. */
const char *hv_prepare(const struct boot_info *bi);
__attribute__((noreturn)) void hv_launch(void);

#endif
