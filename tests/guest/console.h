#ifndef TEST_GUEST_CONSOLE_H
#define TEST_GUEST_CONSOLE_H

#include <stdint.h>

void con_init(void);
void con_puts(const char *s);
void con_putu(uint64_t v, unsigned base);
void con_puti(int64_t v);
void con_flush(void);

#endif
