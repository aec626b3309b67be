/*
 * NAME
 *	cfgread - the one configuration reader core (see cfgread.h)
 * DESCRIPTION
 *	Each file is read whole into memory (configuration files are small,
 *	and one read() is the fastest way to load the tailor file that every
 *	program reads at start-up), then split into lines on demand.  Includes
 *	push a new frame on a bounded stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include "cfgread.h"
#include "mem.h"
#include "msg.h"

typedef struct CFG_FRAME {
    char   *path;		/* file name as shown in messages */
    char   *buf;		/* whole file, NUL-terminated */
    size_t  len;
    size_t  pos;		/* next byte to read */
    int     lineno;		/* physical lines consumed */
} CFG_FRAME;

struct CFG_READER {
    CFG_OPTS opts;
    CFG_FRAME stack[CFG_MAX_DEPTH + 1];
    int     depth;		/* frames in use */
    int     nincludes;		/* include lines obeyed, in all */
    const char *cur_path;	/* position of the current logical line */
    int     cur_line;
    STR     errtext;
    STR     phys;		/* scratch: one physical line */
};

static int cfg_slurp(const char *path, CFG_FRAME *fr, STR *err)
{
    FILE   *fp;
    size_t  cap = 4096, n;

    if ((fp = fopen(path, "r")) == NULL) {
	str_printf(err, "%s: cannot open: %s", path, strerror(errno));
	return -1;
    }
    fr->buf = mem_alloc(cap);
    fr->len = 0;
    for (;;) {
	if (fr->len + 1 >= cap) {
	    if (cap > (size_t) 64 * 1024 * 1024) {
		str_printf(err, "%s: file too large for a configuration file", path);
		fclose(fp);
		free(fr->buf);
		fr->buf = NULL;
		return -1;
	    }
	    cap *= 2;
	    fr->buf = mem_realloc(fr->buf, cap);
	}
	n = fread(fr->buf + fr->len, 1, cap - fr->len - 1, fp);
	if (n == 0)
	    break;
	fr->len += n;
    }
    if (ferror(fp)) {
	str_printf(err, "%s: read error: %s", path, strerror(errno));
	fclose(fp);
	free(fr->buf);
	fr->buf = NULL;
	return -1;
    }
    fclose(fp);
    fr->buf[fr->len] = 0;
    fr->path = mem_strdup(path);
    fr->pos = 0;
    fr->lineno = 0;
    return 0;
}

static void cfg_frame_free(CFG_FRAME *fr)
{
    free(fr->path);
    free(fr->buf);
    fr->path = fr->buf = NULL;
}

CFG_READER *cfg_open(const char *path, const CFG_OPTS *opts, STR *err)
{
    CFG_READER *r = mem_calloc(1, sizeof(*r));
    CFG_OPTS defaults = CFG_OPTS_INIT;

    r->opts = opts ? *opts : defaults;
    if (r->opts.max_depth < 1 || r->opts.max_depth > CFG_MAX_DEPTH)
	r->opts.max_depth = CFG_MAX_DEPTH;
    if (cfg_slurp(path, &r->stack[0], err) < 0) {
	free(r);
	return NULL;
    }
    r->depth = 1;
    return r;
}

void cfg_close(CFG_READER *r)
{
    if (r == NULL)
	return;
    while (r->depth > 0)
	cfg_frame_free(&r->stack[--r->depth]);
    str_free(&r->errtext);
    str_free(&r->phys);
    free(r);
}

const char *cfg_file(const CFG_READER *r)
{
    return r->cur_path ? r->cur_path : r->stack[0].path;
}

int     cfg_lineno(const CFG_READER *r)
{
    return r->cur_line;
}

const char *cfg_errtext(const CFG_READER *r)
{
    return STR_C(r->errtext);
}

void cfg_error(const CFG_READER *r, STR *err, const char *fmt, ...)
{
    va_list ap;

    str_printf(err, "%s:%d: ", cfg_file(r), cfg_lineno(r));
    va_start(ap, fmt);
    str_vcatf(err, fmt, ap);
    va_end(ap);
}

/* Reads one physical line of the top frame into r->phys; 0 at end of file. */
static int cfg_physical(CFG_READER *r, CFG_FRAME *fr)
{
    const char *start, *nl;
    size_t  n;

    if (fr->pos >= fr->len)
	return 0;
    start = fr->buf + fr->pos;
    nl = memchr(start, '\n', fr->len - fr->pos);
    n = nl ? (size_t) (nl - start) : fr->len - fr->pos;
    fr->pos += n + (nl ? 1 : 0);
    fr->lineno++;
    if (n > 0 && start[n - 1] == '\r')
	n--;
    str_cpyn(&r->phys, start, n);
    return 1;
}

/* Strips a comment per the options; returns 1 if the whole line was one. */
static int cfg_uncomment(const CFG_OPTS *o, STR *line)
{
    size_t  i;
    int     quoted = 0;

    switch (o->comments) {
    case CFG_COMMENT_COL1:
	return line->len > 0 && line->s[0] == '!';
    case CFG_COMMENT_LINE:
	for (i = 0; i < line->len && isspace((unsigned char) line->s[i]); i++)
	     /* void */ ;
	return i < line->len && line->s[i] == '!';
    case CFG_COMMENT_ANY:
	for (i = 0; i < line->len; i++) {
	    if (line->s[i] == '"')
		quoted = !quoted;
	    else if (line->s[i] == '!' && !quoted) {
		size_t  j;

		for (j = 0; j < i && isspace((unsigned char) line->s[j]); j++)
		     /* void */ ;
		str_truncate(line, i);
		return j == i;
	    }
	}
	return 0;
    default:
	return 0;
    }
}

static void cfg_rtrim(STR *line)
{
    size_t  n = line->len;

    while (n > 0 && isspace((unsigned char) line->s[n - 1]))
	n--;
    str_truncate(line, n);
}

static int cfg_is_blank(const STR *line)
{
    size_t  i;

    for (i = 0; i < line->len; i++)
	if (!isspace((unsigned char) line->s[i]))
	    return 0;
    return 1;
}

static int cfg_fail(CFG_READER *r, const char *fmt, ...)
{
    va_list ap;

    str_printf(&r->errtext, "%s:%d: ", cfg_file(r), cfg_lineno(r));
    va_start(ap, fmt);
    str_vcatf(&r->errtext, fmt, ap);
    va_end(ap);
    return -1;
}

static int cfg_include(CFG_READER *r, const char *name)
{
    STR     path = STR_INIT;
    STR     err = STR_INIT;
    int     i, rc = -1;

    while (isspace((unsigned char) *name))
	name++;
    if (*name == 0)
	return cfg_fail(r, "include line \"<\" names no file");
    if (++r->nincludes > CFG_MAX_INCLUDES) {
	cfg_fail(r, "more than %d includes in all at \"<%s\" (a file included over and "
		 "over?)", CFG_MAX_INCLUDES, name);
	return -1;
    }
    if (r->depth >= r->opts.max_depth) {
	cfg_fail(r, "includes nested deeper than %d levels at \"<%s\"",
		 r->opts.max_depth, name);
	goto out;
    }
    if (r->opts.resolve) {
	if (r->opts.resolve(name, &path, &err, r->opts.ctx) < 0) {
	    cfg_fail(r, "cannot resolve include \"%s\": %s", name, STR_C(err));
	    goto out;
	}
    } else
	str_cpy(&path, name);
    for (i = 0; i < r->depth; i++) {
	if (strcmp(r->stack[i].path, STR_C(path)) == 0) {
	    cfg_fail(r, "include loop: \"%s\" is already being read", STR_C(path));
	    goto out;
	}
    }
    if (cfg_slurp(STR_C(path), &r->stack[r->depth], &err) < 0) {
	cfg_fail(r, "include: %s", STR_C(err));
	goto out;
    }
    r->depth++;
    rc = 0;
out:
    str_free(&path);
    str_free(&err);
    return rc;
}

int     cfg_next(CFG_READER *r, STR *line)
{
    CFG_FRAME *fr;
    int     more, comment;

    for (;;) {
	if (r->depth == 0)
	    return 0;
	fr = &r->stack[r->depth - 1];
	if (!cfg_physical(r, fr)) {
	    if (r->depth == 1)
		return 0;
	    cfg_frame_free(&r->stack[--r->depth]);
	    continue;
	}
	r->cur_path = fr->path;
	r->cur_line = fr->lineno;
	str_reset(line);
	comment = 0;
	for (more = 1; more;) {
	    more = 0;
	    if (memchr(r->phys.s, 0, r->phys.len) != NULL)
		return cfg_fail(r, "NUL byte in line");
	    if (cfg_uncomment(&r->opts, &r->phys)) {
		if (line->len == 0)
		    comment = 1;
		str_reset(&r->phys);
	    }
	    if (r->opts.continuation && r->phys.len > 0
		&& r->phys.s[r->phys.len - 1] == '\\') {
		str_truncate(&r->phys, r->phys.len - 1);
		more = 1;
	    }
	    str_catn(line, STR_C(r->phys), r->phys.len);
	    if (line->len > CFG_MAX_LINE)
		return cfg_fail(r, "line longer than %d bytes", CFG_MAX_LINE);
	    if (more && !cfg_physical(r, fr))
		more = 0;
	}
	if (r->opts.trim)
	    cfg_rtrim(line);
	if (r->opts.includes && line->len > 0 && line->s[0] == '<') {
	    if (cfg_include(r, line->s + 1) < 0)
		return -1;
	    continue;
	}
	/* A comment line is skipped; it is not a blank line. */
	if (cfg_is_blank(line) && (comment || !r->opts.keep_blank))
	    continue;
	return 1;
    }
}

int     cfg_parse_int(const char *text, long min, long max, long *val, STR *err)
{
    const char *p = text, *pct;
    char   *end;
    long    base = 10, v;

    while (isspace((unsigned char) *p))
	p++;
    if ((pct = strchr(p, '%')) != NULL) {
	errno = 0;
	base = strtol(p, &end, 10);
	if (end != pct || errno || base < 2 || base > 36) {
	    str_printf(err, "bad radix in \"%s\" (base%%value, base 2 to 36)", text);
	    return -1;
	}
	p = pct + 1;
    }
    if (*p == 0 || isspace((unsigned char) *p)) {
	str_printf(err, "\"%s\" is not an integer", text);
	return -1;
    }
    errno = 0;
    v = strtol(p, &end, (int) base);
    while (isspace((unsigned char) *end))
	end++;
    if (*end != 0 || end == p) {
	str_printf(err, "\"%s\" is not an integer", text);
	return -1;
    }
    if (errno == ERANGE || v < min || v > max) {
	str_printf(err, "%s is out of range (%ld to %ld)", text, min, max);
	return -1;
    }
    *val = v;
    return 0;
}
