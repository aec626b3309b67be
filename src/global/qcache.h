/*
 * NAME
 *	qcache - the queue cache: a rebuildable index of the queued messages
 * SYNOPSIS
 *	#include "qcache.h"
 *
 *	int qcache_path(int purpose, STR *path, STR *err);
 *	QCACHE *qcache_open(int flags, STR *err);
 *	void qcache_close(QCACHE *c);
 *	const char *qcache_db_path(const QCACHE *c);
 *	int qcache_checkpoint(QCACHE *c, STR *err);	(the job controller only)
 *
 *	void qcache_rec_writer(QCACHE_REC *r, const QMSG_W *w, const QENVELOPE *env);
 *	void qcache_rec_message(QCACHE_REC *r, const char *channel, const char *name,
 *				const QMESSAGE *m);
 *	int qcache_add(QCACHE *c, const QCACHE_REC *r, STR *err);
 *	int qcache_add_many(QCACHE *c, const QCACHE_REC *r, size_t n, STR *err);
 *	int qcache_remove(QCACHE *c, const char *channel, const char *name, STR *err);
 *	int qcache_walk(QCACHE *c, const char *channel, QCACHE_WALK_FN fn, void *ctx,
 *			STR *err);
 *	int qcache_synchronize(QCACHE *c, QCACHE_SYNC *counts, STR *report, STR *err);
 * DESCRIPTION
 *	The queue cache lets the job controller and "pmdf qm" list the queue
 *	without opening every message file.  It is a Berkeley DB opened
 *	through dict.h, named by the logical name PMDF_QUEUE_CACHE_DATABASE,
 *	by default PMDF_QUEUE:queue_cache.db.  The files are the truth; the
 *	cache is an index that qcache_synchronize() ("pmdf cache
 *	-synchronize") can always rebuild from them.
 *
 *	Key: "<channel>/<file name>", e.g. "tcp_local/ZZ0123...ef.00"; held
 *	files (ZZ...ef.HELD) have entries too, and qcache_synchronize() lists
 *	active and held files alike (queue_scan_which, QUEUE_SCAN_ALL).
 *	Value, pack.h words (32-bit big-endian; u64 is two words, high first;
 *	B is a length and bytes):
 *
 *		u32 version		QCACHE_VERSION (1)
 *		u64 size		message length in bytes
 *		u64 created		seconds since 1970-01-01 UTC, signed
 *		B   From		envelope From, "" for <>
 *		u32 recipients		recipient count
 *		B   ENVID		DSN envelope id, "" when none
 *
 *	qcache_path() gives the database's file (purpose LNM_READ or
 *	LNM_CREATE).  qcache_open() opens it with dict.h flags (DICT_RDONLY,
 *	DICT_RDWR, DICT_RDWR | DICT_CREATE).
 *
 *	A QCACHE_REC's strings are borrowed.  qcache_rec_writer() fills one
 *	for a message just written (the envelope given to queue_create());
 *	qcache_rec_message() for a message read back.  qcache_add() stores
 *	(or replaces) one entry, durably; qcache_add_many() stores n entries
 *	in one transaction, so a group commit of n messages costs the cache
 *	one log sync.  qcache_remove() returns 1, or 0 when the entry was
 *	absent.
 *
 *	Who writes: while the job controller runs, it alone (the others send
 *	it their changes, qnotify.h); otherwise each program that changes
 *	the queue, and "pmdf cache -synchronize".
 *
 *	qcache_walk() calls fn for each entry of one channel (all channels
 *	when channel is NULL), in key order, until fn returns non-zero.
 *
 *	qcache_synchronize() lists every message file (queue_scan), removes
 *	entries with no file and entries that do not decode, and adds an
 *	entry for every file that has none, reading and validating the file
 *	first: a damaged file (queue_read() says QUEUE_DAMAGED) is counted,
 *	named in the report and left out of the cache.  Updates go in
 *	transactions of QCACHE_BATCH.  counts (may be NULL) receives the
 *	figures; report receives one line of figures, then one line per
 *	damaged file.
 * DIAGNOSTICS
 *	-1 with err naming the database or file and the problem.  A walk that
 *	meets an entry it cannot decode stops with an error that tells to run
 *	"pmdf cache -synchronize".
 */
#ifndef PMDF_QCACHE_H
#define PMDF_QCACHE_H
#include <stddef.h>
#include <stdint.h>
#include "str.h"
#include "queue.h"

#define QCACHE_VERSION		1
#define QCACHE_SPEC		"PMDF_QUEUE_CACHE_DATABASE:"
#define QCACHE_DEFAULT_SPEC	"PMDF_QUEUE:queue_cache.db"
#define QCACHE_BATCH		256

typedef struct QCACHE QCACHE;

typedef struct QCACHE_REC {
    const char *channel;
    const char *name;
    uint64_t size;		/* message length */
    int64_t created;
    const char *from;
    uint32_t nrcpt;
    const char *envid;
} QCACHE_REC;

typedef struct QCACHE_SYNC {
    unsigned long files;	/* message files found */
    unsigned long kept;		/* entries that were right */
    unsigned long added;	/* entries added for files */
    unsigned long removed;	/* stale or undecodable entries removed */
    unsigned long damaged;	/* damaged files left out */
} QCACHE_SYNC;

typedef int (*QCACHE_WALK_FN) (const QCACHE_REC *r, void *ctx);

int qcache_path(int purpose, STR *path, STR *err);
QCACHE *qcache_open(int flags, STR *err);
void qcache_close(QCACHE *c);
const char *qcache_db_path(const QCACHE *c);
int qcache_checkpoint(QCACHE *c, STR *err);
void qcache_rec_writer(QCACHE_REC *r, const QMSG_W *w, const QENVELOPE *env);
void qcache_rec_message(QCACHE_REC *r, const char *channel, const char *name,
			const QMESSAGE *m);
int qcache_add(QCACHE *c, const QCACHE_REC *r, STR *err);
int qcache_add_many(QCACHE *c, const QCACHE_REC *r, size_t n, STR *err);
int qcache_remove(QCACHE *c, const char *channel, const char *name, STR *err);
int qcache_walk(QCACHE *c, const char *channel, QCACHE_WALK_FN fn, void *ctx, STR *err);
int qcache_synchronize(QCACHE *c, QCACHE_SYNC *counts, STR *report, STR *err);

#endif
