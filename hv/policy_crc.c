/*
 * The policy's part of the integrity CRC (hv/integrity.c; declared in
 * hv/policy.h).  Its own file so that the policy's other users (the
 * recovery tests, the hypercall fuzz target) need not link the CRC.
 */
#include <string.h>

#include "hv/policy.h"
#include "lib/crc32.h"

/* A NULL string (a rule matching any module) adds nothing. */
static uint32_t string_crc(const char *s, uint32_t crc, uint64_t *bytes)
{
	size_t len = s != NULL ? strlen(s) + 1 : 0;

	*bytes += len;
	return crc32_ieee_update(crc, s, len);
}

/* The tables are const and the compiler zeroes their padding (static
 * storage, C11 6.7.9): their bytes are stable. */
uint32_t policy_crc(const struct policy_config *p, uint32_t crc, uint64_t *bytes)
{
	*bytes = sizeof(*p) + (uint64_t)p->rule_count * sizeof(p->rules[0]);
	crc = crc32_ieee_update(crc, p, sizeof(*p));
	crc = crc32_ieee_update(crc, p->rules, p->rule_count * sizeof(p->rules[0]));
	crc = string_crc(p->name, crc, bytes);
	for (uint32_t i = 0; i < p->rule_count; i++) {
		crc = string_crc(p->rules[i].name, crc, bytes);
		crc = string_crc(p->rules[i].module, crc, bytes);
	}
	return crc;
}
