// SPDX-License-Identifier: GPL-2.0
/*
 * The operation executing side (M14): commands the hypervisor hands back
 * (policy `handback`, docs/hypercalls.md "Commands") are taken from the
 * shared page in the NMI handler, but run in process context: what they
 * do (start a user-space helper, write to /proc, call another module)
 * sleeps, takes locks and may take seconds, none of which an NMI may do.
 * The NMI copies the command and queues an irq_work (the one thing an NMI
 * may queue); the irq_work puts the command on a workqueue; the work
 * function runs it and acknowledges it with its result (cmd_result, then
 * cmd_ack_id).  A command that cannot run is acknowledged with a failure
 * (a result other than 0), and the hypervisor takes the ladder's next
 * step at once.
 *
 *   cleanup (1)          drop the page cache and slab caches (as
 *                        `echo 3 > /proc/sys/vm/drop_caches`)
 *   restart_task (2)     arg = N: restart the N-th service of the module
 *                        parameter services= through the helper
 *   reinit_driver (3),
 *   restart_module (4)   arg = the module's index in the fault report:
 *                        reload that module through the helper
 *   user:N (100 + N)     the function another module registered for the
 *                        op with hvstub_register_command()
 *
 * The helper is a user-space program (module parameter helper=, by
 * default /sbin/hvstub-helper, guest-linux/hvstub-helper) run as
 *   helper restart-service NAME   |   helper reload-module NAME
 * whose exit status is the command's result.
 */
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/umh.h>
#include <linux/workqueue.h>

#include "hvstub.h"

static char *helper = "/sbin/hvstub-helper";
module_param(helper, charp, 0444);
MODULE_PARM_DESC(helper, "program that restarts services and reloads modules for commands");

#define MAX_SERVICES 8
static char *services[MAX_SERVICES];
static int nservices;
module_param_array(services, charp, &nservices, 0444);
MODULE_PARM_DESC(services, "services restart_task arg=N restarts (the N-th, from 0), comma list");

unsigned long long hvstub_commands_run, hvstub_commands_failed;

/* The command the NMI took, for the work function.  `busy` is set by the
 * NMI (a cmpxchg: NMI-safe) and cleared by the work once acknowledged;
 * while it is set the NMI leaves cmd_id for a later NMI to take. */
static struct {
	u64 id, args[4];
	u32 op;
	bool local; /* from the run= parameter: nobody to acknowledge */
} cmd;
static atomic_t busy = ATOMIC_INIT(0);
static u64 taken_id; /* the last cmd_id the NMI took (NMI side only) */

/* User commands (HV_CMD_USER_BASE + n): registered from process context,
 * called by the work function, both under table_lock, so a module that
 * unregisters waits until its function has returned. */
#define MAX_USER_COMMANDS 8
static DEFINE_MUTEX(table_lock);
static struct {
	u32 op;
	hvstub_command_fn fn;
} user_cmds[MAX_USER_COMMANDS];

int hvstub_register_command(u32 op, hvstub_command_fn fn)
{
	int i, free = -1, err = 0;

	if (op < HV_CMD_USER_BASE || op > 255)
		return -EINVAL;
	mutex_lock(&table_lock);
	for (i = 0; i < MAX_USER_COMMANDS; i++) {
		if (user_cmds[i].fn != NULL && user_cmds[i].op == op)
			break;
		if (user_cmds[i].fn == NULL && free < 0)
			free = i;
	}
	if (i == MAX_USER_COMMANDS)
		i = free;
	if (fn == NULL) {
		if (i >= 0 && user_cmds[i].op == op)
			user_cmds[i].fn = NULL;
	} else if (i < 0) {
		err = -ENOSPC;
	} else {
		user_cmds[i].op = op;
		user_cmds[i].fn = fn;
	}
	mutex_unlock(&table_lock);
	return err;
}
EXPORT_SYMBOL_GPL(hvstub_register_command);

static long run_user(u32 op, const u64 args[4])
{
	long res = -EOPNOTSUPP;

	mutex_lock(&table_lock);
	for (int i = 0; i < MAX_USER_COMMANDS; i++)
		if (user_cmds[i].fn != NULL && user_cmds[i].op == op) {
			res = user_cmds[i].fn(args);
			break;
		}
	mutex_unlock(&table_lock);
	return res;
}

/* The helper's exit status (0: done), or a negative errno if it could
 * not be started (no such file, ...).  A helper killed by a signal:
 * 128 + the signal, as a shell says it. */
static long run_helper(const char *verb, const char *name)
{
	char *argv[] = { helper, (char *)verb, (char *)name, NULL };
	static char *envp[] = { "HOME=/", "PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL };
	int st = call_usermodehelper(helper, argv, envp, UMH_WAIT_PROC | UMH_KILLABLE);

	if (st <= 0)
		return st;
	return (st & 0x7f) ? 128 + (st & 0x7f) : (st >> 8) & 0xff;
}

static long drop_caches(void)
{
	struct file *f = filp_open("/proc/sys/vm/drop_caches", O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, "3\n", 2, &pos);
	filp_close(f, NULL);
	return n == 2 ? 0 : n < 0 ? n : -EIO;
}

static const char *op_name(u32 op)
{
	switch (op) {
	case HV_CMD_CLEANUP: return "cleanup";
	case HV_CMD_RESTART_TASK: return "restart_task";
	case HV_CMD_REINIT_DRIVER: return "reinit_driver";
	case HV_CMD_RESTART_MODULE: return "restart_module";
	default: return op >= HV_CMD_USER_BASE ? "user" : "unknown";
	}
}

static long run(u32 op, const u64 args[4], char *name, size_t len)
{
	name[0] = '\0';
	switch (op) {
	case HV_CMD_CLEANUP:
		return drop_caches();
	case HV_CMD_RESTART_TASK:
		if (args[0] >= (u64)nservices || services[args[0]] == NULL)
			return -ENOENT;
		strscpy(name, services[args[0]], len);
		return run_helper("restart-service", name);
	case HV_CMD_REINIT_DRIVER:
	case HV_CMD_RESTART_MODULE:
		/* The index the fault report gave (policy arg=module). */
		if (hvstub_module_name(args[0], name, len) != 0)
			return -ENOENT;
		return run_helper("reload-module", name);
	default:
		if (op >= HV_CMD_USER_BASE)
			return run_user(op, args);
		return -EOPNOTSUPP;
	}
}

static void cmd_work_fn(struct work_struct *w)
{
	struct hv_shared_page *sp = hvstub_shared;
	char name[MODULE_NAME_LEN];
	long res = run(cmd.op, cmd.args, name, sizeof(name));

	if (res == 0)
		hvstub_commands_run++;
	else
		hvstub_commands_failed++;
	pr_info("hvstub: command %s op=%u arg=%llu%s%s cmd_id=%llu result=%ld%s\n", op_name(cmd.op),
		cmd.op, cmd.args[0], name[0] ? " name=" : "", name, cmd.id, res,
		cmd.local ? " (run=, not acknowledged)" : "");
	if (!cmd.local) {
		/* The result, then the acknowledgement the hypervisor waits for. */
		WRITE_ONCE(sp->cmd_result, res);
		smp_wmb();
		WRITE_ONCE(sp->cmd_ack_id, cmd.id);
	}
	smp_mb();
	atomic_set(&busy, 0);
}

static DECLARE_WORK(cmd_work, cmd_work_fn);

/* Hard interrupt context, right after the NMI: a workqueue may be used. */
static void cmd_irq_work_fn(struct irq_work *w)
{
	queue_work(system_long_wq, &cmd_work);
}

static DEFINE_IRQ_WORK(cmd_irq_work, cmd_irq_work_fn);

void hvstub_cmd_reset(void)
{
	taken_id = 0;
}

/*
 * NMI context.  A command waits when cmd_id moved past the last one taken;
 * it is looked for at every hypervisor NMI, not only at the command's own,
 * so one that came while another was running is taken at the next
 * heartbeat.  Bounded: a copy of five words and a queueing.
 */
void hvstub_cmd_nmi(struct hv_shared_page *sp)
{
	u64 id = READ_ONCE(sp->cmd_id);

	if (id == taken_id || atomic_cmpxchg(&busy, 0, 1) != 0)
		return;
	/* The hypervisor wrote cmd_op and cmd_args before cmd_id. */
	smp_rmb();
	cmd.id = id;
	cmd.op = READ_ONCE(sp->cmd_op);
	for (int i = 0; i < 4; i++)
		cmd.args[i] = READ_ONCE(sp->cmd_args[i]);
	cmd.local = false;
	taken_id = id;
	irq_work_queue(&cmd_irq_work);
}

/*
 * run= (write only, root): "OP [ARG]" runs a command here as if handed
 * back, without an acknowledgement: for trying the commands and the
 * helper by hand (and the tests).  Refused while a command runs.
 */
static int run_set(const char *val, const struct kernel_param *kp)
{
	unsigned int op;
	unsigned long long arg = 0;

	if (sscanf(val, "%u %llu", &op, &arg) < 1 || op == HV_CMD_NONE)
		return -EINVAL;
	if (atomic_cmpxchg(&busy, 0, 1) != 0)
		return -EBUSY;
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = op;
	cmd.args[0] = arg;
	cmd.local = true;
	queue_work(system_long_wq, &cmd_work);
	return 0;
}

static const struct kernel_param_ops run_ops = { .set = run_set };
module_param_cb(run, &run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "write \"OP [ARG]\": run a command locally (not acknowledged)");
