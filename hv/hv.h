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

_Static_assert(HV_GUEST_RAM_MB >= 2 && HV_GUEST_RAM_MB <= 1024, "guest RAM: 2 MiB to 1 GiB");

struct hv_state {
	const struct vcpu_ops *ops;
	const struct boot_info *boot;
	struct guest_regs regs;
	uint64_t tsc_hz;
	uint64_t tick_us, tick_tsc;
	uint64_t ticks, next_tick_tsc;
	uint64_t ticklog, maxticks;
	uint64_t launch_tsc;
	uint64_t hypercalls;
	uint64_t io_blocked;
	bool exit_emulator_on_stop;
	bool stopped;
	/* guest's virtual timer (HC_TIMER_SET) */
	uint8_t vtimer_vector;
	uint64_t vtimer_period_tsc, vtimer_next_tsc;
	bool vtimer_pending;
	uint64_t vtimer_fired, vtimer_coalesced;
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
		 struct vcpu_config *cfg);

/* Event handling (run.c, hypercall.c, vtimer.c). */
__attribute__((noreturn)) void hv_run_loop(void);
void hv_stop_guest(const char *reason);
void hypercall_handle(struct guest_regs *r);
void vtimer_update(uint64_t now);
void vtimer_try_inject(void);
int64_t vtimer_set(uint64_t vector, uint64_t period_us);

/* The arch-neutral entry both boot paths call (main.c).  hv_prepare()
 * runs while the firmware is still there and may fail: it returns NULL
 * on success or a one-line reason.  hv_launch() never returns. */
const char *hv_prepare(const struct boot_info *bi);
__attribute__((noreturn)) void hv_launch(void);

#endif
