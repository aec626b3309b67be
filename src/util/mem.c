/*
 * NAME
 *	mem - allocation that succeeds or does not return (see mem.h)
 */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "mem.h"
#include "msg.h"

void *mem_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
	msg_fatal("out of memory allocating %lu bytes", (unsigned long) n);
    return p;
}

void *mem_calloc(size_t n, size_t size)
{
    void *p;

    if (size != 0 && n > SIZE_MAX / size)
	msg_fatal("allocation overflow: %lu x %lu bytes", (unsigned long) n,
		  (unsigned long) size);
    p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
	msg_fatal("out of memory allocating %lu x %lu bytes", (unsigned long) n,
		  (unsigned long) size);
    return p;
}

void *mem_realloc(void *old, size_t n)
{
    void *p = realloc(old, n ? n : 1);

    if (p == NULL)
	msg_fatal("out of memory reallocating to %lu bytes", (unsigned long) n);
    return p;
}

char *mem_strndup(const char *s, size_t n)
{
    char *p = mem_alloc(n + 1);

    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}
