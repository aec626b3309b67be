/*
 * NAME
 *	evloop - the event loop and non-blocking sockets (see evloop.h)
 * SYNOPSIS
 *	#include "evloop.h"
 * DESCRIPTION
 *	Every watched fd has a slot in a table indexed by the fd number:
 *	callback, context, interest, a generation number and its place in
 *	the deadline heap.  The kernel side is epoll (Linux) or an array of
 *	struct pollfd kept in step with the table (swap-remove, so every
 *	change is O(1)); an fd whose interest is 0 is taken out of the
 *	kernel's set, so a hang-up on an idle socket cannot make the loop
 *	spin.
 *
 *	ev_run_once() copies what the kernel reported into a ready list,
 *	recording each fd's generation, before it runs any callback.  A
 *	callback that unwatches an fd bumps its generation, so an entry
 *	collected for the old registration is dropped even when the number
 *	has been reused (close, accept, ev_watch) in the meantime.
 *
 *	Deadlines live in a binary min-heap of fd numbers ordered by (time,
 *	sequence number); the slot knows its heap index, so setting,
 *	moving and cancelling a deadline are O(log n) and finding the next
 *	one is O(1).  Measured by t_evloop (2 CPUs, -O2): with 10,000
 *	watched fds, setting or re-arming all 10,000 deadlines takes about
 *	1 ms, and one ev_run_once() with one active fd about 5 us with
 *	epoll (1 to 3 ms with poll, whose system call is O(n) by itself).
 *
 *	Platform differences (this file only):
 *	- Linux: epoll_create1(EPOLL_CLOEXEC); accept4() with SOCK_NONBLOCK
 *	  and SOCK_CLOEXEC when the headers declare it (_GNU_SOURCE),
 *	  otherwise accept() followed by fcntl().
 *	- other Unix systems: poll(2).  Where the system refuses dual-stack
 *	  sockets (IPV6_V6ONLY cannot be turned off, as on OpenBSD), "*"
 *	  falls back to IPv4 only.
 *	- OpenVMS: DEC C's poll() works on sockets (only on sockets: not on
 *	  terminals or mailboxes, which the servers never watch); there is no
 *	  accept4(), no close-on-exec (no fork/exec inheritance of sockets),
 *	  and sockets are made non-blocking with ioctl(FIONBIO), which every
 *	  TCP/IP stack on VMS supports.  CLOCK_MONOTONIC may be missing:
 *	  CLOCK_REALTIME is used then (hence ev_now_ms()'s long long).
 * DIAGNOSTICS
 *	See evloop.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#ifdef __VMS
#include <ioctl.h>
#endif
#if defined(__linux__) && !defined(EV_FORCE_POLL)
#define EV_USE_EPOLL 1
#include <sys/epoll.h>
#else
#include <poll.h>
#endif
/* accept4() is declared by glibc only with _GNU_SOURCE. */
#if defined(__linux__) && defined(_GNU_SOURCE) && defined(SOCK_NONBLOCK) \
    && defined(SOCK_CLOEXEC)
#define EV_HAVE_ACCEPT4 1
#endif
#include "evloop.h"
#include "mem.h"

#define EV_MAX_KEVENTS	4096	/* epoll events taken per wait */
#define EV_EINTR_TRIES	8	/* accept() retries after a signal */

typedef struct EV_SLOT {
    EV_FN   fn;			/* NULL: not watched */
    void   *ctx;
    int     events;		/* interest: EV_READ | EV_WRITE, 0 idle */
    int     in_kernel;		/* epoll: 1 in the set; poll: pfd index + 1 */
    unsigned gen;		/* bumped at every unwatch */
    size_t  heap_at;		/* deadline heap index + 1, 0 none */
    long long deadline;		/* ev_now_ms() time */
    unsigned long long seq;	/* tie-break: order of ev_deadline() calls */
} EV_SLOT;

typedef struct EV_READY {
    int     fd;
    int     events;
    unsigned gen;
} EV_READY;

struct EVLOOP {
    EV_SLOT *slot;		/* indexed by fd */
    size_t  nslot;
    int    *heap;		/* fds, min-heap by (deadline, seq) */
    size_t  nheap;
    size_t  heap_cap;
    unsigned long long seq;
    EV_READY *ready;		/* one iteration's kernel report */
    size_t  ready_cap;
    size_t  nkernel;		/* fds in the kernel's set */
#ifdef EV_USE_EPOLL
    int     epfd;
    struct epoll_event *kev;
    size_t  kev_cap;
#else
    struct pollfd *pfd;		/* the kernel's set, densely packed */
    size_t  pfd_cap;
#endif
};

/* Clock. */

long long ev_now_ms(void)
{
    struct timespec ts;

#ifdef CLOCK_MONOTONIC
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
#endif
	(void) clock_gettime(CLOCK_REALTIME, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The slot table. */

static EV_SLOT *slot_of(EVLOOP *ev, int fd)
{
    if (fd < 0 || (size_t) fd >= ev->nslot || ev->slot[fd].fn == NULL)
	return NULL;
    return &ev->slot[fd];
}

static void slot_grow(EVLOOP *ev, int fd)
{
    size_t  want = (size_t) fd + 1;
    size_t  n = ev->nslot ? ev->nslot : 64;

    if (want <= ev->nslot)
	return;
    while (n < want)
	n = n > SIZE_MAX / 2 ? want : n * 2;
    ev->slot = mem_realloc(ev->slot, n * sizeof(*ev->slot));
    memset(ev->slot + ev->nslot, 0, (n - ev->nslot) * sizeof(*ev->slot));
    ev->nslot = n;
}

/* The deadline heap. */

static int heap_before(const EVLOOP *ev, int a, int b)
{
    const EV_SLOT *sa = &ev->slot[a], *sb = &ev->slot[b];

    if (sa->deadline != sb->deadline)
	return sa->deadline < sb->deadline;
    return sa->seq < sb->seq;
}

static void heap_put(EVLOOP *ev, size_t i, int fd)
{
    ev->heap[i] = fd;
    ev->slot[fd].heap_at = i + 1;
}

static void heap_up(EVLOOP *ev, size_t i)
{
    int     fd = ev->heap[i];
    size_t  parent;

    while (i > 0) {
	parent = (i - 1) / 2;
	if (!heap_before(ev, fd, ev->heap[parent]))
	    break;
	heap_put(ev, i, ev->heap[parent]);
	i = parent;
    }
    heap_put(ev, i, fd);
}

static void heap_down(EVLOOP *ev, size_t i)
{
    int     fd = ev->heap[i];
    size_t  child;

    while ((child = 2 * i + 1) < ev->nheap) {
	if (child + 1 < ev->nheap && heap_before(ev, ev->heap[child + 1], ev->heap[child]))
	    child++;
	if (!heap_before(ev, ev->heap[child], fd))
	    break;
	heap_put(ev, i, ev->heap[child]);
	i = child;
    }
    heap_put(ev, i, fd);
}

static void heap_insert(EVLOOP *ev, int fd)
{
    if (ev->nheap == ev->heap_cap) {
	ev->heap_cap = ev->heap_cap ? ev->heap_cap * 2 : 64;
	ev->heap = mem_realloc(ev->heap, ev->heap_cap * sizeof(*ev->heap));
    }
    heap_put(ev, ev->nheap++, fd);
    heap_up(ev, ev->nheap - 1);
}

static void heap_remove(EVLOOP *ev, int fd)
{
    size_t  i = ev->slot[fd].heap_at;

    if (i-- == 0)
	return;
    ev->slot[fd].heap_at = 0;
    if (i == --ev->nheap)
	return;
    heap_put(ev, i, ev->heap[ev->nheap]);
    heap_down(ev, i);			/* at most one of these moves it */
    heap_up(ev, i);
}

/* Back-ends: kernel_set() makes the kernel's set match a slot's interest. */

#ifdef EV_USE_EPOLL

static int kernel_open(EVLOOP *ev, STR *err)
{
    if ((ev->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
	str_printf(err, "event loop: epoll_create1: %s", strerror(errno));
	return -1;
    }
    return 0;
}

static void kernel_close(EVLOOP *ev)
{
    (void) close(ev->epfd);
    free(ev->kev);
}

static int kernel_set(EVLOOP *ev, int fd, int events)
{
    EV_SLOT *s = &ev->slot[fd];
    struct epoll_event ee;

    memset(&ee, 0, sizeof(ee));
    ee.data.fd = fd;
    ee.events = ((events & EV_READ) ? EPOLLIN : 0) | ((events & EV_WRITE) ? EPOLLOUT : 0);
    if (events == 0) {
	if (s->in_kernel && epoll_ctl(ev->epfd, EPOLL_CTL_DEL, fd, &ee) < 0 && errno != ENOENT
	    && errno != EBADF)
	    return -1;
	ev->nkernel -= (size_t) s->in_kernel;
	s->in_kernel = 0;
	return 0;
    }
    /*
     * The other operation is tried when the kernel disagrees with the slot:
     * an fd closed without ev_unwatch() left the set (ENOENT) or a number
     * came back (EEXIST).
     */
    if (s->in_kernel) {
	if (epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &ee) == 0)
	    return 0;
	if (errno != ENOENT || epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &ee) < 0)
	    return -1;
	return 0;
    }
    if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &ee) < 0
	&& (errno != EEXIST || epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &ee) < 0))
	return -1;
    s->in_kernel = 1;
    ev->nkernel++;
    return 0;
}

static int kernel_events(unsigned kflags)
{
    int     events = 0;

    if (kflags & (EPOLLIN | EPOLLPRI))
	events |= EV_READ;
    if (kflags & EPOLLOUT)
	events |= EV_WRITE;
    if (kflags & (EPOLLERR | EPOLLHUP))
	events |= EV_READ | EV_WRITE;
    return events;
}

/* Waits and fills the ready list; returns its length or -1 (errno). */
static int kernel_wait(EVLOOP *ev, int timeout, size_t *nready)
{
    int     n, i;
    size_t  want = ev->nkernel < 64 ? 64 : ev->nkernel;

    if (want > EV_MAX_KEVENTS)
	want = EV_MAX_KEVENTS;
    if (ev->kev_cap < want) {
	ev->kev = mem_realloc(ev->kev, want * sizeof(*ev->kev));
	ev->kev_cap = want;
    }
    *nready = 0;
    if ((n = epoll_wait(ev->epfd, ev->kev, (int) ev->kev_cap, timeout)) < 0)
	return -1;
    if ((size_t) n > ev->ready_cap) {
	ev->ready = mem_realloc(ev->ready, (size_t) n * sizeof(*ev->ready));
	ev->ready_cap = (size_t) n;
    }
    for (i = 0; i < n; i++) {
	EV_READY *r = &ev->ready[*nready];

	r->fd = ev->kev[i].data.fd;
	if (slot_of(ev, r->fd) == NULL)
	    continue;
	r->events = kernel_events(ev->kev[i].events);
	r->gen = ev->slot[r->fd].gen;
	++*nready;
    }
    return 0;
}

static const char *kernel_name(void)
{
    return "epoll";
}

#else					/* poll(2): other Unix, OpenVMS */

static int kernel_open(EVLOOP *ev, STR *err)
{
    (void) ev;
    (void) err;
    return 0;
}

static void kernel_close(EVLOOP *ev)
{
    free(ev->pfd);
}

static short poll_flags(int events)
{
    return (short) (((events & EV_READ) ? POLLIN : 0) | ((events & EV_WRITE) ? POLLOUT : 0));
}

static int kernel_set(EVLOOP *ev, int fd, int events)
{
    EV_SLOT *s = &ev->slot[fd];
    size_t  i, last;

    if (events == 0) {
	if (s->in_kernel == 0)
	    return 0;
	i = (size_t) s->in_kernel - 1;
	last = --ev->nkernel;
	if (i != last) {
	    ev->pfd[i] = ev->pfd[last];
	    ev->slot[ev->pfd[i].fd].in_kernel = (int) i + 1;
	}
	s->in_kernel = 0;
	return 0;
    }
    if (s->in_kernel == 0) {
	if (ev->nkernel >= (size_t) INT_MAX - 1) {
	    errno = EMFILE;
	    return -1;
	}
	if (ev->nkernel == ev->pfd_cap) {
	    ev->pfd_cap = ev->pfd_cap ? ev->pfd_cap * 2 : 64;
	    ev->pfd = mem_realloc(ev->pfd, ev->pfd_cap * sizeof(*ev->pfd));
	}
	s->in_kernel = (int) ++ev->nkernel;
	ev->pfd[ev->nkernel - 1].fd = fd;
    }
    ev->pfd[s->in_kernel - 1].events = poll_flags(events);
    ev->pfd[s->in_kernel - 1].revents = 0;
    return 0;
}

static int kernel_events(short kflags)
{
    int     events = 0;

    if (kflags & (POLLIN | POLLPRI))
	events |= EV_READ;
    if (kflags & POLLOUT)
	events |= EV_WRITE;
    if (kflags & (POLLERR | POLLHUP | POLLNVAL))
	events |= EV_READ | EV_WRITE;
    return events;
}

static int kernel_wait(EVLOOP *ev, int timeout, size_t *nready)
{
    size_t  i;
    int     n;

    *nready = 0;
    if ((n = poll(ev->pfd, (nfds_t) ev->nkernel, timeout)) < 0)
	return -1;
    if ((size_t) n > ev->ready_cap) {
	ev->ready = mem_realloc(ev->ready, (size_t) n * sizeof(*ev->ready));
	ev->ready_cap = (size_t) n;
    }
    for (i = 0; i < ev->nkernel && *nready < (size_t) n; i++) {
	EV_READY *r = &ev->ready[*nready];

	if (ev->pfd[i].revents == 0)
	    continue;
	r->fd = ev->pfd[i].fd;
	r->events = kernel_events(ev->pfd[i].revents);
	r->gen = ev->slot[r->fd].gen;
	++*nready;
    }
    return 0;
}

static const char *kernel_name(void)
{
    return "poll";
}

#endif

/* The loop. */

EVLOOP *ev_create(STR *err)
{
    EVLOOP *ev = mem_calloc(1, sizeof(*ev));

    if (kernel_open(ev, err) < 0) {
	free(ev);
	return NULL;
    }
    return ev;
}

void    ev_free(EVLOOP *ev)
{
    if (ev == NULL)
	return;
    kernel_close(ev);
    free(ev->slot);
    free(ev->heap);
    free(ev->ready);
    free(ev);
}

const char *ev_backend(const EVLOOP *ev)
{
    (void) ev;
    return kernel_name();
}

int     ev_watch(EVLOOP *ev, int fd, int events, EV_FN fn, void *ctx)
{
    EV_SLOT *s;
    int     fresh;

    if (fd < 0 || fn == NULL) {
	errno = fd < 0 ? EBADF : EINVAL;
	return -1;
    }
    slot_grow(ev, fd);
    s = &ev->slot[fd];
    fresh = s->fn == NULL;
    events &= EV_READ | EV_WRITE;
    if (kernel_set(ev, fd, events) < 0) {
	if (fresh)
	    (void) kernel_set(ev, fd, 0);
	return -1;
    }
    s->fn = fn;
    s->ctx = ctx;
    s->events = events;
    return 0;
}

int     ev_modify(EVLOOP *ev, int fd, int events)
{
    EV_SLOT *s = slot_of(ev, fd);

    if (s == NULL || s->fn == NULL) {
	errno = EBADF;
	return -1;
    }
    events &= EV_READ | EV_WRITE;
    if (events == s->events)
	return 0;
    if (kernel_set(ev, fd, events) < 0)
	return -1;
    s->events = events;
    return 0;
}

void    ev_unwatch(EVLOOP *ev, int fd)
{
    EV_SLOT *s = slot_of(ev, fd);

    if (s == NULL)
	return;
    (void) kernel_set(ev, fd, 0);
    heap_remove(ev, fd);
    s->fn = NULL;
    s->ctx = NULL;
    s->events = 0;
    s->gen++;
}

void    ev_deadline(EVLOOP *ev, int fd, long ms)
{
    EV_SLOT *s = slot_of(ev, fd);

    if (s == NULL)
	return;
    if (ms <= 0) {
	heap_remove(ev, fd);
	return;
    }
    s->deadline = ev_now_ms() + ms;
    s->seq = ++ev->seq;
    if (s->heap_at == 0) {
	heap_insert(ev, fd);
    } else {
	heap_up(ev, s->heap_at - 1);
	heap_down(ev, s->heap_at - 1);
    }
}

/* The poll/epoll time-out: max_wait_ms, shortened by the next deadline. */
static int wait_ms(const EVLOOP *ev, long max_wait_ms, long long now)
{
    long long wait = max_wait_ms < 0 ? -1 : max_wait_ms;
    long long due;

    if (ev->nheap > 0) {
	due = ev->slot[ev->heap[0]].deadline - now;
	if (due < 0)
	    due = 0;
	if (wait < 0 || due < wait)
	    wait = due;
    }
    return wait > INT_MAX ? INT_MAX : (int) wait;
}

static int run_ready(EVLOOP *ev, size_t nready)
{
    size_t  i;
    int     ran = 0, events;
    EV_SLOT *s;

    for (i = 0; i < nready; i++) {
	const EV_READY *r = &ev->ready[i];

	if ((s = slot_of(ev, r->fd)) == NULL || s->gen != r->gen)
	    continue;			/* unwatched, maybe reused, meanwhile */
	if ((events = r->events & s->events) == 0)
	    continue;
	s->fn(ev, r->fd, events, s->ctx);
	ran++;
    }
    return ran;
}

static int run_deadlines(EVLOOP *ev, long long now)
{
    size_t  budget = ev->nheap;
    int     ran = 0, fd;
    EV_SLOT *s;

    while (budget-- > 0 && ev->nheap > 0) {
	fd = ev->heap[0];
	s = &ev->slot[fd];
	if (s->deadline > now)
	    break;
	heap_remove(ev, fd);
	s->fn(ev, fd, EV_TIMEOUT, s->ctx);
	ran++;
    }
    return ran;
}

int     ev_run_once(EVLOOP *ev, long max_wait_ms)
{
    size_t  nready;
    long long now = ev_now_ms();

    if (kernel_wait(ev, wait_ms(ev, max_wait_ms, now), &nready) < 0)
	return errno == EINTR ? 0 : -1;
    now = ev_now_ms();
    return run_ready(ev, nready) + run_deadlines(ev, now);
}

/* Sockets. */

int     port_nonblock(int fd)
{
#ifdef __VMS
    int     on = 1;

    return ioctl(fd, FIONBIO, &on) < 0 ? -1 : 0;
#else
    int     flags = fcntl(fd, F_GETFL);

    if (flags < 0)
	return -1;
    if (flags & O_NONBLOCK)
	return 0;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
#endif
}

static int set_cloexec(int fd)
{
#ifdef __VMS
    (void) fd;
    return 0;
#else
    int     flags = fcntl(fd, F_GETFD);

    if (flags < 0)
	return -1;
    return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
#endif
}

/* Address text, with IPv4-mapped IPv6 addresses shown as IPv4. */
static int sockaddr_text(const struct sockaddr *sa, STR *addr, int *port)
{
    char    buf[INET6_ADDRSTRLEN + 64];
    const struct sockaddr_in *sin = (const struct sockaddr_in *) (const void *) sa;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) (const void *) sa;
    int     p;

    if (sa->sa_family == AF_INET) {
	if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)) == NULL)
	    return -1;
	p = ntohs(sin->sin_port);
    } else if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
	if (inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], buf, sizeof(buf)) == NULL)
	    return -1;
	p = ntohs(sin6->sin6_port);
    } else if (sa->sa_family == AF_INET6) {
	/* getnameinfo() keeps a link-local address's scope ("%eth0"). */
	if (getnameinfo(sa, sizeof(*sin6), buf, sizeof(buf), NULL, 0, NI_NUMERICHOST) != 0)
	    return -1;
	p = ntohs(sin6->sin6_port);
    } else {
	errno = EAFNOSUPPORT;
	return -1;
    }
    if (addr)
	str_cpy(addr, buf);
    if (port)
	*port = p;
    return 0;
}

int     port_local_addr(int fd, STR *addr, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
	return -1;
    return sockaddr_text((struct sockaddr *) &ss, addr, port);
}

int     port_peer_addr(int fd, STR *addr, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    if (getpeername(fd, (struct sockaddr *) &ss, &len) < 0)
	return -1;
    return sockaddr_text((struct sockaddr *) &ss, addr, port);
}

/* One attempt: socket, options, bind, listen.  *op names the failed step. */
static int listen_on(const struct sockaddr *sa, socklen_t len, int v6only, int backlog,
		     const char **op)
{
    int     fd, on = 1, saved;

    *op = "socket";
    if ((fd = socket(sa->sa_family, SOCK_STREAM, 0)) < 0)
	return -1;
    if (set_cloexec(fd) < 0 || port_nonblock(fd) < 0) {
	*op = "fcntl";
    } else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) {
	*op = "setsockopt SO_REUSEADDR";
    } else if (sa->sa_family == AF_INET6
	       && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0) {
	*op = "setsockopt IPV6_V6ONLY";
    } else if (bind(fd, sa, len) < 0) {
	*op = "bind";
    } else if (listen(fd, backlog) < 0) {
	*op = "listen";
    } else {
	return fd;
    }
    saved = errno;
    (void) close(fd);
    errno = saved;
    return -1;
}

static void listen_error(STR *err, const char *addr, int port, const char *op)
{
    int     saved = errno;

    str_printf(err, "listen on %s port %d: %s: %s", addr, port, op, strerror(saved));
    if (saved == EACCES && port < 1024)
	str_cat(err, " (ports below 1024 need privileges)");
    else if (saved == EADDRINUSE)
	str_cat(err, " (another program listens there)");
}

/* "*": a dual-stack IPv6 socket, or IPv4 when the system has no IPv6. */
static int listen_any(int port, int backlog, STR *err)
{
    struct sockaddr_in6 sin6;
    struct sockaddr_in sin;
    const char *op;
    int     fd;

    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_any;
    sin6.sin6_port = htons((unsigned short) port);
    fd = listen_on((struct sockaddr *) &sin6, sizeof(sin6), 0, backlog, &op);
    if (fd >= 0)
	return fd;
    if (strcmp(op, "bind") == 0 && errno != EADDRNOTAVAIL) {
	listen_error(err, "*", port, op);
	return -1;
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    sin.sin_port = htons((unsigned short) port);
    if ((fd = listen_on((struct sockaddr *) &sin, sizeof(sin), 0, backlog, &op)) < 0)
	listen_error(err, "*", port, op);
    return fd;
}

static int listen_literal(const char *addr, int port, int backlog, STR *err)
{
    struct addrinfo hints, *res = NULL;
    char    service[16];
    STR     host = STR_INIT;
    const char *op = "getaddrinfo";
    size_t  n = strlen(addr);
    int     fd = -1, rc;

    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']')
	str_cpyn(&host, addr + 1, n - 2);
    else
	str_cpy(&host, addr);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%d", port);
    if ((rc = getaddrinfo(STR_C(host), service, &hints, &res)) != 0) {
	str_printf(err, "listen on %s port %d: not a numeric IPv4 or IPv6 address (%s)",
		   addr, port, gai_strerror(rc));
    } else if ((fd = listen_on(res->ai_addr, res->ai_addrlen, 1, backlog, &op)) < 0) {
	listen_error(err, addr, port, op);
    }
    if (res)
	freeaddrinfo(res);
    str_free(&host);
    return fd;
}

int     port_listen_tcp(const char *addr, int port, int backlog, STR *err)
{
    const char *shown = addr && *addr ? addr : "*";

    if (port < 0 || port > 65535) {
	str_printf(err, "listen on %s port %d: the port must be 0 to 65535", shown, port);
	return -1;
    }
    if (backlog < 1)
	backlog = 1;
    if (addr == NULL || *addr == 0 || strcmp(addr, "*") == 0)
	return listen_any(port, backlog, err);
    return listen_literal(addr, port, backlog, err);
}

/* Errors that mean "nothing to accept now" (the client gave up, a signal). */
static int accept_transient(int e)
{
    if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ECONNABORTED || e == EPROTO)
	return 1;
    /* Linux passes pending network errors of the new socket to accept(). */
    return e == ENETDOWN || e == ENETUNREACH || e == EHOSTUNREACH || e == ENOPROTOOPT
	|| e == EOPNOTSUPP;
}

#ifdef EV_HAVE_ACCEPT4

static int accept_one(int lfd, struct sockaddr_storage *ss)
{
    socklen_t len = sizeof(*ss);

    return accept4(lfd, (struct sockaddr *) ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

#else

static int accept_one(int lfd, struct sockaddr_storage *ss)
{
    socklen_t len = sizeof(*ss);
    int     fd, saved;

    if ((fd = accept(lfd, (struct sockaddr *) ss, &len)) < 0)
	return -1;
    if (port_nonblock(fd) < 0 || set_cloexec(fd) < 0) {
	saved = errno;
	(void) close(fd);
	errno = saved;
	return -1;
    }
    return fd;
}

#endif

static void accept_error(int lfd, STR *err)
{
    STR     addr = STR_INIT;
    int     saved = errno, port = 0;

    if (port_local_addr(lfd, &addr, &port) < 0)
	str_cpy(&addr, "?");
    str_printf(err, "accept on %s port %d: %s", STR_C(addr), port, strerror(saved));
    str_free(&addr);
}

int     port_accept(int lfd, STR *client_addr, int *client_port, STR *err)
{
    struct sockaddr_storage ss;
    int     fd = -1, tries;

    str_reset(err);
    for (tries = 0; tries < EV_EINTR_TRIES; tries++) {
	memset(&ss, 0, sizeof(ss));
	if ((fd = accept_one(lfd, &ss)) >= 0 || errno != EINTR)
	    break;
    }
    if (fd < 0) {
	if (!accept_transient(errno))
	    accept_error(lfd, err);
	return -1;
    }
    if (sockaddr_text((struct sockaddr *) &ss, client_addr, client_port) < 0) {
	/* Not IP (a local socket): no address to show. */
	if (client_addr)
	    str_reset(client_addr);
	if (client_port)
	    *client_port = 0;
    }
    return fd;
}
