/*
 * Is hardware virtualization switched off in the firmware setup?  Asked
 * before takeover, while the firmware can still be told (a UEFI status):
 * afterwards setting EFER.SVME or VMXON would fault, and all that would be
 * left is a crash record.
 *
 * AMD: VM_CR.SVMDIS (MSR 0xC0010114 bit 4; APM 2 15.30.1) set, usually
 * with VM_CR.LOCK, makes EFER.SVME=1 raise #GP (APM 2 15.4).  Bochs does
 * not implement VM_CR at all (its RDMSR raises #GP), so the MSR is read
 * under a private IDT that turns that #GP into "no such MSR".
 * Intel: IA32_FEATURE_CONTROL locked with VMX outside SMX clear (SDM 3C
 * 23.7).
 */
#include "arch/x86/platform.h"
#include "arch/x86/x86.h"

#define VM_CR_SVMDIS (1ull << 4)
#define IDT_VECTOR_GP 13
#define IDT_GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate */
#define RFLAGS_IF (1ull << 9)

struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "a long-mode IDT gate is 16 bytes");

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Only #GP is present: the window is a few instructions with interrupts
 * off.  The handler drops the error code, steps over the 2-byte RDMSR
 * (0F 32) and says so in r8. */
static struct idt_gate probe_idt[IDT_VECTOR_GP + 1];
extern char virt_fw_gp_handler[] __attribute__((visibility("hidden")));
__asm__(".text\n.globl virt_fw_gp_handler\n.hidden virt_fw_gp_handler\n"
	"virt_fw_gp_handler:\n"
	"\tadd $8, %rsp\n"
	"\taddq $2, (%rsp)\n"
	"\tmov $1, %r8d\n"
	"\tiretq\n");

static bool rdmsr_safe(uint32_t msr, uint64_t *value)
{
	struct idt_pointer saved, probe = { sizeof(probe_idt) - 1, (uint64_t)(uintptr_t)probe_idt };
	uint64_t handler = (uint64_t)(uintptr_t)virt_fw_gp_handler, rflags;
	register uint64_t faulted __asm__("r8") = 0;
	uint32_t lo = 0, hi = 0;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	probe_idt[IDT_VECTOR_GP] = (struct idt_gate){
		.offset_lo = (uint16_t)handler, .selector = cs, .type = IDT_GATE_INTERRUPT,
		.offset_mid = (uint16_t)(handler >> 16), .offset_hi = (uint32_t)(handler >> 32),
	};
	__asm__ volatile("pushfq; pop %0; cli; sidt %1; lidt %2"
			 : "=r"(rflags), "=m"(saved) : "m"(probe) : "memory");
	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi), "+r"(faulted) : "c"(msr) : "memory");
	__asm__ volatile("lidt %0" : : "m"(saved) : "memory");
	if (rflags & RFLAGS_IF)
		__asm__ volatile("sti");
	*value = ((uint64_t)hi << 32) | lo;
	return faulted == 0;
}

static bool simulate_svmdis; /* test aid simulate=svmdis: set only by test builds */

void plat_simulate_svmdis(void)
{
	simulate_svmdis = true;
}

bool plat_svm_disabled_by_firmware(void)
{
	uint32_t r[4];
	uint64_t vm_cr;

	cpuid(0x80000000u, 0, r);
	if (r[0] < 0x80000001u)
		return false;
	cpuid(0x80000001u, 0, r);
	if (!(r[2] & CPUID_80000001_ECX_SVM))
		return false;
	if (simulate_svmdis)
		return true;
	return rdmsr_safe(MSR_VM_CR, &vm_cr) && (vm_cr & VM_CR_SVMDIS);
}

bool plat_vmx_disabled_by_firmware(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & CPUID_1_ECX_VMX))
		return false;
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	return (fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX);
}
