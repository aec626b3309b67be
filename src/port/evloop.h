/*
 * NAME
 *	evloop - the event loop and non-blocking sockets
 * SYNOPSIS
 *	#include "evloop.h"
 *
 *	EVLOOP *ev_create(STR *err);
 *	void ev_free(EVLOOP *ev);
 *	int ev_watch(EVLOOP *ev, int fd, int events, EV_FN fn, void *ctx);
 *	int ev_modify(EVLOOP *ev, int fd, int events);
 *	void ev_unwatch(EVLOOP *ev, int fd);
 *	void ev_deadline(EVLOOP *ev, int fd, long ms);
 *	int ev_run_once(EVLOOP *ev, long max_wait_ms);
 *	long long ev_now_ms(void);
 *	const char *ev_backend(const EVLOOP *ev);
 *
 *	int port_listen_tcp(const char *addr, int port, int backlog, STR *err);
 *	int port_accept(int lfd, STR *client_addr, int *client_port, STR *err);
 *	int port_local_addr(int fd, STR *addr, int *port);
 *	int port_peer_addr(int fd, STR *addr, int *port);
 *	int port_nonblock(int fd);
 * DESCRIPTION
 *	One process serves many sessions: every socket is non-blocking and
 *	registered with ev_watch() for EV_READ and/or EV_WRITE (events
 *	replaces the interest; 0 keeps the fd registered but idle).  The
 *	callback runs with the events that are ready, or with EV_TIMEOUT
 *	when the fd's deadline (ev_deadline: milliseconds from now; 0
 *	cancels) passes first.  ev_run_once() waits at most max_wait_ms
 *	(-1: until something happens) and runs the ready callbacks once; the
 *	server calls it in a loop and does its group commit between calls.
 *	A callback may watch, unwatch or close any fd, its own included.
 *	The back-end is epoll on Linux and poll(2) elsewhere (OpenVMS has
 *	poll in its C run-time library for sockets); only this file knows.
 *
 *	Details of the contract:
 *	- ev_watch() on an fd already watched changes its interest, callback
 *	  and context but keeps its deadline.  An error or hang-up on the
 *	  socket is reported as whichever of EV_READ/EV_WRITE is watched, so
 *	  the callback's read or write meets the error.
 *	- ev_modify() changes only the interest of an fd the caller itself
 *	  watches (same callback and context) and makes no system call when
 *	  the interest is unchanged: a session calls it after every event.
 *	  Unlike ev_watch() it trusts the registration, so it must not be
 *	  used on an fd that may have been closed without ev_unwatch().  It
 *	  returns -1 with errno EBADF for an fd not watched.
 *	- ev_unwatch() forgets the fd and its deadline; it does not close it.
 *	  Unwatch an fd before closing it.  Events already collected for an
 *	  fd that is unwatched during the same ev_run_once() are dropped,
 *	  also when the number is reused by a new ev_watch() meanwhile (each
 *	  registration has its own generation number).
 *	- A deadline belongs to a watched fd, fires once (the callback gets
 *	  EV_TIMEOUT alone) and is then gone; ms <= 0 cancels it.  Deadlines
 *	  that are due together fire earliest first, ties in the order they
 *	  were set.  They are kept in a binary heap: O(log n) per change.
 *	- ev_run_once() first runs the callbacks of the fds that are ready
 *	  (the events reported are those still watched when the callback
 *	  runs), then the callbacks of the deadlines that had passed when the
 *	  wait ended and are still set.  It returns the number of callbacks
 *	  run (0 when the wait ended by time-out or by a signal), or -1 with
 *	  errno set when the system's wait failed.
 *	- ev_now_ms() reads a monotonic clock (where the system has one) in
 *	  milliseconds; long long because a 32-bit long (OpenVMS) would
 *	  overflow.  ev_backend() names the back-end ("epoll" or "poll").
 *	- ev_free() does not close the watched fds.  Neither ev_free() nor
 *	  ev_run_once() may be called from a callback.
 *	Compiling evloop.c with -DEV_FORCE_POLL selects the poll(2) back-end
 *	on Linux too, so that its tests run there.
 *
 *	port_listen_tcp() binds addr ("*" or "" for all IPv4 and IPv6
 *	addresses, a literal v4 or v6 address otherwise) with SO_REUSEADDR,
 *	listens with backlog and returns the non-blocking socket (for "*" a
 *	dual-stack IPv6 socket when available).  port_accept() accepts one
 *	connection (non-blocking, close-on-exec), giving the client's address
 *	as text (IPv4-mapped addresses shown as IPv4) and port; it returns -1
 *	with err empty when no connection is waiting.
 *
 *	A literal IPv6 address (brackets allowed: "[::1]") gets an IPv6-only
 *	socket, so "::" and "0.0.0.0" can be listened on side by side; "*"
 *	falls back to an IPv4 socket when the system has no IPv6.
 *	port_local_addr() and port_peer_addr() give a socket's own and its
 *	peer's address as port_accept() does (the server uses them for a
 *	socket handed over by the dispatcher); port_nonblock() sets
 *	O_NONBLOCK.  The client_addr, client_port, addr and port arguments
 *	may be null.
 * DIAGNOSTICS
 *	-1 with err naming the address, the port and the system error.
 *	ev_create() returns NULL with err set; ev_watch() returns -1 with
 *	errno set (EBADF for a negative fd, or the back-end's refusal, such
 *	as a regular file under epoll).  port_local_addr(), port_peer_addr()
 *	and port_nonblock() return -1 with errno set (EAFNOSUPPORT for a
 *	socket that is not IPv4 or IPv6).
 */
#ifndef PMDF_EVLOOP_H
#define PMDF_EVLOOP_H
#include "str.h"

#define EV_READ	   1
#define EV_WRITE   2
#define EV_TIMEOUT 4

typedef struct EVLOOP EVLOOP;
typedef void (*EV_FN) (EVLOOP *ev, int fd, int events, void *ctx);

EVLOOP *ev_create(STR *err);
void ev_free(EVLOOP *ev);
int ev_watch(EVLOOP *ev, int fd, int events, EV_FN fn, void *ctx);
int ev_modify(EVLOOP *ev, int fd, int events);
void ev_unwatch(EVLOOP *ev, int fd);
void ev_deadline(EVLOOP *ev, int fd, long ms);
int ev_run_once(EVLOOP *ev, long max_wait_ms);
long long ev_now_ms(void);
const char *ev_backend(const EVLOOP *ev);

int port_listen_tcp(const char *addr, int port, int backlog, STR *err);
int port_accept(int lfd, STR *client_addr, int *client_port, STR *err);
int port_local_addr(int fd, STR *addr, int *port);
int port_peer_addr(int fd, STR *addr, int *port);
int port_nonblock(int fd);

#endif
