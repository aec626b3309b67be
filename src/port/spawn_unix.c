/*
 * NAME
 *	spawn - server processes started by the dispatcher (see spawn.h), the
 *	Unix back-end: fork, dup2, exec, waitpid, kill, setuid.
 * SYNOPSIS
 *	#include "spawn.h"
 * DESCRIPTION
 *	The child closes every descriptor above SPAWN_CHAN_FD before exec, so
 *	a server never holds a listening socket, another server's channel or
 *	a client connection it was not handed, even one opened by a library
 *	without close-on-exec.  On Linux, PR_SET_PDEATHSIG makes the kernel
 *	send SIGTERM when the parent goes; the parent may already be gone
 *	before the request, hence the check of getppid() after it.
 * DIAGNOSTICS
 *	See spawn.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include "spawn.h"

#define SPAWN_MAX_CLOSE 65536

static void spawn_child(char *const argv[], int chan, const char *log_path, pid_t parent)
{
    struct sigaction sa;
    sigset_t none;
    long    max, fd;
    int     nfd;

#ifdef __linux__
    (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    if (getppid() != parent)
	_exit(0);			/* the dispatcher is already gone */
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    (void) sigaction(SIGTERM, &sa, NULL);
    (void) sigaction(SIGINT, &sa, NULL);
    (void) sigaction(SIGHUP, &sa, NULL);
    (void) sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    (void) sigaction(SIGPIPE, &sa, NULL);
    sigemptyset(&none);
    (void) sigprocmask(SIG_SETMASK, &none, NULL);
    if (chan != SPAWN_CHAN_FD) {
	if (dup2(chan, SPAWN_CHAN_FD) < 0)
	    _exit(127);
    } else
	(void) fcntl(chan, F_SETFD, 0);
    if ((nfd = open("/dev/null", O_RDONLY)) >= 0 && nfd != 0) {
	(void) dup2(nfd, 0);
	if (nfd != SPAWN_CHAN_FD)
	    close(nfd);
    }
    if (log_path != NULL && (nfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0640)) >= 0) {
	(void) dup2(nfd, 1);
	(void) dup2(nfd, 2);
	if (nfd > 2 && nfd != SPAWN_CHAN_FD)
	    close(nfd);
    }
    max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > SPAWN_MAX_CLOSE)
	max = SPAWN_MAX_CLOSE;
    for (fd = SPAWN_CHAN_FD + 1; fd < max; fd++)
	(void) close((int) fd);
    execv(argv[0], argv);
    fprintf(stderr, "dispatcher: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

long    spawn_server(char *const argv[], int chan, const char *log_path, STR *err)
{
    pid_t   parent = getpid(), pid;

    if ((pid = fork()) < 0) {
	str_printf(err, "cannot start %s: fork: %s", argv[0], strerror(errno));
	return -1;
    }
    if (pid == 0)
	spawn_child(argv, chan, log_path, parent);
    return (long) pid;
}

int     spawn_reap(long *pid, int *started_ok, STR *how)
{
    int     status;
    pid_t   p;

    do
	p = waitpid(-1, &status, WNOHANG);
    while (p < 0 && errno == EINTR);
    if (p <= 0)
	return 0;
    *pid = (long) p;
    if (WIFEXITED(status)) {
	str_printf(how, "exit status %d", WEXITSTATUS(status));
	*started_ok = WEXITSTATUS(status) == 0;
    } else if (WIFSIGNALED(status)) {
	str_printf(how, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	*started_ok = WTERMSIG(status) == SIGTERM;
    } else {
	str_cpy(how, "unknown status");
	*started_ok = 0;
    }
    return 1;
}

int     spawn_stop(long pid, int hard)
{
    if (pid <= 0)
	return -1;
    return kill((pid_t) pid, hard ? SIGKILL : SIGTERM);
}

int     spawn_become_user(const char *user, STR *err)
{
    struct passwd *pw;

    errno = 0;
    if ((pw = getpwnam(user)) == NULL) {
	str_printf(err, "cannot run as user \"%s\": %s", user,
		   errno ? strerror(errno) : "no such user (set USER= in DISPATCHER.CNF)");
	return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0
	|| setuid(pw->pw_uid) < 0) {
	str_printf(err, "cannot become user \"%s\" (uid %ld): %s", user, (long) pw->pw_uid,
		   strerror(errno));
	return -1;
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() != pw->pw_uid)) {
	str_printf(err, "giving up root for user \"%s\" did not hold", user);
	return -1;
    }
    return 0;
}
