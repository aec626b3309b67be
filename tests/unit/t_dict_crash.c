/*
 * NAME
 *	t_dict_crash - processes killed in a shared Berkeley DB environment
 * DESCRIPTION
 *	This process keeps databases open all along, as a long-running
 *	server does, while forked children die on it:
 *	- a child SIGKILLs itself inside a transaction, holding the write
 *	  lock of the page this process reads next: the read waits out the
 *	  lock timeout, failchk aborts the dead transaction, and the read
 *	  succeeds; what the child committed before is there, what it had
 *	  not committed is not, and no recovery was needed;
 *	- a child panics the environment (what Berkeley DB does when a
 *	  process died inside it, holding a mutex of the shared regions)
 *	  and SIGKILLs itself mid-transaction: this process's next operation
 *	  reopens the environment with recovery and succeeds; one inside a
 *	  transaction fails with DICT_AGAIN instead, and succeeds when run
 *	  again; a second database of the same directory, sharing the
 *	  environment handle, is reopened with it;
 *	- the log directory stays small when dict_checkpoint() is called
 *	  now and then: old log files go.
 *	The panic is set through Berkeley DB's own API (DB_PANIC_ENVIRONMENT),
 *	only here, as a fault injection.  Unix only (fork, SIGKILL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <db.h>
#include "dict.h"
#include "str.h"
#include "tap.h"
#include "tenv.h"

#define NLOGGED 6000

/* Child: commit "before", then die holding an update of "dying". */
static void die_in_transaction(const char *path, int panic)
{
    STR     err = STR_INIT;
    DICT   *d = dict_open(path, DICT_RDWR, &err);
    DB_ENV *env;

    if (d == NULL || dict_put(d, "before", 6, "committed", 9, &err) < 0)
	_exit(2);
    if (dict_begin(d, &err) < 0 || dict_put(d, "dying", 5, "uncommitted", 11, &err) < 0)
	_exit(3);
    if (panic) {
	/* A second handle, outside dict.h, only to set the panic flag. */
	if (db_env_create(&env, 0) != 0 || env->open(env, tenv_dir(), DB_INIT_LOCK | DB_INIT_LOG
						      | DB_INIT_MPOOL | DB_INIT_TXN, 0) != 0
	    || env->set_flags(env, DB_PANIC_ENVIRONMENT, 1) != 0)
	    _exit(4);
    }
    raise(SIGKILL);
    _exit(5);
}

static int run_child(const char *path, int panic)
{
    pid_t   pid;
    int     status = 0;

    fflush(stdout);
    fflush(stderr);
    if ((pid = fork()) == 0)
	die_in_transaction(path, panic);
    waitpid(pid, &status, 0);		/* reaped: its pid no longer alive */
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static long log_bytes(const char *dir, int *files)
{
    DIR    *dp = opendir(dir);
    struct dirent *de;
    struct stat st;
    STR     p = STR_INIT;
    long    total = 0;

    *files = 0;
    while (dp != NULL && (de = readdir(dp)) != NULL) {
	if (strncmp(de->d_name, "log.", 4) != 0)
	    continue;
	str_printf(&p, "%s/%s", dir, de->d_name);
	if (stat(STR_C(p), &st) == 0) {
	    total += (long) st.st_size;
	    ++*files;
	}
    }
    if (dp != NULL)
	closedir(dp);
    str_free(&p);
    return total;
}

int     main(void)
{
    STR     err = STR_INIT, val = STR_INIT;
    const char *dir, *path, *path2;
    DICT   *d, *d2;
    time_t  t0;
    char    key[32], big[1024];
    long    bytes;
    int     i, rc, files;

    dir = tenv_setup("t_dict_crash", NULL);
    path = tenv_path("crash.db");
    path2 = tenv_path("other.db");
    d = dict_open(path, DICT_RDWR | DICT_CREATE, &err);
    tap_ok(d != NULL, "open: %s", STR_C(err));
    d2 = dict_open(path2, DICT_RDWR | DICT_CREATE, &err);
    tap_ok(d2 != NULL, "a second database of the directory, open at once: %s", STR_C(err));
    if (d == NULL || d2 == NULL)
	return tap_done();
    tap_is_int(dict_put(d2, "x", 1, "1", 1, &err), 0, "the second database takes updates");

    /* 1. Killed holding a lock: failchk cleans up, no recovery. */
    tap_ok(run_child(path, 0), "a child dies by SIGKILL in the middle of a transaction");
    t0 = time(NULL);
    rc = dict_get(d, "before", 6, &val, &err);
    tap_is_int(rc, 1, "the survivor reads past the dead child's lock: %s", STR_C(err));
    tap_ok(time(NULL) - t0 < 20, "within the lock timeout and a failchk (%ld s)",
	   (long) (time(NULL) - t0));
    tap_is_str(STR_C(val), "committed", "what the child committed is intact");
    tap_is_int(dict_get(d, "dying", 5, &val, &err), 0, "what it had not committed is undone");
    tap_is_int(dict_put(d, "after1", 6, "ok", 2, &err), 0, "and updates go on: %s", STR_C(err));

    /* 2. Died inside Berkeley DB (panic): reopen with recovery, then retry. */
    dict_del(d, "before", 6, &err);
    tap_ok(run_child(path, 1), "a child panics the environment and dies mid-transaction");
    str_reset(&err);
    rc = dict_get(d, "before", 6, &val, &err);
    tap_is_int(rc, 1, "the survivor's next read recovers and succeeds: %s", STR_C(err));
    tap_is_str(STR_C(val), "committed", "the child's committed update survived recovery");
    tap_is_int(dict_get(d, "after1", 6, &val, &err), 1, "and so did the survivor's own");
    tap_is_int(dict_get(d, "dying", 5, &val, &err), 0, "the killed transaction is undone");
    tap_is_int(dict_get(d2, "x", 1, &val, &err), 1,
	       "the second database was reopened with the environment: %s", STR_C(err));
    tap_is_int(dict_put(d, "after2", 6, "ok", 2, &err), 0, "updates go on: %s", STR_C(err));

    /* 3. A panic under an open transaction of the survivor: DICT_AGAIN, then success. */
    tap_is_int(dict_begin(d, &err), 0, "begin a transaction");
    tap_is_int(dict_put(d, "t1", 2, "x", 1, &err), 0, "update in it");
    tap_ok(run_child(path2, 1), "another child panics the environment");
    str_reset(&err);
    rc = dict_put(d, "t2", 2, "y", 1, &err);
    if (rc == 0)
	rc = dict_commit(d, &err);
    tap_is_int(rc, DICT_AGAIN, "the transaction fails with DICT_AGAIN: %s", STR_C(err));
    dict_abort(d);
    str_reset(&err);
    rc = dict_begin(d, &err);
    if (rc == 0)
	rc = dict_put(d, "t1", 2, "x", 1, &err);
    if (rc == 0)
	rc = dict_commit(d, &err);
    tap_is_int(rc, 0, "run again, it commits: %s", STR_C(err));
    tap_is_int(dict_get(d, "t1", 2, &val, &err), 1, "its update is there");
    tap_is_int(dict_get(d, "after2", 6, &val, &err), 1, "earlier updates are intact");

    /* 4. Checkpoints: the log directory does not grow with the updates. */
    memset(big, 'l', sizeof(big));
    for (i = 0; i < NLOGGED; i++) {
	snprintf(key, sizeof(key), "log%05d", i);
	if ((rc = dict_put(d2, key, strlen(key), big, sizeof(big), &err)) < 0)
	    break;
	if (i % 500 == 0 && (rc = dict_checkpoint(d2, &err)) < 0)
	    break;
    }
    tap_is_int(rc, 0, "%d updates of 1 KB: %s", NLOGGED, STR_C(err));
    dict_close(d2);
    dict_close(d);
    bytes = log_bytes(dir, &files);
    tap_ok(bytes > 0 && bytes < 4L * 1024 * 1024,
	   "after about %d MB of log, %d log files of %ld bytes in all remain", NLOGGED / 1000 * 2,
	   files, bytes);
    d = dict_open(path2, DICT_RDONLY, &err);
    tap_is_int(d ? dict_get(d, "log00000", 8, &val, &err) : -1, 1,
	       "the first update is still there: %s", STR_C(err));
    dict_close(d);
    tenv_cleanup();
    str_free(&err);
    str_free(&val);
    return tap_done();
}
