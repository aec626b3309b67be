/*
 * NAME
 *	esmtp - ESMTP command arguments, xtext, and trace headers
 * SYNOPSIS
 *	#include "esmtp.h"
 *
 *	int esmtp_mail(const char *arg, ESMTP_MAIL *m, STR *reply);
 *	int esmtp_rcpt(const char *arg, ESMTP_RCPT *r, STR *reply);
 *	void esmtp_mail_free(ESMTP_MAIL *m);
 *	void esmtp_rcpt_free(ESMTP_RCPT *r);
 *	int xtext_decode(const char *text, size_t len, STR *out);
 *	void xtext_encode(const char *text, STR *out);
 *	void esmtp_date(long t, STR *out);
 *	void esmtp_received(const ESMTP_TRACE *tr, STR *out);
 * DESCRIPTION
 *	esmtp_mail() parses what follows "MAIL" ("FROM:<path> params"; one
 *	space after the colon is tolerated, as most servers do) and
 *	esmtp_rcpt() what follows "RCPT" ("TO:<path> params").  Parameters
 *	(case-blind keywords, each at most once): SIZE=n (RFC 1870),
 *	BODY=7BIT|8BITMIME (RFC 6152), RET=FULL|HDRS and ENVID=xtext (RFC
 *	3461), AUTH=xtext (RFC 4954), SMTPUTF8 (RFC 6531) for MAIL;
 *	NOTIFY=NEVER|SUCCESS,FAILURE,DELAY and ORCPT=type;xtext (RFC 3461;
 *	the type an atom of at most 64 bytes) for RCPT.  The path's address is checked with addr_parse() (the null
 *	path <> is allowed for MAIL only); a source route is kept.  Decoded
 *	values never contain CR, LF or NUL.
 *
 *	Both return 0, or the SMTP reply code for the error with reply set
 *	to the whole reply line ("501 5.5.4 Syntax: MAIL FROM:<address>",
 *	"555 5.5.4 Unsupported parameter FOO", "501 5.1.7 Bad sender
 *	address syntax: ...").  A reply quotes at most 64 bytes of a value
 *	the client sent, any byte but printable ASCII as "?", so it is one
 *	valid reply line (RFC 5321 4.2, at most 512 bytes) whatever was sent.
 *
 *	esmtp_received() writes a Received: header (RFC 5321 4.4, with the
 *	RFC 3848 protocol name ESMTP, ESMTPA, ESMTPS or ESMTPSA and the TLS
 *	details), folded, ending in CRLF.  esmtp_date() writes an RFC 5322
 *	date in UTC.
 */
#ifndef PMDF_ESMTP_H
#define PMDF_ESMTP_H
#include "str.h"

#define ESMTP_BODY_NONE	    0
#define ESMTP_BODY_7BIT	    1
#define ESMTP_BODY_8BITMIME 2

#define ESMTP_RET_NONE	0
#define ESMTP_RET_FULL	1
#define ESMTP_RET_HDRS	2

#define ESMTP_NOTIFY_NEVER   1u
#define ESMTP_NOTIFY_SUCCESS 2u
#define ESMTP_NOTIFY_FAILURE 4u
#define ESMTP_NOTIFY_DELAY   8u

#define ESMTP_PARAM_MAX	500	/* bytes of one decoded parameter value */

typedef struct ESMTP_MAIL {
    STR     from;		/* the address without <>; "" for the null path */
    long    size;		/* SIZE=, or -1 */
    int     body;		/* ESMTP_BODY_* */
    int     ret;		/* ESMTP_RET_* */
    STR     envid;		/* decoded ENVID */
    STR     auth;		/* decoded AUTH= ("<>" when given so) */
    int     smtputf8;
} ESMTP_MAIL;

typedef struct ESMTP_RCPT {
    STR     to;			/* the address without <> */
    unsigned notify;		/* ESMTP_NOTIFY_* bits, 0 when not given */
    STR     orcpt;		/* "rfc822;address", decoded, or empty */
} ESMTP_RCPT;

typedef struct ESMTP_TRACE {
    const char *helo;		/* what the client said in EHLO/HELO */
    const char *client_addr;	/* its IP address */
    const char *by;		/* our official host name */
    const char *id;		/* queue id */
    const char *for_addr;	/* the recipient when there is one, else NULL */
    int     authenticated;
    const char *tls_protocol;	/* NULL without TLS */
    const char *tls_cipher;
    int     tls_bits;
    long    when;		/* seconds since the epoch */
} ESMTP_TRACE;

int esmtp_mail(const char *arg, ESMTP_MAIL *m, STR *reply);
int esmtp_rcpt(const char *arg, ESMTP_RCPT *r, STR *reply);
void esmtp_mail_free(ESMTP_MAIL *m);
void esmtp_rcpt_free(ESMTP_RCPT *r);
int xtext_decode(const char *text, size_t len, STR *out);
void xtext_encode(const char *text, STR *out);
void esmtp_date(long t, STR *out);
void esmtp_received(const ESMTP_TRACE *tr, STR *out);

#endif
