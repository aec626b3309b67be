/*
 * NAME
 *	daemon - long-running components: PID files, start, stop, reload
 *	(see daemon.h), the Unix back-end: fcntl record locks, fork/setsid/exec,
 *	SIGTERM and SIGHUP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "daemon.h"
#include "lnm.h"
#include "mem.h"

#define DAEMON_START_MS	15000

static int daemon_file(const char *component, const char *type, int purpose, STR *path,
		               STR *err)
{
    STR     spec = STR_INIT;
    int     rc;

    str_printf(&spec, "PMDF_LOG:%s.%s", component, type);
    rc = lnm_file(STR_C(spec), purpose, path, err);
    str_free(&spec);
    return rc;
}

int     daemon_pidfile(const char *component, int purpose, STR *path, STR *err)
{
    return daemon_file(component, "pid", purpose, path, err);
}

int     daemon_logfile(const char *component, int purpose, STR *path, STR *err)
{
    return daemon_file(component, "log", purpose, path, err);
}

int     daemon_statusfile(const char *component, int purpose, STR *path, STR *err)
{
    return daemon_file(component, "status", purpose, path, err);
}

static void daemon_sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
	 /* void */ ;
}

int     daemon_claim(const char *component, STR *err)
{
    STR     path = STR_INIT;
    struct flock fl;
    char    buf[32];
    int     fd, n;

    if (daemon_pidfile(component, LNM_CREATE, &path, err) < 0) {
	str_free(&path);
	return -1;
    }
    if ((fd = open(STR_C(path), O_RDWR | O_CREAT, 0644)) < 0) {
	str_printf(err, "%s: %s: cannot open the PID file: %s", component, STR_C(path),
		   strerror(errno));
	str_free(&path);
	return -1;
    }
    (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) < 0) {
	int     e = errno;

	if ((e == EAGAIN || e == EACCES) && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
	    str_printf(err, "%s is already running as process %ld (%s)", component,
		       (long) fl.l_pid, STR_C(path));
	else
	    str_printf(err, "%s: %s: cannot lock the PID file: %s", component, STR_C(path),
		       strerror(e));
	close(fd);
	str_free(&path);
	return -1;
    }
    n = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t) n) != n) {
	str_printf(err, "%s: %s: cannot write the PID file: %s", component, STR_C(path),
		   strerror(errno));
	close(fd);
	str_free(&path);
	return -1;
    }
    str_free(&path);
    return 0;			/* fd stays open: the lock lives with the process */
}

long    daemon_running(const char *component, STR *err)
{
    STR     path = STR_INIT;
    struct flock fl;
    int     fd;

    if (daemon_pidfile(component, LNM_READ, &path, err) < 0) {
	str_free(&path);
	return -1;
    }
    if ((fd = open(STR_C(path), O_RDWR)) < 0) {
	if (errno == ENOENT) {
	    str_free(&path);
	    return 0;
	}
	str_printf(err, "%s: %s: cannot open the PID file: %s", component, STR_C(path),
		   strerror(errno));
	str_free(&path);
	return -1;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_GETLK, &fl) < 0) {
	str_printf(err, "%s: %s: cannot test the PID file's lock: %s", component,
		   STR_C(path), strerror(errno));
	close(fd);
	str_free(&path);
	return -1;
    }
    close(fd);
    str_free(&path);
    return fl.l_type == F_UNLCK ? 0 : (long) fl.l_pid;
}

/* daemon_log_tail - the last lines of a log file, for a failed start */

static void daemon_log_tail(const char *path, STR *out)
{
    char    buf[2048];
    FILE   *fp;
    long    size;
    size_t  n;

    if ((fp = fopen(path, "r")) == NULL)
	return;
    if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) > (long) sizeof(buf) - 1)
	(void) fseek(fp, size - (long) sizeof(buf) + 1, SEEK_SET);
    else
	rewind(fp);
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
	buf[--n] = 0;
    str_cat(out, buf);
}

long    daemon_start(const char *component, char *const argv[], STR *err)
{
    STR     log = STR_INIT;
    pid_t   pid;
    long    running, waited;
    int     status;

    if ((running = daemon_running(component, err)) != 0) {
	if (running > 0)
	    str_printf(err, "%s is already running as process %ld", component, running);
	return -1;
    }
    if (daemon_logfile(component, LNM_CREATE, &log, err) < 0) {
	str_free(&log);
	return -1;
    }
    if ((pid = fork()) < 0) {
	str_printf(err, "%s: cannot start %s: fork: %s", component, argv[0], strerror(errno));
	str_free(&log);
	return -1;
    }
    if (pid == 0) {
	int     fd;

	(void) setsid();
	if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
	    (void) dup2(fd, 0);
	    close(fd);
	}
	if ((fd = open(STR_C(log), O_WRONLY | O_CREAT | O_APPEND, 0640)) >= 0) {
	    (void) dup2(fd, 1);
	    (void) dup2(fd, 2);
	    if (fd > 2)
		close(fd);
	}
	execv(argv[0], argv);
	fprintf(stderr, "%s: cannot run %s: %s\n", component, argv[0], strerror(errno));
	_exit(127);
    }
    for (waited = 0; waited < DAEMON_START_MS; waited += 50) {
	if (waitpid(pid, &status, WNOHANG) == pid) {
	    str_printf(err, "%s (%s) exited at start-up with %s %d; the end of %s:\n", component,
		       argv[0], WIFEXITED(status) ? "status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), STR_C(log));
	    daemon_log_tail(STR_C(log), err);
	    str_free(&log);
	    return -1;
	}
	if ((running = daemon_running(component, err)) > 0) {
	    str_free(&log);
	    return running;
	}
	daemon_sleep_ms(50);
    }
    str_printf(err, "%s (%s, process %ld) did not claim its PID file within %d s; see %s",
	       component, argv[0], (long) pid, DAEMON_START_MS / 1000, STR_C(log));
    str_free(&log);
    return -1;
}

int     daemon_signal(long pid, int what, STR *err)
{
    int     sig = what == DAEMON_RELOAD ? SIGHUP : SIGTERM;

    if (pid <= 0 || kill((pid_t) pid, sig) < 0) {
	str_printf(err, "cannot signal process %ld: %s", pid,
		   pid <= 0 ? "no such process" : strerror(errno));
	return -1;
    }
    return 0;
}

int     daemon_wait_gone(const char *component, long timeout_ms)
{
    STR     err = STR_INIT;
    long    waited;

    for (waited = 0;; waited += 50) {
	if (daemon_running(component, &err) == 0)
	    break;
	if (waited >= timeout_ms) {
	    str_free(&err);
	    return -1;
	}
	daemon_sleep_ms(50);
    }
    str_free(&err);
    return 0;
}

static volatile sig_atomic_t *daemon_stop_flag, *daemon_reload_flag;

static void daemon_on_signal(int sig)
{
    if (sig == SIGHUP) {
	if (daemon_reload_flag)
	    *daemon_reload_flag = 1;
    } else if (daemon_stop_flag)
	*daemon_stop_flag = 1;
}

void    daemon_on_signals(volatile sig_atomic_t *stop, volatile sig_atomic_t *reload)
{
    struct sigaction sa;

    daemon_stop_flag = stop;
    daemon_reload_flag = reload;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = daemon_on_signal;
    (void) sigaction(SIGTERM, &sa, NULL);
    (void) sigaction(SIGINT, &sa, NULL);
    (void) sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    (void) sigaction(SIGPIPE, &sa, NULL);
}
