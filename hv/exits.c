/*
 * Exit handling: each decoded exit (vcpu/vcpu.h) is emulated, refused or
 * handed to the policy.
 */
#include "hv/actions.h"
#include "hv/exits.h"
#include "lib/log.h"

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
	 * the guest gets #GP(0) instead of the memory. */
	if (vm_simple_fault(vm, FAULT_MEM_VIOLATION, "gpa=0x%llx access=%s%s%s owner=\"%s\"",
			    (unsigned long long)ev->gpa, (ev->access & ACC_READ) ? "r" : "",
			    (ev->access & ACC_WRITE) ? "w" : "", (ev->access & ACC_EXEC) ? "x" : "",
			    gpa_owner(vm, ev->gpa)) == ACT_LOG)
		inject_exception(vm, X86_VEC_GP, true);
}

/* MSRs the guest may not touch (the intercept bitmaps name them): #GP,
 * as for an MSR the CPU does not have, and an event for the policy. */
static void handle_msr(struct vm *vm, const struct hv_event *ev)
{
	vm->stats.msr_blocked++;
	vm_simple_fault(vm, FAULT_BLOCKED_MSR, "msr=0x%x access=%s", ev->msr, ev->msr_write ? "w" : "r");
	inject_exception(vm, X86_VEC_GP, true);
}

static void handle_io(struct vm *vm, const struct hv_event *ev)
{
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

#define HV_CPUID_BASE 0x40000000u
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

static void handle_cpuid(struct vm *vm, const struct hv_event *ev)
{
	uint32_t leaf = (uint32_t)vm->regs.rax, sub = (uint32_t)vm->regs.rcx, r[4];

	if (leaf == HV_CPUID_BASE) {
		/* max leaf, then "WatchdogHV  " as the vendor signature */
		r[0] = HV_CPUID_BASE;
		r[1] = 0x63746157; /* "Watc" */
		r[2] = 0x676f6468; /* "hdog" */
		r[3] = 0x20205648; /* "HV  " */
	} else {
		__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
		if (leaf == 1)
			r[2] |= CPUID_1_ECX_HYPERVISOR;
		vm->ops->adjust_cpuid(leaf, sub, r);
	}
	vm->regs.rax = r[0];
	vm->regs.rbx = r[1];
	vm->regs.rcx = r[2];
	vm->regs.rdx = r[3];
	vm->ops->skip_insn(ev->insn_len);
}

void exit_handle_other(struct vm *vm, const struct hv_event *ev)
{
	switch (ev->kind) {
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
	case EV_ENTRY_FAILED:
		hv_log("ERROR guest entry failed code=0x%llx detail=0x%llx", (unsigned long long)ev->raw,
		       (unsigned long long)ev->qual);
		vm_stop(vm, "entry failed");
		break;
	default:
		hv_log("unhandled exit code=0x%llx qual=0x%llx rip=0x%llx", (unsigned long long)ev->raw,
		       (unsigned long long)ev->qual, (unsigned long long)vm->ops->get_rip());
		vm_stop(vm, "unhandled exit");
		break;
	}
}
