/*
 * The in-guest stub: a freestanding C library a guest kernel links in to
 * talk to the hypervisor (docs/hypercalls.md).  No libc, no allocation.
 */
#ifndef GUEST_STUB_H
#define GUEST_STUB_H

#include <stdint.h>

#include "../include/hv_abi.h"

#define HVSTUB_VERSION 1u

struct hvstub_result {
	int64_t status; /* enum hv_status */
	uint64_t value;
};

/* Reads the boot-info page; returns 0, or -1 if it is not valid. */
int hvstub_init(const struct hvg_boot_info *bi);

/* Raw hypercall: RAX = nr, RDI/RSI/RDX = a0..a2. */
struct hvstub_result hvstub_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

/* Says hello: stub version and the shared page's GPA. */
struct hvstub_result hvstub_hello(void);

/* Round trip with no effect: value = ~x on success. */
struct hvstub_result hvstub_null(uint64_t x);

/* Periodic virtual timer interrupt on `vector` every period_us; vector 0 stops it. */
struct hvstub_result hvstub_timer_set(uint8_t vector, uint64_t period_us);

struct hvstub_result hvstub_info(enum hv_info what);

const struct hvg_boot_info *hvstub_boot_info(void);

#endif
