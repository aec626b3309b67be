/*
 * NAME
 *	flock - an exclusive, non-blocking lock on one file (see flock.h)
 * DESCRIPTION
 *	fcntl() record locks on Unix; an unshared open on OpenVMS, where the
 *	C run-time passes RMS keywords after the mode argument of open().
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "flock.h"
#include "fsync.h"

#ifdef __VMS
#include <rmsdef.h>

int     port_lock_file(const char *path, int *fd, STR *err)
{
    int     f = open(path, O_RDWR, 0, "shr=nil");

    *fd = -1;
    if (f >= 0) {
	*fd = f;
	return 0;
    }
    if (errno == EVMSERR && vaxc$errno == RMS$_FLK)
	return PORT_LOCK_BUSY;
    str_printf(err, "%s: cannot open to lock it: %s", path, strerror(errno));
    return -1;
}

#else

int     port_lock_file(const char *path, int *fd, STR *err)
{
    struct flock fl;
    int     f, saved;

    *fd = -1;
    if ((f = open(path, O_RDWR | PORT_O_CLOEXEC)) < 0) {
	saved = errno;
	str_printf(err, "%s: cannot open to lock it: %s", path, strerror(errno));
	errno = saved;
	return -1;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;			/* the whole file, however it grows */
    if (fcntl(f, F_SETLK, &fl) == 0) {
	*fd = f;
	return 0;
    }
    saved = errno;
    (void) close(f);
    if (saved == EACCES || saved == EAGAIN)
	return PORT_LOCK_BUSY;
    str_printf(err, "%s: cannot lock: %s", path, strerror(saved));
    errno = saved;
    return -1;
}

#endif

void    port_unlock_file(int fd)
{
    if (fd >= 0)
	(void) close(fd);		/* closing drops the lock on both platforms */
}
