/*
 * Finding a policy by name.  Every policy file is linked in (mk/policy.mk
 * generates policy_registry); the build's POLICY is the default and the
 * command line may name another one (policy=NAME): the core keeps the
 * one in force in its own state (hv/vm.h).
 */
#include <stddef.h>
#include <string.h>

#include "hv/policy.h"

const struct policy_config *policy_find(const char *name)
{
	for (unsigned i = 0; policy_registry[i] != NULL; i++)
		if (strcmp(policy_registry[i]->name, name) == 0)
			return policy_registry[i];
	return NULL;
}
