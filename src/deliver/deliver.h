/*
 * NAME
 *	deliver - pmdf_deliver: the channel programs' shared state
 * DESCRIPTION
 *	deliver.c owns the process: the command line, the configuration,
 *	which queue files to take, and the loop over them.  Each message is
 *	locked and read, its recipients are delivered by the channel's kind
 *	(d_local.c: the local channel l into Maildirs, and bitbucket;
 *	d_smtp.c: channels with the smtp keyword), each recipient ending in
 *	a DRESULT, and d_settle.c settles the message once: notifications
 *	queued first, then the file removed or requeued, the queue cache
 *	and the mail log brought up to date.  Data moves one way: queue ->
 *	delivery -> queue (requeue, notifications).
 */
#ifndef PMDF_DELIVER_H
#define PMDF_DELIVER_H
#include <stdint.h>
#include "str.h"
#include "strlist.h"
#include "config.h"
#include "rewrite.h"
#include "dict.h"
#include "maillog.h"
#include "queue.h"
#include "qcache.h"
#include "qnotify.h"
#include "enqueue.h"
#include "retry.h"
#include "smtpcli.h"
#include "tlsio.h"

#define DK_LOCAL	1
#define DK_BITBUCKET	2
#define DK_SMTP		3

#define DR_PENDING	0
#define DR_DELIVERED	1
#define DR_FAILED	2	/* permanently */
#define DR_TEMP		3

typedef struct DRESULT {
    int     state;
    char    status[16];		/* enhanced status code, "2.0.0" */
    STR     diag;		/* the reason (an SMTP reply when diag_smtp) */
    int     diag_smtp;
    STR     remote;		/* Remote-MTA, "" when none */
    int     tls;		/* delivered over TLS (the log's S) */
    int     sasl;		/* ... in an authenticated session (A) */
    int     relayed;		/* the next hop got no DSN parameters */
    int     expanded;		/* a local alias: its addresses were queued */
    int     expired;		/* returned because the return period passed */
    int     attempted;		/* an attempt was made (Last-Attempt-Date) */
    STR     info;		/* free text for the mail log */
} DRESULT;

typedef struct DCTX {
    CONFIG  cfg;
    const CNF_CHANNEL *ch;
    const char *channel;
    const char *host;		/* official name of the local host */
    int     kind;		/* DK_* */
    REWRITER *rw;
    DICT   *general;
    DICT   *passdb;		/* the l channel's "known user" check; may be NULL */
    MAILLOG *log;
    RETRY_POLICY retry;
    int64_t now;
    unsigned counter;		/* unique names made in this run */
    /* SMTP channels */
    int     port;
    int     tls_mode;		/* SMTPCLI_TLS_* */
    TLS_CLIENT *tls_ctx;
    SMTPCLI_OPTS opts;
    long    connect_ms;
    SMTPCLI *conn;		/* kept open for the next message to the same hop */
    STR     conn_key;
    STR     conn_host;
    /* figures for the summary line */
    long    n_messages, n_delivered, n_failed, n_requeued, n_busy, n_damaged;
} DCTX;

void dresult_set(DRESULT *r, int state, const char *status, const char *fmt, ...);
void dresult_free(DRESULT *r);

void d_local_deliver(DCTX *d, const QMESSAGE *m, DRESULT *res);
void d_bitbucket_deliver(DCTX *d, const QMESSAGE *m, DRESULT *res);
int d_smtp_init(DCTX *d, STR *err);
void d_smtp_deliver(DCTX *d, const QMESSAGE *m, DRESULT *res);
void d_smtp_done(DCTX *d);

int d_settle(DCTX *d, const char *path, const char *name, const QMESSAGE *m, DRESULT *res);
void d_enqueuer(DCTX *d, ENQUEUE *q, int expand_aliases);

void d_log(DCTX *d, const QMESSAGE *m, const QRCPT *r, const char *code, const char *info);

#endif
