/*
 * NAME
 *	daemon - long-running components: PID files, start, stop, reload
 * SYNOPSIS
 *	#include "daemon.h"
 *
 *	int daemon_claim(const char *component, STR *err);
 *	long daemon_running(const char *component, STR *err);
 *	long daemon_start(const char *component, char *const argv[], STR *err);
 *	int daemon_signal(long pid, int what, STR *err);
 *	int daemon_wait_gone(const char *component, long timeout_ms);
 *	int daemon_pidfile(const char *component, int purpose, STR *path, STR *err);
 *	int daemon_logfile(const char *component, int purpose, STR *path, STR *err);
 *	int daemon_statusfile(const char *component, int purpose, STR *path, STR *err);
 *	void daemon_on_signals(volatile sig_atomic_t *stop, volatile sig_atomic_t *reload);
 * DESCRIPTION
 *	The dispatcher and the job controller are "components": programs
 *	that run until told to stop, one copy per instance.  A component is
 *	named by a short lower-case word ("dispatcher", "job_controller")
 *	and owns two files, found through logical names:
 *
 *		PMDF_LOG:<component>.pid	its process id, locked
 *		PMDF_LOG:<component>.log	its standard output and error
 *						when started by daemon_start()
 *		PMDF_LOG:<component>.status	its state, when it publishes
 *						one (the dispatcher does, for
 *						"pmdf process" and "pmdf
 *						restart"; see dispatcher.c)
 *
 *	daemon_claim() is called by the component itself at start-up: it
 *	creates the PID file (mode 0644), takes an exclusive lock on it
 *	that lasts as long as the process (the descriptor is kept open,
 *	close-on-exec), and writes the process id.  A second copy finds the
 *	lock held and fails with "already running as process N".  Because
 *	the lock, not the file's content, says who runs, a PID file left by
 *	a crash never blocks a start and never names a stranger.
 *
 *	daemon_running() gives the process id holding the component's lock,
 *	0 when none does (no file, or a stale one), -1 with err on failure.
 *
 *	daemon_start() is "pmdf startup <component>": it starts argv (argv[0]
 *	is a path) as a new session leader, detached from the terminal,
 *	standard input /dev/null, standard output and error appended to the
 *	component's log file, then waits (up to 15 s) until the component
 *	has claimed its PID file and returns its process id.  When the
 *	program exits first, the error says so and quotes the last lines of
 *	its log.
 *
 *	daemon_signal() asks a component to stop (DAEMON_STOP: finish
 *	gracefully) or to read its configuration again (DAEMON_RELOAD).  On
 *	Unix these are SIGTERM and SIGHUP; a component installs
 *	daemon_on_signals(), which sets *stop on SIGTERM or SIGINT and
 *	*reload on SIGHUP (either pointer may be NULL), and ignores SIGPIPE.
 *	daemon_wait_gone() waits until no process holds the lock: 0 when it
 *	went, -1 after timeout_ms.
 *
 *	daemon_pidfile(), daemon_logfile() and daemon_statusfile() give the
 *	files' paths (purpose LNM_READ or LNM_CREATE, as lnm_file()).
 *
 *	On OpenVMS the same contract maps to a detached process created with
 *	SYS$CREPRC (daemon_start), the PID file opened without sharing
 *	(daemon_claim), and $FORCEX or a mailbox message for the two
 *	requests; that back-end (daemon_vms.c) is not written yet: daemon_unix.c
 *	is the only one, listed in Makefile.unix's PORT_UNIX_SRCS.
 * DIAGNOSTICS
 *	-1 (daemon_running, daemon_start: -1 too) with err naming the
 *	component, the file and the system error.
 */
#ifndef PMDF_DAEMON_H
#define PMDF_DAEMON_H
#include <signal.h>
#include "str.h"

#define DAEMON_STOP	1
#define DAEMON_RELOAD	2

int     daemon_claim(const char *component, STR *err);
long    daemon_running(const char *component, STR *err);
long    daemon_start(const char *component, char *const argv[], STR *err);
int     daemon_signal(long pid, int what, STR *err);
int     daemon_wait_gone(const char *component, long timeout_ms);
int     daemon_pidfile(const char *component, int purpose, STR *path, STR *err);
int     daemon_logfile(const char *component, int purpose, STR *path, STR *err);
int     daemon_statusfile(const char *component, int purpose, STR *path, STR *err);
void    daemon_on_signals(volatile sig_atomic_t *stop, volatile sig_atomic_t *reload);

#endif
