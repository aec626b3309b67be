/*
 * NAME
 *	osuser - who is running this program (see osuser.h)
 * DESCRIPTION
 *	POSIX: getpwuid(), stat(), termios.  OpenVMS's C run-time library
 *	provides getpwuid() and stat() too; for the terminal it has no
 *	termios, so there the echo is turned off with a SYS$QIOW read with
 *	IO$M_NOECHO on SYS$COMMAND.  A process is probed with kill(pid, 0),
 *	which both run-time libraries provide: no signal is sent, and EPERM
 *	means the process exists but belongs to someone else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <pwd.h>
#include <signal.h>
#include <time.h>
#include <sys/types.h>
#include <sys/stat.h>
#include "osuser.h"
#include "mem.h"

#ifdef __VMS
#include <descrip.h>
#include <iodef.h>
#include <starlet.h>
#else
#include <termios.h>
#endif

int     os_user_name(STR *name, STR *err)
{
    struct passwd *pw = getpwuid(geteuid());

    if (pw == NULL) {
	str_printf(err, "user id %ld has no entry in the password file", (long) geteuid());
	return -1;
    }
    str_cpy(name, pw->pw_name);
    return 0;
}

int     os_may_administer(const char *path)
{
    struct stat st;
    STR     dir = STR_INIT;
    const char *slash;
    int     rc;

    if (geteuid() == 0)
	return 1;
    if (stat(path, &st) == 0)
	return st.st_uid == geteuid();
    slash = strrchr(path, '/');
    if (slash == NULL)
	str_cpy(&dir, ".");
    else
	str_cpyn(&dir, path, slash == path ? 1 : (size_t) (slash - path));
    rc = stat(STR_C(dir), &st) == 0 && st.st_uid == geteuid();
    str_free(&dir);
    return rc;
}

/* One line from fp, without its terminator; -1 at end of input or when too long. */
static int read_line(FILE *fp, STR *out, STR *err)
{
    int     c;

    str_reset(out);
    while ((c = getc(fp)) != EOF && c != '\n') {
	if (out->len >= TTY_SECRET_MAX) {
	    str_printf(err, "input longer than %d bytes", TTY_SECRET_MAX);
	    while ((c = getc(fp)) != EOF && c != '\n')
		 /* discard */ ;
	    return -1;
	}
	str_catc(out, c);
    }
    if (c == EOF && out->len == 0) {
	str_cpy(err, "end of input while reading a password");
	return -1;
    }
    if (out->len > 0 && out->s[out->len - 1] == '\r')
	str_truncate(out, out->len - 1);
    return 0;
}

#ifdef __VMS
static int tty_prompt_noecho(const char *prompt, STR *out, STR *err)
{
    $DESCRIPTOR(dev, "SYS$COMMAND");
    unsigned short chan, iosb[4];
    char    buf[TTY_SECRET_MAX + 1];
    int     status;

    status = sys$assign(&dev, &chan, 0, 0);
    if (!(status & 1)) {
	str_printf(err, "cannot assign SYS$COMMAND: status %%X%08X", status);
	return -1;
    }
    status = sys$qiow(0, chan, IO$_READPROMPT | IO$M_NOECHO, iosb, 0, 0, buf,
		      sizeof(buf) - 1, 0, 0, prompt, strlen(prompt));
    sys$dassgn(chan);
    if (!(status & 1) || !(iosb[0] & 1)) {
	str_printf(err, "cannot read the terminal: status %%X%08X", (status & 1) ? iosb[0] : status);
	return -1;
    }
    str_cpyn(out, buf, iosb[1]);
    fputc('\n', stderr);
    return 0;
}
#else
static int tty_prompt_noecho(const char *prompt, STR *out, STR *err)
{
    struct termios old, quiet;
    int     rc;

    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(0, &old) != 0) {
	str_printf(err, "cannot read the terminal settings: %s", strerror(errno));
	return -1;
    }
    quiet = old;
    quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    tcsetattr(0, TCSAFLUSH, &quiet);
    rc = read_line(stdin, out, err);
    tcsetattr(0, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return rc;
}
#endif

int     tty_read_secret(const char *prompt, int confirm, STR *out, STR *err)
{
    STR     again = STR_INIT;
    int     rc;

    if (!isatty(0))
	return read_line(stdin, out, err);
    if (tty_prompt_noecho(prompt, out, err) < 0)
	return -1;
    if (!confirm)
	return 0;
    rc = tty_prompt_noecho("Verification: ", &again, err);
    if (rc == 0 && (again.len != out->len || memcmp(again.s, out->s, out->len) != 0)) {
	str_cpy(err, "the two entries differ; nothing was changed");
	rc = -1;
    }
    if (again.s)
	memset(again.s, 0, again.len);
    str_free(&again);
    return rc;
}

int     os_process_alive(unsigned long pid)
{
    if (pid == 0 || kill((pid_t) pid, 0) == 0)
	return 1;
    return errno == EPERM;
}

void    os_sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
	;
}
