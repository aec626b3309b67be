/*
 * NAME
 *	mem - allocation that succeeds or does not return
 * SYNOPSIS
 *	#include "mem.h"
 *	void *mem_alloc(size_t n);
 *	void *mem_calloc(size_t n, size_t size);
 *	void *mem_realloc(void *p, size_t n);
 *	char *mem_strdup(const char *s);
 *	char *mem_strndup(const char *s, size_t n);
 * DESCRIPTION
 *	Thin wrappers over the C library.  On exhaustion they call msg_fatal(),
 *	so callers never test for NULL.  Sizes are checked for overflow.
 */
#ifndef PMDF_MEM_H
#define PMDF_MEM_H
#include <stddef.h>

void *mem_alloc(size_t n);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *p, size_t n);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);

#endif
