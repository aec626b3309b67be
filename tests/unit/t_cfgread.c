/*
 * NAME
 *	t_cfgread - the configuration reader core
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cfgread.h"
#include "optfile.h"
#include "str.h"
#include "tap.h"
#include "tenv.h"

static const char *put(const char *name, const char *text)
{
    tenv_put_text(name, text);
    return tenv_path(name);
}

/* Reads the whole file with opts; lines joined as "N:text|". */
static const char *readall(const char *path, const CFG_OPTS *o, STR *err)
{
    static STR out;
    STR     line = STR_INIT;
    CFG_READER *r;
    int     rc;

    str_reset(&out);
    if ((r = cfg_open(path, o, err)) == NULL)
	return "OPEN FAILED";
    while ((rc = cfg_next(r, &line)) > 0)
	str_catf(&out, "%d:%s|", cfg_lineno(r), STR_C(line));
    if (rc < 0) {
	str_cpy(err, cfg_errtext(r));
	str_cat(&out, "ERROR");
    }
    cfg_close(r);
    str_free(&line);
    return STR_C(out);
}

/* Include fan-out: each file includes the next ten times. */
static void test_fanout(void)
{
    CFG_OPTS o = CFG_OPTS_INIT;
    STR     text = STR_INIT, err = STR_INIT, name = STR_INIT;
    const char *res;
    int     lvl, i;

    put("fan6.cnf", "x\n");
    for (lvl = 5; lvl >= 0; lvl--) {
	str_reset(&text);
	str_printf(&name, "fan%d.cnf", lvl + 1);
	for (i = 0; i < 10; i++)
	    str_catf(&text, "<%s\n", tenv_path(STR_C(name)));
	str_printf(&name, "fan%d.cnf", lvl);
	put(STR_C(name), STR_C(text));
    }
    res = readall(tenv_path("fan0.cnf"), &o, &err);
    tap_ok(strstr(res, "ERROR") != NULL, "10^6 lines by fan-out refused");
    tap_ok(strstr(STR_C(err), "more than 1000 includes in all") != NULL, "named: %s",
	   STR_C(err));
    str_free(&text);
    str_free(&err);
    str_free(&name);
}

/* The NAME=value format with [KIND=name] sections (optfile.h). */
static void test_optfile(void)
{
    CFG_OPTS o = CFG_OPTS_INIT;
    OPTFILE of;
    STR     err = STR_INIT;
    const OPT_SECTION *s;
    const char *a;
    long    v = -1;

    STR     text = STR_INIT;

    str_printf(&text, "! globals\nmin_procs=1\nMIN_PROCS = 2 \n<%s\n[SERVICE=SMTP]",
	       put("inc.cnf", "MAX_CONNS = 16%20\n"));
    str_cat(&text, "\nPORT=25,587\n  image = PMDF_EXE:tcp_smtp_server\n"
	    "[ service = SUBMIT ]\nPORT=587\nMAX_PROCS=x\n");
    a = put("svc.cnf", STR_C(text));
    str_free(&text);
    tap_is_int(optfile_read(a, &o, OPT_SECTIONS, &of, &err), 0, "sectioned file read: %s",
	       STR_C(err));
    tap_is_int((long) of.nsec, 3, "globals and two sections");
    s = optfile_section(&of, "", "");
    tap_is_str(optfile_value(s, "min_procs"), "2", "names case-blind; the later setting wins");
    tap_is_int(optfile_int(s, "MAX_CONNS", 1, 100, &v, &err), 1, "integer from an include");
    tap_is_int(v, 32, "16%%20 is 32");
    tap_is_int(optfile_int(s, "MAX_PROCS", 1, 100, &v, &err), 0, "absent name: 0");
    s = optfile_section(&of, "service", "smtp");
    tap_ok(s != NULL && strcmp(s->kind, "SERVICE") == 0 && strcmp(s->name, "SMTP") == 0,
	   "[SERVICE=SMTP] found case-blind");
    tap_is_str(optfile_value(s, "IMAGE"), "PMDF_EXE:tcp_smtp_server", "value trimmed");
    tap_is_str(optfile_value(s, "MIN_PROCS"), NULL, "sections do not inherit");
    s = optfile_section(&of, "SERVICE", "submit");
    tap_ok(s != NULL, "blanks inside the header allowed");
    tap_is_int(optfile_int(s, "MAX_PROCS", 1, 100, &v, &err), -1, "bad integer");
    tap_ok(strstr(STR_C(err), "svc.cnf:10: MAX_PROCS: \"x\" is not an integer") != NULL,
	   "named as file:line: NAME: %s", STR_C(err));
    tap_ok(strstr(of.sec[1].v[0].file, "svc.cnf") != NULL && of.sec[1].v[0].line == 6,
	   "entries keep file and line");
    optfile_free(&of);

    a = put("dup.cnf", "[POOL=a]\nJOB_LIMIT=1\n[pool=A]\n");
    tap_is_int(optfile_read(a, &o, OPT_SECTIONS, &of, &err), -1, "repeated section refused");
    tap_ok(strstr(STR_C(err), "dup.cnf:3: section [POOL=A] repeated (first at") != NULL,
	   "named: %s", STR_C(err));
    a = put("nosec.cnf", "A=1\n[POOL=a]\n");
    tap_is_int(optfile_read(a, &o, 0, &of, &err), -1, "sections refused without OPT_SECTIONS");
    tap_ok(strstr(STR_C(err), "nosec.cnf:2:") != NULL, "named: %s", STR_C(err));
    a = put("bad1.cnf", "[SERVICE]\n");
    tap_is_int(optfile_read(a, &o, OPT_SECTIONS, &of, &err), -1, "[KIND] without =name");
    a = put("bad2.cnf", "[SERVICE=SMTP\n");
    tap_is_int(optfile_read(a, &o, OPT_SECTIONS, &of, &err), -1, "unclosed header");
    tap_ok(strstr(STR_C(err), "no closing") != NULL, "named: %s", STR_C(err));
    a = put("bad3.cnf", "PORT 25\n");
    tap_is_int(optfile_read(a, &o, OPT_SECTIONS, &of, &err), -1, "line without =");
    tap_ok(strstr(STR_C(err), "bad3.cnf:1: expected NAME=value") != NULL, "named: %s",
	   STR_C(err));
    a = put("bad4.cnf", "MAX PROCS=1\n");
    tap_is_int(optfile_read(a, &o, OPT_SECTIONS, &of, &err), -1, "white space in a name");
    tap_is_int(optfile_read("/nonexistent/d.cnf", &o, OPT_SECTIONS, &of, &err), -1,
	       "missing file");
    str_free(&err);
}

int     main(void)
{
    CFG_OPTS o = CFG_OPTS_INIT;
    STR     err = STR_INIT;
    const char *a, *b;
    char    expect[1200];
    long    v;

    tenv_setup("t_cfgread", NULL);

    a = put("a.cnf", "! comment\nx=1 ! trailing\n\"q!q\"=2\n\ny=\\\n  3\r\nz=4");
    tap_is_str(readall(a, &o, &err), "2:x=1|3:\"q!q\"=2|5:y=  3|7:z=4|",
	       "comments, quotes, blank lines, continuation, CRLF, last line without LF");
    o.keep_blank = 1;
    o.comments = CFG_COMMENT_COL1;
    a = put("b.cnf", "! col1 comment\n  ! not a comment\n\nrule\n");
    tap_is_str(readall(a, &o, &err), "2:  ! not a comment|3:|4:rule|",
	       "column-1 comments; blank lines kept; a comment line is not a blank line");

    o = (CFG_OPTS) CFG_OPTS_INIT;
    b = put("inc.cnf", "included=1\n");
    snprintf(expect, sizeof(expect), "first=0\n<%s\nlast=2\n", b);
    a = put("main.cnf", expect);
    tap_is_str(readall(a, &o, &err), "1:first=0|1:included=1|3:last=2|", "includes");
    snprintf(expect, sizeof(expect), "x=1\n<%s\n", tenv_path("loop.cnf"));
    a = put("loop.cnf", expect);
    tap_is_str(readall(a, &o, &err), "1:x=1|ERROR", "a file including itself");
    snprintf(expect, sizeof(expect), "%s:2: include loop", a);
    tap_ok(strncmp(STR_C(err), expect, strlen(expect)) == 0, "named as file:line: %s", STR_C(err));
    a = put("missing.cnf", "<nonexistent.cnf\n");
    readall(a, &o, &err);
    tap_ok(strstr(STR_C(err), ":1: include: nonexistent.cnf: cannot open") != NULL,
	   "a missing include: %s", STR_C(err));
    tenv_put("nul.cnf", "ok\nbad\0line\n", 12);
    a = tenv_path("nul.cnf");
    tap_is_str(readall(a, &o, &err), "1:ok|ERROR", "a NUL byte stops the reader");
    tap_ok(strstr(STR_C(err), ":2: NUL byte") != NULL, "named: %s", STR_C(err));
    tap_is_str(readall("/nonexistent/x.cnf", &o, &err), "OPEN FAILED", "missing file");
    tap_ok(strstr(STR_C(err), "/nonexistent/x.cnf: cannot open") != NULL, "named: %s", STR_C(err));

    tap_is_int(cfg_parse_int("42", 0, 100, &v, &err), 0, "decimal");
    tap_is_int(v, 42, "value 42");
    tap_is_int(cfg_parse_int("8%777", 0, 1000, &v, &err), 0, "base%%value");
    tap_is_int(v, 511, "8%%777 is 511");
    tap_is_int(cfg_parse_int("16%ff", 0, 1000, &v, &err), 0, "16%%ff");
    tap_is_int(v, 255, "16%%ff is 255");
    tap_is_int(cfg_parse_int("2%102", 0, 1000, &v, &err), -1, "a bad digit for the base");
    tap_is_int(cfg_parse_int("37%1", 0, 1000, &v, &err), -1, "a base above 36");
    tap_ok(strstr(STR_C(err), "radix") != NULL, "named: %s", STR_C(err));
    tap_is_int(cfg_parse_int("1001", 0, 1000, &v, &err), -1, "out of range");
    tap_ok(strstr(STR_C(err), "out of range") != NULL, "named: %s", STR_C(err));
    tap_is_int(cfg_parse_int("12abc", 0, 1000, &v, &err), -1, "trailing garbage");
    tap_is_int(cfg_parse_int("", 0, 1000, &v, &err), -1, "empty");

    test_optfile();
    test_fanout();
    tenv_cleanup();
    str_free(&err);
    return tap_done();
}
