/*
 * NAME
 *	dict - the one table/database interface (see dict.h)
 * DESCRIPTION
 *	Berkeley DB 5.3 B-trees in a transactional environment at the
 *	database's directory.  Berkeley DB's own error text is captured with
 *	an error callback and appended to our messages.
 *
 *	Several processes share an environment (the SMTP servers, the job
 *	controller, the deliverers, pmdf commands), and any of them may be
 *	killed at any moment.  Berkeley DB offers two mechanisms for that;
 *	this module uses both, each for what it does well:
 *
 *	- DB_REGISTER (with DB_RECOVER) makes every opener check, through a
 *	  registry file of per-process fcntl locks, whether a process died
 *	  with the environment open.  Alone it answers with a full recovery,
 *	  which first panics the environment under every live process: one
 *	  deliverer killed while idle in an SMTP dialogue would make every
 *	  server and the job controller fail with DB_RUNRECOVERY.
 *	- DB_FAILCHK with an is_alive callback (DB_ENV->set_isalive) and a
 *	  thread table (set_thread_count) turns that check into
 *	  DB_ENV->failchk(): the dead process's unfinished transactions are
 *	  aborted and its locks released, and the live processes go on
 *	  undisturbed.  Only when the process died inside Berkeley DB itself
 *	  (holding a mutex of the shared regions, which nothing can repair in
 *	  place) does failchk give up, and then DB_REGISTER runs recovery.
 *
 *	A live process learns about a death in two ways.  A lock held by the
 *	dead process would stall it for good: Berkeley DB's lock timeouts
 *	are only enforced by a deadlock detector run, which nobody does while
 *	every process waits.  So no transaction here waits for a lock
 *	(DB_TXN_NOWAIT): a conflict comes back at once, and dict.c waits
 *	itself, backing off from 1 to 50 ms, running failchk after every
 *	second of waiting, and giving up with "busy" after DICT_BUSY_MS.
 *	A recovery run by another
 *	process panics its handles (DB_RUNRECOVERY); it then closes every
 *	handle of that environment, opens it again (recovery runs there when
 *	nobody has run it yet), reopens its databases, logs one line, and
 *	retries.  An operation inside the caller's dict_begin()..dict_commit()
 *	cannot be replayed here, as the caller may have decided what to write
 *	from what it read: that one fails with DICT_AGAIN and the caller runs
 *	the transaction again.
 *
 *	DB_REGISTER allows one DB_ENV handle per environment per process
 *	(the registry's fcntl locks belong to the process), so the handles
 *	are shared: the environments this process has open are listed in
 *	dict_envs, keyed by home directory and owning process (a child made
 *	by fork() must not use its parent's handles and opens its own).
 *
 *	Checkpoints: only when dict_checkpoint() is called, by the one
 *	process that looks after an environment (the job controller for the
 *	queue cache).  A checkpoint holds a mutex of the shared region while
 *	it writes pages out; a process killed in it leaves the mutex held,
 *	and any other process waiting for it would wait for good (Berkeley
 *	DB's mutexes have no timeout; recovery only panics new callers).  So
 *	no two processes may ever checkpoint, which rules out checkpointing
 *	from every writer or at every close.  With DB_LOG_AUTO_REMOVE each
 *	checkpoint removes the log files it made unnecessary, and
 *	DICT_LOG_FILE_SIZE keeps those files small.
 *
 *	A panicked handle cannot be freed: Berkeley DB's DB->close and
 *	DB_ENV->close stop at their panic check after releasing the file
 *	descriptors and the registry slot, before freeing any memory (see
 *	__env_close_pp in env/env_open.c).  The environments closed that
 *	way are kept on dict_panicked, so that memory stays accounted for
 *	rather than lost: one environment's handles per recovery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <db.h>
#include "dict.h"
#include "mem.h"
#include "msg.h"
#include "osuser.h"

/* Lock-table size: enough for one transaction over a million records. */
#define DICT_MAX_LOCKS 200000
/* Processes that may use one environment at once (sizes its thread table). */
#define DICT_THREADS 512
/* Lock conflicts: failchk after each such wait, give up after this (ms). */
#define DICT_FAILCHK_MS 1000
#define DICT_BUSY_MS 30000
/* Checkpoint after this much log (kilobytes); log files of this size (bytes). */
#define DICT_CKP_KBYTES 1024
#define DICT_LOG_FILE_SIZE (1024 * 1024)
/* Attempts of one operation after recoveries. */
#define DICT_ATTEMPTS 8

typedef struct DICT_ENV DICT_ENV;

struct DICT_ENV {
    DB_ENV *env;
    char   *home;
    unsigned long pid;			/* the process that opened it */
    int     refs;			/* DICTs open in it */
    int     broken;			/* DB_RUNRECOVERY seen: reopen before use */
    int     dirty;			/* updated since the last checkpoint */
    DICT   *dicts;			/* the databases open in it */
    STR     dberr;			/* Berkeley DB's last message */
    DICT_ENV *next;
};

struct DICT {
    DICT_ENV *e;			/* NULL for DICT_FOREIGN */
    DB     *db;
    DB_TXN *txn;			/* dict_begin() .. dict_commit() */
    char   *path;
    int     flags;
    STR     dberr;			/* DICT_FOREIGN: Berkeley DB's last message */
    long    busy_ms;			/* waited for locks since the last success */
    int     conflict;			/* the caller's transaction hit a lock conflict */
    DICT   *next;			/* in e->dicts */
};

/* The environments of this process (one handle each, see above). */
static DICT_ENV *dict_envs;

/* Panicked environment handles Berkeley DB would not free (see above). */
typedef struct DICT_PARKED {
    DB_ENV *env;
    struct DICT_PARKED *next;
} DICT_PARKED;
static DICT_PARKED *dict_panicked;

static void dict_env_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    DICT_ENV *e = env ? env->app_private : NULL;

    (void) pfx;
    if (e != NULL)
	str_cpy(&e->dberr, msg);
}

/* failchk's report of what it cleaned up after a dead process. */
static void dict_env_msgcall(const DB_ENV *env, const char *msg)
{
    DICT_ENV *e = env ? env->app_private : NULL;

    msg_info("%s: Berkeley DB: %s", e ? e->home : "database environment", msg);
}

static void dict_db_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    DICT   *d = env ? env->app_private : NULL;

    (void) pfx;
    if (d != NULL)
	str_cpy(&d->dberr, msg);
}

static int dict_isalive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
    (void) env, (void) tid, (void) flags;
    return os_process_alive((unsigned long) pid);
}

static STR *dict_dberr(DICT *d)
{
    return d->e ? &d->e->dberr : &d->dberr;
}

/* Formats "path: what: reason" with Berkeley DB's text when it has one. */
static int dict_fail(DICT *d, STR *err, const char *what, int ret)
{
    const char *reason;
    STR    *dberr = dict_dberr(d);

    switch (ret) {
    case ENOENT:
	reason = "no such file";
	break;
    case EACCES:
    case EPERM:
	reason = "permission denied";
	break;
    case EROFS:
	reason = "read-only file system";
	break;
    case EINVAL:
	reason = "not a Berkeley DB B-tree database (damaged, or a foreign file)";
	break;
    case DB_RUNRECOVERY:
	reason = "the database environment was panicked (a process died inside Berkeley DB)";
	break;
    case DB_LOCK_DEADLOCK:
    case DB_LOCK_NOTGRANTED:
	reason = d->busy_ms >= DICT_BUSY_MS ? "busy: another process holds the records"
	    " needed" : "the transaction met another process's lock; run it again";
	break;
    default:
	reason = db_strerror(ret);
	break;
    }
    str_printf(err, "%s: %s: %s", d->path, what, reason);
    if (dberr->len > 0 && ret != ENOENT)
	str_catf(err, " (Berkeley DB: %s)", STR_C(*dberr));
    return -1;
}

static void dict_free(DICT *d)
{
    free(d->path);
    str_free(&d->dberr);
    free(d);
}

static const char *dict_base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

static void dict_home(const char *path, STR *home)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
	str_cpy(home, ".");
    else if (slash == path)
	str_cpy(home, "/");
    else
	str_cpyn(home, path, (size_t) (slash - path));
}

/* ---- environments ---------------------------------------------------- */

/* Closes a handle; a panicked one is kept, as Berkeley DB will not free it. */
static void dict_env_discard(DICT_ENV *e)
{
    DICT_PARKED *p;

    if (e->env == NULL)
	return;
    if (e->env->close(e->env, 0) == DB_RUNRECOVERY) {
	p = mem_alloc(sizeof(*p));
	p->env = e->env;
	p->next = dict_panicked;
	dict_panicked = p;
    }
    e->env = NULL;
}

static int dict_env_open_flags(DICT_ENV *e, u_int32_t flags)
{
    int     ret;

    if ((ret = db_env_create(&e->env, 0)) != 0) {
	e->env = NULL;
	return ret;
    }
    e->env->app_private = e;
    e->env->set_errcall(e->env, dict_env_errcall);
    e->env->set_msgcall(e->env, dict_env_msgcall);
    e->env->log_set_config(e->env, DB_LOG_AUTO_REMOVE, 1);
    e->env->set_lg_max(e->env, DICT_LOG_FILE_SIZE);
    e->env->set_lk_detect(e->env, DB_LOCK_DEFAULT);	/* break deadlocks at once */
    /* One transaction may build a whole database (crdb, password -load). */
    e->env->set_lk_max_locks(e->env, DICT_MAX_LOCKS);
    e->env->set_lk_max_objects(e->env, DICT_MAX_LOCKS);
    e->env->set_thread_count(e->env, DICT_THREADS);
    e->env->set_isalive(e->env, dict_isalive);
    /* A lock not granted at once says so (DB_LOCK_NOTGRANTED), unlike a deadlock. */
    e->env->set_flags(e->env, DB_TIME_NOTGRANTED, 1);
    if ((ret = e->env->open(e->env, e->home, flags, 0600)) != 0)
	dict_env_discard(e);
    return ret;
}

#define DICT_ENV_FLAGS (DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN \
			| DB_THREAD)

/*
 * dict_env_attach - open e->env: recovery runs when DB_REGISTER finds a
 * dead process in the registry.  Not DB_FAILCHK's cheaper clean-up in
 * its place: failchk in Berkeley DB 5.3 (as Debian builds it) does not
 * see a buffer-pool latch the dead process held, and the opener then
 * waits on that latch for good (seen: a job controller killed in the
 * middle of a put, the next one hung in __memp_dirty).  Recovery makes
 * the regions anew.  That it panics the handles of live processes is
 * affordable because so few processes open these environments: while
 * the job controller runs it is the only writer of the busy ones
 * (qnotify.h).  When the regions were panicked with no dead process left
 * in the registry (failchk in a live process found the death), recovery
 * is forced: it panics the regions under everyone, who then reopen as
 * this process does.
 */
static int dict_env_attach(DICT_ENV *e)
{
    int     ret;

    str_reset(&e->dberr);
    ret = dict_env_open_flags(e, DICT_ENV_FLAGS | DB_REGISTER | DB_RECOVER);
    if (ret != DB_RUNRECOVERY)
	return ret;
    if ((ret = dict_env_open_flags(e, DICT_ENV_FLAGS | DB_RECOVER)) != 0)
	return ret;
    e->env->close(e->env, 0);
    e->env = NULL;
    return dict_env_open_flags(e, DICT_ENV_FLAGS | DB_REGISTER | DB_RECOVER);
}

static DICT_ENV *dict_env_get(const char *path, STR *err)
{
    STR     home = STR_INIT;
    DICT_ENV *e;
    unsigned long pid = (unsigned long) getpid();
    int     ret;

    dict_home(path, &home);
    for (e = dict_envs; e != NULL; e = e->next)
	if (e->pid == pid && strcmp(e->home, STR_C(home)) == 0) {
	    str_free(&home);
	    e->refs++;
	    return e;
	}
    e = mem_calloc(1, sizeof(*e));
    e->home = str_detach(&home);
    e->pid = pid;
    if ((ret = dict_env_attach(e)) != 0) {
	str_printf(err, "%s: cannot open the database environment in %s: %s", path, e->home,
		   ret == EACCES ? "permission denied" : db_strerror(ret));
	if (e->dberr.len)
	    str_catf(err, " (Berkeley DB: %s)", STR_C(e->dberr));
	free(e->home);
	str_free(&e->dberr);
	free(e);
	return NULL;
    }
    e->refs = 1;
    e->next = dict_envs;
    dict_envs = e;
    return e;
}


static void dict_env_release(DICT_ENV *e)
{
    DICT_ENV **pp;

    if (--e->refs > 0)
	return;
    dict_env_discard(e);
    for (pp = &dict_envs; *pp != NULL; pp = &(*pp)->next)
	if (*pp == e) {
	    *pp = e->next;
	    break;
	}
    free(e->home);
    str_free(&e->dberr);
    free(e);
}

static int dict_db_open(DICT *d, DB_ENV *env)
{
    u_int32_t oflags;
    int     ret;

    if ((ret = db_create(&d->db, env, 0)) != 0) {
	d->db = NULL;
	return ret;
    }
    if (env == NULL) {
	d->db->set_errcall(d->db, dict_db_errcall);
	d->db->app_private = d;
	d->db->dbenv->app_private = d;
    }
    if (d->flags & DICT_FOREIGN)
	oflags = DB_RDONLY;
    else if (!(d->flags & DICT_RDWR))
	oflags = DB_RDONLY | DB_THREAD | DB_AUTO_COMMIT;	/* reads in transactions too */
    else
	oflags = DB_AUTO_COMMIT | DB_THREAD | ((d->flags & DICT_CREATE) ? DB_CREATE : 0);
    /* Inside an environment, names are relative to its home (the file's directory). */
    ret = d->db->open(d->db, NULL, env ? dict_base(d->path) : d->path, NULL,
		      (d->flags & DICT_FOREIGN) ? DB_UNKNOWN : DB_BTREE, oflags, 0600);
    if (ret != 0) {
	d->db->close(d->db, 0);
	d->db = NULL;
    }
    return ret;
}

/*
 * dict_env_reopen - after DB_RUNRECOVERY: every handle of the environment
 * is closed, the environment opened again (with recovery when nobody has
 * run it yet), and its databases reopened.  Transactions of callers were
 * undone by the recovery; their handles are forgotten.
 */
static int dict_env_reopen(DICT *d, STR *err)
{
    DICT_ENV *e = d->e;
    DICT   *o;
    int     ret;

    msg_warn("%s: the database environment was panicked (a process using it died inside"
	     " Berkeley DB); reopening it with recovery", e->home);
    for (o = e->dicts; o != NULL; o = o->next) {
	if (o->db != NULL)
	    o->db->close(o->db, DB_NOSYNC);
	o->db = NULL;
	o->txn = NULL;
    }
    dict_env_discard(e);
    e->broken = 0;
    e->dirty = 0;
    if ((ret = dict_env_attach(e)) != 0) {
	e->broken = 1;
	return dict_fail(d, err, "cannot reopen the database environment", ret);
    }
    for (o = e->dicts; o != NULL; o = o->next)
	if ((ret = dict_db_open(o, e->env)) != 0) {
	    e->broken = 1;
	    return dict_fail(o, err, "cannot reopen after recovery", ret);
	}
    msg_info("%s: the database environment is recovered", e->home);
    return 0;
}

/* dict_ready - the handle is usable: reopened when its environment broke */
static int dict_ready(DICT *d, STR *err)
{
    str_reset(dict_dberr(d));
    if (d->e == NULL || !d->e->broken)
	return 0;
    return dict_env_reopen(d, err);
}

/*
 * dict_wait - back off after a lock conflict: 1, 2, 4 .. 50 ms; failchk
 * after each second of it (the holder may be dead).  0 when waited too long.
 */
static int dict_wait(DICT *d)
{
    long    step = d->busy_ms < 1 ? 1 : d->busy_ms < 50 ? d->busy_ms : 50;
    long    before = d->busy_ms;

    if (d->busy_ms >= DICT_BUSY_MS)
	return 0;
    os_sleep_ms(step);
    d->busy_ms += step;
    if (before / DICT_FAILCHK_MS != d->busy_ms / DICT_FAILCHK_MS
	&& d->e->env->failchk(d->e->env, 0) == DB_RUNRECOVERY)
	d->e->broken = 1;
    return 1;
}

/*
 * dict_again - whether an operation that returned ret may run again by
 * itself (attempt counts recoveries from 0).  Inside a caller's
 * transaction it may not: a recovery marks the environment for
 * reopening, a conflict makes the next dict_begin() back off.
 */
static int dict_again(DICT *d, int ret, int attempt)
{
    if (d->e == NULL)
	return 0;
    switch (ret) {
    case DB_RUNRECOVERY:
	d->e->broken = 1;
	return d->txn == NULL && attempt + 1 < DICT_ATTEMPTS;
    case DB_LOCK_DEADLOCK:
    case DB_LOCK_NOTGRANTED:
	if (d->txn != NULL) {
	    d->conflict = 1;
	    return 0;
	}
	return dict_wait(d);
    default:
	return 0;
    }
}

/* The result of a failed operation: DICT_AGAIN when the caller's transaction must rerun. */
static int dict_failed(DICT *d, STR *err, const char *what, int ret)
{
    int     again = d->txn != NULL && (ret == DB_RUNRECOVERY || ret == DB_LOCK_DEADLOCK
				       || ret == DB_LOCK_NOTGRANTED);

    dict_fail(d, err, what, ret);
    if (again && ret == DB_RUNRECOVERY)
	str_cat(err, " (the transaction was undone by a recovery; run it again)");
    return again ? DICT_AGAIN : -1;
}

/* ---- opening and closing --------------------------------------------- */

DICT   *dict_open(const char *path, int flags, STR *err)
{
    DICT   *d = mem_calloc(1, sizeof(*d));
    struct stat st;
    int     ret, existed, attempt;

    d->path = mem_strdup(path);
    d->flags = flags;
    existed = stat(path, &st) == 0;
    if (!existed && !(flags & DICT_CREATE)) {
	str_printf(err, "%s: no such database", path);
	dict_free(d);
	return NULL;
    }
    if (existed && !S_ISREG(st.st_mode)) {
	str_printf(err, "%s: not a regular file", path);
	dict_free(d);
	return NULL;
    }
    if (!(flags & DICT_FOREIGN) && (d->e = dict_env_get(path, err)) == NULL) {
	dict_free(d);
	return NULL;
    }
    for (attempt = 0;; attempt++) {
	if (dict_ready(d, err) < 0) {
	    dict_close(d);
	    return NULL;
	}
	if ((ret = dict_db_open(d, d->e ? d->e->env : NULL)) == 0 || !dict_again(d, ret, attempt))
	    break;
    }
    if (ret != 0) {
	dict_fail(d, err, (flags & DICT_RDWR) ? "cannot open for update" : "cannot open", ret);
	dict_close(d);
	return NULL;
    }
    if (d->e != NULL) {
	d->next = d->e->dicts;
	d->e->dicts = d;
    }
    if (!existed && chmod(path, 0600) != 0) {
	str_printf(err, "%s: cannot set mode 0600: %s", path, strerror(errno));
	dict_close(d);
	return NULL;
    }
    return d;
}

const char *dict_path(const DICT *d)
{
    return d->path;
}

void    dict_close(DICT *d)
{
    DICT  **pp;

    if (d == NULL)
	return;
    dict_abort(d);
    if (d->db != NULL)
	d->db->close(d->db, 0);
    if (d->e != NULL) {
	for (pp = &d->e->dicts; *pp != NULL; pp = &(*pp)->next)
	    if (*pp == d) {
		*pp = d->next;
		break;
	    }
	dict_env_release(d->e);
    }
    dict_free(d);
}

/* ---- operations ------------------------------------------------------ */

static void dict_dbt(DBT *t, const void *p, size_t n)
{
    memset(t, 0, sizeof(*t));
    t->data = (void *) p;
    t->size = (u_int32_t) n;
}

static u_int32_t dict_txn_flags(const DICT *d)
{
    return DB_TXN_NOWAIT | ((d->flags & DICT_NOSYNC) ? DB_TXN_WRITE_NOSYNC : 0);
}

/* A transaction of dict.c's own for reading: no waiting, read locks released early. */
static int dict_read_txn(DICT *d, DB_TXN **txn)
{
    *txn = d->txn;
    if (d->txn != NULL || d->e == NULL)
	return 0;
    return d->e->env->txn_begin(d->e->env, NULL, txn, DB_READ_COMMITTED | DB_TXN_NOWAIT);
}

/* Ends dict_read_txn()'s transaction: committed when ret is a success. */
static int dict_read_end(DICT *d, DB_TXN *txn, int ret)
{
    int     cret;

    if (txn == NULL || txn == d->txn)
	return ret;
    if (ret != 0 && ret != DB_NOTFOUND) {
	txn->abort(txn);
	return ret;
    }
    cret = txn->commit(txn, 0);
    return cret != 0 ? cret : ret;
}

int     dict_get(DICT *d, const void *key, size_t klen, STR *val, STR *err)
{
    DBT     k, v;
    DB_TXN *txn;
    int     ret, attempt;

    for (attempt = 0;; attempt++) {
	if (dict_ready(d, err) < 0)
	    return -1;
	dict_dbt(&k, key, klen);
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_MALLOC;
	if ((ret = dict_read_txn(d, &txn)) == 0) {
	    ret = d->db->get(d->db, txn, &k, &v, 0);
	    if ((ret = dict_read_end(d, txn, ret)) != 0 && v.data != NULL) {
		free(v.data);
		v.data = NULL;
	    }
	}
	if (ret == 0 || ret == DB_NOTFOUND || !dict_again(d, ret, attempt))
	    break;
    }
    if (ret == 0 || ret == DB_NOTFOUND)
	d->busy_ms = d->txn ? d->busy_ms : 0;
    if (ret == DB_NOTFOUND)
	return 0;
    if (ret != 0)
	return dict_failed(d, err, "read failed", ret);
    str_cpyn(val, v.data, v.size);
    free(v.data);
    return 1;
}

static int dict_writable(DICT *d, STR *err)
{
    if (!(d->flags & DICT_RDWR) || (d->flags & DICT_FOREIGN)) {
	str_printf(err, "%s: opened read-only", d->path);
	return 0;
    }
    return 1;
}

static void dict_updated(DICT *d)
{
    d->e->dirty = 1;
    if (d->txn == NULL)
	d->busy_ms = 0;
}

/* One put (v != NULL) or delete, in the caller's transaction or in its own. */
static int dict_update(DICT *d, DBT *k, DBT *v)
{
    DB_TXN *txn = d->txn;
    int     ret;

    if (txn == NULL && (ret = d->e->env->txn_begin(d->e->env, NULL, &txn, dict_txn_flags(d))) != 0)
	return ret;
    ret = v ? d->db->put(d->db, txn, k, v, 0) : d->db->del(d->db, txn, k, 0);
    if (d->txn != NULL)
	return ret;
    if (ret == 0 || ret == DB_NOTFOUND) {
	int     cret = txn->commit(txn, 0);

	return cret != 0 ? cret : ret;
    }
    txn->abort(txn);
    return ret;
}

static int dict_change(DICT *d, const void *key, size_t klen, const void *val, size_t vlen,
		               int del, STR *err)
{
    DBT     k, v;
    int     ret, attempt;

    if (!dict_writable(d, err))
	return -1;
    for (attempt = 0;; attempt++) {
	if (dict_ready(d, err) < 0)
	    return -1;
	dict_dbt(&k, key, klen);
	dict_dbt(&v, val, vlen);
	ret = dict_update(d, &k, del ? NULL : &v);
	if (ret == 0 || ret == DB_NOTFOUND || !dict_again(d, ret, attempt))
	    break;
    }
    if (ret == 0 || ret == DB_NOTFOUND)
	dict_updated(d);
    if (ret == DB_NOTFOUND && del)
	return 0;
    if (ret != 0)
	return dict_failed(d, err, del ? "delete failed" : "write failed", ret);
    return del ? 1 : 0;
}

int     dict_put(DICT *d, const void *key, size_t klen, const void *val, size_t vlen, STR *err)
{
    return dict_change(d, key, klen, val, vlen, 0, err);
}

int     dict_del(DICT *d, const void *key, size_t klen, STR *err)
{
    return dict_change(d, key, klen, NULL, 0, 1, err);
}

/*
 * dict_walk_from - one pass of a walk: from the first key with the prefix,
 * or just after *last when *resumed is set (a walk resumed after a
 * failure); *last is the last key handed to fn, and *resumed is set once
 * one was.
 */
static int dict_walk_from(DICT *d, const void *prefix, size_t plen, STR *last, int *resumed,
			          DICT_WALK_FN fn, void *ctx, int *stop)
{
    int     resume = *resumed;
    DBC    *c;
    DBT     k, v;
    DB_TXN *txn;
    STR     start = STR_INIT;
    u_int32_t op;
    int     ret;

    if ((ret = dict_read_txn(d, &txn)) != 0)
	return ret;
    if ((ret = d->db->cursor(d->db, txn, &c, 0)) != 0)
	return dict_read_end(d, txn, ret);
    if (resume)
	str_cpyn(&start, last->s, last->len);
    else
	str_cpyn(&start, prefix, plen);
    memset(&k, 0, sizeof(k));
    memset(&v, 0, sizeof(v));
    op = start.len ? DB_SET_RANGE : DB_FIRST;
    if (start.len) {
	k.data = start.s;
	k.size = (u_int32_t) start.len;
    }
    /* DB_SET_RANGE may return a key longer than the buffer: let DB own it. */
    while ((ret = c->get(c, &k, &v, op)) == 0) {
	op = DB_NEXT;
	if (resume && k.size == last->len && memcmp(k.data, last->s, k.size) == 0)
	    continue;
	resume = 0;
	if (plen && (k.size < plen || memcmp(k.data, prefix, plen) != 0))
	    break;
	str_cpyn(last, k.data, k.size);
	*resumed = 1;
	if ((*stop = fn(k.data, k.size, v.data, v.size, ctx)) != 0)
	    break;
    }
    c->close(c);
    str_free(&start);
    return dict_read_end(d, txn, ret == DB_NOTFOUND ? 0 : ret);
}

int     dict_walk(DICT *d, const void *prefix, size_t plen, DICT_WALK_FN fn, void *ctx, STR *err)
{
    STR     last = STR_INIT;
    int     ret, stop = 0, attempt, started = 0;

    for (attempt = 0;; attempt++) {
	if (dict_ready(d, err) < 0) {
	    str_free(&last);
	    return -1;
	}
	ret = dict_walk_from(d, prefix, plen, &last, &started, fn, ctx, &stop);
	if (ret == 0 || stop || !dict_again(d, ret, attempt))
	    break;
    }
    if (ret == 0 && d->txn == NULL)
	d->busy_ms = 0;
    str_free(&last);
    if (ret != 0 && !stop)
	return dict_failed(d, err, "read failed", ret);
    return 0;
}

int     dict_begin(DICT *d, STR *err)
{
    int     ret;

    if (!dict_writable(d, err))
	return -1;
    if (d->txn != NULL) {
	str_printf(err, "%s: a transaction is already open", d->path);
	return -1;
    }
    if (d->conflict) {
	/* The last transaction met a lock: wait before the caller runs it again. */
	d->conflict = 0;
	if (!dict_wait(d))
	    return dict_fail(d, err, "cannot begin a transaction", DB_LOCK_NOTGRANTED);
    }
    if (dict_ready(d, err) < 0)
	return -1;
    if ((ret = d->e->env->txn_begin(d->e->env, NULL, &d->txn, dict_txn_flags(d))) != 0) {
	d->txn = NULL;
	if (ret == DB_RUNRECOVERY) {
	    d->e->broken = 1;
	    dict_fail(d, err, "cannot begin a transaction", ret);
	    return DICT_AGAIN;
	}
	return dict_fail(d, err, "cannot begin a transaction", ret);
    }
    return 0;
}

int     dict_commit(DICT *d, STR *err)
{
    int     ret, rc;

    if (d->txn == NULL)
	return 0;
    ret = d->txn->commit(d->txn, 0);
    if (ret == 0) {
	d->txn = NULL;
	d->conflict = 0;
	dict_updated(d);
	return 0;
    }
    (void) dict_again(d, ret, DICT_ATTEMPTS);
    rc = dict_failed(d, err, "commit failed", ret);
    d->txn = NULL;
    return rc;
}

void    dict_abort(DICT *d)
{
    if (d->txn != NULL) {
	if (d->txn->abort(d->txn) == DB_RUNRECOVERY && d->e != NULL)
	    d->e->broken = 1;
	d->txn = NULL;
    }
}

int     dict_checkpoint(DICT *d, STR *err)
{
    int     ret;

    if (d->e == NULL || dict_ready(d, err) < 0)
	return d->e == NULL ? 0 : -1;
    if ((ret = d->e->env->txn_checkpoint(d->e->env, DICT_CKP_KBYTES, 0, 0)) != 0) {
	if (ret == DB_RUNRECOVERY)
	    d->e->broken = 1;
	return dict_fail(d, err, "checkpoint failed", ret);
    }
    return 0;
}
