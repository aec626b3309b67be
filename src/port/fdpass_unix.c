/*
 * NAME
 *	fdpass - hand a connected socket to another process (see fdpass.h),
 *	the Unix back-end: SOCK_SEQPACKET socket pairs and SCM_RIGHTS.
 * SYNOPSIS
 *	#include "fdpass.h"
 * DESCRIPTION
 *	Each message is one sendmsg() with at most one descriptor in its
 *	ancillary data; SOCK_SEQPACKET keeps the boundaries, so a receiver
 *	never sees two messages, or two descriptors, run together.  The
 *	send buffer is enlarged so that a burst of hand-offs to a server
 *	that is busy for a moment does not fill it.
 * DIAGNOSTICS
 *	See fdpass.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "fdpass.h"

#define FDPASS_SNDBUF (1024 * 1024)
#define FDPASS_WAIT_MS 100

static int fdpass_setup(int fd)
{
    int     flags, size = FDPASS_SNDBUF;

    if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
	return -1;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
	return -1;
    (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    return 0;
}

int     fdpass_pair(int fds[2], STR *err)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) < 0) {
	str_printf(err, "socketpair(AF_UNIX, SOCK_SEQPACKET): %s", strerror(errno));
	return -1;
    }
    if (fdpass_setup(fds[0]) < 0 || fdpass_setup(fds[1]) < 0) {
	str_printf(err, "fcntl on a socket pair: %s", strerror(errno));
	close(fds[0]);
	close(fds[1]);
	return -1;
    }
    return 0;
}

long    fdpass_send(int chan, int fd, const char *msg, size_t len)
{
    union {
	struct cmsghdr hdr;
	char    buf[CMSG_SPACE(sizeof(int))];
    }       ctl;
    struct msghdr mh;
    struct iovec iov;
    struct pollfd pfd;
    long    n;
    int     waited = 0;

    if (len == 0 || len > FDPASS_MAX_MSG) {
	errno = EMSGSIZE;
	return -1;
    }
    memset(&mh, 0, sizeof(mh));
    memset(&ctl, 0, sizeof(ctl));
    iov.iov_base = (void *) msg;
    iov.iov_len = len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (fd >= 0) {
	struct cmsghdr *c;

	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    for (;;) {
	do
	    n = (long) sendmsg(chan, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || waited)
	    return n;
	pfd.fd = chan;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	if (poll(&pfd, 1, FDPASS_WAIT_MS) <= 0) {
	    errno = EAGAIN;
	    return -1;
	}
	waited = 1;
    }
}

/* Closes every descriptor a message carried. */
static void fdpass_close_all(struct msghdr *mh)
{
    struct cmsghdr *c;

    for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
	if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
	    size_t  i, n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

	    for (i = 0; i < n; i++) {
		int     fd;

		memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		close(fd);
	    }
	}
    }
}

long    fdpass_recv(int chan, int *fd, char *buf, size_t cap)
{
    union {
	struct cmsghdr hdr;
	char    buf[CMSG_SPACE(4 * sizeof(int))];
    }       ctl;
    struct msghdr mh;
    struct iovec iov;
    struct cmsghdr *c;
    long    n;

    *fd = -1;
    if (cap < 2) {
	errno = EINVAL;
	return -1;
    }
    memset(&mh, 0, sizeof(mh));
    iov.iov_base = buf;
    iov.iov_len = cap - 1;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    do
	n = (long) recvmsg(chan, &mh, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
	return -1;
    if (n == 0 && mh.msg_controllen == 0) {
	buf[0] = 0;
	return 0;
    }
    if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
	fdpass_close_all(&mh);
	errno = EMSGSIZE;
	return -1;
    }
    buf[n] = 0;
    c = CMSG_FIRSTHDR(&mh);
    if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
	&& c->cmsg_len == CMSG_LEN(sizeof(int)) && CMSG_NXTHDR(&mh, c) == NULL) {
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	(void) fcntl(*fd, F_SETFD, FD_CLOEXEC);
    } else if (c != NULL) {
	fdpass_close_all(&mh);	/* not what the protocol sends */
	errno = EMSGSIZE;
	return -1;
    }
    return n;
}

int     fdpass_close_send(int chan)
{
    return shutdown(chan, SHUT_WR);
}
