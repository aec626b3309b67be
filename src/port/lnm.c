/*
 * NAME
 *	lnm - logical names, the semantics common to every platform
 * DESCRIPTION
 *	See lnm.h for the interface and the semantics; lnm_impl.h for the
 *	back-end contract.  This file validates, translates iteratively,
 *	merges rooted and non-rooted directories, expands search lists into
 *	candidate files and caches the results.
 *
 *	The state here (initialisation status and the translation cache) is
 *	per process, like the VMS process's own view of its logical names.
 * DIAGNOSTICS
 *	Every error names the logical name or file spec that failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <unistd.h>
#include "lnm.h"
#include "lnm_impl.h"
#include "fspec.h"
#include "htab.h"
#include "wildmat.h"
#include "mem.h"
#include "msg.h"

#define LNM_CACHE_MAX 1024

static int lnm_state;			/* 0 not yet, 1 ready, -1 failed */
static STR lnm_init_err;
static HTAB *lnm_cache;			/* file spec -> STRLIST of candidates */

static const char *const table_names[LNM_NTABLES] = {
    "LNM$PROCESS_TABLE", "LNM$JOB", "LNM$GROUP", "LNM$SYSTEM_TABLE",
};

static const char *const mode_names[4] = {"kernel", "exec", "super", "user"};

const char *lnm_table_name(int table)
{
    return table >= 0 && table < LNM_NTABLES ? table_names[table] : "LNM$FILE_DEV";
}

/* A table by name, case-blind: -2 when unknown, LNM_TABLE_ANY for LNM$FILE_DEV. */
int     lnm_table_by_name(const char *name)
{
    static const struct {
	const char *name;
	int     table;
    }       map[] = {
	{"LNM$PROCESS_TABLE", LNM_TABLE_PROCESS}, {"LNM$PROCESS", LNM_TABLE_PROCESS},
	{"PROCESS", LNM_TABLE_PROCESS}, {"LNM$JOB", LNM_TABLE_JOB}, {"JOB", LNM_TABLE_JOB},
	{"LNM$GROUP", LNM_TABLE_GROUP}, {"GROUP", LNM_TABLE_GROUP},
	{"LNM$SYSTEM_TABLE", LNM_TABLE_SYSTEM}, {"LNM$SYSTEM", LNM_TABLE_SYSTEM},
	{"SYSTEM", LNM_TABLE_SYSTEM}, {"LNM$FILE_DEV", LNM_TABLE_ANY},
    };
    size_t  i, j;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
	for (j = 0; map[i].name[j] && name[j]
	     && map[i].name[j] == toupper((unsigned char) name[j]); j++)
	     /* void */ ;
	if (map[i].name[j] == 0 && name[j] == 0)
	    return map[i].table;
    }
    return -2;
}

const char *lnm_mode_name(int mode)
{
    return mode >= 0 && mode < 4 ? mode_names[mode] : "?";
}

void    lnm_entry_init(LNM_ENTRY *ent)
{
    memset(ent, 0, sizeof(*ent));
}

void    lnm_entry_free(LNM_ENTRY *ent)
{
    int     i;

    for (i = 0; i < ent->count && i < LNM_MAX_INDEX; i++) {
	free(ent->eq[i].value);
	ent->eq[i].value = NULL;
    }
    ent->count = 0;
}

static void lnm_cache_free_value(void *v)
{
    STRLIST *l = v;

    strlist_free(l);
    free(l);
}

static void lnm_cache_flush(void)
{
    if (lnm_cache) {
	htab_free(lnm_cache, lnm_cache_free_value);
	lnm_cache = NULL;
    }
}

int     lnm_init(STR *err)
{
    if (lnm_state == 0) {
	lnm_state = lnm_be_init(&lnm_init_err) < 0 ? -1 : 1;
    }
    if (lnm_state < 0) {
	str_cpy(err, STR_C(lnm_init_err));
	return -1;
    }
    return 0;
}

void    lnm_shutdown(void)
{
    lnm_cache_flush();
    if (lnm_state > 0)
	lnm_be_shutdown();
    str_free(&lnm_init_err);
    lnm_state = 0;
}

/* Names: 1..255 characters of letters, digits and $ _ - . */
int     lnm_valid_name(const char *name, STR *err)
{
    size_t  len = strlen(name), i;

    if (len == 0) {
	str_cpy(err, "empty logical name");
	return -1;
    }
    if (len > LNM_MAX_NAME) {
	str_printf(err, "logical name \"%.40s...\" is %lu characters long; the limit is %d",
		   name, (unsigned long) len, LNM_MAX_NAME);
	return -1;
    }
    for (i = 0; i < len; i++) {
	unsigned char c = (unsigned char) name[i];

	if (!isalnum(c) && c != '$' && c != '_' && c != '-' && c != '.') {
	    str_printf(err, "logical name \"%s\" contains an invalid character %s%c%s",
		       name, isprint(c) ? "\"" : "0x", isprint(c) ? c : '?',
		       isprint(c) ? "\"" : "");
	    return -1;
	}
    }
    return 0;
}

static void lnm_upper(const char *name, char *out)
{
    size_t  i;

    for (i = 0; name[i] && i < LNM_MAX_NAME; i++)
	out[i] = (char) toupper((unsigned char) name[i]);
    out[i] = 0;
}

static int lnm_prepare(const char *name, char *upper, STR *err)
{
    if (lnm_init(err) < 0)
	return -1;
    if (lnm_valid_name(name, err) < 0)
	return -1;
    lnm_upper(name, upper);
    return 0;
}

int     lnm_lookup(const char *name, int table, LNM_ENTRY *ent, STR *err)
{
    char    upper[LNM_MAX_NAME + 1];

    lnm_entry_init(ent);
    if (table < LNM_TABLE_ANY || table >= LNM_NTABLES) {
	str_printf(err, "no such logical name table %d", table);
	return -1;
    }
    if (lnm_prepare(name, upper, err) < 0)
	return -1;
    return lnm_be_lookup(upper, table, ent, err);
}

int     lnm_translate(const char *name, int index, STR *value, unsigned *attr, STR *err)
{
    LNM_ENTRY ent;
    int     rc;

    if (index < 0 || index >= LNM_MAX_INDEX) {
	str_printf(err, "index %d for logical name %s is out of range (0 to %d)",
		   index, name, LNM_MAX_INDEX - 1);
	return -1;
    }
    if ((rc = lnm_lookup(name, LNM_TABLE_ANY, &ent, err)) <= 0)
	return rc;
    if (index >= ent.count) {
	lnm_entry_free(&ent);
	return 0;
    }
    str_cpy(value, ent.eq[index].value);
    if (attr)
	*attr = ent.eq[index].attr;
    lnm_entry_free(&ent);
    return 1;
}

int     lnm_define(int table, const char *name, const char *const *equiv, int count,
		           unsigned attr, int mode, STR *err)
{
    LNM_ENTRY ent;
    int     i, rc;

    lnm_entry_init(&ent);
    if (table < 0 || table >= LNM_NTABLES) {
	str_printf(err, "cannot define %s: no such logical name table %d", name, table);
	return -1;
    }
    if (mode < LNM_MODE_KERNEL || mode > LNM_MODE_USER) {
	str_printf(err, "cannot define %s: bad access mode %d", name, mode);
	return -1;
    }
    if (lnm_prepare(name, ent.name, err) < 0)
	return -1;
    if (count < 1 || count > LNM_MAX_INDEX) {
	str_printf(err, "logical name %s has %d equivalence strings; 1 to %d are allowed",
		   ent.name, count, LNM_MAX_INDEX);
	return -1;
    }
    for (i = 0; i < count; i++) {
	size_t  len = strlen(equiv[i]);

	if (len == 0 || len > LNM_MAX_EQUIV) {
	    str_printf(err, "equivalence string %d of logical name %s is %lu characters long;"
		       " 1 to %d are allowed", i, ent.name, (unsigned long) len,
		       LNM_MAX_EQUIV);
	    return -1;
	}
    }
    ent.table = table;
    ent.mode = mode;
    for (i = 0; i < count; i++) {
	ent.eq[i].value = mem_strdup(equiv[i]);
	ent.eq[i].attr = attr & (LNM_ATTR_CONCEALED | LNM_ATTR_TERMINAL);
    }
    ent.count = count;
    rc = lnm_be_define(&ent, err);
    lnm_entry_free(&ent);
    lnm_cache_flush();
    return rc;
}

int     lnm_deassign(int table, const char *name, STR *err)
{
    char    upper[LNM_MAX_NAME + 1];
    int     rc;

    if (table < 0 || table >= LNM_NTABLES) {
	str_printf(err, "cannot deassign %s: no such logical name table %d", name, table);
	return -1;
    }
    if (lnm_prepare(name, upper, err) < 0)
	return -1;
    rc = lnm_be_deassign(table, upper, err);
    lnm_cache_flush();
    return rc;
}

/* VMS wildcards, case-blind: "*" any run, "%" (or "?") one character. */
int     lnm_wildmatch(const char *pat, const char *name)
{
    return wild_match(pat, name, 1);
}

static int lnm_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int     lnm_list(const char *pattern, int table, LNM_LIST_FN fn, void *ctx, STR *err)
{
    STRLIST names = STRLIST_INIT;
    LNM_ENTRY ent;
    int     t, first, last, rc = 0;
    size_t  i;

    if (lnm_init(err) < 0)
	return -1;
    if (table < LNM_TABLE_ANY || table >= LNM_NTABLES) {
	str_printf(err, "no such logical name table %d", table);
	return -1;
    }
    first = table == LNM_TABLE_ANY ? 0 : table;
    last = table == LNM_TABLE_ANY ? LNM_NTABLES - 1 : table;
    for (t = first; t <= last && rc == 0; t++) {
	strlist_reset(&names);
	if (lnm_be_names(t, &names, err) < 0) {
	    rc = -1;
	    break;
	}
	if (names.n > 1)
	    qsort(names.v, names.n, sizeof(char *), lnm_strcmp);
	for (i = 0; i < names.n; i++) {
	    if (!lnm_wildmatch(pattern, names.v[i]))
		continue;
	    if (lnm_be_lookup(names.v[i], t, &ent, err) < 0) {
		rc = -1;
		break;
	    }
	    fn(&ent, ctx);
	    lnm_entry_free(&ent);
	}
    }
    strlist_free(&names);
    return rc;
}

/*
 * The name an equivalence string leads to for iterative translation: the
 * leftmost component ending in a colon ("SYS$COMMON:" or "X:[A]B"), or the
 * whole string when it is a plain name.  Empty when there is none.
 */
static void lnm_next_name(const char *value, STR *next)
{
    const char *colon = strchr(value, ':');
    const char *p;

    str_reset(next);
    if (colon == NULL) {
	for (p = value; *p; p++)
	    if (!isalnum((unsigned char) *p) && *p != '$' && *p != '_' && *p != '-')
		return;
	str_cpy(next, value);
	return;
    }
    if (colon[1] == ':' || colon == value)	/* node:: or nothing */
	return;
    for (p = value; p < colon; p++)
	if (!isalnum((unsigned char) *p) && *p != '$' && *p != '_' && *p != '-'
	    && *p != '.')
	    return;
    str_cpyn(next, value, (size_t) (colon - value));
}

static int lnm_in_chain(const STRLIST *chain, const char *name)
{
    size_t  i;

    for (i = 0; i < chain->n; i++)
	if (strcmp(chain->v[i], name) == 0)
	    return 1;
    return 0;
}

static void lnm_loop_message(const STRLIST *chain, const char *name, STR *err)
{
    size_t  i;

    str_cpy(err, "logical name loop: ");
    for (i = 0; i < chain->n; i++)
	str_catf(err, "%s -> ", chain->v[i]);
    str_cat(err, name);
}

static int lnm_trace_level(int level, const char *name, int table, STRLIST *chain,
			           LNM_TRACE_FN fn, void *ctx, STR *err)
{
    LNM_ENTRY ent;
    STR     next = STR_INIT;
    char    upper[LNM_MAX_NAME + 1];
    int     i, rc;

    if (lnm_valid_name(name, err) < 0)
	return -1;
    lnm_upper(name, upper);
    if (lnm_in_chain(chain, upper)) {
	lnm_loop_message(chain, upper, err);
	return -1;
    }
    if (level >= LNM_MAX_DEPTH) {
	str_printf(err, "logical name %s: more than %d levels of translation",
		   chain->v[0], LNM_MAX_DEPTH);
	return -1;
    }
    if ((rc = lnm_be_lookup(upper, table, &ent, err)) <= 0)
	return rc;
    fn(level, &ent, ctx);
    strlist_add(chain, upper);
    for (i = 0; i < ent.count && rc >= 0; i++) {
	if (ent.eq[i].attr & (LNM_ATTR_CONCEALED | LNM_ATTR_TERMINAL))
	    continue;
	lnm_next_name(ent.eq[i].value, &next);
	if (next.len == 0 || lnm_valid_name(STR_C(next), err) < 0)
	    continue;
	if (lnm_trace_level(level + 1, STR_C(next), LNM_TABLE_ANY, chain, fn, ctx, err) < 0)
	    rc = -1;
    }
    free(chain->v[--chain->n]);
    chain->v[chain->n] = NULL;
    lnm_entry_free(&ent);
    str_free(&next);
    return rc < 0 ? -1 : 1;
}

int     lnm_trace(const char *name, int table, LNM_TRACE_FN fn, void *ctx, STR *err)
{
    STRLIST chain = STRLIST_INIT;
    int     rc;

    if (lnm_init(err) < 0)
	return -1;
    rc = lnm_trace_level(0, name, table, &chain, fn, ctx, err);
    strlist_free(&chain);
    return rc;
}

/* ---- file specs ------------------------------------------------------- */

/* Converts a fully translated spec (or Unix path) to the native form. */
static int lnm_native(const char *spec, STRLIST *out, STR *err)
{
    STR     path = STR_INIT;
    int     rc = 0;

    if (out->n >= LNM_MAX_CANDIDATES) {
	str_printf(err, "more than %d candidate files from search lists", LNM_MAX_CANDIDATES);
	return -1;
    }
    if (lnm_be_native_vms || !fspec_is_vms(spec))
	strlist_add(out, spec);
    else if ((rc = fspec_unixify(spec, FSPEC_EFS, &path, err)) == 0)
	strlist_add(out, STR_C(path));
    str_free(&path);
    return rc;
}

/* Directory text without brackets: "[A.B]" -> "A.B". */
static void lnm_dir_inner(const STR *dir, STR *inner)
{
    if (dir->len >= 2)
	str_cpyn(inner, dir->s + 1, dir->len - 2);
    else
	str_reset(inner);
}

/* Strips a leading "000000" component: [000000] is the top of a root. */
static const char *lnm_skip_mfd(const char *inner)
{
    if (strncmp(inner, "000000", 6) == 0 && (inner[6] == 0 || inner[6] == '.'))
	return inner[6] ? inner + 7 : inner + 6;
    return inner;
}

/* Merges the spec's fields into the equivalence's, as RMS does. */
static int lnm_merge(const FSPEC *eq, const FSPEC *sp, const char *name, STR *out, STR *err)
{
    FSPEC   m;
    STR     ei = STR_INIT, si = STR_INIT;
    const char *rel;

    memset(&m, 0, sizeof(m));
    if (eq->has_node)
	str_cpy(&m.node, STR_C(eq->node)), m.has_node = 1;
    if (eq->has_dev)
	str_cpy(&m.dev, STR_C(eq->dev)), m.has_dev = 1;
    lnm_dir_inner(&eq->dir, &ei);
    lnm_dir_inner(&sp->dir, &si);
    if (eq->has_dir && ei.len > 0 && ei.s[ei.len - 1] == '.') {
	/* Rooted: the spec's directory goes below the root. */
	str_truncate(&ei, ei.len - 1);
	rel = lnm_skip_mfd(STR_C(si));
	if (*rel == '.')
	    rel++;
	if (*rel == '-') {
	    str_printf(err, "logical name %s: \"[-\" cannot go above a rooted directory", name);
	    str_free(&ei), str_free(&si), fspec_free(&m);
	    return -1;
	}
	str_printf(&m.dir, "[%s%s%s]", STR_C(ei), *rel ? "." : "", rel);
	m.has_dir = 1;
    } else if (sp->has_dir && eq->has_dir && si.len > 0 && si.s[0] == '.') {
	/* Relative directory below the equivalence's directory. */
	str_printf(&m.dir, "[%s%s]", STR_C(ei), STR_C(si));
	m.has_dir = 1;
    } else if (sp->has_dir) {
	str_cpy(&m.dir, STR_C(sp->dir));
	m.has_dir = 1;
    } else if (eq->has_dir) {
	str_cpy(&m.dir, STR_C(eq->dir));
	m.has_dir = 1;
    }
    str_cpy(&m.name, STR_C(sp->name.len ? sp->name : eq->name));
    str_cpy(&m.type, STR_C(sp->type.len ? sp->type : eq->type));
    str_cpy(&m.ver, STR_C(sp->ver.len ? sp->ver : eq->ver));
    fspec_format(&m, out);
    str_free(&ei);
    str_free(&si);
    fspec_free(&m);
    return 0;
}

/*
 * An equivalence that is a Unix path ends translation.  Its directory acts
 * as a root for the spec's directory; the spec's name and type replace the
 * equivalence's file name when it has one.
 */
static int lnm_unix_equiv(const char *value, const FSPEC *sp, STRLIST *out, STR *err)
{
    STR     inner = STR_INIT, rel = STR_INIT, u = STR_INIT, path = STR_INIT;
    const char *slash = strrchr(value, '/');
    const char *dir, *p;
    int     has_file = sp->name.len > 0 || sp->type.len > 0;
    int     rc;

    if (!sp->has_dir && !has_file)
	return lnm_native(value, out, err);
    lnm_dir_inner(&sp->dir, &inner);
    dir = lnm_skip_mfd(STR_C(inner));
    if (*dir == '.')
	dir++;
    if (*dir)
	str_printf(&rel, "[.%s]", dir);
    if (has_file)
	str_catf(&rel, "%s%s", STR_C(sp->name), STR_C(sp->type));
    str_cpyn(&path, value, (size_t) (slash - value) + 1);
    rc = rel.len ? fspec_unixify(STR_C(rel), FSPEC_EFS, &u, err) : 0;
    if (rc == 0) {
	p = STR_C(u);
	if (strncmp(p, "./", 2) == 0)
	    p += 2;
	str_cat(&path, p);
	if (!has_file)
	    str_cat(&path, slash + 1);
	rc = lnm_native(STR_C(path), out, err);
    }
    str_free(&inner);
    str_free(&rel);
    str_free(&u);
    str_free(&path);
    return rc;
}

static int lnm_resolve(const char *spec, int depth, STRLIST *chain, STRLIST *out, STR *err)
{
    FSPEC   sp, eq;
    LNM_ENTRY ent;
    STR     merged = STR_INIT;
    char    upper[LNM_MAX_NAME + 1];
    int     i, rc = 0;

    if (!fspec_is_vms(spec))
	return lnm_native(spec, out, err);
    memset(&sp, 0, sizeof(sp));
    if (fspec_parse(spec, &sp, err) < 0)
	return -1;
    if (!sp.has_dev) {
	fspec_free(&sp);
	return lnm_native(spec, out, err);
    }
    if (sp.has_node) {
	str_printf(err, "%s: node names (\"%s::\") are not supported here", spec, STR_C(sp.node));
	fspec_free(&sp);
	return -1;
    }
    if (lnm_valid_name(STR_C(sp.dev), err) < 0) {
	fspec_free(&sp);
	return -1;
    }
    lnm_upper(STR_C(sp.dev), upper);
    str_reset(&sp.ver);				/* versions have no Unix meaning */
    if (lnm_in_chain(chain, upper)) {
	lnm_loop_message(chain, upper, err);
	fspec_free(&sp);
	return -1;
    }
    if (depth >= LNM_MAX_DEPTH) {
	str_printf(err, "%s: more than %d levels of logical name translation",
		   chain->v[0], LNM_MAX_DEPTH);
	fspec_free(&sp);
	return -1;
    }
    rc = lnm_be_lookup(upper, LNM_TABLE_ANY, &ent, err);
    if (rc <= 0) {
	fspec_free(&sp);
	if (rc < 0)
	    return -1;
	if (depth > 0)				/* a device: translation ends */
	    return lnm_native(spec, out, err);
	str_printf(err, "%s: \"%s\" is not a defined logical name", spec, upper);
	return -1;
    }
    strlist_add(chain, upper);
    for (i = 0, rc = 0; i < ent.count && rc == 0; i++) {
	const char *value = ent.eq[i].value;

	if (strchr(value, '/') != NULL) {
	    rc = lnm_unix_equiv(value, &sp, out, err);
	    continue;
	}
	memset(&eq, 0, sizeof(eq));
	if (fspec_parse(value, &eq, err) < 0) {
	    str_printf(err, "logical name %s: equivalence \"%s\" is not a valid file spec",
		       upper, value);
	    fspec_free(&eq);
	    rc = -1;
	    break;
	}
	rc = lnm_merge(&eq, &sp, upper, &merged, err);
	fspec_free(&eq);
	if (rc < 0)
	    break;
	if (ent.eq[i].attr & (LNM_ATTR_CONCEALED | LNM_ATTR_TERMINAL))
	    rc = lnm_native(STR_C(merged), out, err);
	else
	    rc = lnm_resolve(STR_C(merged), depth + 1, chain, out, err);
    }
    free(chain->v[--chain->n]);
    chain->v[chain->n] = NULL;
    lnm_entry_free(&ent);
    fspec_free(&sp);
    str_free(&merged);
    return rc;
}

int     lnm_file_candidates(const char *spec, STRLIST *paths, STR *err)
{
    STRLIST chain = STRLIST_INIT;
    STRLIST *cached;
    size_t  i;
    int     rc;

    if (lnm_init(err) < 0)
	return -1;
    if (lnm_cache && (cached = htab_find(lnm_cache, spec)) != NULL) {
	for (i = 0; i < cached->n; i++)
	    strlist_add(paths, cached->v[i]);
	return 0;
    }
    cached = mem_calloc(1, sizeof(*cached));
    rc = lnm_resolve(spec, 0, &chain, cached, err);
    strlist_free(&chain);
    if (rc < 0) {
	lnm_cache_free_value(cached);
	return -1;
    }
    for (i = 0; i < cached->n; i++)
	strlist_add(paths, cached->v[i]);
    if (lnm_cache == NULL || htab_count(lnm_cache) >= LNM_CACHE_MAX) {
	lnm_cache_flush();
	lnm_cache = htab_create(64);
    }
    htab_enter(lnm_cache, spec, cached);
    return 0;
}

int     lnm_file(const char *spec, int purpose, STR *path, STR *err)
{
    STRLIST cand = STRLIST_INIT;
    size_t  i;
    int     rc = -1;

    if (lnm_file_candidates(spec, &cand, err) < 0)
	return -1;
    if (cand.n == 0) {
	str_printf(err, "%s: translates to no file", spec);
    } else if (purpose == LNM_CREATE || cand.n == 1) {
	str_cpy(path, cand.v[0]);
	rc = 0;
    } else {
	for (i = 0; i < cand.n; i++) {
	    if (access(cand.v[i], F_OK) == 0) {
		str_cpy(path, cand.v[i]);
		rc = 0;
		break;
	    }
	}
	if (rc < 0) {
	    /* None exists: the first element is where it would be. */
	    str_cpy(path, cand.v[0]);
	    rc = 0;
	}
    }
    strlist_free(&cand);
    return rc;
}

FILE   *lnm_fopen(const char *spec, const char *mode, STR *path, STR *err)
{
    STR     local = STR_INIT;
    STR    *p = path ? path : &local;
    FILE   *fp = NULL;

    if (lnm_file(spec, mode[0] == 'r' ? LNM_READ : LNM_CREATE, p, err) == 0) {
	if ((fp = fopen(STR_C(*p), mode)) == NULL) {
	    if (strcmp(spec, STR_C(*p)) == 0)
		str_printf(err, "%s: %s", spec, strerror(errno));
	    else
		str_printf(err, "%s (%s): %s", spec, STR_C(*p), strerror(errno));
	}
    }
    str_free(&local);
    return fp;
}

/* cfgread include resolver: "<PMDF_TABLE:internet.rules" through logical names. */
int     lnm_include_resolver(const char *name, STR *path, STR *err, void *ctx)
{
    (void) ctx;
    return lnm_file(name, LNM_READ, path, err);
}
