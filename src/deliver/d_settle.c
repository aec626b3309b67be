/*
 * NAME
 *	d_settle - the end of one message: notifications, requeue, log
 * DESCRIPTION
 *	d_settle() runs once per message, after every recipient has a
 *	DRESULT, in an order that loses nothing in a crash:
 *
 *	1. Recipients still failing temporarily after the return period
 *	   (the channel's notices, RETURN_UNITS) are returned: they fail,
 *	   keeping the last temporary status and reason (as Postfix does).
 *	2. Notifications (dsn.h), one message for all the recipients that
 *	   want one: failed (unless NOTIFY excludes it), delivered locally
 *	   or relayed to a hop that took no DSN parameters (NOTIFY=SUCCESS),
 *	   delayed (NOTIFY=DELAY, once a warning age of the notices has
 *	   passed, and only once per message: the envelope flag).  It is
 *	   queued (enqueue.h) with envelope From <> to the original sender,
 *	   routed by the rewrite rules like any address, aliases expanded
 *	   for l.  It is durable before step 3.  When it cannot be queued
 *	   the failed recipients stay in the queue (they are tried again),
 *	   so no failure goes unreported.  A message from <> gets no
 *	   notification: a failing notification is logged (R, "no
 *	   notification: null sender") and dropped, never returned again.
 *	3. No recipient left: the file is removed.  Otherwise it is requeued
 *	   (queue_requeue) with the remaining recipients, the next attempt
 *	   number and the delay flag.
 *	4. The queue cache and the channel's counters (recipients
 *	   delivered, returned and deferred, and the message when it left
 *	   the queue) are told to the job controller, which keeps them
 *	   (qnotify.h: this program never writes those databases while the
 *	   job controller runs, so killing it can wedge nobody).  Then one
 *	   mail log entry per recipient: D, DS, DA, DSA (delivered; S
 *	   when the outbound session was under TLS, A when authenticated), R
 *	   (failed and returned), Q (requeued), or Z instead of Q when other
 *	   recipients of the message were settled in this run (partial).
 *
 *	d_enqueuer() sets up enqueue.h for a new message from this channel
 *	(notifications, a local alias's targets): routed with the delivering
 *	channel as source, logged in this run's mail log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deliver.h"
#include "dsn.h"
#include "esmtp.h"
#include "alias.h"
#include "mem.h"
#include "msg.h"

void    d_log(DCTX *d, const QMESSAGE *m, const QRCPT *r, const char *code, const char *info)
{
    MAILLOG_ENTRY e;
    STR     err = STR_INIT;

    if (d->log == NULL)
	return;
    memset(&e, 0, sizeof(e));
    e.src = STR_C(m->env.source_channel);
    e.dst = d->channel;
    e.code = code;
    e.size = (long) m->body_len;
    e.from = STR_C(m->env.from);
    e.orcpt = r ? STR_C(r->orcpt) : NULL;
    e.to = r ? STR_C(r->addr) : NULL;
    e.msgid = STR_C(m->env.id);
    e.info = info;
    if (maillog_write(d->log, &e, &err) < 0)
	msg_warn("%s", STR_C(err));
    str_free(&err);
}

/* ---- queueing a new message --------------------------------------------- */

void    d_enqueuer(DCTX *d, ENQUEUE *q, int expand_aliases)
{
    memset(q, 0, sizeof(*q));
    q->rw = d->rw;
    q->aliases = expand_aliases ? d->cfg.aliases : NULL;
    q->source = d->channel;
    q->log = d->log;
}

/* ---- notifications --------------------------------------------------------- */

static int dsn_action(DCTX *d, const DRESULT *r, int stage, int delay_sent)
{
    switch (r->state) {
    case DR_FAILED:
	return DSN_FAILED;
    case DR_DELIVERED:
	if (d->kind == DK_SMTP)
	    return r->relayed ? DSN_RELAYED : 0;
	if (r->expanded)
	    return DSN_EXPANDED;
	return DSN_DELIVERED;
    case DR_TEMP:
	return stage >= 1 && !delay_sent ? DSN_DELAYED : 0;
    default:
	return 0;
    }
}

/* Queues the notification for the recipients with want[i]; 0, or -1. */
static int send_dsn(DCTX *d, const QMESSAGE *m, const DRESULT *res, const int *want, STR *err)
{
    DSN_RCPT *dr = mem_calloc(m->env.nrcpt, sizeof(*dr));
    DSN_MSG dm;
    STRLIST to = STRLIST_INIT;
    STR     text = STR_INIT, msgid = STR_INIT, boundary = STR_INIT;
    ENQUEUE q;
    ENQUEUE_MSG qm;
    size_t  i, n = 0;
    int     rc;

    for (i = 0; i < m->env.nrcpt; i++) {
	if (!want[i])
	    continue;
	dr[n].addr = STR_C(m->env.rcpt[i].addr);
	dr[n].orcpt = STR_C(m->env.rcpt[i].orcpt);
	dr[n].action = want[i];
	dr[n].status = res[i].status;
	dr[n].diag = STR_C(res[i].diag);
	dr[n].diag_smtp = res[i].diag_smtp;
	dr[n].remote_mta = res[i].remote.len ? STR_C(res[i].remote) : NULL;
	dr[n].last_attempt = res[i].attempted ? d->now : 0;
	dr[n].retry_until = m->env.created + d->retry.notices.return_after;
	n++;
    }
    dsn_from_message(&dm, m, d->host, d->now, &msgid, &boundary);
    dm.rcpt = dr;
    dm.nrcpt = n;
    dsn_compose(&dm, &text);
    strlist_add(&to, STR_C(m->env.from));
    d_enqueuer(d, &q, 1);
    memset(&qm, 0, sizeof(qm));
    qm.from = "";
    qm.to = &to;
    qm.notify = QUEUE_NOTIFY_NEVER;
    qm.body = text.s;
    qm.len = text.len;
    qm.what = "notification";
    rc = enqueue_message(&q, &qm, err);
    if (rc > 0) {
	msg_warn("message %s: the notification to <%s> cannot be routed; dropped",
		 STR_C(m->env.id), STR_C(m->env.from));
	rc = 0;
    }
    free(dr);
    strlist_free(&to);
    str_free(&text);
    str_free(&msgid);
    str_free(&boundary);
    return rc;
}

/* ---- settling ---------------------------------------------------------------- */

static const char *file_name(const char *path)
{
    const char *p, *name = path;

    for (p = path; *p; p++)
	if (*p == '/' || *p == ']' || *p == '>' || *p == ':')
	    name = p + 1;
    return name;
}

static int requeue(DCTX *d, QNOTIFY *qn, const char *path, const char *name,
		   const QMESSAGE *m, const DRESULT *res, int delay_sent)
{
    QENVELOPE env;
    QCACHE_REC rec;
    STR     newpath = STR_INIT, err = STR_INIT;
    size_t  i;
    int     rc;

    qenvelope_copy_header(&env, &m->env);
    env.delay_sent = delay_sent;
    for (i = 0; i < m->env.nrcpt; i++) {
	const QRCPT *q = &m->env.rcpt[i];

	if (res[i].state == DR_TEMP)
	    qenvelope_add_rcpt(&env, STR_C(q->addr), STR_C(q->orcpt), q->notify,
			       STR_C(q->original));
    }
    rc = queue_requeue(path, &env, m->body, m->body_len, &newpath, &err);
    if (rc < 0) {
	msg_error("message %s: %s", STR_C(m->env.id), STR_C(err));
    } else {
	qnotify_del(qn, d->channel, name);
	memset(&rec, 0, sizeof(rec));
	rec.channel = d->channel;
	rec.name = file_name(STR_C(newpath));
	rec.size = m->body_len;
	rec.created = m->env.created;
	rec.from = STR_C(m->env.from);
	rec.nrcpt = (uint32_t) env.nrcpt;
	rec.envid = STR_C(m->env.envid);
	qnotify_add(qn, &rec, 0);		/* due later: the job controller knows when */
    }
    qenvelope_free(&env);
    str_free(&newpath);
    str_free(&err);
    return rc;
}

int     d_settle(DCTX *d, const char *path, const char *name, const QMESSAGE *m, DRESULT *res)
{
    size_t  n = m->env.nrcpt, i, temp = 0, settled = 0, ndsn = 0;
    int    *want = mem_calloc(n ? n : 1, sizeof(int));
    int     stage = retry_notice_stage(&d->retry.notices, d->now - m->env.created);
    int     delay_sent = m->env.delay_sent, rc = 0;
    const char *from = STR_C(m->env.from);
    STR     err = STR_INIT, info = STR_INIT;
    QNOTIFY qn = QNOTIFY_INIT;

    /* 1. Past the return period: give up. */
    for (i = 0; i < n; i++) {
	if (res[i].state == DR_TEMP && stage == RETRY_RETURN) {
	    res[i].state = DR_FAILED;
	    res[i].expired = 1;
	    if (res[i].diag.len == 0)
		str_cpy(&res[i].diag, "delivery time expired");
	}
	if (res[i].state == DR_PENDING)
	    dresult_set(&res[i], DR_TEMP, "4.3.0", "not attempted");
    }
    /* 2. Notifications, durable before the file changes. */
    for (i = 0; i < n; i++) {
	int     a = dsn_action(d, &res[i], stage, m->env.delay_sent);

	if (a && dsn_wanted(from, m->env.rcpt[i].notify, a)) {
	    want[i] = a;
	    ndsn++;
	}
    }
    if (ndsn > 0 && send_dsn(d, m, res, want, &err) < 0) {
	msg_warn("message %s: cannot queue the notification: %s; the failed recipients stay"
		 " queued", STR_C(m->env.id), STR_C(err));
	for (i = 0; i < n; i++)
	    if (want[i] == DSN_FAILED) {
		res[i].state = DR_TEMP;
		res[i].expired = 0;
	    }
    } else if (ndsn > 0) {
	for (i = 0; i < n; i++)
	    if (want[i] == DSN_DELAYED)
		delay_sent = 1;
    }
    /* 3. Remove or requeue. */
    for (i = 0; i < n; i++) {
	if (res[i].state == DR_TEMP)
	    temp++;
	else
	    settled++;
    }
    if (temp == 0) {
	if (queue_remove(path, &err) < 0) {
	    msg_error("message %s: %s", STR_C(m->env.id), STR_C(err));
	    rc = -1;
	} else
	    qnotify_del(&qn, d->channel, name);
    } else {
	rc = requeue(d, &qn, path, name, m, res, delay_sent);
    }
    /* 4. The cache and the counters (the job controller's, qnotify.h), the log. */
    {
	COUNTERS_DELTA cd;
	long    ndel = 0, nret = 0;

	for (i = 0; i < n; i++) {
	    ndel += res[i].state == DR_DELIVERED;
	    nret += res[i].state == DR_FAILED;
	}
	counters_delta_init(&cd, d->channel);
	counters_delta_outcome(&cd, d->channel, ndel, nret, (long) temp, temp == 0 && rc == 0);
	qnotify_count(&qn, &cd);
	qnotify_send(&qn);
	qnotify_free(&qn);
    }
    for (i = 0; i < n; i++) {
	const DRESULT *r = &res[i];
	const QRCPT *q = &m->env.rcpt[i];

	str_reset(&info);
	if (r->state == DR_DELIVERED) {
	    str_cpy(&info, STR_C(r->info));
	    if (want[i])
		str_catf(&info, "%s%s notification sent", info.len ? "; " : "",
			 dsn_action_name(want[i]));
	    d_log(d, m, q, maillog_code('D', r->tls, r->sasl), STR_C(info));
	    d->n_delivered++;
	} else if (r->state == DR_FAILED) {
	    str_printf(&info, "%s %s%s", r->status, STR_C(r->diag),
		       r->expired ? " (return period passed)" : "");
	    if (*from == 0)
		str_cat(&info, "; no notification: null sender");
	    else if (!want[i])
		str_cat(&info, "; no notification: NOTIFY");
	    d_log(d, m, q, "R", STR_C(info));
	    d->n_failed++;
	} else {
	    str_printf(&info, "%s %s", r->status, STR_C(r->diag));
	    if (want[i] == DSN_DELAYED && delay_sent)
		str_cat(&info, "; delay notification sent");
	    d_log(d, m, q, settled > 0 ? "Z" : "Q", STR_C(info));
	    d->n_requeued++;
	}
    }
    free(want);
    str_free(&err);
    str_free(&info);
    return rc;
}
