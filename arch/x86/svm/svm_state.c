/*
 * The guest's architectural state in the VMCB (AMD APM Vol. 2, 15.5.1):
 * its 64-bit boot state, the whole state read out and put back for a
 * checkpoint (vcpu_ops.get_state, set_state), and the CR4 and EFER bits
 * this CPU lets the guest set.  Setup and checkpoint paths only: the
 * per-exit path is in svm.c.
 */
#include "vcpu/vcpu.h"
#include "arch/x86/x86.h"
#include "arch/x86/svm/svm_priv.h"

/* SVM segment attributes (APM 2 15.5.1 and Table B-2): descriptor bits
 * 40-47 (type, S, DPL, P) in attrib 0-7, bits 52-55 (AVL, L, D/B, G) in
 * attrib 8-11. */
static uint16_t svm_seg_attrib(uint64_t desc)
{
	return (uint16_t)(((desc >> 40) & 0xFF) | ((desc >> 44) & 0xF00));
}

static void set_seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

/* A code or data segment as the GDT describes it. */
static void set_seg_from(struct vmcb_seg *s, uint16_t sel, uint64_t desc)
{
	set_seg(s, sel, svm_seg_attrib(desc), seg_desc_limit(desc), seg_desc_base(desc));
}

static void setup_guest_segments(struct vmcb *v, const struct vcpu_boot_state *b)
{
	struct vmcb_seg *data_segs[] = { &v->ss, &v->ds, &v->es, &v->fs, &v->gs };

	set_seg_from(&v->cs, b->code_sel, b->code_desc);
	for (unsigned i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
		set_seg_from(data_segs[i], b->data_sel, b->data_desc);
	set_seg(&v->tr, 0, 0x8B, 0x67, 0); /* busy 64-bit TSS */
	set_seg(&v->ldtr, 0, 0, 0, 0);
}

/* 64-bit guest state from the core's boot state (docs/guest-boot.md). */
void svm_state_boot(struct vmcb *v, const struct vcpu_config *cfg)
{
	const struct vcpu_boot_state *b = &cfg->boot;

	setup_guest_segments(v, b);
	v->gdtr.base = cfg->gdt_gpa;
	v->gdtr.limit = cfg->gdt_limit;
	v->idtr.base = 0;
	v->idtr.limit = 0;
	v->cpl = 0;
	/* EFER.SVME must stay set in the guest (APM 2 15.5.1, VMRUN checks);
	 * the test aid clears it so that VMRUN refuses the state. */
	v->efer = cfg->test_break == VCPU_BREAK_BAD_ENTRY ? b->efer & ~EFER_SVME : b->efer | EFER_SVME;
	/* The guest-owned registers the VMCB holds, at their reset values. */
	v->star = v->lstar = v->cstar = v->sfmask = v->kernel_gs_base = 0;
	v->sysenter_cs = v->sysenter_esp = v->sysenter_eip = 0;
	v->cr2 = 0;
	v->tsc_offset = 0;
	v->cr0 = b->cr0;
	v->cr3 = cfg->guest_cr3;
	v->cr4 = b->cr4;
	v->dr6 = 0xFFFF0FF0;
	v->dr7 = 0x400;
	v->rflags = 0x2;
	v->rip = cfg->entry_rip;
	v->rsp = cfg->entry_rsp;
	v->rax = 0;
	v->g_pat = b->pat;
}

/* The CR4 bits of features this CPU reports (CPUID 1 and 7), without
 * those the guest is not given (CR4_GUEST_MAY_NOT_SET: OSXSAVE; VMXE and
 * SMXE are reserved on AMD anyway). */
uint64_t svm_cr4_allowed(void)
{
	static const struct { uint32_t leaf; uint8_t reg, bit; uint64_t cr4; } has[] = {
		{ 1, 3, 1, 3ull << 0 },   /* VME: VME, PVI */
		{ 1, 3, 4, 1ull << 2 },   /* TSC: TSD */
		{ 1, 3, 2, 1ull << 3 },   /* DE */
		{ 1, 3, 3, 1ull << 4 },   /* PSE */
		{ 1, 3, 6, 1ull << 5 },   /* PAE */
		{ 1, 3, 7, 1ull << 6 },   /* MCE */
		{ 1, 3, 13, 1ull << 7 },  /* PGE */
		{ 1, 3, 24, 3ull << 9 },  /* FXSR: OSFXSR, OSXMMEXCPT */
		{ 1, 2, 17, 1ull << 17 }, /* PCID */
		{ 7, 1, 0, 1ull << 16 },  /* FSGSBASE */
		{ 7, 1, 7, 1ull << 20 },  /* SMEP */
		{ 7, 1, 20, 1ull << 21 }, /* SMAP */
		{ 7, 2, 2, 1ull << 11 },  /* UMIP */
		{ 7, 2, 3, 1ull << 22 },  /* PKU */
		{ 7, 2, 16, 1ull << 12 }, /* LA57 */
	};
	uint32_t r1[4], r7[4] = { 0 }, r0[4];
	uint64_t cr4_allowed;

	cpuid(0, 0, r0);
	cpuid(1, 0, r1);
	if (r0[0] >= 7)
		cpuid(7, 0, r7);
	cr4_allowed = 1ull << 8; /* PCE */
	for (unsigned i = 0; i < sizeof(has) / sizeof(has[0]); i++) {
		const uint32_t *r = has[i].leaf == 1 ? r1 : r7;
		if (r[has[i].reg] & (1u << has[i].bit))
			cr4_allowed |= has[i].cr4;
	}
	return cr4_allowed & ~CR4_GUEST_MAY_NOT_SET;
}

/* The EFER bits this CPU has (APM 2 3.1.7): SCE, LME, LMA always in
 * long mode; NXE, FFXSR, TCE where CPUID reports NX, FFXSR, TCE.  A write
 * setting any other bit gets #GP, as on the CPU; VMRUN would refuse it
 * (APM 2 15.5.1: EFER MBZ bits). */
uint64_t svm_efer_allowed(void)
{
	uint32_t r[4];
	uint64_t efer_allowed;

	cpuid(0x80000001u, 0, r);
	efer_allowed = EFER_SCE | EFER_LME | EFER_LMA;
	if (r[3] & (1u << 20))
		efer_allowed |= EFER_NXE;
	if (r[3] & (1u << 25))
		efer_allowed |= EFER_FFXSR;
	if (r[2] & (1u << 17))
		efer_allowed |= EFER_TCE;
	return efer_allowed;
}

static void svm_seg(struct vcpu_seg *out, const struct vmcb_seg *in)
{
	out->sel = in->selector;
	/* APM 2 15.5.1: the 12-bit attribute is descriptor bits 40-47 and
	 * 52-55; VMX keeps the second group at 12-15. */
	out->attr = (uint32_t)(in->attrib & 0xff) | ((uint32_t)(in->attrib & 0xf00) << 4);
	out->limit = in->limit;
	out->base = in->base;
}

void svm_state_get(const struct vmcb *v, struct vcpu_state *out)
{
	out->rip = v->rip;
	out->rsp = v->rsp;
	out->rflags = v->rflags;
	out->cr0 = v->cr0;
	out->cr2 = v->cr2;
	out->cr3 = v->cr3;
	out->cr4 = v->cr4;
	out->efer = v->efer & ~EFER_SVME; /* SVME is the hypervisor's, not the guest's */
	out->dr7 = v->dr7;
	svm_seg(&out->es, &v->es);
	svm_seg(&out->cs, &v->cs);
	svm_seg(&out->ss, &v->ss);
	svm_seg(&out->ds, &v->ds);
	svm_seg(&out->fs, &v->fs);
	svm_seg(&out->gs, &v->gs);
	svm_seg(&out->ldtr, &v->ldtr);
	svm_seg(&out->tr, &v->tr);
	out->gdtr_base = v->gdtr.base;
	out->gdtr_limit = v->gdtr.limit;
	out->idtr_base = v->idtr.base;
	out->idtr_limit = v->idtr.limit;
	out->pending_event = v->eventinj;
	out->vectoring_event = v->exitintinfo;
	out->interruptibility = v->interrupt_shadow;
	out->pat = v->g_pat;
	out->sysenter_cs = v->sysenter_cs;
	out->sysenter_esp = v->sysenter_esp;
	out->sysenter_eip = v->sysenter_eip;
	out->star = v->star;
	out->lstar = v->lstar;
	out->cstar = v->cstar;
	out->sfmask = v->sfmask;
	out->kernel_gs_base = v->kernel_gs_base;
}

static void svm_set_seg(struct vmcb_seg *out, const struct vcpu_seg *in)
{
	out->selector = in->sel;
	out->attrib = (uint16_t)((in->attr & 0xff) | ((in->attr >> 4) & 0xf00)); /* see svm_seg */
	out->limit = in->limit;
	out->base = in->base;
}

void svm_state_set(struct vmcb *v, const struct vcpu_state *in)
{
	v->rip = in->rip;
	v->rsp = in->rsp;
	v->rflags = in->rflags;
	v->cr0 = in->cr0;
	v->cr2 = in->cr2;
	v->cr3 = in->cr3;
	v->cr4 = in->cr4;
	v->efer = in->efer | EFER_SVME; /* SVME must stay set in the guest's EFER (APM 2 15.5.1) */
	v->dr7 = in->dr7;
	svm_set_seg(&v->es, &in->es);
	svm_set_seg(&v->cs, &in->cs);
	svm_set_seg(&v->ss, &in->ss);
	svm_set_seg(&v->ds, &in->ds);
	svm_set_seg(&v->fs, &in->fs);
	svm_set_seg(&v->gs, &in->gs);
	svm_set_seg(&v->ldtr, &in->ldtr);
	svm_set_seg(&v->tr, &in->tr);
	/* CPL is the DPL of SS in long mode (APM 2 15.5.1). */
	v->cpl = (uint8_t)((in->ss.attr >> 5) & 3);
	v->gdtr.base = in->gdtr_base;
	v->gdtr.limit = in->gdtr_limit;
	v->idtr.base = in->idtr_base;
	v->idtr.limit = in->idtr_limit;
	v->eventinj = 0;
	v->interrupt_shadow = in->interruptibility & 1;
	v->g_pat = in->pat;
	v->sysenter_cs = in->sysenter_cs;
	v->sysenter_esp = in->sysenter_esp;
	v->sysenter_eip = in->sysenter_eip;
	v->star = in->star;
	v->lstar = in->lstar;
	v->cstar = in->cstar;
	v->sfmask = in->sfmask;
	v->kernel_gs_base = in->kernel_gs_base;
	v->tlb_control = SVM_TLB_FLUSH_ALL; /* a new CR3 and page tables */
}
