/*
 * NAME
 *	htab - hash table with string keys (see htab.h)
 * DESCRIPTION
 *	Separate chaining, FNV-1a hashing, doubling when the load passes 1.
 */
#include <stdlib.h>
#include <string.h>
#include "htab.h"
#include "mem.h"

typedef struct HENT {
    struct HENT *next;
    unsigned long hash;
    char   *key;
    void   *value;
} HENT;

struct HTAB {
    HENT  **slot;
    size_t  size;		/* power of two */
    size_t  count;
};

static unsigned long htab_hash(const char *key)
{
    unsigned long h = 2166136261UL;

    while (*key) {
	h ^= (unsigned char) *key++;
	h = (h * 16777619UL) & 0xffffffffUL;
    }
    return h;
}

HTAB   *htab_create(size_t hint)
{
    HTAB   *t = mem_alloc(sizeof(*t));

    t->size = 16;
    while (t->size < hint && t->size < ((size_t) 1 << 30))
	t->size <<= 1;
    t->slot = mem_calloc(t->size, sizeof(HENT *));
    t->count = 0;
    return t;
}

static HENT **htab_where(const HTAB *t, const char *key, unsigned long h)
{
    HENT  **pp = &t->slot[h & (t->size - 1)];

    for (; *pp; pp = &(*pp)->next)
	if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0)
	    break;
    return pp;
}

void   *htab_find(const HTAB *t, const char *key)
{
    HENT  **pp = htab_where(t, key, htab_hash(key));

    return *pp ? (*pp)->value : NULL;
}

static void htab_grow(HTAB *t)
{
    size_t  nsize = t->size * 2, i;
    HENT  **nslot = mem_calloc(nsize, sizeof(HENT *));
    HENT   *e, *next;

    for (i = 0; i < t->size; i++) {
	for (e = t->slot[i]; e; e = next) {
	    next = e->next;
	    e->next = nslot[e->hash & (nsize - 1)];
	    nslot[e->hash & (nsize - 1)] = e;
	}
    }
    free(t->slot);
    t->slot = nslot;
    t->size = nsize;
}

int     htab_enter(HTAB *t, const char *key, void *value)
{
    unsigned long h = htab_hash(key);
    HENT  **pp = htab_where(t, key, h);
    HENT   *e;

    if (*pp) {
	(*pp)->value = value;
	return 1;
    }
    e = mem_alloc(sizeof(*e));
    e->next = NULL;
    e->hash = h;
    e->key = mem_strdup(key);
    e->value = value;
    *pp = e;
    if (++t->count > t->size)
	htab_grow(t);
    return 0;
}

void   *htab_remove(HTAB *t, const char *key)
{
    HENT  **pp = htab_where(t, key, htab_hash(key));
    HENT   *e = *pp;
    void   *value;

    if (e == NULL)
	return NULL;
    *pp = e->next;
    value = e->value;
    free(e->key);
    free(e);
    t->count--;
    return value;
}

size_t  htab_count(const HTAB *t)
{
    return t->count;
}

static int htab_keycmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

char  **htab_keys(const HTAB *t)
{
    char  **keys = mem_calloc(t->count + 1, sizeof(char *));
    size_t  i, n = 0;
    HENT   *e;

    for (i = 0; i < t->size; i++)
	for (e = t->slot[i]; e; e = e->next)
	    keys[n++] = e->key;
    qsort(keys, n, sizeof(char *), htab_keycmp);
    return keys;
}

void    htab_free(HTAB *t, void (*free_value) (void *))
{
    size_t  i;
    HENT   *e, *next;

    if (t == NULL)
	return;
    for (i = 0; i < t->size; i++) {
	for (e = t->slot[i]; e; e = next) {
	    next = e->next;
	    if (free_value)
		free_value(e->value);
	    free(e->key);
	    free(e);
	}
    }
    free(t->slot);
    free(t);
}
