/* What tests/unit/test_settings*.c share: collecting settings_parse()'s
 * notes, to check their count and exact text. */
#ifndef TESTS_UNIT_SETTINGS_NOTES_H
#define TESTS_UNIT_SETTINGS_NOTES_H

#include <stdio.h>
#include <string.h>

#include "hv/settings.h"

struct notes {
	int count;
	char msg[8][160];
};

static void record(void *ctx, const char *msg)
{
	struct notes *n = ctx;

	if (n->count < 8)
		snprintf(n->msg[n->count], sizeof(n->msg[0]), "%s", msg);
	n->count++;
}

/* Parses cmdline into *s (filled with garbage first: every field must be
 * written) and returns the notes. */
static struct notes parse(const char *cmdline, struct hv_settings *s)
{
	struct notes n = { 0 };

	memset(s, 0xa5, sizeof(*s));
	settings_parse(cmdline, s, record, &n);
	return n;
}

#endif
