/*
 * What an HC_HELLO changes (docs/hypercalls.md, HC_HELLO), decided as a
 * pure function of what the hypervisor knows at the call; hv/hypercall.c
 * applies the plan.
 *
 * The first hello of a boot generation starts the watchdog.  A later one
 * in the same generation is the stub re-initializing (hvstub_init zeroes
 * its page and restarts its counters), or a guest that says hello in a
 * loop: it re-registers the page but must not restart the watchdog, or
 * a hung guest could postpone its hang detection forever; and a command
 * handed back and not yet acknowledged stays pending, re-posted in the
 * page if the page no longer holds it.
 */
#ifndef HV_HELLO_H
#define HV_HELLO_H

#include <stdbool.h>
#include <stdint.h>

/* What the hypervisor knows when the hello comes. */
struct hello_view {
	bool stub_up;             /* a hello came already in this boot generation */
	bool handback_pending;    /* a command waits for its acknowledgement */
	uint64_t pending_cmd_id;  /* that command's cmd_id */
	uint64_t page_cmd_id;     /* cmd_id in the page the guest names, as it is now */
	uint64_t page_ack_seq;    /* ack_seq in that page, as it is now */
	uint64_t sent_seq;        /* the watchdog's last NMI sequence number */
	bool nmi_pending;         /* a hypervisor NMI waits to be injected */
	bool command_nmi_pending; /* ... and the next one carries a command */
};

enum hello_nmi {
	HELLO_NMI_NONE,
	HELLO_NMI_HEARTBEAT, /* queue a heartbeat now */
	HELLO_NMI_COMMAND,   /* queue a command NMI now */
};

struct hello_plan {
	bool first;            /* the first hello of the boot generation */
	bool restart_watchdog; /* only the first: counters cleared, clock from now */
	bool clear_command;    /* write cmd_id = 0, cmd_op = none: nothing is pending */
	bool repost_command;   /* write the pending command into the page again */
	enum hello_nmi nmi;
};

struct hello_plan hello_decide(const struct hello_view *v);

#endif
