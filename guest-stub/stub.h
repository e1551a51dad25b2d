/*
 * The in-guest stub: a freestanding C library a guest kernel links in to
 * talk to the hypervisor (docs/hypercalls.md).  No libc, no allocation,
 * general-purpose registers only (build with -mgeneral-regs-only
 * -mno-red-zone).  Single CPU: the stub's tables are not locked.
 *
 * Typical bring-up:
 *   hvstub_init(bi);                      boot info, shared page (identity)
 *   hvstub_install_idt(idt);              exceptions 0-31 + NMI; then lidt
 *   hvstub_register_stack(lo, hi);        so reports can carry stack words
 *   hvstub_register_module("core", a, b); optional: name code ranges
 *   hvstub_register_collector(fn);        optional: M7 data
 *   hvstub_register_command(op, fn);      optional: M14 operations
 *   hvstub_hello();                       from now on the hypervisor sends NMIs
 *
 * Files: stub.c (init, hypercalls), stub_nmi.c (NMI, collector, commands),
 * stub_report.c (exception hooks, reports, modules), stub_entry.S (entries).
 */
#ifndef GUEST_STUB_H
#define GUEST_STUB_H

#include <stdint.h>

#include "../include/hv_abi.h"

#define HVSTUB_VERSION 1u

#define HVSTUB_MAX_MODULES 8  /* hvstub_register_module */
#define HVSTUB_MAX_STACKS 4   /* hvstub_register_stack */
#define HVSTUB_MAX_COMMANDS 8 /* hvstub_register_command */
#define HVSTUB_CMD_UNKNOWN (-38) /* cmd_result for an op nobody registered (-ENOSYS) */

struct hvstub_result {
	int64_t status; /* enum hv_status */
	uint64_t value;
};

/* ---- Init and hypercalls (stub.c) ---------------------------------- */

/*
 * Reads the boot-info page and takes the shared page at
 * bi->shared_page_gpa through the identity mapping (GVA == GPA); the
 * same as hvstub_init_shared(bi, (void *)bi->shared_page_gpa).
 * Returns 0, or -1 if the boot info or the shared page is not valid.
 */
int hvstub_init(const struct hvg_boot_info *bi);

/*
 * As hvstub_init, for a kernel that maps the shared page elsewhere:
 * shared_va is where the page at bi->shared_page_gpa is mapped
 * (writable, cacheable, 4 KiB).  Zeroes the page and resets the stub's
 * NMI and report state (report seq restarts at 1).  Call it before
 * hvstub_hello().  Returns 0, or -1 if bi is not valid or bi->shared_page_gpa
 * / shared_va is 0 or not page aligned.
 */
int hvstub_init_shared(const struct hvg_boot_info *bi, void *shared_va);

/* Raw hypercall: RAX = nr, RDI/RSI/RDX = a0..a2. */
struct hvstub_result hvstub_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

/* Says hello: stub version and the shared page's GPA (bi->shared_page_gpa). */
struct hvstub_result hvstub_hello(void);

/* Round trip with no effect: value = ~x on success. */
struct hvstub_result hvstub_null(uint64_t x);

/* Periodic virtual timer interrupt on `vector` every period_us; vector 0 stops it. */
struct hvstub_result hvstub_timer_set(uint8_t vector, uint64_t period_us);

/* HC_INFO: value = the item asked for. */
struct hvstub_result hvstub_info(enum hv_info what);

/* The boot info given to hvstub_init, or NULL before it. */
const struct hvg_boot_info *hvstub_boot_info(void);

/* The shared page (its virtual address), or NULL before hvstub_init. */
volatile struct hv_shared_page *hvstub_shared_page(void);

/* Milliseconds since hvstub_init, from the TSC and bi->tsc_hz (0 if unknown). */
uint64_t hvstub_uptime_ms(void);

/* ---- NMI, collector, commands (stub_nmi.c) -------------------------- */

/*
 * The NMI entry (stub_entry.S): install it at IDT vector 2 as a 64-bit
 * interrupt gate (hvstub_install_idt does).  It saves the caller-saved
 * registers, runs the handler and returns with iretq.
 *
 * Protocol: if the shared page's nmi_seq differs from the last value the
 * stub acknowledged, the NMI is the hypervisor's: the stub sets uptime_ms,
 * runs the collector, copies the tick counter into guest_ticks, runs a
 * waiting command if nmi_reason == HV_NMI_COMMAND and cmd_id != the last
 * command it ran, and writes ack_seq = nmi_seq last.  Otherwise it is a
 * platform NMI: platform_nmis++ and the chained handler runs.
 */
void hvstub_nmi_entry(void);

/*
 * Collector run at every hypervisor NMI, in NMI context (short, no locks,
 * must not fault): fills free_memory and custom[] (and may overwrite
 * uptime_ms, which the stub sets just before).  NULL removes it.
 */
void hvstub_register_collector(void (*fn)(volatile struct hv_shared_page *sp));

/*
 * The guest's own tick counter, copied into guest_ticks at each hypervisor
 * NMI.  NULL: none.  Once the stub is parked after a fatal report
 * (exception or panic) it stops copying, so guest_ticks freezes and the
 * hypervisor can see that the guest makes no progress.
 */
void hvstub_register_tick_counter(const volatile uint64_t *ticks);

/*
 * Called (in NMI context) for every NMI that is not the hypervisor's,
 * after platform_nmis++.  NULL removes it.
 */
void hvstub_register_platform_nmi(void (*fn)(void));

/*
 * Registers the function run for command `op` (enum hv_command_op or
 * HV_CMD_USER_BASE+); registering an op again replaces its function,
 * fn NULL removes it.  The function runs INSIDE THE NMI HANDLER: it must
 * be short, must not take locks the interrupted code may hold, must not
 * fault, must not enable interrupts or wait; it should just set flags or
 * do lock-free work and return.  args = cmd_args[0..3]; its return value
 * becomes cmd_result (0 = success).  Returns 0, or -1 if the table
 * (HVSTUB_MAX_COMMANDS) is full or op is HV_CMD_NONE.
 */
int hvstub_register_command(uint32_t op, int64_t (*fn)(const volatile uint64_t args[4]));

#ifdef HVSTUB_TEST_AIDS
/* Test hooks, built only with -DHVSTUB_TEST_AIDS (the test guest): never
 * part of a production stub. */

/* When on, the NMI handler spins forever (no ack, no iretq). */
void hvstub_set_nmi_hang(int on);

/*
 * Test hook: when on, commands are neither run nor acknowledged
 * (cmd_ack_id/cmd_result untouched); the NMI itself is still acknowledged
 * (ack_seq), as is every heartbeat.
 */
void hvstub_set_command_ignore(int on);
#endif

/* ---- Exceptions, reports, modules (stub_report.c) ------------------- */

/*
 * Exceptions (0-31 but 2): the entry reports HV_SRC_EXCEPTION /
 * HV_REP_EXCEPTION with vector, error code, RIP, RSP, CR2 (vector 14),
 * module and stack words, message = the vector's name ("page fault"),
 * runs the fault callback, then parks as hvstub_panic does; it never
 * returns to the faulting code.  A fault while reporting a fault is
 * reported once more ("nested: ..."), without the callback; a third one
 * just parks.
 *
 * Writes 64-bit interrupt gates (selector HVG_SEL_CODE, DPL 0, IST 0) for
 * vectors 0-31 into idt_base, an array of 16-byte gates (at least 32):
 * the stub's exception entries, and hvstub_nmi_entry at vector 2.  Other
 * vectors are untouched; the guest loads the IDT (lidt) itself and may
 * patch gates afterwards (e.g. an IST for vector 8).
 */
void hvstub_install_idt(void *idt_base);

/*
 * Called after the stub has sent an exception or panic report (HC_REPORT)
 * and before it waits for the hypervisor; e.g. to print the report.  It
 * runs on the faulting stack with interrupts disabled.  NULL removes it.
 */
void hvstub_register_fault_callback(void (*fn)(const struct hv_report *r));

/*
 * A stack range [lo, hi): a report copies up to HV_REPORT_STACK_WORDS
 * words from the faulting RSP only when they lie inside a registered
 * stack or the safe range.  Returns its index, or -1 (full, or lo >= hi).
 */
int hvstub_register_stack(uint64_t lo, uint64_t hi);

/* The caller-declared safe range [lo, hi) for stack words, besides the registered stacks (replaces the previous one; lo >= hi clears it). */
void hvstub_set_safe_range(uint64_t lo, uint64_t hi);

/*
 * Names the code range [start, end) for reports (module + module_offset).
 * The name is copied (truncated to HV_REPORT_MODULE_LEN - 1 chars).
 * Returns its index (0..HVSTUB_MAX_MODULES-1), or -1 (full, or start >= end).
 */
int hvstub_register_module(const char *name, uint64_t start, uint64_t end);

/* The module holding rip and *offset = rip - start (offset may be NULL), or -1. */
int hvstub_module_of(uint64_t rip, uint64_t *offset);

/*
 * Reports a health condition (HV_SRC_HEALTH, e.g. HV_REP_LOW_MEMORY) with
 * rip = the caller's return address; does not wait.  Returns the
 * HC_REPORT status (HV_OK, HV_E_BUSY when rate-limited, HV_E_STATE before
 * hello, ...).  Not reentrant: do not call it from an NMI handler.
 */
int64_t hvstub_report(enum hv_report_type type, const char *msg);

/*
 * Reports a panic (HV_SRC_PANIC, HV_REP_PANIC, rip = the caller's return
 * address, stack words from the caller's stack), runs the fault callback,
 * then waits for the hypervisor like an exception: sti; hlt forever, NMIs
 * and commands still served, guest_ticks frozen, a report refused with
 * HV_E_BUSY resent (new seq) at most every ~100 ms.  Never returns.
 */
__attribute__((noreturn)) void hvstub_panic(const char *msg);

/* Number of reports built since hvstub_init (the last report's seq). */
uint64_t hvstub_report_count(void);

/* ---- Crash dumps (stub.c; HC_DUMP, docs/dumps.md) ------------------ */

/*
 * Registers [gpa, gpa + bytes) of guest-physical memory for the
 * hypervisor's dumps: HV_DUMP_IMPORTANT (in every kernel-level dump),
 * HV_DUMP_REGENERABLE (left out of every dump, noted), HV_DUMP_PRIVATE
 * (sealed for the operator's key; never sent in plaintext).  4 KiB-aligned,
 * inside guest RAM, no overlap with a registered range; at most
 * HV_DUMP_RANGES_MAX ranges and HV_DUMP_RANGE_PAGES_MAX important and
 * private pages.  A reset forgets them: register again after each boot.
 * Returns the status (HV_OK, HV_E_RANGE, HV_E_INVAL, HV_E_FULL).
 */
int64_t hvstub_dump_range(enum hv_dump_op kind, uint64_t gpa, uint64_t bytes);

/* Forgets every registered range. */
int64_t hvstub_dump_clear(void);

/* on = 1: this guest holds nothing worth a dump; the hypervisor takes
 * none (it logs that it did not).  Until the next reset, or on = 0. */
int64_t hvstub_set_stateless(int on);

/* Asks for a dump now (enum hv_dump_level); the guest goes on after it.
 * HV_E_BUSY within DUMP_REQUEST_INTERVAL_MS of the last one, HV_E_STATE
 * when stateless. */
int64_t hvstub_request_dump(enum hv_dump_level level);

/* ---- Checkpoints (docs/checkpoints.md) ----
 * Non-blocking: a request goes into the ring page and a KICK tells the
 * hypervisor, which answers later through the event ring (and the notify
 * vector, if one was registered); nothing here waits for an answer.  The
 * stub holds no key: the caller supplies each request's MAC (computed
 * over the request with its nonce, e.g. by tools/ckptsign.py on a host). */
/* Registers the ring page (4 KiB-aligned; identity-mapped, as the stub's
 * shared page) and the notify vector (0: none).  Zeroes the page first. */
int64_t hvstub_ckpt_register(struct hv_ckpt_ring *ring, uint8_t vector);
/* A range kept across restores (M17): 0 bytes forgets it. */
int64_t hvstub_ckpt_carry(void *p, uint64_t bytes);
/* The next nonce: max(last + 1, TSC), so nonces keep rising across a
 * rollback (the TSC does not go back) and a reset. */
uint64_t hvstub_ckpt_nonce(void);
/* Copies r into the ring; kick = 1 also kicks.  -1 if the ring is full or
 * not registered. */
int hvstub_ckpt_submit(const struct hv_ckpt_req *r, int kick);
/* n requests at once (one move of req_tail: the hypervisor takes them in
 * one batch if its budget for the tick allows); -1 if they do not fit. */
int hvstub_ckpt_submit_many(const struct hv_ckpt_req *const *r, unsigned n, int kick);
int64_t hvstub_ckpt_kick(void);
/* Fills a request (id, op, slot, principal, flags, nonce, arg, label, mac)
 * and submits it with a kick. */
int hvstub_ckpt_save(uint64_t id, uint32_t slot, uint32_t principal, const char *label,
		     uint32_t flags, uint64_t nonce, const uint8_t mac[HV_CKPT_MAC_LEN]);
int hvstub_ckpt_restore(uint64_t id, uint32_t slot, uint32_t principal, uint64_t nonce,
			const uint8_t mac[HV_CKPT_MAC_LEN]);
int hvstub_ckpt_delete(uint64_t id, uint32_t slot, uint32_t principal, uint64_t nonce,
		       const uint8_t mac[HV_CKPT_MAC_LEN]);
int hvstub_ckpt_list(uint64_t id, uint32_t principal, uint64_t nonce,
		     const uint8_t mac[HV_CKPT_MAC_LEN]);
int hvstub_ckpt_info(uint64_t id, uint32_t principal, enum hv_ckpt_info what, uint64_t nonce,
		     const uint8_t mac[HV_CKPT_MAC_LEN]);
/* Takes the next event (an answer, or HV_CKE_ROLLED_BACK): 1 if one was
 * there, 0 if none. */
int hvstub_ckpt_poll(struct hv_ckpt_event *out);

#endif
