/*
 * NAME
 *	dsn - delivery status notifications (see dsn.h)
 */
#include <string.h>
#include <openssl/rand.h>
#include "dsn.h"
#include "esmtp.h"
#include "queue.h"

int     dsn_wanted(const char *from, unsigned notify, int action)
{
    if (from == NULL || *from == 0 || (notify & QUEUE_NOTIFY_NEVER))
	return 0;
    switch (action) {
    case DSN_FAILED:
	return notify == 0 || (notify & QUEUE_NOTIFY_FAILURE) != 0;
    case DSN_DELAYED:
	return (notify & QUEUE_NOTIFY_DELAY) != 0;
    case DSN_DELIVERED:
    case DSN_RELAYED:
    case DSN_EXPANDED:
	return (notify & QUEUE_NOTIFY_SUCCESS) != 0;
    default:
	return 0;
    }
}

/* Does the byte string p (not NUL-terminated) contain text? */
static int contains(const char *p, size_t len, const char *text)
{
    size_t  n = strlen(text), i;

    for (i = 0; n <= len && i <= len - n; i++)
	if (p[i] == text[0] && memcmp(p + i, text, n) == 0)
	    return 1;
    return 0;
}

void    dsn_from_message(DSN_MSG *d, const QMESSAGE *m, const char *host, int64_t now,
			         STR *msgid, STR *boundary)
{
    unsigned char rnd[12];
    STR     hex = STR_INIT;
    size_t  i;
    int     tries = 0;

    memset(d, 0, sizeof(*d));
    d->host = host;
    d->to = STR_C(m->env.from);
    d->envid = STR_C(m->env.envid);
    d->arrival = m->env.created;
    d->ret = m->env.ret;
    d->body = m->body;
    d->body_len = m->body_len;
    d->now = now;
    do {
	memset(rnd, 0, sizeof(rnd));
	if (RAND_bytes(rnd, (int) sizeof(rnd)) != 1)	/* no entropy: still unique enough */
	    memcpy(rnd, &now, sizeof(now) < sizeof(rnd) ? sizeof(now) : sizeof(rnd));
	str_reset(&hex);
	for (i = 0; i < sizeof(rnd); i++)
	    str_catf(&hex, "%02x", rnd[i]);
	str_printf(boundary, "%s/%s", STR_C(hex), host);
    } while (contains(m->body, m->body_len, STR_C(*boundary)) && ++tries < 10);
    str_printf(msgid, "<%s.dsn@%s>", STR_C(hex), host);
    d->msgid = STR_C(*msgid);
    d->boundary = STR_C(*boundary);
    str_free(&hex);
}

const char *dsn_action_name(int action)
{
    switch (action) {
    case DSN_FAILED:
	return "failed";
    case DSN_DELAYED:
	return "delayed";
    case DSN_DELIVERED:
	return "delivered";
    case DSN_RELAYED:
	return "relayed";
    case DSN_EXPANDED:
	return "expanded";
    default:
	return "failed";
    }
}

/* A field value: controls (CR, LF, ...) become spaces, length bounded. */
static void clean(STR *out, const char *s)
{
    size_t  n;

    for (n = 0; s && *s && n < 2000; s++, n++)
	str_catc(out, (unsigned char) *s < 32 || *s == 127 ? ' ' : *s);
}

static void date(STR *out, const char *name, int64_t t)
{
    STR     d = STR_INIT;

    esmtp_date((long) t, &d);
    str_catf(out, "%s: %s\r\n", name, STR_C(d));
    str_free(&d);
}

static int has_8bit(const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++)
	if ((unsigned char) p[i] > 127)
	    return 1;
    return 0;
}

/* The header section of the original: up to the empty line, or all of it. */
static size_t header_len(const char *p, size_t n)
{
    size_t  i;

    if (n >= 2 && p[0] == '\r' && p[1] == '\n')
	return 0;
    for (i = 0; i + 3 < n; i++)
	if (memcmp(p + i, "\r\n\r\n", 4) == 0)
	    return i + 2;
    return n;
}

static int gravest(const DSN_MSG *d)
{
    size_t  i;
    int     a = DSN_DELIVERED;

    for (i = 0; i < d->nrcpt; i++) {
	if (d->rcpt[i].action == DSN_FAILED)
	    return DSN_FAILED;
	if (d->rcpt[i].action == DSN_DELAYED)
	    a = DSN_DELAYED;
    }
    return a;
}

static void human_part(const DSN_MSG *d, int worst, STR *out)
{
    size_t  i;

    str_cat(out, "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Description: Notification\r\n\r\n");
    str_catf(out, "This is the mail system at host %s.\r\n\r\n", d->host);
    if (worst == DSN_FAILED)
	str_cat(out, "I'm sorry to have to inform you that your message could not\r\n"
		"be delivered to one or more recipients.  It is attached below.\r\n");
    else if (worst == DSN_DELAYED)
	str_cat(out, "Your message could not be delivered yet to one or more\r\n"
		"recipients.  It will be tried again; no action is needed.\r\n");
    else
	str_cat(out, "Your message was delivered as you asked to be told.\r\n");
    str_cat(out, "\r\n");
    for (i = 0; i < d->nrcpt; i++) {
	const DSN_RCPT *r = &d->rcpt[i];

	str_catf(out, "<");
	clean(out, r->addr);
	str_catf(out, ">: %s", dsn_action_name(r->action));
	if (r->diag && *r->diag) {
	    str_cat(out, ": ");
	    if (r->remote_mta && *r->remote_mta) {
		str_cat(out, "host ");
		clean(out, r->remote_mta);
		str_cat(out, " said: ");
	    }
	    clean(out, r->diag);
	}
	str_cat(out, "\r\n");
    }
}

static void status_part(const DSN_MSG *d, STR *out)
{
    STR     x = STR_INIT;
    size_t  i;

    str_cat(out, "Content-Type: message/delivery-status\r\n"
	    "Content-Description: Delivery report\r\n\r\n");
    str_catf(out, "Reporting-MTA: dns; %s\r\n", d->host);
    if (d->envid && *d->envid) {
	xtext_encode(d->envid, &x);
	str_catf(out, "Original-Envelope-Id: %s\r\n", STR_C(x));
    }
    date(out, "Arrival-Date", d->arrival);
    for (i = 0; i < d->nrcpt; i++) {
	const DSN_RCPT *r = &d->rcpt[i];

	str_cat(out, "\r\n");
	if (r->orcpt && strchr(r->orcpt, ';')) {
	    str_cat(out, "Original-Recipient: ");
	    clean(out, r->orcpt);
	    str_cat(out, "\r\n");
	}
	str_cat(out, "Final-Recipient: rfc822;");
	clean(out, r->addr);
	str_catf(out, "\r\nAction: %s\r\nStatus: ", dsn_action_name(r->action));
	clean(out, r->status);
	str_cat(out, "\r\n");
	if (r->remote_mta && *r->remote_mta) {
	    str_cat(out, "Remote-MTA: dns; ");
	    clean(out, r->remote_mta);
	    str_cat(out, "\r\n");
	}
	if (r->diag && *r->diag) {
	    str_cat(out, r->diag_smtp ? "Diagnostic-Code: smtp; " : "Diagnostic-Code: x-pmdf; ");
	    clean(out, r->diag);
	    str_cat(out, "\r\n");
	}
	if (r->last_attempt)
	    date(out, "Last-Attempt-Date", r->last_attempt);
	if (r->action == DSN_DELAYED && r->retry_until)
	    date(out, "Will-Retry-Until", r->retry_until);
    }
    str_free(&x);
}

void    dsn_compose(const DSN_MSG *d, STR *out)
{
    int     worst = gravest(d), eight = has_8bit(d->body, d->body_len);
    size_t  hl;

    str_reset(out);
    date(out, "Date", d->now);
    str_catf(out, "From: Mail Delivery System <postmaster@%s>\r\n", d->host);
    str_cat(out, "To: <");
    clean(out, d->to);
    str_cat(out, ">\r\n");
    str_catf(out, "Subject: %s\r\n", worst == DSN_FAILED ? "Undelivered Mail Returned to Sender"
	     : worst == DSN_DELAYED ? "Delayed Mail (still being retried)"
	     : "Successful Mail Delivery Report");
    str_catf(out, "Message-ID: %s\r\n", d->msgid);
    str_cat(out, "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n");
    str_catf(out, "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	     "\tboundary=\"%s\"\r\n", d->boundary);
    if (eight)
	str_cat(out, "Content-Transfer-Encoding: 8bit\r\n");
    str_cat(out, "\r\nThis is a MIME-encapsulated message.\r\n\r\n");
    str_catf(out, "--%s\r\n", d->boundary);
    human_part(d, worst, out);
    str_catf(out, "\r\n--%s\r\n", d->boundary);
    status_part(d, out);
    str_catf(out, "\r\n--%s\r\n", d->boundary);
    if (d->ret == QUEUE_RET_HDRS) {
	hl = header_len(d->body, d->body_len);
	str_cat(out, "Content-Type: text/rfc822-headers\r\n");
	if (eight && has_8bit(d->body, hl))
	    str_cat(out, "Content-Transfer-Encoding: 8bit\r\n");
	str_cat(out, "Content-Description: Headers of the undelivered message\r\n\r\n");
	str_catn(out, d->body, hl);
    } else {
	str_cat(out, "Content-Type: message/rfc822\r\n");
	if (eight)
	    str_cat(out, "Content-Transfer-Encoding: 8bit\r\n");
	str_cat(out, "Content-Description: The message\r\n\r\n");
	str_catn(out, d->body, d->body_len);
	if (d->body_len >= 2 && memcmp(d->body + d->body_len - 2, "\r\n", 2) != 0)
	    str_cat(out, "\r\n");
    }
    str_catf(out, "\r\n--%s--\r\n", d->boundary);
}
