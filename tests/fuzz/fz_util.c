/*
 * NAME
 *	fz_util - what the libFuzzer harnesses share (see fz_util.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fz_util.h"
#include "lnm.h"
#include "mem.h"
#include "str.h"
#include "strlist.h"

extern char **environ;

static char fz_dir[256];
static STRLIST fz_written;		/* files to remove at exit */

/* Removes the private instance at exit (not after a crash: it is evidence). */
static void fz_cleanup(void)
{
    size_t  i;

    for (i = 0; i < fz_written.n; i++)
	(void) remove(fz_written.v[i]);
    strlist_free(&fz_written);
    (void) rmdir(fz_dir);
}

/* Removes every PMDF_ and PMAS_ variable so only the tailor file counts. */
static void fz_clean_environment(void)
{
    STRLIST names = STRLIST_INIT;
    const char *eq;
    char  **e;
    size_t  i;

    for (e = environ; *e; e++)
	if ((strncmp(*e, "PMDF_", 5) == 0 || strncmp(*e, "PMAS_", 5) == 0)
	    && (eq = strchr(*e, '=')) != NULL)
	    strlist_addn(&names, *e, (size_t) (eq - *e));
    for (i = 0; i < names.n; i++)
	unsetenv(names.v[i]);
    strlist_free(&names);
}

const char *fz_path(const char *name)
{
    static char path[4][512];
    static int slot;
    char   *p = path[slot++ % 4];

    snprintf(p, sizeof(path[0]), "%s/%s", fz_dir, name);
    return p;
}

void    fz_put(const char *name, const void *p, size_t n)
{
    const char *path = fz_path(name);
    FILE   *fp = fopen(path, "wb");
    size_t  i;

    if (fp == NULL || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
	perror(path);
	abort();
    }
    for (i = 0; i < fz_written.n; i++)
	if (strcmp(fz_written.v[i], path) == 0)
	    return;
    strlist_add(&fz_written, path);
}

const char *fz_instance(void)
{
    STR     text = STR_INIT;
    STR     err = STR_INIT;
    const char *tmp = getenv("TMPDIR");

    if (fz_dir[0])
	return fz_dir;
    snprintf(fz_dir, sizeof(fz_dir), "%s/pmdf_fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(fz_dir) == NULL) {
	perror("mkdtemp");
	abort();
    }
    atexit(fz_cleanup);
    str_printf(&text, "! tailor file of the fuzz harnesses\n"
	       "PMDF_TABLE=%s/\n"
	       "PMDF_CONFIG_FILE=PMDF_TABLE:pmdf.cnf\n"
	       "PMDF_OPTION_FILE=PMDF_TABLE:option.dat\n"
	       "PMDF_MAPPING_FILE=PMDF_TABLE:mappings\n"
	       "PMDF_QUEUE=%s/queue/\n", fz_dir, fz_dir);
    fz_put("pmdf_tailor", text.s, text.len);
    fz_clean_environment();
    setenv("PMDF_TAILOR", fz_path("pmdf_tailor"), 1);
    if (lnm_init(&err) < 0) {
	fprintf(stderr, "fz_instance: %s\n", STR_C(err));
	abort();
    }
    str_free(&text);
    str_free(&err);
    return fz_dir;
}

char   *fz_cstr(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);

    return mem_strndup((const char *) data, nul ? (size_t) (nul - data) : size);
}

size_t  fz_split(const uint8_t *data, size_t size, int sep, FZ_PIECE *v, size_t max)
{
    size_t  n = 0, start = 0, i;

    if (max == 0)
	return 0;
    for (i = 0; i <= size && n < max; i++) {
	if (i == size || data[i] == (uint8_t) sep) {
	    v[n].p = data + start;
	    v[n].n = i - start;
	    n++;
	    start = i + 1;
	}
    }
    return n;
}
