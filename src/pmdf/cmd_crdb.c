/*
 * NAME
 *	cmd_crdb - pmdf crdb: build, update and dump PMDF databases
 * SYNOPSIS
 *	pmdf crdb input-file output-database [-append | -remove | -delete]
 *		[-strip_colons] [-count] [-nostatistics]
 *	pmdf crdb -dump database [output-file | -]
 *	PMDF CRDB input-file output-database /APPEND /REMOVE /STATISTICS ...
 *	PMDF CRDB/DUMP database [output-file]
 * DESCRIPTION
 *	crdb turns a text file into a database (the alias database
 *	PMDF_ALIAS_DATABASE, the general database PMDF_GENERAL_DATABASE, or
 *	any other) opened through the one table interface (dict.h).  Both
 *	parameters are file specs translated through logical names
 *	("PMDF_TABLE:aliases.txt PMDF_TABLE:aliasesdb").
 *
 *	Input format (PMDF's): one entry a line, a left-hand side (the key)
 *	and a right-hand side (the value) separated by one or more spaces or
 *	tabs; the key ends at the first space or tab and must start in
 *	column 1; the value is the rest of the line, trailing white space
 *	removed.  Lines whose first non-blank is "!" are comments; blank lines
 *	are skipped.  Limits are those of PMDF's "huge" databases: keys at
 *	most 252 characters, values at most 1024; no control characters
 *	except tabs inside a value.  -strip_colons drops one colon ending the
 *	key, so an alias file's "name: value" lines can be loaded as they are.
 *
 *	Keys are stored in lower case: PMDF's databases are case-insensitive
 *	("Database entries are case insensitive", alias database), and the
 *	readers (alias.h: the alias database, $(text) general-database
 *	lookups) fold the key the same way.  Values keep their case.
 *
 *	The whole input is read and checked before the database is touched,
 *	and the database is then changed in one transaction: a bad line is
 *	reported as "file:line: message" and the database is left exactly as
 *	it was (it is not even created).  Without -append or -remove the
 *	database ends up holding exactly the input's entries (an existing
 *	database's previous entries are discarded in the same transaction,
 *	as PMDF's fast load builds a new database); a key given twice keeps
 *	its last value (PMDF's /NODUPLICATES rule) and counts as replaced.
 *	-append adds the entries to the database (creating it if needed),
 *	replacing the values of keys already there.  -remove (or PMDF's
 *	-delete) deletes the input's keys; the values are ignored and may be
 *	absent; keys that are not there are counted, not errors.
 *
 *	-dump writes a database back as text, one "key value" line per entry
 *	in key order, to the file named by the second parameter or, when it
 *	is absent or "-", to standard output; the text is valid crdb input,
 *	so dump and build round-trip.  No other qualifier applies to -dump
 *	except -statistics.
 *
 *	-statistics (the default, as in PMDF; -nostatistics turns it off)
 *	reports the entries read, added, replaced, removed and not found, the
 *	previous entries discarded, the entries the database now holds and
 *	the elapsed time; after -dump to standard output it goes to standard
 *	error.  -count reports progress on standard error every 100 entries
 *	(PMDF's /COUNT, off here by default: the load is one transaction).
 *
 *	Not implemented: -duplicates (Berkeley DB B-trees here hold one value
 *	per key), -quoted, -exception_file, -long_records/-huge_records (the
 *	huge limits always apply).  The database is one file with exactly the
 *	name given, in a Berkeley DB environment in its directory (dict.h),
 *	not PMDF's output-database-spec.* family of files.
 * DIAGNOSTICS
 *	Input errors are "file:line: message".  A database that is damaged or
 *	not a Berkeley DB B-tree is refused and left as it was.  Every
 *	failure says that the database was left unchanged; the exit status
 *	is then 1.  If the transaction itself fails (a full disk, or more
 *	changes than the environment's lock table holds: with dict.c's
 *	Berkeley DB defaults somewhere between 100,000 and 200,000 entries
 *	in one run), nothing is changed, but a database this run had to
 *	create remains, empty.  -dump skips, with a warning naming each, the
 *	entries that could not be read back as crdb input (a key with white
 *	space, an empty value, control characters) and then exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include "pmdf.h"
#include "cfgread.h"
#include "dict.h"
#include "lnm.h"
#include "mem.h"
#include "msg.h"
#include "str.h"
#include "strlist.h"

#define CRDB_MAX_KEY	252		/* PMDF huge database: left-hand side */
#define CRDB_MAX_VALUE	1024		/* PMDF huge database: right-hand side */
#define CRDB_COUNT_STEP 100		/* PMDF /COUNT: every 100 entries */

/* Declared in pmdf.h with the other verbs' actions; repeated here so this
 * file stands on its own. */
int     cmd_crdb(const CLI_CMD *cmd);

#define CRDB_BUILD	0
#define CRDB_APPEND	1
#define CRDB_REMOVE	2

typedef struct CRDB_STATS {
    long    read, added, replaced, removed, missing, discarded, now;
} CRDB_STATS;

typedef struct CRDB {
    const CLI_CMD *cmd;
    int     mode;			/* CRDB_BUILD, CRDB_APPEND, CRDB_REMOVE */
    int     strip_colons;
    int     count;
    int     statistics;
    STRLIST keys;			/* the input, checked, keys folded */
    STRLIST values;
    STR     in_path, db_path;
    CRDB_STATS st;
    struct timespec t0;
    STR     err;
} CRDB;

/* ---- statistics --------------------------------------------------------- */

static double crdb_elapsed(const CRDB *c)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double) (t1.tv_sec - c->t0.tv_sec) + (t1.tv_nsec - c->t0.tv_nsec) / 1e9;
}

static void crdb_print_stats(const CRDB *c, FILE *fp)
{
    const CRDB_STATS *s = &c->st;

    fprintf(fp, "crdb statistics for %s:\n", STR_C(c->db_path));
    fprintf(fp, "  entries read:       %ld (from %s)\n", s->read, STR_C(c->in_path));
    if (c->mode != CRDB_REMOVE) {
	fprintf(fp, "  entries added:      %ld\n", s->added);
	fprintf(fp, "  entries replaced:   %ld\n", s->replaced);
    } else {
	fprintf(fp, "  entries removed:    %ld\n", s->removed);
	fprintf(fp, "  keys not found:     %ld\n", s->missing);
    }
    if (c->mode == CRDB_BUILD)
	fprintf(fp, "  previous discarded: %ld\n", s->discarded);
    fprintf(fp, "  entries now:        %ld\n", s->now);
    fprintf(fp, "  elapsed seconds:    %.3f\n", crdb_elapsed(c));
}

/* ---- reading and checking the input -------------------------------------- */

static int crdb_is_blank(int ch)
{
    return ch == ' ' || ch == '\t';
}

static int crdb_has_control(const char *p, size_t n, int allow_tab)
{
    size_t  i;

    for (i = 0; i < n; i++) {
	unsigned char ch = (unsigned char) p[i];

	if ((ch < 0x20 && !(allow_tab && ch == '\t')) || ch == 0x7f)
	    return 1;
    }
    return 0;
}

/* Splits one line into a folded key and a value; why says what is wrong. */
static int crdb_parse_line(const CRDB *c, const char *line, STR *key, STR *value, STR *why)
{
    const char *p = line, *v;
    size_t  klen;

    if (crdb_is_blank((unsigned char) *p)) {
	str_cpy(why, "line starts with white space; the key must begin in column 1");
	return -1;
    }
    while (*p && !crdb_is_blank((unsigned char) *p))
	p++;
    klen = (size_t) (p - line);
    if (c->strip_colons && klen > 0 && line[klen - 1] == ':')
	klen--;
    for (v = p; crdb_is_blank((unsigned char) *v); v++)
	 /* void */ ;
    if (klen == 0) {
	str_cpy(why, "empty key");
	return -1;
    }
    if (klen > CRDB_MAX_KEY) {
	str_printf(why, "key \"%.40s...\" is longer than %d characters", line, CRDB_MAX_KEY);
	return -1;
    }
    if (crdb_has_control(line, klen, 0)) {
	str_cpy(why, "control character in the key");
	return -1;
    }
    str_cpyn(key, line, klen);
    str_lower(key);
    if (*v == 0 && c->mode != CRDB_REMOVE) {
	str_printf(why, "key \"%s\" has no value (key and value are separated by spaces"
		   " or tabs)", STR_C(*key));
	return -1;
    }
    if (strlen(v) > CRDB_MAX_VALUE) {
	str_printf(why, "value of \"%s\" is longer than %d characters", STR_C(*key),
		   CRDB_MAX_VALUE);
	return -1;
    }
    if (crdb_has_control(v, strlen(v), 1)) {
	str_printf(why, "control character in the value of \"%s\"", STR_C(*key));
	return -1;
    }
    str_cpy(value, v);
    return 0;
}

static int crdb_read_input(CRDB *c, const char *spec)
{
    CFG_OPTS opts = CFG_OPTS_INIT;
    CFG_READER *r;
    STR     line = STR_INIT, key = STR_INIT, value = STR_INIT, why = STR_INIT;
    int     n;

    opts.comments = CFG_COMMENT_LINE;
    opts.continuation = 0;
    opts.includes = 0;
    if (lnm_file(spec, LNM_READ, &c->in_path, &c->err) < 0)
	return -1;
    if ((r = cfg_open(STR_C(c->in_path), &opts, &c->err)) == NULL)
	return -1;
    while ((n = cfg_next(r, &line)) > 0) {
	if (crdb_parse_line(c, STR_C(line), &key, &value, &why) < 0) {
	    cfg_error(r, &c->err, "%s", STR_C(why));
	    break;
	}
	strlist_add(&c->keys, STR_C(key));
	strlist_add(&c->values, STR_C(value));
	c->st.read++;
    }
    if (n < 0)
	str_cpy(&c->err, cfg_errtext(r));
    cfg_close(r);
    str_free(&line);
    str_free(&key);
    str_free(&value);
    str_free(&why);
    return n == 0 ? 0 : -1;
}

/* ---- changing the database ------------------------------------------------- */

static int crdb_collect(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    (void) val;
    (void) vlen;
    strlist_addn(ctx, key, klen);
    return 0;
}

static int crdb_counter(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    (void) key, (void) klen, (void) val, (void) vlen;
    ++*(long *) ctx;
    return 0;
}

/* Empties the database inside the open transaction (a fresh build). */
static int crdb_discard(CRDB *c, DICT *db)
{
    STRLIST old = STRLIST_INIT;
    size_t  i;
    int     rc;

    rc = dict_walk(db, NULL, 0, crdb_collect, &old, &c->err);
    for (i = 0; rc == 0 && i < old.n; i++)
	if (dict_del(db, old.v[i], strlen(old.v[i]), &c->err) < 0)
	    rc = -1;
    c->st.discarded = (long) old.n;
    strlist_free(&old);
    return rc;
}

static int crdb_apply_one(CRDB *c, DICT *db, size_t i, STR *scratch)
{
    const char *key = c->keys.v[i], *val = c->values.v[i];
    int     rc;

    if (c->mode == CRDB_REMOVE) {
	if ((rc = dict_del(db, key, strlen(key), &c->err)) > 0)
	    c->st.removed++;
	else if (rc == 0)
	    c->st.missing++;
	return rc < 0 ? -1 : 0;
    }
    if ((rc = dict_get(db, key, strlen(key), scratch, &c->err)) < 0)
	return -1;
    if (rc > 0)
	c->st.replaced++;
    else
	c->st.added++;
    return dict_put(db, key, strlen(key), val, strlen(val), &c->err);
}

static int crdb_apply(CRDB *c, DICT *db)
{
    STR     scratch = STR_INIT;
    size_t  i;
    int     rc = 0;

    if (dict_begin(db, &c->err) < 0)
	return -1;
    if (c->mode == CRDB_BUILD)
	rc = crdb_discard(c, db);
    for (i = 0; rc == 0 && i < c->keys.n; i++) {
	rc = crdb_apply_one(c, db, i, &scratch);
	if (c->count && (i + 1) % CRDB_COUNT_STEP == 0)
	    fprintf(stderr, "pmdf: crdb: %lu entries\n", (unsigned long) (i + 1));
    }
    if (rc == 0)
	rc = dict_walk(db, NULL, 0, crdb_counter, &c->st.now, &c->err);
    if (rc == 0)
	rc = dict_commit(db, &c->err);
    else
	dict_abort(db);
    str_free(&scratch);
    return rc;
}

/*
 * A database this run created stays (empty) if the transaction fails:
 * removing a file behind Berkeley DB's back would break its environment.
 */
static int crdb_update(CRDB *c, const char *out_spec)
{
    DICT   *db;
    int     rc;

    if (lnm_file(out_spec, c->mode == CRDB_REMOVE ? LNM_READ : LNM_CREATE,
		 &c->db_path, &c->err) < 0)
	return -1;
    db = dict_open(STR_C(c->db_path), c->mode == CRDB_REMOVE ? DICT_RDWR
		   : DICT_RDWR | DICT_CREATE, &c->err);
    if (db == NULL)
	return -1;
    rc = crdb_apply(c, db);
    dict_close(db);
    return rc;
}

/* ---- dump --------------------------------------------------------------------- */

typedef struct DUMP_CTX {
    FILE   *fp;
    long    count, skipped;
} DUMP_CTX;

static int crdb_dump_one(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    DUMP_CTX *dc = ctx;
    const char *k = key, *v = val;

    /* Only what crdb could read back: see crdb_parse_line(). */
    if (klen == 0 || klen > CRDB_MAX_KEY || memchr(k, ' ', klen) || crdb_has_control(k, klen, 0)
	|| vlen == 0 || vlen > CRDB_MAX_VALUE || crdb_is_blank((unsigned char) v[0])
	|| crdb_is_blank((unsigned char) v[vlen - 1]) || crdb_has_control(v, vlen, 1)) {
	msg_warn("entry \"%.*s\" cannot be written as a crdb text line; skipped",
		 (int) (klen > 60 ? 60 : klen), k);
	dc->skipped++;
	return 0;
    }
    fprintf(dc->fp, "%.*s %.*s\n", (int) klen, k, (int) vlen, v);
    dc->count++;
    return 0;
}

static int crdb_dump(CRDB *c, const char *db_spec, const char *out_spec)
{
    STR     out_path = STR_INIT;
    DUMP_CTX dc;
    DICT   *db;
    int     rc = -1, to_stdout = out_spec == NULL || strcmp(out_spec, "-") == 0;

    memset(&dc, 0, sizeof(dc));
    dc.fp = stdout;
    if (lnm_file(db_spec, LNM_READ, &c->db_path, &c->err) < 0
	|| (db = dict_open(STR_C(c->db_path), DICT_RDONLY, &c->err)) == NULL)
	return -1;
    if (!to_stdout && (lnm_file(out_spec, LNM_CREATE, &out_path, &c->err) < 0
		       || (dc.fp = fopen(STR_C(out_path), "w")) == NULL)) {
	if (c->err.len == 0)
	    str_printf(&c->err, "%s: cannot create: %s", STR_C(out_path), strerror(errno));
	goto out;
    }
    rc = dict_walk(db, NULL, 0, crdb_dump_one, &dc, &c->err);
    if (!to_stdout && fclose(dc.fp) != 0 && rc == 0) {
	str_printf(&c->err, "%s: write error: %s", STR_C(out_path), strerror(errno));
	rc = -1;
    }
    if (rc < 0 && !to_stdout)
	remove(STR_C(out_path));
    if (rc == 0 && c->statistics)
	fprintf(to_stdout ? stderr : stdout, "crdb statistics for %s:\n"
		"  entries dumped:     %ld (to %s)\n  entries skipped:    %ld\n"
		"  elapsed seconds:    %.3f\n", STR_C(c->db_path), dc.count,
		to_stdout ? "standard output" : STR_C(out_path), dc.skipped, crdb_elapsed(c));
    if (rc == 0 && dc.skipped > 0) {
	str_printf(&c->err, "%ld entries of %s could not be dumped", dc.skipped,
		   STR_C(c->db_path));
	rc = -1;
    }
out:
    dict_close(db);
    str_free(&out_path);
    return rc;
}

/* ---- the verb ------------------------------------------------------------------- */

static int crdb_check_args(CRDB *c, int dump)
{
    if (dump && (cli_explicit(c->cmd, "strip_colons") || cli_explicit(c->cmd, "count"))) {
	str_cpy(&c->err, "-dump takes no qualifier other than -statistics");
	return -1;
    }
    if (!dump && cli_param(c->cmd, 1) == NULL) {
	str_cpy(&c->err, "missing parameter for CRDB: output-database (or use -dump"
		" to write a database as text)");
	return -1;
    }
    return 0;
}

static void crdb_free(CRDB *c)
{
    strlist_free(&c->keys);
    strlist_free(&c->values);
    str_free(&c->in_path);
    str_free(&c->db_path);
    str_free(&c->err);
}

int     cmd_crdb(const CLI_CMD *cmd)
{
    CRDB    c;
    int     dump = cli_present(cmd, "dump") > 0, rc;

    memset(&c, 0, sizeof(c));
    clock_gettime(CLOCK_MONOTONIC, &c.t0);
    c.cmd = cmd;
    c.mode = cli_present(cmd, "remove") > 0 || cli_present(cmd, "delete") > 0 ? CRDB_REMOVE
	: cli_present(cmd, "append") > 0 ? CRDB_APPEND : CRDB_BUILD;
    c.strip_colons = cli_present(cmd, "strip_colons") > 0;
    c.count = cli_present(cmd, "count") > 0;
    c.statistics = cli_present(cmd, "statistics") > 0;
    rc = crdb_check_args(&c, dump);
    if (rc == 0)
	rc = lnm_init(&c.err);
    if (rc == 0 && dump)
	rc = crdb_dump(&c, cli_param(cmd, 0), cli_param(cmd, 1));
    else if (rc == 0) {
	rc = crdb_read_input(&c, cli_param(cmd, 0));
	if (rc == 0)
	    rc = crdb_update(&c, cli_param(cmd, 1));
	if (rc < 0)
	    str_catf(&c.err, "; %s was left unchanged", c.db_path.len ? STR_C(c.db_path)
		     : cli_param(cmd, 1));
	else if (c.statistics)
	    crdb_print_stats(&c, stdout);
    }
    if (rc < 0)
	msg_error("%s", STR_C(c.err));
    crdb_free(&c);
    return rc < 0 ? 1 : 0;
}
