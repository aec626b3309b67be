/*
 * NAME
 *	spawn - run child programs and learn when they end
 * SYNOPSIS
 *	#include "spawn.h"
 *
 *	int spawn_init(STR *err);
 *	long spawn_child(char *const argv[], STR *err);
 *	int spawn_reap(long *pid, SPAWN_STATUS *st);
 *	void spawn_ack(int fd);
 *	int spawn_signal(long pid, int hard);
 *	void spawn_describe(const SPAWN_STATUS *st, STR *out);
 * DESCRIPTION
 *	The job controller runs channel programs as child processes and
 *	must hear at once when one ends, from inside its event loop.
 *
 *	spawn_init() prepares that: it returns a descriptor that becomes
 *	readable whenever a child may have ended (watch it with evloop.h;
 *	call spawn_ack() from the callback, then spawn_reap() until it says
 *	0).  Call it once per process, before the first spawn_child().
 *
 *	spawn_child() starts argv (argv[0] a path; no shell, no search) with
 *	standard input from the null device and standard output and error
 *	shared with the caller, and returns the child's process id.
 *	spawn_reap() collects one child that ended, without waiting: 1 with
 *	*pid and *st set, 0 when none has ended.  spawn_signal() asks a child
 *	to stop (hard 0: SIGTERM) or kills it (hard 1: SIGKILL).
 *	spawn_describe() writes "exit status N" or "signal N (name)".
 *
 *	Unix: fork() and execv(); SIGCHLD's handler writes a byte to a
 *	non-blocking pipe (the self-pipe trick), waitpid(WNOHANG) reaps.
 *	The pipe's descriptors are close-on-exec.  OpenVMS (spawn_vms.c, not
 *	written yet): SYS$CREPRC with a termination mailbox, whose channel
 *	is the descriptor to watch.
 * DIAGNOSTICS
 *	spawn_init() and spawn_child() return -1 with err naming the program
 *	and the system's reason.  A program that cannot be executed is
 *	started all the same: its child exits with status 127 after writing
 *	"cannot run PROGRAM: reason" to standard error.
 */
#ifndef PMDF_SPAWN_H
#define PMDF_SPAWN_H
#include "str.h"

#define SPAWN_EXITED	1
#define SPAWN_SIGNALED	2

typedef struct SPAWN_STATUS {
    int     how;		/* SPAWN_EXITED or SPAWN_SIGNALED */
    int     code;		/* exit status or signal number */
} SPAWN_STATUS;

int spawn_init(STR *err);
long spawn_child(char *const argv[], STR *err);
int spawn_reap(long *pid, SPAWN_STATUS *st);
void spawn_ack(int fd);
int spawn_signal(long pid, int hard);
void spawn_describe(const SPAWN_STATUS *st, STR *out);

#endif
