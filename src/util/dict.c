/*
 * NAME
 *	dict - the one table/database interface (see dict.h)
 * DESCRIPTION
 *	Berkeley DB 5.3 B-trees in a transactional environment at the
 *	database's directory.  Berkeley DB's own error text is captured with
 *	an error callback and appended to our messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <db.h>
#include "dict.h"
#include "mem.h"
#include "msg.h"

/* Lock-table size: enough for one transaction over a million records. */
#define DICT_MAX_LOCKS 200000

struct DICT {
    DB_ENV *env;			/* NULL for DICT_FOREIGN */
    DB     *db;
    DB_TXN *txn;			/* dict_begin() .. dict_commit() */
    char   *path;
    int     flags;
    STR     dberr;			/* Berkeley DB's last message */
};

static void dict_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    DICT   *d = env ? env->app_private : NULL;

    (void) pfx;
    if (d != NULL)
	str_cpy(&d->dberr, msg);
}

static void dict_db_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    dict_errcall(env, pfx, msg);
}

/* Formats "path: what: reason" with Berkeley DB's text when it has one. */
static int dict_fail(DICT *d, STR *err, const char *what, int ret)
{
    const char *reason;

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
	reason = "the database environment needs recovery; stop every program using it"
	    " and run the command again";
	break;
    default:
	reason = db_strerror(ret);
	break;
    }
    str_printf(err, "%s: %s: %s", d->path, what, reason);
    if (d->dberr.len > 0 && ret != ENOENT)
	str_catf(err, " (Berkeley DB: %s)", STR_C(d->dberr));
    return -1;
}

static void dict_free(DICT *d)
{
    free(d->path);
    str_free(&d->dberr);
    free(d);
}

static int dict_open_env(DICT *d, STR *err)
{
    STR     home = STR_INIT;
    const char *slash = strrchr(d->path, '/');
    int     ret;

    if (slash == NULL)
	str_cpy(&home, ".");
    else if (slash == d->path)
	str_cpy(&home, "/");
    else
	str_cpyn(&home, d->path, (size_t) (slash - d->path));
    if ((ret = db_env_create(&d->env, 0)) != 0) {
	str_free(&home);
	return dict_fail(d, err, "cannot create a database environment", ret);
    }
    d->env->app_private = d;
    d->env->set_errcall(d->env, dict_errcall);
    d->env->log_set_config(d->env, DB_LOG_AUTO_REMOVE, 1);
    d->env->set_lk_detect(d->env, DB_LOCK_DEFAULT);	/* break deadlocks at once */
    /* One transaction may build a whole database (crdb, password -load). */
    d->env->set_lk_max_locks(d->env, DICT_MAX_LOCKS);
    d->env->set_lk_max_objects(d->env, DICT_MAX_LOCKS);
    if (d->flags & DICT_NOSYNC)
	d->env->set_flags(d->env, DB_TXN_WRITE_NOSYNC, 1);
    ret = d->env->open(d->env, STR_C(home),
		       DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN
		       | DB_REGISTER | DB_RECOVER | DB_THREAD, 0600);
    if (ret != 0) {
	str_printf(err, "%s: cannot open the database environment in %s: %s", d->path,
		   STR_C(home), ret == EACCES ? "permission denied" : db_strerror(ret));
	if (d->dberr.len)
	    str_catf(err, " (Berkeley DB: %s)", STR_C(d->dberr));
	d->env->close(d->env, 0);
	d->env = NULL;
	str_free(&home);
	return -1;
    }
    str_free(&home);
    return 0;
}

static const char *dict_base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

DICT   *dict_open(const char *path, int flags, STR *err)
{
    DICT   *d = mem_calloc(1, sizeof(*d));
    struct stat st;
    u_int32_t oflags = 0;
    int     ret, existed;

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
    if (!(flags & DICT_FOREIGN) && dict_open_env(d, err) < 0) {
	dict_free(d);
	return NULL;
    }
    if ((ret = db_create(&d->db, d->env, 0)) != 0) {
	dict_fail(d, err, "cannot create a database handle", ret);
	dict_close(d);
	return NULL;
    }
    if (d->env == NULL) {
	d->db->set_errcall(d->db, dict_db_errcall);
	d->db->app_private = d;
	d->db->dbenv->app_private = d;
    }
    if (flags & DICT_FOREIGN)
	oflags = DB_RDONLY;
    else if (!(flags & DICT_RDWR))
	oflags = DB_RDONLY | DB_THREAD;
    else
	oflags = DB_AUTO_COMMIT | DB_THREAD | ((flags & DICT_CREATE) ? DB_CREATE : 0);
    /* Inside an environment, names are relative to its home (the file's directory). */
    ret = d->db->open(d->db, NULL, d->env ? dict_base(path) : path, NULL,
		      (flags & DICT_FOREIGN) ? DB_UNKNOWN : DB_BTREE, oflags, 0600);
    if (ret != 0) {
	dict_fail(d, err, (flags & DICT_RDWR) ? "cannot open for update" : "cannot open", ret);
	dict_close(d);
	return NULL;
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

static void dict_dbt(DBT *t, const void *p, size_t n)
{
    memset(t, 0, sizeof(*t));
    t->data = (void *) p;
    t->size = (u_int32_t) n;
}

int     dict_get(DICT *d, const void *key, size_t klen, STR *val, STR *err)
{
    DBT     k, v;
    int     ret;

    dict_dbt(&k, key, klen);
    memset(&v, 0, sizeof(v));
    v.flags = DB_DBT_MALLOC;
    ret = d->db->get(d->db, d->txn, &k, &v, 0);
    if (ret == DB_NOTFOUND)
	return 0;
    if (ret != 0)
	return dict_fail(d, err, "read failed", ret);
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

int     dict_put(DICT *d, const void *key, size_t klen, const void *val, size_t vlen, STR *err)
{
    DBT     k, v;
    int     ret;

    if (!dict_writable(d, err))
	return -1;
    dict_dbt(&k, key, klen);
    dict_dbt(&v, val, vlen);
    ret = d->db->put(d->db, d->txn, &k, &v, d->txn ? 0 : DB_AUTO_COMMIT);
    if (ret != 0)
	return dict_fail(d, err, "write failed", ret);
    return 0;
}

int     dict_del(DICT *d, const void *key, size_t klen, STR *err)
{
    DBT     k;
    int     ret;

    if (!dict_writable(d, err))
	return -1;
    dict_dbt(&k, key, klen);
    ret = d->db->del(d->db, d->txn, &k, d->txn ? 0 : DB_AUTO_COMMIT);
    if (ret == DB_NOTFOUND)
	return 0;
    if (ret != 0)
	return dict_fail(d, err, "delete failed", ret);
    return 1;
}

int     dict_walk(DICT *d, const void *prefix, size_t plen, DICT_WALK_FN fn, void *ctx, STR *err)
{
    DBC    *c;
    DBT     k, v;
    int     ret, stop = 0;
    u_int32_t op = plen ? DB_SET_RANGE : DB_FIRST;
    STR     start = STR_INIT;

    if ((ret = d->db->cursor(d->db, d->txn, &c, 0)) != 0)
	return dict_fail(d, err, "cannot read", ret);
    str_cpyn(&start, prefix, plen);
    memset(&k, 0, sizeof(k));
    memset(&v, 0, sizeof(v));
    if (plen) {
	k.data = start.s;
	k.size = (u_int32_t) plen;
    }
    /* DB_SET_RANGE may return a key longer than the buffer: let DB own it. */
    while ((ret = c->get(c, &k, &v, op)) == 0) {
	op = DB_NEXT;
	if (plen && (k.size < plen || memcmp(k.data, prefix, plen) != 0))
	    break;
	if ((stop = fn(k.data, k.size, v.data, v.size, ctx)) != 0)
	    break;
    }
    c->close(c);
    str_free(&start);
    if (ret != 0 && ret != DB_NOTFOUND && !stop)
	return dict_fail(d, err, "read failed", ret);
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
    if ((ret = d->env->txn_begin(d->env, NULL, &d->txn, 0)) != 0) {
	d->txn = NULL;
	return dict_fail(d, err, "cannot begin a transaction", ret);
    }
    return 0;
}

int     dict_commit(DICT *d, STR *err)
{
    int     ret;

    if (d->txn == NULL)
	return 0;
    ret = d->txn->commit(d->txn, 0);
    d->txn = NULL;
    if (ret != 0)
	return dict_fail(d, err, "commit failed", ret);
    return 0;
}

void    dict_abort(DICT *d)
{
    if (d->txn != NULL) {
	d->txn->abort(d->txn);
	d->txn = NULL;
    }
}

void    dict_close(DICT *d)
{
    if (d == NULL)
	return;
    dict_abort(d);
    if (d->db)
	d->db->close(d->db, 0);
    if (d->env)
	d->env->close(d->env, 0);
    dict_free(d);
}
