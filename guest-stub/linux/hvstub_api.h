/*
 * What hvstub.ko exports to other kernel modules (docs/hypercalls.md,
 * "The Linux stub module").  A module that must also load without the
 * stub (not under the hypervisor) looks the functions up with
 * symbol_get() instead of linking against them.
 */
#ifndef HVSTUB_API_H
#define HVSTUB_API_H

#include <linux/types.h>

/*
 * A command handed back with op HV_CMD_USER_BASE + n (policy `user:n`):
 * called in process context (a workqueue), may sleep; args are the
 * command's cmd_args.  Its return value is the command's result: 0 for
 * done, anything else (a negative errno) for "could not", which makes the
 * hypervisor take its ladder's next step.
 */
typedef long (*hvstub_command_fn)(const u64 args[4]);

/* Registers fn for op (100..255), or with fn NULL removes it (then waits
 * for a running call to return: call it before unloading).  -EINVAL for
 * another op, -ENOSPC when the table (8 entries) is full. */
int hvstub_register_command(u32 op, hvstub_command_fn fn);

/*
 * A counter of the collector (M7): the u64 at `value` is copied into the
 * shared page (custom[slot]) at every hypervisor NMI, read from NMI
 * context, so it must stay valid until unregistered.  `name` (at most 15
 * characters) is shown in /sys/module/hvstub/parameters/counters.
 * Returns the slot (0-3), -EEXIST for a name in use, -ENOSPC when the
 * four slots are taken, -EINVAL for a bad name.
 */
int hvstub_register_counter(const char *name, const u64 *value);
/* Frees the slot; when it returns the stub no longer reads the value. */
void hvstub_unregister_counter(int slot);

#endif
