/*
 * NAME
 *	htab - hash table with string keys
 * SYNOPSIS
 *	#include "htab.h"
 *	HTAB *htab_create(size_t size_hint);
 *	void *htab_find(const HTAB *t, const char *key);
 *	int htab_enter(HTAB *t, const char *key, void *value);   (0: new, 1: replaced)
 *	void *htab_remove(HTAB *t, const char *key);             (returns the old value)
 *	size_t htab_count(const HTAB *t);
 *	char **htab_keys(const HTAB *t);      (sorted, NULL-terminated; free the array only)
 *	void htab_free(HTAB *t, void (*free_value)(void *));
 * DESCRIPTION
 *	Keys are copied and compared exactly (callers fold case first when
 *	they want case-blind keys).  The table grows to keep chains short.
 */
#ifndef PMDF_HTAB_H
#define PMDF_HTAB_H
#include <stddef.h>

typedef struct HTAB HTAB;

HTAB *htab_create(size_t size_hint);
void *htab_find(const HTAB *t, const char *key);
int htab_enter(HTAB *t, const char *key, void *value);
void *htab_remove(HTAB *t, const char *key);
size_t htab_count(const HTAB *t);
char **htab_keys(const HTAB *t);
void htab_free(HTAB *t, void (*free_value) (void *));

#endif
