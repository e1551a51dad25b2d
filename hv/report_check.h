#ifndef HV_REPORT_CHECK_H
#define HV_REPORT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "include/hv_abi.h"

/* NULL if the report is well formed for this boot generation and newer
 * than last_seq; else a short reason ("bad_magic", ...). */
const char *report_validate(const struct hv_report *r, uint64_t generation, uint64_t last_seq);

/* Replaces anything but printable non-space ASCII (and '"', '*') with '_'
 * up to the first NUL or cap bytes. */
void report_sanitize(char *s, size_t cap);

#endif
