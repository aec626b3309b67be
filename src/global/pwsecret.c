/*
 * NAME
 *	pwsecret - password secrets kept in the password database (see pwsecret.h)
 * DESCRIPTION
 *	SCRAM keys come from OpenSSL's PBKDF2, HMAC and EVP digests.  The
 *	CRAM-MD5 context needs what EVP does not offer: the MD5 chaining
 *	state after one block, and a way to resume hashing from a stored
 *	state.  Only the low-level MD5_CTX (MD5_Init/MD5_Update/MD5_Final,
 *	fields A..D and Nl) gives both, so this file uses it.
 * DIAGNOSTICS
 *	Errors are returned in the caller's STR; nothing is printed.
 */

/*
 * MD5_Init, MD5_Update, MD5_Final and MD5_CTX are deprecated in OpenSSL 3
 * but still provided; there is no EVP way to export or import the MD5
 * chaining state that the CRAM-MD5 context is made of (see above).  Only
 * this file needs them, so only this file silences the deprecation.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/rand.h>
#include "pwsecret.h"

#define PW_KEY_LEN	32		/* SHA-256 output */
#define PW_RECORD_MAX	(1 + 1 + PWSECRET_SALT_MAX + 1 + 4 + 3 * (1 + PW_KEY_LEN))

int pwsecret_prohibited(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *) text;
    size_t  i;

    for (i = 0; i < len; i++) {
	if (p[i] < 0x20 || p[i] == 0x7f)
	    return 1;
	if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
	    return 1;
    }
    return 0;
}

/* pw_refusal - why the limited SASLprep refuses a password, or NULL */

static const char *pw_refusal(const char *pw, size_t len)
{
    if (len == 0)
	return "is empty";
    if (len > PWSECRET_PASSWORD_MAX)
	return "is too long";
    if (pwsecret_prohibited(pw, len))
	return "contains a control character";
    return NULL;
}

int pwsecret_valid(const PWSECRET *s)
{
    return s->salt_len >= 1 && s->salt_len <= PWSECRET_SALT_MAX
	&& s->iterations >= PWSECRET_ITER_MIN
	&& s->iterations <= PWSECRET_ITER_MAX;
}

/* scram_keys - StoredKey and ServerKey from a password (RFC 5802 section 3) */

static int scram_keys(const char *pw, size_t len, const unsigned char *salt,
		      size_t salt_len, unsigned iterations,
		      unsigned char stored[PW_KEY_LEN],
		      unsigned char server[PW_KEY_LEN])
{
    unsigned char salted[PW_KEY_LEN], client[PW_KEY_LEN];
    unsigned int mdlen;
    int     ok;

    ok = PKCS5_PBKDF2_HMAC(pw, (int) len, salt, (int) salt_len, (int) iterations,
			   EVP_sha256(), PW_KEY_LEN, salted) == 1
	&& HMAC(EVP_sha256(), salted, PW_KEY_LEN,
		(const unsigned char *) "Client Key", 10, client, &mdlen) != NULL
	&& EVP_Digest(client, PW_KEY_LEN, stored, &mdlen, EVP_sha256(), NULL) == 1
	&& HMAC(EVP_sha256(), salted, PW_KEY_LEN,
		(const unsigned char *) "Server Key", 10, server, &mdlen) != NULL;
    OPENSSL_cleanse(salted, sizeof(salted));
    OPENSSL_cleanse(client, sizeof(client));
    return ok ? 0 : -1;
}

/* md5_state_put - the chaining state A..D, little-endian (Dovecot's layout) */

static void md5_state_put(const MD5_CTX *ctx, unsigned char out[16])
{
    const MD5_LONG v[4] = {ctx->A, ctx->B, ctx->C, ctx->D};
    int     i;

    for (i = 0; i < 4; i++) {
	out[4 * i] = (unsigned char) (v[i] & 0xff);
	out[4 * i + 1] = (unsigned char) (v[i] >> 8 & 0xff);
	out[4 * i + 2] = (unsigned char) (v[i] >> 16 & 0xff);
	out[4 * i + 3] = (unsigned char) (v[i] >> 24 & 0xff);
    }
}

static MD5_LONG get_le32(const unsigned char *p)
{
    return (MD5_LONG) p[0] | (MD5_LONG) p[1] << 8 | (MD5_LONG) p[2] << 16
	| (MD5_LONG) p[3] << 24;
}

/* md5_resume - an MD5_CTX that has hashed one 64-byte block into state */

static void md5_resume(MD5_CTX *ctx, const unsigned char state[16])
{
    MD5_Init(ctx);
    ctx->A = get_le32(state);
    ctx->B = get_le32(state + 4);
    ctx->C = get_le32(state + 8);
    ctx->D = get_le32(state + 12);
    ctx->Nl = 512;			/* bits hashed so far */
    ctx->Nh = 0;
}

/* md5_one_block - the state after hashing key XOR pad (one block) */

static void md5_one_block(const unsigned char key[64], int pad,
			  unsigned char state[16])
{
    unsigned char block[64];
    MD5_CTX ctx;
    int     i;

    for (i = 0; i < 64; i++)
	block[i] = (unsigned char) (key[i] ^ pad);
    MD5_Init(&ctx);
    MD5_Update(&ctx, block, sizeof(block));
    md5_state_put(&ctx, state);
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(&ctx, sizeof(ctx));
}

/* cram_states - the CRAM-MD5 context (RFC 2104 inner and outer states) */

static int cram_states(const char *pw, size_t len, unsigned char inner[16],
		       unsigned char outer[16])
{
    unsigned char key[64];
    unsigned int klen;

    memset(key, 0, sizeof(key));
    if (len > sizeof(key)) {
	if (EVP_Digest(pw, len, key, &klen, EVP_md5(), NULL) != 1)
	    return -1;
    } else {
	memcpy(key, pw, len);
    }
    md5_one_block(key, 0x36, inner);
    md5_one_block(key, 0x5c, outer);
    OPENSSL_cleanse(key, sizeof(key));
    return 0;
}

int pwsecret_make_salted(const char *password, size_t len,
			 unsigned iterations, int with_cram,
			 const unsigned char *salt, size_t salt_len,
			 PWSECRET *s, STR *err)
{
    const char *why;

    memset(s, 0, sizeof(*s));
    if ((why = pw_refusal(password, len)) != NULL) {
	str_printf(err, "password %s", why);
	return -1;
    }
    if (iterations < PWSECRET_ITER_MIN || iterations > PWSECRET_ITER_MAX) {
	str_printf(err, "iteration count %u is outside %u..%u", iterations,
		   (unsigned) PWSECRET_ITER_MIN, (unsigned) PWSECRET_ITER_MAX);
	return -1;
    }
    if (salt_len < 1 || salt_len > PWSECRET_SALT_MAX) {
	str_printf(err, "salt length %lu is outside 1..%d",
		   (unsigned long) salt_len, PWSECRET_SALT_MAX);
	return -1;
    }
    memcpy(s->salt, salt, salt_len);
    s->salt_len = salt_len;
    s->iterations = iterations;
    if (scram_keys(password, len, salt, salt_len, iterations,
		   s->stored_key, s->server_key) < 0) {
	pwsecret_clear(s);
	str_cpy(err, "OpenSSL failed to derive the SCRAM-SHA-256 keys");
	return -1;
    }
    if (with_cram && cram_states(password, len, s->cram_inner, s->cram_outer) < 0) {
	pwsecret_clear(s);
	str_cpy(err, "OpenSSL failed to compute the CRAM-MD5 context");
	return -1;
    }
    s->has_cram = with_cram != 0;
    return 0;
}

int pwsecret_make(const char *password, size_t len, unsigned iterations,
		  int with_cram, PWSECRET *s, STR *err)
{
    unsigned char salt[PWSECRET_SALT_LEN];

    if (RAND_bytes(salt, sizeof(salt)) != 1) {
	memset(s, 0, sizeof(*s));
	str_cpy(err, "RAND_bytes failed: no random salt");
	return -1;
    }
    return pwsecret_make_salted(password, len, iterations, with_cram,
				salt, sizeof(salt), s, err);
}

int pwsecret_check(const PWSECRET *s, const char *password, size_t len)
{
    unsigned char stored[PW_KEY_LEN], server[PW_KEY_LEN];
    int     match;

    if (!pwsecret_valid(s) || pw_refusal(password, len) != NULL)
	return 0;
    if (scram_keys(password, len, s->salt, s->salt_len, s->iterations,
		   stored, server) < 0)
	return 0;
    match = CRYPTO_memcmp(stored, s->stored_key, PW_KEY_LEN) == 0;
    OPENSSL_cleanse(stored, sizeof(stored));
    OPENSSL_cleanse(server, sizeof(server));
    return match;
}

int pwsecret_cram_digest(const PWSECRET *s, const unsigned char *chal,
			 size_t len, unsigned char digest[16])
{
    unsigned char inner[16];
    MD5_CTX ctx;

    if (!s->has_cram)
	return -1;
    md5_resume(&ctx, s->cram_inner);
    MD5_Update(&ctx, chal, len);
    MD5_Final(inner, &ctx);
    md5_resume(&ctx, s->cram_outer);
    MD5_Update(&ctx, inner, sizeof(inner));
    MD5_Final(digest, &ctx);
    OPENSSL_cleanse(inner, sizeof(inner));
    OPENSSL_cleanse(&ctx, sizeof(ctx));
    return 0;
}

void pwsecret_clear(PWSECRET *s)
{
    OPENSSL_cleanse(s, sizeof(*s));
}

/* put_field - one length byte, then the bytes */

static void put_field(STR *out, const unsigned char *p, size_t n)
{
    str_catc(out, (int) n);
    str_catn(out, (const char *) p, n);
}

int pwsecret_encode(const PWSECRET *s, STR *out)
{
    unsigned char iter[4];

    if (!pwsecret_valid(s))
	return -1;
    iter[0] = (unsigned char) (s->iterations >> 24 & 0xff);
    iter[1] = (unsigned char) (s->iterations >> 16 & 0xff);
    iter[2] = (unsigned char) (s->iterations >> 8 & 0xff);
    iter[3] = (unsigned char) (s->iterations & 0xff);
    str_reset(out);
    str_reserve(out, PW_RECORD_MAX);	/* one allocation: no stray copies */
    str_catc(out, PWSECRET_VERSION);
    put_field(out, s->salt, s->salt_len);
    put_field(out, iter, sizeof(iter));
    put_field(out, s->stored_key, PW_KEY_LEN);
    put_field(out, s->server_key, PW_KEY_LEN);
    if (s->has_cram) {
	str_catc(out, 32);
	str_catn(out, (const char *) s->cram_inner, 16);
	str_catn(out, (const char *) s->cram_outer, 16);
    } else {
	str_catc(out, 0);
    }
    return 0;
}

typedef struct PW_READER {
    const unsigned char *p;		/* next byte */
    const unsigned char *end;
    STR    *err;
} PW_READER;

/* get_field - one length-prefixed field of lo..hi bytes, or NULL */

static const unsigned char *get_field(PW_READER *r, const char *name,
				      size_t lo, size_t hi, size_t *len)
{
    const unsigned char *val;

    if (r->p >= r->end) {
	str_printf(r->err, "password secret record truncated before the %s field", name);
	return NULL;
    }
    *len = *r->p++;
    if (*len < lo || *len > hi) {
	if (lo == hi)
	    str_printf(r->err, "password secret record: %s field is %lu bytes, not %lu",
		       name, (unsigned long) *len, (unsigned long) lo);
	else
	    str_printf(r->err, "password secret record: %s field is %lu bytes, not %lu..%lu",
		       name, (unsigned long) *len, (unsigned long) lo,
		       (unsigned long) hi);
	return NULL;
    }
    if ((size_t) (r->end - r->p) < *len) {
	str_printf(r->err, "password secret record truncated in the %s field", name);
	return NULL;
    }
    val = r->p;
    r->p += *len;
    return val;
}

/* decode_fields - the fields after the version byte */

static int decode_fields(PW_READER *r, PWSECRET *s)
{
    const unsigned char *v;
    size_t  n;
    unsigned long iter;

    if ((v = get_field(r, "salt", 1, PWSECRET_SALT_MAX, &n)) == NULL)
	return -1;
    memcpy(s->salt, v, n);
    s->salt_len = n;
    if ((v = get_field(r, "iterations", 4, 4, &n)) == NULL)
	return -1;
    iter = (unsigned long) v[0] << 24 | (unsigned long) v[1] << 16
	| (unsigned long) v[2] << 8 | v[3];
    if (iter < PWSECRET_ITER_MIN || iter > PWSECRET_ITER_MAX) {
	str_printf(r->err, "password secret record: iteration count %lu is outside %u..%u",
		   iter, (unsigned) PWSECRET_ITER_MIN, (unsigned) PWSECRET_ITER_MAX);
	return -1;
    }
    s->iterations = (unsigned) iter;
    if ((v = get_field(r, "stored key", PW_KEY_LEN, PW_KEY_LEN, &n)) == NULL)
	return -1;
    memcpy(s->stored_key, v, n);
    if ((v = get_field(r, "server key", PW_KEY_LEN, PW_KEY_LEN, &n)) == NULL)
	return -1;
    memcpy(s->server_key, v, n);
    if ((v = get_field(r, "CRAM-MD5", 0, 32, &n)) == NULL)
	return -1;
    if (n != 0 && n != 32) {
	str_printf(r->err, "password secret record: CRAM-MD5 field is %lu bytes, not 0 or 32",
		   (unsigned long) n);
	return -1;
    }
    if ((s->has_cram = n == 32) != 0) {
	memcpy(s->cram_inner, v, 16);
	memcpy(s->cram_outer, v + 16, 16);
    }
    if (r->p != r->end) {
	str_printf(r->err, "password secret record: %lu unexpected byte(s) after the last field",
		   (unsigned long) (r->end - r->p));
	return -1;
    }
    return 0;
}

int pwsecret_decode(const unsigned char *p, size_t n, PWSECRET *s, STR *err)
{
    PW_READER r;

    memset(s, 0, sizeof(*s));
    if (n == 0) {
	str_cpy(err, "password secret record is empty");
	return -1;
    }
    if (p[0] != PWSECRET_VERSION) {
	str_printf(err, "password secret record has unknown version %u"
		   " (this program reads version %d): not a password secret,"
		   " or written by a newer version", (unsigned) p[0], PWSECRET_VERSION);
	return -1;
    }
    r.p = p + 1;
    r.end = p + n;
    r.err = err;
    if (decode_fields(&r, s) < 0) {
	pwsecret_clear(s);
	return -1;
    }
    return 0;
}
