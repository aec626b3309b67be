/*
 * NAME
 *	addr - RFC 5321/5322 addresses, taken apart for routing (see addr.h)
 * DESCRIPTION
 *	The parser works in passes over a private copy: refuse control
 *	characters, drop header comments, peel the angle brackets (keeping
 *	the display name), take off the source route, split local part from
 *	domain at the right-most "@" outside quotes and brackets, then check
 *	each part and the RFC 5321 sizes.  Every loop is bounded by the text
 *	length, which is bounded by ADDR_MAX_TEXT.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include "addr.h"
#include "mem.h"

/* RFC 5322 atext, plus "." between atoms. */
static int addr_atext(int c)
{
    if (c >= 0x80)
	return 1;			/* UTF-8 (RFC 6531) */
    if (isalnum(c))
	return 1;
    return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static int addr_space(int c)
{
    return c == ' ' || c == '\t';
}

void    addr_init(ADDR *a)
{
    memset(a, 0, sizeof(*a));
}

void    addr_free(ADDR *a)
{
    strlist_free(&a->route);
    str_free(&a->local);
    str_free(&a->domain);
    str_free(&a->phrase);
    a->null = 0;
}

static void addr_reset(ADDR *a)
{
    strlist_reset(&a->route);
    str_reset(&a->local);
    str_reset(&a->domain);
    str_reset(&a->phrase);
    a->null = 0;
}

void    addr_copy(ADDR *dst, const ADDR *src)
{
    size_t  i;

    addr_reset(dst);
    for (i = 0; i < src->route.n; i++)
	strlist_add(&dst->route, src->route.v[i]);
    str_cpyn(&dst->local, STR_C(src->local), src->local.len);
    str_cpyn(&dst->domain, STR_C(src->domain), src->domain.len);
    str_cpyn(&dst->phrase, STR_C(src->phrase), src->phrase.len);
    dst->null = src->null;
}

void    addr_format(const ADDR *a, STR *out)
{
    size_t  i;

    str_reset(out);
    for (i = 0; i < a->route.n; i++) {
	str_catc(out, '@');
	str_cat(out, a->route.v[i]);
	str_catc(out, i + 1 < a->route.n ? ',' : ':');
    }
    str_catn(out, STR_C(a->local), a->local.len);
    if (a->domain.len) {
	str_catc(out, '@');
	str_catn(out, STR_C(a->domain), a->domain.len);
    }
}

/* Step 1: no NUL, CR, LF, nor other controls (tab only in header text). */
static int addr_check_controls(const char *text, size_t len, int flags, STR *err)
{
    size_t  i;
    unsigned char c;

    for (i = 0; i < len; i++) {
	c = (unsigned char) text[i];
	if (c == 0 || c == '\r' || c == '\n') {
	    str_printf(err, "address contains %s at offset %lu",
		       c == 0 ? "NUL" : c == '\r' ? "CR" : "LF", (unsigned long) i);
	    return -1;
	}
	if ((c < 0x20 && !(c == '\t' && (flags & ADDR_HEADER))) || c == 0x7f) {
	    str_printf(err, "address contains control character 0x%02x at offset %lu",
		       c, (unsigned long) i);
	    return -1;
	}
    }
    return 0;
}

/* Step 2 (header syntax): replace comments by one space each. */
static int addr_strip_comments(const char *in, STR *out, STR *err)
{
    int     quoted = 0, depth = 0, literal = 0;
    const char *p;

    str_reset(out);
    for (p = in; *p; p++) {
	if (depth == 0 && *p == '\\' && quoted && p[1]) {
	    str_catn(out, p, 2);
	    p++;
	} else if (depth > 0 && *p == '\\' && p[1]) {
	    p++;			/* quoted pair inside a comment */
	} else if (depth == 0 && !literal && *p == '"') {
	    quoted = !quoted;
	    str_catc(out, *p);
	} else if (depth == 0 && !quoted && *p == '[') {
	    literal = 1;
	    str_catc(out, *p);
	} else if (depth == 0 && !quoted && *p == ']') {
	    literal = 0;
	    str_catc(out, *p);
	} else if (!quoted && !literal && *p == '(') {
	    if (depth++ == 0)
		str_catc(out, ' ');
	} else if (!quoted && !literal && *p == ')') {
	    if (depth == 0) {
		str_cpy(err, "unbalanced parentheses: \")\" without \"(\"");
		return -1;
	    }
	    depth--;
	} else if (depth == 0)
	    str_catc(out, *p);
    }
    if (depth > 0) {
	str_cpy(err, "unbalanced parentheses: comment not closed");
	return -1;
    }
    if (quoted) {
	str_cpy(err, "unbalanced quotes");
	return -1;
    }
    return 0;
}

static void addr_trim(const char **start, const char **end)
{
    while (*start < *end && addr_space((unsigned char) **start))
	(*start)++;
    while (*end > *start && addr_space((unsigned char) (*end)[-1]))
	(*end)--;
}

/*
 * Find the next character c outside quotes (with quoted pairs) from p up
 * to end; NULL when there is none.  *unbalanced is set when the text
 * ends inside quotes.
 */
static const char *addr_find_unquoted(const char *p, const char *end, int c, int *unbalanced)
{
    int     quoted = 0;

    *unbalanced = 0;
    for (; p < end; p++) {
	if (quoted && *p == '\\' && p + 1 < end)
	    p++;
	else if (*p == '"')
	    quoted = !quoted;
	else if (!quoted && *p == c)
	    return p;
    }
    *unbalanced = quoted;
    return NULL;
}

/* Step 3: peel "<...>", keep the display name; *s .. *e is the spec. */
static int addr_peel_angle(const char **s, const char **e, int flags, ADDR *a, STR *err)
{
    const char *lt, *gt, *ps, *pe, *rest;
    int     unb;

    lt = addr_find_unquoted(*s, *e, '<', &unb);
    if (lt == NULL) {
	if (unb) {
	    str_cpy(err, "unbalanced quotes");
	    return -1;
	}
	if (addr_find_unquoted(*s, *e, '>', &unb)) {
	    str_cpy(err, "unbalanced angle brackets: \">\" without \"<\"");
	    return -1;
	}
	return 0;
    }
    gt = addr_find_unquoted(lt + 1, *e, '>', &unb);
    if (gt == NULL) {
	str_cpy(err, unb ? "unbalanced quotes" : "unbalanced angle brackets: \"<\" not closed");
	return -1;
    }
    if (addr_find_unquoted(lt + 1, gt, '<', &unb)) {
	str_cpy(err, "unbalanced angle brackets: \"<\" inside \"<...>\"");
	return -1;
    }
    for (rest = gt + 1; rest < *e; rest++)
	if (!addr_space((unsigned char) *rest)) {
	    str_printf(err, "text after \">\": \"%.*s\"", (int) (*e - rest), rest);
	    return -1;
	}
    ps = *s;
    pe = lt;
    addr_trim(&ps, &pe);
    if (pe > ps && !(flags & ADDR_HEADER)) {
	str_printf(err, "text before \"<\": \"%.*s\" (a display name is header syntax)",
		   (int) (pe - ps), ps);
	return -1;
    }
    str_cpyn(&a->phrase, ps, (size_t) (pe - ps));
    *s = lt + 1;
    *e = gt;
    addr_trim(s, e);
    return 1;
}

/* An IPv4 dotted quad, each part 0..255. */
static int addr_ipv4_ok(const char *p, size_t len)
{
    size_t  i, digits = 0;
    int     parts = 1;
    unsigned val = 0;

    if (len == 0 || len > 15)
	return 0;
    for (i = 0; i < len; i++) {
	if (p[i] == '.') {
	    if (digits == 0 || ++parts > 4)
		return 0;
	    digits = 0;
	    val = 0;
	} else if (isdigit((unsigned char) p[i])) {
	    val = val * 10 + (unsigned) (p[i] - '0');
	    if (++digits > 3 || val > 255)
		return 0;
	} else
	    return 0;
    }
    return parts == 4 && digits > 0;
}

/* An IPv6 address (RFC 4291 text form, RFC 5321 IPv6-addr). */
static int addr_ipv6_ok(const char *p, size_t len)
{
    size_t  i = 0, start, groups = 0;
    int     dcolon = 0;

    if (len < 2 || len > 45)
	return 0;
    if (p[0] == ':') {
	if (p[1] != ':')
	    return 0;
	dcolon = 1;
	i = 2;
	if (i == len)
	    return 1;			/* "::" */
    }
    while (i < len) {
	start = i;
	while (i < len && isxdigit((unsigned char) p[i]) && i - start < 5)
	    i++;
	if (i < len && p[i] == '.') {	/* trailing IPv4 part */
	    if (!addr_ipv4_ok(p + start, len - start))
		return 0;
	    groups += 2;
	    break;
	}
	if (i == start || i - start > 4)
	    return 0;
	groups++;
	if (i == len)
	    break;
	if (p[i] != ':')
	    return 0;
	i++;
	if (i < len && p[i] == ':') {
	    if (dcolon)
		return 0;
	    dcolon = 1;
	    i++;
	    if (i == len)
		break;
	} else if (i == len)
	    return 0;			/* trailing single ":" */
    }
    return dcolon ? groups < 8 : groups == 8;
}

static int addr_check_literal(const char *d, size_t len, STR *err)
{
    const char *in = d + 1;
    size_t  n = len - 2;

    if (len < 2 || d[len - 1] != ']' || memchr(in, '[', n) || memchr(in, ']', n)) {
	str_printf(err, "unbalanced brackets in address literal \"%.*s\" (a literal "
		   "must be the whole domain)", (int) len, d);
	return -1;
    }
    if (n >= 5 && strncasecmp(in, "IPv6:", 5) == 0) {
	if (!addr_ipv6_ok(in + 5, n - 5)) {
	    str_printf(err, "bad IPv6 address literal \"%.*s\"", (int) len, d);
	    return -1;
	}
	return 0;
    }
    if (memchr(in, ':', n)) {
	str_printf(err, "unsupported address literal \"%.*s\" (only IPv4 and "
		   "\"IPv6:\" literals are routed)", (int) len, d);
	return -1;
    }
    if (!addr_ipv4_ok(in, n)) {
	str_printf(err, "bad IPv4 address literal \"%.*s\"", (int) len, d);
	return -1;
    }
    return 0;
}

int     addr_check_domain(const char *d, size_t len, STR *err)
{
    size_t  i, label = 0;
    unsigned char c;

    if (len == 0) {
	str_cpy(err, "empty domain");
	return -1;
    }
    if (len > ADDR_MAX_DOMAIN) {
	str_printf(err, "domain is %lu octets; RFC 5321 allows %d",
		   (unsigned long) len, ADDR_MAX_DOMAIN);
	return -1;
    }
    if (d[0] == '[')
	return addr_check_literal(d, len, err);
    for (i = 0; i < len; i++) {
	c = (unsigned char) d[i];
	if (c == '.') {
	    if (label == 0) {
		str_printf(err, "empty label in domain \"%.*s\"", (int) len, d);
		return -1;
	    }
	    label = 0;
	    continue;
	}
	if (c == '[' || c == ']') {
	    str_printf(err, "unbalanced brackets in domain \"%.*s\" (an address "
		       "literal must be the whole domain)", (int) len, d);
	    return -1;
	}
	if (!(isalnum(c) || c == '-' || c == '_' || c >= 0x80)) {
	    str_printf(err, "character '%c' is not allowed in domain \"%.*s\"",
		       c, (int) len, d);
	    return -1;
	}
	if (++label > ADDR_MAX_LABEL) {
	    str_printf(err, "a label of domain \"%.*s\" is longer than %d octets",
		       (int) len, d, ADDR_MAX_LABEL);
	    return -1;
	}
    }
    if (label == 0) {
	str_printf(err, "empty label in domain \"%.*s\"", (int) len, d);
	return -1;
    }
    return 0;
}

int     addr_is_literal(const char *host)
{
    size_t  len = strlen(host);

    return len >= 2 && host[0] == '[' && host[len - 1] == ']';
}

static void addr_err_prefix(STR *err, const char *prefix)
{
    STR     tmp = STR_INIT;

    str_printf(&tmp, "%s%s", prefix, STR_C(*err));
    str_cpy(err, STR_C(tmp));
    str_free(&tmp);
}

/* Step 4: "@a,@b:" in front of the mailbox. */
static int addr_take_route(const char **s, const char *e, ADDR *a, STR *err)
{
    const char *p = *s, *h;

    if (p >= e || *p != '@')
	return 0;
    if (memchr(p, ':', (size_t) (e - p)) == NULL) {
	str_cpy(err, "empty local part");
	return -1;
    }
    for (;;) {
	if (p >= e || *p != '@') {
	    str_cpy(err, "source route: each host must start with \"@\" (@a,@b:user@c)");
	    return -1;
	}
	h = ++p;
	if (p < e && *p == '[')
	    while (p < e && *p != ']')
		p++;
	while (p < e && *p != ',' && *p != ':')
	    p++;
	if (p >= e) {
	    str_cpy(err, "source route not ended by \":\"");
	    return -1;
	}
	if (addr_check_domain(h, (size_t) (p - h), err) < 0) {
	    addr_err_prefix(err, "source route: ");
	    return -1;
	}
	if (a->route.n >= ADDR_MAX_ROUTE) {
	    str_printf(err, "source route has more than %d hosts", ADDR_MAX_ROUTE);
	    return -1;
	}
	strlist_addn(&a->route, h, (size_t) (p - h));
	if (*p++ == ':')
	    break;
    }
    *s = p;
    return 1;
}

/* The local part: atoms, dots and quoted strings; RFC 5321 size. */
static int addr_check_local(const char *p, size_t len, STR *err)
{
    size_t  i;
    int     quoted = 0;
    unsigned char c;

    if (len == 0 || (len == 2 && p[0] == '"' && p[1] == '"')) {
	str_cpy(err, "empty local part");
	return -1;
    }
    if (len > ADDR_MAX_LOCAL) {
	str_printf(err, "local part is %lu octets; RFC 5321 allows %d",
		   (unsigned long) len, ADDR_MAX_LOCAL);
	return -1;
    }
    for (i = 0; i < len; i++) {
	c = (unsigned char) p[i];
	if (quoted) {
	    if (c == '\\' && i + 1 < len)
		i++;
	    else if (c == '"')
		quoted = 0;
	} else if (c == '"')
	    quoted = 1;
	else if (addr_space(c)) {
	    str_cpy(err, "unquoted white space in local part");
	    return -1;
	} else if (!addr_atext(c)) {
	    str_printf(err, "character '%c' must be quoted in the local part", c);
	    return -1;
	}
    }
    if (quoted) {
	str_cpy(err, "unbalanced quotes in local part");
	return -1;
    }
    return 0;
}

/*
 * Step 5: split the mailbox at the right-most "@" outside quotes and
 * address literals; earlier unquoted "@"s become "%" (PMDF reads
 * user@host1@host2 as user%host1@host2).
 */
static int addr_split_mailbox(const char *s, const char *e, ADDR *a, STR *err)
{
    const char *p, *last = NULL;
    int     quoted = 0, ats = 0;
    size_t  i;

    for (p = s; p < e; p++) {
	if (quoted) {
	    if (*p == '\\' && p + 1 < e)
		p++;
	    else if (*p == '"')
		quoted = 0;
	} else if (*p == '"')
	    quoted = 1;
	else if (*p == '@') {
	    last = p;
	    ats++;
	    if (p + 1 < e && p[1] == '[') {
		while (p < e && *p != ']')
		    p++;
		if (p >= e) {
		    str_cpy(err, "unbalanced brackets in address literal");
		    return -1;
		}
	    }
	}
    }
    if (quoted) {
	str_cpy(err, "unbalanced quotes in local part");
	return -1;
    }
    if (last == NULL) {
	str_cpyn(&a->local, s, (size_t) (e - s));
	return 0;
    }
    str_cpyn(&a->local, s, (size_t) (last - s));
    str_cpyn(&a->domain, last + 1, (size_t) (e - last - 1));
    if (a->domain.len == 0) {
	str_cpy(err, "empty domain after \"@\"");
	return -1;
    }
    for (i = 0, quoted = 0; ats > 1 && i < a->local.len; i++) {
	if (quoted && a->local.s[i] == '\\')
	    i++;
	else if (a->local.s[i] == '"')
	    quoted = !quoted;
	else if (!quoted && a->local.s[i] == '@')
	    a->local.s[i] = '%';
    }
    return 1;
}

static int addr_check_spaces(const char *s, const char *e, STR *err)
{
    const char *p;
    int     quoted = 0;

    for (p = s; p < e; p++) {
	if (quoted && *p == '\\' && p + 1 < e)
	    p++;
	else if (*p == '"')
	    quoted = !quoted;
	else if (!quoted && addr_space((unsigned char) *p)) {
	    str_printf(err, "unquoted white space in address \"%.*s\"", (int) (e - s), s);
	    return -1;
	}
    }
    return 0;
}

/*
 * Header syntax allows white space (and comments, already blanks) around
 * the "@", "." "," and ":" of an address (RFC 5322 obs-local-part,
 * obs-domain, obs-route); drop it there.  Other white space stays, to be
 * refused.
 */
static void addr_compact(const char *s, const char *e, STR *out)
{
    const char *p, *q;
    int     quoted = 0, prev;

    str_reset(out);
    for (p = s; p < e; p++) {
	if (quoted && *p == '\\' && p + 1 < e) {
	    str_catn(out, p++, 2);
	    continue;
	}
	if (*p == '"')
	    quoted = !quoted;
	if (quoted || !addr_space((unsigned char) *p)) {
	    str_catc(out, *p);
	    continue;
	}
	for (q = p; q < e && addr_space((unsigned char) *q); q++)
	     /* void */ ;
	prev = out->len ? out->s[out->len - 1] : '@';
	if (q < e && !strchr("@.,:", prev) && !strchr("@.,:", *q))
	    str_catc(out, ' ');
	p = q - 1;
    }
}

static int addr_parse_spec(const char *s, const char *e, int flags, ADDR *a, STR *err)
{
    int     has_at;

    if ((flags & ADDR_HEADER) && e > s && e[-1] == ';' && memchr(s, ':', (size_t) (e - s))) {
	str_cpy(err, "group syntax (name: addresses;) is not a single address");
	return -1;
    }
    if (addr_check_spaces(s, e, err) < 0)
	return -1;
    if (addr_take_route(&s, e, a, err) < 0)
	return -1;
    if ((has_at = addr_split_mailbox(s, e, a, err)) < 0)
	return -1;
    if (addr_check_local(STR_C(a->local), a->local.len, err) < 0)
	return -1;
    if (has_at && addr_check_domain(STR_C(a->domain), a->domain.len, err) < 0)
	return -1;
    return 0;
}

/*
 * Steps 1 to 3: the address text without controls, comments, angle
 * brackets and (header syntax) ignorable white space, into spec.
 * Returns 1 when there were angle brackets, 0 when not, -1 on error.
 */
static int addr_prepare(const char *text, size_t len, int flags, ADDR *a, STR *spec,
			        STR *err)
{
    STR     raw = STR_INIT;
    const char *s, *e;
    int     angle = -1;

    if (len > ADDR_MAX_TEXT)
	str_printf(err, "address text is %lu octets; at most %d are accepted",
		   (unsigned long) len, ADDR_MAX_TEXT);
    else if (addr_check_controls(text, len, flags, err) == 0) {
	str_cpyn(&raw, text, len);
	if (!(flags & ADDR_HEADER))
	    str_cpyn(spec, text, len);
	if (!(flags & ADDR_HEADER) || addr_strip_comments(STR_C(raw), spec, err) == 0) {
	    s = STR_C(*spec);
	    e = s + spec->len;
	    addr_trim(&s, &e);
	    if ((angle = addr_peel_angle(&s, &e, flags, a, err)) >= 0) {
		if (flags & ADDR_HEADER)
		    addr_compact(s, e, &raw);
		else
		    str_cpyn(&raw, s, (size_t) (e - s));
		str_cpyn(spec, STR_C(raw), raw.len);
	    }
	}
    }
    str_free(&raw);
    return angle;
}

int     addr_parse_n(const char *text, size_t len, int flags, ADDR *a, STR *err)
{
    STR     spec = STR_INIT, path = STR_INIT;
    int     rc = -1, angle;

    addr_reset(a);
    if ((angle = addr_prepare(text, len, flags, a, &spec, err)) < 0)
	goto done;
    if (spec.len == 0) {
	if (angle && (flags & ADDR_NULL_OK)) {
	    a->null = 1;
	    rc = 0;
	} else
	    str_cpy(err, angle ? "empty address (the null path \"<>\")" : "empty address");
	goto done;
    }
    if (addr_parse_spec(STR_C(spec), STR_C(spec) + spec.len, flags, a, err) < 0)
	goto done;
    addr_format(a, &path);
    if (path.len + 2 > ADDR_MAX_PATH) {
	str_printf(err, "address is %lu octets with its \"<>\"; RFC 5321 allows %d",
		   (unsigned long) path.len + 2, ADDR_MAX_PATH);
	goto done;
    }
    rc = 0;
done:
    if (rc < 0)
	addr_reset(a);
    str_free(&spec);
    str_free(&path);
    return rc;
}

int     addr_parse(const char *text, int flags, ADDR *a, STR *err)
{
    return addr_parse_n(text, strlen(text), flags, a, err);
}

/* --- PMDF's host/domain specifications ----------------------------------- */

void    addr_host_init(ADDR_HOST *h)
{
    memset(h, 0, sizeof(*h));
}

void    addr_host_free(ADDR_HOST *h)
{
    str_free(&h->host);
    str_free(&h->user);
}

/* The last singleton "%" outside quotes, with text on both sides. */
static int addr_find_percent(const char *p, size_t len, size_t *pos)
{
    size_t  i;
    int     quoted = 0, found = 0;

    for (i = 0; i < len; i++) {
	if (quoted && p[i] == '\\')
	    i++;
	else if (p[i] == '"')
	    quoted = !quoted;
	else if (!quoted && p[i] == '%' && i > 0 && i + 1 < len
		 && p[i - 1] != '%' && p[i + 1] != '%') {
	    *pos = i;
	    found = 1;
	}
    }
    return found;
}

/* The first "!" outside quotes, with text on both sides. */
static int addr_find_bang(const char *p, size_t len, size_t *pos)
{
    size_t  i;
    int     quoted = 0;

    for (i = 0; i < len; i++) {
	if (quoted && p[i] == '\\')
	    i++;
	else if (p[i] == '"')
	    quoted = !quoted;
	else if (!quoted && p[i] == '!') {
	    if (i == 0 || i + 1 == len)
		return 0;
	    *pos = i;
	    return 1;
	}
    }
    return 0;
}

static int addr_host_in_local(const ADDR *a, int where, ADDR_HOST *h)
{
    const char *p = STR_C(a->local);
    size_t  len = a->local.len, pos;

    if (where == ADDR_LOC_PERCENT && addr_find_percent(p, len, &pos)) {
	str_cpyn(&h->user, p, pos);
	str_cpyn(&h->host, p + pos + 1, len - pos - 1);
    } else if (where == ADDR_LOC_BANG && addr_find_bang(p, len, &pos)) {
	str_cpyn(&h->host, p, pos);
	str_cpyn(&h->user, p + pos + 1, len - pos - 1);
    } else
	return 0;
    h->where = where;
    h->pos = pos;
    return 1;
}

int     addr_first_host(const ADDR *a, int bang_over_percent, ADDR_HOST *h)
{
    str_reset(&h->host);
    str_reset(&h->user);
    h->where = 0;
    h->pos = 0;
    if (a->route.n > 0) {
	h->where = ADDR_LOC_ROUTE;
	str_cpy(&h->host, a->route.v[0]);
	str_cpyn(&h->user, STR_C(a->local), a->local.len);
	return 1;
    }
    if (a->domain.len > 0) {
	h->where = ADDR_LOC_AT;
	str_cpyn(&h->host, STR_C(a->domain), a->domain.len);
	str_cpyn(&h->user, STR_C(a->local), a->local.len);
	return 1;
    }
    if (bang_over_percent)
	return addr_host_in_local(a, ADDR_LOC_BANG, h)
	    || addr_host_in_local(a, ADDR_LOC_PERCENT, h);
    return addr_host_in_local(a, ADDR_LOC_PERCENT, h)
	|| addr_host_in_local(a, ADDR_LOC_BANG, h);
}

void    addr_remove_host(ADDR *a, const ADDR_HOST *h)
{
    STRLIST rest = STRLIST_INIT;
    size_t  i;

    switch (h->where) {
    case ADDR_LOC_ROUTE:
	for (i = 1; i < a->route.n; i++)
	    strlist_add(&rest, a->route.v[i]);
	strlist_free(&a->route);
	a->route = rest;
	break;
    case ADDR_LOC_AT:
	str_reset(&a->domain);
	break;
    case ADDR_LOC_PERCENT:
    case ADDR_LOC_BANG:
	str_cpyn(&a->local, STR_C(h->user), h->user.len);
	break;
    }
}

int     addr_split_subaddress(const char *local, size_t *plus)
{
    size_t  i;
    int     quoted = 0;

    for (i = 0; local[i]; i++) {
	if (quoted && local[i] == '\\' && local[i + 1])
	    i++;
	else if (local[i] == '"')
	    quoted = !quoted;
	else if (!quoted && local[i] == '+' && i > 0) {
	    *plus = i;
	    return 1;
	}
    }
    return 0;
}
