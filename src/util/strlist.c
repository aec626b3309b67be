/*
 * NAME
 *	strlist - growable list of strings (see strlist.h)
 */
#include <stdlib.h>
#include <string.h>
#include "strlist.h"
#include "mem.h"

void    strlist_addn(STRLIST *l, const char *s, size_t n)
{
    if (l->n + 2 > l->cap) {
	l->cap = l->cap ? l->cap * 2 : 8;
	l->v = mem_realloc(l->v, l->cap * sizeof(char *));
    }
    l->v[l->n++] = mem_strndup(s, n);
    l->v[l->n] = NULL;
}

void    strlist_add(STRLIST *l, const char *s)
{
    strlist_addn(l, s, strlen(s));
}

void    strlist_reset(STRLIST *l)
{
    size_t  i;

    for (i = 0; i < l->n; i++)
	free(l->v[i]);
    l->n = 0;
    if (l->v)
	l->v[0] = NULL;
}

void    strlist_free(STRLIST *l)
{
    strlist_reset(l);
    free(l->v);
    l->v = NULL;
    l->cap = 0;
}
