/*
 * NAME
 *	fz_esmtp - libFuzzer harness for the MAIL FROM / RCPT TO arguments
 *	and xtext (src/global/esmtp.c)
 * DESCRIPTION
 *	The input up to its first NUL goes to esmtp_mail() and esmtp_rcpt()
 *	as it is, and again after "FROM:" and "TO:" (so the fuzzer starts
 *	inside the path and its parameters: SIZE, BODY, RET, ENVID, AUTH,
 *	SMTPUTF8; NOTIFY, ORCPT).  The whole input (NULs included) goes to
 *	xtext_decode(), the text to xtext_encode().
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- a refusal returns a 4xx or 5xx code and fills the reply with one
 *	  valid SMTP reply line: that code, a space, an enhanced status
 *	  code (RFC 3463: class.subject.detail, the class the code's first
 *	  digit, subject and detail 1 to 3 digits), a space and a text;
 *	  nothing but HT and printable ASCII (RFC 5321 4.2 textstring: no
 *	  CR, LF or NUL to split the reply) and at most 510 bytes (512 with
 *	  the CR LF, RFC 5321 4.5.3.1.5), whatever the client sent;
 *	- an accepted command's values never contain CR, LF or NUL, keep
 *	  their limits (path 256, ENVID 100, xtext values ESMTP_PARAM_MAX),
 *	  the addresses parse with addr_parse(), BODY, RET, NOTIFY are known
 *	  values (NOTIFY=NEVER alone), ORCPT is "type;value" with an atom
 *	  type, and an envelope made of them passes qenvelope_check() (what
 *	  RCPT accepted is never refused later by the queue writer);
 *	- xtext_decode() accepts only xtext and gives at most
 *	  ESMTP_PARAM_MAX bytes without CR, LF or NUL; xtext_encode() gives
 *	  only xtext characters, and decoding it gives the text back (or a
 *	  refusal, when the text holds CR or LF or is too long).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "esmtp.h"
#include "queue.h"
#include "str.h"
#include "fz_util.h"

#define REPLY_MAX	510

static int has_bad(const STR *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++)
	if (s->s[i] == '\r' || s->s[i] == '\n' || s->s[i] == 0)
	    return 1;
    return 0;
}

static void check_value(const STR *s, size_t max, const char *what)
{
    FZ_CHECK(!has_bad(s), "%s \"%s\" holds CR, LF or NUL", what, STR_C(*s));
    FZ_CHECK(s->len <= max, "%s of %lu bytes (limit %lu)", what, (unsigned long) s->len,
	     (unsigned long) max);
}

static size_t digits(const char *p, size_t max)
{
    size_t  n = 0;

    while (n < max && isdigit((unsigned char) p[n]))
	n++;
    return n;
}

static void check_reply(int rc, const STR *reply, const char *what)
{
    const char *r = STR_C(*reply), *p;
    size_t  i, n;

    FZ_CHECK(rc >= 400 && rc <= 599, "%s: refused with code %d", what, rc);
    FZ_CHECK(reply->len >= 4 && reply->len <= REPLY_MAX, "%s: reply of %lu bytes: %.600s",
	     what, (unsigned long) reply->len, r);
    for (i = 0; i < reply->len; i++)
	FZ_CHECK(r[i] == '\t' || (r[i] >= 32 && r[i] <= 126),
		 "%s: byte 0x%02x at %lu of the reply: %s", what, (unsigned char) r[i],
		 (unsigned long) i, r);
    FZ_CHECK(digits(r, 3) == 3 && atoi(r) == rc && r[3] == ' ',
	     "%s: reply \"%s\" does not start with the code %d", what, r, rc);
    p = r + 4;
    FZ_CHECK(p[0] == r[0] && p[1] == '.', "%s: no enhanced status of class %c: %s", what,
	     r[0], r);
    p += 2;
    n = digits(p, 4);
    FZ_CHECK(n >= 1 && n <= 3 && p[n] == '.', "%s: bad status subject: %s", what, r);
    p += n + 1;
    n = digits(p, 4);
    FZ_CHECK(n >= 1 && n <= 3 && p[n] == ' ' && p[n + 1] != 0,
	     "%s: bad status detail or no text: %s", what, r);
}

static int is_atext(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static void check_addr(const STR *a, const char *what)
{
    ADDR    parsed;
    STR     why = STR_INIT;

    check_value(a, ADDR_MAX_PATH, what);
    addr_init(&parsed);
    FZ_CHECK(addr_parse(STR_C(*a), 0, &parsed, &why) == 0, "%s \"%s\" does not parse: %s",
	     what, STR_C(*a), STR_C(why));
    addr_free(&parsed);
    str_free(&why);
}

static void check_xtext_value(const STR *v, size_t max, const char *what)
{
    STR     enc = STR_INIT, dec = STR_INIT;

    check_value(v, max, what);
    xtext_encode(STR_C(*v), &enc);
    FZ_CHECK(xtext_decode(STR_C(enc), enc.len, &dec) == 0 && dec.len == v->len
	     && memcmp(STR_C(dec), STR_C(*v), v->len) == 0,
	     "%s \"%s\" does not survive xtext encoding", what, STR_C(*v));
    str_free(&enc);
    str_free(&dec);
}

static void check_mail(const char *arg, QENVELOPE *env)
{
    ESMTP_MAIL m;
    STR     reply = STR_INIT;
    int     rc;

    memset(&m, 0, sizeof(m));
    rc = esmtp_mail(arg, &m, &reply);
    if (rc != 0) {
	check_reply(rc, &reply, "MAIL");
    } else {
	if (m.from.len > 0)
	    check_addr(&m.from, "MAIL FROM");
	FZ_CHECK(m.size >= -1, "SIZE %ld", m.size);
	FZ_CHECK(m.body >= ESMTP_BODY_NONE && m.body <= ESMTP_BODY_8BITMIME, "BODY %d", m.body);
	FZ_CHECK(m.ret >= ESMTP_RET_NONE && m.ret <= ESMTP_RET_HDRS, "RET %d", m.ret);
	FZ_CHECK(m.smtputf8 == 0 || m.smtputf8 == 1, "SMTPUTF8 %d", m.smtputf8);
	check_xtext_value(&m.envid, 100, "ENVID");
	check_xtext_value(&m.auth, ESMTP_PARAM_MAX, "AUTH");
	str_cpyn(&env->from, STR_C(m.from), m.from.len);
	str_cpyn(&env->envid, STR_C(m.envid), m.envid.len);
	env->ret = m.ret;
    }
    esmtp_mail_free(&m);
    str_free(&reply);
}

static void check_rcpt(const char *arg, QENVELOPE *env)
{
    ESMTP_RCPT r;
    STR     reply = STR_INIT, type = STR_INIT, value = STR_INIT;
    unsigned sfd = ESMTP_NOTIFY_SUCCESS | ESMTP_NOTIFY_FAILURE | ESMTP_NOTIFY_DELAY;
    const char *semi;
    size_t  i;
    int     rc;

    memset(&r, 0, sizeof(r));
    rc = esmtp_rcpt(arg, &r, &reply);
    if (rc != 0) {
	check_reply(rc, &reply, "RCPT");
    } else {
	FZ_CHECK(r.to.len > 0, "RCPT TO:<> accepted");
	check_addr(&r.to, "RCPT TO");
	FZ_CHECK(r.notify == 0 || r.notify == ESMTP_NOTIFY_NEVER
		 || (r.notify & ~sfd) == 0, "NOTIFY bits 0x%x", r.notify);
	check_value(&r.orcpt, QUEUE_MAX_ADDRESS, "ORCPT");
	if (r.orcpt.len > 0) {
	    semi = strchr(STR_C(r.orcpt), ';');
	    FZ_CHECK(semi != NULL && semi > r.orcpt.s && semi[1] != 0, "ORCPT \"%s\"",
		     STR_C(r.orcpt));
	    for (i = 0; r.orcpt.s + i < semi; i++)
		FZ_CHECK(is_atext((unsigned char) r.orcpt.s[i]), "ORCPT type in \"%s\"",
			 STR_C(r.orcpt));
	    str_cpyn(&type, r.orcpt.s, (size_t) (semi - r.orcpt.s));
	    str_cpy(&value, semi + 1);
	    check_xtext_value(&value, ESMTP_PARAM_MAX, "ORCPT value");
	}
	(void) qenvelope_add_rcpt(env, STR_C(r.to), STR_C(r.orcpt), r.notify, STR_C(r.to));
    }
    esmtp_rcpt_free(&r);
    str_free(&reply);
    str_free(&type);
    str_free(&value);
}

static int is_xtext_char(int c)
{
    return c >= 33 && c <= 126 && c != '=';
}

static void check_xtext(const uint8_t *data, size_t size, const char *text)
{
    STR     out = STR_INIT, enc = STR_INIT, back = STR_INIT;
    size_t  i;
    int     bad;

    if (xtext_decode((const char *) data, size, &out) == 0) {
	check_value(&out, ESMTP_PARAM_MAX, "decoded xtext");
	for (i = 0; i < size; i++)
	    FZ_CHECK(is_xtext_char(data[i]), "xtext with byte 0x%02x accepted", data[i]);
    }
    xtext_encode(text, &enc);
    for (i = 0; i < enc.len; i++) {
	FZ_CHECK(is_xtext_char((unsigned char) enc.s[i]), "encoded with byte 0x%02x",
		 (unsigned char) enc.s[i]);
	if (enc.s[i] == '+')
	    FZ_CHECK(i + 2 < enc.len && isxdigit((unsigned char) enc.s[i + 1])
		     && isxdigit((unsigned char) enc.s[i + 2]) && !islower((unsigned char) enc.s[i + 1])
		     && !islower((unsigned char) enc.s[i + 2]), "bad hexchar in \"%s\"", enc.s);
    }
    bad = strchr(text, '\r') != NULL || strchr(text, '\n') != NULL
	|| strlen(text) > ESMTP_PARAM_MAX;
    if (bad)
	FZ_CHECK(xtext_decode(STR_C(enc), enc.len, &back) < 0, "encoded CR/LF or over-long"
		 " text decodes");
    else
	FZ_CHECK(xtext_decode(STR_C(enc), enc.len, &back) == 0 && strcmp(STR_C(back), text) == 0,
		 "\"%s\" does not decode back", text);
    str_free(&out);
    str_free(&enc);
    str_free(&back);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text = fz_cstr(data, size);
    STR     arg = STR_INIT, err = STR_INIT;
    QENVELOPE env;

    qenvelope_init(&env);
    check_mail(text, &env);
    check_rcpt(text, &env);
    str_printf(&arg, "FROM:%s", text);
    check_mail(STR_C(arg), &env);
    str_printf(&arg, "TO:%s", text);
    check_rcpt(STR_C(arg), &env);
    if (env.nrcpt > 0)
	FZ_CHECK(qenvelope_check(&env, &err) == 0, "accepted, but the queue refuses it: %s",
		 STR_C(err));
    check_xtext(data, size, text);
    qenvelope_free(&env);
    str_free(&arg);
    str_free(&err);
    free(text);
    return 0;
}
