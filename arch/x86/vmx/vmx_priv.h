/*
 * Private to the VMX backend: only the .c files of arch/x86/vmx/ include
 * this file.  What the backend's three parts share:
 *   vmx_setup.c  bring-up: VMXON/VMCS regions, I/O and MSR bitmaps,
 *                controls, host and guest state (the guest part again on
 *                reset), vmx_probe and vmx_init;
 *   vmx_ept.c    the EPT, its dirty tracking (INVEPT, vmx_take_dirty)
 *                and the control-structure CRC;
 *   vmx.c        run time: vmx_run and everything on the per-exit path,
 *                event injection, the accessors, reset, and vmx_ops (the
 *                core's one handle on the backend, vcpu/vcpu.h).
 */
#ifndef ARCH_VMX_PRIV_H
#define ARCH_VMX_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpu/vcpu.h"

/* The entry stub (vmx_entry.S). */
int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_point(void);

static inline void vmwrite(uint64_t field, uint64_t value)
{
	__asm__ volatile("vmwrite %1, %0" ::"r"(field), "r"(value) : "cc", "memory");
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;
	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

/* Returns false if the instruction failed (CF or ZF set, SDM 3C 30.2). */
static inline bool vmx_op_ok(uint8_t fail)
{
	return fail == 0;
}

/* The objects are built -fpic: hidden visibility keeps the accesses to
 * the shared state below direct (RIP-relative, as for a static), with no
 * load through the GOT on the exit path. */
#pragma GCC visibility push(hidden)

/* The run-time state bring-up fills in (setup_controls, vmx_setup.c) and
 * the exit path uses (vmx.c). */
struct vmx_state {
	unsigned preemption_shift;
	/* With the timer's count saved at exit, it needs writing only when the
	 * deadline moves (armed_deadline), or after it fired. */
	bool preemption_saved;
	/* The VMCS's primary processor-based controls, mirrored here so that
	 * turning a window exit on or off costs a VMWRITE only when a bit
	 * really changes (the core asks for "off" before nearly every entry). */
	uint32_t proc_controls;
};

extern struct vmx_state vmx; /* defined in vmx.c */

/* The interrupt the backend injects by itself at the guest's next
 * interrupt window (vcpu_ops.queue_intr), shared with the exit assembly
 * (vmx_entry.S).  While fast_info is not 0 (the vector queued, the core
 * asking for no window of its own, and the preemption timer's count
 * saved at exit), the window exit is handled in the assembly before any
 * guest register but RAX and RDX is touched: it writes fast_info into
 * the entry's interruption information, the activity state "active",
 * the controls without the window, clears fast_info and queued, and
 * resumes the guest.  The guest sees what vmx_inject_queued_intr()
 * would do (vmx.c); the core sees no exit in either case. */
struct vmx_intr_queue {
	uint32_t fast_info; /* ENTRY_INTR_INFO for the assembly; 0: it leaves the exit to vmx_run */
	uint8_t queued;     /* vector, 0: none */
	bool core_window;   /* the core asked for a window (request_intr_window) */
};

extern struct vmx_intr_queue vmx_iq; /* defined in vmx.c */

/* vmx_setup.c */
bool vmx_probe(const char **why);
bool vmx_init(const struct vcpu_config *cfg, const char **why);
void setup_guest_state(const struct vcpu_config *cfg);
/* The I/O and MSR bitmaps stay private to vmx_setup.c: vmx_control_crc
 * (vmx_ept.c) takes their CRC through this accessor. */
uint32_t vmx_bitmaps_crc(uint32_t crc);

/* vmx_ept.c */
bool setup_ept(const struct vcpu_config *cfg);
uint32_t vmx_control_crc(uint32_t crc);
bool vmx_take_dirty(uint64_t *bitmap, uint64_t pages);

#pragma GCC visibility pop

#endif
