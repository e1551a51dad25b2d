#ifndef TEST_GUEST_SCENARIOS_H
#define TEST_GUEST_SCENARIOS_H

#include <stdint.h>

extern char __netdrv_start[], __netdrv_end[];
extern volatile uint64_t timer_ticks;

uint64_t netdrv_poll(void);

#endif
