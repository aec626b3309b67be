/*
 * NAME
 *	cmd_test - pmdf test -rewrite, pmdf test -mapping, pmdf cnbuild
 * SYNOPSIS
 *	pmdf test -rewrite [address...] [-from=ADDR] [-source_channel=CH]
 *		[-destination_channel=CH] [-debug] [-noimage]
 *	pmdf test -mapping [string...] [-table=NAME] [-noimage]
 *	pmdf cnbuild [-statistics]
 * DESCRIPTION
 *	test -rewrite shows what the MTA would do with each address, as PMDF's
 *	TEST/REWRITE does: the destination channel and its host, the envelope
 *	and header forms of the address (and of the -from address), the rule
 *	that decided, alias expansion on the local channel, and the verdicts
 *	of the ORIG_SEND_ACCESS (before alias expansion) and SEND_ACCESS
 *	(after) mappings with the probe "source|from|destination|to".  With
 *	no address it prompts "Address: " (GNU readline on a terminal: line
 *	editing and history) until end of input; not on a terminal it reads
 *	lines plainly.  -debug also prints every rule probe tried.
 *
 *	test -mapping prompts "Enter table name: " (unless -table is given),
 *	then "Input string: " for each probe, and prints the result and its
 *	flags; strings may also be given on the command line.
 *
 *	cnbuild reads the whole configuration from the text files, reporting
 *	errors exactly as every program does, and writes the compiled image
 *	(PMDF_CONFIG_DATA) that programs then load instead of the text.
 *
 *	The exit status is 0 when every address was accepted (every string
 *	matched), 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pmdf.h"
#include "config.h"
#include "rewrite.h"
#include "lineedit.h"
#include "lnm.h"
#include "msg.h"
#include "str.h"

typedef struct TEST_CTX {
    CONFIG  cfg;
    REWRITER *rw;
    DICT   *general;
    const CLI_CMD *cmd;
    const char *source;		/* source channel */
    STR     from;		/* envelope From, as given */
} TEST_CTX;

static int test_load(TEST_CTX *t, const CLI_CMD *cmd)
{
    STR     err = STR_INIT;
    int     flags = cli_present(cmd, "image") < 0 ? CONFIG_TEXT : 0;

    memset(t, 0, sizeof(*t));
    t->cmd = cmd;
    if (lnm_init(&err) < 0 || config_load(&t->cfg, flags, &err) < 0) {
	msg_error("%s", STR_C(err));
	str_free(&err);
	return -1;
    }
    str_free(&err);
    return 0;
}

static void test_free(TEST_CTX *t)
{
    rewrite_free(t->rw);
    dict_close(t->general);
    config_free(&t->cfg);
    str_free(&t->from);
}

/* ---- test -rewrite ------------------------------------------------------ */

static void show_trace(const RW_RESULT *res)
{
    size_t  i;

    for (i = 0; i < res->trace.n; i++)
	printf("    %s\n", res->trace.v[i]);
}

/* Rewrites one form; prints "label = address" or the failure. 0 ok, -1 failed. */
static int rewrite_form(TEST_CTX *t, const char *label, const char *addr, int dir, int ctx,
			        const char *dest, RW_RESULT *res, int show)
{
    RW_REQUEST req;
    STR     err = STR_INIT;
    int     rc;

    rw_request_init(&req);
    req.source_channel = t->source;
    req.dest_channel = dest;
    req.direction = dir;
    req.context = ctx;
    if (cli_present(t->cmd, "debug") > 0)
	req.flags |= RW_TRACE;
    rc = rewrite_address(t->rw, addr, &req, res, &err);
    if (show && req.flags & RW_TRACE)
	show_trace(res);
    if (rc < 0)
	printf("%s = *** %s\n", label, STR_C(err));
    else if (show)
	printf("%s = %s\n", label, STR_C(res->address));
    str_free(&err);
    return rc < 0 ? -1 : 0;
}

/* Applies an access mapping; prints its verdict; 1 when it refuses. */
static int access_verdict(TEST_CTX *t, const char *table, const char *dst, const char *from,
			          const char *to)
{
    MAP_RESULT mr;
    STR     probe = STR_INIT, err = STR_INIT;
    int     refused = 0;

    if (t->cfg.maps == NULL || !mapping_has(t->cfg.maps, table))
	return 0;
    map_result_init(&mr);
    str_printf(&probe, "%s|%s|%s|%s", t->source, from, dst, to);
    if (mapping_apply(t->cfg.maps, table, STR_C(probe), &mr, &err) < 0)
	printf("%s mapping: *** %s\n", table, STR_C(err));
    else if (mr.kind == MAP_DENY) {
	printf("%s mapping: %s -> refused: %s\n", table, STR_C(probe), STR_C(mr.text));
	refused = 1;
    } else if (mr.kind == MAP_NOMATCH)
	printf("%s mapping: %s -> no match (allowed)\n", table, STR_C(probe));
    else
	printf("%s mapping: %s -> allowed\n", table, STR_C(probe));
    map_result_free(&mr);
    str_free(&probe);
    str_free(&err);
    return refused;
}

static int test_one_address(TEST_CTX *t, const char *addr)
{
    RW_RESULT to, hdr, from;
    STRLIST expanded = STRLIST_INIT;
    STR     err = STR_INIT, local = STR_INIT;
    const char *dest_arg = cli_value(t->cmd, "destination_channel");
    const CNF_CHANNEL *ch;
    const CNF_KEYWORD *kw;
    int     ok = 1;
    size_t  i;

    rw_result_init(&to);
    rw_result_init(&hdr);
    rw_result_init(&from);
    if (rewrite_form(t, "envelope To: address", addr, RW_FORWARD, RW_ENVELOPE, dest_arg,
		     &to, 0) < 0) {
	rw_result_free(&to);
	return 0;
    }
    printf("channel  = %s\n", STR_C(to.channel));
    printf("channel host = %s\n", STR_C(to.routing));
    if ((ch = pmdfcnf_channel(&t->cfg.cnf, STR_C(to.channel))) != NULL
	&& (kw = pmdfcnf_keyword(ch, "daemon")) != NULL && kw->arg != NULL)
	printf("channel daemon = %s\n", kw->arg);
    printf("rule = %s\n", STR_C(to.rule));
    if (cli_present(t->cmd, "debug") > 0)
	show_trace(&to);
    printf("envelope To: address = %s (host %s)\n", STR_C(to.address), STR_C(to.host));
    if (rewrite_form(t, "header To: address", addr, RW_FORWARD, RW_HEADER, STR_C(to.channel),
		     &hdr, 1) < 0)
	ok = 0;
    if (rewrite_form(t, "envelope From: address", STR_C(t->from), RW_BACKWARD, RW_ENVELOPE,
		     STR_C(to.channel), &from, 1) < 0)
	ok = 0;
    if (ok) {
	if (access_verdict(t, "ORIG_SEND_ACCESS", STR_C(to.channel), STR_C(from.address),
			   STR_C(to.address)))
	    ok = 0;
	/* Alias expansion on the local channel, then SEND_ACCESS per result. */
	if (strcmp(STR_C(to.channel), "l") == 0 && t->cfg.aliases) {
	    const char *at = strrchr(STR_C(to.address), '@');

	    str_cpyn(&local, STR_C(to.address),
		     at ? (size_t) (at - STR_C(to.address)) : to.address.len);
	    if (alias_expand(t->cfg.aliases, STR_C(local), &expanded, &err) < 0) {
		printf("alias expansion: *** %s\n", STR_C(err));
		ok = 0;
	    }
	    for (i = 0; i < expanded.n; i++)
		printf("alias expansion: %s -> %s\n", STR_C(local), expanded.v[i]);
	}
	if (ok && access_verdict(t, "SEND_ACCESS", STR_C(to.channel), STR_C(from.address),
				 STR_C(to.address)))
	    ok = 0;
    }
    printf("%s\n", ok ? "address accepted" : "*** address rejected");
    rw_result_free(&to);
    rw_result_free(&hdr);
    rw_result_free(&from);
    strlist_free(&expanded);
    str_free(&err);
    str_free(&local);
    return ok;
}

int     cmd_test_rewrite(const CLI_CMD *cmd)
{
    TEST_CTX t;
    STR     err = STR_INIT, line = STR_INIT;
    const char *from = cli_value(cmd, "from");
    size_t  i;
    int     all_ok = 1, any = 0;

    if (test_load(&t, cmd) < 0)
	return 1;
    t.source = cli_value(cmd, "source_channel");
    if (t.source == NULL)
	t.source = "l";
    if (pmdfcnf_channel(&t.cfg.cnf, t.source) == NULL) {
	msg_error("no channel \"%s\" in the configuration", t.source);
	test_free(&t);
	return 1;
    }
    if (from)
	str_cpy(&t.from, from);
    else
	str_printf(&t.from, "postmaster@%s", t.cfg.cnf.channels[0].hosts.n
		   ? t.cfg.cnf.channels[0].hosts.v[0] : "localhost");
    if (general_open(NULL, &t.general, &err) < 0
	|| (t.rw = rewrite_new(&t.cfg.cnf, t.cfg.maps, t.general, &err)) == NULL) {
	msg_error("%s", STR_C(err));
	test_free(&t);
	str_free(&err);
	return 1;
    }
    for (i = 0; i < cmd->nparams; i++) {
	any = 1;
	if (!test_one_address(&t, cmd->params[i]))
	    all_ok = 0;
    }
    while (!any && line_read("Address: ", &line) > 0) {
	if (line.len == 0)
	    continue;
	if (!test_one_address(&t, STR_C(line)))
	    all_ok = 0;
	putchar('\n');
    }
    test_free(&t);
    str_free(&err);
    str_free(&line);
    return all_ok ? 0 : 1;
}

/* ---- test -mapping ------------------------------------------------------ */

static int test_one_probe(const MAPPINGS *maps, const char *table, const char *probe)
{
    MAP_RESULT mr;
    STR     err = STR_INIT;
    int     matched = 0;

    map_result_init(&mr);
    if (mapping_apply(maps, table, probe, &mr, &err) < 0)
	printf("*** %s\n", STR_C(err));
    else if (mr.kind == MAP_NOMATCH)
	printf("Input string \"%s\" does not match\n", probe);
    else {
	matched = 1;
	printf("Output string: %s\n", STR_C(mr.text));
	printf("Output flags: [%s%s%s%s]\n",
	       mr.kind == MAP_ALLOW ? "Y" : mr.kind == MAP_DENY ? "N" : "",
	       mr.log ? " <" : "", mr.log_reject ? " >" : "", mr.log_connection ? " T" : "");
    }
    map_result_free(&mr);
    str_free(&err);
    return matched;
}

int     cmd_test_mapping(const CLI_CMD *cmd)
{
    TEST_CTX t;
    STR     table = STR_INIT, line = STR_INIT;
    size_t  i;
    int     all = 1;

    if (test_load(&t, cmd) < 0)
	return 1;
    if (t.cfg.maps == NULL) {
	msg_error("there is no mapping file (PMDF_MAPPING_FILE)");
	test_free(&t);
	return 1;
    }
    if (cli_value(cmd, "table"))
	str_cpy(&table, cli_value(cmd, "table"));
    else if (line_read("Enter table name: ", &table) <= 0) {
	test_free(&t);
	return 1;
    }
    if (!mapping_has(t.cfg.maps, STR_C(table))) {
	msg_error("no mapping table \"%s\"", STR_C(table));
	test_free(&t);
	str_free(&table);
	return 1;
    }
    for (i = 0; i < cmd->nparams; i++)
	if (!test_one_probe(t.cfg.maps, STR_C(table), cmd->params[i]))
	    all = 0;
    while (cmd->nparams == 0 && line_read("Input string: ", &line) > 0) {
	if (line.len && !test_one_probe(t.cfg.maps, STR_C(table), STR_C(line)))
	    all = 0;
    }
    test_free(&t);
    str_free(&table);
    str_free(&line);
    return all ? 0 : 1;
}

/* ---- cnbuild -------------------------------------------------------------- */

static double test_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int     cmd_cnbuild(const CLI_CMD *cmd)
{
    CONFIG  cfg;
    STR     err = STR_INIT, path = STR_INIT;
    double  t0 = test_now();
    int     rc = 1;

    if (lnm_init(&err) < 0 || config_load(&cfg, CONFIG_TEXT, &err) < 0) {
	msg_error("%s", STR_C(err));
	msg_error("the compiled configuration was not changed");
	str_free(&err);
	return 1;
    }
    if (config_compile(&cfg, &path, &err) < 0)
	msg_error("%s", STR_C(err));
    else {
	rc = 0;
	if (cli_present(cmd, "statistics") > 0)
	    printf("%s: %lu rewrite rules, %lu channels, %lu aliases, %lu source files,"
		   " %.3f s\n", STR_C(path), (unsigned long) cfg.cnf.nrules,
		   (unsigned long) cfg.cnf.nchannels,
		   (unsigned long) (cfg.aliases ? alias_count(cfg.aliases) : 0),
		   (unsigned long) cfg.sources.n, test_now() - t0);
    }
    config_free(&cfg);
    str_free(&err);
    str_free(&path);
    return rc;
}
