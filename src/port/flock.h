/*
 * NAME
 *	flock - an exclusive, non-blocking lock on one file
 * SYNOPSIS
 *	#include "flock.h"
 *
 *	int port_lock_file(const char *path, int *fd, STR *err);
 *	void port_unlock_file(int fd);
 * DESCRIPTION
 *	Two delivery processes must never work on the same queue file at
 *	once; a third party (pmdf qm hold) must not rename a file that is
 *	being delivered.  port_lock_file() opens path for reading and
 *	writing and takes an exclusive lock on the whole file without
 *	waiting.  It returns 0 with *fd the open, locked descriptor (read
 *	the file through it), PORT_LOCK_BUSY when another process holds the
 *	lock (nothing is left open), or -1 with err.  port_unlock_file()
 *	releases the lock and closes the descriptor.
 *
 *	Unix: fcntl(F_SETLK, F_WRLCK) on the whole file.  Such locks belong
 *	to the process and the file: closing ANY descriptor of the file in
 *	the process drops them.  So a process must read a locked file only
 *	through *fd, never open and close it again by name (queue_read()
 *	would do that; queue.h's queue_read_locked() does not).  The lock
 *	follows the file through renames and goes away with the process, so
 *	a crashed deliverer leaves no stale lock.
 *
 *	OpenVMS: the file is opened with no sharing (RMS shr=nil), which the
 *	file system enforces for every other opener: "busy" is the RMS
 *	status RMS$_FLK (file locked by another user).  Unlike the Unix
 *	lock, readers are kept out too (pmdf qm cannot show a message while
 *	it is being delivered).
 * DIAGNOSTICS
 *	-1 with err naming the file and the system's reason; errno is kept
 *	(ENOENT when the file went away meanwhile, which callers skip).
 */
#ifndef PMDF_FLOCK_H
#define PMDF_FLOCK_H
#include "str.h"

#define PORT_LOCK_BUSY	1

int port_lock_file(const char *path, int *fd, STR *err);
void port_unlock_file(int fd);

#endif
