/*
 * hvdump: the crash dumps in a captured hypervisor log -> an ELF core
 * file (docs/dumps.md).
 *
 *   hvdump [-k KEY] LOG              list the dumps, verify each
 *   hvdump [-k KEY] [-n N] LOG CORE  verify every dump, write the N-th
 *                                    (default: the last) as an ELF core file
 *   hvdump -G KEY PUB                make an operator key pair for the
 *                                    dumps' private ranges
 *
 * With -k (the operator's private key, as -G writes it), sealed private
 * pages are authenticated and decrypted, in the first pass, before
 * anything is written: a wrong key, or one sealed page that fails its tag
 * (tampered, reordered, cut short), fails the dump, and nothing is
 * written.  Without -k they are checked for completeness and left out of
 * the core (its HVDUMP note says so).
 *
 * Every dump in the log is checked first (record index sequence, page and
 * chunk bounds, base64, counts, page CRC); if any fails, the errors are
 * printed, nothing is written and the exit status is 2.  Then a second
 * pass over the log writes the chosen dump: PT_LOAD segments for the
 * pages it holds (vaddr = the guest-virtual address the dump read it at,
 * paddr = its guest-physical address), an NT_PRSTATUS note with the
 * registers, and an "HVDUMP" note saying the level and what was left out.
 * The core is written to a temporary file and renamed into place.
 *
 * Exit status: 0 ok, 1 usage or I/O error, 2 a dump failed to verify (or
 * none was found when one is to be written).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/dumpcrypt.h"
#include "tools/hvdump_asm.h"
#include "tools/hvlog_parse.h"

/* PT_LOAD segments: runs of pages contiguous in both vaddr and gpa.
 * Below PN_XNUM, so e_phnum holds the count directly. */
#define RUNS_MAX 60000u
_Static_assert(RUNS_MAX + 1 < PN_XNUM, "program headers counted in e_phnum");
/* Longest input line kept; longer ones are cut (and then fail to parse). */
#define LINE_MAX_BYTES 8192

struct run {
	uint64_t vaddr, gpa, pages;
	uint64_t first; /* index of its first page in the dump */
};

/* The bytes of a dump's VMCOREINFO note (its dump_note), gathered from
 * its pages as they go by: which of the (at most 3) pages it touches
 * came, and the open page's address. */
struct note_bytes {
	uint8_t b[HVDUMP_VMCOREINFO_MAX];
	unsigned seen;      /* bit k: the k-th page the note touches */
	bool in_page;
	uint64_t page_gpa;
};

static uint64_t note_first_page(const struct hvdump_info *d)
{
	return d->vmcoreinfo_gpa & ~(uint64_t)(HVDUMP_PAGE - 1);
}

static unsigned note_pages(const struct hvdump_info *d)
{
	return (unsigned)(((d->vmcoreinfo_gpa + d->vmcoreinfo_bytes - 1) / HVDUMP_PAGE) -
			  d->vmcoreinfo_gpa / HVDUMP_PAGE + 1);
}

static void note_page(struct note_bytes *nb, const struct hvdump_info *d, uint64_t gpa)
{
	uint64_t first = note_first_page(d);

	nb->in_page = d->vmcoreinfo_bytes != 0 && gpa >= first &&
		      (gpa - first) / HVDUMP_PAGE < note_pages(d);
	if (nb->in_page) {
		nb->page_gpa = gpa;
		nb->seen |= 1u << ((gpa - first) / HVDUMP_PAGE);
	}
}

/* Bytes [off, off + n) of the open page: the part inside the note. */
static void note_data(struct note_bytes *nb, const struct hvdump_info *d, uint32_t off,
		      const uint8_t *p, size_t n)
{
	if (!nb->in_page)
		return;
	uint64_t lo = nb->page_gpa + off, hi = lo + n;
	uint64_t nlo = d->vmcoreinfo_gpa, nhi = nlo + d->vmcoreinfo_bytes;
	uint64_t a = lo > nlo ? lo : nlo, b = hi < nhi ? hi : nhi;
	if (a < b)
		memcpy(nb->b + (a - nlo), p + (a - lo), (size_t)(b - a));
}

/* Pass 1: the layout of every dump as it goes by; the chosen one's kept. */
struct layout {
	unsigned want;        /* ordinal to keep; 0 = the last */
	unsigned nruns, chosen_nruns;
	bool overflow, chosen_overflow;
	uint64_t dup_pages, chosen_dup;
	unsigned chosen;      /* ordinal kept, 0 = none */
	struct run runs[RUNS_MAX];
	struct run chosen_runs[RUNS_MAX];
	struct hvdump_info info; /* the chosen dump's summary */
	struct note_bytes note, chosen_note;
};

static struct layout lay;
static struct hvdump_asm asmb;
static struct hvlog_record rec;

static void lay_page(void *ctx, const struct hvdump_info *d, uint64_t vaddr, uint64_t gpa)
{
	struct layout *l = ctx;
	uint64_t index = d->out_pages - 1;

	if (index == 0) {
		l->nruns = 0;
		l->overflow = false;
		l->dup_pages = 0;
	}
	note_page(&l->note, d, gpa);
	struct run *r = l->nruns ? &l->runs[l->nruns - 1] : NULL;
	if (r && r->pages && vaddr == r->vaddr + r->pages * HVDUMP_PAGE && gpa == r->gpa + r->pages * HVDUMP_PAGE) {
		r->pages++;
		return;
	}
	/* Two pages at one vaddr would make two segments overlap: gdb would
	 * see only one of them.  The later one is left out of the core. */
	for (unsigned i = 0; i < l->nruns; i++) {
		if (vaddr >= l->runs[i].vaddr && vaddr - l->runs[i].vaddr < l->runs[i].pages * HVDUMP_PAGE) {
			l->dup_pages++;
			if (l->nruns < RUNS_MAX)
				l->runs[l->nruns++] = (struct run){ vaddr, gpa, 0, index };
			return;
		}
	}
	if (l->nruns >= RUNS_MAX) {
		l->overflow = true;
		return;
	}
	l->runs[l->nruns++] = (struct run){ vaddr, gpa, 1, index };
}

static void lay_data(void *ctx, const struct hvdump_info *d, uint32_t off, const uint8_t *p, size_t n)
{
	struct layout *l = ctx;

	note_data(&l->note, d, off, p, n);
}

static void lay_end(void *ctx, const struct hvdump_info *d)
{
	struct layout *l = ctx;
	bool keep = d->ok && (l->want == 0 || d->ordinal == l->want);

	if (keep)
		l->chosen_note = l->note;
	memset(&l->note, 0, sizeof(l->note));

	if (d->out_pages == 0) {
		l->nruns = 0;
		l->overflow = false;
		l->dup_pages = 0;
	}
	if (!keep)
		return;
	l->chosen = d->ordinal;
	l->chosen_nruns = l->nruns;
	l->chosen_overflow = l->overflow;
	l->chosen_dup = l->dup_pages;
	memcpy(l->chosen_runs, l->runs, l->nruns * sizeof(l->runs[0]));
	l->info = *d;
}

/* Pass 2: page data into the core at the offsets pass 1 laid out. */
struct writer {
	FILE *f;
	unsigned ordinal;
	uint64_t data_off; /* file offset of page 0 */
	uint64_t page_index;
	bool io_error;
	const struct layout *l;
	/* where the current page goes, or UINT64_MAX if it is left out */
	uint64_t page_off;
	uint64_t whole_ram;  /* a full dump: all of guest RAM in one segment, at data_off + gpa */
};

static uint64_t page_file_offset(const struct layout *l, uint64_t index, uint64_t data_off)
{
	uint64_t off = data_off;

	for (unsigned i = 0; i < l->chosen_nruns; i++) {
		const struct run *r = &l->chosen_runs[i];
		if (index >= r->first && index < r->first + r->pages)
			return off + (index - r->first) * HVDUMP_PAGE;
		off += r->pages * HVDUMP_PAGE;
	}
	return UINT64_MAX;
}

static void wr_page(void *ctx, const struct hvdump_info *d, uint64_t vaddr, uint64_t gpa)
{
	struct writer *w = ctx;

	(void)vaddr;
	if (d->ordinal != w->ordinal)
		return;
	if (w->whole_ram)
		w->page_off = gpa < w->whole_ram ? w->data_off + gpa : UINT64_MAX;
	else
		w->page_off = page_file_offset(w->l, d->out_pages - 1, w->data_off);
}

static void wr_data(void *ctx, const struct hvdump_info *d, uint32_t off, const uint8_t *p, size_t n)
{
	struct writer *w = ctx;

	if (d->ordinal != w->ordinal || w->page_off == UINT64_MAX)
		return;
	if (fseeko(w->f, (off_t)(w->page_off + off), SEEK_SET) != 0 || fwrite(p, 1, n, w->f) != n)
		w->io_error = true;
}

static bool have_key;
static uint8_t key_priv[DUMPCRYPT_KEY];

static int feed(const char *path, struct hvdump_asm *a, const struct hvdump_sink *sink)
{
	static char line[LINE_MAX_BYTES];
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "hvdump: %s: %s\n", path, strerror(errno));
		return -1;
	}
	hvdump_asm_init(a);
	if (have_key && !hvdump_asm_set_key(a, key_priv)) {
		fclose(f);
		fprintf(stderr, "hvdump: the private key is not a usable X25519 key\n");
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		bool whole = len > 0 && line[len - 1] == '\n';
		if (whole)
			len--;
		else if (!feof(f)) {
			/* An overlong line: the rest of it is dropped. */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		int st = hvlog_parse_line(line, len, &rec);
		hvdump_asm_line(a, st, &rec, sink);
	}
	bool err = ferror(f) != 0;
	fclose(f);
	if (err) {
		fprintf(stderr, "hvdump: %s: read error\n", path);
		return -1;
	}
	hvdump_asm_finish(a, sink);
	return 0;
}

/* struct elf_prstatus of x86-64 Linux, as gdb and BFD read it: the
 * register block (struct user_regs_struct) starts at byte 112. */
#define PRSTATUS_SIZE 336
#define PRSTATUS_REG_OFF 112
static const char *const user_regs_order[27] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
	"rsi", "rdi", "orig_rax", "rip", "cs_sel", "rflags", "rsp", "ss_sel", "fs_base", "gs_base",
	"ds_sel", "es_sel", "fs_sel", "gs_sel",
};

static size_t note(uint8_t *buf, size_t at, const char *name, uint32_t type, const void *desc,
		   size_t desc_len)
{
	Elf64_Nhdr h = { .n_namesz = (Elf64_Word)(strlen(name) + 1), .n_descsz = (Elf64_Word)desc_len,
			 .n_type = type };
	memcpy(buf + at, &h, sizeof(h));
	at += sizeof(h);
	memcpy(buf + at, name, h.n_namesz);
	at += (h.n_namesz + 3) & ~3u;
	memcpy(buf + at, desc, desc_len);
	at += (desc_len + 3) & ~(size_t)3;
	return at;
}

#define HVDUMP_NOTE_TYPE 0x48444d50u /* "HDMP" */
/* CORE (prstatus), HVDUMP (its text, under 4 KiB) and VMCOREINFO. */
#define NOTES_MAX (8192 + HVDUMP_VMCOREINFO_MAX)

/* The guest kernel's VMCOREINFO note, when the dump names one and holds
 * all of it, as the core's own "VMCOREINFO" note (type 0, as a kdump
 * /proc/vmcore has it): makedumpfile and crash read the kernel's layout
 * from it.  Says in text what became of it; returns the notes' length. */
static size_t vmcoreinfo_note(uint8_t *notes, size_t nl, char *text, size_t *tl, size_t tsize)
{
	const struct hvdump_info *d = &lay.info;
	const struct note_bytes *nb = &lay.chosen_note;
	size_t off, len;

	if (d->vmcoreinfo_bytes == 0)
		return nl;
	const char *why = NULL;
	/* A full dump leaves out the zero pages: there, a page not sent is
	 * zero (the note's end often is); elsewhere every page is sent. */
	bool full = strcmp(d->level, "full") == 0;
	if (!full && nb->seen != (1u << note_pages(d)) - 1)
		why = "not all of its pages are in the dump";
	else if (!hvdump_vmcoreinfo_desc(nb->b, d->vmcoreinfo_bytes, &off, &len))
		why = "the bytes there are not a VMCOREINFO note";
	if (why == NULL)
		nl = note(notes, nl, "VMCOREINFO", 0, nb->b + off, len);
	*tl += (size_t)snprintf(text + *tl, tsize - *tl, "vmcoreinfo: gpa=0x%llx bytes=%llu: %s%s\n",
				(unsigned long long)d->vmcoreinfo_gpa,
				(unsigned long long)d->vmcoreinfo_bytes,
				why ? "left out: " : "written as the VMCOREINFO note", why ? why : "");
	return nl;
}

/* Guest RAM's size if the dump is a full one that names it (whole pages,
 * within what a dump may hold), else 0. */
static uint64_t whole_ram_bytes(const struct hvdump_info *d)
{
	if (strcmp(d->level, "full") != 0 || d->ram_bytes == 0 || d->ram_bytes % HVDUMP_PAGE != 0 ||
	    d->ram_bytes / HVDUMP_PAGE > HVDUMP_PAGES_MAX)
		return 0;
	return d->ram_bytes;
}

static int write_core(const char *log, const char *core)
{
	static uint8_t notes[NOTES_MAX];
	static char text[4096];
	const struct hvdump_info *d = &lay.info;
	uint8_t prs[PRSTATUS_SIZE] = { 0 };
	size_t tl = 0;

	for (unsigned i = 0; i < 27; i++) {
		uint64_t v = 0;
		if (hvdump_reg(d, user_regs_order[i], &v) || strcmp(user_regs_order[i], "orig_rax") == 0)
			memcpy(prs + PRSTATUS_REG_OFF + 8 * i,
			       strcmp(user_regs_order[i], "orig_rax") == 0 ? &(uint64_t){ UINT64_MAX } : &v, 8);
	}
	tl += (size_t)snprintf(text + tl, sizeof(text) - tl,
			       "hvdump level=%s dump=%u boot=%u id=%u cause=%s rule=%s pages=%llu "
			       "zero_pages_left_out=%llu skipped=%llu duplicate_vaddr_pages_left_out=%llu "
			       "private_pages=%llu private_decrypted=%llu\n",
			       d->level, d->ordinal, d->boot, d->id, d->cause, d->rule,
			       (unsigned long long)d->pages, (unsigned long long)d->zero_pages,
			       (unsigned long long)d->skipped, (unsigned long long)lay.chosen_dup,
			       (unsigned long long)d->xpages, (unsigned long long)d->xopened);
	/* Its line goes second, while the text has room. */
	size_t nl = note(notes, 0, "CORE", NT_PRSTATUS, prs, sizeof(prs));
	nl = vmcoreinfo_note(notes, nl, text, &tl, sizeof(text));
	if (d->xpages > d->xopened)
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl,
				       "left out: %llu private pages, sealed for key %s (no -k key given)\n",
				       (unsigned long long)(d->xpages - d->xopened), d->keyfp);
	for (unsigned i = 0; i < d->nskips && tl < sizeof(text) - 128; i++)
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "left out: %s\n", d->skips[i]);
	for (unsigned i = 0; i < d->nregs && tl < sizeof(text) - 64; i++)
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "%s=0x%llx\n", d->regs[i].key,
				       (unsigned long long)d->regs[i].value);
	nl = note(notes, nl, "HVDUMP", HVDUMP_NOTE_TYPE, text, tl + 1);

	/* A full dump becomes one segment of all of guest RAM, as a kdump
	 * /proc/vmcore has it: the pages it left out as zero read as zero
	 * (holes in a sparse file), so that a reader finds every page. */
	uint64_t whole = whole_ram_bytes(d);
	unsigned nload = 0;
	for (unsigned i = 0; i < lay.chosen_nruns && !whole; i++)
		nload += lay.chosen_runs[i].pages != 0;
	if (whole)
		nload = 1;
	unsigned phnum = 1 + nload;
	uint64_t note_off = sizeof(Elf64_Ehdr) + (uint64_t)phnum * sizeof(Elf64_Phdr);
	uint64_t data_off = (note_off + nl + HVDUMP_PAGE - 1) & ~(uint64_t)(HVDUMP_PAGE - 1);

	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", core, (long)getpid());
	FILE *f = fopen(tmp, "w+b");
	if (f == NULL) {
		fprintf(stderr, "hvdump: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	Elf64_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)phnum;
	bool ok = fwrite(&eh, sizeof(eh), 1, f) == 1;
	Elf64_Phdr ph = { .p_type = PT_NOTE, .p_offset = note_off, .p_filesz = nl, .p_align = 4 };
	ok = ok && fwrite(&ph, sizeof(ph), 1, f) == 1;
	uint64_t off = data_off;
	if (whole) {
		ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = off,
				   .p_filesz = whole, .p_memsz = whole, .p_align = HVDUMP_PAGE };
		ok = ok && fwrite(&ph, sizeof(ph), 1, f) == 1;
		off += whole;
	}
	for (unsigned i = 0; i < lay.chosen_nruns && !whole; i++) {
		const struct run *r = &lay.chosen_runs[i];
		if (r->pages == 0)
			continue;
		ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = off,
				   .p_vaddr = r->vaddr, .p_paddr = r->gpa, .p_filesz = r->pages * HVDUMP_PAGE,
				   .p_memsz = r->pages * HVDUMP_PAGE, .p_align = HVDUMP_PAGE };
		ok = ok && fwrite(&ph, sizeof(ph), 1, f) == 1;
		off += r->pages * HVDUMP_PAGE;
	}
	ok = ok && fwrite(notes, 1, nl, f) == nl;
	/* The pages' zeros: extend the file to its full size first, so that
	 * every elided piece reads back as zero. */
	ok = ok && (off == data_off || (fseeko(f, (off_t)off - 1, SEEK_SET) == 0 && fputc(0, f) == 0));

	struct writer w = { .f = f, .ordinal = lay.chosen, .data_off = data_off, .l = &lay,
			    .page_off = UINT64_MAX, .whole_ram = whole };
	const struct hvdump_sink sink = { .ctx = &w, .page = wr_page, .data = wr_data };
	if (ok && feed(log, &asmb, &sink) != 0)
		ok = false;
	ok = ok && !w.io_error && fflush(f) == 0;
	if (fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, core) != 0) {
		fprintf(stderr, "hvdump: cannot write %s: %s\n", core, strerror(errno));
		unlink(tmp);
		return 1;
	}
	printf("hvdump: wrote %s: dump %u (level %s, %llu pages in %u segments, %llu left out as "
	       "zero, %llu skipped, %llu private pages decrypted, %llu left out sealed)\n",
	       core, d->ordinal, d->level, (unsigned long long)d->out_pages, nload,
	       (unsigned long long)d->zero_pages, (unsigned long long)d->skipped,
	       (unsigned long long)d->xopened, (unsigned long long)(d->xpages - d->xopened));
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: hvdump [-k KEY] LOG            list and verify the dumps in a captured log\n"
			"       hvdump [-k KEY] [-n N] LOG CORE  write dump N (default: the last) as an ELF core\n"
			"       hvdump -G KEY PUB                make a key pair for private ranges\n"
			"  -k KEY  the operator's private key: decrypt private pages (else left out)\n");
}

#define KEY_TAG "hvdump-x25519-private "
#define PUB_TAG "hvdump-x25519-public "

static bool parse_hex32(const char *s, uint8_t out[DUMPCRYPT_KEY])
{
	/* a NUL or newline stops the decode before any read past it */
	return hvdump_hex_decode(s, out, DUMPCRYPT_KEY) &&
	       (s[2 * DUMPCRYPT_KEY] == '\n' || s[2 * DUMPCRYPT_KEY] == '\0');
}

static int read_key(const char *path)
{
	char buf[256] = { 0 };
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "hvdump: %s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strncmp(buf, KEY_TAG, strlen(KEY_TAG)) != 0 || !parse_hex32(buf + strlen(KEY_TAG), key_priv)) {
		fprintf(stderr, "hvdump: %s: not an hvdump private key (one line: %s<64 hex digits>)\n",
			path, KEY_TAG);
		return 1;
	}
	have_key = true;
	return 0;
}

static int write_text(const char *path, const char *tag, const uint8_t k[DUMPCRYPT_KEY], int mode)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	bool ok = f != NULL && fprintf(f, "%s", tag) > 0;
	for (unsigned i = 0; ok && i < DUMPCRYPT_KEY; i++)
		ok = fprintf(f, "%02x", k[i]) == 2;
	ok = ok && fprintf(f, "\n") == 1;
	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, "hvdump: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

/* A key pair from the system's generator (getrandom). */
static int keygen(const char *key_path, const char *pub_path)
{
	uint8_t priv[DUMPCRYPT_KEY], pub[DUMPCRYPT_KEY], fp[DUMPCRYPT_FP];

	if (getrandom(priv, sizeof(priv), 0) != (ssize_t)sizeof(priv) || !dumpcrypt_public(priv, pub)) {
		fprintf(stderr, "hvdump: no random bytes for a key\n");
		return 1;
	}
	int rc = write_text(key_path, KEY_TAG, priv, 0600) || write_text(pub_path, PUB_TAG, pub, 0644);
	dumpcrypt_wipe(priv, sizeof(priv));
	if (rc)
		return 1;
	dumpcrypt_fingerprint(pub, fp);
	printf("hvdump: wrote %s (private: keep it off the machine) and %s (build with "
	       "make DUMP_PUBKEY=%s); fingerprint ", key_path, pub_path, pub_path);
	for (unsigned i = 0; i < DUMPCRYPT_FP; i++)
		printf("%02x", fp[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:k:Gh")) != -1) {
		switch (opt) {
		case 'k':
			if (read_key(optarg) != 0)
				return 1;
			break;
		case 'G':
			if (argc - optind != 2) {
				usage();
				return 1;
			}
			return keygen(argv[optind], argv[optind + 1]);
		case 'n': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*end != '\0' || n == 0 || n > HVDUMP_DUMPS_MAX) {
				usage();
				return 1;
			}
			lay.want = (unsigned)n;
			break;
		}
		default:
			usage();
			return 1;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		usage();
		return 1;
	}
	const char *log = argv[optind], *core = argc - optind == 2 ? argv[optind + 1] : NULL;
	const struct hvdump_sink sink = { .ctx = &lay, .page = lay_page, .data = lay_data, .end = lay_end };
	if (feed(log, &asmb, &sink) != 0)
		return 1;

	unsigned bad = asmb.too_many;
	for (unsigned i = 0; i < asmb.nsummary; i++) {
		const struct hvdump_info *d = &asmb.summary[i];
		if (d->ok)
			printf("dump %u: boot %u id %u level %s cause %s rule %s: %llu pages, %llu chunks, "
			       "%llu zero pages left out, %llu skipped, %llu private sealed (%s), crc %08x ok, "
			       "%llu us\n",
			       d->ordinal, d->boot, d->id, d->level, d->cause, d->rule,
			       (unsigned long long)d->pages, (unsigned long long)d->chunks,
			       (unsigned long long)d->zero_pages, (unsigned long long)d->skipped,
			       (unsigned long long)d->xpages,
			       d->xpages == 0 ? "none" : d->xopened == d->xpages ? "all decrypted" : "not decrypted: no -k",
			       d->crc, (unsigned long long)d->us);
		else {
			fprintf(stderr, "hvdump: error: %s\n", d->err);
			bad++;
		}
	}
	if (asmb.too_many)
		fprintf(stderr, "hvdump: error: more than %u dumps in the log\n", HVDUMP_DUMPS_MAX);
	if (bad) {
		fprintf(stderr, "hvdump: %u dump(s) failed to verify%s\n", bad,
			core ? ": nothing written" : "");
		return 2;
	}
	if (core == NULL)
		return 0;
	if (lay.chosen == 0) {
		fprintf(stderr, "hvdump: %s: %s: nothing written\n", log,
			lay.want ? "no such dump" : "no dump in the log");
		return 2;
	}
	if (lay.chosen_overflow) {
		fprintf(stderr, "hvdump: dump %u has more than %u segments: nothing written\n",
			lay.chosen, RUNS_MAX);
		return 2;
	}
	return write_core(log, core);
}
