/*
 * NAME
 *	qnotify - the queue's events: the job controller keeps the books
 *	(see qnotify.h)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "qnotify.h"
#include "jobwake.h"
#include "pack.h"
#include "dict.h"
#include "mem.h"
#include "msg.h"

static void pack_u64(STR *out, uint64_t v)
{
    pack_u32(out, (uint32_t) (v >> 32));
    pack_u32(out, (uint32_t) (v & 0xffffffffu));
}

static uint64_t unpack_u64(UNPACK *in)
{
    uint64_t hi = unpack_u32(in);

    return (hi << 32) | unpack_u32(in);
}

/* Room for one more record: send what is there when it would not fit. */
static void qnotify_room(QNOTIFY *q, size_t more)
{
    if (q->n > 0 && 4 + q->buf.len + more > JOBWAKE_MAX)
	qnotify_send(q);
}

void    qnotify_add(QNOTIFY *q, const QCACHE_REC *r, int wake)
{
    const char *from = r->from ? r->from : "", *envid = r->envid ? r->envid : "";

    qnotify_room(q, 64 + strlen(r->channel) + strlen(r->name) + strlen(from) + strlen(envid));
    pack_u32(&q->buf, QNOTIFY_ADD);
    pack_str(&q->buf, r->channel);
    pack_str(&q->buf, r->name);
    pack_u64(&q->buf, r->size);
    pack_u64(&q->buf, (uint64_t) r->created);
    pack_str(&q->buf, from);
    pack_u32(&q->buf, r->nrcpt);
    pack_str(&q->buf, envid);
    pack_u32(&q->buf, wake != 0);
    q->n++;
}

void    qnotify_del(QNOTIFY *q, const char *channel, const char *name)
{
    qnotify_room(q, 16 + strlen(channel) + strlen(name));
    pack_u32(&q->buf, QNOTIFY_DEL);
    pack_str(&q->buf, channel);
    pack_str(&q->buf, name);
    q->n++;
}

void    qnotify_count(QNOTIFY *q, const COUNTERS_DELTA *d)
{
    int     k;

    qnotify_room(q, 16 + strlen(d->channel) + COUNTERS_KINDS * 16);
    pack_u32(&q->buf, QNOTIFY_COUNT);
    pack_str(&q->buf, d->channel);
    for (k = 0; k < COUNTERS_KINDS; k++) {
	pack_u64(&q->buf, (uint64_t) d->msgs[k]);
	pack_u64(&q->buf, (uint64_t) d->rcpts[k]);
    }
    q->n++;
}

/* ---- when no job controller takes them: applied here ------------------------------ */

static QCACHE *own_qcache;
static COUNTERS *own_counters;
static int own_opened;

static void qnotify_apply_here(const STR *dgram)
{
    STR     err = STR_INIT;

    if (!own_opened) {
	own_opened = 1;
	if ((own_qcache = qcache_open(DICT_RDWR | DICT_CREATE, &err)) == NULL)
	    msg_warn("queue cache: %s (the job controller's scans heal it)", STR_C(err));
	str_reset(&err);
	if ((own_counters = counters_open(DICT_RDWR | DICT_CREATE, &err)) == NULL)
	    msg_warn("counters: %s (the messages are queued all the same)", STR_C(err));
	str_reset(&err);
    }
    if (qnotify_apply(dgram->s, dgram->len, own_qcache, own_counters, NULL, NULL, &err) < 0)
	msg_warn("%s (the messages are queued all the same)", STR_C(err));
    str_free(&err);
}

void    qnotify_shutdown(void)
{
    qcache_close(own_qcache);
    counters_close(own_counters);
    own_qcache = NULL;
    own_counters = NULL;
    own_opened = 0;
}

void    qnotify_send(QNOTIFY *q)
{
    STR     dgram = STR_INIT;

    if (q->n == 0)
	return;
    pack_u32(&dgram, QNOTIFY_MAGIC);
    str_catn(&dgram, q->buf.s, q->buf.len);
    if (jobwake_send(dgram.s, dgram.len) < 0)
	qnotify_apply_here(&dgram);
    str_reset(&q->buf);
    q->n = 0;
    str_free(&dgram);
}

void    qnotify_free(QNOTIFY *q)
{
    str_free(&q->buf);
    q->n = 0;
}

void    qnotify_enqueued(const QCACHE_REC *recs, size_t n)
{
    QNOTIFY q = QNOTIFY_INIT;
    COUNTERS_DELTA d;
    size_t  i;

    for (i = 0; i < n; i++) {
	qnotify_add(&q, &recs[i], 1);
	counters_delta_init(&d, recs[i].channel);
	counters_delta_enqueued(&d, recs[i].channel, (long) recs[i].nrcpt);
	qnotify_count(&q, &d);
    }
    qnotify_send(&q);
    qnotify_free(&q);
}

/* ---- the job controller's side ------------------------------------------------------ */

typedef struct APPLY {
    QCACHE_REC *adds;
    int    *wake;
    size_t  nadds, cap_adds;
    char  **dels;			/* channel, name pairs */
    size_t  ndels, cap_dels;
    COUNTERS_DELTA *counts;
    size_t  ncounts, cap_counts;
    char  **strs;			/* everything unpack_str() allocated */
    size_t  nstrs, cap_strs;
} APPLY;

/* Room for one more element in an array that doubles as it grows. */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
	return v;
    *cap = *cap ? 2 * *cap : 16;
    return mem_realloc(v, *cap * size);
}

static char *keep(APPLY *a, char *s)
{
    a->strs = grow(a->strs, a->nstrs, &a->cap_strs, sizeof(char *));
    a->strs[a->nstrs++] = s;
    return s;
}

static void apply_free(APPLY *a)
{
    size_t  i;

    for (i = 0; i < a->nstrs; i++)
	free(a->strs[i]);
    free(a->strs);
    free(a->adds);
    free(a->wake);
    free(a->dels);
    free(a->counts);
}

/* Reads the events; -1 when the datagram is not ours or damaged. */
static int apply_parse(UNPACK *in, APPLY *a)
{
    uint32_t type;
    int     k;

    while (!unpack_done(in) && !unpack_failed(in)) {
	type = unpack_u32(in);
	if (type == QNOTIFY_ADD) {
	    QCACHE_REC *r;

	    if (a->nadds == a->cap_adds) {
		a->adds = grow(a->adds, a->nadds, &a->cap_adds, sizeof(*a->adds));
		a->wake = mem_realloc(a->wake, a->cap_adds * sizeof(int));
	    }
	    r = &a->adds[a->nadds];
	    r->channel = keep(a, unpack_str(in));
	    r->name = keep(a, unpack_str(in));
	    r->size = unpack_u64(in);
	    r->created = (int64_t) unpack_u64(in);
	    r->from = keep(a, unpack_str(in));
	    r->nrcpt = unpack_u32(in);
	    r->envid = keep(a, unpack_str(in));
	    a->wake[a->nadds++] = unpack_u32(in) != 0;
	} else if (type == QNOTIFY_DEL) {
	    a->dels = grow(a->dels, a->ndels, &a->cap_dels, 2 * sizeof(char *));
	    a->dels[2 * a->ndels] = keep(a, unpack_str(in));
	    a->dels[2 * a->ndels + 1] = keep(a, unpack_str(in));
	    a->ndels++;
	} else if (type == QNOTIFY_COUNT) {
	    COUNTERS_DELTA *d;

	    a->counts = grow(a->counts, a->ncounts, &a->cap_counts, sizeof(*a->counts));
	    d = &a->counts[a->ncounts++];
	    d->channel = keep(a, unpack_str(in));
	    for (k = 0; k < COUNTERS_KINDS; k++) {
		d->msgs[k] = (int64_t) unpack_u64(in);
		d->rcpts[k] = (int64_t) unpack_u64(in);
	    }
	} else
	    return -1;
    }
    return unpack_failed(in) ? -1 : 0;
}

int     qnotify_apply(const void *buf, size_t len, QCACHE *qc, COUNTERS *c,
		              QNOTIFY_WAKE_FN wake, void *ctx, STR *err)
{
    UNPACK  in;
    APPLY   a;
    STR     cerr = STR_INIT;
    size_t  i;
    int     rc = 0;

    memset(&a, 0, sizeof(a));
    str_reset(err);
    unpack_init(&in, buf, len);
    if (unpack_u32(&in) != QNOTIFY_MAGIC || unpack_failed(&in)) {
	str_cpy(err, "queue event: not a queue event datagram; ignored");
	return -1;
    }
    if (apply_parse(&in, &a) < 0) {
	str_printf(err, "queue event: a damaged datagram (%s); ignored",
		   in.why ? in.why : "unknown event");
	apply_free(&a);
	return -1;
    }
    /* The cache and the counters are independent: a failure of one spares the other. */
    for (i = 0; qc != NULL && i < a.ndels && rc == 0; i++)
	if (qcache_remove(qc, a.dels[2 * i], a.dels[2 * i + 1], &cerr) < 0)
	    rc = -1;
    if (rc == 0 && qc != NULL && a.nadds > 0 && qcache_add_many(qc, a.adds, a.nadds, &cerr) < 0)
	rc = -1;
    if (rc < 0)
	str_printf(err, "queue cache: %s", STR_C(cerr));
    str_reset(&cerr);
    if (c != NULL && a.ncounts > 0 && counters_add(c, a.counts, a.ncounts, &cerr) < 0) {
	str_catf(err, "%scounters: %s", rc < 0 ? "; " : "", STR_C(cerr));
	rc = -1;
    }
    str_free(&cerr);
    for (i = 0; wake != NULL && i < a.nadds; i++)
	if (a.wake[i])
	    wake(a.adds[i].channel, a.adds[i].name, ctx);
    apply_free(&a);
    return rc;
}
