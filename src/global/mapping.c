/*
 * NAME
 *	mapping - the mapping file and its one evaluator (see mapping.h)
 * SYNOPSIS
 *	#include "mapping.h"
 * DESCRIPTION
 *	Loading compiles each pattern into tokens (literal runs, wildcards,
 *	globs, address blocks) and checks each template with the same
 *	scanner that later expands it, so what loads is what runs.  An
 *	entry whose pattern is one literal goes into the table's hash index
 *	(upper-cased text -> ascending entry numbers); the others are listed
 *	in order.  A lookup from entry "from" takes the first indexed entry
 *	at or after "from" that equals the probe, and only tries the
 *	wildcard entries that come before it: file order still decides.
 *
 *	A pattern is matched by dynamic programming: ok[k][i] says whether
 *	tokens k.. match the probe from position i.  One backwards sweep per
 *	token fills the table; a forward walk then picks, for each "*", the
 *	longest (or, with $_, shortest) run that still lets the rest match,
 *	which is what greedy backtracking would find, in O(tokens x length)
 *	steps instead of exponential time.
 * DIAGNOSTICS
 *	See mapping.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "mapping.h"
#include "cfgread.h"
#include "htab.h"
#include "lnm.h"
#include "mem.h"
#include "pack.h"
#include "str.h"
#include "strlist.h"

#define MAP_NONE	((size_t) -1)

/*
 * Work charged, on top of the probe's length, for each template expanded:
 * a lookup, an expansion and perhaps a nested $|...| evaluation cost a few
 * hundred times one cell of the matching table.  Without it a table whose
 * entries nest $|table;arg| lookups evaluates exponentially many entries
 * (n entries, MAP_MAX_NEST levels: n^9) inside the work limit.
 */
#define MAP_ENTRY_WORK	256L

/* Pattern tokens. */
#define TOK_LIT		1	/* text (upper case), len bytes */
#define TOK_ONE		2	/* one character of class cls */
#define TOK_STAR	3	/* a run of class cls */
#define TOK_ADDR	4	/* one address in a block */

#define CLS_ANY		0
#define CLS_ALPHA	1
#define CLS_BIN		2
#define CLS_DEC		3
#define CLS_HEX		4
#define CLS_OCT		5
#define CLS_SYM		6
#define CLS_SPACE	7
#define CLS_SET		8	/* text/len hold the set, upper case */

typedef struct MAP_TOKEN {
    int     type;
    int     cls;
    int     lazy;		/* $_ */
    int     negate;		/* $[^...] */
    int     save;		/* $n slot, or -1 */
    int     family;		/* TOK_ADDR: 4 or 6 */
    int     prefix;		/* TOK_ADDR: significant bits */
    unsigned char addr[16];
    char   *text;
    size_t  len;
} MAP_TOKEN;

typedef struct MAP_ENTRY {
    MAP_TOKEN *tok;		/* NULL for a hash-indexed literal entry */
    int     ntok;
    int     nsave;		/* saved wildcards: $0 .. $(nsave-1) */
    int     exact;		/* no variable-length token: length == minlen */
    size_t  minlen;
    char   *pat;		/* as written, for mapping_save() */
    char   *tmpl;
} MAP_ENTRY;

typedef struct MAP_IDX {	/* entries with one literal pattern */
    size_t *v;
    size_t  n, cap;
} MAP_IDX;

typedef struct MAP_TABLE {
    char   *name;		/* as written */
    char   *file;		/* where it was defined */
    int     line;
    MAP_ENTRY *ent;
    size_t  n, cap;
    size_t *wild;		/* numbers of the entries with wildcards */
    size_t  nwild, capwild;
    HTAB   *lit;		/* upper-case literal -> MAP_IDX */
} MAP_TABLE;

struct MAPPINGS {
    HTAB   *tables;		/* upper-case name -> MAP_TABLE */
    STRLIST files;		/* the mapping file and its includes */
};

typedef struct MAP_CAP {
    size_t  off, len;
} MAP_CAP;

/* One mapping_apply() call: scratch space and budgets, no global state. */
typedef struct MAP_CTX {
    const MAPPINGS *maps;
    unsigned char *dp;
    size_t  dpcap;
    STR     key;
    long    work;
    int     depth;
    STR    *err;
} MAP_CTX;

/* Template flags. */
#define FL_ALLOW	1u
#define FL_DENY		2u
#define FL_LOG		4u
#define FL_LOGREJ	8u
#define FL_CONN		16u

#define CTL_END		'E'
#define CTL_CONT	'C'
#define CTL_LOOP	'L'
#define CTL_RESTART	'R'

/* Template items, from the one scanner used to check and to expand. */
#define IT_END		0
#define IT_TEXT		1	/* p, len */
#define IT_SUBST	2	/* n */
#define IT_FLAG		3	/* n: canonical flag character */
#define IT_CASE		4	/* n: '\\', '^' or '_' */
#define IT_MAP		5	/* p, len: "table;arg" */
#define IT_BAD		6	/* p, len: the offending text; why */

typedef struct TMPL_ITEM {
    int     type;
    const char *p;
    size_t  len;
    int     n;
    const char *why;		/* IT_BAD: the message */
    int     show;		/* IT_BAD: quote p/len after it */
} TMPL_ITEM;

/* --- small helpers ------------------------------------------------------ */

static int map_upper(int c)
{
    return toupper((unsigned char) c);
}

static int lit_eq(const char *s, const char *upper, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++)
	if (map_upper(s[i]) != (unsigned char) upper[i])
	    return 0;
    return 1;
}

static int is_blank_text(const char *s)
{
    while (*s && isspace((unsigned char) *s))
	s++;
    return *s == 0;
}

static void fold_name(const char *name, STR *key)
{
    str_cpy(key, name);
    str_upper(key);
}

static const MAP_TABLE *table_find(const MAPPINGS *maps, const char *name)
{
    STR     key = STR_INIT;
    const MAP_TABLE *t = NULL;

    if (maps != NULL && name != NULL) {
	fold_name(name, &key);
	t = htab_find(maps->tables, STR_C(key));
    }
    str_free(&key);
    return t;
}

/* --- addresses ---------------------------------------------------------- */

static int addr_char(int c)
{
    return isxdigit((unsigned char) c) || c == '.' || c == ':';
}

static int prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
    int     whole = bits / 8, rest = bits % 8;
    unsigned char mask;

    if (memcmp(a, b, (size_t) whole) != 0)
	return 0;
    if (rest == 0)
	return 1;
    mask = (unsigned char) (0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

static int v4_mapped(const unsigned char *a)
{
    static const unsigned char head[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    return memcmp(a, head, sizeof(head)) == 0;
}

/* Length of the whole address at s[i] that lies in t's block, or 0. */
static size_t addr_at(const MAP_TOKEN *t, const char *s, size_t n, size_t i)
{
    char    buf[64];
    unsigned char a[16];
    const unsigned char *cmp = a;
    size_t  j = i;

    if (i > 0 && addr_char(s[i - 1]))
	return 0;
    while (j < n && addr_char(s[j])) {
	if (j - i >= sizeof(buf) - 1)
	    return 0;
	j++;
    }
    if (j == i)
	return 0;
    memcpy(buf, s + i, j - i);
    buf[j - i] = 0;
    if (strchr(buf, ':') != NULL) {
	if (inet_pton(AF_INET6, buf, a) != 1)
	    return 0;
	if (t->family == 4) {
	    if (!v4_mapped(a))
		return 0;
	    cmp = a + 12;
	}
    } else if (t->family != 4 || inet_pton(AF_INET, buf, a) != 1)
	return 0;
    return prefix_eq(cmp, t->addr, t->prefix) ? j - i : 0;
}

/* Parses "addr[/n]"; with ignore, n counts the low bits to ignore. */
static int addr_parse(const char *spec, size_t len, int ignore, MAP_TOKEN *t, STR *why)
{
    char    buf[80], *slash, *end = NULL;
    int     max;
    long    bits;

    if (len == 0 || len >= sizeof(buf)) {
	str_printf(why, "bad address block \"%.*s\"", (int) (len > 60 ? 60 : len), spec);
	return -1;
    }
    memcpy(buf, spec, len);
    buf[len] = 0;
    if ((slash = strchr(buf, '/')) != NULL)
	*slash++ = 0;
    t->family = strchr(buf, ':') ? 6 : 4;
    max = t->family == 4 ? 32 : 128;
    if (inet_pton(t->family == 4 ? AF_INET : AF_INET6, buf, t->addr) != 1) {
	str_printf(why, "bad address block \"%.*s\": \"%s\" is not an IPv%d address",
		   (int) len, spec, buf, t->family);
	return -1;
    }
    bits = ignore ? 0 : max;
    if (slash != NULL) {
	errno = 0;
	bits = isdigit((unsigned char) *slash) ? strtol(slash, &end, 10) : -1;
	if (bits < 0 || *end != 0 || errno || bits > max) {
	    str_printf(why, "bad address block \"%.*s\": the %s must be 0 to %d",
		       (int) len, spec, ignore ? "bits to ignore" : "prefix length", max);
	    return -1;
	}
    }
    t->prefix = (int) (ignore ? max - bits : bits);
    return 0;
}

/* --- pattern compilation ----------------------------------------------- */

typedef struct PAT_BUILD {
    MAP_ENTRY *e;
    int     cap;
    int     lazy, nosave, pending;	/* modifiers waiting for a wildcard */
    STR     lit;			/* literal being collected */
} PAT_BUILD;

static MAP_TOKEN *pat_push(PAT_BUILD *b, int type)
{
    MAP_TOKEN *t;

    if (b->e->ntok == b->cap) {
	b->cap = b->cap ? 2 * b->cap : 4;
	b->e->tok = mem_realloc(b->e->tok, (size_t) b->cap * sizeof(*t));
    }
    t = &b->e->tok[b->e->ntok++];
    memset(t, 0, sizeof(*t));
    t->type = type;
    t->save = -1;
    return t;
}

static void pat_flush(PAT_BUILD *b)
{
    MAP_TOKEN *t;

    if (b->lit.len == 0)
	return;
    t = pat_push(b, TOK_LIT);
    t->len = b->lit.len;
    t->text = str_detach(&b->lit);
    b->e->minlen += t->len;
}

static void pat_char(PAT_BUILD *b, int c)
{
    str_catc(&b->lit, map_upper(c));
}

/* A wildcard, glob or address: applies and clears the pending modifiers. */
static MAP_TOKEN *pat_wild(PAT_BUILD *b, int type, int cls)
{
    MAP_TOKEN *t;

    pat_flush(b);
    t = pat_push(b, type);
    t->cls = cls;
    t->lazy = b->lazy;
    if (!b->nosave && b->e->nsave < MAP_MAX_SAVE)
	t->save = b->e->nsave++;
    b->lazy = b->nosave = b->pending = 0;
    if (type == TOK_ONE)
	b->e->minlen += 1;
    if (type != TOK_ONE)
	b->e->exact = 0;
    return t;
}

static int glob_class(int c)
{
    switch (map_upper(c)) {
    case 'A':
	return CLS_ALPHA;
    case 'B':
	return CLS_BIN;
    case 'D':
	return CLS_DEC;
    case 'H':
    case 'X':
	return CLS_HEX;
    case 'O':
	return CLS_OCT;
    case 'S':
	return CLS_SYM;
    case 'T':
	return CLS_SPACE;
    default:
	return -1;
    }
}

/* "%" or "*" after a glob or set; returns the token type or -1. */
static int pat_arity(int c)
{
    return c == '%' ? TOK_ONE : c == '*' ? TOK_STAR : -1;
}

/* $[set]% or $[set]*; p points after "$[". */
static const char *pat_set(PAT_BUILD *b, const char *p, STR *why)
{
    const char *close = strchr(p, ']');
    MAP_TOKEN *t;
    int     type, negate = 0;
    STR     set = STR_INIT;

    if (close == NULL || (type = pat_arity(close[1])) < 0) {
	str_cpy(why, "\"$[\" needs a closing \"]\" and then \"%\" or \"*\"");
	return NULL;
    }
    if (*p == '^' && p + 1 < close) {
	negate = 1;
	p++;
    }
    if (p == close) {
	str_cpy(why, "empty character set \"$[]\"");
	return NULL;
    }
    str_cpyn(&set, p, (size_t) (close - p));
    str_upper(&set);
    t = pat_wild(b, type, CLS_SET);
    t->negate = negate;
    t->len = set.len;
    t->text = str_detach(&set);
    return close + 2;
}

/* $(addr/len) or $<addr/ignore>; p points at "(" or "<". */
static const char *pat_addr(PAT_BUILD *b, const char *p, STR *why)
{
    const char *close = strchr(p, *p == '(' ? ')' : '>');
    MAP_TOKEN tmp;
    MAP_TOKEN *t;

    if (close == NULL) {
	str_printf(why, "\"$%c\" without its closing \"%c\"", *p, *p == '(' ? ')' : '>');
	return NULL;
    }
    memset(&tmp, 0, sizeof(tmp));
    if (addr_parse(p + 1, (size_t) (close - p - 1), *p == '<', &tmp, why) < 0)
	return NULL;
    t = pat_wild(b, TOK_ADDR, CLS_ANY);
    t->family = tmp.family;
    t->prefix = tmp.prefix;
    memcpy(t->addr, tmp.addr, sizeof(t->addr));
    b->e->minlen += t->family == 4 ? 7 : 2;
    return close + 1;
}

/* One "$x" sequence of a pattern; p points after the "$". */
static const char *pat_dollar(PAT_BUILD *b, const char *p, STR *why)
{
    int     cls, type;

    if (*p == 0) {
	str_cpy(why, "pattern ends in \"$\"");
	return NULL;
    }
    if (strchr("*%$ \t", *p) != NULL) {
	if (b->pending) {
	    str_printf(why, "a modifier ($_ $@ $^) must be followed by a wildcard, not \"$%c\"", *p);
	    return NULL;
	}
	pat_char(b, *p);
	return p + 1;
    }
    switch (*p) {
    case '_':
	b->lazy = b->pending = 1;
	return p + 1;
    case '@':
	b->nosave = b->pending = 1;
	return p + 1;
    case '^':
	b->nosave = 0;
	b->pending = 1;
	return p + 1;
    case '[':
	return pat_set(b, p + 1, why);
    case '(':
    case '<':
	return pat_addr(b, p, why);
    default:
	break;
    }
    if (isdigit((unsigned char) *p)) {
	str_printf(why, "back-match \"$%c*\" is not supported", *p);
	return NULL;
    }
    if ((cls = glob_class(*p)) >= 0) {
	if ((type = pat_arity(p[1])) < 0) {
	    str_printf(why, "glob \"$%c\" must be followed by \"%%\" or \"*\"", *p);
	    return NULL;
	}
	pat_wild(b, type, cls);
	return p + 2;
    }
    str_printf(why, "unknown metacharacter \"$%c\" in pattern", *p);
    return NULL;
}

static int pat_compile(const char *pat, MAP_ENTRY *e, STR *why)
{
    PAT_BUILD b;
    const char *p = pat;

    memset(&b, 0, sizeof(b));
    b.e = e;
    e->exact = 1;
    while (p != NULL && *p) {
	if (*p == '$') {
	    p = pat_dollar(&b, p + 1, why);
	} else if ((*p == '*' || *p == '%')) {
	    pat_wild(&b, *p == '*' ? TOK_STAR : TOK_ONE, CLS_ANY);
	    p++;
	} else if (b.pending) {
	    str_printf(why, "a modifier ($_ $@ $^) must be followed by a wildcard, not \"%c\"", *p);
	    p = NULL;
	} else
	    pat_char(&b, *p++);
    }
    if (p != NULL && b.pending) {
	str_cpy(why, "pattern ends with a modifier ($_ $@ $^)");
	p = NULL;
    }
    pat_flush(&b);
    str_free(&b.lit);
    return p == NULL ? -1 : 0;
}

static void entry_free(MAP_ENTRY *e)
{
    int     k;

    for (k = 0; k < e->ntok; k++)
	free(e->tok[k].text);
    free(e->tok);
    free(e->pat);
    free(e->tmpl);
}

/* --- matching ----------------------------------------------------------- */

static int cls_ok(const MAP_TOKEN *t, int ch)
{
    int     c = (unsigned char) ch;

    switch (t->cls) {
    case CLS_ALPHA:
	return isalpha(c);
    case CLS_BIN:
	return c == '0' || c == '1';
    case CLS_DEC:
	return isdigit(c);
    case CLS_HEX:
	return isxdigit(c);
    case CLS_OCT:
	return c >= '0' && c <= '7';
    case CLS_SYM:
	return isalnum(c) || c == '_' || c == '$';
    case CLS_SPACE:
	return c == ' ' || c == '\t' || c == '\v';
    case CLS_SET:
	return (memchr(t->text, map_upper(c), t->len) != NULL) != t->negate;
    default:
	return 1;
    }
}

/* Cheap tests that reject most probes before the table is built. */
static int pat_prefilter(const MAP_ENTRY *e, const char *s, size_t n)
{
    const MAP_TOKEN *first = &e->tok[0], *last = &e->tok[e->ntok - 1];

    if (n < e->minlen || (e->exact && n != e->minlen))
	return 0;
    if (first->type == TOK_LIT && !lit_eq(s, first->text, first->len))
	return 0;
    if (e->ntok > 1 && last->type == TOK_LIT && !lit_eq(s + n - last->len, last->text, last->len))
	return 0;
    return 1;
}

/* Fills row[i] = "token t and the ones after it match s from i". */
static void pat_row(const MAP_TOKEN *t, const char *s, size_t n,
		            unsigned char *row, const unsigned char *next)
{
    size_t  i = n + 1, r;

    while (i-- > 0) {
	switch (t->type) {
	case TOK_LIT:
	    row[i] = i + t->len <= n && next[i + t->len] && lit_eq(s + i, t->text, t->len);
	    break;
	case TOK_ONE:
	    row[i] = i < n && next[i + 1] && cls_ok(t, s[i]);
	    break;
	case TOK_STAR:
	    row[i] = next[i] || (i < n && row[i + 1] && cls_ok(t, s[i]));
	    break;
	default:
	    r = addr_at(t, s, n, i);
	    row[i] = r > 0 && next[i + r];
	    break;
	}
    }
}

/* Where a "*" starting at i ends: the longest (lazy: shortest) run that works. */
static size_t star_end(const MAP_TOKEN *t, const char *s, size_t n, size_t i,
		               const unsigned char *next)
{
    size_t  end = i, j;

    while (end < n && cls_ok(t, s[end]))
	end++;
    if (t->lazy) {
	for (j = i; j < end && !next[j]; j++)
	     /* void */ ;
	return j;
    }
    for (j = end; j > i && !next[j]; j--)
	 /* void */ ;
    return j;
}

/* Follows a successful table from the start, recording what each wildcard took. */
static void pat_walk(const MAP_ENTRY *e, const char *s, size_t n,
		             const unsigned char *dp, MAP_CAP *cap)
{
    size_t  w = n + 1, i = 0, j = 0;
    int     k;

    for (k = 0; k < e->ntok; k++) {
	const MAP_TOKEN *t = &e->tok[k];

	switch (t->type) {
	case TOK_LIT:
	    j = i + t->len;
	    break;
	case TOK_ONE:
	    j = i + 1;
	    break;
	case TOK_STAR:
	    j = star_end(t, s, n, i, dp + (size_t) (k + 1) * w);
	    break;
	default:
	    j = i + addr_at(t, s, n, i);
	    break;
	}
	if (t->save >= 0) {
	    cap[t->save].off = i;
	    cap[t->save].len = j - i;
	}
	i = j;
    }
}

static int ctx_work(MAP_CTX *ctx, long units)
{
    ctx->work += units;
    if (ctx->work <= MAP_MAX_WORK)
	return 0;
    str_printf(ctx->err, "mapping evaluation exceeded its work limit (%ld)", (long) MAP_MAX_WORK);
    return -1;
}

/* 1: e matches s (cap filled), 0: no match, -1: work limit exceeded. */
static int pat_match(MAP_CTX *ctx, const MAP_ENTRY *e, const char *s, size_t n, MAP_CAP *cap)
{
    size_t  w = n + 1, cells;
    int     k;

    if (ctx_work(ctx, 1) < 0)
	return -1;
    if (!pat_prefilter(e, s, n))
	return 0;
    if (w > (size_t) MAP_MAX_CELLS / (size_t) (e->ntok + 1))
	return 0;			/* too big to decide: no match */
    cells = (size_t) (e->ntok + 1) * w;
    if (ctx_work(ctx, (long) cells) < 0)
	return -1;
    if (cells > ctx->dpcap) {
	free(ctx->dp);
	ctx->dp = mem_alloc(cells);
	ctx->dpcap = cells;
    }
    memset(ctx->dp + (size_t) e->ntok * w, 0, w);
    ctx->dp[(size_t) e->ntok * w + n] = 1;
    for (k = e->ntok - 1; k >= 0; k--)
	pat_row(&e->tok[k], s, n, ctx->dp + (size_t) k * w, ctx->dp + (size_t) (k + 1) * w);
    if (!ctx->dp[0])
	return 0;
    pat_walk(e, s, n, ctx->dp, cap);
    return 1;
}

/* The first hash-indexed entry at or after "from" equal to the probe. */
static size_t lit_find(MAP_CTX *ctx, const MAP_TABLE *t, size_t from, const STR *probe)
{
    const MAP_IDX *ix;
    size_t  lo, hi, mid;

    if (t->lit == NULL)
	return MAP_NONE;
    fold_name(STR_C(*probe), &ctx->key);
    if ((ix = htab_find(t->lit, STR_C(ctx->key))) == NULL)
	return MAP_NONE;
    for (lo = 0, hi = ix->n; lo < hi;) {
	mid = lo + (hi - lo) / 2;
	if (ix->v[mid] < from)
	    lo = mid + 1;
	else
	    hi = mid;
    }
    return lo < ix->n ? ix->v[lo] : MAP_NONE;
}

/* 1: *idx is the first entry at or after "from" that matches, 0: none, -1: error. */
static int map_find(MAP_CTX *ctx, const MAP_TABLE *t, size_t from, const STR *probe,
		            MAP_CAP *cap, size_t *idx)
{
    size_t  lit = lit_find(ctx, t, from, probe);
    size_t  lo = 0, hi = t->nwild, mid;
    int     rc;

    while (lo < hi) {
	mid = lo + (hi - lo) / 2;
	if (t->wild[mid] < from)
	    lo = mid + 1;
	else
	    hi = mid;
    }
    for (; lo < t->nwild && t->wild[lo] < lit; lo++) {
	rc = pat_match(ctx, &t->ent[t->wild[lo]], STR_C(*probe), probe->len, cap);
	if (rc != 0) {
	    *idx = t->wild[lo];
	    return rc;
	}
    }
    if (lit == MAP_NONE)
	return 0;
    *idx = lit;
    return 1;
}

/* --- templates ---------------------------------------------------------- */

static int flag_char(int c)
{
    switch (c) {
    case 'y':
	return 'Y';
    case 'n':
	return 'N';
    case 'f':
	return 'F';
    case 'Y':
    case 'N':
    case 'F':
    case 'T':
    case 'C':
    case 'E':
    case 'L':
    case 'R':
    case '<':
    case '>':
	return c;
    default:
	return 0;
    }
}

/* "$|table;arg|": p points after "$|"; finds the closing bar. */
static const char *tmpl_map(const char *p, const char *end, TMPL_ITEM *it)
{
    const char *q = p;

    while (q < end && *q != '|')
	q += (*q == '$' && q + 1 < end) ? 2 : 1;
    if (q >= end) {
	it->type = IT_BAD;
	it->why = "\"$|\" without its closing \"|\" in template";
	return end;
    }
    it->type = IT_MAP;
    it->p = p;
    it->len = (size_t) (q - p);
    return q + 1;
}

/* Scans one item of the template [t, end); returns where the next starts. */
static const char *tmpl_scan(const char *t, const char *end, TMPL_ITEM *it)
{
    const char *p = t;

    memset(it, 0, sizeof(*it));
    if (t >= end)
	return end;
    if (*t != '$') {
	while (p < end && *p != '$')
	    p++;
	it->type = IT_TEXT;
	it->p = t;
	it->len = (size_t) (p - t);
	return p;
    }
    it->p = t;
    it->len = 2;
    if (t + 1 >= end) {
	it->type = IT_BAD;
	it->why = "template ends in \"$\"";
	return end;
    }
    p = t + 1;
    if (strchr("$ \t*%", *p) != NULL) {
	it->type = IT_TEXT;
	it->p = p;
	it->len = 1;
    } else if (isdigit((unsigned char) *p)) {
	it->type = IT_SUBST;
	it->n = *p - '0';
    } else if (*p == '\\' || *p == '^' || *p == '_') {
	it->type = IT_CASE;
	it->n = *p;
    } else if (*p == '|') {
	return tmpl_map(p + 1, end, it);
    } else if ((it->n = flag_char(*p)) != 0) {
	it->type = IT_FLAG;
    } else {
	it->type = IT_BAD;
	it->why = "unknown or unsupported metacharacter";
	it->show = 1;
    }
    return p + 1;
}

/* Checks a template (or, inner, the argument of a $|...|). */
static int tmpl_check(const char *t, const char *end, int nsave, int inner, STR *why)
{
    TMPL_ITEM it;
    const char *semi;

    while (t < end) {
	t = tmpl_scan(t, end, &it);
	switch (it.type) {
	case IT_BAD:
	    if (it.show)
		str_printf(why, "%s \"%.*s\" in template", it.why, (int) it.len, it.p);
	    else
		str_cpy(why, it.why);
	    return -1;
	case IT_SUBST:
	    if (it.n >= nsave) {
		str_printf(why, "template uses $%d but the pattern saves %d wildcard%s",
			   it.n, nsave, nsave == 1 ? "" : "s");
		return -1;
	    }
	    break;
	case IT_FLAG:
	case IT_MAP:
	    if (inner) {
		str_cpy(why, "only text and $n may appear inside \"$|table;arg|\"");
		return -1;
	    }
	    if (it.type == IT_FLAG)
		break;
	    semi = memchr(it.p, ';', it.len);
	    if (semi == NULL || semi == it.p) {
		str_printf(why, "\"$|%.*s|\" must be \"$|table;argument|\"", (int) it.len, it.p);
		return -1;
	    }
	    if (tmpl_check(semi + 1, it.p + it.len, nsave, 1, why) < 0)
		return -1;
	    break;
	default:
	    break;
	}
    }
    return 0;
}

static int out_cat(MAP_CTX *ctx, STR *out, const char *p, size_t n, int mode)
{
    size_t  i, at = out->len;

    if (out->len + n > MAP_MAX_RESULT) {
	str_printf(ctx->err, "mapping output longer than %d bytes", MAP_MAX_RESULT);
	return -1;
    }
    str_catn(out, p, n);
    for (i = at; i < out->len && mode != '_'; i++) {
	if (mode == '\\')
	    out->s[i] = (char) tolower((unsigned char) out->s[i]);
	else
	    out->s[i] = (char) toupper((unsigned char) out->s[i]);
    }
    return 0;
}

static int map_eval(MAP_CTX *ctx, const MAP_TABLE *t, const char *probe, MAP_RESULT *res);

static int tmpl_expand(MAP_CTX *ctx, const char *t, const char *end, const char *probe,
		               const MAP_CAP *cap, STR *out, unsigned *flags, int *ctl);

/* "$|table;arg|": 1 and the nested result appended, 0 when it fails, -1 error. */
static int tmpl_nested(MAP_CTX *ctx, const TMPL_ITEM *it, const char *probe,
		               const MAP_CAP *cap, STR *out, int mode)
{
    const char *semi = memchr(it->p, ';', it->len);
    STR     name = STR_INIT, arg = STR_INIT;
    MAP_RESULT sub = MAP_RESULT_INIT;
    const MAP_TABLE *t;
    unsigned flags = 0;
    int     ctl = CTL_END, rc;

    str_cpyn(&name, it->p, (size_t) (semi - it->p));
    rc = tmpl_expand(ctx, semi + 1, it->p + it->len, probe, cap, &arg, &flags, &ctl);
    if (rc > 0) {
	t = table_find(ctx->maps, STR_C(name));
	rc = 0;
	if (t != NULL && ctx->depth < MAP_MAX_NEST) {
	    ctx->depth++;
	    rc = map_eval(ctx, t, STR_C(arg), &sub);
	    ctx->depth--;
	    if (rc == 0 && sub.kind == MAP_ALLOW)
		rc = out_cat(ctx, out, STR_C(sub.text), sub.text.len, mode) < 0 ? -1 : 1;
	}
    }
    str_free(&name);
    str_free(&arg);
    map_result_free(&sub);
    return rc;
}

/* 1: expanded into out, 0: the entry fails (a $|...| did), -1: error. */
static int tmpl_expand(MAP_CTX *ctx, const char *t, const char *end, const char *probe,
		               const MAP_CAP *cap, STR *out, unsigned *flags, int *ctl)
{
    TMPL_ITEM it;
    int     mode = '_', rc = 0;

    while (t < end && rc == 0) {
	t = tmpl_scan(t, end, &it);
	switch (it.type) {
	case IT_TEXT:
	    rc = out_cat(ctx, out, it.p, it.len, mode);
	    break;
	case IT_SUBST:
	    rc = out_cat(ctx, out, probe + cap[it.n].off, cap[it.n].len, mode);
	    break;
	case IT_CASE:
	    mode = it.n;
	    break;
	case IT_MAP:
	    if ((rc = tmpl_nested(ctx, &it, probe, cap, out, mode)) == 0)
		return 0;
	    rc = rc < 0 ? -1 : 0;
	    break;
	case IT_FLAG:
	    if (it.n == 'Y')
		*flags |= FL_ALLOW;
	    else if (it.n == 'N' || it.n == 'F')
		*flags |= FL_DENY;
	    else if (it.n == '<')
		*flags |= FL_LOG;
	    else if (it.n == '>')
		*flags |= FL_LOGREJ;
	    else if (it.n == 'T')
		*flags |= FL_CONN;
	    else
		*ctl = it.n;
	    break;
	default:
	    break;
	}
    }
    return rc < 0 ? -1 : 1;
}

/* --- evaluation --------------------------------------------------------- */

typedef struct MAP_ITER {
    int     count;		/* PMDF's restart counter */
    int     restarts;
    size_t  lastlen;
} MAP_ITER;

/* May the table be scanned again from the top with a probe of len bytes? */
static int map_again(MAP_ITER *it, size_t len)
{
    if (++it->restarts > MAP_MAX_RESTARTS)
	return 0;
    if (len >= it->lastlen)
	it->count++;
    else
	it->count = 0;
    it->lastlen = len;
    return it->count <= MAP_MAX_ITER;
}

static void map_verdict(unsigned flags, const STR *text, MAP_RESULT *res)
{
    res->kind = (flags & FL_DENY) ? MAP_DENY : (flags & FL_ALLOW) ? MAP_ALLOW : MAP_STRING;
    res->log = (flags & FL_LOG) != 0;
    res->log_reject = (flags & FL_LOGREJ) != 0;
    res->log_connection = (flags & FL_CONN) != 0;
    str_cpyn(&res->text, STR_C(*text), text->len);
}

/* Runs one table over probe; 0 (res filled) or -1 (ctx->err). */
static int map_eval(MAP_CTX *ctx, const MAP_TABLE *t, const char *probe, MAP_RESULT *res)
{
    STR     cur = STR_INIT, out = STR_INIT, swap;
    MAP_CAP cap[MAP_MAX_SAVE];
    MAP_ITER iter;
    size_t  from = 0, idx = 0;
    unsigned flags = 0, eflags;
    int     matched = 0, extra = 0, ctl, rc;

    memset(&iter, 0, sizeof(iter));
    memset(cap, 0, sizeof(cap));
    str_cpy(&cur, probe);
    iter.lastlen = cur.len;
    for (;;) {
	if ((rc = map_find(ctx, t, from, &cur, cap, &idx)) <= 0) {
	    if (rc == 0 && extra && map_again(&iter, cur.len)) {
		extra = 0;
		from = 0;
		continue;
	    }
	    break;
	}
	if ((rc = ctx_work(ctx, MAP_ENTRY_WORK + (long) cur.len)) < 0)
	    break;
	ctl = CTL_END;
	eflags = 0;
	str_reset(&out);
	rc = tmpl_expand(ctx, t->ent[idx].tmpl, t->ent[idx].tmpl + strlen(t->ent[idx].tmpl),
			 STR_C(cur), cap, &out, &eflags, &ctl);
	from = idx + 1;
	if (rc < 0)
	    break;
	if (rc == 0)
	    continue;			/* a $|...| failed: as if no match */
	matched = 1;
	flags |= eflags;
	swap = cur, cur = out, out = swap;
	if (ctl == CTL_CONT || ctl == CTL_LOOP) {
	    extra |= ctl == CTL_LOOP;
	    continue;
	}
	if (ctl == CTL_RESTART && map_again(&iter, cur.len)) {
	    from = 0;
	    continue;
	}
	break;
    }
    res->kind = MAP_NOMATCH;
    str_reset(&res->text);
    res->log = res->log_reject = res->log_connection = 0;
    if (rc >= 0 && matched)
	map_verdict(flags, &cur, res);
    str_free(&cur);
    str_free(&out);
    return rc < 0 ? -1 : 0;
}

void    map_result_init(MAP_RESULT *res)
{
    memset(res, 0, sizeof(*res));
    res->kind = MAP_NOMATCH;
    str_init(&res->text);
}

void    map_result_free(MAP_RESULT *res)
{
    if (res == NULL)
	return;
    str_free(&res->text);
    res->kind = MAP_NOMATCH;
}

int     mapping_apply(const MAPPINGS *maps, const char *table, const char *probe,
		              MAP_RESULT *res, STR *err)
{
    MAP_CTX ctx;
    const MAP_TABLE *t;
    int     rc;

    res->kind = MAP_NOMATCH;
    str_reset(&res->text);
    res->log = res->log_reject = res->log_connection = 0;
    if ((t = table_find(maps, table)) == NULL) {
	str_printf(err, "no mapping table \"%s\"", table ? table : "");
	return -1;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.maps = maps;
    ctx.err = err;
    rc = map_eval(&ctx, t, probe ? probe : "", res);
    free(ctx.dp);
    str_free(&ctx.key);
    if (rc < 0)
	str_catf(err, " (table %s)", t->name);
    return rc;
}

int     mapping_has(const MAPPINGS *maps, const char *table)
{
    return table_find(maps, table) != NULL;
}

/* --- loading ------------------------------------------------------------ */

#define LS_NONE		0	/* before the first table */
#define LS_NAMED	1	/* a table name, no entry yet */
#define LS_ENTRIES	2	/* inside a table */
#define LS_ENDED	3	/* a blank line ended the table */

typedef struct MAP_LOADER {
    MAPPINGS *maps;
    MAP_TABLE *cur;
    int     state;
    CFG_READER *r;
    STR    *err;
    STR     why;
} MAP_LOADER;

static void idx_free(void *p)
{
    MAP_IDX *ix = p;

    free(ix->v);
    free(ix);
}

static void table_free(void *p)
{
    MAP_TABLE *t = p;
    size_t  i;

    for (i = 0; i < t->n; i++)
	entry_free(&t->ent[i]);
    free(t->ent);
    free(t->wild);
    if (t->lit != NULL)
	htab_free(t->lit, idx_free);
    free(t->name);
    free(t->file);
    free(t);
}

void    mapping_free(MAPPINGS *maps)
{
    if (maps == NULL)
	return;
    htab_free(maps->tables, table_free);
    strlist_free(&maps->files);
    free(maps);
}

/* Reports msg at the current line. */
static int load_fail(MAP_LOADER *ld, const char *msg)
{
    cfg_error(ld->r, ld->err, "%s", msg);
    return -1;
}

static int load_no_entries(MAP_LOADER *ld)
{
    str_printf(ld->err, "%s:%d: table \"%s\" has no entries",
	       ld->cur->file, ld->cur->line, ld->cur->name);
    return -1;
}

/* Checks a table name and adds an empty table; why says what is wrong. */
static MAP_TABLE *table_new(MAPPINGS *maps, const char *name, size_t len,
			            const char *file, int line, STR *why)
{
    STR     key = STR_INIT;
    MAP_TABLE *t = NULL, *old;

    str_cpyn(&key, name, len);
    str_upper(&key);
    if (len == 0 || !isalpha((unsigned char) name[0]))
	str_printf(why, "table name \"%.*s\" must begin with a letter", (int) len, name);
    else if ((old = htab_find(maps->tables, STR_C(key))) != NULL)
	str_printf(why, "table \"%.*s\" is defined twice (first at %s:%d)",
		   (int) len, name, old->file, old->line);
    else {
	t = mem_calloc(1, sizeof(*t));
	t->name = mem_strndup(name, len);
	t->file = mem_strdup(file);
	t->line = line;
	htab_enter(maps->tables, STR_C(key), t);
    }
    str_free(&key);
    return t;
}

/* A line starting in column 1: a new table. */
static int load_table(MAP_LOADER *ld, const char *s)
{
    size_t  len = strcspn(s, " \t\r\n\f\v");
    MAP_TABLE *t;

    if (ld->state == LS_NAMED)
	return load_no_entries(ld);
    if (!is_blank_text(s + len)) {
	cfg_error(ld->r, ld->err, "table name \"%.*s\" is followed by other text"
		  " (entries must be indented)", (int) len, s);
	return -1;
    }
    t = table_new(ld->maps, s, len, cfg_file(ld->r), cfg_lineno(ld->r), &ld->why);
    if (t == NULL)
	return load_fail(ld, STR_C(ld->why));
    ld->cur = t;
    ld->state = LS_NAMED;
    return 0;
}

/* Splits off one white-space delimited field; "$x" pairs stay together. */
static const char *load_field(const char *s, const char **start, size_t *len)
{
    const char *p;

    while (*s && isspace((unsigned char) *s))
	s++;
    for (p = s; *p && !isspace((unsigned char) *p);)
	p += (*p == '$' && p[1]) ? 2 : 1;
    *start = s;
    *len = (size_t) (p - s);
    return p;
}

static void table_index(MAP_TABLE *t, size_t i)
{
    MAP_ENTRY *e = &t->ent[i];
    MAP_IDX *ix;

    if (e->ntok == 1 && e->tok[0].type == TOK_LIT) {
	if (t->lit == NULL)
	    t->lit = htab_create(64);
	if ((ix = htab_find(t->lit, e->tok[0].text)) == NULL) {
	    ix = mem_calloc(1, sizeof(*ix));
	    htab_enter(t->lit, e->tok[0].text, ix);
	}
	if (ix->n == ix->cap) {
	    ix->cap = ix->cap ? 2 * ix->cap : 1;
	    ix->v = mem_realloc(ix->v, ix->cap * sizeof(*ix->v));
	}
	ix->v[ix->n++] = i;
	free(e->tok[0].text);
	free(e->tok);
	e->tok = NULL;
	e->ntok = 0;
	return;
    }
    if (t->nwild == t->capwild) {
	t->capwild = t->capwild ? 2 * t->capwild : 8;
	t->wild = mem_realloc(t->wild, t->capwild * sizeof(*t->wild));
    }
    t->wild[t->nwild++] = i;
}

/* Compiles "pattern template" and appends it to t; why says what is wrong. */
static int entry_add(MAP_TABLE *t, const char *pat, size_t plen,
		             const char *tmpl, size_t tlen, STR *why)
{
    MAP_ENTRY e;
    int     rc;

    if (plen == 0 || tlen == 0) {
	str_cpy(why, "empty pattern or template");
	return -1;
    }
    memset(&e, 0, sizeof(e));
    e.pat = mem_strndup(pat, plen);
    e.tmpl = mem_strndup(tmpl, tlen);
    rc = pat_compile(e.pat, &e, why);
    if (rc == 0)
	rc = tmpl_check(e.tmpl, e.tmpl + tlen, e.nsave, 0, why);
    if (rc < 0) {
	entry_free(&e);
	return -1;
    }
    if (t->n == t->cap) {
	t->cap = t->cap ? 2 * t->cap : 8;
	t->ent = mem_realloc(t->ent, t->cap * sizeof(*t->ent));
    }
    t->ent[t->n] = e;
    table_index(t, t->n++);
    return 0;
}

/* An indented line: "pattern template". */
static int load_entry(MAP_LOADER *ld, const char *s)
{
    const char *pat, *tmpl, *rest;
    size_t  plen, tlen;

    if (ld->state == LS_NONE)
	return load_fail(ld, "entry before any table name");
    if (ld->state == LS_ENDED) {
	str_printf(&ld->why, "entry after the blank line that ended table \"%s\""
		   " (no blank lines between entries)", ld->cur->name);
	return load_fail(ld, STR_C(ld->why));
    }
    rest = load_field(load_field(s, &pat, &plen), &tmpl, &tlen);
    if (tlen == 0) {
	cfg_error(ld->r, ld->err, "pattern \"%.*s\" has no template", (int) plen, pat);
	return -1;
    }
    if (!is_blank_text(rest)) {
	str_printf(&ld->why, "text after the template: \"%s\" (write a space as \"$ \")",
		   rest + strspn(rest, " \t"));
	return load_fail(ld, STR_C(ld->why));
    }
    if (entry_add(ld->cur, pat, plen, tmpl, tlen, &ld->why) < 0)
	return load_fail(ld, STR_C(ld->why));
    ld->state = LS_ENTRIES;
    return 0;
}

static int load_line(MAP_LOADER *ld, const char *s)
{
    if (is_blank_text(s)) {
	if (ld->state == LS_ENTRIES)
	    ld->state = LS_ENDED;
	return 0;
    }
    if (!isspace((unsigned char) s[0]))
	return load_table(ld, s);
    return load_entry(ld, s);
}

static void files_note(STRLIST *files, const char *path)
{
    size_t  i;

    for (i = 0; i < files->n; i++)
	if (strcmp(files->v[i], path) == 0)
	    return;
    strlist_add(files, path);
}

/* Includes resolve through logical names and are remembered. */
static int load_resolve(const char *name, STR *path, STR *err, void *ctx)
{
    MAPPINGS *maps = ctx;

    if (lnm_include_resolver(name, path, err, NULL) < 0)
	return -1;
    files_note(&maps->files, STR_C(*path));
    return 0;
}

static int load_file(MAP_LOADER *ld, const char *path)
{
    CFG_OPTS opts = CFG_OPTS_INIT;
    STR     line = STR_INIT;
    int     n, rc = 0;

    opts.comments = CFG_COMMENT_COL1;
    opts.continuation = 1;
    opts.includes = 1;
    opts.keep_blank = 1;
    opts.trim = 0;			/* a trailing "$ " is meaningful */
    opts.resolve = load_resolve;
    opts.ctx = ld->maps;
    if ((ld->r = cfg_open(path, &opts, ld->err)) == NULL)
	return -1;
    files_note(&ld->maps->files, path);
    while (rc == 0 && (n = cfg_next(ld->r, &line)) != 0) {
	if (n < 0) {
	    str_cpy(ld->err, cfg_errtext(ld->r));
	    rc = -1;
	} else
	    rc = load_line(ld, STR_C(line));
    }
    if (rc == 0 && ld->state == LS_NAMED)
	rc = load_no_entries(ld);
    cfg_close(ld->r);
    ld->r = NULL;
    str_free(&line);
    return rc;
}

static int load_path(const char *spec, STR *path, STR *err)
{
    LNM_ENTRY ent;
    int     rc;

    if (spec == NULL) {
	if ((rc = lnm_lookup("PMDF_MAPPING_FILE", LNM_TABLE_ANY, &ent, err)) < 0)
	    return -1;
	if (rc > 0)
	    lnm_entry_free(&ent);
	spec = rc > 0 ? "PMDF_MAPPING_FILE:" : "PMDF_TABLE:mappings";
    }
    return lnm_file(spec, LNM_READ, path, err);
}

int     mapping_load(const char *spec, MAPPINGS **maps, STR *err)
{
    MAP_LOADER ld;
    STR     path = STR_INIT;
    int     rc;

    *maps = NULL;
    if (load_path(spec, &path, err) < 0) {
	str_free(&path);
	return -1;
    }
    memset(&ld, 0, sizeof(ld));
    ld.maps = mem_calloc(1, sizeof(*ld.maps));
    ld.maps->tables = htab_create(32);
    ld.err = err;
    if (access(STR_C(path), F_OK) != 0 && errno == ENOENT) {
	str_printf(err, "%s: no mapping file", STR_C(path));
	rc = 1;
    } else
	rc = load_file(&ld, STR_C(path));
    str_free(&ld.why);
    str_free(&path);
    if (rc < 0) {
	mapping_free(ld.maps);
	return -1;
    }
    *maps = ld.maps;
    return rc;
}

const STRLIST *mapping_files(const MAPPINGS *maps)
{
    return &maps->files;
}

/* --- compiled image ----------------------------------------------------- */

/*
 * The image keeps each table as written (name, position, the pattern and
 * template texts); restoring compiles them again, which is cheap next to
 * reading the file, and checks them as loading does, so a damaged image
 * cannot produce a table that loading would have refused.
 */
void    mapping_save(const MAPPINGS *maps, STR *out)
{
    char  **keys = htab_keys(maps->tables);
    const MAP_TABLE *t;
    size_t  i, j;

    pack_u32(out, (uint32_t) maps->files.n);
    for (i = 0; i < maps->files.n; i++)
	pack_str(out, maps->files.v[i]);
    pack_u32(out, (uint32_t) htab_count(maps->tables));
    for (i = 0; keys[i]; i++) {
	t = htab_find(maps->tables, keys[i]);
	pack_str(out, t->name);
	pack_str(out, t->file);
	pack_u32(out, (uint32_t) t->line);
	pack_u32(out, (uint32_t) t->n);
	for (j = 0; j < t->n; j++) {
	    pack_str(out, t->ent[j].pat);
	    pack_str(out, t->ent[j].tmpl);
	}
    }
    free(keys);
}

/* One table of the image; 0, or -1 with why (or in->why) set. */
static int restore_table(UNPACK *in, MAPPINGS *maps, STR *why)
{
    char   *name = unpack_str(in), *file = unpack_str(in), *pat, *tmpl;
    uint32_t line = unpack_u32(in), n = unpack_u32(in), j;
    MAP_TABLE *t = NULL;
    int     rc = -1;

    if (!unpack_failed(in))
	t = table_new(maps, name, strlen(name), file, (int) line, why);
    if (t != NULL && n == 0)
	str_printf(why, "table \"%s\" has no entries", name);
    for (j = 0; t != NULL && j < n && why->len == 0 && !unpack_failed(in); j++) {
	pat = unpack_str(in);
	tmpl = unpack_str(in);
	if (pat != NULL && tmpl != NULL && entry_add(t, pat, strlen(pat), tmpl, strlen(tmpl), why) < 0)
	    str_catf(why, " (table %s)", name);
	free(pat);
	free(tmpl);
    }
    if (t != NULL && why->len == 0 && !unpack_failed(in))
	rc = 0;
    free(name);
    free(file);
    return rc;
}

int     mapping_restore(UNPACK *in, MAPPINGS **maps, STR *err)
{
    MAPPINGS *m = mem_calloc(1, sizeof(*m));
    STR     why = STR_INIT;
    uint32_t n, i;
    char   *s;

    *maps = NULL;
    m->tables = htab_create(32);
    n = unpack_u32(in);
    for (i = 0; i < n && !unpack_failed(in); i++) {
	if ((s = unpack_str(in)) != NULL)
	    strlist_add(&m->files, s);
	free(s);
    }
    n = unpack_u32(in);
    for (i = 0; i < n && !unpack_failed(in); i++)
	if (restore_table(in, m, &why) < 0)
	    break;
    if (unpack_failed(in) || why.len > 0) {
	str_printf(err, "configuration image: mappings: %s",
		   unpack_failed(in) ? in->why : STR_C(why));
	str_free(&why);
	mapping_free(m);
	return -1;
    }
    str_free(&why);
    *maps = m;
    return 0;
}
