/*
 * NAME
 *	t_dict - the Berkeley DB table interface
 * DESCRIPTION
 *	Real Berkeley DB files in a temporary directory: create, read, update,
 *	delete, ordered and prefix walks, transactions (commit and abort),
 *	read-only handles, bad files, and two processes writing at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "dict.h"
#include "str.h"
#include "tap.h"
#include "tenv.h"

static int collect(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    STR    *out = ctx;

    str_catn(out, k, kl);
    str_catc(out, '=');
    str_catn(out, v, vl);
    str_catc(out, ';');
    return 0;
}

static int count_cb(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    (void) k, (void) kl, (void) v, (void) vl;
    ++*(long *) ctx;
    return 0;
}

static void writer(const char *path, int id)
{
    STR     err = STR_INIT;
    DICT   *d = dict_open(path, DICT_RDWR, &err);
    char    key[32];
    int     i;

    if (d == NULL)
	_exit(2);
    for (i = 0; i < 300; i++) {
	snprintf(key, sizeof(key), "w%d-%04d", id, i);
	if (dict_put(d, key, strlen(key), "v", 1, &err) < 0)
	    _exit(3);
    }
    dict_close(d);
    _exit(0);
}

int     main(void)
{
    STR     err = STR_INIT, val = STR_INIT, out = STR_INIT;
    const char *dir, *path, *bad;
    struct stat st;
    DICT   *d, *r;
    FILE   *fp;
    long    n;
    pid_t   p1, p2;
    int     s1, s2;

    dir = tenv_setup("t_dict", NULL);
    path = tenv_path("test.db");

    tap_ok(dict_open(path, DICT_RDWR, &err) == NULL, "opening a missing database fails");
    tap_ok(strstr(STR_C(err), "no such database") != NULL, "and says so: %s", STR_C(err));
    d = dict_open(path, DICT_RDWR | DICT_CREATE, &err);
    tap_ok(d != NULL, "create: %s", STR_C(err));
    if (d == NULL)
	return tap_done();
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "a new database is mode 0600");
    tap_is_int(dict_put(d, "b", 1, "2", 1, &err), 0, "put b");
    dict_put(d, "a", 1, "1", 1, &err);
    dict_put(d, "ab", 2, "12", 2, &err);
    dict_put(d, "c\0x", 3, "bin\0ary", 7, &err);
    tap_is_int(dict_get(d, "ab", 2, &val, &err), 1, "get ab");
    tap_is_str(STR_C(val), "12", "value of ab");
    tap_is_int(dict_get(d, "zz", 2, &val, &err), 0, "a missing key");
    tap_is_int(dict_get(d, "c\0x", 3, &val, &err), 1, "keys may hold NUL bytes");
    tap_is_int((long) val.len, 7, "and values too");
    dict_walk(d, NULL, 0, collect, &out, &err);
    tap_ok(out.len == 26 && memcmp(out.s, "a=1;ab=12;b=2;c\0x=bin\0ary;", 26) == 0,
	   "a walk is in key order");
    str_reset(&out);
    dict_walk(d, "a", 1, collect, &out, &err);
    tap_is_str(STR_C(out), "a=1;ab=12;", "a prefix walk");
    tap_is_int(dict_put(d, "a", 1, "one", 3, &err), 0, "put replaces");
    dict_get(d, "a", 1, &val, &err);
    tap_is_str(STR_C(val), "one", "the new value");
    tap_is_int(dict_del(d, "b", 1, &err), 1, "delete");
    tap_is_int(dict_del(d, "b", 1, &err), 0, "delete of a missing key");

    tap_is_int(dict_begin(d, &err), 0, "begin");
    dict_put(d, "t1", 2, "x", 1, &err);
    dict_del(d, "a", 1, &err);
    dict_abort(d);
    tap_is_int(dict_get(d, "t1", 2, &val, &err), 0, "abort undoes a put");
    tap_is_int(dict_get(d, "a", 1, &val, &err), 1, "abort undoes a delete");
    dict_begin(d, &err);
    dict_put(d, "t2", 2, "y", 1, &err);
    tap_is_int(dict_commit(d, &err), 0, "commit");
    tap_is_int(dict_get(d, "t2", 2, &val, &err), 1, "a committed put stays");
    dict_close(d);

    r = dict_open(path, DICT_RDONLY, &err);
    tap_ok(r != NULL, "open read-only: %s", STR_C(err));
    tap_is_int(dict_put(r, "x", 1, "y", 1, &err), -1, "a read-only handle refuses writes");
    tap_ok(strstr(STR_C(err), "read-only") != NULL, "and says so: %s", STR_C(err));
    dict_close(r);

    bad = tenv_path("garbage.db");
    fp = fopen(bad, "w");
    for (n = 0; n < 8192; n++)
	fputc((int) (n * 7919 % 251), fp);
    fclose(fp);
    tap_ok(dict_open(bad, DICT_RDWR, &err) == NULL, "a file of garbage is refused");
    tap_ok(strstr(STR_C(err), "not a Berkeley DB") != NULL && strstr(STR_C(err), bad) != NULL,
	   "named with the reason: %s", STR_C(err));
    tap_ok(dict_open(dir, DICT_RDONLY, &err) == NULL && strstr(STR_C(err), "not a regular file"),
	   "a directory is refused: %s", STR_C(err));

    /* Two processes writing at once: nothing lost, nothing damaged. */
    fflush(stdout);
    if ((p1 = fork()) == 0)
	writer(path, 1);
    if ((p2 = fork()) == 0)
	writer(path, 2);
    waitpid(p1, &s1, 0);
    waitpid(p2, &s2, 0);
    tap_ok(WIFEXITED(s1) && WEXITSTATUS(s1) == 0 && WIFEXITED(s2) && WEXITSTATUS(s2) == 0,
	   "two concurrent writers succeed");
    d = dict_open(path, DICT_RDONLY, &err);
    n = 0;
    if (d)
	dict_walk(d, "w", 1, count_cb, &n, &err);
    tap_is_int(n, 600, "all 600 concurrent updates are there");
    dict_close(d);
    tenv_cleanup();
    str_free(&err);
    str_free(&val);
    str_free(&out);
    return tap_done();
}
