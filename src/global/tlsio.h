/*
 * NAME
 *	tlsio - TLS for the servers (OpenSSL), on non-blocking sockets
 * SYNOPSIS
 *	#include "tlsio.h"
 *
 *	TLS_SERVER *tls_server_new(const char *cert_spec, const char *key_spec, STR *err);
 *	void tls_server_free(TLS_SERVER *ts);
 *	TLS_CONN *tls_conn_new(TLS_SERVER *ts, int fd, STR *err);
 *	int tls_handshake(TLS_CONN *tc, STR *err);
 *	long tls_read(TLS_CONN *tc, void *buf, size_t len, int *want, STR *err);
 *	long tls_write(TLS_CONN *tc, const void *buf, size_t len, int *want, STR *err);
 *	int tls_pending(const TLS_CONN *tc);
 *	void tls_conn_free(TLS_CONN *tc);
 *	const char *tls_protocol(const TLS_CONN *tc);
 *	const char *tls_cipher(const TLS_CONN *tc);
 *	int tls_cipher_bits(const TLS_CONN *tc);
 *	int tls_reused(const TLS_CONN *tc);
 *
 *	TLS_CLIENT *tls_client_new(int verify, const char *ca_spec, STR *err);
 *	void tls_client_free(TLS_CLIENT *cl);
 *	TLS_CONN *tls_conn_client(TLS_CLIENT *cl, int fd, const char *peer_name,
 *				  STR *err);
 *	int tls_peer_verified(const TLS_CONN *tc);
 * DESCRIPTION
 *	tls_server_new() loads the certificate chain from cert_spec (a
 *	logical-name spec, e.g. PMDF_TABLE:server_pub.pem: the server
 *	certificate first, then the intermediates, then optionally the root)
 *	and the key from key_spec (PMDF_TABLE:server_priv.pem), and checks
 *	them before any client arrives: every certificate must be signed by
 *	the next one in the file (a wrong order or a missing intermediate is
 *	an error naming the file and the certificates' subjects), the key
 *	must match the server certificate, and an expired server certificate
 *	is an error.  Protocols: TLS 1.2 and 1.3 only; ciphers: forward
 *	secret AEAD suites; server cipher preference; session resumption by
 *	session cache and tickets.
 *
 *	The connection functions work on a non-blocking socket: TLS_OK (the
 *	handshake is done), TLS_WANT_READ / TLS_WANT_WRITE (call again when
 *	the socket is ready for that: *want tells which for read/write), or
 *	TLS_ERR (err says why; the connection is finished).  tls_read()
 *	returns the bytes read, 0 at a clean close, -1 when it must wait or
 *	failed (see *want, err).  tls_pending() says whether decrypted bytes
 *	are buffered inside OpenSSL (read them before waiting on the socket).
 *	tls_protocol()/tls_cipher()/tls_cipher_bits() describe the session
 *	for the Received: header and the log.
 *
 *	Details of the contract:
 *	- The chain file is served as it is, in its order (what
 *	  SSL_CTX_use_certificate_chain_file() would do), so a client gets the
 *	  server certificate and the intermediates it needs.  A certificate
 *	  that signs the one before it must be a CA certificate.  A server
 *	  certificate that is expired or not yet valid is an error; an expired
 *	  intermediate or root only draws a warning (msg_warn): clients may
 *	  build another path, as with cross-signed roots.  A file with only
 *	  the server certificate is accepted (its issuer cannot be checked
 *	  without the clients' trust store).  Files are read with no
 *	  passphrase prompt: a protected key is an error.
 *	- TLS 1.2 ciphers: ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20
 *	  (no anonymous or DSS suites); TLS 1.3 suites are OpenSSL's (all
 *	  AEAD).  Renegotiation is refused.  Session cache: server side, 20,000
 *	  sessions, one hour; tickets (TLS 1.2 and 1.3) are keyed per process,
 *	  so a session resumes in the server process that made it.  Idle
 *	  connections give their buffers back (SSL_MODE_RELEASE_BUFFERS).
 *	- tls_write() may write less than len (partial writes are enabled);
 *	  after TLS_WANT_* call it again with the same bytes (the buffer may
 *	  have moved).  len == 0 returns 0.
 *	- *want is TLS_WANT_READ or TLS_WANT_WRITE (err empty) when the call
 *	  must be repeated, and 0 (TLS_OK) otherwise: after success, after
 *	  tls_read()'s clean close, and when the connection failed (-1 with
 *	  err set).  So "-1 and *want == 0" means failed.
 *	- tls_conn_free() sends close_notify (once, without waiting) when the
 *	  session was established and did not fail, then frees; it does not
 *	  close the socket.  Programs ignore SIGPIPE, as OpenSSL writes to
 *	  the socket directly.
 *	- tls_reused() is 1 when the client resumed an earlier session.
 *	- tls_protocol() and tls_cipher() return OpenSSL's names ("TLSv1.3",
 *	  "TLS_AES_256_GCM_SHA384"), or "" before the handshake.
 *
 *	The client side (STARTTLS in pmdf_deliver's SMTP client):
 *	tls_client_new() makes a context (TLS 1.2 and 1.3, the same 1.2
 *	ciphers, no renegotiation).  With verify the server's certificate
 *	must chain to a trusted root and match the name given to
 *	tls_conn_client(): the roots are the PEM file ca_spec (a logical-name
 *	spec; its certificates alone are trusted) or, when ca_spec is NULL,
 *	the system's default CA store.  Without verify any certificate is
 *	accepted (opportunistic TLS, as Postfix's "may": encryption without
 *	authentication).  tls_conn_client() sets up a connection on a
 *	non-blocking socket that has finished its TCP connect; peer_name
 *	(a host name, sent as SNI, or an IP address) is what the
 *	certificate must match.  The handshake, reading, writing and freeing
 *	are the server side's functions.  tls_peer_verified() is 1 when the
 *	server sent a certificate and it verified (always 0 without verify).
 * DIAGNOSTICS
 *	Errors name the file or the peer and include OpenSSL's reason.
 *	tls_server_new() and tls_conn_new() return NULL with err set.
 */
#ifndef PMDF_TLSIO_H
#define PMDF_TLSIO_H
#include <stddef.h>
#include "str.h"

#define TLS_OK		0
#define TLS_WANT_READ	1
#define TLS_WANT_WRITE	2
#define TLS_ERR		(-1)

typedef struct TLS_SERVER TLS_SERVER;
typedef struct TLS_CONN TLS_CONN;
typedef struct TLS_CLIENT TLS_CLIENT;

TLS_SERVER *tls_server_new(const char *cert_spec, const char *key_spec, STR *err);
void tls_server_free(TLS_SERVER *ts);
TLS_CONN *tls_conn_new(TLS_SERVER *ts, int fd, STR *err);
int tls_handshake(TLS_CONN *tc, STR *err);
long tls_read(TLS_CONN *tc, void *buf, size_t len, int *want, STR *err);
long tls_write(TLS_CONN *tc, const void *buf, size_t len, int *want, STR *err);
int tls_pending(const TLS_CONN *tc);
void tls_conn_free(TLS_CONN *tc);
const char *tls_protocol(const TLS_CONN *tc);
const char *tls_cipher(const TLS_CONN *tc);
int tls_cipher_bits(const TLS_CONN *tc);
int tls_reused(const TLS_CONN *tc);
TLS_CLIENT *tls_client_new(int verify, const char *ca_spec, STR *err);
void tls_client_free(TLS_CLIENT *cl);
TLS_CONN *tls_conn_client(TLS_CLIENT *cl, int fd, const char *peer_name, STR *err);
int tls_peer_verified(const TLS_CONN *tc);

#endif
