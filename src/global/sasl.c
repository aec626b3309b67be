/*
 * NAME
 *	sasl - server side of SASL: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256 (see sasl.h)
 * DESCRIPTION
 *	Each SASL_SERVER is a small state machine; sasl_server_start() and
 *	sasl_server_step() dispatch on the state to one function per
 *	client message.  Every failure goes through sasl_fail() (wrong
 *	password, unknown user: the client is told no more), sasl_proto()
 *	(malformed message: the client is told what) or sasl_temp(); they
 *	set the text for the client and, separately, the reason for the log.
 *
 *	Client messages are bounded (SASL_MSG_MAX) before anything else is
 *	done with them.  SCRAM messages are copied to a NUL-terminated
 *	buffer for parsing (they hold no password); PLAIN and LOGIN
 *	passwords are checked in the caller's buffer and never copied.
 * DIAGNOSTICS
 *	Errors go to the caller's STR and sasl_server_reason(); nothing is
 *	printed.  A NULL server panics.
 */
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <stdarg.h>
#include <limits.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "sasl.h"
#include "mem.h"
#include "msg.h"

#define SASL_KEY_LEN	32		/* SHA-256 output */
#define SASL_NONCE_RAW	18		/* random bytes in a server nonce */
#define SASL_NONCE_MAX	255		/* bytes in a fixed nonce or challenge */
#define SASL_B64_TEXT_MAX ((SASL_MSG_MAX + 2) / 3 * 4)

#define TEXT_FAILED	"authentication failed"
#define TEXT_TEMP	"temporary authentication failure, try again later"

typedef enum SASL_MECH {
    MECH_SCRAM, MECH_CRAM, MECH_PLAIN, MECH_LOGIN
} SASL_MECH;

typedef enum SASL_STATE {
    ST_NEW,			/* start not yet called */
    ST_PLAIN,			/* PLAIN: want the message */
    ST_LOGIN_USER,		/* LOGIN: want the user name */
    ST_LOGIN_PASS,		/* LOGIN: want the password */
    ST_CRAM,			/* CRAM-MD5: want "user digest" */
    ST_SCRAM_FIRST,		/* SCRAM: want client-first-message */
    ST_SCRAM_FINAL,		/* SCRAM: want client-final-message */
    ST_OK,
    ST_FAIL
} SASL_STATE;

/* In the order they are advertised: strongest first. */
static const struct {
    const char *name;
    SASL_MECH mech;
    int     needs_tls;		/* sends the password itself */
} sasl_mechs[] = {
    {"SCRAM-SHA-256", MECH_SCRAM, 0},
    {"CRAM-MD5", MECH_CRAM, 0},
    {"PLAIN", MECH_PLAIN, 1},
    {"LOGIN", MECH_LOGIN, 1},
};

#define SASL_NMECHS (sizeof(sasl_mechs) / sizeof(sasl_mechs[0]))

struct SASL_SERVER {
    SASL_MECH mech;
    SASL_STATE state;
    char   *hostname;
    SASL_LOOKUP_FN lookup;
    void   *ctx;
    STR     user;		/* authcid as the client gave it */
    STR     authzid;		/* authzid, when has_authzid */
    int     has_authzid;
    STR     reason;		/* for the log */
    int     tempfail;
    STR     nonce;		/* fixed by sasl_server_set_nonce(), or empty */
    STR     chal;		/* CRAM-MD5 challenge sent */
    STR     gs2;		/* SCRAM gs2 header, as received */
    STR     cs_nonce;		/* SCRAM client nonce + server nonce */
    STR     auth;		/* SCRAM AuthMessage, built up */
    PWSECRET secret;		/* SCRAM: the user's, or a made-up one */
    int     known;		/* SCRAM: the user exists */
};

/* sasl_vfail - record a failure: text for the client, reason for the log */

static int sasl_vfail(SASL_SERVER *s, STR *err, const char *client_text,
		      const char *fmt, va_list ap)
{
    s->state = ST_FAIL;
    str_cpy(err, client_text);
    str_reset(&s->reason);
    str_vcatf(&s->reason, fmt, ap);
    return SASL_FAIL;
}

/* sasl_fail - authentication failed; the client learns nothing more */

static int sasl_fail(SASL_SERVER *s, STR *err, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    sasl_vfail(s, err, TEXT_FAILED, fmt, ap);
    va_end(ap);
    return SASL_FAIL;
}

/* sasl_proto - a protocol error; the client text says which, and so the log */

static int sasl_proto(SASL_SERVER *s, STR *err, const char *text)
{
    s->state = ST_FAIL;
    str_cpy(err, text);
    str_cpy(&s->reason, text);
    return SASL_FAIL;
}

/* sasl_temp - a temporary failure (lookup error, no randomness) */

static int sasl_temp(SASL_SERVER *s, STR *err, const char *fmt,...)
{
    va_list ap;

    s->tempfail = 1;
    va_start(ap, fmt);
    sasl_vfail(s, err, TEXT_TEMP, fmt, ap);
    va_end(ap);
    return SASL_FAIL;
}

/* name_refusal - why a user name or authzid is refused, or NULL */

static const char *name_refusal(const char *p, size_t n)
{
    if (n == 0)
	return "is empty";
    if (n > SASL_NAME_MAX)
	return "is too long";
    if (pwsecret_prohibited(p, n))
	return "contains a control character";
    return NULL;
}

/* set_name - validate a name and keep it, or fail the exchange */

static int set_name(SASL_SERVER *s, STR *dst, const char *what,
		    const char *p, size_t n, STR *err)
{
    const char *why;
    STR     text = STR_INIT;

    if ((why = name_refusal(p, n)) != NULL) {
	str_printf(&text, "%s %s", what, why);
	sasl_proto(s, err, STR_C(text));
	str_free(&text);
	return -1;
    }
    str_cpyn(dst, p, n);
    return 0;
}

/* fake_secret - a stable, made-up secret for an unknown user */

static void fake_secret(const SASL_SERVER *s, PWSECRET *ps)
{
    static const char tag[] = "PMDF SCRAM-SHA-256 unknown user";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *c;

    memset(ps, 0, sizeof(*ps));
    if ((c = EVP_MD_CTX_new()) != NULL) {
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1
	    || EVP_DigestUpdate(c, tag, sizeof(tag)) != 1
	    || EVP_DigestUpdate(c, s->hostname, strlen(s->hostname) + 1) != 1
	    || EVP_DigestUpdate(c, s->user.s, s->user.len) != 1
	    || EVP_DigestFinal_ex(c, md, &mdlen) != 1)
	    mdlen = 0;
	EVP_MD_CTX_free(c);
    }
    if (mdlen < PWSECRET_SALT_LEN)
	memset(md, 0x5a, PWSECRET_SALT_LEN);
    memcpy(ps->salt, md, PWSECRET_SALT_LEN);
    ps->salt_len = PWSECRET_SALT_LEN;
    ps->iterations = PWSECRET_ITER_DEFAULT;
}

/* lookup_user - 1 found (s->secret), 0 unknown, -1 failed (exchange over) */

static int lookup_user(SASL_SERVER *s, STR *err)
{
    STR     lerr = STR_INIT;
    int     r;

    pwsecret_clear(&s->secret);
    r = s->lookup(STR_C(s->user), &s->secret, s->ctx, &lerr);
    if (r < 0) {
	sasl_temp(s, err, "password lookup for user \"%s\" failed: %s",
		  STR_C(s->user), lerr.len ? STR_C(lerr) : "(no reason given)");
    } else if (r > 0 && !pwsecret_valid(&s->secret)) {
	sasl_temp(s, err, "password database entry for user \"%s\" is invalid",
		  STR_C(s->user));
	r = -1;
    }
    if (r <= 0)
	pwsecret_clear(&s->secret);
    str_free(&lerr);
    return r < 0 ? -1 : r;
}

/* password_check - PLAIN and LOGIN: the password for s->user */

static int password_check(SASL_SERVER *s, const unsigned char *pw, size_t n,
			  STR *err)
{
    PWSECRET dummy;
    int     r, ok;

    if (n == 0)
	return sasl_fail(s, err, "empty password for user \"%s\"", STR_C(s->user));
    if ((r = lookup_user(s, err)) < 0)
	return SASL_FAIL;
    if (r == 0) {
	fake_secret(s, &dummy);		/* the same work as for a real user */
	(void) pwsecret_check(&dummy, (const char *) pw, n);
	pwsecret_clear(&dummy);
	return sasl_fail(s, err, "no such user \"%s\"", STR_C(s->user));
    }
    ok = pwsecret_check(&s->secret, (const char *) pw, n);
    pwsecret_clear(&s->secret);
    if (!ok)
	return sasl_fail(s, err, "wrong password for user \"%s\"", STR_C(s->user));
    s->state = ST_OK;
    return SASL_OK;
}

/* plain_message - RFC 4616: [authzid] NUL authcid NUL passwd */

static int plain_message(SASL_SERVER *s, const unsigned char *in, size_t len,
			 STR *err)
{
    const unsigned char *nul1, *nul2, *end = in + len;

    if ((nul1 = memchr(in, 0, len)) == NULL
	|| (nul2 = memchr(nul1 + 1, 0, (size_t) (end - nul1 - 1))) == NULL)
	return sasl_proto(s, err, "malformed PLAIN message: want authzid NUL user NUL password");
    if (memchr(nul2 + 1, 0, (size_t) (end - nul2 - 1)) != NULL)
	return sasl_proto(s, err, "malformed PLAIN message: too many NUL bytes");
    if (set_name(s, &s->user, "PLAIN user name", (const char *) nul1 + 1,
		 (size_t) (nul2 - nul1 - 1), err) < 0)
	return SASL_FAIL;
    if (nul1 > in) {
	if (set_name(s, &s->authzid, "PLAIN authorization identity",
		     (const char *) in, (size_t) (nul1 - in), err) < 0)
	    return SASL_FAIL;
	s->has_authzid = 1;
    }
    return password_check(s, nul2 + 1, (size_t) (end - nul2 - 1), err);
}

/* login_user - LOGIN: the user name; ask for the password */

static int login_user(SASL_SERVER *s, const unsigned char *in, size_t len,
		      STR *out, STR *err)
{
    if (set_name(s, &s->user, "LOGIN user name", (const char *) in, len, err) < 0)
	return SASL_FAIL;
    str_cpy(out, "Password:");
    s->state = ST_LOGIN_PASS;
    return SASL_CONTINUE;
}

/* hex_decode - n hex digits (either case) into n / 2 bytes; -1 if not hex */

static int hex_decode(const unsigned char *p, size_t n, unsigned char *out)
{
    static const char digits[] = "0123456789abcdef0123456789ABCDEF";
    const char *d;
    size_t  i;
    int     v[2], k;

    for (i = 0; i < n; i += 2) {
	for (k = 0; k < 2; k++) {
	    if (p[i + k] == 0 || (d = strchr(digits, p[i + k])) == NULL)
		return -1;
	    v[k] = (int) ((d - digits) % 16);
	}
	out[i / 2] = (unsigned char) (v[0] << 4 | v[1]);
    }
    return 0;
}

/* random_text - n random bytes in base64 (no comma, printable) */

static int random_text(size_t n, STR *out)
{
    unsigned char buf[64];

    if (n > sizeof(buf) || RAND_bytes(buf, (int) n) != 1)
	return -1;
    return sasl_b64_encode(buf, n, out);
}

/* cram_challenge - "<random.time@hostname>", or the fixed one */

static int cram_challenge(SASL_SERVER *s, STR *out, STR *err)
{
    unsigned char r[4];

    if (s->nonce.len) {
	str_cpy(&s->chal, STR_C(s->nonce));
    } else {
	if (RAND_bytes(r, sizeof(r)) != 1)
	    return sasl_temp(s, err, "RAND_bytes failed: no CRAM-MD5 challenge");
	str_printf(&s->chal, "<%lu.%ld@%s>",
		   (unsigned long) r[0] << 24 | (unsigned long) r[1] << 16
		   | (unsigned long) r[2] << 8 | r[3],
		   (long) time((time_t *) 0), s->hostname);
    }
    str_cpy(out, STR_C(s->chal));
    s->state = ST_CRAM;
    return SASL_CONTINUE;
}

/* cram_response - RFC 2195: "user SP 32-hex-digit HMAC-MD5" */

static int cram_response(SASL_SERVER *s, const unsigned char *in, size_t len,
			 STR *err)
{
    unsigned char got[16], want[16];
    size_t  sp;
    int     r, match;

    for (sp = len; sp > 0 && in[sp - 1] != ' '; sp--)
	 /* void */ ;
    if (sp == 0 || len - sp != 32 || hex_decode(in + sp, 32, got) < 0)
	return sasl_proto(s, err, "malformed CRAM-MD5 response: want user name, space, 32 hex digits");
    if (set_name(s, &s->user, "CRAM-MD5 user name", (const char *) in, sp - 1, err) < 0)
	return SASL_FAIL;
    if ((r = lookup_user(s, err)) < 0)
	return SASL_FAIL;
    if (r == 0)
	return sasl_fail(s, err, "no such user \"%s\"", STR_C(s->user));
    if (!s->secret.has_cram) {
	pwsecret_clear(&s->secret);
	return sasl_fail(s, err, "CRAM-MD5 is unavailable for user \"%s\": the stored"
			 " secret has no CRAM-MD5 context (set the password again"
			 " with CRAM-MD5 enabled, or use another mechanism)",
			 STR_C(s->user));
    }
    r = pwsecret_cram_digest(&s->secret, (const unsigned char *) s->chal.s,
			     s->chal.len, want);
    pwsecret_clear(&s->secret);
    match = r == 0 && CRYPTO_memcmp(got, want, sizeof(want)) == 0;
    OPENSSL_cleanse(want, sizeof(want));
    if (r < 0)
	return sasl_temp(s, err, "OpenSSL failed computing HMAC-MD5");
    if (!match)
	return sasl_fail(s, err, "wrong CRAM-MD5 digest (wrong password) for user \"%s\"",
			 STR_C(s->user));
    s->state = ST_OK;
    return SASL_OK;
}

/* saslname - RFC 5802 saslname: "=2C" is ",", "=3D" is "="; then checked */

static int saslname(SASL_SERVER *s, STR *dst, const char *what,
		    const char *p, size_t n, STR *err)
{
    STR     v = STR_INIT;
    size_t  i;
    int     r;

    for (i = 0; i < n; i++) {
	if (p[i] != '=') {
	    str_catc(&v, p[i]);
	} else if (n - i >= 3 && (p[i + 1] == '2' && p[i + 2] == 'C')) {
	    str_catc(&v, ',');
	    i += 2;
	} else if (n - i >= 3 && (p[i + 1] == '3' && p[i + 2] == 'D')) {
	    str_catc(&v, '=');
	    i += 2;
	} else {
	    str_free(&v);
	    return sasl_proto(s, err, "malformed SCRAM name: \"=\" not followed by 2C or 3D");
	}
    }
    r = set_name(s, dst, what, STR_C(v), v.len, err);
    str_free(&v);
    return r < 0 ? SASL_FAIL : 0;
}

/* scram_printable - RFC 5802 "printable": %x21-2B / %x2D-7E */

static int scram_printable(const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++)
	if (p[i] < 0x21 || p[i] > 0x7e || p[i] == ',')
	    return 0;
    return n > 0;
}

/* scram_gs2 - the gs2 header: ("n" | "y") "," ["a=" saslname] ","; NULL if failed */

static const char *scram_gs2(SASL_SERVER *s, const char *msg, STR *err)
{
    const char *p = msg, *comma;

    if (p[0] == 'p' && p[1] == '=') {
	sasl_proto(s, err, "channel binding is not supported: SCRAM-SHA-256-PLUS is not offered");
	return NULL;
    }
    if ((p[0] != 'n' && p[0] != 'y') || p[1] != ',') {
	sasl_proto(s, err, "malformed SCRAM gs2 header: want \"n,\" or \"y,\"");
	return NULL;
    }
    p += 2;
    if (p[0] == 'a' && p[1] == '=') {
	if ((comma = strchr(p + 2, ',')) == NULL) {
	    sasl_proto(s, err, "malformed SCRAM gs2 header: authzid not ended by \",\"");
	    return NULL;
	}
	if (saslname(s, &s->authzid, "SCRAM authorization identity", p + 2,
		     (size_t) (comma - p - 2), err) < 0)
	    return NULL;
	s->has_authzid = 1;
	p = comma;
    }
    if (*p != ',') {
	sasl_proto(s, err, "malformed SCRAM gs2 header: want \",\" after the flag and authzid");
	return NULL;
    }
    p++;
    str_cpyn(&s->gs2, msg, (size_t) (p - msg));
    return p;
}

/* scram_server_first - "r=cnonce+snonce,s=salt,i=count" */

static int scram_server_first(SASL_SERVER *s, const char *bare, const char *cnonce,
			      size_t cnlen, STR *out, STR *err)
{
    STR     snonce = STR_INIT, salt = STR_INIT;

    if (s->nonce.len)
	str_cpy(&snonce, STR_C(s->nonce));
    else if (random_text(SASL_NONCE_RAW, &snonce) < 0) {
	str_free(&snonce);
	return sasl_temp(s, err, "RAND_bytes failed: no SCRAM server nonce");
    }
    str_cpyn(&s->cs_nonce, cnonce, cnlen);
    str_cat(&s->cs_nonce, STR_C(snonce));
    (void) sasl_b64_encode(s->secret.salt, s->secret.salt_len, &salt);
    str_printf(out, "r=%s,s=%s,i=%u", STR_C(s->cs_nonce), STR_C(salt),
	       s->secret.iterations);
    str_printf(&s->auth, "%s,%s", bare, STR_C(*out));
    str_free(&snonce);
    str_free(&salt);
    s->state = ST_SCRAM_FINAL;
    return SASL_CONTINUE;
}

/* scram_client_first - gs2-header client-first-message-bare */

static int scram_client_first(SASL_SERVER *s, const char *msg, STR *out, STR *err)
{
    const char *bare, *p, *comma;
    size_t  cnlen;
    int     r;

    if ((bare = scram_gs2(s, msg, err)) == NULL)
	return SASL_FAIL;
    if (strncmp(bare, "m=", 2) == 0)
	return sasl_proto(s, err, "SCRAM mandatory extension (m=) not supported");
    if (strncmp(bare, "n=", 2) != 0 || (comma = strchr(bare + 2, ',')) == NULL)
	return sasl_proto(s, err, "malformed SCRAM client-first message: want n=user,r=nonce");
    if (saslname(s, &s->user, "SCRAM user name", bare + 2,
		 (size_t) (comma - bare - 2), err) < 0)
	return SASL_FAIL;
    p = comma + 1;
    if (strncmp(p, "r=", 2) != 0 || !scram_printable(p + 2, cnlen = strcspn(p + 2, ",")))
	return sasl_proto(s, err, "malformed SCRAM client-first message: bad or missing nonce r=");
    if ((r = lookup_user(s, err)) < 0)
	return SASL_FAIL;
    s->known = r;
    if (!s->known)
	fake_secret(s, &s->secret);
    return scram_server_first(s, bare, p + 2, cnlen, out, err);
}

/* scram_verify - check the proof against AuthMessage; v=ServerSignature */

static int scram_verify(SASL_SERVER *s, const unsigned char proof[SASL_KEY_LEN],
			STR *out, STR *err)
{
    unsigned char sig[SASL_KEY_LEN], key[SASL_KEY_LEN], stored[SASL_KEY_LEN];
    unsigned char ssig[SASL_KEY_LEN];
    STR     v = STR_INIT;
    unsigned int mdlen;
    int     ok, match, i;

    ok = HMAC(EVP_sha256(), s->secret.stored_key, SASL_KEY_LEN,
	      (const unsigned char *) s->auth.s, s->auth.len, sig, &mdlen) != NULL;
    for (i = 0; i < SASL_KEY_LEN; i++)
	key[i] = (unsigned char) (proof[i] ^ sig[i]);
    ok = ok && EVP_Digest(key, SASL_KEY_LEN, stored, &mdlen, EVP_sha256(), NULL) == 1
	&& HMAC(EVP_sha256(), s->secret.server_key, SASL_KEY_LEN,
		(const unsigned char *) s->auth.s, s->auth.len, ssig, &mdlen) != NULL;
    match = ok && CRYPTO_memcmp(stored, s->secret.stored_key, SASL_KEY_LEN) == 0;
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(sig, sizeof(sig));
    OPENSSL_cleanse(stored, sizeof(stored));
    pwsecret_clear(&s->secret);
    if (!ok)
	return sasl_temp(s, err, "OpenSSL failed computing the SCRAM signatures");
    if (!s->known)
	return sasl_fail(s, err, "no such user \"%s\"", STR_C(s->user));
    if (!match)
	return sasl_fail(s, err, "wrong SCRAM proof (wrong password) for user \"%s\"",
			 STR_C(s->user));
    (void) sasl_b64_encode(ssig, sizeof(ssig), &v);
    str_printf(out, "v=%s", STR_C(v));
    str_free(&v);
    s->state = ST_OK;
    return SASL_OK;
}

/* b64_decode_n - strict base64 of n characters (see sasl.h) */

static int b64_decode_n(const char *text, size_t n, STR *out, STR *err);

/* scram_client_final - "c=binding,r=nonce[,ext...],p=proof" */

static int scram_client_final(SASL_SERVER *s, const char *msg, STR *out, STR *err)
{
    const char *proof_at, *cend, *r;
    STR     v = STR_INIT, e = STR_INIT;
    size_t  rlen;
    int     bad;

    if ((proof_at = strrchr(msg, ',')) == NULL || strncmp(proof_at, ",p=", 3) != 0
	|| strncmp(msg, "c=", 2) != 0 || (cend = strchr(msg + 2, ',')) == proof_at)
	return sasl_proto(s, err, "malformed SCRAM client-final message: want c=...,r=...,p=...");
    bad = b64_decode_n(msg + 2, (size_t) (cend - msg - 2), &v, &e) < 0
	|| v.len != s->gs2.len || memcmp(v.s, s->gs2.s, v.len) != 0;
    if (bad) {
	str_free(&v);
	str_free(&e);
	return sasl_proto(s, err, "SCRAM channel binding (c=) does not match the gs2 header");
    }
    r = cend + 1;
    if (strncmp(r, "r=", 2) != 0 || (rlen = strcspn(r + 2, ",")) != s->cs_nonce.len
	|| memcmp(r + 2, s->cs_nonce.s, rlen) != 0) {
	str_free(&v);
	str_free(&e);
	return sasl_proto(s, err, "SCRAM nonce (r=) does not match the one the server sent");
    }
    bad = b64_decode_n(proof_at + 3, strlen(proof_at + 3), &v, &e) < 0
	|| v.len != SASL_KEY_LEN;
    str_free(&e);
    if (bad) {
	str_free(&v);
	return sasl_proto(s, err, "malformed SCRAM proof (p=): want base64 of 32 bytes");
    }
    str_catc(&s->auth, ',');
    str_catn(&s->auth, msg, (size_t) (proof_at - msg));
    bad = scram_verify(s, (const unsigned char *) v.s, out, err);
    str_free(&v);
    return bad;
}

/* scram_message - a SCRAM message as a C string (no NUL allowed) */

static int scram_message(SASL_SERVER *s, const unsigned char *in, size_t len,
			 STR *out, STR *err)
{
    STR     msg = STR_INIT;
    int     r;

    if (memchr(in, 0, len) != NULL)
	return sasl_proto(s, err, "malformed SCRAM message: contains a NUL byte");
    str_cpyn(&msg, (const char *) in, len);
    if (s->state == ST_SCRAM_FIRST)
	r = scram_client_first(s, STR_C(msg), out, err);
    else
	r = scram_client_final(s, STR_C(msg), out, err);
    str_free(&msg);
    return r;
}

/* sasl_dispatch - one client message in the current state */

static int sasl_dispatch(SASL_SERVER *s, const unsigned char *in, size_t len,
			 STR *out, STR *err)
{
    if (len > SASL_MSG_MAX)
	return sasl_proto(s, err, "SASL message too long");
    switch (s->state) {
    case ST_PLAIN:
	return plain_message(s, in, len, err);
    case ST_LOGIN_USER:
	return login_user(s, in, len, out, err);
    case ST_LOGIN_PASS:
	return password_check(s, in, len, err);
    case ST_CRAM:
	return cram_response(s, in, len, err);
    case ST_SCRAM_FIRST:
    case ST_SCRAM_FINAL:
	return scram_message(s, in, len, out, err);
    default:
	return sasl_proto(s, err, "SASL exchange is not in progress");
    }
}

/* mech_equal - mechanism names compare case-blind */

static int mech_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
	if (toupper((unsigned char) *a) != toupper((unsigned char) *b))
	    return 0;
    return *a == *b;
}

SASL_SERVER *sasl_server_new(const char *mech, const char *hostname,
			     int secure_channel, SASL_LOOKUP_FN fn,
			     void *ctx, STR *err)
{
    SASL_SERVER *s;
    size_t  i;

    if (fn == NULL)
	msg_panic("sasl_server_new: NULL lookup function");
    for (i = 0; i < SASL_NMECHS; i++)
	if (mech != NULL && mech_equal(mech, sasl_mechs[i].name))
	    break;
    if (i == SASL_NMECHS) {
	str_cpy(err, "unsupported SASL mechanism");
	return NULL;
    }
    if (sasl_mechs[i].needs_tls && !secure_channel) {
	str_printf(err, "%s authentication requires an encrypted (TLS) connection",
		   sasl_mechs[i].name);
	return NULL;
    }
    s = mem_calloc(1, sizeof(*s));
    s->mech = sasl_mechs[i].mech;
    s->state = ST_NEW;
    if (hostname == NULL || name_refusal(hostname, strlen(hostname)) != NULL
	|| strchr(hostname, ' ') != NULL)
	hostname = "localhost";
    s->hostname = mem_strdup(hostname);
    s->lookup = fn;
    s->ctx = ctx;
    return s;
}

int sasl_server_start(SASL_SERVER *s, const unsigned char *initial, size_t len,
		      int has_initial, STR *out, STR *err)
{
    if (s == NULL)
	msg_panic("sasl_server_start: NULL server");
    str_reset(out);
    if (s->state != ST_NEW) {
	str_cpy(err, "SASL exchange already started");
	return SASL_FAIL;			/* the exchange goes on as it was */
    }
    switch (s->mech) {
    case MECH_PLAIN:
	s->state = ST_PLAIN;
	break;
    case MECH_LOGIN:
	if (has_initial && len > 0) {
	    s->state = ST_LOGIN_USER;
	    break;
	}
	str_cpy(out, "Username:");
	s->state = ST_LOGIN_USER;
	return SASL_CONTINUE;
    case MECH_CRAM:
	if (has_initial)
	    return sasl_proto(s, err, "CRAM-MD5 takes no initial response");
	return cram_challenge(s, out, err);
    case MECH_SCRAM:
	s->state = ST_SCRAM_FIRST;
	break;
    }
    if (!has_initial)
	return SASL_CONTINUE;		/* empty challenge */
    return sasl_dispatch(s, initial, len, out, err);
}

int sasl_server_step(SASL_SERVER *s, const unsigned char *in, size_t len,
		     STR *out, STR *err)
{
    if (s == NULL)
	msg_panic("sasl_server_step: NULL server");
    str_reset(out);
    if (s->state == ST_OK || s->state == ST_FAIL) {
	str_cpy(err, "SASL exchange already finished");
	return SASL_FAIL;			/* the outcome and its reason stand */
    }
    if (s->state == ST_NEW)
	return sasl_proto(s, err, "SASL exchange not started");
    return sasl_dispatch(s, in, len, out, err);
}

const char *sasl_server_user(const SASL_SERVER *s)
{
    return s->state == ST_OK ? STR_C(s->user) : NULL;
}

const char *sasl_server_authzid(const SASL_SERVER *s)
{
    return s->state == ST_OK && s->has_authzid ? STR_C(s->authzid) : NULL;
}

const char *sasl_server_reason(const SASL_SERVER *s)
{
    return STR_C(s->reason);
}

int sasl_server_tempfail(const SASL_SERVER *s)
{
    return s->tempfail;
}

void sasl_server_free(SASL_SERVER *s)
{
    if (s == NULL)
	return;
    pwsecret_clear(&s->secret);
    free(s->hostname);
    str_free(&s->user);
    str_free(&s->authzid);
    str_free(&s->reason);
    str_free(&s->nonce);
    str_free(&s->chal);
    str_free(&s->gs2);
    str_free(&s->cs_nonce);
    str_free(&s->auth);
    free(s);
}

void sasl_server_set_nonce(SASL_SERVER *s, const char *nonce)
{
    size_t  n = strlen(nonce);

    if (n > SASL_NONCE_MAX || !scram_printable(nonce, n))
	msg_panic("sasl_server_set_nonce: nonce must be 1..%d printable characters, no comma",
		  SASL_NONCE_MAX);
    str_cpy(&s->nonce, nonce);
}

void sasl_mechanisms(int secure_channel, STR *out)
{
    size_t  i;

    str_reset(out);
    for (i = 0; i < SASL_NMECHS; i++) {
	if (sasl_mechs[i].needs_tls && !secure_channel)
	    continue;
	if (out->len)
	    str_catc(out, ' ');
	str_cat(out, sasl_mechs[i].name);
    }
}

int sasl_b64_encode(const unsigned char *p, size_t n, STR *out)
{
    size_t  need;

    str_reset(out);
    if (n > (size_t) INT_MAX / 4 * 3 - 3)
	return -1;
    need = (n + 2) / 3 * 4;
    str_reserve(out, need);
    if (n > 0)
	(void) EVP_EncodeBlock((unsigned char *) out->s, p, (int) n);
    out->len = need;
    out->s[need] = 0;
    return 0;
}

/* b64_value - the 6-bit value of a base64 character, or -1 */

static int b64_value(int c)
{
    static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p;

    if (c == 0 || (p = strchr(alphabet, c)) == NULL)
	return -1;
    return (int) (p - alphabet);
}

static int b64_decode_n(const char *text, size_t n, STR *out, STR *err)
{
    size_t  i, pad = 0;
    int     got;

    str_reset(out);
    if (n == 0 || (n == 1 && text[0] == '='))
	return 0;
    if (n > SASL_B64_TEXT_MAX) {
	str_cpy(err, "base64 text too long");
	return -1;
    }
    if (n % 4 != 0) {
	str_cpy(err, "invalid base64: length is not a multiple of 4");
	return -1;
    }
    while (pad < 2 && text[n - 1 - pad] == '=')
	pad++;
    if (n / 4 * 3 - pad > SASL_MSG_MAX) {
	str_cpy(err, "base64 text too long");
	return -1;
    }
    for (i = 0; i < n - pad; i++) {
	if (b64_value((unsigned char) text[i]) < 0) {
	    str_cpy(err, "invalid base64: bad character or misplaced \"=\"");
	    return -1;
	}
    }
    if ((pad == 2 && (b64_value((unsigned char) text[n - 3]) & 0x0f) != 0)
	|| (pad == 1 && (b64_value((unsigned char) text[n - 2]) & 0x03) != 0)) {
	str_cpy(err, "invalid base64: non-zero bits in the last character");
	return -1;
    }
    str_reserve(out, n / 4 * 3);
    got = EVP_DecodeBlock((unsigned char *) out->s, (const unsigned char *) text, (int) n);
    if (got < 0 || (size_t) got != n / 4 * 3) {
	str_cpy(err, "invalid base64");
	return -1;
    }
    out->len = (size_t) got - pad;
    out->s[out->len] = 0;
    return 0;
}

int sasl_b64_decode(const char *text, STR *out, STR *err)
{
    return b64_decode_n(text, strlen(text), out, err);
}
