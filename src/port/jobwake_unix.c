/*
 * NAME
 *	jobwake - datagrams to the job controller (see jobwake.h), the Unix
 *	back-end: a datagram socket PMDF_LOG:job_controller.sock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <poll.h>
#include "jobwake.h"
#include "lnm.h"

static int jobwake_addr(const char *path, struct sockaddr_un *sa, STR *err)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
	if (err != NULL)
	    str_printf(err, "%s: the socket path is longer than the system's limit of %d"
		       " bytes; give PMDF_LOG a shorter directory", path,
		       (int) sizeof(sa->sun_path) - 1);
	return -1;
    }
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return 0;
}

/* The sending socket, connected; -1 until the first send (or after a failure). */
static int jobwake_fd = -1;
static unsigned long jobwake_pid;	/* the process that opened it (fork) */

static int jobwake_connect(void)
{
    struct sockaddr_un sa;
    STR     path = STR_INIT, err = STR_INIT;
    int     fd = -1;

    if (lnm_file(JOBWAKE_SPEC, LNM_READ, &path, &err) == 0
	&& jobwake_addr(STR_C(path), &sa, NULL) == 0
	&& (fd = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0) {
	(void) fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
	    close(fd);
	    fd = -1;
	}
    }
    str_free(&path);
    str_free(&err);
    return fd;
}

int     jobwake_send(const void *buf, size_t len)
{
    struct pollfd pfd;
    int     tries;

    if (jobwake_fd >= 0 && jobwake_pid != (unsigned long) getpid()) {
	close(jobwake_fd);			/* the parent's, after fork() */
	jobwake_fd = -1;
    }
    for (tries = 0; tries < 2; tries++) {
	if (jobwake_fd < 0) {
	    if ((jobwake_fd = jobwake_connect()) < 0)
		return -1;			/* no job controller */
	    jobwake_pid = (unsigned long) getpid();
	}
	for (;;) {
	    if (send(jobwake_fd, buf, len, MSG_DONTWAIT) == (ssize_t) len)
		return 0;
	    if (errno == EINTR)
		continue;
	    if (errno != EAGAIN && errno != EWOULDBLOCK)
		break;
	    /* A full controller: wait a little for room (connected: poll tells). */
	    pfd.fd = jobwake_fd;
	    pfd.events = POLLOUT;
	    if (poll(&pfd, 1, JOBWAKE_WAIT_MS) <= 0)
		return -1;
	}
	/* ECONNREFUSED, ENOENT...: a controller that went away or was restarted. */
	close(jobwake_fd);
	jobwake_fd = -1;
    }
    return -1;
}

int     jobwake_listen(STR *path, STR *err)
{
    struct sockaddr_un sa;
    int     fd, size = JOBWAKE_RCVBUF;
    mode_t  old;

    if (lnm_file(JOBWAKE_SPEC, LNM_CREATE, path, err) < 0
	|| jobwake_addr(STR_C(*path), &sa, err) < 0)
	return -1;
    if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0) {
	str_printf(err, "%s: cannot create a socket: %s", STR_C(*path), strerror(errno));
	return -1;
    }
    (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
    (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
#ifdef SO_RCVBUFFORCE
    /* Beyond net.core.rmem_max when privileged (the usual 208 KB is small). */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
#endif
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    /* A socket file left by a crashed controller: the caller holds the lock. */
    if (unlink(STR_C(*path)) < 0 && errno != ENOENT) {
	str_printf(err, "%s: cannot remove the old socket: %s", STR_C(*path), strerror(errno));
	close(fd);
	return -1;
    }
    old = umask(077);
    if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
	int     e = errno;

	umask(old);
	str_printf(err, "%s: cannot bind the wake-up socket: %s", STR_C(*path), strerror(e));
	close(fd);
	return -1;
    }
    umask(old);
    return fd;
}

long    jobwake_recv(int fd, void *buf, size_t size)
{
    ssize_t n;

    do
	n = recv(fd, buf, size, 0);
    while (n < 0 && errno == EINTR);
    return n < 0 ? 0 : (long) n;
}

void    jobwake_close(int fd, const char *path)
{
    if (fd >= 0)
	close(fd);
    if (path != NULL && *path)
	(void) unlink(path);
}
