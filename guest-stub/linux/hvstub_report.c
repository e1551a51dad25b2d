// SPDX-License-Identifier: GPL-2.0
/*
 * The fault side: Linux's die and panic notifiers become typed reports
 * (HC_REPORT, docs/hypercalls.md).  The stub chains to Linux, it never
 * replaces it: both notifiers return NOTIFY_DONE, so the oops or panic
 * goes on as Linux would run it, after the hypervisor has heard of it (and
 * if the policy resets the guest, the hypervisor does not enter it again).
 *
 * Where the fault is (locate()): a module's name and the offset from the
 * start of its code, or, in the kernel proper, "vmlinux" and the offset
 * in the function; the function as Linux names it (%pS) is in the message.
 */
#include <linux/delay.h>
#include <linux/kallsyms.h>
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/traps.h>

#include "hvstub.h"

unsigned long long hvstub_reports;

/* One report at a time, in the module's own memory: the hypervisor copies
 * it through the page tables of the CPU that calls (a kernel address is
 * mapped in every one of them). */
static struct hv_report rep;
static char symbol[KSYM_SYMBOL_LEN];
static atomic_t reporting = ATOMIC_INIT(0);
static u64 report_seq; /* per hello: the first report has seq 1 */

void hvstub_report_reset(void)
{
	report_seq = 0;
}

static const char *const vector_names[32] = {
	[X86_TRAP_DE] = "divide error",
	[X86_TRAP_DB] = "debug",
	[X86_TRAP_BP] = "breakpoint",
	[X86_TRAP_OF] = "overflow",
	[X86_TRAP_BR] = "bound range exceeded",
	[X86_TRAP_UD] = "invalid opcode",
	[X86_TRAP_NM] = "device not available",
	[X86_TRAP_DF] = "double fault",
	[X86_TRAP_TS] = "invalid TSS",
	[X86_TRAP_NP] = "segment not present",
	[X86_TRAP_SS] = "stack-segment fault",
	[X86_TRAP_GP] = "general protection fault",
	[X86_TRAP_PF] = "page fault",
	[X86_TRAP_MF] = "x87 floating-point error",
	[X86_TRAP_AC] = "alignment check",
	[X86_TRAP_MC] = "machine check",
	[X86_TRAP_XF] = "SIMD floating-point exception",
};

/*
 * The modules loaded after the stub, with their code ranges, filled by a
 * module notifier: Linux 6.1 exports no lookup from an address to its
 * module (__module_address is not exported).  An entry is live while
 * `used` is set; it is written only while it is not, so a reader in the
 * die path sees whole entries.  The index is the report's module_index.
 */
#define MAX_MODULES 32

static struct {
	char name[HV_REPORT_MODULE_LEN];
	const struct module *mod;
	unsigned long core, core_size, init, init_size;
	int used;
} modules[MAX_MODULES];

static int module_event(struct notifier_block *nb, unsigned long state, void *data)
{
	const struct module *mod = data;
	int i;

	for (i = 0; i < MAX_MODULES; i++)
		if (READ_ONCE(modules[i].used) && modules[i].mod == mod)
			break;
	if (state == MODULE_STATE_COMING && i == MAX_MODULES) {
		for (i = 0; i < MAX_MODULES && READ_ONCE(modules[i].used); i++)
			;
		if (i == MAX_MODULES)
			return NOTIFY_DONE; /* full: located by its symbols only */
		strscpy(modules[i].name, mod->name, sizeof(modules[i].name));
		modules[i].mod = mod;
		modules[i].core = (unsigned long)mod->core_layout.base;
		modules[i].core_size = mod->core_layout.size;
		modules[i].init = (unsigned long)mod->init_layout.base;
		modules[i].init_size = mod->init_layout.size;
		smp_wmb();
		WRITE_ONCE(modules[i].used, 1);
	} else if (state == MODULE_STATE_LIVE && i < MAX_MODULES) {
		WRITE_ONCE(modules[i].init_size, 0); /* Linux frees the init code now */
	} else if (state == MODULE_STATE_GOING && i < MAX_MODULES) {
		WRITE_ONCE(modules[i].used, 0);
	}
	return NOTIFY_DONE;
}

static struct notifier_block module_nb = { .notifier_call = module_event };

int hvstub_module_name(u64 idx, char *buf, size_t len)
{
	if (idx >= MAX_MODULES || !READ_ONCE(modules[idx].used))
		return -ENOENT;
	smp_rmb();
	strscpy(buf, modules[idx].name, len);
	return 0;
}

/* The registry's module holding ip, and ip's offset from the start of its
 * code (or of its init code while that exists); -1 if none. */
static int module_of(unsigned long ip, u64 *offset)
{
	for (int i = 0; i < MAX_MODULES; i++) {
		if (!READ_ONCE(modules[i].used))
			continue;
		smp_rmb();
		if (ip - modules[i].core < modules[i].core_size) {
			*offset = ip - modules[i].core;
			return i;
		}
		if (ip - modules[i].init < READ_ONCE(modules[i].init_size)) {
			*offset = ip - modules[i].init;
			return i;
		}
	}
	return -1;
}

/*
 * Where ip is, into rep.module, rep.module_offset and rep.module_index,
 * and its symbol as Linux prints it (%pS: "name+0x1a/0x40 [module]") into
 * `symbol`.  A module the registry does not know (loaded before the stub)
 * is named from the symbol, with the offset in the function, as is the
 * kernel proper ("vmlinux").
 */
static void locate(unsigned long ip)
{
	const char *plus, *bra;
	unsigned long long off;
	char hex[24];
	size_t n;
	int i;

	sprint_symbol(symbol, ip);
	i = module_of(ip, &rep.module_offset);
	rep.module_index = i;
	if (i >= 0) {
		memcpy(rep.module, modules[i].name, sizeof(rep.module));
		rep.module[sizeof(rep.module) - 1] = '\0';
		return;
	}
	bra = strchr(symbol, '[');
	if (bra != NULL) {
		n = strcspn(bra + 1, "] ");
		if (n >= sizeof(rep.module))
			n = sizeof(rep.module) - 1;
		memcpy(rep.module, bra + 1, n);
		rep.module[n] = '\0';
	} else {
		strscpy(rep.module, "vmlinux", sizeof(rep.module));
	}
	rep.module_offset = 0;
	plus = strchr(symbol, '+');
	if (plus == NULL)
		return;
	n = strcspn(plus + 1, "/ ");
	if (n >= sizeof(hex))
		return;
	memcpy(hex, plus + 1, n);
	hex[n] = '\0';
	if (kstrtoull(hex, 0, &off) == 0)
		rep.module_offset = off;
}

/* "<what> at <symbol>", the symbol kept whole when the text must be cut. */
static void set_message(const char *what)
{
	size_t room = sizeof(rep.message) - 1, sym = strlen(symbol) + 4, n = strcspn(what, "\n");

	if (sym > room / 2)
		sym = room / 2;
	if (n > room - sym)
		n = room - sym;
	memcpy(rep.message, what, n);
	rep.message[n] = '\0';
	strlcat(rep.message, " at ", sizeof(rep.message));
	strlcat(rep.message, symbol, sizeof(rep.message));
}

/*
 * Sends rep (filled by the caller apart from its header).  Reports the
 * hypervisor is busy with (more than 16 in a second) are tried again a
 * few times: a fatal one must not be lost.
 */
static void send(void)
{
	long st;
	int tries = 0;

	rep.magic = HV_REPORT_MAGIC;
	rep.version = HV_REPORT_VERSION;
	rep.size = sizeof(rep);
	rep.boot_generation = hvstub_generation;
	do {
		rep.seq = ++report_seq;
		rep.time_tsc = rdtsc();
		st = hvstub_call(HC_REPORT, (u64)(unsigned long)&rep, sizeof(rep), NULL);
		if (st != HV_E_BUSY)
			break;
		mdelay(100);
	} while (++tries < 10);
	if (st == HV_OK)
		hvstub_reports++;
}

/* Stack words from sp up, as far as they can be read without faulting. */
static void stack_words(unsigned long sp)
{
	for (int i = 0; i < HV_REPORT_STACK_WORDS; i++)
		if (copy_from_kernel_nofault(&rep.stack[i], (void *)(sp + 8 * i), 8))
			break;
}

static bool begin(void)
{
	/* A report before the hello would be refused. */
	if (!READ_ONCE(hvstub_up))
		return false;
	/* A fault while reporting one is not reported again. */
	if (atomic_inc_return(&reporting) != 1) {
		atomic_dec(&reporting);
		return false;
	}
	memset(&rep, 0, sizeof(rep));
	return true;
}

static void end(void)
{
	atomic_dec(&reporting);
}

/*
 * The address of a kernel page fault.  Linux hands it to page_fault_oops()
 * but keeps it nowhere, and by the time the die chain runs CR2 may hold
 * another address: the oops printout reads the code bytes before RIP
 * without faulting for good, and at the start of a module's code those
 * lie on an unmapped page.  A kprobe on page_fault_oops() takes the
 * address (its third argument) on the way in; without it (kprobes off)
 * the report has CR2 as the die chain finds it.
 */
static unsigned long oops_address;
static bool oops_address_valid;

static int page_fault_oops_entry(struct kprobe *p, struct pt_regs *regs)
{
	oops_address = regs->dx;
	WRITE_ONCE(oops_address_valid, true);
	return 0;
}

static struct kprobe page_fault_oops_kp = {
	.symbol_name = "page_fault_oops",
	.pre_handler = page_fault_oops_entry,
};
static bool kprobe_on;

/* An oops (BUG, GPF, a kernel page fault, ...): Linux calls the die
 * chain with DIE_OOPS once per oops, after printing it. */
static int die_event(struct notifier_block *nb, unsigned long val, void *data)
{
	const struct die_args *args = data;
	unsigned int vector = args->trapnr >= 0 && args->trapnr < 32 ? args->trapnr : 0;
	const char *what = args->str;

	if (val != DIE_OOPS || args->regs == NULL || !begin())
		return NOTIFY_DONE;
	/* x86's kernel page fault oops (page_fault_oops()) is the one called
	 * plain "Oops", and it leaves the task's trap number unset. */
	if (what != NULL && strcmp(what, "Oops") == 0)
		vector = X86_TRAP_PF;
	rep.source = HV_SRC_EXCEPTION;
	rep.type = HV_REP_EXCEPTION;
	rep.vector = vector;
	rep.error_code = (u32)args->err;
	rep.rip = args->regs->ip;
	rep.rsp = args->regs->sp;
	if (vector == X86_TRAP_PF)
		rep.cr2 = READ_ONCE(oops_address_valid) ? oops_address : read_cr2();
	WRITE_ONCE(oops_address_valid, false);
	locate(rep.rip);
	stack_words(rep.rsp);
	/* Linux's text ("Oops" for a page fault) is vaguer than the vector. */
	if ((what == NULL || vector == X86_TRAP_PF) && vector_names[vector] != NULL)
		what = vector_names[vector];
	set_message(what != NULL ? what : "oops");
	send();
	end();
	return NOTIFY_DONE;
}

/* A panic: the message Linux formatted, located at panic()'s caller, with
 * the call chain from there as the stack excerpt. */
static int panic_event(struct notifier_block *nb, unsigned long val, void *data)
{
	unsigned long entries[24];
	unsigned int n, i, caller = 0;

	if (!begin())
		return NOTIFY_DONE;
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	for (i = 0; i + 1 < n; i++) {
		sprint_symbol_no_offset(symbol, entries[i]);
		if (strcmp(symbol, "panic") == 0) {
			caller = i + 1;
			break;
		}
	}
	rep.source = HV_SRC_PANIC;
	rep.type = HV_REP_PANIC;
	rep.rip = caller < n ? entries[caller] : 0;
	rep.rsp = current_stack_pointer;
	for (i = 0; i < HV_REPORT_STACK_WORDS && caller + i < n; i++)
		rep.stack[i] = entries[caller + i];
	locate(rep.rip);
	set_message(data != NULL ? (const char *)data : "panic");
	send();
	end();
	return NOTIFY_DONE;
}

static struct notifier_block die_nb = { .notifier_call = die_event };
static struct notifier_block panic_nb = { .notifier_call = panic_event };

int hvstub_report_register(void)
{
	int err = register_module_notifier(&module_nb);

	if (err)
		return err;
	err = register_die_notifier(&die_nb);
	if (err) {
		unregister_module_notifier(&module_nb);
		return err;
	}
	atomic_notifier_chain_register(&panic_notifier_list, &panic_nb);
	kprobe_on = register_kprobe(&page_fault_oops_kp) == 0;
	if (!kprobe_on)
		pr_warn("hvstub: no kprobe on page_fault_oops: page fault reports carry CR2 as "
			"the oops leaves it\n");
	return 0;
}

void hvstub_report_unregister(void)
{
	if (kprobe_on)
		unregister_kprobe(&page_fault_oops_kp);
	atomic_notifier_chain_unregister(&panic_notifier_list, &panic_nb);
	unregister_die_notifier(&die_nb);
	unregister_module_notifier(&module_nb);
}
