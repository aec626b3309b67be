/*
 * NAME
 *	pmdfcnf - PMDF.CNF in memory: rewrite rules, channels, options
 * SYNOPSIS
 *	#include "pmdfcnf.h"
 *
 *	int pmdfcnf_load(const char *spec, PMDF_CNF *cnf, STR *err);
 *	int pmdfcnf_options(PMDF_CNF *cnf, const char *spec, STR *err);
 *	void pmdfcnf_free(PMDF_CNF *cnf);
 *	const CNF_CHANNEL *pmdfcnf_channel(const PMDF_CNF *cnf, const char *name);
 *	const CNF_CHANNEL *pmdfcnf_channel_by_host(const PMDF_CNF *cnf, const char *host);
 *	const CNF_KEYWORD *pmdfcnf_keyword(const CNF_CHANNEL *ch, const char *kw);
 *	const char *pmdfcnf_option(const PMDF_CNF *cnf, const char *channel, const char *name);
 * DESCRIPTION
 *	See pmdfcnf.h for the format and for where it differs from PMDF.
 *
 *	Lines come from cfgread (comments in column 1, includes through
 *	logical names, continuations, blank lines kept) and go through a
 *	small state machine: rules until the first blank line, then channel
 *	blocks, each ended by one blank line.  What a keyword may carry and
 *	which keywords override each other is the declarative table
 *	kw_table below; the code only interprets it.
 *
 *	While reading, the channel array grows and moves, so duplicate
 *	channel names and hosts are found through position tables; the
 *	by_name and by_host indexes are built once the whole file is read.
 *	File names are kept once, in cnf->files; every rule, channel and
 *	keyword points there.
 * DIAGNOSTICS
 *	Errors are returned in the caller's STR as "file:line: message";
 *	nothing is printed.  An inconsistent keyword table is an internal
 *	bug (msg_panic).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include "pmdfcnf.h"
#include "pack.h"
#include "cfgread.h"
#include "optfile.h"
#include "lnm.h"
#include "mem.h"
#include "msg.h"

/* ---- the keyword table ------------------------------------------------ */

#define KA_NONE		0	/* a flag */
#define KA_WORD		1	/* one word: a host, a queue, an address */
#define KA_CHANNEL	2	/* a channel name (must be defined) */
#define KA_INT		3	/* one integer in min..max */
#define KA_AGES		4	/* notices: 1..5 increasing integers */
#define KA_PERIODS	5	/* backoff: 1..8 quoted ISO 8601 periods */

#define KW_MAX_AGES	5
#define KW_MAX_PERIODS	8
#define KW_INT_MAX	2147483647L

typedef struct KW_DEF {
    const char *name;		/* lower case, as written in PMDF.CNF */
    int     arg;		/* KA_* */
    const char *group;		/* override group; NULL: the keyword alone */
    const char *same;		/* a synonym of this keyword, or NULL */
    const char *parts;		/* compound: the keywords it stands for */
    long    min, max;		/* KA_INT, KA_AGES */
    const char *what;		/* the argument, for messages */
} KW_DEF;

/* The rows of the table: a flag, an argument of some kind, a synonym, a compound. */
#define KW_FLAG(n, g)	     { n, KA_NONE, g, NULL, NULL, 0, 0, NULL }
#define KW_WORD(n, g, what)  { n, KA_WORD, g, NULL, NULL, 0, 0, what }
#define KW_CHAN(n, g)	     { n, KA_CHANNEL, g, NULL, NULL, 0, 0, "a channel name" }
#define KW_INT(n, g, lo, hi) { n, KA_INT, g, NULL, NULL, lo, hi, "an integer" }
#define KW_AGES(n)	     { n, KA_AGES, NULL, NULL, NULL, 1, KW_INT_MAX, \
			       "1 to 5 increasing ages" }
#define KW_PERIODS(n)	     { n, KA_PERIODS, NULL, NULL, NULL, 0, 0, \
			       "1 to 8 quoted periods such as \"PT30M\"" }
#define KW_SAME(n, canon)    { n, KA_NONE, NULL, canon, NULL, 0, 0, NULL }
#define KW_BOTH(n, parts)    { n, KA_NONE, NULL, NULL, parts, 0, 0, NULL }

static const KW_DEF kw_table[] = {
    /* Protocol and routing */
    KW_FLAG("smtp", "smtp"), KW_FLAG("nosmtp", "smtp"),
    KW_FLAG("smtp_cr", "smtp_eol"), KW_FLAG("smtp_crlf", "smtp_eol"),
    KW_FLAG("smtp_crorlf", "smtp_eol"), KW_FLAG("smtp_lf", "smtp_eol"),
    KW_FLAG("ehlo", "ehlo"), KW_FLAG("noehlo", "ehlo"), KW_FLAG("checkehlo", "ehlo"),
    KW_FLAG("mx", "mx"), KW_FLAG("nomx", "mx"), KW_FLAG("defaultmx", "mx"),
    KW_FLAG("randommx", "randommx"), KW_FLAG("nonrandommx", "randommx"),
    KW_WORD("daemon", NULL, "a host name"),
    KW_WORD("lastresort", NULL, "a host name"),
    KW_WORD("defaulthost", NULL, "a host name"),
    KW_INT("port", NULL, 1, 65535),
    KW_WORD("interfaceaddress", NULL, "an IP address"),
    KW_FLAG("identnone", "ident"), KW_FLAG("identnonelimited", "ident"),
    KW_FLAG("identnonenumeric", "ident"), KW_FLAG("identnonesymbolic", "ident"),
    KW_FLAG("identtcp", "ident"), KW_FLAG("identtcplimited", "ident"),
    KW_FLAG("identtcpnumeric", "ident"), KW_FLAG("identtcpsymbolic", "ident"),
    KW_FLAG("sourceroute", "sourceroute"), KW_FLAG("nosourceroute", "sourceroute"),
    KW_FLAG("exproute", "exproute"), KW_FLAG("noexproute", "exproute"),
    KW_FLAG("improute", "improute"), KW_FLAG("noimproute", "improute"),
    KW_FLAG("reverse", "reverse"), KW_FLAG("noreverse", "reverse"),
    KW_FLAG("restricted", "restricted"), KW_FLAG("unrestricted", "restricted"),
    KW_FLAG("dequeue_removeroute", NULL),
    KW_FLAG("aliaslocal", "aliaslocal"), KW_FLAG("noaliaslocal", "aliaslocal"),
    KW_FLAG("loopcheck", "loopcheck"), KW_FLAG("noloopcheck", "loopcheck"),
    KW_FLAG("rules", "rules"), KW_FLAG("norules", "rules"),
    KW_FLAG("routelocal", NULL),
    KW_FLAG("bangoverpercent", "bang"), KW_FLAG("nobangoverpercent", "bang"),
    KW_FLAG("percentonly", "bang"),
    KW_FLAG("connectalias", "connect"), KW_FLAG("connectcanonical", "connect"),
    KW_FLAG("cacheeverything", "cache"), KW_FLAG("cachefailures", "cache"),
    KW_FLAG("cachesuccesses", "cache"), KW_FLAG("nocache", "cache"),
    KW_FLAG("mailfromdnsverify", "mailfromdnsverify"),
    KW_FLAG("nomailfromdnsverify", "mailfromdnsverify"),
    KW_FLAG("msexchange", "msexchange"), KW_FLAG("nomsexchange", "msexchange"),
    KW_FLAG("allowetrn", "etrn"), KW_FLAG("blocketrn", "etrn"),
    KW_FLAG("disableetrn", "etrn"),
    KW_FLAG("domainetrn", "etrn"), KW_FLAG("silentetrn", "etrn"),
    KW_FLAG("sendetrn", "sendetrn"), KW_FLAG("nosendetrn", "sendetrn"),
    KW_FLAG("vrfyallow", "vrfy"), KW_FLAG("vrfydefault", "vrfy"),
    KW_FLAG("vrfyhide", "vrfy"),
    KW_FLAG("domainvrfy", "vrfyscope"), KW_FLAG("localvrfy", "vrfyscope"),
    KW_FLAG("novrfy", "vrfyscope"),
    KW_FLAG("rejectsmtplonglines", "smtplonglines"),
    KW_FLAG("truncatesmtplonglines", "smtplonglines"),
    KW_INT("streaming", NULL, 0, 3),

    /* Jobs, queues, scheduling */
    KW_FLAG("single", "single"), KW_FLAG("single_sys", "single"),
    KW_FLAG("multiple", "single"),
    KW_INT("addrsperfile", NULL, 1, KW_INT_MAX),
    KW_INT("addrsperjob", NULL, 1, KW_INT_MAX),
    KW_INT("filesperjob", NULL, 1, KW_INT_MAX),
    KW_INT("maxjobs", NULL, 1, KW_INT_MAX),
    KW_INT("threaddepth", NULL, 1, KW_INT_MAX),
    KW_WORD("queue", NULL, "a queue name"), KW_SAME("pool", "queue"),
    KW_WORD("nonurgentqueue", NULL, "a queue name"),
    KW_WORD("normalqueue", NULL, "a queue name"),
    KW_WORD("urgentqueue", NULL, "a queue name"),
    KW_INT("after", NULL, 0, KW_INT_MAX),
    KW_FLAG("immediate", "immediate"), KW_FLAG("periodic", "immediate"),
    KW_FLAG("immnonurgent", "immpriority"), KW_FLAG("immnormal", "immpriority"),
    KW_FLAG("immurgent", "immpriority"),
    KW_INT("period", NULL, 1, KW_INT_MAX),
    KW_FLAG("master", "direction"), KW_FLAG("slave", "direction"),
    KW_FLAG("bidirectional", "direction"),
    KW_FLAG("master_debug", "master_debug"), KW_FLAG("nomaster_debug", "master_debug"),
    KW_FLAG("slave_debug", "slave_debug"), KW_FLAG("noslave_debug", "slave_debug"),
    KW_FLAG("logging", "logging"), KW_FLAG("nologging", "logging"),
    KW_FLAG("service", "service"), KW_FLAG("noservice", "service"),
    KW_WORD("user", NULL, "a user name"),
    KW_INT("subdirs", NULL, 1, KW_INT_MAX),
    KW_FLAG("deferred", "deferred"), KW_FLAG("nodeferred", "deferred"),

    /* Size limits and returned messages */
    KW_INT("blocklimit", "blocklimit", 1, KW_INT_MAX),
    KW_FLAG("noblocklimit", "blocklimit"),
    KW_INT("linelimit", "linelimit", 1, KW_INT_MAX),
    KW_FLAG("nolinelimit", "linelimit"),
    KW_INT("sourceblocklimit", NULL, 1, KW_INT_MAX),
    KW_INT("maxblocks", NULL, 1, KW_INT_MAX),
    KW_INT("maxlines", NULL, 1, KW_INT_MAX),
    KW_INT("nonurgentblocklimit", NULL, 1, KW_INT_MAX),
    KW_INT("normalblocklimit", NULL, 1, KW_INT_MAX),
    KW_INT("urgentblocklimit", NULL, 1, KW_INT_MAX),
    KW_INT("maxheaderaddrs", NULL, 1, KW_INT_MAX),
    KW_INT("maxheaderchars", NULL, 1, KW_INT_MAX),
    KW_AGES("notices"), KW_AGES("nonurgentnotices"), KW_AGES("normalnotices"),
    KW_AGES("urgentnotices"),
    KW_PERIODS("backoff"), KW_PERIODS("nonurgentbackoff"), KW_PERIODS("normalbackoff"),
    KW_PERIODS("urgentbackoff"),
    KW_FLAG("sendpost", "sendpost"), KW_FLAG("copysendpost", "sendpost"),
    KW_FLAG("errsendpost", "sendpost"), KW_FLAG("nosendpost", "sendpost"),
    KW_FLAG("warnpost", "warnpost"), KW_FLAG("copywarnpost", "warnpost"),
    KW_FLAG("errwarnpost", "warnpost"), KW_FLAG("nowarnpost", "warnpost"),
    KW_FLAG("postheadonly", "posthead"), KW_FLAG("postheadbody", "posthead"),
    KW_FLAG("defragment", "defragment"), KW_FLAG("nodefragment", "defragment"),
    KW_INT("expandlimit", NULL, 1, KW_INT_MAX),
    KW_CHAN("expandchannel", NULL),
    KW_INT("holdlimit", NULL, 1, KW_INT_MAX),
    KW_INT("missingrecipientpolicy", NULL, 0, 7),

    /* Headers and content */
    KW_FLAG("header_733", "header"), KW_FLAG("header_822", "header"),
    KW_FLAG("header_uucp", "header"),
    KW_SAME("733", "header_733"), KW_SAME("822", "header_822"),
    KW_FLAG("eightbit", "eightbit"), KW_FLAG("sevenbit", "eightbit"),
    KW_FLAG("eightnegotiate", "eightbit"), KW_FLAG("eightstrict", "eightbit"),
    KW_WORD("charset7", NULL, "a character set name"),
    KW_WORD("charset8", NULL, "a character set name"),
    KW_WORD("charsetesc", NULL, "a character set name"),
    KW_INT("linelength", NULL, 1, KW_INT_MAX),
    KW_INT("headerlinelength", NULL, 1, KW_INT_MAX),
    KW_FLAG("datefour", "datefour"), KW_FLAG("datetwo", "datefour"),
    KW_FLAG("dayofweek", "dayofweek"), KW_FLAG("nodayofweek", "dayofweek"),
    KW_FLAG("dropblank", "dropblank"), KW_FLAG("nodropblank", "dropblank"),
    KW_FLAG("inner", "inner"), KW_FLAG("noinner", "inner"),
    KW_FLAG("interpretencoding", "encoding"), KW_FLAG("ignoreencoding", "encoding"),
    KW_FLAG("x_env_to", "x_env_to"), KW_FLAG("nox_env_to", "x_env_to"),
    KW_WORD("destinationfilter", "destinationfilter", "a filter URL"),
    KW_FLAG("nodestinationfilter", "destinationfilter"),
    KW_SAME("channelfilter", "destinationfilter"),
    KW_WORD("sourcefilter", "sourcefilter", "a filter URL"),
    KW_FLAG("nosourcefilter", "sourcefilter"),

    /* TLS and SASL */
    KW_BOTH("maytls", "maytlsclient maytlsserver"),
    KW_BOTH("musttls", "musttlsclient musttlsserver"),
    KW_BOTH("notls", "notlsclient notlsserver"),
    KW_FLAG("maytlsclient", "tlsclient"), KW_FLAG("musttlsclient", "tlsclient"),
    KW_FLAG("notlsclient", "tlsclient"),
    KW_FLAG("maytlsserver", "tlsserver"), KW_FLAG("musttlsserver", "tlsserver"),
    KW_FLAG("notlsserver", "tlsserver"),
    KW_CHAN("tlsswitchchannel", NULL),
    KW_BOTH("maysasl", "maysaslclient maysaslserver"),
    KW_BOTH("mustsasl", "mustsaslclient mustsaslserver"),
    KW_BOTH("nosasl", "nosaslclient nosaslserver"),
    KW_FLAG("maysaslclient", "saslclient"), KW_FLAG("mustsaslclient", "saslclient"),
    KW_FLAG("nosaslclient", "saslclient"),
    KW_FLAG("maysaslserver", "saslserver"), KW_FLAG("mustsaslserver", "saslserver"),
    KW_FLAG("nosaslserver", "saslserver"),
    KW_CHAN("saslswitchchannel", "saslswitchchannel"),
    KW_FLAG("nosaslswitchchannel", "saslswitchchannel"),
    KW_WORD("client_auth", NULL, "a CLIENT_AUTH section name"),
    KW_FLAG("switchchannel", "switchchannel"),
    KW_FLAG("allowswitchchannel", "switchchannel"),
    KW_FLAG("noswitchchannel", "switchchannel"),
};

#define KW_COUNT (sizeof(kw_table) / sizeof(kw_table[0]))

/* cnf_same_word - word equals the lower-case name, case-blind */

static int cnf_same_word(const char *word, const char *name)
{
    size_t  j;

    for (j = 0; name[j] && tolower((unsigned char) word[j]) == name[j]; j++)
	 /* void */ ;
    return name[j] == 0 && word[j] == 0;
}

/* kw_find - a keyword's table entry, case-blind, or NULL */

static const KW_DEF *kw_find(const char *word)
{
    size_t  i;

    for (i = 0; i < KW_COUNT; i++)
	if (cnf_same_word(word, kw_table[i].name))
	    return &kw_table[i];
    return NULL;
}

/* kw_canon - the entry a synonym stands for */

static const KW_DEF *kw_canon(const KW_DEF *def)
{
    const KW_DEF *to;

    if (def->same == NULL)
	return def;
    if ((to = kw_find(def->same)) == NULL || to->same != NULL)
	msg_panic("pmdfcnf: keyword table: %s is a synonym of unknown %s",
		  def->name, def->same);
    return to;
}

static const char *kw_group(const KW_DEF *def)
{
    return def->group ? def->group : def->name;
}

/* ---- the parse state -------------------------------------------------- */

#define SEC_RULES	0
#define SEC_CHANNELS	1

#define BLK_NONE	0	/* between blocks */
#define BLK_CHANNEL	1	/* in a channel block */
#define BLK_IGNORE	2	/* in a defaults or nodefaults block */

typedef struct KW_LIST {
    CNF_KEYWORD *v;
    size_t  n;
    size_t  cap;
} KW_LIST;

/* One keyword of one line, before it is applied. */
typedef struct KW_ITEM {
    const KW_DEF *def;		/* canonical, never a compound */
    char   *arg;
    size_t  word;		/* where it was written, for messages */
    int     with_arg;
} KW_ITEM;

typedef struct KW_LINE {
    KW_ITEM *v;
    size_t  n;
    size_t  cap;
} KW_LINE;

typedef struct CNF_POS {
    const char *file;
    int     line;
    size_t  chan;
} CNF_POS;

typedef struct CNF_PARSE {
    PMDF_CNF *cnf;
    int     section;		/* SEC_* */
    int     block;		/* BLK_* */
    int     blanks;		/* blank lines since the last block */
    const char *file;		/* position of the current line */
    int     line;
    const char *blank_file;	/* the second blank line in a row */
    int     blank_line;
    KW_LIST defaults;		/* in force for the next channel */
    size_t  rules_cap;
    size_t  chans_cap;
    size_t  nhosts;
    HTAB   *names;		/* channel name -> CNF_POS */
    HTAB   *hosts;		/* upper-case host -> CNF_POS */
    STRLIST words;
} CNF_PARSE;

/* cnf_fail - "file:line: message" into err; returns -1 */

static int cnf_fail(STR *err, const char *file, int line, const char *fmt,...)
{
    va_list ap;

    str_printf(err, "%s:%d: ", file, line);
    va_start(ap, fmt);
    str_vcatf(err, fmt, ap);
    va_end(ap);
    return -1;
}

/* cnf_note_file - the copy of name kept in files (added when new) */

static const char *cnf_note_file(STRLIST *files, const char *cur, const char *name)
{
    size_t  i;

    if (cur != NULL && strcmp(cur, name) == 0)
	return cur;
    for (i = 0; i < files->n; i++)
	if (strcmp(files->v[i], name) == 0)
	    return files->v[i];
    strlist_add(files, name);
    return files->v[files->n - 1];
}

/* cnf_split - white-space separated words */

static void cnf_split(const char *s, STRLIST *words)
{
    const char *start;

    strlist_reset(words);
    for (;;) {
	while (isspace((unsigned char) *s))
	    s++;
	if (*s == 0)
	    return;
	for (start = s; *s && !isspace((unsigned char) *s); s++)
	     /* void */ ;
	strlist_addn(words, start, (size_t) (s - start));
    }
}

static void kw_list_free(KW_LIST *l)
{
    size_t  i;

    for (i = 0; i < l->n; i++)
	free(l->v[i].arg);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void kw_line_free(KW_LINE *l)
{
    size_t  i;

    for (i = 0; i < l->n; i++)
	free(l->v[i].arg);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* kw_list_set - a keyword replaces the ones of its group; arg is taken over */

static void kw_list_set(KW_LIST *l, const KW_DEF *def, char *arg,
			        const char *file, int line)
{
    const char *group = kw_group(def);
    size_t  i, j;
    CNF_KEYWORD *k;

    for (i = j = 0; i < l->n; i++) {
	if (strcmp(l->v[i].group, group) == 0)
	    free(l->v[i].arg);
	else
	    l->v[j++] = l->v[i];
    }
    l->n = j;
    if (l->n + 1 > l->cap) {
	l->cap = l->cap ? l->cap * 2 : 8;
	l->v = mem_realloc(l->v, l->cap * sizeof(*l->v));
    }
    k = &l->v[l->n++];
    k->name = def->name;
    k->arg = arg;
    k->group = group;
    k->file = file;
    k->line = line;
}

static void kw_list_copy(const KW_LIST *from, KW_LIST *to)
{
    size_t  i;

    memset(to, 0, sizeof(*to));
    if (from->n == 0)
	return;
    to->cap = from->n;
    to->v = mem_alloc(to->cap * sizeof(*to->v));
    to->n = from->n;
    for (i = 0; i < from->n; i++) {
	to->v[i] = from->v[i];
	if (from->v[i].arg)
	    to->v[i].arg = mem_strdup(from->v[i].arg);
    }
}

/* ---- keyword arguments ------------------------------------------------ */

/* cnf_channel_name_ok - letters, digits, _ - $, 1..CNF_MAX_CHANNEL_NAME */

static int cnf_channel_name_ok(const char *name)
{
    size_t  i;

    for (i = 0; name[i]; i++)
	if (!isalnum((unsigned char) name[i]) && strchr("_-$", name[i]) == NULL)
	    return 0;
    return i > 0 && i <= CNF_MAX_CHANNEL_NAME;
}

static char *cnf_lower_dup(const char *s)
{
    char   *p = mem_strdup(s), *q;

    for (q = p; *q; q++)
	*q = (char) tolower((unsigned char) *q);
    return p;
}

/* kw_period_ok - ISO 8601 period, P[nY][nM][nW][nD][T[nH][nM][nS]] */

static int kw_period_ok(const char *p, size_t len)
{
    const char *end = p + len, *order = "YMWD", *at;
    int     last = -1, any = 0, digits;

    if (len < 3 || toupper((unsigned char) *p++) != 'P')
	return 0;
    while (p < end) {
	if (toupper((unsigned char) *p) == 'T' && order[0] == 'Y') {
	    order = "HMS";
	    last = -1;
	    if (++p == end)
		return 0;
	    continue;
	}
	for (digits = 0; p < end && isdigit((unsigned char) *p); p++)
	    digits++;
	if (digits == 0 || digits > 9 || p == end)
	    return 0;
	if ((at = strchr(order, toupper((unsigned char) *p++))) == NULL
	    || (int) (at - order) <= last)
	    return 0;
	last = (int) (at - order);
	any = 1;
    }
    return any;
}

/* kw_more_ages - the next word continues a notices list */

static int kw_more_ages(const char *word)
{
    return isdigit((unsigned char) word[0]) && kw_find(word) == NULL;
}

/* kw_arg_ages - "3 6 9 12": up to KW_MAX_AGES increasing integers */

static int kw_arg_ages(const STRLIST *w, size_t *i, const KW_DEF *def, STR *val,
		               STR *why)
{
    long    v, prev = 0;
    size_t  n;

    str_reset(val);
    for (n = 0; /* void */ ; n++, ++*i) {
	if (n == KW_MAX_AGES) {
	    str_printf(why, "more than %d ages", KW_MAX_AGES);
	    return -1;
	}
	if (cfg_parse_int(w->v[*i], def->min, def->max, &v, why) < 0)
	    return -1;
	if (n > 0 && v <= prev) {
	    str_printf(why, "ages must increase (%ld after %ld)", v, prev);
	    return -1;
	}
	str_catf(val, "%s%ld", n ? " " : "", v);
	prev = v;
	if (*i + 1 >= w->n || !kw_more_ages(w->v[*i + 1]))
	    return 0;
    }
}

/* kw_arg_periods - "\"pt30m\" \"pt1h\"": up to KW_MAX_PERIODS quoted periods */

static int kw_arg_periods(const STRLIST *w, size_t *i, STR *val, STR *why)
{
    const char *p;
    size_t  len, n;

    str_reset(val);
    for (n = 0; /* void */ ; n++, ++*i) {
	p = w->v[*i];
	len = strlen(p);
	if (n == KW_MAX_PERIODS) {
	    str_printf(why, "more than %d periods", KW_MAX_PERIODS);
	    return -1;
	}
	if (len < 2 || p[0] != '"' || p[len - 1] != '"' || !kw_period_ok(p + 1, len - 2)) {
	    str_printf(why, "%s is not a quoted ISO 8601 period such as \"PT30M\"", p);
	    return -1;
	}
	if (n)
	    str_catc(val, ' ');
	str_catn(val, p + 1, len - 2);
	if (*i + 1 >= w->n || w->v[*i + 1][0] != '"')
	    return 0;
    }
}

/*
 * kw_arg - reads the argument of def starting at word *i (which exists),
 * leaving *i on its last word.  Returns the argument, or NULL with why set.
 */
static char *kw_arg(const STRLIST *w, size_t *i, const KW_DEF *def, STR *why)
{
    STR     val = STR_INIT;
    long    v;
    int     rc = 0;

    switch (def->arg) {
    case KA_CHANNEL:
	if (!cnf_channel_name_ok(w->v[*i])) {
	    str_printf(why, "\"%s\" is not a channel name", w->v[*i]);
	    return NULL;
	}
	return cnf_lower_dup(w->v[*i]);
    case KA_INT:
	if (cfg_parse_int(w->v[*i], def->min, def->max, &v, why) < 0)
	    return NULL;
	str_printf(&val, "%ld", v);
	return str_detach(&val);
    case KA_AGES:
	rc = kw_arg_ages(w, i, def, &val, why);
	break;
    case KA_PERIODS:
	rc = kw_arg_periods(w, i, &val, why);
	break;
    default:
	return mem_strdup(w->v[*i]);
    }
    if (rc < 0) {
	str_free(&val);
	return NULL;
    }
    return str_detach(&val);
}

/* ---- keyword lines ---------------------------------------------------- */

/* kw_shown - a keyword as written, with its argument's first word */

static const char *kw_shown(const STRLIST *w, const KW_ITEM *it, STR *buf)
{
    str_cpy(buf, w->v[it->word]);
    if (it->with_arg)
	str_catf(buf, " %s", w->v[it->word + 1]);
    return STR_C(*buf);
}

/* kw_line_add - one keyword of a line; two of one group differing are an error */

static int kw_line_add(CNF_PARSE *p, KW_LINE *l, const KW_ITEM *it, const char *where,
		               STR *err)
{
    STR     a = STR_INIT, b = STR_INIT;
    const KW_ITEM *o;
    size_t  i;

    for (i = 0; i < l->n; i++) {
	o = &l->v[i];
	if (strcmp(kw_group(o->def), kw_group(it->def)) != 0)
	    continue;
	if (o->def == it->def && (o->arg == it->arg
			     || (o->arg && it->arg && strcmp(o->arg, it->arg) == 0)))
	    continue;
	cnf_fail(err, p->file, p->line, "conflicting keywords \"%s\" and \"%s\" %s",
		 kw_shown(&p->words, o, &a), kw_shown(&p->words, it, &b), where);
	str_free(&a);
	str_free(&b);
	return -1;
    }
    if (l->n + 1 > l->cap) {
	l->cap = l->cap ? l->cap * 2 : 8;
	l->v = mem_realloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = *it;
    return 0;
}

/* kw_add_parts - a compound keyword's parts */

static int kw_add_parts(CNF_PARSE *p, KW_LINE *l, const KW_DEF *def, size_t word,
			        const char *where, STR *err)
{
    STRLIST parts = STRLIST_INIT;
    KW_ITEM it;
    size_t  i;
    int     rc = 0;

    cnf_split(def->parts, &parts);
    for (i = 0; i < parts.n && rc == 0; i++) {
	memset(&it, 0, sizeof(it));
	it.word = word;
	if ((it.def = kw_find(parts.v[i])) == NULL || it.def->parts || it.def->same
	    || it.def->arg != KA_NONE)
	    msg_panic("pmdfcnf: keyword table: %s has a bad part %s", def->name, parts.v[i]);
	rc = kw_line_add(p, l, &it, where, err);
    }
    strlist_free(&parts);
    return rc;
}

/* kw_parse_line - the keywords of words 1.. into l; where is "for channel x" */

static int kw_parse_line(CNF_PARSE *p, KW_LINE *l, const char *where, STR *err)
{
    const STRLIST *w = &p->words;
    const KW_DEF *def;
    STR     why = STR_INIT;
    KW_ITEM it;
    size_t  i;

    for (i = 1; i < w->n; i++) {
	if ((def = kw_find(w->v[i])) == NULL)
	    return cnf_fail(err, p->file, p->line, "unknown channel keyword \"%s\" %s",
			    w->v[i], where);
	def = kw_canon(def);
	if (def->parts) {
	    if (kw_add_parts(p, l, def, i, where, err) < 0)
		return -1;
	    continue;
	}
	memset(&it, 0, sizeof(it));
	it.def = def;
	it.word = i;
	if (def->arg != KA_NONE) {
	    if (i + 1 >= w->n)
		return cnf_fail(err, p->file, p->line,
			     "keyword \"%s\" %s needs an argument (%s)",
				w->v[i], where, def->what);
	    it.with_arg = 1;
	    ++i;
	    if ((it.arg = kw_arg(w, &i, def, &why)) == NULL) {
		cnf_fail(err, p->file, p->line, "bad argument to keyword \"%s\" %s: %s",
			 w->v[it.word], where, STR_C(why));
		str_free(&why);
		return -1;
	    }
	}
	if (kw_line_add(p, l, &it, where, err) < 0) {
	    free(it.arg);
	    return -1;
	}
    }
    return 0;
}

/* kw_apply - a parsed line onto a keyword list (arguments move over) */

static void kw_apply(KW_LINE *line, KW_LIST *list, const char *file, int lineno)
{
    size_t  i;

    for (i = 0; i < line->n; i++) {
	kw_list_set(list, line->v[i].def, line->v[i].arg, file, lineno);
	line->v[i].arg = NULL;
    }
}

/* ---- rules ------------------------------------------------------------ */

static int cnf_rule(CNF_PARSE *p, const STR *line, STR *err)
{
    PMDF_CNF *cnf = p->cnf;
    const STRLIST *w = &p->words;
    CNF_RULE *r;
    size_t  plen, tlen;

    if (isspace((unsigned char) line->s[0]))
	return cnf_fail(err, p->file, p->line, "white space at the start of a line in the "
			"rewrite rules (a rule is \"pattern template\" from column 1; "
			"a blank line ends the rules)");
    cnf_split(STR_C(*line), &p->words);
    if (w->n < 2)
	return cnf_fail(err, p->file, p->line, "rewrite rule \"%s\" has no template "
			"(a rule is \"pattern template\")", w->v[0]);
    if (w->n > 2)
	return cnf_fail(err, p->file, p->line, "rewrite rule \"%s %s\" is followed by "
			"\"%s\" (no white space may appear inside a pattern or template)",
			w->v[0], w->v[1], w->v[2]);
    if (cnf->nrules >= CNF_MAX_RULES)
	return cnf_fail(err, p->file, p->line, "more than %d rewrite rules", CNF_MAX_RULES);
    if (cnf->nrules + 1 > p->rules_cap) {
	p->rules_cap = p->rules_cap ? p->rules_cap * 2 : 64;
	cnf->rules = mem_realloc(cnf->rules, p->rules_cap * sizeof(*cnf->rules));
    }
    /* One allocation holds both strings; pmdfcnf_free() frees pattern only. */
    plen = strlen(w->v[0]);
    tlen = strlen(w->v[1]);
    r = &cnf->rules[cnf->nrules++];
    r->pattern = mem_alloc(plen + tlen + 2);
    memcpy(r->pattern, w->v[0], plen + 1);
    r->template = r->pattern + plen + 1;
    memcpy(r->template, w->v[1], tlen + 1);
    r->file = p->file;
    r->line = p->line;
    return 0;
}

/* ---- channel blocks --------------------------------------------------- */

static void cnf_channel_free(CNF_CHANNEL *ch)
{
    size_t  i;

    free(ch->name);
    for (i = 0; i < ch->nkw; i++)
	free(ch->kw[i].arg);
    free(ch->kw);
    strlist_free(&ch->hosts);
    strlist_free(&ch->aliases);
}

static CNF_POS *cnf_pos(const char *file, int line, size_t chan)
{
    CNF_POS *pos = mem_alloc(sizeof(*pos));

    pos->file = file;
    pos->line = line;
    pos->chan = chan;
    return pos;
}

/* cnf_defaults_block - "defaults kw..." or "nodefaults" */

static int cnf_defaults_block(CNF_PARSE *p, int reset, STR *err)
{
    KW_LINE l = {NULL, 0, 0};

    p->block = BLK_IGNORE;
    if (reset) {
	if (p->words.n > 1)
	    return cnf_fail(err, p->file, p->line, "nodefaults takes no keywords "
			    "(found \"%s\"); use a defaults line after it", p->words.v[1]);
	kw_list_free(&p->defaults);
	return 0;
    }
    if (kw_parse_line(p, &l, "on the defaults line", err) < 0) {
	kw_line_free(&l);
	return -1;
    }
    kw_apply(&l, &p->defaults, p->file, p->line);
    kw_line_free(&l);
    return 0;
}

/* cnf_channel_check - a channel name that may start a block */

static int cnf_channel_check(CNF_PARSE *p, const char *name, STR *err)
{
    const CNF_POS *pos;

    if (!cnf_channel_name_ok(p->words.v[0]))
	return cnf_fail(err, p->file, p->line, "bad channel name \"%s\" (use letters, "
			"digits, \"_\", \"-\" and \"$\", at most %d characters)",
			p->words.v[0], CNF_MAX_CHANNEL_NAME);
    if (p->cnf->nchannels == 0 && strcmp(name, "l") != 0)
	return cnf_fail(err, p->file, p->line, "the first channel is \"%s\"; the first "
			"channel must be l (the local channel)", name);
    if ((pos = htab_find(p->names, name)) != NULL)
	return cnf_fail(err, p->file, p->line, "channel \"%s\" is defined twice "
			"(first at %s:%d)", name, pos->file, pos->line);
    if (p->cnf->nchannels >= CNF_MAX_CHANNELS)
	return cnf_fail(err, p->file, p->line, "more than %d channels", CNF_MAX_CHANNELS);
    return 0;
}

static int cnf_channel_block(CNF_PARSE *p, STR *err)
{
    PMDF_CNF *cnf = p->cnf;
    char   *name = cnf_lower_dup(p->words.v[0]);
    KW_LINE l = {NULL, 0, 0};
    KW_LIST kw;
    STR     where = STR_INIT;
    CNF_CHANNEL *ch;

    str_printf(&where, "for channel %s", name);
    if (cnf_channel_check(p, name, err) < 0
	|| kw_parse_line(p, &l, STR_C(where), err) < 0) {
	kw_line_free(&l);
	str_free(&where);
	free(name);
	return -1;
    }
    kw_list_copy(&p->defaults, &kw);
    kw_apply(&l, &kw, p->file, p->line);
    kw_line_free(&l);
    str_free(&where);
    if (cnf->nchannels + 1 > p->chans_cap) {
	p->chans_cap = p->chans_cap ? p->chans_cap * 2 : 16;
	cnf->channels = mem_realloc(cnf->channels, p->chans_cap * sizeof(*cnf->channels));
    }
    ch = &cnf->channels[cnf->nchannels];
    memset(ch, 0, sizeof(*ch));
    ch->name = name;
    ch->kw = kw.v;
    ch->nkw = kw.n;
    ch->file = p->file;
    ch->line = p->line;
    htab_enter(p->names, name, cnf_pos(p->file, p->line, cnf->nchannels));
    cnf->nchannels++;
    p->block = BLK_CHANNEL;
    return 0;
}

/* cnf_block_start - the first line after a blank one */

static int cnf_block_start(CNF_PARSE *p, const STR *line, STR *err)
{
    const char *first;

    if (p->blanks > 1)
	return cnf_fail(err, p->blank_file, p->blank_line, "a second blank line in a row; "
			"channel blocks are separated by single blank lines");
    cnf_split(STR_C(*line), &p->words);
    first = p->words.v[0];
    if (cnf_same_word(first, "defaults") || cnf_same_word(first, "nodefaults"))
	return cnf_defaults_block(p, tolower((unsigned char) first[0]) == 'n', err);
    return cnf_channel_block(p, err);
}

/* cnf_host_line - "host [alias]" in a channel block */

static int cnf_host_line(CNF_PARSE *p, const STR *line, STR *err)
{
    CNF_CHANNEL *ch = &p->cnf->channels[p->cnf->nchannels - 1];
    const STRLIST *w = &p->words;
    const CNF_POS *pos;
    STR     key = STR_INIT;

    cnf_split(STR_C(*line), &p->words);
    if (w->n > 2)
	return cnf_fail(err, p->file, p->line, "host line of channel %s has more than two "
			"names (\"host [alias]\"): \"%s\"", ch->name, w->v[2]);
    if (strlen(w->v[0]) > CNF_MAX_HOST_NAME
	|| (w->n > 1 && strlen(w->v[1]) > CNF_MAX_HOST_NAME))
	return cnf_fail(err, p->file, p->line, "host name longer than %d characters",
			CNF_MAX_HOST_NAME);
    if (p->nhosts >= CNF_MAX_HOSTS)
	return cnf_fail(err, p->file, p->line, "more than %d host lines", CNF_MAX_HOSTS);
    str_cpy(&key, w->v[0]);
    str_upper(&key);
    if ((pos = htab_find(p->hosts, STR_C(key))) != NULL) {
	cnf_fail(err, p->file, p->line, "host \"%s\" of channel %s is already a host of "
		 "channel %s (%s:%d)", w->v[0], ch->name, p->cnf->channels[pos->chan].name,
		 pos->file, pos->line);
	str_free(&key);
	return -1;
    }
    htab_enter(p->hosts, STR_C(key), cnf_pos(p->file, p->line, p->cnf->nchannels - 1));
    str_free(&key);
    strlist_add(&ch->hosts, w->v[0]);
    strlist_add(&ch->aliases, w->n > 1 ? w->v[1] : "");
    p->nhosts++;
    return 0;
}

/* cnf_block_end - a blank line or the end of the file ends a block */

static int cnf_block_end(CNF_PARSE *p, STR *err)
{
    const CNF_CHANNEL *ch;

    if (p->block == BLK_CHANNEL) {
	ch = &p->cnf->channels[p->cnf->nchannels - 1];
	if (ch->hosts.n == 0)
	    return cnf_fail(err, ch->file, ch->line, "channel %s has no official host name "
			    "(the line after the channel's keywords must name it)", ch->name);
    }
    p->block = BLK_NONE;
    return 0;
}

static int cnf_channels_line(CNF_PARSE *p, const STR *line, STR *err)
{
    if (line->len > 0) {
	if (p->block == BLK_NONE)
	    return cnf_block_start(p, line, err);
	if (p->block == BLK_CHANNEL)
	    return cnf_host_line(p, line, err);
	return 0;				/* host lines of defaults: ignored */
    }
    if (p->block != BLK_NONE) {
	p->blanks = 1;
	return cnf_block_end(p, err);
    }
    if (++p->blanks == 2) {
	p->blank_file = p->file;
	p->blank_line = p->line;
    }
    return 0;
}

static int cnf_line(CNF_PARSE *p, const STR *line, STR *err)
{
    if (p->section == SEC_CHANNELS)
	return cnf_channels_line(p, line, err);
    if (line->len > 0)
	return cnf_rule(p, line, err);
    p->section = SEC_CHANNELS;
    p->blanks = 1;
    return 0;
}

/* ---- the end of the file ---------------------------------------------- */

/* cnf_check_refs - channels named by keywords must exist */

static int cnf_check_refs(CNF_PARSE *p, STR *err)
{
    const CNF_CHANNEL *ch;
    const CNF_KEYWORD *k;
    const KW_DEF *def;
    size_t  i, j;

    for (i = 0; i < p->cnf->nchannels; i++) {
	ch = &p->cnf->channels[i];
	for (j = 0; j < ch->nkw; j++) {
	    k = &ch->kw[j];
	    def = kw_find(k->name);
	    if (def && def->arg == KA_CHANNEL && htab_find(p->names, k->arg) == NULL)
		return cnf_fail(err, k->file, k->line, "keyword \"%s %s\" for channel %s "
				"names a channel that is not defined", k->name, k->arg,
				ch->name);
	}
    }
    return 0;
}

static void cnf_index(PMDF_CNF *cnf)
{
    CNF_CHANNEL *ch;
    STR     key = STR_INIT;
    size_t  i, j;

    cnf->by_name = htab_create(cnf->nchannels);
    cnf->by_host = htab_create(cnf->nchannels * 2);
    for (i = 0; i < cnf->nchannels; i++) {
	ch = &cnf->channels[i];
	htab_enter(cnf->by_name, ch->name, ch);
	for (j = 0; j < ch->hosts.n; j++) {
	    str_cpy(&key, ch->hosts.v[j]);
	    str_upper(&key);
	    htab_enter(cnf->by_host, STR_C(key), ch);
	}
    }
    str_free(&key);
}

static int cnf_finish(CNF_PARSE *p, STR *err)
{
    if (p->section == SEC_CHANNELS && cnf_block_end(p, err) < 0)
	return -1;
    if (p->cnf->nchannels == 0)
	return cnf_fail(err, p->file, p->line, "no channels defined; the first channel "
			"must be l (the rules end at the first blank line, then come "
			"the channel blocks)");
    if (cnf_check_refs(p, err) < 0)
	return -1;
    cnf_index(p->cnf);
    return 0;
}

/* ---- loading ---------------------------------------------------------- */

static int cnf_read(CNF_PARSE *p, const char *path, STR *err)
{
    CFG_OPTS opts = CFG_OPTS_INIT;
    CFG_READER *r;
    STR     line = STR_INIT;
    int     rc;

    opts.comments = CFG_COMMENT_COL1;
    opts.keep_blank = 1;
    opts.resolve = lnm_include_resolver;
    if ((r = cfg_open(path, &opts, err)) == NULL)
	return -1;
    p->file = cnf_note_file(&p->cnf->files, NULL, path);
    while ((rc = cfg_next(r, &line)) > 0) {
	p->file = cnf_note_file(&p->cnf->files, p->file, cfg_file(r));
	p->line = cfg_lineno(r);
	if ((rc = cnf_line(p, &line, err)) < 0)
	    break;
    }
    if (rc < 0 && err->len == 0)
	str_cpy(err, cfg_errtext(r));
    cfg_close(r);
    str_free(&line);
    return rc < 0 ? -1 : 0;
}

int     pmdfcnf_load(const char *spec, PMDF_CNF *cnf, STR *err)
{
    CNF_PARSE p;
    STR     path = STR_INIT;
    int     rc;

    memset(cnf, 0, sizeof(*cnf));
    memset(&p, 0, sizeof(p));
    p.cnf = cnf;
    p.names = htab_create(64);
    p.hosts = htab_create(64);
    str_reset(err);
    rc = lnm_file(spec, LNM_READ, &path, err);
    if (rc == 0)
	rc = cnf_read(&p, STR_C(path), err);
    if (rc == 0)
	rc = cnf_finish(&p, err);
    kw_list_free(&p.defaults);
    htab_free(p.names, free);
    htab_free(p.hosts, free);
    strlist_free(&p.words);
    str_free(&path);
    if (rc < 0)
	pmdfcnf_free(cnf);
    return rc;
}

void    pmdfcnf_free(PMDF_CNF *cnf)
{
    size_t  i;

    for (i = 0; i < cnf->nrules; i++)
	free(cnf->rules[i].pattern);		/* template shares the allocation */
    free(cnf->rules);
    for (i = 0; i < cnf->nchannels; i++)
	cnf_channel_free(&cnf->channels[i]);
    free(cnf->channels);
    htab_free(cnf->by_name, NULL);
    htab_free(cnf->by_host, NULL);
    htab_free(cnf->options, free);
    strlist_free(&cnf->files);
    memset(cnf, 0, sizeof(*cnf));
}

/* ---- option files ----------------------------------------------------- */

/* opt_key - "NAME" or "channel:NAME": channel lower case, NAME upper case */

static void opt_key(STR *key, const char *chan, const char *name, size_t len)
{
    STR     upper = STR_INIT;

    str_cpyn(&upper, name, len);
    str_upper(&upper);
    if (chan)
	str_printf(key, "%s:%s", chan, STR_C(upper));
    else
	str_cpy(key, STR_C(upper));
    str_free(&upper);
}

/* opt_absent - the file does not exist (any other failure is for cfg_open) */

static int opt_absent(const char *path)
{
    FILE   *fp;

    errno = 0;
    if ((fp = fopen(path, "r")) != NULL) {
	fclose(fp);
	return 0;
    }
    return errno == ENOENT;
}

/* opt_read - one option file, when it exists; chan is NULL for the global one */

static int opt_read(const char *spec, const char *chan, HTAB *opts, STRLIST *files,
		            STR *err)
{
    CFG_OPTS o = CFG_OPTS_INIT;
    OPTFILE of;
    STR     path = STR_INIT, key = STR_INIT;
    const char *cur = NULL;
    size_t  i;

    if (lnm_file(spec, LNM_READ, &path, err) < 0) {
	str_free(&path);
	return -1;
    }
    o.comments = CFG_COMMENT_LINE;
    o.resolve = lnm_include_resolver;
    if (opt_absent(STR_C(path))) {
	str_free(&path);
	return 0;
    }
    if (optfile_read(STR_C(path), &o, 0, &of, err) < 0) {
	str_free(&path);
	return -1;
    }
    for (i = 0; i < of.nfiles; i++)
	cur = cnf_note_file(files, cur, of.files[i]);
    for (i = 0; i < of.sec[0].n; i++) {
	const OPT_ENTRY *e = &of.sec[0].v[i];

	opt_key(&key, chan, e->name, strlen(e->name));
	free(htab_remove(opts, STR_C(key)));
	htab_enter(opts, STR_C(key), mem_strdup(e->value));
    }
    optfile_free(&of);
    str_free(&path);
    str_free(&key);
    return 0;
}

int     pmdfcnf_options(PMDF_CNF *cnf, const char *spec, STR *err)
{
    HTAB   *opts = htab_create(64);
    STRLIST files = STRLIST_INIT;
    STR     chspec = STR_INIT;
    size_t  i;
    int     rc;

    str_reset(err);
    rc = opt_read(spec, NULL, opts, &files, err);
    for (i = 0; rc == 0 && i < cnf->nchannels; i++) {
	str_printf(&chspec, "PMDF_TABLE:%s_option", cnf->channels[i].name);
	rc = opt_read(STR_C(chspec), cnf->channels[i].name, opts, &files, err);
    }
    str_free(&chspec);
    if (rc < 0) {
	htab_free(opts, free);
	strlist_free(&files);
	pmdfcnf_free(cnf);
	return -1;
    }
    htab_free(cnf->options, free);
    cnf->options = opts;
    for (i = 0; i < files.n; i++)
	(void) cnf_note_file(&cnf->files, NULL, files.v[i]);
    strlist_free(&files);
    return 0;
}

/* ---- lookups ---------------------------------------------------------- */

const CNF_CHANNEL *pmdfcnf_channel(const PMDF_CNF *cnf, const char *name)
{
    char   *key;
    const CNF_CHANNEL *ch;

    if (cnf->by_name == NULL)
	return NULL;
    key = cnf_lower_dup(name);
    ch = htab_find(cnf->by_name, key);
    free(key);
    return ch;
}

const CNF_CHANNEL *pmdfcnf_channel_by_host(const PMDF_CNF *cnf, const char *host)
{
    STR     key = STR_INIT;
    const CNF_CHANNEL *ch;

    if (cnf->by_host == NULL)
	return NULL;
    str_cpy(&key, host);
    str_upper(&key);
    ch = htab_find(cnf->by_host, STR_C(key));
    str_free(&key);
    return ch;
}

const CNF_KEYWORD *pmdfcnf_keyword(const CNF_CHANNEL *ch, const char *kw)
{
    const KW_DEF *def = kw_find(kw);
    size_t  i;

    if (def == NULL || ch == NULL)
	return NULL;
    def = kw_canon(def);
    for (i = 0; i < ch->nkw; i++)
	if (strcmp(ch->kw[i].name, def->name) == 0)
	    return &ch->kw[i];
    return NULL;
}

const char *pmdfcnf_option(const PMDF_CNF *cnf, const char *channel, const char *name)
{
    STR     key = STR_INIT;
    char   *lower = NULL;
    const char *value = NULL;

    if (cnf->options == NULL)
	return NULL;
    if (channel != NULL) {
	lower = cnf_lower_dup(channel);
	opt_key(&key, lower, name, strlen(name));
	value = htab_find(cnf->options, STR_C(key));
	free(lower);
    }
    if (value == NULL) {
	opt_key(&key, NULL, name, strlen(name));
	value = htab_find(cnf->options, STR_C(key));
    }
    str_free(&key);
    return value;
}

/* ---- compiled image: save and restore ---------------------------------- */

#define CNF_NOFILE 0xffffffffu

static uint32_t cnf_file_index(const PMDF_CNF *cnf, const char *file)
{
    size_t  i;

    for (i = 0; i < cnf->files.n; i++)
	if (cnf->files.v[i] == file)
	    return (uint32_t) i;
    return CNF_NOFILE;
}

static const char *cnf_file_at(const PMDF_CNF *cnf, uint32_t i, UNPACK *in)
{
    if (i == CNF_NOFILE)
	return NULL;
    if (i >= cnf->files.n) {
	in->why = "file index out of range";
	return NULL;
    }
    return cnf->files.v[i];
}

void    pmdfcnf_save(const PMDF_CNF *cnf, STR *out)
{
    char  **keys;
    size_t  i, j;

    pack_u32(out, (uint32_t) cnf->files.n);
    for (i = 0; i < cnf->files.n; i++)
	pack_str(out, cnf->files.v[i]);
    pack_u32(out, (uint32_t) cnf->nrules);
    for (i = 0; i < cnf->nrules; i++) {
	pack_str(out, cnf->rules[i].pattern);
	pack_str(out, cnf->rules[i].template);
	pack_u32(out, cnf_file_index(cnf, cnf->rules[i].file));
	pack_u32(out, (uint32_t) cnf->rules[i].line);
    }
    pack_u32(out, (uint32_t) cnf->nchannels);
    for (i = 0; i < cnf->nchannels; i++) {
	const CNF_CHANNEL *ch = &cnf->channels[i];

	pack_str(out, ch->name);
	pack_u32(out, cnf_file_index(cnf, ch->file));
	pack_u32(out, (uint32_t) ch->line);
	pack_u32(out, (uint32_t) ch->hosts.n);
	for (j = 0; j < ch->hosts.n; j++) {
	    pack_str(out, ch->hosts.v[j]);
	    pack_str(out, j < ch->aliases.n ? ch->aliases.v[j] : "");
	}
	pack_u32(out, (uint32_t) ch->nkw);
	for (j = 0; j < ch->nkw; j++) {
	    pack_str(out, ch->kw[j].name);
	    pack_u32(out, ch->kw[j].arg != NULL);
	    if (ch->kw[j].arg)
		pack_str(out, ch->kw[j].arg);
	    pack_u32(out, cnf_file_index(cnf, ch->kw[j].file));
	    pack_u32(out, (uint32_t) ch->kw[j].line);
	}
    }
    keys = cnf->options ? htab_keys(cnf->options) : NULL;
    pack_u32(out, (uint32_t) (cnf->options ? htab_count(cnf->options) : 0));
    for (i = 0; keys && keys[i]; i++) {
	pack_str(out, keys[i]);
	pack_str(out, htab_find(cnf->options, keys[i]));
    }
    free(keys);
}

static void cnf_restore_rule(UNPACK *in, PMDF_CNF *cnf, CNF_RULE *r)
{
    char   *pat = unpack_str(in), *tpl = unpack_str(in);
    size_t  plen;

    r->file = cnf_file_at(cnf, unpack_u32(in), in);
    r->line = (int) unpack_u32(in);
    if (pat && tpl) {
	/* One allocation, as the parser makes it: pmdfcnf_free() frees pattern. */
	plen = strlen(pat);
	r->pattern = mem_alloc(plen + strlen(tpl) + 2);
	memcpy(r->pattern, pat, plen + 1);
	r->template = r->pattern + plen + 1;
	strcpy(r->template, tpl);
    }
    free(pat);
    free(tpl);
}

static void cnf_restore_channel(UNPACK *in, PMDF_CNF *cnf, CNF_CHANNEL *ch)
{
    const KW_DEF *def;
    uint32_t n, j;
    char   *s;

    ch->name = unpack_str(in);
    ch->file = cnf_file_at(cnf, unpack_u32(in), in);
    ch->line = (int) unpack_u32(in);
    n = unpack_u32(in);
    for (j = 0; j < n && !unpack_failed(in); j++) {
	if ((s = unpack_str(in)) != NULL)
	    strlist_add(&ch->hosts, s);
	free(s);
	if ((s = unpack_str(in)) != NULL)
	    strlist_add(&ch->aliases, s);
	free(s);
    }
    n = unpack_u32(in);
    if (n > in->len - in->pos) {
	in->why = "keyword count out of range";
	return;
    }
    ch->kw = mem_calloc(n ? n : 1, sizeof(*ch->kw));
    for (j = 0; j < n && !unpack_failed(in); j++) {
	CNF_KEYWORD *k = &ch->kw[ch->nkw];

	s = unpack_str(in);
	def = s ? kw_find(s) : NULL;
	free(s);
	if (def == NULL) {
	    if (!unpack_failed(in))
		in->why = "unknown channel keyword (an image from another version)";
	    return;
	}
	k->name = def->name;
	k->group = kw_group(def);
	k->arg = unpack_u32(in) ? unpack_str(in) : NULL;
	k->file = cnf_file_at(cnf, unpack_u32(in), in);
	k->line = (int) unpack_u32(in);
	ch->nkw++;
    }
}

int     pmdfcnf_restore(UNPACK *in, PMDF_CNF *cnf, STR *err)
{
    uint32_t n, i;
    char   *s, *v, *old;

    memset(cnf, 0, sizeof(*cnf));
    n = unpack_u32(in);
    for (i = 0; i < n && !unpack_failed(in); i++) {
	if ((s = unpack_str(in)) != NULL)
	    strlist_add(&cnf->files, s);
	free(s);
    }
    n = unpack_u32(in);
    if (n <= CNF_MAX_RULES && n <= in->len - in->pos) {
	cnf->rules = mem_calloc(n ? n : 1, sizeof(*cnf->rules));
	for (i = 0; i < n && !unpack_failed(in); i++)
	    cnf_restore_rule(in, cnf, &cnf->rules[cnf->nrules++]);
    } else if (!unpack_failed(in))
	in->why = "rule count out of range";
    n = unpack_u32(in);
    if (!unpack_failed(in) && n >= 1 && n <= CNF_MAX_CHANNELS && n <= in->len - in->pos) {
	cnf->channels = mem_calloc(n, sizeof(*cnf->channels));
	for (i = 0; i < n && !unpack_failed(in); i++)
	    cnf_restore_channel(in, cnf, &cnf->channels[cnf->nchannels++]);
    } else if (!unpack_failed(in))
	in->why = "channel count out of range";
    cnf->options = htab_create(32);
    n = unpack_u32(in);
    for (i = 0; i < n && !unpack_failed(in); i++) {
	s = unpack_str(in);
	v = unpack_str(in);
	if (s && v) {
	    old = htab_find(cnf->options, s);	/* a damaged image may repeat a name */
	    htab_enter(cnf->options, s, v);
	    free(old);
	} else
	    free(v);
	free(s);
    }
    if (unpack_failed(in)) {
	str_printf(err, "configuration image: %s", in->why);
	pmdfcnf_free(cnf);
	return -1;
    }
    cnf_index(cnf);
    return 0;
}
