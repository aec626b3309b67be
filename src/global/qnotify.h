/*
 * NAME
 *	qnotify - after messages are queued: count them, wake the job controller
 * SYNOPSIS
 *	#include "qnotify.h"
 *
 *	void qnotify_enqueued(COUNTERS *c, const QCACHE_REC *recs, size_t n);
 * DESCRIPTION
 *	Whatever queues messages (the SMTP server after each group commit,
 *	the delivery program after it queues a notification) calls this once
 *	the messages are durable and in the queue cache, with the same
 *	records it gave qcache_add_many().  It adds the messages and their
 *	recipients to the channels' counters in one transaction (c may be
 *	NULL: no counting), then wakes the job controller once per channel
 *	with the names of that channel's new files (jobwake.h).
 *
 *	It never fails its caller: queued mail is safe whatever happens
 *	here.  A counter update that fails is reported with msg_warn()
 *	(the counters are statistics); a lost wake-up only delays delivery
 *	to the job controller's next scan.
 * DIAGNOSTICS
 *	None returned.  "counters: <database>: <problem> (the messages are
 *	queued all the same)" goes to standard error through msg_warn().
 */
#ifndef PMDF_QNOTIFY_H
#define PMDF_QNOTIFY_H
#include <stddef.h>
#include "qcache.h"
#include "counters.h"

void qnotify_enqueued(COUNTERS *c, const QCACHE_REC *recs, size_t n);

#endif
