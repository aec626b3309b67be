/*
 * NAME
 *	enqueue - queue a message made here: notifications, alias expansions
 * DESCRIPTION
 *	See enqueue.h.  The order is the queue's rule for anything durable:
 *	write every file, sync them together, and only then tell anyone (the
 *	cache, the counters, the job controller, the log).
 */
#include <stdlib.h>
#include <string.h>
#include "enqueue.h"
#include "queue.h"
#include "qnotify.h"
#include "mem.h"
#include "msg.h"

/* The addresses after routing, with their channels and addresses before. */
typedef struct ROUTED {
    STRLIST chan;
    STRLIST addr;
    STRLIST orig;
} ROUTED;

static void routed_add(ROUTED *out, const RW_RESULT *res, const char *orig)
{
    strlist_add(&out->chan, STR_C(res->channel));
    strlist_add(&out->addr, STR_C(res->address));
    strlist_add(&out->orig, orig);
}

static int route(const ENQUEUE *q, const char *addr, ROUTED *out, int depth)
{
    RW_REQUEST req;
    RW_RESULT res;
    STRLIST targets = STRLIST_INIT;
    STR     err = STR_INIT, local = STR_INIT;
    const char *at;
    size_t  i;
    int     rc = 0;

    rw_request_init(&req);
    rw_result_init(&res);
    req.source_channel = q->source;
    if (rewrite_address(q->rw, addr, &req, &res, &err) < 0) {
	msg_warn("cannot route <%s>: %s; it is left out", addr, STR_C(err));
	rc = -1;
    } else if (q->aliases != NULL && depth == 0 && strcmp(STR_C(res.channel), "l") == 0) {
	at = strrchr(STR_C(res.address), '@');
	str_cpyn(&local, STR_C(res.address),
		 at ? (size_t) (at - STR_C(res.address)) : res.address.len);
	if (alias_expand(q->aliases, STR_C(local), &targets, &err) < 0) {
	    msg_warn("alias %s: %s; <%s> is left out", STR_C(local), STR_C(err), addr);
	    rc = -1;
	} else if (targets.n > 0) {
	    for (i = 0; i < targets.n; i++)
		(void) route(q, targets.v[i], out, depth + 1);
	} else {
	    routed_add(out, &res, addr);
	}
    } else {
	routed_add(out, &res, addr);
    }
    rw_result_free(&res);
    strlist_free(&targets);
    str_free(&err);
    str_free(&local);
    return rc;
}

static void log_enqueued(const ENQUEUE *q, const ENQUEUE_MSG *m, const QMSG_W *w,
			 const char *to)
{
    MAILLOG_ENTRY e;
    STR     err = STR_INIT;

    memset(&e, 0, sizeof(e));
    e.src = q->source;
    e.dst = queue_w_channel(w);
    e.code = "E";
    e.size = (long) queue_w_size(w);
    e.from = m->from;
    e.orcpt = m->orcpt;
    e.to = to;
    e.msgid = queue_w_id(w);
    e.info = m->what;
    if (maillog_write(q->log, &e, &err) < 0)
	msg_warn("%s", STR_C(err));
    str_free(&err);
}

int     enqueue_message(const ENQUEUE *q, const ENQUEUE_MSG *m, STR *err)
{
    ROUTED  r;
    STRLIST chans = STRLIST_INIT;
    QMSG_W **ws;
    QENVELOPE *envs;
    QCACHE_REC *recs;
    size_t  i, j, nw = 0;
    int     rc = 0;

    memset(&r, 0, sizeof(r));
    for (i = 0; i < m->to->n; i++)
	(void) route(q, m->to->v[i], &r, 0);
    for (i = 0; i < r.chan.n; i++) {
	for (j = 0; j < chans.n && strcmp(chans.v[j], r.chan.v[i]) != 0; j++)
	     /* void */ ;
	if (j == chans.n)
	    strlist_add(&chans, r.chan.v[i]);
    }
    if (chans.n == 0) {
	rc = 1;
	goto done;
    }
    ws = mem_calloc(chans.n, sizeof(*ws));
    envs = mem_calloc(chans.n, sizeof(*envs));
    for (i = 0; i < chans.n; i++) {
	qenvelope_init(&envs[i]);
	str_cpy(&envs[i].source_channel, q->source);
	str_cpy(&envs[i].from, m->from);
	str_cpy(&envs[i].envid, m->envid ? m->envid : "");
	envs[i].ret = m->ret;
	for (j = 0; j < r.chan.n; j++)
	    if (strcmp(r.chan.v[j], chans.v[i]) == 0)
		qenvelope_add_rcpt(&envs[i], r.addr.v[j], m->orcpt, m->notify, r.orig.v[j]);
    }
    for (i = 0; rc == 0 && i < chans.n; i++) {
	ws[nw] = queue_create(chans.v[i], &envs[i], 0, err);
	if (ws[nw] == NULL || queue_write(ws[nw], m->body, m->len, err) < 0
	    || queue_finish(ws[nw], err) < 0)
	    rc = -1;
	if (ws[nw] != NULL)
	    nw++;
    }
    if (rc == 0 && queue_sync_dirs(ws, nw, err) < 0)
	rc = -1;
    recs = mem_calloc(nw ? nw : 1, sizeof(*recs));
    for (i = 0; i < nw; i++) {
	if (rc < 0) {
	    queue_abort(ws[i]);
	    continue;
	}
	if (q->log != NULL)
	    for (j = 0; j < envs[i].nrcpt; j++)
		log_enqueued(q, m, ws[i], STR_C(envs[i].rcpt[j].addr));
	qcache_rec_writer(&recs[i], ws[i], &envs[i]);
    }
    if (rc == 0)
	qnotify_enqueued(recs, nw);
    for (i = 0; rc == 0 && i < nw; i++)
	queue_release(ws[i]);
    free(recs);
    for (i = 0; i < chans.n; i++)
	qenvelope_free(&envs[i]);
    free(envs);
    free(ws);
done:
    strlist_free(&chans);
    strlist_free(&r.chan);
    strlist_free(&r.addr);
    strlist_free(&r.orig);
    return rc;
}
