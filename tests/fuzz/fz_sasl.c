/*
 * NAME
 *	fz_sasl - libFuzzer harness for the SASL server (src/global/sasl.c)
 * DESCRIPTION
 *	The first input byte chooses the exchange: bits 0-1 the mechanism
 *	(SCRAM-SHA-256, CRAM-MD5, PLAIN, LOGIN), bit 2 whether the first
 *	message is an initial response, bits 3-4 what the lookup function
 *	answers for user "user" (found with a CRAM-MD5 context, found
 *	without, no such user, database error), bit 5 an unprotected
 *	channel.  Any other user name is unknown.  The secret is made once
 *	from the password "pencil"; the SCRAM nonce and CRAM-MD5 challenge
 *	are fixed so that runs repeat.  The rest of the input, cut at
 *	newlines into at most 8 pieces, are the client's (decoded) messages.
 *	Each piece is also given to sasl_b64_decode().
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- start and step return SASL_OK, SASL_CONTINUE or SASL_FAIL; FAIL
 *	  comes with a client message and a log reason;
 *	- after OK or FAIL a further step fails and changes neither the
 *	  user, the authzid nor the reason;
 *	- OK only for user "user" when the lookup found it; for PLAIN and
 *	  LOGIN only with the password "pencil"; for CRAM-MD5 only with its
 *	  context;
 *	  sasl_server_user() and sasl_server_authzid() are NULL before OK;
 *	- a temporary failure only when the lookup reported an error;
 *	- neither the client message nor the log reason ever holds the
 *	  password a PLAIN or LOGIN client sent (when it is 4 bytes or more,
 *	  not part of the user name or authzid, and holds a byte no fixed
 *	  message has: one of ~|{}`^ or a non-ASCII byte);
 *	- sasl_b64_decode() refuses or gives bytes that sasl_b64_encode()
 *	  turns back into the same text (one encoding per byte string; "="
 *	  and "" both decode to nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pwsecret.h"
#include "sasl.h"
#include "str.h"
#include "fz_util.h"

#define FZ_MAX_MSGS 8

#define LK_CRAM		0	/* found, with a CRAM-MD5 context */
#define LK_NOCRAM	1	/* found, without */
#define LK_UNKNOWN	2	/* no such user */
#define LK_ERROR	3	/* database error */

static const char *const mechs[] = {"SCRAM-SHA-256", "CRAM-MD5", "PLAIN", "LOGIN"};
static PWSECRET secret;

typedef struct FZ_DB {
    int     mode;			/* LK_* */
} FZ_DB;

static int fz_lookup(const char *user, PWSECRET *out, void *ctx, STR *err)
{
    const FZ_DB *db = ctx;

    if (db->mode == LK_ERROR) {
	str_cpy(err, "database on fire");
	return -1;
    }
    if (db->mode == LK_UNKNOWN || strcmp(user, "user") != 0)
	return 0;
    *out = secret;
    if (db->mode == LK_NOCRAM)
	out->has_cram = 0;
    return 1;
}

static void fz_init(void)
{
    static const unsigned char salt[16] = "fuzz-salt-16byte";
    STR     err = STR_INIT;

    if (pwsecret_make_salted("pencil", 6, PWSECRET_ITER_MIN, 1, salt, sizeof(salt),
			     &secret, &err) < 0) {
	fprintf(stderr, "fz_sasl: %s\n", STR_C(err));
	abort();
    }
    str_free(&err);
}

/* contains - whether n bytes at hay hold the m bytes at needle (m > 0) */
static int contains(const void *hay, size_t n, const void *needle, size_t m)
{
    const unsigned char *h = hay;
    size_t  i;

    for (i = 0; m > 0 && i + m <= n; i++)
	if (memcmp(h + i, needle, m) == 0)
	    return 1;
    return 0;
}

/* marked - a byte that no fixed message of sasl.c holds */
static int marked(const STR *pw)
{
    size_t  i;

    for (i = 0; i < pw->len; i++)
	if ((unsigned char) pw->s[i] >= 0x80 || strchr("~|{}`^", pw->s[i]) != NULL)
	    return 1;
    return 0;
}

/*
 * The password a PLAIN or LOGIN client sent, from the messages the server
 * was given in order (fed): 1 and pw, or 0.  *names is set to the bytes
 * before it that hold the user name and authzid.
 */
static int sent_password(int mech, const FZ_PIECE *fed, size_t nfed, STR *pw,
			         FZ_PIECE *names)
{
    const uint8_t *n1, *n2;

    str_reset(pw);
    if (mech == 2 && nfed > 0 && (n1 = memchr(fed[0].p, 0, fed[0].n)) != NULL
	&& (n2 = memchr(n1 + 1, 0, fed[0].n - (size_t) (n1 + 1 - fed[0].p))) != NULL) {
	str_catn(pw, (const char *) n2 + 1, fed[0].n - (size_t) (n2 + 1 - fed[0].p));
	names->p = fed[0].p;
	names->n = (size_t) (n2 - fed[0].p);
	return 1;
    }
    if (mech == 3 && nfed >= 2) {
	str_catn(pw, (const char *) fed[1].p, fed[1].n);
	*names = fed[0];
	return 1;
    }
    return 0;
}

/* The password sent, if it is worth looking for in messages. */
static int worth_looking_for(int mech, const FZ_PIECE *fed, size_t nfed, STR *pw)
{
    FZ_PIECE names;

    return sent_password(mech, fed, nfed, pw, &names) && pw->len >= 4
	&& strlen(STR_C(*pw)) == pw->len && !contains(names.p, names.n, pw->s, pw->len)
	&& marked(pw);
}

static void check_b64(const FZ_PIECE *m)
{
    STR     text = STR_INIT, raw = STR_INIT, back = STR_INIT, err = STR_INIT;

    str_catn(&text, (const char *) m->p, m->n);
    if (strlen(STR_C(text)) == text.len && sasl_b64_decode(STR_C(text), &raw, &err) == 0) {
	FZ_CHECK(sasl_b64_encode((const unsigned char *) raw.s, raw.len, &back) == 0,
		 "decoded bytes do not encode");
	FZ_CHECK(strcmp(STR_C(back), STR_C(text)) == 0
		 || (strcmp(STR_C(text), "=") == 0 && back.len == 0),
		 "\"%s\" decodes to bytes that encode as \"%s\"", STR_C(text), STR_C(back));
    }
    str_free(&text);
    str_free(&raw);
    str_free(&back);
    str_free(&err);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    FZ_PIECE m[FZ_MAX_MSGS], fed[FZ_MAX_MSGS], names;
    FZ_DB   db;
    SASL_SERVER *s;
    STR     out = STR_INIT, err = STR_INIT, pw = STR_INIT, user = STR_INIT, authz = STR_INIT,
	    reason = STR_INIT;
    size_t  nm, nfed = 0, i = 0;
    int     mech, initial, secure, rc, check_pw;

    if (!ready) {
	fz_init();
	ready = 1;
    }
    if (size == 0)
	return 0;
    mech = data[0] & 3;
    initial = (data[0] >> 2) & 1;
    db.mode = (data[0] >> 3) & 3;
    secure = !((data[0] >> 5) & 1);
    nm = size > 1 ? fz_split(data + 1, size - 1, '\n', m, FZ_MAX_MSGS) : 0;
    for (i = 0; i < nm; i++)
	check_b64(&m[i]);
    s = sasl_server_new(mechs[mech], "mail.example.com", secure, fz_lookup, &db, &err);
    if (s == NULL) {
	FZ_CHECK(!secure && mech >= 2 && err.len > 0, "%s refused: %s", mechs[mech],
		 STR_C(err));
	str_free(&err);
	return 0;
    }
    sasl_server_set_nonce(s, mech == 1 ? "<1896.697170952@mail.example.com>"
			  : "fuzzServerNonce");
    i = 0;
    if (initial && nm > 0) {
	rc = sasl_server_start(s, m[0].p, m[0].n, 1, &out, &err);
	i = 1;
	if (!(mech == 3 && m[0].n == 0))	/* LOGIN: empty is no user name */
	    fed[nfed++] = m[0];
    } else
	rc = sasl_server_start(s, NULL, 0, 0, &out, &err);
    for (;;) {
	FZ_CHECK(rc == SASL_OK || rc == SASL_CONTINUE || rc == SASL_FAIL, "returned %d", rc);
	if (rc != SASL_CONTINUE || i >= nm)
	    break;
	FZ_CHECK(sasl_server_user(s) == NULL && sasl_server_authzid(s) == NULL,
		 "a user before the exchange is over");
	rc = sasl_server_step(s, m[i].p, m[i].n, &out, &err);
	fed[nfed++] = m[i++];
    }
    if (rc == SASL_FAIL) {
	FZ_CHECK(err.len > 0 && *sasl_server_reason(s) != 0, "a failure without reasons");
	FZ_CHECK(sasl_server_user(s) == NULL, "a user after a failure");
	FZ_CHECK(!sasl_server_tempfail(s) || db.mode == LK_ERROR,
		 "a temporary failure without a lookup error: %s", sasl_server_reason(s));
    }
    if (rc == SASL_OK) {
	FZ_CHECK(sasl_server_user(s) != NULL && strcmp(sasl_server_user(s), "user") == 0
		 && (db.mode == LK_CRAM || (db.mode == LK_NOCRAM && mech != 1)),
		 "authenticated \"%s\" with lookup mode %d",
		 sasl_server_user(s) ? sasl_server_user(s) : "(none)", db.mode);
	if (mech >= 2)
	    FZ_CHECK(sent_password(mech, fed, nfed, &pw, &names)
		     && pw.len == 6 && memcmp(pw.s, "pencil", 6) == 0,
		     "%s accepted another password", mechs[mech]);
    }
    check_pw = worth_looking_for(mech, fed, nfed, &pw);
    if (check_pw) {
	FZ_CHECK(!contains(STR_C(err), err.len, pw.s, pw.len),
		 "the client message holds the password");
	FZ_CHECK(strstr(sasl_server_reason(s), STR_C(pw)) == NULL,
		 "the log reason holds the password");
    }
    if (rc != SASL_CONTINUE) {
	str_cpy(&user, sasl_server_user(s) ? sasl_server_user(s) : "(none)");
	str_cpy(&authz, sasl_server_authzid(s) ? sasl_server_authzid(s) : "(none)");
	str_cpy(&reason, sasl_server_reason(s));
	FZ_CHECK(sasl_server_step(s, (const uint8_t *) "x", 1, &out, &err) == SASL_FAIL,
		 "a step after the end did not fail");
	FZ_CHECK(strcmp(STR_C(user), sasl_server_user(s) ? sasl_server_user(s) : "(none)") == 0
		 && strcmp(STR_C(authz), sasl_server_authzid(s) ? sasl_server_authzid(s)
			   : "(none)") == 0
		 && strcmp(STR_C(reason), sasl_server_reason(s)) == 0,
		 "a step after the end changed the outcome");
    }
    sasl_server_free(s);
    str_free(&out);
    str_free(&err);
    str_free(&pw);
    str_free(&user);
    str_free(&authz);
    str_free(&reason);
    return 0;
}
