#include "boot/mb2/mb2_info.h"

#include <string.h>

#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_MODULE 3
#define TAG_MMAP 6
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15

struct mb2_tag {
	uint32_t type, size;
};

const char *mb2_status_text(enum mb2_status st)
{
	switch (st) {
	case MB2_OK:
		return "ok";
	case MB2_E_SIZE:
		return "inconsistent size in the Multiboot2 information";
	case MB2_E_NO_END:
		return "Multiboot2 information has no end tag";
	}
	return "unknown";
}

static void copy_string(char *dst, uint32_t cap, const uint8_t *src, uint32_t len)
{
	uint32_t n = 0;

	while (n < len && n + 1 < cap && src[n] != '\0') {
		dst[n] = (char)src[n];
		n++;
	}
	dst[n] = '\0';
}

/* Memory map tag: entry_size, entry_version, then entries of
 * {base u64, length u64, type u32, reserved u32}. */
static void parse_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	uint32_t entry_size;

	if (size < 16)
		return;
	memcpy(&entry_size, tag + 8, 4);
	if (entry_size < 24)
		return;
	/* entry_size comes from the loader: compare without overflowing. */
	for (uint32_t off = 16; off <= size && size - off >= entry_size; off += entry_size) {
		uint64_t base, len;
		uint32_t type;
		memcpy(&base, tag + off, 8);
		memcpy(&len, tag + off + 8, 8);
		memcpy(&type, tag + off + 16, 4);
		boot_mmap_add(bi, base, len,
			      type == 1 ? BOOT_MEM_USABLE : type == 3 ? BOOT_MEM_ACPI
				      : type == 2 ? BOOT_MEM_RESERVED : BOOT_MEM_OTHER);
	}
}

static void parse_module(const uint8_t *tag, uint32_t size, struct mb2_module *mod)
{
	uint32_t start, end;
	unsigned index = mod->count;

	if (size < 16)
		return;
	mod->count++;
	if (index > 1)
		return;
	memcpy(&start, tag + 8, 4);
	memcpy(&end, tag + 12, 4);
	if (end < start)
		end = start;
	if (index == 0) {
		mod->start = start;
		mod->end = end;
	} else {
		mod->initrd_start = start;
		mod->initrd_end = end;
	}
}

/* ACPI old/new RSDP tags (3.6.15, 3.6.16): a copy of the RSDP.  The new
 * one wins over the old; it is checked later (lib/acpi.h). */
static void parse_acpi(const uint8_t *tag, uint32_t size, uint32_t type, struct boot_info *bi)
{
	uint32_t n = size - 8;

	if (type == TAG_ACPI_OLD && bi->acpi_rsdp_len != 0)
		return;
	if (n > sizeof(bi->acpi_rsdp))
		n = sizeof(bi->acpi_rsdp);
	memcpy(bi->acpi_rsdp, tag + 8, n);
	bi->acpi_rsdp_len = n;
	bi->acpi_from = type == TAG_ACPI_NEW ? "multiboot2_new_rsdp" : "multiboot2_old_rsdp";
}

enum mb2_status mb2_parse(const uint8_t *info, uint32_t limit, struct boot_info *bi,
			  struct mb2_module *mod)
{
	uint32_t total;

	memset(mod, 0, sizeof(*mod));
	if (limit < 8)
		return MB2_E_SIZE;
	memcpy(&total, info, 4);
	if (total < 16 || total > limit)
		return MB2_E_SIZE;
	for (uint32_t off = 8; off + 8 <= total;) {
		struct mb2_tag t;
		memcpy(&t, info + off, sizeof(t));
		if (t.size < 8 || t.size > total - off || t.size > UINT32_MAX - 7)
			return MB2_E_SIZE;
		const uint8_t *tag = info + off;
		if (t.type == TAG_END)
			return MB2_OK;
		if (t.type == TAG_CMDLINE)
			copy_string(bi->cmdline, sizeof(bi->cmdline), tag + 8, t.size - 8);
		else if (t.type == TAG_MMAP)
			parse_mmap(tag, t.size, bi);
		else if (t.type == TAG_MODULE)
			parse_module(tag, t.size, mod);
		else if (t.type == TAG_ACPI_OLD || t.type == TAG_ACPI_NEW)
			parse_acpi(tag, t.size, t.type, bi);
		off += (t.size + 7) & ~7u; /* tags are 8-byte aligned */
	}
	return MB2_E_NO_END;
}

#define FLIGHT_ALT_ALIGN (2ull << 20)

/* Why the region cannot be at base, or NULL if it can. */
static const char *flight_refusal(const struct boot_info *bi, const struct mb2_module *mod,
				  uint64_t info, uint64_t info_size, uint64_t base, uint64_t size)
{
	if (!boot_mmap_usable_range(bi, base, size))
		return "not_usable_in_the_memory_map";
	if (boot_ranges_overlap(base, size, bi->hv_base, bi->hv_size))
		return "overlaps_the_hypervisor_image";
	if (boot_ranges_overlap(base, size, info, info_size) ||
	    boot_ranges_overlap(base, size, mod->start, mod->end - mod->start) ||
	    boot_ranges_overlap(base, size, mod->initrd_start, mod->initrd_end - mod->initrd_start))
		return "overlaps_the_boot_information_or_a_module";
	return NULL;
}

uint64_t mb2_flight_place(const struct boot_info *bi, const struct mb2_module *mod, uint64_t info,
			  uint64_t info_size, uint64_t preferred, uint64_t size, const char **why)
{
	*why = flight_refusal(bi, mod, info, info_size, preferred, size);
	if (*why == NULL)
		return preferred;
	uint64_t end = bi->hv_base + bi->hv_size;
	if (end < bi->hv_base || end > UINT64_MAX - FLIGHT_ALT_ALIGN)
		return 0;
	uint64_t alt = (end + FLIGHT_ALT_ALIGN - 1) & ~(FLIGHT_ALT_ALIGN - 1);
	if (flight_refusal(bi, mod, info, info_size, alt, size) != NULL)
		return 0;
	*why = NULL;
	return alt;
}
