/*
 * NAME
 *	queue - message files in PMDF_QUEUE:, written durably, read suspiciously
 * SYNOPSIS
 *	#include "queue.h"
 *
 *	void qenvelope_init(QENVELOPE *env);
 *	QRCPT *qenvelope_add_rcpt(QENVELOPE *env, const char *addr, const char *orcpt,
 *				  unsigned notify, const char *original);
 *	int qenvelope_check(const QENVELOPE *env, STR *err);
 *	void qenvelope_free(QENVELOPE *env);
 *
 *	QMSG_W *queue_create(const char *channel, const QENVELOPE *env, size_t max_size,
 *			     STR *err);
 *	int queue_write(QMSG_W *w, const void *data, size_t len, STR *err);
 *	int queue_finish(QMSG_W *w, STR *err);
 *	int queue_sync_dirs(QMSG_W *const *ws, size_t n, STR *err);
 *	void queue_defer_sync(int on);
 *	int queue_is_durable(const QMSG_W *w);
 *	void queue_release(QMSG_W *w);
 *	void queue_abort(QMSG_W *w);
 *	const char *queue_w_id(const QMSG_W *w);
 *	const char *queue_w_name(const QMSG_W *w);
 *	const char *queue_w_channel(const QMSG_W *w);
 *	const char *queue_w_path(const QMSG_W *w);
 *	int64_t queue_w_created(const QMSG_W *w);
 *	uint64_t queue_w_size(const QMSG_W *w);
 *
 *	void queue_message_init(QMESSAGE *m);
 *	int queue_read(const char *path, QMESSAGE *m, STR *err);
 *	int queue_parse(const void *buf, size_t len, QMESSAGE *m, STR *err);
 *	void queue_message_free(QMESSAGE *m);
 *	int queue_scan(const char *channel, QUEUE_SCAN_FN fn, void *ctx, STR *err);
 *	int queue_remove(const char *path, STR *err);
 *	int queue_channel_dir(const char *channel, int purpose, STR *dir, STR *err);
 *	int queue_valid_channel(const char *channel, STR *err);
 *	int queue_valid_name(const char *name);
 *	int queue_valid_held_name(const char *name);
 *	int queue_name_attempt(const char *name);
 *	int queue_scan_which(const char *channel, int which, QUEUE_SCAN_FN fn,
 *			     void *ctx, STR *err);
 *
 *	int queue_lock(const char *path, QLOCK *lk, STR *err);
 *	int queue_read_locked(QLOCK *lk, QMESSAGE *m, STR *err);
 *	void queue_unlock(QLOCK *lk);
 *	int queue_requeue(const char *path, const QENVELOPE *env, const char *body,
 *			  size_t body_len, STR *new_path, STR *err);
 *	int queue_hold(const char *path, STR *new_path, STR *err);
 *	int queue_unhold(const char *path, STR *new_path, STR *err);
 *	void qenvelope_copy_header(QENVELOPE *dst, const QENVELOPE *src);
 * DESCRIPTION
 *	Layout.  The queue root is the directory PMDF_QUEUE: names (a logical
 *	name; on Unix the tailor file's PMDF_QUEUE=/pmdf/queue/).  Each
 *	channel has its own directory, PMDF_QUEUE:[<channel>] (on Unix
 *	<root>/<channel>/, created mode 0700 on first use; the root itself
 *	must exist).  A message is one file, mode 0600, named
 *
 *		ZZ<24 lower-case hex digits>.NN
 *
 *	where NN, 00 to 99, counts the delivery attempts that failed
 *	temporarily, as in PMDF: the SMTP server writes .00, and each
 *	requeue (queue_requeue) writes the next number, staying at 99 once
 *	there.  A held message is named ZZ<24 hex>.HELD and is never taken
 *	for delivery.  The 24 hex digits (the "stem") never change for the
 *	life of a message.
 *	The 96 bits are 52 bits of the time in microseconds since 1970 (good
 *	until 2112, and they sort a channel's files by arrival), 24 bits of
 *	the process id, an 8-bit per-process counter, and 12 random bits from
 *	OpenSSL's RAND_bytes() (fork-safe; no descriptor for /dev/urandom
 *	kept open).  The counter is this module's one piece of process state.
 *	The file is created with O_EXCL (a clash picks another name) and
 *	written as ZZ<24 hex>.tmp in the same directory, then renamed.  (Not
 *	"<name>.00.tmp": ODS-2 file names allow one dot.)  Only names of the
 *	exact final forms are ever taken for messages; *.tmp files, which a
 *	crash can leave behind, and any other name are ignored.  Names are
 *	matched case-blind, as ODS-2 stores them upper case.
 *
 *	File format, version 1.  All integers are 32-bit big-endian (pack.h);
 *	a 64-bit quantity is two of them, high word first; B is a byte
 *	string: a 32-bit length then that many bytes.
 *
 *		"PMDFQ\n"		6 bytes, the magic line
 *		u32 version		QUEUE_FORMAT_VERSION (1)
 *		B   envelope id		1 .. 64 bytes; the file's own "ZZ<24 hex>"
 *					unless the envelope carried one (requeue)
 *		u64 created		seconds since 1970-01-01 UTC, signed, not 0
 *		B   source channel	<= 32 bytes, a valid channel name or empty
 *		B   envelope From	<= 1024 bytes; empty for <>
 *		u32 DSN RET		0 none, 1 FULL, 2 HDRS
 *		B   DSN ENVID		<= 1024 bytes (xtext as received)
 *		B   authenticated user	<= 1024 bytes, empty when none
 *		u32 flags		bit 0: received under TLS; bit 1: a
 *					delay notice (DSN) was already sent;
 *					others 0
 *		B   client address	<= 1024 bytes
 *		B   HELO/EHLO name	<= 1024 bytes
 *		u32 recipient count	1 .. 100,000, then for each recipient:
 *		    B   address		1 .. 1024 bytes
 *		    B   ORCPT		<= 1024 bytes ("rfc822;..." as received)
 *		    u32 NOTIFY		0 (not given) or QUEUE_NOTIFY_* bits
 *		    B   original address	<= 1024 bytes, before rewriting
 *		u64 message length	<= QUEUE_MAX_MESSAGE
 *		    message		exactly as received, CRLF line ends
 *		"PMDFQEND"		8 bytes, the trailer magic
 *		u32 crc32		zlib crc32 of every byte before "PMDFQEND"
 *
 *	No envelope field contains CR, LF or NUL: the writer refuses them
 *	(nothing is written) and the reader refuses a file that has them.
 *	NOTIFY is NEVER alone or any of SUCCESS, FAILURE, DELAY (RFC 3461).
 *	A reader meeting an unknown version stops there; a later version may
 *	change anything after the version word.  Flag bit 1 came after the
 *	first files were written; the format stays version 1 because every
 *	old file reads the same.  A reader older than bit 1 refuses a file
 *	carrying it as damaged ("unknown flags") and leaves it in place, so
 *	nothing is lost when an old program meets a new file.
 *
 *	Envelopes.  QENVELOPE fields are STRs, so a field received with a NUL
 *	in it arrives here intact and is refused rather than silently cut.
 *	qenvelope_add_rcpt() copies its strings (NULL reads as "") and
 *	returns the new recipient, whose STRs may be set directly.
 *	qenvelope_check() applies the writer's rules (for callers that want
 *	to refuse a bad RCPT early).  qenvelope_free() frees everything.
 *
 *	Writing.  queue_create() checks the channel name and the envelope,
 *	opens the .tmp file and buffers the header; a zero max_size means
 *	QUEUE_MAX_MESSAGE, the hard limit.  queue_write() appends message
 *	bytes (any number of calls, any sizes; bytes are binary-safe),
 *	writing to the file in blocks of QUEUE_WRITE_BLOCK; a message that
 *	would exceed max_size fails the writer.  queue_finish() appends the
 *	trailer, writes the length, syncs the file's data (port_fsync_file),
 *	closes it and renames it to its final name.  The message is then
 *	complete but not yet durable: its directory entry is not synced.
 *
 *	Group commit.  queue_sync_dirs() takes any number of finished writers
 *	(from many SMTP sessions) and syncs each distinct directory among
 *	them once; only when it returns 0 may the server answer 250 for all
 *	of them.  Cost per message is one data sync; the directory syncs are
 *	shared (one per channel per group instead of one per message).  When
 *	a directory cannot be synced, -1 is returned and queue_is_durable()
 *	tells, writer by writer, which messages are safe.  A directory
 *	created by queue_create() is made durable in its parent at once.
 *
 *	queue_defer_sync(1) (the SMTP server's choice) moves even the data
 *	syncs into the group commit: queue_finish() then only writes, closes
 *	and renames, and queue_sync_dirs() makes the whole group durable with
 *	one sync of the file system (syncfs on Linux: data, inodes and
 *	directory entries of every file in it), so a group of N messages
 *	costs one journal commit instead of N.  Where the system has no such
 *	call it syncs each file, then each directory.  The setting is per
 *	process; off by default.
 *
 *	queue_release() frees a writer and leaves its finished file alone
 *	(an unfinished writer's .tmp file is removed).
 *	queue_abort() removes the writer's file, .tmp or final, and frees
 *	it: for a message the client was not told was accepted.
 *	The accessors give the envelope id, the file name, the channel, the
 *	path of the final file, the creation time and the message length.
 *
 *	Reading.  queue_read() reads a whole file (at most QUEUE_MAX_FILE
 *	bytes) and queue_parse() validates a buffer: magic, version, the
 *	trailer and the checksum, then every length against the bytes left
 *	and every field against the writer's rules.  m->env is filled, and
 *	m->body (m->body_len bytes, not NUL-terminated) points into m->data,
 *	which m owns; queue_message_free() frees it all.
 *
 *	queue_scan() calls fn(channel, name, path, ctx) for each finished
 *	message file of one channel (or, with channel NULL, of every channel
 *	directory under the root, channels in name order), files in name
 *	order, which is arrival order.  It stops when fn returns non-zero and
 *	returns that value.  A channel with no directory has no messages.
 *
 *	queue_scan_which() does the same for the files which selects:
 *	QUEUE_SCAN_ACTIVE (the .NN files, what queue_scan() lists),
 *	QUEUE_SCAN_HELD (the .HELD files) or QUEUE_SCAN_ALL (both; pmdf qm).
 *	Two active files with the same stem can exist after a crash in the
 *	middle of queue_requeue(): the higher attempt is the newer, complete
 *	file (it was durable before the lower was removed).  A scan passes
 *	only the highest and removes the lower ones when it can lock them
 *	(a lower one that is locked is skipped and left to its holder).
 *
 *	queue_valid_name() accepts an active name (.00 to .99),
 *	queue_valid_held_name() a held one; queue_name_attempt() gives the
 *	attempt number of a name: 0 to 99, QUEUE_ATTEMPT_HELD for .HELD, or
 *	-1 when it is not a message file name.
 *
 *	Locking.  queue_lock() takes the exclusive, non-blocking lock of
 *	flock.h on a message file: 0 locked, QUEUE_BUSY when another process
 *	holds it (a deliverer skips the file; qm says it is busy), -1 with
 *	err (errno ENOENT when the file has gone: skip it too).
 *	queue_read_locked() reads the file through the lock's descriptor,
 *	with queue_read()'s checks and results.  A process must not
 *	queue_read() a file it has locked: on Unix closing any descriptor of
 *	the file drops the lock.  queue_unlock() releases the lock (it may
 *	be called on a QLOCK never locked, after QLOCK_INIT).  Renaming or
 *	removing a locked file keeps the lock until queue_unlock().
 *
 *	Requeueing.  queue_requeue() replaces the (locked) message file path
 *	by one holding env (the remaining recipients; env->id and
 *	env->created must be those of the message, see
 *	qenvelope_copy_header()) and the message body, named with the same
 *	stem and the next attempt number: the new file is written as
 *	ZZ<stem>.tmp, synced, renamed and its directory synced BEFORE the
 *	old file is removed (and the directory synced again).  A crash in
 *	between leaves both files; the scan rule above keeps the new one.
 *	At attempt 99 the new file replaces the old by rename.  new_path
 *	(may be NULL) receives the new file's path.  The new file's
 *	modification time is the time of the requeue, which is what
 *	queue_next_attempt() (retry.h) counts from.
 *
 *	Holding.  queue_hold() renames an active file to ZZ<stem>.HELD and
 *	syncs the directory; it takes the file's lock first, so a message
 *	being delivered is not held (QUEUE_BUSY: try again).  queue_unhold()
 *	renames a held file to ZZ<stem>.00, so it is due at once, and syncs
 *	the directory.  new_path (may be NULL) receives the new path.  Both
 *	refuse a name of the wrong kind.  Neither touches the queue cache:
 *	the caller replaces the entry (qcache_remove and qcache_add).
 *
 *	qenvelope_copy_header() copies every envelope field of src but the
 *	recipients into dst (initialised first), for building the envelope
 *	of a requeue or a returned message.
 *
 *	queue_remove() unlinks a message file and syncs its directory.
 *	queue_channel_dir() gives a channel's directory spec, to which a file
 *	name may be appended on both platforms (purpose is LNM_READ or
 *	LNM_CREATE, as for lnm_file()).  queue_valid_channel() accepts 1 to
 *	32 of a-z, 0-9, "_", "-", "$" (PMDF channel names are lower case);
 *	queue_valid_name() accepts a final message file name.
 * DIAGNOSTICS
 *	Functions that return int return 0 on success and -1 with err set
 *	(naming the file, field or channel, and what to do); queue_create()
 *	returns NULL with err set.  queue_read() and queue_parse() return
 *	QUEUE_DAMAGED (-2) for a file that is not a sound message file, with
 *	err starting with the file name and then one of "truncated",
 *	"checksum mismatch", "unknown format version N", "not a queue file",
 *	or "damaged: <reason>"; such a file is never taken for a message.
 *	-1 then means the file could not be read at all (it may have gone).
 *	After a failed queue_write() or queue_finish(), the .tmp file is
 *	gone and the writer can only be released or aborted.
 */
#ifndef PMDF_QUEUE_H
#define PMDF_QUEUE_H
#include <stddef.h>
#include <stdint.h>
#include "str.h"

#define QUEUE_FORMAT_VERSION	1
#define QUEUE_MAGIC		"PMDFQ\n"
#define QUEUE_MAGIC_LEN		6
#define QUEUE_TRAILER		"PMDFQEND"
#define QUEUE_TRAILER_LEN	8

#define QUEUE_MAX_ID		64
#define QUEUE_MAX_CHANNEL	32
#define QUEUE_MAX_ADDRESS	1024	/* From, recipients, ORCPT, original */
#define QUEUE_MAX_FIELD		1024	/* ENVID, user, client address, HELO */
#define QUEUE_MAX_RCPTS		100000
#define QUEUE_MAX_MESSAGE	((size_t) 1 << 30)	/* hard limit, 1 GiB */
#define QUEUE_MAX_FILE		(QUEUE_MAX_MESSAGE + (size_t) 512 * 1024 * 1024)
#define QUEUE_WRITE_BLOCK	65536

#define QUEUE_NAME_LEN		29	/* "ZZ" + 24 hex + ".00" */
#define QUEUE_STEM_LEN		26	/* "ZZ" + 24 hex */
#define QUEUE_HELD_NAME_LEN	31	/* "ZZ" + 24 hex + ".HELD" */
#define QUEUE_MAX_ATTEMPT	99
#define QUEUE_ATTEMPT_HELD	100	/* queue_name_attempt() of a .HELD name */

#define QUEUE_SCAN_ACTIVE	1
#define QUEUE_SCAN_HELD		2
#define QUEUE_SCAN_ALL		3

#define QUEUE_BUSY		1	/* queue_lock(), queue_hold(): locked elsewhere */

#define QUEUE_RET_NONE		0
#define QUEUE_RET_FULL		1
#define QUEUE_RET_HDRS		2

#define QUEUE_NOTIFY_NEVER	1u
#define QUEUE_NOTIFY_SUCCESS	2u
#define QUEUE_NOTIFY_FAILURE	4u
#define QUEUE_NOTIFY_DELAY	8u

#define QUEUE_FLAG_TLS		1u
#define QUEUE_FLAG_DELAY_SENT	2u

#define QUEUE_DAMAGED		(-2)

typedef struct QRCPT {
    STR     addr;		/* the address, after rewriting */
    STR     orcpt;		/* DSN ORCPT parameter, "" when none */
    unsigned notify;		/* QUEUE_NOTIFY_* bits, 0 when not given */
    STR     original;		/* the address as the client gave it */
} QRCPT;

typedef struct QENVELOPE {
    STR     id;			/* "" on create: the queue assigns one */
    int64_t created;		/* 0 on create: the queue uses now */
    STR     source_channel;
    STR     from;		/* "" for <> */
    int     ret;		/* QUEUE_RET_* */
    STR     envid;
    STR     auth_user;
    int     tls;		/* non-zero: received under TLS */
    int     delay_sent;		/* non-zero: a delay DSN went out already */
    STR     client_addr;
    STR     helo;
    QRCPT  *rcpt;
    size_t  nrcpt;
    size_t  rcpt_cap;
} QENVELOPE;

typedef struct QMESSAGE {
    QENVELOPE env;
    const char *body;		/* points into data; body_len bytes */
    size_t  body_len;
    STR     data;		/* the whole file */
} QMESSAGE;

typedef struct QMSG_W QMSG_W;

typedef struct QLOCK {
    int     fd;			/* -1 when not locked */
    STR     path;
} QLOCK;

#define QLOCK_INIT { -1, STR_INIT }

typedef int (*QUEUE_SCAN_FN) (const char *channel, const char *name, const char *path,
			              void *ctx);

void qenvelope_init(QENVELOPE *env);
QRCPT *qenvelope_add_rcpt(QENVELOPE *env, const char *addr, const char *orcpt,
			  unsigned notify, const char *original);
int qenvelope_check(const QENVELOPE *env, STR *err);
void qenvelope_free(QENVELOPE *env);

QMSG_W *queue_create(const char *channel, const QENVELOPE *env, size_t max_size, STR *err);
int queue_write(QMSG_W *w, const void *data, size_t len, STR *err);
int queue_finish(QMSG_W *w, STR *err);
int queue_sync_dirs(QMSG_W *const *ws, size_t n, STR *err);
void queue_defer_sync(int on);
int queue_is_durable(const QMSG_W *w);
void queue_release(QMSG_W *w);
void queue_abort(QMSG_W *w);
const char *queue_w_id(const QMSG_W *w);
const char *queue_w_name(const QMSG_W *w);
const char *queue_w_channel(const QMSG_W *w);
const char *queue_w_path(const QMSG_W *w);
int64_t queue_w_created(const QMSG_W *w);
uint64_t queue_w_size(const QMSG_W *w);

void queue_message_init(QMESSAGE *m);
int queue_read(const char *path, QMESSAGE *m, STR *err);
int queue_parse(const void *buf, size_t len, QMESSAGE *m, STR *err);
void queue_message_free(QMESSAGE *m);

int queue_scan(const char *channel, QUEUE_SCAN_FN fn, void *ctx, STR *err);
int queue_remove(const char *path, STR *err);
int queue_channel_dir(const char *channel, int purpose, STR *dir, STR *err);
int queue_valid_channel(const char *channel, STR *err);
int queue_valid_name(const char *name);
int queue_valid_held_name(const char *name);
int queue_name_attempt(const char *name);
int queue_scan_which(const char *channel, int which, QUEUE_SCAN_FN fn, void *ctx, STR *err);

int queue_lock(const char *path, QLOCK *lk, STR *err);
int queue_read_locked(QLOCK *lk, QMESSAGE *m, STR *err);
void queue_unlock(QLOCK *lk);
int queue_requeue(const char *path, const QENVELOPE *env, const char *body, size_t body_len,
		  STR *new_path, STR *err);
int queue_hold(const char *path, STR *new_path, STR *err);
int queue_unhold(const char *path, STR *new_path, STR *err);
void qenvelope_copy_header(QENVELOPE *dst, const QENVELOPE *src);

#endif
