/*
 * Test-guest scenarios that measure or attack the hypervisor: the bench
 * workloads, the isolation probe (every hypervisor page, forbidden ports
 * and MSRs) and the in-guest hypercall fuzzer.
 */
#include <stdint.h>

#include "../../guest-stub/stub.h"
#include "console.h"
#include "scenarios.h"

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* make bench: in Bochs the TSC counts executed instructions, so these
 * figures are exact and repeatable. */
void scenario_bench_null(void)
{
	const unsigned calls = 1000;
	uint64_t t0 = rdtsc();

	for (unsigned i = 0; i < calls; i++)
		hvstub_null(i);
	uint64_t t1 = rdtsc();
	say_num("bench null_round_trip_tsc=", (int64_t)((t1 - t0) / calls), "");
	put_num(" calls=", calls, "\n");
}

/* A fixed CPU-bound workload (integer mixing, no memory traffic). */
void scenario_bench_work(void)
{
	uint64_t x = 1, t0 = rdtsc();

	for (uint64_t i = 0; i < 6000000; i++) {
		x = x * 6364136223846793005ull + i;
		__asm__ volatile("" : "+r"(x));
	}
	uint64_t t1 = rdtsc();
	say_num("bench work_tsc=", (int64_t)(t1 - t0), "");
	put_num(" check=", (int64_t)(x & 0xffff), "\n");
}

/* ---- isolation probe (policy=probe: denied accesses give #GP) ------------ */

uint64_t probe_read(uint64_t addr);
void probe_write(uint64_t addr, uint64_t value);
uint8_t probe_in(uint16_t port);
void probe_out(uint16_t port, uint8_t value);
uint64_t probe_rdmsr(uint32_t msr);
void probe_wrmsr(uint32_t msr, uint64_t value);
void probe_gp_isr(void);
volatile uint64_t probe_gp_count;

static uint64_t integrity(void)
{
	return hvstub_info(HV_INFO_INTEGRITY).value;
}

static int port_is_ours(uint32_t port)
{
	return port >= 0x2F8 && port <= 0x2FF; /* COM2: the guest's console */
}

/* Every page of the hypervisor image, named by its host address as a
 * guest-physical one, that lies beyond guest RAM (below ram_size a GPA is
 * the guest's own RAM, whatever host address it equals).  The image holds
 * the guest RAM arena, so part of it always lies beyond. */
static void probe_memory(uint64_t *pages, uint64_t *caught)
{
	uint64_t base = boot->hv_image_base & ~0xFFFull, end = boot->hv_image_base + boot->hv_image_size;

	if (base < boot->ram_size)
		base = boot->ram_size;

	for (uint64_t a = base; a < end; a += 4096) {
		uint64_t before = probe_gp_count;
		probe_read(a);
		probe_write(a, 0xdeadbeefdeadbeefull);
		*caught += probe_gp_count - before;
		(*pages)++;
	}
}

static const uint16_t forbidden_ports[] = {
	0x20, 0x21, 0xA0, 0xA1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71, 0x80, 0x3F8, 0x3F9,
	0x3FA, 0x3FB, 0x3FC, 0x3FD, 0xCF8, 0xCFC, 0xCF9, 0xF4, 0x8900, 0xE9, 0x402, 0x510, 0x92,
};

static void probe_port(uint16_t port, uint64_t *tried, uint64_t *ff)
{
	if (port_is_ours(port))
		return;
	/* Writes first: 0xCF9, 0xF4 and 0x8900 would reset or end the machine. */
	probe_out(port, 0x06);
	*ff += probe_in(port) == 0xFF;
	(*tried)++;
}

/* A read of a port nobody owns floats high, and otherwise behaves as on
 * the CPU: IN to EAX zero-extends into RAX (Intel SDM 1 3.4.1.1), IN to AX
 * keeps RAX's upper 48 bits.  Port 0x80 is never the guest's. */
static int port_reads_like_cpu(void)
{
	uint64_t v32 = 0x123456789abcdef0ull, v16 = 0x123456789abcdef0ull;

	__asm__ volatile("inl %%dx, %%eax" : "+a"(v32) : "d"((uint16_t)0x80));
	__asm__ volatile("inw %%dx, %%ax" : "+a"(v16) : "d"((uint16_t)0x80));
	return v32 == 0xFFFFFFFFull && v16 == 0x123456789abcffffull;
}

/* Virtualization state the guest may not see or move: on VMX the
 * feature-control and VMX capability MSRs, on SVM VM_HSAVE_PA and VM_CR
 * (EFER.SVME is checked separately: it must read as 0). */
static const uint32_t forbidden_msrs_vmx[] = {
	0x3A, 0x480, 0x481, 0x482, 0x483, 0x484, 0x485, 0x486, 0x487, 0x488, 0x489, 0x48A,
	0x48B, 0x48C, 0x48D, 0x48E, 0x48F, 0x490, 0x491, 0xC0010117u, 0xC0010114u,
};
static const uint32_t forbidden_msrs_svm[] = { 0x3A, 0xC0010117u, 0xC0010114u };

void scenario_isolation(void)
{
	uint64_t crc0 = integrity(), pages = 0, caught = 0, ports = 0, ff = 0, msrs = 0;

	set_gate(13, probe_gp_isr);
	probe_memory(&pages, &caught);
	for (unsigned i = 0; i < sizeof(forbidden_ports) / sizeof(forbidden_ports[0]); i++)
		probe_port(forbidden_ports[i], &ports, &ff);
	for (uint32_t p = 0; p < 0x10000; p += 61)
		probe_port((uint16_t)p, &ports, &ff);
	uint64_t gp0 = probe_gp_count;
	int svm = boot->vendor == HVG_VENDOR_SVM;
	const uint32_t *list = svm ? forbidden_msrs_svm : forbidden_msrs_vmx;
	unsigned count = svm ? sizeof(forbidden_msrs_svm) / sizeof(forbidden_msrs_svm[0])
			     : sizeof(forbidden_msrs_vmx) / sizeof(forbidden_msrs_vmx[0]);
	for (unsigned i = 0; i < count; i++) {
		probe_rdmsr(list[i]);
		probe_wrmsr(list[i], 0);
		msrs++;
	}
	probe_wrmsr(0x1B, 0xFEE00900ull); /* move the APIC: refused */
	uint64_t msr_gp = probe_gp_count - gp0;
	int in_like_cpu = port_reads_like_cpu();
	uint64_t efer = probe_rdmsr(0xC0000080u);
	hvstub_install_idt(idt); /* the stub's hooks back */
	set_gate(TIMER_VECTOR, timer_isr);
	uint64_t crc1 = integrity();
	say_num("isolation pages=", (int64_t)pages, "");
	put_num(" mem_caught=", (int64_t)caught, "");
	put_num(" ports=", (int64_t)ports, "");
	put_num(" port_reads_ff=", (int64_t)ff, "");
	put_num(" msrs=", (int64_t)msrs, "");
	put_num(" msr_gp=", (int64_t)msr_gp, "");
	put_num(" efer_svme=", (int64_t)((efer >> 12) & 1), "");
	put_num(" port_reads_like_cpu=", in_like_cpu, "");
	put_num(" integrity_same=", crc0 == crc1, "\n");
	if (caught == 2 * pages && ff == ports && msr_gp == 2 * msrs + 1 && crc0 == crc1 &&
	    !((efer >> 12) & 1) && in_like_cpu)
		say("isolation ok\n");
	else
		say("isolation BREACHED\n");
}

/* ---- in-guest hypercall fuzzer ------------------------------------------ */

#define FUZZ_CALLS 100000
static uint8_t fuzz_scratch[8192] __attribute__((aligned(4096)));

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Arguments that probe the edges: zero, all ones, non-canonical, the
 * hypervisor's own addresses, the ends of guest RAM, misaligned, a real
 * buffer with garbage in it, plain random. */
static uint64_t fuzz_arg(uint64_t *seed)
{
	uint64_t r = xorshift(seed), ram = boot->ram_size;

	switch (r % 12) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 0x8000000000000000ull | (r >> 8);
	case 3: return boot->hv_image_base + ((r >> 8) % (boot->hv_image_size + 1));
	case 4: return ram - ((r >> 8) % 64);
	case 5: return ram + ((r >> 8) % 0x100000);
	case 6: return (uint64_t)(uintptr_t)fuzz_scratch + ((r >> 8) % sizeof(fuzz_scratch));
	case 7: return (r >> 8) % 4096;
	case 8: return sizeof(struct hv_report) + (r >> 60) - 8;
	default: return xorshift(seed);
	}
}

static uint64_t fuzz_number(uint64_t *seed)
{
	uint64_t r = xorshift(seed);

	return (r & 7) < 6 ? (r >> 3) % (HC_COUNT + 2) : xorshift(seed);
}

void scenario_fuzz(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull, counts[8] = { 0 };

	/* The fuzzer may point the guest timer at any vector: every one of
	 * them counts as a timer tick, so the guest stays visibly alive. */
	for (unsigned v = 32; v < 256; v++)
		set_gate(v, timer_isr);
	for (unsigned i = 0; i < sizeof(fuzz_scratch); i++)
		fuzz_scratch[i] = (uint8_t)xorshift(&seed);
	integrity();
	for (unsigned i = 0; i < FUZZ_CALLS; i++) {
		uint64_t nr = fuzz_number(&seed), a0 = fuzz_arg(&seed), a1 = fuzz_arg(&seed);
		if (nr == HC_HELLO && a1 < boot->ram_size)
			a1 |= 1; /* never move the shared page onto the guest's own code */
		if (nr == HC_INFO && a0 == HV_INFO_INTEGRITY)
			a0 = HV_INFO_TICKS;
		struct hvstub_result r = hvstub_call(nr, a0, a1, fuzz_arg(&seed));
		int64_t st = r.status;
		counts[st <= 0 && st >= -6 ? -st : 7]++;
	}
	hvstub_timer_set(TIMER_VECTOR, TIMER_PERIOD_US); /* our own timer back */
	say_num("fuzz calls=", FUZZ_CALLS, "");
	put_num(" ok=", (int64_t)counts[0], "");
	put_num(" nosys=", (int64_t)counts[1], "");
	put_num(" perm=", (int64_t)counts[2], "");
	put_num(" inval=", (int64_t)counts[3], "");
	put_num(" range=", (int64_t)counts[4], "");
	put_num(" state=", (int64_t)counts[5], "");
	put_num(" busy=", (int64_t)counts[6], "");
	put_num(" undefined=", (int64_t)counts[7], "\n");
	integrity();
}

/* ---- a hypercall from CPL 3 must be refused --------------------------- */

int64_t user_hypercall(int use_vmmcall);
void user_return_isr(void);
extern char user_rsp0_top[];

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp0, rsp1, rsp2, reserved1, ist[7], reserved2;
	uint16_t reserved3, iomap_base;
};

static struct tss64 tss;
static uint64_t user_gdt[7] __attribute__((aligned(16)));

/* Kernel code/data as the hypervisor's boot GDT has them, then user data
 * (0x18), user code (0x20) and a 64-bit TSS (0x28). */
static void install_user_gdt(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr = { sizeof(user_gdt) - 1, (uint64_t)(uintptr_t)user_gdt };

	tss.rsp0 = (uint64_t)(uintptr_t)user_rsp0_top;
	tss.iomap_base = sizeof(tss);
	user_gdt[1] = 0x00AF9B000000FFFFull;
	user_gdt[2] = 0x00CF93000000FFFFull;
	user_gdt[3] = 0x00CFF3000000FFFFull;
	user_gdt[4] = 0x00AFFB000000FFFFull;
	user_gdt[5] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
		      (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	user_gdt[6] = base >> 32;
	__asm__ volatile("lgdt %0; ltr %w1" ::"m"(gdtr), "r"(0x28) : "memory");
}

/* Calls whose every success the hypervisor used to log: a guest making
 * them in a loop must not flood the log (they are rate-limited). */
void scenario_logflood(void)
{
	for (unsigned i = 0; i < 3000; i++) {
		hvstub_hello();
		if (i % 300 == 0) /* a CRC of the image: about 0.1 s each under Bochs */
			hvstub_info(HV_INFO_INTEGRITY);
	}
	say("log flood done\n");
}

void scenario_usercall(void)
{
	uint8_t *gate = idt + 0x80 * 16;
	int64_t st;

	install_user_gdt();
	set_gate(0x80, user_return_isr);
	gate[5] = 0xEE; /* present, DPL 3, interrupt gate: reachable from CPL 3 */
	__asm__ volatile("cli");
	st = user_hypercall(boot->vendor == HVG_VENDOR_SVM);
	__asm__ volatile("sti");
	if (st == HV_E_PERM)
		say_num("hypercall from CPL 3 refused status=", st, "\n");
	else
		say_num("hypercall from CPL 3 NOT refused status=", st, "\n");
}
