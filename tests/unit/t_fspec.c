/*
 * NAME
 *	t_fspec - unit test of fspec (VMS file specifications)
 * SYNOPSIS
 *	t_fspec
 * DESCRIPTION
 *	Runs the public conformance table vms_filespec.txt as it is: one TAP
 *	result per row and column (column 3 without FSPEC_EFS, column 4
 *	with it).  The table is $PMDF_VECTORS/vms_filespec.txt, else
 *	$PMDF_SRCDIR/../shared/vectors/vms_filespec.txt, else
 *	../shared/vectors/vms_filespec.txt; a table that cannot be read is
 *	a failure, never a skip.  Then parses a few specs field by field and
 *	checks that bad specs fail with a message naming the problem.
 * DIAGNOSTICS
 *	TAP on standard output; exit status 0 when everything passed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "fspec.h"
#include "tap.h"

#define MAX_COLS	5

typedef int (*FSPEC_FN) (const char *, int, STR *, STR *);

static const struct {
    const char *name;
    FSPEC_FN fn;
} functions[] = {
    {"unixify", fspec_unixify},
    {"vmsify", fspec_vmsify},
    {"fileify", fspec_fileify},
    {"pathify", fspec_pathify},
    {"unixpath", fspec_unixpath},
    {"vmspath", fspec_vmspath},
    {"File::Spec->canonpath", fspec_canonpath},
};

static FSPEC_FN find_function(const char *name)
{
    size_t  i;

    for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
	if (strcmp(functions[i].name, name) == 0)
	    return functions[i].fn;
    return NULL;
}

/* vectors_path - where the table is, by the rules above */

static void vectors_path(STR *path)
{
    const char *dir;

    if ((dir = getenv("PMDF_VECTORS")) != NULL && *dir)
	str_printf(path, "%s/vms_filespec.txt", dir);
    else if ((dir = getenv("PMDF_SRCDIR")) != NULL && *dir)
	str_printf(path, "%s/../shared/vectors/vms_filespec.txt", dir);
    else
	str_cpy(path, "../shared/vectors/vms_filespec.txt");
}

/* read_line - one line without its newline; 0 at end of file */

static int read_line(FILE *fp, STR *line)
{
    int     c;

    str_reset(line);
    while ((c = getc(fp)) != EOF && c != '\n')
	str_catc(line, c);
    return c != EOF || line->len > 0;
}

/*
 * split_columns - columns separated by runs of white space, "\ " a space
 * inside a column, "#" the start of a comment.  Returns the number of
 * columns (up to MAX_COLS are kept).
 */
static int split_columns(const char *p, STR *cols)
{
    int     n = 0;

    for (;;) {
	while (*p == ' ' || *p == '\t' || *p == '\r')
	    p++;
	if (*p == 0 || *p == '#')
	    return n;
	if (n < MAX_COLS)
	    str_reset(&cols[n]);
	for (; *p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#'; p++) {
	    if (*p == '\\' && p[1] == ' ')
		p++;
	    if (n < MAX_COLS)
		str_catc(&cols[n], *p);
	}
	n++;
    }
}

static const char *lower(STR *s)
{
    str_lower(s);
    return STR_C(*s);
}

/* check - one call against one expectation (NULL: the call must fail) */

static void check(int lineno, const char *rules, FSPEC_FN fn, int flags,
		          const char *func, const char *arg, const char *expect)
{
    STR     out = STR_INIT;
    STR     err = STR_INIT;
    STR     want = STR_INIT;
    int     rc = fn(arg, flags, &out, &err);

    if (expect == NULL) {
	tap_ok(rc == -1 && err.len > 0, "line %d %s: %s('%s') fails%s%s%s",
	       lineno, rules, func, arg, rc == 0 ? ", but gave '" : " (",
	       rc == 0 ? STR_C(out) : STR_C(err), rc == 0 ? "'" : ")");
    } else {
	if (rc != 0)
	    str_printf(&out, "(failed: %s)", STR_C(err));
	str_cpy(&want, expect);
	tap_is_str(lower(&out), lower(&want), "line %d %s: %s('%s') is '%s'",
		   lineno, rules, func, arg, expect);
    }
    str_free(&out);
    str_free(&err);
    str_free(&want);
}

/* run_row - the two results of one table row */

static void run_row(int lineno, STR *cols, int ncols)
{
    const char *arg = STR_C(cols[0]);
    const char *func = STR_C(cols[1]);
    const char *ods2 = STR_C(cols[2]);
    const char *ods5 = ncols > 3 ? STR_C(cols[3]) : "undef";
    FSPEC_FN fn = find_function(func);

    if (fn == NULL || ncols > 4) {
	tap_ok(0, "line %d: bad row (%d columns, function \"%s\")",
	       lineno, ncols, func);
	tap_ok(0, "line %d: bad row (ODS-5 column)", lineno);
	return;
    }
    if (strcmp(ods2, "^") == 0 || strcmp(ods2, "undef") == 0)
	ods2 = NULL;
    if (strcmp(ods5, "^") == 0)
	ods5 = ods2;
    else if (strcmp(ods5, "undef") == 0)
	ods5 = NULL;
    check(lineno, "ODS-2", fn, 0, func, arg, ods2);
    check(lineno, "ODS-5", fn, FSPEC_EFS, func, arg, ods5);
}

/* run_vectors - every row of the table */

static void run_vectors(void)
{
    STR     path = STR_INIT;
    STR     line = STR_INIT;
    STR     cols[MAX_COLS];
    FILE   *fp;
    int     lineno = 0;
    int     rows = 0;
    int     n;
    int     i;

    for (i = 0; i < MAX_COLS; i++)
	str_init(&cols[i]);
    vectors_path(&path);
    if ((fp = fopen(STR_C(path), "r")) == NULL) {
	tap_ok(0, "open conformance table %s", STR_C(path));
	str_free(&path);
	return;
    }
    while (read_line(fp, &line)) {
	lineno++;
	if ((n = split_columns(STR_C(line), cols)) == 0)
	    continue;
	if (n < 3) {
	    tap_ok(0, "line %d: bad row (%d columns)", lineno, n);
	    continue;
	}
	run_row(lineno, cols, n);
	rows++;
    }
    tap_ok(!ferror(fp) && rows > 0, "read %d rows from %s", rows, STR_C(path));
    fclose(fp);
    for (i = 0; i < MAX_COLS; i++)
	str_free(&cols[i]);
    str_free(&line);
    str_free(&path);
}

/* Parsing. */

static void parse_ok(const char *spec, const char *node, const char *dev,
		             const char *dir, const char *name, const char *type,
		             const char *ver)
{
    FSPEC   fs;
    STR     err = STR_INIT;
    STR     back = STR_INIT;

    if (!tap_ok(fspec_parse(spec, &fs, &err) == 0, "parse \"%s\" %s",
		spec, STR_C(err))) {
	str_free(&err);
	return;
    }
    tap_is_str(STR_C(fs.node), node, "  node of \"%s\"", spec);
    tap_is_int(fs.has_node, *node != 0, "  has_node of \"%s\"", spec);
    tap_is_str(STR_C(fs.dev), dev, "  device of \"%s\"", spec);
    tap_is_int(fs.has_dev, *dev != 0, "  has_dev of \"%s\"", spec);
    tap_is_str(STR_C(fs.dir), dir, "  directory of \"%s\"", spec);
    tap_is_int(fs.has_dir, *dir != 0, "  has_dir of \"%s\"", spec);
    tap_is_str(STR_C(fs.name), name, "  name of \"%s\"", spec);
    tap_is_str(STR_C(fs.type), type, "  type of \"%s\"", spec);
    tap_is_str(STR_C(fs.ver), ver, "  version of \"%s\"", spec);
    fspec_format(&fs, &back);
    if (strchr(spec, '<') == NULL)
	tap_is_str(STR_C(back), spec, "  fspec_format gives \"%s\" back", spec);
    fspec_free(&fs);
    str_free(&back);
    str_free(&err);
}

static void test_parse(void)
{
    parse_ok("node::dev:[dir.sub]name.typ;5",
	     "node", "dev", "[dir.sub]", "name", ".typ", ";5");
    parse_ok("DKA0:<PMDF.TABLE>pmdf.cnf",
	     "", "DKA0", "[PMDF.TABLE]", "pmdf", ".cnf", "");
    parse_ok("[a^.b]c^.d^_e.txt;-1",
	     "", "", "[a^.b]", "c^.d^_e", ".txt", ";-1");
    parse_ok("name.type.12", "", "", "", "name", ".type", ".12");
    parse_ok("x^;y.z;", "", "", "", "x^;y", ".z", ";");
    parse_ok("node\"user pw\"::file.", "node\"user pw\"", "", "", "file", ".", "");
    parse_ok("PMDF_ROOT:[PMDF.][TABLE]x.cnf",
	     "", "PMDF_ROOT", "[PMDF.][TABLE]", "x", ".cnf", "");
    parse_ok("sys$login:", "", "sys$login", "", "", "", "");
    parse_ok("[-.a...b]*.*;*", "", "", "[-.a...b]", "*", ".*", ";*");
    parse_ok("", "", "", "", "", "", "");
}

/* parse_bad - spec must fail, and the message must name problem and spec */

static void parse_bad(const char *spec, const char *problem)
{
    FSPEC   fs;
    STR     err = STR_INIT;
    int     rc = fspec_parse(spec, &fs, &err);
    char    quoted[80];

    tap_ok(rc == -1, "bad spec \"%.40s\" is refused", spec);
    tap_ok(strstr(STR_C(err), problem) != NULL,
	   "  its message names the problem \"%s\": %s", problem, STR_C(err));
    snprintf(quoted, sizeof(quoted), "\"%.20s", spec);
    tap_ok(strstr(STR_C(err), quoted) != NULL, "  its message names the spec");
    if (rc == 0)
	fspec_free(&fs);
    str_free(&err);
}

static void test_parse_bad(void)
{
    STR     big = STR_INIT;
    int     i;

    parse_bad("X:[A.B", "unbalanced brackets");
    parse_bad("[A.B>", "mismatched brackets");
    parse_bad("<a]", "mismatched brackets");
    parse_bad("X:[A][B]", "more than one directory");
    parse_bad("[A]x[B]", "more than one directory");
    parse_bad("X:A.B]", "unbalanced brackets");
    parse_bad("x.y^", "dangling \"^\"");
    parse_bad(":[a]b", "empty device name");
    parse_bad("a.b;1x", "after the version");
    parse_bad("a.b;1;2", "after the version");
    parse_bad("[a..b]", "empty directory name");
    parse_bad("[a.--b]", "invalid directory name");
    for (i = 0; i < FSPEC_MAXLEN + 1; i++)
	str_catc(&big, 'a');
    parse_bad(STR_C(big), "longer than 4095");
    str_truncate(&big, FSPEC_MAXLEN);
    tap_ok(fspec_unixify(STR_C(big), 0, &big, NULL) == 0,
	   "a spec of exactly %d bytes is accepted", FSPEC_MAXLEN);
    str_free(&big);
}

/* Conversions beyond the table. */

static void conv(FSPEC_FN fn, const char *fname, int flags, const char *arg,
		         const char *expect)
{
    STR     out = STR_INIT;
    STR     err = STR_INIT;
    int     rc = fn(arg, flags, &out, &err);

    if (expect == NULL)
	tap_ok(rc == -1 && err.len > 0, "%s(\"%s\") fails: %s", fname, arg,
	       rc ? STR_C(err) : STR_C(out));
    else
	tap_is_str(rc == 0 ? STR_C(out) : STR_C(err), expect,
		   "%s%s(\"%s\")", fname, flags ? "/efs" : "", arg);
    str_free(&out);
    str_free(&err);
}

static void test_more(void)
{
    STR     s = STR_INIT;

    conv(fspec_unixify, "unixify", 0, "PMDF_ROOT:[PMDF.][TABLE]x.cnf",
	 "/PMDF_ROOT/PMDF/TABLE/x.cnf");
    conv(fspec_unixify, "unixify", 0, "dev:[000000]x.y;3", "/dev/x.y;3");
    conv(fspec_unixify, "unixify", 0, "[a.b]x%.c", "/sys$disk/a/b/x?.c");
    conv(fspec_unixify, "unixify", 0, "a^20b^U00E9.c", "a b\xc3\xa9.c");
    conv(fspec_unixify, "unixify", 0, "node::dev:[a]b", NULL);
    conv(fspec_unixify, "unixify", 0, "[a.--b]", NULL);
    conv(fspec_vmsify, "vmsify", 0, "a.b.c", "a_b.c");
    conv(fspec_vmsify, "vmsify", FSPEC_EFS, "a.b.c", "a^.b.c");
    conv(fspec_vmsify, "vmsify", FSPEC_EFS, "/d/x.", "d:x^.");
    conv(fspec_vmsify, "vmsify", 0, "/x", "sys$disk:[000000]x");
    conv(fspec_vmsify, "vmsify", 0, "a/-b/c", "[.a.^-b]c");
    conv(fspec_vmsify, "vmsify", 0, "dev:[a]b.c;2", "dev:[a]b.c;2");
    conv(fspec_fileify, "fileify", 0, "DEV:[000000]", "DEV:[000000]000000.DIR;1");
    conv(fspec_fileify, "fileify", 0, "dev:[a]", "dev:[000000]a.dir;1");
    conv(fspec_fileify, "fileify", 0, "dev:[a.][b]", "dev:[a.][000000]b.dir;1");
    conv(fspec_fileify, "fileify", 0, "dev:[a.b.-.c]", "dev:[a]c.dir;1");
    conv(fspec_fileify, "fileify", 0, "/a/b/c/..", "/a/b.dir;1");
    conv(fspec_fileify, "fileify", 0, "[]", NULL);
    conv(fspec_fileify, "fileify", 0, "a/..", NULL);
    conv(fspec_fileify, "fileify", 0, "a/b.dir;1", "a/b.dir;1");
    conv(fspec_fileify, "fileify", FSPEC_EFS, "a/b.c;1", "a/b.c.dir;1");
    conv(fspec_fileify, "fileify", FSPEC_EFS, "a/b.c;3", NULL);
    conv(fspec_fileify, "fileify", 0, "dev:[a]b.txt", NULL);
    conv(fspec_pathify, "pathify", 0, "dev:[000000]a.dir", "dev:[a]");
    conv(fspec_pathify, "pathify", 0, "dev:[a.][000000]b.dir", "dev:[a.][b]");
    conv(fspec_pathify, "pathify", 0, "dev:a.dir;1", "dev:[.a]");
    conv(fspec_canonpath, "canonpath", 0, "dev:<a.b.-.c>x", "dev:[a.c]x");
    conv(fspec_canonpath, "canonpath", 0, "[000000.a.-]x", "[000000]x");
    conv(fspec_canonpath, "canonpath", 0, "[]x.y", "x.y");
    conv(fspec_canonpath, "canonpath", 0, "[.-.-]", "[--]");
    conv(fspec_canonpath, "canonpath", 0, "a//b/./c/", "[.a.b.c]");
    conv(fspec_vmsify, "vmsify", 0, "", NULL);
    tap_ok(fspec_is_vms("dev:x") && fspec_is_vms("[a]x") && fspec_is_vms("x;1")
	   && !fspec_is_vms("x.c") && !fspec_is_vms("/a:b") && !fspec_is_vms("a^;b"),
	   "fspec_is_vms tells VMS specs from Unix paths");
    str_cpy(&s, "[a.b]c");
    tap_ok(fspec_unixify(STR_C(s), 0, &s, NULL) == 0
	   && strcmp(STR_C(s), "/sys$disk/a/b/c") == 0,
	   "spec may point into out: %s", STR_C(s));
    str_free(&s);
}

int     main(void)
{
    run_vectors();
    test_parse();
    test_parse_bad();
    test_more();
    return tap_done();
}
