/* Exits by reason (hv/exitstat.h). */
#include "hv/exitstat.h"

#include <stdio.h>

static const char *const kind_names[EV_KIND_COUNT] = {
	[EV_NONE] = "none",
	[EV_TIMER] = "timer",
	[EV_HYPERCALL] = "hypercall",
	[EV_MEM_VIOLATION] = "mem_violation",
	[EV_IO] = "io",
	[EV_MSR] = "msr",
	[EV_CPUID] = "cpuid",
	[EV_TRIPLE_FAULT] = "triple_fault",
	[EV_HOST_NMI] = "host_nmi",
	[EV_HOST_INTR] = "host_intr",
	[EV_VIRT_INSN] = "virt_insn",
	[EV_NMI_WINDOW] = "nmi_window",
	[EV_INTR_WINDOW] = "intr_window",
	[EV_ENTRY_FAILED] = "entry_failed",
	[EV_INSN] = "insn",
	[EV_CR_WRITE] = "cr_write",
	[EV_HLT] = "hlt",
	[EV_UNHANDLED] = "unhandled",
};
_Static_assert(EV_UNHANDLED + 1 == EV_KIND_COUNT, "every exit kind has a name above");

const char *exitstat_kind_name(enum hv_event_kind kind)
{
	return (unsigned)kind < EV_KIND_COUNT ? kind_names[kind] : "?";
}

/* n events over `us` microseconds, per second, rounded to nearest. */
static uint64_t per_second(uint64_t n, uint64_t us)
{
	if (us == 0)
		return n;
	/* n * 10^6 overflows only past 1.8e13 events: not in one interval. */
	return (n * 1000000u + us / 2) / us;
}

static size_t append(char *buf, size_t size, size_t len, const char *name, uint64_t value)
{
	if (len >= size)
		return len;
	int n = snprintf(buf + len, size - len, "%s%s=%llu", len ? " " : "", name,
			 (unsigned long long)value);
	if (n < 0)
		return len;
	return len + (size_t)n < size ? len + (size_t)n : size - 1;
}

size_t exitstat_format(char *buf, size_t size, const struct exit_counts *cur,
		       const struct exit_counts *prev, uint64_t elapsed_us)
{
	uint64_t total = 0;
	size_t len = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	for (unsigned k = 0; k < EV_KIND_COUNT; k++)
		total += cur->by_kind[k] - prev->by_kind[k];
	len = append(buf, size, len, "total", per_second(total, elapsed_us));
	for (unsigned k = 0; k < EV_KIND_COUNT; k++) {
		uint64_t n = cur->by_kind[k] - prev->by_kind[k];
		if (n)
			len = append(buf, size, len, kind_names[k], per_second(n, elapsed_us));
	}
	return len;
}
