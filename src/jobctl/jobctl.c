/*
 * NAME
 *	job_controller - run the channel programs that deliver queued mail
 * SYNOPSIS
 *	job_controller
 * DESCRIPTION
 *	Runs in the foreground until told to stop ("pmdf startup
 *	job_controller" detaches it, with its output appended to
 *	PMDF_LOG:job_controller.log).  It claims the component's PID file
 *	(daemon.h: PMDF_LOG:job_controller.pid, locked; a second copy
 *	refuses to start), reads its configuration (jobctl.h: PMDF.CNF for
 *	the channels, JOB_CONTROLLER.CNF for pools and commands) and then:
 *
 *	- knows the queue: at start and every SCAN_INTERVAL seconds it lists
 *	  every channel directory (queue_scan; held files are never
 *	  delivered), and it takes the queue's events (qnotify.h, over
 *	  jobwake.h) from the SMTP server, the delivery programs and "pmdf
 *	  qm": new files (due now, so mail starts moving at once), files
 *	  renamed or removed, and counter changes.  It is the one writer of
 *	  the queue cache (qcache.h) and the counters (counters.h) while it
 *	  runs, so a delivery job or a server killed at any moment cannot
 *	  leave a Berkeley DB mutex held under anyone; it checkpoints both
 *	  environments.  The
 *	  scan also heals the queue cache: when the cache and the files
 *	  disagree in two scans in a row, it runs qcache_synchronize() (the
 *	  disagreement of one scan may be a message in flight).
 *
 *	- decides when each message is due: a file named .00 at once, a file
 *	  named .NN (NN failed attempts) at its modification time plus the
 *	  channel's backoff period NN (queue_next_attempt, retry.h).
 *
 *	- runs jobs: for a channel with due messages it starts the channel's
 *	  MASTER_COMMAND (by default PMDF_EXE:pmdf_deliver -channel=NAME) with
 *	  "-message=NAME" for each of up to filesperjob / MESSAGES_PER_JOB due
 *	  messages, oldest first (one "-message=NAME,NAME,..."), while the channel has fewer jobs than its
 *	  maxjobs and its pool fewer than the pool's JOB_LIMIT.  A message is
 *	  given to one job at a time.  Mail arriving while a channel's jobs
 *	  run goes to another job as soon as the limits allow and a full
 *	  batch is ready or the oldest of it has waited JC_BATCH_WAIT_MS (100
 *	  ms): a stream of mail makes batches, not one job per message.
 *	  Channels take turns (round robin) when a pool is full.
 *
 *	- reaps jobs: after a job ends, each of its messages is looked at: a
 *	  file that is gone was delivered or returned (or requeued as the
 *	  next attempt, ZZ<stem>.NN+1, which is then scheduled by its
 *	  backoff); a file still there after a job that ended well was left
 *	  alone (another process held its lock) and is tried again after
 *	  BUSY_RETRY seconds.  A job that crashed (a signal, or an exit status
 *	  other than 0) is logged as a warning, and its messages still in the
 *	  queue are tried again after CRASH_RETRY seconds.
 *
 *	SIGHUP reads the configuration again (a broken configuration is
 *	reported and the old one kept); jobs running go on.  SIGTERM (or
 *	SIGINT) stops starting jobs, waits up to MAX_SHUTDOWN seconds for the
 *	running ones, sends SIGTERM to those left, and exits 0.
 *
 *	Every job started and ended is logged to standard error (the log
 *	file when started detached):
 *	  job_controller: info: job 123 started: channel tcp_local, 100
 *	    messages, pool DEFAULT 2/4, channel 2/4
 *	  job_controller: info: job 123 ended: channel tcp_local, exit status
 *	    0, 0.41 s
 * DIAGNOSTICS
 *	Start-up problems (PID file held, configuration errors) are fatal
 *	with a message naming the file; later problems are warnings and the
 *	controller goes on.  Exit status 0 after SIGTERM, 1 on a fatal error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <sys/types.h>
#include <sys/stat.h>
#include "jobctl.h"
#include "daemon.h"
#include "evloop.h"
#include "jobwake.h"
#include "spawn.h"
#include "queue.h"
#include "qcache.h"
#include "qnotify.h"
#include "dict.h"
#include "lnm.h"
#include "mem.h"
#include "cli.h"
#include "msg.h"

#define JC_CHECKPOINT_MS 5000
/* While a channel's job runs, a few new messages wait this long for more. */
#define JC_BATCH_WAIT_MS 100

#define MSG_READY	1
#define MSG_WAITING	2
#define MSG_RUNNING	3

typedef struct JC_MSG {
    char    name[QUEUE_HELD_NAME_LEN + 1];
    int     state;
    int64_t due;		/* MSG_WAITING: seconds since 1970 */
    long long ready_ms;		/* MSG_READY: since when (ev_now_ms) */
    unsigned gen;		/* the last full scan that saw it */
} JC_MSG;

typedef struct JC_CHAN {
    char   *name;
    const JC_CHANNEL_CFG *cfg;	/* NULL: not in the configuration */
    STR     dir;		/* the queue directory, to append names to */
    HTAB   *msgs;		/* name -> JC_MSG */
    JC_MSG **ready;		/* FIFO of MSG_READY, from rhead */
    size_t  rhead, rn, rcap;
    JC_MSG **waiting;		/* MSG_WAITING, unordered */
    size_t  nwait, wcap;
    int64_t next_due;		/* earliest due among waiting (0: none) */
    long    running;
    int     warned;
} JC_CHAN;

typedef struct JC_JOB {
    long    pid;
    JC_CHAN *ch;
    char  **names;
    size_t  n;
    long long started_ms;
    int64_t started;		/* wall clock, for file times */
    struct JC_JOB *next;
} JC_JOB;

typedef struct JC {
    JC_CONFIG cfg;
    EVLOOP *ev;
    HTAB   *chans;		/* name -> JC_CHAN */
    JC_CHAN **chanv;
    size_t  nchan;
    size_t  rr;			/* round-robin start */
    JC_JOB *jobs;
    long    njobs;
    long   *pool_running;	/* per cfg.pools[] */
    int     wake_fd, chld_fd;
    STR     wake_path;
    QCACHE *qcache;			/* this process alone writes it (qnotify.h) */
    COUNTERS *counters;			/* likewise */
    long long checkpoint_ms;		/* the last checkpoint after events */
    unsigned gen;
    int     cache_suspect;	/* the previous scan found the cache wrong */
    long long next_scan_ms;
    unsigned long jobs_started, jobs_crashed;
} JC;

static volatile sig_atomic_t stop_requested, reload_requested;

/* ---- channels and messages ----------------------------------------------- */

static JC_CHAN *jc_chan(JC *jc, const char *name)
{
    JC_CHAN *ch = htab_find(jc->chans, name);
    STR     err = STR_INIT;

    if (ch != NULL)
	return ch;
    if (queue_valid_channel(name, &err) < 0) {
	str_free(&err);
	return NULL;
    }
    ch = mem_calloc(1, sizeof(*ch));
    ch->name = mem_strdup(name);
    ch->cfg = jobcnf_channel(&jc->cfg, name);
    ch->msgs = htab_create(64);
    if (queue_channel_dir(name, LNM_READ, &ch->dir, &err) < 0)
	msg_warn("channel %s: %s", name, STR_C(err));
    htab_enter(jc->chans, name, ch);
    jc->chanv = mem_realloc(jc->chanv, (jc->nchan + 1) * sizeof(*jc->chanv));
    jc->chanv[jc->nchan++] = ch;
    str_free(&err);
    return ch;
}

static void jc_ready_push(JC_CHAN *ch, JC_MSG *m)
{
    if (ch->rhead > 0 && ch->rhead + ch->rn == ch->rcap) {
	memmove(ch->ready, ch->ready + ch->rhead, ch->rn * sizeof(*ch->ready));
	ch->rhead = 0;
    }
    if (ch->rhead + ch->rn == ch->rcap) {
	ch->rcap = ch->rcap ? ch->rcap * 2 : 64;
	ch->ready = mem_realloc(ch->ready, ch->rcap * sizeof(*ch->ready));
    }
    ch->ready[ch->rhead + ch->rn++] = m;
    m->state = MSG_READY;
    m->ready_ms = ev_now_ms();
}

static JC_MSG *jc_ready_pop(JC_CHAN *ch)
{
    JC_MSG *m;

    if (ch->rn == 0)
	return NULL;
    m = ch->ready[ch->rhead++];
    if (--ch->rn == 0)
	ch->rhead = 0;
    return m;
}

static void jc_wait(JC_CHAN *ch, JC_MSG *m, int64_t due)
{
    if (ch->nwait == ch->wcap) {
	ch->wcap = ch->wcap ? ch->wcap * 2 : 64;
	ch->waiting = mem_realloc(ch->waiting, ch->wcap * sizeof(*ch->waiting));
    }
    ch->waiting[ch->nwait++] = m;
    m->state = MSG_WAITING;
    m->due = due;
    if (ch->next_due == 0 || due < ch->next_due)
	ch->next_due = due;
}

/* jc_due - when a message file is due; -1 when it is no message to deliver */

static int jc_due(JC_CHAN *ch, const char *name, int64_t *due)
{
    STR     path = STR_INIT, err = STR_INIT;
    struct stat st;
    int     attempt = queue_name_attempt(name), rc = 0;

    *due = 0;
    if (attempt < 0 || attempt == QUEUE_ATTEMPT_HELD)
	return -1;
    if (attempt == 0)
	return 0;
    str_printf(&path, "%s%s", STR_C(ch->dir), name);
    if (stat(STR_C(path), &st) != 0)
	rc = -1;
    else if (queue_next_attempt(attempt, (int64_t) st.st_mtime,
				ch->cfg ? ch->cfg->backoff : NULL, due, &err) < 0) {
	msg_warn("channel %s: %s: %s", ch->name, name, STR_C(err));
	*due = (int64_t) time(NULL) + 3600;
    }
    str_free(&path);
    str_free(&err);
    return rc;
}

/* jc_learn - a message file of a channel; returns the entry (new or known) */

static JC_MSG *jc_learn(JC *jc, JC_CHAN *ch, const char *name)
{
    JC_MSG *m;
    int64_t due;

    if ((m = htab_find(ch->msgs, name)) != NULL) {
	m->gen = jc->gen;
	return m;
    }
    if (strlen(name) >= sizeof(m->name) || jc_due(ch, name, &due) < 0)
	return NULL;
    m = mem_calloc(1, sizeof(*m));
    memcpy(m->name, name, strlen(name) + 1);
    m->gen = jc->gen;
    htab_enter(ch->msgs, name, m);
    if (due <= (int64_t) time(NULL))
	jc_ready_push(ch, m);
    else
	jc_wait(ch, m, due);
    return m;
}

static void jc_forget(JC_CHAN *ch, JC_MSG *m)
{
    htab_remove(ch->msgs, m->name);
    free(m);
}

/* jc_promote - waiting messages whose time has come become ready */

static void jc_promote(JC_CHAN *ch, int64_t now)
{
    size_t  i, keep = 0;

    if (ch->next_due == 0 || ch->next_due > now)
	return;
    ch->next_due = 0;
    for (i = 0; i < ch->nwait; i++) {
	JC_MSG *m = ch->waiting[i];

	if (m->due <= now)
	    jc_ready_push(ch, m);
	else {
	    ch->waiting[keep++] = m;
	    if (ch->next_due == 0 || m->due < ch->next_due)
		ch->next_due = m->due;
	}
    }
    ch->nwait = keep;
}

/* jc_sweep - forget waiting messages the last full scan did not see */

static void jc_sweep(JC *jc, JC_CHAN *ch)
{
    size_t  i, keep = 0;

    for (i = 0; i < ch->nwait; i++) {
	JC_MSG *m = ch->waiting[i];

	if (m->gen != jc->gen)
	    jc_forget(ch, m);
	else
	    ch->waiting[keep++] = m;
    }
    ch->nwait = keep;
}

/* ---- scans and the queue cache ------------------------------------------- */

typedef struct SCAN_CTX {
    JC     *jc;
    HTAB   *seen;		/* "channel/name" of every file, held ones too */
    long    files;
} SCAN_CTX;

static int scan_one(const char *channel, const char *name, const char *path, void *ctx)
{
    SCAN_CTX *s = ctx;
    JC_CHAN *ch;
    STR     key = STR_INIT;

    (void) path;
    s->files++;
    if (s->seen != NULL) {
	str_printf(&key, "%s/%s", channel, name);
	htab_enter(s->seen, STR_C(key), s);
	str_free(&key);
    }
    if (queue_name_attempt(name) == QUEUE_ATTEMPT_HELD)
	return 0;
    if ((ch = jc_chan(s->jc, channel)) == NULL)
	return 0;
    if (ch->cfg == NULL) {
	if (!ch->warned)
	    msg_warn("queue directory of channel %s holds messages, but PMDF.CNF defines no"
		     " such channel: they wait until it does", channel);
	ch->warned = 1;
	return 0;
    }
    (void) jc_learn(s->jc, ch, name);
    return 0;
}

typedef struct CACHE_CTX {
    HTAB   *seen;
    long    entries, stale;
} CACHE_CTX;

static int cache_one(const QCACHE_REC *r, void *ctx)
{
    CACHE_CTX *c = ctx;
    STR     key = STR_INIT;

    c->entries++;
    str_printf(&key, "%s/%s", r->channel, r->name);
    if (htab_find(c->seen, STR_C(key)) == NULL)
	c->stale++;
    str_free(&key);
    return 0;
}

static void jc_cache_open(JC *jc)
{
    STR     err = STR_INIT;

    if (jc->qcache == NULL && (jc->qcache = qcache_open(DICT_RDWR | DICT_CREATE, &err)) == NULL)
	msg_warn("queue cache: %s; scanning the directories only", STR_C(err));
    str_free(&err);
}

static void jc_cache_drop(JC *jc, const char *why)
{
    msg_warn("queue cache: %s; reopening it at the next scan", why);
    qcache_close(jc->qcache);
    jc->qcache = NULL;
}

/* jc_cache_check - compare the cache with the files just listed; heal it */

static void jc_cache_check(JC *jc, SCAN_CTX *s)
{
    CACHE_CTX c;
    QCACHE_SYNC counts;
    STR     err = STR_INIT, report = STR_INIT;

    jc_cache_open(jc);
    if (jc->qcache == NULL)
	return;
    memset(&c, 0, sizeof(c));
    c.seen = s->seen;
    if (qcache_walk(jc->qcache, NULL, cache_one, &c, &err) < 0) {
	jc_cache_drop(jc, STR_C(err));
	str_free(&err);
	return;
    }
    /* The job controller alone checkpoints the environments (see dict.h). */
    if (qcache_checkpoint(jc->qcache, &err) < 0)
	msg_warn("queue cache: %s", STR_C(err));
    str_reset(&err);
    if (jc->counters != NULL && counters_checkpoint(jc->counters, &err) < 0)
	msg_warn("counters: %s", STR_C(err));
    /* Entries for files that are gone, or files without an entry. */
    if (c.stale == 0 && c.entries - c.stale == s->files) {
	jc->cache_suspect = 0;
    } else if (!jc->cache_suspect) {
	jc->cache_suspect = 1;
    } else {
	if (qcache_synchronize(jc->qcache, &counts, &report, &err) < 0)
	    jc_cache_drop(jc, STR_C(err));
	else
	    msg_info("queue cache healed: %lu files, %lu entries added, %lu removed, %lu"
		     " damaged files", counts.files, counts.added, counts.removed,
		     counts.damaged);
	jc->cache_suspect = 0;
    }
    str_free(&err);
    str_free(&report);
}

static void jc_scan_all(JC *jc)
{
    SCAN_CTX s;
    STR     err = STR_INIT;
    size_t  i;

    jc->gen++;
    memset(&s, 0, sizeof(s));
    s.jc = jc;
    s.seen = htab_create(1024);
    if (queue_scan_which(NULL, QUEUE_SCAN_ALL, scan_one, &s, &err) < 0) {
	msg_warn("queue scan: %s", STR_C(err));
	htab_free(s.seen, NULL);
	str_free(&err);
	return;
    }
    for (i = 0; i < jc->nchan; i++)
	jc_sweep(jc, jc->chanv[i]);
    jc_cache_check(jc, &s);
    htab_free(s.seen, NULL);
    str_free(&err);
}

/* ---- the queue's events (qnotify.h): the books, and new mail ----------------------- */

static void jc_counters_open(JC *jc)
{
    STR     err = STR_INIT;

    if (jc->counters == NULL
	&& (jc->counters = counters_open(DICT_RDWR | DICT_CREATE, &err)) == NULL)
	msg_warn("counters: %s; not counting until the next scan", STR_C(err));
    str_free(&err);
}

static void on_event_wake(const char *channel, const char *name, void *ctx)
{
    JC     *jc = ctx;
    JC_CHAN *ch;

    if ((ch = jc_chan(jc, channel)) != NULL && ch->cfg != NULL && queue_valid_name(name))
	(void) jc_learn(jc, ch, name);
}

static void on_wake(EVLOOP *ev, int fd, int events, void *ctx)
{
    JC     *jc = ctx;
    char   *buf = mem_alloc(JOBWAKE_MAX + 1);
    STR     err = STR_INIT;
    long    len;
    int     n;

    (void) ev;
    (void) events;
    jc_cache_open(jc);
    jc_counters_open(jc);
    for (n = 0; n < 1000 && (len = jobwake_recv(fd, buf, JOBWAKE_MAX + 1)) > 0; n++) {
	if (qnotify_apply(buf, (size_t) len, jc->qcache, jc->counters, on_event_wake, jc,
			  &err) < 0)
	    msg_warn("%s", STR_C(err));
	if (jc->cfg.debug)
	    msg_info("queue events: %ld bytes", len);
    }
    /*
     * A checkpoint (dict.h: once a megabyte of log is written) lets the old
     * logs go; at most every JC_CHECKPOINT_MS under a steady stream, as it
     * writes the dirty pages out while the senders wait.
     */
    if (n > 0 && ev_now_ms() - jc->checkpoint_ms >= JC_CHECKPOINT_MS) {
	jc->checkpoint_ms = ev_now_ms();
	if (jc->qcache != NULL && qcache_checkpoint(jc->qcache, &err) < 0)
	    msg_warn("queue cache: %s", STR_C(err));
	if (jc->counters != NULL && counters_checkpoint(jc->counters, &err) < 0)
	    msg_warn("counters: %s", STR_C(err));
    }
    free(buf);
    str_free(&err);
}

/* ---- jobs ------------------------------------------------------------------ */

/*
 * jc_batch_wait - how long the channel's ready messages should still wait
 * for more before a job takes them: 0 when a job may start now.  A channel
 * with no job running starts one at once; one whose jobs are running
 * starts another only for a full batch (MESSAGES_PER_JOB) or once the
 * oldest ready message has waited JC_BATCH_WAIT_MS, so that a stream of
 * mail does not become a stream of one-message jobs, each paying for a
 * program start.
 */
static long long jc_batch_wait(const JC_CHAN *ch)
{
    long long left;

    if (ch->rn == 0 || ch->running == 0 || ch->cfg == NULL || ch->rn >= (size_t) ch->cfg->batch)
	return 0;
    left = ch->ready[ch->rhead]->ready_ms + JC_BATCH_WAIT_MS - ev_now_ms();
    return left > 0 ? left : 0;
}

static int jc_can_start(JC *jc, JC_CHAN *ch)
{
    const JC_CHANNEL_CFG *c = ch->cfg;

    return c != NULL && ch->rn > 0 && ch->running < c->maxjobs
	&& jc->pool_running[c->pool] < jc->cfg.pools[c->pool].job_limit
	&& jc_batch_wait(ch) == 0;
}

static void jc_start(JC *jc, JC_CHAN *ch)
{
    const JC_CHANNEL_CFG *c = ch->cfg;
    JC_JOB *job = mem_calloc(1, sizeof(*job));
    STR     err = STR_INIT, arg = STR_INIT;
    char  **argv;
    size_t  i, n = 0, want = (size_t) c->batch;
    JC_MSG *m;

    job->names = mem_calloc(want, sizeof(char *));
    while (n < want && (m = jc_ready_pop(ch)) != NULL) {
	m->state = MSG_RUNNING;
	job->names[n++] = mem_strdup(m->name);
    }
    job->n = n;
    /* One qualifier with a list: a repeated qualifier would replace the last one. */
    str_cpy(&arg, "-message=");
    for (i = 0; i < n; i++)
	str_catf(&arg, "%s%s", i ? "," : "", job->names[i]);
    argv = mem_calloc(c->argv.n + 2, sizeof(char *));
    for (i = 0; i < c->argv.n; i++)
	argv[i] = c->argv.v[i];
    argv[c->argv.n] = arg.s;
    job->ch = ch;
    job->started_ms = ev_now_ms();
    job->started = (int64_t) time(NULL);
    job->pid = spawn_child(argv, &err);
    free(argv);
    str_free(&arg);
    if (job->pid < 0) {
	msg_warn("channel %s: %s; its messages are tried again in %ld s", ch->name,
		 STR_C(err), jc->cfg.crash_retry);
	for (i = 0; i < n; i++) {
	    if ((m = htab_find(ch->msgs, job->names[i])) != NULL)
		jc_wait(ch, m, (int64_t) time(NULL) + jc->cfg.crash_retry);
	    free(job->names[i]);
	}
	free(job->names);
	free(job);
	str_free(&err);
	return;
    }
    ch->running++;
    jc->pool_running[c->pool]++;
    jc->njobs++;
    jc->jobs_started++;
    job->next = jc->jobs;
    jc->jobs = job;
    msg_info("job %ld started: channel %s, %lu messages, pool %s %ld/%ld, channel %ld/%ld",
	     job->pid, ch->name, (unsigned long) n, jc->cfg.pools[c->pool].name,
	     jc->pool_running[c->pool], jc->cfg.pools[c->pool].job_limit, ch->running,
	     c->maxjobs);
    str_free(&err);
}

static void jc_schedule(JC *jc)
{
    size_t  i, k;
    int     started;

    if (stop_requested || jc->nchan == 0)
	return;
    do {
	started = 0;
	for (k = 0; k < jc->nchan; k++) {
	    i = (jc->rr + k) % jc->nchan;
	    if (jc_can_start(jc, jc->chanv[i])) {
		jc_start(jc, jc->chanv[i]);
		started = 1;
	    }
	}
	jc->rr++;
    } while (started);
}

/* jc_settle - what became of one message of a job that ended */

static void jc_settle(JC *jc, JC_JOB *job, const char *name, int crashed)
{
    JC_CHAN *ch = job->ch;
    JC_MSG *m = htab_find(ch->msgs, name);
    STR     path = STR_INIT, next = STR_INIT;
    struct stat st;
    int     attempt = queue_name_attempt(name);
    int64_t now = (int64_t) time(NULL);

    str_printf(&path, "%s%s", STR_C(ch->dir), name);
    if (m != NULL && stat(STR_C(path), &st) == 0) {
	if (!crashed && (int64_t) st.st_mtime >= job->started && attempt == QUEUE_MAX_ATTEMPT) {
	    /* Requeued in place at the last attempt number. */
	    jc_forget(ch, m);
	    (void) jc_learn(jc, ch, name);
	} else
	    jc_wait(ch, m, now + (crashed ? jc->cfg.crash_retry : jc->cfg.busy_retry));
    } else {
	if (m != NULL)
	    jc_forget(ch, m);
	/* Gone: delivered, returned, held, or requeued as the next attempt. */
	if (attempt >= 0 && attempt < QUEUE_MAX_ATTEMPT) {
	    str_cpyn(&next, name, QUEUE_STEM_LEN);
	    str_catf(&next, ".%02d", attempt + 1);
	    str_printf(&path, "%s%s", STR_C(ch->dir), STR_C(next));
	    if (stat(STR_C(path), &st) == 0)
		(void) jc_learn(jc, ch, STR_C(next));
	}
    }
    str_free(&path);
    str_free(&next);
}

static void jc_job_ended(JC *jc, JC_JOB *job, const SPAWN_STATUS *st)
{
    STR     how = STR_INIT;
    int     crashed = !(st->how == SPAWN_EXITED && st->code == 0);
    size_t  i, pool = job->ch->cfg ? job->ch->cfg->pool : 0;

    spawn_describe(st, &how);
    if (crashed) {
	jc->jobs_crashed++;
	msg_warn("job %ld ended: channel %s, %s, %.2f s: it failed; its messages still queued"
		 " are tried again in %ld s", job->pid, job->ch->name, STR_C(how),
		 (double) (ev_now_ms() - job->started_ms) / 1000.0, jc->cfg.crash_retry);
    } else
	msg_info("job %ld ended: channel %s, %s, %.2f s", job->pid, job->ch->name, STR_C(how),
		 (double) (ev_now_ms() - job->started_ms) / 1000.0);
    for (i = 0; i < job->n; i++) {
	jc_settle(jc, job, job->names[i], crashed);
	free(job->names[i]);
    }
    free(job->names);
    job->ch->running--;
    if (job->ch->cfg != NULL && pool < jc->cfg.npools)	/* as jc_recount_pools() */
	jc->pool_running[pool]--;
    jc->njobs--;
    str_free(&how);
}

static void on_child(EVLOOP *ev, int fd, int events, void *ctx)
{
    JC     *jc = ctx;
    JC_JOB **pp, *job;
    SPAWN_STATUS st;
    long    pid;

    (void) ev;
    (void) events;
    spawn_ack(fd);
    while (spawn_reap(&pid, &st) > 0) {
	for (pp = &jc->jobs; (job = *pp) != NULL; pp = &job->next)
	    if (job->pid == pid)
		break;
	if (job == NULL)
	    continue;
	*pp = job->next;
	jc_job_ended(jc, job, &st);
	free(job);
    }
}

/* ---- configuration ------------------------------------------------------- */

static void jc_recount_pools(JC *jc)
{
    JC_JOB *job;

    free(jc->pool_running);
    jc->pool_running = mem_calloc(jc->cfg.npools, sizeof(long));
    for (job = jc->jobs; job != NULL; job = job->next)
	if (job->ch->cfg != NULL)
	    jc->pool_running[job->ch->cfg->pool]++;
}

static void jc_reload(JC *jc)
{
    JC_CONFIG fresh;
    STR     err = STR_INIT;
    size_t  i;

    if (jobcnf_load(&fresh, &err) < 0) {
	msg_warn("SIGHUP: the configuration has an error; keeping the old one: %s",
		 STR_C(err));
	str_free(&err);
	return;
    }
    jobcnf_free(&jc->cfg);
    jc->cfg = fresh;
    for (i = 0; i < jc->nchan; i++) {
	jc->chanv[i]->cfg = jobcnf_channel(&jc->cfg, jc->chanv[i]->name);
	jc->chanv[i]->warned = 0;
    }
    jc_recount_pools(jc);
    msg_info("SIGHUP: configuration read again (%s); %lu channels, %lu pools",
	     *jc->cfg.file ? jc->cfg.file : "no JOB_CONTROLLER.CNF",
	     (unsigned long) jc->cfg.nchannels, (unsigned long) jc->cfg.npools);
    jc->next_scan_ms = 0;			/* and look at the queue again */
    str_free(&err);
}

/* ---- main ------------------------------------------------------------------ */

static long jc_wait_ms(JC *jc)
{
    long long now = ev_now_ms(), wait = jc->next_scan_ms - now;
    int64_t wall = (int64_t) time(NULL);
    size_t  i;

    for (i = 0; i < jc->nchan; i++) {
	JC_CHAN *ch = jc->chanv[i];

	if (ch->next_due != 0 && (ch->next_due - wall) * 1000 < wait)
	    wait = (ch->next_due - wall) * 1000;
	if (jc_batch_wait(ch) > 0 && jc_batch_wait(ch) < wait)
	    wait = jc_batch_wait(ch);
    }
    if (wait < 10)
	wait = 10;
    return wait > 1000 ? 1000 : (long) wait;
}

static void jc_stop_jobs(JC *jc)
{
    long long deadline = ev_now_ms() + jc->cfg.max_shutdown * 1000LL;
    JC_JOB *job;
    int     termed = 0;

    if (jc->njobs > 0)
	msg_info("stopping: waiting up to %ld s for %ld running jobs", jc->cfg.max_shutdown,
		 jc->njobs);
    while (jc->njobs > 0) {
	if (!termed && ev_now_ms() >= deadline) {
	    msg_warn("stopping: %ld jobs still running after %ld s; sending them SIGTERM",
		     jc->njobs, jc->cfg.max_shutdown);
	    for (job = jc->jobs; job != NULL; job = job->next)
		(void) spawn_signal(job->pid, 0);
	    termed = 1;
	    deadline = ev_now_ms() + 5000;
	} else if (termed && ev_now_ms() >= deadline) {
	    msg_warn("stopping: %ld jobs did not stop; leaving them (their messages are"
		     " locked while they run)", jc->njobs);
	    break;
	}
	if (ev_run_once(jc->ev, 100) < 0 && errno != EINTR)
	    break;
    }
}

static void jc_free(JC *jc)
{
    JC_JOB *job, *next;
    size_t  i, k;

    for (job = jc->jobs; job != NULL; job = next) {
	next = job->next;
	for (k = 0; k < job->n; k++)
	    free(job->names[k]);
	free(job->names);
	free(job);
    }
    for (i = 0; i < jc->nchan; i++) {
	JC_CHAN *ch = jc->chanv[i];

	htab_free(ch->msgs, free);
	free(ch->ready);
	free(ch->waiting);
	free(ch->name);
	str_free(&ch->dir);
	free(ch);
    }
    free(jc->chanv);
    htab_free(jc->chans, NULL);
    free(jc->pool_running);
    qcache_close(jc->qcache);
    counters_close(jc->counters);
    ev_free(jc->ev);
    jobcnf_free(&jc->cfg);
    str_free(&jc->wake_path);
}

static int jc_main(const CLI_CMD *cmd);

static const CLI_VERB jc_verb[] = {
    {"job_controller", NULL, NULL, 0, 0, NULL,
     "run the channels' deliveries (configuration: PMDF_TABLE:job_controller.cnf;"
     " started by pmdf startup job_controller)", jc_main},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static int jc_main(const CLI_CMD *cmd)
{
    JC      jc;
    STR     err = STR_INIT;
    size_t  i;

    (void) cmd;
    memset(&jc, 0, sizeof(jc));
    jc.wake_fd = jc.chld_fd = -1;
    if (lnm_init(&err) < 0)
	msg_fatal("%s", STR_C(err));
    if (daemon_claim("job_controller", &err) < 0)
	msg_fatal("%s", STR_C(err));
    daemon_on_signals(&stop_requested, &reload_requested);
    if (jobcnf_load(&jc.cfg, &err) < 0)
	msg_fatal("%s", STR_C(err));
    jc.chans = htab_create(64);
    jc_recount_pools(&jc);
    if ((jc.ev = ev_create(&err)) == NULL || (jc.chld_fd = spawn_init(&err)) < 0)
	msg_fatal("%s", STR_C(err));
    ev_watch(jc.ev, jc.chld_fd, EV_READ, on_child, &jc);
    if ((jc.wake_fd = jobwake_listen(&jc.wake_path, &err)) < 0)
	msg_warn("%s; new mail is found by the scans every %ld s", STR_C(err),
		 jc.cfg.scan_interval);
    else
	ev_watch(jc.ev, jc.wake_fd, EV_READ, on_wake, &jc);
    msg_info("started: %s; %lu channels, %lu pools, queue scan every %ld s",
	     *jc.cfg.file ? jc.cfg.file : "no JOB_CONTROLLER.CNF (defaults)",
	     (unsigned long) jc.cfg.nchannels, (unsigned long) jc.cfg.npools,
	     jc.cfg.scan_interval);
    while (!stop_requested) {
	int64_t now = (int64_t) time(NULL);

	if (reload_requested) {
	    reload_requested = 0;
	    jc_reload(&jc);
	}
	if (ev_now_ms() >= jc.next_scan_ms) {
	    jc_scan_all(&jc);
	    jc.next_scan_ms = ev_now_ms() + jc.cfg.scan_interval * 1000LL;
	}
	for (i = 0; i < jc.nchan; i++)
	    jc_promote(jc.chanv[i], now);
	jc_schedule(&jc);
	if (ev_run_once(jc.ev, jc_wait_ms(&jc)) < 0 && errno != EINTR)
	    msg_fatal("event loop: %s", strerror(errno));
    }
    jc_stop_jobs(&jc);
    msg_info("stopped: %lu jobs run, %lu of them failed", jc.jobs_started, jc.jobs_crashed);
    if (jc.wake_fd >= 0) {
	/* New senders find no endpoint and keep their own books; what was sent is applied. */
	jobwake_close(-1, STR_C(jc.wake_path));
	on_wake(jc.ev, jc.wake_fd, EV_READ, &jc);
	ev_unwatch(jc.ev, jc.wake_fd);
	jobwake_close(jc.wake_fd, NULL);
    }
    ev_unwatch(jc.ev, jc.chld_fd);
    jc_free(&jc);
    lnm_shutdown();
    str_free(&err);
    return 0;
}

int     main(int argc, char **argv)
{
    return cli_program_main(jc_verb, "job_controller", argc, argv);
}
