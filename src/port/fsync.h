/*
 * NAME
 *	fsync - put files and directory entries on stable storage
 * SYNOPSIS
 *	#include "fsync.h"
 *
 *	int port_fsync_file(int fd);
 *	int port_fsync_dir(const char *dir, STR *err);
 *	int port_fsync_parent(const char *path, STR *err);
 *	unsigned long port_fsync_dir_count(void);
 *	int port_sync_filesystem(const char *path, STR *err);
 *	PORT_O_CLOEXEC
 * DESCRIPTION
 *	The queue promises that a message is on stable storage before the
 *	SMTP server answers 250; these are the only calls it needs for that,
 *	and the only place that knows how each platform keeps the promise.
 *
 *	port_fsync_file() writes the file's data, and the metadata needed to
 *	read it back (its size), to stable storage: fdatasync() where the
 *	system has synchronized I/O, fsync() elsewhere, F_FULLFSYNC where the
 *	system's fsync() stops at the drive's cache (macOS).  On OpenVMS the
 *	C run-time's fsync() flushes the RMS buffers ($FLUSH) and waits for
 *	the write to complete.
 *
 *	port_fsync_dir() makes the directory's entries (files created,
 *	renamed or removed in it) durable.  On Unix it opens the directory
 *	read-only (O_DIRECTORY where defined) and fsync()s it.  On OpenVMS it
 *	does nothing: the file system (the XQP) updates directory files with
 *	careful-write semantics, so a $CREATE, $ENTER, $RENAME or $REMOVE is
 *	on disk when the call that made it completes.  dir is a directory
 *	spec as lnm_file() returns it ("/pmdf/queue/tcp_local/" or
 *	"DKA0:[PMDF.QUEUE.TCP_LOCAL]").
 *
 *	port_fsync_parent() is port_fsync_dir() of the directory that holds
 *	path (everything up to the last "/" on Unix, the device and directory
 *	part on OpenVMS).
 *
 *	port_fsync_dir_count() tells how many directory syncs this process
 *	asked for (on every platform, including OpenVMS's no-ops): the one
 *	piece of process-wide mutable state here, kept so that tests and
 *	benchmarks can check that a group commit syncs each directory once.
 *
 *	PORT_O_CLOEXEC is O_CLOEXEC where the system has it, else 0.
 * DIAGNOSTICS
 *	port_fsync_file() returns -1 with errno set.  The directory functions
 *	return -1 with err naming the directory and the system's reason.
 */
#ifndef PMDF_FSYNC_H
#define PMDF_FSYNC_H
#include <fcntl.h>
#include "str.h"

#ifdef O_CLOEXEC
#define PORT_O_CLOEXEC O_CLOEXEC
#else
#define PORT_O_CLOEXEC 0
#endif

int port_fsync_file(int fd);
int port_fsync_dir(const char *dir, STR *err);
int port_fsync_parent(const char *path, STR *err);
unsigned long port_fsync_dir_count(void);
int port_sync_filesystem(const char *path, STR *err);

#endif
