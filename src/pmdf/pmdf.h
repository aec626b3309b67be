/*
 * NAME
 *	pmdf - the administrator's command: verbs and their actions
 * DESCRIPTION
 *	pmdf.c holds the verb table (the command language definition) and
 *	main(); each cmd_*.c implements the actions of one verb.  An action
 *	returns the process exit status: 0 success, 1 failure.
 */
#ifndef PMDF_PMDF_H
#define PMDF_PMDF_H
#include <stdio.h>
#include "cli.h"

extern const CLI_VERB pmdf_verbs[];

int cmd_help(const CLI_CMD *cmd);
int cmd_show_logical(const CLI_CMD *cmd);
int cmd_filespec(const CLI_CMD *cmd);
int cmd_password(const CLI_CMD *cmd);
int cmd_crdb(const CLI_CMD *cmd);
int cmd_test_rewrite(const CLI_CMD *cmd);
int cmd_test_mapping(const CLI_CMD *cmd);
int cmd_cnbuild(const CLI_CMD *cmd);
int cmd_cache(const CLI_CMD *cmd);
int cmd_startup(const CLI_CMD *cmd);
int cmd_shutdown(const CLI_CMD *cmd);
int cmd_restart(const CLI_CMD *cmd);
int cmd_process(const CLI_CMD *cmd);
int cmd_qm(const CLI_CMD *cmd);
int cmd_counters(const CLI_CMD *cmd);
int cmd_counters_show(const char *channel, FILE *fp);

#endif
