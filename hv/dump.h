/*
 * Crash dumps taken by the hypervisor (docs/dumps.md), written to the log
 * port as dump_* records of the report stream (docs/report-stream.md).
 */
#ifndef HV_DUMP_H
#define HV_DUMP_H

#include "hv/policy.h"
#include "hv/vm.h"

/* The level a decision on `rule` dumps at: the command line's dump=N when
 * set, else the rule's dump=; DUMP_NONE unless the rule resets or parks
 * (the guest must be stopped while the dump is taken and never go on). */
enum policy_dump dump_level_for(const struct vm *vm, const struct policy_rule *rule);

/* Writes a dump of the stopped guest at `level` (DUMP_MINI or DUMP_FULL;
 * anything else writes nothing): vCPU state, then pages, each record
 * written at once (hv_record_now()), so the call takes as long as the
 * port needs.  `cause` and `rule` name the fault and the rule. */
void vm_dump(const struct vm *vm, enum policy_dump level, const char *cause, const char *rule);

#endif
