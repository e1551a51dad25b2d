/*
 * Exit handling: each decoded exit (vcpu/vcpu.h) is emulated, refused or
 * handed to the policy.
 */
#include <string.h>

#include "arch/x86/platform.h"
#include "hv/actions.h"
#include "hv/cpuid.h"
#include "hv/exits.h"
#include "hv/guest.h"
#include "hv/mov_cr.h"
#include "hv/msr.h"
#include "hv/report_check.h"
#include "lib/log.h"
#include "vcpu/x86_regs.h"

static void inject_exception(const struct vm *vm, enum x86_vector vector, bool has_error)
{
	const struct hv_inject e = { .type = INJ_EXCEPTION, .vector = vector, .has_error = has_error };

	vm->ops->inject(&e);
}

static const char *gpa_owner(const struct vm *vm, uint64_t gpa)
{
	const struct boot_info *bi = vm->boot;

	if (gpa >= bi->hv_base && gpa - bi->hv_base < bi->hv_size)
		return "hypervisor image";
	if (gpa >= 0xFEC00000ull && gpa < 0xFF000000ull)
		return "interrupt controllers (hypervisor-owned)";
	return "unassigned";
}

static void handle_mem_violation(struct vm *vm, const struct hv_event *ev)
{
	/* A policy that lets the guest go on must still refuse the access:
	 * the guest gets #GP(0) instead of the memory, unless the access
	 * came while an event was being delivered (a heartbeat NMI, say):
	 * that event is re-injected and must not be lost to the #GP; if it
	 * faults again, so does the guest's progress, and the watchdog
	 * sees it. */
	if (vm_simple_fault(vm, FAULT_MEM_VIOLATION, "gpa=0x%llx access=%s%s%s owner=\"%s\"",
			    (unsigned long long)ev->gpa, (ev->access & ACC_READ) ? "r" : "",
			    (ev->access & ACC_WRITE) ? "w" : "", (ev->access & ACC_EXEC) ? "x" : "",
			    gpa_owner(vm, ev->gpa)) == ACT_LOG &&
	    !vm->ops->injection_pending())
		inject_exception(vm, X86_VEC_GP, true);
}

static uint64_t msr_value_written(const struct vm *vm)
{
	return (vm->regs.rdx << 32) | (uint32_t)vm->regs.rax;
}

/* Deny by default (hv/msr.h): the few emulated MSRs answer, the rest get
 * #GP(0), as for an MSR the CPU does not have, and an event for the
 * policy. */
static void handle_msr(struct vm *vm, const struct hv_event *ev)
{
	uint64_t now = plat_tsc(), value = 0;
	enum msr_result r = ev->msr_write ? msr_write(&vm->msr, ev->msr, msr_value_written(vm), now)
					  : msr_read(&vm->msr, ev->msr, now, &value);

	if (r == MSR_REFUSED) {
		vm->stats.msr_blocked++;
		vm_simple_fault(vm, FAULT_BLOCKED_MSR, "msr=0x%x access=%s", ev->msr,
				ev->msr_write ? "w" : "r");
		inject_exception(vm, X86_VEC_GP, true);
		return;
	}
	if (r == MSR_DONE_OFFSET)
		vm->ops->set_tsc_offset(vm->msr.tsc_offset);
	if (!ev->msr_write) {
		vm->regs.rax = (uint32_t)value; /* RDMSR writes EDX:EAX, clearing the upper halves */
		vm->regs.rdx = value >> 32;
	}
	vm->ops->skip_insn(ev->insn_len);
}

/* The kernel printed its panic line (hv/dev/conwatch.h).  With the stub
 * up its typed report tells the policy more, so only a guest without one
 * gets this event. */
static void console_panic(struct vm *vm)
{
	char reason[CONWATCH_REASON_MAX];

	vm->dev.panic_line = false;
	if (vm->stub.up)
		return;
	memcpy(reason, vm->dev.console.reason, sizeof(reason));
	report_sanitize(reason, sizeof(reason));
	vm_simple_fault(vm, FAULT_PANIC, "source=console msg=\"%s\"", reason);
}

static void handle_io(struct vm *vm, const struct hv_event *ev)
{
	if (dev_io(&vm->dev, ev, &vm->regs.rax, plat_tsc())) {
		vm->ops->skip_insn(ev->insn_len);
		if (vm->dev.reboot)
			vm_guest_reboot(vm);
		else if (vm->dev.panic_line)
			console_panic(vm);
		return;
	}
	vm->stats.io_blocked++;
	vm_simple_fault(vm, FAULT_BLOCKED_IO, "port=0x%x access=%s size=%u", ev->port,
			ev->io_in ? "in" : "out", ev->io_size);
	/* Reads of a port nobody owns float high.  Like any write to EAX,
	 * IN EAX clears RAX's upper half; IN AL/AX keep the rest of RAX
	 * (Intel SDM 1 3.4.1.1). */
	if (ev->io_in && !ev->io_string)
		vm->regs.rax = ev->io_size == 4 ? 0xFFFFFFFFull
						: vm->regs.rax | ((1ull << (8 * ev->io_size)) - 1);
	vm->ops->skip_insn(ev->insn_len);
}

static void handle_cpuid(struct vm *vm, const struct hv_event *ev)
{
	uint32_t leaf = (uint32_t)vm->regs.rax, sub = (uint32_t)vm->regs.rcx, r[4];

	if (!cpuid_hv_leaf(leaf, r)) {
		__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
		cpuid_filter(leaf, sub, r);
		vm->ops->adjust_cpuid(leaf, sub, r);
	}
	vm->regs.rax = r[0];
	vm->regs.rbx = r[1];
	vm->regs.rcx = r[2];
	vm->regs.rdx = r[3];
	vm->ops->skip_insn(ev->insn_len);
}

/* The same meaning on both backends, as on a CPU without the feature
 * (CPUID hides MONITOR, SMX and XSAVE: hv/cpuid.c): #UD.  INVD runs as a
 * no-op: the guest's memory is write-back and coherent, and discarding
 * the caches would throw away the hypervisor's dirty lines too. */
static void handle_insn(struct vm *vm, const struct hv_event *ev)
{
	static const char *const names[] = {
		[INSN_MONITOR] = "monitor", [INSN_MWAIT] = "mwait", [INSN_INVD] = "invd",
		[INSN_GETSEC] = "getsec",   [INSN_XSETBV] = "xsetbv",
	};
	bool invd = ev->insn == INSN_INVD;

	/* The line shows the intercept is in place, even where (in an
	 * emulator) the native instruction would have done no visible harm. */
	if (vm_guest_line_allowed(vm))
		hv_log("guest insn=%s result=%s", ev->insn < sizeof(names) / sizeof(names[0]) &&
			names[ev->insn] ? names[ev->insn] : "?", invd ? "no-op" : "#UD");
	if (invd)
		vm->ops->skip_insn(ev->insn_len);
	else
		inject_exception(vm, X86_VEC_UD, false);
}

/* HLT, intercepted for a Linux guest (vcpu_config.hlt_exits).  With
 * interrupts on it waits for the next one: the caller idles until an
 * interrupt is due, then the guest continues after the HLT.  With
 * interrupts off nothing but an NMI could wake it, and a guest without a
 * stub gets none: that is how an OS without ACPI powers off or halts
 * (Linux's `halt -f`: interrupts off and HLT).  Not a fault: the run
 * ends with a record saying so. */
static bool handle_hlt(struct vm *vm, const struct hv_event *ev)
{
	vm->ops->skip_insn(ev->insn_len);
	if (vm->ops->get_rflags() & RFLAGS_IF)
		return true;
	hv_record(LOG_INFO, CAT_OUTCOME, "guest powered off rip=0x%llx generation=%llu",
		  (unsigned long long)vm->ops->get_rip(), (unsigned long long)vm->stub.generation);
	vm_stop(vm, "guest powered off");
	return false;
}

/* The vCPU cannot go on: the policy decides, and for these faults its
 * decision always takes the guest out of the run loop (a reset, or a park:
 * fault_needs_restart(), recovery.c); nothing stops without a decision. */
static void vcpu_cannot_run(struct vm *vm, enum fault_type type, const struct hv_event *ev)
{
	vm_simple_fault(vm, type, "code=0x%llx detail=0x%llx", (unsigned long long)ev->raw,
			(unsigned long long)ev->qual);
}

/* The code bytes at RIP, as many as are mapped (at most MOV_CR_MAX_LEN). */
static unsigned code_at_rip(const struct vm *vm, uint8_t *code)
{
	uint64_t rip = vm->ops->get_rip(), cr3 = vm->ops->get_cr3();
	unsigned n = 0;

	while (n < MOV_CR_MAX_LEN && guest_copy_from(cr3, rip + n, &code[n], 1))
		n++;
	return n;
}

/* The value of an intercepted MOV to CR: from the register the exit
 * names, or the one decoded from the instruction (hv/mov_cr.h).  False if
 * it cannot be decoded. */
static bool cr_write_value(const struct vm *vm, const struct hv_event *ev, uint64_t *value,
			   uint8_t *len)
{
	uint8_t code[MOV_CR_MAX_LEN];
	struct mov_cr m = { .cr = ev->cr, .gpr = ev->cr_gpr, .len = ev->insn_len };

	if (ev->cr_gpr == CR_GPR_UNKNOWN &&
	    (!mov_cr_decode(code, code_at_rip(vm, code), &m) || m.cr != ev->cr))
		return false;
	*value = guest_reg_by_number(&vm->regs, m.gpr, vm->ops->get_rsp());
	*len = m.len;
	return true;
}

/* Checked by the backend as the CPU checks it: a reserved bit, a feature
 * the guest does not have (CR4.VMXE, SMXE, OSXSAVE), a rule of long mode
 * gets #GP(0), as the CPU would give it (Intel SDM 3A 2.5, AMD APM 2
 * 3.1.3).  Not a policy event: it is the guest's own error, seen by its
 * own exception handling. */
static void handle_cr_write(struct vm *vm, const struct hv_event *ev)
{
	uint64_t value;
	uint8_t len;

	if (!cr_write_value(vm, ev, &value, &len)) {
		vcpu_cannot_run(vm, FAULT_UNHANDLED_EXIT, ev);
		return;
	}
	if (vm->ops->write_cr(ev->cr, value)) {
		vm->ops->skip_insn(len);
		return;
	}
	if (vm_guest_line_allowed(vm))
		hv_log("guest cr%u write refused value=0x%llx: #GP", ev->cr, (unsigned long long)value);
	inject_exception(vm, X86_VEC_GP, true);
}

bool exit_handle_other(struct vm *vm, const struct hv_event *ev)
{
	switch (ev->kind) {
	case EV_HLT:
		return handle_hlt(vm, ev);
	case EV_MEM_VIOLATION:
		handle_mem_violation(vm, ev);
		break;
	case EV_IO:
		handle_io(vm, ev);
		break;
	case EV_MSR:
		handle_msr(vm, ev);
		break;
	case EV_CPUID:
		handle_cpuid(vm, ev);
		break;
	case EV_TRIPLE_FAULT:
		vm_simple_fault(vm, FAULT_TRIPLE_FAULT, "source=cpu");
		break;
	case EV_HOST_NMI:
		hv_log("platform NMI while the guest ran: forwarded");
		wd_queue_platform(&vm->wd);
		break;
	case EV_HOST_INTR:
		hv_log("stray host interrupt vector=%llu acknowledged", (unsigned long long)(ev->qual & 0xFF));
		break;
	case EV_VIRT_INSN:
		inject_exception(vm, X86_VEC_UD, false);
		break;
	case EV_INSN:
		handle_insn(vm, ev);
		break;
	case EV_CR_WRITE:
		handle_cr_write(vm, ev);
		break;
	case EV_ENTRY_FAILED:
		vcpu_cannot_run(vm, FAULT_ENTRY_FAILED, ev);
		break;
	default:
		vcpu_cannot_run(vm, FAULT_UNHANDLED_EXIT, ev);
		break;
	}
	return false;
}
