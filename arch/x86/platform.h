/*
 * What the arch-neutral core asks of the platform: the log port, time,
 * the hypervisor's own CPU tables, and how to stop.  Implemented in
 * arch/x86/.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi.h"

/* Sets up the log port chosen so far (COM1 until plat_log_select). */
void uart_init(void);
/* Moves the log and the control channel to the 16550 at `port` (0: none).
 * Returns false if no UART answers there: the log is then dropped
 * without a single port access, and nothing is read. */
bool plat_log_select(uint16_t port);
void plat_log_write(const char *s, unsigned len);
void plat_log_flush(void);
/* Writes as much of s as the UART takes without waiting; returns how
 * many bytes of s it consumed. */
unsigned plat_log_try_write(const char *s, unsigned len);
/* The log port's receive side (the control channel, hv/control.h): the
 * bytes waiting, at most max; never waits. */
unsigned plat_log_read(uint8_t *buf, unsigned max);

uint64_t plat_tsc(void);
/* The real COM2 behind a Linux guest's emulated UART (guest_console.c):
 * polled, interrupts off; read returns the bytes waiting (up to max). */
void plat_guest_console_init(void);
void plat_guest_console_write(const uint8_t *buf, unsigned len);
unsigned plat_guest_console_read(uint8_t *buf, unsigned max);

/* The machine's real-time clock registers, as read (hv/wallclock.h
 * turns them into a time): 0x00 seconds, 0x02 minutes, 0x04 hours, 0x07
 * day, 0x08 month, 0x09 year, 0x32 century, 0x0B status register B. */
struct rtc_raw {
	uint8_t sec, min, hour, day, month, year, century, reg_b;
};
/* Reads the RTC once at boot (arch/x86/rtc.c); false if it never left
 * an update cycle or never read the same twice. */
bool plat_rtc_read(struct rtc_raw *r);

/* The guest's CPU state that neither the VMCS nor the VMCB holds and
 * the hypervisor never uses (arch/x86/guest_cpu.c): the debug address
 * registers, TSC_AUX, and the x87/SSE/AVX registers (an XSAVE image; an
 * FXSAVE one without XSAVE).  A checkpoint keeps it (hv/ckpt.c). */
#define PLAT_FPU_AREA 4096
struct plat_guest_cpu {
	uint64_t dr[4], tsc_aux;
	uint8_t fpu[PLAT_FPU_AREA] __attribute__((aligned(64)));
};
/* false if the XSAVE image is larger than PLAT_FPU_AREA (nothing saved
 * then: the load puts the power-on state back instead). */
bool plat_guest_cpu_save(struct plat_guest_cpu *c);
void plat_guest_cpu_load(const struct plat_guest_cpu *c, bool saved);

/* IA32_APIC_BASE as the firmware left it (the guest may read it). */
uint64_t plat_apic_base_msr(void);
/* The same, inline, for the run loop's per-exit path (RDTSC, Intel SDM
 * 2B; host tests fake plat_tsc() instead). */
static inline uint64_t plat_tsc_inline(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
/* n bytes from the CPU's generator (arch/x86/rng.c): RDSEED if CPUID
 * says it is there, else (or when it keeps failing) RDRAND.  Returns the
 * source's name, or NULL, with buf zeroed, when neither is present or
 * both keep failing. */
const char *plat_random(uint8_t *buf, unsigned n);

/* The TSC rate as each reference saw it (arch/x86/pit_tick.c); 0 where a
 * reference is missing or never moved.  The core decides which to trust
 * (hv/tsc_check.h). */
struct plat_tsc_refs {
	uint64_t pit_hz;      /* against PIT channel 2 over 10 ms */
	bool pit_timed_out;   /* the PIT never signalled (e.g. gated off), or never cleanly */
	uint64_t pm_hz;       /* against the ACPI PM timer over 10 ms */
	uint64_t cpuid_hz;    /* CPUID 0x15 (crystal x ratio), else 0x16 (base MHz) */
	const char *cpuid_leaf; /* "0x15", "0x16" or "none" */
	uint32_t retries;     /* measurements repeated: the CPU was away mid-window */
};
void plat_measure_tsc(struct plat_tsc_refs *r);

/* The machine the hypervisor drives (arch/x86/apic.c), from ACPI where
 * the core found it, else the PC defaults. */
struct plat_machine {
	bool x2apic;            /* the local APIC is in x2APIC mode */
	uint32_t apic_id;       /* this CPU's */
	uint64_t ioapic_addr;
	uint32_t pit_pin;       /* the I/O APIC pin ISA IRQ0 reaches */
	const char *ioapic_from; /* "acpi" or why the default is used */
	uint16_t pm_timer_port; /* 0: none */
	bool pm_timer_32bit;
	bool acpi_reset;        /* reset through the FADT's register */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
};
/* After plat_take_over_cpu(): takes the I/O APIC, IRQ0's pin, the PM
 * timer and the reset register from a (NULL: no ACPI). */
const struct plat_machine *plat_machine_setup(const struct acpi_info *a);
/* A pointer to len bytes at physical address phys in the host identity
 * map, or NULL (the ACPI walk's map function; ctx unused). */
const uint8_t *plat_phys_map(void *ctx, uint64_t phys, uint32_t len);
/* INIT to every other CPU (arch/x86/apic.c): they wait for a SIPI that
 * never comes. */
void plat_park_aps(void);
/* Test aid: puts the local APIC in x2APIC mode before take-over; false
 * if the CPU has none. */
bool plat_enter_x2apic(void);

/* Installs the hypervisor's GDT, TSS (IST stacks), IDT and identity page
 * tables.  After this no firmware structure is in use. */
void plat_take_over_cpu(void);

/* Bases of the host GDT, IDT and TSS (for the VMCS host-state area). */
void plat_host_tables(uint64_t *gdt_base, uint64_t *idt_base, uint64_t *tss_base);

/* The integrity check's part of the platform (hv/integrity.c): crc
 * continued over the host GDT, IDT, TSS, CR3 and identity page tables,
 * without the accessed, dirty and busy flags the CPU sets in them;
 * *bytes gets how many bytes of tables that was. */
uint32_t plat_host_tables_crc(uint32_t crc, uint64_t *bytes);

/* Calls fn on the hypervisor's own static stack; does not return. */
__attribute__((noreturn)) void plat_run_on_own_stack(void (*fn)(void));

/* The chipset's watchdog (arch/x86/tco.c; docs/hardware.md): what
 * plat_hw_watchdog_start found and did. */
struct plat_hw_wd {
	uint32_t pci_id;        /* vendor | device << 16 of 00:1f.0 */
	const char *chipset;    /* NULL: not one this driver knows */
	const char *why_not;    /* NULL when armed */
	const char *no_reboot;  /* "clear", or why it is unknown */
	bool previous_timeout;  /* its second expiry reset the machine (TCO2_STS) */
	uint16_t tco_base;      /* the TCO registers' I/O base */
	uint32_t timeout_ms;    /* from the last feed to the reset, as armed */
};
/* Arms it to reset the machine timeout_ms after the last feed (rounded
 * up to 1.2 s steps); timeout_ms 0 only looks.  Returns true if armed. */
bool plat_hw_watchdog_start(uint32_t timeout_ms, struct plat_hw_wd *wd);
/* Reloads it (every tick); no-op when not armed. */
void plat_hw_watchdog_feed(void);
/* Halts it, before a deliberate halt (plat_halt): only a hung or crashed
 * hypervisor is reset. */
void plat_hw_watchdog_stop(void);

/* Test aid (hang_test=): spins with interrupts off, forever. */
__attribute__((noreturn)) void plat_test_hang(void);

/* Hardware virtualization present but switched off in the firmware setup
 * (arch/x86/virt_fw.c): AMD VM_CR.SVMDIS, Intel IA32_FEATURE_CONTROL
 * locked without VMX.  Asked before takeover, to tell the firmware. */
bool plat_svm_disabled_by_firmware(void);
bool plat_vmx_disabled_by_firmware(void);
/* Test aid (simulate=svmdis): SVMDIS reads as set. */
void plat_simulate_svmdis(void);

/* Ends an emulator run (QEMU isa-debug-exit, Bochs shutdown port), but
 * only with onstop=exit (plat_set_crash_stop's exit_emulator): otherwise
 * it writes no port at all.  On real hardware it returns and the caller
 * halts. */
void plat_emulator_exit(uint8_t code);

__attribute__((noreturn)) void plat_halt(void);

/* NMIs the host IDT took (arch/x86/isr.S). */
extern volatile uint64_t host_nmi_count;

/* Masks every interrupt source the firmware left on (arch/x86/pit_tick.c). */
void plat_quiesce_interrupts(void);
/* EOI for a host interrupt that a VM exit acknowledged. */
void plat_end_stray_interrupt(void);

/* Host vector of the LAPIC timer tick (its handler only sends EOI). */
#define LAPIC_TICK_VECTOR 0xF0
void lapic_tick_start(uint64_t period_us, uint64_t tsc_hz);

void plat_self_nmi(void);

/* What the hypervisor's crash record keeps of the core's state.  The
 * core registers a function that fills it, so the platform's fault
 * handler never calls up into the core (docs/design.md, Structure). */
#define PLAT_CRASH_RECENT_EXITS 5
struct plat_crash_context {
	uint64_t exits;
	uint64_t recent_exits[PLAT_CRASH_RECENT_EXITS]; /* raw exit codes, newest first */
	uint32_t last_kind;
	uint64_t ticks, generation, guest_rip;
};
void plat_set_crash_context(void (*fill)(struct plat_crash_context *ctx));
/* How a crash of the hypervisor ends (onstop=exit, onfault=reset);
 * both off: halt. */
void plat_set_crash_stop(bool exit_emulator, bool reset_machine);

/* Start the PIT-driven NMI tick (SVM's timer, see docs/design.md). */
void pit_nmi_tick_start(uint64_t period_us);
/* SVM's tick: starts the PIT NMI and the LAPIC timer, probes which fire,
 * keeps those (logged); false, with *why, if neither does. */
bool plat_tick_start(uint64_t period_us, uint64_t tsc_hz, const char **why);

#endif
