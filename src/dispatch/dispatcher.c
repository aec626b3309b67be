/*
 * NAME
 *	dispatcher - listens for every service and hands each connection to
 *	a server process
 * SYNOPSIS
 *	dispatcher [-config=FILE-SPEC]
 * DESCRIPTION
 *	The dispatcher of PMDF: it reads DISPATCHER.CNF (-config, else the
 *	logical name PMDF_DISPATCHER_CONFIG, else PMDF_TABLE:dispatcher.cnf;
 *	format and options in dispcnf.c), binds every port of every
 *	[SERVICE=name] on each INTERFACE_ADDRESS ("*": IPv4 and IPv6), then,
 *	when started as root and USER= is set, becomes that user for good.
 *	It claims PMDF_LOG:dispatcher.pid (daemon.h): one dispatcher per
 *	instance.  It runs in the foreground; "pmdf startup dispatcher"
 *	starts it detached with its log in PMDF_LOG:dispatcher.log.
 *
 *	Each accepted connection is checked (policy.c: PORT_ACCESS, then
 *	per-client limits) and handed over, with its descriptor, to a
 *	server process of its service (pool.c; the protocol is in
 *	dispatch.h), which the dispatcher starts, counts, retires and
 *	replaces following MIN_PROCS, MAX_PROCS, MIN_CONNS, MAX_CONNS,
 *	MAX_LIFE_TIME, MAX_LIFE_CONNS and MAX_IDLE_TIME.
 *
 *	Signals (daemon_signal): SIGHUP reads DISPATCHER.CNF and the mapping
 *	file again ("pmdf restart dispatcher").  A new configuration that
 *	has an error is logged as file:line: message and the running one is
 *	kept.  Otherwise listening sockets whose address and port are
 *	unchanged are kept open (no client is refused meanwhile: new ones
 *	wait in the backlog until a new server is ready), new ones are
 *	opened (if one cannot be, the whole new configuration is refused),
 *	removed ones closed; every server is retired gracefully and new
 *	ones start under the new rules.  SIGTERM or SIGINT stop the
 *	dispatcher: the listening sockets close, servers are retired and
 *	get MAX_SHUTDOWN seconds to finish their sessions, the rest are
 *	stopped (SIGTERM, then SIGKILL 3 s later), and it exits 0.  A
 *	second SIGTERM or SIGINT skips the wait.
 *
 *	Status file: PMDF_LOG:dispatcher.status, rewritten (a new file
 *	renamed over the old) within a quarter of a second of a change and
 *	at least every second, read by "pmdf process".  Its format is
 *	optfile's: the dispatcher's PID, STARTED and UPDATED (seconds since
 *	1970), CONFIG, RELOADS, RELOAD_STATUS ("ok" or the error of the
 *	last reload), one LISTEN=service address port plain|tls line per
 *	socket, then one [SERVER=pid] section per server with SERVICE,
 *	PROGRAM (its image's file name), STATE (starting, active, retiring),
 *	CONNECTIONS, TOTAL and STARTED.
 *	It is removed when the dispatcher stops.
 * DIAGNOSTICS
 *	The log (standard error, or [SERVICE=DISPATCHER] LOGFILE) has a
 *	dated line for each start and stop of the dispatcher and of each
 *	server, each retirement, each hand-off failure and each policy
 *	refusal.  Start-up errors (configuration, a port that cannot be
 *	bound, another dispatcher running) are fatal: exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include "dispatch.h"
#include "daemon.h"
#include "spawn.h"
#include "cli.h"
#include "lnm.h"
#include "mem.h"
#include "msg.h"

#define DISP_TURN_MS	200		/* longest wait of one loop turn */
#define DISP_STATUS_MS	1000		/* status file rewritten at least this often */
#define DISP_STATUS_MIN 250		/* ... and at most this often */
#define DISP_SWEEP_MS	60000		/* client table clean-up */
#define DISP_KILL_MS	3000		/* SIGTERM to SIGKILL at shutdown */

static volatile sig_atomic_t stop_flag, reload_flag;

/* ---- listening sockets -------------------------------------------------------------- */

static void on_accept(EVLOOP *ev, int fd, int events, void *ctx);

void    listeners_update(SERVICE *svc)
{
    DISPATCHER *d = svc->d;
    size_t  i;
    int     on;

    if (d->stopping)
	return;
    on = pool_pick(svc) != NULL || !svc->demand;
    for (i = 0; i < d->nlis; i++) {
	LISTENER *l = d->lis[i];

	if (l->svc != svc || l->watched == on)
	    continue;
	ev_watch(d->ev, l->fd, on ? EV_READ : 0, on_accept, l);
	l->watched = on;
    }
}

static void refuse(int fd, const LISTENER *l, const char *text)
{
    STR     line = STR_INIT;

    /* A client of a TLS port expects a handshake, not text. */
    if (*text && !l->tls) {
	str_printf(&line, "%s\r\n", text);
	(void) write(fd, line.s, line.len);
    }
    str_free(&line);
    close(fd);
}

static void on_accept(EVLOOP *ev, int fd, int events, void *ctx)
{
    LISTENER *l = ctx;
    SERVICE *svc = l->svc;
    DISPATCHER *d = l->d;
    STR     peer = STR_INIT, local = STR_INIT, err = STR_INIT, reply = STR_INIT;
    CONN_INFO ci;
    CLIENT *cl;
    SERVER *s;
    int     cfd, n;

    (void) ev;
    (void) events;
    for (n = 0; n < 64; n++) {
	if ((s = pool_pick(svc)) == NULL) {
	    svc->demand = 1;		/* the client waits in the backlog */
	    listeners_update(svc);
	    pool_maintain(d);
	    break;
	}
	if ((cfd = port_accept(fd, &peer, &ci.peer_port, &err)) < 0) {
	    if (err.len)
		msg_warn("%s", STR_C(err));
	    break;
	}
	if (port_local_addr(cfd, &local, &ci.local_port) < 0) {
	    str_cpy(&local, l->addr);
	    ci.local_port = l->port;
	}
	ci.local = STR_C(local);
	ci.peer = STR_C(peer);
	if (policy_check(d, svc, &ci, &cl, &reply)) {
	    refuse(cfd, l, STR_C(reply));
	    continue;
	}
	/* A server that has just died is dropped by pool_handoff(): try another. */
	while (s != NULL && pool_handoff(s, cfd, l, &ci, cl, &err) < 0) {
	    msg_warn("%s", STR_C(err));
	    s = pool_pick(svc);
	}
	if (s == NULL) {
	    msg_warn("connection from [%s]:%d on port %d (%s): no server could take it; the"
		     " client is told to come back later", ci.peer, ci.peer_port, ci.local_port,
		     svc->cf->name);
	    policy_release(d, cl);
	    refuse(cfd, l, "421 4.3.2 Service temporarily unavailable; try again later");
	    continue;
	}
	close(cfd);			/* the server has its own copy now */
    }
    pool_maintain(d);
    str_free(&peer);
    str_free(&local);
    str_free(&err);
    str_free(&reply);
}

static void listener_free(DISPATCHER *d, LISTENER *l)
{
    ev_unwatch(d->ev, l->fd);
    close(l->fd);
    free(l->addr);
    free(l);
}

static LISTENER *listener_find(LISTENER **v, size_t n, const char *addr, int port)
{
    size_t  i;

    for (i = 0; i < n; i++)
	if (v[i] != NULL && v[i]->port == port && strcmp(v[i]->addr, addr) == 0)
	    return v[i];
    return NULL;
}

/*
 * The listening sockets of a configuration: those of old (d->lis) with
 * the same address and port are taken over, the others opened.  On
 * failure nothing changes: sockets opened here are closed again.
 */
static int listeners_build(DISPATCHER *d, SERVICE *svcs, size_t nsvc, LISTENER ***out,
			           size_t *nout, STR *err)
{
    LISTENER **v = NULL, **old = mem_calloc(d->nlis + 1, sizeof(*old));
    SERVICE **svc_of = NULL;		/* applied only once all is well */
    int    *tls_of = NULL;
    size_t  n = 0, i, k, a;

    if (d->nlis > 0)
	memcpy(old, d->lis, d->nlis * sizeof(*old));
    for (i = 0; i < nsvc; i++) {
	const DISP_SERVICE *cf = svcs[i].cf;

	for (a = 0; a < cf->interfaces.n; a++)
	    for (k = 0; k < cf->nports; k++) {
		const char *addr = cf->interfaces.v[a];
		LISTENER *l = listener_find(old, d->nlis, addr, cf->ports[k].port);
		size_t  j;

		if (l != NULL) {
		    for (j = 0; j < d->nlis; j++)
			if (old[j] == l)
			    old[j] = NULL;	/* taken over */
		} else {
		    int     fd = port_listen_tcp(addr, cf->ports[k].port, (int) cf->backlog, err);

		    if (fd < 0) {
			str_printf(err, "[SERVICE=%s] (%s): %s", cf->name, cf->where,
				   STR_C(*err));
			for (j = 0; j < n; j++)
			    if (listener_find(d->lis, d->nlis, v[j]->addr, v[j]->port) == NULL)
				listener_free(d, v[j]);
			free(v);
			free(svc_of);
			free(tls_of);
			free(old);
			return -1;
		    }
		    l = mem_calloc(1, sizeof(*l));
		    l->d = d;
		    l->fd = fd;
		    l->addr = mem_strdup(addr);
		    l->port = cf->ports[k].port;
		}
		v = mem_realloc(v, (n + 1) * sizeof(*v));
		svc_of = mem_realloc(svc_of, (n + 1) * sizeof(*svc_of));
		tls_of = mem_realloc(tls_of, (n + 1) * sizeof(*tls_of));
		svc_of[n] = &svcs[i];
		tls_of[n] = cf->ports[k].tls;
		v[n++] = l;
	    }
    }
    /* What the new configuration does not have any more. */
    for (i = 0; i < d->nlis; i++)
	if (old[i] != NULL) {
	    msg_info("closed %s port %d (%s): not in the new configuration", old[i]->addr,
		     old[i]->port, old[i]->svc ? old[i]->svc->cf->name : "?");
	    listener_free(d, old[i]);
	}
    for (i = 0; i < n; i++) {
	v[i]->svc = svc_of[i];
	v[i]->tls = tls_of[i];
    }
    free(svc_of);
    free(tls_of);
    free(old);
    *out = v;
    *nout = n;
    return 0;
}

static void listeners_start(DISPATCHER *d)
{
    size_t  i;

    for (i = 0; i < d->nlis; i++) {
	LISTENER *l = d->lis[i];

	ev_watch(d->ev, l->fd, EV_READ, on_accept, l);
	l->watched = 1;
    }
}

static void services_describe(const DISPATCHER *d)
{
    STR     line = STR_INIT;
    size_t  i, k;

    for (i = 0; i < d->nsvc; i++) {
	const DISP_SERVICE *cf = d->svc[i].cf;

	str_printf(&line, "service %s:", cf->name);
	for (k = 0; k < d->nlis; k++)
	    if (d->lis[k]->svc == &d->svc[i])
		str_catf(&line, " %s:%d%s", d->lis[k]->addr, d->lis[k]->port,
			 d->lis[k]->tls ? " (TLS)" : "");
	str_catf(&line, "; %s, MIN_PROCS=%ld MAX_PROCS=%ld MIN_CONNS=%ld MAX_CONNS=%ld"
		 " MAX_LIFE_CONNS=%ld MAX_LIFE_TIME=%ld MAX_IDLE_TIME=%ld",
		 cf->image, cf->min_procs, cf->max_procs, cf->min_conns, cf->max_conns,
		 cf->max_life_conns, cf->max_life_time, cf->max_idle_time);
	msg_info("%s", STR_C(line));
    }
    str_free(&line);
}

/* ---- configuration ------------------------------------------------------------------ */

static SERVICE *services_new(DISPATCHER *d, const DISP_CONFIG *cfg)
{
    SERVICE *v = mem_calloc(cfg->nsvc, sizeof(*v));
    size_t  i;

    for (i = 0; i < cfg->nsvc; i++) {
	v[i].d = d;
	v[i].cf = &cfg->svc[i];
    }
    return v;
}

static int load_mappings(MAPPINGS **maps, STR *err)
{
    int     rc = mapping_load(NULL, maps, err);

    str_reset(err);
    return rc < 0 ? -1 : 0;
}

static void reload(DISPATCHER *d, const char *spec)
{
    DISP_CONFIG nc;
    MAPPINGS *maps = NULL;
    SERVICE *svcs;
    LISTENER **lis;
    SERVER *s;
    STR     err = STR_INIT;
    size_t  nlis, i;

    msg_info("reloading the configuration");
    d->reloads++;
    if (dispcnf_read(spec, &nc, &err) < 0 || load_mappings(&maps, &err) < 0) {
	dispcnf_free(&nc);
	msg_error("%s; the running configuration is kept", STR_C(err));
	str_printf(&d->reload_status, "%s", STR_C(err));
	d->status_dirty = 1;
	str_free(&err);
	return;
    }
    svcs = services_new(d, &nc);
    if (listeners_build(d, svcs, nc.nsvc, &lis, &nlis, &err) < 0) {
	msg_error("%s; the running configuration is kept", STR_C(err));
	str_printf(&d->reload_status, "%s", STR_C(err));
	free(svcs);
	dispcnf_free(&nc);
	mapping_free(maps);
	d->status_dirty = 1;
	str_free(&err);
	return;
    }
    for (s = d->servers; s; s = s->next)
	pool_retire(s, "new configuration");
    free(d->lis);
    d->lis = lis;
    d->nlis = nlis;
    free(d->svc);
    d->svc = svcs;
    d->nsvc = nc.nsvc;
    dispcnf_free(&d->cfg);
    d->cfg = nc;
    mapping_free(d->maps);
    d->maps = maps;
    /* Paused until a server of the new configuration is ready. */
    for (i = 0; i < d->nlis; i++)
	d->lis[i]->watched = -1;
    for (i = 0; i < d->nsvc; i++) {
	d->svc[i].demand = 1;
	listeners_update(&d->svc[i]);
    }
    str_cpy(&d->reload_status, "ok");
    d->status_dirty = 1;
    msg_info("new configuration in use (%s)", d->cfg.path);
    services_describe(d);
    pool_maintain(d);
    str_free(&err);
}

/* ---- the status file ---------------------------------------------------------------- */

static void status_write(DISPATCHER *d, int remove_it)
{
    static int warned;
    STR     path = STR_INIT, tmp = STR_INIT, err = STR_INIT, text = STR_INIT;
    long long now = ev_now_ms();
    time_t  wall = time(NULL);
    SERVER *s;
    FILE   *fp;
    size_t  i;

    if (daemon_statusfile(DISP_COMPONENT, LNM_CREATE, &path, &err) < 0)
	goto out;
    if (remove_it) {
	(void) unlink(STR_C(path));
	goto out;
    }
    str_printf(&text, "! %s - the dispatcher's state, read by \"pmdf process\"\n"
	       "PID=%ld\nSTARTED=%ld\nUPDATED=%ld\nCONFIG=%s\nRELOADS=%ld\nRELOAD_STATUS=%s\n",
	       STR_C(path), (long) getpid(), (long) d->started, (long) wall, d->cfg.path,
	       d->reloads, d->reload_status.len ? STR_C(d->reload_status) : "ok");
    for (i = 0; i < d->nlis; i++)
	str_catf(&text, "LISTEN=%s %s %d %s\n", d->lis[i]->svc->cf->name, d->lis[i]->addr,
		 d->lis[i]->port, d->lis[i]->tls ? "tls" : "plain");
    for (s = d->servers; s; s = s->next)
	str_catf(&text, "[SERVER=%ld]\nPROGRAM=%s\nSERVICE=%s\nSTATE=%s\nCONNECTIONS=%ld\n"
		 "TOTAL=%ld\nSTARTED=%ld\n", s->pid, s->program, s->service,
		 s->svc == NULL ? "retiring" : s->ready ? "active" : "starting", s->conns,
		 s->total, (long) wall - (long) ((now - s->started_ms) / 1000));
    str_printf(&tmp, "%s_new", STR_C(path));
    if ((fp = fopen(STR_C(tmp), "w")) == NULL
	|| fwrite(text.s, 1, text.len, fp) != text.len || fclose(fp) != 0
	|| rename(STR_C(tmp), STR_C(path)) != 0) {
	if (!warned)
	    msg_warn("cannot write the status file %s: %s (pmdf process will not see the"
		     " servers)", STR_C(path), strerror(errno));
	warned = 1;
	(void) unlink(STR_C(tmp));
    }
  out:
    str_free(&path);
    str_free(&tmp);
    str_free(&err);
    str_free(&text);
}

/* ---- stopping ------------------------------------------------------------------------- */

static void dispatcher_stop(DISPATCHER *d)
{
    long long deadline, now;
    SERVER *s;
    size_t  i;
    int     termed = 0;

    d->stopping = 1;
    for (i = 0; i < d->nlis; i++)
	listener_free(d, d->lis[i]);
    d->nlis = 0;
    for (s = d->servers; s; s = s->next)
	pool_retire(s, "the dispatcher stops");
    msg_info("stopping: %s server process%s get%s up to %ld s (MAX_SHUTDOWN) to finish",
	     d->servers ? "the" : "no", d->servers && d->servers->next ? "es" : "",
	     d->servers && !d->servers->next ? "s" : "", d->cfg.max_shutdown);
    stop_flag = 0;
    deadline = ev_now_ms() + d->cfg.max_shutdown * 1000L;
    while (d->servers != NULL) {
	now = ev_now_ms();
	if (!termed && (now >= deadline || stop_flag)) {
	    for (s = d->servers; s; s = s->next)
		if (!s->exited) {
		    msg_info("stopping server process %ld of %s (%ld connection%s open)",
			     s->pid, s->service, s->conns, s->conns == 1 ? "" : "s");
		    spawn_signal(s->pid, 0);
		}
	    termed = 1;
	    deadline = now + DISP_KILL_MS;
	} else if (termed && now >= deadline) {
	    for (s = d->servers; s; s = s->next)
		if (!s->exited && !s->term_sent) {
		    msg_warn("killing server process %ld of %s", s->pid, s->service);
		    spawn_signal(s->pid, 1);
		    s->term_sent = 1;
		}
	    deadline = now + DISP_KILL_MS;
	}
	(void) ev_run_once(d->ev, 50);
	pool_reap(d);
	status_write(d, 0);
    }
}

/* ---- main -------------------------------------------------------------------------- */

static const CLI_QUAL disp_quals[] = {
    {"config", CLI_VALUE_REQUIRED, 0,
     "DISPATCHER.CNF to read (default PMDF_DISPATCHER_CONFIG, else PMDF_TABLE:dispatcher.cnf)"},
    {NULL, 0, 0, NULL}
};

static int disp_main(const CLI_CMD *cmd);

static const CLI_VERB disp_verb[] = {
    {"dispatcher", NULL, disp_quals, 0, 0, NULL, "the dispatcher", disp_main},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static void disp_free(DISPATCHER *d)
{
    size_t  i;

    for (i = 0; i < d->nlis; i++)
	listener_free(d, d->lis[i]);
    free(d->lis);
    free(d->svc);
    htab_free(d->conns, NULL);
    policy_free(d);
    mapping_free(d->maps);
    maillog_close(d->log);
    ev_free(d->ev);
    dispcnf_free(&d->cfg);
    str_free(&d->reload_status);
    lnm_shutdown();
}

static void disp_start(DISPATCHER *d, const char *spec)
{
    STR     err = STR_INIT;

    if (dispcnf_read(spec, &d->cfg, &err) < 0)
	msg_fatal("%s", STR_C(err));
    if (d->cfg.log_path && freopen(d->cfg.log_path, "a", stderr) == NULL)
	msg_fatal("cannot open the log file %s: %s", d->cfg.log_path, strerror(errno));
    if (daemon_claim(DISP_COMPONENT, &err) < 0)
	msg_fatal("%s", STR_C(err));
    if (load_mappings(&d->maps, &err) < 0)
	msg_fatal("%s", STR_C(err));
    if ((d->ev = ev_create(&err)) == NULL)
	msg_fatal("%s", STR_C(err));
    d->conns = htab_create(1024);
    d->clients = htab_create(1024);
    d->svc = services_new(d, &d->cfg);
    d->nsvc = d->cfg.nsvc;
    if (listeners_build(d, d->svc, d->nsvc, &d->lis, &d->nlis, &err) < 0)
	msg_fatal("%s", STR_C(err));
    if (geteuid() == 0 && d->cfg.user != NULL) {
	if (spawn_become_user(d->cfg.user, &err) < 0)
	    msg_fatal("%s", STR_C(err));
	msg_info("ports bound; now running as user %s", d->cfg.user);
    } else if (geteuid() == 0)
	msg_info("running as root (USER= in DISPATCHER.CNF names a user to become once"
		 " the ports are bound)");
    if ((d->log = maillog_open(&err)) == NULL)
	msg_warn("%s: PORT_ACCESS $T entries are not written", STR_C(err));
    d->started = time(NULL);
    str_cpy(&d->reload_status, "ok");
    str_free(&err);
}

static int disp_main(const CLI_CMD *cmd)
{
    DISPATCHER d;
    STR     err = STR_INIT;
    const char *spec = cli_value(cmd, "config");
    long long last_status = 0, last_sweep, now;

    memset(&d, 0, sizeof(d));
    if (lnm_init(&err) < 0)
	msg_fatal("%s", STR_C(err));
    disp_start(&d, spec);
    daemon_on_signals(&stop_flag, &reload_flag);
    msg_info("started (process %ld) with %s", (long) getpid(), d.cfg.path);
    services_describe(&d);
    listeners_start(&d);
    pool_maintain(&d);
    last_sweep = ev_now_ms();
    while (!stop_flag) {
	if (ev_run_once(d.ev, DISP_TURN_MS) < 0 && errno != EINTR)
	    msg_fatal("event loop: %s", strerror(errno));
	pool_reap(&d);
	if (reload_flag) {
	    reload_flag = 0;
	    reload(&d, spec);
	}
	pool_maintain(&d);
	now = ev_now_ms();
	if ((d.status_dirty && now - last_status >= DISP_STATUS_MIN)
	    || now - last_status >= DISP_STATUS_MS) {
	    status_write(&d, 0);
	    d.status_dirty = 0;
	    last_status = now;
	}
	if (now - last_sweep >= DISP_SWEEP_MS) {
	    policy_sweep(&d);
	    last_sweep = now;
	}
    }
    dispatcher_stop(&d);
    status_write(&d, 1);
    msg_info("stopped");
    disp_free(&d);
    str_free(&err);
    return 0;
}

int     main(int argc, char **argv)
{
    msg_timestamps(1);
    return cli_program_main(disp_verb, "dispatcher", argc, argv);
}
