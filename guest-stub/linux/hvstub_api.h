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

#endif
