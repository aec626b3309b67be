/*
 * NAME
 *	rewrite - PMDF's domain rewriting rules (see rewrite.h)
 * DESCRIPTION
 *	One rewrite is a RW_STATE: the address being rewritten, the current
 *	tag, the sticky $? error, the addresses already seen (loop check)
 *	and the result.  rw_pass() extracts the first host and walks the
 *	probes (rw_probe_name(), rw_probe_literal()); each probe looks its
 *	pattern up in the index and tries the rules found (rw_try_rule()).
 *	A rule is applied in three steps: rw_macro() replaces $(...) and
 *	${...}, rw_tpl_parse() takes the template apart into its parts and
 *	controls, rw_subst() expands each part.  rw_finish() looks the
 *	routing system up and either ends the rewrite, or sets up the next
 *	pass (A%B templates, routes through the local channel).
 *
 *	Helpers return RW_OK (0), RW_NEXT (1: this rule fails, try the
 *	next; the reason is in "why"), or RW_ERR (-1: the rewrite fails).
 *	Rule outcomes add RW_DONE and RW_AGAIN.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include "rewrite.h"
#include "addr.h"
#include "htab.h"
#include "mem.h"

#define RW_OK	0
#define RW_NEXT	1
#define RW_ERR	(-1)
#define RW_DONE	2
#define RW_AGAIN 3

#define RW_MAX_PARTS 4

typedef struct RULE_SET {
    size_t  n;
    size_t  cap;
    const CNF_RULE **v;
} RULE_SET;

struct REWRITER {
    const PMDF_CNF *cnf;
    const MAPPINGS *maps;
    DICT   *gdb;
    RW_LOOKUP_FN lookup;
    void   *lookup_ctx;
    HTAB   *index;			/* lower-case pattern -> RULE_SET * */
};

typedef struct RW_STATE {
    REWRITER *rw;
    const RW_REQUEST *req;
    RW_RESULT *res;
    const CNF_CHANNEL *local;		/* channel l */
    const char *src;			/* source channel name, or NULL */
    int     check_rules;		/* $M/$N enforced (not "norules") */
    int     bang_over_percent;
    STR     tag;
    STR     errtext;			/* sticky $? text */
    STR     errcode;
    ADDR    addr;
    STRLIST seen;
    STR    *err;
} RW_STATE;

/* What a probe matched: the values substitutions see. */
typedef struct RW_MATCH {
    const ADDR_HOST *h;
    const char *probe;
    const char *H;
    const char *D;
    const char *L;
} RW_MATCH;

/* A template taken apart. */
typedef struct RW_TPL {
    STR     part[RW_MAX_PARTS];
    int     nparts;
    char    sep[RW_MAX_PARTS];
    STRLIST m, n, c, q;
    int     env, hdr, fwd, bwd;
    STR     locs;			/* S A P X given */
    int     has_tag, has_err, err_only;
    STR     tag;
    STR     errtext;
    STR     errcode;
} RW_TPL;

/* --- results, requests --------------------------------------------------- */

void    rw_request_init(RW_REQUEST *req)
{
    memset(req, 0, sizeof(*req));
    req->direction = RW_FORWARD;
    req->context = RW_ENVELOPE;
}

void    rw_result_init(RW_RESULT *res)
{
    memset(res, 0, sizeof(*res));
}

void    rw_result_free(RW_RESULT *res)
{
    str_free(&res->channel);
    str_free(&res->address);
    str_free(&res->host);
    str_free(&res->routing);
    str_free(&res->rule);
    str_free(&res->status);
    strlist_free(&res->trace);
    res->passes = 0;
}

static void rw_result_reset(RW_RESULT *res)
{
    str_reset(&res->channel);
    str_reset(&res->address);
    str_reset(&res->host);
    str_reset(&res->routing);
    str_reset(&res->rule);
    str_reset(&res->status);
    strlist_reset(&res->trace);
    res->passes = 0;
}

static void rw_trace(RW_STATE *st, const char *fmt,...)
{
    STR     line = STR_INIT;
    va_list ap;

    if (!(st->req->flags & RW_TRACE) || st->res->trace.n > RW_MAX_TRACE)
	return;
    if (st->res->trace.n == RW_MAX_TRACE) {
	strlist_add(&st->res->trace, "(trace truncated)");
	return;
    }
    va_start(ap, fmt);
    str_vcatf(&line, fmt, ap);
    va_end(ap);
    strlist_add(&st->res->trace, STR_C(line));
    str_free(&line);
}

/* --- the index ----------------------------------------------------------- */

static void rw_rule_set_free(void *p)
{
    RULE_SET *set = p;

    free(set->v);
    free(set);
}

static void rw_lower(STR *s, const char *text)
{
    str_cpy(s, text);
    str_lower(s);
}

REWRITER *rewrite_new(const PMDF_CNF *cnf, const MAPPINGS *maps, DICT *general_db, STR *err)
{
    REWRITER *rw;
    RULE_SET *set;
    STR     key = STR_INIT;
    size_t  i;

    if (cnf == NULL || (cnf->nrules > 0 && cnf->rules == NULL)) {
	str_cpy(err, "rewrite_new: no configuration (load PMDF.CNF first)");
	return NULL;
    }
    rw = mem_calloc(1, sizeof(*rw));
    rw->cnf = cnf;
    rw->maps = maps;
    rw->gdb = general_db;
    rw->index = htab_create(cnf->nrules + 16);
    for (i = 0; i < cnf->nrules; i++) {
	if (cnf->rules[i].pattern == NULL || cnf->rules[i].template == NULL)
	    continue;
	rw_lower(&key, cnf->rules[i].pattern);
	if ((set = htab_find(rw->index, STR_C(key))) == NULL) {
	    set = mem_calloc(1, sizeof(*set));
	    htab_enter(rw->index, STR_C(key), set);
	}
	if (set->n == set->cap) {
	    set->cap = set->cap ? set->cap * 2 : 2;
	    set->v = mem_realloc(set->v, set->cap * sizeof(*set->v));
	}
	set->v[set->n++] = &cnf->rules[i];
    }
    str_free(&key);
    return rw;
}

void    rewrite_set_lookup(REWRITER *rw, RW_LOOKUP_FN fn, void *ctx)
{
    rw->lookup = fn;
    rw->lookup_ctx = ctx;
}

void    rewrite_free(REWRITER *rw)
{
    if (rw == NULL)
	return;
    htab_free(rw->index, rw_rule_set_free);
    free(rw);
}

/* --- small string helpers ------------------------------------------------ */

static int rw_same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

static int rw_in_list(const STRLIST *l, const char *name)
{
    size_t  i;

    for (i = 0; i < l->n; i++)
	if (rw_same(l->v[i], name))
	    return 1;
    return 0;
}

/* s without its n leftmost labels (a leading "." is kept). */
static void rw_omit_labels(const char *s, int n, STR *out)
{
    const char *p = s + (*s == '.');
    int     i;

    str_reset(out);
    for (i = 0; i < n && p; i++) {
	p = strchr(p, '.');
	if (p)
	    p++;
    }
    if (p == NULL || *p == 0)
	return;
    if (*s == '.')
	str_catc(out, '.');
    str_cat(out, p);
}

/* The n-th label of s, from the left or from the right; 0 if none. */
static int rw_label(const char *s, int n, int from_right, STR *out)
{
    const char *p = s + (*s == '.'), *q;
    int     count = 1, want, i;

    if (*p == 0)
	return 0;
    for (q = p; *q; q++)
	count += (*q == '.');
    if (n >= count)
	return 0;
    want = from_right ? count - 1 - n : n;
    for (i = 0; i < want; i++)
	p = strchr(p, '.') + 1;
    q = strchr(p, '.');
    str_cpyn(out, p, q ? (size_t) (q - p) : strlen(p));
    return 1;
}

/* Control characters in error texts become "?" (they reach SMTP replies). */
static void rw_set_sanitized(STR *dst, const char *text)
{
    size_t  i;

    str_cpy(dst, text);
    for (i = 0; i < dst->len; i++)
	if ((unsigned char) dst->s[i] < 0x20 || dst->s[i] == 0x7f)
	    dst->s[i] = '?';
}

/* --- substitutions ------------------------------------------------------- */

#define RW_CASE_ASIS  0
#define RW_CASE_LOWER 1
#define RW_CASE_UPPER 2

static int rw_emit(STR *out, const char *p, size_t n, int mode, STR *why)
{
    size_t  i;

    if (out->len + n > RW_MAX_EXPAND) {
	str_printf(why, "template expands to more than %d octets", RW_MAX_EXPAND);
	return RW_ERR;
    }
    for (i = 0; i < n; i++) {
	int     c = (unsigned char) p[i];

	if (mode == RW_CASE_LOWER)
	    c = tolower(c);
	else if (mode == RW_CASE_UPPER)
	    c = toupper(c);
	str_catc(out, c);
    }
    return RW_OK;
}

static int rw_emits(STR *out, const char *s, int mode, STR *why)
{
    return rw_emit(out, s, strlen(s), mode, why);
}

/* $0U, $1U: the local part without / only its subaddress. */
static int rw_subst_user(const RW_MATCH *m, int n, STR *out, int mode, STR *why)
{
    const char *u = STR_C(m->h->user);
    size_t  plus;
    int     has = addr_split_subaddress(u, &plus);

    if (n == 0)
	return rw_emit(out, u, has ? plus : strlen(u), mode, why);
    if (n == 1)
	return has ? rw_emits(out, u + plus + 1, mode, why) : RW_OK;
    str_printf(why, "$%dU: only $0U and $1U exist", n);
    return RW_NEXT;
}

/* $&n $!n (labels of H), $*n $#n (labels of D). */
static int rw_subst_label(const RW_MATCH *m, int kind, int n, STR *out, int mode, STR *why)
{
    STR     lab = STR_INIT;
    const char *src = (kind == '&' || kind == '!') ? m->H : m->D;
    int     rc;

    if (!rw_label(src, n, kind == '!' || kind == '#', &lab)) {
	str_printf(why, "$%c%d: \"%s\" has no such label", kind, n, src);
	str_free(&lab);
	return RW_NEXT;
    }
    rc = rw_emit(out, STR_C(lab), lab.len, mode, why);
    str_free(&lab);
    return rc;
}

static int rw_subst_numbered(const RW_MATCH *m, int n, int what, STR *out, int mode, STR *why)
{
    STR     tmp = STR_INIT;
    int     rc;

    if (what == 'U')
	return rw_subst_user(m, n, out, mode, why);
    rw_omit_labels(what == 'D' ? m->D : m->H, n, &tmp);
    rc = rw_emit(out, STR_C(tmp), tmp.len, mode, why);
    str_free(&tmp);
    return rc;
}

/*
 * Expand text (no separators, no controls: those were taken out) into
 * out.  $(...) and ${...} were replaced before; finding one here means a
 * lookup result asked for another lookup, which PMDF forbids.
 */
static int rw_subst(const RW_MATCH *m, const char *text, size_t len, STR *out, STR *why)
{
    size_t  i;
    int     mode = RW_CASE_ASIS, rc = RW_OK, c, d;

    for (i = 0; i < len && rc == RW_OK; i++) {
	if (text[i] != '$') {
	    rc = rw_emit(out, text + i, 1, mode, why);
	    continue;
	}
	if (++i >= len) {
	    str_cpy(why, "template ends with \"$\"");
	    return RW_NEXT;
	}
	c = (unsigned char) text[i];
	d = i + 1 < len ? (unsigned char) text[i + 1] : 0;
	if (c == '$' || c == '%' || c == '@')
	    rc = rw_emit(out, text + i, 1, mode, why);
	else if (c == 'U')
	    rc = rw_emits(out, STR_C(m->h->user), mode, why);
	else if (c == 'H')
	    rc = rw_emits(out, m->H, mode, why);
	else if (c == 'D')
	    rc = rw_emits(out, m->D, mode, why);
	else if (c == 'L')
	    rc = rw_emits(out, m->L, mode, why);
	else if (isdigit(c) && (d == 'U' || d == 'D' || d == 'H')) {
	    rc = rw_subst_numbered(m, c - '0', d, out, mode, why);
	    i++;
	} else if ((c == '&' || c == '!' || c == '*' || c == '#') && isdigit(d)) {
	    rc = rw_subst_label(m, c, d - '0', out, mode, why);
	    i++;
	} else if (c == '\\')
	    mode = RW_CASE_LOWER;
	else if (c == '^')
	    mode = RW_CASE_UPPER;
	else if (c == '_')
	    mode = RW_CASE_ASIS;
	else if (c == '(' || c == '{') {
	    str_printf(why, "$%c inside a lookup result or key (PMDF forbids nested lookups)", c);
	    return RW_NEXT;
	} else {
	    str_printf(why, "$%c is not supported", c);
	    return RW_NEXT;
	}
    }
    return rc;
}

/* --- $(text) and ${table,arg} -------------------------------------------- */

/* Index of the ")" or "}" closing the "$(" / "${" at t[i], or 0. */
static size_t rw_close(const char *t, size_t i, int open, int close)
{
    size_t  j, depth = 0;

    for (j = i + 1; t[j]; j++) {
	if (t[j] == '$' && t[j + 1] && t[j + 1] != open)
	    j++;
	else if (t[j] == open)
	    depth++;
	else if (t[j] == close && --depth == 0)
	    return j;
    }
    return 0;
}

/* Does text hold "$(" or "${" (dollar pairs read as pairs)? */
static int rw_has_lookup(const char *t)
{
    for (; *t; t++) {
	if (*t != '$' || t[1] == 0)
	    continue;
	if (t[1] == '(' || t[1] == '{')
	    return 1;
	t++;
    }
    return 0;
}

static int rw_db_get(RW_STATE *st, const char *key, STR *val, STR *why)
{
    REWRITER *rw = st->rw;
    STR     err = STR_INIT;
    int     rc;

    if (rw->lookup)
	rc = rw->lookup(rw->lookup_ctx, key, val, &err);
    else
	rc = dict_get(rw->gdb, key, strlen(key), val, &err);
    if (rc < 0)
	str_printf(why, "general database: %s", STR_C(err));
    str_free(&err);
    return rc;
}

static int rw_general(RW_STATE *st, const char *key, STR *val, STR *why)
{
    STR     low = STR_INIT;
    int     rc;

    if (st->rw->lookup == NULL && st->rw->gdb == NULL) {
	str_printf(why, "$(%s): no general database", key);
	return RW_NEXT;
    }
    rc = rw_db_get(st, key, val, why);
    if (rc == 0) {
	rw_lower(&low, key);
	if (strcmp(STR_C(low), key) != 0)
	    rc = rw_db_get(st, STR_C(low), val, why);
	str_free(&low);
    }
    if (rc < 0)
	return RW_ERR;
    if (rc == 0) {
	str_printf(why, "$(%s): not in the general database", key);
	return RW_NEXT;
    }
    if (memchr(STR_C(*val), 0, val->len)) {
	str_printf(why, "$(%s): the value holds a NUL byte", key);
	return RW_NEXT;
    }
    rw_trace(st, "    $(%s) = \"%s\"", key, STR_C(*val));
    return RW_OK;
}

static int rw_mapping(RW_STATE *st, const RW_MATCH *m, const char *inner, size_t len,
		              STR *val, STR *why)
{
    const char *comma = memchr(inner, ',', len);
    STR     table = STR_INIT, arg = STR_INIT, err = STR_INIT;
    MAP_RESULT mr;
    int     rc = RW_NEXT;

    memset(&mr, 0, sizeof(mr));
    if (comma == NULL) {
	str_printf(why, "${%.*s}: no \",\" between table and argument", (int) len, inner);
	return RW_NEXT;
    }
    str_cpyn(&table, inner, (size_t) (comma - inner));
    if ((rc = rw_subst(m, comma + 1, len - (size_t) (comma - inner) - 1, &arg, why)) != RW_OK)
	goto done;
    rc = RW_NEXT;
    if (st->rw->maps == NULL || !mapping_has(st->rw->maps, STR_C(table)))
	str_printf(why, "${%s,...}: no such mapping table", STR_C(table));
    else if (mapping_apply(st->rw->maps, STR_C(table), STR_C(arg), &mr, &err) < 0)
	str_printf(why, "${%s,%s}: %s", STR_C(table), STR_C(arg), STR_C(err));
    else if (mr.kind != MAP_ALLOW)
	str_printf(why, "${%s,%s}: the mapping did not set $Y", STR_C(table), STR_C(arg));
    else {
	str_cpyn(val, STR_C(mr.text), mr.text.len);
	rw_trace(st, "    ${%s,%s} = \"%s\"", STR_C(table), STR_C(arg), STR_C(*val));
	rc = RW_OK;
    }
done:
    map_result_free(&mr);
    str_free(&table);
    str_free(&arg);
    str_free(&err);
    return rc;
}

/* One "$(...)" or "${...}" at t[i]; *end is set to its closing index. */
static int rw_macro_one(RW_STATE *st, const RW_MATCH *m, const char *t, size_t i,
			        size_t *end, STR *out, STR *why)
{
    int     open = t[i + 1], close = open == '(' ? ')' : '}', rc;
    size_t  j = rw_close(t, i, open, close);
    STR     key = STR_INIT, val = STR_INIT;

    if (j == 0) {
	str_printf(why, "\"$%c\" is not closed by \"%c\"", open, close);
	return RW_NEXT;
    }
    *end = j;
    if (open == '{')
	rc = rw_mapping(st, m, t + i + 2, j - i - 2, &val, why);
    else if ((rc = rw_subst(m, t + i + 2, j - i - 2, &key, why)) == RW_OK)
	rc = rw_general(st, STR_C(key), &val, why);
    if (rc == RW_OK && rw_has_lookup(STR_C(val))) {
	str_printf(why, "lookup result \"%s\" asks for another lookup", STR_C(val));
	rc = RW_NEXT;
    }
    if (rc == RW_OK)
	rc = rw_emit(out, STR_C(val), val.len, RW_CASE_ASIS, why);
    str_free(&key);
    str_free(&val);
    return rc;
}

/* Replace every $(...) and ${...} of the template; copy the rest. */
static int rw_macro(RW_STATE *st, const RW_MATCH *m, const char *t, STR *out, STR *why)
{
    size_t  i, end;
    int     rc;

    str_reset(out);
    for (i = 0; t[i]; i++) {
	if (t[i] == '$' && (t[i + 1] == '(' || t[i + 1] == '{')) {
	    if ((rc = rw_macro_one(st, m, t, i, &end, out, why)) != RW_OK)
		return rc;
	    i = end;
	} else if (t[i] == '$' && t[i + 1]) {
	    if ((rc = rw_emit(out, t + i, 2, RW_CASE_ASIS, why)) != RW_OK)
		return rc;
	    i++;
	} else if ((rc = rw_emit(out, t + i, 1, RW_CASE_ASIS, why)) != RW_OK)
	    return rc;
    }
    return RW_OK;
}

/* --- templates: parts and controls --------------------------------------- */

static void rw_tpl_init(RW_TPL *t)
{
    memset(t, 0, sizeof(*t));
}

static void rw_tpl_free(RW_TPL *t)
{
    int     i;

    for (i = 0; i < RW_MAX_PARTS; i++)
	str_free(&t->part[i]);
    strlist_free(&t->m);
    strlist_free(&t->n);
    strlist_free(&t->c);
    strlist_free(&t->q);
    str_free(&t->locs);
    str_free(&t->tag);
    str_free(&t->errtext);
    str_free(&t->errcode);
}

/* Length of the digits of an error status "$nnnnnnn?" at t (after "$"). */
static size_t rw_status_digits(const char *t)
{
    size_t  n = 0;

    while (isdigit((unsigned char) t[n]))
	n++;
    return n > 0 && t[n] == '?' ? n : 0;
}

/* Does "$" + t start a control sequence that ends a control argument? */
static int rw_control_start(const char *t)
{
    return (*t && strchr("MNCQT?EFBRSAPX", *t)) || rw_status_digits(t) > 0;
}

/* A control's argument from t[*i] up to "@", "%", a control or the end. */
static void rw_control_arg(const char *t, size_t *i, int to_end, STR *arg)
{
    size_t  j = *i;

    str_reset(arg);
    while (t[j]) {
	if (!to_end && (t[j] == '@' || t[j] == '%'))
	    break;
	if (t[j] == '$' && (t[j + 1] == '$' || t[j + 1] == '@' || t[j + 1] == '%')) {
	    str_catc(arg, t[j + 1]);
	    j += 2;
	    continue;
	}
	if (!to_end && t[j] == '$' && rw_control_start(t + j + 1))
	    break;
	str_catc(arg, t[j++]);
    }
    *i = j;
}

/* "$x" at t[i]: record a control, or copy a substitution into the part. */
static int rw_tpl_dollar(const char *t, size_t *i, RW_TPL *tp, STR *why)
{
    int     c = (unsigned char) t[*i + 1];
    size_t  digits = rw_status_digits(t + *i + 1), at;
    STR     arg = STR_INIT;

    if (c == 0) {
	str_cpy(why, "template ends with \"$\"");
	return RW_NEXT;
    }
    if (strchr("MNCQT?", c) || digits) {
	at = *i + 2 + digits;
	if (digits)
	    str_cpyn(&tp->errcode, t + *i + 1, digits);
	rw_control_arg(t, &at, (c == '?' || digits) && tp->err_only, &arg);
	if (c == 'M')
	    strlist_add(&tp->m, STR_C(arg));
	else if (c == 'N')
	    strlist_add(&tp->n, STR_C(arg));
	else if (c == 'C')
	    strlist_add(&tp->c, STR_C(arg));
	else if (c == 'Q')
	    strlist_add(&tp->q, STR_C(arg));
	else if (c == 'T') {
	    tp->has_tag = 1;
	    str_cpy(&tp->tag, STR_C(arg));
	} else {
	    tp->has_err = 1;
	    str_cpy(&tp->errtext, STR_C(arg));
	}
	str_free(&arg);
	*i = at - 1;
	return RW_OK;
    }
    if (c == 'E' || c == 'B' || c == 'F' || c == 'R') {
	tp->env |= c == 'E';
	tp->hdr |= c == 'B';
	tp->fwd |= c == 'F';
	tp->bwd |= c == 'R';
    } else if (strchr("SAPX", c))
	str_catc(&tp->locs, c);
    else
	str_catn(&tp->part[tp->nparts - 1], t + *i, 2);
    *i += 1;
    return RW_OK;
}

/*
 * Take a (macro-expanded) template apart: parts between the "%" and "@"
 * separators, and the controls.  A template that starts with $? (or
 * $nnnnnnn?) is an error-only rule: its text runs to the end.
 */
static int rw_tpl_parse(const char *t, RW_TPL *tp, STR *why)
{
    size_t  i;
    int     rc;

    tp->nparts = 1;
    if (t[0] == '$' && (t[1] == '?' || rw_status_digits(t + 1)))
	tp->err_only = 1;
    for (i = 0; t[i]; i++) {
	if (t[i] == '%' || t[i] == '@') {
	    if (tp->nparts == RW_MAX_PARTS) {
		str_cpy(why, "template has too many \"%\" and \"@\" separators");
		return RW_NEXT;
	    }
	    tp->sep[tp->nparts - 1] = t[i];
	    tp->nparts++;
	} else if (t[i] == '$') {
	    if ((rc = rw_tpl_dollar(t, &i, tp, why)) != RW_OK)
		return rc;
	} else
	    str_catc(&tp->part[tp->nparts - 1], t[i]);
    }
    if (tp->err_only && (tp->nparts > 1 || tp->part[0].len > 0))
	tp->err_only = 0;
    return RW_OK;
}

/* The controls that make a rule fail: locations, contexts, channels. */
static int rw_controls(RW_STATE *st, const RW_MATCH *m, const RW_TPL *tp, STR *why)
{
    const RW_REQUEST *req = st->req;
    const char *dst = req->dest_channel;

    if (tp->locs.len && strchr(STR_C(tp->locs), m->h->where) == NULL)
	str_printf(why, "the host is not in a place the rule allows ($%s)", STR_C(tp->locs));
    else if (tp->env && req->context != RW_ENVELOPE)
	str_cpy(why, "$E: not an envelope address");
    else if (tp->hdr && req->context != RW_HEADER)
	str_cpy(why, "$B: not a header address");
    else if (tp->fwd && req->direction != RW_FORWARD)
	str_cpy(why, "$F: not a forward-pointing address");
    else if (tp->bwd && req->direction != RW_BACKWARD)
	str_cpy(why, "$R: not a backward-pointing address");
    else if (st->check_rules && tp->m.n && !rw_in_list(&tp->m, st->src))
	str_printf(why, "$M: source channel %s is not listed", st->src ? st->src : "(none)");
    else if (st->check_rules && rw_in_list(&tp->n, st->src))
	str_printf(why, "$N: source channel %s is excluded", st->src);
    else if (tp->c.n && !rw_in_list(&tp->c, dst))
	str_printf(why, "$C: destination channel %s is not listed", dst ? dst : "(unknown)");
    else if (rw_in_list(&tp->q, dst))
	str_printf(why, "$Q: destination channel %s is excluded", dst);
    else
	return RW_OK;
    return RW_NEXT;
}

/* --- finishing: the routing system and the new address ------------------- */

/* "x00y00z" from $nnnnnnn? as "x.y.z"; the default 5.1.2. */
static void rw_status_text(const char *code, STR *out)
{
    if (strlen(code) == 7)
	str_printf(out, "%c.%d.%d", code[0], (code[1] - '0') * 100 + (code[2] - '0') * 10
		   + (code[3] - '0'), (code[4] - '0') * 100 + (code[5] - '0') * 10
		   + (code[6] - '0'));
    else
	str_cpy(out, "5.1.2");
}

static void rw_fail(RW_STATE *st, const char *status, const char *fmt,...)
{
    va_list ap;

    STR     text = STR_INIT;

    va_start(ap, fmt);
    str_vcatf(&text, fmt, ap);
    va_end(ap);
    rw_set_sanitized(st->err, STR_C(text));	/* no CR/LF into replies or logs */
    str_free(&text);
    str_cpy(&st->res->status, status);
    rw_trace(st, "  failed: %s (%s)", STR_C(*st->err), status);
}

/*
 * The address with user A and host B put where the host h was (a
 * percent or bang host becomes user@host), and route (if any) inserted
 * as the first source-route host.  It must parse again.
 */
static int rw_build(RW_STATE *st, const ADDR_HOST *h, const char *A, const char *B,
		            const char *route, ADDR *out, const char *rule)
{
    STR     text = STR_INIT, why = STR_INIT;
    ADDR    tmp;
    size_t  i;
    int     rc = RW_OK;

    addr_init(&tmp);
    addr_copy(out, &st->addr);
    str_cpy(&out->local, A);
    if (h->where == ADDR_LOC_ROUTE) {
	for (i = 0; i < out->route.n; i++)
	    strlist_add(&tmp.route, i == 0 ? B : out->route.v[i]);
    } else {
	for (i = 0; i < out->route.n; i++)
	    strlist_add(&tmp.route, out->route.v[i]);
	str_cpy(&out->domain, B);
    }
    strlist_reset(&out->route);
    if (route)
	strlist_add(&out->route, route);
    for (i = 0; i < tmp.route.n; i++)
	strlist_add(&out->route, tmp.route.v[i]);
    addr_format(out, &text);
    if (addr_parse(STR_C(text), 0, &tmp, &why) < 0) {
	rw_fail(st, "5.1.3", "%s produced a malformed address \"%s\": %s",
		rule, STR_C(text), STR_C(why));
	rc = RW_ERR;
    }
    addr_free(&tmp);
    str_free(&text);
    str_free(&why);
    return rc;
}

/*
 * A channel keyword in effect: pmdfcnf_keyword(), or, for the keywords
 * its table may lack (bangoverpercent, routelocal), the name as written.
 */
static int rw_keyword(const CNF_CHANNEL *ch, const char *kw)
{
    size_t  i;

    if (pmdfcnf_keyword(ch, kw) != NULL)
	return 1;
    for (i = 0; i < ch->nkw; i++)
	if (ch->kw[i].name && strcmp(ch->kw[i].name, kw) == 0)
	    return 1;
    return 0;
}

static int rw_is_local(const RW_STATE *st, const CNF_CHANNEL *ch)
{
    return ch == st->local || strcmp(ch->name, "l") == 0 || rw_keyword(ch, "routelocal");
}

/*
 * The routing system C names the channel.  Through the local channel
 * with more hosts in the address: drop this host and go on (Guide
 * 2.2.3.4).  Otherwise the rewrite is done.
 */
static int rw_finish(RW_STATE *st, const ADDR_HOST *h, const char *A, const char *B,
		             const char *route, const char *C, const char *rule)
{
    const CNF_CHANNEL *ch = pmdfcnf_channel_by_host(st->rw->cnf, C);
    ADDR    next;
    ADDR_HOST nh;
    STR     text = STR_INIT;
    int     rc;

    if (ch == NULL) {
	if (st->errtext.len) {
	    rw_status_text(STR_C(st->errcode), &text);
	    rw_fail(st, STR_C(text), "%s", STR_C(st->errtext));
	} else
	    rw_fail(st, "5.1.2", "no channel for routing system %s (%s)", C, rule);
	str_free(&text);
	return RW_ERR;
    }
    addr_init(&next);
    addr_host_init(&nh);
    if (rw_is_local(st, ch)) {
	addr_copy(&next, &st->addr);
	addr_remove_host(&next, h);
	if (addr_first_host(&next, st->bang_over_percent, &nh)) {
	    rw_trace(st, "  %s: channel %s is local; drop host %s, go on with %s",
		     rule, ch->name, STR_C(h->host), STR_C(nh.host));
	    addr_copy(&st->addr, &next);
	    rc = RW_AGAIN;
	    goto done;
	}
    }
    if ((rc = rw_build(st, h, A, B, route, &next, rule)) == RW_OK) {
	addr_format(&next, &st->res->address);
	str_cpy(&st->res->channel, ch->name);
	str_cpy(&st->res->host, B);
	str_cpy(&st->res->routing, C);
	str_cpy(&st->res->rule, rule);
	rw_trace(st, "  %s: %s via channel %s (routing system %s)", rule,
		 STR_C(st->res->address), ch->name, C);
	rc = RW_DONE;
    }
done:
    addr_free(&next);
    addr_host_free(&nh);
    return rc;
}

/* A%B: the address becomes A@B and rewriting starts again. */
static int rw_repeat(RW_STATE *st, const ADDR_HOST *h, const char *A, const char *B,
		             const char *rule)
{
    ADDR    next;
    STR     text = STR_INIT;
    int     rc;

    addr_init(&next);
    if ((rc = rw_build(st, h, A, B, NULL, &next, rule)) == RW_OK) {
	addr_copy(&st->addr, &next);
	addr_format(&next, &text);
	rw_trace(st, "  %s: rewrite again as %s", rule, STR_C(text));
	rc = RW_AGAIN;
    }
    addr_free(&next);
    str_free(&text);
    return rc;
}

/* A%B (and B!A) that nothing rewrote: A%B@localhost, the local channel. */
static int rw_local_fallback(RW_STATE *st, const ADDR_HOST *h)
{
    const char *lh;

    if (st->local == NULL || st->local->hosts.n == 0) {
	rw_fail(st, "5.3.5", "no rule for host %s and no local channel host name",
		STR_C(h->host));
	return RW_ERR;
    }
    lh = st->local->hosts.v[0];
    str_printf(&st->res->address, "%s@%s", STR_C(st->addr.local), lh);
    str_cpy(&st->res->channel, st->local->name);
    str_cpy(&st->res->host, lh);
    str_cpy(&st->res->routing, lh);
    str_printf(&st->res->rule, "(no rule for %s: %s to the local channel)", STR_C(h->host),
	       h->where == ADDR_LOC_PERCENT ? "percent hack" : "bang path");
    rw_trace(st, "  %s", STR_C(st->res->rule));
    return RW_DONE;
}

/* --- one rule ------------------------------------------------------------ */

/* Expand the parts, then act on the template's form. */
static int rw_apply(RW_STATE *st, const RW_MATCH *m, RW_TPL *tp, const char *rule, STR *why)
{
    STR     v[RW_MAX_PARTS];
    const char *A, *B, *C, *route = NULL;
    int     i, rc = RW_OK;

    if (tp->err_only) {
	rw_set_sanitized(&st->errtext, STR_C(tp->errtext));
	str_cpy(&st->errcode, STR_C(tp->errcode));
	rw_trace(st, "  %s: error-only rule; host %s looked up as-is", rule,
		 STR_C(m->h->host));
	return rw_finish(st, m->h, STR_C(m->h->user), STR_C(m->h->host), NULL,
			 STR_C(m->h->host), rule);
    }
    for (i = 0; i < RW_MAX_PARTS; i++)
	str_init(&v[i]);
    for (i = 0; i < tp->nparts && rc == RW_OK; i++)
	rc = rw_subst(m, STR_C(tp->part[i]), tp->part[i].len, &v[i], why);
    A = STR_C(v[0]);
    B = C = STR_C(v[1]);
    if (rc != RW_OK)
	goto done;
    if (tp->nparts == 3 && tp->sep[0] == '%' && tp->sep[1] == '@')
	C = STR_C(v[2]);
    else if (tp->nparts >= 3 && tp->sep[0] == '@' && tp->sep[1] == '@'
	     && (tp->nparts == 3 || tp->sep[2] == '@')) {
	route = STR_C(v[2]);
	C = STR_C(v[tp->nparts - 1]);
    }
    else if (tp->nparts != 2) {
	str_cpy(why, tp->nparts == 1 ? "template has no \"@\" or \"%\" (nor only $?)"
		: "template is not A%B@C, A@C, A%B, A@B@C or A@B@C@D");
	rc = RW_NEXT;
	goto done;
    }
    if (tp->has_err) {
	rw_set_sanitized(&st->errtext, STR_C(tp->errtext));
	str_cpy(&st->errcode, STR_C(tp->errcode));
    }
    if (tp->has_tag)
	str_cpy(&st->tag, STR_C(tp->tag));
    if (tp->nparts == 2 && tp->sep[0] == '%')
	rc = rw_repeat(st, m->h, A, B, rule);
    else
	rc = rw_finish(st, m->h, A, B, route, C, rule);
done:
    for (i = 0; i < RW_MAX_PARTS; i++)
	str_free(&v[i]);
    return rc;
}

/* Try one rule; RW_NEXT when it fails (its controls or substitutions). */
static int rw_try_rule(RW_STATE *st, const CNF_RULE *r, const RW_MATCH *m)
{
    STR     t = STR_INIT, why = STR_INIT, rule = STR_INIT;
    RW_TPL  tp;
    int     rc;

    rw_tpl_init(&tp);
    str_printf(&rule, "%s:%d %s %s", r->file ? r->file : "(rule)", r->line,
	       r->pattern, r->template);
    rw_trace(st, "  probe \"%s\": rule %s", m->probe, STR_C(rule));
    rc = rw_macro(st, m, r->template, &t, &why);
    if (rc == RW_OK)
	rc = rw_tpl_parse(STR_C(t), &tp, &why);
    if (rc == RW_OK)
	rc = rw_controls(st, m, &tp, &why);
    if (rc == RW_OK)
	rc = rw_apply(st, m, &tp, STR_C(rule), &why);
    if (rc == RW_NEXT)
	rw_trace(st, "    rule fails: %s", STR_C(why));
    else if (rc == RW_ERR && why.len)	/* a database or configuration problem */
	rw_fail(st, strstr(STR_C(why), "general database") ? "4.3.0" : "5.3.5",
		"%s: %s", STR_C(rule), STR_C(why));
    rw_tpl_free(&tp);
    str_free(&t);
    str_free(&why);
    str_free(&rule);
    return rc;
}

/* Every rule whose pattern is probe (after the tag), in file order. */
static int rw_try_pattern(RW_STATE *st, const ADDR_HOST *h, const char *probe,
			          const char *H, const char *D, const char *L)
{
    STR     key = STR_INIT;
    RULE_SET *set;
    RW_MATCH m;
    size_t  i;
    int     rc = RW_NEXT;

    str_printf(&key, "%s%s", STR_C(st->tag), probe);
    str_lower(&key);
    set = htab_find(st->rw->index, STR_C(key));
    if (set == NULL)
	rw_trace(st, "  probe \"%s\": no rule", STR_C(key));
    m.h = h;
    m.probe = STR_C(key);
    m.H = H;
    m.D = D;
    m.L = L;
    for (i = 0; set && i < set->n && rc == RW_NEXT; i++)
	rc = rw_try_rule(st, set->v[i], &m);
    str_free(&key);
    return rc;
}

/* --- the probes ---------------------------------------------------------- */

/*
 * A host name a.b.c: a.b.c, *.b.c, .b.c, *.*.c, .c, *.*.* (Guide
 * 2.2.3.2: spec_1 loses its leftmost label, spec_2 turns it into "*");
 * the match-all "." is the caller's.
 */
static int rw_probe_name(RW_STATE *st, const ADDR_HOST *h)
{
    const char *host = STR_C(h->host), *p = host, *q;
    STR     probe = STR_INIT, hpart = STR_INIT, stars = STR_INIT;
    int     rc = RW_NEXT, i;

    for (i = 0; rc == RW_NEXT; i++) {
	if (i == 0)
	    rc = rw_try_pattern(st, h, host, "", host, "");
	else {
	    str_cpyn(&hpart, host, (size_t) (p - 1 - host));
	    rc = rw_try_pattern(st, h, p - 1, STR_C(hpart), p - 1, "");
	}
	if (rc != RW_NEXT)
	    break;
	q = strchr(p, '.');
	str_cat(&stars, i == 0 ? "*" : ".*");
	str_printf(&probe, "%s%s", STR_C(stars), q ? q : "");
	str_cpyn(&hpart, host, q ? (size_t) (q - host) : strlen(host));
	rc = rw_try_pattern(st, h, STR_C(probe), STR_C(hpart), q ? q : "", "");
	if (q == NULL)
	    break;
	p = q + 1;
    }
    str_free(&probe);
    str_free(&hpart);
    str_free(&stars);
    return rc;
}

/*
 * An address literal, right to left: [1.2.3.4], [1.2.3.], [1.2.], [1.],
 * [], [*.*.*.*] (Guide 2.2.3.7).  IPv6 literals split at ":" after the
 * tag: [IPv6:2001:db8::1], [IPv6:2001:db8::], ..., [IPv6:], [].
 */
static int rw_probe_literal(RW_STATE *st, const ADDR_HOST *h)
{
    const char *host = STR_C(h->host), *body = host + 1;
    size_t  blen = h->host.len - 2, k, elems = 1;
    int     v6 = blen >= 5 && strncasecmp(body, "IPv6:", 5) == 0, sep = v6 ? ':' : '.', rc;
    size_t  so = v6 ? 5 : 0;		/* where the elements start */
    STR     probe = STR_INIT, lpart = STR_INIT;

    rc = rw_try_pattern(st, h, host, "", host, "");
    for (k = blen; rc == RW_NEXT && k-- > so;) {
	if (k != so && body[k - 1] != sep)
	    continue;
	if (k == so && !v6)
	    break;
	str_printf(&probe, "[%.*s]", (int) k, body);
	str_cpyn(&lpart, body + k, blen - k);
	rc = rw_try_pattern(st, h, STR_C(probe), "", STR_C(probe), STR_C(lpart));
    }
    str_cpyn(&lpart, body, blen);
    if (rc == RW_NEXT)
	rc = rw_try_pattern(st, h, "[]", "", "[]", STR_C(lpart));
    for (k = so; k < blen; k++)
	elems += body[k] == sep;
    if (rc == RW_NEXT) {
	str_printf(&probe, "[%s*", v6 ? "IPv6:" : "");
	for (k = 1; k < elems; k++)
	    str_catf(&probe, "%c*", sep);
	str_catc(&probe, ']');
	rc = rw_try_pattern(st, h, STR_C(probe), host, "", STR_C(lpart));
    }
    str_free(&probe);
    str_free(&lpart);
    return rc;
}

/* --- passes -------------------------------------------------------------- */

static const char *rw_where(int where)
{
    switch (where) {
    case ADDR_LOC_ROUTE:
	return "source route";
    case ADDR_LOC_AT:
	return "after @";
    case ADDR_LOC_PERCENT:
	return "after %";
    default:
	return "before !";
    }
}

/* No rule took the host: "$%" / "$!", then the fallbacks. */
static int rw_no_rule(RW_STATE *st, const ADDR_HOST *h)
{
    const char *host = STR_C(h->host);
    int     rc = RW_NEXT;

    if (h->where == ADDR_LOC_PERCENT)
	rc = rw_try_pattern(st, h, "$%", host, "", "");
    else if (h->where == ADDR_LOC_BANG)
	rc = rw_try_pattern(st, h, "$!", host, "", "");
    if (rc != RW_NEXT)
	return rc;
    if (h->where == ADDR_LOC_PERCENT || h->where == ADDR_LOC_BANG)
	return rw_local_fallback(st, h);
    rw_trace(st, "  no rule for %s: it is its own routing system", host);
    return rw_finish(st, h, STR_C(h->user), host, NULL, host, "no rule matched, host used as-is");
}

/* An address without any host: PMDF reads "user" as user@localhost. */
static int rw_add_local_host(RW_STATE *st)
{
    if (st->local == NULL || st->local->hosts.n == 0) {
	rw_fail(st, "5.1.3", "address \"%s\" has no domain, and the local channel has "
		"no host name to add", STR_C(st->addr.local));
	return RW_ERR;
    }
    str_cpy(&st->addr.domain, st->local->hosts.v[0]);
    rw_trace(st, "  no host: the local host %s is added", st->local->hosts.v[0]);
    return RW_AGAIN;
}

static int rw_pass(RW_STATE *st, int pass)
{
    STR     cur = STR_INIT, key = STR_INIT;
    ADDR_HOST h;
    size_t  i;
    int     rc;

    addr_host_init(&h);
    addr_format(&st->addr, &cur);
    str_printf(&key, "%s\n%s", STR_C(st->tag), STR_C(cur));
    for (i = 0; i < st->seen.n; i++)
	if (strcmp(st->seen.v[i], STR_C(key)) == 0)
	    break;
    rw_trace(st, "pass %d: %s%s%s", pass, STR_C(cur), st->tag.len ? " tag " : "",
	     STR_C(st->tag));
    if (i < st->seen.n) {
	rw_fail(st, "5.4.6", "rewrite loop: %s again at pass %d", STR_C(cur), pass);
	rc = RW_ERR;
	goto done;
    }
    strlist_add(&st->seen, STR_C(key));
    if (!addr_first_host(&st->addr, st->bang_over_percent, &h))
	rc = rw_add_local_host(st);
    else {
	rw_trace(st, "  host %s (%s), user %s", STR_C(h.host), rw_where(h.where),
		 STR_C(h.user));
	if (addr_is_literal(STR_C(h.host)))
	    rc = rw_probe_literal(st, &h);
	else
	    rc = rw_probe_name(st, &h);
	if (rc == RW_NEXT)
	    rc = rw_try_pattern(st, &h, ".", STR_C(h.host), "", STR_C(h.host));
	if (rc == RW_NEXT)
	    rc = rw_no_rule(st, &h);
    }
done:
    addr_host_free(&h);
    str_free(&cur);
    str_free(&key);
    return rc;
}

static void rw_state_init(RW_STATE *st, REWRITER *rw, const RW_REQUEST *req,
			          RW_RESULT *res, STR *err)
{
    const CNF_CHANNEL *src = NULL;

    memset(st, 0, sizeof(*st));
    st->rw = rw;
    st->req = req;
    st->res = res;
    st->err = err;
    st->local = rw->cnf->nchannels > 0 ? &rw->cnf->channels[0] : NULL;
    st->src = req->source_channel;
    st->check_rules = 1;
    if (st->src && (src = pmdfcnf_channel(rw->cnf, st->src)) != NULL) {
	st->check_rules = pmdfcnf_keyword(src, "norules") == NULL;
	st->bang_over_percent = rw_keyword(src, "bangoverpercent");
    }
    addr_init(&st->addr);
}

static void rw_state_free(RW_STATE *st)
{
    str_free(&st->tag);
    str_free(&st->errtext);
    str_free(&st->errcode);
    addr_free(&st->addr);
    strlist_free(&st->seen);
}

int     rewrite_address(REWRITER *rw, const char *address, const RW_REQUEST *req,
			        RW_RESULT *res, STR *err)
{
    RW_REQUEST dflt;
    RW_STATE st;
    STR     why = STR_INIT;
    int     pass, rc = RW_AGAIN;

    if (req == NULL) {
	rw_request_init(&dflt);
	req = &dflt;
    }
    rw_result_reset(res);
    rw_state_init(&st, rw, req, res, err);
    if (addr_parse(address, (req->flags & RW_HEADER_SYNTAX) ? ADDR_HEADER : 0,
		   &st.addr, &why) < 0) {
	rw_fail(&st, "5.1.3", "malformed address: %s", STR_C(why));
	rc = RW_ERR;
    }
    for (pass = 1; rc == RW_AGAIN && pass <= RW_MAX_PASSES; pass++) {
	res->passes = pass;
	rc = rw_pass(&st, pass);
    }
    if (rc == RW_AGAIN)
	rw_fail(&st, "5.4.6", "rewrite loop: no result after %d passes", RW_MAX_PASSES);
    rw_state_free(&st);
    str_free(&why);
    return rc == RW_DONE ? 0 : -1;
}
