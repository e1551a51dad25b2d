/*
 * The ABI shared by the hypervisor, the in-guest stub and host tools:
 * the guest boot protocol (docs/guest-boot.md) and the hypercall ABI
 * (docs/hypercalls.md).  Fixed-width types only; no pointers, so the
 * same layout holds for every consumer.
 */
#ifndef HV_ABI_H
#define HV_ABI_H

#include <stdint.h>

#define HV_ABI_VERSION 1u

/* ---- Guest boot protocol ------------------------------------------- */

/* Guest-physical layout the hypervisor sets up before the first entry. */
#define HVG_BOOT_INFO_GPA   0x1000ull  /* struct hvg_boot_info, RDI at entry */
#define HVG_GDT_GPA         0x2000ull  /* flat 64-bit GDT */
#define HVG_PML4_GPA        0x3000ull  /* identity page tables ... */
#define HVG_PDPT_GPA        0x4000ull
#define HVG_PD_GPA          0x5000ull  /* 4 pages: 2 MiB pages over 4 GiB */
#define HVG_SHARED_GPA      0x9000ull  /* suggested stub shared page */
#define HVG_STACK_TOP_GPA   0x80000ull /* initial RSP */
#define HVG_LOAD_MIN_GPA    0x100000ull /* PT_LOAD segments start here or above */

#define HVG_SEL_CODE 0x08
#define HVG_SEL_DATA 0x10

#define HVG_BOOT_MAGIC 0x42475648u /* "HVGB" */
#define HVG_CMDLINE_MAX 256

enum hvg_vendor {
	HVG_VENDOR_VMX = 1, /* hypercall instruction: VMCALL  (0f 01 c1) */
	HVG_VENDOR_SVM = 2, /* hypercall instruction: VMMCALL (0f 01 d9) */
};

struct hvg_boot_info {
	uint32_t magic;           /* HVG_BOOT_MAGIC */
	uint32_t version;         /* HV_ABI_VERSION */
	uint64_t ram_size;        /* bytes of guest RAM from GPA 0 */
	uint32_t vendor;          /* enum hvg_vendor: which hypercall insn */
	uint32_t cmdline_len;     /* bytes, excluding the terminating NUL */
	uint64_t shared_page_gpa; /* where the stub's shared page may go */
	uint64_t boot_generation; /* 1 on first boot, +1 on every reset */
	uint64_t tsc_hz;          /* TSC frequency measured by the hypervisor */
	uint64_t tick_us;         /* hypervisor tick period */
	uint64_t hv_image_base;   /* informational: where the hypervisor sits in */
	uint64_t hv_image_size;   /* host memory (never mapped for the guest) */
	char cmdline[HVG_CMDLINE_MAX]; /* NUL-terminated guest command line */
};

/* ---- Hypercalls ------------------------------------------------------ */
/*
 * VMCALL (VMX) or VMMCALL (SVM) from CPL 0.  RAX = call number,
 * RDI, RSI, RDX = arguments.  On return RAX = status (enum hv_status,
 * as a signed 64-bit value) and RDX = result value.  All other
 * registers are preserved.
 */
enum hv_call {
	HC_NULL = 0,      /* RDI = x; RDX <- ~x */
	HC_HELLO = 1,     /* RDI = stub version, RSI = shared page GPA; RDX <- HV_ABI_VERSION */
	HC_TIMER_SET = 2, /* RDI = vector (32..255) or 0 to stop, RSI = period in us; */
	HC_INFO = 3,      /* RDI = enum hv_info; RDX <- value */
	HC_COUNT
};

enum hv_info {
	HV_INFO_TICKS = 0,       /* hypervisor ticks since launch */
	HV_INFO_TSC_HZ = 1,
	HV_INFO_TIMER_FIRED = 2, /* virtual timer interrupts injected */
};

enum hv_status {
	HV_OK = 0,
	HV_E_NOSYS = -1,  /* unknown call number */
	HV_E_PERM = -2,   /* caller not at CPL 0 */
	HV_E_INVAL = -3,  /* bad argument */
	HV_E_RANGE = -4,  /* guest address outside guest RAM or misaligned */
};

#endif
