/*
 * NAME
 *	pool - each service's server processes, and the hand-off to them
 * SYNOPSIS
 *	#include "dispatch.h"
 *
 *	SERVER *pool_pick(SERVICE *svc);
 *	int pool_handoff(SERVER *s, int fd, const LISTENER *l, const CONN_INFO *ci,
 *			 CLIENT *cl, STR *err);
 *	void pool_retire(SERVER *s, const char *why);
 *	void pool_maintain(DISPATCHER *d);
 *	void pool_reap(DISPATCHER *d);
 *	size_t pool_count(const DISPATCHER *d, const SERVICE *svc, int ready_only);
 * DESCRIPTION
 *	The rules are PMDF's (DISPATCHER.CNF, per service):
 *	- a server is started while the service has fewer than MIN_PROCS,
 *	  or when every server it has holds at least MIN_CONNS connections,
 *	  never beyond MAX_PROCS; with no server at all (MIN_PROCS=0) one is
 *	  started when a client is waiting.  A server that is starting
 *	  counts as holding none, so servers start one at a time.
 *	- a connection goes to the ready server with the fewest connections,
 *	  never one holding MAX_CONNS; when none can take it the service is
 *	  marked as having demand, its listening sockets pause and clients
 *	  wait in the kernel's backlog (BACKLOG) until a server has room
 *	  again or a new one is ready (which clears the demand).
 *	- a server is retired after MAX_LIFE_CONNS connections or
 *	  MAX_LIFE_TIME seconds, and a server above MIN_PROCS with no
 *	  connection for MAX_IDLE_TIME seconds.  Retiring is graceful: the
 *	  dispatcher closes the sending side of the channel, the server
 *	  finishes its sessions and exits.  Retired servers do not count
 *	  against MAX_PROCS (they take no new connection).
 *	- a server that exits unexpectedly (a crash, a kill) loses only its
 *	  own sessions; the rules above start its replacement.  A server that
 *	  dies before it is ready makes the service wait before the next try
 *	  (1 s, doubling up to 60 s) so a broken program does not spin.
 *
 *	Servers get the service's IMAGE with the PARAMETER arguments and
 *	-dispatcher=3 (spawn.h), standard output and error appended to the
 *	service's LOGFILE.  The dispatcher log names each start, stop and
 *	retirement, and each hand-off that failed.
 * DIAGNOSTICS
 *	pool_handoff() returns 0, or -1 with err when the message could not
 *	be sent (the server is busy or gone); the caller decides what the
 *	client gets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include "dispatch.h"
#include "fdpass.h"
#include "spawn.h"
#include "mem.h"
#include "msg.h"

#define POOL_MAX_BACKOFF 60000
#define POOL_BUSY_MS	200		/* a server whose channel is full is passed over */

static void pool_on_channel(EVLOOP *ev, int fd, int events, void *ctx);
static void pool_channel_closed(SERVER *s);

size_t  pool_count(const DISPATCHER *d, const SERVICE *svc, int ready_only)
{
    const SERVER *s;
    size_t  n = 0;

    for (s = d->servers; s; s = s->next)
	if (s->svc == svc && (!ready_only || s->ready))
	    n++;
    return n;
}

SERVER *pool_pick(SERVICE *svc)
{
    SERVER *s, *best = NULL;
    long long now = ev_now_ms();

    for (s = svc->d->servers; s; s = s->next) {
	if (s->svc != svc || !s->ready || s->chan < 0 || s->busy_until_ms > now)
	    continue;
	if (s->conns >= svc->cf->max_conns || s->total >= svc->cf->max_life_conns)
	    continue;
	if (best == NULL || s->conns < best->conns)
	    best = s;
    }
    return best;
}

static void pool_start(SERVICE *svc)
{
    DISPATCHER *d = svc->d;
    const DISP_SERVICE *cf = svc->cf;
    STR     err = STR_INIT;
    char  **argv;
    SERVER *s;
    size_t  i, n = 0;
    int     fds[2];
    long    pid;

    if (fdpass_pair(fds, &err) < 0) {
	msg_warn("cannot start a server for %s: %s", cf->name, STR_C(err));
	str_free(&err);
	return;
    }
    argv = mem_calloc(cf->args.n + 3, sizeof(*argv));
    argv[n++] = cf->image_path;
    for (i = 0; i < cf->args.n; i++)
	argv[n++] = cf->args.v[i];
    argv[n++] = "-dispatcher=3";
    argv[n] = NULL;
    pid = spawn_server(argv, fds[1], cf->log_path, &err);
    free(argv);
    close(fds[1]);
    if (pid < 0) {
	msg_warn("cannot start a server for %s: %s", cf->name, STR_C(err));
	close(fds[0]);
	str_free(&err);
	svc->next_start_ms = ev_now_ms() + 1000;
	return;
    }
    s = mem_calloc(1, sizeof(*s));
    s->d = d;
    s->svc = svc;
    s->service = mem_strdup(cf->name);
    s->program = mem_strdup(strrchr(cf->image_path, '/') ? strrchr(cf->image_path, '/') + 1
			    : cf->image_path);
    s->pid = pid;
    s->chan = fds[0];
    s->started_ms = s->idle_ms = ev_now_ms();
    s->next = d->servers;
    d->servers = s;
    ev_watch(d->ev, s->chan, EV_READ, pool_on_channel, s);
    d->status_dirty = 1;
    msg_info("started server process %ld for %s (%s%s%s)", pid, cf->name, cf->image,
	     cf->log_path ? ", log " : "", cf->log_path ? cf->log_path : "");
    str_free(&err);
}

void    pool_retire(SERVER *s, const char *why)
{
    SERVICE *svc = s->svc;

    if (svc == NULL)
	return;
    s->svc = NULL;
    s->d->status_dirty = 1;
    if (s->chan >= 0)
	(void) fdpass_close_send(s->chan);
    msg_info("retiring server process %ld of %s (%s): it finishes its %ld connection%s",
	     s->pid, s->service, why, s->conns, s->conns == 1 ? "" : "s");
    listeners_update(svc);
}

static void pool_conn_free(DISPATCHER *d, CONN *c)
{
    STR     key = STR_INIT;
    SERVER *s = c->srv;

    str_printf(&key, "%ld", c->id);
    htab_remove(d->conns, STR_C(key));
    str_free(&key);
    if (c->prev)
	c->prev->next = c->next;
    else
	s->conn_list = c->next;
    if (c->next)
	c->next->prev = c->prev;
    policy_release(d, c->cl);
    s->conns--;
    if (s->conns == 0)
	s->idle_ms = ev_now_ms();
    free(c);
}

int     pool_handoff(SERVER *s, int fd, const LISTENER *l, const CONN_INFO *ci, CLIENT *cl,
		             STR *err)
{
    DISPATCHER *d = s->d;
    SERVICE *svc = s->svc;
    STR     msg = STR_INIT, key = STR_INIT;
    CONN   *c;
    long    id = d->next_id + 1;

    str_printf(&msg, "C %ld %s %s %d %s %d %s %d", id, svc->cf->name, svc->cf->channel, l->tls,
	       ci->local, ci->local_port, ci->peer, ci->peer_port);
    if (fdpass_send(s->chan, fd, STR_C(msg), msg.len) < 0) {
	int     e = errno;

	str_printf(err, "hand-off of [%s]:%d to server process %ld of %s failed: %s",
		   ci->peer, ci->peer_port, s->pid, svc->cf->name,
		   e == EAGAIN ? "its channel stayed full (a busy server)" : strerror(e));
	str_free(&msg);
	if (e == EAGAIN)
	    s->busy_until_ms = ev_now_ms() + POOL_BUSY_MS;	/* others first */
	else
	    pool_channel_closed(s);	/* gone */
	return -1;
    }
    d->next_id = id;
    c = mem_calloc(1, sizeof(*c));
    c->id = id;
    c->srv = s;
    c->cl = cl;
    c->next = s->conn_list;
    if (c->next)
	c->next->prev = c;
    s->conn_list = c;
    str_printf(&key, "%ld", id);
    htab_enter(d->conns, STR_C(key), c);
    s->conns++;
    s->total++;
    d->status_dirty = 1;
    if (svc->cf->debug || d->cfg.debug)
	msg_info("connection %ld from [%s]:%d on port %d handed to server process %ld of %s"
		 " (%ld open)", id, ci->peer, ci->peer_port, ci->local_port, s->pid,
		 svc->cf->name, s->conns);
    if (s->total >= svc->cf->max_life_conns)
	pool_retire(s, "MAX_LIFE_CONNS reached");
    str_free(&msg);
    str_free(&key);
    return 0;
}

/* The channel is gone: every connection the server held is closed. */
static void pool_channel_closed(SERVER *s)
{
    DISPATCHER *d = s->d;

    if (s->chan < 0)
	return;
    ev_unwatch(d->ev, s->chan);
    close(s->chan);
    s->chan = -1;
    s->lost = s->conns;
    while (s->conn_list)
	pool_conn_free(d, s->conn_list);
    if (s->svc) {
	SERVICE *svc = s->svc;

	s->svc = NULL;
	listeners_update(svc);
    }
    d->status_dirty = 1;
}

static void pool_message(SERVER *s, char *msg)
{
    DISPATCHER *d = s->d;
    char   *p, *end;

    if (strncmp(msg, "READY", 5) == 0) {
	s->ready = 1;
	s->idle_ms = ev_now_ms();
	d->status_dirty = 1;
	if (s->svc) {
	    s->svc->backoff_ms = 0;
	    s->svc->demand = 0;
	    listeners_update(s->svc);
	}
	return;
    }
    if (msg[0] != 'D' || msg[1] != ' ') {
	msg_warn("server process %ld of %s: unknown message \"%.40s\"", s->pid, s->service, msg);
	return;
    }
    for (p = msg + 2; *p; p = end) {
	long    id = strtol(p, &end, 10);
	STR     key = STR_INIT;
	CONN   *c;

	if (end == p)
	    break;
	str_printf(&key, "%ld", id);
	c = htab_find(d->conns, STR_C(key));
	str_free(&key);
	if (c != NULL && c->srv == s)
	    pool_conn_free(d, c);
    }
    d->status_dirty = 1;
    if (s->svc)
	listeners_update(s->svc);
}

static void pool_on_channel(EVLOOP *ev, int fd, int events, void *ctx)
{
    SERVER *s = ctx;
    char    buf[FDPASS_MAX_MSG + 1];
    long    n;
    int     i, xfd;

    (void) ev;
    (void) fd;
    (void) events;
    for (i = 0; i < 64 && s->chan >= 0; i++) {
	n = fdpass_recv(s->chan, &xfd, buf, sizeof(buf));
	if (xfd >= 0)
	    close(xfd);			/* servers send none */
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
	    break;
	if (n <= 0) {
	    pool_channel_closed(s);
	    break;
	}
	pool_message(s, buf);
    }
}

static void pool_remove(DISPATCHER *d, SERVER *s)
{
    SERVER **pp;

    for (pp = &d->servers; *pp; pp = &(*pp)->next)
	if (*pp == s) {
	    *pp = s->next;
	    break;
	}
    free(s->service);
    free(s->program);
    free(s);
    d->status_dirty = 1;
}

void    pool_reap(DISPATCHER *d)
{
    STR     how = STR_INIT;
    SERVER *s;
    long    pid;
    int     ok;
    SPAWN_STATUS st;

    while (spawn_reap(&pid, &st) > 0) {
	str_reset(&how);
	spawn_describe(&st, &how);
	ok = spawn_ended_well(&st);
	for (s = d->servers; s && s->pid != pid; s = s->next)
	     /* void */ ;
	if (s == NULL)
	    continue;
	s->exited = 1;
	if (s->chan >= 0) {
	    /* Messages it sent before it went are still worth reading. */
	    pool_on_channel(d->ev, s->chan, EV_READ, s);
	    pool_channel_closed(s);
	}
	if (!s->ready) {
	    SERVICE *svc;
	    size_t  i;

	    for (i = 0, svc = NULL; i < d->nsvc; i++)
		if (strcmp(d->svc[i].cf->name, s->service) == 0)
		    svc = &d->svc[i];
	    msg_warn("server process %ld of %s exited before it was ready (%s); see its log",
		     pid, s->service, STR_C(how));
	    if (svc && !d->stopping) {
		svc->backoff_ms = svc->backoff_ms ? svc->backoff_ms * 2 : 1000;
		if (svc->backoff_ms > POOL_MAX_BACKOFF)
		    svc->backoff_ms = POOL_MAX_BACKOFF;
		svc->next_start_ms = ev_now_ms() + svc->backoff_ms;
		msg_warn("next server for %s in %ld s", s->service, svc->backoff_ms / 1000);
	    }
	} else if (ok && (s->lost == 0 || d->stopping))
	    msg_info("server process %ld of %s stopped (%s) after %ld connection%s", pid,
		     s->service, STR_C(how), s->total, s->total == 1 ? "" : "s");
	else
	    msg_warn("server process %ld of %s exited unexpectedly (%s): %ld open connection%s"
		     " lost, %ld handed in all", pid, s->service, STR_C(how), s->lost,
		     s->lost == 1 ? "" : "s", s->total);
	pool_remove(d, s);
    }
    str_free(&how);
}

static void pool_maintain_service(SERVICE *svc, long long now)
{
    DISPATCHER *d = svc->d;
    const DISP_SERVICE *cf = svc->cf;
    SERVER *s, *idle = NULL;
    size_t  n = 0, starting = 0, full = 0, idle_n = 0;

    for (s = d->servers; s; s = s->next) {
	if (s->svc != svc)
	    continue;
	if (now - s->started_ms >= cf->max_life_time * 1000L) {
	    pool_retire(s, "MAX_LIFE_TIME reached");
	    continue;
	}
	n++;
	if (!s->ready)
	    starting++;
	else if (s->conns >= cf->min_conns)
	    full++;
	if (s->ready && s->conns == 0 && now - s->idle_ms >= cf->max_idle_time * 1000L) {
	    idle = s;
	    idle_n++;
	}
    }
    if (idle != NULL && n > (size_t) cf->min_procs) {
	pool_retire(idle, "idle for MAX_IDLE_TIME");
	n--;
    }
    if (now < svc->next_start_ms)
	return;
    while (n < (size_t) cf->min_procs) {
	pool_start(svc);
	n++;
	starting++;
    }
    if (n < (size_t) cf->max_procs && starting == 0
	&& ((n > 0 && full == n) || (n == 0 && svc->demand)))
	pool_start(svc);
}

void    pool_maintain(DISPATCHER *d)
{
    long long now = ev_now_ms();
    size_t  i;

    if (d->stopping)
	return;
    for (i = 0; i < d->nsvc; i++) {
	pool_maintain_service(&d->svc[i], now);
	listeners_update(&d->svc[i]);	/* e.g. a busy server is free again */
    }
}
