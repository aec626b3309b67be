/*
 * NAME
 *	t_evloop - the event loop and the socket helpers
 * SYNOPSIS
 *	t_evloop
 * DESCRIPTION
 *	On socketpairs: read and write readiness, idle registration, events
 *	masked by the interest, deadlines (firing earliest first, ties in
 *	the order set, cancelled, moved, after I/O), callbacks that unwatch
 *	another fd or their own, a callback that closes an fd and reuses its
 *	number during dispatch (the stale event must not reach the new
 *	registration), 1,000 fds ready and timing out at once, and a
 *	measurement with 10,000 fds (printed as a TAP comment).  On real
 *	loopback TCP: listening on 127.0.0.1, ::1 and "*" with port 0 (found
 *	with port_local_addr), accept with the client's address and port,
 *	IPv4 clients of "*" shown as IPv4, accept with nothing waiting,
 *	echo through accepted sockets, a port in use, a bad address.
 *
 *	Link it with evloop.c compiled with -DEV_FORCE_POLL to test the
 *	poll(2) back-end on Linux; the first comment line names the back-end.
 * DIAGNOSTICS
 *	TAP on standard output; exit status 0 when every test passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "evloop.h"
#include "str.h"
#include "tap.h"

#define MAX_CALLS 12000
#define MANY	  1000		/* fds watched at once */
#define HUGE_FDS  10000		/* fds for the measurement */

typedef struct CALL {
    int     fd;
    int     events;
    long long at;
} CALL;

typedef struct LOG {
    CALL   *call;
    int     n;
    int     drain;		/* read what is there */
    int     unwatch;		/* unwatch the fd after the call */
} LOG;

static void log_init(LOG *log)
{
    memset(log, 0, sizeof(*log));
    log->call = calloc(MAX_CALLS, sizeof(*log->call));
    if (log->call == NULL)
	abort();
}

/* Reads what is there (the tests only care that it is gone). */
static void drain(int fd)
{
    char    buf[256];

    if (read(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
	perror("read");
}

static void cb_log(EVLOOP *ev, int fd, int events, void *ctx)
{
    LOG    *log = ctx;

    if (log->n < MAX_CALLS) {
	log->call[log->n].fd = fd;
	log->call[log->n].events = events;
	log->call[log->n].at = ev_now_ms();
	log->n++;
    }
    if (log->drain && (events & EV_READ))
	drain(fd);
    if (log->unwatch)
	ev_unwatch(ev, fd);
}

/* Runs the loop until log has want calls or limit_ms passes. */
static void run_until(EVLOOP *ev, const LOG *log, int want, long limit_ms)
{
    long long end = ev_now_ms() + limit_ms;
    int     i;

    for (i = 0; i < 100000 && log->n < want && ev_now_ms() < end; i++)
	(void) ev_run_once(ev, 10);
}

static void pair(int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
	perror("socketpair");
	exit(1);
    }
    (void) port_nonblock(sv[0]);
    (void) port_nonblock(sv[1]);
}

static void put(int fd, const char *s)
{
    if (write(fd, s, strlen(s)) != (ssize_t) strlen(s)) {
	perror("write");
	exit(1);
    }
}

static void close_pair(EVLOOP *ev, int sv[2])
{
    ev_unwatch(ev, sv[0]);
    ev_unwatch(ev, sv[1]);
    (void) close(sv[0]);
    (void) close(sv[1]);
}

/* Readiness, idle registration, masking. */
static void test_readiness(EVLOOP *ev)
{
    LOG     log;
    int     sv[2], x = 0;

    log_init(&log);
    pair(sv);
    tap_ok(ev_watch(ev, sv[0], EV_READ, cb_log, &log) == 0, "watch a socket for reading");
    tap_is_int(ev_run_once(ev, 0), 0, "nothing ready: no callback");
    put(sv[1], "x");
    tap_is_int(ev_run_once(ev, 1000), 1, "data written: one callback");
    tap_ok(log.n == 1 && log.call[0].fd == sv[0] && log.call[0].events == EV_READ,
	   "callback got the fd and EV_READ");
    tap_ok(ev_watch(ev, sv[0], 0, cb_log, &log) == 0, "interest 0: registered but idle");
    tap_is_int(ev_run_once(ev, 0), 0, "idle fd with data: no callback");
    ev_deadline(ev, sv[0], 5);
    run_until(ev, &log, 2, 1000);
    tap_ok(log.n == 2 && log.call[1].events == EV_TIMEOUT, "idle fd still gets its deadline");
    tap_ok(ev_watch(ev, sv[0], EV_READ | EV_WRITE, cb_log, &log) == 0, "watch read and write");
    (void) ev_run_once(ev, 1000);
    tap_ok(log.n == 3 && log.call[2].events == (EV_READ | EV_WRITE),
	   "both ready: EV_READ|EV_WRITE in one call");
    log.drain = 1;
    (void) ev_watch(ev, sv[0], EV_READ, cb_log, &log);
    (void) ev_run_once(ev, 1000);
    (void) ev_watch(ev, sv[0], EV_READ | EV_WRITE, cb_log, &log);
    (void) ev_run_once(ev, 1000);
    tap_ok(log.n == 5 && log.call[4].events == EV_WRITE, "nothing to read: EV_WRITE only");
    (void) close(sv[1]);
    log.drain = 0;
    (void) ev_watch(ev, sv[0], EV_READ, cb_log, &log);
    (void) ev_run_once(ev, 1000);
    tap_ok(log.n == 6 && (log.call[5].events & EV_READ) && read(sv[0], &x, 1) == 0,
	   "peer closed: EV_READ, then read() gives end of file");
    (void) ev_watch(ev, sv[0], 0, cb_log, &log);
    tap_is_int(ev_run_once(ev, 20), 0, "hung-up socket with interest 0 does not spin");
    ev_unwatch(ev, sv[0]);
    (void) close(sv[0]);
    errno = 0;
    tap_ok(ev_watch(ev, -1, EV_READ, cb_log, &log) < 0 && errno == EBADF, "watch -1: EBADF");
    ev_unwatch(ev, 12345);
    ev_deadline(ev, 12345, 10);
    tap_ok(1, "unwatch and deadline of an unknown fd are harmless");
    free(log.call);
}

/* Deadlines: order, ties, cancel, move, expiry after I/O. */
static void test_deadlines(EVLOOP *ev)
{
    LOG     log;
    int     a[2], b[2], c[2], t[5][2], i, in_order;
    long long t0;

    log_init(&log);
    pair(a);
    pair(b);
    pair(c);
    (void) ev_watch(ev, a[0], EV_READ, cb_log, &log);
    (void) ev_watch(ev, b[0], EV_READ, cb_log, &log);
    (void) ev_watch(ev, c[0], EV_READ, cb_log, &log);
    t0 = ev_now_ms();
    ev_deadline(ev, a[0], 60);
    ev_deadline(ev, b[0], 20);
    ev_deadline(ev, c[0], 40);
    run_until(ev, &log, 3, 2000);
    tap_is_int(log.n, 3, "three deadlines fired");
    tap_ok(log.call[0].fd == b[0] && log.call[1].fd == c[0] && log.call[2].fd == a[0],
	   "deadlines fired earliest first (20, 40, 60 ms)");
    tap_ok(log.call[0].events == EV_TIMEOUT && log.call[1].events == EV_TIMEOUT
	   && log.call[2].events == EV_TIMEOUT, "each callback got EV_TIMEOUT alone");
    tap_ok(log.call[0].at - t0 >= 20 && log.call[2].at - t0 >= 60,
	   "no deadline fired early (%lld, %lld ms)", log.call[0].at - t0, log.call[2].at - t0);
    tap_is_int(ev_run_once(ev, 30), 0, "a deadline fires once");

    log.n = 0;
    ev_deadline(ev, a[0], 20);
    ev_deadline(ev, a[0], 0);
    ev_deadline(ev, b[0], 20);
    ev_deadline(ev, b[0], 300);
    ev_deadline(ev, c[0], 200);
    ev_deadline(ev, c[0], 10);
    run_until(ev, &log, 2, 120);
    tap_ok(log.n == 1 && log.call[0].fd == c[0], "cancelled, moved later, moved earlier: "
	   "only the earlier one fired within 120 ms");
    ev_deadline(ev, b[0], 0);

    log.n = 0;
    ev_deadline(ev, a[0], 30);
    put(a[1], "x");
    log.drain = 1;
    (void) ev_run_once(ev, 1000);
    tap_ok(log.n == 1 && log.call[0].events == EV_READ, "I/O before the deadline: EV_READ");
    run_until(ev, &log, 2, 1000);
    tap_ok(log.n == 2 && log.call[1].events == EV_TIMEOUT,
	   "the deadline stays set after I/O and fires later");
    log.drain = 0;

    log.n = 0;
    ev_deadline(ev, a[0], 10);
    ev_unwatch(ev, a[0]);
    (void) ev_watch(ev, a[0], EV_READ, cb_log, &log);
    tap_is_int(ev_run_once(ev, 40), 0, "unwatch forgets the deadline");

    for (i = 0; i < 5; i++) {
	pair(t[i]);
	(void) ev_watch(ev, t[i][0], EV_READ, cb_log, &log);
    }
    for (i = 0; i < 5; i++)
	ev_deadline(ev, t[i][0], 15);
    run_until(ev, &log, 5, 1000);
    for (in_order = log.n == 5, i = 0; in_order && i < 5; i++)
	in_order = log.call[i].fd == t[i][0];
    tap_ok(in_order, "equal deadlines fire in the order they were set");
    for (i = 0; i < 5; i++)
	close_pair(ev, t[i]);

    t0 = ev_now_ms();
    tap_is_int(ev_run_once(ev, 50), 0, "nothing happens: ev_run_once returns 0");
    tap_ok(ev_now_ms() - t0 >= 49, "and waited max_wait_ms (%lld ms)", ev_now_ms() - t0);
    close_pair(ev, a);
    close_pair(ev, b);
    close_pair(ev, c);
    free(log.call);
}

/* Callbacks that change the loop while it dispatches. */
typedef struct MUTATE {
    int     fds[2];		/* both readable; whichever runs first acts */
    int     runs;
    int     new_runs;
    int     peer;		/* peer of the socket now under the reused number */
    int     victim;
} MUTATE;

static void cb_unwatch_other(EVLOOP *ev, int fd, int events, void *ctx)
{
    MUTATE *m = ctx;

    (void) events;
    m->runs++;
    ev_unwatch(ev, fd == m->fds[0] ? m->fds[1] : m->fds[0]);
}

static void cb_close_self(EVLOOP *ev, int fd, int events, void *ctx)
{
    MUTATE *m = ctx;

    (void) events;
    m->runs++;
    ev_unwatch(ev, fd);
    (void) close(fd);
}

static void cb_new(EVLOOP *ev, int fd, int events, void *ctx)
{
    MUTATE *m = ctx;

    (void) ev;
    (void) events;
    m->new_runs++;
    drain(fd);
}

/* Closes the other fd and puts a fresh, empty socket under its number. */
static void cb_close_reuse(EVLOOP *ev, int fd, int events, void *ctx)
{
    MUTATE *m = ctx;
    int     sv[2];

    (void) events;
    drain(fd);
    if (m->runs++ > 0)
	return;
    m->victim = fd == m->fds[0] ? m->fds[1] : m->fds[0];
    ev_unwatch(ev, m->victim);
    (void) close(m->victim);
    pair(sv);
    if (sv[0] != m->victim) {		/* usually the lowest free number */
	if (dup2(sv[0], m->victim) < 0)
	    abort();
	(void) close(sv[0]);
    }
    m->peer = sv[1];
    (void) ev_watch(ev, m->victim, EV_READ, cb_new, m);
}

static void test_mutation(EVLOOP *ev)
{
    MUTATE  m;
    int     a[2], b[2], c[2], d[2];

    memset(&m, 0, sizeof(m));
    pair(a);
    pair(b);
    m.fds[0] = a[0];
    m.fds[1] = b[0];
    (void) ev_watch(ev, a[0], EV_READ, cb_unwatch_other, &m);
    (void) ev_watch(ev, b[0], EV_READ, cb_unwatch_other, &m);
    put(a[1], "x");
    put(b[1], "x");
    tap_is_int(ev_run_once(ev, 1000), 1, "unwatch inside a callback: one callback ran");
    tap_is_int(m.runs, 1, "the unwatched fd's pending event was dropped");
    close_pair(ev, a);
    close_pair(ev, b);

    memset(&m, 0, sizeof(m));
    pair(a);
    (void) ev_watch(ev, a[0], EV_READ | EV_WRITE, cb_close_self, &m);
    put(a[1], "x");
    (void) ev_run_once(ev, 1000);
    tap_is_int(m.runs, 1, "a callback unwatches and closes its own fd");
    tap_is_int(ev_run_once(ev, 20), 0, "and is not called again");
    (void) close(a[1]);

    memset(&m, 0, sizeof(m));
    pair(a);
    pair(b);
    m.fds[0] = a[0];
    m.fds[1] = b[0];
    (void) ev_watch(ev, a[0], EV_READ, cb_close_reuse, &m);
    (void) ev_watch(ev, b[0], EV_READ, cb_close_reuse, &m);
    put(a[1], "x");
    put(b[1], "x");
    (void) ev_run_once(ev, 1000);
    tap_is_int(m.runs, 1, "close + reuse: the first callback ran once");
    tap_is_int(m.new_runs, 0, "the stale event of the closed fd did not reach the new "
	       "registration under the same number");
    tap_is_int(ev_run_once(ev, 20), 0, "the new socket is quiet");
    put(m.peer, "y");
    (void) ev_run_once(ev, 1000);
    tap_is_int(m.new_runs, 1, "the new registration gets its own data");
    ev_unwatch(ev, m.victim);
    (void) close(m.victim);
    (void) close(m.peer);

    pair(c);
    (void) ev_watch(ev, c[0], EV_READ, cb_new, &m);
    (void) close(c[0]);			/* without ev_unwatch: a caller's bug */
    pair(d);
    if (d[0] != c[0] && dup2(d[0], c[0]) >= 0) {
	(void) close(d[0]);
	d[0] = c[0];
    }
    put(d[1], "w");
    tap_ok(ev_watch(ev, d[0], EV_READ, cb_new, &m) == 0 && ev_run_once(ev, 1000) == 1
	   && m.new_runs == 2, "closed without unwatch, number reused: ev_watch recovers");
    close_pair(ev, d);
    (void) close(c[1]);
    if (m.victim == a[0]) {
	close_pair(ev, b);
	(void) close(a[1]);
    } else {
	close_pair(ev, a);
	(void) close(b[1]);
    }
}

/* 1,000 fds ready at once, then 1,000 deadlines. */
static void test_many(EVLOOP *ev)
{
    int   (*sv)[2] = calloc(MANY / 2, sizeof(*sv));
    long long *due;
    int     fds[MANY], i, ok, seen, maxfd = 0;
    LOG     log;

    log_init(&log);
    for (i = 0; i < MANY / 2; i++) {
	pair(sv[i]);
	fds[2 * i] = sv[i][0];
	fds[2 * i + 1] = sv[i][1];
	maxfd = sv[i][0] > maxfd ? sv[i][0] : maxfd;
	maxfd = sv[i][1] > maxfd ? sv[i][1] : maxfd;
    }
    due = calloc((size_t) maxfd + 1, sizeof(*due));
    for (ok = 1, i = 0; i < MANY; i++)
	ok &= ev_watch(ev, fds[i], EV_READ, cb_log, &log) == 0;
    tap_ok(ok, "%d fds watched", MANY);
    for (i = 0; i < MANY; i++)
	put(fds[i], "z");
    log.drain = 1;
    run_until(ev, &log, MANY, 5000);
    tap_is_int(log.n, MANY, "all %d fds reported readable", MANY);
    for (seen = 0, i = 0; i < log.n; i++)
	seen += log.call[i].events == EV_READ;
    tap_is_int(seen, MANY, "each with EV_READ");
    log.drain = 0;
    log.n = 0;
    for (i = 0; i < MANY; i++) {
	long    ms = 5 + (long) ((i * 7919) % 97);

	ev_deadline(ev, fds[i], ms);
	due[fds[i]] = ev_now_ms() + ms;
    }
    run_until(ev, &log, MANY, 5000);
    tap_is_int(log.n, MANY, "%d deadlines fired", MANY);
    for (ok = 1, i = 1; i < log.n; i++)
	ok &= due[log.call[i - 1].fd] <= due[log.call[i].fd] + 1;
    tap_ok(ok, "in deadline order");
    for (ok = 1, i = 0; i < log.n; i++)
	ok &= log.call[i].at + 1 >= due[log.call[i].fd];
    tap_ok(ok, "none early");
    for (i = 0; i < MANY / 2; i++)
	close_pair(ev, sv[i]);
    free(due);
    free(sv);
    free(log.call);
}

/* Measurement: 10,000 fds with deadlines; ev_run_once must not cost O(n). */
static void test_measure(EVLOOP *ev)
{
    int   (*sv)[2];
    struct rlimit rl;
    LOG     log;
    long long t0, t_arm, t_rearm, t_iter;
    int     i, n;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < HUGE_FDS + 100
	&& rl.rlim_max >= HUGE_FDS + 100) {
	rl.rlim_cur = HUGE_FDS + 100;
	(void) setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < HUGE_FDS + 100) {
	tap_skip(1, "measurement with %d fds: the open-file limit is too low", HUGE_FDS);
	return;
    }
    log_init(&log);
    sv = calloc(HUGE_FDS / 2, sizeof(*sv));
    for (i = 0; i < HUGE_FDS / 2; i++) {
	pair(sv[i]);
	(void) ev_watch(ev, sv[i][0], EV_READ, cb_log, &log);
	(void) ev_watch(ev, sv[i][1], EV_READ, cb_log, &log);
    }
    t0 = ev_now_ms();
    for (i = 0; i < HUGE_FDS / 2; i++) {
	ev_deadline(ev, sv[i][0], 60000 + i % 1000);
	ev_deadline(ev, sv[i][1], 60000 + (i * 31) % 1000);
    }
    t_arm = ev_now_ms() - t0;
    t0 = ev_now_ms();
    for (i = 0; i < HUGE_FDS / 2; i++) {
	ev_deadline(ev, sv[i][0], 61000 + (i * 17) % 1000);
	ev_deadline(ev, sv[i][1], 61000 + i % 1000);
    }
    t_rearm = ev_now_ms() - t0;
    put(sv[0][1], "q");
    log.drain = 1;
    t0 = ev_now_ms();
    for (n = 0; n < 1000; n++) {
	(void) ev_run_once(ev, 0);
	put(sv[0][1], "q");
    }
    t_iter = ev_now_ms() - t0;
    tap_diag("%d fds (%s): set %d deadlines %lld ms, re-arm %lld ms, "
	     "1000 iterations with one active fd %lld ms", HUGE_FDS, ev_backend(ev),
	     HUGE_FDS, t_arm, t_rearm, t_iter);
    tap_ok(log.n >= 999 && t_iter < 20000 && t_rearm < 2000,
	   "%d fds: the loop keeps working (%d callbacks)", HUGE_FDS, log.n);
    for (i = 0; i < HUGE_FDS / 2; i++)
	close_pair(ev, sv[i]);
    free(sv);
    free(log.call);
}

/* TCP. */
static int tcp_connect(const char *addr, int port)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    int     fd, rc;

    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short) port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
	    return -1;
	rc = connect(fd, (struct sockaddr *) &sin, sizeof(sin));
    } else {
	if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) != 1)
	    return -1;
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons((unsigned short) port);
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) < 0)
	    return -1;
	rc = connect(fd, (struct sockaddr *) &sin6, sizeof(sin6));
    }
    if (rc < 0) {
	(void) close(fd);
	return -1;
    }
    return fd;
}

typedef struct ACCEPTOR {
    int     fd;			/* accepted */
    int     port;
    STR     addr;
    STR     err;
} ACCEPTOR;

static void cb_accept(EVLOOP *ev, int lfd, int events, void *ctx)
{
    ACCEPTOR *a = ctx;

    (void) ev;
    (void) events;
    a->fd = port_accept(lfd, &a->addr, &a->port, &a->err);
}

/* Connects a client to addr:port and accepts it through the loop. */
static int accept_via_loop(EVLOOP *ev, int lfd, const char *addr, int port, ACCEPTOR *a,
			   int *client)
{
    int     i;

    a->fd = -1;
    str_reset(&a->addr);
    if ((*client = tcp_connect(addr, port)) < 0)
	return -1;
    (void) ev_watch(ev, lfd, EV_READ, cb_accept, a);
    for (i = 0; i < 100 && a->fd < 0; i++)
	(void) ev_run_once(ev, 20);
    ev_unwatch(ev, lfd);
    return a->fd;
}

static int have_ipv6(void)
{
    STR     err = STR_INIT;
    int     fd = port_listen_tcp("::1", 0, 1, &err);

    str_free(&err);
    if (fd < 0)
	return 0;
    (void) close(fd);
    return 1;
}

static void test_tcp_v4(EVLOOP *ev)
{
    STR     err = STR_INIT, addr = STR_INIT, expect = STR_INIT;
    ACCEPTOR acc;
    LOG     log;
    int     lfd, lfd2, port = 0, cport = 0, client, fl, rc;
    char    buf[64];

    memset(&acc, 0, sizeof(acc));
    log_init(&log);
    lfd = port_listen_tcp("127.0.0.1", 0, 16, &err);
    tap_ok(lfd >= 0, "listen on 127.0.0.1 port 0 (%s)", STR_C(err));
    rc = port_local_addr(lfd, &addr, &port);
    tap_ok(rc == 0 && port > 0, "port_local_addr finds the port (%d)", port);
    tap_is_str(STR_C(addr), "127.0.0.1", "and the address");
    tap_ok((fcntl(lfd, F_GETFL) & O_NONBLOCK) != 0, "the listening socket is non-blocking");
    str_cpy(&err, "junk");
    tap_ok(port_accept(lfd, &addr, &cport, &err) == -1 && err.len == 0,
	   "accept with nothing waiting: -1, err empty");

    tap_ok(accept_via_loop(ev, lfd, "127.0.0.1", port, &acc, &client) >= 0,
	   "a client connects and the loop accepts it (%s)", STR_C(acc.err));
    tap_is_str(STR_C(acc.addr), "127.0.0.1", "accept gives the client's address");
    (void) port_local_addr(client, NULL, &cport);
    tap_is_int(acc.port, cport, "and the client's port");
    fl = fcntl(acc.fd, F_GETFL);
    tap_ok(fl >= 0 && (fl & O_NONBLOCK) && (fcntl(acc.fd, F_GETFD) & FD_CLOEXEC),
	   "the accepted socket is non-blocking and close-on-exec");
    tap_ok(port_peer_addr(acc.fd, &addr, &cport) == 0 && strcmp(STR_C(addr), "127.0.0.1") == 0
	   && cport == acc.port, "port_peer_addr agrees");

    log.drain = 0;
    (void) ev_watch(ev, acc.fd, EV_READ | EV_WRITE, cb_log, &log);
    (void) ev_run_once(ev, 1000);
    tap_ok(log.n == 1 && log.call[0].events == EV_WRITE, "accepted socket: writable, "
	   "nothing to read");
    put(client, "hello\r\n");
    (void) ev_watch(ev, acc.fd, EV_READ, cb_log, &log);
    run_until(ev, &log, 2, 1000);
    tap_ok(log.n == 2 && log.call[1].events == EV_READ, "client data: EV_READ");
    tap_ok(read(acc.fd, buf, sizeof(buf)) == 7 && write(acc.fd, buf, 7) == 7
	   && read(client, buf + 7, 7) == 7 && memcmp(buf, buf + 7, 7) == 0,
	   "data echoes through the accepted socket");
    ev_unwatch(ev, acc.fd);
    (void) close(acc.fd);
    (void) close(client);

    lfd2 = port_listen_tcp("127.0.0.1", port, 16, &err);
    str_printf(&expect, "port %d", port);
    tap_ok(lfd2 < 0 && strstr(STR_C(err), STR_C(expect)) != NULL
	   && strstr(STR_C(err), "127.0.0.1") != NULL && strstr(STR_C(err), "in use") != NULL,
	   "a port in use is an error naming the address and port (%s)", STR_C(err));
    if (lfd2 >= 0)
	(void) close(lfd2);
    tap_ok(port_listen_tcp("no.such.address", 25, 5, &err) < 0
	   && strstr(STR_C(err), "no.such.address") != NULL,
	   "a name that is not an address is refused (%s)", STR_C(err));
    tap_ok(port_listen_tcp("*", 70000, 5, &err) < 0 && strstr(STR_C(err), "70000") != NULL,
	   "a port out of range is refused (%s)", STR_C(err));
    (void) close(lfd);
    str_free(&acc.addr);
    str_free(&acc.err);
    str_free(&err);
    str_free(&addr);
    str_free(&expect);
    free(log.call);
}

static void test_tcp_v6(EVLOOP *ev)
{
    STR     err = STR_INIT, addr = STR_INIT;
    ACCEPTOR acc;
    int     lfd, port = 0, client, rc, v6 = have_ipv6();

    memset(&acc, 0, sizeof(acc));
    if (!v6) {
	tap_skip(4, "IPv6 tests: this host has no IPv6 loopback (::1)");
    } else {
	lfd = port_listen_tcp("[::1]", 0, 16, &err);
	rc = lfd >= 0 ? port_local_addr(lfd, &addr, &port) : -1;
	tap_ok(rc == 0 && port > 0, "listen on [::1] port 0 (%s, port %d)", STR_C(err), port);
	tap_is_str(STR_C(addr), "::1", "port_local_addr gives ::1");
	tap_ok(accept_via_loop(ev, lfd, "::1", port, &acc, &client) >= 0,
	       "an IPv6 client is accepted (%s)", STR_C(acc.err));
	tap_is_str(STR_C(acc.addr), "::1", "with its address ::1");
	(void) close(acc.fd);
	(void) close(client);
	(void) close(lfd);
    }

    lfd = port_listen_tcp("*", 0, 16, &err);
    rc = lfd >= 0 ? port_local_addr(lfd, &addr, &port) : -1;
    tap_ok(rc == 0 && port > 0, "listen on * port 0 (%s, port %d)", STR_C(err), port);
    tap_is_str(STR_C(addr), v6 ? "::" : "0.0.0.0", "\"*\" is %s",
	       v6 ? "a dual-stack IPv6 socket" : "IPv4 (no IPv6 here)");
    tap_ok(accept_via_loop(ev, lfd, "127.0.0.1", port, &acc, &client) >= 0,
	   "an IPv4 client of \"*\" is accepted (%s)", STR_C(acc.err));
    tap_is_str(STR_C(acc.addr), "127.0.0.1", "its IPv4-mapped address is shown as IPv4");
    (void) close(acc.fd);
    (void) close(client);
    if (v6) {
	tap_ok(accept_via_loop(ev, lfd, "::1", port, &acc, &client) >= 0
	       && strcmp(STR_C(acc.addr), "::1") == 0, "an IPv6 client of \"*\" shows as ::1");
	(void) close(acc.fd);
	(void) close(client);
    } else {
	tap_skip(1, "IPv6 client of \"*\": no IPv6 here");
    }
    (void) close(lfd);
    str_free(&acc.addr);
    str_free(&acc.err);
    str_free(&err);
    str_free(&addr);
}

/* ev_modify: interest changes without a new registration. */
static void test_modify(EVLOOP *ev)
{
    LOG     log;
    int     sv[2];

    log_init(&log);
    log.drain = 1;
    pair(sv);
    errno = 0;
    tap_ok(ev_modify(ev, sv[0], EV_READ) < 0 && errno == EBADF, "ev_modify: an fd not watched");
    (void) ev_watch(ev, sv[0], 0, cb_log, &log);
    put(sv[1], "a");
    (void) ev_run_once(ev, 50);
    tap_is_int(log.n, 0, "ev_modify: idle registration reports nothing");
    tap_is_int(ev_modify(ev, sv[0], EV_READ), 0, "ev_modify: idle to EV_READ");
    run_until(ev, &log, 1, 1000);
    tap_ok(log.n == 1 && log.call[0].events == EV_READ, "ev_modify: now reported (%d calls)",
	   log.n);
    tap_is_int(ev_modify(ev, sv[0], EV_READ), 0, "ev_modify: unchanged interest");
    put(sv[1], "b");
    run_until(ev, &log, 2, 1000);
    tap_is_int(log.n, 2, "ev_modify: still watched after an unchanged call");
    tap_is_int(ev_modify(ev, sv[0], EV_READ | EV_WRITE), 0, "ev_modify: add EV_WRITE");
    run_until(ev, &log, 3, 1000);
    tap_ok(log.n >= 3 && (log.call[2].events & EV_WRITE), "ev_modify: writable reported");
    tap_is_int(ev_modify(ev, sv[0], 0), 0, "ev_modify: back to idle");
    log.n = 0;
    put(sv[1], "c");
    (void) ev_run_once(ev, 50);
    tap_is_int(log.n, 0, "ev_modify: idle again");
    close_pair(ev, sv);
    free(log.call);
}

int     main(void)
{
    STR     err = STR_INIT;
    EVLOOP *ev;

    (void) signal(SIGPIPE, SIG_IGN);
    ev = ev_create(&err);
    if (!tap_ok(ev != NULL, "ev_create (%s)", STR_C(err)))
	return tap_done();
    tap_diag("back-end: %s", ev_backend(ev));
    test_readiness(ev);
    test_deadlines(ev);
    test_mutation(ev);
    test_modify(ev);
    test_many(ev);
    test_tcp_v4(ev);
    test_tcp_v6(ev);
    test_measure(ev);
    ev_free(ev);
    str_free(&err);
    return tap_done();
}
