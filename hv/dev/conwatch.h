/*
 * The guest console's panic line, for a Linux guest without a stub.  A
 * kernel that panics with panic=0 does not reboot and does not stop: it
 * spins in mdelay() with interrupts on, so from outside it looks like a
 * busy guest.  What it does first is print one line on its console,
 * "Kernel panic - not syncing: <reason>", and every byte of that console
 * passes through the hypervisor's UART model.  This matcher finds that
 * line in the byte stream and keeps its reason, so the hypervisor can
 * raise a `panic` event at once.  With the stub up the typed report says
 * more, and the run loop does not ask this one.  Pure: bytes in, a flag
 * and a string out.
 */
#ifndef HV_DEV_CONWATCH_H
#define HV_DEV_CONWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONWATCH_PANIC_PREFIX "Kernel panic - not syncing: "
#define CONWATCH_REASON_MAX 64 /* as a report's message (HV_REPORT_MSG_LEN) */

struct conwatch {
	uint8_t matched;        /* bytes of the prefix seen so far */
	bool capturing;         /* the prefix matched: taking the reason */
	bool panicked;          /* a whole panic line was seen (sticky until reset) */
	uint8_t reason_len;
	char reason[CONWATCH_REASON_MAX]; /* NUL-terminated, as the guest wrote it */
};

void conwatch_reset(struct conwatch *w);

/* Feeds bytes the guest wrote to its console.  True when this call ended
 * a panic line (the reason is complete: a newline, or the buffer full);
 * later panic lines are ignored until conwatch_reset(). */
bool conwatch_feed(struct conwatch *w, const uint8_t *buf, size_t len);

#endif
