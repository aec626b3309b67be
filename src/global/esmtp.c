/*
 * NAME
 *	esmtp - ESMTP command arguments, xtext, and trace headers (see esmtp.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <time.h>
#include "esmtp.h"
#include "addr.h"
#include "mem.h"

#define ESMTP_ECHO_MAX	64	/* bytes of a client's value quoted in a reply */
#define ESMTP_REPLY_MAX	510	/* bytes of a reply line, without its CR LF */
#define ESMTP_TYPE_MAX	64	/* bytes of an ORCPT address type */

/* ---- xtext (RFC 3461 4) ----------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
	return c - '0';
    if (c >= 'A' && c <= 'F')
	return c - 'A' + 10;
    return -1;
}

int     xtext_decode(const char *p, size_t len, STR *out)
{
    size_t  i;
    int     hi, lo, c;

    str_reset(out);
    for (i = 0; i < len; i++) {
	c = (unsigned char) p[i];
	if (c == '+') {
	    if (i + 2 >= len)
		return -1;
	    hi = hexval((unsigned char) p[i + 1]);
	    lo = hexval((unsigned char) p[i + 2]);
	    if (hi < 0 || lo < 0)
		return -1;
	    c = hi * 16 + lo;
	    i += 2;
	} else if (c < 33 || c > 126 || c == '=')
	    return -1;
	if (c == 0 || c == '\r' || c == '\n' || out->len >= ESMTP_PARAM_MAX)
	    return -1;
	str_catc(out, c);
    }
    return 0;
}

void    xtext_encode(const char *p, STR *out)
{
    str_reset(out);
    for (; *p; p++) {
	unsigned char c = (unsigned char) *p;

	if (c < 33 || c > 126 || c == '+' || c == '=')
	    str_catf(out, "+%02X", c);
	else
	    str_catc(out, c);
    }
}

/* ---- paths and parameters -------------------------------------------- */

/*
 * Appends s to a reply: printable ASCII only (any other byte as "?"), at
 * most max bytes, the last three "..." when s is cut.  What the client
 * sent is echoed, and a reply line is HT and printable text of at most
 * 512 bytes with its CR LF (RFC 5321 4.2, 4.5.3.1.5), whatever it sent.
 */
static void esmtp_echo(STR *reply, const char *s, size_t max)
{
    size_t  n = strlen(s), i;
    int     cut = n > max;

    if (cut)
	n = max > 3 ? max - 3 : 0;
    for (i = 0; i < n; i++)
	str_catc(reply, s[i] >= 32 && s[i] <= 126 ? s[i] : '?');
    if (cut)
	str_cat(reply, "...");
}

static int esmtp_fail(STR *reply, int code, const char *fmt, const char *arg)
{
    STR     echo = STR_INIT;

    esmtp_echo(&echo, arg, ESMTP_ECHO_MAX);
    str_printf(reply, "%d ", code);
    str_catf(reply, fmt, STR_C(echo));
    str_free(&echo);
    return code;
}

/*
 * Reads "<path>" at *pp (after "FROM:" or "TO:"): quotes may hold ">".
 * Leaves *pp after the ">", sets the address.  0 or -1.
 */
static int esmtp_path(const char **pp, STR *addr)
{
    const char *p = *pp;
    int     quoted = 0;

    if (*p == ' ')				/* "MAIL FROM: <a>" */
	p++;
    if (*p != '<')
	return -1;
    str_reset(addr);
    for (p++; *p; p++) {
	if (quoted && *p == '\\' && p[1]) {
	    str_catc(addr, *p++);
	} else if (*p == '"') {
	    quoted = !quoted;
	} else if (*p == '>' && !quoted) {
	    *pp = p + 1;
	    return 0;
	}
	str_catc(addr, *p);
	if (addr->len > ADDR_MAX_PATH)
	    return -1;
    }
    return -1;
}

/* Splits "KEY=value" at p (up to a space); returns the end. */
static const char *esmtp_param(const char *p, STR *key, STR *val, int *has_val)
{
    const char *end = p, *eq;

    while (*end && *end != ' ')
	end++;
    eq = memchr(p, '=', (size_t) (end - p));
    *has_val = eq != NULL;
    str_cpyn(key, p, (size_t) ((eq ? eq : end) - p));
    str_cpyn(val, eq ? eq + 1 : end, eq ? (size_t) (end - eq - 1) : 0);
    return end;
}

/* RFC 5321 Mailbox: exactly one "@" outside quotes, after any source route. */
static int esmtp_one_at(const char *text)
{
    const char *p = text;
    int     quoted = 0, ats = 0;

    if (*p == '@' && (p = strchr(p, ':')) == NULL)
	return 0;
    for (p = (*text == '@') ? p + 1 : text; *p; p++) {
	if (quoted && *p == '\\' && p[1])
	    p++;
	else if (*p == '"')
	    quoted = !quoted;
	else if (*p == '@' && !quoted)
	    ats++;
    }
    return ats == 1;
}

static int esmtp_check_addr(const char *text, int null_ok, STR *why)
{
    ADDR    a;
    int     rc;

    if (*text == 0)
	return null_ok ? 0 : (str_cpy(why, "empty address"), -1);
    if (!esmtp_one_at(text)) {
	str_printf(why, "\"%s\" is not local-part@domain", text);
	return -1;
    }
    addr_init(&a);
    rc = addr_parse(text, 0, &a, why);
    addr_free(&a);
    return rc < 0 ? -1 : 0;
}

void    esmtp_mail_free(ESMTP_MAIL *m)
{
    str_free(&m->from);
    str_free(&m->envid);
    str_free(&m->auth);
}

void    esmtp_rcpt_free(ESMTP_RCPT *r)
{
    str_free(&r->to);
    str_free(&r->orcpt);
}

static int esmtp_mail_param(void *obj, const STR *key, const STR *val, int has_val,
			            unsigned *seen, STR *reply)
{
    ESMTP_MAIL *m = obj;
    const char *k = STR_C(*key), *v = STR_C(*val);
    char   *end;

    if (strcasecmp(k, "SIZE") == 0 && !(*seen & 1)) {
	*seen |= 1;
	errno = 0;
	m->size = has_val && isdigit((unsigned char) *v) ? strtol(v, &end, 10) : -1;
	if (m->size < 0 || *end || errno)
	    return esmtp_fail(reply, 501, "5.5.4 Bad SIZE value \"%s\"", v);
    } else if (strcasecmp(k, "BODY") == 0 && !(*seen & 2)) {
	*seen |= 2;
	if (strcasecmp(v, "7BIT") == 0)
	    m->body = ESMTP_BODY_7BIT;
	else if (strcasecmp(v, "8BITMIME") == 0)
	    m->body = ESMTP_BODY_8BITMIME;
	else
	    return esmtp_fail(reply, 501, "5.5.4 Unsupported BODY type \"%s\"", v);
    } else if (strcasecmp(k, "RET") == 0 && !(*seen & 4)) {
	*seen |= 4;
	if (strcasecmp(v, "FULL") == 0)
	    m->ret = ESMTP_RET_FULL;
	else if (strcasecmp(v, "HDRS") == 0)
	    m->ret = ESMTP_RET_HDRS;
	else
	    return esmtp_fail(reply, 501, "5.5.4 Bad RET value \"%s\" (FULL or HDRS)", v);
    } else if (strcasecmp(k, "ENVID") == 0 && !(*seen & 8)) {
	*seen |= 8;
	if (!has_val || val->len > 100 || xtext_decode(v, val->len, &m->envid) < 0)
	    return esmtp_fail(reply, 501, "5.5.4 Bad ENVID value%s", "");
    } else if (strcasecmp(k, "AUTH") == 0 && !(*seen & 16)) {
	*seen |= 16;
	if (!has_val || xtext_decode(v, val->len, &m->auth) < 0)
	    return esmtp_fail(reply, 501, "5.5.4 Bad AUTH value%s", "");
    } else if (strcasecmp(k, "SMTPUTF8") == 0 && !has_val && !(*seen & 32)) {
	*seen |= 32;
	m->smtputf8 = 1;
    } else
	return esmtp_fail(reply, 555, "5.5.4 Unsupported or repeated parameter \"%s\"", k);
    return 0;
}

typedef int (*ESMTP_PARAM_FN) (void *obj, const STR *key, const STR *val, int has_val,
			               unsigned *seen, STR *reply);

/*
 * The shape MAIL and RCPT share: "KEYWORD:<path>", the path's address
 * checked, then " KEY[=value]" parameters, each handed to fn.
 */
static int esmtp_command(const char *arg, const char *keyword, const char *command,
			         int null_ok, const char *bad_addr, STR *path,
			         ESMTP_PARAM_FN fn, void *obj, STR *reply)
{
    STR     key = STR_INIT, val = STR_INIT, why = STR_INIT;
    unsigned seen = 0;
    size_t  klen = strlen(keyword);
    int     has_val, rc = 0;
    const char *p = arg;

    if (*p == ' ')
	p++;
    if (strncasecmp(p, keyword, klen) != 0 || (p += klen, esmtp_path(&p, path) < 0)) {
	rc = esmtp_fail(reply, 501, "5.5.4 Syntax: %s<address>", command);
	goto out;
    }
    if (esmtp_check_addr(STR_C(*path), null_ok, &why) < 0) {
	str_printf(reply, "501 %s: ", bad_addr);
	esmtp_echo(reply, STR_C(why), ESMTP_REPLY_MAX - reply->len);
	rc = 501;
	goto out;
    }
    while (*p == ' ' && rc == 0) {
	while (*p == ' ')
	    p++;
	if (*p == 0)
	    break;
	p = esmtp_param(p, &key, &val, &has_val);
	rc = fn(obj, &key, &val, has_val, &seen, reply);
    }
    if (rc == 0 && *p)
	rc = esmtp_fail(reply, 501, "5.5.4 Syntax: %s<address> [parameters]", command);
out:
    str_free(&key);
    str_free(&val);
    str_free(&why);
    return rc;
}

int     esmtp_mail(const char *arg, ESMTP_MAIL *m, STR *reply)
{
    m->size = -1;
    m->body = ESMTP_BODY_NONE;
    m->ret = ESMTP_RET_NONE;
    m->smtputf8 = 0;
    str_reset(&m->envid);
    str_reset(&m->auth);
    return esmtp_command(arg, "FROM:", "MAIL FROM:", 1, "5.1.7 Bad sender address syntax",
			 &m->from, esmtp_mail_param, m, reply);
}

static int esmtp_notify(const char *v, unsigned *notify)
{
    char    word[16];
    size_t  n;

    *notify = 0;
    while (*v) {
	n = strcspn(v, ",");
	if (n == 0 || n >= sizeof(word))
	    return -1;
	memcpy(word, v, n);
	word[n] = 0;
	if (strcasecmp(word, "NEVER") == 0)
	    *notify |= ESMTP_NOTIFY_NEVER;
	else if (strcasecmp(word, "SUCCESS") == 0)
	    *notify |= ESMTP_NOTIFY_SUCCESS;
	else if (strcasecmp(word, "FAILURE") == 0)
	    *notify |= ESMTP_NOTIFY_FAILURE;
	else if (strcasecmp(word, "DELAY") == 0)
	    *notify |= ESMTP_NOTIFY_DELAY;
	else
	    return -1;
	v += n;
	if (*v == ',' && *++v == 0)
	    return -1;
    }
    /* NEVER stands alone (RFC 3461 4.1). */
    if ((*notify & ESMTP_NOTIFY_NEVER) && *notify != ESMTP_NOTIFY_NEVER)
	return -1;
    return *notify ? 0 : -1;
}

/* RFC 3461 4.2: addr-type is an atom (RFC 5322 atext). */
static int esmtp_addr_type(const char *p, size_t n)
{
    size_t  i;

    if (n == 0 || n > ESMTP_TYPE_MAX)
	return -1;
    for (i = 0; i < n; i++)
	if (!isalnum((unsigned char) p[i]) && strchr("!#$%&'*+-/=?^_`{|}~", p[i]) == NULL)
	    return -1;
    return 0;
}

static int esmtp_rcpt_param(void *obj, const STR *key, const STR *val, int has_val,
			            unsigned *seen, STR *reply)
{
    ESMTP_RCPT *r = obj;
    const char *k = STR_C(*key), *v = STR_C(*val), *semi;
    STR     orcpt = STR_INIT;
    int     rc = 0;

    if (strcasecmp(k, "NOTIFY") == 0 && !(*seen & 1)) {
	*seen |= 1;
	if (!has_val || esmtp_notify(v, &r->notify) < 0)
	    rc = esmtp_fail(reply, 501, "5.5.4 Bad NOTIFY value \"%s\"", v);
    } else if (strcasecmp(k, "ORCPT") == 0 && !(*seen & 2)) {
	*seen |= 2;
	semi = strchr(v, ';');
	if (!has_val || semi == NULL || esmtp_addr_type(v, (size_t) (semi - v)) < 0
	    || xtext_decode(semi + 1, strlen(semi + 1), &orcpt) < 0 || orcpt.len == 0)
	    rc = esmtp_fail(reply, 501, "5.5.4 Bad ORCPT value%s", "");
	else {
	    str_cpyn(&r->orcpt, v, (size_t) (semi - v) + 1);
	    str_cat(&r->orcpt, STR_C(orcpt));
	}
    } else
	rc = esmtp_fail(reply, 555, "5.5.4 Unsupported or repeated parameter \"%s\"", k);
    str_free(&orcpt);
    return rc;
}

int     esmtp_rcpt(const char *arg, ESMTP_RCPT *r, STR *reply)
{
    r->notify = 0;
    str_reset(&r->orcpt);
    return esmtp_command(arg, "TO:", "RCPT TO:", 0, "5.1.3 Bad recipient address syntax",
			 &r->to, esmtp_rcpt_param, r, reply);
}

/* ---- trace header ----------------------------------------------------- */

void    esmtp_date(long t, STR *out)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t  tt = (time_t) t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    str_printf(out, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
	       months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Keeps only characters safe in a header comment. */
static void esmtp_clean(const char *s, STR *out)
{
    str_reset(out);
    for (; s && *s && out->len < 255; s++) {
	unsigned char c = (unsigned char) *s;

	str_catc(out, (c < 33 || c > 126 || c == '(' || c == ')' || c == '\\') ? '_' : c);
    }
}

void    esmtp_received(const ESMTP_TRACE *tr, STR *out)
{
    STR     helo = STR_INIT, date = STR_INIT;

    esmtp_clean(tr->helo, &helo);
    esmtp_date(tr->when, &date);
    str_printf(out, "Received: from %s ([%s])\r\n by %s (PMDF-compatible toolkit)"
	       " with %s%s%s id <%s@%s>", helo.len ? STR_C(helo) : "unknown",
	       tr->client_addr, tr->by, "ESMTP", tr->tls_protocol ? "S" : "",
	       tr->authenticated ? "A" : "", tr->id, tr->by);
    if (tr->tls_protocol)
	str_catf(out, "\r\n (using %s with cipher %s (%d bits))", tr->tls_protocol,
		 tr->tls_cipher ? tr->tls_cipher : "unknown", tr->tls_bits);
    if (tr->for_addr)
	str_catf(out, "\r\n for <%s>", tr->for_addr);
    str_catf(out, "; %s\r\n", STR_C(date));
    str_free(&helo);
    str_free(&date);
}
