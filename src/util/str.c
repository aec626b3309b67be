/*
 * NAME
 *	str - the one growable string buffer (see str.h)
 */
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <stdint.h>
#include "str.h"
#include "mem.h"
#include "msg.h"
#include <stdlib.h>

void str_init(STR *sb)
{
    sb->s = NULL;
    sb->len = sb->cap = 0;
}

void str_free(STR *sb)
{
    free(sb->s);
    str_init(sb);
}

void str_reset(STR *sb)
{
    sb->len = 0;
    if (sb->s)
	sb->s[0] = 0;
}

void str_reserve(STR *sb, size_t extra)
{
    size_t need;

    if (extra > SIZE_MAX / 2 - sb->len)
	msg_fatal("str_reserve: string too long");
    need = sb->len + extra + 1;
    if (need <= sb->cap)
	return;
    if (need < 32)
	need = 32;
    if (need < sb->cap * 2)
	need = sb->cap * 2;
    sb->s = mem_realloc(sb->s, need);
    sb->cap = need;
    if (sb->len == 0)
	sb->s[0] = 0;
}

void str_catn(STR *sb, const char *p, size_t n)
{
    str_reserve(sb, n);
    if (n)
	memcpy(sb->s + sb->len, p, n);
    sb->len += n;
    sb->s[sb->len] = 0;
}

void str_cat(STR *sb, const char *p)
{
    str_catn(sb, p, strlen(p));
}

void str_catc(STR *sb, int c)
{
    str_reserve(sb, 1);
    sb->s[sb->len++] = (char) c;
    sb->s[sb->len] = 0;
}

void str_cpyn(STR *sb, const char *p, size_t n)
{
    str_reset(sb);
    str_catn(sb, p, n);
}

void str_cpy(STR *sb, const char *p)
{
    str_cpyn(sb, p, strlen(p));
}

void str_vcatf(STR *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    int     n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
	msg_panic("str_vcatf: bad format \"%s\"", fmt);
    str_reserve(sb, (size_t) n);
    vsnprintf(sb->s + sb->len, (size_t) n + 1, fmt, ap);
    sb->len += (size_t) n;
}

void str_catf(STR *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    str_vcatf(sb, fmt, ap);
    va_end(ap);
}

void str_printf(STR *sb, const char *fmt, ...)
{
    va_list ap;

    str_reset(sb);
    va_start(ap, fmt);
    str_vcatf(sb, fmt, ap);
    va_end(ap);
}

void str_truncate(STR *sb, size_t len)
{
    if (len < sb->len) {
	sb->len = len;
	sb->s[len] = 0;
    }
}

void str_upper(STR *sb)
{
    size_t i;

    for (i = 0; i < sb->len; i++)
	sb->s[i] = (char) toupper((unsigned char) sb->s[i]);
}

void str_lower(STR *sb)
{
    size_t i;

    for (i = 0; i < sb->len; i++)
	sb->s[i] = (char) tolower((unsigned char) sb->s[i]);
}

char *str_detach(STR *sb)
{
    char *p = sb->s ? sb->s : mem_strdup("");

    str_init(sb);
    return p;
}
