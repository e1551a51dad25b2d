/*
 * Loading an ELF64 guest image into guest RAM.  The image comes from a
 * file or a boot module and is not trusted: every header field is
 * checked against the image size and the guest RAM window before use.
 */
#ifndef HV_ELF_LOAD_H
#define HV_ELF_LOAD_H

#include <stdint.h>

enum elf_status {
	ELF_OK = 0,
	ELF_E_TRUNCATED,    /* image shorter than its headers claim */
	ELF_E_NOT_ELF,      /* bad magic */
	ELF_E_NOT_ELF64,    /* not ELFCLASS64 little-endian */
	ELF_E_NOT_X86_64,   /* e_machine is not EM_X86_64 */
	ELF_E_NOT_EXEC,     /* e_type is not ET_EXEC */
	ELF_E_BAD_PHDRS,    /* program header table malformed */
	ELF_E_NO_LOAD,      /* no PT_LOAD segment */
	ELF_E_SEG_FILESZ,   /* p_filesz > p_memsz */
	ELF_E_SEG_OUTSIDE,  /* segment outside the guest RAM window */
	ELF_E_ENTRY,        /* entry point not inside an executable segment */
	ELF_STATUS_COUNT
};

struct elf_window {
	uint64_t load_min; /* lowest GPA a segment may occupy */
	uint64_t ram_size; /* segments must end at or below this GPA */
};

struct elf_result {
	uint64_t entry;
	uint64_t lowest;  /* lowest GPA loaded */
	uint64_t highest; /* end of the highest segment (exclusive) */
	uint32_t segments;
	uint32_t bad_segment; /* index of the offending phdr on error */
	uint64_t bad_addr;    /* its p_paddr on error */
};

/* Checks the image without touching guest RAM. */
enum elf_status elf_check(const uint8_t *img, uint64_t size, const struct elf_window *win,
			  struct elf_result *res);

/* elf_check(), then copies the segments into ram[0..win->ram_size) (GPA 0
 * at ram[0]) and zero-fills each segment's tail. */
enum elf_status elf_load(const uint8_t *img, uint64_t size, const struct elf_window *win,
			 uint8_t *ram, struct elf_result *res);

const char *elf_status_text(enum elf_status st);

#endif
