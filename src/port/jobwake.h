/*
 * NAME
 *	jobwake - datagrams to the job controller
 * SYNOPSIS
 *	#include "jobwake.h"
 *
 *	int jobwake_send(const void *buf, size_t len);
 *
 *	int jobwake_listen(STR *path, STR *err);
 *	long jobwake_recv(int fd, void *buf, size_t size);
 *	void jobwake_close(int fd, const char *path);
 * DESCRIPTION
 *	The transport of the queue's events (qnotify.h): whatever queues,
 *	delivers, requeues or removes a message tells the job controller,
 *	which keeps the queue cache and the counters and starts deliveries.
 *	This module only moves datagrams of at most JOBWAKE_MAX bytes; what
 *	is in them is qnotify.c's business.
 *
 *	jobwake_send() sends one datagram to the running job controller: 0
 *	when it was handed over, -1 when there is no job controller (no
 *	endpoint, nobody listening) or its queue stayed full for
 *	JOBWAKE_WAIT_MS milliseconds; the caller then does the work itself.
 *	It never reports anything.  The sending socket is kept open
 *	(close-on-exec) for the next call.
 *
 *	jobwake_listen() is the job controller's side: it creates the
 *	endpoint and returns a non-blocking descriptor to watch for reading
 *	(path receives the endpoint's name, for messages and for
 *	jobwake_close()).  jobwake_recv() reads one datagram into buf: its
 *	length, or 0 when none is waiting.  jobwake_close() closes the
 *	descriptor (when fd >= 0) and removes the endpoint (when path is not
 *	NULL): a job controller that stops removes the endpoint first, so
 *	that new senders keep their own books, then reads what is left.
 *
 *	Unix: a datagram socket (AF_UNIX, SOCK_DGRAM) named by
 *	PMDF_LOG:job_controller.sock, mode 0600, with a receive buffer of
 *	JOBWAKE_RCVBUF bytes.  The sender connects to it, so that poll()
 *	tells when a full controller has room again.  A socket path longer
 *	than the system's limit (about 107 bytes) cannot be used:
 *	jobwake_listen() says so, and the senders then do the work
 *	themselves.  jobwake_listen() removes a socket file left by a
 *	crashed controller (the caller holds the job controller's PID-file
 *	lock, so no live one can own it).
 *
 *	OpenVMS (jobwake_vms.c): not written yet; jobwake_send() returns -1
 *	(the senders do the work themselves, which is correct, only without
 *	the one-writer guarantee) and jobwake_listen() fails, so a
 *	controller runs on its queue scans.  The natural mapping is a
 *	mailbox named by a logical name (SYS$QIO with IO$M_NOW).
 * DIAGNOSTICS
 *	jobwake_listen() returns -1 with err naming the socket and the
 *	system's reason.
 */
#ifndef PMDF_JOBWAKE_H
#define PMDF_JOBWAKE_H
#include <stddef.h>
#include "str.h"

#define JOBWAKE_SPEC	"PMDF_LOG:job_controller.sock"
#define JOBWAKE_MAX	(32 * 1024)	/* bytes in one datagram */
#define JOBWAKE_RCVBUF	(4 * 1024 * 1024)
#define JOBWAKE_WAIT_MS	100		/* for room in a full controller */

int jobwake_send(const void *buf, size_t len);
int jobwake_listen(STR *path, STR *err);
long jobwake_recv(int fd, void *buf, size_t size);
void jobwake_close(int fd, const char *path);

#endif
