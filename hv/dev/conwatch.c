/* The guest console's panic line (hv/dev/conwatch.h). */
#include "hv/dev/conwatch.h"

#include <string.h>

static const char prefix[] = CONWATCH_PANIC_PREFIX;
#define PREFIX_LEN (sizeof(prefix) - 1)
_Static_assert(PREFIX_LEN < 256, "matched counts in a byte");

void conwatch_reset(struct conwatch *w)
{
	memset(w, 0, sizeof(*w));
}

/* True when the line is over. */
static bool take_reason(struct conwatch *w, uint8_t c)
{
	if (c == '\n' || c == '\r' || c == '\0')
		return true;
	w->reason[w->reason_len++] = (char)c;
	w->reason[w->reason_len] = '\0';
	return w->reason_len == CONWATCH_REASON_MAX - 1;
}

/* One byte of the search.  The prefix starts with the only 'K' in it, so
 * on a mismatch the search restarts at this byte (no partial match can
 * overlap another). */
static void match(struct conwatch *w, uint8_t c)
{
	if (c == (uint8_t)prefix[w->matched])
		w->matched++;
	else
		w->matched = c == (uint8_t)prefix[0] ? 1 : 0;
	if (w->matched == PREFIX_LEN) {
		w->matched = 0;
		w->capturing = true;
	}
}

bool conwatch_feed(struct conwatch *w, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len && !w->panicked; i++) {
		if (!w->capturing) {
			match(w, buf[i]);
		} else if (take_reason(w, buf[i])) {
			w->capturing = false;
			w->panicked = true;
			return true;
		}
	}
	return false;
}
