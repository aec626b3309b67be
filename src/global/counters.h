/*
 * NAME
 *	counters - per-channel message and recipient counters
 * SYNOPSIS
 *	#include "counters.h"
 *
 *	COUNTERS *counters_open(int flags, STR *err);
 *	void counters_close(COUNTERS *c);
 *	const char *counters_db_path(const COUNTERS *c);
 *	int counters_checkpoint(COUNTERS *c, STR *err);	(the job controller only)
 *
 *	void counters_delta_init(COUNTERS_DELTA *d, const char *channel);
 *	void counters_delta_enqueued(COUNTERS_DELTA *d, const char *channel,
 *				     long recipients);
 *	void counters_delta_outcome(COUNTERS_DELTA *d, const char *channel,
 *				    long delivered, long returned, long deferred,
 *				    int finished);
 *	void counters_delta_removed(COUNTERS_DELTA *d, const char *channel,
 *				    long recipients);
 *	int counters_add(COUNTERS *c, const COUNTERS_DELTA *d, size_t n, STR *err);
 *
 *	int counters_get(COUNTERS *c, const char *channel, CHANNEL_COUNTERS *cc,
 *			 STR *err);
 *	int counters_walk(COUNTERS *c, COUNTERS_WALK_FN fn, void *ctx, STR *err);
 *	int counters_clear(COUNTERS *c, const char *channel, STR *err);
 *	int counters_set_queued(COUNTERS *c, const char *channel, int64_t msgs,
 *				int64_t rcpts, STR *err);
 * DESCRIPTION
 *	What "pmdf counters -show" and "pmdf qm counters" print: for each
 *	channel, messages and recipients
 *
 *		COUNTERS_ENQUEUED	queued for the channel (by the SMTP
 *					server, or by delivery for a notice)
 *		COUNTERS_DELIVERED	delivered by the channel
 *		COUNTERS_RETURNED	returned to the sender (bounced), by
 *					delivery or "pmdf qm return"
 *		COUNTERS_DEFERRED	delivery attempts that failed
 *					temporarily (the message was requeued)
 *		COUNTERS_QUEUED		in the queue now (a gauge: enqueued
 *					minus what left the queue)
 *
 *	A message with several recipients counts once among the messages of
 *	each outcome it had (a message delivered to two recipients and
 *	returned for a third counts once as delivered and once as returned).
 *
 *	The database is a Berkeley DB opened through dict.h, named by the
 *	logical name PMDF_COUNTERS_DATABASE, by default PMDF_LOG:counters.db.
 *	It must not share a directory (a Berkeley DB environment) with
 *	another database a process keeps open at the same time, such as the
 *	queue cache in PMDF_QUEUE: Berkeley DB's DB_REGISTER allows a
 *	process one handle per environment.  Key: the
 *	channel name.  Value, pack.h words (32-bit big-endian; u64 as two
 *	words, high first):
 *
 *		u32 version		COUNTERS_VERSION (1)
 *		u64 since		seconds since 1970 when the channel's
 *					counters started (first use or -clear)
 *		then for each of the COUNTERS_KINDS kinds above, in order:
 *		u64 messages		(two's complement: a gauge may dip
 *		u64 recipients		 below zero after a crash)
 *
 *	One more record, key "#writer" with an empty value, is written first
 *	by every updating transaction so that writers queue up instead of
 *	deadlocking (counters.c); walks skip it.
 *
 *	Like the queue cache the database commits without waiting for the
 *	disk (DICT_NOSYNC): a crash may lose the last updates, never corrupt
 *	the file.  The counters are statistics, not the truth; the queue
 *	files are.
 *
 *	A COUNTERS_DELTA holds signed changes for one channel.  The helpers
 *	fill one for the usual events: counters_delta_enqueued() (one
 *	message with that many recipients entered the channel's queue),
 *	counters_delta_outcome() (one delivery attempt of a message: so many
 *	recipients delivered, returned and deferred; finished non-zero when
 *	the message left the queue), counters_delta_removed() (a message
 *	deleted from the queue by hand).  Several helpers may be applied to
 *	the same delta: they add (counters_delta_init() zeroes it first; the
 *	helpers do not).  counters_add() applies n deltas in one
 *	transaction, retrying it when Berkeley DB breaks a deadlock
 *	between concurrent writers, and reopening the database once when
 *	the environment needs recovery (a writer was killed).  Deltas for
 *	the same channel may repeat within one call.
 *
 *	counters_get() fills cc for one channel (all zero when it has none;
 *	returns 1 or 0).  counters_walk() calls fn for each channel in
 *	name order until it returns non-zero.  counters_clear() zeroes the
 *	counters of one channel (all channels when channel is NULL) but the
 *	COUNTERS_QUEUED gauge, and restarts their "since" time.
 *	counters_set_queued() sets the gauge (pmdf counters -clear sets it
 *	from the queue itself).
 * DIAGNOSTICS
 *	-1 with err naming the database and the problem; counters_open()
 *	returns NULL.  A value that does not decode is an error telling to
 *	run "pmdf counters -clear".
 */
#ifndef PMDF_COUNTERS_H
#define PMDF_COUNTERS_H
#include <stddef.h>
#include <stdint.h>
#include "str.h"

#define COUNTERS_VERSION	1
#define COUNTERS_SPEC		"PMDF_COUNTERS_DATABASE:"
#define COUNTERS_DEFAULT_SPEC	"PMDF_LOG:counters.db"

#define COUNTERS_ENQUEUED	0
#define COUNTERS_DELIVERED	1
#define COUNTERS_RETURNED	2
#define COUNTERS_DEFERRED	3
#define COUNTERS_QUEUED		4
#define COUNTERS_KINDS		5

typedef struct COUNTERS COUNTERS;

typedef struct CHANNEL_COUNTERS {
    char    channel[33];
    int64_t since;
    int64_t msgs[COUNTERS_KINDS];
    int64_t rcpts[COUNTERS_KINDS];
} CHANNEL_COUNTERS;

typedef struct COUNTERS_DELTA {
    const char *channel;	/* borrowed */
    int64_t msgs[COUNTERS_KINDS];
    int64_t rcpts[COUNTERS_KINDS];
} COUNTERS_DELTA;

typedef int (*COUNTERS_WALK_FN) (const CHANNEL_COUNTERS *cc, void *ctx);

extern const char *const counters_kind_names[COUNTERS_KINDS];

COUNTERS *counters_open(int flags, STR *err);
void counters_close(COUNTERS *c);
const char *counters_db_path(const COUNTERS *c);
int counters_checkpoint(COUNTERS *c, STR *err);
void counters_delta_init(COUNTERS_DELTA *d, const char *channel);
void counters_delta_enqueued(COUNTERS_DELTA *d, const char *channel, long recipients);
void counters_delta_outcome(COUNTERS_DELTA *d, const char *channel, long delivered,
			    long returned, long deferred, int finished);
void counters_delta_removed(COUNTERS_DELTA *d, const char *channel, long recipients);
int counters_add(COUNTERS *c, const COUNTERS_DELTA *d, size_t n, STR *err);
int counters_get(COUNTERS *c, const char *channel, CHANNEL_COUNTERS *cc, STR *err);
int counters_walk(COUNTERS *c, COUNTERS_WALK_FN fn, void *ctx, STR *err);
int counters_clear(COUNTERS *c, const char *channel, STR *err);
int counters_set_queued(COUNTERS *c, const char *channel, int64_t msgs, int64_t rcpts,
			STR *err);

#endif
