/* The guest's dump ranges, one instance (hv/dump_state.h). */
#include "hv/dump_state.h"

static struct dump_ranges ranges;

struct dump_ranges *dump_state_ranges(const struct vm *vm)
{
	/* Tagged with the generation that registered them: a reset (a new
	 * generation) forgets them without the reset path knowing. */
	dump_ranges_sync(&ranges, vm->stub.generation);
	return &ranges;
}
