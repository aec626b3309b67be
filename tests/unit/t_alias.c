/*
 * NAME
 *	t_alias - the alias file, the alias database, the general database
 * DESCRIPTION
 *	Writes a private instance to a temporary directory with tenv.h (a
 *	tailor file with PMDF_TABLE pointing there, PMDF_TAILOR naming it,
 *	every other PMDF_ variable removed), then checks: alias file parsing
 *	(case, comments, continuations, includes through logical names,
 *	quoted commas) and every malformed line refused with file:line; the
 *	alias database consulted before the file; expansion (nesting, mailing
 *	lists, self-reference, loops, duplicates, the depth and output
 *	bounds); and general-database lookups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "alias.h"
#include "dict.h"
#include "str.h"
#include "strlist.h"
#include "tap.h"
#include "tenv.h"

/* Loads PMDF_TABLE:<file> with no database. */
static int load(const char *file, ALIASES **a, STR *err)
{
    char    spec[200];

    snprintf(spec, sizeof(spec), "PMDF_TABLE:%s", file);
    str_reset(err);
    return alias_load(spec, "PMDF_TABLE:no-such-db", a, err);
}

/* A bad alias file must be refused with "<dir>/bad.aliases:line: ...what...". */
static void bad(const char *text, int line, const char *what, const char *name)
{
    STR     err = STR_INIT;
    ALIASES *a = NULL;
    char    prefix[400];

    tenv_put_text("bad.aliases", text);
    snprintf(prefix, sizeof(prefix), "%s:%d: ", tenv_path("bad.aliases"), line);
    tap_is_int(load("bad.aliases", &a, &err), -1, "%s: refused", name);
    tap_ok(a == NULL && strncmp(STR_C(err), prefix, strlen(prefix)) == 0
	   && strstr(STR_C(err), what) != NULL,
	   "%s: file:line and \"%s\": %s", name, what, STR_C(err));
    alias_free(a);
    str_free(&err);
}

/* Expands name; returns the addresses joined by "," (or the error). */
static const char *expand(ALIASES *a, const char *name, int *rc)
{
    static STR joined;
    STRLIST out = STRLIST_INIT;
    STR     err = STR_INIT;
    size_t  i;

    str_reset(&joined);
    *rc = alias_expand(a, name, &out, &err);
    if (*rc < 0)
	str_cpy(&joined, STR_C(err));
    for (i = 0; *rc >= 0 && i < out.n; i++) {
	if (i)
	    str_catc(&joined, ',');
	str_cat(&joined, out.v[i]);
    }
    strlist_free(&out);
    str_free(&err);
    return STR_C(joined);
}

static void test_parse(void)
{
    STR     err = STR_INIT;
    STRLIST t = STRLIST_INIT;
    ALIASES *a = NULL;

    tenv_put_text("aliases",
		  "! the test alias file\n"
		  "PostMaster: root\n"
		  "   ! an indented comment\n"
		  "\n"
		  "team: Alice@Example.COM, bob, \\\n"
		  "      carol@example.org,\\\n"
		  "      dave\n"
		  "bang: host!user, \"last, first\"@example.com\n"
		  "<PMDF_TABLE:more.aliases\n"
		  "tail: end@example.com\n");
    tenv_put_text("more.aliases", "included: inc@example.com\n<PMDF_TABLE:deeper.aliases\n");
    tenv_put_text("deeper.aliases", "deeper: deep@example.com\n");
    tap_is_int(alias_load(NULL, NULL, &a, &err), 0, "the default alias file PMDF_TABLE:aliases"
	       " loads: %s", STR_C(err));
    if (a == NULL)
	return;
    tap_is_int((long) alias_count(a), 6, "six aliases, two of them from includes");
    tap_ok(alias_db_path(a) == NULL, "no alias database: none is used");
    tap_is_int((long) alias_files(a)->n, 3, "three files were read");
    tap_is_str(alias_files(a)->n ? alias_files(a)->v[0] : "", tenv_path("aliases"),
	       "the first is the alias file");
    tap_is_int(alias_lookup(a, "POSTMASTER", &t, &err), 1, "names are case-blind");
    tap_is_str(t.n ? t.v[0] : "", "root", "and the value is kept");
    strlist_reset(&t);
    tap_is_int(alias_lookup(a, "team", &t, &err), 1, "a continued alias");
    tap_is_int((long) t.n, 4, "has all four addresses of its three lines");
    tap_is_str(t.n == 4 ? t.v[0] : "", "Alice@Example.COM", "address case is preserved");
    tap_is_str(t.n == 4 ? t.v[3] : "", "dave", "the last address of the last line");
    strlist_reset(&t);
    tap_is_int(alias_lookup(a, "bang", &t, &err), 1, "a bang path is data, not a comment");
    tap_ok(t.n == 2 && strcmp(t.v[0], "host!user") == 0
	   && strcmp(t.v[1], "\"last, first\"@example.com") == 0,
	   "a comma inside quotes does not split");
    strlist_reset(&t);
    tap_is_int(alias_lookup(a, "deeper", &t, &err), 1, "an alias from a nested include");
    tap_is_int(alias_lookup(a, "nobody", &t, &err), 0, "an unknown name is no alias");
    strlist_free(&t);
    alias_free(a);
    str_free(&err);
}

static void test_errors(void)
{
    STR     err = STR_INIT;
    ALIASES *a = NULL;
    char    prefix[400];
    char    long_name[80];

    bad("ok: x\nno colon here\n", 2, "missing colon", "a line without a colon");
    bad("ok: x\nspaced : x\n", 2, "white space before the colon", "a space before the colon");
    bad("tabbed\t: x\n", 1, "white space before the colon", "a tab before the colon");
    bad("ok: x\nempty:\n", 2, "empty expansion", "an empty expansion");
    bad("empty:   \n", 1, "empty expansion", "an expansion of blanks only");
    bad("two: a,,b\n", 1, "empty address", "two commas");
    bad("comma: a, b,\n", 1, "empty address", "a comma at the end");
    bad("ok: x\nOK: y\n", 2, "duplicate alias \"ok\"", "a duplicate alias, case-blind");
    bad(": x\n", 1, "empty alias name", "an empty alias name");
    bad("  lead: x\n", 1, "starts with white space", "white space before the name");
    bad("q: \"open, x\n", 1, "unterminated quoted string", "an unterminated quote");
    bad("x: a,\\\n b\nbroken line\n", 3, "missing colon", "the line after a continuation");
    bad("cont: a,\\\n b,,\\\n c\n", 1, "empty address", "an error in a continued line is"
	" reported at its first line");
    memset(long_name, 'n', 61);
    long_name[61] = 0;
    {
	char    text[120];

	snprintf(text, sizeof(text), "%s: x\n", long_name);
	bad(text, 1, "longer than 60", "an alias name over 60 characters");
    }
    /* The message of the duplicate names the first definition. */
    tenv_put_text("bad.aliases", "dup: x\nDUP: y\n");
    load("bad.aliases", &a, &err);
    snprintf(prefix, sizeof(prefix), "first defined at %s:1", tenv_path("bad.aliases"));
    tap_ok(strstr(STR_C(err), prefix) != NULL, "the duplicate message names the first place: %s",
	   STR_C(err));
    /* Errors inside an include name the included file. */
    tenv_put_text("bad2.aliases", "fine: x\n<PMDF_TABLE:inc-bad.aliases\n");
    tenv_put_text("inc-bad.aliases", "one: x\ntwo x\n");
    tap_is_int(load("bad2.aliases", &a, &err), -1, "an error in an included file is refused");
    snprintf(prefix, sizeof(prefix), "%s:2: missing colon", tenv_path("inc-bad.aliases"));
    tap_ok(strncmp(STR_C(err), prefix, strlen(prefix)) == 0, "and named with its file:line: %s",
	   STR_C(err));
    tenv_put_text("bad3.aliases", "<PMDF_TABLE:not-there.aliases\n");
    tap_is_int(load("bad3.aliases", &a, &err), -1, "a missing include is an error");
    tap_ok(strstr(STR_C(err), "not-there.aliases") != NULL, "naming it: %s", STR_C(err));
    /* PMDF: includes nest three levels deep, not four. */
    tenv_put_text("n0.aliases", "n0: x\n<PMDF_TABLE:n1.aliases\n");
    tenv_put_text("n1.aliases", "n1: x\n<PMDF_TABLE:n2.aliases\n");
    tenv_put_text("n2.aliases", "n2: x\n<PMDF_TABLE:n3.aliases\n");
    tenv_put_text("n3.aliases", "n3: x\n");
    tap_is_int(load("n0.aliases", &a, &err), 0, "includes nested three levels: %s", STR_C(err));
    alias_free(a);
    tenv_put_text("n3.aliases", "n3: x\n<PMDF_TABLE:n4.aliases\n");
    tenv_put_text("n4.aliases", "n4: x\n");
    tap_is_int(load("n0.aliases", &a, &err), -1, "a fourth level is refused");
    tap_ok(strstr(STR_C(err), "nested deeper") != NULL, "saying so: %s", STR_C(err));
    tenv_put_text("loop.aliases", "l: x\n<PMDF_TABLE:loop.aliases\n");
    tap_is_int(load("loop.aliases", &a, &err), -1, "a file including itself is refused");
    tap_is_int(load("absent.aliases", &a, &err), 0, "a missing alias file means no aliases");
    tap_is_int(a ? (long) alias_count(a) : -1, 0, "  (none)");
    alias_free(a);
    str_free(&err);
}

static void test_expand(void)
{
    STR     err = STR_INIT, text = STR_INIT;
    STRLIST out = STRLIST_INIT;
    ALIASES *a = NULL;
    int     rc, i, j;

    str_cpy(&text,
	    "top: mid, direct@example.com\n"
	    "mid: leaf, Mid@Example.com\n"
	    "leaf: someone\n"
	    "staff: Staff, boss@example.com\n"
	    "a1: b1\nb1: a1\n"
	    "x1: x2, ok@example.com\nx2: x3\nx3: x1\n"
	    "dups: u@example.com, U@example.com, u@EXAMPLE.COM, bob, BOB, Bob@x.org\n"
	    "diamond: l1, l2\nl1: common, u1\nl2: common, u2\ncommon: c@example.com\n"
	    "list: <PMDF_TABLE:staff.dis\n"
	    "badlist: <PMDF_TABLE:none.dis\n"
	    "looplist: <PMDF_TABLE:loop.dis\n");
    /* A chain c0 -> c1 -> ... -> c21 -> end: c2..c21 are 20 levels. */
    for (i = 0; i <= 21; i++)
	str_catf(&text, "c%d: %s%d%s\n", i, i < 21 ? "c" : "end", i + 1, i < 21 ? "" : "@x");
    /* g0..g10: 1000 addresses each; big10 = 10 groups, big11 = 11. */
    for (i = 0; i <= 10; i++) {
	str_catf(&text, "g%d: ", i);
	for (j = 0; j < 1000; j++)
	    str_catf(&text, "%su%d.%d@x", j ? ", " : "", i, j);
	str_catc(&text, '\n');
    }
    str_cat(&text, "big10: g0, g1, g2, g3, g4, g5, g6, g7, g8, g9\n");
    str_cat(&text, "big11: big10, g10\n");
    tenv_put_text("expand.aliases", STR_C(text));
    tenv_put_text("staff.dis", "! the staff list\nann@example.com\nleaf, joe@example.com\n");
    tenv_put_text("loop.dis", "looplist\n");
    if (load("expand.aliases", &a, &err) < 0) {
	tap_diag("cannot load: %s", STR_C(err));
	tap_ok(0, "expansion tests need the file");
	return;
    }
    tap_is_str(expand(a, "top", &rc), "someone,Mid@Example.com,direct@example.com",
	       "nested aliases expand depth first, in order");
    tap_is_int(rc, 1, "  and top is an alias");
    tap_is_str(expand(a, "TOP", &rc), "someone,Mid@Example.com,direct@example.com",
	       "the top name is case-blind");
    expand(a, "nobody", &rc);
    tap_is_int(rc, 0, "a name that is no alias returns 0");
    tap_is_str(expand(a, "staff", &rc), "Staff,boss@example.com",
	       "an alias naming itself delivers to its own mailbox (PMDF)");
    tap_is_int(rc, 1, "  without an error");
    tap_is_str(expand(a, "a1", &rc), "alias loop: a1 -> b1 -> a1", "a two-alias loop is reported");
    tap_is_int(rc, -1, "  as an error");
    tap_is_str(expand(a, "x1", &rc), "alias loop: x1 -> x2 -> x3 -> x1", "a three-alias loop");
    tap_is_str(expand(a, "b1", &rc), "alias loop: b1 -> a1 -> b1", "entered from the other end");
    tap_is_str(expand(a, "dups", &rc), "u@example.com,U@example.com,bob,Bob@x.org",
	       "duplicates dropped: domains and bare names case-blind, local parts exact");
    tap_is_str(expand(a, "diamond", &rc), "c@example.com,u1,u2",
	       "an alias reached twice is expanded once");
    tap_is_str(expand(a, "list", &rc), "ann@example.com,someone,joe@example.com",
	       "a <file mailing list, with an alias inside");
    expand(a, "badlist", &rc);
    tap_is_int(rc, -1, "a missing mailing list file is an error");
    tap_ok(strstr(expand(a, "badlist", &rc), "none.dis") != NULL, "  naming it");
    tap_ok(strstr(expand(a, "looplist", &rc), "alias loop: looplist -> <") != NULL,
	   "a list naming its own alias is a loop: %s", expand(a, "looplist", &rc));
    tap_is_str(expand(a, "c2", &rc), "end22@x", "20 levels of nesting are allowed");
    tap_is_int(rc, 1, "  without an error");
    expand(a, "c1", &rc);
    tap_is_int(rc, -1, "21 levels are not");
    tap_ok(strstr(expand(a, "c1", &rc), "nested deeper than 20 levels: c1 -> c2") != NULL,
	   "  and the message shows the chain");
    expand(a, "big10", &rc);
    tap_is_int(rc, 1, "10000 addresses are allowed");
    strlist_add(&out, "already@there");
    tap_is_int(alias_expand(a, "big10", &out, &err), 1, "appended to a list");
    tap_is_int((long) out.n, 10001, "  after what was there");
    strlist_reset(&out);
    strlist_add(&out, "already@there");
    tap_is_int(alias_expand(a, "big11", &out, &err), -1, "10001 addresses are not");
    tap_ok(strstr(STR_C(err), "more than 10000 addresses") != NULL, "  saying so: %s",
	   STR_C(err));
    tap_ok(out.n == 1 && strcmp(out.v[0], "already@there") == 0,
	   "a failed expansion leaves the list as it was");
    strlist_free(&out);
    alias_free(a);
    str_free(&err);
    str_free(&text);
}

static int db_put(DICT *d, const char *k, const char *v)
{
    STR     err = STR_INIT;
    int     rc = dict_put(d, k, strlen(k), v, strlen(v), &err);

    if (rc < 0)
	tap_diag("%s", STR_C(err));
    str_free(&err);
    return rc;
}

static void test_database(void)
{
    STR     err = STR_INIT, val = STR_INIT;
    STRLIST t = STRLIST_INIT;
    ALIASES *a = NULL;
    DICT   *d, *g = NULL;
    int     rc;

    d = dict_open(tenv_path("aliasesdb"), DICT_RDWR | DICT_CREATE, &err);
    tap_ok(d != NULL, "an alias database: %s", STR_C(err));
    if (d == NULL)
	return;
    db_put(d, "postmaster", "dbadmin@example.com");
    db_put(d, "dbonly", "Team, x@Example.com");
    db_put(d, "dbself", "dbself, y@example.com");
    db_put(d, "dbloop", "fileloop");
    db_put(d, "broken", "a,,b");
    dict_close(d);
    tenv_put_text("aliases", "postmaster: root\nteam: alice, bob\nfileloop: dbloop\n");
    tap_is_int(alias_load(NULL, NULL, &a, &err), 0, "the default alias database"
	       " PMDF_TABLE:aliasesdb is found: %s", STR_C(err));
    if (a == NULL)
	return;
    tap_is_str(alias_db_path(a) ? alias_db_path(a) : "", tenv_path("aliasesdb"), "  and used");
    tap_is_int(alias_lookup(a, "PostMaster", &t, &err), 1, "a name in both");
    tap_is_str(t.n ? t.v[0] : "", "dbadmin@example.com", "  comes from the database, first");
    strlist_reset(&t);
    tap_is_int(alias_lookup(a, "DBONLY", &t, &err), 1, "database keys are case-blind");
    tap_is_str(expand(a, "dbonly", &rc), "alice,bob,x@Example.com",
	       "a database alias expands into file aliases");
    tap_is_str(expand(a, "dbself", &rc), "dbself,y@example.com",
	       "self-reference works in the database too");
    tap_is_str(expand(a, "dbloop", &rc), "alias loop: dbloop -> fileloop -> dbloop",
	       "a loop through database and file is found");
    expand(a, "broken", &rc);
    tap_is_int(rc, -1, "a malformed database value is an error");
    tap_ok(strstr(expand(a, "broken", &rc), "aliasesdb: alias \"broken\": empty address") != NULL,
	   "  naming the database and the alias: %s", expand(a, "broken", &rc));
    tap_is_str(expand(a, "team", &rc), "alice,bob", "file-only aliases still work");
    alias_free(a);
    strlist_free(&t);

    tenv_put_text("garbage.db", "this is not a Berkeley DB file at all, just text. ");
    tenv_put_text("aliases", "x: y\n");
    tap_is_int(alias_load(NULL, "PMDF_TABLE:garbage.db", &a, &err), -1,
	       "a damaged alias database is refused");
    tap_ok(strstr(STR_C(err), "garbage.db") != NULL, "  naming it: %s", STR_C(err));

    /* The general database: PMDF_GENERAL_DATABASE from the tailor file. */
    tap_is_int(general_open(NULL, &g, &err), 0, "no general database yet: 0");
    tap_ok(g == NULL, "  and no handle");
    tap_is_int(general_lookup(NULL, "key", &val, &err), 0, "lookups without one find nothing");
    d = dict_open(tenv_path("general.db"), DICT_RDWR | DICT_CREATE, &err);
    if (d != NULL) {
	db_put(d, "example.com", "TCP-DAEMON");
	db_put(d, "k", "Value With Case");
	dict_close(d);
    }
    tap_is_int(general_open(NULL, &g, &err), 1, "the general database opens: %s", STR_C(err));
    tap_is_int(general_lookup(g, "EXAMPLE.com", &val, &err), 1, "lookup is case-blind");
    tap_is_str(STR_C(val), "TCP-DAEMON", "  and gives the value");
    tap_is_int(general_lookup(g, "K", &val, &err), 1, "another key");
    tap_is_str(STR_C(val), "Value With Case", "  values keep their case");
    tap_is_int(general_lookup(g, "missing.org", &val, &err), 0, "an absent key: 0");
    tap_is_int(general_lookup(g, "", &val, &err), 0, "an empty key: 0");
    dict_close(g);
    tap_is_int(general_open("PMDF_TABLE:garbage.db", &g, &err), -1,
	       "a damaged general database is refused");
    str_free(&err);
    str_free(&val);
}

static void test_split(void)
{
    STRLIST t = STRLIST_INIT;
    STR     err = STR_INIT;
    char    addr[300];

    tap_is_int(alias_split("a, b ,c", &t, &err), 0, "alias_split trims");
    tap_ok(t.n == 3 && strcmp(t.v[1], "b") == 0, "  three addresses");
    strlist_reset(&t);
    strlist_add(&t, "keep");
    tap_is_int(alias_split("a,", &t, &err), -1, "a trailing comma is refused");
    tap_is_int((long) t.n, 1, "  and nothing is appended");
    memset(addr, 'a', 253);
    strcpy(addr + 253, "@x");
    tap_is_int(alias_split(addr, &t, &err), -1, "an address over 252 characters is refused");
    tap_ok(strstr(STR_C(err), "longer than 252") != NULL, "  saying so");
    strlist_free(&t);
    str_free(&err);
}

int     main(void)
{
    tenv_setup("t_alias", "! t_alias instance\nPMDF_TABLE=@DIR@/\n"
	       "PMDF_GENERAL_DATABASE=PMDF_TABLE:general.db\n");
    test_parse();
    test_errors();
    test_split();
    test_expand();
    test_database();
    tenv_cleanup();
    return tap_done();
}
