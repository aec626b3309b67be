/*
 * NAME
 *	fz_smtpreply - libFuzzer harness for the SMTP client's reading of
 *	server replies and EHLO responses (src/global/smtpcli.c)
 * DESCRIPTION
 *	The input is what a (malicious) next-hop server sends.  Replies are
 *	taken from it one after the other with smtp_reply_parse(), the
 *	function the client's cli_reply() runs on its input buffer, as
 *	after a pipelined MAIL, RCPT, DATA; the lines of each go to
 *	smtp_ehlo_parse() as if they answered EHLO.  Each reply is also
 *	parsed from shorter prefixes of the input, as the client does while
 *	the bytes trickle in.
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- a complete reply has a code from 200 to 599, and its text starts
 *	  with that code; every line of it in the input carries the same
 *	  code, all but the last followed by "-", the last by " " or
 *	  nothing; *used ends at a line end; at most SMTPCLI_MAX_LINES lines
 *	  and SMTPCLI_MAX_REPLY bytes of text;
 *	- the text and every line hold no control character but HT (no CR,
 *	  LF or NUL to forge log lines or DSN fields), and no NUL cuts them
 *	  short;
 *	- the enhanced status code is well formed (class.subject.detail,
 *	  the class the code's first digit, subject and detail 1 to 3
 *	  digits) and empty only for a 3xx reply;
 *	- a refusal (malformed or too long) or an incomplete reply leaves
 *	  r and the lines empty;
 *	- a prefix of the input gives SMTP_REPLY_MORE or the same outcome,
 *	  never another reply, and one line end short of the reply gives
 *	  SMTP_REPLY_MORE (unless it is already too long);
 *	- smtp_ehlo_parse() sets only known bits, AUTH whenever PLAIN or
 *	  LOGIN is set, and a SIZE figure from 0 to LONG_MAX that is 0
 *	  without SIZE, whatever digits the server sends.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smtpcli.h"
#include "str.h"
#include "strlist.h"
#include "fz_util.h"

#define ALL_EXT (SMTPCLI_EXT_PIPELINING | SMTPCLI_EXT_SIZE | SMTPCLI_EXT_8BITMIME \
	| SMTPCLI_EXT_DSN | SMTPCLI_EXT_STARTTLS | SMTPCLI_EXT_AUTH_PLAIN \
	| SMTPCLI_EXT_AUTH_LOGIN | SMTPCLI_EXT_ENHANCED | SMTPCLI_EXT_AUTH)

static void check_text(const char *s, size_t len, const char *what)
{
    size_t  i;

    FZ_CHECK(strlen(s) == len, "%s: a NUL at %lu of %lu", what, (unsigned long) strlen(s),
	     (unsigned long) len);
    for (i = 0; i < len; i++)
	FZ_CHECK(s[i] == '\t' || ((unsigned char) s[i] >= 32 && s[i] != 127),
		 "%s: control character 0x%02x at %lu", what, (unsigned char) s[i],
		 (unsigned long) i);
}

static size_t digits(const char *p)
{
    size_t  n = 0;

    while (isdigit((unsigned char) p[n]))
	n++;
    return n;
}

static void check_status(const SMTP_REPLY *r)
{
    const char *s = r->status;
    size_t  a, b;

    if (r->code / 100 == 3) {
	FZ_CHECK(s[0] == 0, "status \"%s\" for a %d reply", s, r->code);
	return;
    }
    FZ_CHECK(s[0] == '0' + r->code / 100 && s[1] == '.', "status \"%s\" for a %d reply", s,
	     r->code);
    a = digits(s + 2);
    FZ_CHECK(a >= 1 && a <= 3 && s[2 + a] == '.', "status \"%s\": bad subject", s);
    b = digits(s + 3 + a);
    FZ_CHECK(b >= 1 && b <= 3 && s[3 + a + b] == 0, "status \"%s\": bad detail", s);
}

/* The lines of buf[0..used) as the server sent them. */
static void check_lines(const char *buf, size_t used, const SMTP_REPLY *r, size_t nlines)
{
    const char *p = buf, *end = buf + used, *nl;
    size_t  n, count = 0;

    FZ_CHECK(used > 0 && buf[used - 1] == '\n', "the reply does not end at a line end");
    while (p < end) {
	nl = memchr(p, '\n', (size_t) (end - p));
	FZ_CHECK(nl != NULL, "bytes after the last line");
	n = (size_t) (nl - p);
	if (n > 0 && p[n - 1] == '\r')
	    n--;
	count++;
	FZ_CHECK(n >= 3 && memcmp(p, r->text.s, 3) == 0, "line %lu has another code",
		 (unsigned long) count);
	if (nl + 1 < end)
	    FZ_CHECK(n > 3 && p[3] == '-', "line %lu is not a continuation", (unsigned long) count);
	else
	    FZ_CHECK(n == 3 || p[3] == ' ', "the last line is a continuation");
	p = nl + 1;
    }
    FZ_CHECK(count == nlines && count <= SMTPCLI_MAX_LINES, "%lu lines in the input, %lu"
	     " parsed", (unsigned long) count, (unsigned long) nlines);
}

static void check_ehlo(const STRLIST *lines)
{
    long    size = -1;
    unsigned ext = smtp_ehlo_parse(lines, &size);

    FZ_CHECK((ext & ~ALL_EXT) == 0, "unknown extension bits 0x%x", ext);
    FZ_CHECK(!(ext & (SMTPCLI_EXT_AUTH_PLAIN | SMTPCLI_EXT_AUTH_LOGIN))
	     || (ext & SMTPCLI_EXT_AUTH), "a mechanism without AUTH");
    FZ_CHECK(size >= 0 && size <= LONG_MAX, "SIZE %ld", size);
    FZ_CHECK((ext & SMTPCLI_EXT_SIZE) || size == 0, "a SIZE figure without SIZE");
}

static void check_empty(const SMTP_REPLY *r, const STRLIST *lines, int rc)
{
    FZ_CHECK(r->code == 0 && r->text.len == 0 && r->status[0] == 0 && lines->n == 0,
	     "outcome %d leaves a reply behind", rc);
}

/* One reply at buf; returns the bytes it took, 0 when there is none. */
static size_t one_reply(const char *buf, size_t len, unsigned seed)
{
    SMTP_REPLY r, p;
    STRLIST lines = STRLIST_INIT, plines = STRLIST_INIT;
    size_t  used = 0, pused = 0, k, i, tries;
    int     rc, prc;

    memset(&r, 0, sizeof(r));
    memset(&p, 0, sizeof(p));
    rc = smtp_reply_parse(buf, len, &r, &lines, &used);
    FZ_CHECK(rc == SMTP_REPLY_DONE || rc == SMTP_REPLY_MORE || rc == SMTP_REPLY_BAD
	     || rc == SMTP_REPLY_LONG, "smtp_reply_parse() returned %d", rc);
    if (rc != SMTP_REPLY_DONE) {
	check_empty(&r, &lines, rc);
	used = 0;
    } else {
	FZ_CHECK(used <= len, "used %lu of %lu", (unsigned long) used, (unsigned long) len);
	FZ_CHECK(r.code >= 200 && r.code <= 599, "reply code %d", r.code);
	FZ_CHECK(r.text.len >= 3 && atoi(r.text.s) == r.code, "text \"%s\" for code %d",
		 STR_C(r.text), r.code);
	FZ_CHECK(r.text.len <= SMTPCLI_MAX_REPLY + SMTPCLI_MAX_LINES, "a text of %lu bytes",
		 (unsigned long) r.text.len);
	check_text(STR_C(r.text), r.text.len, "reply text");
	for (i = 0; i < lines.n; i++)
	    check_text(lines.v[i], strlen(lines.v[i]), "a line");
	check_status(&r);
	check_lines(buf, used, &r, lines.n);
	check_ehlo(&lines);
    }
    /* Prefixes: one short of the last line end, then a few anywhere. */
    for (tries = 0; tries < 4 && len > 0; tries++) {
	if (tries == 0 && rc == SMTP_REPLY_DONE)
	    k = used - 1;
	else {
	    seed = seed * 1103515245u + 12345u;
	    k = (seed >> 8) % len;
	}
	prc = smtp_reply_parse(buf, k, &p, &plines, &pused);
	if (prc == SMTP_REPLY_MORE) {
	    check_empty(&p, &plines, prc);
	    continue;
	}
	FZ_CHECK(prc == rc, "the first %lu bytes give %d, all %lu give %d", (unsigned long) k,
		 prc, (unsigned long) len, rc);
	if (tries == 0 && rc == SMTP_REPLY_DONE)
	    FZ_CHECK(0, "a reply without its last line end");
	if (rc == SMTP_REPLY_DONE)
	    FZ_CHECK(pused == used && p.code == r.code && strcmp(STR_C(p.text), STR_C(r.text)) == 0
		     && strcmp(p.status, r.status) == 0, "a prefix gives another reply");
    }
    smtp_reply_free(&r);
    smtp_reply_free(&p);
    strlist_free(&lines);
    strlist_free(&plines);
    return used;
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *) data;
    size_t  pos = 0, used;

    while (pos < size && (used = one_reply(buf + pos, size - pos, (unsigned) pos + 7)) > 0)
	pos += used;
    return 0;
}
