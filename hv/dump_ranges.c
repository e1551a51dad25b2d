/* The guest's dump ranges (hv/dump_ranges.h). */
#include "hv/dump_ranges.h"

#define PAGE 4096u

const char *dump_range_kind_name(enum dump_range_kind k)
{
	switch (k) {
	case DUMP_RANGE_IMPORTANT:
		return "important";
	case DUMP_RANGE_REGENERABLE:
		return "regenerable";
	case DUMP_RANGE_PRIVATE:
		return "private";
	default:
		return "none";
	}
}

void dump_ranges_reset(struct dump_ranges *s, uint64_t generation)
{
	s->generation = generation;
	s->n = 0;
	s->kept_pages = 0;
	s->stateless = false;
	s->vmcoreinfo_gpa = s->vmcoreinfo_bytes = 0;
}

void dump_ranges_sync(struct dump_ranges *s, uint64_t generation)
{
	if (s->generation != generation)
		dump_ranges_reset(s, generation);
}

int64_t dump_ranges_add(struct dump_ranges *s, uint64_t gpa, uint64_t bytes, uint64_t kind,
			uint64_t ram_bytes)
{
	if (kind != DUMP_RANGE_IMPORTANT && kind != DUMP_RANGE_REGENERABLE && kind != DUMP_RANGE_PRIVATE)
		return HV_E_INVAL;
	/* Every bound is checked without overflow: gpa + bytes may wrap. */
	if (bytes == 0 || (gpa | bytes) % PAGE != 0 || gpa >= ram_bytes || bytes > ram_bytes - gpa)
		return HV_E_RANGE;
	for (unsigned i = 0; i < s->n; i++) {
		const struct dump_range *r = &s->r[i];
		if (gpa < r->gpa + r->bytes && r->gpa < gpa + bytes)
			return HV_E_INVAL;
	}
	if (s->n >= HV_DUMP_RANGES_MAX)
		return HV_E_FULL;
	uint64_t pages = bytes / PAGE;
	if (kind != DUMP_RANGE_REGENERABLE) {
		if (pages > HV_DUMP_RANGE_PAGES_MAX - s->kept_pages)
			return HV_E_FULL;
		s->kept_pages += pages;
	}
	s->r[s->n++] = (struct dump_range){ .gpa = gpa, .bytes = bytes, .kind = (uint8_t)kind };
	return HV_OK;
}

int64_t dump_ranges_set_vmcoreinfo(struct dump_ranges *s, uint64_t gpa, uint64_t bytes,
				   uint64_t ram_bytes)
{
	/* As dump_ranges_add(): gpa + bytes may wrap, so no sum is formed. */
	if (bytes == 0 || bytes > HV_DUMP_VMCOREINFO_MAX || gpa >= ram_bytes || bytes > ram_bytes - gpa)
		return HV_E_RANGE;
	s->vmcoreinfo_gpa = gpa;
	s->vmcoreinfo_bytes = bytes;
	return HV_OK;
}

enum dump_range_kind dump_ranges_kind_of(const struct dump_ranges *s, uint64_t gpa)
{
	for (unsigned i = 0; i < s->n && i < HV_DUMP_RANGES_MAX; i++) {
		const struct dump_range *r = &s->r[i];
		if (gpa >= r->gpa && gpa - r->gpa < r->bytes)
			return (enum dump_range_kind)r->kind;
	}
	return DUMP_RANGE_NONE;
}
