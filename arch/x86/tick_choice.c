/* Which tick sources to keep (arch/x86/tick_choice.h).  Pure. */
#include "arch/x86/tick_choice.h"

/* Both when both work: the LAPIC timer exits a guest that holds NMIs (in
 * its NMI handler), the PIT NMI a guest spinning with IF=0 under Bochs
 * SVM, where the LAPIC route does not (docs/design.md, the tick). */
enum tick_sources tick_choose(uint64_t lapic_fires, uint64_t pit_nmi_fires)
{
	unsigned s = TICK_NONE;

	if (lapic_fires >= TICK_PROBE_MIN_FIRES)
		s |= TICK_LAPIC;
	if (pit_nmi_fires >= TICK_PROBE_MIN_FIRES)
		s |= TICK_PIT_NMI;
	return (enum tick_sources)s;
}

const char *tick_sources_name(enum tick_sources s)
{
	switch (s) {
	case TICK_LAPIC:
		return "lapic_timer";
	case TICK_PIT_NMI:
		return "pit_nmi";
	case TICK_BOTH:
		return "lapic_timer+pit_nmi";
	default:
		return "none";
	}
}
