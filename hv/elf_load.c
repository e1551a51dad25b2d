#include "hv/elf_load.h"

#include <stddef.h>
#include <string.h>

#include "hv/elf64.h"

#define PT_LOAD 1
#define PF_X 1
#define ET_EXEC 2
#define EM_X86_64 62
#define ELF_MAX_PHDRS 64

static const char *const status_text[ELF_STATUS_COUNT] = {
	[ELF_OK] = "ok",
	[ELF_E_TRUNCATED] = "image is truncated",
	[ELF_E_NOT_ELF] = "not an ELF file (bad magic)",
	[ELF_E_NOT_ELF64] = "not a little-endian ELF64 file",
	[ELF_E_NOT_X86_64] = "not an x86-64 ELF file",
	[ELF_E_NOT_EXEC] = "not an executable (ET_EXEC) ELF file",
	[ELF_E_BAD_PHDRS] = "malformed program header table",
	[ELF_E_NO_LOAD] = "no loadable segment",
	[ELF_E_SEG_FILESZ] = "segment file size exceeds its memory size",
	[ELF_E_SEG_OUTSIDE] = "segment lies outside guest RAM (would overlap the hypervisor)",
	[ELF_E_ENTRY] = "entry point is not in an executable segment",
};

const char *elf_status_text(enum elf_status st)
{
	if ((unsigned)st >= ELF_STATUS_COUNT)
		return "unknown ELF status";
	return status_text[st];
}

static enum elf_status check_header(const uint8_t *img, uint64_t size, struct elf64_ehdr *eh)
{
	if (size < 4)
		return ELF_E_TRUNCATED;
	if (img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' || img[3] != 'F')
		return ELF_E_NOT_ELF;
	if (size < sizeof(*eh))
		return ELF_E_TRUNCATED;
	memcpy(eh, img, sizeof(*eh));
	if (eh->e_ident[4] != 2 /* ELFCLASS64 */ || eh->e_ident[5] != 1 /* ELFDATA2LSB */)
		return ELF_E_NOT_ELF64;
	if (eh->e_machine != EM_X86_64)
		return ELF_E_NOT_X86_64;
	if (eh->e_type != ET_EXEC)
		return ELF_E_NOT_EXEC;
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > ELF_MAX_PHDRS)
		return ELF_E_BAD_PHDRS;
	if (eh->e_phoff > size || size - eh->e_phoff < (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr))
		return ELF_E_TRUNCATED;
	return ELF_OK;
}

static void read_phdr(const uint8_t *img, const struct elf64_ehdr *eh, unsigned i,
		      struct elf64_phdr *ph)
{
	memcpy(ph, img + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

static enum elf_status check_segment(const struct elf64_phdr *ph, uint64_t size,
				     const struct elf_window *win)
{
	if (ph->p_filesz > ph->p_memsz)
		return ELF_E_SEG_FILESZ;
	if (ph->p_offset > size || size - ph->p_offset < ph->p_filesz)
		return ELF_E_TRUNCATED;
	if (ph->p_paddr < win->load_min || ph->p_paddr > win->ram_size ||
	    win->ram_size - ph->p_paddr < ph->p_memsz)
		return ELF_E_SEG_OUTSIDE;
	return ELF_OK;
}

enum elf_status elf_check(const uint8_t *img, uint64_t size, const struct elf_window *win,
			  struct elf_result *res)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	enum elf_status st;
	int entry_ok = 0;

	memset(res, 0, sizeof(*res));
	res->lowest = UINT64_MAX;
	st = check_header(img, size, &eh);
	if (st != ELF_OK)
		return st;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		read_phdr(img, &eh, i, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		st = check_segment(&ph, size, win);
		if (st != ELF_OK) {
			res->bad_segment = i;
			res->bad_addr = ph.p_paddr;
			return st;
		}
		res->segments++;
		if (ph.p_paddr < res->lowest)
			res->lowest = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > res->highest)
			res->highest = ph.p_paddr + ph.p_memsz;
		/* The guest runs identity-mapped, so the entry is a GPA. */
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr &&
		    eh.e_entry - ph.p_paddr < ph.p_memsz)
			entry_ok = 1;
	}
	if (res->segments == 0)
		return ELF_E_NO_LOAD;
	if (!entry_ok)
		return ELF_E_ENTRY;
	res->entry = eh.e_entry;
	return ELF_OK;
}

enum elf_status elf_load(const uint8_t *img, uint64_t size, const struct elf_window *win,
			 uint8_t *ram, struct elf_result *res)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	enum elf_status st = elf_check(img, size, win, res);

	if (st != ELF_OK)
		return st;
	memcpy(&eh, img, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		read_phdr(img, &eh, i, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		memcpy(ram + ph.p_paddr, img + ph.p_offset, ph.p_filesz);
		memset(ram + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return ELF_OK;
}
