/*
 * Crash dumps on the report stream: page choice and record text
 * (hv/dump_fmt.h, docs/dumps.md).
 */
#include <stdio.h>

#include "hv/dump_fmt.h"

static const char *const what_names[DUMP_WHAT_COUNT] = {
	[DUMP_WHAT_RIP] = "rip", [DUMP_WHAT_RSP] = "rsp", [DUMP_WHAT_SHARED] = "shared",
	[DUMP_WHAT_BOOT] = "boot", [DUMP_WHAT_RAM] = "ram",
	[DUMP_WHAT_IMPORTANT] = "important", [DUMP_WHAT_VMCOREINFO] = "vmcoreinfo",
};

const char *dump_what_name(enum dump_what w)
{
	return (unsigned)w < DUMP_WHAT_COUNT ? what_names[w] : "?";
}

static unsigned add_req(struct dump_req *out, unsigned n, unsigned max, uint64_t addr, bool virt,
			enum dump_what what, int delta)
{
	if (n >= max)
		return n;
	for (unsigned i = 0; i < n; i++)
		if (out[i].addr == addr && out[i].virt == virt)
			return n; /* RIP's pages and RSP's may overlap */
	out[n] = (struct dump_req){ .addr = addr, .virt = virt, .what = (uint8_t)what,
				    .delta = (int8_t)delta };
	return n + 1;
}

unsigned dump_mini_plan(const struct dump_mini_in *in, struct dump_req *out, unsigned max)
{
	const uint64_t mask = ~(uint64_t)(DUMP_PAGE - 1);
	uint64_t rip = in->rip & mask, rsp = in->rsp & mask;
	unsigned n = 0;

	if (max > DUMP_MINI_REQ_MAX)
		max = DUMP_MINI_REQ_MAX;
	/* Unsigned arithmetic: a page below 0 or above the top would wrap
	 * to the other end of the address space, which is not "around". */
	for (int d = -(int)DUMP_RIP_BELOW; d <= (int)DUMP_RIP_ABOVE; d++) {
		if (d < 0 && rip < (uint64_t)-d * DUMP_PAGE)
			continue;
		if (d > 0 && rip > UINT64_MAX - (uint64_t)d * DUMP_PAGE)
			continue;
		n = add_req(out, n, max, rip + (uint64_t)(int64_t)d * DUMP_PAGE, true, DUMP_WHAT_RIP, d);
	}
	for (unsigned d = 0; d <= DUMP_RSP_ABOVE; d++) {
		if (rsp > UINT64_MAX - (uint64_t)d * DUMP_PAGE)
			break;
		n = add_req(out, n, max, rsp + (uint64_t)d * DUMP_PAGE, true, DUMP_WHAT_RSP, (int)d);
	}
	if (in->has_shared)
		n = add_req(out, n, max, in->shared_gpa & mask, false, DUMP_WHAT_SHARED, 0);
	if (in->has_boot)
		n = add_req(out, n, max, in->boot_gpa & mask, false, DUMP_WHAT_BOOT, 0);
	return n;
}

size_t dump_b64(char *out, const uint8_t *in, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;
		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = left > 1 ? tab[(v >> 6) & 63] : '=';
		out[o++] = left > 2 ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

bool dump_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* "dump_mem id=4294967295 i=4294967295 off=4095 d=" */
#define DUMP_MEM_HEAD_MAX (sizeof("dump_mem id= i= off= d=") - 1 + 10 + 10 + 4)
_Static_assert(DUMP_MEM_HEAD_MAX + DUMP_CHUNK_B64 <= DUMP_TEXT_MAX,
	       "a dump_mem record fits the text of one log line");

size_t dump_fmt_mem(char *buf, size_t size, uint32_t id, uint32_t idx, uint32_t off,
		    const uint8_t *data, size_t n)
{
	char b64[DUMP_CHUNK_B64 + 1];

	if (n == 0 || n > DUMP_CHUNK || off >= DUMP_PAGE || n > DUMP_PAGE - off || size <= DUMP_TEXT_MAX)
		return 0;
	dump_b64(b64, data, n);
	int len = snprintf(buf, size, "dump_mem id=%u i=%u off=%u d=%s", id, idx, off, b64);
	return len > 0 && (size_t)len <= DUMP_TEXT_MAX ? (size_t)len : 0;
}

bool dump_next_chunk(const uint8_t *page, uint32_t *pos, uint32_t *off, uint32_t *n)
{
	while (*pos < DUMP_PAGE) {
		uint32_t at = *pos, len = DUMP_PAGE - at < DUMP_CHUNK ? DUMP_PAGE - at : DUMP_CHUNK;
		*pos = at + len;
		if (!dump_all_zero(page + at, len)) {
			*off = at;
			*n = len;
			return true;
		}
	}
	return false;
}
