/*
 * fuzz_cmdline: hv/cmdline.c.  The input, NUL-terminated on the heap, is
 * the command line; the first byte picks the output buffer size for
 * cmdline_get (0..31, including the 0 and 1 edge cases).  Invariants:
 * the value is NUL-terminated inside the buffer, a found key really
 * appears as "key=" in the hypervisor part, cmdline_guest_part points
 * into the string, the numbers parse consistently with cmdline_get.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/cmdline.h"
#include "tests/fuzz/fuzz_common.h"

static const char *const keys[] = {
	"tick_us", "ticklog", "maxticks", "wd_ms", "wd_k", "onfault", "guest", "a", "-",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t out_size = data[0] % 32;
	char *line = malloc(size);
	char *out = malloc(out_size ? out_size : 1);

	FUZZ_ASSERT(line != NULL && out != NULL);
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';

	const char *g = cmdline_guest_part(line);
	FUZZ_ASSERT(g >= line && g <= line + strlen(line));

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		memset(out, 'X', out_size);
		bool found = cmdline_get(line, keys[k], out, out_size);
		if (found && out_size > 0) {
			FUZZ_ASSERT(memchr(out, '\0', out_size) != NULL);
			char needle[16];
			size_t kl = strlen(keys[k]);
			memcpy(needle, keys[k], kl);
			needle[kl] = '=';
			needle[kl + 1] = '\0';
			FUZZ_ASSERT(strstr(line, needle) != NULL);
		}
		if (!found && out_size > 0)
			FUZZ_ASSERT(out[0] == 'X'); /* untouched */

		uint64_t a = cmdline_get_u64(line, keys[k], 7), b = cmdline_get_u64(line, keys[k], 8);
		if (a != b) /* the default leaks through only when there is no number */
			FUZZ_ASSERT(a == 7 && b == 8);
		else {
			char v[32];
			FUZZ_ASSERT(cmdline_get(line, keys[k], v, sizeof(v)) && v[0] != '\0');
		}
	}
	free(out);
	free(line);
	return 0;
}
