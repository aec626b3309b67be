/*
 * NAME
 *	fz_smtpin - libFuzzer harness for the SMTP server's input framer
 *	(src/global/smtpin.c)
 * DESCRIPTION
 *	The first four input bytes choose the limits and the chunking: byte
 *	0 max_command (4 to 131, or 512 when odd), byte 1 max_line (0: none,
 *	else 1 to 255), byte 2 max_size (0: none, else 4 to 1020), byte 3
 *	the seed of the random chunk sizes.  The rest is what a client sends.
 *	A small session drives it the way the SMTP server does: commands
 *	with smtpin_command(); after a "DATA" line the message with
 *	smtpin_data_begin()/smtpin_data(); after "BDAT n" n raw bytes with
 *	smtpin_bdat(); after "STARTTLS" smtpin_discard().  It runs three
 *	times: the input fed whole, in random chunks of 1 to 64 bytes, and
 *	byte by byte, feeding more only when the framer says SMTPIN_NEED.
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- every run gives, up to and including the first STARTTLS, the same
 *	  transcript (commands, refusals, messages with their flags, BDAT
 *	  chunks) as an independent reference model of RFC 5321 framing
 *	  written here, whatever the chunking:
 *	  - a command line ends only at CR LF; longer than max_command is
 *	    SMTPIN_TOOLONG, else a CR or LF inside is SMTPIN_BARE, else a
 *	    NUL is SMTPIN_NUL;
 *	  - DATA ends only at CR LF "." CR LF (the DATA line's CR LF counting
 *	    as the first): a bare LF or bare CR never ends it (SMTP
 *	    smuggling, CVE-2023-51764), and the bytes after it are the next
 *	    commands;
 *	  - the message is the content dot-unstuffed (a "." starting a line
 *	    dropped), cut at max_size, with SMTPIN_F_BARE_LF, _BARE_CR,
 *	    _NUL, _TOO_BIG and _LONG_LINE set exactly when the content has
 *	    them;
 *	  - a BDAT chunk is exactly the next n bytes, never dot-unstuffed;
 *	- while waiting for a command line no more than max_command + 1
 *	  bytes stay buffered (an over-long line is dropped as it comes);
 *	- after smtpin_discard() nothing is pending.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "smtpin.h"
#include "str.h"
#include "fz_util.h"

#define MAX_BDAT	100000	/* larger BDAT counts are taken as plain commands */

typedef struct LIMITS {
    size_t  max_command;
    size_t  max_line;
    size_t  max_size;
    unsigned seed;
} LIMITS;

/* ---- what a command line asks for ---------------------------------- */

#define K_OTHER		0
#define K_DATA		1
#define K_BDAT		2
#define K_STARTTLS	3

static int line_kind(const char *s, size_t n, size_t *count)
{
    size_t  i, v = 0;

    if (n == 4 && strncasecmp(s, "DATA", 4) == 0)
	return K_DATA;
    if (n == 8 && strncasecmp(s, "STARTTLS", 8) == 0)
	return K_STARTTLS;
    if (n < 6 || strncasecmp(s, "BDAT ", 5) != 0)
	return K_OTHER;
    for (i = 5; i < n && isdigit((unsigned char) s[i]); i++) {
	v = v * 10 + (size_t) (s[i] - '0');
	if (v > MAX_BDAT)
	    return K_OTHER;
    }
    if (i == 5 || (i < n && !(n - i == 5 && strncasecmp(s + i, " LAST", 5) == 0)))
	return K_OTHER;
    *count = v;
    return K_BDAT;
}

static void note_line(STR *t, int rc, const char *s, size_t n)
{
    switch (rc) {
    case SMTPIN_LINE:
	str_catf(t, "C%lu:", (unsigned long) n);
	str_catn(t, s, n);
	break;
    case SMTPIN_BARE:
	str_cat(t, "B;");
	break;
    case SMTPIN_NUL:
	str_cat(t, "N;");
	break;
    case SMTPIN_TOOLONG:
	str_cat(t, "L;");
	break;
    default:
	FZ_CHECK(0, "smtpin_command returned %d", rc);
    }
}

static void note_data(STR *t, unsigned flags, const char *s, size_t n)
{
    str_catf(t, "D%x,%lu:", flags, (unsigned long) n);
    str_catn(t, s, n);
}

static void note_bdat(STR *t, const char *s, size_t n)
{
    str_catf(t, "T%lu:", (unsigned long) n);
    str_catn(t, s, n);
}

/* ---- the reference model: the whole input at once ------------------ */

static int crlf_at(const uint8_t *d, size_t n, size_t i)
{
    return i + 1 < n && d[i] == '\r' && d[i + 1] == '\n';
}

/* DATA content from start: appends the message to t; returns where it ends or n. */
static size_t ref_data(const uint8_t *d, size_t n, size_t start, const LIMITS *lim, STR *t)
{
    STR     msg = STR_INIT;
    size_t  j, q, run = 0;
    unsigned flags = 0;

    /* The terminator: "." CR LF at the start or after a CR LF of the content. */
    for (j = start; j + 3 <= n; j++)
	if (d[j] == '.' && crlf_at(d, n, j + 1) && (j == start || (j >= start + 2
								    && crlf_at(d, n, j - 2))))
	    break;
    if (j + 3 > n)
	return n;			/* no end: compared between chunkings only */
    for (q = start; q < j; q++) {
	if (d[q] == '.' && (q == start || (q >= start + 2 && crlf_at(d, n, q - 2))))
	    continue;			/* dot-stuffing */
	if (d[q] == '\n' && (q == start || d[q - 1] != '\r'))
	    flags |= SMTPIN_F_BARE_LF;
	if (d[q] == '\r' && !crlf_at(d, n, q))
	    flags |= SMTPIN_F_BARE_CR;
	if (d[q] == 0)
	    flags |= SMTPIN_F_NUL;
	run = d[q] == '\n' ? 0 : run + 1;
	if (lim->max_line && run > lim->max_line)
	    flags |= SMTPIN_F_LONG_LINE;
	if (lim->max_size && msg.len >= lim->max_size)
	    flags |= SMTPIN_F_TOO_BIG;
	else
	    str_catc(&msg, d[q]);
    }
    note_data(t, flags, STR_C(msg), msg.len);
    str_free(&msg);
    return j + 3;
}

static void reference(const uint8_t *d, size_t n, const LIMITS *lim, STR *t)
{
    size_t  pos = 0, end, len, i, count;
    int     rc, kind;

    while (pos < n) {
	for (end = pos; end < n && !crlf_at(d, n, end); end++)
	    ;
	if (end >= n)
	    return;
	len = end - pos;
	rc = SMTPIN_LINE;
	if (len > lim->max_command)
	    rc = SMTPIN_TOOLONG;
	else
	    for (i = pos; i < end; i++)
		if (d[i] == '\r' || d[i] == '\n')
		    rc = SMTPIN_BARE;
		else if (d[i] == 0 && rc == SMTPIN_LINE)
		    rc = SMTPIN_NUL;
	note_line(t, rc, (const char *) d + pos, len);
	pos = end + 2;
	if (rc != SMTPIN_LINE)
	    continue;
	kind = line_kind((const char *) d + end - len, len, &count);
	if (kind == K_STARTTLS) {
	    str_cat(t, "S;");
	    return;
	} else if (kind == K_DATA) {
	    pos = ref_data(d, n, pos, lim, t);
	} else if (kind == K_BDAT) {
	    if (count > n - pos)
		return;			/* incomplete: compared between chunkings */
	    note_bdat(t, (const char *) d + pos, count);
	    pos += count;
	}
    }
}

/* ---- the framer, fed in chunks ----------------------------------------- */

typedef struct FEED {
    const uint8_t *d;
    size_t  n;
    size_t  off;
    int     mode;			/* 0 whole, 1 random chunks, 2 byte by byte */
    unsigned rnd;
} FEED;

/* Feeds the next chunk; 0 when the input is all fed. */
static int feed_more(SMTPIN *in, FEED *f)
{
    size_t  k;

    if (f->off >= f->n)
	return 0;
    if (f->mode == 0)
	k = f->n - f->off;
    else if (f->mode == 2)
	k = 1;
    else {
	f->rnd = f->rnd * 1103515245u + 12345u;
	k = 1 + (f->rnd >> 16) % 64;
    }
    if (k > f->n - f->off)
	k = f->n - f->off;
    smtpin_feed(in, f->d + f->off, k);
    f->off += k;
    return 1;
}

/*
 * One session; the transcript up to the first STARTTLS goes to t, and
 * the session goes on after it (the rest is not comparable: what was
 * discarded depends on the chunking).
 */
static void session(FEED *f, const LIMITS *lim, STR *t)
{
    SMTPIN *in = smtpin_new(lim->max_command);
    STR     line = STR_INIT, msg = STR_INIT, after = STR_INIT;
    STR    *out = t;
    unsigned flags;
    size_t  count;
    int     rc, kind;

    for (;;) {
	rc = smtpin_command(in, &line);
	if (rc == SMTPIN_NEED) {
	    FZ_CHECK(smtpin_pending(in) <= lim->max_command + 1,
		     "%lu bytes buffered without a line end (max_command %lu)",
		     (unsigned long) smtpin_pending(in), (unsigned long) lim->max_command);
	    if (!feed_more(in, f))
		break;
	    continue;
	}
	note_line(out, rc, STR_C(line), line.len);
	if (rc == SMTPIN_LINE)
	    FZ_CHECK(line.len <= lim->max_command, "a command line of %lu bytes",
		     (unsigned long) line.len);
	if (rc != SMTPIN_LINE)
	    continue;
	kind = line_kind(STR_C(line), line.len, &count);
	if (kind == K_STARTTLS) {
	    smtpin_discard(in);
	    FZ_CHECK(smtpin_pending(in) == 0, "input left after smtpin_discard()");
	    if (out == t)
		str_cat(out, "S;");
	    out = &after;
	} else if (kind == K_DATA) {
	    str_reset(&msg);
	    smtpin_data_begin(in, lim->max_size, lim->max_line);
	    while ((rc = smtpin_data(in, &msg, &flags)) == SMTPIN_NEED)
		if (!feed_more(in, f))
		    break;
	    if (rc != SMTPIN_END) {
		str_cat(out, "P");		/* unfinished: what came so far */
		note_data(out, flags, STR_C(msg), msg.len);
		break;
	    }
	    FZ_CHECK(!lim->max_size || msg.len <= lim->max_size, "a message of %lu bytes",
		     (unsigned long) msg.len);
	    note_data(out, flags, STR_C(msg), msg.len);
	} else if (kind == K_BDAT) {
	    str_reset(&msg);
	    while ((rc = smtpin_bdat(in, &count, &msg)) == SMTPIN_NEED)
		if (!feed_more(in, f))
		    break;
	    if (rc != SMTPIN_END) {
		str_cat(out, "P");
		note_bdat(out, STR_C(msg), msg.len);
		break;
	    }
	    note_bdat(out, STR_C(msg), msg.len);
	}
    }
    smtpin_free(in);
    str_free(&line);
    str_free(&msg);
    str_free(&after);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    LIMITS  lim;
    FEED    f;
    STR     ref = STR_INIT, got = STR_INIT, first = STR_INIT;
    int     mode;

    if (size < 4)
	return 0;
    lim.max_command = data[0] & 1 ? 512 : 4 + data[0] / 2;
    lim.max_line = data[1];
    lim.max_size = (size_t) data[2] * 4;
    lim.seed = data[3];
    data += 4;
    size -= 4;
    reference(data, size, &lim, &ref);
    for (mode = 0; mode < 3; mode++) {
	memset(&f, 0, sizeof(f));
	f.d = data;
	f.n = size;
	f.mode = mode;
	f.rnd = lim.seed;
	str_reset(&got);
	session(&f, &lim, &got);
	FZ_CHECK(got.len >= ref.len && memcmp(STR_C(got), STR_C(ref), ref.len) == 0,
		 "chunking %d: transcript\n  %.*s\nis not the reference\n  %.*s", mode,
		 (int) (got.len > 2000 ? 2000 : got.len), STR_C(got),
		 (int) (ref.len > 2000 ? 2000 : ref.len), STR_C(ref));
	/* Beyond the reference: only an unfinished DATA or BDAT at the end. */
	FZ_CHECK(got.len == ref.len || got.s[ref.len] == 'P', "chunking %d: more than the"
		 " reference: %.*s", mode, (int) (got.len - ref.len > 500 ? 500 : got.len - ref.len),
		 STR_C(got) + ref.len);
	if (mode == 0)
	    str_cpyn(&first, STR_C(got), got.len);
	else
	    FZ_CHECK(got.len == first.len && memcmp(STR_C(got), STR_C(first), got.len) == 0,
		     "chunking %d: the unfinished part differs from the whole input's", mode);
    }
    str_free(&ref);
    str_free(&got);
    str_free(&first);
    return 0;
}
