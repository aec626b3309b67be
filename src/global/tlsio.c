/*
 * NAME
 *	tlsio - TLS for the servers (OpenSSL), on non-blocking sockets
 * SYNOPSIS
 *	#include "tlsio.h"
 * DESCRIPTION
 *	See tlsio.h for the contract.  tls_server_new() reads the chain
 *	file itself (PEM_read_bio_X509 in a bounded loop) so that it can
 *	check it and name what is wrong, then hands the same certificates to
 *	OpenSSL in file order (SSL_CTX_use_certificate + add1_chain_cert,
 *	which is what SSL_CTX_use_certificate_chain_file does, without
 *	reading the file twice).  The checks, in order: the file opens and
 *	holds PEM certificates; each certificate is issued by the next one
 *	(X509_check_issued: names, key identifiers, key usage) and carries
 *	its signature (X509_verify with the next one's public key), and
 *	that next one is a CA; the server certificate is within its
 *	validity period; the key loads and matches the server certificate.
 *
 *	OpenSSL keeps an error queue per thread: every call that can fail
 *	starts with ERR_clear_error(), and its reasons end up in err.
 * DIAGNOSTICS
 *	"PMDF_TABLE:server_pub.pem (/path): certificate 1 (CN=...) is not
 *	issued by certificate 2 (CN=...): wrong order or missing
 *	intermediate (its issuer is not in the file)", "...: the private
 *	key does not match the server certificate (CN=...) in ...", "...
 *	expired on ...", "...: the file is empty", "...: no certificate in
 *	the file (not PEM?)"; connection errors start with "TLS with
 *	<address> port <port>" (or "TLS on fd <n>" for a non-IP socket).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include "evloop.h"
#include "lnm.h"
#include "mem.h"
#include "msg.h"
#include "tlsio.h"

#define TLS_MAX_CHAIN	   16		/* certificates in the chain file */
#define TLS_MAX_REASONS	   4		/* OpenSSL reasons quoted in err */
#define TLS_CIPHERS_12	   "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!DSS"
#define TLS_SESSION_ID_CTX "PMDF-TLS"
#define TLS_CACHE_SIZE	   20000
#define TLS_CACHE_SECONDS  3600

struct TLS_SERVER {
    SSL_CTX *ctx;
};

struct TLS_CLIENT {
    SSL_CTX *ctx;
    int     verify;
};

struct TLS_CONN {
    SSL    *ssl;
    int     failed;			/* fatal error: no close_notify */
    STR     peer;			/* "192.0.2.1 port 4321", for errors */
};

/* Appends OpenSSL's queued reasons (": a; b") and empties the queue. */
static void add_reasons(STR *err)
{
    unsigned long e;
    const char *reason;
    char    buf[256];
    int     n;

    for (n = 0; n < TLS_MAX_REASONS && (e = ERR_get_error()) != 0;) {
	if ((reason = ERR_reason_error_string(e)) == NULL) {
	    ERR_error_string_n(e, buf, sizeof(buf));
	    reason = buf;
	}
	if (strstr(STR_C(*err), reason) == NULL)	/* OpenSSL repeats itself */
	    str_catf(err, "%s%s", n++ ? "; " : ": ", reason);
    }
    ERR_clear_error();
}

/* No terminal prompts: a passphrase-protected key is an error. */
static int no_passphrase(char *buf, int size, int rwflag, void *ctx)
{
    (void) buf;
    (void) size;
    (void) rwflag;
    (void) ctx;
    return 0;
}

/* "PMDF_TABLE:server_pub.pem (/pmdf/table/server_pub.pem)". */
static void file_label(STR *label, const char *spec, const char *path)
{
    if (strcmp(spec, path) == 0)
	str_cpy(label, spec);
    else
	str_printf(label, "%s (%s)", spec, path);
}

static void bio_to_str(BIO *bio, STR *out)
{
    char   *p = NULL;
    long    n = BIO_get_mem_data(bio, &p);

    str_reset(out);
    if (n > 0 && p)
	str_catn(out, p, (size_t) n);
}

static void subject_text(X509 *cert, STR *out)
{
    BIO    *bio = BIO_new(BIO_s_mem());

    str_reset(out);
    if (bio == NULL)
	return;
    (void) X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    bio_to_str(bio, out);
    BIO_free(bio);
}

static void time_text(const ASN1_TIME *when, STR *out)
{
    BIO    *bio = BIO_new(BIO_s_mem());

    str_reset(out);
    if (bio == NULL)
	return;
    (void) ASN1_TIME_print(bio, when);
    bio_to_str(bio, out);
    BIO_free(bio);
}

static void open_error(const char *label, const char *what, STR *err)
{
    int     saved = errno;

    str_printf(err, "%s: cannot open %s", label, what);
    if (saved) {
	str_catf(err, ": %s", strerror(saved));
	ERR_clear_error();
    } else {
	add_reasons(err);
    }
}

/* Reads every certificate in the file, in order. */
static STACK_OF(X509) *read_chain(const char *label, const char *path, STR *err)
{
    STACK_OF(X509) *chain;
    struct stat st;
    unsigned long e;
    X509   *cert = NULL;
    BIO    *bio;
    int     n;

    ERR_clear_error();
    errno = 0;
    if ((bio = BIO_new_file(path, "r")) == NULL) {
	open_error(label, "the certificate file", err);
	return NULL;
    }
    if ((chain = sk_X509_new_null()) == NULL) {
	BIO_free(bio);
	str_printf(err, "%s: out of memory", label);
	return NULL;
    }
    for (n = 0; n <= TLS_MAX_CHAIN; n++) {
	if ((cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) == NULL)
	    break;
	if (n == TLS_MAX_CHAIN || !sk_X509_push(chain, cert))
	    break;
	cert = NULL;
    }
    BIO_free(bio);
    e = ERR_peek_last_error();
    if (cert != NULL && n == TLS_MAX_CHAIN) {
	str_printf(err, "%s: more than %d certificates in the file", label, TLS_MAX_CHAIN);
    } else if (cert != NULL) {
	str_printf(err, "%s: out of memory", label);
    } else if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM
			   && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
	str_printf(err, "%s: certificate %d cannot be read", label, sk_X509_num(chain) + 1);
	add_reasons(err);
    } else if (sk_X509_num(chain) == 0) {
	str_printf(err, "%s: %s", label, stat(path, &st) == 0 && st.st_size == 0
		   ? "the file is empty" : "no certificate in the file (not PEM?)");
    } else {
	ERR_clear_error();
	return chain;
    }
    ERR_clear_error();
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    return NULL;
}

static int signed_by(X509 *subject, X509 *issuer)
{
    int     ok;

    ok = X509_check_issued(issuer, subject) == X509_V_OK
	&& X509_verify(subject, X509_get0_pubkey(issuer)) == 1;
    ERR_clear_error();
    return ok;
}

/* Why certificate i's issuer is not next: a hint for the administrator. */
static void order_hint(STACK_OF(X509) *chain, int i, STR *err)
{
    X509   *subject = sk_X509_value(chain, i);
    int     k, n = sk_X509_num(chain);

    for (k = 0; k < n; k++) {
	if (k != i && signed_by(subject, sk_X509_value(chain, k))) {
	    str_catf(err, " (certificate %d is its issuer: put each certificate's issuer "
		     "right after it, the server certificate first)", k + 1);
	    return;
	}
    }
    str_cat(err, " (its issuer is not in the file)");
}

static int check_order(const char *label, STACK_OF(X509) *chain, STR *err)
{
    STR     a = STR_INIT, b = STR_INIT;
    X509   *subject, *issuer;
    int     i, rc = 0;

    for (i = 0; rc == 0 && i + 1 < sk_X509_num(chain); i++) {
	subject = sk_X509_value(chain, i);
	issuer = sk_X509_value(chain, i + 1);
	subject_text(subject, &a);
	subject_text(issuer, &b);
	if (!signed_by(subject, issuer)) {
	    str_printf(err, "%s: certificate %d (%s) is not issued by certificate %d (%s): "
		       "wrong order or missing intermediate", label, i + 1, STR_C(a), i + 2,
		       STR_C(b));
	    order_hint(chain, i, err);
	    rc = -1;
	} else if (X509_check_ca(issuer) == 0) {
	    str_printf(err, "%s: certificate %d (%s) signs certificate %d but is not a CA "
		       "certificate", label, i + 2, STR_C(b), i + 1);
	    rc = -1;
	}
    }
    ERR_clear_error();
    str_free(&a);
    str_free(&b);
    return rc;
}

/* The server certificate must be valid now; the others draw a warning. */
static int check_dates(const char *label, STACK_OF(X509) *chain, STR *err)
{
    STR     who = STR_INIT, when = STR_INIT, problem = STR_INIT;
    X509   *cert;
    int     i, rc = 0;

    for (i = 0; rc == 0 && i < sk_X509_num(chain); i++) {
	cert = sk_X509_value(chain, i);
	str_reset(&problem);
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
	    time_text(X509_get0_notAfter(cert), &when);
	    str_printf(&problem, "expired on %s", STR_C(when));
	} else if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
	    time_text(X509_get0_notBefore(cert), &when);
	    str_printf(&problem, "is not valid before %s", STR_C(when));
	}
	if (problem.len == 0)
	    continue;
	subject_text(cert, &who);
	if (i == 0) {
	    str_printf(err, "%s: certificate 1, the server certificate (%s), %s", label,
		       STR_C(who), STR_C(problem));
	    rc = -1;
	} else {
	    msg_warn("%s: certificate %d (%s) %s", label, i + 1, STR_C(who), STR_C(problem));
	}
    }
    ERR_clear_error();
    str_free(&who);
    str_free(&when);
    str_free(&problem);
    return rc;
}

static EVP_PKEY *read_key(const char *label, const char *path, STR *err)
{
    EVP_PKEY *key;
    BIO    *bio;

    ERR_clear_error();
    errno = 0;
    if ((bio = BIO_new_file(path, "r")) == NULL) {
	open_error(label, "the private key file", err);
	return NULL;
    }
    key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    if (key == NULL) {
	str_printf(err, "%s: no private key in the file (empty, not PEM, or protected by "
		   "a passphrase)", label);
	add_reasons(err);
    }
    return key;
}

static int check_key(const char *key_label, const char *cert_label, X509 *cert,
		     EVP_PKEY *key, STR *err)
{
    STR     who = STR_INIT;

    ERR_clear_error();
    if (X509_check_private_key(cert, key) == 1)
	return 0;
    ERR_clear_error();
    subject_text(cert, &who);
    str_printf(err, "%s: the private key does not match the server certificate (%s) "
	       "in %s", key_label, STR_C(who), cert_label);
    str_free(&who);
    return -1;
}

static SSL_CTX *make_ctx(STACK_OF(X509) *chain, EVP_PKEY *key, const char *cert_label,
			 STR *err)
{
    SSL_CTX *ctx;
    int     i, ok;

    ERR_clear_error();
    if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
	str_cpy(err, "TLS: cannot create the server context");
	add_reasons(err);
	return NULL;
    }
    ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
	&& SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12)
	&& SSL_CTX_set_dh_auto(ctx, 1)
	&& SSL_CTX_set_session_id_context(ctx, (const unsigned char *) TLS_SESSION_ID_CTX,
					  sizeof(TLS_SESSION_ID_CTX) - 1)
	&& SSL_CTX_use_certificate(ctx, sk_X509_value(chain, 0))
	&& SSL_CTX_use_PrivateKey(ctx, key);
    for (i = 1; ok && i < sk_X509_num(chain); i++)
	ok = SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i)) != 0;
    if (!ok || !SSL_CTX_check_private_key(ctx)) {
	str_printf(err, "%s: TLS set-up failed", cert_label);
	add_reasons(err);
	SSL_CTX_free(ctx);
	return NULL;
    }
    (void) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION
			       | SSL_OP_NO_COMPRESSION);
    (void) SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
			    | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    (void) SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    (void) SSL_CTX_sess_set_cache_size(ctx, TLS_CACHE_SIZE);
    (void) SSL_CTX_set_timeout(ctx, TLS_CACHE_SECONDS);
    return ctx;
}

/* Loads and checks; *ctx is the result or NULL. */
static void load_server(const char *cert_spec, const char *cert_path, const char *key_spec,
			const char *key_path, SSL_CTX **ctx, STR *err)
{
    STR     cert_label = STR_INIT, key_label = STR_INIT;
    STACK_OF(X509) *chain = NULL;
    EVP_PKEY *key = NULL;

    *ctx = NULL;
    file_label(&cert_label, cert_spec, cert_path);
    file_label(&key_label, key_spec, key_path);
    if ((chain = read_chain(STR_C(cert_label), cert_path, err)) != NULL
	&& check_order(STR_C(cert_label), chain, err) == 0
	&& check_dates(STR_C(cert_label), chain, err) == 0
	&& (key = read_key(STR_C(key_label), key_path, err)) != NULL
	&& check_key(STR_C(key_label), STR_C(cert_label), sk_X509_value(chain, 0), key,
		     err) == 0)
	*ctx = make_ctx(chain, key, STR_C(cert_label), err);
    EVP_PKEY_free(key);
    sk_X509_pop_free(chain, X509_free);
    str_free(&cert_label);
    str_free(&key_label);
}

TLS_SERVER *tls_server_new(const char *cert_spec, const char *key_spec, STR *err)
{
    STR     cert_path = STR_INIT, key_path = STR_INIT;
    TLS_SERVER *ts = NULL;
    SSL_CTX *ctx = NULL;

    if (lnm_file(cert_spec, LNM_READ, &cert_path, err) == 0
	&& lnm_file(key_spec, LNM_READ, &key_path, err) == 0)
	load_server(cert_spec, STR_C(cert_path), key_spec, STR_C(key_path), &ctx, err);
    if (ctx) {
	ts = mem_alloc(sizeof(*ts));
	ts->ctx = ctx;
    }
    str_free(&cert_path);
    str_free(&key_path);
    return ts;
}

void    tls_server_free(TLS_SERVER *ts)
{
    if (ts == NULL)
	return;
    SSL_CTX_free(ts->ctx);
    free(ts);
}

/* Connections. */

static TLS_CONN *conn_setup(SSL_CTX *ctx, int fd, STR *err)
{
    TLS_CONN *tc;
    STR     addr = STR_INIT;
    int     port = 0;

    tc = mem_calloc(1, sizeof(*tc));
    if (port_peer_addr(fd, &addr, &port) == 0)
	str_printf(&tc->peer, "TLS with %s port %d", STR_C(addr), port);
    else
	str_printf(&tc->peer, "TLS on fd %d", fd);
    str_free(&addr);
    ERR_clear_error();
    if ((tc->ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(tc->ssl, fd)) {
	str_printf(err, "%s: cannot set up the connection", STR_C(tc->peer));
	add_reasons(err);
	tc->failed = 1;
	tls_conn_free(tc);
	return NULL;
    }
    return tc;
}

TLS_CONN *tls_conn_new(TLS_SERVER *ts, int fd, STR *err)
{
    TLS_CONN *tc = conn_setup(ts->ctx, fd, err);

    if (tc != NULL)
	SSL_set_accept_state(tc->ssl);
    return tc;
}

/* ---- the client side (pmdf_deliver's STARTTLS) ---------------------- */

TLS_CLIENT *tls_client_new(int verify, const char *ca_spec, STR *err)
{
    STR     path = STR_INIT;
    SSL_CTX *ctx;
    TLS_CLIENT *cl;
    int     ok;

    ERR_clear_error();
    if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
	str_cpy(err, "TLS: cannot create the client context");
	add_reasons(err);
	return NULL;
    }
    ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
	&& SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12);
    if (ok && verify && ca_spec != NULL) {
	if (lnm_file(ca_spec, LNM_READ, &path, err) < 0) {
	    SSL_CTX_free(ctx);
	    return NULL;
	}
	if (!SSL_CTX_load_verify_locations(ctx, STR_C(path), NULL)) {
	    str_printf(err, "%s (%s): cannot load the CA certificates (TLS_CA_FILE)", ca_spec,
		       STR_C(path));
	    add_reasons(err);
	    str_free(&path);
	    SSL_CTX_free(ctx);
	    return NULL;
	}
    } else if (ok && verify) {
	ok = SSL_CTX_set_default_verify_paths(ctx);
    }
    str_free(&path);
    if (!ok) {
	str_cpy(err, "TLS: client set-up failed");
	add_reasons(err);
	SSL_CTX_free(ctx);
	return NULL;
    }
    SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    (void) SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    (void) SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
			    | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    cl = mem_alloc(sizeof(*cl));
    cl->ctx = ctx;
    cl->verify = verify;
    return cl;
}

void    tls_client_free(TLS_CLIENT *cl)
{
    if (cl == NULL)
	return;
    SSL_CTX_free(cl->ctx);
    free(cl);
}

TLS_CONN *tls_conn_client(TLS_CLIENT *cl, int fd, const char *peer_name, STR *err)
{
    unsigned char ip[16];
    TLS_CONN *tc = conn_setup(cl->ctx, fd, err);
    int     is_ip, ok = 1;

    if (tc == NULL)
	return NULL;
    is_ip = peer_name != NULL && (inet_pton(AF_INET, peer_name, ip) == 1
				  || inet_pton(AF_INET6, peer_name, ip) == 1);
    if (peer_name != NULL && *peer_name && !is_ip)
	ok = SSL_set_tlsext_host_name(tc->ssl, peer_name) == 1;
    if (ok && cl->verify && peer_name != NULL && *peer_name) {
	if (is_ip)
	    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tc->ssl), peer_name) == 1;
	else
	    ok = SSL_set1_host(tc->ssl, peer_name) == 1;
    }
    if (!ok) {
	str_printf(err, "%s: cannot set the server name %s", STR_C(tc->peer), peer_name);
	add_reasons(err);
	tc->failed = 1;
	tls_conn_free(tc);
	return NULL;
    }
    SSL_set_connect_state(tc->ssl);
    return tc;
}

int     tls_peer_verified(const TLS_CONN *tc)
{
    X509   *cert = SSL_get1_peer_certificate(tc->ssl);
    int     ok = cert != NULL && SSL_get_verify_result(tc->ssl) == X509_V_OK;

    X509_free(cert);
    return ok;
}

/* Maps SSL_get_error() after a call that returned rc <= 0 (errno: saved). */
static int conn_status(TLS_CONN *tc, int rc, int saved, const char *what, STR *err)
{
    switch (SSL_get_error(tc->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
	str_reset(err);
	return TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
	str_reset(err);
	return TLS_WANT_WRITE;
    case SSL_ERROR_SYSCALL:
	if (ERR_peek_error() == 0) {
	    str_printf(err, "%s: %s: %s", STR_C(tc->peer), what, saved
		       ? strerror(saved) : "the peer closed the connection");
	    break;
	}
	/* FALLTHROUGH */
    default:
	str_printf(err, "%s: %s failed", STR_C(tc->peer), what);
	break;
    }
    add_reasons(err);
    tc->failed = 1;
    return TLS_ERR;
}

/* For tls_read/tls_write: *want is 0 unless the call must be repeated. */
static int want_of(int status)
{
    return status == TLS_ERR ? TLS_OK : status;
}

int     tls_handshake(TLS_CONN *tc, STR *err)
{
    long    v;
    int     rc;

    if (tc->failed) {
	str_printf(err, "%s: the connection has already failed", STR_C(tc->peer));
	return TLS_ERR;
    }
    ERR_clear_error();
    errno = 0;
    if ((rc = SSL_do_handshake(tc->ssl)) == 1)
	return TLS_OK;
    rc = conn_status(tc, rc, errno, "handshake", err);
    /* OpenSSL's reason is only "certificate verify failed": say what failed. */
    if (rc == TLS_ERR && (v = SSL_get_verify_result(tc->ssl)) != X509_V_OK)
	str_catf(err, " (the peer's certificate: %s)", X509_verify_cert_error_string(v));
    return rc;
}

long    tls_read(TLS_CONN *tc, void *buf, size_t len, int *want, STR *err)
{
    size_t  got = 0;
    int     rc, saved;

    if (len > LONG_MAX)
	len = LONG_MAX;
    ERR_clear_error();
    errno = 0;
    if ((rc = SSL_read_ex(tc->ssl, buf, len, &got)) == 1) {
	*want = TLS_OK;
	return (long) got;
    }
    saved = errno;
    if (SSL_get_error(tc->ssl, rc) == SSL_ERROR_ZERO_RETURN) {
	*want = TLS_OK;
	return 0;
    }
    *want = want_of(conn_status(tc, rc, saved, "read", err));
    return -1;
}

long    tls_write(TLS_CONN *tc, const void *buf, size_t len, int *want, STR *err)
{
    size_t  put = 0;
    int     rc;

    *want = TLS_OK;
    if (len == 0)
	return 0;
    if (len > LONG_MAX)
	len = LONG_MAX;
    ERR_clear_error();
    errno = 0;
    if ((rc = SSL_write_ex(tc->ssl, buf, len, &put)) == 1)
	return (long) put;
    *want = want_of(conn_status(tc, rc, errno, "write", err));
    return -1;
}

int     tls_pending(const TLS_CONN *tc)
{
    return SSL_pending(tc->ssl) > 0 || SSL_has_pending(tc->ssl);
}

void    tls_conn_free(TLS_CONN *tc)
{
    if (tc == NULL)
	return;
    if (tc->ssl) {
	ERR_clear_error();
	if (!tc->failed && SSL_is_init_finished(tc->ssl))
	    (void) SSL_shutdown(tc->ssl);
	ERR_clear_error();
	SSL_free(tc->ssl);
    }
    str_free(&tc->peer);
    free(tc);
}

const char *tls_protocol(const TLS_CONN *tc)
{
    if (!SSL_is_init_finished(tc->ssl))
	return "";
    return SSL_get_version(tc->ssl);
}

const char *tls_cipher(const TLS_CONN *tc)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(tc->ssl);
    const char *name = c ? SSL_CIPHER_get_name(c) : NULL;

    return name ? name : "";
}

int     tls_cipher_bits(const TLS_CONN *tc)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(tc->ssl);

    return c ? SSL_CIPHER_get_bits(c, NULL) : 0;
}

int     tls_reused(const TLS_CONN *tc)
{
    return SSL_session_reused(tc->ssl) == 1;
}
