#include "stub.h"

static const struct hvg_boot_info *boot_info;
static int use_vmmcall;

int hvstub_init(const struct hvg_boot_info *bi)
{
	if (bi->magic != HVG_BOOT_MAGIC || bi->version != HV_ABI_VERSION)
		return -1;
	boot_info = bi;
	use_vmmcall = bi->vendor == HVG_VENDOR_SVM;
	return 0;
}

const struct hvg_boot_info *hvstub_boot_info(void)
{
	return boot_info;
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
	return hvstub_call(HC_HELLO, HVSTUB_VERSION, boot_info->shared_page_gpa, 0);
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
