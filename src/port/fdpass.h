/*
 * NAME
 *	fdpass - hand a connected socket to another process, with a message
 * SYNOPSIS
 *	#include "fdpass.h"
 *
 *	int fdpass_pair(int fds[2], STR *err);
 *	long fdpass_send(int chan, int fd, const char *msg, size_t len);
 *	long fdpass_recv(int chan, int *fd, char *buf, size_t cap);
 *	int fdpass_close_send(int chan);
 * DESCRIPTION
 *	The dispatcher owns the listening sockets; each connection it
 *	accepts is handed to a server process over a private channel, one
 *	per server, together with a short text message saying what the
 *	server needs to know (service, channel, TLS, addresses; the
 *	protocol itself is src/dispatch/dispatch.h's).  The server answers
 *	on the same channel.
 *
 *	fdpass_pair() makes a channel: two connected endpoints that keep
 *	message boundaries and report end-of-file when the other side is
 *	gone (a crashed process included).  Both are non-blocking and
 *	close-on-exec; spawn_server() (spawn.h) gives one to the child.
 *
 *	fdpass_send() sends one message of len bytes (at most
 *	FDPASS_MAX_MSG), with the descriptor fd attached unless fd is -1.
 *	The sender keeps its own copy of fd and closes it when it likes.
 *	When the channel is full it waits up to 100 ms for room (the
 *	peer is busy for a moment).  It returns len, or -1 with errno set:
 *	EAGAIN when the channel stayed full (the peer is not reading), EPIPE or ECONNRESET when the peer
 *	has gone.  A message is sent whole or not at all.
 *
 *	fdpass_recv() receives one message into buf (NUL-terminated, so at
 *	most cap - 1 bytes) and sets *fd to the descriptor that came with it
 *	(close-on-exec) or -1.  It returns the message length, 0 when the
 *	peer has closed its end, or -1 with errno set (EAGAIN: nothing
 *	waiting; EMSGSIZE: the message was longer than cap - 1 and was
 *	dropped, with any descriptor it carried closed).
 *
 *	fdpass_close_send() closes the sending direction only: the peer
 *	reads what was already sent, then end-of-file, and may still
 *	answer.  The dispatcher retires a server this way.
 *
 *	Unix back-end (fdpass_unix.c): a socketpair(AF_UNIX, SOCK_SEQPACKET)
 *	and SCM_RIGHTS ancillary data, the way Postfix's master and many
 *	pre-forking servers pass sockets.  Systems without SOCK_SEQPACKET for
 *	local sockets (macOS) would need a framing layer over SOCK_STREAM;
 *	none is written.
 *
 *	OpenVMS design (not implemented; fdpass_vms.c would hold it): a VMS
 *	process cannot receive a file descriptor, but a socket is a BG
 *	device that another process may assign a channel to when the
 *	socket is shareable.  PMDF's dispatcher works that way: it creates
 *	each server as a detached process (SYS$CREPRC) with a mailbox as
 *	the channel; for a new connection it makes the socket shareable
 *	(setsockopt SO_SHARE, or IO$_SETMODE with the shared attribute),
 *	obtains its device name with SYS$GETDVI (DVI$_DEVNAM, "_BG1234:"),
 *	and writes the device name and the same text message to the
 *	server's mailbox; the server SYS$ASSIGNs a channel to that device
 *	and turns it into a C descriptor with socket_fd(), then answers
 *	through a second mailbox; the dispatcher then deassigns its own
 *	channel.  End-of-file of the mailbox (the writer's channel gone, or
 *	a termination mailbox message) stands for a closed channel.  The
 *	interface above fits that design unchanged: fd in, fd out, a
 *	message, end-of-file.
 * DIAGNOSTICS
 *	fdpass_pair() returns 0, or -1 with err naming the system call.
 */
#ifndef PMDF_FDPASS_H
#define PMDF_FDPASS_H
#include <stddef.h>
#include "str.h"

#define FDPASS_MAX_MSG 1024

int fdpass_pair(int fds[2], STR *err);
long fdpass_send(int chan, int fd, const char *msg, size_t len);
long fdpass_recv(int chan, int *fd, char *buf, size_t cap);
int fdpass_close_send(int chan);

#endif
