/*
 * NAME
 *	pmdf - the administrator's command
 * SYNOPSIS
 *	pmdf verb [qualifiers] [parameters]		(Unix syntax)
 *	pmdf VERB/QUALIFIER[=value] [parameters]	(DCL syntax)
 * DESCRIPTION
 *	One command for the toolkit's administration, accepting both the
 *	Unix form (pmdf show logical -full PMDF_*) and the DCL form
 *	(PMDF SHOW LOGICAL/FULL PMDF_*).  The verbs, qualifiers and their
 *	help live in the table below; cli.c parses both syntaxes from it.
 *	"pmdf help [verb]" and "pmdf verb -help" describe what exists.
 * DIAGNOSTICS
 *	Errors go to standard error as "pmdf: error: ..." naming the word or
 *	file that failed; the exit status is then non-zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include "pmdf.h"
#include "cli.h"
#include "msg.h"
#include "str.h"

int     main(int argc, char **argv)
{
    CLI_CMD cmd = {0};
    STR     err = STR_INIT;
    int     rc;

    msg_progname("pmdf");
    if (argc < 2) {
	cli_help(pmdf_verbs, 0, NULL, stderr, &err);
	fprintf(stderr, "pmdf: no verb given; \"pmdf help VERB\" describes one\n");
	return 1;
    }
    if (cli_parse(pmdf_verbs, argc - 1, argv + 1, &cmd, &err) < 0) {
	msg_error("%s", STR_C(err));
	fprintf(stderr, "pmdf: \"pmdf help\" lists the verbs and their qualifiers\n");
	str_free(&err);
	cli_free(&cmd);
	return 1;
    }
    rc = cli_dispatch(pmdf_verbs, &cmd);
    cli_free(&cmd);
    str_free(&err);
    fflush(stdout);
    if (ferror(stdout)) {
	fprintf(stderr, "pmdf: error: cannot write standard output\n");
	return 1;
    }
    return rc;
}
