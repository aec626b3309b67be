/*
 * NAME
 *	pack - portable binary records: the format of compiled images
 * SYNOPSIS
 *	#include "pack.h"
 *
 *	STR out = STR_INIT;
 *	pack_u32(&out, n); pack_str(&out, "text"); pack_bytes(&out, p, len);
 *
 *	UNPACK in; unpack_init(&in, buf, len);
 *	uint32_t n = unpack_u32(&in);
 *	char *s = unpack_str(&in);		(allocated; NULL on error)
 *	const void *p = unpack_bytes(&in, &len);	(points into buf)
 *	if (unpack_failed(&in)) ... in.why ...
 * DESCRIPTION
 *	Integers are 32-bit big-endian; strings and byte strings are a 32-bit
 *	length then the bytes (strings may not contain NUL).  The reader
 *	never reads past its buffer: the first short read, over-long length
 *	or NUL in a string sets a sticky failure (in.why says which), after
 *	which every read returns 0/NULL, so a caller checks once at the end.
 *	Used by cnbuild's compiled configuration image and the configuration
 *	modules' save/restore functions.
 */
#ifndef PMDF_PACK_H
#define PMDF_PACK_H
#include <stddef.h>
#include <stdint.h>
#include "str.h"

typedef struct UNPACK {
    const unsigned char *p;
    size_t  len;
    size_t  pos;
    const char *why;		/* NULL until a read fails */
} UNPACK;

void pack_u32(STR *out, uint32_t v);
void pack_bytes(STR *out, const void *p, size_t len);
void pack_str(STR *out, const char *s);

void unpack_init(UNPACK *in, const void *p, size_t len);
uint32_t unpack_u32(UNPACK *in);
const void *unpack_bytes(UNPACK *in, size_t *len);
char *unpack_str(UNPACK *in);
int unpack_failed(const UNPACK *in);
int unpack_done(const UNPACK *in);

#endif
