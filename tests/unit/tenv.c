/*
 * NAME
 *	tenv - a private instance for a unit test (see tenv.h)
 * SYNOPSIS
 *	#include "tenv.h"
 * DESCRIPTION
 *	One directory per process, kept in a STR; the strings tenv_path()
 *	returns are kept in a STRLIST (each string allocated on its own, so
 *	earlier pointers survive the list growing) until tenv_cleanup().
 *	Environment names are collected before any is unset, and directory
 *	entries before any is removed: neither list is walked while it
 *	changes.  Removal uses lstat(), so a symbolic link is removed, never
 *	followed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include "str.h"
#include "strlist.h"
#include "tap.h"
#include "tenv.h"

extern char **environ;

#define TENV_MAX_DEPTH	16		/* subdirectory levels removed */
#define TENV_TAILOR	"pmdf_tailor"

static STR dir;				/* empty until tenv_setup() */
static STRLIST paths;			/* every string tenv_path() returned */

/* Stops the test the TAP way; err is an errno value or 0. */
static void bail(const char *what, const char *name, int err)
{
    printf("Bail out! tenv: %s %s%s%s\n", what, name, err ? ": " : "",
	   err ? strerror(err) : "");
    exit(1);
}

static void need_setup(const char *caller)
{
    if (dir.len == 0)
	bail(caller, "called before tenv_setup()", 0);
}

/* out = <dir>/<file>, or file when it is absolute. */
static void join(STR *out, const char *file)
{
    if (file[0] == '/')
	str_cpy(out, file);
    else
	str_printf(out, "%s/%s", STR_C(dir), file);
}

/* Removes every PMDF_ and PMAS_ variable so only the tailor file counts. */
static void clean_environment(void)
{
    STRLIST names = STRLIST_INIT;
    char  **e;
    size_t  i;

    /* Names first: unsetenv() changes environ under a running loop. */
    for (e = environ; *e != NULL; e++)
	if (strncmp(*e, "PMDF_", 5) == 0 || strncmp(*e, "PMAS_", 5) == 0)
	    strlist_addn(&names, *e, strcspn(*e, "="));
    for (i = 0; i < names.n; i++)
	if (unsetenv(names.v[i]) != 0)
	    bail("unsetenv", names.v[i], errno);
    strlist_free(&names);
}

const char *tenv_setup(const char *test_name, const char *tailor_text)
{
    const char *tmp = getenv("TMPDIR");
    const char *p, *at;
    STR     text = STR_INIT;

    if (dir.len != 0)
	bail("tenv_setup() called twice; the first made", STR_C(dir), 0);
    str_cpy(&dir, tmp != NULL && *tmp != 0 ? tmp : "/tmp");
    while (dir.len > 0 && dir.s[dir.len - 1] == '/')
	str_truncate(&dir, dir.len - 1);
    str_catf(&dir, "/%s.XXXXXX", test_name);
    if (mkdtemp(dir.s) == NULL)
	bail("mkdtemp", STR_C(dir), errno);
    if (tailor_text != NULL) {
	clean_environment();
	for (p = tailor_text; (at = strstr(p, "@DIR@")) != NULL; p = at + 5) {
	    str_catn(&text, p, (size_t) (at - p));
	    str_cat(&text, STR_C(dir));
	}
	str_cat(&text, p);
	tenv_put(TENV_TAILOR, STR_C(text), text.len);
	if (setenv("PMDF_TAILOR", tenv_path(TENV_TAILOR), 1) != 0)
	    bail("setenv PMDF_TAILOR", tenv_path(TENV_TAILOR), errno);
	str_free(&text);
    }
    return STR_C(dir);
}

const char *tenv_dir(void)
{
    need_setup("tenv_dir()");
    return STR_C(dir);
}

const char *tenv_path(const char *file)
{
    STR     path = STR_INIT;
    size_t  i;

    need_setup("tenv_path()");
    join(&path, file);
    for (i = 0; i < paths.n; i++)
	if (strcmp(paths.v[i], STR_C(path)) == 0)
	    break;
    if (i == paths.n)
	strlist_add(&paths, STR_C(path));
    str_free(&path);
    return paths.v[i];
}

void    tenv_put(const char *file, const void *data, size_t len)
{
    STR     path = STR_INIT;
    FILE   *fp;
    int     err;

    need_setup("tenv_put()");
    join(&path, file);
    if ((fp = fopen(STR_C(path), "wb")) == NULL)
	bail("cannot create", STR_C(path), errno);
    if (len > 0 && fwrite(data, 1, len, fp) != len) {
	err = errno;
	(void) fclose(fp);
	bail("cannot write", STR_C(path), err);
    }
    if (fclose(fp) != 0)
	bail("cannot write", STR_C(path), errno);
    str_free(&path);
}

void    tenv_put_text(const char *file, const char *text)
{
    tenv_put(file, text, strlen(text));
}

/* Removes path and what is below it, depth levels down; -1 when some is left. */
static int remove_tree(const char *path, int depth)
{
    STRLIST names = STRLIST_INIT;
    STR     sub = STR_INIT;
    struct dirent *e;
    struct stat st;
    DIR    *d;
    size_t  i;
    int     rc = 0;

    if (depth > TENV_MAX_DEPTH) {
	tap_diag("tenv: not removed, more than %d levels down: %s", TENV_MAX_DEPTH, path);
	return -1;
    }
    if ((d = opendir(path)) == NULL) {
	tap_diag("tenv: cannot open directory %s: %s", path, strerror(errno));
	return -1;
    }
    /* Names first, then removal: no readdir() over a changing directory. */
    while ((e = readdir(d)) != NULL)
	if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
	    strlist_add(&names, e->d_name);
    (void) closedir(d);
    for (i = 0; i < names.n; i++) {
	str_printf(&sub, "%s/%s", path, names.v[i]);
	if (lstat(STR_C(sub), &st) == 0 && S_ISDIR(st.st_mode)) {
	    if (remove_tree(STR_C(sub), depth + 1) != 0)
		rc = -1;
	} else if (unlink(STR_C(sub)) != 0) {
	    tap_diag("tenv: cannot remove %s: %s", STR_C(sub), strerror(errno));
	    rc = -1;
	}
    }
    strlist_free(&names);
    str_free(&sub);
    if (rc == 0 && rmdir(path) != 0) {
	tap_diag("tenv: cannot remove directory %s: %s", path, strerror(errno));
	rc = -1;
    }
    return rc;
}

void    tenv_cleanup(void)
{
    if (dir.len == 0)
	return;
    if (getenv("T_KEEP") != NULL)
	tap_diag("T_KEEP is set: files kept in %s", STR_C(dir));
    else if (remove_tree(STR_C(dir), 0) != 0)
	tap_diag("tenv: could not remove all of %s", STR_C(dir));
    str_free(&dir);
    strlist_free(&paths);
}
