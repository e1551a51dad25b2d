/*
 * The report-stream parser as a shared library (build/tools/libhvlog.so)
 * for hvmon (tools/hvmon/parse.py), so the line format has one definition:
 * tools/hvlog_parse.c.  hvmon checks its mirror of struct hvlog_record
 * against this size before it parses anything.
 */
#include "tools/hvlog_parse.h"

size_t hvlog_record_size(void);

size_t hvlog_record_size(void)
{
	return sizeof(struct hvlog_record);
}
