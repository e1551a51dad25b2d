/*
 * Helpers shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c):
 * little-endian readers that pad short inputs with zeros, and a guest RAM
 * image with identity page tables that the inputs then corrupt.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Invariant check: a violated invariant is a crash libFuzzer keeps. */
#define FUZZ_ASSERT(c)                     \
	do {                               \
		if (!(c))                  \
			__builtin_trap();  \
	} while (0)

/* A cursor over the input; reads past its end return zeros. */
struct fuzz_in {
	const uint8_t *p;
	size_t n, off;
};

static inline void fuzz_bytes(struct fuzz_in *in, void *dst, size_t len)
{
	size_t avail = in->off < in->n ? in->n - in->off : 0;
	size_t k = len < avail ? len : avail;

	if (k)
		memcpy(dst, in->p + in->off, k);
	if (k < len)
		memset((uint8_t *)dst + k, 0, len - k);
	in->off += len;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;
	fuzz_bytes(in, &v, 1);
	return v;
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t v;
	fuzz_bytes(in, &v, 4);
	return v;
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t v;
	fuzz_bytes(in, &v, 8);
	return v;
}

static inline size_t fuzz_left(const struct fuzz_in *in)
{
	return in->off < in->n ? in->n - in->off : 0;
}

/*
 * Guest RAM image (docs/guest-boot.md layout): PML4 at 0x3000, PDPT at
 * 0x4000, PD at 0x5000, one PT at 0x6000.  Mapped:
 *   GVA [0, 2 MiB)           4 KiB pages via the PT, identity (inside RAM)
 *   GVA [2 MiB, 8 MiB)       2 MiB pages, identity (outside a 2 MiB RAM)
 *   GVA [1 GiB, 2 GiB)       one 1 GiB page -> GPA 0 (aliases RAM)
 *   GVA [2 GiB, 3 GiB)       one 1 GiB page -> GPA 2 GiB (outside RAM)
 *   GVA 0xffff8000_00000000  PML4[256] -> the same PDPT (a canonical high alias)
 *   PML4[511] -> PML4 itself (recursive entry: tables seen as data)
 * PT entries 0x100..0x1ff are left not present, so part of the first
 * 2 MiB is unmapped.
 */
#define FUZZ_PML4 0x3000ull
#define FUZZ_PDPT 0x4000ull
#define FUZZ_PD 0x5000ull
#define FUZZ_PT 0x6000ull
#define FUZZ_P 1ull
#define FUZZ_RW 2ull
#define FUZZ_PS (1ull << 7)

static inline void fuzz_put64(uint8_t *ram, uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static inline void fuzz_build_tables(uint8_t *ram)
{
	fuzz_put64(ram, FUZZ_PML4 + 0 * 8, FUZZ_PDPT | FUZZ_P | FUZZ_RW);
	fuzz_put64(ram, FUZZ_PML4 + 256 * 8, FUZZ_PDPT | FUZZ_P | FUZZ_RW);
	fuzz_put64(ram, FUZZ_PML4 + 511 * 8, FUZZ_PML4 | FUZZ_P | FUZZ_RW);
	fuzz_put64(ram, FUZZ_PDPT + 0 * 8, FUZZ_PD | FUZZ_P | FUZZ_RW);
	fuzz_put64(ram, FUZZ_PDPT + 1 * 8, 0ull | FUZZ_P | FUZZ_RW | FUZZ_PS);
	fuzz_put64(ram, FUZZ_PDPT + 2 * 8, (2ull << 30) | FUZZ_P | FUZZ_RW | FUZZ_PS);
	fuzz_put64(ram, FUZZ_PD + 0 * 8, FUZZ_PT | FUZZ_P | FUZZ_RW);
	for (uint64_t i = 1; i < 4; i++)
		fuzz_put64(ram, FUZZ_PD + i * 8, (i << 21) | FUZZ_P | FUZZ_RW | FUZZ_PS);
	for (uint64_t i = 0; i < 0x100; i++)
		fuzz_put64(ram, FUZZ_PT + i * 8, (i << 12) | FUZZ_P | FUZZ_RW);
}

/*
 * Fills ram[0..ram_size) from the rest of the input: zeros, the tables
 * above, then
 *   u8  patches (mod 33)      u32 blob_gpa (mod ram_size)
 *   patches x {u32 offset (mod ram_size - 7), u64 value}
 *   the remaining bytes: a blob copied to blob_gpa (cut at the end of RAM)
 * The blob is copied first and the patches applied over it, so an input
 * can both place data (a report) and corrupt single table entries.
 */
/* Pages written since the last fuzz_fill_ram(): only those are zeroed
 * again (a 2 MiB memset per input would dominate the run time). */
#define FUZZ_RAM_MAX (2ull << 20)
static uint8_t fuzz_dirty[FUZZ_RAM_MAX / 4096];
static int fuzz_ram_clean_once;

/* Marks [gpa, gpa + len) as written (e.g. by the code under test). */
static inline void fuzz_mark_dirty(uint64_t ram_size, uint64_t gpa, uint64_t len)
{
	if (len == 0 || gpa >= ram_size)
		return;
	if (len > ram_size - gpa)
		len = ram_size - gpa;
	for (uint64_t pg = gpa / 4096; pg <= (gpa + len - 1) / 4096; pg++)
		fuzz_dirty[pg] = 1;
}

static inline void fuzz_fill_ram(uint8_t *ram, uint64_t ram_size, struct fuzz_in *in)
{
	uint8_t patches = fuzz_u8(in) % 33;
	uint64_t blob_gpa = fuzz_u32(in) % ram_size;
	uint64_t poff[32], pval[32];

	FUZZ_ASSERT(ram_size <= FUZZ_RAM_MAX && ram_size % 4096 == 0);
	if (!fuzz_ram_clean_once) {
		memset(ram, 0, ram_size);
		fuzz_ram_clean_once = 1;
	} else {
		for (uint64_t pg = 0; pg < ram_size / 4096; pg++)
			if (fuzz_dirty[pg]) {
				memset(ram + pg * 4096, 0, 4096);
				fuzz_dirty[pg] = 0;
			}
	}
	fuzz_mark_dirty(ram_size, FUZZ_PML4, FUZZ_PT + 4096 - FUZZ_PML4);
	fuzz_build_tables(ram);
	for (unsigned i = 0; i < patches; i++) {
		poff[i] = fuzz_u32(in) % (ram_size - 7);
		pval[i] = fuzz_u64(in);
	}
	size_t blob = fuzz_left(in);
	if (blob > ram_size - blob_gpa)
		blob = ram_size - blob_gpa;
	fuzz_mark_dirty(ram_size, blob_gpa, blob);
	fuzz_bytes(in, ram + blob_gpa, blob);
	for (unsigned i = 0; i < patches; i++) {
		fuzz_mark_dirty(ram_size, poff[i], 8);
		fuzz_put64(ram, poff[i], pval[i]);
	}
}

#endif
