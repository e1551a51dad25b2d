#ifndef TEST_GUEST_SCENARIOS_H
#define TEST_GUEST_SCENARIOS_H

#include <stdint.h>

extern char __netdrv_start[], __netdrv_end[];
extern volatile uint64_t timer_ticks;

#include "../../include/hv_abi.h"

#define TIMER_VECTOR 0x40
#define TIMER_PERIOD_US 2000

uint64_t netdrv_poll(void);

/* guest.c: console helpers, the IDT, the boot info */
extern uint8_t idt[256 * 16];
extern const struct hvg_boot_info *boot;
void timer_isr(void);
void nmi_mute_isr(void);
void say(const char *what);
void put_num(const char *what, int64_t v, const char *tail);
void say_num(const char *what, int64_t v, const char *tail);
void set_gate(unsigned vec, void (*handler)(void));

/* hostile.c: bench, isolation probe, hypercall fuzzer */
void scenario_bench_null(void);
void scenario_bench_work(void);
void scenario_isolation(void);
void scenario_fuzz(void);
void scenario_usercall(void);
void scenario_logflood(void);

/* cpuprobe.c: MSR space, control bits, instructions, CPUID, TSC, DR7,
 * clean CPU after a reset, an unknown exit */
void scenario_cpuprobe(void);
void scenario_dirtycpu(void);
void scenario_cleancheck(void);
void scenario_rdpmc(void);

/* dumps.c: ranges, stateless, a dump the guest asks for (docs/dumps.md) */
void scenario_dumpranges(void);
void scenario_stateless(void);
void scenario_dumpreq(void);

/* ckpt.c: checkpoints, restore, denials, rollback (docs/checkpoints.md) */
void scenario_ckpt(void);
void scenario_ckptflood(void);

#endif
