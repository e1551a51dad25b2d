/*
 * The control channel's commands (issue 12, features M8, M33): lines an
 * operator's monitor sends on the log port's receive side.
 *
 *   HVC1 <instance> <boot_id> <nonce> <op> [<arg>] *<mac>
 *
 * instance: the name in the `identity` record; boot_id: its 16 hex
 * digits (a command is for one boot of one instance); nonce: a decimal
 * number larger than any accepted before in this boot; op: status,
 * restart, park, resume, dump (arg mini or full), checkpoint or rollback
 * (arg: a checkpoint slot, decimal); mac: 64 hex digits,
 * HMAC-SHA256 (hv/control_mac.h) under the build's control key over the
 * line's bytes before " *".  This module is pure: it gathers bytes into
 * lines, parses a line and judges it against the instance, the boot and
 * the last accepted nonce; the run loop checks the MAC and applies.
 */
#ifndef HV_CONTROL_H
#define HV_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_LINE_MAX 160     /* a command line, without its end of line */
#define CTL_INSTANCE_MAX 24  /* as SETTINGS_POLICY_MAX, NUL included */
#define CTL_MAC_BYTES 32

enum ctl_op {
	CTL_STATUS = 1, /* answer with the state parameters (M8) */
	CTL_RESTART,    /* reset the guest now */
	CTL_PARK,       /* stop the guest, state kept */
	CTL_RESUME,     /* restart a parked guest */
	CTL_DUMP,       /* take a dump (arg: level), the guest runs on */
	CTL_CHECKPOINT, /* save the guest into a slot (arg), known good; it runs on */
	CTL_ROLLBACK,   /* put the guest back as a slot (arg) holds it */
};

/* The highest slot a command may name (the build may have fewer:
 * the run loop refuses those). */
#define CTL_SLOT_MAX 7u

struct ctl_cmd {
	char instance[CTL_INSTANCE_MAX];
	uint64_t boot_id;
	uint64_t nonce;
	enum ctl_op op;
	unsigned arg;              /* CTL_DUMP: 1 mini, 2 full; CTL_CHECKPOINT, CTL_ROLLBACK: slot */
	uint8_t mac[CTL_MAC_BYTES];
	size_t signed_len;         /* bytes of the line the MAC covers */
};

/* Bytes in, whole lines out.  A line longer than CTL_LINE_MAX is thrown
 * away whole (and reported once, as a malformed command). */
struct ctl_rx {
	char line[CTL_LINE_MAX + 1];
	unsigned len;
	bool overlong; /* the line under way is too long: dropped at its end */
	bool ready;    /* line holds a whole line, handed out */
};

enum ctl_rx_result {
	CTL_RX_MORE,     /* no whole line yet */
	CTL_RX_LINE,     /* rx->line holds one, NUL-terminated, rx->len bytes */
	CTL_RX_OVERLONG, /* a line too long ended here */
};

/* Takes one byte; CR and LF end a line, empty lines are skipped.  After
 * CTL_RX_LINE the caller uses the line before the next call. */
enum ctl_rx_result ctl_rx_byte(struct ctl_rx *rx, uint8_t c);

/* Parses a line; NULL if it is well formed, else what is wrong with it
 * (a short word for the audit record). */
const char *ctl_parse(const char *line, size_t len, struct ctl_cmd *out);

/* Who may command this instance, and the last nonce it accepted. */
struct ctl_state {
	const char *instance;
	uint64_t boot_id;
	uint64_t last_nonce;
};

/* Judges a parsed command whose MAC has been checked (mac_ok): NULL if
 * it may run (then the caller moves last_nonce on), else why not:
 * "bad_mac", "other_instance", "other_boot", "replayed". */
const char *ctl_judge(const struct ctl_state *st, const struct ctl_cmd *c, bool mac_ok);

const char *ctl_op_name(enum ctl_op op);

#endif
