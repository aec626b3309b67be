/*
 * NAME
 *	fz_util - what the libFuzzer harnesses share
 * SYNOPSIS
 *	#include "fz_util.h"
 *
 *	const char *fz_instance(void);
 *	const char *fz_path(const char *name);
 *	void fz_put(const char *name, const void *p, size_t n);
 *	char *fz_cstr(const uint8_t *data, size_t size);
 *	size_t fz_split(const uint8_t *data, size_t size, int sep,
 *			FZ_PIECE *v, size_t max);
 *	FZ_CHECK(cond, fmt, ...);
 * DESCRIPTION
 *	fz_instance() makes, once per process, a private instance: a
 *	temporary directory with a tailor file (PMDF_TABLE=<dir>/,
 *	PMDF_CONFIG_FILE=PMDF_TABLE:pmdf.cnf, PMDF_OPTION_FILE=
 *	PMDF_TABLE:option.dat, PMDF_MAPPING_FILE=PMDF_TABLE:mappings,
 *	PMDF_QUEUE=<dir>/queue/, a directory the harness makes when it needs it),
 *	PMDF_TAILOR naming it and every other PMDF_/PMAS_ variable removed,
 *	then lnm_init(); it returns the directory, which is removed at exit
 *	with the files written into it.  fz_path() is a file in it;
 *	fz_put() replaces that file with n bytes.
 *
 *	fz_cstr() copies the input as a NUL-terminated string (allocated; it
 *	ends at the input's first NUL, if any).  fz_split() cuts the input
 *	at each sep byte into at most max pieces (pointers into data, with
 *	their lengths; bytes after the max-th piece are dropped) and returns
 *	how many.
 *
 *	FZ_CHECK() is an invariant: when cond is false it prints the message
 *	and aborts, which libFuzzer reports as a crash and saves the input.
 */
#ifndef PMDF_FZ_UTIL_H
#define PMDF_FZ_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "str.h"
#include "strlist.h"

typedef struct FZ_PIECE {
    const uint8_t *p;
    size_t  n;
} FZ_PIECE;

#define FZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
	    fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond); \
	    fprintf(stderr, __VA_ARGS__); \
	    fputc('\n', stderr); \
	    abort(); \
	} \
    } while (0)

const char *fz_instance(void);
const char *fz_path(const char *name);
void    fz_put(const char *name, const void *p, size_t n);
char   *fz_cstr(const uint8_t *data, size_t size);
size_t  fz_split(const uint8_t *data, size_t size, int sep, FZ_PIECE *v, size_t max);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
