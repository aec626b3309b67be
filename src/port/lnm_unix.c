/*
 * NAME
 *	lnm_unix - logical names on Unix: the tailor file and the environment
 * SYNOPSIS
 *	Back-end of lnm.c (see lnm_impl.h).
 * DESCRIPTION
 *	The tailor file is the file named by the environment variable
 *	PMDF_TAILOR when it is set (it must then exist), else /etc/pmdf_tailor
 *	(which may be absent: then no system names are defined).  It fills
 *	the system table.  Its syntax:
 *
 *	    ! comment (a "!" outside double quotes starts one, to line end)
 *	    PMDF_TABLE=/pmdf/table/
 *	    PMDF_PATH=/site/table/, /pmdf/table/       a search list
 *	    PMDF_TITLE="Mail, for everyone"            quotes keep a comma
 *	    PMDF_ROOT/CONCEALED=/pmdf/                 attributes
 *	    DKA0/TRANSLATION_ATTRIBUTES=(CONCEALED,TERMINAL)=/disk/
 *	    PMDF_SITE/GROUP/SUPERVISOR_MODE=/site/     another table, a mode
 *	    PMDF_CONFIG=PMDF_ROOT:[TABLE]pmdf.cnf       VMS specs work too
 *
 *	NAME is case-blind; qualifiers (any unique abbreviation of at least
 *	four letters) are /CONCEALED, /TERMINAL, /TRANSLATION_ATTRIBUTES=
 *	(list), /EXECUTIVE_MODE (default), /SUPERVISOR_MODE, /USER_MODE,
 *	/KERNEL_MODE, /SYSTEM (default), /GROUP, /JOB, /PROCESS and
 *	/TABLE=LNM$xxx.  Values keep their case; inside double quotes ""
 *	stands for one quote.  A long line may be continued with "\" at its
 *	end.  A "<file" line includes another tailor file.  Any malformed
 *	line, an empty equivalence, more than 128 equivalences, a string over
 *	255 characters or a name defined twice in one table is an error
 *	naming file:line, and no program starts on a broken tailor file.
 *
 *	The process table holds names defined at run time (lnm_define) and
 *	every environment variable whose name begins with PMDF_ or PMAS_
 *	(other than PMDF_TAILOR), parsed with the same value syntax, in
 *	supervisor mode.  The process table is searched first, as on VMS, so
 *	an environment variable overrides the tailor file for that process
 *	and its children only: the same precedence as DEFINE/PROCESS over a
 *	system logical, and the way to point one test or one command at a
 *	different directory without editing shared configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "lnm_impl.h"
#include "cfgread.h"
#include "htab.h"
#include "mem.h"
#include "msg.h"

extern char **environ;

const int lnm_be_native_vms = 0;

#define TAILOR_DEFAULT "/etc/pmdf_tailor"

typedef struct TENTRY {
    LNM_ENTRY ent;
    int     line;		/* tailor line, 0 if not from the tailor */
} TENTRY;

static HTAB *tables[LNM_NTABLES];

static void tentry_free(void *p)
{
    TENTRY *te = p;

    if (te == NULL)
	return;
    lnm_entry_free(&te->ent);
    free(te);
}

static void tentry_copy(const LNM_ENTRY *from, LNM_ENTRY *to)
{
    int     i;

    *to = *from;
    for (i = 0; i < from->count; i++)
	to->eq[i].value = mem_strdup(from->eq[i].value);
}

/* ---- value syntax, shared by the tailor file and the environment ------ */

static int parse_values(const char *text, LNM_ENTRY *ent, STR *err)
{
    const char *p = text;
    STR     val = STR_INIT;
    int     rc = -1;

    for (;;) {
	str_reset(&val);
	while (*p == ' ' || *p == '\t')
	    p++;
	if (*p == '"') {
	    for (p++;; p++) {
		if (*p == 0) {
		    str_printf(err, "unterminated quoted equivalence string");
		    goto out;
		}
		if (*p == '"' && p[1] == '"')
		    str_catc(&val, *p++);
		else if (*p == '"')
		    break;
		else
		    str_catc(&val, *p);
	    }
	    p++;
	    while (*p == ' ' || *p == '\t')
		p++;
	    if (*p != ',' && *p != 0) {
		str_printf(err, "unexpected \"%c\" after a quoted equivalence string", *p);
		goto out;
	    }
	} else {
	    const char *start = p, *end;

	    while (*p && *p != ',')
		if (*p++ == '"') {
		    str_printf(err, "a quote inside an unquoted equivalence string");
		    goto out;
		}
	    for (end = p; end > start && isspace((unsigned char) end[-1]); end--)
		 /* void */ ;
	    str_cpyn(&val, start, (size_t) (end - start));
	}
	if (val.len == 0) {
	    str_printf(err, "empty equivalence string %d", ent->count + 1);
	    goto out;
	}
	if (val.len > LNM_MAX_EQUIV) {
	    str_printf(err, "equivalence string %d is %lu characters long; the limit is %d",
		       ent->count + 1, (unsigned long) val.len, LNM_MAX_EQUIV);
	    goto out;
	}
	if (ent->count >= LNM_MAX_INDEX) {
	    str_printf(err, "more than %d equivalence strings in a search list", LNM_MAX_INDEX);
	    goto out;
	}
	ent->eq[ent->count].value = str_detach(&val);
	ent->eq[ent->count].attr = 0;
	ent->count++;
	if (*p == 0)
	    break;
	p++;					/* the comma */
    }
    rc = 0;
out:
    str_free(&val);
    return rc;
}

/* ---- tailor qualifiers ------------------------------------------------ */

enum { Q_CONCEALED, Q_TERMINAL, Q_TRANSLATION, Q_EXEC, Q_SUPER, Q_USER, Q_KERNEL,
    Q_SYSTEM, Q_GROUP, Q_JOB, Q_PROCESS, Q_TABLE, Q_COUNT };

static const char *const qual_names[Q_COUNT] = {
    "CONCEALED", "TERMINAL", "TRANSLATION_ATTRIBUTES", "EXECUTIVE_MODE",
    "SUPERVISOR_MODE", "USER_MODE", "KERNEL_MODE", "SYSTEM", "GROUP", "JOB",
    "PROCESS", "TABLE",
};

static int qual_lookup(const char *word, size_t len)
{
    int     i, found = -1;

    for (i = 0; i < Q_COUNT; i++) {
	size_t  n = strlen(qual_names[i]);

	if (len > n)
	    continue;
	if (strncmp(qual_names[i], word, len) != 0)
	    continue;
	if (len == n)
	    return i;				/* exact match wins */
	if (len < 4)
	    continue;
	if (found >= 0)
	    return -2;				/* ambiguous */
	found = i;
    }
    return found;
}

/* Reads one /QUALIFIER[=value]; p points after the slash. */
static const char *parse_qualifier(const char *p, LNM_ENTRY *ent, unsigned *attr, STR *err)
{
    char    word[64], val[64];
    size_t  n = 0, v = 0;
    int     q;

    while ((isalnum((unsigned char) *p) || *p == '_') && n < sizeof(word) - 1)
	word[n++] = (char) toupper((unsigned char) *p++);
    word[n] = 0;
    if (n == 0) {
	str_printf(err, "qualifier name expected after \"/\"");
	return NULL;
    }
    if ((q = qual_lookup(word, n)) < 0) {
	str_printf(err, "%s qualifier \"/%s\"", q == -2 ? "ambiguous" : "unknown", word);
	return NULL;
    }
    if (*p == '=' && (q == Q_TRANSLATION || q == Q_TABLE)) {
	for (p++; *p && *p != '/' && *p != '=' && !isspace((unsigned char) *p)
	     && v < sizeof(val) - 1; p++)
	    val[v++] = (char) toupper((unsigned char) *p);
	val[v] = 0;
    } else if (q == Q_TRANSLATION || q == Q_TABLE) {
	str_printf(err, "qualifier /%s needs a value", qual_names[q]);
	return NULL;
    }
    switch (q) {
    case Q_CONCEALED:
	*attr |= LNM_ATTR_CONCEALED;
	break;
    case Q_TERMINAL:
	*attr |= LNM_ATTR_TERMINAL;
	break;
    case Q_TRANSLATION:{
	    char   *tok, *save = NULL, *s = val;

	    if (*s == '(' && v > 1 && val[v - 1] == ')') {
		val[v - 1] = 0;
		s++;
	    }
	    for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t  tl = strlen(tok);

		if (tl >= 4 && strncmp(tok, "CONCEALED", tl) == 0)
		    *attr |= LNM_ATTR_CONCEALED;
		else if (tl >= 4 && strncmp(tok, "TERMINAL", tl) == 0)
		    *attr |= LNM_ATTR_TERMINAL;
		else {
		    str_printf(err, "unknown translation attribute \"%s\"", tok);
		    return NULL;
		}
	    }
	    break;
	}
    case Q_EXEC:
	ent->mode = LNM_MODE_EXEC;
	break;
    case Q_SUPER:
	ent->mode = LNM_MODE_SUPER;
	break;
    case Q_USER:
	ent->mode = LNM_MODE_USER;
	break;
    case Q_KERNEL:
	ent->mode = LNM_MODE_KERNEL;
	break;
    case Q_SYSTEM:
	ent->table = LNM_TABLE_SYSTEM;
	break;
    case Q_GROUP:
	ent->table = LNM_TABLE_GROUP;
	break;
    case Q_JOB:
	ent->table = LNM_TABLE_JOB;
	break;
    case Q_PROCESS:
	ent->table = LNM_TABLE_PROCESS;
	break;
    case Q_TABLE:
	if ((ent->table = lnm_table_by_name(val)) < 0) {
	    str_printf(err, "unknown logical name table \"%s\"", val);
	    return NULL;
	}
	break;
    }
    return p;
}

/* Parses one tailor line into te; -1 with err (without position) on error. */
static int parse_tailor_line(const char *line, TENTRY *te, STR *err)
{
    LNM_ENTRY *ent = &te->ent;
    const char *p = line;
    unsigned attr = 0;
    size_t  n = 0;
    int     i;

    while (isspace((unsigned char) *p))
	p++;
    while (*p && *p != '/' && *p != '=' && !isspace((unsigned char) *p)) {
	if (n >= LNM_MAX_NAME) {
	    str_printf(err, "logical name \"%.40s...\" is longer than %d characters",
		       line, LNM_MAX_NAME);
	    return -1;
	}
	ent->name[n++] = (char) toupper((unsigned char) *p++);
    }
    ent->name[n] = 0;
    if (n == 0) {
	str_printf(err, "expected NAME=value, found \"%s\"", line);
	return -1;
    }
    if (lnm_valid_name(ent->name, err) < 0)
	return -1;
    ent->table = LNM_TABLE_SYSTEM;
    ent->mode = LNM_MODE_EXEC;
    while (*p == '/')
	if ((p = parse_qualifier(p + 1, ent, &attr, err)) == NULL)
	    return -1;
    while (isspace((unsigned char) *p))
	p++;
    if (*p != '=') {
	str_printf(err, "expected \"=\" after %s, found \"%s\"", ent->name,
		   *p ? p : "end of line");
	return -1;
    }
    if (parse_values(p + 1, ent, err) < 0)
	return -1;
    for (i = 0; i < ent->count; i++)
	ent->eq[i].attr = attr;
    return 0;
}

static int tailor_load(const char *path, STR *err)
{
    CFG_OPTS opts = CFG_OPTS_INIT;
    CFG_READER *r;
    STR     line = STR_INIT, why = STR_INIT;
    TENTRY *te, *old;
    int     rc, status = 0;

    opts.comments = CFG_COMMENT_ANY;
    if ((r = cfg_open(path, &opts, err)) == NULL)
	return -1;
    while ((rc = cfg_next(r, &line)) > 0) {
	te = mem_calloc(1, sizeof(*te));
	te->line = cfg_lineno(r);
	if (parse_tailor_line(STR_C(line), te, &why) < 0) {
	    cfg_error(r, err, "%s", STR_C(why));
	    tentry_free(te);
	    status = -1;
	    break;
	}
	if ((old = htab_find(tables[te->ent.table], te->ent.name)) != NULL) {
	    cfg_error(r, err, "%s is already defined in %s at line %d", te->ent.name,
		      lnm_table_name(te->ent.table), old->line);
	    tentry_free(te);
	    status = -1;
	    break;
	}
	htab_enter(tables[te->ent.table], te->ent.name, te);
    }
    if (rc < 0) {
	str_cpy(err, cfg_errtext(r));
	status = -1;
    }
    cfg_close(r);
    str_free(&line);
    str_free(&why);
    return status;
}

static int environment_load(STR *err)
{
    char  **ep;
    STR     why = STR_INIT;
    TENTRY *te;

    for (ep = environ; ep && *ep; ep++) {
	const char *eqs = strchr(*ep, '=');
	size_t  n = eqs ? (size_t) (eqs - *ep) : 0;

	if (n == 0 || (strncmp(*ep, "PMDF_", 5) != 0 && strncmp(*ep, "PMAS_", 5) != 0))
	    continue;
	if (n == 11 && strncmp(*ep, "PMDF_TAILOR", 11) == 0)
	    continue;
	te = mem_calloc(1, sizeof(*te));
	if (n > LNM_MAX_NAME) {
	    str_printf(err, "environment variable %.40s...: name longer than %d characters",
		       *ep, LNM_MAX_NAME);
	    tentry_free(te);
	    return -1;
	}
	memcpy(te->ent.name, *ep, n);
	te->ent.name[n] = 0;
	te->ent.table = LNM_TABLE_PROCESS;
	te->ent.mode = LNM_MODE_SUPER;
	if (lnm_valid_name(te->ent.name, &why) < 0
	    || parse_values(eqs + 1, &te->ent, &why) < 0) {
	    str_printf(err, "environment variable %s: %s", te->ent.name, STR_C(why));
	    str_free(&why);
	    tentry_free(te);
	    return -1;
	}
	htab_enter(tables[LNM_TABLE_PROCESS], te->ent.name, te);
    }
    str_free(&why);
    return 0;
}

int     lnm_be_init(STR *err)
{
    const char *path = getenv("PMDF_TAILOR");
    int     t, rc = 0;
    FILE   *fp;

    for (t = 0; t < LNM_NTABLES; t++)
	tables[t] = htab_create(t == LNM_TABLE_SYSTEM ? 128 : 16);
    if (path != NULL && *path != 0) {
	rc = tailor_load(path, err);
	if (rc < 0 && strstr(STR_C(*err), "cannot open") != NULL)
	    str_catf(err, " (the tailor file named by PMDF_TAILOR)");
    } else if ((fp = fopen(TAILOR_DEFAULT, "r")) != NULL) {
	fclose(fp);
	rc = tailor_load(TAILOR_DEFAULT, err);
    }
    if (rc == 0)
	rc = environment_load(err);
    if (rc < 0)
	lnm_be_shutdown();
    return rc;
}

void    lnm_be_shutdown(void)
{
    int     t;

    for (t = 0; t < LNM_NTABLES; t++) {
	htab_free(tables[t], tentry_free);
	tables[t] = NULL;
    }
}

int     lnm_be_lookup(const char *name, int table, LNM_ENTRY *ent, STR *err)
{
    TENTRY *te = NULL;
    int     t;

    (void) err;
    if (table == LNM_TABLE_ANY) {
	for (t = 0; t < LNM_NTABLES && te == NULL; t++)
	    te = htab_find(tables[t], name);
    } else
	te = htab_find(tables[table], name);
    if (te == NULL)
	return 0;
    tentry_copy(&te->ent, ent);
    return 1;
}

int     lnm_be_define(const LNM_ENTRY *ent, STR *err)
{
    TENTRY *te = mem_calloc(1, sizeof(*te));

    (void) err;
    tentry_copy(ent, &te->ent);
    tentry_free(htab_remove(tables[ent->table], ent->name));
    htab_enter(tables[ent->table], ent->name, te);
    return 0;
}

int     lnm_be_deassign(int table, const char *name, STR *err)
{
    TENTRY *te = htab_remove(tables[table], name);

    if (te == NULL) {
	str_printf(err, "no logical name %s in %s", name, lnm_table_name(table));
	return 0;
    }
    tentry_free(te);
    return 1;
}

int     lnm_be_names(int table, STRLIST *names, STR *err)
{
    char  **keys = htab_keys(tables[table]);
    char  **k;

    (void) err;
    for (k = keys; *k; k++)
	strlist_add(names, *k);
    free(keys);
    return 0;
}
