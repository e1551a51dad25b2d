/*
 * Hypervisor command line: "key=value key=value ... -- guest command line".
 * Everything after " -- " is handed to the guest verbatim.
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the value of `key` into out (NUL-terminated, truncated to
 * out_size - 1).  Returns false if the key is absent. */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_size);

/* Parses a decimal or 0x-prefixed hex value of `key`.  Returns `dflt` if
 * the key is absent or its value is not a complete number. */
uint64_t cmdline_get_u64(const char *cmdline, const char *key, uint64_t dflt);

/* Returns the text after the first " -- " separator, or "" if none. */
const char *cmdline_guest_part(const char *cmdline);

#endif
