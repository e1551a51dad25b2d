#include "hv/cmdline.h"

#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Length of the hypervisor part: up to the "--" token, if any. */
static size_t hv_part_len(const char *cmdline)
{
	const char *p = cmdline;

	while (*p) {
		if (p[0] == '-' && p[1] == '-' && (p == cmdline || is_space(p[-1])) &&
		    (p[2] == '\0' || is_space(p[2])))
			return (size_t)(p - cmdline);
		p++;
	}
	return (size_t)(p - cmdline);
}

const char *cmdline_guest_part(const char *cmdline)
{
	const char *p = cmdline + hv_part_len(cmdline);

	if (*p == '\0')
		return p;
	p += 2;
	while (is_space(*p))
		p++;
	return p;
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_size)
{
	size_t len = hv_part_len(cmdline), klen = strlen(key), i = 0;

	while (i < len) {
		while (i < len && is_space(cmdline[i]))
			i++;
		size_t start = i;
		while (i < len && !is_space(cmdline[i]))
			i++;
		const char *tok = cmdline + start;
		size_t tlen = i - start;
		if (tlen > klen && memcmp(tok, key, klen) == 0 && tok[klen] == '=') {
			size_t vlen = tlen - klen - 1;
			if (out_size == 0)
				return true;
			if (vlen > out_size - 1)
				vlen = out_size - 1;
			memcpy(out, tok + klen + 1, vlen);
			out[vlen] = '\0';
			return true;
		}
	}
	return false;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

uint64_t cmdline_get_u64(const char *cmdline, const char *key, uint64_t dflt)
{
	char buf[24];
	const char *p = buf;
	unsigned base = 10;
	uint64_t v = 0;

	if (!cmdline_get(cmdline, key, buf, sizeof(buf)) || buf[0] == '\0')
		return dflt;
	if (strlen(buf) == sizeof(buf) - 1) /* possibly cut short: not a whole number */
		return dflt;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (*p == '\0')
			return dflt;
	}
	for (; *p; p++) {
		int d = digit_value(*p);
		if (d >= (int)base || v > (UINT64_MAX - (uint64_t)d) / base)
			return dflt;
		v = v * base + (uint64_t)d;
	}
	return v;
}
