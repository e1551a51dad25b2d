/* The stub's core: boot info, the shared page, hypercalls. */
#include "stub_priv.h"

const struct hvg_boot_info *hvstub__boot_info;
volatile struct hv_shared_page *hvstub__shared;
static int use_vmmcall;
uint64_t hvstub__tsc_at_init;

#define PAGE_MASK 0xfffull

int hvstub_init(const struct hvg_boot_info *bi)
{
	if (bi->magic != HVG_BOOT_MAGIC || bi->version != HV_ABI_VERSION)
		return -1;
	return hvstub_init_shared(bi, (void *)(uintptr_t)bi->shared_page_gpa);
}

int hvstub_init_shared(const struct hvg_boot_info *bi, void *shared_va)
{
	if (bi->magic != HVG_BOOT_MAGIC || bi->version != HV_ABI_VERSION)
		return -1;
	if (bi->shared_page_gpa == 0 || (bi->shared_page_gpa & PAGE_MASK) != 0 || shared_va == NULL ||
	    ((uintptr_t)shared_va & PAGE_MASK) != 0)
		return -1;

	hvstub__shared = NULL; /* NMIs meanwhile count as platform NMIs */
	HVSTUB_BARRIER();

	/* No NMI of the hypervisor's can be on its way yet: it learns the
	 * page at HC_HELLO.  Zero the whole page word by word (volatile:
	 * no memset call in a libc-less guest), so nmi_seq == 0 == the last
	 * acknowledged value. */
	volatile uint64_t *w = (volatile uint64_t *)shared_va;
	for (unsigned i = 0; i < 4096 / 8; i++)
		w[i] = 0;

	hvstub__boot_info = bi;
	use_vmmcall = bi->vendor == HVG_VENDOR_SVM;
	hvstub__tsc_at_init = hvstub__rdtsc();
	hvstub__nmi_reset();
	hvstub__report_reset();
	HVSTUB_BARRIER();
	hvstub__shared = (volatile struct hv_shared_page *)shared_va;
	return 0;
}

const struct hvg_boot_info *hvstub_boot_info(void)
{
	return hvstub__boot_info;
}

volatile struct hv_shared_page *hvstub_shared_page(void)
{
	return hvstub__shared;
}

uint64_t hvstub_uptime_ms(void)
{
	return hvstub__uptime_ms();
}

struct hvstub_result hvstub_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hvstub_result r;
	uint64_t rax = nr, rdx = a2;

	/* The hypervisor says which instruction its CPU understands; the
	 * other one would raise #UD. */
	if (use_vmmcall)
		__asm__ volatile("vmmcall" : "+a"(rax), "+d"(rdx) : "D"(a0), "S"(a1) : "memory");
	else
		__asm__ volatile("vmcall" : "+a"(rax), "+d"(rdx) : "D"(a0), "S"(a1) : "memory");
	r.status = (int64_t)rax;
	r.value = rdx;
	return r;
}

struct hvstub_result hvstub_hello(void)
{
	const struct hvg_boot_info *bi = hvstub__boot_info;

	return hvstub_call(HC_HELLO, HVSTUB_VERSION, bi ? bi->shared_page_gpa : 0, 0);
}

struct hvstub_result hvstub_null(uint64_t x)
{
	return hvstub_call(HC_NULL, x, 0, 0);
}

struct hvstub_result hvstub_timer_set(uint8_t vector, uint64_t period_us)
{
	return hvstub_call(HC_TIMER_SET, vector, period_us, 0);
}

struct hvstub_result hvstub_info(enum hv_info what)
{
	return hvstub_call(HC_INFO, what, 0, 0);
}

int64_t hvstub_dump_range(enum hv_dump_op kind, uint64_t gpa, uint64_t bytes)
{
	if (kind != HV_DUMP_IMPORTANT && kind != HV_DUMP_REGENERABLE && kind != HV_DUMP_PRIVATE)
		return HV_E_INVAL;
	return hvstub_call(HC_DUMP, kind, gpa, bytes).status;
}

int64_t hvstub_dump_clear(void)
{
	return hvstub_call(HC_DUMP, HV_DUMP_CLEAR, 0, 0).status;
}

int64_t hvstub_set_stateless(int on)
{
	return hvstub_call(HC_DUMP, HV_DUMP_STATELESS, on ? 1 : 0, 0).status;
}

int64_t hvstub_request_dump(enum hv_dump_level level)
{
	return hvstub_call(HC_DUMP, HV_DUMP_REQUEST, level, 0).status;
}
