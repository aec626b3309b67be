/*
 * NAME
 *	t_sasl - password secrets and server-side SASL
 * SYNOPSIS
 *	t_sasl
 * DESCRIPTION
 *	TAP tests for pwsecret (make, check, encode, decode, CRAM-MD5 context)
 *	and sasl (base64, PLAIN, LOGIN, CRAM-MD5 with the RFC 2195 example,
 *	SCRAM-SHA-256 with the RFC 7677 example and a small client built
 *	here from OpenSSL primitives for the other cases).
 * DIAGNOSTICS
 *	TAP on standard output; exit status 0 when every test passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "str.h"
#include "pwsecret.h"
#include "sasl.h"
#include "tap.h"

#define RFC7677_SALT	"W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC7677_CFIRST	"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC7677_SNONCE	"%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC7677_SFIRST	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
			"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC7677_CFINAL	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
			"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC7677_SFINAL	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
#define RFC2195_CHAL	"<1896.697170952@postoffice.reston.mci.net>"
#define RFC2195_RESP	"tim b913a602c7eda7a495b4e6e7334d3890"

typedef struct T_USER {
    const char *name;
    PWSECRET secret;
} T_USER;

typedef struct T_DB {
    T_USER  users[8];
    int     n;
    int     broken;		/* lookup fails: database error */
} T_DB;

static int t_lookup(const char *user, PWSECRET *out, void *ctx, STR *err)
{
    T_DB   *db = ctx;
    int     i;

    if (db->broken) {
	str_cpy(err, "database is locked");
	return -1;
    }
    for (i = 0; i < db->n; i++) {
	if (strcmp(db->users[i].name, user) == 0) {
	    *out = db->users[i].secret;
	    return 1;
	}
    }
    return 0;
}

static void t_add(T_DB *db, const char *name, const char *pw, int cram,
		  const char *salt_b64)
{
    T_USER *u = &db->users[db->n++];
    STR     salt = STR_INIT, err = STR_INIT;
    int     r;

    u->name = name;
    if (salt_b64 != NULL) {
	if (sasl_b64_decode(salt_b64, &salt, &err) < 0)
	    tap_diag("bad salt: %s", STR_C(err));
	r = pwsecret_make_salted(pw, strlen(pw), 4096, cram,
			      (const unsigned char *) salt.s, salt.len, &u->secret, &err);
    } else {
	r = pwsecret_make(pw, strlen(pw), 4096, cram, &u->secret, &err);
    }
    if (r < 0)
	tap_diag("cannot make a secret for %s: %s", name, STR_C(err));
    str_free(&salt);
    str_free(&err);
}

static SASL_SERVER *t_server(const char *mech, int secure, T_DB *db)
{
    STR     err = STR_INIT;
    SASL_SERVER *s;

    s = sasl_server_new(mech, "mail.example.com", secure, t_lookup, db, &err);
    if (s == NULL)
	tap_diag("sasl_server_new %s: %s", mech, STR_C(err));
    str_free(&err);
    return s;
}

/* t_one - a one-message exchange (the initial response); returns the result */

static int t_one(const char *mech, T_DB *db, const char *msg, size_t len,
		 STR *reason)
{
    SASL_SERVER *s = t_server(mech, 1, db);
    STR     out = STR_INIT, err = STR_INIT;
    int     r;

    if (s == NULL)
	return 99;
    r = sasl_server_start(s, (const unsigned char *) msg, len, 1, &out, &err);
    if (reason != NULL)
	str_cpy(reason, sasl_server_reason(s));
    sasl_server_free(s);
    str_free(&out);
    str_free(&err);
    return r;
}

/* t_expect - a call that failed (r < 0) with a message containing want */

static void t_expect(int r, const STR *err, const char *want, const char *name)
{
    tap_ok(r < 0 && err->len > 0 && (want == NULL || strstr(STR_C(*err), want) != NULL),
	   "%s: %s", name, STR_C(*err));
}

/* t_make_fails - pwsecret_make() refuses, saying want */

static void t_make_fails(const char *pw, size_t len, unsigned iter,
			 const char *want, const char *name)
{
    PWSECRET s;
    STR     err = STR_INIT;

    t_expect(pwsecret_make(pw, len, iter, 0, &s, &err), &err, want, name);
    str_free(&err);
}

/* t_decode_fails - pwsecret_decode() refuses the record, saying want */

static void t_decode_fails(const STR *rec, const char *want, const char *name)
{
    PWSECRET s;
    STR     err = STR_INIT;

    t_expect(pwsecret_decode((const unsigned char *) rec->s, rec->len, &s, &err),
	     &err, want, name);
    str_free(&err);
}

/* t_one_fails - a one-message exchange fails, the log saying want */

static void t_one_fails(const char *mech, T_DB *db, const char *msg, size_t len,
			const char *want, const char *name)
{
    STR     why = STR_INIT;

    t_expect(t_one(mech, db, msg, len, &why) == SASL_FAIL ? -1 : 0, &why, want, name);
    str_free(&why);
}

/* attr - the value of "k=" in a SCRAM message, into v */

static void attr(const char *msg, int k, STR *v)
{
    const char *p = msg;

    str_reset(v);
    for (;;) {
	if (p[0] == k && p[1] == '=') {
	    str_catn(v, p + 2, strcspn(p + 2, ","));
	    return;
	}
	if ((p = strchr(p, ',')) == NULL)
	    return;
	p++;
    }
}

/* scram_proof - ClientProof for password over auth, base64, into proof */

static void scram_proof(const char *pw, const STR *salt, unsigned iter,
			const STR *auth, STR *proof)
{
    unsigned char salted[32], ck[32], sk[32], sig[32];
    unsigned int n;
    int     i;

    PKCS5_PBKDF2_HMAC(pw, (int) strlen(pw), (const unsigned char *) salt->s,
		      (int) salt->len, (int) iter, EVP_sha256(), 32, salted);
    HMAC(EVP_sha256(), salted, 32, (const unsigned char *) "Client Key", 10, ck, &n);
    EVP_Digest(ck, 32, sk, &n, EVP_sha256(), NULL);
    HMAC(EVP_sha256(), sk, 32, (const unsigned char *) auth->s, auth->len, sig, &n);
    for (i = 0; i < 32; i++)
	ck[i] ^= sig[i];
    sasl_b64_encode(ck, 32, proof);
}

/*
 * scram_client - a whole SCRAM-SHA-256 exchange with gs2 header gs2 and
 * username attribute value user; the result of the last call, final
 * server data in final, and the server kept in *sp when sp != NULL.
 */
static int scram_client(T_DB *db, const char *gs2, const char *user,
			const char *pw, STR *final, SASL_SERVER **sp)
{
    SASL_SERVER *s = t_server("scram-sha-256", 0, db);
    STR     msg = STR_INIT, out = STR_INIT, err = STR_INIT, auth = STR_INIT;
    STR     salt = STR_INIT, v = STR_INIT, proof = STR_INIT, nonce = STR_INIT;
    int     r;

    str_printf(&msg, "%sn=%s,r=fyko+d2lbbFgONRv9qkxdawL", gs2, user);
    r = sasl_server_start(s, (const unsigned char *) msg.s, msg.len, 1, &out, &err);
    if (r == SASL_CONTINUE) {
	str_printf(&auth, "%s,%s,", msg.s + strlen(gs2), STR_C(out));
	attr(STR_C(out), 's', &v);
	sasl_b64_decode(STR_C(v), &salt, &err);
	attr(STR_C(out), 'r', &nonce);
	attr(STR_C(out), 'i', &v);
	sasl_b64_encode((const unsigned char *) gs2, strlen(gs2), &v);
	str_printf(&msg, "c=%s,r=%s", STR_C(v), STR_C(nonce));
	str_cat(&auth, STR_C(msg));
	attr(STR_C(out), 'i', &v);
	scram_proof(pw, &salt, (unsigned) atoi(STR_C(v)), &auth, &proof);
	str_catf(&msg, ",p=%s", STR_C(proof));
	r = sasl_server_step(s, (const unsigned char *) msg.s, msg.len, final, &err);
    }
    if (r != SASL_OK)
	str_cpy(final, STR_C(err));
    if (sp != NULL)
	*sp = s;
    else
	sasl_server_free(s);
    str_free(&msg);
    str_free(&out);
    str_free(&err);
    str_free(&auth);
    str_free(&salt);
    str_free(&v);
    str_free(&proof);
    str_free(&nonce);
    return r;
}

static void test_b64(void)
{
    STR     out = STR_INIT, err = STR_INIT, big = STR_INIT, text = STR_INIT;
    static const char *bad[] = {
	"Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm9v\n", "Zm 9v", " Zm9v", "Zm9v====",
	"=Zm9", "Zg==Zg==", "Zm8*", "Zm-v", "==", "Zg=a",
    };
    size_t  i;
    int     all;

    sasl_b64_encode((const unsigned char *) "", 0, &out);
    tap_is_str(STR_C(out), "", "b64 encode of nothing is \"\"");
    sasl_b64_encode((const unsigned char *) "f", 1, &out);
    tap_is_str(STR_C(out), "Zg==", "b64 encode f");
    sasl_b64_encode((const unsigned char *) "fo", 2, &out);
    tap_is_str(STR_C(out), "Zm8=", "b64 encode fo");
    sasl_b64_encode((const unsigned char *) "foobar", 6, &out);
    tap_is_str(STR_C(out), "Zm9vYmFy", "b64 encode foobar");
    tap_ok(sasl_b64_decode("Zg==", &out, &err) == 0 && out.len == 1
	   && strcmp(out.s, "f") == 0, "b64 decode Zg== (two pad)");
    tap_ok(sasl_b64_decode("Zm8=", &out, &err) == 0 && out.len == 2
	   && strcmp(out.s, "fo") == 0, "b64 decode Zm8= (one pad)");
    tap_ok(sasl_b64_decode("Zm9vYmFy", &out, &err) == 0 && out.len == 6,
	   "b64 decode, no pad");
    tap_ok(sasl_b64_decode("=", &out, &err) == 0 && out.len == 0, "\"=\" alone is empty");
    tap_ok(sasl_b64_decode("", &out, &err) == 0 && out.len == 0, "\"\" is empty");
    tap_ok(sasl_b64_decode("AHVzZXIA", &out, &err) == 0 && out.len == 6
	   && memcmp(out.s, "\0user\0", 6) == 0, "NUL bytes survive decoding");
    for (all = 1, i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
	str_reset(&err);
	if (sasl_b64_decode(bad[i], &out, &err) == 0 || err.len == 0) {
	    tap_diag("accepted bad base64 \"%s\"", bad[i]);
	    all = 0;
	}
    }
    tap_ok(all, "%d kinds of bad base64 rejected with a message", (int) i);
    sasl_b64_decode("Zh==", &out, &err);
    tap_ok(strstr(STR_C(err), "bits") != NULL, "non-canonical: %s", STR_C(err));
    str_reset(&big);
    while (big.len < SASL_MSG_MAX)
	str_catc(&big, 'z');
    sasl_b64_encode((const unsigned char *) big.s, big.len, &text);
    tap_ok(sasl_b64_decode(STR_C(text), &out, &err) == 0 && out.len == SASL_MSG_MAX,
	   "decodes %d bytes", SASL_MSG_MAX);
    str_catc(&big, 'z');
    sasl_b64_encode((const unsigned char *) big.s, big.len, &text);
    str_reset(&err);
    tap_ok(sasl_b64_decode(STR_C(text), &out, &err) < 0 && strstr(STR_C(err), "too long") != NULL,
	   "refuses to decode %d bytes", SASL_MSG_MAX + 1);
    str_free(&big);
    str_free(&text);
    str_free(&out);
    str_free(&err);
}

static void test_pwsecret_make(void)
{
    PWSECRET a, b;
    STR     err = STR_INIT, salt = STR_INIT;
    char    longpw[PWSECRET_PASSWORD_MAX + 1];

    sasl_b64_decode(RFC7677_SALT, &salt, &err);
    tap_is_int(pwsecret_make_salted("pencil", 6, 4096, 1, (unsigned char *) salt.s,
				    salt.len, &a, &err), 0, "make_salted pencil");
    tap_is_int(pwsecret_check(&a, "pencil", 6), 1, "check: right password");
    tap_is_int(pwsecret_check(&a, "Pencil", 6), 0, "check: case matters");
    tap_is_int(pwsecret_check(&a, "pencil ", 7), 0, "check: trailing space matters");
    tap_is_int(pwsecret_check(&a, "pencil", 5), 0, "check: prefix is wrong");
    tap_is_int(pwsecret_check(&a, "", 0), 0, "check: empty is wrong");
    tap_is_int(pwsecret_make("pencil", 6, 4096, 0, &b, &err), 0, "make, random salt");
    tap_ok(b.salt_len == PWSECRET_SALT_LEN && memcmp(a.salt, b.salt, 16) != 0
	   && !b.has_cram, "random 16-byte salt, no CRAM context");
    tap_is_int(pwsecret_check(&b, "pencil", 6), 1, "check with random salt");
    t_make_fails("pencil", 6, 4095, "4095", "make refuses 4095 iterations");
    t_make_fails("pencil", 6, 10000001, "10000001", "make refuses 10000001 iterations");
    t_make_fails("", 0, 4096, "empty", "make refuses an empty password");
    t_make_fails("a\nb", 3, 4096, "password contains a control character",
		 "make refuses a control character (the message names no password)");
    t_make_fails("a\302\205b", 4, 4096, "control", "make refuses a C1 control (U+0085)");
    memset(longpw, 'y', sizeof(longpw));
    t_make_fails(longpw, PWSECRET_PASSWORD_MAX + 1, 4096, "too long",
		 "make refuses a password over 1024 bytes");
    tap_is_int(pwsecret_make("gr\303\274n", 5, 4096, 0, &b, &err), 0,
	       "make accepts UTF-8 letters");
    memset(longpw, 'x', 100);
    longpw[100] = 0;
    tap_is_int(pwsecret_make(longpw, 100, 4096, 1, &b, &err), 0, "make, 100-byte password");
    pwsecret_clear(&b);
    tap_ok(b.iterations == 0 && b.stored_key[0] == 0, "clear wipes");
    str_free(&err);
    str_free(&salt);
}

/* cram_vs_hmac - pwsecret_cram_digest agrees with a one-shot HMAC-MD5 */

static int cram_vs_hmac(const char *pw, const char *chal)
{
    PWSECRET s;
    STR     err = STR_INIT;
    unsigned char d1[16], d2[EVP_MAX_MD_SIZE];
    unsigned int n;
    int     ok;

    ok = pwsecret_make(pw, strlen(pw), 4096, 1, &s, &err) == 0
	&& pwsecret_cram_digest(&s, (const unsigned char *) chal, strlen(chal), d1) == 0
	&& HMAC(EVP_md5(), pw, (int) strlen(pw), (const unsigned char *) chal,
		strlen(chal), d2, &n) != NULL
	&& n == 16 && memcmp(d1, d2, 16) == 0;
    str_free(&err);
    return ok;
}

static void test_pwsecret_cram(void)
{
    char    pw[101];
    PWSECRET s;
    STR     err = STR_INIT;
    unsigned char d[16];

    tap_ok(cram_vs_hmac("tanstaaftanstaaf", RFC2195_CHAL),
	   "CRAM-MD5 context gives HMAC-MD5 (short password)");
    memset(pw, 'k', 64);
    pw[64] = 0;
    tap_ok(cram_vs_hmac(pw, "<1.2@x>"), "CRAM-MD5 context, 64-byte password");
    memset(pw, 'k', 100);
    pw[100] = 0;
    tap_ok(cram_vs_hmac(pw, "<1.2@x>"), "CRAM-MD5 context, 100-byte password (K = MD5)");
    pwsecret_make("x", 1, 4096, 0, &s, &err);
    tap_is_int(pwsecret_cram_digest(&s, (const unsigned char *) "c", 1, d), -1,
	       "no CRAM-MD5 digest without the context");
    str_free(&err);
}

static void test_pwsecret_record(void)
{
    PWSECRET a, b;
    STR     rec = STR_INIT, err = STR_INIT, bad = STR_INIT;
    size_t  i;
    int     all;

    pwsecret_make("pencil", 6, 5000, 1, &a, &err);
    tap_is_int(pwsecret_encode(&a, &rec), 0, "encode");
    tap_ok(rec.len == 122 && rec.s[0] == 1, "record: 122 bytes, version 1");
    tap_is_int(pwsecret_decode((unsigned char *) rec.s, rec.len, &b, &err), 0, "decode");
    tap_ok(b.salt_len == a.salt_len && memcmp(b.salt, a.salt, a.salt_len) == 0
	   && b.iterations == 5000 && memcmp(b.stored_key, a.stored_key, 32) == 0
	   && memcmp(b.server_key, a.server_key, 32) == 0 && b.has_cram
	   && memcmp(b.cram_inner, a.cram_inner, 16) == 0
	   && memcmp(b.cram_outer, a.cram_outer, 16) == 0, "round trip keeps every field");
    tap_is_int(pwsecret_check(&b, "pencil", 6), 1, "decoded secret checks");
    a.has_cram = 0;
    pwsecret_encode(&a, &rec);
    tap_ok(rec.len == 90 && pwsecret_decode((unsigned char *) rec.s, rec.len, &b, &err) == 0
	   && !b.has_cram, "round trip without CRAM-MD5: 90 bytes");

    pwsecret_make("pencil", 6, 4096, 1, &a, &err);
    pwsecret_encode(&a, &rec);
    for (all = 1, i = 0; i < rec.len; i++) {
	str_reset(&err);
	if (pwsecret_decode((unsigned char *) rec.s, i, &b, &err) == 0 || err.len == 0)
	    all = 0;
    }
    tap_ok(all, "every truncation (0..%d bytes) fails with a message", (int) rec.len - 1);
    str_cpyn(&bad, rec.s, 50);
    t_decode_fails(&bad, "truncated", "cut at 50 bytes");
    pwsecret_decode((unsigned char *) rec.s, 50, &b, &err);
    tap_ok(b.iterations == 0, "failed decode leaves nothing behind");
    str_cpy(&bad, "{SSHA256}pencil");
    t_decode_fails(&bad, "unknown version 123", "foreign record");
    str_cpyn(&bad, rec.s, rec.len);
    bad.s[0] = 2;
    t_decode_fails(&bad, "unknown version 2", "version 2");
    str_cpyn(&bad, rec.s, rec.len);
    str_catc(&bad, 0);
    t_decode_fails(&bad, "after the last", "trailing byte");
    str_cpyn(&bad, rec.s, rec.len);
    bad.s[1] = 0;				/* salt length */
    t_decode_fails(&bad, "salt field is 0 bytes", "salt length 0");
    bad.s[1] = 65;
    t_decode_fails(&bad, "salt field is 65 bytes", "salt length 65");
    str_cpyn(&bad, rec.s, rec.len);
    bad.s[21] = 0x0f;				/* 4096 -> 4095 */
    bad.s[22] = (char) 0xff;
    t_decode_fails(&bad, "iteration count 4095", "4095 iterations");
    str_cpyn(&bad, rec.s, rec.len);
    bad.s[19] = 0x01;				/* 4096 + 2^24 */
    t_decode_fails(&bad, "iteration count 16781312", "absurd iteration count");
    str_cpyn(&bad, rec.s, rec.len);
    bad.s[18] = 3;				/* iterations field length */
    t_decode_fails(&bad, "iterations field is 3 bytes", "iterations field length 3");
    str_cpyn(&bad, rec.s, rec.len);
    bad.s[23] = 31;				/* stored key length */
    t_decode_fails(&bad, "stored key field is 31 bytes", "stored key length 31");
    str_cpyn(&bad, rec.s, rec.len);
    bad.s[56] = 33;				/* server key length */
    t_decode_fails(&bad, "server key field is 33 bytes", "server key length 33");
    str_cpyn(&bad, rec.s, rec.len - 16);
    bad.s[89] = 16;				/* CRAM-MD5 length */
    t_decode_fails(&bad, "0 or 32", "CRAM-MD5 length 16");
    a.iterations = 7;
    tap_is_int(pwsecret_encode(&a, &rec), -1, "encode refuses an invalid secret");
    str_free(&rec);
    str_free(&err);
    str_free(&bad);
}

static void test_mechanisms(T_DB *db)
{
    STR     out = STR_INIT, err = STR_INIT;

    sasl_mechanisms(1, &out);
    tap_is_str(STR_C(out), "SCRAM-SHA-256 CRAM-MD5 PLAIN LOGIN", "mechanisms under TLS");
    sasl_mechanisms(0, &out);
    tap_is_str(STR_C(out), "SCRAM-SHA-256 CRAM-MD5", "mechanisms without TLS");
    t_expect(sasl_server_new("PLAIN", NULL, 0, t_lookup, db, &err) == NULL ? -1 : 0,
	     &err, "TLS", "PLAIN refused without TLS");
    t_expect(sasl_server_new("login", NULL, 0, t_lookup, db, &err) == NULL ? -1 : 0,
	     &err, "TLS", "LOGIN refused without TLS");
    t_expect(sasl_server_new("DIGEST-MD5", NULL, 1, t_lookup, db, &err) == NULL ? -1 : 0,
	     &err, "unsupported", "unknown mechanism refused");
    str_free(&out);
    str_free(&err);
}

static void test_plain(T_DB *db)
{
    SASL_SERVER *s;
    STR     out = STR_INIT, err = STR_INIT, big = STR_INIT;
    int     r;

    s = t_server("PLAIN", 1, db);
    r = sasl_server_start(s, (const unsigned char *) "\0user\0pencil", 12, 1, &out, &err);
    tap_is_int(r, SASL_OK, "PLAIN without authzid");
    tap_is_str(sasl_server_user(s), "user", "PLAIN user");
    tap_ok(sasl_server_authzid(s) == NULL, "PLAIN: no authzid");
    r = sasl_server_step(s, (const unsigned char *) "x", 1, &out, &err);
    tap_ok(r == SASL_FAIL && strcmp(sasl_server_user(s), "user") == 0,
	   "a step after SASL_OK fails and changes nothing: %s", STR_C(err));
    sasl_server_free(s);

    s = t_server("PLAIN", 1, db);
    r = sasl_server_start(s, (const unsigned char *) "admin\0user\0pencil", 17, 1, &out, &err);
    tap_ok(r == SASL_OK && strcmp(sasl_server_user(s), "user") == 0
	   && strcmp(sasl_server_authzid(s), "admin") == 0, "PLAIN with authzid admin");
    sasl_server_free(s);

    s = t_server("PLAIN", 1, db);
    r = sasl_server_start(s, NULL, 0, 0, &out, &err);
    tap_ok(r == SASL_CONTINUE && out.len == 0, "PLAIN without initial response: empty challenge");
    r = sasl_server_step(s, (const unsigned char *) "\0user\0pencil", 12, &out, &err);
    tap_is_int(r, SASL_OK, "PLAIN after the empty challenge");
    sasl_server_free(s);

    s = t_server("PLAIN", 1, db);
    r = sasl_server_start(s, (const unsigned char *) "\0user\0Pencil", 12, 1, &out, &err);
    tap_ok(r == SASL_FAIL && sasl_server_user(s) == NULL, "PLAIN wrong password fails");
    tap_is_str(STR_C(err), "authentication failed", "client text is neutral");
    tap_ok(strstr(sasl_server_reason(s), "wrong password") != NULL, "log: %s",
	   sasl_server_reason(s));
    sasl_server_free(s);

    s = t_server("PLAIN", 1, db);
    r = sasl_server_start(s, (const unsigned char *) "\0nobody\0pencil", 14, 1, &out, &err);
    tap_ok(r == SASL_FAIL && strcmp(STR_C(err), "authentication failed") == 0,
	   "PLAIN unknown user: the same client text");
    tap_ok(strstr(sasl_server_reason(s), "no such user") != NULL, "log: %s",
	   sasl_server_reason(s));
    tap_ok(!sasl_server_tempfail(s), "not a temporary failure");
    r = sasl_server_step(s, (const unsigned char *) "x", 1, &out, &err);
    tap_ok(r == SASL_FAIL && strstr(sasl_server_reason(s), "no such user") != NULL,
	   "a step after SASL_FAIL fails, the reason stands");
    sasl_server_free(s);

    db->broken = 1;
    s = t_server("PLAIN", 1, db);
    r = sasl_server_start(s, (const unsigned char *) "\0user\0pencil", 12, 1, &out, &err);
    tap_ok(r == SASL_FAIL && sasl_server_tempfail(s)
	   && strstr(sasl_server_reason(s), "database is locked") != NULL,
	   "lookup error: temporary failure; log: %s", sasl_server_reason(s));
    sasl_server_free(s);
    db->broken = 0;

    t_one_fails("PLAIN", db, "user pencil", 11, "malformed", "PLAIN without NULs");
    t_one_fails("PLAIN", db, "user\0pencil", 11, "malformed", "PLAIN with one NUL");
    t_one_fails("PLAIN", db, "\0user\0pen\0cil", 14, "too many NUL", "PLAIN with three NULs");
    t_one_fails("PLAIN", db, "\0\0pencil", 8, "user name is empty", "PLAIN empty user");
    t_one_fails("PLAIN", db, "\0user\0", 6, "empty password", "PLAIN empty password");
    t_one_fails("PLAIN", db, "", 0, "malformed", "PLAIN empty message");
    t_one_fails("PLAIN", db, "\0us\rer\0pencil", 13, "control", "PLAIN user with CR");
    t_one_fails("PLAIN", db, "a\nb\0user\0pencil", 15, "control", "PLAIN authzid with LF");
    str_catc(&big, 0);
    while (big.len < 257)
	str_catc(&big, 'u');
    str_catn(&big, "\0pencil", 7);
    t_one_fails("PLAIN", db, big.s, big.len, "too long", "PLAIN 256-byte user");
    str_reset(&big);
    str_catn(&big, "\0user\0", 6);
    while (big.len < SASL_MSG_MAX + 1)
	str_catc(&big, 'p');
    t_one_fails("PLAIN", db, big.s, big.len, "message too long", "PLAIN 8193-byte message");
    str_truncate(&big, SASL_MSG_MAX);
    tap_is_int(t_one("PLAIN", db, big.s, big.len, NULL), SASL_FAIL,
	       "PLAIN 8192-byte message is read (and the password is wrong)");
    str_free(&out);
    str_free(&err);
    str_free(&big);
}

static void test_login(T_DB *db)
{
    SASL_SERVER *s;
    STR     out = STR_INIT, err = STR_INIT;
    int     r;

    s = t_server("LOGIN", 1, db);
    r = sasl_server_start(s, NULL, 0, 0, &out, &err);
    tap_ok(r == SASL_CONTINUE && strcmp(STR_C(out), "Username:") == 0, "LOGIN asks Username:");
    r = sasl_server_step(s, (const unsigned char *) "user", 4, &out, &err);
    tap_ok(r == SASL_CONTINUE && strcmp(STR_C(out), "Password:") == 0, "LOGIN asks Password:");
    r = sasl_server_step(s, (const unsigned char *) "pencil", 6, &out, &err);
    tap_ok(r == SASL_OK && strcmp(sasl_server_user(s), "user") == 0 && out.len == 0,
	   "LOGIN right password");
    sasl_server_free(s);

    s = t_server("LOGIN", 1, db);
    r = sasl_server_start(s, (const unsigned char *) "user", 4, 1, &out, &err);
    tap_ok(r == SASL_CONTINUE && strcmp(STR_C(out), "Password:") == 0,
	   "LOGIN initial response is the user name");
    r = sasl_server_step(s, (const unsigned char *) "pencil!", 7, &out, &err);
    tap_ok(r == SASL_FAIL && strcmp(STR_C(err), "authentication failed") == 0,
	   "LOGIN wrong password fails");
    sasl_server_free(s);

    s = t_server("LOGIN", 1, db);
    sasl_server_start(s, NULL, 0, 0, &out, &err);
    r = sasl_server_step(s, (const unsigned char *) "us\0er", 5, &out, &err);
    tap_is_int(r, SASL_FAIL, "LOGIN user name with NUL: %s", STR_C(err));
    sasl_server_free(s);
    str_free(&out);
    str_free(&err);
}

static void test_cram(T_DB *db)
{
    SASL_SERVER *s;
    STR     out = STR_INIT, err = STR_INIT, resp = STR_INIT;
    int     r;

    s = t_server("CRAM-MD5", 0, db);
    sasl_server_set_nonce(s, RFC2195_CHAL);
    r = sasl_server_start(s, NULL, 0, 0, &out, &err);
    tap_ok(r == SASL_CONTINUE, "CRAM-MD5 challenge");
    tap_is_str(STR_C(out), RFC2195_CHAL, "the fixed RFC 2195 challenge");
    r = sasl_server_step(s, (const unsigned char *) RFC2195_RESP, strlen(RFC2195_RESP),
			 &out, &err);
    tap_is_int(r, SASL_OK, "RFC 2195 example response accepted");
    tap_is_str(sasl_server_user(s), "tim", "CRAM-MD5 user tim");
    sasl_server_free(s);

    s = t_server("CRAM-MD5", 0, db);
    sasl_server_set_nonce(s, RFC2195_CHAL);
    sasl_server_start(s, NULL, 0, 0, &out, &err);
    r = sasl_server_step(s, (const unsigned char *) "tim b913a602c7eda7a495b4e6e7334d3891",
			 36, &out, &err);
    tap_ok(r == SASL_FAIL && strcmp(STR_C(err), "authentication failed") == 0,
	   "wrong CRAM-MD5 digest rejected");
    sasl_server_free(s);

    s = t_server("CRAM-MD5", 0, db);
    sasl_server_start(s, NULL, 0, 0, &out, &err);
    tap_ok(out.s[0] == '<' && strstr(out.s, "@mail.example.com>") != NULL,
	   "random challenge %s", STR_C(out));
    r = sasl_server_step(s, (const unsigned char *) RFC2195_RESP, strlen(RFC2195_RESP),
			 &out, &err);
    tap_is_int(r, SASL_FAIL, "the RFC response does not fit a random challenge");
    sasl_server_free(s);

    s = t_server("CRAM-MD5", 0, db);
    sasl_server_set_nonce(s, RFC2195_CHAL);
    sasl_server_start(s, NULL, 0, 0, &out, &err);
    str_cpy(&resp, "nocram b913a602c7eda7a495b4e6e7334d3890");
    r = sasl_server_step(s, (const unsigned char *) resp.s, resp.len, &out, &err);
    tap_ok(r == SASL_FAIL && strcmp(STR_C(err), "authentication failed") == 0
	   && strstr(sasl_server_reason(s), "CRAM-MD5 is unavailable") != NULL,
	   "no CRAM-MD5 context: %s", sasl_server_reason(s));
    sasl_server_free(s);

    s = t_server("CRAM-MD5", 0, db);
    sasl_server_start(s, NULL, 0, 0, &out, &err);
    r = sasl_server_step(s, (const unsigned char *) "tim b913a602", 12, &out, &err);
    tap_is_int(r, SASL_FAIL, "short digest: %s", STR_C(err));
    sasl_server_free(s);

    s = t_server("CRAM-MD5", 0, db);
    sasl_server_start(s, NULL, 0, 0, &out, &err);
    r = sasl_server_step(s, (const unsigned char *) "timb913a602c7eda7a495b4e6e7334d3890",
			 35, &out, &err);
    tap_is_int(r, SASL_FAIL, "no space in the response");
    sasl_server_free(s);

    s = t_server("CRAM-MD5", 0, db);
    r = sasl_server_start(s, (const unsigned char *) "tim", 3, 1, &out, &err);
    tap_is_int(r, SASL_FAIL, "CRAM-MD5 refuses an initial response: %s", STR_C(err));
    sasl_server_free(s);
    str_free(&out);
    str_free(&err);
    str_free(&resp);
}

static void test_scram_rfc(T_DB *db)
{
    SASL_SERVER *s;
    STR     out = STR_INIT, err = STR_INIT, msg = STR_INIT;
    int     r;

    s = t_server("SCRAM-SHA-256", 0, db);
    sasl_server_set_nonce(s, RFC7677_SNONCE);
    r = sasl_server_start(s, (const unsigned char *) RFC7677_CFIRST,
			  strlen(RFC7677_CFIRST), 1, &out, &err);
    tap_is_int(r, SASL_CONTINUE, "RFC 7677 client-first accepted");
    tap_is_str(STR_C(out), RFC7677_SFIRST, "RFC 7677 server-first");
    r = sasl_server_step(s, (const unsigned char *) RFC7677_CFINAL,
			 strlen(RFC7677_CFINAL), &out, &err);
    tap_is_int(r, SASL_OK, "RFC 7677 client-final accepted");
    tap_is_str(STR_C(out), RFC7677_SFINAL, "RFC 7677 server-final");
    tap_is_str(sasl_server_user(s), "user", "SCRAM user");
    sasl_server_free(s);

    s = t_server("SCRAM-SHA-256", 0, db);
    sasl_server_set_nonce(s, RFC7677_SNONCE);
    r = sasl_server_start(s, NULL, 0, 0, &out, &err);
    tap_ok(r == SASL_CONTINUE && out.len == 0, "SCRAM without initial response: empty challenge");
    sasl_server_step(s, (const unsigned char *) RFC7677_CFIRST, strlen(RFC7677_CFIRST),
		     &out, &err);
    str_cpy(&msg, RFC7677_CFINAL);
    msg.s[msg.len - 3] = 'W';			/* ...AndVQ= -> ...AndWQ= */
    r = sasl_server_step(s, (const unsigned char *) msg.s, msg.len, &out, &err);
    tap_ok(r == SASL_FAIL && strcmp(STR_C(err), "authentication failed") == 0
	   && strstr(sasl_server_reason(s), "wrong SCRAM proof") != NULL,
	   "wrong proof rejected; log: %s", sasl_server_reason(s));
    sasl_server_free(s);

    s = t_server("SCRAM-SHA-256", 0, db);
    sasl_server_set_nonce(s, RFC7677_SNONCE);
    sasl_server_start(s, (const unsigned char *) RFC7677_CFIRST, strlen(RFC7677_CFIRST), 1,
		      &out, &err);
    str_cpy(&msg, RFC7677_CFINAL);
    msg.s[30] = 'X';				/* in the nonce */
    r = sasl_server_step(s, (const unsigned char *) msg.s, msg.len, &out, &err);
    tap_ok(r == SASL_FAIL && strstr(STR_C(err), "nonce") != NULL, "changed nonce: %s",
	   STR_C(err));
    sasl_server_free(s);

    s = t_server("SCRAM-SHA-256", 0, db);
    sasl_server_set_nonce(s, RFC7677_SNONCE);
    sasl_server_start(s, (const unsigned char *) RFC7677_CFIRST, strlen(RFC7677_CFIRST), 1,
		      &out, &err);
    str_cpy(&msg, RFC7677_CFINAL);
    memcpy(msg.s, "c=eSws", 6);			/* "y,," instead of "n,," */
    r = sasl_server_step(s, (const unsigned char *) msg.s, msg.len, &out, &err);
    tap_ok(r == SASL_FAIL && strstr(STR_C(err), "channel binding") != NULL,
	   "c= not matching the gs2 header: %s", STR_C(err));
    sasl_server_free(s);
    str_free(&out);
    str_free(&err);
    str_free(&msg);
}

static void test_scram_more(T_DB *db)
{
    SASL_SERVER *s;
    STR     final = STR_INIT;
    int     r;

    r = scram_client(db, "n,,", "user", "pencil", &final, NULL);
    tap_ok(r == SASL_OK && strncmp(STR_C(final), "v=", 2) == 0, "SCRAM client here: n,,");
    r = scram_client(db, "y,,", "user", "pencil", &final, NULL);
    tap_is_int(r, SASL_OK, "gs2 \"y,,\" accepted");
    r = scram_client(db, "n,,", "user", "pencil!", &final, NULL);
    tap_is_int(r, SASL_FAIL, "SCRAM wrong password");
    r = scram_client(db, "n,a=admin,", "user", "pencil", &final, &s);
    tap_ok(r == SASL_OK && strcmp(sasl_server_authzid(s), "admin") == 0,
	   "SCRAM authzid admin");
    sasl_server_free(s);
    r = scram_client(db, "n,a=x=3Dy,", "a=2Cb=3Dc", "secret", &final, &s);
    tap_ok(r == SASL_OK && strcmp(sasl_server_user(s), "a,b=c") == 0
	   && strcmp(sasl_server_authzid(s), "x=y") == 0, "SCRAM =2C and =3D decoded");
    sasl_server_free(s);
    r = scram_client(db, "n,,", "nobody", "pencil", &final, &s);
    tap_ok(r == SASL_FAIL && strcmp(STR_C(final), "authentication failed") == 0
	   && strstr(sasl_server_reason(s), "no such user") != NULL,
	   "SCRAM unknown user fails only at the proof; log: %s", sasl_server_reason(s));
    sasl_server_free(s);
    r = scram_client(db, "p=tls-unique,,", "user", "pencil", &final, NULL);
    tap_ok(r == SASL_FAIL && strstr(STR_C(final), "channel binding is not supported") != NULL,
	   "gs2 p= rejected: %s", STR_C(final));
    r = scram_client(db, "n,,", "us=41er", "pencil", &final, NULL);
    tap_ok(r == SASL_FAIL, "bad = escape: %s", STR_C(final));
    r = scram_client(db, "n,,m=ext,", "user", "pencil", &final, NULL);
    tap_ok(r == SASL_FAIL && strstr(STR_C(final), "m=") != NULL, "m= rejected: %s",
	   STR_C(final));
    r = scram_client(db, "x,,", "user", "pencil", &final, NULL);
    tap_is_int(r, SASL_FAIL, "bad gs2 flag: %s", STR_C(final));
    tap_is_int(t_one("SCRAM-SHA-256", db, "n,,n=user", 9, NULL), SASL_FAIL, "no nonce");
    tap_is_int(t_one("SCRAM-SHA-256", db, "n,,n=user,r=", 12, NULL), SASL_FAIL, "empty nonce");
    tap_is_int(t_one("SCRAM-SHA-256", db, "n,,n=user,", 10, NULL), SASL_FAIL, "cut after n=");
    tap_is_int(t_one("SCRAM-SHA-256", db, "n", 1, NULL), SASL_FAIL, "just n");
    tap_is_int(t_one("SCRAM-SHA-256", db, "", 0, NULL), SASL_FAIL, "empty initial response");
    tap_is_int(t_one("SCRAM-SHA-256", db, "n,,n=u\0ser,r=abc", 16, NULL), SASL_FAIL,
	       "NUL in a SCRAM message");
    str_free(&final);
}

int main(void)
{
    T_DB    db;

    memset(&db, 0, sizeof(db));
    t_add(&db, "user", "pencil", 1, RFC7677_SALT);
    t_add(&db, "tim", "tanstaaftanstaaf", 1, NULL);
    t_add(&db, "nocram", "secret", 0, NULL);
    t_add(&db, "a,b=c", "secret", 0, NULL);

    test_b64();
    test_pwsecret_make();
    test_pwsecret_cram();
    test_pwsecret_record();
    test_mechanisms(&db);
    test_plain(&db);
    test_login(&db);
    test_cram(&db);
    test_scram_rfc(&db);
    test_scram_more(&db);
    for (db.n--; db.n >= 0; db.n--)
	pwsecret_clear(&db.users[db.n].secret);
    return tap_done();
}
