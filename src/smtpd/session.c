/*
 * NAME
 *	session - one SMTP client connection of tcp_smtp_server
 * DESCRIPTION
 *	RFC 5321 ESMTP with PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES,
 *	DSN (RFC 3461), STARTTLS (RFC 3207), AUTH (RFC 4954) and CHUNKING
 *	(RFC 3030, BDAT taken exactly like DATA once the chunks are joined).
 *
 *	Input goes through smtpin.h, which alone decides where a command or
 *	the message ends; replies are queued in s->out and written when the
 *	socket allows.  Each RCPT is rewritten (rewrite.h) to its destination
 *	channel and checked against ORIG_SEND_ACCESS (before alias
 *	expansion) and SEND_ACCESS (after); the channel keywords decide TLS
 *	and AUTH (maytlsserver/musttlsserver, maysaslserver/mustsaslserver,
 *	saslswitchchannel) and switchchannel with INTERNAL_IP.
 *
 *	At the end of the message one queue file is written per destination
 *	channel; the 250 reply waits for the group commit (smtpd.c) that
 *	makes the file and its directory entry durable.  Until then the
 *	session reads no further command, so pipelined commands after the
 *	message are answered in order.
 * DIAGNOSTICS
 *	Every refusal has an RFC 3463 enhanced status code and a reason.
 */
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include "smtpd.h"
#include "smtpin.h"
#include "esmtp.h"
#include "sasl.h"
#include "mapping.h"
#include "alias.h"
#include "mem.h"
#include "msg.h"

#define S_GREET		0	/* implicit TLS handshake before the greeting */
#define S_CMD		1
#define S_DATA		2
#define S_BDAT		3
#define S_TLS		4	/* STARTTLS handshake */
#define S_COMMIT	5	/* waiting for the group commit */
#define S_AUTH		6	/* in an AUTH exchange */
#define S_AUTH_DELAY	7	/* failed AUTH: replying after a pause */
#define S_CLOSE		8	/* flushing the last reply */

#define OUT_HIGH	65536	/* stop reading while this much output waits */

typedef struct RCPT {
    char   *addr;		/* rewritten */
    char   *original;		/* as given */
    char   *channel;		/* destination channel */
    char   *orcpt;
    unsigned notify;
} RCPT;

struct SESSION {
    SMTPD  *sd;
    int     fd;
    int     state;
    TLS_CONN *tls;
    int     tls_active;
    SMTPIN *in;
    STR     out;
    STR     client_addr;
    int     client_port;
    STR     helo;
    int     esmtp;
    const CNF_CHANNEL *channel;	/* source channel (may switch) */
    /* AUTH */
    SASL_SERVER *sasl;
    STR     auth_user;
    int     auth_failures;
    STR     delayed_reply;
    /* the transaction */
    int     have_mail;
    ESMTP_MAIL mail;
    RCPT   *rcpt;
    size_t  nrcpt, cap_rcpt;
    STR     data;
    int     bdat_last;
    size_t  bdat_left;
    unsigned data_flags;
    /* group commit */
    int     commits_waiting;
    int     commit_failed;
    STR     queue_id;
    int     dead;		/* closed while a commit was pending */
    SESSION *prev, *next;	/* sd->session_list */
    long    errors;
    long    commands;
};

static void sess_event(EVLOOP *ev, int fd, int events, void *ctx);
static void sess_process(SESSION *s);
static void sess_after(SESSION *s);

/* ---- output ---------------------------------------------------------------- */

static void sess_reply(SESSION *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    str_vcatf(&s->out, fmt, ap);
    va_end(ap);
    str_cat(&s->out, "\r\n");
}

static void sess_watch(SESSION *s)
{
    int     ev = 0;

    if (s->out.len > 0)
	ev |= EV_WRITE;
    if (s->state != S_CLOSE && s->state != S_COMMIT && s->state != S_AUTH_DELAY
	&& s->out.len < OUT_HIGH)
	ev |= EV_READ;
    if (ev_modify(s->sd->ev, s->fd, ev) < 0)
	ev_watch(s->sd->ev, s->fd, ev, sess_event, s);
}

/* Writes what it can; 0 done or waiting, -1 the connection failed. */
static int sess_flush(SESSION *s)
{
    STR     err = STR_INIT;
    long    n;
    int     want = 0;

    while (s->out.len > 0) {
	if (s->tls_active)
	    n = tls_write(s->tls, s->out.s, s->out.len, &want, &err);
	else {
	    n = (long) write(s->fd, s->out.s, s->out.len);
	    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		want = TLS_WANT_WRITE;
	}
	if (n < 0) {
	    str_free(&err);
	    return want ? 0 : -1;
	}
	memmove(s->out.s, s->out.s + n, s->out.len - (size_t) n);
	str_truncate(&s->out, s->out.len - (size_t) n);
    }
    str_free(&err);
    return 0;
}

/* ---- the transaction ------------------------------------------------------- */

static void sess_reset(SESSION *s)
{
    size_t  i;

    for (i = 0; i < s->nrcpt; i++) {
	free(s->rcpt[i].addr);
	free(s->rcpt[i].original);
	free(s->rcpt[i].channel);
	free(s->rcpt[i].orcpt);
    }
    s->nrcpt = 0;
    s->have_mail = 0;
    str_reset(&s->mail.from);
    str_free(&s->data);
    s->data_flags = 0;
    s->bdat_left = 0;
    s->bdat_last = 0;
}

static void sess_free(SESSION *s)
{
    sess_reset(s);
    free(s->rcpt);
    esmtp_mail_free(&s->mail);
    smtpin_free(s->in);
    tls_conn_free(s->tls);
    sasl_server_free(s->sasl);
    str_free(&s->out);
    str_free(&s->client_addr);
    str_free(&s->helo);
    str_free(&s->auth_user);
    str_free(&s->delayed_reply);
    str_free(&s->queue_id);
    free(s);
}

static void sess_log_conn(SESSION *s, const char *code, const char *info)
{
    MAILLOG_ENTRY e;
    STR     err = STR_INIT, probe = STR_INIT;

    if (!s->sd->log_connections || s->sd->log == NULL)
	return;
    memset(&e, 0, sizeof(e));
    str_printf(&probe, "TCP|%s|%d", STR_C(s->client_addr), s->client_port);
    e.src = s->channel->name;
    e.code = code;
    e.from = STR_C(probe);
    e.info = info;
    if (maillog_write(s->sd->log, &e, &err) < 0)
	msg_warn("%s", STR_C(err));
    str_free(&err);
    str_free(&probe);
}

static void sess_close(SESSION *s)
{
    ev_unwatch(s->sd->ev, s->fd);
    if (s->sd->on_close)
	s->sd->on_close(s->sd, s->fd);	/* the dispatcher counts connections */
    close(s->fd);
    s->fd = -1;
    s->sd->sessions--;
    if (s->prev)
	s->prev->next = s->next;
    else
	s->sd->session_list = s->next;
    if (s->next)
	s->next->prev = s->prev;
    s->prev = s->next = NULL;
    sess_log_conn(s, "C", NULL);
    if (s->commits_waiting > 0) {
	s->dead = 1;			/* freed by session_committed() */
	return;
    }
    sess_free(s);
}

static void sess_error(SESSION *s)
{
    if (++s->errors >= s->sd->lim.max_errors) {
	sess_reply(s, "421 4.7.0 %s Too many errors; closing the connection", s->sd->hostname);
	s->state = S_CLOSE;
    }
}

/* ---- channel policy ---------------------------------------------------------- */

static int sess_kw(const SESSION *s, const char *kw)
{
    return pmdfcnf_keyword(s->channel, kw) != NULL;
}

static int sess_tls_offered(const SESSION *s)
{
    return s->sd->tls != NULL && !s->tls_active
	&& (sess_kw(s, "maytlsserver") || sess_kw(s, "musttlsserver"));
}

static int sess_auth_offered(const SESSION *s)
{
    return s->sd->passdb != NULL && s->auth_user.len == 0
	&& (sess_kw(s, "maysaslserver") || sess_kw(s, "mustsaslserver"));
}

static void sess_switch(SESSION *s, const char *name)
{
    const CNF_CHANNEL *ch = pmdfcnf_channel(&s->sd->cfg.cnf, name);

    if (ch != NULL)
	s->channel = ch;
}

/* switchchannel: an INTERNAL_IP client is switched to tcp_internal. */
static void sess_switch_internal(SESSION *s)
{
    MAP_RESULT mr;
    STR     err = STR_INIT;

    if (!sess_kw(s, "switchchannel") || s->sd->cfg.maps == NULL
	|| !mapping_has(s->sd->cfg.maps, "INTERNAL_IP"))
	return;
    map_result_init(&mr);
    if (mapping_apply(s->sd->cfg.maps, "INTERNAL_IP", STR_C(s->client_addr), &mr, &err) == 0
	&& mr.kind == MAP_ALLOW) {
	const CNF_CHANNEL *to = pmdfcnf_channel(&s->sd->cfg.cnf, "tcp_internal");

	if (to != NULL && pmdfcnf_keyword(to, "noswitchchannel") == NULL)
	    s->channel = to;
    }
    map_result_free(&mr);
    str_free(&err);
}

/* ---- commands ------------------------------------------------------------------ */

static void cmd_ehlo(SESSION *s, const char *arg, int esmtp)
{
    STR     mechs = STR_INIT;

    if (*arg == 0) {
	sess_reply(s, "501 5.5.4 Syntax: %s hostname", esmtp ? "EHLO" : "HELO");
	sess_error(s);
	return;
    }
    sess_reset(s);
    str_cpy(&s->helo, arg);
    if (s->helo.len > 255)
	str_truncate(&s->helo, 255);
    s->esmtp = esmtp;
    if (!esmtp) {
	sess_reply(s, "250 %s", s->sd->hostname);
	return;
    }
    sess_reply(s, "250-%s", s->sd->hostname);
    sess_reply(s, "250-PIPELINING");
    sess_reply(s, "250-SIZE %ld", s->sd->lim.max_message);
    sess_reply(s, "250-8BITMIME");
    sess_reply(s, "250-ENHANCEDSTATUSCODES");
    sess_reply(s, "250-DSN");
    if (sess_tls_offered(s))
	sess_reply(s, "250-STARTTLS");
    if (sess_auth_offered(s)) {
	sasl_mechanisms(s->tls_active, &mechs);
	sess_reply(s, "250-AUTH %s", STR_C(mechs));
    }
    sess_reply(s, "250 CHUNKING");
    str_free(&mechs);
}

static int sess_may_mail(SESSION *s)
{
    if (s->helo.len == 0) {
	sess_reply(s, "503 5.5.1 Send EHLO or HELO first");
	return 0;
    }
    if (sess_kw(s, "musttlsserver") && !s->tls_active) {
	sess_reply(s, "530 5.7.0 Must issue a STARTTLS command first");
	return 0;
    }
    if (sess_kw(s, "mustsaslserver") && s->auth_user.len == 0) {
	sess_reply(s, "530 5.7.0 Authentication required");
	return 0;
    }
    return 1;
}

static void cmd_mail(SESSION *s, const char *arg)
{
    STR     reply = STR_INIT;

    if (!sess_may_mail(s)) {
	sess_error(s);
	return;
    }
    if (s->have_mail) {
	sess_reply(s, "503 5.5.1 Nested MAIL command");
	sess_error(s);
	return;
    }
    if (esmtp_mail(arg, &s->mail, &reply) != 0) {
	sess_reply(s, "%s", STR_C(reply));
	sess_error(s);
    } else if (s->mail.size > s->sd->lim.max_message) {
	sess_reply(s, "552 5.3.4 Message size exceeds the limit of %ld bytes",
		   s->sd->lim.max_message);
    } else {
	s->have_mail = 1;
	sess_reply(s, "250 2.1.0 Ok");
    }
    str_free(&reply);
}

static void sess_add_rcpt(SESSION *s, const char *addr, const char *orig, const char *channel,
			          const ESMTP_RCPT *r)
{
    RCPT   *rc;

    if (s->nrcpt == s->cap_rcpt) {
	s->cap_rcpt = s->cap_rcpt ? s->cap_rcpt * 2 : 4;
	s->rcpt = mem_realloc(s->rcpt, s->cap_rcpt * sizeof(*s->rcpt));
    }
    rc = &s->rcpt[s->nrcpt++];
    rc->addr = mem_strdup(addr);
    rc->original = mem_strdup(orig);
    rc->channel = mem_strdup(channel);
    rc->orcpt = mem_strdup(STR_C(r->orcpt));
    rc->notify = r->notify;
}

/* An access mapping: 1 refused (reply sent), 0 allowed. */
static int sess_access(SESSION *s, const char *table, const char *dst, const char *to)
{
    MAP_RESULT mr;
    STR     probe = STR_INIT, err = STR_INIT;
    int     refused = 0;

    if (s->sd->cfg.maps == NULL || !mapping_has(s->sd->cfg.maps, table))
	return 0;
    map_result_init(&mr);
    str_printf(&probe, "%s|%s|%s|%s", s->channel->name, STR_C(s->mail.from), dst, to);
    if (mapping_apply(s->sd->cfg.maps, table, STR_C(probe), &mr, &err) < 0) {
	sess_reply(s, "451 4.3.0 Temporary policy failure");
	msg_warn("%s mapping: %s", table, STR_C(err));
	refused = 1;
    } else if (mr.kind == MAP_DENY) {
	sess_reply(s, "550 5.7.1 %s", mr.text.len ? STR_C(mr.text) : "Access denied");
	refused = 1;
    }
    if (refused && s->sd->log) {
	MAILLOG_ENTRY e;

	memset(&e, 0, sizeof(e));
	e.src = s->channel->name;
	e.dst = dst;
	e.code = "J";
	e.from = STR_C(s->mail.from);
	e.to = to;
	e.info = mr.text.len ? STR_C(mr.text) : table;
	maillog_write(s->sd->log, &e, &err);
    }
    map_result_free(&mr);
    str_free(&probe);
    str_free(&err);
    return refused;
}

/* Rewrites one address; 0 with channel and address in res, or -1 (reply sent). */
static int sess_route(SESSION *s, const char *addr, RW_RESULT *res)
{
    RW_REQUEST req;
    STR     err = STR_INIT;

    rw_request_init(&req);
    req.source_channel = s->channel->name;
    req.direction = RW_FORWARD;
    req.context = RW_ENVELOPE;
    if (rewrite_address(s->sd->rw, addr, &req, res, &err) < 0) {
	sess_reply(s, "550 %s %s", res->status.len ? STR_C(res->status) : "5.1.2",
		   err.len ? STR_C(err) : "Address cannot be routed");
	str_free(&err);
	return -1;
    }
    str_free(&err);
    return 0;
}

static void cmd_rcpt(SESSION *s, const char *arg)
{
    ESMTP_RCPT r;
    RW_RESULT res, res2;
    STRLIST expanded = STRLIST_INIT;
    STR     reply = STR_INIT, local = STR_INIT, err = STR_INIT;
    size_t  i, before = s->nrcpt;

    memset(&r, 0, sizeof(r));
    rw_result_init(&res);
    rw_result_init(&res2);
    if (!s->have_mail) {
	sess_reply(s, "503 5.5.1 Need MAIL before RCPT");
	sess_error(s);
	goto out;
    }
    if ((long) s->nrcpt >= s->sd->lim.max_recipients) {
	sess_reply(s, "452 4.5.3 Too many recipients");
	goto out;
    }
    if (esmtp_rcpt(arg, &r, &reply) != 0) {
	sess_reply(s, "%s", STR_C(reply));
	sess_error(s);
	goto out;
    }
    if (sess_route(s, STR_C(r.to), &res) < 0
	|| sess_access(s, "ORIG_SEND_ACCESS", STR_C(res.channel), STR_C(res.address))) {
	sess_error(s);
	goto out;
    }
    /* Aliases expand for the local channel; each result is routed again. */
    if (strcmp(STR_C(res.channel), "l") == 0 && s->sd->cfg.aliases) {
	const char *at = strrchr(STR_C(res.address), '@');

	str_cpyn(&local, STR_C(res.address), at ? (size_t) (at - STR_C(res.address)) : res.address.len);
	if (alias_expand(s->sd->cfg.aliases, STR_C(local), &expanded, &err) < 0) {
	    sess_reply(s, "550 5.4.6 %s", STR_C(err));
	    sess_error(s);
	    goto out;
	}
    }
    if (expanded.n == 0)
	strlist_add(&expanded, STR_C(res.address));
    for (i = 0; i < expanded.n; i++) {
	const char *to = expanded.v[i];
	const char *ch = STR_C(res.channel);

	if (strcmp(to, STR_C(res.address)) != 0) {
	    rw_result_free(&res2);
	    rw_result_init(&res2);
	    if (sess_route(s, to, &res2) < 0)
		goto undo;
	    to = STR_C(res2.address);
	    ch = STR_C(res2.channel);
	}
	if (sess_access(s, "SEND_ACCESS", ch, to))
	    goto undo;
	sess_add_rcpt(s, to, STR_C(r.to), ch, &r);
    }
    sess_reply(s, "250 2.1.5 Ok");
    goto out;
undo:
    while (s->nrcpt > before) {
	RCPT   *rc = &s->rcpt[--s->nrcpt];

	free(rc->addr), free(rc->original), free(rc->channel), free(rc->orcpt);
    }
    sess_error(s);
out:
    esmtp_rcpt_free(&r);
    rw_result_free(&res);
    rw_result_free(&res2);
    strlist_free(&expanded);
    str_free(&reply);
    str_free(&local);
    str_free(&err);
}

static int sess_may_data(SESSION *s)
{
    if (!s->have_mail) {
	sess_reply(s, "503 5.5.1 Need MAIL command");
	return 0;
    }
    if (s->nrcpt == 0) {
	sess_reply(s, "554 5.5.1 No valid recipients");
	return 0;
    }
    return 1;
}

static void cmd_data(SESSION *s, const char *arg)
{
    if (*arg) {
	sess_reply(s, "501 5.5.4 Syntax: DATA");
	sess_error(s);
	return;
    }
    if (!sess_may_data(s)) {
	sess_error(s);
	return;
    }
    sess_reply(s, "354 End data with <CR><LF>.<CR><LF>");
    smtpin_data_begin(s->in, (size_t) s->sd->lim.max_message,
		      (size_t) s->sd->lim.max_data_line);
    str_reset(&s->data);
    s->state = S_DATA;
    ev_deadline(s->sd->ev, s->fd, s->sd->lim.data_timeout_ms);
}

static void cmd_bdat(SESSION *s, const char *arg)
{
    char   *end;
    long    n;

    errno = 0;
    n = strtol(arg, &end, 10);
    if (!isdigit((unsigned char) *arg) || errno || n < 0
	|| (*end && strcasecmp(end, " LAST") != 0)) {
	sess_reply(s, "501 5.5.4 Syntax: BDAT size [LAST]");
	sess_error(s);
	return;
    }
    /*
     * The chunk is read in every case; without a transaction it is thrown
     * away and the one reply comes at its end (pipelining stays in step).
     */
    if (!s->have_mail || s->nrcpt == 0)
	s->data_flags |= SMTPIN_F_TOO_BIG;
    if ((long) s->data.len + n > s->sd->lim.max_message)
	s->data_flags |= SMTPIN_F_TOO_BIG;
    s->bdat_left = (size_t) n;
    s->bdat_last = *end != 0;
    s->state = S_BDAT;
    ev_deadline(s->sd->ev, s->fd, s->sd->lim.data_timeout_ms);
}

/* ---- STARTTLS and AUTH ----------------------------------------------------------- */

static void cmd_starttls(SESSION *s, const char *arg)
{
    STR     err = STR_INIT;

    if (*arg) {
	sess_reply(s, "501 5.5.4 Syntax: STARTTLS");
	sess_error(s);
	return;
    }
    if (!sess_tls_offered(s)) {
	sess_reply(s, "454 4.7.0 TLS not available");
	sess_error(s);
	return;
    }
    if ((s->tls = tls_conn_new(s->sd->tls, s->fd, &err)) == NULL) {
	sess_reply(s, "454 4.7.0 TLS not available: %s", STR_C(err));
	str_free(&err);
	return;
    }
    sess_reply(s, "220 2.0.0 Ready to start TLS");
    /* Anything pipelined in plain text after STARTTLS is discarded. */
    smtpin_discard(s->in);
    s->state = S_TLS;
    str_free(&err);
}

static int sess_lookup(const char *user, PWSECRET *out, void *ctx, STR *err)
{
    SESSION *s = ctx;

    return passdb_lookup(s->sd->passdb, user, "SMTP", out, err);
}

static void sess_auth_result(SESSION *s, int rc, STR *out, STR *err)
{
    STR     b64 = STR_INIT;

    if (rc == SASL_CONTINUE) {
	sasl_b64_encode((const unsigned char *) STR_C(*out), out->len, &b64);
	sess_reply(s, "334 %s", STR_C(b64));
	s->state = S_AUTH;
    } else if (rc == SASL_OK && out->len > 0) {
	/* SCRAM's server-final comes as a challenge; the client answers "". */
	sasl_b64_encode((const unsigned char *) STR_C(*out), out->len, &b64);
	sess_reply(s, "334 %s", STR_C(b64));
	str_cpy(&s->auth_user, sasl_server_user(s->sasl));
	s->state = S_AUTH;
    } else if (rc == SASL_OK) {
	str_cpy(&s->auth_user, sasl_server_user(s->sasl));
	sasl_server_free(s->sasl);
	s->sasl = NULL;
	sess_reply(s, "235 2.7.0 Authentication successful");
	if (pmdfcnf_keyword(s->channel, "saslswitchchannel"))
	    sess_switch(s, pmdfcnf_keyword(s->channel, "saslswitchchannel")->arg);
	s->state = S_CMD;
    } else {
	int     temp = sasl_server_tempfail(s->sasl);

	msg_info("AUTH failed from [%s]: %s", STR_C(s->client_addr),
		 sasl_server_reason(s->sasl) ? sasl_server_reason(s->sasl) : STR_C(*err));
	sasl_server_free(s->sasl);
	s->sasl = NULL;
	str_printf(&s->delayed_reply, temp ? "454 4.7.0 Temporary authentication failure"
		   : "535 5.7.8 Authentication credentials invalid");
	if (++s->auth_failures >= s->sd->lim.max_auth_failures) {
	    str_cat(&s->delayed_reply, "\r\n421 4.7.0 Too many failed authentications");
	    s->errors = s->sd->lim.max_errors;
	}
	/* Slow down: the reply comes after a pause, and nothing is read meanwhile. */
	s->state = S_AUTH_DELAY;
	ev_deadline(s->sd->ev, s->fd, s->sd->lim.auth_failure_delay_ms * s->auth_failures);
    }
    str_free(&b64);
}

static void cmd_auth(SESSION *s, const char *arg)
{
    STR     mech = STR_INIT, raw = STR_INIT, out = STR_INIT, err = STR_INIT;
    const char *sp = strchr(arg, ' ');
    int     rc;

    if (!sess_auth_offered(s) || s->have_mail) {
	sess_reply(s, "503 5.5.1 AUTH not available now");
	sess_error(s);
	goto out;
    }
    str_cpyn(&mech, arg, sp ? (size_t) (sp - arg) : strlen(arg));
    if ((s->sasl = sasl_server_new(STR_C(mech), s->sd->hostname, s->tls_active, sess_lookup,
				   s, &err)) == NULL) {
	if (!s->tls_active && (strcasecmp(STR_C(mech), "PLAIN") == 0
			       || strcasecmp(STR_C(mech), "LOGIN") == 0))
	    sess_reply(s, "538 5.7.11 Encryption required for requested authentication mechanism");
	else
	    sess_reply(s, "504 5.5.4 Unrecognized authentication mechanism");
	sess_error(s);
	goto out;
    }
    if (sp && strcmp(sp + 1, "=") != 0 && sasl_b64_decode(sp + 1, &raw, &err) < 0) {
	sasl_server_free(s->sasl);
	s->sasl = NULL;
	sess_reply(s, "501 5.5.2 Bad base64 in the initial response");
	sess_error(s);
	goto out;
    }
    rc = sasl_server_start(s->sasl, (const unsigned char *) STR_C(raw), raw.len, sp != NULL,
			   &out, &err);
    sess_auth_result(s, rc, &out, &err);
out:
    str_free(&mech);
    str_free(&raw);
    str_free(&out);
    str_free(&err);
}

static void sess_auth_line(SESSION *s, const char *line)
{
    STR     raw = STR_INIT, out = STR_INIT, err = STR_INIT;
    int     rc;

    if (strcmp(line, "*") == 0) {
	sasl_server_free(s->sasl);
	s->sasl = NULL;
	str_reset(&s->auth_user);
	sess_reply(s, "501 5.0.0 Authentication cancelled");
	s->state = S_CMD;
    } else if (s->auth_user.len > 0) {
	/* The client's empty answer to SCRAM's server-final. */
	sasl_server_free(s->sasl);
	s->sasl = NULL;
	sess_reply(s, "235 2.7.0 Authentication successful");
	if (pmdfcnf_keyword(s->channel, "saslswitchchannel"))
	    sess_switch(s, pmdfcnf_keyword(s->channel, "saslswitchchannel")->arg);
	s->state = S_CMD;
    } else if (sasl_b64_decode(line, &raw, &err) < 0) {
	sasl_server_free(s->sasl);
	s->sasl = NULL;
	sess_reply(s, "501 5.5.2 Bad base64 in the response");
	sess_error(s);
	s->state = S_CMD;
    } else {
	rc = sasl_server_step(s->sasl, (const unsigned char *) STR_C(raw), raw.len, &out, &err);
	sess_auth_result(s, rc, &out, &err);
    }
    str_free(&raw);
    str_free(&out);
    str_free(&err);
}

/* ---- the end of a message --------------------------------------------------------- */

/* Header facts: Received: count, Message-ID/Date present, header size. */
static void sess_headers(const STR *data, long *received, int *has_msgid, int *has_date,
			         size_t *hdr_len)
{
    const char *p = STR_C(*data), *end = p + data->len, *nl;

    *received = 0;
    *has_msgid = *has_date = 0;
    *hdr_len = data->len;
    while (p < end) {
	if (*p == '\r' && p + 1 < end && p[1] == '\n') {
	    *hdr_len = (size_t) (p - STR_C(*data));
	    return;
	}
	if (strncasecmp(p, "Received:", 9) == 0)
	    (*received)++;
	else if (strncasecmp(p, "Message-ID:", 11) == 0)
	    *has_msgid = 1;
	else if (strncasecmp(p, "Date:", 5) == 0)
	    *has_date = 1;
	nl = memchr(p, '\n', (size_t) (end - p));
	if (nl == NULL)
	    break;
	p = nl + 1;
    }
}

static void sess_envelope(SESSION *s, const char *channel, QENVELOPE *env)
{
    size_t  i;

    qenvelope_init(env);
    str_cpy(&env->source_channel, s->channel->name);
    str_cpy(&env->from, STR_C(s->mail.from));
    env->ret = s->mail.ret;
    str_cpy(&env->envid, STR_C(s->mail.envid));
    str_cpy(&env->auth_user, STR_C(s->auth_user));
    env->tls = s->tls_active;
    str_cpy(&env->client_addr, STR_C(s->client_addr));
    str_cpy(&env->helo, STR_C(s->helo));
    for (i = 0; i < s->nrcpt; i++)
	if (strcmp(s->rcpt[i].channel, channel) == 0)
	    qenvelope_add_rcpt(env, s->rcpt[i].addr, s->rcpt[i].orcpt, s->rcpt[i].notify,
			       s->rcpt[i].original);
}

static int sess_refuse_data(SESSION *s)
{
    unsigned f = s->data_flags;

    if (f & SMTPIN_F_TOO_BIG)
	sess_reply(s, "552 5.3.4 Message size exceeds the limit of %ld bytes",
		   s->sd->lim.max_message);
    else if (f & (SMTPIN_F_BARE_LF | SMTPIN_F_BARE_CR))
	sess_reply(s, "550 5.6.0 Message contains a bare CR or LF; refused (RFC 5321 2.3.8)");
    else if (f & SMTPIN_F_NUL)
	sess_reply(s, "550 5.6.0 Message contains a NUL byte; refused");
    else if (f & SMTPIN_F_LONG_LINE)
	sess_reply(s, "550 5.6.0 Message has a line longer than %ld bytes",
		   s->sd->lim.max_data_line);
    else
	return 0;
    return 1;
}

static void sess_message(SESSION *s)
{
    STR     prefix = STR_INIT, err = STR_INIT, id = STR_INIT;
    STRLIST channels = STRLIST_INIT;
    ESMTP_TRACE tr;
    QENVELOPE env;
    QMSG_W *w;
    long    received;
    int     has_msgid, has_date;
    size_t  hdr_len, i, j;

    s->state = S_CMD;
    ev_deadline(s->sd->ev, s->fd, s->sd->lim.command_timeout_ms);
    if (sess_refuse_data(s))
	goto reset;
    sess_headers(&s->data, &received, &has_msgid, &has_date, &hdr_len);
    if (received >= s->sd->lim.max_received) {
	sess_reply(s, "554 5.4.6 Too many Received: headers (%ld): mail loop", received);
	goto reset;
    }
    if ((long) hdr_len > s->sd->lim.max_header) {
	sess_reply(s, "552 5.3.4 Message header exceeds the limit of %ld bytes",
		   s->sd->lim.max_header);
	goto reset;
    }
    /* One queue file per destination channel. */
    for (i = 0; i < s->nrcpt; i++) {
	for (j = 0; j < channels.n && strcmp(channels.v[j], s->rcpt[i].channel) != 0; j++)
	     /* void */ ;
	if (j == channels.n)
	    strlist_add(&channels, s->rcpt[i].channel);
    }
    for (i = 0; i < channels.n; i++) {
	sess_envelope(s, channels.v[i], &env);
	w = queue_create(channels.v[i], &env, (size_t) s->sd->lim.max_message + 65536, &err);
	qenvelope_free(&env);
	if (w == NULL)
	    goto fail;
	if (i == 0)
	    str_cpy(&id, queue_w_id(w));
	memset(&tr, 0, sizeof(tr));
	tr.helo = STR_C(s->helo);
	tr.client_addr = STR_C(s->client_addr);
	tr.by = s->sd->hostname;
	tr.id = queue_w_id(w);
	tr.for_addr = s->nrcpt == 1 ? s->rcpt[0].original : NULL;
	tr.authenticated = s->auth_user.len > 0;
	if (s->tls_active) {
	    tr.tls_protocol = tls_protocol(s->tls);
	    tr.tls_cipher = tls_cipher(s->tls);
	    tr.tls_bits = tls_cipher_bits(s->tls);
	}
	tr.when = (long) time(NULL);
	esmtp_received(&tr, &prefix);
	if (!has_date) {
	    STR     date = STR_INIT;

	    esmtp_date(tr.when, &date);
	    str_catf(&prefix, "Date: %s\r\n", STR_C(date));
	    str_free(&date);
	}
	if (!has_msgid)
	    str_catf(&prefix, "Message-ID: <%s@%s>\r\n", STR_C(id), s->sd->hostname);
	if (queue_write(w, prefix.s, prefix.len, &err) < 0
	    || queue_write(w, s->data.s ? s->data.s : "", s->data.len, &err) < 0
	    || queue_finish(w, &err) < 0) {
	    queue_abort(w);
	    goto fail;
	}
	session_commit_add(s->sd, s, w);
	s->commits_waiting++;
    }
    str_cpy(&s->queue_id, STR_C(id));
    s->state = S_COMMIT;
    goto out;
fail:
    msg_warn("cannot queue a message from [%s]: %s", STR_C(s->client_addr), STR_C(err));
    if (s->commits_waiting > 0) {
	/* Files already finished go through the commit; the reply is a 451. */
	s->commit_failed = 1;
	s->state = S_COMMIT;
	goto out;
    }
    sess_reply(s, "451 4.3.0 Cannot queue the message now; try again later");
reset:
    sess_reset(s);
out:
    strlist_free(&channels);
    str_free(&prefix);
    str_free(&err);
    str_free(&id);
}

void    session_committed(SESSION *s, int ok, const char *why)
{
    MAILLOG_ENTRY e;
    STR     err = STR_INIT;
    size_t  i;

    if (!ok) {
	s->commit_failed = 1;
	msg_warn("queue commit failed: %s", why);
    }
    if (--s->commits_waiting > 0)
	return;
    if (s->dead) {
	sess_free(s);
	return;
    }
    if (s->commit_failed) {
	sess_reply(s, "451 4.3.0 Cannot queue the message now; try again later");
    } else {
	sess_reply(s, "250 2.0.0 Ok: queued as %s", STR_C(s->queue_id));
	s->sd->accepted++;
	for (i = 0; s->sd->log && i < s->nrcpt; i++) {
	    memset(&e, 0, sizeof(e));
	    e.src = s->channel->name;
	    e.dst = s->rcpt[i].channel;
	    e.code = maillog_code('E', s->tls_active, s->auth_user.len > 0);
	    e.size = (long) s->data.len;
	    e.from = STR_C(s->mail.from);
	    e.orcpt = s->rcpt[i].orcpt;
	    e.to = s->rcpt[i].addr;
	    e.msgid = STR_C(s->queue_id);
	    if (maillog_write(s->sd->log, &e, &err) < 0)
		msg_warn("%s", STR_C(err));
	}
    }
    s->commit_failed = 0;
    sess_reset(s);
    s->state = S_CMD;
    str_free(&err);
    sess_process(s);			/* pipelined commands waiting */
    sess_after(s);
}

/* ---- the command dispatcher -------------------------------------------------------- */

static void sess_command(SESSION *s, const char *line)
{
    const char *sp = strchr(line, ' ');
    size_t  n = sp ? (size_t) (sp - line) : strlen(line);
    const char *arg = sp ? sp + 1 : "";
    char    verb[16];

    if (++s->commands > s->sd->lim.max_commands) {
	sess_reply(s, "421 4.7.0 Too many commands; closing the connection");
	s->state = S_CLOSE;
	return;
    }
    if (n >= sizeof(verb))
	n = sizeof(verb) - 1;
    memcpy(verb, line, n);
    verb[n] = 0;
    if (strcasecmp(verb, "EHLO") == 0)
	cmd_ehlo(s, arg, 1);
    else if (strcasecmp(verb, "HELO") == 0)
	cmd_ehlo(s, arg, 0);
    else if (strcasecmp(verb, "MAIL") == 0)
	cmd_mail(s, arg);
    else if (strcasecmp(verb, "RCPT") == 0)
	cmd_rcpt(s, arg);
    else if (strcasecmp(verb, "DATA") == 0)
	cmd_data(s, arg);
    else if (strcasecmp(verb, "BDAT") == 0)
	cmd_bdat(s, arg);
    else if (strcasecmp(verb, "RSET") == 0) {
	sess_reset(s);
	sess_reply(s, "250 2.0.0 Ok");
    } else if (strcasecmp(verb, "NOOP") == 0)
	sess_reply(s, "250 2.0.0 Ok");
    else if (strcasecmp(verb, "QUIT") == 0) {
	sess_reply(s, "221 2.0.0 %s Bye", s->sd->hostname);
	s->state = S_CLOSE;
    } else if (strcasecmp(verb, "VRFY") == 0)
	sess_reply(s, "252 2.1.5 Cannot VRFY user; try RCPT to attempt delivery");
    else if (strcasecmp(verb, "HELP") == 0)
	sess_reply(s, "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY"
		   " HELP STARTTLS AUTH");
    else if (strcasecmp(verb, "STARTTLS") == 0)
	cmd_starttls(s, arg);
    else if (strcasecmp(verb, "AUTH") == 0)
	cmd_auth(s, arg);
    else {
	sess_reply(s, "500 5.5.2 Command unrecognized");
	sess_error(s);
    }
}

/* Takes complete units out of the input while the state allows. */
static void sess_process(SESSION *s)
{
    STR     line = STR_INIT;
    int     rc;

    while (s->state == S_CMD || s->state == S_DATA || s->state == S_BDAT || s->state == S_AUTH) {
	if (s->out.len >= OUT_HIGH)
	    break;
	if (s->state == S_DATA) {
	    if (smtpin_data(s->in, &s->data, &s->data_flags) != SMTPIN_END)
		break;
	    sess_message(s);
	    continue;
	}
	if (s->state == S_BDAT) {
	    STR    *sink = (s->data_flags & SMTPIN_F_TOO_BIG) ? &line : &s->data;

	    rc = smtpin_bdat(s->in, &s->bdat_left, sink);
	    str_reset(&line);
	    if (rc != SMTPIN_END)
		break;
	    s->state = S_CMD;
	    if (!s->have_mail || s->nrcpt == 0) {
		sess_reply(s, "503 5.5.1 BDAT without MAIL and a valid RCPT");
		sess_error(s);
		sess_reset(s);
	    } else if (s->bdat_last)
		sess_message(s);
	    else if (s->data_flags & SMTPIN_F_TOO_BIG)
		sess_reply(s, "552 5.3.4 Message size exceeds the limit");
	    else
		sess_reply(s, "250 2.0.0 %lu octets received", (unsigned long) s->data.len);
	    continue;
	}
	rc = smtpin_command(s->in, &line);
	if (rc == SMTPIN_NEED)
	    break;
	if (rc == SMTPIN_BARE) {
	    sess_reply(s, "500 5.5.2 Bare CR or LF in a command line; refused");
	    sess_error(s);
	} else if (rc == SMTPIN_NUL) {
	    sess_reply(s, "500 5.5.2 NUL byte in a command line; refused");
	    sess_error(s);
	} else if (rc == SMTPIN_TOOLONG) {
	    sess_reply(s, "500 5.5.2 Line too long");
	    sess_error(s);
	} else if (s->state == S_AUTH)
	    sess_auth_line(s, STR_C(line));
	else
	    sess_command(s, STR_C(line));
	if (s->state == S_TLS)
	    break;
    }
    str_free(&line);
}

/* ---- events ------------------------------------------------------------------------ */

static void sess_greet(SESSION *s)
{
    sess_reply(s, "220 %s ESMTP PMDF-compatible toolkit ready", s->sd->hostname);
    s->state = S_CMD;
}

static void sess_handshake(SESSION *s)
{
    STR     err = STR_INIT;
    int     rc = tls_handshake(s->tls, &err);

    if (rc == TLS_OK) {
	s->tls_active = 1;
	if (s->state == S_GREET)
	    sess_greet(s);
	else {
	    /* RFC 3207 4.2: forget everything learnt before TLS. */
	    sess_reset(s);
	    str_reset(&s->helo);
	    s->state = S_CMD;
	}
    } else if (rc == TLS_ERR) {
	msg_info("TLS handshake with [%s] failed: %s", STR_C(s->client_addr), STR_C(err));
	s->state = S_CLOSE;
	str_reset(&s->out);
    } else
	ev_watch(s->sd->ev, s->fd, rc == TLS_WANT_WRITE ? EV_WRITE : EV_READ, sess_event, s);
    str_free(&err);
}

/* Reads what the socket has; -1 when the client went away. */
static int sess_read(SESSION *s)
{
    char    buf[16384];
    STR     err = STR_INIT;
    long    n;
    int     want = 0, rc = 0;

    for (;;) {
	if (s->tls_active)
	    n = tls_read(s->tls, buf, sizeof(buf), &want, &err);
	else {
	    n = (long) read(s->fd, buf, sizeof(buf));
	    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		want = TLS_WANT_READ;
	}
	if (n > 0) {
	    smtpin_feed(s->in, buf, (size_t) n);
	    if (!s->tls_active || !tls_pending(s->tls))
		break;
	    continue;
	}
	if (n == 0 || !want)
	    rc = -1;
	break;
    }
    str_free(&err);
    return rc;
}

static void sess_event(EVLOOP *ev, int fd, int events, void *ctx)
{
    SESSION *s = ctx;

    (void) ev;
    (void) fd;
    if (events & EV_TIMEOUT) {
	if (s->state == S_AUTH_DELAY) {
	    sess_reply(s, "%s", STR_C(s->delayed_reply));
	    s->state = s->errors >= s->sd->lim.max_errors ? S_CLOSE : S_CMD;
	    ev_deadline(s->sd->ev, s->fd, s->sd->lim.command_timeout_ms);
	} else {
	    sess_reply(s, "421 4.4.2 %s Timeout; closing the connection", s->sd->hostname);
	    s->state = S_CLOSE;
	}
    } else if (s->state == S_GREET || (s->state == S_TLS && s->out.len == 0)) {
	sess_handshake(s);
	if (s->state == S_GREET || s->state == S_TLS)
	    return;
    } else if ((events & EV_READ) && sess_read(s) < 0) {
	sess_close(s);
	return;
    } else if ((events & EV_READ) && (s->state == S_DATA || s->state == S_BDAT))
	ev_deadline(s->sd->ev, s->fd, s->sd->lim.data_timeout_ms);
    sess_process(s);
    /*
     * COMMAND_TIMEOUT bounds each command, not each read: the clock
     * restarts only once no partial command line is left, so a client
     * sending a byte a second is still cut off.
     */
    if ((events & EV_READ) && (s->state == S_CMD || s->state == S_AUTH)
	&& smtpin_pending(s->in) == 0)
	ev_deadline(s->sd->ev, s->fd, s->sd->lim.command_timeout_ms);
    sess_after(s);
}

/* After input was processed: write, start TLS, close, or wait for more. */
static void sess_after(SESSION *s)
{
    if (sess_flush(s) < 0) {
	sess_close(s);
	return;
    }
    if (s->state == S_TLS && s->out.len == 0) {
	sess_handshake(s);		/* the 220 is out: start TLS now */
	if (s->state == S_TLS)
	    return;
	sess_process(s);
	if (sess_flush(s) < 0) {
	    sess_close(s);
	    return;
	}
    }
    if (s->state == S_CLOSE && s->out.len == 0) {
	sess_close(s);
	return;
    }
    sess_watch(s);
}

SESSION *session_new(SMTPD *sd, int fd, const char *client_addr, int client_port,
		             int implicit_tls)
{
    SESSION *s = mem_calloc(1, sizeof(*s));
    STR     err = STR_INIT;

    s->sd = sd;
    s->fd = fd;
    s->in = smtpin_new((size_t) sd->lim.max_command_line);
    str_cpy(&s->client_addr, client_addr);
    s->client_port = client_port;
    s->channel = pmdfcnf_channel(&sd->cfg.cnf, sd->channel);
    sd->sessions++;
    s->next = sd->session_list;
    if (s->next)
	s->next->prev = s;
    sd->session_list = s;
    sess_switch_internal(s);
    sess_log_conn(s, "O", NULL);
    if (implicit_tls) {
	if (sd->tls == NULL || (s->tls = tls_conn_new(sd->tls, fd, &err)) == NULL) {
	    msg_warn("implicit TLS connection from [%s] without TLS: %s", client_addr,
		     STR_C(err));
	    str_free(&err);
	    sess_close(s);
	    return NULL;
	}
	s->state = S_GREET;
	ev_watch(sd->ev, fd, EV_READ, sess_event, s);
    } else {
	sess_greet(s);
	sess_flush(s);
	sess_watch(s);
    }
    /* After ev_watch: a deadline belongs to a watched descriptor. */
    ev_deadline(sd->ev, fd, sd->lim.command_timeout_ms);
    str_free(&err);
    return s;
}

/* At shutdown, after the last group commit: every session goes. */
void    session_close_all(SMTPD *sd)
{
    while (sd->session_list != NULL)
	sess_close(sd->session_list);
}

/* The queue-cache record of a message this session finished. */
void    session_cache_rec(const SESSION *s, const QMSG_W *w, QCACHE_REC *r)
{
    size_t  i;

    memset(r, 0, sizeof(*r));
    r->channel = queue_w_channel(w);
    r->name = queue_w_name(w);
    r->size = queue_w_size(w);
    r->created = queue_w_created(w);
    r->from = STR_C(s->mail.from);
    r->envid = STR_C(s->mail.envid);
    for (i = 0; i < s->nrcpt; i++)
	if (strcmp(s->rcpt[i].channel, r->channel) == 0)
	    r->nrcpt++;
}
