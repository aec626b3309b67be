/*
 * NAME
 *	smtpcli - the SMTP client (see smtpcli.h)
 * DESCRIPTION
 *	Blocking in behaviour, non-blocking underneath: every read and
 *	write waits with port_wait_fd() for at most the stage's timeout, so
 *	a silent server costs a bounded time.  Input is kept in c->in from
 *	c->pos on; a reply is taken line by line from it.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "smtpcli.h"
#include "netcli.h"
#include "esmtp.h"
#include "queue.h"
#include "sasl.h"
#include "mem.h"

#define QUIT_MS		5000
#define CHUNK		65536

struct SMTPCLI {
    int     fd;
    TLS_CONN *tls;
    STR     peer;
    STR     in;
    size_t  pos;
    unsigned ext;
    long    size_limit;
    int     authenticated;
    int     dead;
    STR     tls_info;
    SMTPCLI_OPTS o;
};

void    smtp_reply_free(SMTP_REPLY *r)
{
    str_free(&r->text);
    memset(r, 0, sizeof(*r));
}

void    smtpcli_fail_free(SMTPCLI_FAIL *f)
{
    smtp_reply_free(&f->reply);
    str_free(&f->text);
    f->tls_failed = 0;
}

/* ---- input and output ------------------------------------------------ */

/* Writes everything or fails (-1, err set). */
static int cli_write(SMTPCLI *c, const char *p, size_t n, long ms, const char *stage, STR *err)
{
    STR     terr = STR_INIT;
    long    put;
    int     want, w;

    while (n > 0) {
	want = 0;
	if (c->tls) {
	    put = tls_write(c->tls, p, n, &want, &terr);
	} else {
	    put = (long) write(c->fd, p, n);
	    if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		want = TLS_WANT_WRITE;
	}
	if (put > 0) {
	    p += put;
	    n -= (size_t) put;
	    continue;
	}
	if (put < 0 && want) {
	    w = port_wait_fd(c->fd, want == TLS_WANT_WRITE, ms);
	    if (w > 0)
		continue;
	    str_printf(err, "%s %s: %s", w == 0 ? "timed out on" : "lost connection with",
		       STR_C(c->peer), stage);
	} else {
	    str_printf(err, "lost connection with %s %s%s%s", STR_C(c->peer), stage,
		       terr.len ? ": " : "", c->tls ? STR_C(terr) : strerror(errno));
	}
	str_free(&terr);
	c->dead = 1;
	return -1;
    }
    str_free(&terr);
    return 0;
}

/*
 * Reads more input; -1 with err on close, error or time-out.  The replies
 * already taken go first: c->in holds the reply being read (at most
 * SMTPCLI_MAX_REPLY bytes, smtp_reply_parse() sees to it) and one read,
 * however long the connection lives.
 */
static int cli_fill(SMTPCLI *c, long ms, const char *stage, STR *err)
{
    char    buf[16384];
    STR     terr = STR_INIT;
    long    got;
    int     want, w;

    if (c->pos > 0) {
	memmove(c->in.s, c->in.s + c->pos, c->in.len - c->pos);
	str_truncate(&c->in, c->in.len - c->pos);
	c->pos = 0;
    }
    for (;;) {
	want = 0;
	if (c->tls) {
	    got = tls_read(c->tls, buf, sizeof(buf), &want, &terr);
	} else {
	    got = (long) read(c->fd, buf, sizeof(buf));
	    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		want = TLS_WANT_READ;
	}
	if (got > 0) {
	    str_catn(&c->in, buf, (size_t) got);
	    str_free(&terr);
	    return 0;
	}
	if (got < 0 && want) {
	    w = port_wait_fd(c->fd, want == TLS_WANT_WRITE, ms);
	    if (w > 0)
		continue;
	    str_printf(err, "%s %s %s", w == 0 ? "timed out talking to" : "lost connection with",
		       STR_C(c->peer), stage);
	} else if (got == 0) {
	    str_printf(err, "lost connection with %s %s (the server closed it)",
		       STR_C(c->peer), stage);
	} else {
	    str_printf(err, "lost connection with %s %s: %s", STR_C(c->peer), stage,
		       c->tls ? STR_C(terr) : strerror(errno));
	}
	str_free(&terr);
	c->dead = 1;
	return -1;
    }
}

/* ---- replies (pure: no connection) ------------------------------------ */

/* n digits (1 to max) at p, or 0. */
static size_t status_part(const char *p, size_t max)
{
    size_t  n = 0;

    while (n <= max && p[n] >= '0' && p[n] <= '9')
	n++;
    return n >= 1 && n <= max ? n : 0;
}

/*
 * The enhanced status code (RFC 3463 class.subject.detail, the class
 * that of the reply code, subject and detail 1 to 3 digits) at the
 * start of the first line's text, else one made from the code; none
 * for a 3xx reply, which has no class of its own.
 */
static void make_status(SMTP_REPLY *r, const char *first)
{
    const char *p = first + 4;
    size_t  a, b;

    r->status[0] = 0;
    if (first[0] == '3')
	return;
    if (strlen(first) > 4 && p[0] == first[0] && p[1] == '.'
	&& (a = status_part(p + 2, 3)) > 0 && p[2 + a] == '.'
	&& (b = status_part(p + 3 + a, 3)) > 0 && (p[3 + a + b] == ' ' || p[3 + a + b] == 0)) {
	memcpy(r->status, p, 3 + a + b);
	r->status[3 + a + b] = 0;
	return;
    }
    snprintf(r->status, sizeof(r->status), "%c.0.0", first[0]);
}

/* A line's code: three digits, the first 2 to 5 (RFC 5321 4.2). */
static int reply_code_ok(const char *line, size_t len)
{
    return len >= 3 && line[0] >= '2' && line[0] <= '5' && isdigit((unsigned char) line[1])
	&& isdigit((unsigned char) line[2]) && (len == 3 || line[3] == ' ' || line[3] == '-');
}

/* Appends n bytes of reply text; control characters (but HT) become "?". */
static void reply_text(STR *out, const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++)
	str_catc(out, ((unsigned char) p[i] < 32 && p[i] != '\t') || p[i] == 127 ? '?' : p[i]);
}

int     smtp_reply_parse(const char *buf, size_t len, SMTP_REPLY *r, STRLIST *lines,
			         size_t *used)
{
    const char *line, *nl;
    size_t  pos = 0, n, total = 0;
    int     count = 0, last = 0;

    smtp_reply_free(r);
    if (lines)
	strlist_reset(lines);
    while (!last) {
	line = buf + pos;
	if ((nl = memchr(line, '\n', len - pos)) == NULL) {
	    /* A line end may still come: within the limits, wait for it. */
	    n = len - pos;
	    if (n > 0 && line[n - 1] == '\r')
		n--;
	    if (total + n > SMTPCLI_MAX_REPLY)
		goto too_long;
	    smtp_reply_free(r);
	    if (lines)
		strlist_reset(lines);
	    return SMTP_REPLY_MORE;
	}
	n = (size_t) (nl - line);
	pos += n + 1;
	if (n > 0 && line[n - 1] == '\r')
	    n--;
	total += n;
	if (total > SMTPCLI_MAX_REPLY || ++count > SMTPCLI_MAX_LINES)
	    goto too_long;
	if (!reply_code_ok(line, n) || (count > 1 && memcmp(line, r->text.s, 3) != 0)) {
	    smtp_reply_free(r);
	    if (lines)
		strlist_reset(lines);
	    return SMTP_REPLY_BAD;
	}
	last = n == 3 || line[3] == ' ';
	if (count == 1)
	    reply_text(&r->text, line, n);
	else {
	    str_catc(&r->text, ' ');
	    reply_text(&r->text, line + (n > 4 ? 4 : n), n > 4 ? n - 4 : 0);
	}
	if (lines) {
	    STR     t = STR_INIT;

	    reply_text(&t, line + (n > 4 ? 4 : n), n > 4 ? n - 4 : 0);
	    strlist_addn(lines, STR_C(t), t.len);
	    str_free(&t);
	}
    }
    r->code = atoi(r->text.s);
    make_status(r, STR_C(r->text));
    *used = pos;
    return SMTP_REPLY_DONE;
  too_long:
    smtp_reply_free(r);
    if (lines)
	strlist_reset(lines);
    return SMTP_REPLY_LONG;
}

/* The figure of "SIZE n": 0 when none or not a number, at most LONG_MAX. */
static long ehlo_size(const char *p)
{
    long    v = 0;

    if (*p == 0 || strspn(p, "0123456789") != strlen(p))
	return 0;
    for (; *p; p++) {
	if (v > (LONG_MAX - (*p - '0')) / 10)
	    return LONG_MAX;
	v = v * 10 + (*p - '0');
    }
    return v;
}

unsigned smtp_ehlo_parse(const STRLIST *lines, long *size_limit)
{
    unsigned ext = 0;
    size_t  i;
    const char *l;

    *size_limit = 0;
    for (i = 1; i < lines->n; i++) {
	l = lines->v[i];
	if (strcasecmp(l, "PIPELINING") == 0)
	    ext |= SMTPCLI_EXT_PIPELINING;
	else if (strncasecmp(l, "SIZE", 4) == 0 && (l[4] == 0 || l[4] == ' ')) {
	    ext |= SMTPCLI_EXT_SIZE;
	    *size_limit = l[4] ? ehlo_size(l + 5) : 0;
	} else if (strcasecmp(l, "8BITMIME") == 0)
	    ext |= SMTPCLI_EXT_8BITMIME;
	else if (strcasecmp(l, "DSN") == 0)
	    ext |= SMTPCLI_EXT_DSN;
	else if (strcasecmp(l, "STARTTLS") == 0)
	    ext |= SMTPCLI_EXT_STARTTLS;
	else if (strcasecmp(l, "ENHANCEDSTATUSCODES") == 0)
	    ext |= SMTPCLI_EXT_ENHANCED;
	else if (strncasecmp(l, "AUTH", 4) == 0 && (l[4] == ' ' || l[4] == '=')) {
	    STR     up = STR_INIT;

	    ext |= SMTPCLI_EXT_AUTH;
	    str_printf(&up, " %s ", l + 5);
	    str_upper(&up);
	    if (strstr(STR_C(up), " PLAIN "))
		ext |= SMTPCLI_EXT_AUTH_PLAIN;
	    if (strstr(STR_C(up), " LOGIN "))
		ext |= SMTPCLI_EXT_AUTH_LOGIN;
	    str_free(&up);
	}
    }
    return ext;
}

/* ---- replies from the connection ---------------------------------------- */

/*
 * One reply, every line; lines (may be NULL) receives each line's text
 * after the code.  -1 with err on a broken connection or bad syntax.
 */
static int cli_reply(SMTPCLI *c, SMTP_REPLY *r, STRLIST *lines, long ms, const char *stage,
		     STR *err)
{
    size_t  used = 0;
    int     rc;

    for (;;) {
	rc = smtp_reply_parse(c->in.s ? c->in.s + c->pos : "", c->in.len - c->pos, r, lines,
			      &used);
	if (rc == SMTP_REPLY_DONE)
	    break;
	if (rc != SMTP_REPLY_MORE) {
	    if (rc == SMTP_REPLY_LONG)
		str_printf(err, "protocol error: %s sent a reply over %d bytes or %d lines %s",
			   STR_C(c->peer), SMTPCLI_MAX_REPLY, SMTPCLI_MAX_LINES, stage);
	    else
		str_printf(err, "protocol error: %s sent a malformed reply %s", STR_C(c->peer),
			   stage);
	    c->dead = 1;
	    return -1;
	}
	if (cli_fill(c, ms, stage, err) < 0)
	    return -1;
    }
    c->pos += used;
    return 0;
}

/* Sends a command line (CRLF added) and reads the reply. */
static int cli_command(SMTPCLI *c, const char *cmd, SMTP_REPLY *r, STRLIST *lines,
		       const char *stage, STR *err)
{
    STR     line = STR_INIT;
    int     rc;

    str_printf(&line, "%s\r\n", cmd);
    rc = cli_write(c, line.s, line.len, c->o.command_ms, stage, err);
    str_free(&line);
    if (rc < 0)
	return -1;
    return cli_reply(c, r, lines, c->o.command_ms, stage, err);
}

/* ---- the session's start ---------------------------------------------- */

/* EHLO, else HELO; -1 with why filled. */
static int cli_hello(SMTPCLI *c, SMTPCLI_FAIL *why)
{
    STRLIST lines = STRLIST_INIT;
    STR     cmd = STR_INIT;
    int     rc;

    str_printf(&cmd, "EHLO %s", c->o.helo);
    rc = cli_command(c, STR_C(cmd), &why->reply, &lines, "after EHLO", &why->text);
    if (rc == 0 && why->reply.code / 100 == 5) {
	str_printf(&cmd, "HELO %s", c->o.helo);
	strlist_reset(&lines);
	rc = cli_command(c, STR_C(cmd), &why->reply, NULL, "after HELO", &why->text);
	c->ext = 0;
    } else if (rc == 0 && why->reply.code / 100 == 2) {
	c->ext = smtp_ehlo_parse(&lines, &c->size_limit);
    }
    if (rc == 0 && why->reply.code / 100 != 2) {
	str_printf(&why->text, "%s refused EHLO/HELO: %s", STR_C(c->peer),
		   STR_C(why->reply.text));
	rc = -1;
    }
    strlist_free(&lines);
    str_free(&cmd);
    return rc;
}

static int cli_starttls(SMTPCLI *c, SMTPCLI_FAIL *why)
{
    STR     err = STR_INIT;
    int     rc, w;

    if (cli_command(c, "STARTTLS", &why->reply, NULL, "after STARTTLS", &why->text) < 0)
	return -1;
    if (why->reply.code != 220) {
	if (c->o.tls == SMTPCLI_TLS_MAY)
	    return 0;			/* opportunistic: go on in plain text */
	str_printf(&why->text, "%s refused STARTTLS (%s) and the channel requires TLS"
		   " (musttlsclient)", STR_C(c->peer), STR_C(why->reply.text));
	why->tls_failed = 1;
	return -1;
    }
    /* RFC 3207: nothing read before the handshake may be used after it. */
    str_reset(&c->in);
    c->pos = 0;
    if ((c->tls = tls_conn_client(c->o.tls_ctx, c->fd, c->o.tls_name, &err)) == NULL)
	goto fail;
    for (;;) {
	rc = tls_handshake(c->tls, &err);
	if (rc == TLS_OK)
	    break;
	if (rc == TLS_ERR)
	    goto fail;
	w = port_wait_fd(c->fd, rc == TLS_WANT_WRITE, c->o.command_ms);
	if (w <= 0) {
	    str_printf(&err, "timed out in the TLS handshake");
	    goto fail;
	}
    }
    str_printf(&c->tls_info, "%s %s", tls_protocol(c->tls), tls_cipher(c->tls));
    str_free(&err);
    smtp_reply_free(&why->reply);
    return cli_hello(c, why);
  fail:
    str_printf(&why->text, "TLS with %s failed: %s", STR_C(c->peer), STR_C(err));
    why->tls_failed = 1;
    c->dead = 1;
    str_free(&err);
    return -1;
}

static int cli_auth(SMTPCLI *c, SMTPCLI_FAIL *why)
{
    STR     raw = STR_INIT, b64 = STR_INIT, cmd = STR_INIT;
    int     rc = -1;

    if (c->o.user == NULL || !(c->ext & SMTPCLI_EXT_AUTH))
	return 0;			/* no credentials, or the server takes no AUTH */
    if (c->tls == NULL || !(c->ext & (SMTPCLI_EXT_AUTH_PLAIN | SMTPCLI_EXT_AUTH_LOGIN))) {
	/*
	 * The server wants AUTH and we have credentials, but may not send
	 * them: never in the clear, and only by PLAIN or LOGIN.  Going on
	 * without AUTH would have the mail refused (530) and returned, so
	 * this host fails for now (Postfix: "no mechanism available").
	 */
	why->reply.code = 0;
	snprintf(why->reply.status, sizeof(why->reply.status), "4.7.10");
	str_printf(&why->text, c->tls == NULL
		   ? "%s offers AUTH but the session is not under TLS: the password for %s"
		   " is not sent in the clear (use maytlsclient or musttlsclient)"
		   : "%s offers no AUTH mechanism this client uses (PLAIN, LOGIN) for %s",
		   STR_C(c->peer), c->o.user);
	return -1;
    }
    if (c->ext & SMTPCLI_EXT_AUTH_PLAIN) {
	str_catc(&raw, 0);
	str_cat(&raw, c->o.user);
	str_catc(&raw, 0);
	str_cat(&raw, c->o.password ? c->o.password : "");
	sasl_b64_encode((const unsigned char *) raw.s, raw.len, &b64);
	str_printf(&cmd, "AUTH PLAIN %s", STR_C(b64));
	if (cli_command(c, STR_C(cmd), &why->reply, NULL, "after AUTH", &why->text) < 0)
	    goto out;
    } else {
	if (cli_command(c, "AUTH LOGIN", &why->reply, NULL, "after AUTH", &why->text) < 0)
	    goto out;
	if (why->reply.code == 334) {
	    sasl_b64_encode((const unsigned char *) c->o.user, strlen(c->o.user), &b64);
	    if (cli_command(c, STR_C(b64), &why->reply, NULL, "after AUTH", &why->text) < 0)
		goto out;
	}
	if (why->reply.code == 334) {
	    const char *pw = c->o.password ? c->o.password : "";

	    sasl_b64_encode((const unsigned char *) pw, strlen(pw), &b64);
	    if (cli_command(c, STR_C(b64), &why->reply, NULL, "after AUTH", &why->text) < 0)
		goto out;
	}
    }
    if (why->reply.code == 235) {
	c->authenticated = 1;
	rc = 0;
    } else {
	str_printf(&why->text, "%s refused AUTH for %s: %s", STR_C(c->peer), c->o.user,
		   STR_C(why->reply.text));
    }
  out:
    str_free(&raw);
    str_free(&b64);
    str_free(&cmd);
    return rc;
}

SMTPCLI *smtpcli_open(int fd, const char *peer, const SMTPCLI_OPTS *o, SMTPCLI_FAIL *why)
{
    SMTPCLI *c = mem_calloc(1, sizeof(*c));

    smtpcli_fail_free(why);
    c->fd = fd;
    c->o = *o;
    str_cpy(&c->peer, peer);
    if (cli_reply(c, &why->reply, NULL, o->greeting_ms, "waiting for the greeting",
		  &why->text) < 0)
	goto fail;
    if (why->reply.code != 220) {
	str_printf(&why->text, "%s greeted with %s", peer, STR_C(why->reply.text));
	goto fail;
    }
    if (cli_hello(c, why) < 0)
	goto fail;
    if (o->tls != SMTPCLI_TLS_NO && (c->ext & SMTPCLI_EXT_STARTTLS)) {
	if (cli_starttls(c, why) < 0)
	    goto fail;
    } else if (o->tls == SMTPCLI_TLS_MUST) {
	str_printf(&why->text, "%s does not offer STARTTLS and the channel requires TLS"
		   " (musttlsclient)", peer);
	why->tls_failed = 1;
	goto fail;
    }
    if (cli_auth(c, why) < 0)
	goto fail;
    smtp_reply_free(&why->reply);
    return c;
  fail:
    c->dead = 1;
    smtpcli_close(c);
    return NULL;
}

/* ---- transactions ------------------------------------------------------- */

static void mail_command(const SMTPCLI *c, const SMTPCLI_MSG *m, STR *out)
{
    STR     x = STR_INIT;

    str_catf(out, "MAIL FROM:<%s>", m->from);
    if (c->ext & SMTPCLI_EXT_SIZE)
	str_catf(out, " SIZE=%lu", (unsigned long) m->len);
    if (m->eightbit && (c->ext & SMTPCLI_EXT_8BITMIME))
	str_cat(out, " BODY=8BITMIME");
    if (c->ext & SMTPCLI_EXT_DSN) {
	if (m->ret == QUEUE_RET_FULL || m->ret == QUEUE_RET_HDRS)
	    str_cat(out, m->ret == QUEUE_RET_FULL ? " RET=FULL" : " RET=HDRS");
	if (m->envid && *m->envid) {
	    xtext_encode(m->envid, &x);
	    str_catf(out, " ENVID=%s", STR_C(x));
	}
    }
    str_cat(out, "\r\n");
    str_free(&x);
}

static void rcpt_command(const SMTPCLI *c, const SMTPCLI_RCPT *r, STR *out)
{
    STR     x = STR_INIT;
    const char *semi;
    int     n = 0;

    str_catf(out, "RCPT TO:<%s>", r->addr);
    if (c->ext & SMTPCLI_EXT_DSN) {
	if (r->notify) {
	    str_cat(out, " NOTIFY=");
	    if (r->notify & QUEUE_NOTIFY_NEVER)
		str_cat(out, "NEVER");
	    if (r->notify & QUEUE_NOTIFY_SUCCESS)
		str_catf(out, "%sSUCCESS", n++ ? "," : "");
	    if (r->notify & QUEUE_NOTIFY_FAILURE)
		str_catf(out, "%sFAILURE", n++ ? "," : "");
	    if (r->notify & QUEUE_NOTIFY_DELAY)
		str_catf(out, "%sDELAY", n++ ? "," : "");
	}
	if (r->orcpt && (semi = strchr(r->orcpt, ';')) != NULL && semi[1]) {
	    xtext_encode(semi + 1, &x);
	    str_catf(out, " ORCPT=%.*s;%s", (int) (semi - r->orcpt), r->orcpt, STR_C(x));
	}
    }
    str_cat(out, "\r\n");
    str_free(&x);
}

/* Writes the message dot-stuffed, then the final dot. */
static int send_body(SMTPCLI *c, const SMTPCLI_MSG *m, STR *err)
{
    STR     out = STR_INIT;
    const char *p = m->body, *end = m->body + m->len, *nl;
    int     rc = 0;

    while (p < end && rc == 0) {
	nl = memchr(p, '\n', (size_t) (end - p));
	nl = nl ? nl + 1 : end;
	if (*p == '.')
	    str_catc(&out, '.');
	str_catn(&out, p, (size_t) (nl - p));
	p = nl;
	if (out.len >= CHUNK) {
	    rc = cli_write(c, out.s, out.len, c->o.data_ms, "while sending the message", err);
	    str_reset(&out);
	}
    }
    if (m->len > 0 && (m->len < 2 || memcmp(end - 2, "\r\n", 2) != 0))
	str_cat(&out, "\r\n");
    str_cat(&out, ".\r\n");
    if (rc == 0)
	rc = cli_write(c, out.s, out.len, c->o.data_ms, "while sending the message", err);
    str_free(&out);
    return rc;
}

static void set_reply(SMTP_REPLY *dst, const SMTP_REPLY *src)
{
    dst->code = src->code;
    memcpy(dst->status, src->status, sizeof(dst->status));
    str_cpy(&dst->text, STR_C(src->text));
}

static void set_lost(SMTPCLI_MSG *m, const STR *err)
{
    size_t  i;

    for (i = 0; i < m->nrcpt; i++) {
	if (m->rcpt[i].reply.code == 0 || m->rcpt[i].reply.code / 100 == 2) {
	    m->rcpt[i].reply.code = 0;
	    snprintf(m->rcpt[i].reply.status, sizeof(m->rcpt[i].reply.status), "4.4.2");
	    str_cpy(&m->rcpt[i].reply.text, STR_C(*err));
	}
    }
}

int     smtpcli_send(SMTPCLI *c, SMTPCLI_MSG *m, STR *err)
{
    SMTP_REPLY mail, data, fin;
    STR     buf = STR_INIT;
    size_t  i, accepted = 0;
    int     pipe = (c->ext & SMTPCLI_EXT_PIPELINING) != 0, rc = -1;

    memset(&mail, 0, sizeof(mail));
    memset(&data, 0, sizeof(data));
    memset(&fin, 0, sizeof(fin));
    m->dsn_passed = (c->ext & SMTPCLI_EXT_DSN) != 0;
    for (i = 0; i < m->nrcpt; i++)
	smtp_reply_free(&m->rcpt[i].reply);
    if (c->dead) {
	str_printf(err, "the connection with %s is closed", STR_C(c->peer));
	set_lost(m, err);
	return -1;
    }
    if (c->size_limit > 0 && (unsigned long) m->len > (unsigned long) c->size_limit) {
	for (i = 0; i < m->nrcpt; i++) {
	    m->rcpt[i].reply.code = 552;
	    snprintf(m->rcpt[i].reply.status, sizeof(m->rcpt[i].reply.status), "5.3.4");
	    str_printf(&m->rcpt[i].reply.text, "552 5.3.4 message size %lu exceeds the limit"
		       " of %ld bytes of %s", (unsigned long) m->len, c->size_limit,
		       STR_C(c->peer));
	}
	return 0;
    }
    mail_command(c, m, &buf);
    if (pipe) {
	for (i = 0; i < m->nrcpt; i++)
	    rcpt_command(c, &m->rcpt[i], &buf);
	str_cat(&buf, "DATA\r\n");
    }
    if (cli_write(c, buf.s, buf.len, c->o.command_ms, "while sending MAIL FROM", err) < 0
	|| cli_reply(c, &mail, NULL, c->o.command_ms, "after MAIL FROM", err) < 0)
	goto lost;
    for (i = 0; i < m->nrcpt; i++) {
	if (!pipe && mail.code / 100 != 2)
	    break;
	if (!pipe) {
	    str_reset(&buf);
	    rcpt_command(c, &m->rcpt[i], &buf);
	    if (cli_write(c, buf.s, buf.len, c->o.command_ms, "while sending RCPT TO", err) < 0)
		goto lost;
	}
	if (cli_reply(c, &m->rcpt[i].reply, NULL, c->o.command_ms, "after RCPT TO", err) < 0)
	    goto lost;
	if (mail.code / 100 == 2 && m->rcpt[i].reply.code / 100 == 2)
	    accepted++;
    }
    if (pipe || (mail.code / 100 == 2 && accepted > 0)) {
	if (!pipe && cli_write(c, "DATA\r\n", 6, c->o.command_ms, "while sending DATA", err) < 0)
	    goto lost;
	if (cli_reply(c, &data, NULL, c->o.command_ms, "after DATA", err) < 0)
	    goto lost;
    }
    if (data.code == 354 && (mail.code / 100 != 2 || accepted == 0)) {
	/* A server that said 354 with nobody to deliver to: end it empty. */
	if (cli_write(c, ".\r\n", 3, c->o.command_ms, "while ending DATA", err) < 0
	    || cli_reply(c, &fin, NULL, c->o.data_ms, "after the end of DATA", err) < 0)
	    goto lost;
    } else if (data.code == 354) {
	if (send_body(c, m, err) < 0
	    || cli_reply(c, &fin, NULL, c->o.data_ms, "after the end of the message", err) < 0)
	    goto lost;
    }
    /* Each recipient's outcome. */
    for (i = 0; i < m->nrcpt; i++) {
	SMTP_REPLY *r = &m->rcpt[i].reply;

	if (mail.code / 100 != 2)
	    set_reply(r, &mail);
	else if (r->code / 100 != 2)
	    continue;
	else if (data.code != 354)
	    set_reply(r, &data);
	else
	    set_reply(r, &fin);
    }
    rc = 0;
    goto out;
  lost:
    /* Whatever was not settled by a 4xx/5xx is a temporary failure. */
    for (i = 0; i < m->nrcpt; i++)
	if (mail.code / 100 == 4 || mail.code / 100 == 5)
	    set_reply(&m->rcpt[i].reply, &mail);
    set_lost(m, err);
    c->dead = 1;
  out:
    smtp_reply_free(&mail);
    smtp_reply_free(&data);
    smtp_reply_free(&fin);
    str_free(&buf);
    return rc;
}

int     smtpcli_rset(SMTPCLI *c)
{
    SMTP_REPLY r;
    STR     err = STR_INIT;
    int     rc;

    memset(&r, 0, sizeof(r));
    if (c->dead)
	return -1;
    rc = cli_command(c, "RSET", &r, NULL, "after RSET", &err);
    if (rc == 0 && r.code / 100 != 2)
	rc = -1;
    if (rc < 0)
	c->dead = 1;
    smtp_reply_free(&r);
    str_free(&err);
    return rc;
}

void    smtpcli_close(SMTPCLI *c)
{
    SMTP_REPLY r;
    STR     err = STR_INIT;

    if (c == NULL)
	return;
    memset(&r, 0, sizeof(r));
    if (!c->dead) {
	c->o.command_ms = QUIT_MS;
	(void) cli_command(c, "QUIT", &r, NULL, "after QUIT", &err);
    }
    tls_conn_free(c->tls);
    if (c->fd >= 0)
	(void) close(c->fd);
    smtp_reply_free(&r);
    str_free(&err);
    str_free(&c->peer);
    str_free(&c->in);
    str_free(&c->tls_info);
    free(c);
}

unsigned smtpcli_ext(const SMTPCLI *c)
{
    return c->ext;
}

long    smtpcli_size_limit(const SMTPCLI *c)
{
    return c->size_limit;
}

int     smtpcli_tls(const SMTPCLI *c)
{
    return c->tls != NULL;
}

int     smtpcli_authenticated(const SMTPCLI *c)
{
    return c->authenticated;
}

const char *smtpcli_tls_info(const SMTPCLI *c)
{
    return STR_C(c->tls_info);
}
