/*
 * NAME
 *	t_tailor - the Unix tailor file and the environment override
 * DESCRIPTION
 *	Writes tailor files to a temporary directory, points PMDF_TAILOR at
 *	them and checks what lnm_init() makes of them: the syntax, and every
 *	malformed line refused with file:line and a message naming the problem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lnm.h"
#include "str.h"
#include "tap.h"
#include "tenv.h"

#define TAILOR "pmdf_tailor"			/* the file tenv_setup() writes */

static STR err;

static int load(const char *text)
{
    tenv_put_text(TAILOR, text);
    lnm_shutdown();
    str_reset(&err);
    return lnm_init(&err);
}

static const char *value(const char *name, int table, int index)
{
    static STR out;
    LNM_ENTRY e;

    str_cpy(&out, "(undefined)");
    if (lnm_lookup(name, table, &e, &err) > 0) {
	if (index < e.count)
	    str_cpy(&out, e.eq[index].value);
	else
	    str_cpy(&out, "(no such index)");
	lnm_entry_free(&e);
    }
    return STR_C(out);
}

static void bad(const char *text, int line, const char *what, const char *name)
{
    char    prefix[400];

    snprintf(prefix, sizeof(prefix), "%s:%d: ", tenv_path(TAILOR), line);
    tap_is_int(load(text), -1, "%s: refused", name);
    tap_ok(strncmp(STR_C(err), prefix, strlen(prefix)) == 0 && strstr(STR_C(err), what),
	   "%s: message has file:line and \"%s\": %s", name, what, STR_C(err));
}

static void test_good(void)
{
    LNM_ENTRY e;
    int     rc;

    rc = load("! a comment line\n"
	      "PMDF_TABLE=/pmdf/table/    ! trailing comment\n"
	      "\n"
	      "  pmdf_queue = /pmdf/queue/\n"
	      "PMDF_PATH=/site/table/, /pmdf/table/\n"
	      "PMDF_TITLE=\"Mail, for \"\"everyone\"\"!\"\r\n"
	      "PMDF_ROOT/CONCEALED=/pmdf/\n"
	      "DKX0/TRANSLATION_ATTRIBUTES=(CONCEALED,TERMINAL)=/disk/\n"
	      "PMDF_SITE/GROUP/SUPERVISOR_MODE=/site/\n"
	      "PMDF_JOBNAME/TABLE=LNM$JOB=/job/\n"
	      "PMDF_LONG=/a/,\\\n"
	      "   /b/\n"
	      "PMDF_CONFIG_FILE=PMDF_ROOT:[TABLE]pmdf.cnf\n");
    tap_is_int(rc, 0, "a good tailor file loads: %s", STR_C(err));
    tap_is_str(value("PMDF_TABLE", LNM_TABLE_SYSTEM, 0), "/pmdf/table/", "NAME=value");
    tap_is_str(value("PMDF_QUEUE", LNM_TABLE_SYSTEM, 0), "/pmdf/queue/",
	       "names are case-blind, blanks around = ignored");
    tap_is_str(value("PMDF_PATH", LNM_TABLE_SYSTEM, 1), "/pmdf/table/", "a comma makes a search list");
    tap_is_str(value("PMDF_TITLE", LNM_TABLE_SYSTEM, 0), "Mail, for \"everyone\"!",
	       "quotes keep commas, \"\" and \"!\"; CRLF accepted");
    tap_is_str(value("PMDF_LONG", LNM_TABLE_SYSTEM, 1), "/b/", "continuation lines");
    tap_is_str(value("PMDF_SITE", LNM_TABLE_GROUP, 0), "/site/", "/GROUP puts it in the group table");
    tap_is_str(value("PMDF_JOBNAME", LNM_TABLE_JOB, 0), "/job/", "/TABLE=LNM$JOB");
    if (lnm_lookup("PMDF_ROOT", LNM_TABLE_ANY, &e, &err) > 0) {
	tap_ok(e.eq[0].attr == LNM_ATTR_CONCEALED && e.mode == LNM_MODE_EXEC,
	       "/CONCEALED, executive mode by default");
	lnm_entry_free(&e);
    } else
	tap_ok(0, "PMDF_ROOT defined");
    if (lnm_lookup("DKX0", LNM_TABLE_ANY, &e, &err) > 0) {
	tap_ok(e.eq[0].attr == (LNM_ATTR_CONCEALED | LNM_ATTR_TERMINAL),
	       "/TRANSLATION_ATTRIBUTES=(CONCEALED,TERMINAL)");
	lnm_entry_free(&e);
    } else
	tap_ok(0, "DKX0 defined");
    if (lnm_lookup("PMDF_SITE", LNM_TABLE_ANY, &e, &err) > 0) {
	tap_is_int(e.mode, LNM_MODE_SUPER, "/SUPERVISOR_MODE");
	lnm_entry_free(&e);
    } else
	tap_ok(0, "PMDF_SITE defined");
    {
	STR     path = STR_INIT;

	lnm_file("PMDF_CONFIG_FILE:", LNM_READ, &path, &err);
	tap_is_str(STR_C(path), "/pmdf/TABLE/pmdf.cnf", "a VMS-style value resolves through the root");
	str_free(&path);
    }
}

static void test_bad(void)
{
    char    text[8192], name[300];
    int     i;
    size_t  n;

    bad("PMDF_TABLE=/x/\nno equals sign here\n", 2, "expected", "a line without =");
    bad("=/x/\n", 1, "expected NAME=value", "a value without a name");
    bad("PMDF_X=\n", 1, "empty equivalence", "an empty value");
    bad("PMDF_X=/a/,,/b/\n", 1, "empty equivalence string 2", "an empty search-list element");
    bad("! c\nPMDF_X/BOGUS=/a/\n", 2, "unknown qualifier \"/BOGUS\"", "an unknown qualifier");
    bad("PMDF_X/CON=/a/\n", 1, "unknown qualifier", "an abbreviation under four letters");
    bad("PMDF_X/TABLE=LNM$NOPE=/a/\n", 1, "unknown logical name table", "an unknown table");
    bad("PMDF_X/TRANSLATION_ATTRIBUTES=(CONCEALED,WEIRD)=/a/\n", 1, "WEIRD",
	"an unknown translation attribute");
    bad("PMDF_X=\"/a/\n", 1, "unterminated", "an unterminated quote");
    bad("PMDF_X=\"/a/\"b\n", 1, "after a quoted", "text after a quoted string");
    bad("PMDF_X=a\"b\n", 1, "quote inside", "a stray quote");
    bad("PMDF_X=/a/\nPMDF_Y=/b/\npmdf_x=/c/\n", 3, "PMDF_X is already defined in LNM$SYSTEM_TABLE at line 1",
	"a name defined twice");
    bad("PMDF_B@D=/a/\n", 1, "invalid character", "a bad character in a name");

    memset(name, 'A', 256);
    name[256] = 0;
    snprintf(text, sizeof(text), "%s=/a/\n", name);
    bad(text, 1, "longer than 255", "a 256-character name");

    strcpy(text, "PMDF_MANY=");
    for (i = 0; i < 129; i++) {
	n = strlen(text);
	snprintf(text + n, sizeof(text) - n, "%s/e%d/", i ? "," : "", i);
    }
    strcat(text, "\n");
    bad(text, 1, "more than 128", "a search list of 129 elements");

    snprintf(text, sizeof(text), "PMDF_LONGV=/%0256d/\n", 0);
    bad(text, 1, "limit is 255", "a 258-character equivalence");

    bad("PMDF_A=/a/\nPMDF_B=/b/\n<\n", 3, "names no file", "an empty include");
}

static void test_environment(void)
{
    LNM_ENTRY e;
    char    missing[400];

    setenv("PMDF_TABLE", "/from/env/", 1);
    setenv("PMDF_ENVLIST", "/e1/,/e2/", 1);
    tap_is_int(load("PMDF_TABLE=/from/tailor/\n"), 0, "tailor with an environment override");
    tap_is_str(value("PMDF_TABLE", LNM_TABLE_ANY, 0), "/from/env/",
	       "the environment (process table) wins");
    tap_is_str(value("PMDF_TABLE", LNM_TABLE_SYSTEM, 0), "/from/tailor/",
	       "the tailor value stays in the system table");
    if (lnm_lookup("PMDF_TABLE", LNM_TABLE_ANY, &e, &err) > 0) {
	tap_ok(e.table == LNM_TABLE_PROCESS && e.mode == LNM_MODE_SUPER,
	       "environment names are process-table, supervisor mode");
	lnm_entry_free(&e);
    } else
	tap_ok(0, "PMDF_TABLE found");
    tap_is_str(value("PMDF_ENVLIST", LNM_TABLE_ANY, 1), "/e2/", "environment search lists");
    tap_is_str(value("PMDF_TAILOR", LNM_TABLE_ANY, 0), "(undefined)",
	       "PMDF_TAILOR itself is not a logical name");
    tap_is_str(value("HOME", LNM_TABLE_ANY, 0), "(undefined)",
	       "other environment variables are not logical names");
    setenv("PMDF_BADENV", "/a/,,", 1);
    tap_is_int(load("PMDF_TABLE=/t/\n"), -1, "a bad environment value is refused");
    tap_ok(strstr(STR_C(err), "environment variable PMDF_BADENV") != NULL,
	   "error names the variable: %s", STR_C(err));
    unsetenv("PMDF_BADENV");
    unsetenv("PMDF_TABLE");
    unsetenv("PMDF_ENVLIST");

    snprintf(missing, sizeof(missing), "%s.missing", tenv_path(TAILOR));
    setenv("PMDF_TAILOR", missing, 1);
    lnm_shutdown();
    tap_is_int(lnm_init(&err), -1, "a PMDF_TAILOR naming no file is an error");
    tap_ok(strstr(STR_C(err), missing) && strstr(STR_C(err), "PMDF_TAILOR"),
	   "error names the file and PMDF_TAILOR: %s", STR_C(err));
    tap_is_int(lnm_lookup("PMDF_TABLE", LNM_TABLE_ANY, &e, &err), -1,
	       "and every later call reports it");
    setenv("PMDF_TAILOR", tenv_path(TAILOR), 1);
}

int     main(void)
{
    tenv_setup("t_tailor", "");
    test_good();
    test_bad();
    test_environment();
    lnm_shutdown();
    tenv_cleanup();
    str_free(&err);
    return tap_done();
}
