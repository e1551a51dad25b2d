/*
 * newlib's formatted-output code links against the reentrant allocator
 * hooks, but formatting integers and strings into a fixed buffer never
 * calls them.  The hypervisor has no heap: these definitions keep
 * newlib's malloc out of the link (see the link map) and stop loudly if
 * anything ever reaches them.
 */
#include <stddef.h>

#include "arch/x86/platform.h"

struct _reent;

void *_malloc_r(struct _reent *r, size_t n);
void _free_r(struct _reent *r, void *p);
void *_realloc_r(struct _reent *r, void *p, size_t n);
void *_calloc_r(struct _reent *r, size_t a, size_t b);

static __attribute__((noreturn)) void heap_used(void)
{
	static const char msg[] = "HV-FAULT newlib tried to allocate: the hypervisor has no heap\n";

	plat_log_write(msg, sizeof(msg) - 1);
	plat_halt();
}

void *_malloc_r(struct _reent *r, size_t n)
{
	(void)r;
	(void)n;
	heap_used();
}

void _free_r(struct _reent *r, void *p)
{
	(void)r;
	if (p != NULL)
		heap_used();
}

void *_realloc_r(struct _reent *r, void *p, size_t n)
{
	(void)r;
	(void)p;
	(void)n;
	heap_used();
}

void *_calloc_r(struct _reent *r, size_t a, size_t b)
{
	(void)r;
	(void)a;
	(void)b;
	heap_used();
}
