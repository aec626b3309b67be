/*
 * NAME
 *	sasl - server side of SASL: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256
 * SYNOPSIS
 *	#include "sasl.h"
 *	SASL_SERVER *sasl_server_new(const char *mech, const char *hostname,
 *			int secure_channel, SASL_LOOKUP_FN fn, void *ctx, STR *err);
 *	int sasl_server_start(SASL_SERVER *s, const unsigned char *initial,
 *			size_t len, int has_initial, STR *out, STR *err);
 *	int sasl_server_step(SASL_SERVER *s, const unsigned char *in,
 *			size_t len, STR *out, STR *err);
 *	const char *sasl_server_user(const SASL_SERVER *s);
 *	const char *sasl_server_authzid(const SASL_SERVER *s);
 *	const char *sasl_server_reason(const SASL_SERVER *s);
 *	int sasl_server_tempfail(const SASL_SERVER *s);
 *	void sasl_server_free(SASL_SERVER *s);
 *	void sasl_mechanisms(int secure_channel, STR *out);
 *	int sasl_b64_encode(const unsigned char *p, size_t n, STR *out);
 *	int sasl_b64_decode(const char *text, STR *out, STR *err);
 *	void sasl_server_set_nonce(SASL_SERVER *s, const char *nonce);
 * DESCRIPTION
 *	One SASL_SERVER runs one authentication exchange.  The protocol layer
 *	(SMTP AUTH, POP3 AUTH, IMAP AUTHENTICATE) moves raw, base64-decoded
 *	messages in and out; sasl_b64_*() do the base64 with the strictness
 *	those protocols want.
 *
 *	sasl_server_new() takes a mechanism name (case-blind), the host name
 *	for the CRAM-MD5 challenge (NULL: "localhost"), whether the channel
 *	is protected by TLS, and the password-database lookup:
 *
 *	    int fn(const char *user, PWSECRET *out, void *ctx, STR *err);
 *
 *	returning 1 (found, *out filled), 0 (no such user) or -1 (database
 *	error, message in err).  The lookup does any service -> DEFAULT
 *	fallback itself.  PLAIN and LOGIN send the password itself, so
 *	sasl_server_new() refuses them (NULL, err says why) unless
 *	secure_channel; unknown mechanisms likewise.
 *
 *	sasl_server_start() begins the exchange with the client's initial
 *	response, if any (has_initial; an initial response may be empty).
 *	sasl_server_step() takes each further client message.  Both return:
 *
 *	    SASL_CONTINUE  out holds the next raw challenge (may be empty)
 *	    SASL_OK        authenticated; out holds final server data,
 *	                   possibly empty (SCRAM's "v=..."), which the
 *	                   protocol layer must still send to the client
 *	    SASL_FAIL      err holds a message for the client that never
 *	                   tells whether the user exists;
 *	                   sasl_server_reason() holds the full story for
 *	                   the log, sasl_server_tempfail() says whether the
 *	                   cause was temporary (lookup error, no randomness:
 *	                   answer 454 rather than 535)
 *
 *	After SASL_OK or SASL_FAIL every further call fails and changes
 *	nothing (the user, authzid and reason stand); so does a second
 *	sasl_server_start().  A client that
 *	cancels ("*") is the protocol layer's business: free the server.
 *
 *	sasl_server_user() is the authenticated authentication identity and
 *	sasl_server_authzid() the authorization identity the client asked
 *	for (NULL when none, or before SASL_OK).  THE CALLER MUST DECIDE
 *	whether the user may act as that authzid, and refuse otherwise.
 *
 *	sasl_mechanisms() replaces out with the mechanisms to advertise:
 *	"SCRAM-SHA-256 CRAM-MD5 PLAIN LOGIN", or without PLAIN and LOGIN
 *	when the channel is not secure.
 *
 *	sasl_b64_encode() replaces out with the base64 of n bytes ("" for
 *	none: a protocol that writes an empty initial response as "=" adds
 *	it); it returns 0, or -1 when n is absurdly large.
 *	sasl_b64_decode() replaces out with the decoded bytes (out may then
 *	hold NUL bytes; out->len counts them) and returns 0, or -1 with a
 *	message in err.  It is strict: "" and "=" both mean empty; otherwise
 *	the length must be a multiple of 4, only A-Z a-z 0-9 + / may appear
 *	before at most two "=" at the very end, the unused bits of the last
 *	character must be zero (one encoding per byte string), no white
 *	space, and at most SASL_MSG_MAX bytes decoded.  The decoded bytes
 *	are written straight into one allocation of out, so the only copy
 *	of a password is the one the caller wipes (OPENSSL_cleanse).
 *
 *	sasl_server_set_nonce() is for tests only: it fixes the SCRAM server
 *	nonce (the part after the client's) or the whole CRAM-MD5 challenge
 *	(printable ASCII, no comma, at most 255 bytes).
 * SECURITY
 *	Bounds: a client message is at most SASL_MSG_MAX (8 KiB) bytes, user
 *	names and authzids at most SASL_NAME_MAX (255) bytes, with no control
 *	character (so no NUL, CR or LF).
 *
 *	SASLprep (RFC 4013) is limited, the same for names and passwords:
 *	names with a control character (U+0000..U+001F, U+007F, UTF-8 C1
 *	controls U+0080..U+009F) are refused; passwords likewise (see
 *	pwsecret.h); there is no NFKC normalisation or mapping, so non-ASCII
 *	strings must be typed identically each time.
 *
 *	Clear-text passwords (PLAIN, LOGIN) are checked where they lie in
 *	the caller's buffer and never copied; all derived keys and the
 *	looked-up PWSECRET are wiped with OPENSSL_cleanse.
 *
 *	SCRAM-SHA-256 (RFC 5802, RFC 7677): no channel binding.  The gs2
 *	header "n,," and "y,," (client could bind, thinks we cannot: true,
 *	since -PLUS is not offered) are accepted, with "a=authzid" between
 *	the commas; "p=..." fails with a clear message; a mandatory
 *	extension ("m=") fails; other extensions are ignored.  For an unknown
 *	user the exchange goes on with a made-up salt (a hash of the host
 *	name and the user name, so it is stable per user) and
 *	PWSECRET_ITER_DEFAULT iterations, and fails only at the proof: a
 *	client cannot tell from a single exchange that the user is unknown.
 *	(Someone who knows this algorithm, or a site whose users have other
 *	iteration counts, can still tell; the log reason says which.)
 *
 *	CRAM-MD5 (RFC 2195) needs the CRAM-MD5 context in the user's secret;
 *	without it the exchange fails: the client sees only "authentication
 *	failed", the log reason says that CRAM-MD5 is unavailable for the
 *	account.  The challenge is "<random.time@hostname>".
 *
 *	PLAIN (RFC 4616) needs exactly two NUL separators, a non-empty
 *	authcid and password; an empty authzid means none.  LOGIN asks
 *	"Username:" then "Password:" (an initial response is the user name).
 *	For an unknown user PLAIN and LOGIN still run one PBKDF2, so the
 *	time taken does not tell either.
 * DIAGNOSTICS
 *	Functions that fail put a message in err; nothing is printed and no
 *	message ever contains a password.  Misuse (NULL server) panics.
 */
#ifndef PMDF_SASL_H
#define PMDF_SASL_H
#include <stddef.h>
#include "str.h"
#include "pwsecret.h"

#define SASL_OK		0
#define SASL_CONTINUE	1
#define SASL_FAIL	(-1)

#define SASL_MSG_MAX	8192	/* bytes in one decoded client message */
#define SASL_NAME_MAX	255	/* bytes in a user name or authzid */

typedef struct SASL_SERVER SASL_SERVER;
typedef int (*SASL_LOOKUP_FN) (const char *user, PWSECRET *out, void *ctx, STR *err);

SASL_SERVER *sasl_server_new(const char *mech, const char *hostname,
			     int secure_channel, SASL_LOOKUP_FN fn, void *ctx,
			     STR *err);
int sasl_server_start(SASL_SERVER *s, const unsigned char *initial, size_t len,
		      int has_initial, STR *out, STR *err);
int sasl_server_step(SASL_SERVER *s, const unsigned char *in, size_t len,
		     STR *out, STR *err);
const char *sasl_server_user(const SASL_SERVER *s);
const char *sasl_server_authzid(const SASL_SERVER *s);
const char *sasl_server_reason(const SASL_SERVER *s);
int sasl_server_tempfail(const SASL_SERVER *s);
void sasl_server_free(SASL_SERVER *s);
void sasl_mechanisms(int secure_channel, STR *out);
int sasl_b64_encode(const unsigned char *p, size_t n, STR *out);
int sasl_b64_decode(const char *text, STR *out, STR *err);
void sasl_server_set_nonce(SASL_SERVER *s, const char *nonce);

#endif
