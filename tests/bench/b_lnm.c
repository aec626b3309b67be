/*
 * NAME
 *	b_lnm - how fast logical names load and translate
 * SYNOPSIS
 *	b_lnm [seconds-per-figure]
 * DESCRIPTION
 *	Writes a tailor file like a real instance's (the 25 names of
 *	table/pmdf_tailor.template plus 100 site names, a search list among
 *	them) and prints three figures:
 *	cold	 load the tailor file and do the first translation (what every
 *		 program start pays), per second;
 *	uncached translate a file spec not seen before (iterative, through
 *		 PMDF_CONFIG_FILE -> PMDF_TABLE -> a directory), per second;
 *	warm	 translate a file spec already translated (the cache), per
 *		 second.
 *	There is no peer program to compare with: no other MTA translates
 *	VMS logical names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lnm.h"
#include "str.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void fail(const char *what, const STR *err)
{
    fprintf(stderr, "b_lnm: %s: %s\n", what, STR_C(*err));
    exit(1);
}

static void report(const char *what, long n, double secs)
{
    printf("lnm %-9s %10.0f per second  (%7.3f us each, %ld in %.2f s)\n",
	   what, (double) n / secs, secs * 1e6 / (double) n, n, secs);
}

int     main(int argc, char **argv)
{
    double  budget = argc > 1 ? atof(argv[1]) : 1.0, t0, t;
    char    dir[256], tailor[300], spec[64];
    STR     err = STR_INIT, path = STR_INIT;
    FILE   *fp;
    long    n;
    int     i;

    snprintf(dir, sizeof(dir), "%s/b_lnm.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL)
	return 1;
    snprintf(tailor, sizeof(tailor), "%s/pmdf_tailor", dir);
    fp = fopen(tailor, "w");
    fprintf(fp, "! benchmark tailor file\n"
	    "PMDF_ROOT/CONCEALED=/pmdf/\nPMDF_TABLE=/pmdf/table/\nPMDF_QUEUE=/pmdf/queue/\n"
	    "PMDF_LOG=/pmdf/log/\nPMDF_LIB=/pmdf/lib/\nPMDF_COM=/pmdf/com/\nPMDF_EXE=/pmdf/bin/\n"
	    "PMDF_CONFIG_FILE=PMDF_TABLE:pmdf.cnf\nPMDF_OPTION_FILE=PMDF_TABLE:option.dat\n"
	    "PMDF_MAPPING_FILE=PMDF_TABLE:mappings\nPMDF_ALIAS_FILE=PMDF_TABLE:aliases\n"
	    "PMDF_ALIAS_DATABASE=PMDF_TABLE:aliasesdb\nPMDF_GENERAL_DATABASE=PMDF_TABLE:generaldb\n"
	    "PMDF_DISPATCHER_CONFIG=PMDF_TABLE:dispatcher.cnf\nPMDF_CONFIG_DATA=PMDF_LIB:config_data\n"
	    "PMDF_PASSWORD_DATABASE=PMDF_TABLE:passdb.db\nPMAS_ROOT/CONCEALED=/pmdf/pmas/\n"
	    "PMAS_DATA=/pmdf/pmas/data/\nPMAS_CONFIG=PMAS_DATA:pmas_config.dat\n"
	    "PMDF_SITE_PATH=/site/table/, /pmdf/table/  ! a search list\n");
    for (i = 0; i < 100; i++)
	fprintf(fp, "SITE_NAME_%03d=/site/dir%03d/\n", i, i);
    fclose(fp);
    setenv("PMDF_TAILOR", tailor, 1);

    /* Cold: load + first translation. */
    t0 = now();
    for (n = 0; (t = now() - t0) < budget; n++) {
	lnm_shutdown();
	if (lnm_init(&err) < 0)
	    fail("lnm_init", &err);
	if (lnm_file("PMDF_CONFIG_FILE:", LNM_READ, &path, &err) < 0)
	    fail("lnm_file", &err);
    }
    report("cold", n, t);
    if (strcmp(STR_C(path), "/pmdf/table/pmdf.cnf") != 0) {
	fprintf(stderr, "b_lnm: wrong translation %s\n", STR_C(path));
	return 1;
    }

    /* Uncached: a spec not seen before, each time. */
    t0 = now();
    for (n = 0; (t = now() - t0) < budget; n++) {
	snprintf(spec, sizeof(spec), "PMDF_CONFIG_FILE:f%ld.cnf", n);
	if (lnm_file(spec, LNM_CREATE, &path, &err) < 0)
	    fail("lnm_file", &err);
    }
    report("uncached", n, t);

    /* Warm: the same spec again and again. */
    t0 = now();
    for (n = 0; (t = now() - t0) < budget; n++)
	if (lnm_file("PMDF_CONFIG_FILE:", LNM_READ, &path, &err) < 0)
	    fail("lnm_file", &err);
    report("warm", n, t);

    lnm_shutdown();
    unlink(tailor);
    rmdir(dir);
    str_free(&err);
    str_free(&path);
    return 0;
}
