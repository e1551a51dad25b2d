/*
 * fuzz_control: hv/control.c, the control channel's command parser.  The
 * input is a byte stream as the log port's receive side delivers it; it
 * goes through ctl_rx_byte() into lines, each line through ctl_parse()
 * and ctl_judge().  Invariants: a line never exceeds CTL_LINE_MAX and is
 * NUL-terminated; a parsed command has a NUL-terminated instance name of
 * printable characters, a nonce above 0, a known op, an argument only for
 * dump, and its signed part ends right before " *"; a command whose MAC
 * failed, or whose nonce is not above the last one, is never accepted.
 */
#include <stdint.h>
#include <string.h>

#include "hv/control.h"
#include "tests/fuzz/fuzz_common.h"

static void check_line(const struct ctl_rx *rx, bool mac_ok)
{
	struct ctl_cmd c;

	FUZZ_ASSERT(rx->len <= CTL_LINE_MAX && rx->line[rx->len] == '\0');
	if (ctl_parse(rx->line, rx->len, &c) != NULL)
		return;
	size_t n = strnlen(c.instance, sizeof(c.instance));
	FUZZ_ASSERT(n > 0 && n < sizeof(c.instance));
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(c.instance[i] > ' ' && c.instance[i] <= '~' && c.instance[i] != '*');
	FUZZ_ASSERT(c.nonce > 0 && c.op >= CTL_STATUS && c.op <= CTL_DUMP);
	FUZZ_ASSERT(c.op == CTL_DUMP ? (c.arg == 1 || c.arg == 2) : c.arg == 0);
	FUZZ_ASSERT(c.signed_len + 2 <= rx->len && memcmp(rx->line + c.signed_len, " *", 2) == 0);
	FUZZ_ASSERT(memcmp(rx->line, "HVC1 ", 5) == 0);

	struct ctl_state st = { .instance = c.instance, .boot_id = c.boot_id, .last_nonce = c.nonce };
	FUZZ_ASSERT(ctl_judge(&st, &c, true) != NULL); /* replayed */
	st.last_nonce = c.nonce - 1;
	FUZZ_ASSERT((ctl_judge(&st, &c, mac_ok) == NULL) == mac_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_rx rx;

	memset(&rx, 0, sizeof(rx));
	for (size_t i = 0; i < size; i++)
		if (ctl_rx_byte(&rx, data[i]) == CTL_RX_LINE)
			check_line(&rx, (data[i] ^ (uint8_t)i) & 1);
	return 0;
}
