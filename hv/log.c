#include "log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "../arch/x86/platform.h"

static uint64_t log_seq;

void hv_log(const char *fmt, ...)
{
	static char line[HV_LOG_LINE_MAX];
	va_list ap;
	int n = snprintf(line, sizeof(line), "HV %llu %llu ", (unsigned long long)log_seq++,
			 (unsigned long long)plat_tsc());

	if (n < 0 || n >= (int)sizeof(line))
		n = 0;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (unsigned)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	plat_log_write(line, (unsigned)n);
}
