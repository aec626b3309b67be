/*
 * NAME
 *	jobwake - wake the job controller when mail is queued
 * SYNOPSIS
 *	#include "jobwake.h"
 *
 *	void jobctl_wake(const char *channel, const char *const *names, size_t n);
 *
 *	int jobwake_listen(STR *path, STR *err);
 *	int jobwake_recv(int fd, STR *channel, STRLIST *names);
 *	void jobwake_close(int fd, const char *path);
 * DESCRIPTION
 *	The enqueuing side (the SMTP server after each group commit, the
 *	delivery program after it queues a notification, "pmdf qm release")
 *	tells the job controller which channel has new messages, so that
 *	delivery starts at once rather than at the controller's next queue
 *	scan.  The message is a hint: losing it delays delivery until that
 *	scan and loses nothing.
 *
 *	jobctl_wake() sends the channel and the names of the new message
 *	files (names may be NULL with n 0: "look at the whole channel").  It
 *	is best-effort and never fails its caller: it does not block, reports
 *	nothing, and does nothing when no job controller listens.  Many names
 *	are split over several messages of at most JOBWAKE_MAX bytes; a name
 *	that is not a plain file name (no "/", no white space, at most 64
 *	bytes) is left out.
 *
 *	jobwake_listen() is the job controller's side: it creates the
 *	endpoint and returns a non-blocking descriptor to watch for reading
 *	(path receives the endpoint's name, for messages and for
 *	jobwake_close()).  jobwake_recv() reads one message: 1 with channel
 *	and names set (names is reset first), 0 when none is waiting; a
 *	malformed message is skipped.  jobwake_close() closes the descriptor
 *	and removes the endpoint.
 *
 *	Unix: a datagram socket (AF_UNIX, SOCK_DGRAM) named by
 *	PMDF_LOG:job_controller.sock, mode 0600, with a receive buffer of
 *	JOBWAKE_RCVBUF bytes.  A datagram is text: "PMDFWAKE1 <channel>",
 *	then one line per message file name, each line ending in "\n".  The
 *	sender uses MSG_DONTWAIT: when the controller's buffer is full the
 *	datagram is dropped (the scan will find the messages).  A socket
 *	path longer than the system's limit (about 107 bytes) cannot be
 *	used: jobwake_listen() says so, and the controller then relies on
 *	its scans.  jobwake_listen() removes a socket file left by a crashed
 *	controller (the caller holds the job controller's PID-file lock, so
 *	no live one can own it).
 *
 *	OpenVMS (jobwake_vms.c): not written yet; jobctl_wake() does
 *	nothing there and jobwake_listen() fails, so a controller would run
 *	on its scans alone.  The natural mapping is a mailbox named by a
 *	logical name (SYS$QIO with IO$M_NOW | IO$M_NORSWAIT to send).
 * DIAGNOSTICS
 *	jobwake_listen() returns -1 with err naming the socket and the
 *	system's reason.
 */
#ifndef PMDF_JOBWAKE_H
#define PMDF_JOBWAKE_H
#include <stddef.h>
#include "str.h"
#include "strlist.h"

#define JOBWAKE_SPEC	"PMDF_LOG:job_controller.sock"
#define JOBWAKE_MAGIC	"PMDFWAKE1"
#define JOBWAKE_MAX	4096		/* bytes in one message */
#define JOBWAKE_RCVBUF	(4 * 1024 * 1024)
#define JOBWAKE_MAX_NAME 64

void jobctl_wake(const char *channel, const char *const *names, size_t n);
int jobwake_listen(STR *path, STR *err);
int jobwake_recv(int fd, STR *channel, STRLIST *names);
void jobwake_close(int fd, const char *path);

#endif
