/*
 * NAME
 *	spawn - child processes: servers of the dispatcher, channel programs
 *	of the job controller
 * SYNOPSIS
 *	#include "spawn.h"
 *
 *	int spawn_init(STR *err);
 *	void spawn_ack(int fd);
 *	long spawn_server(char *const argv[], int chan, const char *log_path,
 *			  STR *err);
 *	long spawn_child(char *const argv[], STR *err);
 *	int spawn_reap(long *pid, SPAWN_STATUS *st);
 *	int spawn_ended_well(const SPAWN_STATUS *st);
 *	void spawn_describe(const SPAWN_STATUS *st, STR *out);
 *	int spawn_signal(long pid, int hard);
 *	int spawn_become_user(const char *user, STR *err);
 * DESCRIPTION
 *	spawn_init() lets an event loop hear at once when a child ends: it
 *	returns a descriptor that becomes readable whenever a child may have
 *	ended (watch it with evloop.h; call spawn_ack() from the callback,
 *	then spawn_reap() until it says 0).  Call it once per process, before
 *	the first child; a caller that polls spawn_reap() need not call it.
 *	Unix: SIGCHLD's handler writes a byte to a non-blocking pipe (the
 *	self-pipe trick); both ends are close-on-exec.
 *
 *	spawn_server() starts argv (argv[0] a path) as a child process of
 *	the caller: the channel endpoint chan becomes the child's
 *	descriptor SPAWN_CHAN_FD (the caller passes that number in argv,
 *	e.g. "-dispatcher=3"), standard input is /dev/null, standard output
 *	and error are appended to log_path (or inherited when it is NULL),
 *	every other descriptor of the caller is closed (they are all
 *	close-on-exec), and the signal mask and dispositions are reset.
 *	The child dies with its parent: on Linux it asks the kernel for
 *	SIGTERM when the dispatcher goes (prctl PR_SET_PDEATHSIG); on every
 *	system it also sees end-of-file on its channel.  The caller closes
 *	its copy of chan's other end as it likes.  Returns the process id.
 *
 *	spawn_child() starts argv (argv[0] a path; no shell, no search) with
 *	standard input from the null device and standard output and error
 *	shared with the caller (the job controller's channel programs).
 *
 *	spawn_reap() collects one child that has ended, without waiting:
 *	1 with *pid and *st set, 0 when no child has ended.
 *	spawn_ended_well() is 1 when it exited with status 0 or was stopped
 *	by SIGTERM; spawn_describe() writes "exit status N" or "signal N
 *	(name)".
 *
 *	spawn_signal() asks a child to stop at once (SIGTERM; a server then
 *	closes its sessions) or, with hard set, kills it (SIGKILL).
 *
 *	spawn_become_user() gives up the superuser's privileges for good:
 *	the user's groups, group and user ids (setgroups/initgroups, setgid,
 *	setuid), checked afterwards; the dispatcher calls it after binding
 *	its ports.
 *
 *	On OpenVMS the same contract maps to SYS$CREPRC of a detached
 *	process with a mailbox as its channel (see fdpass.h), a termination
 *	mailbox in place of spawn_reap(), SYS$DELPRC / SYS$FORCEX for
 *	spawn_signal(), and the process's UIC instead of spawn_become_user();
 *	that back-end (spawn_vms.c) is not written: spawn_unix.c is listed in
 *	Makefile.unix's PORT_UNIX_SRCS.
 * DIAGNOSTICS
 *	spawn_init(), spawn_server(), spawn_child() and spawn_become_user() return -1 with err naming
 *	the program or user and the system error.  A child that cannot run
 *	its program writes why to its log and exits with status 127.
 */
#ifndef PMDF_SPAWN_H
#define PMDF_SPAWN_H
#include "str.h"

#define SPAWN_CHAN_FD 3

#define SPAWN_EXITED	1
#define SPAWN_SIGNALED	2

typedef struct SPAWN_STATUS {
    int     how;		/* SPAWN_EXITED or SPAWN_SIGNALED */
    int     code;		/* exit status or signal number */
} SPAWN_STATUS;

int spawn_init(STR *err);
void spawn_ack(int fd);
long spawn_server(char *const argv[], int chan, const char *log_path, STR *err);
long spawn_child(char *const argv[], STR *err);
int spawn_reap(long *pid, SPAWN_STATUS *st);
int spawn_ended_well(const SPAWN_STATUS *st);
void spawn_describe(const SPAWN_STATUS *st, STR *out);
int spawn_signal(long pid, int hard);
int spawn_become_user(const char *user, STR *err);

#endif
