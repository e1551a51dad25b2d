/*
 * The hypervisor's log: one event per line on COM1,
 *   "HV <seq> <tsc> <text>"
 * where seq counts lines from 0 and tsc is the time stamp counter.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#define HV_LOG_LINE_MAX 256

void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
