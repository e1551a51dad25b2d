/*
 * Boot settings from the hypervisor command line: one table row per key.
 * See hv/settings.h.
 */
#include "hv/settings.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hv/cmdline.h"

#ifdef HV_TEST_AIDS
#define TEST_AIDS_BUILT true
#else
#define TEST_AIDS_BUILT false
#endif

enum setting_kind {
	SET_U64,  /* a number in [min, max] */
	SET_STR,  /* a name that must fit its buffer whole; default "" */
	SET_WORD, /* a flag: true only if the value is exactly `word`; default false */
};

/* What a bad value (out of range, not a number, too long, not the word)
 * does.  Either way the field keeps its default. */
enum setting_on_bad {
	BAD_NOTE,  /* tell the caller: the user asked for something and did not get it */
	BAD_QUIET, /* say nothing: for flag words, "anything else = off" is documented */
};

struct setting {
	const char *key;
	enum setting_kind kind;
	const char *word;         /* SET_WORD only */
	uint64_t min, max, dflt;  /* SET_U64 only */
	size_t field;             /* offset in struct hv_settings */
	enum setting_on_bad on_bad;
	bool test_aid;            /* refused unless built with HV_TEST_AIDS */
};

/* offsetof(struct hv_settings, f), and a compile error if f is not of the
 * C type the row's kind writes (the table stores bare offsets). */
#define FIELD(f, type) _Generic((struct hv_settings){ 0 }.f, type: offsetof(struct hv_settings, f))
#define F_U64(f)  FIELD(f, uint64_t)
#define F_BOOL(f) FIELD(f, bool)
#define F_STR(f)  FIELD(f, char *)

_Static_assert(sizeof((struct hv_settings){ 0 }.policy) == SETTINGS_POLICY_MAX,
	       "the policy row relies on the field being SETTINGS_POLICY_MAX bytes");
_Static_assert(sizeof((struct hv_settings){ 0 }.instance) == SETTINGS_POLICY_MAX,
	       "every name field is SETTINGS_POLICY_MAX bytes (parse_string)");
_Static_assert(sizeof((struct hv_settings){ 0 }.simulate) == SETTINGS_POLICY_MAX,
	       "every name field is SETTINGS_POLICY_MAX bytes (parse_string)");
_Static_assert(SETTINGS_POLICY_MAX >= 2, "room for a one-letter name and its NUL");

/* The only copy of the ranges and defaults.  Absent keys get the default. */
static const struct setting settings_table[] = {
	/* key            kind      word     min  max         default             field                  on bad     aid */
	{ "tick_us",      SET_U64,  NULL,    100, 50000,      HV_DEFAULT_TICK_US, F_U64(tick_us),        BAD_NOTE,  false },
	{ "ticklog",      SET_U64,  NULL,    0,   UINT64_MAX, HV_DEFAULT_TICKLOG, F_U64(ticklog),        BAD_NOTE,  false },
	{ "maxticks",     SET_U64,  NULL,    0,   UINT64_MAX, 0,                  F_U64(maxticks),       BAD_NOTE,  false },
	{ "wd_ms",        SET_U64,  NULL,    0,   10000,      HV_WATCHDOG_MS,     F_U64(wd_ms),          BAD_NOTE,  false },
	{ "wd_k",         SET_U64,  NULL,    1,   100,        HV_WATCHDOG_K,      F_U64(wd_k),           BAD_NOTE,  false },
	{ "irq_hold_ms",  SET_U64,  NULL,    0,   60000,      HV_IRQ_HOLD_MS,     F_U64(irq_hold_ms),    BAD_NOTE,  false },
	{ "stat_ms",      SET_U64,  NULL,    0,   3600000,    0,                  F_U64(stat_ms),        BAD_NOTE,  false },
	{ "instance",     SET_STR,  NULL,    0,   0,          0,                  F_STR(instance),       BAD_NOTE,  false },
	{ "dump",         SET_U64,  NULL,    0,   3,          0,                  F_U64(dump_level),     BAD_NOTE,  false },
	{ "policy",       SET_STR,  NULL,    0,   0,          0,                  F_STR(policy),         BAD_NOTE,  false },
	{ "onstop",       SET_WORD, "exit",  0,   0,          0,                  F_BOOL(onstop_exit),   BAD_QUIET, false },
	{ "onfault",      SET_WORD, "reset", 0,   0,          0,                  F_BOOL(onfault_reset), BAD_QUIET, false },
	{ "hw_wd_ms",     SET_U64,  NULL,    0,   1200000,    HV_HW_WD_MS,        F_U64(hw_wd_ms),       BAD_NOTE,  false },
	{ "stateless",    SET_WORD, "yes",   0,   0,          0,                  F_BOOL(stateless),     BAD_NOTE,  false },
	{ "acpi",         SET_WORD, "off",   0,   0,          0,                  F_BOOL(acpi_off),      BAD_NOTE,  false },
	{ "platform_nmi", SET_U64,  NULL,    0,   UINT64_MAX, 0,                  F_U64(platform_nmi),   BAD_NOTE,  true },
	{ "crash_test",   SET_U64,  NULL,    0,   UINT64_MAX, 0,                  F_U64(crash_test),     BAD_NOTE,  true },
	{ "self_nmi",     SET_U64,  NULL,    0,   UINT64_MAX, 0,                  F_U64(self_nmi),       BAD_NOTE,  true },
	{ "test_break",   SET_U64,  NULL,    0,   2,          0,                  F_U64(test_break),     BAD_NOTE,  true },
	{ "x2apic_test",  SET_U64,  NULL,    0,   1,          0,                  F_U64(x2apic_test),    BAD_NOTE,  true },
	{ "ckpt_full",    SET_U64,  NULL,    0,   1,          0,                  F_U64(ckpt_full),      BAD_NOTE,  true },
	{ "hang_test",    SET_U64,  NULL,    0,   UINT64_MAX, 0,                  F_U64(hang_test),      BAD_NOTE,  true },
	{ "simulate",     SET_STR,  NULL,    0,   0,          0,                  F_STR(simulate),       BAD_NOTE,  true },
};

/* A value's text as given, for messages and strings.  It must hold a whole
 * policy name plus one character, to tell "fits" from "too long". */
#define VALUE_TEXT_MAX 32
_Static_assert(VALUE_TEXT_MAX >= SETTINGS_POLICY_MAX + 1, "overlong policy names must be visible");
/* Longest message: a key (the longest, platform_nmi, has 12 letters), a cut
 * value, the refusal text. */
#define NOTE_MAX 160
_Static_assert(NOTE_MAX > 16 + VALUE_TEXT_MAX +
		       sizeof(" refused: test aids are not in this build (make TEST_AIDS=1)"),
	       "notes must not be cut short: tests and docs match their text");

struct note_sink {
	settings_note_fn fn;
	void *ctx;
};

static void __attribute__((format(printf, 2, 3))) notef(const struct note_sink *out,
							 const char *fmt, ...)
{
	char msg[NOTE_MAX];
	va_list ap;

	if (out->fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out->fn(out->ctx, msg);
}

static void put_u64(struct hv_settings *s, const struct setting *r, uint64_t v)
{
	memcpy((char *)s + r->field, &v, sizeof(v));
}

static void put_bool(struct hv_settings *s, const struct setting *r, bool v)
{
	memcpy((char *)s + r->field, &v, sizeof(v));
}

static void parse_u64(const char *cmdline, const struct setting *r, const char *text,
		      struct hv_settings *s, const struct note_sink *out)
{
	/* cmdline_get_u64 returns its fallback both for "absent" and for "not a
	 * number".  The key is present here, so two different fallbacks tell a
	 * number (same result twice) from anything else. */
	uint64_t v = cmdline_get_u64(cmdline, r->key, 0);

	if (v != cmdline_get_u64(cmdline, r->key, 1)) {
		if (r->on_bad == BAD_NOTE)
			notef(out, "%s=%s is not a number, using %llu", r->key, text,
			      (unsigned long long)r->dflt);
		return;
	}
	if (v < r->min || v > r->max) {
		if (r->on_bad == BAD_NOTE)
			notef(out, "%s=%llu out of range %llu..%llu, using %llu", r->key,
			      (unsigned long long)v, (unsigned long long)r->min,
			      (unsigned long long)r->max, (unsigned long long)r->dflt);
		return;
	}
	put_u64(s, r, v);
}

static void parse_string(const struct setting *r, const char *text, struct hv_settings *s,
			 const struct note_sink *out)
{
	size_t len = strlen(text);

	/* Refuse rather than cut: a cut name could select another policy. */
	if (len == 0 || len >= SETTINGS_POLICY_MAX) {
		if (r->on_bad == BAD_NOTE)
			notef(out, "%s=%s is not a name of 1..%u characters, using the build's default",
			      r->key, text, (unsigned)SETTINGS_POLICY_MAX - 1);
		return;
	}
	memcpy((char *)s + r->field, text, len + 1);
}

static void parse_word(const struct setting *r, const char *text, struct hv_settings *s,
		       const struct note_sink *out)
{
	bool on = strcmp(text, r->word) == 0;

	if (!on && r->on_bad == BAD_NOTE)
		notef(out, "%s=%s is not \"%s\", off", r->key, text, r->word);
	put_bool(s, r, on);
}

static void put_default(const struct setting *r, struct hv_settings *s)
{
	/* SET_STR ("") and SET_WORD (false) defaults come from the memset. */
	if (r->kind == SET_U64)
		put_u64(s, r, r->dflt);
}

static void parse_row(const char *cmdline, const struct setting *r, struct hv_settings *s,
		      const struct note_sink *out)
{
	char text[VALUE_TEXT_MAX];

	put_default(r, s);
	/* cmdline_get returns the first occurrence, so a repeated key keeps its
	 * first value (good or bad). */
	if (!cmdline_get(cmdline, r->key, text, sizeof(text)))
		return;
	if (r->test_aid && !TEST_AIDS_BUILT) {
		/* Given at all (even =0) is refused: the user expects an effect. */
		notef(out, "%s=%s refused: test aids are not in this build (make TEST_AIDS=1)",
		      r->key, text);
		return;
	}
	switch (r->kind) {
	case SET_U64:
		parse_u64(cmdline, r, text, s, out);
		break;
	case SET_STR:
		parse_string(r, text, s, out);
		break;
	case SET_WORD:
		parse_word(r, text, s, out);
		break;
	}
}

void settings_parse(const char *cmdline, struct hv_settings *s, settings_note_fn note, void *ctx)
{
	const struct note_sink out = { note, ctx };

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(settings_table) / sizeof(settings_table[0]); i++)
		parse_row(cmdline, &settings_table[i], s, &out);
}

bool settings_test_aids_built(void)
{
	return TEST_AIDS_BUILT;
}

/* The log ports a PC may have a 16550 at.  COM2 (0x2F8) is not one of
 * them: the guest owns it (passed through, or behind its emulated UART). */
static const uint16_t log_ports[] = { SETTINGS_LOG_PORT_COM1, 0x3E8, 0x2E8 };

enum log_port_choice settings_log_port(const char *cmdline, uint16_t *port)
{
	char text[VALUE_TEXT_MAX];
	uint64_t v;

	*port = SETTINGS_LOG_PORT_COM1;
	if (!cmdline_get(cmdline, "log_port", text, sizeof(text)))
		return LOG_PORT_DEFAULT;
	if (strcmp(text, "none") == 0) {
		*port = 0;
		return LOG_PORT_CHOSEN;
	}
	v = cmdline_get_u64(cmdline, "log_port", 0);
	for (size_t i = 0; i < sizeof(log_ports) / sizeof(log_ports[0]); i++)
		if (v == log_ports[i] && v == cmdline_get_u64(cmdline, "log_port", 1)) {
			*port = log_ports[i];
			return LOG_PORT_CHOSEN;
		}
	return LOG_PORT_REFUSED;
}
