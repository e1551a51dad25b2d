/* The stub's internals shared between its files; not for guests. */
#ifndef GUEST_STUB_PRIV_H
#define GUEST_STUB_PRIV_H

#include <stddef.h>

#include "stub.h"
#include "stub_time.h"

/*
 * What the entries in stub_entry.S push, lowest address first: the
 * caller-saved registers, then vector and error code (0 when the CPU
 * pushes none), then the CPU's interrupt frame.
 */
struct hvstub_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct hvstub_frame) == 16 * 8, "frame layout is fixed by stub_entry.S");
_Static_assert(offsetof(struct hvstub_frame, vector) == 9 * 8, "frame layout is fixed by stub_entry.S");
_Static_assert(offsetof(struct hvstub_frame, rip) == 11 * 8, "frame layout is fixed by stub_entry.S");

/* C entries called from stub_entry.S. */
void hvstub_nmi(struct hvstub_frame *f);
__attribute__((noreturn)) void hvstub_exception(struct hvstub_frame *f);

/* stub_entry.S: entry address per vector 0-31 (vector 2 = hvstub_nmi_entry). */
extern const uint64_t hvstub_exc_entries[32];

/* stub.c */
extern const struct hvg_boot_info *hvstub__boot_info;
extern volatile struct hv_shared_page *hvstub__shared;

/* Set (stub_report.c) once the CPU is parked after a fatal report: the
 * NMI handler then stops copying the guest's tick counter, so that the
 * hypervisor sees guest_ticks frozen (a soft lockup) while heartbeats and
 * commands are still acknowledged.  Defined in stub_nmi.c. */
extern volatile int hvstub__parked;

/* Resets per boot state at hvstub_init_shared. */
void hvstub__nmi_reset(void);
void hvstub__report_reset(void);

#define HVSTUB_BARRIER() __asm__ volatile("" ::: "memory")

static inline uint64_t hvstub__rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* stub.c: the TSC at hvstub_init_shared(), uptime's origin. */
extern uint64_t hvstub__tsc_at_init;

/* hvstub_uptime_ms(), inline for the NMI handler (one call less on every
 * heartbeat). */
static inline uint64_t hvstub__uptime_ms(void)
{
	const struct hvg_boot_info *bi = hvstub__boot_info;
	uint64_t hz = bi != NULL ? bi->tsc_hz : 0;

	if (hz == 0)
		return 0;
	return hvstub__tsc_to_ms(hvstub__rdtsc() - hvstub__tsc_at_init, hz);
}

#endif
