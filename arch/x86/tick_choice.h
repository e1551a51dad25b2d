/*
 * Which of SVM's two tick sources to keep, from how often each fired in
 * a short probe at boot (pure: tests/unit/test_tick_choice.c).  A source
 * counts as working when it fired at least TICK_PROBE_MIN_FIRES times:
 * KVM's in-kernel PIT delivers a PIT routed as an NMI once and never
 * again (no EOI ends an NMI), so one fire is not enough.
 */
#ifndef ARCH_X86_TICK_CHOICE_H
#define ARCH_X86_TICK_CHOICE_H

#include <stdint.h>

#define TICK_PROBE_MIN_FIRES 2

enum tick_sources {
	TICK_NONE = 0,
	TICK_LAPIC = 1,     /* the local APIC timer, INTR intercept */
	TICK_PIT_NMI = 2,   /* the PIT through the I/O APIC as an NMI */
	TICK_BOTH = 3,
};

enum tick_sources tick_choose(uint64_t lapic_fires, uint64_t pit_nmi_fires);
const char *tick_sources_name(enum tick_sources s);

#endif
