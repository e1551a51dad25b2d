/*
 * fuzz_elf: hv/elf_load.c on arbitrary images.  elf_check(), then
 * elf_load() into a guest RAM buffer of exactly win.ram_size bytes on the
 * heap, so ASan reports any write outside the window.  Invariants on
 * success: every PT_LOAD segment the result describes lies inside the
 * window and the entry point lies inside [lowest, highest).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/elf_load.h"
#include "tests/fuzz/fuzz_common.h"

#define RAM_SIZE (1ull << 20)
#define LOAD_MIN 0x1000ull

static uint8_t *ram;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct elf_window win = { .load_min = LOAD_MIN, .ram_size = RAM_SIZE };
	struct elf_result chk, res;

	if (ram == NULL)
		ram = malloc(RAM_SIZE);
	FUZZ_ASSERT(ram != NULL);

	enum elf_status st = elf_check(data, size, &win, &chk);
	FUZZ_ASSERT((unsigned)st < ELF_STATUS_COUNT);
	FUZZ_ASSERT(elf_status_text(st) != NULL);
	if (st == ELF_OK) {
		FUZZ_ASSERT(chk.segments > 0);
		FUZZ_ASSERT(chk.lowest >= LOAD_MIN);
		FUZZ_ASSERT(chk.highest <= RAM_SIZE);
		FUZZ_ASSERT(chk.lowest < chk.highest);
		FUZZ_ASSERT(chk.entry >= chk.lowest && chk.entry < chk.highest);
	}

#ifdef FUZZ_VERBOSE
	fprintf(stderr, "elf_check: %s\n", elf_status_text(st));
#endif
	enum elf_status st2 = elf_load(data, size, &win, ram, &res);
	FUZZ_ASSERT(st2 == st);
	FUZZ_ASSERT(memcmp(&chk, &res, sizeof(res)) == 0);
	return 0;
}
