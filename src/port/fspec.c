/*
 * NAME
 *	fspec - OpenVMS file specifications: parsing and conversion (see fspec.h)
 * SYNOPSIS
 *	#include "fspec.h"
 * DESCRIPTION
 *	A VMS spec is node::device:[dir.sub]name.type;version.  Inside the
 *	brackets a leading "." or "-" (or nothing at all) makes the directory
 *	relative, "-" is the parent, "..." the wildcard descent, and
 *	[root.][rest] a rooted directory whose [000000] is the top of the root.
 *	An ODS-5 escape (^. ^_ ^XX ^Uxxxx, ^ and any other character) is one
 *	character of a name and never a separator.
 *
 *	Internally a directory is a list of tokens (name, parent, ellipsis);
 *	a name token holds the name as VMS writes it (escaped).  Unix paths
 *	are split into the same tokens, their names escaped on the way in, so
 *	that one formatter writes every VMS directory.
 *
 *	The conversions follow Perl's VMS::Filespec without its file system
 *	and logical name look-ups:
 *
 *	- unixify: dev:[a.b]f -> /dev/a/b/f; [a.b]f (absolute, no device)
 *	  -> /sys$disk/a/b/f; [.a]f -> a/f; []f -> ./f; [-] -> ../;
 *	  [...] -> .../; escapes are undone and "%" becomes "?"; a version
 *	  is kept as written.  A string with a "/" is already Unix: only its
 *	  escapes are undone.  A node has no Unix form (error).
 *	- vmsify: the reverse; "/" alone is sys$disk:[000000], "/dev/" is
 *	  dev:, a trailing ";N" is a version, ".", "..", "..." alone are [],
 *	  [-], [...].  Characters VMS cannot hold bare are escaped ("^_" for
 *	  a space, "^c" for !"#&'()+,;=@[]{}~`|<>:\, "^XX" for controls); a
 *	  "^" already followed by such a character is taken as an escape.
 *	  A dot that does not start the type becomes "^." with FSPEC_EFS and
 *	  "_" without.  $(macro) is copied as is.  A string without "/" that
 *	  already parses as a VMS spec (fspec_is_vms()) is returned unchanged.
 *	- fileify: [a.b] -> [a]b.DIR;1, [a] -> [000000]a.DIR;1,
 *	  [a]b -> [a]b.DIR;1, /a/b/ -> /a/b.dir;1.  A type other than .DIR
 *	  (or a version other than 1) is an error under ODS-2; under ODS-5
 *	  the dots become part of the name (b^.c.DIR;1, or b.c.dir;1 in Unix
 *	  syntax).  The suffix is lower case when the argument has lower case.
 *	- pathify: [a]b.DIR;1 -> [a.b], /a/b.dir -> /a/b/, b -> b/.  Under
 *	  ODS-2 the dots of Unix names become "_"; a VMS file with another
 *	  type is an error (ODS-2) or keeps the type escaped (ODS-5).
 *	- unixpath = unixify(pathify()), vmspath = vmsify(pathify()).
 *	- canonpath: a Unix path is cleaned up ("//", "/./") and vmsified
 *	  (vmspath when it ended in "/"); then rooted directories are merged,
 *	  a leading 000000 dropped, "name.-" pairs removed and "[]" dropped
 *	  unless it is all there is.
 * DIAGNOSTICS
 *	Every function that fails returns -1 and sets err (when not NULL) to
 *	"<problem> in file spec "<spec>"" (the spec cut to 64 bytes).
 *	Problems: unbalanced or mismatched brackets, more than one directory,
 *	empty node, device or directory name, a character after the version,
 *	a dangling "^", a spec longer than FSPEC_MAXLEN bytes, and for the
 *	conversions a type or version that is not a directory's.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "msg.h"
#include "str.h"
#include "fspec.h"

#define ERR_SPEC_MAX	64		/* bytes of the spec quoted in errors */
#define NONE		((size_t) -1)

/* Characters of a Unix name that ODS-5 writes as ^c. */
static const char unix_esc_chars[] = "!\"#&'()+,;=@[]{}~`|<>:\\";

/* Directory tokens. */
#define DT_NAME		0
#define DT_UP		1
#define DT_ELLIPSIS	2

typedef struct DTOK {
    int     kind;
    STR     text;			/* DT_NAME: the name as VMS writes it */
} DTOK;

typedef struct DPATH {
    DTOK   *tok;
    size_t  n;
    size_t  cap;
    int     absolute;			/* [a.b], not [.a.b], [-.a] or [] */
    int     rooted;			/* [root.][rest] */
    size_t  nroot;			/* tokens of the root part */
} DPATH;

typedef int (*CONVERT_FN) (const char *, int, STR *, STR *);

/* fail - set err to "problem in file spec "spec"", return -1 */

static int fail(STR *err, const char *spec, const char *fmt,...)
{
    va_list ap;
    size_t  len = strlen(spec);
    int     cut = len > ERR_SPEC_MAX;

    if (err == NULL)
	return -1;
    str_reset(err);
    va_start(ap, fmt);
    str_vcatf(err, fmt, ap);
    va_end(ap);
    str_catf(err, " in file spec \"%.*s%s\"",
	     (int) (cut ? ERR_SPEC_MAX : len), spec, cut ? "..." : "");
    return -1;
}

/* esc_len - bytes of the ODS-5 escape at s (s[0] == '^'), 0 if it dangles */

static size_t esc_len(const char *s)
{
    const unsigned char *u = (const unsigned char *) s;

    if (u[1] == 0)
	return 0;
    if (u[1] == 'U' && isxdigit(u[2]) && isxdigit(u[3])
	&& isxdigit(u[4]) && isxdigit(u[5]))
	return 6;
    if (isxdigit(u[1]) && isxdigit(u[2]))
	return 3;
    return 2;
}

/* esc_step - how far to move past s[0], an escape counting as one */

static size_t esc_step(const char *s)
{
    size_t  n;

    if (*s != '^')
	return 1;
    n = esc_len(s);
    return n ? n : 1;
}

/* find_unescaped - index of the first unescaped character of set, or NONE */

static size_t find_unescaped(const char *s, const char *set)
{
    size_t  i;

    for (i = 0; s[i]; i += esc_step(s + i))
	if (s[i] != '^' && strchr(set, s[i]) != NULL)
	    return i;
    return NONE;
}

static int has_unescaped(const char *s, const char *set)
{
    return find_unescaped(s, set) != NONE;
}

/* eq_nocase - case-blind comparison of n bytes with a lower-case word */

static int eq_nocase(const char *p, size_t n, const char *word)
{
    size_t  i;

    if (strlen(word) != n)
	return 0;
    for (i = 0; i < n; i++)
	if (tolower((unsigned char) p[i]) != word[i])
	    return 0;
    return 1;
}

/* is_dot_name - "", ".", ".." or "..." */

static int is_dot_name(const char *p, size_t n)
{
    size_t  i;

    if (n > 3)
	return 0;
    for (i = 0; i < n; i++)
	if (p[i] != '.')
	    return 0;
    return 1;
}

/* is_version - "*", "N" or "-N" */

static int is_version(const char *p, size_t n)
{
    size_t  i = 0;

    if (n == 1 && p[0] == '*')
	return 1;
    if (n > 0 && p[0] == '-')
	i = 1;
    if (i == n)
	return 0;
    for (; i < n; i++)
	if (!isdigit((unsigned char) p[i]))
	    return 0;
    return 1;
}

/* is_dir_type - ".dir", ".dir;1" (case-blind), the type of a directory file */

static int is_dir_type(const char *p, size_t n)
{
    return eq_nocase(p, n, ".dir") || eq_nocase(p, n, ".dir;1");
}

/* dir_suffix - ".dir;1", upper case unless the argument has lower case */

static const char *dir_suffix(const char *spec)
{
    for (; *spec; spec++)
	if (islower((unsigned char) *spec))
	    return ".dir;1";
    return ".DIR;1";
}

/* Directory token lists. */

static void dpath_init(DPATH *dp)
{
    dp->tok = NULL;
    dp->n = dp->cap = 0;
    dp->absolute = dp->rooted = 0;
    dp->nroot = 0;
}

static void dpath_free(DPATH *dp)
{
    size_t  i;

    for (i = 0; i < dp->n; i++)
	str_free(&dp->tok[i].text);
    free(dp->tok);
    dpath_init(dp);
}

static void dpath_push(DPATH *dp, int kind, const char *p, size_t n)
{
    DTOK   *t;

    if (dp->n == dp->cap) {
	dp->cap = dp->cap ? dp->cap * 2 : 8;
	dp->tok = mem_realloc(dp->tok, dp->cap * sizeof(*dp->tok));
    }
    t = dp->tok + dp->n++;
    t->kind = kind;
    str_init(&t->text);
    if (n > 0)
	str_catn(&t->text, p, n);
}

static void dpath_pop(DPATH *dp)
{
    if (dp->n == 0)
	msg_panic("dpath_pop: empty directory");
    str_free(&dp->tok[--dp->n].text);
    if (dp->rooted && dp->nroot > dp->n)
	dp->nroot = dp->n;
}

static void dpath_shift(DPATH *dp)
{
    if (dp->n == 0)
	msg_panic("dpath_shift: empty directory");
    str_free(&dp->tok[0].text);
    memmove(dp->tok, dp->tok + 1, (dp->n - 1) * sizeof(*dp->tok));
    dp->n--;
    if (dp->rooted && dp->nroot > 0)
	dp->nroot--;
}

static int tok_is(const DTOK *t, const char *name)
{
    return t->kind == DT_NAME && strcmp(STR_C(t->text), name) == 0;
}

/* dir_collapse - drop every "name.-" pair (above the root) */

static void dir_collapse(DPATH *dp)
{
    size_t  r;
    size_t  w = 0;
    size_t  floor = dp->rooted ? dp->nroot : 0;

    for (r = 0; r < dp->n; r++) {
	if (dp->tok[r].kind == DT_UP && w > floor
	    && dp->tok[w - 1].kind == DT_NAME) {
	    str_free(&dp->tok[w - 1].text);
	    str_free(&dp->tok[r].text);
	    w--;
	    continue;
	}
	dp->tok[w++] = dp->tok[r];
    }
    dp->n = w;
}

/* fmt_tokens - write tokens the way they go between brackets */

static void fmt_tokens(STR *out, const DTOK *tok, size_t n, int absolute)
{
    size_t  i;
    int     prev = -1;

    for (i = 0; i < n; prev = tok[i].kind, i++) {
	if (tok[i].kind == DT_ELLIPSIS) {
	    str_cat(out, "...");
	} else if (tok[i].kind == DT_UP) {
	    if (prev == DT_NAME)
		str_catc(out, '.');
	    str_catc(out, '-');
	} else {
	    if (prev == DT_NAME || prev == DT_UP || (prev < 0 && !absolute))
		str_catc(out, '.');
	    str_catn(out, STR_C(tok[i].text), tok[i].text.len);
	}
    }
}

/* dir_format - append the directory in VMS syntax, brackets included */

static void dir_format(const DPATH *dp, STR *out)
{
    str_catc(out, '[');
    if (dp->rooted) {
	fmt_tokens(out, dp->tok, dp->nroot, 1);
	str_cat(out, ".][");
	if (dp->n > dp->nroot)
	    fmt_tokens(out, dp->tok + dp->nroot, dp->n - dp->nroot, 1);
	else
	    str_cat(out, "000000");
    } else if (dp->n == 0) {
	if (dp->absolute)
	    str_cat(out, "000000");
    } else {
	fmt_tokens(out, dp->tok, dp->n, dp->absolute);
    }
    str_catc(out, ']');
}

/* dir_push_name - one name between dots: a name or a run of dashes */

static int dir_push_name(DPATH *dp, const char *p, size_t n, int drop_mfd,
			         const char *spec, STR *err)
{
    size_t  k;

    for (k = 0; k < n && p[k] == '-'; k++)
	 /* void */ ;
    if (k == n) {
	while (k-- > 0)
	    dpath_push(dp, DT_UP, NULL, 0);
	return 0;
    }
    if (k > 0)
	return fail(err, spec, "invalid directory name \"%.*s\"", (int) n, p);
    if (!(drop_mfd && n == 6 && memcmp(p, "000000", 6) == 0))
	dpath_push(dp, DT_NAME, p, n);
    return 0;
}

/*
 * dir_scan - tokens of the n bytes between one pair of brackets.  first
 * says whether this is the first pair (else the rest of a rooted
 * directory, where a leading 000000 is the top of the root).  *trail is
 * set when the part ends in a dot (the root of a rooted directory).
 */
#define EXPECT_NAME	0
#define AFTER_NAME	1
#define AFTER_ELLIPSIS	2

static int dir_scan(DPATH *dp, const char *s, size_t n, int first,
		            int *trail, const char *spec, STR *err)
{
    size_t  i = 0;
    size_t  j;
    size_t  start = dp->n;
    int     state = EXPECT_NAME;

    if (first) {
	dp->absolute = !(n == 0 || s[0] == '.' || s[0] == '-');
	if (n > 0 && s[0] == '.' && !(n >= 3 && s[1] == '.' && s[2] == '.'))
	    i = 1;
    }
    while (i < n) {
	if (n - i >= 3 && memcmp(s + i, "...", 3) == 0) {
	    dpath_push(dp, DT_ELLIPSIS, NULL, 0);
	    i += 3;
	    state = AFTER_ELLIPSIS;
	    continue;
	}
	if (s[i] == '.') {
	    if (state != AFTER_NAME)
		return fail(err, spec, "empty directory name");
	    i++;
	    state = EXPECT_NAME;
	    continue;
	}
	for (j = i; j < n && s[j] != '.'; j += esc_step(s + j))
	     /* void */ ;
	if (j > n)
	    j = n;
	if (dir_push_name(dp, s + i, j - i, !first && dp->n == start,
			  spec, err) < 0)
	    return -1;
	state = AFTER_NAME;
	i = j;
    }
    *trail = (state == EXPECT_NAME && i > 0 && s[i - 1] == '.' && dp->n > start);
    return 0;
}

/* dir_tokens - tokens of a parsed directory ("[...]" or "[root.][...]") */

static int dir_tokens(const char *dir, DPATH *dp, const char *spec, STR *err)
{
    size_t  close = find_unescaped(dir + 1, "]");
    size_t  close2;
    int     trail;

    if (dir[0] != '[' || close == NONE)
	msg_panic("dir_tokens: bad directory \"%s\"", dir);
    if (dir_scan(dp, dir + 1, close, 1, &trail, spec, err) < 0)
	return -1;
    dir += close + 2;				/* past "]" */
    if (trail && !dp->absolute)
	return fail(err, spec, "relative rooted directory");
    if (trail) {
	dp->rooted = 1;
	dp->nroot = dp->n;
    }
    if (*dir != '[')
	return 0;
    if (!trail)
	return fail(err, spec, "more than one directory");
    if ((close2 = find_unescaped(dir + 1, "]")) == NONE)
	msg_panic("dir_tokens: bad directory \"%s\"", dir);
    if (dir_scan(dp, dir + 1, close2, 0, &trail, spec, err) < 0)
	return -1;
    if (trail)
	return fail(err, spec, "empty directory name");
    return 0;
}

/* Undoing ODS-5 escapes (VMS to Unix). */

static unsigned long hex_value(const char *p, size_t n)
{
    unsigned long v = 0;
    size_t  i;
    int     c;

    for (i = 0; i < n; i++) {
	c = tolower((unsigned char) p[i]);
	v = v * 16 + (unsigned long) (isdigit(c) ? c - '0' : c - 'a' + 10);
    }
    return v;
}

static void put_utf8(STR *out, unsigned long cp)
{
    if (cp < 0x80) {
	str_catc(out, (int) cp);
    } else if (cp < 0x800) {
	str_catc(out, (int) (0xC0 | (cp >> 6)));
	str_catc(out, (int) (0x80 | (cp & 0x3F)));
    } else {
	str_catc(out, (int) (0xE0 | (cp >> 12)));
	str_catc(out, (int) (0x80 | ((cp >> 6) & 0x3F)));
	str_catc(out, (int) (0x80 | (cp & 0x3F)));
    }
}

/* unescape_one - append the character escaped at s, return its length */

static size_t unescape_one(STR *out, const char *s)
{
    size_t  n = esc_len(s);
    unsigned long v;

    if (n == 6) {
	if ((v = hex_value(s + 2, 4)) == 0)
	    str_catn(out, s, n);		/* NUL has no Unix form */
	else
	    put_utf8(out, v);
    } else if (n == 3) {
	if ((v = hex_value(s + 1, 2)) == 0)
	    str_catn(out, s, n);
	else
	    str_catc(out, (int) v);
    } else {
	str_catc(out, s[1] == '_' ? ' ' : s[1]);
    }
    return n;
}

/* vms_unescape - append s with its escapes undone; wild maps % to ? */

static void vms_unescape(STR *out, const char *s, int wild)
{
    while (*s) {
	if (*s == '^' && s[1]) {
	    s += unescape_one(out, s);
	    continue;
	}
	str_catc(out, (wild && *s == '%') ? '?' : *s);
	s++;
    }
}

/* Escaping Unix names (Unix to VMS). */

static void put_dot(STR *out, int flags)
{
    str_cat(out, (flags & FSPEC_EFS) ? "^." : "_");
}

static void put_char(STR *out, int c)
{
    if (c == ' ')
	str_cat(out, "^_");
    else if (strchr(unix_esc_chars, c) != NULL) {
	str_catc(out, '^');
	str_catc(out, c);
    } else if ((c >= 0 && c < 0x20) || c == 0x7f)
	str_catf(out, "^%02X", c);
    else
	str_catc(out, c);
}

/* unix_caret - a "^" in a Unix name: an escape already made, or a "^" */

static size_t unix_caret(STR *out, const char *p, size_t n, int flags)
{
    if (n >= 2 && p[1] == '.') {
	put_dot(out, flags);
	return 2;
    }
    if (n >= 2 && (p[1] == '_' || p[1] == '^' || p[1] == '/'
		   || strchr(unix_esc_chars, p[1]) != NULL)) {
	str_catn(out, p, 2);
	return 2;
    }
    str_cat(out, "^^");
    return 1;
}

/* macro_len - length of a $(name) make macro at p, 0 if none */

static size_t macro_len(const char *p, size_t n)
{
    size_t  i = 2;

    if (n < 4 || p[0] != '$' || p[1] != '(')
	return 0;
    while (i < n && (isalnum((unsigned char) p[i]) || p[i] == '.'
		     || p[i] == '_'))
	i++;
    return (i > 2 && i < n && p[i] == ')') ? i + 1 : 0;
}

/* unix_escape - append n bytes of a Unix name in VMS syntax */

static void unix_escape(STR *out, const char *p, size_t n, size_t keepdot,
			        int flags)
{
    size_t  i = 0;
    size_t  m;

    while (i < n) {
	if ((m = macro_len(p + i, n - i)) > 0) {
	    str_catn(out, p + i, m);
	    i += m;
	} else if (p[i] == '^') {
	    i += unix_caret(out, p + i, n - i, flags);
	} else if (p[i] == '.') {
	    if (i == keepdot)
		str_catc(out, '.');
	    else
		put_dot(out, flags);
	    i++;
	} else {
	    put_char(out, (unsigned char) p[i++]);
	}
    }
}

/* dir_name_escape - a Unix directory name; a leading "-" is no parent */

static void dir_name_escape(STR *out, const char *p, size_t n, int flags)
{
    if (n > 0 && p[0] == '-') {
	str_cat(out, "^-");
	p++;
	n--;
    }
    unix_escape(out, p, n, NONE, flags);
}

/* file_escape - a Unix file name: the last dot starts the type, ";N" is a version */

static void file_escape(STR *out, const char *p, size_t n, int flags)
{
    size_t  vpos = n;
    size_t  dot = NONE;
    size_t  i;

    for (i = n; i > 0 && isdigit((unsigned char) p[i - 1]); i--)
	 /* void */ ;
    if (i < n && i > 1 && p[i - 1] == ';')
	vpos = i - 1;
    for (i = 0; i < vpos; i++)
	if (p[i] == '.' && (i == 0 || p[i - 1] != '^'))
	    dot = i;
    /* Under ODS-5 "name." is a name ending in a dot, not an empty type. */
    if (dot != NONE && dot + 1 == vpos && (flags & FSPEC_EFS))
	dot = NONE;
    unix_escape(out, p, vpos, dot, flags);
    str_catn(out, p + vpos, n - vpos);
}

/*
 * unix_split - split a Unix path (it has a "/") into directory tokens
 * and return the offset of the file name (the length when none).
 */
static size_t unix_split(const char *path, int flags, DPATH *dp)
{
    size_t  len = strlen(path);
    size_t  file = (size_t) (strrchr(path, '/') - path) + 1;
    size_t  dir_end;
    size_t  i;
    size_t  j;
    STR     name = STR_INIT;

    if (is_dot_name(path + file, len - file))
	file = len;
    dir_end = file == len ? len : file - 1;
    dp->absolute = path[0] == '/';
    for (i = 0; i < dir_end; i = j + 1) {
	for (j = i; j < dir_end && path[j] != '/'; j++)
	     /* void */ ;
	if (j == i || (j - i == 1 && path[i] == '.'))
	    continue;
	if (j - i == 2 && path[i] == '.' && path[i + 1] == '.') {
	    dpath_push(dp, DT_UP, NULL, 0);
	} else if (j - i == 3 && is_dot_name(path + i, 3)) {
	    dpath_push(dp, DT_ELLIPSIS, NULL, 0);
	} else {
	    str_reset(&name);
	    dir_name_escape(&name, path + i, j - i, flags);
	    dpath_push(dp, DT_NAME, STR_C(name), name.len);
	}
    }
    str_free(&name);
    return file;
}

/* Parsing. */

static void fspec_clear(FSPEC *fs)
{
    str_init(&fs->node);
    str_init(&fs->dev);
    str_init(&fs->dir);
    str_init(&fs->name);
    str_init(&fs->type);
    str_init(&fs->ver);
    fs->has_node = fs->has_dev = fs->has_dir = 0;
}

/* parse_node - "node::" (a node may hold a "quoted access string") */

static int parse_node(const char *s, size_t *pos, FSPEC *fs, STR *err)
{
    size_t  i;
    int     quoted = 0;

    for (i = 0; s[i]; i += esc_step(s + i)) {
	if (s[i] == '"')
	    quoted = !quoted;
	if (quoted)
	    continue;
	if (s[i] == '[' || s[i] == '<' || (s[i] == ':' && s[i + 1] != ':'))
	    return 0;
	if (s[i] == ':')
	    break;
    }
    if (s[i] == 0)
	return 0;
    if (i == 0)
	return fail(err, s, "empty node name");
    str_catn(&fs->node, s, i);
    fs->has_node = 1;
    *pos = i + 2;
    return 0;
}

/* parse_device - "device:" */

static int parse_device(const char *s, size_t *pos, FSPEC *fs, STR *err)
{
    size_t  i;

    for (i = *pos; s[i]; i += esc_step(s + i)) {
	if (s[i] == '[' || s[i] == '<')
	    return 0;
	if (s[i] == ':')
	    break;
    }
    if (s[i] == 0)
	return 0;
    if (s[i + 1] == ':')
	return fail(err, s, "more than one node name");
    if (i == *pos)
	return fail(err, s, "empty device name");
    str_catn(&fs->dev, s + *pos, i - *pos);
    fs->has_dev = 1;
    *pos = i + 1;
    return 0;
}

/* scan_bracket - one bracketed part at s[*pos]: copy it as "[...]" */

static int scan_bracket(const char *s, size_t *pos, STR *dir, STR *err)
{
    int     close = s[*pos] == '[' ? ']' : '>';
    size_t  i;

    for (i = *pos + 1; s[i]; i += esc_step(s + i)) {
	if (s[i] == '[' || s[i] == '<')
	    return fail(err, s, "unbalanced brackets");
	if (s[i] == ':')
	    return fail(err, s, "\":\" inside the directory");
	if (s[i] == ']' || s[i] == '>')
	    break;
    }
    if (s[i] == 0)
	return fail(err, s, "unbalanced brackets");
    if (s[i] != close)
	return fail(err, s, "mismatched brackets");
    str_catc(dir, '[');
    str_catn(dir, s + *pos + 1, i - *pos - 1);
    str_catc(dir, ']');
    *pos = i + 1;
    return 0;
}

/* parse_dir - "[dir]", "<dir>" or the rooted "[root.][dir]" */

static int parse_dir(const char *s, size_t *pos, FSPEC *fs, STR *err)
{
    DPATH   dp;
    int     rc;

    if (s[*pos] != '[' && s[*pos] != '<')
	return 0;
    if (scan_bracket(s, pos, &fs->dir, err) < 0)
	return -1;
    if ((s[*pos] == '[' || s[*pos] == '<')
	&& fs->dir.len >= 3 && fs->dir.s[fs->dir.len - 2] == '.'
	&& scan_bracket(s, pos, &fs->dir, err) < 0)
	return -1;
    if (s[*pos] == '[' || s[*pos] == '<')
	return fail(err, s, "more than one directory");
    if (s[*pos] == ']' || s[*pos] == '>')
	return fail(err, s, "unbalanced brackets");
    fs->has_dir = 1;
    dpath_init(&dp);
    rc = dir_tokens(STR_C(fs->dir), &dp, s, err);
    dpath_free(&dp);
    return rc;
}

/* bad_version - offset of the first byte after ";" that is no version, or NONE */

static size_t bad_version(const char *v)
{
    size_t  n = strlen(v);
    size_t  i = 0;

    if (n == 0 || is_version(v, n))
	return NONE;
    if (v[0] == '*')
	return 1;
    if (v[0] == '-')
	i = 1;
    while (isdigit((unsigned char) v[i]))
	i++;
    return i;
}

/* parse_file - "name.type;version" (or "name.type.version") */

static int parse_file(const char *s, size_t pos, FSPEC *fs, STR *err)
{
    size_t  i;
    size_t  semi = NONE;
    size_t  last = NONE;
    size_t  prev = NONE;
    size_t  end = strlen(s);
    size_t  bad;

    for (i = pos; s[i] && semi == NONE; i += esc_step(s + i)) {
	if (s[i] == '[' || s[i] == '<')
	    return fail(err, s, fs->has_dir ? "more than one directory"
			: "directory after the file name");
	if (s[i] == ']' || s[i] == '>')
	    return fail(err, s, "unbalanced brackets");
	if (s[i] == ':')
	    return fail(err, s, "misplaced \":\"");
	if (s[i] == ';')
	    semi = i;
	if (s[i] == '.') {
	    prev = last;
	    last = i;
	}
    }
    if (semi != NONE) {
	if ((bad = bad_version(s + semi + 1)) != NONE)
	    return s[semi + 1 + bad] == 0 ?
		fail(err, s, "invalid version \"%s\"", s + semi + 1) :
		fail(err, s, "character \"%c\" after the version",
		     s[semi + 1 + bad]);
	end = semi;
    } else if (last != NONE && prev != NONE
	       && is_version(s + last + 1, end - last - 1)) {
	semi = last;
	last = prev;
	end = semi;
    }
    if (semi != NONE)
	str_cat(&fs->ver, s + semi);
    if (last != NONE)
	str_catn(&fs->type, s + last, end - last);
    str_catn(&fs->name, s + pos, (last != NONE ? last : end) - pos);
    return 0;
}

int     fspec_parse(const char *spec, FSPEC *fs, STR *err)
{
    size_t  pos = 0;
    size_t  i;

    fspec_clear(fs);
    if (strlen(spec) > FSPEC_MAXLEN)
	return fail(err, spec, "longer than %d bytes", FSPEC_MAXLEN);
    for (i = 0; spec[i]; i += esc_step(spec + i))
	if (spec[i] == '^' && esc_len(spec + i) == 0)
	    return fail(err, spec, "dangling \"^\" at the end");
    if (parse_node(spec, &pos, fs, err) < 0
	|| parse_device(spec, &pos, fs, err) < 0
	|| parse_dir(spec, &pos, fs, err) < 0
	|| parse_file(spec, pos, fs, err) < 0) {
	fspec_free(fs);
	return -1;
    }
    return 0;
}

void    fspec_free(FSPEC *fs)
{
    str_free(&fs->node);
    str_free(&fs->dev);
    str_free(&fs->dir);
    str_free(&fs->name);
    str_free(&fs->type);
    str_free(&fs->ver);
    fs->has_node = fs->has_dev = fs->has_dir = 0;
}

/* put_prefix - "node::device:" */

static void put_prefix(const FSPEC *fs, STR *out)
{
    if (fs->has_node) {
	str_catn(out, STR_C(fs->node), fs->node.len);
	str_cat(out, "::");
    }
    if (fs->has_dev) {
	str_catn(out, STR_C(fs->dev), fs->dev.len);
	str_catc(out, ':');
    }
}

static void put_file(const FSPEC *fs, STR *out)
{
    str_catn(out, STR_C(fs->name), fs->name.len);
    str_catn(out, STR_C(fs->type), fs->type.len);
    str_catn(out, STR_C(fs->ver), fs->ver.len);
}

static int has_file(const FSPEC *fs)
{
    return fs->name.len + fs->type.len + fs->ver.len > 0;
}

void    fspec_format(const FSPEC *fs, STR *out)
{
    str_reset(out);
    put_prefix(fs, out);
    str_catn(out, STR_C(fs->dir), fs->dir.len);
    put_file(fs, out);
}

int     fspec_is_vms(const char *spec)
{
    return !has_unescaped(spec, "/") && has_unescaped(spec, ":[<;");
}

/* convert - common checks, and the result built apart from out */

static int convert(CONVERT_FN fn, const char *spec, int flags, STR *out,
		           STR *err)
{
    STR     res = STR_INIT;
    int     rc;

    if (*spec == 0)
	return fail(err, spec, "empty");
    if (strlen(spec) > FSPEC_MAXLEN)
	return fail(err, spec, "longer than %d bytes", FSPEC_MAXLEN);
    rc = fn(spec, flags, &res, err);
    if (rc == 0 && res.len > FSPEC_MAXLEN)
	rc = fail(err, spec, "result longer than %d bytes", FSPEC_MAXLEN);
    if (rc == 0)
	str_cpyn(out, STR_C(res), res.len);
    str_free(&res);
    return rc;
}

/* parse_split - parse a spec and tokenize its directory */

static int parse_split(const char *spec, FSPEC *fs, DPATH *dp, STR *err)
{
    dpath_init(dp);
    if (fspec_parse(spec, fs, err) < 0)
	return -1;
    if (fs->has_dir && dir_tokens(STR_C(fs->dir), dp, spec, err) < 0) {
	fspec_free(fs);
	dpath_free(dp);
	return -1;
    }
    return 0;
}

/* unixify */

static void unix_dirs(const DPATH *dp, STR *out)
{
    size_t  i = 0;

    if (dp->absolute && dp->n > 0 && tok_is(dp->tok, "000000"))
	i = 1;
    for (; i < dp->n; i++) {
	if (dp->tok[i].kind == DT_UP)
	    str_cat(out, "../");
	else if (dp->tok[i].kind == DT_ELLIPSIS)
	    str_cat(out, ".../");
	else {
	    vms_unescape(out, STR_C(dp->tok[i].text), 1);
	    str_catc(out, '/');
	}
    }
}

static int do_unixify(const char *spec, int flags, STR *out, STR *err)
{
    FSPEC   fs;
    DPATH   dp;

    (void) flags;
    if (has_unescaped(spec, "/")) {
	vms_unescape(out, spec, 0);
	return 0;
    }
    if (parse_split(spec, &fs, &dp, err) < 0)
	return -1;
    if (fs.has_node) {
	fspec_free(&fs);
	dpath_free(&dp);
	return fail(err, spec, "a node name has no Unix form");
    }
    if (fs.has_dev) {
	str_catc(out, '/');
	vms_unescape(out, STR_C(fs.dev), 0);
	str_catc(out, '/');
    } else if (fs.has_dir && dp.absolute) {
	str_cat(out, "/sys$disk/");
    }
    unix_dirs(&dp, out);
    if (fs.has_dir && !fs.has_dev && !dp.absolute && dp.n == 0)
	str_cat(out, "./");
    vms_unescape(out, STR_C(fs.name), 1);
    vms_unescape(out, STR_C(fs.type), 1);
    str_catn(out, STR_C(fs.ver), fs.ver.len);
    fspec_free(&fs);
    dpath_free(&dp);
    return 0;
}

/* vmsify */

static int vmsify_unix(const char *path, int flags, STR *out, STR *err)
{
    DPATH   dp;
    size_t  file;

    dpath_init(&dp);
    file = unix_split(path, flags, &dp);
    if (dp.absolute && dp.n == 0) {
	str_cat(out, "sys$disk:[000000]");
    } else if (dp.absolute) {
	if (dp.tok[0].kind != DT_NAME) {
	    dpath_free(&dp);
	    return fail(err, path, "no device name after \"/\"");
	}
	str_catn(out, STR_C(dp.tok[0].text), dp.tok[0].text.len);
	str_catc(out, ':');
	dpath_shift(&dp);
	if (dp.n > 0)
	    dir_format(&dp, out);
    } else {
	dir_format(&dp, out);
    }
    file_escape(out, path + file, strlen(path) - file, flags);
    dpath_free(&dp);
    return 0;
}

static int do_vmsify(const char *path, int flags, STR *out, STR *err)
{
    static const char *const dots[] = {"[]", "[-]", "[...]"};
    size_t  len = strlen(path);
    FSPEC   fs;

    if (has_unescaped(path, "/"))
	return vmsify_unix(path, flags, out, err);
    if (is_dot_name(path, len)) {
	str_cat(out, dots[len - 1]);
	return 0;
    }
    if (fspec_is_vms(path) && fspec_parse(path, &fs, NULL) == 0) {
	fspec_free(&fs);
	str_cat(out, path);
	return 0;
    }
    file_escape(out, path, len, flags);
    return 0;
}

/* fileify */

/*
 * last_dir_name - the end of a Unix directory path's last real name, past
 * trailing "/", "." and "name/.." pairs; *start is set to where it starts.
 * Returns 0 when there is none (the path is "/", ".", "..", "a/.." etc).
 */
static size_t last_dir_name(const char *spec, size_t *start)
{
    size_t  len = strlen(spec);
    size_t  b;
    int     ups = 0;

    for (;;) {				/* each turn shortens len */
	while (len > 0 && spec[len - 1] == '/')
	    len--;
	if (len == 0)
	    return 0;
	for (b = len; b > 0 && spec[b - 1] != '/'; b--)
	     /* void */ ;
	if (len - b == 3 && is_dot_name(spec + b, 3))
	    return 0;
	if (len - b == 2 && is_dot_name(spec + b, 2))
	    ups++;
	else if (len - b == 1 && spec[b] == '.')
	     /* "." adds nothing */ ;
	else if (ups > 0)
	    ups--;
	else
	    break;
	len = b;
    }
    *start = b;
    return len;
}

static int fileify_unix(const char *spec, int flags, STR *out, STR *err)
{
    size_t  start = 0;
    size_t  len = last_dir_name(spec, &start);
    size_t  dot = NONE;
    size_t  i;

    if (len == 0)
	return fail(err, spec, "no directory name to make a file of");
    for (i = len; i > start && isdigit((unsigned char) spec[i - 1]); i--)
	 /* void */ ;
    if (i < len && i > start + 1 && spec[i - 1] == ';') {
	if (len - i != 1 || spec[i] != '1')
	    return fail(err, spec, "version %.*s is not a directory file's",
			(int) (len - i), spec + i);
	len = i - 1;
    }
    for (i = start; i < len; i++)
	if (spec[i] == '.')
	    dot = i;
    if (dot != NONE && is_dir_type(spec + dot, len - dot))
	len = dot;
    else if (dot != NONE && !(flags & FSPEC_EFS))
	return fail(err, spec, "type \"%.*s\" is not a directory's",
		    (int) (len - dot), spec + dot);
    str_catn(out, spec, len);
    str_cat(out, dir_suffix(spec));
    return 0;
}

/*
 * dir_name_of_file - the directory name that the file part of a parsed
 * spec stands for: "b" of b.DIR;1 and of b, and under ODS-5 "b^.c" of b.c.
 */
static int dir_name_of_file(const char *spec, const FSPEC *fs, int flags,
			            STR *name, STR *err)
{
    const char *ver = fs->ver.len ? fs->ver.s + 1 : "";
    const char *type = STR_C(fs->type);
    size_t  i;

    if (*ver && strcmp(ver, "1") != 0)
	return fail(err, spec, "version %s is not a directory file's", ver);
    if (fs->type.len > 0 && !is_dir_type(type, fs->type.len)
	&& !(flags & FSPEC_EFS))
	return fail(err, spec, "type \"%s\" is not a directory's", type);
    for (i = 0; i < fs->name.len; i += esc_step(fs->name.s + i)) {
	if (fs->name.s[i] == '.')
	    str_catc(name, '^');
	str_catn(name, fs->name.s + i, esc_step(fs->name.s + i));
    }
    if (fs->type.len > 0 && !is_dir_type(type, fs->type.len)) {
	str_catc(name, '^');
	str_cat(name, type);
    }
    if (name->len == 0)
	return fail(err, spec, "no directory name");
    return 0;
}

static int fileify_vms(const char *spec, FSPEC *fs, DPATH *dp, int flags,
		               STR *out, STR *err)
{
    STR     name = STR_INIT;
    int     rc = 0;

    if (has_file(fs)) {
	if ((rc = dir_name_of_file(spec, fs, flags, &name, err)) == 0) {
	    put_prefix(fs, out);
	    str_catn(out, STR_C(fs->dir), fs->dir.len);
	}
    } else {
	dir_collapse(dp);
	if (dp->rooted && dp->n == dp->nroot)
	    dp->rooted = 0;			/* [a.] is [a] */
	if (!fs->has_dir || dp->n == 0 || dp->tok[dp->n - 1].kind != DT_NAME) {
	    rc = fail(err, spec, "no directory name to make a file of");
	} else {
	    str_cpyn(&name, STR_C(dp->tok[dp->n - 1].text),
		     dp->tok[dp->n - 1].text.len);
	    dpath_pop(dp);
	    put_prefix(fs, out);
	    dir_format(dp, out);
	}
    }
    if (rc == 0) {
	str_catn(out, STR_C(name), name.len);
	str_cat(out, dir_suffix(spec));
    }
    str_free(&name);
    return rc;
}

static int do_fileify(const char *spec, int flags, STR *out, STR *err)
{
    FSPEC   fs;
    DPATH   dp;
    int     rc;

    if (!fspec_is_vms(spec))
	return fileify_unix(spec, flags, out, err);
    if (parse_split(spec, &fs, &dp, err) < 0)
	return -1;
    if (!fs.has_node && !fs.has_dev && !fs.has_dir)
	rc = fileify_unix(spec, flags, out, err);
    else
	rc = fileify_vms(spec, &fs, &dp, flags, out, err);
    fspec_free(&fs);
    dpath_free(&dp);
    return rc;
}

/* pathify */

/* ods2_dots - ODS-2 names have no dots: "." and "^." become "_" */

static void ods2_dots(const char *p, STR *out)
{
    size_t  i = 0;
    size_t  j;
    size_t  k;

    while (p[i]) {
	for (j = i; p[j] && p[j] != '/'; j++)
	     /* void */ ;
	for (k = i; k < j; k++) {
	    if (is_dot_name(p + i, j - i))
		str_catc(out, p[k]);
	    else if (p[k] == '^' && p[k + 1] == '.' && k + 1 < j) {
		str_catc(out, '_');
		k++;
	    } else
		str_catc(out, p[k] == '.' ? '_' : p[k]);
	}
	if (p[j] == '/')
	    str_catc(out, p[j++]);
	i = j;
    }
}

static int pathify_unix(const char *spec, int flags, STR *out)
{
    STR     path = STR_INIT;
    const char *last = strrchr(spec, '/');
    const char *dot;
    size_t  start = last ? (size_t) (last - spec) + 1 : 0;

    str_cpy(&path, spec);
    dot = strrchr(spec + start, '.');
    if (!is_dot_name(spec + start, path.len - start) && dot != NULL
	&& dot > spec + start && is_dir_type(dot, strlen(dot)))
	str_truncate(&path, (size_t) (dot - spec));
    if (path.len == 0 || path.s[path.len - 1] != '/')
	str_catc(&path, '/');
    if (flags & FSPEC_EFS)
	str_catn(out, STR_C(path), path.len);
    else
	ods2_dots(STR_C(path), out);
    str_free(&path);
    return 0;
}

static int pathify_vms(const char *spec, FSPEC *fs, DPATH *dp, int flags,
		               STR *out, STR *err)
{
    STR     name = STR_INIT;

    if (!has_file(fs)) {
	fspec_format(fs, out);
	return 0;
    }
    if (dir_name_of_file(spec, fs, flags, &name, err) < 0) {
	str_free(&name);
	return -1;
    }
    if (!fs->has_dir)
	dp->absolute = 0;			/* dev:b.DIR is dev:[.b] */
    if (!dp->rooted && dp->absolute && dp->n == 1 && tok_is(dp->tok, "000000"))
	dpath_pop(dp);
    dpath_push(dp, DT_NAME, STR_C(name), name.len);
    put_prefix(fs, out);
    dir_format(dp, out);
    str_free(&name);
    return 0;
}

static int do_pathify(const char *spec, int flags, STR *out, STR *err)
{
    FSPEC   fs;
    DPATH   dp;
    int     rc;

    if (!fspec_is_vms(spec))
	return pathify_unix(spec, flags, out);
    if (parse_split(spec, &fs, &dp, err) < 0)
	return -1;
    if (!fs.has_node && !fs.has_dev && !fs.has_dir)
	rc = pathify_unix(spec, flags, out);
    else
	rc = pathify_vms(spec, &fs, &dp, flags, out, err);
    fspec_free(&fs);
    dpath_free(&dp);
    return rc;
}

/* unixpath, vmspath */

static int path_then(CONVERT_FN fn, const char *spec, int flags, STR *out,
		             STR *err)
{
    STR     path = STR_INIT;
    int     rc;

    rc = do_pathify(spec, flags, &path, err);
    if (rc == 0)
	rc = fn(STR_C(path), flags, out, err);
    str_free(&path);
    return rc;
}

static int do_unixpath(const char *spec, int flags, STR *out, STR *err)
{
    return path_then(do_unixify, spec, flags, out, err);
}

static int do_vmspath(const char *spec, int flags, STR *out, STR *err)
{
    return path_then(do_vmsify, spec, flags, out, err);
}

/* canonpath */

/* unix_canon - File::Spec::Unix canonpath: no "//", "/./", "./x", "/.." */

static void unix_canon(const char *p, STR *out)
{
    size_t  i;
    size_t  j;
    int     absolute = p[0] == '/';

    if (absolute)
	str_catc(out, '/');
    for (i = 0; p[i]; i = p[j] ? j + 1 : j) {
	for (j = i; p[j] && p[j] != '/'; j++)
	     /* void */ ;
	if (j == i || (j - i == 1 && p[i] == '.'))
	    continue;
	if (absolute && out->len == 1 && j - i == 2 && p[i] == '.' && p[i + 1] == '.')
	    continue;
	if (out->len > (size_t) absolute)
	    str_catc(out, '/');
	str_catn(out, p + i, j - i);
    }
    if (out->len == 0)
	str_catc(out, '.');
}

static int vms_canon(const char *spec, STR *out, STR *err)
{
    FSPEC   fs;
    DPATH   dp;

    if (parse_split(spec, &fs, &dp, err) < 0)
	return -1;
    if (fs.has_dir) {
	dp.rooted = 0;				/* [a.][b] is [a.b] */
	if (dp.absolute && dp.n > 0 && tok_is(dp.tok, "000000"))
	    dpath_shift(&dp);
	dir_collapse(&dp);
	str_reset(&fs.dir);
	if (dp.absolute || dp.n > 0)
	    dir_format(&dp, &fs.dir);
	else if (!fs.has_node && !fs.has_dev && !has_file(&fs))
	    str_cat(&fs.dir, "[]");
    }
    fspec_format(&fs, out);
    fspec_free(&fs);
    dpath_free(&dp);
    return 0;
}

static int do_canonpath(const char *spec, int flags, STR *out, STR *err)
{
    STR     upath = STR_INIT;
    STR     vpath = STR_INIT;
    int     rc = 0;

    if (has_unescaped(spec, "/")) {
	unix_canon(spec, &upath);
	if (spec[strlen(spec) - 1] == '/')
	    rc = do_vmspath(STR_C(upath), flags, &vpath, err);
	else
	    rc = do_vmsify(STR_C(upath), flags, &vpath, err);
	spec = STR_C(vpath);
    }
    if (rc == 0)
	rc = vms_canon(spec, out, err);
    str_free(&upath);
    str_free(&vpath);
    return rc;
}

/* The public conversions. */

int     fspec_unixify(const char *spec, int flags, STR *out, STR *err)
{
    return convert(do_unixify, spec, flags, out, err);
}

int     fspec_vmsify(const char *path, int flags, STR *out, STR *err)
{
    return convert(do_vmsify, path, flags, out, err);
}

int     fspec_fileify(const char *spec, int flags, STR *out, STR *err)
{
    return convert(do_fileify, spec, flags, out, err);
}

int     fspec_pathify(const char *spec, int flags, STR *out, STR *err)
{
    return convert(do_pathify, spec, flags, out, err);
}

int     fspec_unixpath(const char *spec, int flags, STR *out, STR *err)
{
    return convert(do_unixpath, spec, flags, out, err);
}

int     fspec_vmspath(const char *spec, int flags, STR *out, STR *err)
{
    return convert(do_vmspath, spec, flags, out, err);
}

int     fspec_canonpath(const char *spec, int flags, STR *out, STR *err)
{
    return convert(do_canonpath, spec, flags, out, err);
}
