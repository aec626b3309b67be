/*
 * NAME
 *	strlist - growable list of strings
 * SYNOPSIS
 *	#include "strlist.h"
 *	STRLIST l = STRLIST_INIT;
 *	strlist_add(&l, "text"); strlist_addn(&l, p, n);
 *	l.n, l.v[i]	(v is NULL-terminated once anything was added)
 *	strlist_reset(&l); strlist_free(&l);
 */
#ifndef PMDF_STRLIST_H
#define PMDF_STRLIST_H
#include <stddef.h>

typedef struct STRLIST {
    char  **v;
    size_t  n;
    size_t  cap;
} STRLIST;

#define STRLIST_INIT { NULL, 0, 0 }

void strlist_add(STRLIST *l, const char *s);
void strlist_addn(STRLIST *l, const char *s, size_t n);
void strlist_reset(STRLIST *l);
void strlist_free(STRLIST *l);

#endif
