/*
 * NAME
 *	str - the one growable string buffer
 * SYNOPSIS
 *	#include "str.h"
 *	STR s = STR_INIT;		(or str_init(&s))
 *	str_cpy(&s, "text"); str_cat(&s, "more"); str_catc(&s, '!');
 *	str_catn(&s, p, n); str_printf(&s, fmt, ...); str_catf(&s, fmt, ...);
 *	str_truncate(&s, len); str_reset(&s); str_free(&s);
 *	char *str_detach(&s);		(caller owns the memory; s is reset)
 *	const char *STR_C(s)		(always a NUL-terminated C string)
 * DESCRIPTION
 *	A STR is always NUL-terminated and may hold NUL bytes (len counts them).
 *	A zero-initialised STR (STR_INIT) is valid and reads as "".
 *	Allocation failure is fatal (mem.h), so no function here fails.
 */
#ifndef PMDF_STR_H
#define PMDF_STR_H
#include <stddef.h>
#include <stdarg.h>

typedef struct STR {
    char   *s;		/* NULL until first write */
    size_t  len;	/* bytes in use, excluding the NUL */
    size_t  cap;	/* bytes allocated */
} STR;

#define STR_INIT { NULL, 0, 0 }
#define STR_C(x) ((x).s ? (x).s : "")

void str_init(STR *sb);
void str_free(STR *sb);
void str_reset(STR *sb);
void str_reserve(STR *sb, size_t extra);
void str_catn(STR *sb, const char *p, size_t n);
void str_cat(STR *sb, const char *p);
void str_catc(STR *sb, int c);
void str_cpy(STR *sb, const char *p);
void str_cpyn(STR *sb, const char *p, size_t n);
void str_printf(STR *sb, const char *fmt, ...);
void str_catf(STR *sb, const char *fmt, ...);
void str_vcatf(STR *sb, const char *fmt, va_list ap);
void str_truncate(STR *sb, size_t len);
void str_upper(STR *sb);
void str_lower(STR *sb);
char *str_detach(STR *sb);

#endif
