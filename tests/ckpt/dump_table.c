/*
 * Prints a generated principals table (scripts/ckpt-principals.py) one
 * principal a line, "<id> <name> <ops as names> <key's first byte>", so
 * tests/ckpt/run.sh can check what the C holds, not only that it compiles.
 */
#include <stdio.h>

#include "hv/ckpt_auth.h"

int main(void)
{
	static const char *const ops[HV_CK_OP_COUNT] = { [HV_CK_SAVE] = "save", [HV_CK_LIST] = "list",
		[HV_CK_RESTORE] = "restore", [HV_CK_DELETE] = "delete", [HV_CK_INFO] = "info" };

	printf("count %u test %d\n", hv_ckpt_principals.count, hv_ckpt_principals_are_test);
	for (unsigned i = 0; i < hv_ckpt_principals.count; i++) {
		const struct ckpt_principal *p = &hv_ckpt_principals.p[i];
		printf("%u %s", (unsigned)p->id, p->name);
		for (unsigned op = 0; op < 32; op++)
			if (p->allowed_ops & (1u << op))
				printf(" %s", op < HV_CK_OP_COUNT && ops[op] ? ops[op] : "?");
		printf(" %02x\n", p->key[0]);
	}
	return 0;
}
