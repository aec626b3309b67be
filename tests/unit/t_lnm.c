/*
 * NAME
 *	t_lnm - semantic tests of the logical-name layer
 * DESCRIPTION
 *	Built twice: against the Unix back-end (t_lnm_unix) and against the
 *	VMS back-end running on the in-tree SYS$TRNLNM stand-in (t_lnm_vms).
 *	Only the public interface (lnm.h) is used, so both must behave alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lnm.h"
#include "str.h"
#include "strlist.h"
#include "tap.h"
#include "tenv.h"

static STR err;

static int def(int table, const char *name, const char *value, unsigned attr)
{
    const char *v[1];
    int     rc;

    v[0] = value;
    rc = lnm_define(table, name, v, 1, attr, LNM_MODE_EXEC, &err);
    if (rc < 0)
	tap_diag("define %s: %s", name, STR_C(err));
    return rc;
}

static int def_list(int table, const char *name, const char *a, const char *b)
{
    const char *v[2];

    v[0] = a;
    v[1] = b;
    return lnm_define(table, name, v, 2, 0, LNM_MODE_SUPER, &err);
}

/* Resolves spec and returns its candidates joined with " | ", or "ERROR: msg". */
static const char *resolve(const char *spec)
{
    static STR out;
    STRLIST l = STRLIST_INIT;
    size_t  i;

    str_reset(&out);
    if (lnm_file_candidates(spec, &l, &err) < 0) {
	str_printf(&out, "ERROR: %s", STR_C(err));
    } else {
	for (i = 0; i < l.n; i++)
	    str_catf(&out, "%s%s", i ? " | " : "", l.v[i]);
    }
    strlist_free(&l);
    return STR_C(out);
}

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

static void test_basics(void)
{
    LNM_ENTRY e;
    STR     v = STR_INIT;
    unsigned attr = 0;

    tap_is_int(def(LNM_TABLE_SYSTEM, "t_case", "/a/", 0), 0, "define a system name");
    tap_is_int(lnm_lookup("T_CASE", LNM_TABLE_ANY, &e, &err), 1, "found upper case");
    tap_is_str(e.name, "T_CASE", "names are stored upper case");
    tap_is_int(e.table, LNM_TABLE_SYSTEM, "found in the system table");
    tap_is_int(e.mode, LNM_MODE_EXEC, "access mode kept");
    lnm_entry_free(&e);
    tap_is_int(lnm_lookup("t_Case", LNM_TABLE_ANY, &e, &err), 1, "lookup is case-blind");
    lnm_entry_free(&e);
    tap_is_int(lnm_translate("t_case", 0, &v, &attr, &err), 1, "translate index 0");
    tap_is_str(STR_C(v), "/a/", "equivalence keeps its case");
    tap_is_int(lnm_translate("t_case", 1, &v, &attr, &err), 0, "index 1 of a one-element name");
    tap_is_int(lnm_lookup("T_NOSUCH", LNM_TABLE_ANY, &e, &err), 0, "undefined name");
    str_free(&v);
}

static void test_tables(void)
{
    LNM_ENTRY e;

    def(LNM_TABLE_SYSTEM, "T_ORDER", "system", 0);
    def(LNM_TABLE_GROUP, "T_ORDER", "group", 0);
    lnm_lookup("T_ORDER", LNM_TABLE_ANY, &e, &err);
    tap_is_str(e.eq[0].value, "group", "group table before system");
    lnm_entry_free(&e);
    def(LNM_TABLE_JOB, "T_ORDER", "job", 0);
    lnm_lookup("T_ORDER", LNM_TABLE_ANY, &e, &err);
    tap_is_str(e.eq[0].value, "job", "job table before group");
    lnm_entry_free(&e);
    def(LNM_TABLE_PROCESS, "T_ORDER", "process", 0);
    lnm_lookup("T_ORDER", LNM_TABLE_ANY, &e, &err);
    tap_is_str(e.eq[0].value, "process", "process table first");
    tap_is_int(e.table, LNM_TABLE_PROCESS, "reports the process table");
    lnm_entry_free(&e);
    lnm_lookup("T_ORDER", LNM_TABLE_SYSTEM, &e, &err);
    tap_is_str(e.eq[0].value, "system", "a single table can be asked for");
    lnm_entry_free(&e);
    tap_is_int(lnm_deassign(LNM_TABLE_PROCESS, "t_order", &err), 1, "deassign");
    lnm_lookup("T_ORDER", LNM_TABLE_ANY, &e, &err);
    tap_is_str(e.eq[0].value, "job", "after deassign the job table shows through");
    lnm_entry_free(&e);
    tap_is_int(lnm_deassign(LNM_TABLE_PROCESS, "t_order", &err), 0, "deassign twice finds none");
    def(LNM_TABLE_SYSTEM, "T_ORDER", "system2", 0);
    lnm_lookup("T_ORDER", LNM_TABLE_SYSTEM, &e, &err);
    tap_is_str(e.eq[0].value, "system2", "redefinition supersedes");
    lnm_entry_free(&e);
}

static void test_limits(void)
{
    const char *v[LNM_MAX_INDEX + 1];
    char    vals[LNM_MAX_INDEX + 1][16], name[LNM_MAX_NAME + 2], longval[LNM_MAX_EQUIV + 2];
    LNM_ENTRY e;
    STR     out = STR_INIT;
    int     i;

    for (i = 0; i <= LNM_MAX_INDEX; i++) {
	snprintf(vals[i], sizeof(vals[i]), "/sl%d/", i);
	v[i] = vals[i];
    }
    tap_is_int(lnm_define(LNM_TABLE_PROCESS, "T_SL128", v, LNM_MAX_INDEX, 0,
			  LNM_MODE_USER, &err), 0, "a search list of 128 elements");
    tap_is_int(lnm_lookup("T_SL128", LNM_TABLE_ANY, &e, &err), 1, "looked up");
    tap_is_int(e.count, 128, "all 128 elements come back");
    tap_is_str(e.eq[127].value, "/sl127/", "element 127 in order");
    lnm_entry_free(&e);
    tap_is_int(lnm_translate("T_SL128", 64, &out, NULL, &err), 1, "by index 64");
    tap_is_str(STR_C(out), "/sl64/", "index 64 is the 65th element");
    tap_is_int(lnm_translate("T_SL128", 128, &out, NULL, &err), -1, "index 128 is out of range");
    tap_is_int(lnm_define(LNM_TABLE_PROCESS, "T_SL129", v, LNM_MAX_INDEX + 1, 0,
			  LNM_MODE_USER, &err), -1, "129 elements refused");
    tap_ok(contains(STR_C(err), "128") && contains(STR_C(err), "T_SL129"),
	   "error names the limit and the name: %s", STR_C(err));

    memset(name, 'N', LNM_MAX_NAME);
    name[LNM_MAX_NAME] = 0;
    tap_is_int(def(LNM_TABLE_PROCESS, name, "x", 0), 0, "a 255-character name");
    name[LNM_MAX_NAME] = 'N';
    name[LNM_MAX_NAME + 1] = 0;
    tap_is_int(lnm_define(LNM_TABLE_PROCESS, name, v, 1, 0, LNM_MODE_USER, &err), -1,
	       "a 256-character name refused");
    tap_ok(contains(STR_C(err), "255"), "error names the limit: %s", STR_C(err));
    tap_is_int(lnm_lookup(name, LNM_TABLE_ANY, &e, &err), -1, "lookup of a 256-character name fails");

    memset(longval, 'v', LNM_MAX_EQUIV + 1);
    longval[LNM_MAX_EQUIV + 1] = 0;
    tap_is_int(def(LNM_TABLE_PROCESS, "T_LONGVAL", longval, 0), -1,
	       "a 256-character equivalence refused");
    tap_ok(contains(STR_C(err), "255"), "error names the limit: %s", STR_C(err));
    tap_is_int(def(LNM_TABLE_PROCESS, "T_BAD NAME", "x", 0), -1, "a blank in a name refused");
    tap_is_int(def(LNM_TABLE_PROCESS, "", "x", 0), -1, "an empty name refused");
    str_free(&out);
}

static void test_iteration(void)
{
    char    name[16], value[32];
    int     i;

    /* D1 -> D2 -> ... -> D10 -> a directory: ten translations. */
    for (i = 1; i <= 10; i++) {
	snprintf(name, sizeof(name), "T_D%d", i);
	if (i < 10)
	    snprintf(value, sizeof(value), "T_D%d:", i + 1);
	else
	    snprintf(value, sizeof(value), "/deep/");
	def(LNM_TABLE_SYSTEM, name, value, 0);
    }
    def(LNM_TABLE_SYSTEM, "T_D0", "T_D1:", 0);
    tap_is_str(resolve("T_D1:x.txt"), "/deep/x.txt", "ten levels of translation succeed");
    tap_ok(contains(resolve("T_D0:x.txt"), "more than 10 levels"),
	   "eleven levels fail: %s", resolve("T_D0:x.txt"));

    def(LNM_TABLE_SYSTEM, "T_LA", "T_LB:", 0);
    def(LNM_TABLE_SYSTEM, "T_LB", "T_LA:[SUB]", 0);
    tap_ok(contains(resolve("T_LA:x"), "loop: T_LA -> T_LB -> T_LA"),
	   "a loop is reported with its chain: %s", resolve("T_LA:x"));
    def(LNM_TABLE_SYSTEM, "T_SELF", "T_SELF:", 0);
    tap_ok(contains(resolve("T_SELF:x"), "loop"), "a name translating to itself is a loop");

    /* CONCEALED and TERMINAL stop iteration: T_C2 is never consulted. */
    def(LNM_TABLE_SYSTEM, "T_C2", "/must/not/", 0);
    def(LNM_TABLE_SYSTEM, "T_C1", "T_C2:[X]", LNM_ATTR_CONCEALED);
    tap_is_str(resolve("T_C1:y.z"), "/T_C2/X/y.z", "a concealed equivalence stops translation");
    def(LNM_TABLE_SYSTEM, "T_T1", "T_C2:[X]", LNM_ATTR_TERMINAL);
    tap_is_str(resolve("T_T1:y.z"), "/T_C2/X/y.z", "a terminal equivalence stops translation");
    def(LNM_TABLE_SYSTEM, "T_N1", "T_C2:[X]", 0);
    tap_is_str(resolve("T_N1:y.z"), "/must/not/X/y.z", "without the attribute it goes on");

    tap_ok(contains(resolve("T_UNDEFINED:x"), "not a defined logical name"),
	   "an undefined device is an error: %s", resolve("T_UNDEFINED:x"));
    tap_ok(contains(resolve("T_C1:[A.B"), "bracket"),
	   "unbalanced brackets are an error: %s", resolve("T_C1:[A.B"));
}

static void test_rooted(void)
{
    def(LNM_TABLE_SYSTEM, "T_UROOT", "/srv/pmdf/", 0);
    tap_is_str(resolve("T_UROOT:[TABLE]x.cnf"), "/srv/pmdf/TABLE/x.cnf",
	       "a Unix directory acts as a root");
    tap_is_str(resolve("T_UROOT:[000000]x.cnf"), "/srv/pmdf/x.cnf", "[000000] is the top");
    tap_is_str(resolve("T_UROOT:[TABLE.SUB]x.cnf"), "/srv/pmdf/TABLE/SUB/x.cnf",
	       "subdirectories below the root");
    tap_is_str(resolve("T_UROOT:x.cnf;3"), "/srv/pmdf/x.cnf", "versions are dropped");
    tap_is_str(resolve("T_UROOT:"), "/srv/pmdf/", "the name alone is the directory");

    def(LNM_TABLE_SYSTEM, "T_VROOT", "DKA0:[PMDF.]", LNM_ATTR_CONCEALED);
    def(LNM_TABLE_SYSTEM, "T_VTABLE", "T_VROOT:[TABLE]", 0);
    tap_is_str(resolve("T_VTABLE:x.cnf"), "/DKA0/PMDF/TABLE/x.cnf",
	       "rooted VMS equivalence merges directories");
    tap_is_str(resolve("T_VROOT:[000000]x.cnf"), "/DKA0/PMDF/x.cnf", "[000000] of a VMS root");
    tap_is_str(resolve("T_VROOT:[A.B]x"), "/DKA0/PMDF/A/B/x", "deeper below a VMS root");
    tap_is_str(resolve("T_VROOT:x"), "/DKA0/PMDF/x", "no directory: the root itself");

    def(LNM_TABLE_SYSTEM, "T_NROOT", "DKA0:[A.B]", LNM_ATTR_TERMINAL);
    tap_is_str(resolve("T_NROOT:x"), "/DKA0/A/B/x", "non-rooted directory is used");
    tap_is_str(resolve("T_NROOT:[C]x"), "/DKA0/C/x", "the spec's own directory replaces it");
    tap_is_str(resolve("T_NROOT:[.C]x"), "/DKA0/A/B/C/x", "a relative directory goes below it");

    def(LNM_TABLE_SYSTEM, "T_CFILE", "/pmdf/table/pmdf.cnf", 0);
    tap_is_str(resolve("T_CFILE:"), "/pmdf/table/pmdf.cnf", "a file equivalence");
    tap_is_str(resolve("T_CFILE:other.cnf"), "/pmdf/table/other.cnf",
	       "the spec's name replaces the file name");
    tap_is_str(resolve("/etc/hosts"), "/etc/hosts", "a Unix path passes through");
    tap_is_str(resolve("plain.txt"), "plain.txt", "a bare file name passes through");
    tap_is_str(resolve("[.sub]f.txt"), "sub/f.txt", "a VMS spec without a device is converted");
}

static void test_search_lists(void)
{
    char    d1[300], d2[300], d3[300], f2[320], expect[1024];
    STR     path = STR_INIT;
    FILE   *fp;

    snprintf(d1, sizeof(d1), "%s/one/", tenv_dir());
    snprintf(d2, sizeof(d2), "%s/two/", tenv_dir());
    snprintf(d3, sizeof(d3), "%s/three/", tenv_dir());
    mkdir(d1, 0700);
    mkdir(d2, 0700);
    snprintf(f2, sizeof(f2), "%sonly2.txt", d2);
    tenv_put_text(f2, "two\n");

    def_list(LNM_TABLE_SYSTEM, "T_SL", d1, d2);
    snprintf(expect, sizeof(expect), "%sonly2.txt | %sonly2.txt", d1, d2);
    tap_is_str(resolve("T_SL:only2.txt"), expect, "one candidate per element, in order");
    tap_is_int(lnm_file("T_SL:only2.txt", LNM_READ, &path, &err), 0, "read resolves");
    tap_is_str(STR_C(path), f2, "reading takes the first element where the file exists");
    lnm_file("T_SL:only2.txt", LNM_CREATE, &path, &err);
    snprintf(expect, sizeof(expect), "%sonly2.txt", d1);
    tap_is_str(STR_C(path), expect, "creating takes the first element");
    lnm_file("T_SL:absent.txt", LNM_READ, &path, &err);
    snprintf(expect, sizeof(expect), "%sabsent.txt", d1);
    tap_is_str(STR_C(path), expect, "a file in no element reads from the first");
    fp = lnm_fopen("T_SL:only2.txt", "r", &path, &err);
    tap_ok(fp != NULL, "lnm_fopen reads through the search list");
    if (fp)
	fclose(fp);
    tap_ok(lnm_fopen("T_SL:absent.txt", "r", NULL, &err) == NULL
	   && contains(STR_C(err), "T_SL:absent.txt") && contains(STR_C(err), "absent.txt"),
	   "a failed open names the spec and the path: %s", STR_C(err));

    def_list(LNM_TABLE_SYSTEM, "T_NEST", "T_SL:", d3);
    snprintf(expect, sizeof(expect), "%sf | %sf | %sf", d1, d2, d3);
    tap_is_str(resolve("T_NEST:f"), expect, "nested search lists expand depth first");

    /* The cache must not outlive a redefinition. */
    def(LNM_TABLE_SYSTEM, "T_CACHE", "/first/", 0);
    tap_is_str(resolve("T_CACHE:x"), "/first/x", "before redefinition");
    tap_is_str(resolve("T_CACHE:x"), "/first/x", "cached");
    def(LNM_TABLE_SYSTEM, "T_CACHE", "/second/", 0);
    tap_is_str(resolve("T_CACHE:x"), "/second/x", "redefinition invalidates the cache");
    lnm_deassign(LNM_TABLE_SYSTEM, "T_CACHE", &err);
    tap_ok(contains(resolve("T_CACHE:x"), "not a defined"), "deassign invalidates the cache");
    unlink(f2);
    rmdir(d1);
    rmdir(d2);
    str_free(&path);
}

static void collect_trace(int level, const LNM_ENTRY *ent, void *ctx)
{
    str_catf((STR *) ctx, "%d:%s=%s;", level, ent->name, ent->eq[0].value);
}

static void collect_list(const LNM_ENTRY *ent, void *ctx)
{
    str_catf((STR *) ctx, "%s(%s) ", ent->name, lnm_table_name(ent->table));
}

static void test_trace_list(void)
{
    STR     out = STR_INIT;

    def(LNM_TABLE_SYSTEM, "T_TR1", "T_TR2:", 0);
    def(LNM_TABLE_SYSTEM, "T_TR2", "T_TR3:[X]", 0);
    def(LNM_TABLE_SYSTEM, "T_TR3", "/end/", 0);
    tap_is_int(lnm_trace("T_TR1", LNM_TABLE_ANY, collect_trace, &out, &err), 1, "trace");
    tap_is_str(STR_C(out), "0:T_TR1=T_TR2:;1:T_TR2=T_TR3:[X];2:T_TR3=/end/;",
	       "trace shows every level");
    str_reset(&out);
    tap_is_int(lnm_trace("T_LA", LNM_TABLE_ANY, collect_trace, &out, &err), -1,
	       "trace reports a loop");
    tap_ok(contains(STR_C(err), "loop"), "with the word loop: %s", STR_C(err));

    str_reset(&out);
    def(LNM_TABLE_GROUP, "T_W_B", "b", 0);
    def(LNM_TABLE_SYSTEM, "T_W_A", "a", 0);
    def(LNM_TABLE_SYSTEM, "T_W_AB", "ab", 0);
    lnm_list("t_w_*", LNM_TABLE_ANY, collect_list, &out, &err);
    tap_is_str(STR_C(out), "T_W_B(LNM$GROUP) T_W_A(LNM$SYSTEM_TABLE) T_W_AB(LNM$SYSTEM_TABLE) ",
	       "wildcard listing, table by table, sorted");
    str_reset(&out);
    lnm_list("T_W_%", LNM_TABLE_SYSTEM, collect_list, &out, &err);
    tap_is_str(STR_C(out), "T_W_A(LNM$SYSTEM_TABLE) ", "%% matches one character, one table");
    str_free(&out);
}

static void test_attributes(void)
{
    LNM_ENTRY e;

    def(LNM_TABLE_SYSTEM, "T_ATTR", "DKB0:[X.]", LNM_ATTR_CONCEALED | LNM_ATTR_TERMINAL);
    lnm_lookup("T_ATTR", LNM_TABLE_ANY, &e, &err);
    tap_is_int((long) e.eq[0].attr, (long) (LNM_ATTR_CONCEALED | LNM_ATTR_TERMINAL),
	       "attributes come back");
    lnm_entry_free(&e);
}

int     main(void)
{
    /* An empty tailor file, and no PMDF_ variables from the caller. */
    tenv_setup("t_lnm", "");
    if (lnm_init(&err) < 0) {
	printf("Bail out! lnm_init: %s\n", STR_C(err));
	return 1;
    }
    test_basics();
    test_tables();
    test_limits();
    test_iteration();
    test_rooted();
    test_search_lists();
    test_trace_list();
    test_attributes();
    lnm_shutdown();
    tenv_cleanup();
    str_free(&err);
    return tap_done();
}
