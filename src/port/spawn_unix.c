/*
 * NAME
 *	spawn - run child programs and learn when they end (see spawn.h),
 *	the Unix back-end: fork/execv, SIGCHLD and a self-pipe, waitpid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "spawn.h"

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

long    spawn_child(char *const argv[], STR *err)
{
    pid_t   pid;
    int     fd;

    fflush(stdout);
    fflush(stderr);
    if ((pid = fork()) < 0) {
	str_printf(err, "cannot start %s: fork: %s", argv[0], strerror(errno));
	return -1;
    }
    if (pid > 0)
	return (long) pid;
    /* The child: default signal handling, no inherited mask. */
    {
	sigset_t none;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGCHLD, &sa, NULL);
	(void) sigaction(SIGTERM, &sa, NULL);
	(void) sigaction(SIGINT, &sa, NULL);
	(void) sigaction(SIGHUP, &sa, NULL);
	(void) sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	(void) sigprocmask(SIG_SETMASK, &none, NULL);
    }
    if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
	(void) dup2(fd, 0);
	close(fd);
    }
    execv(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
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

int     spawn_signal(long pid, int hard)
{
    if (pid <= 0)
	return -1;
    return kill((pid_t) pid, hard ? SIGKILL : SIGTERM);
}

void    spawn_describe(const SPAWN_STATUS *st, STR *out)
{
    if (st->how == SPAWN_SIGNALED) {
	const char *name = st->code == SIGKILL ? "SIGKILL" : st->code == SIGSEGV ? "SIGSEGV"
	    : st->code == SIGABRT ? "SIGABRT" : st->code == SIGTERM ? "SIGTERM"
	    : st->code == SIGBUS ? "SIGBUS" : st->code == SIGINT ? "SIGINT" : "";

	str_printf(out, "signal %d%s%s%s", st->code, *name ? " (" : "", name, *name ? ")" : "");
    } else
	str_printf(out, "exit status %d", st->code);
}
