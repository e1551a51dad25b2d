/*
 * The hypervisor's own CPU tables: GDT with a 64-bit TSS (IST stacks for
 * NMI, #DF and #MC), IDT, and identity page tables.  All static, so they
 * stay valid after the firmware is gone (UEFI) or was never there
 * (Multiboot2).
 */
#include <stdint.h>
#include <string.h>

#include "vcpu/vcpu.h"
#include "lib/crc32.h"
#include "arch/x86/platform.h"
#include "arch/x86/tables_crc.h"
#include "arch/x86/x86.h"
#include "lib/arena.h"

#define IDENTITY_GIB 64 /* 2 MiB pages over the first 64 GiB */
#define IST_STACK_SIZE 8192
#define IDT_VECTORS 256

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes (SDM 3A 8.7)");

struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
};

static uint64_t gdt[5] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static uint8_t ist_stacks[3][IST_STACK_SIZE] HV_ARENA;
static uint64_t host_pml4[512] __attribute__((aligned(4096)));
static uint64_t host_pdpt[512] __attribute__((aligned(4096)));
static uint64_t host_pd[IDENTITY_GIB][512] HV_ARENA;

/* Entry stubs in isr.S. */
extern const uint64_t isr_stub_table[32];
extern void isr_nmi(void);
extern void isr_ignore(void);
extern void isr_lapic_tick(void);
extern void cpu_load_tables(const struct desc_ptr *gdtr, const struct desc_ptr *idtr,
			    uint16_t tss_sel);

enum { IST_NMI = 1, IST_DF = 2, IST_MC = 3 };

static void build_gdt(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFull; /* 64-bit code, DPL 0 */
	gdt[2] = 0x00CF92000000FFFFull; /* data, DPL 0 */
	/* 64-bit available TSS, a 16-byte system descriptor (SDM 3A 8.2.3) */
	gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[4] = base >> 32;
	for (unsigned i = 0; i < 3; i++)
		tss.ist[i] = (uint64_t)(uintptr_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss);
}

static void set_gate(unsigned vec, uint64_t handler, uint8_t ist)
{
	struct idt_gate *g = &idt[vec];

	g->offset_lo = (uint16_t)handler;
	g->selector = HOST_SEL_CODE;
	g->ist = ist;
	g->type_attr = 0x8E; /* present, DPL 0, 64-bit interrupt gate */
	g->offset_mid = (uint16_t)(handler >> 16);
	g->offset_hi = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

static void build_idt(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		set_gate(v, (uint64_t)(uintptr_t)isr_ignore, 0);
	for (unsigned v = 0; v < 32; v++)
		set_gate(v, isr_stub_table[v], 0);
	/* NMI, #DF and #MC may arrive on a broken stack: give them their own
	 * (SDM 3A 6.14.5, Interrupt Stack Table). */
	set_gate(X86_VEC_NMI, (uint64_t)(uintptr_t)isr_nmi, IST_NMI);
	set_gate(X86_VEC_DF, isr_stub_table[X86_VEC_DF], IST_DF);
	set_gate(X86_VEC_MC, isr_stub_table[X86_VEC_MC], IST_MC);
	set_gate(LAPIC_TICK_VECTOR, (uint64_t)(uintptr_t)isr_lapic_tick, 0);
}

static void build_page_tables(void)
{
	for (unsigned g = 0; g < IDENTITY_GIB; g++) {
		for (unsigned i = 0; i < 512; i++) {
			uint64_t addr = ((uint64_t)g << 30) | ((uint64_t)i << 21);
			uint64_t flags = 0x83; /* present, writable, 2 MiB page */
			/* The 3-4 GiB hole holds the LAPIC and IOAPIC: uncached. */
			if (g == 3)
				flags |= 0x18; /* PWT | PCD */
			host_pd[g][i] = addr | flags;
		}
		host_pdpt[g] = (uint64_t)(uintptr_t)host_pd[g] | 0x03;
	}
	host_pml4[0] = (uint64_t)(uintptr_t)host_pdpt | 0x03;
}

void plat_take_over_cpu(void)
{
	struct desc_ptr gdtr = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	build_gdt();
	build_idt();
	build_page_tables();
	cpu_load_tables(&gdtr, &idtr, HOST_SEL_TSS);
	write_cr3((uint64_t)(uintptr_t)host_pml4);
	plat_quiesce_interrupts();
	/* VMXON needs CR0.NE, which GRUB leaves clear (SDM 3C 23.8). */
	write_cr0(read_cr0() | CR0_NE);
}

void plat_host_tables(uint64_t *gdt_base, uint64_t *idt_base, uint64_t *tss_base)
{
	*gdt_base = (uint64_t)(uintptr_t)gdt;
	*idt_base = (uint64_t)(uintptr_t)idt;
	*tss_base = (uint64_t)(uintptr_t)&tss;
}

/* The IDT and the 64-bit TSS are covered whole: the CPU only reads them
 * (no task switch in IA-32e mode, SDM 3A 8.7); the GDT and the page
 * tables without the flags the CPU sets in them (tables_crc.c).  CR3 is
 * covered too: the tables must be the ones in use. */
uint32_t plat_host_tables_crc(uint32_t crc, uint64_t *bytes)
{
	uint64_t cr3 = read_cr3();

	crc = x86_gdt_crc(crc, gdt, sizeof(gdt) / sizeof(gdt[0]));
	crc = crc32_ieee_update(crc, idt, sizeof(idt));
	crc = crc32_ieee_update(crc, &tss, sizeof(tss));
	crc = crc32_ieee_update(crc, &cr3, sizeof(cr3));
	crc = x86_page_table_crc(crc, host_pml4, sizeof(host_pml4) / sizeof(host_pml4[0]));
	crc = x86_page_table_crc(crc, host_pdpt, sizeof(host_pdpt) / sizeof(host_pdpt[0]));
	crc = x86_page_table_crc(crc, &host_pd[0][0], sizeof(host_pd) / sizeof(host_pd[0][0]));
	*bytes = sizeof(gdt) + sizeof(idt) + sizeof(tss) + sizeof(cr3) + sizeof(host_pml4) +
		 sizeof(host_pdpt) + sizeof(host_pd);
	return crc;
}

/* Physical memory the identity map covers, except the first page (a
 * table there is bogus, and its address would be NULL). */
const uint8_t *plat_phys_map(void *ctx, uint64_t phys, uint32_t len)
{
	const uint64_t end = (uint64_t)IDENTITY_GIB << 30;

	(void)ctx;
	if (phys < 4096 || phys >= end || len > end - phys)
		return NULL;
	return (const uint8_t *)(uintptr_t)phys;
}

uint64_t plat_tsc(void)
{
	return rdtsc();
}
