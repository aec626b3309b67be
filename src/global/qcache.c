/*
 * NAME
 *	qcache - the queue cache (see qcache.h)
 * DESCRIPTION
 *	Synchronisation is a join of two sorted sets: the files (a hash
 *	table filled by queue_scan) and the entries (a walk of the database).
 *	Keys to delete are collected first, as pack.h byte strings so that
 *	even a foreign key with a NUL in it can be deleted, and removed after
 *	the walk: the database is never changed under an open cursor.
 */
#include <stdlib.h>
#include <string.h>
#include "qcache.h"
#include "dict.h"
#include "htab.h"
#include "lnm.h"
#include "pack.h"
#include "mem.h"

struct QCACHE {
    DICT   *db;
};

/* An entry decoded; rec points into the STRs. */
typedef struct QCACHE_DEC {
    STR     channel, name, from, envid;
    QCACHE_REC rec;
} QCACHE_DEC;

int     qcache_path(int purpose, STR *path, STR *err)
{
    LNM_ENTRY ent;
    int     rc;

    rc = lnm_lookup("PMDF_QUEUE_CACHE_DATABASE", LNM_TABLE_ANY, &ent, err);
    if (rc < 0)
	return -1;
    if (rc > 0)
	lnm_entry_free(&ent);
    return lnm_file(rc > 0 ? QCACHE_SPEC : QCACHE_DEFAULT_SPEC, purpose, path, err);
}

QCACHE *qcache_open(int flags, STR *err)
{
    STR     path = STR_INIT;
    DICT   *db = NULL;
    QCACHE *c = NULL;

    if (qcache_path((flags & DICT_CREATE) ? LNM_CREATE : LNM_READ, &path, err) == 0)
	db = dict_open(STR_C(path), flags | DICT_NOSYNC, err);
    str_free(&path);
    if (db != NULL) {
	c = mem_alloc(sizeof(*c));
	c->db = db;
    }
    return c;
}

void    qcache_close(QCACHE *c)
{
    if (c == NULL)
	return;
    dict_close(c->db);
    free(c);
}

const char *qcache_db_path(const QCACHE *c)
{
    return dict_path(c->db);
}

/* Only the job controller calls this: see dict_checkpoint(). */
int     qcache_checkpoint(QCACHE *c, STR *err)
{
    return dict_checkpoint(c->db, err);
}

void    qcache_rec_writer(QCACHE_REC *r, const QMSG_W *w, const QENVELOPE *env)
{
    r->channel = queue_w_channel(w);
    r->name = queue_w_name(w);
    r->size = queue_w_size(w);
    r->created = queue_w_created(w);
    r->from = STR_C(env->from);
    r->nrcpt = (uint32_t) env->nrcpt;
    r->envid = STR_C(env->envid);
}

void    qcache_rec_message(QCACHE_REC *r, const char *channel, const char *name,
			           const QMESSAGE *m)
{
    r->channel = channel;
    r->name = name;
    r->size = m->body_len;
    r->created = m->env.created;
    r->from = STR_C(m->env.from);
    r->nrcpt = (uint32_t) m->env.nrcpt;
    r->envid = STR_C(m->env.envid);
}

/* ---- encoding ------------------------------------------------------- */

static void qcache_key(STR *key, const char *channel, const char *name)
{
    str_cpy(key, channel);
    str_catc(key, '/');
    str_cat(key, name);
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

static void qcache_value(STR *val, const QCACHE_REC *r)
{
    str_truncate(val, 0);
    pack_u32(val, QCACHE_VERSION);
    pack_u64(val, r->size);
    pack_u64(val, (uint64_t) r->created);
    pack_str(val, r->from ? r->from : "");
    pack_u32(val, r->nrcpt);
    pack_str(val, r->envid ? r->envid : "");
}

static int qcache_check_rec(const QCACHE_REC *r, STR *err)
{
    if (queue_valid_channel(r->channel, err) < 0)
	return -1;
    if (queue_name_attempt(r->name) < 0) {
	str_printf(err, "\"%.40s\" is not a queue file name", r->name);
	return -1;
    }
    return 0;
}

static int unpack_into(UNPACK *in, STR *out)
{
    size_t  n;
    const char *p = unpack_bytes(in, &n);

    if (p == NULL || memchr(p, 0, n) != NULL)
	return -1;
    str_cpyn(out, p, n);
    return 0;
}

/* Decodes one entry into d; -1 when the key or value is not ours. */
static int qcache_decode(const void *k, size_t kl, const void *v, size_t vl, QCACHE_DEC *d)
{
    const char *slash = memchr(k, '/', kl);
    UNPACK  in;
    STR     ignore = STR_INIT;
    int     ok;

    if (slash == NULL || memchr(k, 0, kl) != NULL)
	return -1;
    str_cpyn(&d->channel, k, (size_t) (slash - (const char *) k));
    str_cpyn(&d->name, slash + 1, kl - d->channel.len - 1);
    ok = queue_valid_channel(STR_C(d->channel), &ignore) == 0 && queue_name_attempt(STR_C(d->name)) >= 0;
    str_free(&ignore);
    if (!ok)
	return -1;
    unpack_init(&in, v, vl);
    if (unpack_u32(&in) != QCACHE_VERSION)
	return -1;
    d->rec.size = unpack_u64(&in);
    d->rec.created = (int64_t) unpack_u64(&in);
    if (unpack_into(&in, &d->from) < 0)
	return -1;
    d->rec.nrcpt = unpack_u32(&in);
    if (unpack_into(&in, &d->envid) < 0 || !unpack_done(&in))
	return -1;
    d->rec.channel = STR_C(d->channel);
    d->rec.name = STR_C(d->name);
    d->rec.from = STR_C(d->from);
    d->rec.envid = STR_C(d->envid);
    return 0;
}

static void qcache_dec_free(QCACHE_DEC *d)
{
    str_free(&d->channel);
    str_free(&d->name);
    str_free(&d->from);
    str_free(&d->envid);
}

/* ---- updates -------------------------------------------------------- */

static int qcache_put(QCACHE *c, const QCACHE_REC *r, STR *key, STR *val, STR *err)
{
    if (qcache_check_rec(r, err) < 0)
	return -1;
    qcache_key(key, r->channel, r->name);
    qcache_value(val, r);
    return dict_put(c->db, key->s, key->len, val->s, val->len, err);
}

int     qcache_add(QCACHE *c, const QCACHE_REC *r, STR *err)
{
    STR     key = STR_INIT, val = STR_INIT;
    int     rc = qcache_put(c, r, &key, &val, err);

    str_free(&key);
    str_free(&val);
    return rc;
}

/* One transaction for n entries, run again when Berkeley DB undoes it (DICT_AGAIN). */
int     qcache_add_many(QCACHE *c, const QCACHE_REC *r, size_t n, STR *err)
{
    STR     key = STR_INIT, val = STR_INIT;
    size_t  i;
    int     rc;

    if (n == 0)
	return 0;
    do {
	rc = dict_begin(c->db, err);
	for (i = 0; i < n && rc == 0; i++)
	    rc = qcache_put(c, r + i, &key, &val, err);
	if (rc == 0)
	    rc = dict_commit(c->db, err);
	else
	    dict_abort(c->db);
    } while (rc == DICT_AGAIN);		/* ends: see dict_begin() */
    str_free(&key);
    str_free(&val);
    return rc < 0 ? -1 : 0;
}

int     qcache_remove(QCACHE *c, const char *channel, const char *name, STR *err)
{
    STR     key = STR_INIT;
    int     rc;

    qcache_key(&key, channel, name);
    rc = dict_del(c->db, key.s, key.len, err);
    str_free(&key);
    return rc;
}

/* ---- walking -------------------------------------------------------- */

typedef struct WALK_CTX {
    QCACHE_WALK_FN fn;
    void   *ctx;
    STR    *err;
    const char *db;
    int     rc;
} WALK_CTX;

static int walk_one(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    WALK_CTX *w = ctx;
    QCACHE_DEC d;

    memset(&d, 0, sizeof(d));
    if (qcache_decode(k, kl, v, vl, &d) < 0) {
	str_printf(w->err, "%s: entry \"%.*s\" is damaged or not a queue cache entry; run"
		   " \"pmdf cache -synchronize\" to rebuild the cache", w->db,
		   (int) (kl > 80 ? 80 : kl), (const char *) k);
	w->rc = -1;
    } else {
	w->rc = w->fn(&d.rec, w->ctx);
    }
    qcache_dec_free(&d);
    return w->rc;
}

int     qcache_walk(QCACHE *c, const char *channel, QCACHE_WALK_FN fn, void *ctx, STR *err)
{
    WALK_CTX w;
    STR     prefix = STR_INIT;

    w.fn = fn;
    w.ctx = ctx;
    w.err = err;
    w.db = dict_path(c->db);
    w.rc = 0;
    if (channel != NULL) {
	str_cpy(&prefix, channel);
	str_catc(&prefix, '/');
    }
    if (dict_walk(c->db, STR_C(prefix), prefix.len, walk_one, &w, err) < 0)
	w.rc = -1;
    str_free(&prefix);
    return w.rc;
}

/* ---- synchronisation ------------------------------------------------ */

typedef struct SYNC_CTX {
    HTAB   *files;		/* "channel/name" -> path, files with no entry yet */
    STR     stale;		/* keys to delete, as pack.h byte strings */
    unsigned long nstale;
    QCACHE_SYNC *counts;
} SYNC_CTX;

static int sync_file(const char *channel, const char *name, const char *path, void *ctx)
{
    SYNC_CTX *s = ctx;
    STR     key = STR_INIT;

    qcache_key(&key, channel, name);
    htab_enter(s->files, STR_C(key), mem_strdup(path));
    s->counts->files++;
    str_free(&key);
    return 0;
}

static int sync_entry(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    SYNC_CTX *s = ctx;
    QCACHE_DEC d;
    STR     key = STR_INIT;
    char   *path = NULL;

    memset(&d, 0, sizeof(d));
    if (qcache_decode(k, kl, v, vl, &d) == 0) {
	qcache_key(&key, d.rec.channel, d.rec.name);
	path = htab_remove(s->files, STR_C(key));
    }
    if (path != NULL) {
	s->counts->kept++;
	free(path);
    } else {
	pack_bytes(&s->stale, k, kl);
	s->nstale++;
    }
    str_free(&key);
    qcache_dec_free(&d);
    return 0;
}

/* Deletes the collected keys, QCACHE_BATCH to a transaction. */
static int sync_delete(QCACHE *c, SYNC_CTX *s, STR *err)
{
    UNPACK  in;
    const void *k;
    size_t  kl, done = 0;
    int     rc;

    unpack_init(&in, s->stale.s, s->stale.len);
    while (done < s->nstale) {
	if (done % QCACHE_BATCH == 0 && (rc = dict_begin(c->db, err)) < 0)
	    return rc;
	k = unpack_bytes(&in, &kl);
	if (k == NULL || (rc = dict_del(c->db, k, kl, err)) < 0) {
	    dict_abort(c->db);
	    return k == NULL ? -1 : rc;
	}
	s->counts->removed++;
	if (++done % QCACHE_BATCH == 0 || done == s->nstale)
	    if ((rc = dict_commit(c->db, err)) < 0)
		return rc;
    }
    return 0;
}

/* Reads one file with no entry; adds it, or notes it as damaged. */
static int sync_add_one(QCACHE *c, const char *key, const char *path, STR *report, STR *err,
			        QCACHE_SYNC *counts)
{
    QMESSAGE m;
    QCACHE_REC r;
    STR     why = STR_INIT, chan = STR_INIT;
    const char *slash = strchr(key, '/');
    int     rc, dbrc = 0;

    rc = queue_read(path, &m, &why);
    if (rc == QUEUE_DAMAGED) {
	counts->damaged++;
	str_catf(report, "\n  damaged, not cached: %s", STR_C(why));
    } else if (rc == 0) {
	str_cpyn(&chan, key, (size_t) (slash - key));
	qcache_rec_message(&r, STR_C(chan), slash + 1, &m);
	if ((dbrc = qcache_add(c, &r, err)) == 0)
	    counts->added++;
    }					/* else gone since the scan: nothing to index */
    queue_message_free(&m);
    str_free(&why);
    str_free(&chan);
    return dbrc;
}

static int sync_add(QCACHE *c, SYNC_CTX *s, STR *report, STR *err)
{
    char  **keys = htab_keys(s->files);
    size_t  i;
    int     rc = 0;

    for (i = 0; keys[i] != NULL && rc == 0; i++) {
	if (i % QCACHE_BATCH == 0 && (rc = dict_begin(c->db, err)) < 0)
	    break;
	rc = sync_add_one(c, keys[i], htab_find(s->files, keys[i]), report, err, s->counts);
	if (rc < 0)
	    dict_abort(c->db);
	else if ((i + 1) % QCACHE_BATCH == 0 || keys[i + 1] == NULL)
	    rc = dict_commit(c->db, err);
    }
    free(keys);
    return rc;
}

/* One synchronisation; DICT_AGAIN when Berkeley DB undid a transaction of it. */
static int sync_once(QCACHE *c, QCACHE_SYNC *counts, STR *report, STR *err)
{
    QCACHE_SYNC local;
    SYNC_CTX s;
    STR     damaged = STR_INIT;
    int     rc;

    memset(&local, 0, sizeof(local));
    memset(&s, 0, sizeof(s));
    s.counts = &local;
    s.files = htab_create(1024);
    rc = queue_scan_which(NULL, QUEUE_SCAN_ALL, sync_file, &s, err);
    if (rc == 0)
	rc = dict_walk(c->db, "", 0, sync_entry, &s, err);
    if (rc == 0)
	rc = sync_delete(c, &s, err);
    if (rc == 0)
	rc = sync_add(c, &s, &damaged, err);
    if (rc == 0)
	str_printf(report, "%s: %lu message files; %lu entries kept, %lu added, %lu stale"
		   " removed, %lu damaged files not cached%s", dict_path(c->db), local.files,
		   local.kept, local.added, local.removed, local.damaged, STR_C(damaged));
    if (counts != NULL)
	*counts = local;
    htab_free(s.files, free);
    str_free(&s.stale);
    str_free(&damaged);
    return rc;
}

/* The scan and the walk start afresh when a transaction was undone: all is idempotent. */
int     qcache_synchronize(QCACHE *c, QCACHE_SYNC *counts, STR *report, STR *err)
{
    int     rc;

    while ((rc = sync_once(c, counts, report, err)) == DICT_AGAIN)
	;				/* ends: see dict_begin() */
    return rc < 0 ? -1 : 0;
}
