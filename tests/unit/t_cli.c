/*
 * NAME
 *	t_cli - unit tests for the pmdf command-line parser
 * SYNOPSIS
 *	t_cli
 * DESCRIPTION
 *	Parses Unix and DCL command lines against a table shaped like the
 *	pmdf one and compares a one-line summary of each result (verb path,
 *	every qualifier's state and values, parameters) with what it should
 *	be, so that the two syntaxes can be shown to give identical results.
 *	Also checks the error messages, the accessors, dispatch and help.
 * DIAGNOSTICS
 *	TAP on standard output; exit status 0 when every test passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include "cli.h"
#include "mem.h"
#include "str.h"
#include "tap.h"

static int act_password(const CLI_CMD *cmd)
{
    return cmd->nparams == 0 ? 7 : 8;
}

static const CLI_QUAL password_quals[] = {
    {"create", CLI_DEFAULT | CLI_NEGATABLE, 1, "add or replace an entry"},
    {"delete", CLI_VALUE_NONE, 1, "remove entries"},
    {"show", CLI_VALUE_NONE, 1, "list entries"},
    {"test", CLI_VALUE_NONE, 1, "check a password"},
    {"user", CLI_VALUE_REQUIRED, 0, "user name or pattern"},
    {"service", CLI_VALUE_REQUIRED | CLI_LIST, 0, "services"},
    {"log", CLI_VALUE_OPTIONAL | CLI_NEGATABLE, 0, "log to a file"},
    {NULL, 0, 0, NULL}};

static const CLI_QUAL test_quals[] = {
    {"input", CLI_VALUE_REQUIRED, 0, "read from a file"},
    {NULL, 0, 0, NULL}};

static const CLI_QUAL rewrite_quals[] = {
    {"check", CLI_NEGATABLE, 0, "check the result"},
    {"channel", CLI_VALUE_REQUIRED, 0, "source channel"},
    {NULL, 0, 0, NULL}};

static const CLI_QUAL mapping_quals[] = {
    {"table", CLI_VALUE_REQUIRED, 0, "mapping table"},
    {"flags", CLI_VALUE_OPTIONAL | CLI_LIST, 0, "flags"},
    {NULL, 0, 0, NULL}};

static const CLI_VERB test_verbs[] = {
    {"rewrite", NULL, rewrite_quals, 0, 1, "address", "test rewriting", NULL},
    {"mapping", NULL, mapping_quals, 0, 1, "string", "test a mapping", NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}};

static const CLI_QUAL logical_quals[] = {
    {"full", CLI_NEGATABLE, 0, "show details"},
    {"table", CLI_VALUE_REQUIRED | CLI_LIST, 0, "logical name tables"},
    {NULL, 0, 0, NULL}};

static const CLI_VERB show_verbs[] = {
    {"logical", NULL, logical_quals, 0, 1, "logical-name", "logicals", NULL},
    {"license", NULL, NULL, 0, 0, NULL, "license", NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}};

static const CLI_VERB component_verbs[] = {
    {"dispatcher", NULL, NULL, 0, 0, NULL, "the dispatcher", NULL},
    {"job_controller", NULL, NULL, 0, 0, NULL, "the job controller", NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}};

static const CLI_QUAL filespec_quals[] = {
    {"unix", CLI_VALUE_NONE, 1, "Unix syntax"},
    {"vms", CLI_VALUE_NONE, 1, "VMS syntax"},
    {"unixpath", CLI_VALUE_NONE, 1, "Unix directory path"},
    {"fileify", CLI_VALUE_NONE, 2, "directory as a file"},
    {"pathify", CLI_VALUE_NONE, 2, "directory as a path"},
    {NULL, 0, 0, NULL}};

static const CLI_VERB table[] = {
    {"password", NULL, password_quals, 0, 1, "password",
     "manage the password database", act_password},
    {"test", test_verbs, test_quals, 0, 0, NULL, "test tools", NULL},
    {"show", show_verbs, NULL, 0, 0, NULL, "show things", NULL},
    {"shutdown", component_verbs, NULL, 0, 0, NULL, "stop", NULL},
    {"startup", component_verbs, NULL, 0, 0, NULL, "start", NULL},
    {"filespec", NULL, filespec_quals, 1, CLI_MANY, "file-spec...",
     "convert file specifications", NULL},
    {"qm", NULL, NULL, 0, 0, NULL, "queue manager", NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}};

/* summarize - the whole parse result on one line, through the public API */

static void summarize(const CLI_CMD *cmd, STR *out)
{
    const CLI_QUAL *q;
    size_t level;
    size_t i;

    cli_path_name(cmd, out);
    for (level = 0; level < cmd->depth; level++) {
	for (q = cmd->path[level]->quals; q && q->name; q++) {
	    if (cli_present(cmd, q->name) == 0)
		continue;
	    str_catf(out, " %s%s%s", cli_present(cmd, q->name) < 0 ? "no" : "",
		     q->name, cli_explicit(cmd, q->name) ? "" : "(d)");
	    for (i = 0; i < cli_nvalues(cmd, q->name); i++)
		str_catf(out, "%s%s", i ? "," : "=",
			 cli_value_at(cmd, q->name, i));
	}
    }
    if (cmd->help)
	str_cat(out, " help");
    for (i = 0; i < cmd->nparams; i++)
	str_catf(out, " [%s]", cli_param(cmd, i));
}

/* run - parse the NULL-terminated words, summary or "error: ..." */

static const char *run(STR *out, const char *first, ...)
{
    char *argv[16];
    const char *w;
    int argc = 0;
    va_list ap;
    CLI_CMD cmd;
    STR err = STR_INIT;

    va_start(ap, first);
    for (w = first; w != NULL && argc < 16; w = va_arg(ap, const char *))
	argv[argc++] = mem_strdup(w);
    va_end(ap);
    if (cli_parse(table, argc, argv, &cmd, &err) < 0)
	str_printf(out, "error: %s", STR_C(err));
    else {
	summarize(&cmd, out);
	if (cmd.syntax == CLI_SYNTAX_DCL)
	    str_cat(out, " <dcl>");
    }
    cli_free(&cmd);
    str_free(&err);
    while (argc > 0)
	free(argv[--argc]);
    return STR_C(*out);
}

#define RUN(buf, ...) run((buf), __VA_ARGS__, (const char *) NULL)

/* strip_syntax - summary without the " <dcl>" mark */

static const char *strip_syntax(STR *s)
{
    if (s->len >= 6 && strcmp(s->s + s->len - 6, " <dcl>") == 0)
	str_truncate(s, s->len - 6);
    return STR_C(*s);
}

/* same - the two command lines parse identically (up to the syntax) */

static void same(const char *expect, STR *a, STR *b, const char *name)
{
    strip_syntax(a);
    strip_syntax(b);
    tap_is_str(STR_C(*a), expect, "%s (first form)", name);
    tap_is_str(STR_C(*b), STR_C(*a), "%s (second form identical)", name);
}

static void test_syntaxes(void)
{
    STR a = STR_INIT;
    STR b = STR_INIT;
    const char *pw = "PASSWORD show user=*";

    tap_is_str(RUN(&a, "password", "-show", "-user=*"), pw, "Unix form");
    tap_is_str(RUN(&a, "PASSWORD/SHOW/USER=*"), "PASSWORD show user=* <dcl>",
	       "DCL glued form, one argv word");
    tap_is_str(RUN(&a, "password", "/show", "/user=*"),
	       "PASSWORD show user=* <dcl>", "DCL separate words");
    RUN(&a, "password /show /user=*");
    tap_is_str(strip_syntax(&a), pw, "one quoted word with blanks");
    RUN(&a, "password -show -user=*");
    tap_is_str(strip_syntax(&a), pw, "one quoted word, Unix qualifiers");
    tap_is_str(RUN(&a, "PaSsWoRd", "--SHOW", "--User=MiXed"),
	       "PASSWORD show user=MiXed", "case-blind names, value case kept");
    RUN(&a, "pass", "-sh", "-us=x");
    RUN(&b, "PASS/SH/US:x");
    same("PASSWORD show user=x", &a, &b, "abbreviations and DCL colon");
    RUN(&a, "password/show", "-user=x");
    tap_is_str(strip_syntax(&a), "PASSWORD show user=x",
	       "mixed DCL verb and Unix qualifier");
    str_free(&a);
    str_free(&b);
}

static void test_errors(void)
{
    STR a = STR_INIT;

    tap_is_str(RUN(&a, "password", "-frob"),
	       "error: unknown qualifier \"-frob\" for PASSWORD",
	       "unknown Unix qualifier");
    tap_is_str(RUN(&a, "PASSWORD/FROB=1"),
	       "error: unknown qualifier \"/FROB\" for PASSWORD",
	       "unknown DCL qualifier");
    tap_is_str(RUN(&a, "password", "-s"),
	       "error: ambiguous qualifier \"-s\" for PASSWORD (SHOW, SERVICE)",
	       "ambiguous qualifier");
    tap_is_str(RUN(&a, "pasword"), "error: unknown verb \"pasword\"",
	       "unknown verb");
    tap_is_str(RUN(&a, "sh", "x"),
	       "error: ambiguous verb \"sh\" (SHOW, SHUTDOWN)",
	       "ambiguous verb");
    tap_is_str(RUN(&a, "password", "-user"),
	       "error: missing value for qualifier USER", "missing value");
    tap_is_str(RUN(&a, "PASSWORD/USER="),
	       "error: missing value for qualifier USER", "empty value");
    tap_is_str(RUN(&a, "password", "-create=x"),
	       "error: qualifier CREATE takes no value", "value not allowed");
    tap_is_str(RUN(&a, "password", "-nocreate=x"),
	       "error: qualifier NOCREATE takes no value",
	       "no value on negation");
    tap_is_str(RUN(&a, "password", "a", "b"),
	       "error: too many parameters for PASSWORD: \"b\"",
	       "too many parameters");
    tap_is_str(RUN(&a, "filespec", "-unix"),
	       "error: missing parameter for FILESPEC: file-spec...",
	       "missing parameter");
    tap_is_str(RUN(&a, "password", "-nodelete"),
	       "error: unknown qualifier \"-nodelete\" for PASSWORD",
	       "negating a non-negatable qualifier");
    tap_is_str(RUN(&a, "password", "-user=\"a b"),
	       "error: unterminated quoted string in \"-user=\"a b\"",
	       "unterminated quote");
    tap_is_str(RUN(&a, "PASSWORD//SHOW"),
	       "error: missing qualifier name in \"PASSWORD//SHOW\"",
	       "empty DCL qualifier");
    tap_is_str(RUN(&a, "-frob"), "error: unknown qualifier \"-frob\"",
	       "qualifier without a verb");
    tap_is_str(RUN(&a, "   "), "error: missing verb", "blank command");
    str_free(&a);
}

static void test_qualifiers(void)
{
    STR a = STR_INIT;
    STR b = STR_INIT;

    tap_is_str(RUN(&a, "password"), "PASSWORD create(d)",
	       "default qualifier present");
    RUN(&a, "password", "-nocreate");
    RUN(&b, "PASSWORD/NOCREATE");
    same("PASSWORD nocreate", &a, &b, "negation");
    tap_is_str(RUN(&a, "password", "-noc", "-cr"), "PASSWORD create",
	       "abbreviated negation, last one wins");
    tap_is_str(RUN(&a, "password", "-delete"), "PASSWORD delete",
	       "an explicit group member cancels the default");
    tap_is_str(RUN(&a, "password", "-show", "-delete"),
	       "error: qualifiers SHOW and DELETE are mutually exclusive",
	       "mutual exclusion, in command-line order");
    tap_is_str(RUN(&a, "PASSWORD/DELETE/CREATE"),
	       "error: qualifiers DELETE and CREATE are mutually exclusive",
	       "explicit default conflicts too");
    tap_is_str(RUN(&a, "password", "-log"), "PASSWORD create(d) log",
	       "optional value absent");
    tap_is_str(RUN(&a, "password", "-log=Out.Log", "-user=a", "-user=b"),
	       "PASSWORD create(d) user=b log=Out.Log",
	       "optional value given, repeated qualifier: last wins");
    tap_is_str(RUN(&a, "filespec", "-unix", "x"), "FILESPEC unix [x]",
	       "exact match wins over a longer name");
    tap_is_str(RUN(&a, "filespec", "-uni", "x"),
	       "error: ambiguous qualifier \"-uni\" for FILESPEC"
	       " (UNIX, UNIXPATH)",
	       "prefix of two names is ambiguous");
    tap_is_str(RUN(&a, "filespec", "-unixp", "x"), "FILESPEC unixpath [x]",
	       "unique prefix of the longer name");
    str_free(&a);
    str_free(&b);
}

static void test_values(void)
{
    STR a = STR_INIT;
    STR b = STR_INIT;

    RUN(&a, "password", "-user=\"a b\"");
    RUN(&b, "password /user=\"a b\"");
    same("PASSWORD create(d) user=a b", &a, &b, "quoted value");
    tap_is_str(RUN(&a, "PASSWORD/USER=\"say \"\"hi\"\"\""),
	       "PASSWORD create(d) user=say \"hi\" <dcl>",
	       "DCL doubled quote inside quotes");
    tap_is_str(RUN(&a, "password", "-user=\"a\"\"b c\"d"),
	       "PASSWORD create(d) user=a\"b cd", "quote pair, concatenation");
    tap_is_str(RUN(&a, "PASSWORD/USER=\"a/b\"/SHOW"),
	       "PASSWORD show user=a/b <dcl>", "slash inside quotes");
    RUN(&a, "password", "-service=(smtp,\"imap,x\",pop)");
    RUN(&b, "PASSWORD/SERVICE=(smtp,\"imap,x\",pop)");
    same("PASSWORD create(d) service=smtp,imap,x,pop", &a, &b, "list");
    tap_is_str(RUN(&a, "PASSWORD/SERVICE=(smtp, \" a \" ) /SHOW"),
	       "PASSWORD show service=smtp, a  <dcl>",
	       "blanks around list elements, one word");
    tap_is_str(RUN(&a, "password", "-service=smtp,pop"),
	       "PASSWORD create(d) service=smtp,pop", "list without parens");
    tap_is_str(RUN(&a, "password", "-service=(smtp,,pop)"),
	       "error: missing list element in \"-service=(smtp,,pop)\"",
	       "empty list element");
    tap_is_str(RUN(&a, "password", "-service=(smtp"),
	       "error: missing \")\" in \"-service=(smtp\"", "unclosed list");
    tap_is_str(RUN(&a, "password", "-user=(a,b)"),
	       "PASSWORD create(d) user=(a,b)", "non-list value kept whole");
    str_free(&a);
    str_free(&b);
}

static void test_params(void)
{
    STR a = STR_INIT;
    STR b = STR_INIT;

    tap_is_str(RUN(&a, "filespec", "/pmdf/table/x"),
	       "FILESPEC [/pmdf/table/x]", "Unix path is a parameter");
    tap_is_str(RUN(&a, "filespec", "-vms", "/a/b", "dir/vms", "/"),
	       "FILESPEC vms [/a/b] [dir/vms] [/]",
	       "paths with qualifier-like parts stay parameters in Unix");
    tap_is_str(RUN(&a, "FILESPEC/UNIX", "/pmdf/table"),
	       "error: unknown qualifier \"/pmdf\" for FILESPEC",
	       "in DCL a slash word is a qualifier");
    tap_is_str(RUN(&a, "FILESPEC/FILEIFY", "file.txt/UNIX"),
	       "FILESPEC unix fileify [file.txt] <dcl>",
	       "DCL qualifier glued to a parameter");
    tap_is_str(RUN(&a, "filespec", "--", "-unix", "/vms"),
	       "FILESPEC [-unix] [/vms]", "-- ends qualifiers");
    tap_is_str(RUN(&a, "filespec", "-", "MiXeD"), "FILESPEC [-] [MiXeD]",
	       "lone dash is a parameter, case kept");
    tap_is_str(RUN(&a, "FILESPEC/UNIX", "\"Foo Bar\"", "\"/x/y\""),
	       "FILESPEC unix [Foo Bar] [/x/y] <dcl>",
	       "DCL quoted parameters");
    tap_is_str(RUN(&a, "filespec", "\"j s\"@example.com"),
	       "FILESPEC [\"j s\"@example.com]",
	       "Unix parameters taken as the shell passed them");
    tap_is_str(RUN(&a, "filespec", "/v", "x"), "FILESPEC vms [x] <dcl>",
	       "/v abbreviates a qualifier, so the command is DCL");
    tap_is_str(RUN(&a, "filespec", "/u", "x"),
	       "error: ambiguous qualifier \"/u\" for FILESPEC"
	       " (UNIX, UNIXPATH)",
	       "an ambiguous /abbreviation still makes the command DCL");
    RUN(&a, "filespec", "-pathify", "a", "b", "c");
    RUN(&b, "FILESPEC a/PATHIFY b c");
    same("FILESPEC pathify [a] [b] [c]", &a, &b, "many parameters");
    str_free(&a);
    str_free(&b);
}

static void test_subverbs(void)
{
    STR a = STR_INIT;
    STR b = STR_INIT;
    const char *rw = "TEST REWRITE check [a@b]";

    RUN(&a, "test", "-rewrite", "-check", "a@b");
    RUN(&b, "test", "rewrite", "-check", "a@b");
    same(rw, &a, &b, "sub-verb by qualifier and by keyword");
    RUN(&a, "TEST/REWRITE/CHECK", "a@b");
    RUN(&b, "TEST REWRITE/CHECK a@b");
    same(rw, &a, &b, "DCL sub-verb by qualifier and keyword, one word");
    tap_is_str(RUN(&a, "test", "-check", "-rew", "a@b"), rw,
	       "sub-verb qualifier after its own qualifiers");
    tap_is_str(RUN(&a, "test", "-mapping", "-table=T", "-flags=(x,y)"),
	       "TEST MAPPING table=T flags=x,y", "mapping sub-syntax");
    tap_is_str(RUN(&a, "test", "-mapping", "-check"),
	       "error: unknown qualifier \"-check\" for TEST MAPPING",
	       "qualifiers of the other sub-syntax are unknown");
    tap_is_str(RUN(&a, "test"),
	       "error: missing sub-verb for TEST (REWRITE, MAPPING)",
	       "sub-verb required");
    tap_is_str(RUN(&a, "test", "-rewrite", "-mapping"),
	       "error: qualifiers REWRITE and MAPPING are mutually exclusive",
	       "two sub-verbs exclude each other");
    tap_is_str(RUN(&a, "test", "rewrite", "-input=F", "-rewrite"),
	       "TEST REWRITE input=F",
	       "inherited qualifier, repeated sub-verb");
    RUN(&a, "show", "logical", "-full", "-table=(a,b)", "PMDF_ROOT");
    RUN(&b, "SHOW LOGICAL/FULL/TABLE=(a,b) PMDF_ROOT");
    same("SHOW LOGICAL full table=a,b [PMDF_ROOT]", &a, &b, "show logical");
    tap_is_str(RUN(&a, "show", "log/nofull"),
	       "SHOW LOGICAL nofull <dcl>", "keyword carrying a DCL qualifier");
    tap_is_str(RUN(&a, "show", "foo"),
	       "error: unknown sub-verb \"foo\" for SHOW", "unknown sub-verb");
    tap_is_str(RUN(&a, "show", "l"),
	       "error: ambiguous sub-verb \"l\" for SHOW (LOGICAL, LICENSE)",
	       "ambiguous sub-verb");
    RUN(&a, "startup", "disp");
    RUN(&b, "STARTUP/DISPATCHER");
    same("STARTUP DISPATCHER", &a, &b, "startup dispatcher");
    tap_is_str(RUN(&a, "shut", "job"), "SHUTDOWN JOB_CONTROLLER",
	       "abbreviated verb and keyword");
    str_free(&a);
    str_free(&b);
}

/* capture - what a help function printed */

static void capture_start(FILE **fp)
{
    *fp = tmpfile();
    if (*fp == NULL) {
	perror("tmpfile");
	exit(1);
    }
}

static const char *capture_end(FILE *fp, STR *out)
{
    char buf[512];
    size_t n;

    str_reset(out);
    rewind(fp);
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
	str_catn(out, buf, n);
    fclose(fp);
    return STR_C(*out);
}

static void test_help(void)
{
    STR a = STR_INIT;
    STR out = STR_INIT;
    STR err = STR_INIT;
    CLI_CMD cmd;
    char *words[2];
    FILE *fp;

    tap_is_str(RUN(&a, "password", "-help"), "PASSWORD create(d) help",
	       "-help");
    tap_is_str(RUN(&a, "TEST/HELP"), "TEST help <dcl>",
	       "/HELP without the required sub-verb");
    tap_is_str(RUN(&a, "-help", "test"), " help [test]",
	       "-help before any verb");

    words[0] = mem_strdup("PASSWORD/USER=*");
    tap_is_int(cli_parse(table, 1, words, &cmd, &err), 0, "parse for dispatch");
    tap_is_int(cli_dispatch(table, &cmd), 7, "dispatch runs the action");
    tap_is_str(cli_value(&cmd, "USER"), "*", "cli_value");
    tap_ok(cli_value(&cmd, "service") == NULL && cli_param(&cmd, 0) == NULL,
	   "absent value and parameter are NULL");
    tap_is_int(cli_present(&cmd, "help"), 0, "HELP is always known");
    cli_free(&cmd);
    free(words[0]);

    words[0] = mem_strdup("password");
    words[1] = mem_strdup("-help");
    cli_parse(table, 2, words, &cmd, &err);
    capture_start(&fp);
    cli_help_cmd(table, &cmd, fp);
    capture_end(fp, &out);
    tap_ok(strstr(STR_C(out), "-user=value") != NULL
	       && strstr(STR_C(out), "/USER=value") != NULL
	       && strstr(STR_C(out), "/[NO]CREATE") != NULL
	       && strstr(STR_C(out), "-service=(value,...)") != NULL,
	   "help shows qualifiers in both syntaxes");
    tap_ok(strstr(STR_C(out), "one of: CREATE DELETE SHOW TEST") != NULL,
	   "help shows exclusive groups");
    cli_free(&cmd);
    free(words[0]);
    free(words[1]);

    words[0] = mem_strdup("test");
    words[1] = mem_strdup("-rew");
    capture_start(&fp);
    tap_is_int(cli_help(table, 2, words, fp, &err), 0, "cli_help on a path");
    capture_end(fp, &out);
    tap_ok(strstr(STR_C(out), "TEST REWRITE - test rewriting") != NULL
	       && strstr(STR_C(out), "-[no]check") != NULL
	       && strstr(STR_C(out), "-input=value") != NULL,
	   "sub-verb help includes inherited qualifiers");
    free(words[1]);
    words[1] = mem_strdup("frob");
    capture_start(&fp);
    tap_is_int(cli_help(table, 2, words, fp, &err), -1, "cli_help error");
    capture_end(fp, &out);
    tap_is_str(STR_C(err), "unknown sub-verb \"frob\" for TEST",
	       "cli_help names the word");
    free(words[0]);
    free(words[1]);

    str_free(&a);
    str_free(&out);
    str_free(&err);
}

int main(void)
{
    test_syntaxes();
    test_errors();
    test_qualifiers();
    test_values();
    test_params();
    test_subverbs();
    test_help();
    return tap_done();
}
