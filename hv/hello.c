/* What an HC_HELLO changes (hv/hello.h). */
#include "hv/hello.h"

/*
 * A re-posted command needs a command NMI, unless one already waits:
 * the NMI that carried it may have come while the stub had no page (it
 * then counts it as a platform NMI).  Otherwise, after a re-hello whose
 * page starts afresh (ack_seq 0 although NMIs were sent: the stub zeroed
 * it, or names a new one), a heartbeat goes at once: a healthy stub
 * answers it before the period ends, so its re-initialization does not
 * count as a missed heartbeat, while a hung one leaves it unanswered and
 * keeps counting.  At most one waits at a time, so a hello loop cannot
 * pile NMIs up; a page that kept its ack_seq gets none.
 */
static enum hello_nmi nmi_to_queue(const struct hello_view *v, bool repost)
{
	if (repost)
		return v->command_nmi_pending ? HELLO_NMI_NONE : HELLO_NMI_COMMAND;
	if (v->stub_up && v->page_ack_seq == 0 && v->sent_seq != 0 && !v->nmi_pending)
		return HELLO_NMI_HEARTBEAT;
	return HELLO_NMI_NONE;
}

struct hello_plan hello_decide(const struct hello_view *v)
{
	/* A page that still holds the pending command keeps it as it is. */
	bool repost = v->handback_pending && v->page_cmd_id != v->pending_cmd_id;

	return (struct hello_plan){
		.first = !v->stub_up,
		.restart_watchdog = !v->stub_up,
		.clear_command = !v->handback_pending,
		.repost_command = repost,
		.nmi = nmi_to_queue(v, repost),
	};
}
