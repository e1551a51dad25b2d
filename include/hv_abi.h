/*
 * The ABI shared by the hypervisor, the in-guest stub and host tools:
 * the guest boot protocol (docs/guest-boot.md) and the hypercall ABI
 * (docs/hypercalls.md).  Fixed-width types only; no pointers, so the
 * same layout holds for every consumer.
 */
#ifndef HV_ABI_H
#define HV_ABI_H

/* The Linux stub module (guest-stub/linux/) builds against the kernel's
 * headers, which have no <stdint.h> but define the same fixed-width names. */
#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

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

/* CPUID leaf 0x40000000: the hypervisor's signature, "WatchdogHV  " in
 * EBX, ECX, EDX, so that a stub can check it runs under this hypervisor
 * before it tries a hypercall (which would raise #UD anywhere else). */
#define HV_CPUID_LEAF 0x40000000u
#define HV_CPUID_SIG_EBX 0x63746157u /* "Watc" */
#define HV_CPUID_SIG_ECX 0x676f6468u /* "hdog" */
#define HV_CPUID_SIG_EDX 0x20205648u /* "HV  " */

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
	HC_REPORT = 4,    /* RDI = GVA of a struct hv_report, RSI = its size */
	HC_COUNT
};

enum hv_info {
	HV_INFO_TICKS = 0,       /* hypervisor ticks since launch */
	HV_INFO_TSC_HZ = 1,
	HV_INFO_TIMER_FIRED = 2, /* virtual timer interrupts injected */
	HV_INFO_INTEGRITY = 3,   /* CRC-32 of the hypervisor's code and control structures */
	/* For a stub that finds no boot-info page (a kernel module): */
	HV_INFO_GENERATION = 4,  /* boot generation, 1 at first boot, +1 per restart */
	HV_INFO_RESTART_REASON = 5, /* enum hv_restart_reason: why this generation started */
	HV_INFO_WATCHDOG_MS = 6, /* NMI watchdog period, ms (0: watchdog off) */
	HV_INFO_WATCHDOG_K = 7,  /* missed periods that make a hang */
	HV_INFO_TICK_US = 8,     /* hypervisor tick, us */
	HV_INFO_HELLO_DEADLINE_MS = 9, /* the policy's hello deadline, ms (0: none) */
};

/* Why the current boot generation started (HV_INFO_RESTART_REASON): the
 * first boot, a restart the guest asked for, or the fault event whose
 * policy decision reset the guest. */
enum hv_restart_reason {
	HV_RESTART_NONE = 0,   /* first boot */
	HV_RESTART_REBOOT = 1, /* the guest asked (keyboard controller, ...) */
	HV_RESTART_EXCEPTION = 2,
	HV_RESTART_PANIC = 3,
	HV_RESTART_LOW_MEMORY = 4,
	HV_RESTART_ASSERT = 5,
	HV_RESTART_BAD_REPORT = 6,
	HV_RESTART_HANG = 7,
	HV_RESTART_SOFT_LOCKUP = 8,
	HV_RESTART_TRIPLE_FAULT = 9,
	HV_RESTART_MEM_VIOLATION = 10,
	HV_RESTART_STUB_SILENT = 11,
	HV_RESTART_BLOCKED_IO = 12,
	HV_RESTART_BLOCKED_MSR = 13,
	HV_RESTART_UNHANDLED_EXIT = 14,
	HV_RESTART_ENTRY_FAILED = 15,
	HV_RESTART_OPERATOR = 16, /* an operator's restart or resume (the control channel) */
	HV_RESTART_REASON_COUNT
};

enum hv_status {
	HV_OK = 0,
	HV_E_NOSYS = -1,  /* unknown call number */
	HV_E_PERM = -2,   /* caller not at CPL 0 */
	HV_E_INVAL = -3,  /* bad argument */
	HV_E_RANGE = -4,  /* guest address outside guest RAM or misaligned */
	HV_E_STATE = -5,  /* call not valid now (e.g. report before hello) */
	HV_E_BUSY = -6,   /* rate limit reached; try later */
};

/* ---- Shared page (one 4 KiB page of guest RAM, named at HC_HELLO) ---- */

enum hv_nmi_reason {
	HV_NMI_NONE = 0,
	HV_NMI_WATCHDOG = 1, /* heartbeat: acknowledge nmi_seq */
	HV_NMI_QUERY = 2,    /* run the collector, then acknowledge */
	HV_NMI_COMMAND = 3,  /* a command waits in cmd_*: run it, then acknowledge */
};

enum hv_command_op {
	HV_CMD_NONE = 0,
	HV_CMD_CLEANUP = 1,        /* free caches, reclaim memory */
	HV_CMD_RESTART_TASK = 2,   /* arg0 = task id */
	HV_CMD_REINIT_DRIVER = 3,  /* arg0 = driver / module id */
	HV_CMD_RESTART_MODULE = 4, /* arg0 = module index (hvstub_register_module) */
	HV_CMD_USER_BASE = 100,    /* 100.. : user-defined */
};

#define HV_SHARED_MAGIC 0x48535648u /* "HVSH" */
#define HV_COLLECT_CUSTOM 4

/*
 * Written by the hypervisor: magic..cmd_args.  Written by the stub:
 * ack_seq..cmd_result.  Before every NMI it sends, the hypervisor writes
 * nmi_reason and a new nmi_seq; an NMI that arrives while nmi_seq equals
 * the stub's last acknowledged value is not the hypervisor's.
 */
struct hv_shared_page {
	uint32_t magic;
	uint32_t version;
	volatile uint64_t nmi_seq;
	volatile uint32_t nmi_reason;  /* enum hv_nmi_reason */
	uint32_t reserved0;
	volatile uint64_t cmd_id;      /* increments per command */
	volatile uint32_t cmd_op;      /* enum hv_command_op */
	uint32_t reserved1;
	volatile uint64_t cmd_args[4];
	/* stub -> hypervisor */
	volatile uint64_t ack_seq;     /* last nmi_seq handled */
	volatile uint64_t guest_ticks; /* the guest's own timer count, copied at each NMI */
	volatile uint64_t cmd_ack_id;  /* cmd_id of the last command run */
	volatile int64_t cmd_result;   /* its result, 0 = success */
	/* collector (run at every hypervisor NMI) */
	volatile uint64_t free_memory;
	volatile uint64_t uptime_ms;
	volatile uint64_t custom[HV_COLLECT_CUSTOM];
	volatile uint64_t platform_nmis; /* NMIs the stub judged not to be ours */
};

/* ---- Typed exception report (HC_REPORT) ---------------------------- */

#define HV_REPORT_MAGIC 0x54525648u /* "HVRT" */
#define HV_REPORT_VERSION 1
#define HV_REPORT_STACK_WORDS 8
#define HV_REPORT_MODULE_LEN 16
#define HV_REPORT_MSG_LEN 64

enum hv_report_source {
	HV_SRC_EXCEPTION = 1, /* the stub's exception hook */
	HV_SRC_PANIC = 2,     /* the guest called the panic entry */
	HV_SRC_HEALTH = 3,    /* a health condition the guest detected */
};

enum hv_report_type {
	HV_REP_EXCEPTION = 1, /* CPU exception: vector, error code */
	HV_REP_PANIC = 2,
	HV_REP_LOW_MEMORY = 3,
	HV_REP_ASSERT = 4,
	HV_REP_TYPE_COUNT
};

struct hv_report {
	uint32_t magic;      /* HV_REPORT_MAGIC */
	uint16_t version;    /* HV_REPORT_VERSION */
	uint16_t size;       /* sizeof(struct hv_report) */
	uint64_t boot_generation;
	uint64_t seq;        /* per boot, increasing */
	uint64_t time_tsc;
	uint32_t source;     /* enum hv_report_source */
	uint32_t type;       /* enum hv_report_type */
	uint32_t vector;     /* exception vector, or 0 */
	uint32_t error_code;
	uint64_t rip;
	uint64_t rsp;
	uint64_t cr2;
	char module[HV_REPORT_MODULE_LEN]; /* NUL-terminated, "" if none */
	uint64_t module_offset;
	uint64_t stack[HV_REPORT_STACK_WORDS];
	char message[HV_REPORT_MSG_LEN];   /* NUL-terminated */
	int32_t module_index; /* the stub's module registry index, -1 if none */
	uint32_t reserved;
};

/* ---- Crash dumps: ranges, stateless guests, dump requests ----------- */
/*
 * HC_DUMP (docs/hypercalls.md, docs/dumps.md): RDI = enum hv_dump_op,
 * RSI and RDX its arguments.  Outside enum hv_call on purpose (this
 * section is self-contained).  Ranges are guest-physical, 4 KiB-aligned,
 * inside guest RAM, and do not overlap; they hold for the current boot
 * generation (a reset forgets them, as it clears guest RAM).
 */
#define HC_DUMP 5u

enum hv_dump_op {
	HV_DUMP_IMPORTANT = 1,   /* RSI = GPA, RDX = bytes: in every kernel dump */
	HV_DUMP_REGENERABLE = 2, /* RSI = GPA, RDX = bytes: left out of every dump, noted */
	HV_DUMP_PRIVATE = 3,     /* RSI = GPA, RDX = bytes: sealed for the operator's key */
	HV_DUMP_CLEAR = 4,       /* forget every range, and the VMCOREINFO note */
	HV_DUMP_STATELESS = 5,   /* RSI = 1: never dump this guest; 0: dump it again */
	HV_DUMP_REQUEST = 6,     /* RSI = enum hv_dump_level: a dump now; the guest goes on */
	/* RSI = GPA, RDX = bytes (1..HV_DUMP_VMCOREINFO_MAX, any alignment):
	 * where the guest kernel keeps its VMCOREINFO ELF note (Linux:
	 * /sys/kernel/vmcoreinfo, paddr_vmcoreinfo_note()).  Its pages are
	 * in every dump and hvdump copies the note into the core, as a kdump
	 * /proc/vmcore carries it, for makedumpfile and crash.  A second call
	 * replaces the first; a reset forgets it, as it forgets the ranges. */
	HV_DUMP_VMCOREINFO = 7,
};

enum hv_dump_level {
	HV_DUMP_LEVEL_MINI = 1,
	HV_DUMP_LEVEL_FULL = 2,
	HV_DUMP_LEVEL_KERNEL = 3,
};

/* Status of HC_DUMP beyond enum hv_status: too many ranges, or more
 * pages in important and private ranges than a kernel dump may hold. */
#define HV_E_FULL (-7)

#define HV_DUMP_RANGES_MAX 16u
#define HV_DUMP_RANGE_PAGES_MAX 1024u /* important + private pages, 4 MiB */
#define HV_DUMP_VMCOREINFO_MAX 8192u   /* Linux's note: 4132 bytes (VMCOREINFO_NOTE_SIZE) */

/* ---- Checkpoints: save, list, restore, delete; rollback (docs/checkpoints.md) ---- */
/*
 * HC_CKPT: RDI = enum hv_ckpt_call, RSI and RDX its arguments.  The
 * requests themselves travel through a ring in one page of guest RAM the
 * guest registers (struct hv_ckpt_ring): the guest fills req[] and moves
 * req_tail, then kicks; the hypervisor takes requests at its own pace and
 * writes exactly one answer per request into evt[] (moving evt_tail).
 * Indices are free-running uint32 counters; entry = index % HV_CKPT_RING.
 * The hypervisor never trusts the guest's indices: a req_tail more than
 * HV_CKPT_RING ahead of req_head is a broken ring (logged, ignored).
 */
#define HC_CKPT 6u

enum hv_ckpt_call {
	HV_CKPT_REGISTER = 1, /* RSI = GPA of the ring page (4 KiB-aligned), RDX = notify vector (32..255) or 0 */
	HV_CKPT_KICK = 2,     /* requests wait in the ring; returns at once */
	HV_CKPT_CARRY = 3,    /* RSI = GPA, RDX = bytes (0: none): kept across restores (M17) */
};

enum hv_ckpt_op {
	HV_CK_SAVE = 1,    /* slot, label, flags (HV_CKF_KNOWN_GOOD) */
	HV_CK_LIST = 2,    /* refreshes slots[] in the ring page */
	HV_CK_RESTORE = 3, /* slot */
	HV_CK_DELETE = 4,  /* slot */
	HV_CK_INFO = 5,    /* arg = enum hv_ckpt_info; the answer's value */
	HV_CK_OP_COUNT
};

/* The answer's status: every request gets exactly one. */
enum hv_ckpt_status {
	HV_CK_OK = 0,
	HV_CK_FAIL = 1,    /* well-formed and allowed, but could not be done (reason says why) */
	HV_CK_DENIED = 2,  /* authorization failed: no state changed (reason says why) */
	HV_CK_BUSY = 3,    /* a save or restore is already in flight */
	HV_CK_NOSPACE = 4, /* no free slot / slot too small */
};

/* Why an answer is not OK (also in the log). */
enum hv_ckpt_reason {
	HV_CKR_NONE = 0,
	HV_CKR_BAD_OP = 1,        /* unknown op (M19: only allow-listed operations exist) */
	HV_CKR_BAD_SLOT = 2,      /* slot index out of range */
	HV_CKR_EMPTY_SLOT = 3,    /* restore/delete of an empty slot */
	HV_CKR_BAD_INFO = 4,      /* HV_CK_INFO field not in the allow-list */
	HV_CKR_BAD_REQUEST = 5,   /* id 0, reserved bits set, label not NUL-terminated */
	HV_CKR_UNKNOWN_PRINCIPAL = 6,
	HV_CKR_BAD_MAC = 7,
	HV_CKR_REPLAY = 8,        /* nonce not above the principal's last accepted one */
	HV_CKR_NOT_ALLOWED = 9,   /* op not in the principal's allowed set */
	HV_CKR_IN_FLIGHT = 10,    /* with HV_CK_BUSY */
	HV_CKR_SLOTS_FULL = 11,   /* with HV_CK_NOSPACE */
	HV_CKR_REASON_COUNT
};

/* HV_CK_INFO fields: the whole allow-list (M19); anything else is refused. */
enum hv_ckpt_info {
	HV_CKI_ABI_VERSION = 1,  /* HV_ABI_VERSION */
	HV_CKI_SLOTS = 2,        /* checkpoint slots in this build */
	HV_CKI_SLOT_BYTES = 3,   /* guest RAM a slot holds */
	HV_CKI_TSC_HZ = 4,
	HV_CKI_GENERATION = 5,   /* boot generation */
	HV_CKI_ROLLBACKS = 6,    /* restores done by policy since the first boot */
	HV_CKI_COUNT
};

#define HV_CKF_KNOWN_GOOD 1u  /* SAVE: a rollback may come back to it */
#define HV_CKPT_RING 8u
#define HV_CKPT_LABEL_LEN 16u
#define HV_CKPT_SLOTS_MAX 8u
#define HV_CKPT_MAC_LEN 32u
#define HV_CKPT_MAGIC 0x4b435648u /* "HVCK" */

/* A request; the MAC is HMAC-SHA256 under the principal's key over the
 * bytes before mac (HV_CKPT_REQ_SIGNED bytes: the op, its arguments and
 * the nonce). */
struct hv_ckpt_req {
	uint64_t id;        /* the guest's, not 0; echoed in the answer */
	uint32_t op;        /* enum hv_ckpt_op */
	uint32_t slot;
	uint32_t principal;
	uint32_t flags;     /* HV_CKF_* */
	uint64_t nonce;     /* above the principal's last accepted nonce */
	uint64_t arg;       /* HV_CK_INFO: enum hv_ckpt_info; else 0 */
	char label[HV_CKPT_LABEL_LEN]; /* NUL-terminated */
	uint8_t mac[HV_CKPT_MAC_LEN];
};
#define HV_CKPT_REQ_SIGNED 56u

enum hv_ckpt_event_kind {
	HV_CKE_ANSWER = 1,      /* the answer to request id */
	HV_CKE_ROLLED_BACK = 2, /* posted after a rollback by policy (id 0) */
};

struct hv_ckpt_event {
	uint64_t id;      /* the request's id; 0 for HV_CKE_ROLLED_BACK */
	uint32_t kind;    /* enum hv_ckpt_event_kind */
	uint32_t op;      /* the request's op */
	int32_t status;   /* enum hv_ckpt_status */
	uint32_t reason;  /* enum hv_ckpt_reason */
	uint32_t slot;
	uint32_t event;   /* HV_CKE_ROLLED_BACK: enum hv_restart_reason of the fault */
	uint64_t value;   /* SAVE: slot generation; INFO: the value; ROLLED_BACK: the incident number */
	uint64_t time_ms; /* hypervisor time of the answer, ms since launch */
};

struct hv_ckpt_slot_info {
	char label[HV_CKPT_LABEL_LEN];
	uint64_t generation; /* 0: empty; else increases with every save into any slot */
	uint64_t time_ms;    /* when saved, ms since launch */
	uint64_t bytes;      /* guest RAM bytes the save copied */
	uint32_t flags;      /* HV_CKF_* */
	uint32_t reserved;
};

/* The ring page: the guest writes req[], req_tail and evt_head; the
 * hypervisor writes magic, version, req_head, evt[], evt_tail, slots[]. */
struct hv_ckpt_ring {
	uint32_t magic;              /* HV_CKPT_MAGIC, written at registration */
	uint32_t version;            /* HV_ABI_VERSION */
	volatile uint32_t req_head;  /* hypervisor: requests taken */
	volatile uint32_t req_tail;  /* guest: requests written */
	volatile uint32_t evt_head;  /* guest: events read */
	volatile uint32_t evt_tail;  /* hypervisor: events written */
	struct hv_ckpt_req req[HV_CKPT_RING];
	struct hv_ckpt_event evt[HV_CKPT_RING];
	struct hv_ckpt_slot_info slots[HV_CKPT_SLOTS_MAX];
};

#endif
