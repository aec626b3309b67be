/*
 * NAME
 *	dict - the one table/database interface (Berkeley DB)
 * SYNOPSIS
 *	#include "dict.h"
 *
 *	DICT *dict_open(const char *path, int flags, STR *err);
 *	int dict_get(DICT *d, const void *key, size_t klen, STR *val, STR *err);
 *	int dict_put(DICT *d, const void *key, size_t klen, const void *val, size_t vlen, STR *err);
 *	int dict_del(DICT *d, const void *key, size_t klen, STR *err);
 *	int dict_walk(DICT *d, const void *prefix, size_t plen, DICT_WALK_FN fn, void *ctx, STR *err);
 *	int dict_begin(DICT *d, STR *err);
 *	int dict_commit(DICT *d, STR *err);
 *	void dict_abort(DICT *d);
 *	void dict_close(DICT *d);
 *	const char *dict_path(const DICT *d);
 *	int dict_checkpoint(DICT *d, STR *err);
 * DESCRIPTION
 *	Every database of the toolkit (password, alias, general, queue cache)
 *	is a Berkeley DB B-tree opened through this module.  Keys and values
 *	are byte strings; keys come back in byte order, so a walk is sorted.
 *
 *	Databases live in a transactional Berkeley DB environment whose home
 *	is the database file's directory (region files __db.*, log files
 *	log.*, all mode 0600; old logs are removed automatically).  Every
 *	update is a transaction, committed to stable storage before
 *	dict_put()/dict_del() return, so concurrent writers (two
 *	administrators, a server reading while one writes) neither corrupt
 *	the file nor lose an update, and a crash leaves the last committed
 *	state.  dict_begin()..dict_commit() groups several updates into one
 *	transaction (all or nothing); dict_abort() undoes them.
 *
 *	A process killed while it had the environment open is cleaned up
 *	after by the others (its transactions aborted, its locks released)
 *	without disturbing them; only a death inside Berkeley DB itself
 *	needs a recovery, after which every process reopens its handles by
 *	itself, logs it, and runs the operation again (see dict.c).  So a
 *	long-running program keeps its DICT open: an operation either
 *	succeeds or fails with a message, never "run recovery" forever.
 *	dict_checkpoint() checkpoints the environment when a megabyte of log
 *	has been written since the last checkpoint, and removes the log
 *	files no longer needed: the one process looking after an
 *	environment calls it now and then (never several processes, see
 *	dict.c).  The databases of one directory share one
 *	environment handle in a process.
 *
 *	DICT_NOSYNC commits without waiting for the log to reach the disk:
 *	for indexes that can be rebuilt from the truth (the queue cache),
 *	where a crash may lose the last updates but never corrupts the file.
 *
 *	flags: DICT_RDONLY, or DICT_RDWR, optionally with DICT_CREATE (a new
 *	file is mode 0600: every database of an instance belongs to the user
 *	the mail system runs as, who alone may use the environment).  DICT_FOREIGN opens someone else's Berkeley DB
 *	file (any access method, e.g. a Cyrus sasldb2 hash) read-only and
 *	outside any environment, for imports.
 *
 *	dict_get() returns 1 and sets val, or 0 when the key is absent.
 *	dict_del() returns 1, or 0 when the key was absent.
 *	dict_walk() calls fn for each record whose key starts with prefix
 *	(all records when plen is 0), in key order, until fn returns non-zero;
 *	a walk interrupted by a recovery resumes after the last key fn saw.
 * DIAGNOSTICS
 *	Functions return -1 and set err to a message naming the database file
 *	and the problem: no such file, permission denied, not a Berkeley DB
 *	B-tree (a damaged or foreign file), read-only, plus Berkeley DB's own
 *	text where it gives one.
 *
 *	Inside dict_begin()..dict_commit(), dict_get(), dict_put(),
 *	dict_del(), dict_walk() and dict_commit() return DICT_AGAIN (also
 *	< 0, with err set) when the transaction was undone under them: a
 *	deadlock with another process, a lock held by a process that died,
 *	or a recovery of the environment.  The caller calls dict_abort() and
 *	may run the whole transaction again, as often as it gets DICT_AGAIN:
 *	the next dict_begin() backs off first, and fails with -1 once the
 *	records stayed locked for 30 seconds or a recovery failed.  Outside
 *	a transaction these cases are retried here and never seen.
 */
#ifndef PMDF_DICT_H
#define PMDF_DICT_H
#include <stddef.h>
#include "str.h"

#define DICT_RDONLY  0
#define DICT_RDWR    1
#define DICT_CREATE  2
#define DICT_FOREIGN 4
#define DICT_NOSYNC  8

#define DICT_AGAIN   (-2)

typedef struct DICT DICT;
typedef int (*DICT_WALK_FN) (const void *key, size_t klen, const void *val, size_t vlen,
			             void *ctx);

DICT *dict_open(const char *path, int flags, STR *err);
int dict_get(DICT *d, const void *key, size_t klen, STR *val, STR *err);
int dict_put(DICT *d, const void *key, size_t klen, const void *val, size_t vlen, STR *err);
int dict_del(DICT *d, const void *key, size_t klen, STR *err);
int dict_walk(DICT *d, const void *prefix, size_t plen, DICT_WALK_FN fn, void *ctx, STR *err);
int dict_begin(DICT *d, STR *err);
int dict_commit(DICT *d, STR *err);
void dict_abort(DICT *d);
void dict_close(DICT *d);
const char *dict_path(const DICT *d);
int dict_checkpoint(DICT *d, STR *err);

#endif
