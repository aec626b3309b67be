/*
 * NAME
 *	smtpin - strict reader of an SMTP session's input (see smtpin.h)
 * DESCRIPTION
 *	Input is kept in one buffer; taken bytes are skipped with a read
 *	position and compacted away now and then.  DATA is a byte-at-a-time
 *	state machine whose only way to SMTPIN_END is CR LF "." CR LF, with
 *	the CR LF of the DATA command counting as the first CR LF:
 *
 *	    BOL  --"."--> DOT --CR--> DOTCR --LF--> end of data
 *	    BOL/MID --CR--> CR --LF--> BOL
 *	every other byte is content (with a flag for LF without CR, CR
 *	without LF and NUL), and leaves the machine in MID or CR.
 */
#include <stdlib.h>
#include <string.h>
#include "smtpin.h"
#include "mem.h"

#define D_BOL	0		/* at the beginning of a line */
#define D_DOT	1		/* "." at the beginning of a line */
#define D_DOTCR	2		/* "." CR at the beginning of a line */
#define D_MID	3		/* inside a line */
#define D_CR	4		/* CR inside (or ending) a line */

struct SMTPIN {
    STR     buf;		/* received, not yet taken: buf.s[pos..len) */
    size_t  pos;
    size_t  max_command;
    int     skipping;		/* inside an over-long command line */
    int     dstate;		/* D_* */
    size_t  max_size;
    size_t  max_line;
    size_t  size;		/* message bytes so far */
    size_t  linelen;		/* bytes in the current line */
    unsigned flags;
};

SMTPIN *smtpin_new(size_t max_command)
{
    SMTPIN *in = mem_calloc(1, sizeof(*in));

    in->max_command = max_command ? max_command : 512;
    return in;
}

void    smtpin_free(SMTPIN *in)
{
    if (in == NULL)
	return;
    str_free(&in->buf);
    free(in);
}

static void smtpin_compact(SMTPIN *in)
{
    if (in->pos == in->buf.len) {
	str_reset(&in->buf);
	in->pos = 0;
    } else if (in->pos > 65536 && in->pos > in->buf.len / 2) {
	memmove(in->buf.s, in->buf.s + in->pos, in->buf.len - in->pos);
	str_truncate(&in->buf, in->buf.len - in->pos);
	in->pos = 0;
    }
}

void    smtpin_feed(SMTPIN *in, const void *data, size_t len)
{
    smtpin_compact(in);
    str_catn(&in->buf, data, len);
}

size_t  smtpin_pending(const SMTPIN *in)
{
    return in->buf.len - in->pos;
}

void    smtpin_discard(SMTPIN *in)
{
    in->pos = in->buf.len;
    in->skipping = 0;
    smtpin_compact(in);
}

/* Offset of the first CR LF at or after from, or -1. */
static long smtpin_crlf(const SMTPIN *in, size_t from)
{
    const char *p = in->buf.s, *hit;
    size_t  i = from;

    while (i + 1 < in->buf.len) {
	hit = memchr(p + i, '\r', in->buf.len - i - 1);
	if (hit == NULL)
	    return -1;
	i = (size_t) (hit - p);
	if (p[i + 1] == '\n')
	    return (long) i;
	i++;
    }
    return -1;
}

int     smtpin_command(SMTPIN *in, STR *line)
{
    long    end = smtpin_crlf(in, in->pos);
    const char *start;
    size_t  len;

    if (end < 0) {
	/* No line end yet: an over-long line is dropped as it arrives. */
	if (smtpin_pending(in) > in->max_command + 1) {
	    in->skipping = 1;
	    in->pos = in->buf.len - 1;		/* keep a possible CR */
	    smtpin_compact(in);
	}
	return SMTPIN_NEED;
    }
    start = in->buf.s + in->pos;
    len = (size_t) end - in->pos;
    in->pos = (size_t) end + 2;
    if (in->skipping) {
	in->skipping = 0;
	smtpin_compact(in);
	return SMTPIN_TOOLONG;
    }
    if (len > in->max_command) {
	smtpin_compact(in);
	return SMTPIN_TOOLONG;
    }
    str_cpyn(line, start, len);
    smtpin_compact(in);
    if (memchr(line->s, '\n', line->len) || memchr(line->s, '\r', line->len))
	return SMTPIN_BARE;
    if (memchr(line->s, 0, line->len))
	return SMTPIN_NUL;
    return SMTPIN_LINE;
}

void    smtpin_data_begin(SMTPIN *in, size_t max_size, size_t max_line)
{
    in->dstate = D_BOL;
    in->max_size = max_size;
    in->max_line = max_line;
    in->size = 0;
    in->linelen = 0;
    in->flags = 0;
}

/* One message byte: counted, stored while within the size limit. */
static void smtpin_put(SMTPIN *in, STR *out, int c)
{
    if (c == '\n') {
	in->linelen = 0;
    } else if (++in->linelen > in->max_line && in->max_line) {
	in->flags |= SMTPIN_F_LONG_LINE;
    }
    if (c == 0)
	in->flags |= SMTPIN_F_NUL;
    if (in->size >= in->max_size && in->max_size) {
	in->flags |= SMTPIN_F_TOO_BIG;
	return;
    }
    in->size++;
    str_catc(out, c);
}

/* A byte in the middle of a line (state MID). */
static void smtpin_mid(SMTPIN *in, STR *out, int c)
{
    if (c == '\r') {
	in->dstate = D_CR;
	return;
    }
    if (c == '\n')
	in->flags |= SMTPIN_F_BARE_LF;
    smtpin_put(in, out, c);
    in->dstate = D_MID;
}

int     smtpin_data(SMTPIN *in, STR *out, unsigned *flags)
{
    const unsigned char *p = (const unsigned char *) in->buf.s;
    int     c;

    while (in->pos < in->buf.len) {
	c = p[in->pos++];
	switch (in->dstate) {
	case D_BOL:
	    if (c == '.')
		in->dstate = D_DOT;
	    else
		smtpin_mid(in, out, c);
	    break;
	case D_DOT:				/* the dot is dropped: stuffing */
	    if (c == '\r')
		in->dstate = D_DOTCR;
	    else
		smtpin_mid(in, out, c);
	    break;
	case D_DOTCR:
	    if (c == '\n') {
		*flags = in->flags;
		smtpin_compact(in);
		return SMTPIN_END;
	    }
	    in->flags |= SMTPIN_F_BARE_CR;	/* "." CR x: CR is content */
	    smtpin_put(in, out, '\r');
	    in->dstate = D_MID;
	    smtpin_mid(in, out, c);
	    break;
	case D_MID:
	    smtpin_mid(in, out, c);
	    break;
	case D_CR:
	    if (c == '\n') {
		smtpin_put(in, out, '\r');
		smtpin_put(in, out, '\n');
		in->dstate = D_BOL;
	    } else {
		in->flags |= SMTPIN_F_BARE_CR;
		smtpin_put(in, out, '\r');
		smtpin_mid(in, out, c);
	    }
	    break;
	}
    }
    *flags = in->flags;
    smtpin_compact(in);
    return SMTPIN_NEED;
}

int     smtpin_bdat(SMTPIN *in, size_t *remaining, STR *out)
{
    size_t  n = smtpin_pending(in);

    if (n > *remaining)
	n = *remaining;
    if (n == 0)
	return *remaining == 0 ? SMTPIN_END : SMTPIN_NEED;
    str_catn(out, in->buf.s + in->pos, n);
    in->pos += n;
    *remaining -= n;
    smtpin_compact(in);
    return *remaining == 0 ? SMTPIN_END : SMTPIN_NEED;
}
