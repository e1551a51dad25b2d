/*
 * The NMI side (M3, M7, M14): tell the hypervisor's NMIs from platform
 * NMIs, acknowledge heartbeats, run the collector and commands.
 * Everything here runs in NMI context: no locks, no waiting, no faults.
 */
#include "stub_priv.h"

/* Last nmi_seq acknowledged / last cmd_id run (the stub's own copies;
 * ack_seq and cmd_ack_id in the page mirror them). */
static uint64_t acked_seq;
static uint64_t done_cmd_id;

volatile int hvstub__parked;
#ifdef HVSTUB_TEST_AIDS
static volatile int nmi_hang;
static volatile int cmd_ignore;
#else
/* Without the test aids the handler never hangs or ignores a command. */
#define nmi_hang 0
#define cmd_ignore 0
#endif

static void (*volatile collector)(volatile struct hv_shared_page *sp);
static const volatile uint64_t *volatile tick_counter;
static void (*volatile platform_nmi_fn)(void);

static struct {
	volatile uint32_t op;
	int64_t (*volatile fn)(const volatile uint64_t args[4]);
} commands[HVSTUB_MAX_COMMANDS];

void hvstub__nmi_reset(void)
{
	acked_seq = 0;
	done_cmd_id = 0;
	hvstub__parked = 0;
}

void hvstub_register_collector(void (*fn)(volatile struct hv_shared_page *sp))
{
	collector = fn;
}

void hvstub_register_tick_counter(const volatile uint64_t *ticks)
{
	tick_counter = ticks;
}

void hvstub_register_platform_nmi(void (*fn)(void))
{
	platform_nmi_fn = fn;
}

#ifdef HVSTUB_TEST_AIDS
void hvstub_set_nmi_hang(int on)
{
	nmi_hang = on;
}

void hvstub_set_command_ignore(int on)
{
	cmd_ignore = on;
}
#endif

int hvstub_register_command(uint32_t op, int64_t (*fn)(const volatile uint64_t args[4]))
{
	int slot = -1;

	if (op == HV_CMD_NONE)
		return -1;
	for (int i = 0; i < HVSTUB_MAX_COMMANDS; i++) {
		if (commands[i].fn != NULL && commands[i].op == op) {
			slot = i;
			break;
		}
		if (commands[i].fn == NULL && slot < 0)
			slot = i;
	}
	if (slot < 0)
		return fn == NULL ? 0 : -1;
	/* An NMI may look at the table at any point: an entry is live only
	 * while fn != NULL, and op is set only while it is not. */
	commands[slot].fn = NULL;
	HVSTUB_BARRIER();
	if (fn != NULL) {
		commands[slot].op = op;
		HVSTUB_BARRIER();
		commands[slot].fn = fn;
	}
	return 0;
}

static int64_t run_command(volatile struct hv_shared_page *sp, uint32_t op)
{
	for (int i = 0; i < HVSTUB_MAX_COMMANDS; i++) {
		int64_t (*fn)(const volatile uint64_t args[4]) = commands[i].fn;

		if (fn != NULL && commands[i].op == op)
			return fn(sp->cmd_args);
	}
	return HVSTUB_CMD_UNKNOWN;
}

static void platform_nmi(volatile struct hv_shared_page *sp)
{
	void (*fn)(void) = platform_nmi_fn;

	if (sp != NULL)
		sp->platform_nmis = sp->platform_nmis + 1;
	if (fn != NULL)
		fn();
}

void hvstub_nmi(struct hvstub_frame *f)
{
	volatile struct hv_shared_page *sp = hvstub__shared;
	void (*collect)(volatile struct hv_shared_page *) = collector;
	const volatile uint64_t *ticks = tick_counter;

	(void)f;
	while (nmi_hang)
		__asm__ volatile("pause");

	if (sp == NULL) {
		platform_nmi(NULL);
		return;
	}
	uint64_t seq = sp->nmi_seq;
	if (seq == acked_seq) {
		platform_nmi(sp);
		return;
	}

	/* The hypervisor's NMI: it wrote nmi_reason and cmd_* before nmi_seq. */
	uint32_t reason = sp->nmi_reason;

	sp->uptime_ms = hvstub__uptime_ms();
	if (collect != NULL)
		collect(sp);
	if (ticks != NULL && !hvstub__parked)
		sp->guest_ticks = *ticks;

	if (reason == HV_NMI_COMMAND && !cmd_ignore) {
		uint64_t id = sp->cmd_id;

		if (id != done_cmd_id) {
			HVSTUB_BARRIER();
			int64_t res = run_command(sp, sp->cmd_op);
			sp->cmd_result = res;
			HVSTUB_BARRIER();
			sp->cmd_ack_id = id;
			done_cmd_id = id;
		}
	}

	/* Last: everything above is in the page before the ack. */
	HVSTUB_BARRIER();
	acked_seq = seq;
	sp->ack_seq = seq;
}
