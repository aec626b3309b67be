/*
 * NAME
 *	cli - the one command-line parser for the pmdf command
 * SYNOPSIS
 *	#include "cli.h"
 *	(see cli.h for the interface, the tables and the syntax rules)
 * DESCRIPTION
 *	A parse runs in steps, each over plain arrays owned by a CLI_CTX that
 *	lives on cli_parse()'s stack (no global state):
 *
 *	1. words: argv as (pointer, length) slices; a first word with blanks
 *	   is cut into several slices (nothing is copied).
 *	2. the verb, from the first word up to any glued /; then the syntax
 *	   is chosen (cli.h, SYNTAX) and every word is cut into tokens: a
 *	   qualifier (name, optional value) or a parameter.
 *	3. sub-verbs: while the leaf verb has sub-verbs, the first parameter
 *	   token or a qualifier token naming a sub-verb chooses one.  This
 *	   comes first so that qualifiers may be looked up in the final set.
 *	4. the remaining tokens are applied: qualifiers are looked up among
 *	   those of the whole verb path (abbreviations, negation, values),
 *	   parameters are collected.
 *	5. checks: exclusive groups, defaults, sub-verb and parameter counts.
 *
 *	Qualifier values and parameters are copied into cmd; everything else
 *	points into argv and is gone when cli_parse() returns.
 * DIAGNOSTICS
 *	See cli.h.
 */
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "cli.h"
#include "mem.h"
#include "msg.h"

/*
 * Qualifier states.  Q_DEFAULT is "not given, but in effect".
 */
#define Q_ABSENT  0
#define Q_GIVEN   1
#define Q_NEGATED (-1)
#define Q_DEFAULT 2

struct CLI_SETTING {
    const CLI_QUAL *qual;
    int state;    /* Q_* */
    size_t order; /* token index of the last mention */
    size_t nvalues;
    char **values;
};

typedef struct CLI_WORD {
    const char *p; /* not NUL-terminated */
    size_t n;
    int raw; /* from our own split: quotes intact */
} CLI_WORD;

#define TOK_PARAM 0
#define TOK_QUAL  1

typedef struct CLI_TOKEN {
    int kind;         /* TOK_PARAM or TOK_QUAL */
    int raw;          /* from a word we split ourselves */
    const char *word; /* the whole word, for messages */
    size_t wordlen;
    const char *text; /* parameter, or "-name" as typed */
    size_t textlen;
    const char *name; /* qualifier name without - or / */
    size_t namelen;
    int has_value;
    const char *value; /* after = or : */
    size_t valuelen;
    int used; /* consumed as a sub-verb */
} CLI_TOKEN;

/*
 * A name a word may match: a verb, a qualifier (maybe its NO form) or the
 * built-in HELP qualifier.
 */
#define CAND_VERB 0
#define CAND_QUAL 1
#define CAND_HELP 2

typedef struct CLI_CAND {
    int kind;
    const char *name;
    int negated;
    const CLI_VERB *verb;
    const CLI_QUAL *qual;
} CLI_CAND;

typedef struct CLI_CANDS {
    CLI_CAND *v;
    size_t n;
    size_t cap;
} CLI_CANDS;

#define CANDS_INIT                                                             \
    {                                                                          \
	NULL, 0, 0                                                             \
    }

typedef struct CLI_CTX {
    CLI_CMD *cmd;
    STR *err;
    CLI_WORD *words;
    size_t nwords;
    CLI_TOKEN *toks;
    size_t ntoks;
    size_t tokcap;
    int dcl;                /* DCL syntax chosen */
    const CLI_TOKEN *extra; /* first parameter beyond the maximum */
    STR scratch;
} CLI_CTX;

static const char help_name[] = "HELP";

/* fail - set err, return -1 */

static int fail(STR *err, const char *fmt, ...)
{
    va_list ap;

    str_reset(err);
    va_start(ap, fmt);
    str_vcatf(err, fmt, ap);
    va_end(ap);
    return -1;
}

/* same_char - case-blind character comparison */

static int same_char(int a, int b)
{
    return toupper((unsigned char) a) == toupper((unsigned char) b);
}

/* name_eq - case-blind string equality */

static int name_eq(const char *a, const char *b)
{
    while (*a && same_char(*a, *b))
	a++, b++;
    return *a == 0 && *b == 0;
}

/* name_match - 2 if w[0..n) is (NO)name, 1 if a proper prefix, else 0 */

static int name_match(const char *w, size_t n, int negated, const char *name)
{
    const char *pre = negated ? "NO" : "";
    size_t plen = strlen(pre);
    size_t full = plen + strlen(name);
    size_t i;

    if (n == 0 || n > full)
	return 0;
    for (i = 0; i < n; i++)
	if (!same_char(w[i], i < plen ? pre[i] : name[i - plen]))
	    return 0;
    return n == full ? 2 : 1;
}

/* cat_case - append a name in upper or lower case */

static void cat_case(STR *out, const char *name, int upper)
{
    for (; *name; name++)
	str_catc(out, upper ? toupper((unsigned char) *name)
			    : tolower((unsigned char) *name));
}

/* cat_path - append "TEST REWRITE" */

static void cat_path(STR *out, const CLI_VERB *const *path, size_t depth)
{
    size_t i;

    for (i = 0; i < depth; i++) {
	if (i > 0)
	    str_catc(out, ' ');
	cat_case(out, path[i]->name, 1);
    }
}

/* scan_to - next byte from stops at i or later, outside quotes and () */

static size_t scan_to(const char *p, size_t n, size_t i, const char *stops)
{
    int inq = 0;
    int depth = 0;

    for (; i < n; i++) {
	if (p[i] == '"')
	    inq = !inq;
	else if (inq || p[i] == 0)
	    continue;
	else if (p[i] == '(')
	    depth++;
	else if (p[i] == ')' && depth > 0)
	    depth--;
	else if (depth == 0 && strchr(stops, p[i]) != NULL)
	    return i;
    }
    return n;
}

/* close_paren - index of the ) matching p[0] == '(', or n */

static size_t close_paren(const char *p, size_t n)
{
    size_t i;
    int inq = 0;
    int depth = 0;

    for (i = 0; i < n; i++) {
	if (p[i] == '"')
	    inq = !inq;
	else if (inq)
	    continue;
	else if (p[i] == '(')
	    depth++;
	else if (p[i] == ')' && --depth == 0)
	    return i;
    }
    return n;
}

/* dcl_unquote - DCL string rules: "..." groups, "" inside is one quote */

static int dcl_unquote(const char *p, size_t n, STR *out)
{
    size_t i;
    int inq = 0;

    str_reset(out);
    for (i = 0; i < n; i++) {
	if (p[i] != '"')
	    str_catc(out, p[i]);
	else if (inq && i + 1 < n && p[i + 1] == '"')
	    str_catc(out, p[i++]);
	else
	    inq = !inq;
    }
    return inq ? -1 : 0;
}

/* cands_add - append one candidate name */

static void cands_add(CLI_CANDS *c, int kind, const char *name, int negated,
		      const CLI_VERB *verb, const CLI_QUAL *qual)
{
    CLI_CAND *cand;

    if (c->n == c->cap) {
	c->cap = c->cap ? 2 * c->cap : 16;
	c->v = mem_realloc(c->v, c->cap * sizeof(*c->v));
    }
    cand = c->v + c->n++;
    cand->kind = kind;
    cand->name = name;
    cand->negated = negated;
    cand->verb = verb;
    cand->qual = qual;
}

static void cands_free(CLI_CANDS *c)
{
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

/* cands_verbs - every verb of a table */

static void cands_verbs(CLI_CANDS *c, const CLI_VERB *list)
{
    for (; list != NULL && list->name != NULL; list++)
	cands_add(c, CAND_VERB, list->name, 0, list, NULL);
}

/* path_has_qual - does some verb on the path declare this qualifier? */

static int path_has_qual(const CLI_VERB *const *path, size_t depth,
			 const char *name)
{
    const CLI_QUAL *q;
    size_t i;

    for (i = 0; i < depth; i++)
	for (q = path[i]->quals; q != NULL && q->name != NULL; q++)
	    if (name_eq(q->name, name))
		return 1;
    return 0;
}

/* cands_quals - qualifiers of the path, leaf first, then built-in HELP */

static void cands_quals(CLI_CANDS *c, const CLI_CMD *cmd)
{
    const CLI_QUAL *q;
    size_t level;

    for (level = cmd->depth; level-- > 0;) {
	for (q = cmd->path[level]->quals; q != NULL && q->name != NULL; q++) {
	    cands_add(c, CAND_QUAL, q->name, 0, NULL, q);
	    if (q->flags & CLI_NEGATABLE)
		cands_add(c, CAND_QUAL, q->name, 1, NULL, q);
	}
    }
    if (!path_has_qual(cmd->path, cmd->depth, help_name))
	cands_add(c, CAND_HELP, help_name, 0, NULL, NULL);
}

/* cands_resolve - exact match, else unique prefix, else NULL */

static const CLI_CAND *cands_resolve(const CLI_CANDS *c, const char *w,
				     size_t n, int *ambiguous)
{
    const CLI_CAND *prefix = NULL;
    size_t nprefix = 0;
    size_t i;
    int m;

    *ambiguous = 0;
    for (i = 0; i < c->n; i++) {
	m = name_match(w, n, c->v[i].negated, c->v[i].name);
	if (m == 2)
	    return c->v + i;
	if (m == 1 && nprefix++ == 0)
	    prefix = c->v + i;
    }
    if (nprefix > 1) {
	*ambiguous = 1;
	return NULL;
    }
    return prefix;
}

/* cat_cand - append a candidate as shown in messages: NOCREATE */

static void cat_cand(STR *out, const CLI_CAND *cand)
{
    if (cand->negated)
	str_cat(out, "NO");
    cat_case(out, cand->name, 1);
}

/*
 * match_error - unknown or ambiguous word, listing the candidates; w[0..n)
 * is the word as typed, w[skip..n) the name matched.
 */

static int match_error(STR *err, const char *what, const char *w, size_t n,
		       size_t skip, const CLI_VERB *const *path, size_t depth,
		       const CLI_CANDS *c, int ambiguous)
{
    size_t i;
    int first = 1;

    str_printf(err, "%s %s \"%.*s\"", ambiguous ? "ambiguous" : "unknown", what,
	       (int) n, w);
    if (depth > 0) {
	str_cat(err, " for ");
	cat_path(err, path, depth);
    }
    if (!ambiguous)
	return -1;
    str_cat(err, " (");
    for (i = 0; i < c->n; i++) {
	if (name_match(w + skip, n - skip, c->v[i].negated, c->v[i].name) == 0)
	    continue;
	if (!first)
	    str_cat(err, ", ");
	cat_cand(err, c->v + i);
	first = 0;
    }
    str_catc(err, ')');
    return -1;
}

/* fail_cand - "before" NAME "after" */

static int fail_cand(STR *err, const char *before, const CLI_CAND *cand,
		     const char *after)
{
    str_cpy(err, before);
    cat_cand(err, cand);
    str_cat(err, after);
    return -1;
}

/* fail_exclusive - two qualifiers that may not be combined */

static int fail_exclusive(STR *err, const char *a, const char *b)
{
    str_cpy(err, "qualifiers ");
    cat_case(err, a, 1);
    str_cat(err, " and ");
    cat_case(err, b, 1);
    str_cat(err, " are mutually exclusive");
    return -1;
}

/* fail_word - message about a whole word: ... in "word" */

static int fail_word(STR *err, const char *what, const CLI_TOKEN *t)
{
    return fail(err, "%s in \"%.*s\"", what, (int) t->wordlen, t->word);
}

/*
 * Step 1: words.
 */

static int is_blank(int c)
{
    return c == ' ' || c == '\t';
}

static void add_word(CLI_CTX *ctx, const char *p, size_t n, int raw)
{
    CLI_WORD *w = ctx->words + ctx->nwords++;

    w->p = p;
    w->n = n;
    w->raw = raw;
}

/* add_first_word - the first argv word, split at blanks if it has any */

static void add_first_word(CLI_CTX *ctx, const char *p)
{
    size_t n = strlen(p);
    size_t i = 0;
    size_t end;

    if (scan_to(p, n, 0, " \t") == n) {
	add_word(ctx, p, n, 0);
	return;
    }
    while (i < n) {
	while (i < n && is_blank(p[i]))
	    i++;
	if (i == n)
	    break;
	end = scan_to(p, n, i, " \t");
	add_word(ctx, p + i, end - i, 1);
	i = end;
    }
}

static void split_words(CLI_CTX *ctx, int argc, char **argv)
{
    size_t cap = (size_t) argc;
    size_t ntok = 1;
    size_t i;
    const char *s;
    int k;

    if (argc > 0)
	cap += strlen(argv[0]);
    ctx->words = mem_calloc(cap, sizeof(*ctx->words));
    if (argc > 0)
	add_first_word(ctx, argv[0]);
    for (k = 1; k < argc; k++)
	add_word(ctx, argv[k], strlen(argv[k]), 0);

    /* Each word yields at most one parameter plus one token per slash. */
    for (i = 0; i < ctx->nwords; i++) {
	ntok++;
	for (s = ctx->words[i].p; s < ctx->words[i].p + ctx->words[i].n; s++)
	    ntok += *s == '/';
    }
    ctx->toks = mem_calloc(ntok, sizeof(*ctx->toks));
    ctx->tokcap = ntok;
}

/*
 * Step 2: the verb, the syntax, tokens.
 */

static int is_dashdash(const CLI_WORD *w)
{
    return w->n == 2 && w->p[0] == '-' && w->p[1] == '-';
}

static int is_unix_qual(const CLI_WORD *w)
{
    return w->n > 1 && w->p[0] == '-';
}

/* seg_len - length of a qualifier name: up to / = or : */

static size_t seg_len(const char *p, size_t n)
{
    size_t k = 0;

    while (k < n && p[k] != '/' && p[k] != '=' && p[k] != ':')
	k++;
    return k;
}

/* names_qualifier - is w a prefix of a name usable as a qualifier here? */

static int names_qualifier(const CLI_VERB *v, const char *w, size_t n)
{
    const CLI_QUAL *q;
    const CLI_VERB *sub;

    if (name_match(w, n, 0, help_name))
	return 1;
    for (q = v->quals; q != NULL && q->name != NULL; q++)
	if (name_match(w, n, 0, q->name) ||
	    ((q->flags & CLI_NEGATABLE) && name_match(w, n, 1, q->name)))
	    return 1;
    for (sub = v->subverbs; sub != NULL && sub->name != NULL; sub++)
	if (name_match(w, n, 0, sub->name) || names_qualifier(sub, w, n))
	    return 1;
    return 0;
}

/* names_subverb - is w a prefix of a sub-verb anywhere below v? */

static int names_subverb(const CLI_VERB *v, const char *w, size_t n)
{
    const CLI_VERB *sub;

    for (sub = v->subverbs; sub != NULL && sub->name != NULL; sub++)
	if (name_match(w, n, 0, sub->name) || names_subverb(sub, w, n))
	    return 1;
    return 0;
}

/* looks_dcl - does a word after the verb make this a DCL command? */

static int looks_dcl(const CLI_VERB *v, const CLI_WORD *w)
{
    size_t slash;

    if (w->n > 0 && w->p[0] == '/')
	return names_qualifier(v, w->p + 1, seg_len(w->p + 1, w->n - 1));
    if (w->n == 0 || w->p[0] == '-')
	return 0;
    slash = scan_to(w->p, w->n, 0, "/");
    if (slash == w->n || (!w->raw && !names_subverb(v, w->p, slash)))
	return 0;
    return names_qualifier(v, w->p + slash + 1,
			   seg_len(w->p + slash + 1, w->n - slash - 1));
}

static int detect_dcl(const CLI_CTX *ctx)
{
    size_t i;

    for (i = 1; i < ctx->nwords && !is_dashdash(ctx->words + i); i++)
	if (looks_dcl(ctx->cmd->path[0], ctx->words + i))
	    return 1;
    return 0;
}

static CLI_TOKEN *tok_new(CLI_CTX *ctx, int kind, const CLI_WORD *w)
{
    CLI_TOKEN *t;

    if (ctx->ntoks == ctx->tokcap)
	msg_panic("cli: token array overflow");
    t = ctx->toks + ctx->ntoks++;
    t->kind = kind;
    t->raw = w->raw;
    t->word = w->p;
    t->wordlen = w->n;
    t->text = t->name = t->value = NULL;
    t->textlen = t->namelen = t->valuelen = 0;
    t->has_value = t->used = 0;
    return t;
}

static void tok_param(CLI_CTX *ctx, const CLI_WORD *w, const char *p, size_t n)
{
    CLI_TOKEN *t = tok_new(ctx, TOK_PARAM, w);

    t->text = p;
    t->textlen = n;
}

/* tok_qual - qualifier shown as disp..name+k, name n bytes incl. value */

static int tok_qual(CLI_CTX *ctx, const CLI_WORD *w, const char *disp,
		    const char *name, size_t n, const char *seps)
{
    CLI_TOKEN *t;
    size_t k = 0;

    while (k < n && strchr(seps, name[k]) == NULL)
	k++;
    if (k == 0)
	return fail(ctx->err, "missing qualifier name in \"%.*s\"", (int) w->n,
		    w->p);
    t = tok_new(ctx, TOK_QUAL, w);
    t->text = disp;
    t->textlen = (size_t) (name + k - disp);
    t->name = name;
    t->namelen = k;
    if (k < n) {
	t->has_value = 1;
	t->value = name + k + 1;
	t->valuelen = n - k - 1;
    }
    return 0;
}

/* tok_unix - -name or --name, value after = */

static int tok_unix(CLI_CTX *ctx, const CLI_WORD *w)
{
    size_t skip = (w->n > 2 && w->p[1] == '-') ? 2 : 1;

    return tok_qual(ctx, w, w->p, w->p + skip, w->n - skip, "=");
}

/* tok_dcl_quals - the /QUAL[=value] segments of a word from pos on */

static int tok_dcl_quals(CLI_CTX *ctx, const CLI_WORD *w, size_t pos)
{
    size_t end;

    while (pos < w->n) {
	end = scan_to(w->p, w->n, pos + 1, "/");
	if (tok_qual(ctx, w, w->p + pos, w->p + pos + 1, end - pos - 1, "=:") <
	    0)
	    return -1;
	pos = end;
    }
    return 0;
}

/* tok_dcl_word - param/QUAL/QUAL=value */

static int tok_dcl_word(CLI_CTX *ctx, const CLI_WORD *w)
{
    size_t slash = scan_to(w->p, w->n, 0, "/");

    if (slash > 0 || w->n == 0)
	tok_param(ctx, w, w->p, slash);
    return tok_dcl_quals(ctx, w, slash);
}

/* tokenize - the words from first on */

static int tokenize(CLI_CTX *ctx, size_t first)
{
    const CLI_WORD *w;
    size_t i;
    int ended = 0;

    for (i = first; i < ctx->nwords; i++) {
	w = ctx->words + i;
	if (ended)
	    tok_param(ctx, w, w->p, w->n);
	else if (is_dashdash(w))
	    ended = 1;
	else if (is_unix_qual(w)) {
	    if (tok_unix(ctx, w) < 0)
		return -1;
	} else if (ctx->dcl) {
	    if (tok_dcl_word(ctx, w) < 0)
		return -1;
	} else
	    tok_param(ctx, w, w->p, w->n);
    }
    return 0;
}

static void push_verb(CLI_CTX *ctx, const CLI_VERB *v)
{
    CLI_CMD *cmd = ctx->cmd;

    if (cmd->depth == CLI_MAX_DEPTH)
	msg_panic("cli: verb %s nested deeper than %d levels", v->name,
		  CLI_MAX_DEPTH);
    cmd->path[cmd->depth++] = v;
    cmd->verb = v;
}

static const CLI_VERB *leaf(const CLI_CTX *ctx)
{
    return ctx->cmd->path[ctx->cmd->depth - 1];
}

/* parse_verb - the verb word: resolve it, choose the syntax, tokenize */

static int parse_verb(CLI_CTX *ctx, const CLI_VERB *table)
{
    const CLI_WORD *w = ctx->words;
    size_t slash = scan_to(w->p, w->n, 0, "/");
    CLI_CANDS c = CANDS_INIT;
    const CLI_CAND *hit;
    int amb;

    cands_verbs(&c, table);
    hit = cands_resolve(&c, w->p, slash, &amb);
    if (hit == NULL)
	match_error(ctx->err, "verb", w->p, slash, 0, NULL, 0, &c, amb);
    else
	push_verb(ctx, hit->verb);
    cands_free(&c);
    if (hit == NULL)
	return -1;
    ctx->dcl = slash < w->n || detect_dcl(ctx);
    ctx->cmd->syntax = ctx->dcl ? CLI_SYNTAX_DCL : CLI_SYNTAX_UNIX;
    if (tok_dcl_quals(ctx, w, slash) < 0)
	return -1;
    return tokenize(ctx, 1);
}

/*
 * Step 3: sub-verbs.
 */

static int select_by_keyword(CLI_CTX *ctx, CLI_TOKEN *t)
{
    CLI_CANDS c = CANDS_INIT;
    const CLI_CAND *hit;
    int amb;

    cands_verbs(&c, leaf(ctx)->subverbs);
    hit = cands_resolve(&c, t->text, t->textlen, &amb);
    if (hit == NULL)
	match_error(ctx->err, "sub-verb", t->text, t->textlen, 0,
		    ctx->cmd->path, ctx->cmd->depth, &c, amb);
    else {
	t->used = 1;
	push_verb(ctx, hit->verb);
    }
    cands_free(&c);
    return hit == NULL ? -1 : 0;
}

/* any_verb_matches - is some verb among the prefix matches of w? */

static int any_verb_matches(const CLI_CANDS *c, const char *w, size_t n)
{
    size_t i;

    for (i = 0; i < c->n; i++)
	if (c->v[i].kind == CAND_VERB && name_match(w, n, 0, c->v[i].name))
	    return 1;
    return 0;
}

/* select_by_qualifier - 1 if t chose a sub-verb, 0 if not, -1 error */

static int select_by_qualifier(CLI_CTX *ctx, CLI_TOKEN *t)
{
    CLI_CANDS c = CANDS_INIT;
    const CLI_CAND *hit;
    int amb;
    int rc = 0;

    if (t->has_value)
	return 0;
    cands_verbs(&c, leaf(ctx)->subverbs);
    cands_quals(&c, ctx->cmd);
    hit = cands_resolve(&c, t->name, t->namelen, &amb);
    if (hit != NULL && hit->kind == CAND_VERB) {
	t->used = 1;
	push_verb(ctx, hit->verb);
	rc = 1;
    } else if (amb && any_verb_matches(&c, t->name, t->namelen))
	rc = match_error(ctx->err, "qualifier", t->text, t->textlen,
			 t->textlen - t->namelen, ctx->cmd->path,
			 ctx->cmd->depth, &c, 1);
    cands_free(&c);
    return rc;
}

/* choose_subverbs - walk down while the leaf has sub-verbs */

static int choose_subverbs(CLI_CTX *ctx)
{
    CLI_TOKEN *t;
    size_t i;
    int rc;

    while (leaf(ctx)->subverbs != NULL) {
	for (rc = 0, i = 0; rc == 0 && i < ctx->ntoks; i++) {
	    t = ctx->toks + i;
	    if (t->used)
		continue;
	    if (t->kind == TOK_PARAM)
		rc = select_by_keyword(ctx, t) < 0 ? -1 : 1;
	    else
		rc = select_by_qualifier(ctx, t);
	}
	if (rc <= 0)
	    return rc;
    }
    return 0;
}

/*
 * Step 4: qualifiers and parameters.
 */

static void build_settings(CLI_CMD *cmd)
{
    const CLI_QUAL *q;
    struct CLI_SETTING *s;
    size_t level;
    size_t n = 0;

    for (level = 0; level < cmd->depth; level++)
	for (q = cmd->path[level]->quals; q != NULL && q->name != NULL; q++)
	    n++;
    cmd->settings = mem_calloc(n, sizeof(*cmd->settings));
    cmd->nsettings = n;
    s = cmd->settings;
    for (level = cmd->depth; level-- > 0;) {
	for (q = cmd->path[level]->quals; q != NULL && q->name != NULL;
	     q++, s++) {
	    s->qual = q;
	    s->state = Q_ABSENT;
	    s->order = 0;
	    s->nvalues = 0;
	    s->values = NULL;
	}
    }
}

static struct CLI_SETTING *setting_of(const CLI_CMD *cmd, const CLI_QUAL *q)
{
    size_t i;

    for (i = 0; i < cmd->nsettings; i++)
	if (cmd->settings[i].qual == q)
	    return cmd->settings + i;
    msg_panic("cli: no setting for qualifier %s", q->name);
    return NULL;
}

static void clear_values(struct CLI_SETTING *s)
{
    size_t i;

    for (i = 0; i < s->nvalues; i++)
	free(s->values[i]);
    free(s->values);
    s->values = NULL;
    s->nvalues = 0;
}

/* add_value - unquote one value or list element and keep it */

static int add_value(CLI_CTX *ctx, const CLI_TOKEN *t, struct CLI_SETTING *s,
		     const char *p, size_t n)
{
    if (dcl_unquote(p, n, &ctx->scratch) < 0)
	return fail_word(ctx->err, "unterminated quoted string", t);
    s->values = mem_realloc(s->values, (s->nvalues + 1) * sizeof(*s->values));
    s->values[s->nvalues++] = mem_strdup(STR_C(ctx->scratch));
    return 0;
}

/* add_element - one list element, blanks around it ignored as in DCL */

static int add_element(CLI_CTX *ctx, const CLI_TOKEN *t, struct CLI_SETTING *s,
		       const char *p, size_t n)
{
    while (n > 0 && is_blank(*p))
	p++, n--;
    while (n > 0 && is_blank(p[n - 1]))
	n--;
    if (n == 0)
	return fail_word(ctx->err, "missing list element", t);
    return add_value(ctx, t, s, p, n);
}

/* add_list - (a,b,c) or a,b,c */

static int add_list(CLI_CTX *ctx, const CLI_TOKEN *t, struct CLI_SETTING *s)
{
    const char *p = t->value;
    size_t n = t->valuelen;
    size_t i = 0;
    size_t end;

    if (p[0] == '(') {
	end = close_paren(p, n);
	if (end == n)
	    return fail_word(ctx->err, "missing \")\"", t);
	if (end != n - 1)
	    return fail_word(ctx->err, "unexpected text after \")\"", t);
	p++;
	n -= 2;
    }
    for (;;) {
	end = scan_to(p, n, i, ",");
	if (add_element(ctx, t, s, p + i, end - i) < 0)
	    return -1;
	if (end == n)
	    return 0;
	i = end + 1;
    }
}

/* set_qualifier - apply a resolved qualifier token */

static int set_qualifier(CLI_CTX *ctx, const CLI_TOKEN *t, const CLI_CAND *hit,
			 size_t order)
{
    struct CLI_SETTING *s = setting_of(ctx->cmd, hit->qual);
    int vflags = hit->qual->flags & CLI_VALUE_MASK;

    clear_values(s);
    s->order = order;
    if (t->has_value && (hit->negated || vflags == CLI_VALUE_NONE))
	return fail_cand(ctx->err, "qualifier ", hit, " takes no value");
    if (hit->negated) {
	s->state = Q_NEGATED;
	return 0;
    }
    if ((vflags == CLI_VALUE_REQUIRED && !t->has_value) ||
	(t->has_value && t->valuelen == 0))
	return fail_cand(ctx->err, "missing value for qualifier ", hit, "");
    s->state = Q_GIVEN;
    if (!t->has_value)
	return 0;
    if (hit->qual->flags & CLI_LIST)
	return add_list(ctx, t, s);
    return add_value(ctx, t, s, t->value, t->valuelen);
}

static int set_help(CLI_CTX *ctx, const CLI_TOKEN *t, const CLI_CAND *hit)
{
    if (t->has_value)
	return fail_cand(ctx->err, "qualifier ", hit, " takes no value");
    ctx->cmd->help = 1;
    return 0;
}

/* reselect - a sub-verb qualifier after the sub-verb was chosen */

static int reselect(CLI_CTX *ctx, const CLI_TOKEN *t)
{
    const CLI_CMD *cmd = ctx->cmd;
    CLI_CANDS c = CANDS_INIT;
    const CLI_CAND *hit;
    const CLI_VERB *chosen;
    size_t level;
    int amb;
    int rc = 0;

    for (level = 0; rc == 0 && level + 1 < cmd->depth; level++) {
	cands_verbs(&c, cmd->path[level]->subverbs);
	hit = cands_resolve(&c, t->name, t->namelen, &amb);
	chosen = cmd->path[level + 1];
	if (hit != NULL && hit->verb != chosen)
	    rc = fail_exclusive(ctx->err, chosen->name, hit->verb->name);
	else if (hit != NULL && t->has_value)
	    rc = fail_cand(ctx->err, "qualifier ", hit, " takes no value");
	else if (hit != NULL)
	    rc = 1;
	c.n = 0;
    }
    cands_free(&c);
    return rc;
}

static int apply_qualifier(CLI_CTX *ctx, const CLI_TOKEN *t, size_t order)
{
    CLI_CANDS c = CANDS_INIT;
    const CLI_CAND *hit;
    int amb;
    int rc;

    cands_quals(&c, ctx->cmd);
    hit = cands_resolve(&c, t->name, t->namelen, &amb);
    if (hit == NULL && !amb && (rc = reselect(ctx, t)) != 0)
	rc = rc < 0 ? -1 : 0;
    else if (hit == NULL)
	rc = match_error(ctx->err, "qualifier", t->text, t->textlen,
			 t->textlen - t->namelen, ctx->cmd->path,
			 ctx->cmd->depth, &c, amb);
    else if (hit->kind == CAND_HELP)
	rc = set_help(ctx, t, hit);
    else
	rc = set_qualifier(ctx, t, hit, order);
    cands_free(&c);
    return rc;
}

static int add_param(CLI_CTX *ctx, const CLI_TOKEN *t)
{
    CLI_CMD *cmd = ctx->cmd;
    const CLI_VERB *v = cmd->verb;

    if (!ctx->dcl && !t->raw)
	str_cpyn(&ctx->scratch, t->text, t->textlen);
    else if (dcl_unquote(t->text, t->textlen, &ctx->scratch) < 0)
	return fail_word(ctx->err, "unterminated quoted string", t);
    if (v != NULL && v->max_params >= 0 && ctx->extra == NULL &&
	cmd->nparams >= (size_t) v->max_params)
	ctx->extra = t;
    cmd->params =
	mem_realloc(cmd->params, (cmd->nparams + 1) * sizeof(*cmd->params));
    cmd->params[cmd->nparams++] = mem_strdup(STR_C(ctx->scratch));
    return 0;
}

static int apply_tokens(CLI_CTX *ctx)
{
    const CLI_TOKEN *t;
    size_t i;
    int rc;

    for (i = 0; i < ctx->ntoks; i++) {
	t = ctx->toks + i;
	if (t->used)
	    continue;
	rc = t->kind == TOK_PARAM ? add_param(ctx, t)
				  : apply_qualifier(ctx, t, i);
	if (rc < 0)
	    return -1;
    }
    return 0;
}

/*
 * Step 5: checks.
 */

static int check_groups(CLI_CTX *ctx)
{
    const struct CLI_SETTING *a;
    const struct CLI_SETTING *b;
    const CLI_CMD *cmd = ctx->cmd;
    size_t i;
    size_t j;

    for (i = 0; i < cmd->nsettings; i++) {
	a = cmd->settings + i;
	if (a->state != Q_GIVEN || a->qual->group == 0)
	    continue;
	for (j = i + 1; j < cmd->nsettings; j++) {
	    b = cmd->settings + j;
	    if (b->state != Q_GIVEN || b->qual->group != a->qual->group)
		continue;
	    if (b->order < a->order)
		return fail_exclusive(ctx->err, b->qual->name, a->qual->name);
	    return fail_exclusive(ctx->err, a->qual->name, b->qual->name);
	}
    }
    return 0;
}

static int group_given(const CLI_CMD *cmd, int group)
{
    size_t i;

    for (i = 0; group != 0 && i < cmd->nsettings; i++)
	if (cmd->settings[i].state == Q_GIVEN &&
	    cmd->settings[i].qual->group == group)
	    return 1;
    return 0;
}

static void apply_defaults(CLI_CMD *cmd)
{
    struct CLI_SETTING *s;
    size_t i;

    for (i = 0; i < cmd->nsettings; i++) {
	s = cmd->settings + i;
	if ((s->qual->flags & CLI_DEFAULT) && s->state == Q_ABSENT &&
	    !group_given(cmd, s->qual->group))
	    s->state = Q_DEFAULT;
    }
}

static int fail_no_subverb(CLI_CTX *ctx)
{
    const CLI_VERB *sub;
    STR *err = ctx->err;

    str_cpy(err, "missing sub-verb for ");
    cat_path(err, ctx->cmd->path, ctx->cmd->depth);
    str_cat(err, " (");
    for (sub = leaf(ctx)->subverbs; sub->name != NULL; sub++) {
	if (sub != leaf(ctx)->subverbs)
	    str_cat(err, ", ");
	cat_case(err, sub->name, 1);
    }
    str_catc(err, ')');
    return -1;
}

static int check_params(CLI_CTX *ctx)
{
    const CLI_CMD *cmd = ctx->cmd;
    const CLI_VERB *v = cmd->verb;

    if (ctx->extra != NULL) {
	str_cpy(ctx->err, "too many parameters for ");
	cat_path(ctx->err, cmd->path, cmd->depth);
	str_catf(ctx->err, ": \"%.*s\"", (int) ctx->extra->textlen,
		 ctx->extra->text);
	return -1;
    }
    if (v->min_params < 0 || cmd->nparams >= (size_t) v->min_params)
	return 0;
    str_cpy(ctx->err, "missing parameter for ");
    cat_path(ctx->err, cmd->path, cmd->depth);
    if (v->params_help != NULL)
	str_catf(ctx->err, ": %s", v->params_help);
    return -1;
}

static int finish(CLI_CTX *ctx)
{
    if (check_groups(ctx) < 0)
	return -1;
    apply_defaults(ctx->cmd);
    if (ctx->cmd->help)
	return 0;
    if (leaf(ctx)->subverbs != NULL && leaf(ctx)->action == NULL)
	return fail_no_subverb(ctx);
    return check_params(ctx);
}

/* parse_global - "pmdf -help [topic ...]": no verb */

static int parse_global(CLI_CTX *ctx)
{
    const CLI_WORD *w = ctx->words;

    ctx->dcl = w->p[0] == '/';
    ctx->cmd->syntax = ctx->dcl ? CLI_SYNTAX_DCL : CLI_SYNTAX_UNIX;
    if (tokenize(ctx, 0) < 0)
	return -1;
    build_settings(ctx->cmd);
    if (apply_tokens(ctx) < 0)
	return -1;
    if (!ctx->cmd->help)
	return fail(ctx->err, "missing verb");
    return 0;
}

static int parse(CLI_CTX *ctx, const CLI_VERB *table)
{
    const CLI_WORD *w = ctx->words;

    if (ctx->nwords == 0)
	return fail(ctx->err, "missing verb");
    if ((is_unix_qual(w) && !is_dashdash(w)) || (w->n > 0 && w->p[0] == '/'))
	return parse_global(ctx);
    if (parse_verb(ctx, table) < 0 || choose_subverbs(ctx) < 0)
	return -1;
    build_settings(ctx->cmd);
    if (apply_tokens(ctx) < 0)
	return -1;
    return finish(ctx);
}

static void cmd_init(CLI_CMD *cmd)
{
    size_t i;

    cmd->verb = NULL;
    for (i = 0; i < CLI_MAX_DEPTH; i++)
	cmd->path[i] = NULL;
    cmd->depth = 0;
    cmd->syntax = CLI_SYNTAX_UNIX;
    cmd->help = 0;
    cmd->nparams = 0;
    cmd->params = NULL;
    cmd->nsettings = 0;
    cmd->settings = NULL;
}

int cli_parse(const CLI_VERB *table, int argc, char **argv, CLI_CMD *cmd,
	      STR *err)
{
    CLI_CTX ctx;
    int rc;

    cmd_init(cmd);
    str_reset(err);
    ctx.cmd = cmd;
    ctx.err = err;
    ctx.nwords = ctx.ntoks = ctx.tokcap = 0;
    ctx.dcl = 0;
    ctx.extra = NULL;
    str_init(&ctx.scratch);
    split_words(&ctx, argc, argv);
    rc = parse(&ctx, table);
    free(ctx.words);
    free(ctx.toks);
    str_free(&ctx.scratch);
    if (rc < 0)
	cli_free(cmd);
    return rc < 0 ? -1 : 0;
}

void cli_free(CLI_CMD *cmd)
{
    size_t i;

    for (i = 0; i < cmd->nparams; i++)
	free(cmd->params[i]);
    free(cmd->params);
    for (i = 0; i < cmd->nsettings; i++)
	clear_values(cmd->settings + i);
    free(cmd->settings);
    cmd_init(cmd);
}

/*
 * Accessors.
 */

static const struct CLI_SETTING *
find_setting(const CLI_CMD *cmd, const char *qual, const char *caller)
{
    STR path = STR_INIT;
    size_t i;

    for (i = 0; i < cmd->nsettings; i++)
	if (name_eq(cmd->settings[i].qual->name, qual))
	    return cmd->settings + i;
    if (name_eq(qual, help_name))
	return NULL;
    cat_path(&path, cmd->path, cmd->depth);
    msg_panic("%s: verb \"%s\" has no qualifier %s", caller, STR_C(path), qual);
    return NULL;
}

int cli_present(const CLI_CMD *cmd, const char *qual)
{
    const struct CLI_SETTING *s = find_setting(cmd, qual, "cli_present");

    if (s == NULL)
	return cmd->help;
    if (s->state == Q_DEFAULT)
	return 1;
    return s->state;
}

int cli_explicit(const CLI_CMD *cmd, const char *qual)
{
    const struct CLI_SETTING *s = find_setting(cmd, qual, "cli_explicit");

    if (s == NULL)
	return cmd->help;
    if (s->state == Q_DEFAULT)
	return 0;
    return s->state;
}

size_t cli_nvalues(const CLI_CMD *cmd, const char *qual)
{
    const struct CLI_SETTING *s = find_setting(cmd, qual, "cli_nvalues");

    return s == NULL ? 0 : s->nvalues;
}

const char *cli_value_at(const CLI_CMD *cmd, const char *qual, size_t i)
{
    const struct CLI_SETTING *s = find_setting(cmd, qual, "cli_value_at");

    return s == NULL || i >= s->nvalues ? NULL : s->values[i];
}

const char *cli_value(const CLI_CMD *cmd, const char *qual)
{
    return cli_value_at(cmd, qual, 0);
}

const char *cli_param(const CLI_CMD *cmd, size_t i)
{
    return i < cmd->nparams ? cmd->params[i] : NULL;
}

void cli_path_name(const CLI_CMD *cmd, STR *out)
{
    str_reset(out);
    cat_path(out, cmd->path, cmd->depth);
}

int cli_dispatch(const CLI_VERB *table, const CLI_CMD *cmd)
{
    STR err = STR_INIT;
    int rc = 0;

    if (cmd->help && cmd->verb == NULL) {
	if ((rc = cli_help(table, (int) cmd->nparams, cmd->params, stdout,
			   &err)) < 0)
	    msg_error("%s", STR_C(err));
	str_free(&err);
	return rc;
    }
    if (cmd->help) {
	cli_help_cmd(table, cmd, stdout);
	return 0;
    }
    if (cmd->verb == NULL || cmd->verb->action == NULL) {
	cat_path(&err, cmd->path, cmd->depth);
	msg_error("%s: not implemented", STR_C(err));
	str_free(&err);
	return -1;
    }
    return cmd->verb->action(cmd);
}

/*
 * Help.
 */

static void cat_command(STR *out, const CLI_VERB *const *path, size_t depth,
			int upper)
{
    size_t i;

    cat_case(out, msg_get_progname(), upper);
    /* A single-verb program (cli_program_main): the verb is the program. */
    i = depth > 0 && strcmp(path[0]->name, msg_get_progname()) == 0;
    for (; i < depth; i++) {
	str_catc(out, ' ');
	cat_case(out, path[i]->name, upper);
    }
}

/* cat_qual_form - -[no]name=(value,...) or /[NO]NAME=(value,...) */

static void cat_qual_form(STR *out, const CLI_QUAL *q, int dcl)
{
    int vflags = q->flags & CLI_VALUE_MASK;
    const char *value = (q->flags & CLI_LIST) ? "(value,...)" : "value";

    str_cat(out, dcl ? "/" : "-");
    if (q->flags & CLI_NEGATABLE)
	str_cat(out, dcl ? "[NO]" : "[no]");
    cat_case(out, q->name, dcl);
    if (vflags == CLI_VALUE_REQUIRED)
	str_catf(out, "=%s", value);
    else if (vflags == CLI_VALUE_OPTIONAL)
	str_catf(out, "[=%s]", value);
}

static void cat_params(STR *out, const CLI_VERB *v)
{
    const char *what = v->params_help ? v->params_help : "parameter";

    if (v->subverbs != NULL)
	str_cat(out, v->action ? " [sub-verb]" : " sub-verb");
    if (v->max_params == 0)
	return;
    if (v->min_params > 0)
	str_catf(out, " %s", what);
    else
	str_catf(out, " [%s]", what);
}

static void help_usage(const CLI_VERB *const *path, size_t depth, FILE *fp)
{
    STR line = STR_INIT;

    str_cpy(&line, "Usage: ");
    cat_command(&line, path, depth, 0);
    str_cat(&line, " [-qualifier...]");
    cat_params(&line, path[depth - 1]);
    fprintf(fp, "%s\n", STR_C(line));
    str_cpy(&line, "       ");
    cat_command(&line, path, depth, 1);
    str_cat(&line, "[/qualifier...]");
    cat_params(&line, path[depth - 1]);
    fprintf(fp, "%s\n", STR_C(line));
    str_free(&line);
}

static void help_subverbs(const CLI_VERB *const *path, size_t depth, FILE *fp)
{
    const CLI_VERB *list = path[depth - 1]->subverbs;
    const CLI_VERB *sub;
    STR unix_form = STR_INIT;
    STR dcl_form = STR_INIT;
    size_t width = 0;

    cat_command(&unix_form, path, depth, 0);
    for (sub = list; sub->name != NULL; sub++)
	if (unix_form.len + 1 + strlen(sub->name) > width)
	    width = unix_form.len + 1 + strlen(sub->name);
    fprintf(fp, "\nSub-verbs:\n");
    for (sub = list; sub->name != NULL; sub++) {
	str_reset(&unix_form);
	cat_command(&unix_form, path, depth, 0);
	str_catc(&unix_form, ' ');
	cat_case(&unix_form, sub->name, 0);
	str_reset(&dcl_form);
	cat_command(&dcl_form, path, depth, 1);
	str_catc(&dcl_form, ' ');
	cat_case(&dcl_form, sub->name, 1);
	fprintf(fp, "  %-*s  %-*s  %s\n", (int) width, STR_C(unix_form),
		(int) width, STR_C(dcl_form), sub->help ? sub->help : "");
    }
    str_reset(&unix_form);
    cat_case(&unix_form, list->name, 0);
    str_reset(&dcl_form);
    cat_case(&dcl_form, list->name, 1);
    fprintf(fp, "  A sub-verb may also be given as a qualifier (-%s, /%s).\n",
	    STR_C(unix_form), STR_C(dcl_form));
    str_free(&unix_form);
    str_free(&dcl_form);
}

static size_t qual_width(const CLI_QUAL *q, int dcl, STR *tmp)
{
    str_reset(tmp);
    cat_qual_form(tmp, q, dcl);
    return tmp->len;
}

static void help_qual_line(const CLI_QUAL *q, size_t uw, size_t dw, FILE *fp)
{
    STR unix_form = STR_INIT;
    STR dcl_form = STR_INIT;

    cat_qual_form(&unix_form, q, 0);
    cat_qual_form(&dcl_form, q, 1);
    fprintf(fp, "  %-*s  %-*s  %s%s\n", (int) uw, STR_C(unix_form), (int) dw,
	    STR_C(dcl_form), q->help ? q->help : "",
	    (q->flags & CLI_DEFAULT) ? " (default)" : "");
    str_free(&unix_form);
    str_free(&dcl_form);
}

/* help_groups - "At most one of: CREATE, DELETE, SHOW, TEST" per group */

static void help_groups(const CLI_VERB *const *path, size_t depth, FILE *fp)
{
    const CLI_QUAL *q;
    const CLI_QUAL *r;
    size_t level;
    size_t other;
    int seen;
    STR line = STR_INIT;

    for (level = depth; level-- > 0;) {
	for (q = path[level]->quals; q != NULL && q->name != NULL; q++) {
	    if (q->group == 0)
		continue;
	    for (seen = 0, r = path[level]->quals; r != q; r++)
		seen |= r->group == q->group;
	    for (other = depth; other-- > level + 1;)
		for (r = path[other]->quals; r != NULL && r->name != NULL; r++)
		    seen |= r->group == q->group;
	    if (seen)
		continue;
	    str_cpy(&line, "  At most one of:");
	    for (other = depth; other-- > 0;)
		for (r = path[other]->quals; r != NULL && r->name != NULL; r++)
		    if (r->group == q->group) {
			str_catc(&line, ' ');
			cat_case(&line, r->name, 1);
		    }
	    fprintf(fp, "%s\n", STR_C(line));
	}
    }
    str_free(&line);
}

static void help_quals(const CLI_VERB *const *path, size_t depth, FILE *fp)
{
    static const CLI_QUAL help_qual = {"help", CLI_VALUE_NONE, 0,
				       "show this help"};
    const CLI_QUAL *q;
    size_t level;
    STR tmp = STR_INIT;
    size_t uw = qual_width(&help_qual, 0, &tmp);
    size_t dw = uw;

    for (level = 0; level < depth; level++) {
	for (q = path[level]->quals; q != NULL && q->name != NULL; q++) {
	    uw = qual_width(q, 0, &tmp) > uw ? tmp.len : uw;
	    dw = qual_width(q, 1, &tmp) > dw ? tmp.len : dw;
	}
    }
    str_free(&tmp);
    fprintf(fp, "\nQualifiers:\n");
    for (level = depth; level-- > 0;)
	for (q = path[level]->quals; q != NULL && q->name != NULL; q++)
	    help_qual_line(q, uw, dw, fp);
    if (!path_has_qual(path, depth, help_name))
	help_qual_line(&help_qual, uw, dw, fp);
    help_groups(path, depth, fp);
}

static void help_params(const CLI_VERB *v, FILE *fp)
{
    const char *what = v->params_help ? v->params_help : "parameter";

    if (v->max_params < 0)
	fprintf(fp, "\nParameters: %s (%d or more)\n", what, v->min_params);
    else if (v->min_params == v->max_params)
	fprintf(fp, "\nParameters: %s (%d)\n", what, v->min_params);
    else
	fprintf(fp, "\nParameters: %s (%d to %d)\n", what, v->min_params,
		v->max_params);
}

static void help_verb(const CLI_VERB *const *path, size_t depth, FILE *fp)
{
    const CLI_VERB *v = path[depth - 1];
    STR title = STR_INIT;

    cat_path(&title, path, depth);
    fprintf(fp, "%s - %s\n\n", STR_C(title), v->help ? v->help : "");
    str_free(&title);
    help_usage(path, depth, fp);
    if (v->max_params != 0)
	help_params(v, fp);
    if (v->subverbs != NULL)
	help_subverbs(path, depth, fp);
    help_quals(path, depth, fp);
}

static void help_table(const CLI_VERB *table, FILE *fp)
{
    const CLI_VERB *v;
    const char *prog = msg_get_progname();
    STR name = STR_INIT;
    int width = 0;

    for (v = table; v->name != NULL; v++)
	if ((int) strlen(v->name) > width)
	    width = (int) strlen(v->name);
    cat_case(&name, prog, 1);
    fprintf(fp, "Usage: %s verb [-qualifier...] [parameter...]\n", prog);
    fprintf(fp, "       %s VERB[/qualifier...] [parameter...]\n", STR_C(name));
    fprintf(fp, "\nVerbs:\n");
    for (v = table; v->name != NULL; v++) {
	str_reset(&name);
	cat_case(&name, v->name, 0);
	fprintf(fp, "  %-*s  %s\n", width, STR_C(name), v->help ? v->help : "");
    }
    fprintf(fp, "\nMore: %s help verb [sub-verb], or %s verb -help\n", prog,
	    prog);
    str_free(&name);
}

void cli_help_cmd(const CLI_VERB *table, const CLI_CMD *cmd, FILE *fp)
{
    if (cmd->depth == 0)
	help_table(table, fp);
    else
	help_verb(cmd->path, cmd->depth, fp);
}

/* help_name_step - resolve one help topic name one level down */

static int help_name_step(const CLI_VERB *table, const CLI_VERB **path,
			  size_t *depth, const char *w, size_t n, STR *err)
{
    CLI_CANDS c = CANDS_INIT;
    const CLI_CAND *hit;
    int amb;

    cands_verbs(&c, *depth ? path[*depth - 1]->subverbs : table);
    hit = cands_resolve(&c, w, n, &amb);
    if (hit == NULL)
	match_error(err, *depth ? "sub-verb" : "verb", w, n, 0, path, *depth,
		    &c, amb);
    else if (*depth == CLI_MAX_DEPTH)
	msg_panic("cli: verb %s nested deeper than %d levels", hit->verb->name,
		  CLI_MAX_DEPTH);
    else
	path[(*depth)++] = hit->verb;
    cands_free(&c);
    return hit == NULL ? -1 : 0;
}

int cli_help(const CLI_VERB *table, int nwords, char **words, FILE *fp,
	     STR *err)
{
    const CLI_VERB *path[CLI_MAX_DEPTH];
    size_t depth = 0;
    const char *p;
    size_t n;
    int i;

    str_reset(err);
    for (i = 0; i < nwords; i++) {
	for (p = words[i]; *p; p += n) {
	    while (*p == '-' || *p == '/' || is_blank(*p))
		p++;
	    n = strcspn(p, "/ \t");
	    if (n > 0 && help_name_step(table, path, &depth, p, n, err) < 0)
		return -1;
	}
    }
    if (depth == 0)
	help_table(table, fp);
    else
	help_verb(path, depth, fp);
    return 0;
}

int cli_program_main(const CLI_VERB *table, const char *name, int argc, char **argv)
{
    CLI_CMD cmd;
    STR     err = STR_INIT;
    char  **args = mem_calloc((size_t) argc + 1, sizeof(char *));
    int     i, rc;

    msg_progname(name);
    memset(&cmd, 0, sizeof(cmd));
    args[0] = (char *) name;
    for (i = 1; i < argc; i++)
	args[i] = argv[i];
    if (cli_parse(table, argc, args, &cmd, &err) < 0)
	msg_fatal("%s", STR_C(err));
    rc = cli_dispatch(table, &cmd);
    cli_free(&cmd);
    free(args);
    str_free(&err);
    return rc;
}
