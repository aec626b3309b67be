/*
 * NAME
 *	enqueue - queue a message made here: notifications, alias expansions
 * SYNOPSIS
 *	#include "enqueue.h"
 *
 *	int enqueue_message(const ENQUEUE *q, const ENQUEUE_MSG *m, STR *err);
 * DESCRIPTION
 *	The SMTP server queues what it receives; everything else that puts a
 *	message into the queue goes through enqueue_message(): pmdf_deliver
 *	(delivery status notifications, a local alias's targets) and
 *	`pmdf qm return` (the postmaster's bounce).
 *
 *	Every address in m->to is routed by the rewrite rules with q->source
 *	as the source channel.  When q->aliases is not NULL an address the
 *	rules give to the local channel l is looked up there and replaced by
 *	its targets (one level deep, as PMDF expands aliases at enqueue).
 *	The recipients are grouped by destination channel, one queue file per
 *	channel; each recipient gets m->notify and m->orcpt (NULL: none) and
 *	its address before routing as its original address.  The envelope
 *	has From m->from ("" for <>), ENVID m->envid and RET m->ret.
 *
 *	All the files are made durable together (queue_sync_dirs) before any
 *	is released, so a crash leaves none or all of them.  Then each is
 *	logged with an E entry per recipient (q->log may be NULL), its info
 *	field m->what, and all are handed to the job controller, which
 *	enters them into the queue cache, counts them and delivers them
 *	(qnotify_enqueued).
 *
 *	An address that cannot be routed, or an alias that cannot be read,
 *	is left out with a warning (msg_warn) naming it.
 * DIAGNOSTICS
 *	0 when queued; 1 when no recipient could be routed (nothing queued);
 *	-1 with *err set when a queue file could not be written, and then
 *	nothing is queued.  Log failures are warnings: the message is queued
 *	all the same.
 */
#ifndef PMDF_ENQUEUE_H
#define PMDF_ENQUEUE_H
#include <stddef.h>
#include "str.h"
#include "strlist.h"
#include "rewrite.h"
#include "alias.h"
#include "maillog.h"

typedef struct ENQUEUE {
    REWRITER *rw;
    ALIASES *aliases;		/* expand local aliases; NULL: do not */
    const char *source;		/* the source channel */
    MAILLOG *log;		/* may be NULL */
} ENQUEUE;

typedef struct ENQUEUE_MSG {
    const char *from;		/* "" for <> */
    const STRLIST *to;
    unsigned notify;		/* each recipient's NOTIFY: QUEUE_NOTIFY_* or 0 */
    const char *orcpt;		/* each recipient's ORCPT; NULL: none */
    const char *envid;		/* NULL: none */
    int     ret;		/* DSN RET: QUEUE_RET_* */
    const char *body;
    size_t  len;
    const char *what;		/* the log entries' info */
} ENQUEUE_MSG;

int enqueue_message(const ENQUEUE *q, const ENQUEUE_MSG *m, STR *err);

#endif
