/*
 * NAME
 *	d_smtp - delivery by SMTP for channels with the smtp keyword
 * DESCRIPTION
 *	The next hop.  With "daemon host" every recipient goes to that
 *	smart host (an address literal is used as it is; a name is looked
 *	up for addresses only, as Postfix's relayhost = [host]).  Otherwise
 *	each recipient goes to its domain: an address literal ([192.0.2.1])
 *	directly; with mx (the default) the domain's MX hosts by preference,
 *	or its own addresses when it has no MX records; with nomx its
 *	addresses only.  A domain that does not exist, one with neither MX
 *	records nor an address, or a null MX (RFC 7505), fails the
 *	recipient permanently (5.1.2, 5.1.10); a resolver that cannot answer
 *	(SERVFAIL, time-out), MX hosts none of which has an address, and a
 *	daemon host that cannot be found (configuration, not the
 *	recipient's domain) are temporary failures (4.4.3).  "port N"
 *	replaces port 25.
 *
 *	Grouping.  single_sys (the default): one transaction per next hop
 *	for all the recipients going there; single: one recipient per
 *	transaction.  The connection stays open after a transaction, and the
 *	next transaction to the same hop (of this message or of the next
 *	one in this run) reuses it after RSET.  The addresses of a hop are
 *	tried in order until one gives a working session.
 *
 *	TLS: maytlsclient (maytls) uses STARTTLS when offered; when the
 *	handshake fails (also when a certificate fails TLS_VERIFY=1) the
 *	same address is tried again without TLS.  musttlsclient (musttls)
 *	refuses to send without TLS: a temporary failure (4.7.5) naming
 *	what failed (no STARTTLS, the handshake, the certificate and why).
 *	Certificates are verified when the channel option TLS_VERIFY is 1
 *	(the default with musttlsclient; 0, the default with maytlsclient,
 *	accepts any certificate, as Postfix's "may"): the chain against the
 *	trusted roots, the PEM file TLS_CA_FILE (a file spec) or the
 *	system's, and the name, the host name the address came from (the
 *	MX or daemon host) or the address itself.  AUTH (PLAIN, else LOGIN,
 *	under TLS only) when the channel option file gives CLIENT_USERNAME
 *	and CLIENT_PASSWORD and the server offers AUTH; a server offering
 *	AUTH without TLS (or without PLAIN or LOGIN) is not given the
 *	password and the recipients stay queued (4.7.10), and a refused
 *	AUTH keeps them queued too (535 5.7.8 -> 4.7.8), as Postfix does.
 *	A host that gives no session makes the next address be tried; the
 *	last one's reason and status (its own, made temporary, or 4.4.1 for
 *	no connection) go to the log.
 *
 *	Timeouts, channel options in seconds: CLIENT_CONNECT_TIMEOUT (30),
 *	CLIENT_GREETING_TIMEOUT (300), CLIENT_COMMAND_TIMEOUT (300),
 *	CLIENT_DATA_TIMEOUT (600).
 *
 *	Outcome per recipient: a 2xx is delivered (relayed when the next hop
 *	did not take the DSN parameters), 5xx fails it permanently, 4xx,
 *	no answer, a lost connection or a timeout is temporary.  The reply
 *	is kept for the notification's Diagnostic-Code and the host for its
 *	Remote-MTA.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "deliver.h"
#include "netcli.h"
#include "cfgread.h"
#include "mem.h"
#include "msg.h"

typedef struct HOP {
    STRLIST names;		/* host name of each address */
    STRLIST addrs;
} HOP;

static long opt_seconds(DCTX *d, const char *name, long dflt, STR *err, int *bad)
{
    const char *v = pmdfcnf_option(&d->cfg.cnf, d->channel, name);
    long    n = dflt;

    if (v && cfg_parse_int(v, 1, 86400, &n, err) < 0) {
	str_catf(err, " (channel option %s, seconds)", name);
	*bad = 1;
    }
    return n * 1000;
}

int     d_smtp_init(DCTX *d, STR *err)
{
    const CNF_KEYWORD *kw;
    const char *v;
    long    verify;
    int     bad = 0;

    d->port = 25;
    if ((kw = pmdfcnf_keyword(d->ch, "port")) != NULL && kw->arg)
	d->port = atoi(kw->arg);
    d->tls_mode = pmdfcnf_keyword(d->ch, "musttlsclient") ? SMTPCLI_TLS_MUST
	: pmdfcnf_keyword(d->ch, "maytlsclient") ? SMTPCLI_TLS_MAY : SMTPCLI_TLS_NO;
    d->connect_ms = opt_seconds(d, "CLIENT_CONNECT_TIMEOUT", 30, err, &bad);
    d->opts.greeting_ms = opt_seconds(d, "CLIENT_GREETING_TIMEOUT", 300, err, &bad);
    d->opts.command_ms = opt_seconds(d, "CLIENT_COMMAND_TIMEOUT", 300, err, &bad);
    d->opts.data_ms = opt_seconds(d, "CLIENT_DATA_TIMEOUT", 600, err, &bad);
    if (bad)
	return -1;
    d->opts.helo = d->host;
    d->opts.tls = d->tls_mode;
    d->opts.user = pmdfcnf_option(&d->cfg.cnf, d->channel, "CLIENT_USERNAME");
    d->opts.password = pmdfcnf_option(&d->cfg.cnf, d->channel, "CLIENT_PASSWORD");
    if (d->tls_mode == SMTPCLI_TLS_NO)
	return 0;
    verify = d->tls_mode == SMTPCLI_TLS_MUST;
    if ((v = pmdfcnf_option(&d->cfg.cnf, d->channel, "TLS_VERIFY")) != NULL
	&& cfg_parse_int(v, 0, 1, &verify, err) < 0) {
	str_cat(err, " (channel option TLS_VERIFY: 0 or 1)");
	return -1;
    }
    d->tls_ctx = tls_client_new((int) verify, pmdfcnf_option(&d->cfg.cnf, d->channel,
							      "TLS_CA_FILE"), err);
    d->opts.tls_ctx = d->tls_ctx;
    return d->tls_ctx ? 0 : -1;
}

void    d_smtp_done(DCTX *d)
{
    smtpcli_close(d->conn);
    d->conn = NULL;
}

/* "[192.0.2.1]" or "[IPv6:...]" -> the address; 0 when not a literal. */
static int literal_addr(const char *host, STR *addr)
{
    size_t  n = strlen(host);

    if (n < 3 || host[0] != '[' || host[n - 1] != ']')
	return 0;
    if (strncasecmp(host + 1, "IPv6:", 5) == 0)
	str_cpyn(addr, host + 6, n - 7);
    else
	str_cpyn(addr, host + 1, n - 2);
    return 1;
}

static int is_ip(const char *host)
{
    return strspn(host, "0123456789.") == strlen(host) || strchr(host, ':') != NULL;
}

/* The hop's addresses; 0, or a PORT_DNS_* failure with err. */
static int resolve(DCTX *d, const char *key, HOP *hop, STR *err)
{
    STR     lit = STR_INIT;
    PORT_MX *mx = NULL;
    size_t  nmx = 0, i, before;
    int     rc = PORT_DNS_OK, any = 0;

    if (literal_addr(key, &lit) || is_ip(key)) {
	strlist_add(&hop->names, key);
	strlist_add(&hop->addrs, lit.len ? STR_C(lit) : key);
	str_free(&lit);
	return PORT_DNS_OK;
    }
    str_free(&lit);
    if (pmdfcnf_keyword(d->ch, "daemon") == NULL && pmdfcnf_keyword(d->ch, "nomx") == NULL) {
	rc = port_dns_mx(key, &mx, &nmx, err);
	if (rc == PORT_DNS_NXDOMAIN || rc == PORT_DNS_TEMP)
	    return rc;
	if (rc == PORT_DNS_OK && nmx == 1 && mx[0].host[0] == 0) {
	    str_printf(err, "%s accepts no mail (null MX, RFC 7505)", key);
	    port_mx_free(mx, nmx);
	    return PORT_DNS_NONE;
	}
    }
    if (nmx == 0) {
	rc = port_dns_addrs(key, &hop->addrs, err);
	for (i = 0; i < hop->addrs.n; i++)
	    strlist_add(&hop->names, key);
	if (rc != PORT_DNS_OK && rc != PORT_DNS_TEMP && pmdfcnf_keyword(d->ch, "daemon")) {
	    /* The smart host is configuration, not the recipient's domain. */
	    str_catf(err, " (the channel's daemon host; check %s)", d->channel);
	    rc = PORT_DNS_TEMP;
	}
	return rc;
    }
    for (i = 0; i < nmx; i++) {
	if (mx[i].host[0] == 0)
	    continue;
	before = hop->addrs.n;
	if (port_dns_addrs(mx[i].host, &hop->addrs, err) == PORT_DNS_OK)
	    any = 1;
	for (; before < hop->addrs.n; before++)
	    strlist_add(&hop->names, mx[i].host);
    }
    port_mx_free(mx, nmx);
    if (any) {
	str_reset(err);
	return PORT_DNS_OK;
    }
    /* The domain exists and has MX hosts, none with an address (yet). */
    return PORT_DNS_TEMP;
}

/*
 * The temporary status for a host that gave no session: 4.7.5 when TLS
 * failed (no STARTTLS, refused, handshake or certificate), else the
 * server's own status made temporary (a refused greeting or AUTH, 535
 * 5.7.8 -> 4.7.8: the hop is tried again, not bounced, as Postfix does),
 * else 4.4.1 (no connection, no answer).
 */
static void fail_status(const SMTPCLI_FAIL *fail, char *status, size_t size)
{
    if (fail->tls_failed)
	snprintf(status, size, "4.7.5");
    else if (fail->reply.status[0])
	snprintf(status, size, "4%s", fail->reply.status + 1);
    else
	snprintf(status, size, "4.4.1");
}

/*
 * A working session with the hop key, reusing the open one; NULL with why
 * and status (the last address's reason).
 */
static SMTPCLI *session_for(DCTX *d, const char *key, STR *why, char *status, int *dns_fail)
{
    HOP     hop;
    SMTPCLI_FAIL fail;
    STR     err = STR_INIT, peer = STR_INIT;
    SMTPCLI *c = NULL;
    size_t  i;
    int     fd, rc, tls_off;

    *dns_fail = 0;
    snprintf(status, 16, "4.4.1");
    if (d->conn != NULL && strcmp(STR_C(d->conn_key), key) == 0) {
	if (smtpcli_rset(d->conn) == 0)
	    return d->conn;
    }
    d_smtp_done(d);
    memset(&hop, 0, sizeof(hop));
    memset(&fail, 0, sizeof(fail));
    rc = resolve(d, key, &hop, &err);
    if (rc != PORT_DNS_OK) {
	*dns_fail = rc;
	str_cpy(why, STR_C(err));
	goto out;
    }
    str_reset(why);
    for (i = 0; c == NULL && i < hop.addrs.n; i++) {
	str_printf(&peer, "%s[%s]", hop.names.v[i], hop.addrs.v[i]);
	if (strcmp(hop.names.v[i], hop.addrs.v[i]) == 0)
	    str_printf(&peer, "[%s]", hop.addrs.v[i]);
	for (tls_off = 0; c == NULL && tls_off < 2; tls_off++) {
	    SMTPCLI_OPTS o = d->opts;

	    if (tls_off)
		o.tls = SMTPCLI_TLS_NO;
	    o.tls_name = hop.names.v[i];
	    if ((fd = port_connect_tcp(hop.addrs.v[i], d->port, d->connect_ms, &err)) < 0) {
		str_cpy(why, STR_C(err));
		snprintf(status, 16, "4.4.1");
		break;
	    }
	    c = smtpcli_open(fd, STR_C(peer), &o, &fail);
	    if (c == NULL) {
		str_cpy(why, STR_C(fail.text));
		fail_status(&fail, status, 16);
		if (!(fail.tls_failed && d->tls_mode == SMTPCLI_TLS_MAY))
		    break;
		msg_info("%s; trying %s again without TLS (maytlsclient)", STR_C(fail.text),
			 STR_C(peer));
	    }
	}
	if (c != NULL)
	    str_cpy(&d->conn_host, hop.names.v[i]);
    }
    if (c != NULL) {
	d->conn = c;
	str_cpy(&d->conn_key, key);
    }
  out:
    strlist_free(&hop.names);
    strlist_free(&hop.addrs);
    smtpcli_fail_free(&fail);
    str_free(&err);
    str_free(&peer);
    return c;
}

static void hop_key(DCTX *d, const char *addr, STR *key)
{
    const CNF_KEYWORD *daemon = pmdfcnf_keyword(d->ch, "daemon");
    const char *at = strrchr(addr, '@');

    if (daemon && daemon->arg) {
	str_cpy(key, daemon->arg);
    } else {
	str_cpy(key, at ? at + 1 : d->host);
	str_lower(key);
    }
}

static int eight_bit(const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++)
	if ((unsigned char) p[i] > 127)
	    return 1;
    return 0;
}

/* Settles the results of one transaction (or of a failure to get one). */
static void results(DCTX *d, SMTPCLI_MSG *msg, const size_t *idx, DRESULT *res, int tls,
		    int sasl)
{
    size_t  k;

    for (k = 0; k < msg->nrcpt; k++) {
	DRESULT *r = &res[idx[k]];
	const SMTP_REPLY *rp = &msg->rcpt[k].reply;
	int     state = rp->code / 100 == 2 ? DR_DELIVERED : rp->code / 100 == 5 ? DR_FAILED
	    : DR_TEMP;

	dresult_set(r, state, rp->status[0] ? rp->status : "4.4.2", "%s", STR_C(rp->text));
	r->diag_smtp = rp->code != 0;
	r->attempted = 1;
	str_cpy(&r->remote, STR_C(d->conn_host));
	if (state == DR_DELIVERED) {
	    r->tls = tls;
	    r->sasl = sasl;
	    r->relayed = !msg->dsn_passed;
	    str_printf(&r->info, "%s: %s", STR_C(d->conn_host), STR_C(rp->text));
	}
    }
}

void    d_smtp_deliver(DCTX *d, const QMESSAGE *m, DRESULT *res)
{
    size_t  n = m->env.nrcpt, i, j, k, *idx = mem_calloc(n, sizeof(size_t));
    SMTPCLI_RCPT *rc = mem_calloc(n, sizeof(*rc));
    STR     key = STR_INIT, why = STR_INIT, err = STR_INIT;
    STRLIST keys = STRLIST_INIT;
    int    *done = mem_calloc(n, sizeof(int)), single, dns_fail;
    char    status[16];
    SMTPCLI_MSG msg;
    SMTPCLI *c;

    single = pmdfcnf_keyword(d->ch, "single") != NULL;
    for (i = 0; i < n; i++) {
	hop_key(d, STR_C(m->env.rcpt[i].addr), &key);
	strlist_add(&keys, STR_C(key));
    }
    for (i = 0; i < n; i++) {
	if (done[i])
	    continue;
	/* This recipient's group: the same hop (single_sys), or itself alone. */
	str_cpy(&key, keys.v[i]);
	k = 0;
	for (j = i; j < n; j++) {
	    if (done[j] || strcmp(keys.v[i], keys.v[j]) != 0 || (single && j != i))
		continue;
	    done[j] = 1;
	    idx[k] = j;
	    memset(&rc[k], 0, sizeof(rc[k]));
	    rc[k].addr = STR_C(m->env.rcpt[j].addr);
	    rc[k].orcpt = STR_C(m->env.rcpt[j].orcpt);
	    rc[k].notify = m->env.rcpt[j].notify;
	    k++;
	}
	memset(&msg, 0, sizeof(msg));
	msg.from = STR_C(m->env.from);
	msg.ret = m->env.ret;
	msg.envid = STR_C(m->env.envid);
	msg.body = m->body;
	msg.len = m->body_len;
	msg.eightbit = eight_bit(m->body, m->body_len);
	msg.rcpt = rc;
	msg.nrcpt = k;
	c = session_for(d, STR_C(key), &why, status, &dns_fail);
	if (c == NULL) {
	    for (j = 0; j < k; j++) {
		DRESULT *r = &res[idx[j]];

		if (dns_fail == PORT_DNS_NXDOMAIN)
		    dresult_set(r, DR_FAILED, "5.1.2", "%s", STR_C(why));
		else if (dns_fail == PORT_DNS_NONE)
		    dresult_set(r, DR_FAILED, strstr(STR_C(why), "null MX") ? "5.1.10" : "5.1.2",
				"%s", STR_C(why));
		else if (dns_fail == PORT_DNS_TEMP)
		    dresult_set(r, DR_TEMP, "4.4.3", "%s", STR_C(why));
		else
		    dresult_set(r, DR_TEMP, status, "%s",
				why.len ? STR_C(why) : "no address to connect to");
		r->attempted = 1;
	    }
	} else {
	    int     tls = smtpcli_tls(c), sasl = smtpcli_authenticated(c);

	    if (smtpcli_send(c, &msg, &err) < 0)
		d_smtp_done(d);
	    results(d, &msg, idx, res, tls, sasl);
	}
	for (j = 0; j < k; j++)
	    smtp_reply_free(&rc[j].reply);
    }
    free(idx);
    free(rc);
    free(done);
    str_free(&key);
    strlist_free(&keys);
    str_free(&why);
    str_free(&err);
}
