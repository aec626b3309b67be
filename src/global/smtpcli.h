/*
 * NAME
 *	smtpcli - the SMTP client: one connection, many transactions
 * SYNOPSIS
 *	#include "smtpcli.h"
 *
 *	SMTPCLI *smtpcli_open(int fd, const char *peer, const SMTPCLI_OPTS *o,
 *			      SMTPCLI_FAIL *why);
 *	int smtpcli_send(SMTPCLI *c, SMTPCLI_MSG *m, STR *err);
 *	int smtpcli_rset(SMTPCLI *c);
 *	void smtpcli_close(SMTPCLI *c);
 *	unsigned smtpcli_ext(const SMTPCLI *c);
 *	long smtpcli_size_limit(const SMTPCLI *c);
 *	int smtpcli_tls(const SMTPCLI *c);
 *	int smtpcli_authenticated(const SMTPCLI *c);
 *	const char *smtpcli_tls_info(const SMTPCLI *c);
 *
 *	int smtp_reply_parse(const char *buf, size_t len, SMTP_REPLY *r,
 *			     STRLIST *lines, size_t *used);
 *	unsigned smtp_ehlo_parse(const STRLIST *lines, long *size_limit);
 * DESCRIPTION
 *	smtpcli_open() takes a connected, non-blocking socket (netcli.h's
 *	port_connect_tcp()) to the host named peer (for messages and for
 *	certificate checks) and runs the session's start: the 220 greeting,
 *	EHLO (HELO when EHLO is refused with 5xx), STARTTLS when o->tls asks
 *	for it and the server offers it (all input buffered before the TLS
 *	handshake is discarded; EHLO is sent again under TLS), then AUTH
 *	when o->user is set and the server offers AUTH: PLAIN, else LOGIN,
 *	and only under TLS.  Credentials are never sent in the clear: when
 *	the server offers AUTH but the session is not under TLS (or offers
 *	neither PLAIN nor LOGIN) smtpcli_open() fails with why->reply.status
 *	4.7.10 (going on without AUTH would only have the mail refused); a
 *	server that offers no AUTH gets the mail without it.  The socket belongs to the SMTPCLI from then on, also when
 *	smtpcli_open() fails (it is closed).
 *
 *	o->tls: SMTPCLI_TLS_NO (never), SMTPCLI_TLS_MAY (when offered;
 *	maytlsclient) or SMTPCLI_TLS_MUST (musttlsclient: a server without
 *	STARTTLS, a refused STARTTLS or a failed handshake fails the
 *	connection).  o->tls_ctx is the client context (tlsio.h; it decides
 *	about certificate verification), o->tls_name the name the
 *	certificate must match.  Timeouts in milliseconds: o->greeting_ms
 *	for the 220, o->command_ms for each other reply, o->data_ms for each
 *	write of the message and for the reply to its final dot.
 *
 *	On failure smtpcli_open() returns NULL and fills why: why->reply the
 *	server's reply when it gave a bad one (code 0 when the connection
 *	broke or timed out), why->text a sentence naming the host and the
 *	stage, why->tls_failed when STARTTLS or its handshake failed (a
 *	caller with SMTPCLI_TLS_MAY may connect again without TLS, as
 *	Postfix does).
 *
 *	smtpcli_send() runs one mail transaction for m: MAIL FROM with SIZE=
 *	(when offered), BODY=8BITMIME (when m->eightbit and offered), RET=
 *	and ENVID= (when the server offers DSN); RCPT TO for each recipient,
 *	with NOTIFY= and ORCPT= when the server offers DSN (m->dsn_passed
 *	then says so); DATA and the message, dot-stuffed, with a final CRLF
 *	added when the message lacks one.  With PIPELINING the MAIL, every
 *	RCPT and DATA go out in one write (RFC 2920) and the replies are
 *	read in order; otherwise one command at a time, and no DATA when no
 *	recipient was accepted.  A message larger than the server's SIZE
 *	limit is not sent: every recipient gets a 552 5.3.4 made up here.
 *
 *	Each recipient's outcome is in m->rcpt[i].reply: the reply to MAIL
 *	when MAIL failed, else the reply to its RCPT when that was not 2xx,
 *	else the reply to the final dot (or to DATA when DATA failed).  Code
 *	0 means no reply (connection lost or timed out: err says at which
 *	stage); callers treat 0 and 4xx as temporary, 5xx as permanent.
 *	smtpcli_send() returns 0 when the connection can carry another
 *	transaction (after smtpcli_rset()), -1 when it is unusable.
 *
 *	SMTP_REPLY.text is the whole reply, every line, code included,
 *	joined with a space ("550 5.1.1 <x@y>: unknown user"), for logs and
 *	the Diagnostic-Code of DSNs; SMTP_REPLY.status is the enhanced
 *	status code given by the server (RFC 2034), or one made from the
 *	reply code (2.0.0, 4.0.0, 5.0.0).
 *
 *	smtpcli_rset() sends RSET between transactions on one connection (0
 *	or -1).  smtpcli_close() sends QUIT (waiting briefly for 221), closes
 *	the connection and frees c (NULL is harmless).  smtpcli_ext() gives
 *	the extensions the last EHLO offered (SMTPCLI_EXT_*),
 *	smtpcli_size_limit() the SIZE figure (0 when none), smtpcli_tls()
 *	and smtpcli_authenticated() whether the session is under TLS and
 *	authenticated, smtpcli_tls_info() "TLSv1.3 TLS_AES_256_GCM_SHA384"
 *	or "".
 *
 *	The parsing of what the server sends is pure and exposed (the
 *	client uses it on its input buffer; tests/fuzz/fz_smtpreply.c feeds
 *	it anything).  smtp_reply_parse() reads one reply at buf: lines
 *	ending in LF (a CR before it is dropped), each starting with the
 *	same three-digit code, 200 to 599 (RFC 5321 4.2), then "-" (more
 *	lines follow), " " or nothing (the last line).  It returns
 *	SMTP_REPLY_DONE with r filled, lines (may be NULL) holding each
 *	line's text after the code and *used the bytes taken;
 *	SMTP_REPLY_MORE when the reply is not complete yet; SMTP_REPLY_BAD
 *	for a malformed line; SMTP_REPLY_LONG for a reply over
 *	SMTPCLI_MAX_REPLY bytes or SMTPCLI_MAX_LINES lines (counted as they
 *	come, so a server cannot make the client buffer more).  In r->text
 *	and lines a control character other than HT is "?", so the text
 *	can go into logs and DSNs as it is.  r->status is the enhanced
 *	status code at the start of the first line's text when it is well
 *	formed (RFC 3463: the reply's class, subject and detail of 1 to 3
 *	digits), else made from the code; empty for a 3xx reply.
 *	smtp_ehlo_parse() gives the SMTPCLI_EXT_* bits of an EHLO reply's
 *	lines (the first, the server's name, is skipped) and the SIZE
 *	figure: 0 when none is given or it is not a number, LONG_MAX when
 *	it is larger.
 * DIAGNOSTICS
 *	Texts name the peer and the stage ("lost connection with
 *	mx.example.com [192.0.2.1] while sending RCPT TO", "timed out ...
 *	waiting for the greeting").  Replies longer than SMTPCLI_MAX_REPLY
 *	bytes or with a malformed code are protocol errors.
 */
#ifndef PMDF_SMTPCLI_H
#define PMDF_SMTPCLI_H
#include <stddef.h>
#include "str.h"
#include "strlist.h"
#include "tlsio.h"

#define SMTPCLI_TLS_NO		0
#define SMTPCLI_TLS_MAY		1
#define SMTPCLI_TLS_MUST	2

#define SMTPCLI_EXT_PIPELINING	0x01u
#define SMTPCLI_EXT_SIZE	0x02u
#define SMTPCLI_EXT_8BITMIME	0x04u
#define SMTPCLI_EXT_DSN		0x08u
#define SMTPCLI_EXT_STARTTLS	0x10u
#define SMTPCLI_EXT_AUTH_PLAIN	0x20u
#define SMTPCLI_EXT_AUTH_LOGIN	0x40u
#define SMTPCLI_EXT_ENHANCED	0x80u
#define SMTPCLI_EXT_AUTH	0x100u	/* AUTH, whatever the mechanisms */

#define SMTPCLI_MAX_REPLY	8192	/* bytes of one (multi-line) reply */
#define SMTPCLI_MAX_LINES	100	/* lines of one reply */

#define SMTP_REPLY_DONE	1	/* smtp_reply_parse() */
#define SMTP_REPLY_MORE	0
#define SMTP_REPLY_BAD	(-1)
#define SMTP_REPLY_LONG	(-2)

typedef struct SMTPCLI SMTPCLI;

typedef struct SMTP_REPLY {
    int     code;		/* 0: no reply */
    char    status[16];		/* "5.1.1" */
    STR     text;
} SMTP_REPLY;

typedef struct SMTPCLI_OPTS {
    const char *helo;
    int     tls;		/* SMTPCLI_TLS_* */
    TLS_CLIENT *tls_ctx;
    const char *tls_name;
    const char *user;		/* AUTH under TLS; NULL: no AUTH */
    const char *password;
    long    greeting_ms;
    long    command_ms;
    long    data_ms;
} SMTPCLI_OPTS;

typedef struct SMTPCLI_FAIL {
    SMTP_REPLY reply;
    STR     text;
    int     tls_failed;
} SMTPCLI_FAIL;

typedef struct SMTPCLI_RCPT {
    const char *addr;
    const char *orcpt;		/* "rfc822;addr" decoded, or "" */
    unsigned notify;		/* queue.h QUEUE_NOTIFY_* bits, 0: not given */
    SMTP_REPLY reply;		/* the outcome */
} SMTPCLI_RCPT;

typedef struct SMTPCLI_MSG {
    const char *from;		/* "" for <> */
    int     ret;		/* QUEUE_RET_* */
    const char *envid;		/* "" when none */
    const char *body;
    size_t  len;
    int     eightbit;		/* the body has bytes over 127 */
    SMTPCLI_RCPT *rcpt;
    size_t  nrcpt;
    int     dsn_passed;		/* out: the DSN parameters went to the server */
} SMTPCLI_MSG;

SMTPCLI *smtpcli_open(int fd, const char *peer, const SMTPCLI_OPTS *o, SMTPCLI_FAIL *why);
int smtpcli_send(SMTPCLI *c, SMTPCLI_MSG *m, STR *err);
int smtpcli_rset(SMTPCLI *c);
void smtpcli_close(SMTPCLI *c);
unsigned smtpcli_ext(const SMTPCLI *c);
long smtpcli_size_limit(const SMTPCLI *c);
int smtpcli_tls(const SMTPCLI *c);
int smtpcli_authenticated(const SMTPCLI *c);
const char *smtpcli_tls_info(const SMTPCLI *c);
void smtp_reply_free(SMTP_REPLY *r);
int smtp_reply_parse(const char *buf, size_t len, SMTP_REPLY *r, STRLIST *lines, size_t *used);
unsigned smtp_ehlo_parse(const STRLIST *lines, long *size_limit);
void smtpcli_fail_free(SMTPCLI_FAIL *f);

#endif
