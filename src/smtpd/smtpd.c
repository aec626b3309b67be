/*
 * NAME
 *	tcp_smtp_server - the SMTP server
 * SYNOPSIS
 *	tcp_smtp_server [-port=25,587] [-tls_port=465] [-listen=ADDRESS]
 *		[-channel=tcp_local] [-certificate=SPEC] [-key=SPEC]
 *	tcp_smtp_server -dispatcher=3 [-channel=tcp_local] ...
 * DESCRIPTION
 *	Accepts SMTP connections and queues the mail they carry (see
 *	session.c for the protocol).  Started by the dispatcher, it gets
 *	-dispatcher=FD: its connections arrive on that channel (handoff.c),
 *	it listens on nothing, dates its log lines, and when the dispatcher
 *	retires it (or goes) it finishes its sessions and exits 0.  Stand
 *	alone, it listens itself: -port lists plain ports (STARTTLS
 *	offered when the channel has maytlsserver or musttlsserver),
 *	-tls_port ports where TLS starts at once (465), -listen the address
 *	("*", the default, is every IPv4 and IPv6 address).  -channel names
 *	the source channel of the listener (default tcp_local).
 *
 *	The certificate chain is PMDF_TABLE:server_pub.pem and the key
 *	PMDF_TABLE:server_priv.pem unless -certificate / -key name others;
 *	when the chain file does not exist TLS is not offered; when it exists
 *	and is wrong (order, missing intermediate, a key that does not match)
 *	the server does not start, and says why.
 *
 *	One process, one event loop.  After each turn of the loop every
 *	message finished in that turn is made durable at once: each message
 *	file was synced when it was finished, and now each queue directory
 *	that received a new entry is synced once for all of them (group
 *	commit); only then do those sessions get their 250.
 *
 *	Limits come from the option file (PMDF_OPTION_FILE, or the source
 *	channel's option file): MAX_MESSAGE_SIZE (10 MB), MAX_RECIPIENTS
 *	(1000), MAX_COMMAND_LINE (2048), MAX_DATA_LINE (4096), MAX_HEADER_SIZE
 *	(256 KB), MAX_RECEIVED_LINES (50), MAX_ERRORS (20), MAX_COMMANDS
 *	(10000), MAX_AUTH_FAILURES (3), AUTH_FAILURE_DELAY (ms, 1000, grows
 *	with each failure), COMMAND_TIMEOUT (s, 300), DATA_TIMEOUT (s, 600);
 *	LOG_CONNECTION=1 writes O and C entries to the mail log.
 *
 *	SIGTERM or SIGINT stops the server: listeners close, messages being
 *	committed finish, and it exits 0.
 * DIAGNOSTICS
 *	Start-up problems are fatal with a message naming the file or port;
 *	later problems are logged to standard error and the session goes on
 *	or gets a 4xx reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include "smtpd.h"
#include "cli.h"
#include "cfgread.h"
#include "lnm.h"
#include "alias.h"
#include "mem.h"
#include "msg.h"
#include "qnotify.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void) sig;
    stop_requested = 1;
}

typedef struct LISTENER {
    SMTPD  *sd;
    int     fd;
    int     implicit_tls;
} LISTENER;

static void on_accept(EVLOOP *ev, int fd, int events, void *ctx)
{
    LISTENER *l = ctx;
    STR     addr = STR_INIT, err = STR_INIT;
    int     cfd, port, n;

    (void) ev;
    (void) events;
    for (n = 0; n < 64; n++) {
	if ((cfd = port_accept(fd, &addr, &port, &err)) < 0) {
	    if (err.len)
		msg_warn("%s", STR_C(err));
	    break;
	}
	session_new(l->sd, cfd, STR_C(addr), port, l->implicit_tls);
    }
    str_free(&addr);
    str_free(&err);
}

void    session_commit_add(SMTPD *sd, SESSION *s, QMSG_W *w)
{
    if (sd->npending == sd->cap_pending) {
	sd->cap_pending = sd->cap_pending ? sd->cap_pending * 2 : 64;
	sd->pending = mem_realloc(sd->pending, sd->cap_pending * sizeof(*sd->pending));
	sd->pending_session = mem_realloc(sd->pending_session,
				      sd->cap_pending * sizeof(*sd->pending_session));
    }
    sd->pending[sd->npending] = w;
    sd->pending_session[sd->npending] = s;
    sd->npending++;
}

/* Group commit: one directory sync for every message finished this turn. */
static void group_commit(SMTPD *sd)
{
    QMSG_W **ws;
    SESSION **ss;
    STR     err = STR_INIT;
    size_t  n = sd->npending, i;
    int     ok;

    if (n == 0)
	return;
    ws = mem_alloc(n * sizeof(*ws));
    ss = mem_alloc(n * sizeof(*ss));
    memcpy(ws, sd->pending, n * sizeof(*ws));
    memcpy(ss, sd->pending_session, n * sizeof(*ss));
    sd->npending = 0;				/* sessions may add more now */
    ok = queue_sync_dirs(ws, n, &err) == 0;
    if (ok) {
	/* The job controller enters them into the cache and counts them (qnotify.h). */
	QCACHE_REC *recs = mem_calloc(n, sizeof(*recs));

	for (i = 0; i < n; i++)
	    session_cache_rec(ss[i], ws[i], &recs[i]);
	qnotify_enqueued(recs, n);
	free(recs);
    }
    for (i = 0; i < n; i++) {
	queue_release(ws[i]);
	session_committed(ss[i], ok, STR_C(err));
    }
    free(ws);
    free(ss);
    str_free(&err);
}

static long opt_long(SMTPD *sd, const char *name, long dflt, long min, long max)
{
    const char *v = pmdfcnf_option(&sd->cfg.cnf, sd->channel, name);
    STR     err = STR_INIT;
    long    n = dflt;

    if (v && cfg_parse_int(v, min, max, &n, &err) < 0)
	msg_fatal("option %s: %s", name, STR_C(err));
    str_free(&err);
    return n;
}

static void limits(SMTPD *sd)
{
    SMTPD_LIMITS *l = &sd->lim;

    l->max_message = opt_long(sd, "MAX_MESSAGE_SIZE", 10 * 1024 * 1024, 1024, 2000000000L);
    l->max_recipients = opt_long(sd, "MAX_RECIPIENTS", 1000, 1, 100000);
    l->max_command_line = opt_long(sd, "MAX_COMMAND_LINE", 2048, 512, 65536);
    l->max_data_line = opt_long(sd, "MAX_DATA_LINE", 4096, 1000, 1000000);
    l->max_header = opt_long(sd, "MAX_HEADER_SIZE", 256 * 1024, 1024, 100000000L);
    l->max_received = opt_long(sd, "MAX_RECEIVED_LINES", 50, 5, 1000);
    l->max_errors = opt_long(sd, "MAX_ERRORS", 20, 1, 10000);
    l->max_commands = opt_long(sd, "MAX_COMMANDS", 10000, 10, 100000000L);
    l->max_auth_failures = opt_long(sd, "MAX_AUTH_FAILURES", 3, 1, 100);
    l->auth_failure_delay_ms = opt_long(sd, "AUTH_FAILURE_DELAY", 1000, 0, 60000);
    l->command_timeout_ms = 1000 * opt_long(sd, "COMMAND_TIMEOUT", 300, 1, 86400);
    l->data_timeout_ms = 1000 * opt_long(sd, "DATA_TIMEOUT", 600, 1, 86400);
    sd->log_connections = opt_long(sd, "LOG_CONNECTION", 0, 0, 1) != 0;
}

static void start_tls(SMTPD *sd, const char *cert, const char *key)
{
    STR     path = STR_INIT, err = STR_INIT;
    struct stat st;

    if (lnm_file(cert, LNM_READ, &path, &err) < 0 || stat(STR_C(path), &st) != 0) {
	msg_info("no certificate %s (%s): TLS is not offered", cert, STR_C(path));
	str_free(&path);
	str_free(&err);
	return;
    }
    if ((sd->tls = tls_server_new(cert, key, &err)) == NULL)
	msg_fatal("%s", STR_C(err));
    str_free(&path);
    str_free(&err);
}

static int listen_ports(SMTPD *sd, const CLI_CMD *cmd, const char *qual, int implicit_tls)
{
    const char *addr = cli_value(cmd, "listen") ? cli_value(cmd, "listen") : "*";
    STR     err = STR_INIT;
    LISTENER *l;
    size_t  i;
    long    port;
    int     fd, count = 0;

    for (i = 0; i < cli_nvalues(cmd, qual); i++) {
	if (cfg_parse_int(cli_value_at(cmd, qual, i), 1, 65535, &port, &err) < 0)
	    msg_fatal("-%s: %s", qual, STR_C(err));
	if (implicit_tls && sd->tls == NULL)
	    msg_fatal("-tls_port=%ld: no certificate, so no TLS", port);
	if ((fd = port_listen_tcp(addr, (int) port, 1024, &err)) < 0)
	    msg_fatal("%s", STR_C(err));
	l = mem_calloc(1, sizeof(*l));
	l->sd = sd;
	l->fd = fd;
	l->implicit_tls = implicit_tls;
	ev_watch(sd->ev, fd, EV_READ, on_accept, l);
	sd->listeners = mem_realloc(sd->listeners, (sd->nlisteners + 1) * sizeof(void *));
	sd->listeners[sd->nlisteners++] = l;
	msg_info("listening on %s port %ld%s", addr, port, implicit_tls ? " (TLS)" : "");
	count++;
    }
    str_free(&err);
    return count;
}

/* Releases everything, so leak checkers see a clean exit. */
static void shutdown_server(SMTPD *sd)
{
    size_t  i;

    for (i = 0; i < sd->nlisteners; i++) {
	LISTENER *l = sd->listeners[i];

	ev_unwatch(sd->ev, l->fd);
	close(l->fd);
	free(l);
    }
    free(sd->listeners);
    session_close_all(sd);
    handoff_free(sd);
    free(sd->pending);
    free(sd->pending_session);
    ev_free(sd->ev);
    tls_server_free(sd->tls);
    maillog_close(sd->log);
    qnotify_shutdown();
    rewrite_free(sd->rw);
    dict_close(sd->passdb);
    dict_close(sd->general);
    config_free(&sd->cfg);
    lnm_shutdown();
}

static const CLI_QUAL server_quals[] = {
    {"port", CLI_VALUE_REQUIRED | CLI_LIST, 0, "plain SMTP ports (STARTTLS offered)"},
    {"tls_port", CLI_VALUE_REQUIRED | CLI_LIST, 0, "ports where TLS starts at once (465)"},
    {"listen", CLI_VALUE_REQUIRED, 0, "address to listen on (* = all IPv4 and IPv6)"},
    {"channel", CLI_VALUE_REQUIRED, 0, "source channel of the listener (tcp_local)"},
    {"certificate", CLI_VALUE_REQUIRED, 0, "certificate chain (PMDF_TABLE:server_pub.pem)"},
    {"key", CLI_VALUE_REQUIRED, 0, "private key (PMDF_TABLE:server_priv.pem)"},
    {"dispatcher", CLI_VALUE_REQUIRED, 0,
     "take connections from the dispatcher on this descriptor (set by the dispatcher)"},
    {NULL, 0, 0, NULL}
};

static int server_main(const CLI_CMD *cmd);

static const CLI_VERB server_verb[] = {
    {"tcp_smtp_server", NULL, server_quals, 0, 0, NULL, "the SMTP server", server_main},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static int server_main(const CLI_CMD *cmd)
{
    SMTPD   sd;
    STR     err = STR_INIT;
    struct sigaction sa;
    int     n;

    memset(&sd, 0, sizeof(sd));
    if (cli_value(cmd, "dispatcher") != NULL)
	msg_timestamps(1);		/* its standard error is a log file */
    sd.channel = cli_value(cmd, "channel") ? cli_value(cmd, "channel") : "tcp_local";
    if (lnm_init(&err) < 0 || config_load(&sd.cfg, 0, &err) < 0)
	msg_fatal("%s", STR_C(err));
    if (pmdfcnf_channel(&sd.cfg.cnf, sd.channel) == NULL)
	msg_fatal("no channel \"%s\" in the configuration", sd.channel);
    sd.hostname = sd.cfg.cnf.channels[0].hosts.n ? sd.cfg.cnf.channels[0].hosts.v[0] : "localhost";
    limits(&sd);
    if (general_open(NULL, &sd.general, &err) < 0
	|| (sd.rw = rewrite_new(&sd.cfg.cnf, sd.cfg.maps, sd.general, &err)) == NULL)
	msg_fatal("%s", STR_C(err));
    if ((sd.passdb = passdb_open(DICT_RDONLY, NULL, &err)) == NULL)
	msg_info("no password database (%s): AUTH is not offered", STR_C(err));
    if ((sd.log = maillog_open(&err)) == NULL)
	msg_fatal("%s", STR_C(err));
    start_tls(&sd, cli_value(cmd, "certificate") ? cli_value(cmd, "certificate")
	      : "PMDF_TABLE:server_pub.pem",
	      cli_value(cmd, "key") ? cli_value(cmd, "key") : "PMDF_TABLE:server_priv.pem");
    queue_defer_sync(1);			/* one file-system sync per group */
    if ((sd.ev = ev_create(&err)) == NULL)
	msg_fatal("%s", STR_C(err));
    n = listen_ports(&sd, cmd, "port", 0) + listen_ports(&sd, cmd, "tls_port", 1);
    if (cli_value(cmd, "dispatcher") != NULL) {
	long    chan;

	if (cfg_parse_int(cli_value(cmd, "dispatcher"), 0, 65535, &chan, &err) < 0)
	    msg_fatal("-dispatcher: %s", STR_C(err));
	if (handoff_start(&sd, (int) chan, &err) < 0)
	    msg_fatal("%s", STR_C(err));
    } else if (n == 0)
	msg_fatal("nothing to listen on: give -port=N and/or -tls_port=N");
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    while (!stop_requested) {
	if (ev_run_once(sd.ev, 1000) < 0 && errno != EINTR)
	    msg_fatal("event loop: %s", strerror(errno));
	group_commit(&sd);
	handoff_after_turn(&sd);
	if (handoff_finished(&sd))
	    break;
    }
    group_commit(&sd);
    msg_info("stopping: %ld messages queued, %ld sessions open", sd.accepted, sd.sessions);
    shutdown_server(&sd);
    str_free(&err);
    return 0;
}

int     main(int argc, char **argv)
{
    return cli_program_main(server_verb, "tcp_smtp_server", argc, argv);
}
