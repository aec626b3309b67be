/*
 * NAME
 *	t_smtpcli - the SMTP client's reading of replies and EHLO responses
 * DESCRIPTION
 *	smtp_reply_parse() and smtp_ehlo_parse(), the pure parsing the
 *	client runs on what a server sends: single and multi-line replies,
 *	pipelined replies, incomplete input, the limits, and what
 *	tests/fuzz/fz_smtpreply.c found a malicious server could send: codes
 *	outside 200..599, control characters in the text, malformed
 *	enhanced status codes, SIZE figures that are not numbers or do not
 *	fit.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "smtpcli.h"
#include "str.h"
#include "strlist.h"
#include "tap.h"

static SMTP_REPLY r;
static STRLIST lines;
static size_t used;

static int parse(const char *s)
{
    return smtp_reply_parse(s, strlen(s), &r, &lines, &used);
}

static int parse_n(const char *s, size_t n)
{
    return smtp_reply_parse(s, n, &r, &lines, &used);
}

static unsigned ehlo(const char *s, long *size)
{
    *size = -1;
    if (parse(s) != SMTP_REPLY_DONE)
	return 0xffffffffu;
    return smtp_ehlo_parse(&lines, size);
}

static void test_replies(void)
{
    const char *pipe = "250 2.1.0 Ok\r\n550 5.1.1 <x@y>: unknown\r\n354 go ahead\r\n";

    tap_is_int(parse("220 mx.example.com ESMTP\r\n"), SMTP_REPLY_DONE, "a greeting");
    tap_is_int(r.code, 220, "its code");
    tap_is_str(r.status, "2.0.0", "a status made from the code");
    tap_is_str(STR_C(r.text), "220 mx.example.com ESMTP", "its text");
    tap_is_int((long) used, 26, "all of it taken");
    tap_is_int(parse("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n"),
	       SMTP_REPLY_DONE, "a multi-line reply");
    tap_is_str(STR_C(r.text), "550-5.7.1 first 5.7.1 second 5.7.1 third", "joined");
    tap_is_str(r.status, "5.7.1", "the server's status");
    tap_is_int((long) lines.n, 3, "three lines");
    tap_is_int(parse(pipe), SMTP_REPLY_DONE, "pipelined replies: the first");
    tap_is_int((long) used, 14, "only the first taken");
    tap_is_int(parse(pipe + 14), SMTP_REPLY_DONE, "the second");
    tap_is_str(r.status, "5.1.1", "with its status");
    tap_is_int(parse("250\n"), SMTP_REPLY_DONE, "a bare code, a bare LF");
    tap_is_int(parse("250-a\r\n250-b"), SMTP_REPLY_MORE, "a reply not complete yet");
    tap_ok(r.code == 0 && r.text.len == 0 && lines.n == 0, "leaves nothing behind");
    tap_is_int(parse("250-a\r\n251 b\r\n"), SMTP_REPLY_BAD, "lines with different codes");
    tap_is_int(parse("25 a\r\n"), SMTP_REPLY_BAD, "a two-digit code");
    tap_is_int(parse("250x\r\n"), SMTP_REPLY_BAD, "no separator after the code");
}

/* Found by fz_smtpreply: what a malicious server may no longer slip through. */
static void test_hostile(void)
{
    static const char nul_text[] = "550 5.1.1 a\rb\0c\001\177d\te\r\n";
    STR     big = STR_INIT;
    int     i;

    tap_is_int(parse("000 fake\r\n"), SMTP_REPLY_BAD, "code 000 (would read as no reply)");
    tap_is_int(parse("199 x\r\n"), SMTP_REPLY_BAD, "code 199");
    tap_is_int(parse("600 x\r\n"), SMTP_REPLY_BAD, "code 600");
    tap_is_int(parse("999 x\r\n"), SMTP_REPLY_BAD, "code 999");
    tap_is_int(parse("599 x\r\n"), SMTP_REPLY_DONE, "code 599 is fine");

    tap_is_int(parse_n(nul_text, sizeof(nul_text) - 1), SMTP_REPLY_DONE,
	       "control characters and a NUL in the text");
    tap_is_str(STR_C(r.text), "550 5.1.1 a?b?c??d\te", "become \"?\" (HT stays)");
    tap_is_int((long) strlen(STR_C(r.text)), (long) r.text.len, "no NUL cuts the text");
    tap_is_str(lines.v[0], "5.1.1 a?b?c??d\te", "in the lines too");

    tap_is_int(parse("250 2.0..0 ok\r\n"), SMTP_REPLY_DONE, "status 2.0..0");
    tap_is_str(r.status, "2.0.0", "is not taken");
    tap_is_int(parse("250 2.1234.0 ok\r\n"), SMTP_REPLY_DONE, "a four-digit subject");
    tap_is_str(r.status, "2.0.0", "is not taken");
    tap_is_int(parse("250 2.0.0.0 ok\r\n"), SMTP_REPLY_DONE, "four parts");
    tap_is_str(r.status, "2.0.0", "are not taken");
    tap_is_int(parse("550 4.1.1 ok\r\n"), SMTP_REPLY_DONE, "a class not the code's");
    tap_is_str(r.status, "5.0.0", "is not taken");
    tap_is_int(parse("451 4.3.0\r\n"), SMTP_REPLY_DONE, "a status alone");
    tap_is_str(r.status, "4.3.0", "is taken");
    tap_is_int(parse("354 4.0.0 go ahead\r\n"), SMTP_REPLY_DONE, "a 3xx reply");
    tap_is_str(r.status, "", "has no status (3.0.0 is no RFC 3463 class)");

    for (i = 0; i < SMTPCLI_MAX_LINES; i++)
	str_cat(&big, "250-x\r\n");
    str_cat(&big, "250 x\r\n");
    tap_is_int(parse(STR_C(big)), SMTP_REPLY_LONG, "%d lines", SMTPCLI_MAX_LINES + 1);
    str_reset(&big);
    str_cat(&big, "250-");
    for (i = 0; i < SMTPCLI_MAX_REPLY; i++)
	str_catc(&big, 'x');
    tap_is_int(parse(STR_C(big)), SMTP_REPLY_LONG, "a line over the limit, before its end");
    str_reset(&big);
    for (i = 0; i < 3; i++) {
	str_cat(&big, "250-");
	str_catn(&big, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 64);
	str_cat(&big, "\r\n");
    }
    while (big.len < SMTPCLI_MAX_REPLY + 10)
	str_catc(&big, 'z');
    tap_is_int(parse(STR_C(big)), SMTP_REPLY_LONG,
	       "complete lines and a partial one over the limit: no more buffering");
    str_free(&big);
}

static void test_ehlo(void)
{
    long    size;
    unsigned ext;

    ext = ehlo("250-mx\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-DSN\r\n"
	       "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN\r\n", &size);
    tap_is_int((long) ext, (long) (SMTPCLI_EXT_PIPELINING | SMTPCLI_EXT_SIZE
				   | SMTPCLI_EXT_8BITMIME | SMTPCLI_EXT_DSN
				   | SMTPCLI_EXT_STARTTLS | SMTPCLI_EXT_ENHANCED
				   | SMTPCLI_EXT_AUTH | SMTPCLI_EXT_AUTH_PLAIN
				   | SMTPCLI_EXT_AUTH_LOGIN), "every extension");
    tap_is_int(size, 10240000, "the SIZE figure");
    ext = ehlo("250-mx\r\n250 AUTH=LOGIN\r\n", &size);
    tap_is_int((long) ext, (long) (SMTPCLI_EXT_AUTH | SMTPCLI_EXT_AUTH_LOGIN), "AUTH=");
    tap_is_int(size, 0, "no SIZE, no figure");
    ext = ehlo("250-PIPELINING\r\n250 mx\r\n", &size);
    tap_is_int((long) ext, 0, "the first line is the server's name");

    /* Found by fz_smtpreply: SIZE was atol(), undefined past LONG_MAX. */
    ext = ehlo("250-mx\r\n250 SIZE 99999999999999999999999999\r\n", &size);
    tap_ok(ext == SMTPCLI_EXT_SIZE && size == LONG_MAX, "a huge SIZE is LONG_MAX (%ld)", size);
    ehlo("250-mx\r\n250 SIZE -5\r\n", &size);
    tap_is_int(size, 0, "a negative SIZE is no figure (not a limit of -5)");
    ehlo("250-mx\r\n250 SIZE 12abc\r\n", &size);
    tap_is_int(size, 0, "SIZE 12abc is no figure");
    ehlo("250-mx\r\n250 SIZE\r\n", &size);
    tap_is_int(size, 0, "SIZE alone");
}

int     main(void)
{
    test_replies();
    test_hostile();
    test_ehlo();
    smtp_reply_free(&r);
    strlist_free(&lines);
    return tap_done();
}
