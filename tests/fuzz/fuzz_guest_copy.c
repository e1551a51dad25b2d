/*
 * fuzz_guest_copy: hv/guest_mem.c alone (built with HV_GUEST_RAM_MB=2).
 * guest_copy_from(cr3, gva, dst, len) over a 2 MiB guest RAM that holds
 * identity page tables (fuzz_common.h) corrupted by the input.
 *
 * Input: u8 mode, u64 cr3, u64 gva, u32 len, then the RAM description
 * (fuzz_fill_ram).  mode bit 0: cr3 as given (else PML4 0x3000 | low
 * bits); bit 1: gva as given (else gva mod 4 GiB, or its high-half alias
 * with bit 2); len is capped at 64 KiB.
 *
 * RAM lies on the heap at its exact size: ASan reports any access past
 * it.  An independent reference walk decides whether every byte of the
 * range is mapped to guest RAM; guest_copy_from must agree (false for
 * anything unmapped or outside RAM) and copy the same bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/guest.h"
#include "tests/fuzz/fuzz_common.h"

#define RAM HV_GUEST_RAM_SIZE
#define LEN_MAX (64u << 10)

static uint8_t *ram;
static uint8_t *dst, *expect;

uint8_t *guest_ram(void)
{
	return ram;
}

/* Reference: GVA -> GPA as the SDM describes, 4 levels, PS at PDPT/PD. */
static bool ref_translate(uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
	uint64_t table = cr3 & 0x000ffffffffff000ull;
	static const unsigned shifts[4] = { 39, 30, 21, 12 };

	if (gva >= (1ull << 47) && gva < 0xffff800000000000ull)
		return false; /* non-canonical */
	for (int l = 0; l < 4; l++) {
		uint64_t idx = (gva >> shifts[l]) & 511, e;
		if (table + idx * 8 + 8 > RAM)
			return false;
		memcpy(&e, ram + table + idx * 8, 8);
		if (!(e & 1))
			return false;
		uint64_t addr = e & 0x000ffffffffff000ull;
		if (l == 3 || (l >= 1 && (e & (1ull << 7)))) {
			uint64_t mask = (1ull << shifts[l]) - 1;
			*gpa = (addr & ~mask) | (gva & mask);
			return true;
		}
		table = addr;
	}
	return false;
}

static bool ref_copy(uint64_t cr3, uint64_t gva, uint8_t *out, uint64_t len)
{
	/* A range reaching the very top of the address space (gva + len
	 * wraps to 0 or beyond) is refused as a whole: conservative. */
	if (gva + len < gva)
		return false;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t gpa;
		if (!ref_translate(cr3, gva + i, &gpa) || gpa >= RAM)
			return false;
		out[i] = ram[gpa];
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };

	if (ram == NULL) {
		ram = malloc(RAM);
		dst = malloc(LEN_MAX);
		expect = malloc(LEN_MAX);
	}
	FUZZ_ASSERT(ram && dst && expect);

	uint8_t mode = fuzz_u8(&in);
	uint64_t cr3 = fuzz_u64(&in), gva = fuzz_u64(&in);
	uint64_t len = fuzz_u32(&in) % (LEN_MAX + 1);
	if (!(mode & 1))
		cr3 = FUZZ_PML4 | (cr3 & 0xfff);
	if (!(mode & 2)) {
		gva &= 0xffffffffull;
		if (mode & 4)
			gva |= 0xffff800000000000ull;
	}
	fuzz_fill_ram(ram, RAM, &in);

	/* Byte-by-byte reference only for short ranges: it is slow. */
	bool check_ref = len <= 4096;
	bool want = check_ref && ref_copy(cr3, gva, expect, len);
	bool got = guest_copy_from(cr3, gva, dst, len);
	if (check_ref) {
		FUZZ_ASSERT(got == want);
		if (got)
			FUZZ_ASSERT(memcmp(dst, expect, len) == 0);
	}
	/* Nothing may come back for a range that starts unmapped. */
	uint64_t gpa;
	if (len > 0 && (!ref_translate(cr3, gva, &gpa) || gpa >= RAM))
		FUZZ_ASSERT(!got);
	/* Whole-range reference for long ones, page by page. */
	if (!check_ref && got) {
		for (uint64_t off = 0; off < len;) {
			uint64_t chunk = 4096 - ((gva + off) & 4095);
			if (chunk > len - off)
				chunk = len - off;
			FUZZ_ASSERT(ref_translate(cr3, gva + off, &gpa) && gpa < RAM &&
				    chunk <= RAM - gpa);
			FUZZ_ASSERT(memcmp(dst + off, ram + gpa, chunk) == 0);
			off += chunk;
		}
	}
	return 0;
}
