/*
 * NAME
 *	alias - the alias file, the alias database, the general database
 * SYNOPSIS
 *	See alias.h.
 * DESCRIPTION
 *	The alias file is parsed once into a hash table of lower-case names,
 *	each with its already split targets and the place it was defined.
 *	The databases are Berkeley DB B-trees opened read-only through dict.h;
 *	their values are split at lookup time.
 *
 *	Expansion is a depth-first walk that keeps the chain of names being
 *	expanded (for loop detection and messages), a set of names already
 *	expanded completely (so a name reached twice, as in a diamond of
 *	lists, is expanded once and the work stays linear), and a set of the
 *	addresses already produced (duplicates are dropped).
 * DIAGNOSTICS
 *	See alias.h.  Every message names the file and line, the database,
 *	or the aliases involved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include "alias.h"
#include "pack.h"
#include "cfgread.h"
#include "htab.h"
#include "lnm.h"
#include "mem.h"

typedef struct ALIAS_DEF {
    STRLIST targets;
    char   *where;			/* "file:line" of the definition */
} ALIAS_DEF;

struct ALIASES {
    HTAB   *defs;			/* lower-case name -> ALIAS_DEF */
    DICT   *db;				/* the alias database, or NULL */
    STRLIST files;			/* alias file and its includes */
    /* From a compiled image: the records, sorted by name, searched in place. */
    char   *packed;			/* "name, count, targets..." records */
    size_t  packed_len;
    uint32_t *index;			/* offset of each record in packed */
    size_t  nindex;
};

typedef struct EXPAND {
    ALIASES *a;
    STRLIST *out;
    size_t  added;			/* addresses appended to out */
    HTAB   *seen;			/* normalised addresses produced */
    HTAB   *done;			/* names expanded completely */
    STRLIST path;			/* names being expanded, outermost first */
    STR    *err;
} EXPAND;

/* ---- small helpers ------------------------------------------------------ */

static void alias_fold(const char *s, STR *out)
{
    str_cpy(out, s);
    str_lower(out);
}

static int alias_is_space(int c)
{
    return c == ' ' || c == '\t';
}

/* Position of the last "@" outside double quotes, or NULL. */
static const char *alias_at(const char *addr)
{
    const char *at = NULL;
    int     quoted = 0;

    for (; *addr; addr++) {
	if (quoted && *addr == '\\' && addr[1] != 0)
	    addr++;
	else if (*addr == '"')
	    quoted = !quoted;
	else if (*addr == '@' && !quoted)
	    at = addr;
    }
    return at;
}

/* Duplicate key: bare names case-blind; else local part exact, domain folded. */
static void alias_norm(const char *addr, STR *key)
{
    const char *at = alias_at(addr);
    STR     dom = STR_INIT;

    if (at == NULL) {
	alias_fold(addr, key);
	return;
    }
    str_cpyn(key, addr, (size_t) (at - addr) + 1);
    alias_fold(at + 1, &dom);
    str_cat(key, STR_C(dom));
    str_free(&dom);
}

static void alias_trim(const char *p, size_t n, const char **start, size_t *len)
{
    while (n > 0 && isspace((unsigned char) *p))
	p++, n--;
    while (n > 0 && isspace((unsigned char) p[n - 1]))
	n--;
    *start = p;
    *len = n;
}

/* Drops the strings a failed operation appended. */
static void alias_truncate(STRLIST *l, size_t keep)
{
    while (l->n > keep)
	free(l->v[--l->n]);
    if (l->v)
	l->v[l->n] = NULL;
}

static void alias_def_free(void *p)
{
    ALIAS_DEF *def = p;

    strlist_free(&def->targets);
    free(def->where);
    free(def);
}

/* ---- paths through logical names --------------------------------------------- */

/*
 * Resolves spec, or (spec NULL) the logical name when it is defined, else
 * the default spec.  Returns 1 and path when the file exists, 0 when not.
 */
static int alias_path(const char *spec, const char *logical, const char *dflt,
		              STR *path, STR *err)
{
    LNM_ENTRY ent;
    STR     lspec = STR_INIT;
    struct stat st;
    int     rc;

    if (spec == NULL) {
	if ((rc = lnm_lookup(logical, LNM_TABLE_ANY, &ent, err)) < 0)
	    return -1;
	if (rc > 0) {
	    lnm_entry_free(&ent);
	    str_printf(&lspec, "%s:", logical);
	}
	spec = rc > 0 ? STR_C(lspec) : dflt;
    }
    rc = lnm_file(spec, LNM_READ, path, err);
    str_free(&lspec);
    if (rc < 0)
	return -1;
    if (stat(STR_C(*path), &st) != 0)
	return errno == ENOENT ? 0 : 1;	/* other errors: let the opener say */
    return 1;
}

static int alias_db_open(const char *spec, const char *logical, const char *dflt,
			         DICT **db, STR *err)
{
    STR     path = STR_INIT;
    int     rc;

    *db = NULL;
    rc = alias_path(spec, logical, dflt, &path, err);
    if (rc > 0 && (*db = dict_open(STR_C(path), DICT_RDONLY, err)) == NULL)
	rc = -1;
    str_free(&path);
    return rc;
}

/* ---- splitting a right-hand side ------------------------------------------------ */

int     alias_split(const char *value, STRLIST *out, STR *err)
{
    const char *p = value, *start, *elem;
    size_t  len, count = 0, keep = out->n;
    int     quoted = 0;

    for (start = p;; p++) {
	if (*p != 0 && quoted && *p == '\\' && p[1] != 0) {
	    p++;
	    continue;
	}
	if (*p == '"')
	    quoted = !quoted;
	if (*p != 0 && (*p != ',' || quoted))
	    continue;
	alias_trim(start, (size_t) (p - start), &elem, &len);
	if (len == 0) {
	    str_cpy(err, *p == 0 && count == 0 ? "empty expansion"
		    : "empty address in the list (two commas, or a comma at the end)");
	    alias_truncate(out, keep);
	    return -1;
	}
	if (len > ALIAS_MAX_ADDRESS) {
	    str_printf(err, "address \"%.40s...\" is longer than %d characters",
		       elem, ALIAS_MAX_ADDRESS);
	    alias_truncate(out, keep);
	    return -1;
	}
	strlist_addn(out, elem, len);
	count++;
	if (*p == 0)
	    break;
	start = p + 1;
    }
    if (quoted) {
	str_cpy(err, "unterminated quoted string");
	alias_truncate(out, keep);
	return -1;
    }
    return 0;
}

/* ---- the alias file -------------------------------------------------------------- */

static int alias_resolve(const char *name, STR *path, STR *err, void *ctx)
{
    ALIASES *a = ctx;

    if (lnm_include_resolver(name, path, err, NULL) < 0)
	return -1;
    strlist_add(&a->files, STR_C(*path));
    return 0;
}

/* Checks the name part of "name: value"; returns its length or -1. */
static int alias_check_name(const char *line, const char *colon, STR *why)
{
    size_t  n = (size_t) (colon - line), i;

    if (n == 0) {
	str_cpy(why, "empty alias name before the colon");
	return -1;
    }
    if (alias_is_space((unsigned char) line[n - 1])) {
	str_printf(why, "white space before the colon after alias \"%.*s\" (PMDF allows none)",
		   (int) (n > 40 ? 40 : n), line);
	return -1;
    }
    if (alias_is_space((unsigned char) line[0])) {
	str_cpy(why, "line starts with white space (to continue a line, end the one"
		" before with \"\\\" after a comma)");
	return -1;
    }
    for (i = 0; i < n; i++) {
	if (alias_is_space((unsigned char) line[i]) || iscntrl((unsigned char) line[i])) {
	    str_printf(why, "white space or control character in alias name \"%.*s\"",
		       (int) (n > 40 ? 40 : n), line);
	    return -1;
	}
    }
    if (n > ALIAS_MAX_NAME) {
	str_printf(why, "alias name \"%.40s...\" is longer than %d characters", line,
		   ALIAS_MAX_NAME);
	return -1;
    }
    return (int) n;
}

static int alias_parse_line(ALIASES *a, CFG_READER *r, const char *line, STR *err)
{
    const char *colon = strchr(line, ':');
    STR     why = STR_INIT, key = STR_INIT;
    ALIAS_DEF *def, *old;
    int     n, rc = -1;

    if (colon == NULL) {
	cfg_error(r, err, "missing colon after the alias name in \"%.40s\"", line);
	return -1;
    }
    if ((n = alias_check_name(line, colon, &why)) < 0) {
	cfg_error(r, err, "%s", STR_C(why));
	goto out;
    }
    str_cpyn(&key, line, (size_t) n);
    str_lower(&key);
    def = mem_calloc(1, sizeof(*def));
    if (alias_split(colon + 1, &def->targets, &why) < 0) {
	cfg_error(r, err, "alias \"%s\": %s", STR_C(key), STR_C(why));
	alias_def_free(def);
	goto out;
    }
    if ((old = htab_find(a->defs, STR_C(key))) != NULL) {
	cfg_error(r, err, "duplicate alias \"%s\" (first defined at %s)", STR_C(key), old->where);
	alias_def_free(def);
	goto out;
    }
    str_printf(&why, "%s:%d", cfg_file(r), cfg_lineno(r));
    def->where = str_detach(&why);
    htab_enter(a->defs, STR_C(key), def);
    rc = 0;
out:
    str_free(&why);
    str_free(&key);
    return rc;
}

static int alias_read_file(ALIASES *a, const char *path, STR *err)
{
    CFG_OPTS opts = CFG_OPTS_INIT;
    CFG_READER *r;
    STR     line = STR_INIT;
    int     n;

    opts.comments = CFG_COMMENT_LINE;
    opts.max_depth = ALIAS_MAX_INCLUDE + 1;
    opts.resolve = alias_resolve;
    opts.ctx = a;
    if ((r = cfg_open(path, &opts, err)) == NULL)
	return -1;
    strlist_add(&a->files, path);
    while ((n = cfg_next(r, &line)) > 0)
	if (alias_parse_line(a, r, STR_C(line), err) < 0)
	    break;
    if (n < 0)
	str_cpy(err, cfg_errtext(r));
    cfg_close(r);
    str_free(&line);
    return n == 0 ? 0 : -1;
}

int     alias_load(const char *file_spec, const char *db_spec, ALIASES **aliases, STR *err)
{
    ALIASES *a = mem_calloc(1, sizeof(*a));
    STR     path = STR_INIT;
    int     rc;

    *aliases = NULL;
    a->defs = htab_create(64);
    rc = alias_path(file_spec, ALIAS_FILE_LOGICAL, ALIAS_FILE_DEFAULT, &path, err);
    if (rc > 0)
	rc = alias_read_file(a, STR_C(path), err);
    if (rc >= 0)
	rc = alias_db_open(db_spec, ALIAS_DB_LOGICAL, ALIAS_DB_DEFAULT, &a->db, err);
    str_free(&path);
    if (rc < 0) {
	alias_free(a);
	return -1;
    }
    *aliases = a;
    return 0;
}

void    alias_free(ALIASES *a)
{
    if (a == NULL)
	return;
    htab_free(a->defs, alias_def_free);
    dict_close(a->db);
    strlist_free(&a->files);
    free(a->packed);
    free(a->index);
    free(a);
}

size_t  alias_count(const ALIASES *a)
{
    return htab_count(a->defs) + a->nindex;
}

const STRLIST *alias_files(const ALIASES *a)
{
    return &a->files;
}

const char *alias_db_path(const ALIASES *a)
{
    return a->db ? dict_path(a->db) : NULL;
}

/* ---- one level of lookup ----------------------------------------------------------- */

static int alias_db_lookup(ALIASES *a, const STR *key, STRLIST *targets, STR *err)
{
    STR     val = STR_INIT, why = STR_INIT;
    int     rc;

    rc = dict_get(a->db, key->s, key->len, &val, err);
    if (rc > 0 && ((val.len > 0 && memchr(val.s, 0, val.len) != NULL)
		   || alias_split(STR_C(val), targets, &why) < 0)) {
	str_printf(err, "%s: alias \"%s\": %s", dict_path(a->db), STR_C(*key),
		   why.len ? STR_C(why) : "value contains a NUL byte");
	rc = -1;
    }
    str_free(&val);
    str_free(&why);
    return rc;
}

static int alias_packed_lookup(const ALIASES *a, const STR *key, STRLIST *targets);

int     alias_lookup(ALIASES *a, const char *name, STRLIST *targets, STR *err)
{
    STR     key = STR_INIT;
    ALIAS_DEF *def;
    size_t  i;
    int     rc = 0;

    alias_fold(name, &key);
    if (key.len > 0 && a->db != NULL)
	rc = alias_db_lookup(a, &key, targets, err);	/* the database first */
    if (rc == 0 && key.len > 0 && (def = htab_find(a->defs, STR_C(key))) != NULL) {
	for (i = 0; i < def->targets.n; i++)
	    strlist_add(targets, def->targets.v[i]);
	rc = 1;
    }
    if (rc == 0 && key.len > 0 && a->nindex > 0)
	rc = alias_packed_lookup(a, &key, targets);
    str_free(&key);
    return rc;
}

/* ---- expansion ------------------------------------------------------------------------ */

static void expand_chain(const EXPAND *x, const char *last, STR *out)
{
    size_t  i;

    for (i = 0; i < x->path.n; i++)
	str_catf(out, "%s -> ", x->path.v[i]);
    str_cat(out, last);
}

static int expand_emit(EXPAND *x, const char *addr)
{
    STR     key = STR_INIT;
    int     rc = 0;

    alias_norm(addr, &key);
    if (htab_find(x->seen, STR_C(key)) == NULL) {
	if (x->added >= ALIAS_MAX_OUTPUT) {
	    str_printf(x->err, "alias \"%s\" expands to more than %d addresses",
		       x->path.v[0], ALIAS_MAX_OUTPUT);
	    rc = -1;
	} else {
	    htab_enter(x->seen, STR_C(key), x);
	    strlist_add(x->out, addr);
	    x->added++;
	}
    }
    str_free(&key);
    return rc;
}

static int expand_in_path(const EXPAND *x, const char *key)
{
    size_t  i;

    for (i = 0; i < x->path.n; i++)
	if (strcmp(x->path.v[i], key) == 0)
	    return 1;
    return 0;
}

static int expand_targets(EXPAND *x, const char *key, const STRLIST *targets, int depth);

/* Expands the targets of name key (already looked up) one level deeper. */
static int expand_enter(EXPAND *x, const char *key, const STRLIST *targets, int depth)
{
    STR     chain = STR_INIT;
    int     rc;

    if (expand_in_path(x, key)) {
	str_cpy(&chain, "alias loop: ");
	expand_chain(x, key, &chain);
	str_cpy(x->err, STR_C(chain));
	str_free(&chain);
	return -1;
    }
    if (depth > ALIAS_MAX_DEPTH) {
	str_printf(&chain, "aliases nested deeper than %d levels: ", ALIAS_MAX_DEPTH);
	expand_chain(x, key, &chain);
	str_cpy(x->err, STR_C(chain));
	str_free(&chain);
	return -1;
    }
    strlist_add(&x->path, key);
    rc = expand_targets(x, key, targets, depth);
    free(x->path.v[--x->path.n]);
    x->path.v[x->path.n] = NULL;
    if (rc == 0)
	htab_enter(x->done, key, x);
    return rc;
}

/* Reads a mailing list file: its addresses become targets. */
static int expand_read_list(EXPAND *x, const char *spec, STRLIST *targets)
{
    CFG_OPTS opts = CFG_OPTS_INIT;
    CFG_READER *r = NULL;
    STR     path = STR_INIT, line = STR_INIT, why = STR_INIT;
    int     n = -1;

    opts.comments = CFG_COMMENT_LINE;
    opts.continuation = 0;
    opts.max_depth = ALIAS_MAX_INCLUDE + 1;
    opts.resolve = lnm_include_resolver;
    if (lnm_file(spec, LNM_READ, &path, &why) == 0)
	r = cfg_open(STR_C(path), &opts, &why);
    if (r == NULL) {
	str_printf(x->err, "mailing list <%s: %s", spec, STR_C(why));
	goto out;
    }
    while ((n = cfg_next(r, &line)) > 0) {
	if (alias_split(STR_C(line), targets, &why) < 0)
	    break;
	if (targets->n > ALIAS_MAX_OUTPUT) {
	    str_printf(&why, "mailing list has more than %d addresses", ALIAS_MAX_OUTPUT);
	    break;
	}
    }
    if (n > 0)
	cfg_error(r, x->err, "%s", STR_C(why));
    else if (n < 0)
	str_cpy(x->err, cfg_errtext(r));
out:
    cfg_close(r);
    str_free(&path);
    str_free(&line);
    str_free(&why);
    return n == 0 ? 0 : -1;
}

static int expand_list(EXPAND *x, const char *target, int depth)
{
    STRLIST targets = STRLIST_INIT;
    STR     key = STR_INIT;
    const char *spec = target + 1;
    int     rc = 0;

    while (isspace((unsigned char) *spec))
	spec++;
    str_printf(&key, "<%s", spec);
    str_lower(&key);
    if (htab_find(x->done, STR_C(key)) == NULL) {
	rc = expand_read_list(x, spec, &targets);
	if (rc == 0)
	    rc = expand_enter(x, STR_C(key), &targets, depth);
    }
    strlist_free(&targets);
    str_free(&key);
    return rc;
}

static int expand_name(EXPAND *x, const char *target, int depth)
{
    STRLIST targets = STRLIST_INIT;
    STR     key = STR_INIT;
    int     rc;

    alias_fold(target, &key);
    if (htab_find(x->done, STR_C(key)) != NULL) {
	str_free(&key);
	return 0;
    }
    rc = alias_lookup(x->a, target, &targets, x->err);
    if (rc == 0)
	rc = expand_emit(x, target);
    else if (rc > 0)
	rc = expand_enter(x, STR_C(key), &targets, depth);
    strlist_free(&targets);
    str_free(&key);
    return rc;
}

static int expand_targets(EXPAND *x, const char *key, const STRLIST *targets, int depth)
{
    STR     tkey = STR_INIT;
    size_t  i;
    int     rc = 0;

    for (i = 0; rc == 0 && i < targets->n; i++) {
	const char *t = targets->v[i];

	if (t[0] == '<') {
	    rc = expand_list(x, t, depth + 1);
	    continue;
	}
	if (alias_at(t) != NULL) {
	    rc = expand_emit(x, t);
	    continue;
	}
	alias_fold(t, &tkey);
	if (strcmp(STR_C(tkey), key) == 0)
	    rc = expand_emit(x, t);	/* "a: a, b": a's own mailbox */
	else
	    rc = expand_name(x, t, depth + 1);
    }
    str_free(&tkey);
    return rc;
}

int     alias_expand(ALIASES *a, const char *local_part, STRLIST *out, STR *err)
{
    STRLIST targets = STRLIST_INIT;
    STR     key = STR_INIT;
    EXPAND  x;
    size_t  keep = out->n;
    int     rc;

    if ((rc = alias_lookup(a, local_part, &targets, err)) <= 0) {
	strlist_free(&targets);
	return rc;
    }
    memset(&x, 0, sizeof(x));
    x.a = a;
    x.out = out;
    x.err = err;
    x.seen = htab_create(64);
    x.done = htab_create(16);
    alias_fold(local_part, &key);
    rc = expand_enter(&x, STR_C(key), &targets, 1);
    if (rc < 0)
	alias_truncate(out, keep);
    htab_free(x.seen, NULL);
    htab_free(x.done, NULL);
    strlist_free(&x.path);
    strlist_free(&targets);
    str_free(&key);
    return rc < 0 ? -1 : 1;
}

/* ---- the general database --------------------------------------------------------------- */

int     general_open(const char *db_spec, DICT **db, STR *err)
{
    return alias_db_open(db_spec, GENERAL_DB_LOGICAL, GENERAL_DB_DEFAULT, db, err);
}

int     general_lookup(DICT *db, const char *key, STR *val, STR *err)
{
    STR     k = STR_INIT;
    int     rc;

    if (db == NULL)
	return 0;
    alias_fold(key, &k);
    rc = k.len ? dict_get(db, k.s, k.len, val, err) : 0;
    str_free(&k);
    return rc;
}

/* ---- compiled image: save and restore ---------------------------------- */

/*
 * In the image the aliases are one block of records sorted by name (byte
 * order): name, target count, targets, each a pack.h field.  Restoring
 * copies the block and records where each record starts; a lookup is a
 * binary search in place, so loading 100,000 aliases costs one pass and
 * no per-alias allocation.
 */

static void alias_pack_block(const ALIASES *a, STR *block)
{
    char  **keys = htab_keys(a->defs);
    const ALIAS_DEF *def;
    size_t  i, j;

    for (i = 0; keys[i]; i++) {
	def = htab_find(a->defs, keys[i]);
	pack_str(block, keys[i]);
	pack_u32(block, (uint32_t) def->targets.n);
	for (j = 0; j < def->targets.n; j++)
	    pack_str(block, def->targets.v[j]);
    }
    free(keys);
}

void    alias_save(const ALIASES *a, STR *out)
{
    STR     block = STR_INIT;
    size_t  i;

    pack_u32(out, (uint32_t) a->files.n);
    for (i = 0; i < a->files.n; i++)
	pack_str(out, a->files.v[i]);
    if (a->nindex > 0 && htab_count(a->defs) == 0) {
	pack_u32(out, (uint32_t) a->nindex);
	pack_bytes(out, a->packed, a->packed_len);
    } else {
	alias_pack_block(a, &block);
	pack_u32(out, (uint32_t) htab_count(a->defs));
	pack_bytes(out, block.s, block.len);
    }
    str_free(&block);
}

/* The name of record i: a pointer into packed and its length. */
static const char *alias_packed_name(const ALIASES *a, size_t i, size_t *len)
{
    UNPACK  in;
    const char *p;

    unpack_init(&in, a->packed + a->index[i], a->packed_len - a->index[i]);
    p = unpack_bytes(&in, len);
    return p;
}

static int alias_packed_cmp(const char *p, size_t n, const STR *key)
{
    size_t  m = n < key->len ? n : key->len;
    int     c = memcmp(p, key->s, m);

    if (c != 0)
	return c;
    return n < key->len ? -1 : n > key->len ? 1 : 0;
}

static int alias_packed_lookup(const ALIASES *a, const STR *key, STRLIST *targets)
{
    size_t  lo = 0, hi = a->nindex, mid, n;
    const char *p;
    UNPACK  in;
    uint32_t count, j;
    int     c;

    while (lo < hi) {
	mid = lo + (hi - lo) / 2;
	p = alias_packed_name(a, mid, &n);
	if ((c = alias_packed_cmp(p, n, key)) == 0) {
	    unpack_init(&in, a->packed + a->index[mid], a->packed_len - a->index[mid]);
	    unpack_bytes(&in, &n);
	    count = unpack_u32(&in);
	    for (j = 0; j < count; j++) {
		p = unpack_bytes(&in, &n);
		strlist_addn(targets, p, n);
	    }
	    return 1;
	}
	if (c < 0)
	    lo = mid + 1;
	else
	    hi = mid;
    }
    return 0;
}

/* Checks every record of the block and notes where each starts. */
static int alias_index_block(ALIASES *a, uint32_t count, UNPACK *outer)
{
    UNPACK  in;
    const char *name, *prev = NULL, *t;
    size_t  n, prev_len = 0, tl;
    uint32_t i, j, nt;

    if (count > a->packed_len / 8 + 1) {
	outer->why = "alias count out of range";
	return -1;
    }
    a->index = mem_calloc(count ? count : 1, sizeof(*a->index));
    unpack_init(&in, a->packed, a->packed_len);
    for (i = 0; i < count; i++) {
	a->index[i] = (uint32_t) in.pos;
	name = unpack_bytes(&in, &n);
	nt = unpack_u32(&in);
	for (j = 0; j < nt && !unpack_failed(&in); j++)
	    if ((t = unpack_bytes(&in, &tl)) != NULL && memchr(t, 0, tl) != NULL)
		in.why = "NUL byte in an alias target";
	if (unpack_failed(&in) || n == 0 || memchr(name, 0, n) != NULL) {
	    outer->why = in.why ? in.why : "bad alias name";
	    return -1;
	}
	if (prev != NULL) {
	    STR     cur = STR_INIT;
	    int     order;

	    str_cpyn(&cur, name, n);
	    order = alias_packed_cmp(prev, prev_len, &cur);
	    str_free(&cur);
	    if (order >= 0) {
		outer->why = "aliases out of order or duplicated";
		return -1;
	    }
	}
	prev = name;
	prev_len = n;
    }
    if (!unpack_done(&in)) {
	outer->why = "trailing data in the alias block";
	return -1;
    }
    a->nindex = count;
    return 0;
}

int     alias_restore(UNPACK *in, const char *db_spec, ALIASES **aliases, STR *err)
{
    ALIASES *a = mem_calloc(1, sizeof(*a));
    uint32_t n, i;
    const void *block;
    size_t  len;
    char   *s;

    *aliases = NULL;
    a->defs = htab_create(16);
    n = unpack_u32(in);
    for (i = 0; i < n && !unpack_failed(in); i++) {
	if ((s = unpack_str(in)) != NULL)
	    strlist_add(&a->files, s);
	free(s);
    }
    n = unpack_u32(in);
    block = unpack_bytes(in, &len);
    if (!unpack_failed(in)) {
	a->packed = mem_alloc(len ? len : 1);
	memcpy(a->packed, block, len);
	a->packed_len = len;
	alias_index_block(a, n, in);
    }
    if (unpack_failed(in)) {
	str_printf(err, "configuration image: aliases: %s", in->why);
	alias_free(a);
	return -1;
    }
    /* The database is not part of the image: it is read live. */
    if (alias_db_open(db_spec, ALIAS_DB_LOGICAL, ALIAS_DB_DEFAULT, &a->db, err) < 0) {
	alias_free(a);
	return -1;
    }
    *aliases = a;
    return 0;
}
