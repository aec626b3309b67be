/*
 * NAME
 *	t_tlsio - TLS start-up checks and a real handshake with openssl s_client
 * SYNOPSIS
 *	t_tlsio
 * DESCRIPTION
 *	Makes its own PKI at run time in a temporary directory with the
 *	openssl command (root CA, intermediate CA, a server certificate for
 *	localhost with subjectAltName, an unrelated key), plus an expired and
 *	a not-yet-valid server certificate made with OpenSSL's C API, and a
 *	tailor file with PMDF_TABLE pointing there (every other PMDF_ and
 *	PMAS_ variable removed).  Then tls_server_new() must accept the good
 *	chain (with and without the root, and a lone certificate) and refuse,
 *	naming the file and the subjects: the wrong order, a missing
 *	intermediate, a key that does not match, an expired or not yet
 *	valid server certificate, an empty file, a file that is not PEM, a
 *	damaged certificate, a missing file, a passphrase-protected key.
 *
 *	Then a child process serves TLS on a non-blocking loopback socket
 *	with tlsio and evloop (after the handshake it greets with the
 *	protocol, cipher, bits and whether the session was resumed, answers
 *	"250 <line>" to each line and "221 bye" to "quit"), and the parent
 *	drives it with "openssl s_client", a client nobody here wrote: the
 *	certificate verifies against the root (host name localhost), the
 *	chain is served in order, TLS 1.3 and 1.2 work, TLS 1.1 is refused,
 *	data echoes both ways (200 KB too), and sessions resume (tickets
 *	with TLS 1.3 and 1.2, the session cache with TLS 1.2 -no_ticket).
 *	The child logs each connection to server.log, which is checked too.
 *
 *	Without the openssl command the whole test skips, naming the package.
 * DIAGNOSTICS
 *	TAP on standard output; exit status 0 when every test passed.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "evloop.h"
#include "lnm.h"
#include "str.h"
#include "tap.h"
#include "tenv.h"
#include "tlsio.h"

#define ROOT_CN	  "PMDF Test Root CA"
#define INTER_CN  "PMDF Test Intermediate CA"
#define BIG_LINES 200			/* lines of the big echo */
#define BIG_LEN	  1000			/* bytes per big line */

typedef struct ENVT {
    int     port;
    STR     cmd;
} ENVT;

/* Files (in the tenv directory) and commands. */

static int slurp(const char *name, STR *out)
{
    FILE   *fp;
    char    buf[4096];
    size_t  n;

    str_reset(out);
    fp = fopen(tenv_path(name), "r");
    if (fp == NULL)
	return -1;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
	str_catn(out, buf, n);
    fclose(fp);
    return 0;
}

/* out = the files named in list (space separated), concatenated. */
static int cat_files(const char *out, const char *list)
{
    STR     all = STR_INIT, one = STR_INIT, name = STR_INIT;
    const char *p = list, *q;
    int     rc = 0;

    while (*p && rc == 0) {
	q = strchr(p, ' ');
	str_cpyn(&name, p, q ? (size_t) (q - p) : strlen(p));
	rc = slurp(STR_C(name), &one);
	str_catn(&all, STR_C(one), one.len);
	p = q ? q + 1 : p + strlen(p);
    }
    if (rc == 0)
	tenv_put(out, STR_C(all), all.len);
    str_free(&all);
    str_free(&one);
    str_free(&name);
    return rc;
}

/* Runs a shell command in the directory; its output goes to cmd.log. */
static int run(ENVT *env, const char *fmt, const char *a, const char *b)
{
    STR     inner = STR_INIT;
    int     rc;

    str_printf(&inner, fmt, a ? a : "", b ? b : "");
    str_printf(&env->cmd, "cd '%s' && ( %s ) >>cmd.log 2>&1", tenv_dir(), STR_C(inner));
    rc = system(STR_C(env->cmd));
    str_free(&inner);
    return rc;
}

/* The PKI, with the openssl command. */
static int make_pki(ENVT *env)
{
    static const char *const step[] = {
	"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	"-keyout root.key -out root.pem -days 3650 -subj '/CN=" ROOT_CN "' "
	"-addext 'basicConstraints=critical,CA:TRUE' "
	"-addext 'keyUsage=critical,keyCertSign,cRLSign'",
	"openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	"-keyout inter.key -out inter.csr -subj '/CN=" INTER_CN "'",
	"printf 'basicConstraints=critical,CA:TRUE,pathlen:0\\n"
	"keyUsage=critical,keyCertSign,cRLSign\\n' >inter.ext",
	"openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 "
	"-days 3650 -extfile inter.ext -out inter.pem",
	"openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
	"-subj '/CN=localhost'",
	"printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature,"
	"keyEncipherment\\nextendedKeyUsage=serverAuth\\n"
	"subjectAltName=DNS:localhost,IP:127.0.0.1\\n' >server.ext",
	"openssl x509 -req -in server.csr -CA inter.pem -CAkey inter.key -set_serial 3 "
	"-days 825 -extfile server.ext -out server.pem",
	"openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out other.key",
	"openssl pkey -in server.key -aes256 -passout pass:secret -out locked.key",
    };
    size_t  i;

    for (i = 0; i < sizeof(step) / sizeof(step[0]); i++) {
	if (run(env, step[i], NULL, NULL) != 0) {
	    tap_diag("failed: %s (see %s)", step[i], tenv_path("cmd.log"));
	    return -1;
	}
    }
    return 0;
}

static X509 *load_cert(const char *name)
{
    X509   *cert = NULL;
    FILE   *fp;

    if ((fp = fopen(tenv_path(name), "r")) != NULL) {
	cert = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
    }
    return cert;
}

static EVP_PKEY *load_key(const char *name)
{
    EVP_PKEY *key = NULL;
    FILE   *fp;

    if ((fp = fopen(tenv_path(name), "r")) != NULL) {
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
    }
    return key;
}

/* A server certificate valid from..to days from now, signed by inter. */
static int make_dated(const char *name, long from_days, long to_days)
{
    X509   *ca = load_cert("inter.pem"), *x = X509_new();
    EVP_PKEY *ca_key = load_key("inter.key"), *key = load_key("server.key");
    FILE   *fp = NULL;
    int     ok;

    ok = ca && x && ca_key && key && X509_set_version(x, 2)
	&& ASN1_INTEGER_set(X509_get_serialNumber(x), 100 + from_days)
	&& X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400L)
	&& X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400L)
	&& X509_set_pubkey(x, key)
	&& X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				      (const unsigned char *) "localhost", -1, -1, 0)
	&& X509_set_issuer_name(x, X509_get_subject_name(ca))
	&& X509_sign(x, ca_key, EVP_sha256()) > 0;
    if (ok && (fp = fopen(tenv_path(name), "w")) != NULL) {
	ok = PEM_write_X509(fp, x);
	fclose(fp);
    }
    X509_free(ca);
    X509_free(x);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    return ok && fp ? 0 : -1;
}

static int make_files(void)
{
    int     rc = 0;				/* in order: later files use earlier ones */

    rc |= cat_files("good.pem", "server.pem inter.pem root.pem");
    rc |= cat_files("noroot.pem", "server.pem inter.pem");
    rc |= cat_files("wrongorder.pem", "inter.pem server.pem root.pem");
    rc |= cat_files("nointer.pem", "server.pem root.pem");
    rc |= make_dated("expired1.pem", -30, -1);
    rc |= cat_files("expired.pem", "expired1.pem inter.pem root.pem");
    rc |= make_dated("future1.pem", 2, 30);
    rc |= cat_files("future.pem", "future1.pem inter.pem root.pem");
    rc |= cat_files("toolong.pem", "good.pem good.pem good.pem good.pem good.pem good.pem");
    tenv_put_text("empty.pem", "");
    tenv_put_text("notpem.pem", "This is not a certificate.\n");
    tenv_put_text("damaged.pem", "-----BEGIN CERTIFICATE-----\nMIIB!!not*base64\n"
		  "-----END CERTIFICATE-----\n");
    return rc;
}

/* Start-up checks. */

/* tls_server_new() must fail with err containing each of the NULL-ended words. */
static void expect_refusal(const char *cert, const char *key, const char *what, ...)
{
    STR     err = STR_INIT;
    TLS_SERVER *ts = tls_server_new(cert, key, &err);
    const char *word;
    va_list ap;
    int     ok = ts == NULL;

    va_start(ap, what);
    while ((word = va_arg(ap, const char *)) != NULL) {
	if (strstr(STR_C(err), word) == NULL) {
	    if (ok)
		tap_diag("missing \"%s\"", word);
	    ok = 0;
	}
    }
    va_end(ap);
    tap_ok(ok, "%s: %s", what, STR_C(err));
    tls_server_free(ts);
    str_free(&err);
}

static void test_startup(void)
{
    STR     err = STR_INIT;
    TLS_SERVER *ts;

    ts = tls_server_new("PMDF_TABLE:good.pem", "PMDF_TABLE:server.key", &err);
    tap_ok(ts != NULL, "server, intermediate, root: loads (%s)", STR_C(err));
    tls_server_free(ts);
    ts = tls_server_new("PMDF_TABLE:noroot.pem", "PMDF_TABLE:server.key", &err);
    tap_ok(ts != NULL, "server, intermediate (no root): loads (%s)", STR_C(err));
    tls_server_free(ts);
    ts = tls_server_new("PMDF_TABLE:server.pem", "PMDF_TABLE:server.key", &err);
    tap_ok(ts != NULL, "a lone server certificate loads (%s)", STR_C(err));
    tls_server_free(ts);
    ts = tls_server_new("PMDF_TABLE:root.pem", "PMDF_TABLE:root.key", &err);
    tap_ok(ts != NULL, "a lone self-signed certificate loads (%s)", STR_C(err));
    tls_server_free(ts);

    expect_refusal("PMDF_TABLE:wrongorder.pem", "PMDF_TABLE:server.key", "wrong order",
		   "PMDF_TABLE:wrongorder.pem", tenv_dir(),
		   "certificate 1 (CN=" INTER_CN ") is not issued by certificate 2 "
		   "(CN=localhost)", "wrong order or missing intermediate",
		   "certificate 3 is its issuer", (const char *) NULL);
    expect_refusal("PMDF_TABLE:nointer.pem", "PMDF_TABLE:server.key", "missing intermediate",
		   "PMDF_TABLE:nointer.pem", "certificate 1 (CN=localhost) is not issued by "
		   "certificate 2 (CN=" ROOT_CN ")", "missing intermediate",
		   "its issuer is not in the file", (const char *) NULL);
    expect_refusal("PMDF_TABLE:good.pem", "PMDF_TABLE:other.key", "key that does not match",
		   "PMDF_TABLE:other.key", "does not match", "CN=localhost",
		   "PMDF_TABLE:good.pem", (const char *) NULL);
    expect_refusal("PMDF_TABLE:good.pem", "PMDF_TABLE:inter.key", "the intermediate's key",
		   "PMDF_TABLE:inter.key", "does not match", (const char *) NULL);
    expect_refusal("PMDF_TABLE:expired.pem", "PMDF_TABLE:server.key", "expired server "
		   "certificate", "PMDF_TABLE:expired.pem", "CN=localhost", "expired on",
		   (const char *) NULL);
    expect_refusal("PMDF_TABLE:future.pem", "PMDF_TABLE:server.key", "not yet valid",
		   "PMDF_TABLE:future.pem", "not valid before", (const char *) NULL);
    expect_refusal("PMDF_TABLE:empty.pem", "PMDF_TABLE:server.key", "empty file",
		   "PMDF_TABLE:empty.pem", "empty", (const char *) NULL);
    expect_refusal("PMDF_TABLE:notpem.pem", "PMDF_TABLE:server.key", "not PEM",
		   "PMDF_TABLE:notpem.pem", "no certificate", (const char *) NULL);
    expect_refusal("PMDF_TABLE:damaged.pem", "PMDF_TABLE:server.key", "damaged PEM",
		   "PMDF_TABLE:damaged.pem", "certificate 1 cannot be read", (const char *) NULL);
    expect_refusal("PMDF_TABLE:toolong.pem", "PMDF_TABLE:server.key", "18 certificates",
		   "PMDF_TABLE:toolong.pem", "more than 16 certificates", (const char *) NULL);
    expect_refusal("PMDF_TABLE:nosuch.pem", "PMDF_TABLE:server.key", "missing file",
		   "PMDF_TABLE:nosuch.pem", "cannot open", (const char *) NULL);
    expect_refusal("PMDF_TABLE:good.pem", "PMDF_TABLE:locked.key", "passphrase-protected key",
		   "PMDF_TABLE:locked.key", "passphrase", (const char *) NULL);
    expect_refusal("PMDF_TABLE:good.pem", "PMDF_TABLE:good.pem", "a certificate file as key",
		   "PMDF_TABLE:good.pem", "no private key", (const char *) NULL);
    expect_refusal("NO_SUCH_LOGICAL:good.pem", "PMDF_TABLE:server.key", "undefined logical",
		   "NO_SUCH_LOGICAL", (const char *) NULL);
    str_free(&err);
}

/* In process: an OpenSSL client on a socketpair, for the exact return values. */

static SSL *test_client(SSL_CTX **cctx, int fd)
{
    SSL    *ssl = NULL;

    *cctx = SSL_CTX_new(TLS_client_method());
    if (*cctx && SSL_CTX_load_verify_locations(*cctx, tenv_path("root.pem"), NULL) == 1) {
	SSL_CTX_set_verify(*cctx, SSL_VERIFY_PEER, NULL);
	if ((ssl = SSL_new(*cctx)) != NULL) {
	    (void) SSL_set1_host(ssl, "localhost");
	    (void) SSL_set_fd(ssl, fd);
	    SSL_set_connect_state(ssl);
	}
    }
    return ssl;
}

/* Alternates both sides until both finish the handshake. */
static int both_handshake(SSL *cli, TLS_CONN *tc, STR *err)
{
    int     i, rc, e, c_done = 0, s_done = 0;

    for (i = 0; i < 200 && !(c_done && s_done); i++) {
	if (!c_done) {
	    if ((rc = SSL_connect(cli)) == 1)
		c_done = 1;
	    else if ((e = SSL_get_error(cli, rc)) != SSL_ERROR_WANT_READ
		     && e != SSL_ERROR_WANT_WRITE)
		return -1;
	}
	if (!s_done) {
	    if ((rc = tls_handshake(tc, err)) == TLS_OK)
		s_done = 1;
	    else if (rc == TLS_ERR)
		return -1;
	}
    }
    return c_done && s_done ? 0 : -1;
}

/* The client reads whatever is there into got. */
static void client_drain(SSL *cli, STR *got)
{
    char    buf[16384];
    size_t  n;
    int     i;

    for (i = 0; i < 10000 && SSL_read_ex(cli, buf, sizeof(buf), &n) == 1; i++)
	str_catn(got, buf, n);
    ERR_clear_error();
}

/* 1 MB from the server: partial writes, TLS_WANT_WRITE, a moved buffer. */
static void test_big_write(SSL *cli, TLS_CONN *tc)
{
    STR     data = STR_INIT, got = STR_INIT, err = STR_INIT;
    char   *copy = NULL;
    size_t  off = 0, total = 1 << 20;
    long    n;
    int     want, i, waited = 0, partial = 0, moved = 0;

    for (i = 0; (size_t) i < total; i++)
	str_catc(&data, 'A' + i % 53);
    for (i = 0; i < 100000 && off < total; i++) {
	n = tls_write(tc, copy ? copy : data.s + off, total - off, &want, &err);
	if (n > 0) {
	    partial |= (size_t) n < total - off;
	    off += (size_t) n;
	    free(copy);
	    copy = NULL;
	} else if (want == TLS_WANT_WRITE) {
	    waited = 1;
	    if (copy == NULL) {			/* same bytes, somewhere else */
		copy = malloc(total - off);
		memcpy(copy, data.s + off, total - off);
		moved = 1;
	    }
	    client_drain(cli, &got);
	} else {
	    break;
	}
    }
    client_drain(cli, &got);
    free(copy);
    tap_ok(waited && partial, "1 MB write: partial writes and TLS_WANT_WRITE when the "
	   "socket is full");
    tap_ok(off == total && got.len == total && memcmp(got.s, data.s, total) == 0 && moved,
	   "all of it arrives intact, also after the buffer moved (%lu of %lu)",
	   (unsigned long) got.len, (unsigned long) total);
    str_free(&data);
    str_free(&got);
    str_free(&err);
}

static void test_inprocess(void)
{
    STR     err = STR_INIT, got = STR_INIT;
    TLS_SERVER *ts = tls_server_new("PMDF_TABLE:good.pem", "PMDF_TABLE:server.key", &err);
    SSL_CTX *cctx = NULL;
    TLS_CONN *tc;
    SSL    *cli;
    char    buf[100], big[3000];
    size_t  n = 0;
    long    r;
    int     sv[2], want = -9, ok, total;

    if (ts == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
	tap_skip(15, "in-process tests: no server (%s)", STR_C(err));
	return;
    }
    (void) port_nonblock(sv[0]);
    (void) port_nonblock(sv[1]);
    tc = tls_conn_new(ts, sv[0], &err);
    cli = test_client(&cctx, sv[1]);
    tap_ok(tc && cli && strcmp(tls_protocol(tc), "") == 0 && strcmp(tls_cipher(tc), "") == 0,
	   "before the handshake: protocol and cipher are \"\"");
    tap_ok(both_handshake(cli, tc, &err) == 0 && SSL_get_verify_result(cli) == X509_V_OK,
	   "handshake with an OpenSSL client on a socketpair, verified (%s)", STR_C(err));
    tap_ok(tls_reused(tc) == 0 && tls_cipher_bits(tc) >= 128, "new session, %s %s %d bits",
	   tls_protocol(tc), tls_cipher(tc), tls_cipher_bits(tc));
    str_cpy(&err, "junk");
    r = tls_read(tc, buf, sizeof(buf), &want, &err);
    tap_ok(r == -1 && want == TLS_WANT_READ && err.len == 0,
	   "nothing to read: -1, TLS_WANT_READ, err empty");
    r = tls_write(tc, "hello", 5, &want, &err);
    client_drain(cli, &got);
    tap_ok(r == 5 && want == TLS_OK && strcmp(STR_C(got), "hello") == 0,
	   "tls_write reaches the client");
    tap_ok(tls_write(tc, "", 0, &want, &err) == 0 && want == TLS_OK, "tls_write of 0 bytes: 0");

    memset(big, 'q', sizeof(big));
    ok = SSL_write_ex(cli, big, sizeof(big), &n) == 1 && n == sizeof(big);
    r = tls_read(tc, buf, sizeof(buf), &want, &err);
    tap_ok(ok && r == (long) sizeof(buf) && tls_pending(tc),
	   "a short read leaves the rest of the record: tls_pending");
    for (total = (int) r; total < (int) sizeof(big) && tls_pending(tc);)
	total += (int) tls_read(tc, buf, sizeof(buf), &want, &err);
    tap_ok(total == (int) sizeof(big) && !tls_pending(tc),
	   "reading while tls_pending gets the whole record (%d bytes)", total);

    test_big_write(cli, tc);

    (void) SSL_shutdown(cli);
    r = tls_read(tc, buf, sizeof(buf), &want, &err);
    tap_ok(r == 0 && want == TLS_OK, "the client's close_notify: tls_read returns 0");
    tls_conn_free(tc);
    SSL_free(cli);
    (void) close(sv[0]);
    (void) close(sv[1]);

    SSL_CTX_free(cctx);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
	abort();
    (void) port_nonblock(sv[0]);
    (void) port_nonblock(sv[1]);
    tc = tls_conn_new(ts, sv[0], &err);
    cli = test_client(&cctx, sv[1]);
    (void) both_handshake(cli, tc, &err);
    SSL_free(cli);
    (void) close(sv[1]);			/* gone, without close_notify */
    r = tls_read(tc, buf, sizeof(buf), &want, &err);
    tap_ok(r == -1 && want == 0 && strstr(STR_C(err), "TLS on fd ") != NULL,
	   "the client vanishes: -1, *want 0, err names the connection (%s)", STR_C(err));
    tls_conn_free(tc);
    (void) close(sv[0]);

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0
	|| write(sv[1], "EHLO client.example\r\n", 21) != 21)
	abort();
    (void) port_nonblock(sv[0]);
    tc = tls_conn_new(ts, sv[0], &err);
    tap_is_int(tls_handshake(tc, &err), TLS_ERR, "plain text instead of a ClientHello: "
	       "TLS_ERR");
    tap_ok(strstr(STR_C(err), "handshake failed") != NULL, "err says why (%s)", STR_C(err));
    tap_is_int(tls_handshake(tc, &err), TLS_ERR, "and the connection stays failed");
    tls_conn_free(tc);
    (void) close(sv[0]);
    (void) close(sv[1]);
    SSL_CTX_free(cctx);
    tls_server_free(ts);
    str_free(&err);
    str_free(&got);
}

/* The child: a TLS line server on the event loop. */

typedef struct SERVER {
    EVLOOP *ev;
    TLS_SERVER *ts;
    FILE   *log;
    int     lfd;
    int     ctl;			/* pipe from the parent: end of file = stop */
    int     stop;
    int     conns;
} SERVER;

typedef struct CONN {
    SERVER *srv;
    TLS_CONN *tc;
    int     fd;
    int     id;
    int     open;			/* handshake done */
    int     closing;		/* after "quit": flush, then close */
    int     pending_seen;		/* tls_pending() was true once */
    STR     in;
    STR     out;
    size_t  out_off;
} CONN;

static void conn_close(CONN *c, const char *why)
{
    fprintf(c->srv->log, "conn %d: %s\n", c->id, why);
    fflush(c->srv->log);
    ev_unwatch(c->srv->ev, c->fd);
    tls_conn_free(c->tc);
    (void) close(c->fd);
    str_free(&c->in);
    str_free(&c->out);
    free(c);
}

static void conn_lines(CONN *c)
{
    char   *nl;
    size_t  n;

    while (!c->closing && (nl = memchr(STR_C(c->in), '\n', c->in.len)) != NULL) {
	n = (size_t) (nl - c->in.s);
	if (n > 0 && c->in.s[n - 1] == '\r')
	    n--;
	if (n == 4 && memcmp(c->in.s, "quit", 4) == 0) {
	    str_cat(&c->out, "221 bye\r\n");
	    c->closing = 1;
	} else {
	    str_cat(&c->out, "250 ");
	    str_catn(&c->out, c->in.s, n);
	    str_cat(&c->out, "\r\n");
	}
	n = (size_t) (nl - c->in.s) + 1;
	memmove(c->in.s, c->in.s + n, c->in.len - n);
	str_truncate(&c->in, c->in.len - n);
    }
}

static int want_events(int want)
{
    return want == TLS_WANT_WRITE ? EV_WRITE : want == TLS_WANT_READ ? EV_READ : 0;
}

/* Writes and reads until both would block; returns the events to wait for, -1 done. */
static int conn_pump(CONN *c, STR *err)
{
    char    buf[7];			/* small: leaves bytes inside OpenSSL */
    int     i, want, wants = 0, progress = 1;
    long    n;

    for (i = 0; progress && i < 256; i++) {
	progress = 0;
	wants = 0;
	if (c->out_off < c->out.len) {
	    n = tls_write(c->tc, c->out.s + c->out_off, c->out.len - c->out_off, &want, err);
	    if (n < 0 && !want)
		return -1;
	    if (n > 0) {
		c->out_off += (size_t) n;
		progress = 1;
	    }
	    wants |= want_events(want);
	}
	if (c->out_off == c->out.len) {
	    str_reset(&c->out);
	    c->out_off = 0;
	    if (c->closing)
		return -1;
	}
	if (c->closing)
	    continue;
	n = tls_read(c->tc, buf, sizeof(buf), &want, err);
	if (n == 0 || (n < 0 && !want))
	    return -1;
	if (n > 0) {
	    c->pending_seen |= tls_pending(c->tc);
	    str_catn(&c->in, buf, (size_t) n);
	    conn_lines(c);
	    progress = 1;
	}
	wants |= want_events(want);
    }
    return progress ? EV_READ | EV_WRITE : wants;
}

static void conn_event(EVLOOP *ev, int fd, int events, void *ctx)
{
    CONN   *c = ctx;
    STR     err = STR_INIT, why = STR_INIT;
    int     rc, wants;

    if (events & EV_TIMEOUT) {
	conn_close(c, "error: idle time-out");
	return;
    }
    if (!c->open) {
	if ((rc = tls_handshake(c->tc, &err)) == TLS_ERR) {
	    str_printf(&why, "error: %s", STR_C(err));
	    conn_close(c, STR_C(why));
	    c = NULL;
	} else if (rc != TLS_OK) {
	    (void) ev_watch(ev, fd, want_events(rc), conn_event, c);
	} else {
	    c->open = 1;
	    str_printf(&c->out, "220 proto=%s cipher=%s bits=%d reused=%d\r\n",
		       tls_protocol(c->tc), tls_cipher(c->tc), tls_cipher_bits(c->tc),
		       tls_reused(c->tc));
	}
    }
    if (c && c->open) {
	if ((wants = conn_pump(c, &err)) < 0) {
	    str_printf(&why, "%s proto=%s cipher=%s reused=%d pending_seen=%d %s",
		       err.len ? "error:" : "closed", tls_protocol(c->tc), tls_cipher(c->tc),
		       tls_reused(c->tc), c->pending_seen, STR_C(err));
	    conn_close(c, STR_C(why));
	} else {
	    (void) ev_watch(ev, fd, wants ? wants : EV_READ, conn_event, c);
	    ev_deadline(ev, fd, 20000);
	}
    }
    str_free(&err);
    str_free(&why);
}

static void server_accept(EVLOOP *ev, int lfd, int events, void *ctx)
{
    SERVER *srv = ctx;
    STR     err = STR_INIT, addr = STR_INIT;
    CONN   *c;
    int     fd, port;

    (void) events;
    while ((fd = port_accept(lfd, &addr, &port, &err)) >= 0) {
	c = calloc(1, sizeof(*c));
	c->srv = srv;
	c->fd = fd;
	c->id = ++srv->conns;
	if ((c->tc = tls_conn_new(srv->ts, fd, &err)) == NULL) {
	    fprintf(srv->log, "conn %d: error: %s\n", c->id, STR_C(err));
	    (void) close(fd);
	    free(c);
	    continue;
	}
	fprintf(srv->log, "conn %d: from %s\n", c->id, STR_C(addr));
	(void) ev_watch(ev, fd, EV_READ, conn_event, c);
	ev_deadline(ev, fd, 20000);
    }
    if (err.len)
	fprintf(srv->log, "accept: %s\n", STR_C(err));
    fflush(srv->log);
    str_free(&err);
    str_free(&addr);
}

static void server_control(EVLOOP *ev, int fd, int events, void *ctx)
{
    SERVER *srv = ctx;
    char    c;

    (void) ev;
    (void) events;
    if (read(fd, &c, 1) <= 0)
	srv->stop = 1;
}

static int server_main(int lfd, int ctl)
{
    SERVER  srv;
    STR     err = STR_INIT;
    int     i;

    memset(&srv, 0, sizeof(srv));
    (void) signal(SIGPIPE, SIG_IGN);
    srv.log = fopen(tenv_path("server.log"), "w");
    srv.ev = ev_create(&err);
    srv.ts = tls_server_new("PMDF_TABLE:good.pem", "PMDF_TABLE:server.key", &err);
    if (srv.log == NULL || srv.ev == NULL || srv.ts == NULL)
	return 1;
    srv.lfd = lfd;
    srv.ctl = ctl;
    (void) ev_watch(srv.ev, lfd, EV_READ, server_accept, &srv);
    (void) ev_watch(srv.ev, ctl, EV_READ, server_control, &srv);
    for (i = 0; !srv.stop && i < 1000000; i++) {
	if (ev_run_once(srv.ev, 60000) < 0)
	    break;
    }
    fprintf(srv.log, "stopped\n");
    fclose(srv.log);
    ev_free(srv.ev);
    tls_server_free(srv.ts);
    lnm_shutdown();
    str_free(&err);
    (void) close(lfd);
    (void) close(ctl);
    return 0;
}

/* The parent: openssl s_client against the child. */

/* Runs s_client with args, input from the named file; output in out. */
static int client(ENVT *env, const char *args, const char *input, STR *out)
{
    STR     line = STR_INIT, port = STR_INIT;
    int     rc;

    str_printf(&port, "%d", env->port);
    str_printf(&line, "OPENSSL_CONF=client.cnf %s openssl s_client -connect 127.0.0.1:%s "
	       "-CAfile root.pem "
	       "-verify_return_error -verify_hostname localhost %%s <%%s >client.out 2>&1",
	       access("/usr/bin/timeout", X_OK) == 0 ? "timeout 30" : "", STR_C(port));
    str_printf(&env->cmd, "cd '%s' && ", tenv_dir());
    str_catf(&env->cmd, STR_C(line), args, input);
    rc = system(STR_C(env->cmd));
    (void) slurp("client.out", out);
    str_free(&line);
    str_free(&port);
    return rc;
}

static int has(const STR *s, const char *word)
{
    return strstr(STR_C(*s), word) != NULL;
}

/* The certificates shown by -showcerts: " 0 s:CN = localhost" etc., in order. */
static int chain_order(const STR *out, const char *const *cn, int n)
{
    STR     want = STR_INIT;
    const char *p = STR_C(*out);
    int     i;

    for (i = 0; i < n && p; i++) {
	str_printf(&want, "\n %d s:CN = %s\n", i, cn[i]);
	p = strstr(p, STR_C(want));
    }
    str_printf(&want, "\n %d s:", n);
    if (p && strstr(p, STR_C(want)) != NULL)
	p = NULL;
    str_free(&want);
    return p != NULL;
}

static void test_handshakes(ENVT *env)
{
    static const char *const chain[] = {"localhost", INTER_CN, ROOT_CN};
    STR     out = STR_INIT, big = STR_INIT, want = STR_INIT;
    int     i, rc, lines;
    const char *p;

    /* The client must not depend on the system's openssl.cnf (MinProtocol...). */
    tenv_put_text("client.cnf", "# t_tlsio: OpenSSL's built-in defaults\n");
    tenv_put_text("in.txt", "hello\r\nsecond line\r\nquit\r\n");
    rc = client(env, "-tls1_3 -showcerts -ign_eof -sess_out sess13.pem", "in.txt", &out);
    tap_ok(rc == 0 && has(&out, "Verify return code: 0 (ok)"),
	   "TLS 1.3: s_client verifies the chain against the root (host localhost)");
    tap_ok(chain_order(&out, chain, 3), "the chain is served in order: server, "
	   "intermediate, root");
    tap_ok(has(&out, "New, TLSv1.3, Cipher is TLS_"), "a new TLS 1.3 session");
    tap_ok(has(&out, "220 proto=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 reused=0"),
	   "tls_protocol/tls_cipher/tls_cipher_bits: TLSv1.3 TLS_AES_256_GCM_SHA384 256");
    tap_ok(has(&out, "250 hello\r\n") && has(&out, "250 second line\r\n")
	   && has(&out, "221 bye\r\n"), "data echoes both ways through tls_read/tls_write");

    rc = client(env, "-tls1_3 -brief -ign_eof -sess_in sess13.pem", "in.txt", &out);
    tap_ok(rc == 0 && has(&out, "Verification: OK") && has(&out, "Protocol version: TLSv1.3"),
	   "-brief: Verification: OK, Protocol version: TLSv1.3");
    tap_ok(has(&out, "reused=1"), "TLS 1.3 session resumed (ticket from -sess_out)");

    rc = client(env, "-tls1_2 -ign_eof -sess_out sess12.pem", "in.txt", &out);
    tap_ok(rc == 0 && has(&out, "New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384"),
	   "TLS 1.2 works, server's preferred ECDHE AEAD suite");
    tap_ok(has(&out, "220 proto=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384 bits=256"),
	   "the server reports TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384");
    rc = client(env, "-tls1_2 -ign_eof -sess_in sess12.pem", "in.txt", &out);
    tap_ok(rc == 0 && has(&out, "Reused, TLSv1.2") && has(&out, "reused=1"),
	   "TLS 1.2 session resumed (ticket)");
    rc = client(env, "-tls1_2 -no_ticket -ign_eof -sess_out sess12c.pem", "in.txt", &out);
    tap_ok(rc == 0 && has(&out, "New, TLSv1.2"), "TLS 1.2 without tickets");
    rc = client(env, "-tls1_2 -no_ticket -ign_eof -sess_in sess12c.pem", "in.txt", &out);
    tap_ok(rc == 0 && has(&out, "Reused, TLSv1.2") && has(&out, "reused=1"),
	   "TLS 1.2 session resumed from the server's session cache");
    rc = client(env, "-tls1_2 -cipher AES256-SHA256 -ign_eof", "in.txt", &out);
    tap_ok(rc != 0 && !has(&out, "220 proto="), "TLS 1.2 without forward secrecy is refused");

    rc = client(env, "-tls1_1 -cipher DEFAULT@SECLEVEL=0 -ign_eof", "in.txt", &out);
    tap_ok(rc != 0 && has(&out, "alert protocol version") && !has(&out, "220 proto="),
	   "TLS 1.1 is refused by the server (alert protocol version)");

    for (lines = 0; lines < BIG_LINES; lines++) {
	str_catf(&big, "%04d", lines);
	for (i = 4; i < BIG_LEN; i++)
	    str_catc(&big, 'a' + (lines + i) % 26);
	str_cat(&big, "\r\n");
    }
    str_cat(&big, "quit\r\n");
    tenv_put_text("big.txt", STR_C(big));
    rc = client(env, "-quiet", "big.txt", &out);
    for (lines = 0, p = STR_C(big); rc == 0 && lines < BIG_LINES; lines++) {
	str_cpy(&want, "250 ");
	str_catn(&want, p, BIG_LEN + 2);
	if (!has(&out, STR_C(want)))
	    break;
	p += BIG_LEN + 2;
    }
    tap_is_int(lines, BIG_LINES, "%d KB echo back intact through partial writes",
	       BIG_LINES * BIG_LEN / 1000);
    tap_ok(has(&out, "221 bye"), "and the session ends cleanly");
    str_free(&out);
    str_free(&big);
    str_free(&want);
}

static void test_server_log(void)
{
    STR     log = STR_INIT;

    (void) slurp("server.log", &log);
    tap_ok(has(&log, "closed proto=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 reused=0"),
	   "server log: a TLS 1.3 session closed cleanly");
    tap_ok(has(&log, "conn 1: from 127.0.0.1"), "server log: port_accept gave the client "
	   "address");
    tap_ok(has(&log, "error: TLS with 127.0.0.1 port ")
	   && has(&log, "handshake failed: unsupported protocol"),
	   "server log: the TLS 1.1 attempt is an error naming the peer and the reason");
    tap_ok(has(&log, "pending_seen=1"), "tls_pending: bytes left inside OpenSSL after "
	   "a short read");
    if (!has(&log, "stopped"))
	tap_diag("server log:\n%s", STR_C(log));
    str_free(&log);
}

static void test_live(ENVT *env)
{
    STR     err = STR_INIT, log = STR_INIT;
    int     lfd, ctl[2], status = -1;
    pid_t   pid;

    lfd = port_listen_tcp("127.0.0.1", 0, 16, &err);
    if (!tap_ok(lfd >= 0 && port_local_addr(lfd, NULL, &env->port) == 0 && pipe(ctl) == 0,
		"listen on 127.0.0.1 port 0 for the TLS server (%s)", STR_C(err)))
	return;
    fflush(stdout);
    if ((pid = fork()) == 0) {
	(void) close(ctl[1]);
	exit(server_main(lfd, ctl[0]));		/* exit: leak checks run */
    }
    (void) close(lfd);
    (void) close(ctl[0]);
    if (!tap_ok(pid > 0, "fork the server process"))
	return;
    test_handshakes(env);
    (void) close(ctl[1]);
    (void) waitpid(pid, &status, 0);
    tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "the server process stopped cleanly (status %d)", status);
    test_server_log();
    str_free(&err);
    str_free(&log);
}

int     main(void)
{
    ENVT    env;
    const char *dir;

    memset(&env, 0, sizeof(env));
    if (system("openssl version >/dev/null 2>&1") != 0) {
	tap_skip(1, "the openssl command is missing: install the package \"openssl\"");
	return tap_done();
    }
    dir = tenv_setup("t_tlsio", "! t_tlsio instance\nPMDF_TABLE=@DIR@/\n");
    tap_ok(dir != NULL, "temporary directory %s", dir);
    if (!tap_ok(make_pki(&env) == 0 && make_files() == 0,
		"PKI made with the openssl command: root, intermediate, server, other key"))
	return tap_done();
    test_startup();
    test_inprocess();
    test_live(&env);
    lnm_shutdown();
    tenv_cleanup();
    str_free(&env.cmd);
    return tap_done();
}
