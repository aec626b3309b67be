/*
 * NAME
 *	jobwake - wake the job controller when mail is queued (see jobwake.h),
 *	the Unix back-end: a datagram socket PMDF_LOG:job_controller.sock.
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

static int jobwake_name_ok(const char *name)
{
    size_t  len = strlen(name), i;

    if (len == 0 || len > JOBWAKE_MAX_NAME)
	return 0;
    for (i = 0; i < len; i++)
	if (name[i] == '/' || name[i] <= ' ' || name[i] == 0x7f)
	    return 0;
    return 1;
}

static void jobwake_send(int fd, const struct sockaddr_un *sa, const STR *dgram)
{
    /* Best-effort: a full buffer or an absent controller drops the hint. */
    (void) sendto(fd, dgram->s, dgram->len, MSG_DONTWAIT, (const struct sockaddr *) sa,
		  sizeof(*sa));
}

void    jobctl_wake(const char *channel, const char *const *names, size_t n)
{
    struct sockaddr_un sa;
    STR     path = STR_INIT, err = STR_INIT, dgram = STR_INIT, head = STR_INIT;
    size_t  i;
    int     fd;

    if (channel == NULL || !jobwake_name_ok(channel)
	|| lnm_file(JOBWAKE_SPEC, LNM_READ, &path, &err) < 0
	|| jobwake_addr(STR_C(path), &sa, NULL) < 0
	|| (fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0) {
	str_free(&path);
	str_free(&err);
	return;
    }
    str_printf(&head, "%s %s\n", JOBWAKE_MAGIC, channel);
    str_cpy(&dgram, STR_C(head));
    for (i = 0; i < n; i++) {
	if (!jobwake_name_ok(names[i]))
	    continue;
	if (dgram.len + strlen(names[i]) + 1 > JOBWAKE_MAX) {
	    jobwake_send(fd, &sa, &dgram);
	    str_cpy(&dgram, STR_C(head));
	}
	str_catf(&dgram, "%s\n", names[i]);
    }
    if (n == 0 || dgram.len > head.len)
	jobwake_send(fd, &sa, &dgram);
    close(fd);
    str_free(&path);
    str_free(&err);
    str_free(&dgram);
    str_free(&head);
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

int     jobwake_recv(int fd, STR *channel, STRLIST *names)
{
    char    buf[JOBWAKE_MAX + 1];
    const char *p, *nl, *end;
    ssize_t n;

    for (;;) {
	n = recv(fd, buf, JOBWAKE_MAX, 0);
	if (n < 0 && errno == EINTR)
	    continue;
	if (n < 0)
	    return 0;
	buf[n] = 0;
	end = buf + n;
	if ((size_t) n < sizeof(JOBWAKE_MAGIC) + 1
	    || memcmp(buf, JOBWAKE_MAGIC " ", sizeof(JOBWAKE_MAGIC)) != 0
	    || (nl = memchr(buf, '\n', (size_t) n)) == NULL)
	    continue;				/* not ours: skip it */
	p = buf + sizeof(JOBWAKE_MAGIC);
	str_cpyn(channel, p, (size_t) (nl - p));
	if (!jobwake_name_ok(STR_C(*channel)))
	    continue;
	strlist_reset(names);
	for (p = nl + 1; p < end; p = nl + 1) {
	    if ((nl = memchr(p, '\n', (size_t) (end - p))) == NULL)
		break;
	    if (nl > p && nl - p <= JOBWAKE_MAX_NAME)
		strlist_addn(names, p, (size_t) (nl - p));
	}
	return 1;
    }
}

void    jobwake_close(int fd, const char *path)
{
    if (fd >= 0)
	close(fd);
    if (path != NULL && *path)
	(void) unlink(path);
}
