/*
 * NAME
 *	pwsecret - password secrets kept in the password database
 * SYNOPSIS
 *	#include "pwsecret.h"
 *	int pwsecret_make(const char *password, size_t len, unsigned iterations,
 *			  int with_cram, PWSECRET *s, STR *err);
 *	int pwsecret_make_salted(const char *password, size_t len,
 *			  unsigned iterations, int with_cram,
 *			  const unsigned char *salt, size_t salt_len,
 *			  PWSECRET *s, STR *err);
 *	int pwsecret_check(const PWSECRET *s, const char *password, size_t len);
 *	int pwsecret_cram_digest(const PWSECRET *s, const unsigned char *chal,
 *			  size_t len, unsigned char digest[16]);
 *	int pwsecret_encode(const PWSECRET *s, STR *out);
 *	int pwsecret_decode(const unsigned char *p, size_t n, PWSECRET *s,
 *			  STR *err);
 *	int pwsecret_valid(const PWSECRET *s);
 *	int pwsecret_prohibited(const char *text, size_t len);
 *	void pwsecret_clear(PWSECRET *s);
 * DESCRIPTION
 *	The password database never holds a clear-text password.  It holds a
 *	PWSECRET: the SCRAM-SHA-256 verifier of RFC 5802 / RFC 7677 (salt,
 *	iteration count, StoredKey, ServerKey) and, when asked for, a CRAM-MD5
 *	context.
 *
 *	SCRAM-SHA-256: SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, i),
 *	StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key")), ServerKey =
 *	HMAC(SaltedPassword, "Server Key").  Neither lets anybody log in
 *	without first guessing the password (they do let a thief impersonate
 *	the server to SCRAM clients, so the database stays mode 0600).
 *
 *	CRAM-MD5 (RFC 2195) context, in the format of Dovecot's CRAM-MD5
 *	scheme: cram_inner and cram_outer are the MD5 chaining states
 *	(A, B, C, D, each 32 bits little-endian) after hashing the one 64-byte
 *	block K XOR ipad, and K XOR opad, where K is the password padded with
 *	zeros, or MD5(password) when the password is longer than 64 bytes.
 *	THE CRAM-MD5 CONTEXT IS PLAINTEXT-EQUIVALENT FOR CRAM-MD5: whoever
 *	reads it can answer any CRAM-MD5 challenge as the user (though not
 *	recover the password or log in with another mechanism).  Keep it only
 *	for accounts that need CRAM-MD5 (with_cram = 0 otherwise).
 *
 *	pwsecret_make() draws a random 16-byte salt (RAND_bytes);
 *	pwsecret_make_salted() takes the salt (tests, imports).  iterations
 *	must lie in PWSECRET_ITER_MIN..PWSECRET_ITER_MAX.  Passwords are used
 *	as given, bytes without normalisation: the limited SASLprep done here
 *	refuses a password that is empty, longer than PWSECRET_PASSWORD_MAX,
 *	or contains a control character (U+0000..U+001F, U+007F, or the UTF-8
 *	encoded C1 controls U+0080..U+009F), the characters SASLprep (RFC 4013)
 *	prohibits that matter most; there is no NFKC normalisation or mapping,
 *	so a non-ASCII password must be entered the same way every time.
 *
 *	pwsecret_check() recomputes StoredKey from a candidate password and
 *	compares it in constant time: 1 match, 0 no match (also for a password
 *	make() would refuse, and on an internal OpenSSL failure: fail closed).
 *
 *	pwsecret_cram_digest() computes HMAC-MD5(password, chal) from the
 *	stored CRAM-MD5 context: 0 done, -1 no context or OpenSSL failure.
 *
 *	pwsecret_prohibited() says whether text holds a character that the
 *	limited SASLprep refuses (1: yes); sasl.c applies it to user names.
 *
 *	pwsecret_valid() says whether the salt length and iteration count
 *	of a secret are in range (1: yes), e.g. one a lookup function filled.
 *
 *	pwsecret_clear() wipes a PWSECRET (OPENSSL_cleanse); do it before the
 *	memory is released or reused.
 *
 * RECORD FORMAT (pwsecret_encode / pwsecret_decode)
 *	A binary record, all integers big-endian:
 *
 *	    byte 0     version, 1
 *	    then five fields in this order, each one length byte L then L bytes:
 *	    salt        L = 1..64
 *	    iterations  L = 4: unsigned 32-bit, 4096..10000000
 *	    stored_key  L = 32
 *	    server_key  L = 32
 *	    cram        L = 0 (no CRAM-MD5 context) or 32: cram_inner then
 *	                cram_outer (16 bytes each)
 *	    nothing may follow the last field.
 *
 *	With the default 16-byte salt a record is 122 bytes with the CRAM-MD5
 *	context and 90 without.  pwsecret_encode() replaces out and returns 0,
 *	or -1 when s is not a valid secret.  pwsecret_decode() returns 0, or
 *	-1 with a message in err for an empty record, an unknown version, a
 *	truncated record, a bad field length, an iteration count outside
 *	4096..10000000, or trailing bytes.
 * DIAGNOSTICS
 *	The make and decode functions return 0 on success, -1 with a message
 *	in err.  No function prints anything, and none ever puts a password
 *	in a message.
 */
#ifndef PMDF_PWSECRET_H
#define PMDF_PWSECRET_H
#include <stddef.h>
#include "str.h"

#define PWSECRET_SALT_MAX	64
#define PWSECRET_SALT_LEN	16		/* what pwsecret_make() draws */
#define PWSECRET_ITER_MIN	4096		/* RFC 7677 section 4 */
#define PWSECRET_ITER_MAX	10000000	/* beyond this, a typo or an attack */
#define PWSECRET_ITER_DEFAULT	4096
#define PWSECRET_PASSWORD_MAX	1024
#define PWSECRET_VERSION	1

typedef struct PWSECRET {
    unsigned char salt[PWSECRET_SALT_MAX];	/* SCRAM-SHA-256 (RFC 5802/7677) */
    size_t  salt_len;
    unsigned iterations;			/* PWSECRET_ITER_MIN.. */
    unsigned char stored_key[32], server_key[32];
    int     has_cram;				/* CRAM-MD5 context present */
    unsigned char cram_inner[16], cram_outer[16];	/* MD5 states after K^ipad, K^opad */
} PWSECRET;

int pwsecret_make(const char *password, size_t len, unsigned iterations,
		  int with_cram, PWSECRET *s, STR *err);
int pwsecret_make_salted(const char *password, size_t len, unsigned iterations,
			 int with_cram, const unsigned char *salt,
			 size_t salt_len, PWSECRET *s, STR *err);
int pwsecret_check(const PWSECRET *s, const char *password, size_t len);
int pwsecret_cram_digest(const PWSECRET *s, const unsigned char *chal,
			 size_t len, unsigned char digest[16]);
int pwsecret_encode(const PWSECRET *s, STR *out);
int pwsecret_decode(const unsigned char *p, size_t n, PWSECRET *s, STR *err);
int pwsecret_valid(const PWSECRET *s);
int pwsecret_prohibited(const char *text, size_t len);
void pwsecret_clear(PWSECRET *s);

#endif
