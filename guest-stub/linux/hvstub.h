/*
 * The Linux stub module's internals, shared between its files.  The ABI
 * itself (calls, shared page, report) is include/hv_abi.h.
 */
#ifndef HVSTUB_LINUX_H
#define HVSTUB_LINUX_H

#include <linux/types.h>

#include "hv_abi.h"
#include "hvstub_api.h"

/* The stub_version word of HC_HELLO: the protocol this module speaks,
 * the same as the bare stub's (guest-stub/stub.h, HVSTUB_VERSION). */
#define HVSTUB_LINUX_VERSION 1

/* hvstub_main.c */
extern bool hvstub_vmmcall;                 /* SVM: VMMCALL, else VMCALL */
extern struct hv_shared_page *hvstub_shared; /* NULL until set up */
extern unsigned long long hvstub_generation; /* a parameter: param_get_ullong's type */
extern bool hvstub_up;                      /* said hello */
const char *hvstub_restart_reason_name(unsigned long long r); /* "unknown" if out of range */

/*
 * One hypercall (docs/hypercalls.md, calling convention): RAX = nr,
 * RDI, RSI, RDX = arguments; RAX <- status, RDX <- value.  The
 * instruction is chosen by the CPU vendor: the other one raises #UD.
 */
static inline long hvstub_call3(u64 nr, u64 a0, u64 a1, u64 a2, u64 *value)
{
	u64 rax = nr, rdx = a2;

	if (hvstub_vmmcall)
		asm volatile("vmmcall" : "+a"(rax), "+d"(rdx) : "D"(a0), "S"(a1) : "memory");
	else
		asm volatile("vmcall" : "+a"(rax), "+d"(rdx) : "D"(a0), "S"(a1) : "memory");
	if (value != NULL)
		*value = rdx;
	return (long)rax;
}

/* The calls with at most two arguments (RDX 0). */
static inline long hvstub_call(u64 nr, u64 a0, u64 a1, u64 *value)
{
	return hvstub_call3(nr, a0, a1, 0, value);
}

/* hvstub_ckpt.c: registers the checkpoint ring (after the hello) */
void hvstub_ckpt_init(void);

/* hvstub_nmi.c */
int hvstub_nmi_register(void);
void hvstub_nmi_unregister(void);
void hvstub_nmi_reset(void);
extern unsigned long long hvstub_heartbeats; /* hypervisor NMIs acknowledged */
extern unsigned long long hvstub_platform_nmis;

/* hvstub_cmd.c */
void hvstub_cmd_nmi(struct hv_shared_page *sp); /* NMI context */
void hvstub_cmd_reset(void);
extern unsigned long long hvstub_commands_run, hvstub_commands_failed;

/* hvstub_counters.c */
void hvstub_counters_nmi(struct hv_shared_page *sp); /* NMI context */

/* hvstub_report.c */
/* The name of the module with the report's module_index idx: 0, or
 * -ENOENT if there is none (any more). */
int hvstub_module_name(u64 idx, char *buf, size_t len);
int hvstub_report_register(void);
void hvstub_report_unregister(void);
void hvstub_report_reset(void);
extern unsigned long long hvstub_reports; /* reports the hypervisor accepted */

#endif
