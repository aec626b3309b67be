/*
 * NAME
 *	counters - per-channel message and recipient counters (see counters.h)
 * DESCRIPTION
 *	Read-modify-write of one record per channel inside a dict.h
 *	transaction.  Two such transactions would deadlock all the time (each
 *	holds a read lock on a page the other wants to write), so every
 *	writing transaction first writes the record COUNTERS_LOCK_KEY, which
 *	no reader decodes: the first writer takes that page's write lock and
 *	the others, holding nothing, are refused it (dict.h never waits for
 *	a lock) and back off in dict_begin() until it commits.  Writers are
 *	serialised; readers are not held up for long.  Should Berkeley
 *	DB undo a transaction all the same (DICT_AGAIN: a deadlock, a writer
 *	that died holding the lock, a recovery), it is run again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "counters.h"
#include "dict.h"
#include "lnm.h"
#include "pack.h"
#include "mem.h"
#include "strlist.h"

#define COUNTERS_LOCK_KEY "#writer"	/* no channel name holds "#" */

const char *const counters_kind_names[COUNTERS_KINDS] = {
    "enqueued", "delivered", "returned", "deferred", "queued"
};

struct COUNTERS {
    DICT   *db;
    char   *path;
};

static int counters_path(int purpose, STR *path, STR *err)
{
    LNM_ENTRY ent;
    int     rc;

    rc = lnm_lookup("PMDF_COUNTERS_DATABASE", LNM_TABLE_ANY, &ent, err);
    if (rc < 0)
	return -1;
    if (rc > 0)
	lnm_entry_free(&ent);
    return lnm_file(rc > 0 ? COUNTERS_SPEC : COUNTERS_DEFAULT_SPEC, purpose, path, err);
}

COUNTERS *counters_open(int flags, STR *err)
{
    STR     path = STR_INIT;
    DICT   *db = NULL;
    COUNTERS *c = NULL;

    if (counters_path((flags & DICT_CREATE) ? LNM_CREATE : LNM_READ, &path, err) == 0)
	db = dict_open(STR_C(path), flags | DICT_NOSYNC, err);
    if (db != NULL) {
	c = mem_calloc(1, sizeof(*c));
	c->db = db;
	c->path = str_detach(&path);
    }
    str_free(&path);
    return c;
}

void    counters_close(COUNTERS *c)
{
    if (c == NULL)
	return;
    dict_close(c->db);
    free(c->path);
    free(c);
}

const char *counters_db_path(const COUNTERS *c)
{
    return c->path;
}

int     counters_checkpoint(COUNTERS *c, STR *err)
{
    return dict_checkpoint(c->db, err);
}

/* ---- deltas -------------------------------------------------------------- */

void    counters_delta_init(COUNTERS_DELTA *d, const char *channel)
{
    memset(d, 0, sizeof(*d));
    d->channel = channel;
}

void    counters_delta_enqueued(COUNTERS_DELTA *d, const char *channel, long recipients)
{
    d->channel = channel;
    d->msgs[COUNTERS_ENQUEUED]++;
    d->rcpts[COUNTERS_ENQUEUED] += recipients;
    d->msgs[COUNTERS_QUEUED]++;
    d->rcpts[COUNTERS_QUEUED] += recipients;
}

void    counters_delta_outcome(COUNTERS_DELTA *d, const char *channel, long delivered,
			               long returned, long deferred, int finished)
{
    d->channel = channel;
    if (delivered > 0) {
	d->msgs[COUNTERS_DELIVERED]++;
	d->rcpts[COUNTERS_DELIVERED] += delivered;
    }
    if (returned > 0) {
	d->msgs[COUNTERS_RETURNED]++;
	d->rcpts[COUNTERS_RETURNED] += returned;
    }
    if (deferred > 0) {
	d->msgs[COUNTERS_DEFERRED]++;
	d->rcpts[COUNTERS_DEFERRED] += deferred;
    }
    if (finished)
	d->msgs[COUNTERS_QUEUED]--;
    d->rcpts[COUNTERS_QUEUED] -= (delivered > 0 ? delivered : 0) + (returned > 0 ? returned : 0);
}

void    counters_delta_removed(COUNTERS_DELTA *d, const char *channel, long recipients)
{
    d->channel = channel;
    d->msgs[COUNTERS_QUEUED]--;
    d->rcpts[COUNTERS_QUEUED] -= recipients;
}

/* ---- records ------------------------------------------------------------- */

static void pack_i64(STR *out, int64_t v)
{
    uint64_t u = (uint64_t) v;

    pack_u32(out, (uint32_t) (u >> 32));
    pack_u32(out, (uint32_t) (u & 0xffffffffu));
}

static int64_t unpack_i64(UNPACK *in)
{
    uint64_t hi = unpack_u32(in);
    uint64_t lo = unpack_u32(in);

    return (int64_t) ((hi << 32) | lo);
}

static void counters_encode(const CHANNEL_COUNTERS *cc, STR *out)
{
    int     k;

    str_reset(out);
    pack_u32(out, COUNTERS_VERSION);
    pack_i64(out, cc->since);
    for (k = 0; k < COUNTERS_KINDS; k++) {
	pack_i64(out, cc->msgs[k]);
	pack_i64(out, cc->rcpts[k]);
    }
}

static int counters_decode(const char *channel, size_t clen, const void *v, size_t vlen,
			           CHANNEL_COUNTERS *cc)
{
    UNPACK  in;
    int     k;

    memset(cc, 0, sizeof(*cc));
    if (clen >= sizeof(cc->channel))
	return -1;
    memcpy(cc->channel, channel, clen);
    unpack_init(&in, v, vlen);
    if (unpack_u32(&in) != COUNTERS_VERSION)
	return -1;
    cc->since = unpack_i64(&in);
    for (k = 0; k < COUNTERS_KINDS; k++) {
	cc->msgs[k] = unpack_i64(&in);
	cc->rcpts[k] = unpack_i64(&in);
    }
    return unpack_failed(&in) || !unpack_done(&in) ? -1 : 0;
}

static void counters_fresh(CHANNEL_COUNTERS *cc, const char *channel)
{
    size_t  len = strlen(channel);

    memset(cc, 0, sizeof(*cc));
    if (len >= sizeof(cc->channel))
	len = sizeof(cc->channel) - 1;
    memcpy(cc->channel, channel, len);
    cc->since = (int64_t) time(NULL);
}

/* counters_load - the record of one channel, fresh when absent or unreadable */

static int counters_load(COUNTERS *c, const char *channel, CHANNEL_COUNTERS *cc, STR *err)
{
    STR     val = STR_INIT;
    int     rc;

    rc = dict_get(c->db, channel, strlen(channel), &val, err);
    if (rc < 0) {
	str_free(&val);
	return rc;				/* -1, or DICT_AGAIN */
    }
    if (rc == 0 || counters_decode(channel, strlen(channel), val.s, val.len, cc) < 0) {
	counters_fresh(cc, channel);
	rc = 0;
    }
    str_free(&val);
    return rc;
}

static int counters_store(COUNTERS *c, const CHANNEL_COUNTERS *cc, STR *err)
{
    STR     val = STR_INIT;
    int     rc;

    counters_encode(cc, &val);
    rc = dict_put(c->db, cc->channel, strlen(cc->channel), val.s, val.len, err);
    str_free(&val);
    return rc;
}

/* counters_begin - a writing transaction, serialised (see above) */

static int counters_begin(COUNTERS *c, STR *err)
{
    int     rc;

    if ((rc = dict_begin(c->db, err)) < 0)
	return rc;
    if ((rc = dict_put(c->db, COUNTERS_LOCK_KEY, sizeof(COUNTERS_LOCK_KEY) - 1, "", 0, err)) < 0)
	dict_abort(c->db);
    return rc;
}

static int counters_apply(COUNTERS *c, const COUNTERS_DELTA *d, size_t n, STR *err)
{
    CHANNEL_COUNTERS cc;
    size_t  i;
    int     k, rc;

    if ((rc = counters_begin(c, err)) < 0)
	return rc;
    for (i = 0; i < n; i++) {
	if (d[i].channel == NULL || *d[i].channel == 0)
	    continue;
	if ((rc = counters_load(c, d[i].channel, &cc, err)) < 0)
	    goto fail;
	for (k = 0; k < COUNTERS_KINDS; k++) {
	    cc.msgs[k] += d[i].msgs[k];
	    cc.rcpts[k] += d[i].rcpts[k];
	}
	if ((rc = counters_store(c, &cc, err)) < 0)
	    goto fail;
    }
    return dict_commit(c->db, err);
fail:
    dict_abort(c->db);
    return rc;				/* -1, or DICT_AGAIN: run again */
}

int     counters_add(COUNTERS *c, const COUNTERS_DELTA *d, size_t n, STR *err)
{
    int     rc;

    /* Ends: dict_begin() gives up on a lock held for too long, and on a failed recovery. */
    do {
	str_reset(err);
    } while ((rc = counters_apply(c, d, n, err)) == DICT_AGAIN);
    return rc < 0 ? -1 : 0;
}

int     counters_get(COUNTERS *c, const char *channel, CHANNEL_COUNTERS *cc, STR *err)
{
    STR     val = STR_INIT;
    int     rc;

    counters_fresh(cc, channel);
    rc = dict_get(c->db, channel, strlen(channel), &val, err);
    if (rc > 0 && counters_decode(channel, strlen(channel), val.s, val.len, cc) < 0) {
	str_printf(err, "%s: the counters of channel %s do not decode; run \"pmdf counters"
		   " -clear\"", c->path, channel);
	rc = -1;
    }
    str_free(&val);
    return rc;
}

typedef struct WALK_CTX {
    COUNTERS_WALK_FN fn;
    void   *ctx;
    int     bad;
    STRLIST names;
} WALK_CTX;

static int walk_one(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    WALK_CTX *w = ctx;
    CHANNEL_COUNTERS cc;

    if (kl > 0 && *(const char *) k == '#')
	return 0;				/* COUNTERS_LOCK_KEY */
    if (counters_decode(k, kl, v, vl, &cc) < 0) {
	w->bad++;
	return 0;
    }
    if (w->fn == NULL) {
	strlist_add(&w->names, cc.channel);
	return 0;
    }
    return w->fn(&cc, w->ctx);
}

int     counters_walk(COUNTERS *c, COUNTERS_WALK_FN fn, void *ctx, STR *err)
{
    WALK_CTX w;
    int     rc;

    memset(&w, 0, sizeof(w));
    w.fn = fn;
    w.ctx = ctx;
    rc = dict_walk(c->db, "", 0, walk_one, &w, err);
    if (rc == 0 && w.bad) {
	str_printf(err, "%s: %d records do not decode; run \"pmdf counters -clear\"", c->path,
		   w.bad);
	rc = -1;
    }
    return rc;
}

static int clear_one(COUNTERS *c, const char *channel, STR *err)
{
    CHANNEL_COUNTERS cc;
    int64_t qm, qr;

    if (counters_load(c, channel, &cc, err) < 0)
	return -1;
    qm = cc.msgs[COUNTERS_QUEUED];
    qr = cc.rcpts[COUNTERS_QUEUED];
    counters_fresh(&cc, channel);
    cc.msgs[COUNTERS_QUEUED] = qm;
    cc.rcpts[COUNTERS_QUEUED] = qr;
    return counters_store(c, &cc, err);
}

int     counters_clear(COUNTERS *c, const char *channel, STR *err)
{
    WALK_CTX w;
    size_t  i;
    int     rc = 0;

    if (counters_begin(c, err) < 0)
	return -1;
    if (channel != NULL)
	rc = clear_one(c, channel, err);
    else {
	memset(&w, 0, sizeof(w));
	if ((rc = dict_walk(c->db, "", 0, walk_one, &w, err)) == 0)
	    for (i = 0; i < w.names.n && rc == 0; i++)
		rc = clear_one(c, w.names.v[i], err);
	strlist_free(&w.names);
    }
    if (rc < 0) {
	dict_abort(c->db);
	return -1;
    }
    return dict_commit(c->db, err);
}

int     counters_set_queued(COUNTERS *c, const char *channel, int64_t msgs, int64_t rcpts,
			            STR *err)
{
    CHANNEL_COUNTERS cc;

    if (counters_begin(c, err) < 0)
	return -1;
    if (counters_load(c, channel, &cc, err) < 0)
	goto fail;
    cc.msgs[COUNTERS_QUEUED] = msgs;
    cc.rcpts[COUNTERS_QUEUED] = rcpts;
    if (counters_store(c, &cc, err) < 0)
	goto fail;
    return dict_commit(c->db, err);
fail:
    dict_abort(c->db);
    return -1;
}
