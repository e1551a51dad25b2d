/*
 * hv/exits.c, the core's handling of each decoded exit, against a fake
 * backend and fake fault/log glue: what goes to the guest (#GP, #UD, a
 * skipped instruction, register values), what reaches the policy, and
 * what the backend is asked to do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv/actions.h"
#include "hv/exits.h"
#include "hv/guest.h"
#include "lib/log.h"

/* ---- the fake backend --------------------------------------------------- */
static struct {
	bool event_pending;          /* something waits in the injection field */
	unsigned injects;
	struct hv_inject last;
	uint64_t skipped;            /* total instruction bytes skipped */
	uint64_t tsc_offset;
	unsigned offset_writes;
	bool cr_ok;                  /* write_cr's answer */
	unsigned cr_writes;
	uint64_t cr_value;
	uint64_t rip, rsp, cr3, rflags;
} be;

static void inject(const struct hv_inject *inj)
{
	be.injects++;
	be.last = *inj;
}
static void skip_insn(uint8_t len) { be.skipped += len; }
static uint64_t get_rip(void) { return be.rip; }
static uint64_t get_rsp(void) { return be.rsp; }
static uint64_t get_cr3(void) { return be.cr3; }
static uint64_t get_rflags(void) { return be.rflags; }
static void adjust_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) { (void)leaf, (void)sub, (void)r; }
static void set_tsc_offset(uint64_t off) { be.tsc_offset = off, be.offset_writes++; }
static bool injection_pending(void) { return be.event_pending; }
static bool write_cr(unsigned cr, uint64_t value)
{
	assert_int_equal(cr, 4);
	be.cr_writes++;
	be.cr_value = value;
	return be.cr_ok;
}

static const struct vcpu_ops fake_ops = {
	.name = "fake", .inject = inject, .skip_insn = skip_insn, .get_rip = get_rip,
	.get_rsp = get_rsp, .get_cr3 = get_cr3, .adjust_cpuid = adjust_cpuid,
	.set_tsc_offset = set_tsc_offset, .injection_pending = injection_pending,
	.write_cr = write_cr, .get_rflags = get_rflags,
};

/* ---- fake glue: faults, log, platform, guest memory ---------------------- */
static struct {
	unsigned count;
	enum fault_type type;
	enum policy_action answer;
} faults;
static uint8_t code_bytes[8];   /* the guest's code at RIP */
static unsigned code_mapped;    /* how many of them are mapped */
static uint64_t host_tsc = 1000000;

enum policy_action vm_simple_fault(struct vm *vm, enum fault_type type, const char *fmt, ...)
{
	(void)vm, (void)fmt;
	faults.count++;
	faults.type = type;
	return faults.answer;
}
bool vm_guest_line_allowed(struct vm *vm) { (void)vm; return true; }
static const char *stop_reason;
static unsigned reboots;
void vm_guest_reboot(struct vm *vm) { reboots++, vm->dev.reboot = false; }
void vm_stop(struct vm *vm, const char *reason) { vm->stopped = true, stop_reason = reason; }
void hv_record(enum log_level level, enum log_cat cat, const char *fmt, ...) { (void)level, (void)cat, (void)fmt; }
uint64_t plat_tsc(void) { return host_tsc; }
static unsigned console_bytes;
void plat_guest_console_init(void) {}
void plat_guest_console_write(const uint8_t *buf, unsigned len) { (void)buf; console_bytes += len; }
unsigned plat_guest_console_read(uint8_t *buf, unsigned max) { (void)buf, (void)max; return 0; }
void wd_queue_platform(struct watchdog *wd) { (void)wd; }
void hypercall_handle(struct vm *vm) { (void)vm; }
bool guest_copy_from(uint64_t cr3, uint64_t gva, void *dst, uint64_t len)
{
	assert_int_equal(cr3, be.cr3);
	if (gva < be.rip || gva + len > be.rip + code_mapped)
		return false;
	memcpy(dst, &code_bytes[gva - be.rip], len);
	return true;
}

static struct boot_info boot = { .hv_base = 0x1000000, .hv_size = 0x100000 };
static struct vm vm;

static int setup(void **state)
{
	(void)state;
	memset(&be, 0, sizeof(be));
	memset(&faults, 0, sizeof(faults));
	memset(&vm, 0, sizeof(vm));
	vm.ops = &fake_ops;
	vm.boot = &boot;
	be.rip = 0x100000;
	be.cr3 = 0x3000;
	code_mapped = 0;
	return 0;
}

static struct hv_event event(enum hv_event_kind kind)
{
	return (struct hv_event){ .kind = kind };
}

/* A mem_violation the policy only logs: #GP, unless an event is being
 * (re)injected, which must not be replaced (a heartbeat NMI lost). */
static void test_mem_violation_keeps_pending_event(void **state)
{
	struct hv_event ev = event(EV_MEM_VIOLATION);
	(void)state;

	ev.gpa = 0x1000000;
	ev.access = ACC_WRITE;
	faults.answer = ACT_LOG;
	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.type, FAULT_MEM_VIOLATION);
	assert_int_equal(be.injects, 1);
	assert_int_equal(be.last.vector, X86_VEC_GP);
	be.event_pending = true;
	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.count, 2);
	assert_int_equal(be.injects, 1); /* nothing over the pending event */
	faults.answer = ACT_RESET;
	be.event_pending = false;
	exit_handle_other(&vm, &ev);
	assert_int_equal(be.injects, 1); /* a reset: the guest is not going on */
}

/* MSRs: emulated ones answer and skip; a TSC write moves the backend's
 * offset only; everything else is #GP and a blocked_msr fault. */
static void test_msr_paths(void **state)
{
	struct hv_event ev = event(EV_MSR);
	(void)state;

	ev.insn_len = 2;
	ev.msr = 0x10;
	vm.regs.rax = 0xFFFFFFFF00000000ull | 5; /* RDMSR ignores, WRMSR takes EDX:EAX */
	vm.regs.rdx = 0;
	ev.msr_write = true;
	exit_handle_other(&vm, &ev);
	assert_int_equal(be.offset_writes, 1);
	assert_int_equal(be.tsc_offset, (uint64_t)5 - host_tsc);
	assert_int_equal(be.skipped, 2);
	ev.msr_write = false;
	host_tsc += 10;
	exit_handle_other(&vm, &ev);
	assert_int_equal(vm.regs.rax, 15);
	assert_int_equal(vm.regs.rdx, 0);
	assert_int_equal(faults.count, 0);
	ev.msr = 0x570; /* IA32_RTIT_CTL */
	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.type, FAULT_BLOCKED_MSR);
	assert_int_equal(be.last.vector, X86_VEC_GP);
	assert_int_equal(be.skipped, 4); /* not skipped: the #GP is at the RDMSR */
	assert_int_equal(vm.stats.msr_blocked, 1);
}

static void test_insns(void **state)
{
	struct hv_event ev = event(EV_INSN);
	(void)state;

	ev.insn = INSN_INVD;
	ev.insn_len = 2;
	exit_handle_other(&vm, &ev);
	assert_int_equal(be.skipped, 2);
	assert_int_equal(be.injects, 0);
	static const uint8_t ud[] = { INSN_MONITOR, INSN_MWAIT, INSN_GETSEC, INSN_XSETBV };
	for (unsigned i = 0; i < sizeof(ud); i++) {
		ev.insn = ud[i];
		exit_handle_other(&vm, &ev);
		assert_int_equal(be.last.vector, X86_VEC_UD);
	}
	assert_int_equal(be.injects, 4);
	assert_int_equal(be.skipped, 2);
	assert_int_equal(faults.count, 0);
}

/* SVM's CR4 write: the MOV decoded at RIP, the register's value handed to
 * write_cr; a refusal is #GP; code that is not a MOV to CR4 cannot be
 * handled: the policy decides. */
static void test_cr_write_decoded(void **state)
{
	struct hv_event ev = event(EV_CR_WRITE);
	(void)state;

	ev.cr = 4;
	ev.cr_gpr = CR_GPR_UNKNOWN;
	memcpy(code_bytes, (const uint8_t[]){ 0x41, 0x0F, 0x22, 0xE1 }, 4); /* mov %r9,%cr4 */
	code_mapped = 4;
	vm.regs.r9 = 0x220;
	be.cr_ok = true;
	exit_handle_other(&vm, &ev);
	assert_int_equal(be.cr_value, 0x220);
	assert_int_equal(be.skipped, 4);
	be.cr_ok = false;
	exit_handle_other(&vm, &ev);
	assert_int_equal(be.last.vector, X86_VEC_GP);
	assert_int_equal(be.skipped, 4);
	/* mov %rsp,%cr4: RSP comes from the backend */
	memcpy(code_bytes, (const uint8_t[]){ 0x0F, 0x22, 0xE4 }, 3);
	be.rsp = 0x40020;
	exit_handle_other(&vm, &ev);
	assert_int_equal(be.cr_value, 0x40020);
	assert_int_equal(faults.count, 0);
	code_mapped = 2; /* the rest of the instruction on an unmapped page */
	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.type, FAULT_UNHANDLED_EXIT);
}

/* VMX names the register: no decoding (the code at RIP is not read). */
static void test_cr_write_known(void **state)
{
	struct hv_event ev = event(EV_CR_WRITE);
	(void)state;

	ev.cr = 4;
	ev.cr_gpr = 3; /* RBX */
	vm.regs.rbx = 0x2020;
	ev.insn_len = 3;
	be.cr_ok = false;
	exit_handle_other(&vm, &ev);
	assert_int_equal(be.cr_value, 0x2020);
	assert_int_equal(be.last.vector, X86_VEC_GP);
	assert_int_equal(be.skipped, 0);
}

/* Nothing stops without a decision: a failed entry and an exit with no
 * handler are faults for the policy (which then takes the guest out of
 * the run loop: test_recovery_reset.c), nothing is injected, and the run
 * does not end here. */
static void test_cannot_run(void **state)
{
	struct hv_event ev = event(EV_ENTRY_FAILED);
	(void)state;

	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.type, FAULT_ENTRY_FAILED);
	assert_false(vm.stopped);
	ev = event(EV_UNHANDLED);
	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.type, FAULT_UNHANDLED_EXIT);
	assert_false(vm.stopped);
	assert_int_equal(faults.count, 2);
	assert_int_equal(be.injects, 0);
	assert_int_equal(be.skipped, 0);
}

/* The PIT, PIC and COM2 ports: emulated for a Linux guest, blocked (a
 * policy event, all-ones) for an ELF guest. */
static void test_device_ports(void **state)
{
	struct hv_event ev = event(EV_IO);
	(void)state;

	ev.port = 0x61;
	ev.io_size = 1;
	ev.io_in = true;
	ev.insn_len = 1;
	vm.regs.rax = 0x1234;
	exit_handle_other(&vm, &ev); /* ELF guest: no devices */
	assert_int_equal(faults.type, FAULT_BLOCKED_IO);
	assert_int_equal(vm.regs.rax, 0x12FF);
	dev_reset(&vm.dev, true, 1000000000ull, host_tsc);
	faults.count = 0;
	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.count, 0);
	assert_int_equal(vm.regs.rax & 0x21, 0); /* gate off, OUT2 low */
	assert_int_equal(vm.regs.rax & ~0xFFull, 0x1200); /* IN AL keeps the rest of RAX */
	assert_int_equal(be.skipped, 2);
	/* OUT to COM2's THR reaches the real port */
	ev.port = 0x2F8;
	ev.io_in = false;
	vm.regs.rax = 'x';
	exit_handle_other(&vm, &ev);
	assert_int_equal(console_bytes, 1);
	/* A port next to the devices is still nobody's */
	ev.port = 0x62;
	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.type, FAULT_BLOCKED_IO);
	assert_int_equal(faults.count, 1);
}

/* A Linux guest's reboot: the keyboard controller's pulse-reset command
 * or port 0xCF9 bit 2 going to 1; the controller's status reads idle. */
static void test_reboot_ports(void **state)
{
	struct hv_event ev = event(EV_IO);
	(void)state;

	dev_reset(&vm.dev, true, 1000000000ull, host_tsc);
	reboots = 0;
	ev.port = 0x64;
	ev.io_size = 1;
	ev.io_in = true;
	vm.regs.rax = 0xFF;
	exit_handle_other(&vm, &ev);
	assert_int_equal(vm.regs.rax, 0); /* input and output buffers empty */
	ev.io_in = false;
	vm.regs.rax = 0xAA; /* some other command: nothing */
	exit_handle_other(&vm, &ev);
	assert_int_equal(reboots, 0);
	vm.regs.rax = 0xFE;
	exit_handle_other(&vm, &ev);
	assert_int_equal(reboots, 1);
	ev.port = 0xCF9;
	vm.regs.rax = 0x02; /* Linux: hard reset selected, then the reset bit */
	exit_handle_other(&vm, &ev);
	assert_int_equal(reboots, 1);
	vm.regs.rax = 0x06;
	exit_handle_other(&vm, &ev);
	assert_int_equal(reboots, 2);
	assert_int_equal(faults.count, 0);
	/* an ELF guest: the same ports are nobody's */
	dev_reset(&vm.dev, false, 1000000000ull, host_tsc);
	vm.regs.rax = 0xFE;
	ev.port = 0x64;
	exit_handle_other(&vm, &ev);
	assert_int_equal(reboots, 2);
	assert_int_equal(faults.type, FAULT_BLOCKED_IO);
}

/* The CMOS clock: readable at once (no update in progress), the guest's
 * uptime in BCD; port 0x80 a sink; no events. */
static void test_cmos_and_post(void **state)
{
	struct hv_event ev = event(EV_IO);
	(void)state;

	dev_reset(&vm.dev, true, 1000000ull, host_tsc);
	ev.io_size = 1;
	ev.port = 0x70;
	vm.regs.rax = 0x8A; /* NMI mask bit, register A */
	exit_handle_other(&vm, &ev);
	ev.port = 0x71;
	ev.io_in = true;
	exit_handle_other(&vm, &ev);
	assert_int_equal(vm.regs.rax & 0x80, 0); /* UIP clear */
	ev.port = 0x70;
	ev.io_in = false;
	vm.regs.rax = 0x02; /* minutes */
	exit_handle_other(&vm, &ev);
	host_tsc += 1000000ull * 754; /* 12 min 34 s later */
	ev.port = 0x71;
	ev.io_in = true;
	exit_handle_other(&vm, &ev);
	assert_int_equal(vm.regs.rax & 0xFF, 0x12);
	ev.port = 0x80;
	ev.io_in = false;
	exit_handle_other(&vm, &ev);
	assert_int_equal(faults.count, 0);
}

/* A Linux guest's HLT: with interrupts on the caller waits for one;
 * with interrupts off the guest has powered off: the run ends, with no
 * fault. */
static void test_hlt(void **state)
{
	struct hv_event ev = event(EV_HLT);
	(void)state;

	ev.insn_len = 1;
	be.rflags = 0x202;
	assert_true(exit_handle_other(&vm, &ev));
	assert_int_equal(be.skipped, 1);
	assert_false(vm.stopped);
	be.rflags = 0x2;
	assert_false(exit_handle_other(&vm, &ev));
	assert_true(vm.stopped);
	assert_string_equal(stop_reason, "guest powered off");
	assert_int_equal(faults.count, 0);
	/* nothing else halts */
	vm.stopped = false;
	ev = event(EV_CPUID);
	assert_false(exit_handle_other(&vm, &ev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mem_violation_keeps_pending_event, setup),
		cmocka_unit_test_setup(test_msr_paths, setup),
		cmocka_unit_test_setup(test_insns, setup),
		cmocka_unit_test_setup(test_cr_write_decoded, setup),
		cmocka_unit_test_setup(test_cr_write_known, setup),
		cmocka_unit_test_setup(test_cannot_run, setup),
		cmocka_unit_test_setup(test_device_ports, setup),
		cmocka_unit_test_setup(test_hlt, setup),
		cmocka_unit_test_setup(test_reboot_ports, setup),
		cmocka_unit_test_setup(test_cmos_and_post, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
