/*
 * NAME
 *	cmd_fspec - pmdf filespec
 * SYNOPSIS
 *	pmdf filespec spec... [-unix|-vms|-fileify|-pathify] [-notranslate] [-all] [-create]
 * DESCRIPTION
 *	Prints one converted spec per line.  By default a VMS file spec
 *	becomes a Unix path through the logical names (PMDF_TABLE:x.cnf ->
 *	/pmdf/table/x.cnf; for a search list the first element where the
 *	file exists, or with -create the first element, or with -all every
 *	candidate on its own line), and a Unix path becomes a VMS spec.
 *	-notranslate converts syntax only (no logical names).  -fileify and
 *	-pathify convert between a directory spec and its directory-file spec.
 * DIAGNOSTICS
 *	Each spec that cannot be converted is reported on standard error with
 *	the reason; the others are still printed; the exit status is then 1.
 */
#include <stdio.h>
#include "pmdf.h"
#include "fspec.h"
#include "lnm.h"
#include "msg.h"
#include "str.h"
#include "strlist.h"

static int fspec_to_unix(const CLI_CMD *cmd, const char *spec, STR *out, STR *err)
{
    STRLIST all = STRLIST_INIT;
    size_t  i;

    if (cli_present(cmd, "translate") < 0)
	return fspec_unixify(spec, FSPEC_EFS, out, err);
    if (cli_present(cmd, "all") > 0) {
	if (lnm_file_candidates(spec, &all, err) < 0)
	    return -1;
	str_reset(out);
	for (i = 0; i < all.n; i++)
	    str_catf(out, "%s%s", i ? "\n" : "", all.v[i]);
	strlist_free(&all);
	return 0;
    }
    return lnm_file(spec, cli_present(cmd, "create") > 0 ? LNM_CREATE : LNM_READ, out, err);
}

static int fspec_convert(const CLI_CMD *cmd, const char *spec, STR *out, STR *err)
{
    if (cli_present(cmd, "fileify") > 0)
	return fspec_fileify(spec, FSPEC_EFS, out, err);
    if (cli_present(cmd, "pathify") > 0)
	return fspec_pathify(spec, FSPEC_EFS, out, err);
    if (cli_present(cmd, "vms") > 0)
	return fspec_vmsify(spec, FSPEC_EFS, out, err);
    if (cli_present(cmd, "unix") > 0 || fspec_is_vms(spec))
	return fspec_to_unix(cmd, spec, out, err);
    return fspec_vmsify(spec, FSPEC_EFS, out, err);
}

int     cmd_filespec(const CLI_CMD *cmd)
{
    STR     out = STR_INIT, err = STR_INIT;
    size_t  i;
    int     rc = 0;

    for (i = 0; i < cmd->nparams; i++) {
	str_reset(&err);
	if (fspec_convert(cmd, cmd->params[i], &out, &err) < 0) {
	    fflush(stdout);
	    msg_error("%s", STR_C(err));
	    rc = 1;
	    continue;
	}
	printf("%s\n", STR_C(out));
    }
    str_free(&out);
    str_free(&err);
    return rc;
}
