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
void queue_defer_sync(int on);
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
 * DESCRIPTION
 *	Layout.  The queue root is the directory PMDF_QUEUE: names (a logical
 *	name; on Unix the tailor file's PMDF_QUEUE=/pmdf/queue/).  Each
 *	channel has its own directory, PMDF_QUEUE:[<channel>] (on Unix
 *	<root>/<channel>/, created mode 0700 on first use; the root itself
 *	must exist).  A message is one file, mode 0600, named
 *
 *		ZZ<24 lower-case hex digits>.00
 *
 *	The 96 bits are 52 bits of the time in microseconds since 1970 (good
 *	until 2112, and they sort a channel's files by arrival), 24 bits of
 *	the process id, an 8-bit per-process counter, and 12 random bits from
 *	OpenSSL's RAND_bytes() (fork-safe; no descriptor for /dev/urandom
 *	kept open).  The counter is this module's one piece of process state.
 *	The file is created with O_EXCL (a clash picks another name) and
 *	written as ZZ<24 hex>.tmp in the same directory, then renamed.  (Not
 *	"<name>.00.tmp": ODS-2 file names allow one dot.)  Only names of the
 *	exact final form are ever taken for messages; *.tmp files, which a
 *	crash can leave behind, and any other name are ignored.  Names are
 *	matched case-blind, as ODS-2 stores them upper case.
 *
 *	File format, version 1.  All integers are 32-bit big-endian (pack.h);
 *	a 64-bit quantity is two of them, high word first; B is a byte
 *	string: a 32-bit length then that many bytes.
 *
 *		"PMDFQ\n"		6 bytes, the magic line
 *		u32 version		QUEUE_FORMAT_VERSION (1)
 *		B   envelope id		<= 64 bytes; the file's own "ZZ<24 hex>"
 *					unless the envelope carried one (requeue)
 *		u64 created		seconds since 1970-01-01 UTC, signed
 *		B   source channel	<= 32 bytes, a valid channel name or empty
 *		B   envelope From	<= 1024 bytes; empty for <>
 *		u32 DSN RET		0 none, 1 FULL, 2 HDRS
 *		B   DSN ENVID		<= 1024 bytes (xtext as received)
 *		B   authenticated user	<= 1024 bytes, empty when none
 *		u32 flags		bit 0: received under TLS; others 0
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
 *	change anything after the version word.
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

#define QUEUE_RET_NONE		0
#define QUEUE_RET_FULL		1
#define QUEUE_RET_HDRS		2

#define QUEUE_NOTIFY_NEVER	1u
#define QUEUE_NOTIFY_SUCCESS	2u
#define QUEUE_NOTIFY_FAILURE	4u
#define QUEUE_NOTIFY_DELAY	8u

#define QUEUE_FLAG_TLS		1u

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

#endif
