// SPDX-License-Identifier: GPL-2.0
/*
 * User counters of the collector (M7): up to HV_COLLECT_CUSTOM values
 * that another module or user space names, which the NMI handler copies
 * into the shared page's custom[] at every hypervisor NMI; the
 * hypervisor logs them in its `stat health` record (stat_ms=) and with
 * the shared page of a fault (record=shared).
 *
 * From a module: hvstub_register_counter(name, &value) (hvstub_api.h);
 * the stub reads the u64 at that address from NMI context, so it must
 * stay valid until hvstub_unregister_counter().
 * From user space: write "NAME VALUE" to
 * /sys/module/hvstub/parameters/counter (the first write names a slot,
 * later ones set its value; "NAME -" frees it); reading
 * /sys/module/hvstub/parameters/counters lists "slot name value".
 *
 * Slot 0 holds the 1-minute load average while no counter takes it:
 * counters fill slots 1, 2, 3, then 0.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched/loadavg.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "hvstub.h"

#define NAME_LEN 16

/* The NMI reads src[] only; the rest is process context, under lock. */
static const u64 *src[HV_COLLECT_CUSTOM];
static char names[HV_COLLECT_CUSTOM][NAME_LEN];
static u64 user_values[HV_COLLECT_CUSTOM]; /* the values user space set */
static DEFINE_MUTEX(lock);

static const int fill_order[HV_COLLECT_CUSTOM] = { 1, 2, 3, 0 };

static int find(const char *name)
{
	for (int i = 0; i < HV_COLLECT_CUSTOM; i++)
		if (src[i] != NULL && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int add(const char *name, const u64 *value)
{
	if (name[0] == '\0' || strlen(name) >= NAME_LEN)
		return -EINVAL;
	if (find(name) >= 0)
		return -EEXIST;
	for (int k = 0; k < HV_COLLECT_CUSTOM; k++) {
		int i = fill_order[k];

		if (src[i] == NULL) {
			strscpy(names[i], name, NAME_LEN);
			/* The name before the pointer an NMI may already see. */
			smp_wmb();
			WRITE_ONCE(src[i], value);
			return i;
		}
	}
	return -ENOSPC;
}

static void del(int slot)
{
	WRITE_ONCE(src[slot], NULL);
	/* An NMI that took the old pointer has returned after this. */
	synchronize_rcu();
	names[slot][0] = '\0';
}

int hvstub_register_counter(const char *name, const u64 *value)
{
	int slot;

	if (value == NULL)
		return -EINVAL;
	mutex_lock(&lock);
	slot = add(name, value);
	mutex_unlock(&lock);
	return slot;
}
EXPORT_SYMBOL_GPL(hvstub_register_counter);

void hvstub_unregister_counter(int slot)
{
	if (slot < 0 || slot >= HV_COLLECT_CUSTOM)
		return;
	mutex_lock(&lock);
	if (src[slot] != NULL)
		del(slot);
	mutex_unlock(&lock);
}
EXPORT_SYMBOL_GPL(hvstub_unregister_counter);

/* NMI context: five loads and stores. */
void hvstub_counters_nmi(struct hv_shared_page *sp)
{
	for (int i = 0; i < HV_COLLECT_CUSTOM; i++) {
		const u64 *p = READ_ONCE(src[i]);

		if (p != NULL)
			sp->custom[i] = READ_ONCE(*p);
		else
			sp->custom[i] = i == 0 ? avenrun[0] : 0; /* fixed point, FSHIFT = 11 bits */
	}
}

static int counter_set(const char *val, const struct kernel_param *kp)
{
	char name[NAME_LEN], value[24];
	unsigned long long v = 0;
	int slot, err = 0;

	if (sscanf(val, "%15s %23s", name, value) != 2)
		return -EINVAL;
	if (strcmp(value, "-") != 0 && kstrtoull(value, 0, &v) != 0)
		return -EINVAL;
	mutex_lock(&lock);
	slot = find(name);
	if (strcmp(value, "-") == 0) {
		/* Only a counter user space made: a module's stays the module's. */
		if (slot < 0 || src[slot] != &user_values[slot])
			err = -ENOENT;
		else
			del(slot);
	} else if (slot >= 0) {
		if (src[slot] != &user_values[slot])
			err = -EPERM;
		else
			WRITE_ONCE(user_values[slot], v);
	} else {
		/* The slot add() will take (the first free one, under the
		 * same lock): its value before the NMI can see it. */
		err = -ENOSPC;
		for (int k = 0; k < HV_COLLECT_CUSTOM; k++) {
			int i = fill_order[k];

			if (src[i] == NULL) {
				user_values[i] = v;
				slot = add(name, &user_values[i]);
				err = slot < 0 ? slot : 0;
				break;
			}
		}
	}
	mutex_unlock(&lock);
	return err;
}

static int counters_get(char *buf, const struct kernel_param *kp)
{
	int n = 0;

	mutex_lock(&lock);
	for (int i = 0; i < HV_COLLECT_CUSTOM; i++) {
		if (src[i] != NULL)
			n += sysfs_emit_at(buf, n, "%d %s %llu\n", i, names[i], READ_ONCE(*src[i]));
		else if (i == 0)
			n += sysfs_emit_at(buf, n, "0 (load1) %lu\n", avenrun[0]);
	}
	mutex_unlock(&lock);
	return n;
}

static const struct kernel_param_ops counter_ops = { .set = counter_set };
module_param_cb(counter, &counter_ops, NULL, 0200);
MODULE_PARM_DESC(counter, "write \"NAME VALUE\" (or \"NAME -\"): a user counter for the collector");
static const struct kernel_param_ops counters_ops = { .get = counters_get };
module_param_cb(counters, &counters_ops, NULL, 0444);
MODULE_PARM_DESC(counters, "the collector's custom slots: slot name value");
