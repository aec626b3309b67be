/*
 * NAME
 *	optfile - NAME=value option files, with optional [KIND=name] sections
 *	(see optfile.h)
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <stdarg.h>
#include "optfile.h"
#include "mem.h"

/* opt_upper_dup - a copy of n bytes, upper-cased */

static char *opt_upper_dup(const char *p, size_t n)
{
    char   *s = mem_strndup(p, n), *q;

    for (q = s; *q; q++)
	*q = (char) toupper((unsigned char) *q);
    return s;
}

/* opt_note_file - the file list's copy of path (each file kept once) */

static const char *opt_note_file(OPTFILE *of, const char *path)
{
    size_t  i;

    for (i = of->nfiles; i > 0; i--)
	if (strcmp(of->files[i - 1], path) == 0)
	    return of->files[i - 1];
    of->files = mem_realloc(of->files, (of->nfiles + 1) * sizeof(char *));
    of->files[of->nfiles] = mem_strdup(path);
    return of->files[of->nfiles++];
}

static OPT_SECTION *opt_new_section(OPTFILE *of, char *kind, char *name, const char *file,
				            int line)
{
    OPT_SECTION *s;

    of->sec = mem_realloc(of->sec, (of->nsec + 1) * sizeof(*of->sec));
    s = &of->sec[of->nsec++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->name = name;
    s->file = file;
    s->line = line;
    return s;
}

static int is_blank(int c)
{
    return c == ' ' || c == '\t';
}

/* opt_section_line - "[KIND=name]" opens a section */

static int opt_section_line(OPTFILE *of, const CFG_READER *r, const char *text, STR *err)
{
    const char *p = text + 1, *close, *eq, *k0, *k1, *n0, *n1;
    const OPT_SECTION *old;
    char   *kind, *name;

    if ((close = strchr(p, ']')) == NULL) {
	cfg_error(r, err, "section header \"%s\" has no closing \"]\"", text);
	return -1;
    }
    for (k1 = close + 1; is_blank(*k1); k1++)
	 /* void */ ;
    if (*k1) {
	cfg_error(r, err, "text after the section header \"%.*s\"",
		  (int) (close + 1 - text), text);
	return -1;
    }
    if ((eq = memchr(p, '=', (size_t) (close - p))) == NULL) {
	cfg_error(r, err, "section header \"%s\": expected [KIND=name]", text);
	return -1;
    }
    for (k0 = p; is_blank(*k0); k0++)
	 /* void */ ;
    for (k1 = eq; k1 > k0 && is_blank(k1[-1]); k1--)
	 /* void */ ;
    for (n0 = eq + 1; is_blank(*n0); n0++)
	 /* void */ ;
    for (n1 = close; n1 > n0 && is_blank(n1[-1]); n1--)
	 /* void */ ;
    if (k1 == k0 || n1 == n0) {
	cfg_error(r, err, "section header \"%s\": expected [KIND=name]", text);
	return -1;
    }
    kind = opt_upper_dup(k0, (size_t) (k1 - k0));
    name = mem_strndup(n0, (size_t) (n1 - n0));
    if ((old = optfile_section(of, kind, name)) != NULL) {
	cfg_error(r, err, "section [%s=%s] repeated (first at %s:%d)", kind, name,
		  old->file, old->line);
	free(kind);
	free(name);
	return -1;
    }
    (void) opt_new_section(of, kind, name, opt_note_file(of, cfg_file(r)), cfg_lineno(r));
    return 0;
}

/* opt_entry_line - NAME=value into the current (last) section */

static int opt_entry_line(OPTFILE *of, const CFG_READER *r, const char *text, STR *err)
{
    const char *eq, *name, *end, *value, *s;
    OPT_SECTION *sec = &of->sec[of->nsec - 1];
    OPT_ENTRY *e;

    for (name = text; is_blank(*name); name++)
	 /* void */ ;
    if ((eq = strchr(name, '=')) == NULL) {
	cfg_error(r, err, "expected NAME=value, found \"%s\"", name);
	return -1;
    }
    for (end = eq; end > name && is_blank(end[-1]); end--)
	 /* void */ ;
    if (end == name) {
	cfg_error(r, err, "no option name before \"=\"");
	return -1;
    }
    for (s = name; s < end; s++) {
	if (isspace((unsigned char) *s)) {
	    cfg_error(r, err, "option name \"%.*s\" contains white space",
		      (int) (end - name), name);
	    return -1;
	}
    }
    for (value = eq + 1; is_blank(*value); value++)
	 /* void */ ;
    if (sec->n == sec->cap) {
	sec->cap = sec->cap ? 2 * sec->cap : 8;
	sec->v = mem_realloc(sec->v, sec->cap * sizeof(*sec->v));
    }
    e = &sec->v[sec->n++];
    e->name = opt_upper_dup(name, (size_t) (end - name));
    e->value = mem_strdup(value);
    e->file = opt_note_file(of, cfg_file(r));
    e->line = cfg_lineno(r);
    return 0;
}

int     optfile_read(const char *path, const CFG_OPTS *opts, int flags, OPTFILE *of,
		             STR *err)
{
    CFG_READER *r;
    STR     line = STR_INIT;
    int     rc;

    memset(of, 0, sizeof(*of));
    str_reset(err);
    if ((r = cfg_open(path, opts, err)) == NULL)
	return -1;
    (void) opt_new_section(of, mem_strdup(""), mem_strdup(""), opt_note_file(of, path), 0);
    while ((rc = cfg_next(r, &line)) > 0) {
	const char *t = STR_C(line);

	while (is_blank(*t))
	    t++;
	if (*t == 0)
	    continue;
	if (*t == '[') {
	    if (!(flags & OPT_SECTIONS)) {
		cfg_error(r, err, "section headers are not allowed in this file");
		rc = -1;
	    } else
		rc = opt_section_line(of, r, t, err);
	} else
	    rc = opt_entry_line(of, r, t, err);
	if (rc < 0)
	    break;
    }
    if (rc < 0 && err->len == 0)
	str_cpy(err, cfg_errtext(r));
    cfg_close(r);
    str_free(&line);
    if (rc < 0) {
	optfile_free(of);
	return -1;
    }
    return 0;
}

const OPT_SECTION *optfile_section(const OPTFILE *of, const char *kind, const char *name)
{
    size_t  i;

    for (i = 0; i < of->nsec; i++)
	if (strcasecmp(of->sec[i].kind, kind) == 0 && strcasecmp(of->sec[i].name, name) == 0)
	    return &of->sec[i];
    return NULL;
}

const OPT_ENTRY *optfile_find(const OPT_SECTION *s, const char *name)
{
    size_t  i;

    if (s == NULL)
	return NULL;
    for (i = s->n; i > 0; i--)
	if (strcasecmp(s->v[i - 1].name, name) == 0)
	    return &s->v[i - 1];
    return NULL;
}

const char *optfile_value(const OPT_SECTION *s, const char *name)
{
    const OPT_ENTRY *e = optfile_find(s, name);

    return e ? e->value : NULL;
}

void    optfile_error(const OPT_ENTRY *e, STR *err, const char *fmt, ...)
{
    va_list ap;

    str_printf(err, "%s:%d: %s: ", e->file, e->line, e->name);
    va_start(ap, fmt);
    str_vcatf(err, fmt, ap);
    va_end(ap);
}

int     optfile_int(const OPT_SECTION *s, const char *name, long min, long max, long *val,
		            STR *err)
{
    const OPT_ENTRY *e = optfile_find(s, name);
    STR     why = STR_INIT;

    if (e == NULL)
	return 0;
    if (cfg_parse_int(e->value, min, max, val, &why) < 0) {
	optfile_error(e, err, "%s", STR_C(why));
	str_free(&why);
	return -1;
    }
    str_free(&why);
    return 1;
}

void    optfile_free(OPTFILE *of)
{
    size_t  i, j;

    for (i = 0; i < of->nsec; i++) {
	for (j = 0; j < of->sec[i].n; j++) {
	    free(of->sec[i].v[j].name);
	    free(of->sec[i].v[j].value);
	}
	free(of->sec[i].v);
	free(of->sec[i].kind);
	free(of->sec[i].name);
    }
    free(of->sec);
    for (i = 0; i < of->nfiles; i++)
	free(of->files[i]);
    free(of->files);
    memset(of, 0, sizeof(*of));
}
