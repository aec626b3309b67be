/*
 * NAME
 *	cmd_cache - pmdf cache -synchronize
 * SYNOPSIS
 *	pmdf cache -synchronize
 *	PMDF CACHE/SYNCHRONIZE
 * DESCRIPTION
 *	Rebuilds the queue cache (PMDF_QUEUE_CACHE_DATABASE, default
 *	PMDF_QUEUE:queue_cache.db) from the message files, which are the
 *	truth: entries are added for files the cache misses and removed for
 *	files that are gone; damaged files are reported and left out.  Prints
 *	the counts.  Safe while the servers run: they add entries in their
 *	own transactions.
 * DIAGNOSTICS
 *	Exit 0 when the cache matches the files afterwards, 1 on an error or
 *	when damaged files were found (each named on standard output).
 */
#include <stdio.h>
#include "pmdf.h"
#include "qcache.h"
#include "dict.h"
#include "lnm.h"
#include "msg.h"
#include "str.h"

int     cmd_cache(const CLI_CMD *cmd)
{
    QCACHE *c;
    QCACHE_SYNC counts;
    STR     err = STR_INIT, report = STR_INIT;
    int     rc = 1;

    if (cli_present(cmd, "synchronize") <= 0) {
	msg_error("say what to do with the queue cache: -synchronize");
	return 1;
    }
    if (lnm_init(&err) < 0 || (c = qcache_open(DICT_RDWR | DICT_CREATE, &err)) == NULL) {
	msg_error("%s", STR_C(err));
	str_free(&err);
	return 1;
    }
    if (qcache_synchronize(c, &counts, &report, &err) < 0)
	msg_error("%s", STR_C(err));
    else {
	fputs(STR_C(report), stdout);
	printf("%s: %lu message files; %lu entries right, %lu added, %lu removed,"
	       " %lu damaged files\n", qcache_db_path(c), counts.files, counts.kept,
	       counts.added, counts.removed, counts.damaged);
	rc = counts.damaged ? 1 : 0;
    }
    qcache_close(c);
    str_free(&err);
    str_free(&report);
    return rc;
}
