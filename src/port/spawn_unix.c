/*
 * NAME
 *	spawn - child processes (see spawn.h), the Unix back-end: fork, dup2,
 *	exec, waitpid, kill, setuid, and a self-pipe for SIGCHLD.
 * SYNOPSIS
 *	#include "spawn.h"
 * DESCRIPTION
 *	A server child closes every descriptor above SPAWN_CHAN_FD before exec, so
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

/* The write end of the self-pipe: the signal handler's only state. */
static volatile sig_atomic_t spawn_pipe_w = -1;

static void spawn_on_chld(int sig)
{
    int     saved = errno;
    char    c = 0;

    (void) sig;
    if (spawn_pipe_w >= 0)
	(void) write((int) spawn_pipe_w, &c, 1);	/* full pipe: already signalled */
    errno = saved;
}

int     spawn_init(STR *err)
{
    struct sigaction sa;
    int     p[2], i;

    if (pipe(p) < 0) {
	str_printf(err, "cannot create the child-exit pipe: %s", strerror(errno));
	return -1;
    }
    for (i = 0; i < 2; i++) {
	(void) fcntl(p[i], F_SETFD, FD_CLOEXEC);
	(void) fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
    }
    spawn_pipe_w = p[1];
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = spawn_on_chld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &sa, NULL) < 0) {
	str_printf(err, "cannot catch SIGCHLD: %s", strerror(errno));
	close(p[0]);
	close(p[1]);
	spawn_pipe_w = -1;
	return -1;
    }
    return p[0];
}

void    spawn_ack(int fd)
{
    char    buf[256];

    while (read(fd, buf, sizeof(buf)) > 0)
	 /* void */ ;
}

/* spawn_exec - in the child: reset signals, set up descriptors, exec */

static void spawn_exec(char *const argv[], int chan, const char *log_path, pid_t parent)
{
    struct sigaction sa;
    sigset_t none;
    long    max, fd;
    int     nfd;

    if (chan >= 0) {
#ifdef __linux__
	(void) prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	if (getppid() != parent)
	    _exit(0);			/* the dispatcher is already gone */
    }
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
    if (chan >= 0 && chan != SPAWN_CHAN_FD) {
	if (dup2(chan, SPAWN_CHAN_FD) < 0)
	    _exit(127);
    } else if (chan >= 0)
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
    if (chan >= 0) {
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > SPAWN_MAX_CLOSE)
	    max = SPAWN_MAX_CLOSE;
	for (fd = SPAWN_CHAN_FD + 1; fd < max; fd++)
	    (void) close((int) fd);
    }
    execv(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
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
	spawn_exec(argv, chan, log_path, parent);
    return (long) pid;
}

long    spawn_child(char *const argv[], STR *err)
{
    pid_t   pid;

    fflush(stdout);
    fflush(stderr);
    if ((pid = fork()) < 0) {
	str_printf(err, "cannot start %s: fork: %s", argv[0], strerror(errno));
	return -1;
    }
    if (pid == 0)
	spawn_exec(argv, -1, NULL, 0);
    return (long) pid;
}

int     spawn_reap(long *pid, SPAWN_STATUS *st)
{
    pid_t   p;
    int     status;

    do
	p = waitpid(-1, &status, WNOHANG);
    while (p < 0 && errno == EINTR);
    if (p <= 0)
	return 0;
    *pid = (long) p;
    if (WIFSIGNALED(status)) {
	st->how = SPAWN_SIGNALED;
	st->code = WTERMSIG(status);
    } else {
	st->how = SPAWN_EXITED;
	st->code = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
    }
    return 1;
}

int     spawn_ended_well(const SPAWN_STATUS *st)
{
    return st->how == SPAWN_EXITED ? st->code == 0 : st->code == SIGTERM;
}

void    spawn_describe(const SPAWN_STATUS *st, STR *out)
{
    if (st->how == SPAWN_SIGNALED)
	str_printf(out, "signal %d (%s)", st->code, strsignal(st->code));
    else
	str_printf(out, "exit status %d", st->code);
}

int     spawn_signal(long pid, int hard)
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
