/*
 * The policy in force.  Every policy file is linked in (mk/policy.mk
 * generates policy_registry); the build's POLICY is the default and the
 * command line may name another one (policy=NAME).
 */
#include <stddef.h>
#include <string.h>

#include "policy.h"

const struct policy_config *active_policy = &policy;

const struct policy_config *policy_find(const char *name)
{
	for (unsigned i = 0; policy_registry[i] != NULL; i++)
		if (strcmp(policy_registry[i]->name, name) == 0)
			return policy_registry[i];
	return NULL;
}
