/*
 * Validation of a typed report copied out of the guest (pure: no vCPU or
 * hypervisor state, so the fuzz targets and unit tests call it directly).
 */
#include <stdbool.h>
#include <string.h>

#include "hv/report_check.h"

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

/* Makes a guest string safe for a log line: printable, no spaces. */
void report_sanitize(char *s, size_t cap)
{
	for (size_t i = 0; i < cap && s[i]; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '*')
			s[i] = '_';
}

const char *report_validate(const struct hv_report *r, uint64_t generation, uint64_t last_seq)
{
	if (r->magic != HV_REPORT_MAGIC)
		return "bad_magic";
	if (r->version != HV_REPORT_VERSION || r->size != sizeof(*r))
		return "bad_version_or_size";
	if (r->boot_generation != generation)
		return "stale_generation";
	if (r->seq <= last_seq)
		return "seq_not_increasing";
	if (r->type == 0 || r->type >= HV_REP_TYPE_COUNT)
		return "bad_type";
	if (r->type == HV_REP_EXCEPTION && r->vector > 31)
		return "bad_vector";
	if (!terminated(r->module, sizeof(r->module)) || !terminated(r->message, sizeof(r->message)))
		return "unterminated_string";
	if (r->module_index < -1 || r->module_index > 255)
		return "bad_module_index";
	return NULL;
}

