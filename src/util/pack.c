/*
 * NAME
 *	pack - portable binary records (see pack.h)
 */
#include <string.h>
#include "pack.h"
#include "mem.h"
#include "msg.h"

void    pack_u32(STR *out, uint32_t v)
{
    unsigned char b[4];

    b[0] = (unsigned char) (v >> 24);
    b[1] = (unsigned char) (v >> 16);
    b[2] = (unsigned char) (v >> 8);
    b[3] = (unsigned char) v;
    str_catn(out, (const char *) b, 4);
}

void    pack_bytes(STR *out, const void *p, size_t len)
{
    if (len > UINT32_MAX)
	msg_panic("pack_bytes: %lu bytes do not fit a record", (unsigned long) len);
    pack_u32(out, (uint32_t) len);
    str_catn(out, p, len);
}

void    pack_str(STR *out, const char *s)
{
    pack_bytes(out, s, strlen(s));
}

void    unpack_init(UNPACK *in, const void *p, size_t len)
{
    in->p = p;
    in->len = len;
    in->pos = 0;
    in->why = NULL;
}

static int unpack_have(UNPACK *in, size_t n)
{
    if (in->why)
	return 0;
    if (n > in->len - in->pos) {
	in->why = "record truncated";
	return 0;
    }
    return 1;
}

uint32_t unpack_u32(UNPACK *in)
{
    const unsigned char *b;

    if (!unpack_have(in, 4))
	return 0;
    b = in->p + in->pos;
    in->pos += 4;
    return ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16) | ((uint32_t) b[2] << 8) | b[3];
}

const void *unpack_bytes(UNPACK *in, size_t *len)
{
    uint32_t n = unpack_u32(in);
    const void *p;

    if (!unpack_have(in, n)) {
	*len = 0;
	return NULL;
    }
    p = in->p + in->pos;
    in->pos += n;
    *len = n;
    return p;
}

char   *unpack_str(UNPACK *in)
{
    size_t  n;
    const char *p = unpack_bytes(in, &n);

    if (p == NULL)
	return NULL;
    if (memchr(p, 0, n) != NULL) {
	in->why = "NUL byte in a string";
	return NULL;
    }
    return mem_strndup(p, n);
}

int     unpack_failed(const UNPACK *in)
{
    return in->why != NULL;
}

int     unpack_done(const UNPACK *in)
{
    return in->why == NULL && in->pos == in->len;
}
