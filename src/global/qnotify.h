/*
 * NAME
 *	qnotify - the queue's events: the job controller keeps the books
 * SYNOPSIS
 *	#include "qnotify.h"
 *
 *	QNOTIFY q = QNOTIFY_INIT;
 *	void qnotify_add(QNOTIFY *q, const QCACHE_REC *r, int wake);
 *	void qnotify_del(QNOTIFY *q, const char *channel, const char *name);
 *	void qnotify_count(QNOTIFY *q, const COUNTERS_DELTA *d);
 *	void qnotify_send(QNOTIFY *q);
 *	void qnotify_free(QNOTIFY *q);
 *
 *	void qnotify_enqueued(const QCACHE_REC *recs, size_t n);
 *	void qnotify_shutdown(void);
 *
 *	int qnotify_apply(const void *buf, size_t len, QCACHE *qc, COUNTERS *c,
 *			  QNOTIFY_WAKE_FN wake, void *ctx, STR *err);
 * DESCRIPTION
 *	The queue cache (qcache.h) and the counters (counters.h) are Berkeley
 *	DB databases.  A process killed inside Berkeley DB while it holds one
 *	of the shared regions' mutexes leaves every other process of that
 *	environment waiting on the mutex for good: Berkeley DB 5.3's mutexes
 *	are not robust and have no timeout.  The SMTP server must never be
 *	one of those waiting, whatever happens to a delivery job.  So the
 *	programs that may be killed at any moment (the SMTP server, the
 *	delivery jobs, "pmdf qm") do not write these databases while the
 *	job controller runs: they describe what they did to the queue as
 *	events, and the job controller, the one writer, applies them (and
 *	starts the deliveries the new messages need).  A job controller
 *	killed in the middle of a write wedges nobody: nobody else is inside
 *	the environment, and the next one recovers it when it opens it.
 *
 *	A QNOTIFY collects events: qnotify_add() (a message file is now in
 *	the queue, with the record the cache keeps; wake non-zero when it is
 *	due for delivery now: a new message, a released one), qnotify_del()
 *	(a message file left the queue, or was renamed: the old name),
 *	qnotify_count() (a change of a channel's counters).  qnotify_send()
 *	hands them to the job controller (jobwake.h), in datagrams of at most
 *	JOBWAKE_MAX bytes, and empties q; events that do not fit are sent as
 *	they are added.  When no job controller takes them (none runs, or it
 *	stayed full, jobwake.h), the sender applies them itself with
 *	qnotify_apply() through a queue cache and counters it opens once per
 *	process (closed by qnotify_shutdown()); nothing is lost then, but
 *	the one-writer guarantee holds only while the job controller runs.
 *	Failures there are warnings: queued mail is safe whatever happens to
 *	its bookkeeping, and the job controller's queue scans heal the cache.
 *
 *	qnotify_enqueued() is the usual case in one call: n new messages
 *	(records as qcache_rec_writer() fills them), each added with wake and
 *	counted as enqueued for its channel, then sent.
 *
 *	qnotify_apply() applies one datagram: removals first, then additions
 *	(qcache_add_many, one transaction), then the counters (counters_add,
 *	one transaction); qc or c may be NULL (that part is skipped).  For
 *	each addition with wake set, wake(channel, name, ctx) is called (the
 *	job controller learns of the message).  A datagram that is not ours
 *	or is damaged is refused whole.
 *
 *	Format: pack.h records.  u32 QNOTIFY_MAGIC, then events, each a u32
 *	type and its fields: QNOTIFY_ADD channel, name, size (two u32, high
 *	first), created (likewise), from, nrcpt, envid, wake; QNOTIFY_DEL
 *	channel, name; QNOTIFY_COUNT channel, then msgs and rcpts of each of
 *	the COUNTERS_KINDS kinds (two u32 each, signed, high first).
 * DIAGNOSTICS
 *	qnotify_apply() returns 0, or -1 with err set (a damaged datagram,
 *	a database error).
 */
#ifndef PMDF_QNOTIFY_H
#define PMDF_QNOTIFY_H
#include <stddef.h>
#include "str.h"
#include "qcache.h"
#include "counters.h"

#define QNOTIFY_MAGIC	0x50514531u	/* "PQE1" */
#define QNOTIFY_ADD	1
#define QNOTIFY_DEL	2
#define QNOTIFY_COUNT	3

typedef struct QNOTIFY {
    STR     buf;			/* events not yet sent, after the magic */
    size_t  n;				/* how many */
} QNOTIFY;

#define QNOTIFY_INIT { STR_INIT, 0 }

typedef void (*QNOTIFY_WAKE_FN) (const char *channel, const char *name, void *ctx);

void qnotify_add(QNOTIFY *q, const QCACHE_REC *r, int wake);
void qnotify_del(QNOTIFY *q, const char *channel, const char *name);
void qnotify_count(QNOTIFY *q, const COUNTERS_DELTA *d);
void qnotify_send(QNOTIFY *q);
void qnotify_free(QNOTIFY *q);
void qnotify_enqueued(const QCACHE_REC *recs, size_t n);
void qnotify_shutdown(void);
int qnotify_apply(const void *buf, size_t len, QCACHE *qc, COUNTERS *c,
		  QNOTIFY_WAKE_FN wake, void *ctx, STR *err);

#endif
