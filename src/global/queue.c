/*
 * NAME
 *	queue - message files in PMDF_QUEUE: (see queue.h)
 * DESCRIPTION
 *	The writer keeps the header and the first QUEUE_WRITE_BLOCK bytes of
 *	the message in memory, so a small message costs one write(), one
 *	data sync and one rename.  The checksum is computed as the bytes go
 *	by: crc_head covers the header up to the message length field, whose
 *	value is only known at the end, crc_body the message; queue_finish()
 *	joins them with crc32_combine().  When the message outgrew the buffer
 *	the length field is patched in place before the sync.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <zlib.h>
#include <openssl/rand.h>
#include "queue.h"
#include "fsync.h"
#include "flock.h"
#include "lnm.h"
#include "pack.h"
#include "strlist.h"
#include "mem.h"
#include "msg.h"

#define W_OPEN		0
#define W_FINISHED	1
#define W_DURABLE	2
#define W_FAILED	3

#define CREATE_TRIES	8	/* name clashes tolerated before giving up */
#define EINTR_TRIES	100
#define HEADER_START	(QUEUE_MAGIC_LEN + 4)
#define TRAILER_SIZE	(QUEUE_TRAILER_LEN + 4)
#define RCPT_MIN_BYTES	16	/* three empty strings and a word */

struct QMSG_W {
    int     state;
    int     fd;
    char    channel[QUEUE_MAX_CHANNEL + 1];
    char    name[QUEUE_NAME_LEN + 1];
    STR     dir;		/* the channel directory spec */
    STR     tmp;		/* dir + ZZ<hex>.tmp */
    STR     path;		/* dir + ZZ<hex>.00 */
    STR     id;
    int64_t created;
    STR     buf;		/* bytes not yet written to fd */
    size_t  len_off;		/* file offset of the message length */
    int     flushed;		/* the header left buf already */
    uint64_t body_len;
    size_t  max_size;
    unsigned long crc_head;	/* bytes [0, len_off) */
    unsigned long crc_body;	/* the message bytes */
    int     synced;		/* the file's data reached the disk */
};

/* The per-process part of unique names (documented in queue.h). */
static unsigned name_counter;

/* queue_defer_sync(): files are synced by the group commit (queue.h). */
static int defer_sync;

void    queue_defer_sync(int on)
{
    defer_sync = on;
}

/* ---- small helpers -------------------------------------------------- */

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static void pack_u64(STR *out, uint64_t v)
{
    pack_u32(out, (uint32_t) (v >> 32));
    pack_u32(out, (uint32_t) v);
}

static uint64_t unpack_u64(UNPACK *in)
{
    uint64_t hi = unpack_u32(in);

    return (hi << 32) | unpack_u32(in);
}

static unsigned long crc_update(unsigned long crc, const void *p, size_t len)
{
    const unsigned char *b = p;
    size_t  n;

    while (len > 0) {			/* crc32() takes an unsigned int length */
	n = len > 0x40000000u ? 0x40000000u : len;
	crc = crc32(crc, b, (uInt) n);
	b += n;
	len -= n;
    }
    return crc;
}

static void hex_put(char *p, uint64_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";

    while (digits-- > 0) {
	p[digits] = hex[v & 15];
	v >>= 4;
    }
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Where the first CR, LF or NUL is, or -1. */
static long bad_char_at(const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++)
	if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
	    return (long) i;
    return -1;
}

static const char *bad_char_name(int c)
{
    return c == '\r' ? "a carriage return (CR)" : c == '\n' ? "a line feed (LF)" : "a NUL byte";
}

/* ---- names ---------------------------------------------------------- */

int     queue_valid_channel(const char *channel, STR *err)
{
    size_t  i, n = strlen(channel);
    int     c;

    if (n == 0 || n > QUEUE_MAX_CHANNEL) {
	str_printf(err, "channel name \"%.40s\" must be 1 to %d characters long", channel,
		   QUEUE_MAX_CHANNEL);
	return -1;
    }
    for (i = 0; i < n; i++) {
	c = (unsigned char) channel[i];
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
	    continue;
	if (i > 0 && (c == '_' || c == '-' || c == '$'))
	    continue;
	str_printf(err, "channel name \"%.40s\" is not valid: use lower-case letters, digits,"
		   " \"_\", \"-\" and \"$\", starting with a letter or digit", channel);
	return -1;
    }
    return 0;
}

/* "ZZ" and 24 hex digits. */
static int valid_stem(const char *name)
{
    size_t  i;

    if ((name[0] != 'Z' && name[0] != 'z') || (name[1] != 'Z' && name[1] != 'z'))
	return 0;
    for (i = 2; i < QUEUE_STEM_LEN; i++)
	if (!is_hex((unsigned char) name[i]))
	    return 0;
    return 1;
}

int     queue_name_attempt(const char *name)
{
    size_t  n = strlen(name);
    const char *x = name + QUEUE_STEM_LEN;

    if (n == QUEUE_NAME_LEN && valid_stem(name) && x[0] == '.'
	&& x[1] >= '0' && x[1] <= '9' && x[2] >= '0' && x[2] <= '9')
	return (x[1] - '0') * 10 + (x[2] - '0');
    if (n == QUEUE_HELD_NAME_LEN && valid_stem(name) && x[0] == '.'
	&& (x[1] == 'H' || x[1] == 'h') && (x[2] == 'E' || x[2] == 'e')
	&& (x[3] == 'L' || x[3] == 'l') && (x[4] == 'D' || x[4] == 'd'))
	return QUEUE_ATTEMPT_HELD;
    return -1;
}

int     queue_valid_name(const char *name)
{
    int     a = queue_name_attempt(name);

    return a >= 0 && a <= QUEUE_MAX_ATTEMPT;
}

int     queue_valid_held_name(const char *name)
{
    return queue_name_attempt(name) == QUEUE_ATTEMPT_HELD;
}

static int valid_any_name(const char *name)
{
    return queue_name_attempt(name) >= 0;
}

/* ZZ + 13 hex of microseconds, 6 of pid, 2 of counter, 3 random; no suffix. */
static void queue_new_stem(char *stem)
{
    struct timespec ts;
    unsigned char rnd[2] = {0, 0};
    uint64_t usec = 0;

    if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
	usec = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
    /* A RAND_bytes() failure only costs randomness: O_EXCL still decides. */
    (void) RAND_bytes(rnd, (int) sizeof(rnd));
    stem[0] = 'Z';
    stem[1] = 'Z';
    hex_put(stem + 2, usec, 13);
    hex_put(stem + 15, (uint64_t) getpid(), 6);
    hex_put(stem + 21, name_counter++, 2);
    hex_put(stem + 23, ((unsigned) rnd[0] << 4) | (rnd[1] & 15u), 3);
    stem[26] = 0;
}

int     queue_channel_dir(const char *channel, int purpose, STR *dir, STR *err)
{
    STR     spec = STR_INIT;
    int     rc;

    if (queue_valid_channel(channel, err) < 0)
	return -1;
    str_printf(&spec, "PMDF_QUEUE:[%s]", channel);
    rc = lnm_file(STR_C(spec), purpose, dir, err);
    str_free(&spec);
    return rc;
}

static int queue_root(STR *root, STR *err)
{
    return lnm_file("PMDF_QUEUE:", LNM_CREATE, root, err);
}

/* ---- envelopes ------------------------------------------------------ */

void    qenvelope_init(QENVELOPE *env)
{
    memset(env, 0, sizeof(*env));
}

QRCPT  *qenvelope_add_rcpt(QENVELOPE *env, const char *addr, const char *orcpt,
			           unsigned notify, const char *original)
{
    QRCPT  *r;

    if (env->nrcpt == env->rcpt_cap) {
	env->rcpt_cap = env->rcpt_cap ? env->rcpt_cap * 2 : 4;
	env->rcpt = mem_realloc(env->rcpt, env->rcpt_cap * sizeof(*env->rcpt));
    }
    r = env->rcpt + env->nrcpt++;
    memset(r, 0, sizeof(*r));
    str_cpy(&r->addr, addr ? addr : "");
    str_cpy(&r->orcpt, orcpt ? orcpt : "");
    r->notify = notify;
    str_cpy(&r->original, original ? original : "");
    return r;
}

void    qenvelope_free(QENVELOPE *env)
{
    size_t  i;

    for (i = 0; i < env->nrcpt; i++) {
	str_free(&env->rcpt[i].addr);
	str_free(&env->rcpt[i].orcpt);
	str_free(&env->rcpt[i].original);
    }
    free(env->rcpt);
    str_free(&env->id);
    str_free(&env->source_channel);
    str_free(&env->from);
    str_free(&env->envid);
    str_free(&env->auth_user);
    str_free(&env->client_addr);
    str_free(&env->helo);
    qenvelope_init(env);
}

/* One field: bounded and free of CR, LF and NUL.  what names it. */
static int field_check(const char *p, size_t n, size_t max, const char *what, STR *err)
{
    long    at;

    if (n > max) {
	str_printf(err, "%s is %lu bytes long; the limit is %lu: refused", what,
		   (unsigned long) n, (unsigned long) max);
	return -1;
    }
    if ((at = bad_char_at(p, n)) >= 0) {
	str_printf(err, "%s contains %s at byte %ld: refused (no CR, LF or NUL may enter"
		   " a queue file)", what, bad_char_name(p[at]), at);
	return -1;
    }
    return 0;
}

static int str_check(const STR *s, size_t max, const char *what, STR *err)
{
    return field_check(STR_C(*s), s->len, max, what, err);
}

static int notify_check(unsigned notify, STR *err, const char *what)
{
    unsigned all = QUEUE_NOTIFY_NEVER | QUEUE_NOTIFY_SUCCESS | QUEUE_NOTIFY_FAILURE
    | QUEUE_NOTIFY_DELAY;

    if ((notify & ~all) != 0 || ((notify & QUEUE_NOTIFY_NEVER) && notify != QUEUE_NOTIFY_NEVER)) {
	str_printf(err, "%s NOTIFY value %u is not valid: NEVER alone, or any of SUCCESS,"
		   " FAILURE, DELAY", what, notify);
	return -1;
    }
    return 0;
}

static int rcpt_check(const QRCPT *r, size_t i, STR *err)
{
    char    what[64];

    snprintf(what, sizeof(what), "recipient %lu address", (unsigned long) i + 1);
    if (r->addr.len == 0) {
	str_printf(err, "%s is empty: refused", what);
	return -1;
    }
    if (str_check(&r->addr, QUEUE_MAX_ADDRESS, what, err) < 0)
	return -1;
    snprintf(what, sizeof(what), "recipient %lu ORCPT", (unsigned long) i + 1);
    if (str_check(&r->orcpt, QUEUE_MAX_ADDRESS, what, err) < 0)
	return -1;
    snprintf(what, sizeof(what), "recipient %lu original address", (unsigned long) i + 1);
    if (str_check(&r->original, QUEUE_MAX_ADDRESS, what, err) < 0)
	return -1;
    snprintf(what, sizeof(what), "recipient %lu", (unsigned long) i + 1);
    return notify_check(r->notify, err, what);
}

int     qenvelope_check(const QENVELOPE *env, STR *err)
{
    size_t  i;

    if (str_check(&env->id, QUEUE_MAX_ID, "envelope id", err) < 0
	|| str_check(&env->source_channel, QUEUE_MAX_CHANNEL, "source channel", err) < 0
	|| str_check(&env->from, QUEUE_MAX_ADDRESS, "envelope From", err) < 0
	|| str_check(&env->envid, QUEUE_MAX_FIELD, "DSN ENVID", err) < 0
	|| str_check(&env->auth_user, QUEUE_MAX_FIELD, "authenticated user", err) < 0
	|| str_check(&env->client_addr, QUEUE_MAX_FIELD, "client address", err) < 0
	|| str_check(&env->helo, QUEUE_MAX_FIELD, "HELO name", err) < 0)
	return -1;
    if (env->source_channel.len > 0 && queue_valid_channel(STR_C(env->source_channel), err) < 0)
	return -1;
    if (env->ret != QUEUE_RET_NONE && env->ret != QUEUE_RET_FULL && env->ret != QUEUE_RET_HDRS) {
	str_printf(err, "DSN RET value %d is not valid (none, FULL or HDRS)", env->ret);
	return -1;
    }
    if (env->nrcpt == 0 || env->nrcpt > QUEUE_MAX_RCPTS) {
	str_printf(err, "a message has 1 to %d recipients, not %lu: refused", QUEUE_MAX_RCPTS,
		   (unsigned long) env->nrcpt);
	return -1;
    }
    for (i = 0; i < env->nrcpt; i++)
	if (rcpt_check(env->rcpt + i, i, err) < 0)
	    return -1;
    return 0;
}

/* ---- the header ----------------------------------------------------- */

static void pack_field(STR *out, const STR *s)
{
    pack_bytes(out, STR_C(*s), s->len);
}

/* Magic, version, envelope and a zero message length; sets w->len_off. */
static void queue_header(QMSG_W *w, const QENVELOPE *env)
{
    size_t  i;

    str_catn(&w->buf, QUEUE_MAGIC, QUEUE_MAGIC_LEN);
    pack_u32(&w->buf, QUEUE_FORMAT_VERSION);
    pack_field(&w->buf, &w->id);
    pack_u64(&w->buf, (uint64_t) w->created);
    pack_field(&w->buf, &env->source_channel);
    pack_field(&w->buf, &env->from);
    pack_u32(&w->buf, (uint32_t) env->ret);
    pack_field(&w->buf, &env->envid);
    pack_field(&w->buf, &env->auth_user);
    pack_u32(&w->buf, (env->tls ? QUEUE_FLAG_TLS : 0) | (env->delay_sent ? QUEUE_FLAG_DELAY_SENT : 0));
    pack_field(&w->buf, &env->client_addr);
    pack_field(&w->buf, &env->helo);
    pack_u32(&w->buf, (uint32_t) env->nrcpt);
    for (i = 0; i < env->nrcpt; i++) {
	pack_field(&w->buf, &env->rcpt[i].addr);
	pack_field(&w->buf, &env->rcpt[i].orcpt);
	pack_u32(&w->buf, env->rcpt[i].notify);
	pack_field(&w->buf, &env->rcpt[i].original);
    }
    w->len_off = w->buf.len;
    w->crc_head = crc_update(crc32(0L, Z_NULL, 0), w->buf.s, w->len_off);
    pack_u64(&w->buf, 0);
    w->crc_body = crc32(0L, Z_NULL, 0);
}

/* ---- writing -------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
    ssize_t got;
    int     intr = 0;

    while (n > 0) {
	got = write(fd, p, n);
	if (got < 0 && errno == EINTR && ++intr < EINTR_TRIES)
	    continue;
	if (got <= 0) {
	    if (got == 0)
		errno = EIO;
	    return -1;
	}
	p += got;
	n -= (size_t) got;
    }
    return 0;
}

/* A writer that failed: its .tmp goes, so nothing half-written stays. */
static int queue_fail(QMSG_W *w)
{
    if (w->fd >= 0)
	(void) close(w->fd);
    w->fd = -1;
    (void) unlink(STR_C(w->tmp));
    w->state = W_FAILED;
    str_free(&w->buf);
    return -1;
}

static int queue_flush(QMSG_W *w, STR *err)
{
    if (w->buf.len == 0)
	return 0;
    if (write_all(w->fd, w->buf.s, w->buf.len) < 0) {
	str_printf(err, "%s: cannot write: %s (is the queue disk full?)", STR_C(w->tmp),
		   strerror(errno));
	return queue_fail(w);
    }
    w->flushed = 1;
    str_truncate(&w->buf, 0);
    return 0;
}

/* Creates the channel directory; a new one is made durable in the root. */
static int queue_make_dir(const QMSG_W *w, STR *err)
{
    STR     root = STR_INIT;
    int     rc = 0;

    if (mkdir(STR_C(w->dir), 0700) != 0) {
	if (errno == EEXIST)
	    return 0;
	if (errno == ENOENT)
	    str_printf(err, "%s: cannot create the directory of channel %s: the queue"
		       " directory (PMDF_QUEUE:) does not exist; create it, mode 0700",
		       STR_C(w->dir), w->channel);
	else
	    str_printf(err, "%s: cannot create the directory of channel %s: %s",
		       STR_C(w->dir), w->channel, strerror(errno));
	return -1;
    }
    if (queue_root(&root, err) < 0 || port_fsync_dir(STR_C(root), err) < 0)
	rc = -1;
    str_free(&root);
    return rc;
}

/*
 * Opens the .tmp file exclusively: a fresh name, or (fixed != NULL, a
 * requeue) the stem of fixed and the attempt number "NN" of suffix.  A
 * requeue's stale .tmp (left by a crash; the caller holds the message's
 * lock, so nobody else writes it) is removed and the open retried.
 */
static int queue_open_tmp(QMSG_W *w, const char *fixed, const char *suffix, STR *err)
{
    char    stem[QUEUE_STEM_LEN + 1];
    int     tries, made_dir = 0;

    for (tries = 0; tries < CREATE_TRIES; tries++) {
	if (fixed == NULL) {
	    queue_new_stem(stem);
	} else {
	    memcpy(stem, fixed, QUEUE_STEM_LEN);
	    stem[QUEUE_STEM_LEN] = 0;
	    if (tries > 0)
		(void) unlink(STR_C(w->tmp));
	}
	str_printf(&w->tmp, "%s%s.tmp", STR_C(w->dir), stem);
	w->fd = open(STR_C(w->tmp), O_WRONLY | O_CREAT | O_EXCL | PORT_O_CLOEXEC, 0600);
	if (w->fd >= 0) {
	    memcpy(w->name, stem, QUEUE_STEM_LEN);
	    w->name[QUEUE_STEM_LEN] = '.';
	    memcpy(w->name + QUEUE_STEM_LEN + 1, suffix ? suffix : "00", 3);
	    str_printf(&w->path, "%s%s", STR_C(w->dir), w->name);
	    return 0;
	}
	if (errno == EEXIST)
	    continue;
	if (errno == ENOENT && !made_dir) {
	    if (queue_make_dir(w, err) < 0)
		return -1;
	    made_dir = 1;
	    tries--;
	    continue;
	}
	str_printf(err, "%s: cannot create a queue file: %s", STR_C(w->tmp), strerror(errno));
	return -1;
    }
    str_printf(err, "%s: %d file name clashes in a row; is the clock or RAND_bytes broken?",
	       STR_C(w->dir), CREATE_TRIES);
    return -1;
}

static void queue_w_free(QMSG_W *w)
{
    str_free(&w->dir);
    str_free(&w->tmp);
    str_free(&w->path);
    str_free(&w->id);
    str_free(&w->buf);
    free(w);
}

QMSG_W *queue_create(const char *channel, const QENVELOPE *env, size_t max_size, STR *err)
{
    QMSG_W *w;

    if (qenvelope_check(env, err) < 0 || queue_valid_channel(channel, err) < 0)
	return NULL;
    w = mem_calloc(1, sizeof(*w));
    w->fd = -1;
    w->state = W_FAILED;
    memcpy(w->channel, channel, strlen(channel) + 1);
    w->max_size = (max_size == 0 || max_size > QUEUE_MAX_MESSAGE) ? QUEUE_MAX_MESSAGE : max_size;
    if (queue_channel_dir(channel, LNM_CREATE, &w->dir, err) < 0
	|| queue_open_tmp(w, NULL, NULL, err) < 0) {
	queue_w_free(w);
	return NULL;
    }
    if (env->id.len > 0)
	str_cpyn(&w->id, env->id.s, env->id.len);
    else
	str_cpyn(&w->id, w->name, 26);
    w->created = env->created ? env->created : (int64_t) time(NULL);
    w->state = W_OPEN;
    queue_header(w, env);
    return w;
}

static int queue_usable(QMSG_W *w, STR *err)
{
    if (w->state == W_OPEN)
	return 1;
    str_printf(err, "%s: the queue file is %s", STR_C(w->tmp),
	       w->state == W_FAILED ? "gone after an earlier error" : "already finished");
    return 0;
}

int     queue_write(QMSG_W *w, const void *data, size_t len, STR *err)
{
    if (!queue_usable(w, err))
	return -1;
    if (len > w->max_size - w->body_len) {
	str_printf(err, "message exceeds the size limit of %lu bytes: refused",
		   (unsigned long) w->max_size);
	return queue_fail(w);
    }
    w->crc_body = crc_update(w->crc_body, data, len);
    w->body_len += len;
    str_catn(&w->buf, data, len);
    if (w->buf.len >= QUEUE_WRITE_BLOCK)
	return queue_flush(w, err);
    return 0;
}

/* The length field, now that the length is known. */
static int queue_patch_length(QMSG_W *w, const unsigned char *lenbytes, STR *err)
{
    if (!w->flushed) {
	memcpy(w->buf.s + w->len_off, lenbytes, 8);
	return 0;
    }
    if (lseek(w->fd, (off_t) w->len_off, SEEK_SET) == (off_t) -1
	|| write_all(w->fd, (const char *) lenbytes, 8) < 0) {
	str_printf(err, "%s: cannot write the message length: %s", STR_C(w->tmp),
		   strerror(errno));
	return queue_fail(w);
    }
    return 0;
}

int     queue_finish(QMSG_W *w, STR *err)
{
    unsigned char lenbytes[8], crcbytes[4];
    unsigned long crc;
    int     was_flushed;

    if (!queue_usable(w, err))
	return -1;
    put_be32(lenbytes, (uint32_t) (w->body_len >> 32));
    put_be32(lenbytes + 4, (uint32_t) w->body_len);
    crc = crc32(w->crc_head, lenbytes, 8);
    crc = crc32_combine(crc, w->crc_body, (z_off_t) w->body_len);
    put_be32(crcbytes, (uint32_t) crc);
    was_flushed = w->flushed;
    if (!was_flushed && queue_patch_length(w, lenbytes, err) < 0)
	return -1;
    str_catn(&w->buf, QUEUE_TRAILER, QUEUE_TRAILER_LEN);
    str_catn(&w->buf, (const char *) crcbytes, 4);
    if (queue_flush(w, err) < 0)
	return -1;
    if (was_flushed && queue_patch_length(w, lenbytes, err) < 0)
	return -1;
    if (!defer_sync && port_fsync_file(w->fd) != 0) {
	str_printf(err, "%s: cannot sync to disk: %s", STR_C(w->tmp), strerror(errno));
	return queue_fail(w);
    }
    w->synced = !defer_sync;
    if (close(w->fd) != 0) {
	w->fd = -1;
	str_printf(err, "%s: cannot close: %s", STR_C(w->tmp), strerror(errno));
	return queue_fail(w);
    }
    w->fd = -1;
    if (rename(STR_C(w->tmp), STR_C(w->path)) != 0) {
	str_printf(err, "%s: cannot rename to %s: %s", STR_C(w->tmp), w->name, strerror(errno));
	return queue_fail(w);
    }
    str_free(&w->buf);
    w->state = W_FINISHED;
    return 0;
}

/* ---- group commit --------------------------------------------------- */

static int cmp_writer_dir(const void *a, const void *b)
{
    const QMSG_W *wa = *(QMSG_W *const *) a;
    const QMSG_W *wb = *(QMSG_W *const *) b;

    return strcmp(STR_C(wa->dir), STR_C(wb->dir));
}

/* A finished file's data, synced through its final name. */
static int queue_sync_path(QMSG_W *w, STR *err)
{
    int     fd = open(STR_C(w->path), O_RDONLY | PORT_O_CLOEXEC);

    if (fd < 0 || port_fsync_file(fd) != 0) {
	str_printf(err, "%s: cannot sync to disk: %s", STR_C(w->path), strerror(errno));
	if (fd >= 0)
	    (void) close(fd);
	return -1;
    }
    (void) close(fd);
    w->synced = 1;
    return 0;
}

int     queue_sync_dirs(QMSG_W *const *ws, size_t n, STR *err)
{
    QMSG_W **v;
    size_t  i, j;
    int     rc = 0;

    for (i = 0; i < n; i++) {
	if (ws[i]->state != W_FINISHED && ws[i]->state != W_DURABLE) {
	    str_printf(err, "queue_sync_dirs: message %lu (%s) is not finished",
		       (unsigned long) i + 1, STR_C(ws[i]->tmp));
	    return -1;
	}
    }
    if (n == 0)
	return 0;
    /* Deferred: one file-system sync makes every file and entry durable. */
    for (i = 0; i < n && ws[i]->synced; i++)
	 /* void */ ;
    if (i < n) {
	int     frc = port_sync_filesystem(STR_C(ws[i]->dir), err);

	if (frc < 0)
	    return -1;
	if (frc == 0) {
	    for (i = 0; i < n; i++)
		ws[i]->state = W_DURABLE;
	    return 0;
	}
	/* No such call here: sync each file, then the directories below. */
	for (i = 0; i < n; i++) {
	    if (!ws[i]->synced && queue_sync_path(ws[i], err) < 0)
		return -1;
	}
    }
    v = mem_alloc(n * sizeof(*v));
    memcpy(v, ws, n * sizeof(*v));
    qsort(v, n, sizeof(*v), cmp_writer_dir);
    for (i = 0; i < n; i = j) {
	for (j = i + 1; j < n && strcmp(STR_C(v[j]->dir), STR_C(v[i]->dir)) == 0; j++)
	     /* this directory's run */ ;
	if (port_fsync_dir(STR_C(v[i]->dir), err) < 0) {
	    rc = -1;
	    continue;
	}
	for (; i < j; i++)
	    v[i]->state = W_DURABLE;
    }
    free(v);
    return rc;
}

int     queue_is_durable(const QMSG_W *w)
{
    return w->state == W_DURABLE;
}

void    queue_release(QMSG_W *w)
{
    if (w == NULL)
	return;
    if (w->state == W_OPEN)
	(void) queue_fail(w);
    queue_w_free(w);
}

void    queue_abort(QMSG_W *w)
{
    if (w == NULL)
	return;
    if (w->state == W_FINISHED || w->state == W_DURABLE)
	(void) unlink(STR_C(w->path));
    else
	(void) queue_fail(w);
    queue_w_free(w);
}

const char *queue_w_id(const QMSG_W *w)
{
    return STR_C(w->id);
}

const char *queue_w_name(const QMSG_W *w)
{
    return w->name;
}

const char *queue_w_channel(const QMSG_W *w)
{
    return w->channel;
}

const char *queue_w_path(const QMSG_W *w)
{
    return STR_C(w->path);
}

int64_t queue_w_created(const QMSG_W *w)
{
    return w->created;
}

uint64_t queue_w_size(const QMSG_W *w)
{
    return w->body_len;
}

/* ---- reading -------------------------------------------------------- */

void    queue_message_init(QMESSAGE *m)
{
    memset(m, 0, sizeof(*m));
}

void    queue_message_free(QMESSAGE *m)
{
    qenvelope_free(&m->env);
    str_free(&m->data);
    queue_message_init(m);
}

/* One byte string field; -1 with why (in->why set when the bytes ran out). */
static int get_field(UNPACK *in, STR *out, size_t max, const char *what, STR *why)
{
    size_t  n;
    const char *p = unpack_bytes(in, &n);

    if (p == NULL) {
	str_printf(why, "%s: %s", what, in->why);
	return -1;
    }
    if (field_check(p, n, max, what, why) < 0)
	return -1;
    str_cpyn(out, p, n);
    return 0;
}

static int get_word(UNPACK *in, uint32_t *v, const char *what, STR *why)
{
    *v = unpack_u32(in);
    if (unpack_failed(in)) {
	str_printf(why, "%s: %s", what, in->why);
	return -1;
    }
    return 0;
}

static int get_rcpt(UNPACK *in, QENVELOPE *env, size_t i, STR *why)
{
    QRCPT  *r = qenvelope_add_rcpt(env, NULL, NULL, 0, NULL);
    uint32_t notify;
    char    what[64];

    snprintf(what, sizeof(what), "recipient %lu", (unsigned long) i + 1);
    if (get_field(in, &r->addr, QUEUE_MAX_ADDRESS, "recipient address", why) < 0
	|| get_field(in, &r->orcpt, QUEUE_MAX_ADDRESS, "ORCPT", why) < 0
	|| get_word(in, &notify, "NOTIFY", why) < 0)
	return -1;
    r->notify = notify;
    if (notify_check(notify, why, what) < 0
	|| get_field(in, &r->original, QUEUE_MAX_ADDRESS, "original address", why) < 0)
	return -1;
    if (r->addr.len == 0) {
	str_printf(why, "%s address is empty", what);
	return -1;
    }
    return 0;
}

static int get_envelope_fields(UNPACK *in, QENVELOPE *env, STR *why)
{
    STR     bad = STR_INIT;
    uint32_t ret, flags;

    if (get_field(in, &env->id, QUEUE_MAX_ID, "envelope id", why) < 0)
	return -1;
    env->created = (int64_t) unpack_u64(in);
    if (get_field(in, &env->source_channel, QUEUE_MAX_CHANNEL, "source channel", why) < 0
	|| get_field(in, &env->from, QUEUE_MAX_ADDRESS, "envelope From", why) < 0
	|| get_word(in, &ret, "DSN RET", why) < 0
	|| get_field(in, &env->envid, QUEUE_MAX_FIELD, "DSN ENVID", why) < 0
	|| get_field(in, &env->auth_user, QUEUE_MAX_FIELD, "authenticated user", why) < 0
	|| get_word(in, &flags, "flags", why) < 0
	|| get_field(in, &env->client_addr, QUEUE_MAX_FIELD, "client address", why) < 0
	|| get_field(in, &env->helo, QUEUE_MAX_FIELD, "HELO name", why) < 0)
	return -1;
    /* The writer always writes an id and a time; queue_requeue() needs both. */
    if (env->id.len == 0) {
	str_cpy(why, "the envelope id is empty");
	return -1;
    }
    if (env->created == 0) {
	str_cpy(why, "the creation time is 0");
	return -1;
    }
    if (env->source_channel.len > 0 && queue_valid_channel(STR_C(env->source_channel), &bad) < 0) {
	str_printf(why, "source channel: %s", STR_C(bad));
	str_free(&bad);
	return -1;
    }
    if (ret > QUEUE_RET_HDRS) {
	str_printf(why, "DSN RET value %lu is not valid", (unsigned long) ret);
	return -1;
    }
    if ((flags & ~(QUEUE_FLAG_TLS | QUEUE_FLAG_DELAY_SENT)) != 0) {
	str_printf(why, "unknown flags 0x%lx", (unsigned long) flags);
	return -1;
    }
    env->ret = (int) ret;
    env->tls = (flags & QUEUE_FLAG_TLS) != 0;
    env->delay_sent = (flags & QUEUE_FLAG_DELAY_SENT) != 0;
    return 0;
}

/*
 * The envelope and message length of buf[0..n), which starts with the
 * magic and the version.  *body_off and *body_len say where the message
 * is claimed to be; *ran_out tells a short buffer from bad contents.
 */
static int parse_envelope(const unsigned char *buf, size_t n, QENVELOPE *env,
			          size_t *body_off, uint64_t *body_len, int *ran_out, STR *why)
{
    UNPACK  in;
    uint32_t nrcpt, i;

    unpack_init(&in, buf + HEADER_START, n - HEADER_START);
    *ran_out = 0;
    if (get_envelope_fields(&in, env, why) < 0 || get_word(&in, &nrcpt, "recipient count", why) < 0)
	goto fail;
    if (nrcpt == 0 || nrcpt > QUEUE_MAX_RCPTS) {
	str_printf(why, "recipient count %lu is out of range (1 to %d)", (unsigned long) nrcpt,
		   QUEUE_MAX_RCPTS);
	return -1;
    }
    if ((size_t) nrcpt > (in.len - in.pos) / RCPT_MIN_BYTES) {
	in.why = "record truncated";	/* cannot hold that many recipients */
	str_printf(why, "%lu recipients cannot fit", (unsigned long) nrcpt);
	goto fail;
    }
    for (i = 0; i < nrcpt; i++)
	if (get_rcpt(&in, env, i, why) < 0)
	    goto fail;
    *body_len = unpack_u64(&in);
    if (unpack_failed(&in)) {
	str_printf(why, "message length: %s", in.why);
	goto fail;
    }
    *body_off = HEADER_START + in.pos;
    return 0;
  fail:
    *ran_out = in.why != NULL;
    return -1;
}

/* A file with its trailer at the end and a matching checksum. */
static int parse_sound(QMESSAGE *m, size_t len, STR *why)
{
    const unsigned char *buf = (const unsigned char *) m->data.s;
    size_t  n = len - TRAILER_SIZE, off;
    uint64_t blen;
    int     ran_out;
    STR     what = STR_INIT;

    if (parse_envelope(buf, n, &m->env, &off, &blen, &ran_out, &what) < 0) {
	str_printf(why, "damaged: %s", STR_C(what));
	str_free(&what);
	return QUEUE_DAMAGED;
    }
    str_free(&what);
    if (blen > QUEUE_MAX_MESSAGE || blen != n - off) {
	str_printf(why, "damaged: the message length %lu does not match the %lu bytes present",
		   (unsigned long) blen, (unsigned long) (n - off));
	return QUEUE_DAMAGED;
    }
    m->body = m->data.s + off;
    m->body_len = (size_t) blen;
    return 0;
}

/* No trailer at the end: cut short, or damaged where the trailer is. */
static int diagnose_torn(QMESSAGE *m, size_t len, STR *why)
{
    const unsigned char *buf = (const unsigned char *) m->data.s;
    size_t  off;
    uint64_t blen;
    int     ran_out;
    STR     what = STR_INIT;

    if (parse_envelope(buf, len, &m->env, &off, &blen, &ran_out, &what) < 0) {
	if (ran_out)
	    str_printf(why, "truncated (%lu bytes; the envelope is incomplete)",
		       (unsigned long) len);
	else
	    str_printf(why, "damaged: %s", STR_C(what));
    } else if (blen > QUEUE_MAX_MESSAGE || off + blen + TRAILER_SIZE > len) {
	str_printf(why, "truncated (%lu bytes; the message alone should be %lu)",
		   (unsigned long) len, (unsigned long) blen);
    } else {
	str_printf(why, "damaged: the trailer is missing or overwritten");
    }
    str_free(&what);
    return QUEUE_DAMAGED;
}

static int parse_data(QMESSAGE *m, STR *why)
{
    const unsigned char *buf = (const unsigned char *) STR_C(m->data);
    size_t  len = m->data.len;
    uint32_t version;

    if (memcmp(buf, QUEUE_MAGIC, len < QUEUE_MAGIC_LEN ? len : QUEUE_MAGIC_LEN) != 0) {
	str_cpy(why, "not a queue file (no PMDFQ magic line)");
	return QUEUE_DAMAGED;
    }
    if (len < HEADER_START) {
	str_printf(why, "truncated (%lu bytes)", (unsigned long) len);
	return QUEUE_DAMAGED;
    }
    version = get_be32(buf + QUEUE_MAGIC_LEN);
    if (version != QUEUE_FORMAT_VERSION) {
	str_printf(why, "unknown format version %lu (this program reads version %d)",
		   (unsigned long) version, QUEUE_FORMAT_VERSION);
	return QUEUE_DAMAGED;
    }
    if (len >= HEADER_START + TRAILER_SIZE
	&& memcmp(buf + len - TRAILER_SIZE, QUEUE_TRAILER, QUEUE_TRAILER_LEN) == 0) {
	if (crc_update(crc32(0L, Z_NULL, 0), buf, len - TRAILER_SIZE) != get_be32(buf + len - 4)) {
	    str_cpy(why, "checksum mismatch (the file was damaged after it was written)");
	    return QUEUE_DAMAGED;
	}
	return parse_sound(m, len, why);
    }
    return diagnose_torn(m, len, why);
}

/* Parses m->data in place; on failure m is emptied. */
static int queue_parse_self(QMESSAGE *m, STR *why)
{
    int     rc;

    qenvelope_free(&m->env);
    m->body = NULL;
    m->body_len = 0;
    if ((rc = parse_data(m, why)) != 0)
	queue_message_free(m);
    return rc;
}

int     queue_parse(const void *buf, size_t len, QMESSAGE *m, STR *err)
{
    queue_message_init(m);
    if (len > QUEUE_MAX_FILE) {
	str_printf(err, "damaged: %lu bytes is more than any queue file holds",
		   (unsigned long) len);
	return QUEUE_DAMAGED;
    }
    str_cpyn(&m->data, buf, len);
    return queue_parse_self(m, err);
}

/* The whole file into out, at most QUEUE_MAX_FILE + 1 bytes. */
static int read_all(int fd, STR *out)
{
    char    block[QUEUE_WRITE_BLOCK];
    ssize_t got;
    int     intr = 0;

    while (out->len <= QUEUE_MAX_FILE) {
	got = read(fd, block, sizeof(block));
	if (got < 0 && errno == EINTR && ++intr < EINTR_TRIES)
	    continue;
	if (got < 0)
	    return -1;
	if (got == 0)
	    break;
	str_catn(out, block, (size_t) got);
    }
    return 0;
}

/* Reads and parses the open file fd (from its start); fd stays open. */
static int queue_read_fd(int fd, const char *path, QMESSAGE *m, STR *err)
{
    struct stat st;
    STR     why = STR_INIT;
    int     rc;

    queue_message_init(m);
    if (lseek(fd, 0, SEEK_SET) == (off_t) -1) {
	str_printf(err, "%s: cannot read: %s", path, strerror(errno));
	return -1;
    }
    if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t) st.st_size <= QUEUE_MAX_FILE)
	str_reserve(&m->data, (size_t) st.st_size);
    if (read_all(fd, &m->data) < 0) {
	str_printf(err, "%s: cannot read: %s", path, strerror(errno));
	queue_message_free(m);
	return -1;
    }
    if (m->data.len > QUEUE_MAX_FILE) {
	str_printf(err, "%s: damaged: more bytes than any queue file holds", path);
	queue_message_free(m);
	return QUEUE_DAMAGED;
    }
    if ((rc = queue_parse_self(m, &why)) != 0)
	str_printf(err, "%s: %s", path, STR_C(why));
    str_free(&why);
    return rc;
}

int     queue_read(const char *path, QMESSAGE *m, STR *err)
{
    int     fd, rc;

    queue_message_init(m);
    if ((fd = open(path, O_RDONLY | PORT_O_CLOEXEC)) < 0) {
	str_printf(err, "%s: cannot open: %s", path, strerror(errno));
	return -1;
    }
    rc = queue_read_fd(fd, path, m, err);
    (void) close(fd);
    return rc;
}

/* ---- scanning and removing ----------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names in dir that keep() accepts, sorted; 1 when dir does not exist. */
static int list_dir(const char *dir, int (*keep) (const char *), STRLIST *names, STR *err)
{
    DIR    *d;
    struct dirent *e;

    if ((d = opendir(dir)) == NULL) {
	if (errno == ENOENT || errno == ENOTDIR)
	    return 1;
	str_printf(err, "%s: cannot list the directory: %s", dir, strerror(errno));
	return -1;
    }
    for (errno = 0; (e = readdir(d)) != NULL; errno = 0)
	if (keep(e->d_name))
	    strlist_add(names, e->d_name);
    if (errno != 0) {
	str_printf(err, "%s: cannot list the directory: %s", dir, strerror(errno));
	(void) closedir(d);
	return -1;
    }
    (void) closedir(d);
    if (names->n > 1)
	qsort(names->v, names->n, sizeof(*names->v), cmp_names);
    return 0;
}

static int keep_active(const char *name)
{
    return queue_valid_name(name);
}

static int keep_held(const char *name)
{
    return queue_valid_held_name(name);
}

static int same_stem(const char *a, const char *b)
{
    size_t  i;

    for (i = 0; i < QUEUE_STEM_LEN; i++)
	if (tolower((unsigned char) a[i]) != tolower((unsigned char) b[i]))
	    return 0;
    return 1;
}

/*
 * names[i] is an active file with a higher attempt of the same stem after
 * it: the leftover of a requeue cut short.  Removed when it can be locked.
 */
static void remove_superseded(const char *path)
{
    QLOCK   lk = QLOCK_INIT;
    STR     err = STR_INIT;

    if (queue_lock(path, &lk, &err) == 0) {
	if (unlink(path) == 0)
	    (void) port_fsync_parent(path, &err);
	queue_unlock(&lk);
    }
    str_free(&err);
}

static int scan_channel(const char *channel, int which, QUEUE_SCAN_FN fn, void *ctx, STR *err)
{
    STR     dir = STR_INIT, path = STR_INIT;
    STRLIST names = STRLIST_INIT;
    size_t  i;
    int     rc;

    rc = queue_channel_dir(channel, LNM_CREATE, &dir, err);
    if (rc == 0)
	rc = list_dir(STR_C(dir), which == QUEUE_SCAN_ALL ? valid_any_name
		      : which == QUEUE_SCAN_HELD ? keep_held : keep_active, &names, err);
    if (rc > 0)
	rc = 0;				/* no directory: no messages */
    for (i = 0; rc == 0 && i < names.n; i++) {
	str_printf(&path, "%s%s", STR_C(dir), names.v[i]);
	if (queue_valid_name(names.v[i]) && i + 1 < names.n && queue_valid_name(names.v[i + 1])
	    && same_stem(names.v[i], names.v[i + 1])) {
	    remove_superseded(STR_C(path));
	    continue;
	}
	rc = fn(channel, names.v[i], STR_C(path), ctx);
    }
    str_free(&dir);
    str_free(&path);
    strlist_free(&names);
    return rc;
}

static int channel_like(const char *name)
{
    STR     ignore = STR_INIT;
    int     ok = queue_valid_channel(name, &ignore) == 0;

    str_free(&ignore);
    return ok;
}

int     queue_scan(const char *channel, QUEUE_SCAN_FN fn, void *ctx, STR *err)
{
    return queue_scan_which(channel, QUEUE_SCAN_ACTIVE, fn, ctx, err);
}

int     queue_scan_which(const char *channel, int which, QUEUE_SCAN_FN fn, void *ctx, STR *err)
{
    STR     root = STR_INIT;
    STRLIST chans = STRLIST_INIT;
    size_t  i;
    int     rc;

    if (which < QUEUE_SCAN_ACTIVE || which > QUEUE_SCAN_ALL) {
	str_printf(err, "queue_scan_which: %d selects nothing", which);
	return -1;
    }
    if (channel != NULL)
	return scan_channel(channel, which, fn, ctx, err);
    rc = queue_root(&root, err);
    if (rc == 0)
	rc = list_dir(STR_C(root), channel_like, &chans, err);
    if (rc > 0) {
	str_printf(err, "%s: the queue directory (PMDF_QUEUE:) does not exist; create it,"
		   " mode 0700, or correct PMDF_QUEUE", STR_C(root));
	rc = -1;
    }
    for (i = 0; rc == 0 && i < chans.n; i++)
	rc = scan_channel(chans.v[i], which, fn, ctx, err);
    str_free(&root);
    strlist_free(&chans);
    return rc;
}

int     queue_remove(const char *path, STR *err)
{
    if (unlink(path) != 0) {
	str_printf(err, "%s: cannot remove the message file: %s", path, strerror(errno));
	return -1;
    }
    return port_fsync_parent(path, err);
}

/* ---- locking, requeueing, holding ---------------------------------- */

/* Where the file name starts in a path from queue_channel_dir() + name. */
static const char *path_name(const char *path)
{
    const char *p, *name = path;

    for (p = path; *p; p++)
	if (*p == '/' || *p == ']' || *p == '>' || *p == ':')
	    name = p + 1;
    return name;
}

int     queue_lock(const char *path, QLOCK *lk, STR *err)
{
    int     fd, rc;

    lk->fd = -1;
    rc = port_lock_file(path, &fd, err);
    if (rc != 0)
	return rc == PORT_LOCK_BUSY ? QUEUE_BUSY : -1;
    lk->fd = fd;
    str_cpy(&lk->path, path);
    return 0;
}

int     queue_read_locked(QLOCK *lk, QMESSAGE *m, STR *err)
{
    if (lk->fd < 0) {
	queue_message_init(m);
	str_printf(err, "%s: queue_read_locked: the file is not locked", STR_C(lk->path));
	return -1;
    }
    return queue_read_fd(lk->fd, STR_C(lk->path), m, err);
}

void    queue_unlock(QLOCK *lk)
{
    if (lk->fd >= 0)
	port_unlock_file(lk->fd);
    lk->fd = -1;
    str_free(&lk->path);
}

void    qenvelope_copy_header(QENVELOPE *dst, const QENVELOPE *src)
{
    qenvelope_init(dst);
    str_cpyn(&dst->id, STR_C(src->id), src->id.len);
    dst->created = src->created;
    str_cpyn(&dst->source_channel, STR_C(src->source_channel), src->source_channel.len);
    str_cpyn(&dst->from, STR_C(src->from), src->from.len);
    dst->ret = src->ret;
    str_cpyn(&dst->envid, STR_C(src->envid), src->envid.len);
    str_cpyn(&dst->auth_user, STR_C(src->auth_user), src->auth_user.len);
    dst->tls = src->tls;
    dst->delay_sent = src->delay_sent;
    str_cpyn(&dst->client_addr, STR_C(src->client_addr), src->client_addr.len);
    str_cpyn(&dst->helo, STR_C(src->helo), src->helo.len);
}

int     queue_requeue(const char *path, const QENVELOPE *env, const char *body, size_t body_len,
		              STR *new_path, STR *err)
{
    const char *name = path_name(path);
    int     attempt = queue_name_attempt(name);
    char    suffix[3];
    QMSG_W *w;
    int     next, rc = 0;

    if (attempt < 0 || attempt > QUEUE_MAX_ATTEMPT) {
	str_printf(err, "%s: not an active queue file name (ZZ<24 hex>.00 to .%d): cannot"
		   " requeue it", path, QUEUE_MAX_ATTEMPT);
	return -1;
    }
    if (env->id.len == 0 || env->created == 0) {
	str_printf(err, "%s: requeue: the envelope must keep the message's id and creation"
		   " time (qenvelope_copy_header)", path);
	return -1;
    }
    if (qenvelope_check(env, err) < 0)
	return -1;
    next = attempt < QUEUE_MAX_ATTEMPT ? attempt + 1 : QUEUE_MAX_ATTEMPT;
    suffix[0] = (char) ('0' + next / 10);
    suffix[1] = (char) ('0' + next % 10);
    suffix[2] = 0;
    w = mem_calloc(1, sizeof(*w));
    w->fd = -1;
    w->state = W_FAILED;
    w->max_size = QUEUE_MAX_MESSAGE;
    str_cpyn(&w->dir, path, (size_t) (name - path));
    if (queue_open_tmp(w, name, suffix, err) < 0) {
	queue_w_free(w);
	return -1;
    }
    str_cpyn(&w->id, env->id.s, env->id.len);
    w->created = env->created;
    w->state = W_OPEN;
    queue_header(w, env);
    if (queue_write(w, body, body_len, err) < 0 || queue_finish(w, err) < 0) {
	queue_abort(w);			/* only the .tmp existed: the old file is intact */
	return -1;
    }
    if (queue_sync_dirs(&w, 1, err) < 0) {
	/* At attempt 99 the new file replaced the old: keep it, whatever its state. */
	if (strcmp(STR_C(w->path), path) != 0)
	    queue_abort(w);
	else
	    queue_release(w);
	return -1;
    }
    if (new_path)
	str_cpy(new_path, STR_C(w->path));
    /* The new file is durable: only now may the old one go. */
    if (strcmp(STR_C(w->path), path) != 0) {
	if (unlink(path) != 0 && errno != ENOENT) {
	    str_printf(err, "%s: requeued as %s, but the old file cannot be removed: %s (the"
		       " next scan removes it)", path, w->name, strerror(errno));
	    rc = -1;
	} else if (port_fsync_parent(path, err) < 0) {
	    rc = -1;
	}
    }
    queue_release(w);
    return rc;
}

/* Renames path to the same stem with suffix, durably; -1 with err. */
static int queue_rename_to(const char *path, const char *suffix, STR *new_path, STR *err)
{
    const char *name = path_name(path);
    STR     to = STR_INIT;
    int     rc = 0;

    str_cpyn(&to, path, (size_t) (name - path));
    str_catn(&to, name, QUEUE_STEM_LEN);
    str_cat(&to, suffix);
    if (rename(path, STR_C(to)) != 0) {
	str_printf(err, "%s: cannot rename to %s: %s", path, STR_C(to), strerror(errno));
	rc = -1;
    } else if (port_fsync_parent(STR_C(to), err) < 0) {
	rc = -1;
    }
    if (rc == 0 && new_path)
	str_cpy(new_path, STR_C(to));
    str_free(&to);
    return rc;
}

int     queue_hold(const char *path, STR *new_path, STR *err)
{
    QLOCK   lk = QLOCK_INIT;
    int     rc;

    if (!queue_valid_name(path_name(path))) {
	str_printf(err, "%s: not an active queue file (ZZ<24 hex>.NN): cannot hold it", path);
	return -1;
    }
    if ((rc = queue_lock(path, &lk, err)) != 0)
	return rc;
    rc = queue_rename_to(path, ".HELD", new_path, err);
    queue_unlock(&lk);
    return rc;
}

int     queue_unhold(const char *path, STR *new_path, STR *err)
{
    QLOCK   lk = QLOCK_INIT;
    int     rc;

    if (!queue_valid_held_name(path_name(path))) {
	str_printf(err, "%s: not a held queue file (ZZ<24 hex>.HELD): cannot release it", path);
	return -1;
    }
    if ((rc = queue_lock(path, &lk, err)) != 0)
	return rc;
    rc = queue_rename_to(path, ".00", new_path, err);
    queue_unlock(&lk);
    return rc;
}
