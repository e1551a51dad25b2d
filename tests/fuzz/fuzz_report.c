/*
 * fuzz_report: hv/report_check.c.  Input: u64 generation, u64 last_seq,
 * then sizeof(struct hv_report) bytes of report (zero-padded when short).
 * report_validate() must accept only what its contract allows; then
 * report_sanitize() on module/message (as report.c does after a
 * successful validation, and also on unvalidated, possibly unterminated
 * strings: it must stay within cap).  The sanitized strings must be
 * printable non-space ASCII without '"' and '*'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/report_check.h"
#include "tests/fuzz/fuzz_common.h"

static void check_sanitized(const char *s, size_t cap)
{
	for (size_t i = 0; i < cap && s[i]; i++)
		FUZZ_ASSERT(s[i] > ' ' && s[i] <= '~' && s[i] != '"' && s[i] != '*');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	uint64_t generation = fuzz_u64(&in), last_seq = fuzz_u64(&in);
	/* On the heap at its exact size: ASan sees any overrun. */
	struct hv_report *r = malloc(sizeof(*r));

	FUZZ_ASSERT(r != NULL);
	fuzz_bytes(&in, r, sizeof(*r));
	const char *why = report_validate(r, generation, last_seq);
	if (why == NULL) {
		FUZZ_ASSERT(r->magic == HV_REPORT_MAGIC);
		FUZZ_ASSERT(r->version == HV_REPORT_VERSION && r->size == sizeof(*r));
		FUZZ_ASSERT(r->boot_generation == generation && r->seq > last_seq);
		FUZZ_ASSERT(r->type >= 1 && r->type < HV_REP_TYPE_COUNT);
		FUZZ_ASSERT(r->type != HV_REP_EXCEPTION || r->vector <= 31);
		FUZZ_ASSERT(memchr(r->module, 0, sizeof(r->module)) != NULL);
		FUZZ_ASSERT(memchr(r->message, 0, sizeof(r->message)) != NULL);
		FUZZ_ASSERT(r->module_index >= -1 && r->module_index <= 255);
	} else {
		FUZZ_ASSERT(why[0] != '\0');
	}
	report_sanitize(r->module, sizeof(r->module));
	report_sanitize(r->message, sizeof(r->message));
	check_sanitized(r->module, sizeof(r->module));
	check_sanitized(r->message, sizeof(r->message));
	free(r);
	return 0;
}
