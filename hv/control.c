/* The control channel's commands (hv/control.h). */
#include "hv/control.h"

#include <string.h>

enum ctl_rx_result ctl_rx_byte(struct ctl_rx *rx, uint8_t c)
{
	if (rx->ready) {
		/* the line handed out last time has been used */
		rx->ready = false;
		rx->len = 0;
	}
	if (c == '\n' || c == '\r') {
		bool overlong = rx->overlong;
		rx->overlong = false;
		if (overlong || rx->len == 0) {
			rx->len = 0;
			return overlong ? CTL_RX_OVERLONG : CTL_RX_MORE;
		}
		rx->line[rx->len] = '\0';
		rx->ready = true;
		return CTL_RX_LINE;
	}
	if (rx->overlong)
		return CTL_RX_MORE;
	if (rx->len >= CTL_LINE_MAX) {
		rx->overlong = true;
		return CTL_RX_MORE;
	}
	rx->line[rx->len++] = (char)c;
	return CTL_RX_MORE;
}

/* The next space-separated word of [*p, end): its start and length. */
static bool next_word(const char **p, const char *end, const char **w, size_t *n)
{
	const char *s = *p;

	if (s >= end || *s == ' ')
		return false;
	const char *e = memchr(s, ' ', (size_t)(end - s));
	if (e == NULL)
		e = end;
	*w = s;
	*n = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool parse_hex64(const char *w, size_t n, uint64_t *v)
{
	if (n != 16)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(w[i]);
		if (d < 0)
			return false;
		*v = *v << 4 | (uint64_t)d;
	}
	return true;
}

static bool parse_dec(const char *w, size_t n, uint64_t *v)
{
	if (n == 0 || n > 20 || (n > 1 && w[0] == '0'))
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		uint64_t d = (uint64_t)(w[i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return false; /* past 2^64 - 1 */
		*v = *v * 10 + d;
	}
	return true;
}

static bool is_word(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(w, lit, n) == 0;
}

static bool parse_op(const char *w, size_t n, enum ctl_op *op)
{
	static const char *const names[] = { "status", "restart", "park", "resume", "dump",
					     "checkpoint", "rollback" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (is_word(w, n, names[i])) {
			*op = (enum ctl_op)(CTL_STATUS + i);
			return true;
		}
	return false;
}

static bool parse_mac(const char *w, size_t n, uint8_t *mac)
{
	if (n != 2 * CTL_MAC_BYTES)
		return false;
	for (size_t i = 0; i < CTL_MAC_BYTES; i++) {
		int hi = hex_digit(w[2 * i]), lo = hex_digit(w[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool name_ok(const char *w, size_t n)
{
	if (n == 0 || n >= CTL_INSTANCE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (w[i] <= ' ' || w[i] > '~' || w[i] == '*')
			return false;
	return true;
}

/* The operation's argument: dump, checkpoint and rollback have one, and
 * need it; the others have none. */
static const char *parse_arg(struct ctl_cmd *out, const char **p, const char *end)
{
	const char *w;
	size_t n;
	uint64_t slot;

	if (out->op != CTL_DUMP && out->op != CTL_CHECKPOINT && out->op != CTL_ROLLBACK)
		return *p == end ? NULL : "unexpected_argument";
	if (!next_word(p, end, &w, &n))
		return "missing_argument";
	if (out->op != CTL_DUMP) {
		if (!parse_dec(w, n, &slot) || slot > CTL_SLOT_MAX)
			return "bad_argument";
		out->arg = (unsigned)slot;
	} else if (is_word(w, n, "mini")) {
		out->arg = 1;
	} else if (is_word(w, n, "full")) {
		out->arg = 2;
	} else {
		return "bad_argument";
	}
	return *p == end ? NULL : "unexpected_argument";
}

const char *ctl_parse(const char *line, size_t len, struct ctl_cmd *out)
{
	const char *star = NULL, *w, *p = line, *end;
	size_t n;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i + 1 < len; i++)
		if (line[i] == ' ' && line[i + 1] == '*')
			star = &line[i];
	if (star == NULL)
		return "no_mac";
	end = star;
	out->signed_len = (size_t)(star - line);
	if (!parse_mac(star + 2, len - (size_t)(star + 2 - line), out->mac))
		return "bad_mac_text";
	if (!next_word(&p, end, &w, &n) || !is_word(w, n, "HVC1"))
		return "not_a_command";
	if (!next_word(&p, end, &w, &n) || !name_ok(w, n))
		return "bad_instance";
	memcpy(out->instance, w, n);
	if (!next_word(&p, end, &w, &n) || !parse_hex64(w, n, &out->boot_id))
		return "bad_boot_id";
	if (!next_word(&p, end, &w, &n) || !parse_dec(w, n, &out->nonce) || out->nonce == 0)
		return "bad_nonce";
	if (!next_word(&p, end, &w, &n) || !parse_op(w, n, &out->op))
		return "unknown_op";
	return parse_arg(out, &p, end);
}

const char *ctl_judge(const struct ctl_state *st, const struct ctl_cmd *c, bool mac_ok)
{
	/* The MAC first: nothing an unauthenticated line says is believed,
	 * not even which instance it is for. */
	if (!mac_ok)
		return "bad_mac";
	if (strcmp(c->instance, st->instance) != 0)
		return "other_instance";
	if (c->boot_id != st->boot_id)
		return "other_boot";
	if (c->nonce <= st->last_nonce)
		return "replayed";
	return NULL;
}

const char *ctl_op_name(enum ctl_op op)
{
	switch (op) {
	case CTL_STATUS: return "status";
	case CTL_RESTART: return "restart";
	case CTL_PARK: return "park";
	case CTL_RESUME: return "resume";
	case CTL_DUMP: return "dump";
	case CTL_CHECKPOINT: return "checkpoint";
	case CTL_ROLLBACK: return "rollback";
	}
	return "?";
}
