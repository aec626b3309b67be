/*
 * NAME
 *	fsync - put files and directory entries on stable storage (see fsync.h)
 * DESCRIPTION
 *	The platform branches are here and nowhere else: fdatasync() when
 *	_POSIX_SYNCHRONIZED_IO says the system has it, F_FULLFSYNC when the
 *	system defines it (plain fsync() on macOS does not flush the drive's
 *	cache), O_DIRECTORY when defined, and OpenVMS, whose file system
 *	writes directory updates carefully (synchronously) by itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "fsync.h"

/* The documented test hook: directory syncs requested by this process. */
static unsigned long fsync_dir_calls;

unsigned long port_fsync_dir_count(void)
{
    return fsync_dir_calls;
}

int     port_fsync_file(int fd)
{
#if defined(F_FULLFSYNC)
    if (fcntl(fd, F_FULLFSYNC) == 0)
	return 0;
    /* Not every file system supports it; fall back to fsync(). */
    return fsync(fd);
#elif defined(_POSIX_SYNCHRONIZED_IO) && _POSIX_SYNCHRONIZED_IO > 0
    return fdatasync(fd);
#else
    /* OpenVMS: the C run-time's fsync() does $FLUSH and waits. */
    return fsync(fd);
#endif
}

#ifdef __VMS

int     port_fsync_dir(const char *dir, STR *err)
{
    /*
     * The XQP writes directory blocks with careful-write ordering before a
     * $CREATE, $ENTER, $RENAME or $REMOVE completes: nothing left to do.
     */
    (void) dir;
    (void) err;
    fsync_dir_calls++;
    return 0;
}

int     port_fsync_parent(const char *path, STR *err)
{
    (void) path;
    (void) err;
    fsync_dir_calls++;
    return 0;
}

#else

int     port_fsync_dir(const char *dir, STR *err)
{
    int     fd, flags = O_RDONLY | PORT_O_CLOEXEC;
    int     saved;

#ifdef O_DIRECTORY
    flags |= O_DIRECTORY;
#endif
    fsync_dir_calls++;
    if ((fd = open(dir, flags)) < 0) {
	str_printf(err, "%s: cannot open the directory to sync it: %s", dir, strerror(errno));
	return -1;
    }
    if (fsync(fd) != 0) {
	saved = errno;
	(void) close(fd);
	str_printf(err, "%s: cannot sync the directory: %s", dir, strerror(saved));
	return -1;
    }
    if (close(fd) != 0) {
	str_printf(err, "%s: cannot close the directory: %s", dir, strerror(errno));
	return -1;
    }
    return 0;
}

int     port_fsync_parent(const char *path, STR *err)
{
    const char *slash = strrchr(path, '/');
    STR     dir = STR_INIT;
    int     rc;

    if (slash == NULL)
	str_cpy(&dir, ".");
    else if (slash == path)
	str_cpy(&dir, "/");
    else
	str_cpyn(&dir, path, (size_t) (slash - path));
    rc = port_fsync_dir(STR_C(dir), err);
    str_free(&dir);
    return rc;
}

#endif

/*
 * port_sync_filesystem - one sync for everything written in the file system
 * holding path (data, inodes and directory entries): syncfs(2) on Linux.
 * Returns 0, -1 with err, or 1 when the system has no such call (the
 * caller then syncs file by file).
 */
#ifdef __linux__
#include <sys/syscall.h>

int     port_sync_filesystem(const char *path, STR *err)
{
    int     fd, saved;

    if ((fd = open(path, O_RDONLY | PORT_O_CLOEXEC)) < 0) {
	str_printf(err, "%s: cannot open to sync the file system: %s", path, strerror(errno));
	return -1;
    }
    fsync_dir_calls++;
    if (syncfs(fd) != 0) {
	saved = errno;
	(void) close(fd);
	str_printf(err, "%s: cannot sync the file system: %s", path, strerror(saved));
	return -1;
    }
    (void) close(fd);
    return 0;
}
#else
int     port_sync_filesystem(const char *path, STR *err)
{
    (void) path;
    (void) err;
    return 1;
}
#endif
