/*
 * NAME
 *	msg - diagnostics for programs and libraries (see msg.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <time.h>
#include "msg.h"

static const char *progname = "pmdf";
static int error_count;
static int timestamps;

void msg_timestamps(int on)
{
    timestamps = on;
}

/* "24-Nov-2026 22:10:05.23 ", as the mail log writes dates. */
static void msg_stamp(void)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec"};
    struct timespec ts;
    struct tm tm;
    time_t  t;

    if (clock_gettime(CLOCK_REALTIME, &ts) < 0) {
	ts.tv_sec = time(NULL);
	ts.tv_nsec = 0;
    }
    t = ts.tv_sec;
    if (localtime_r(&t, &tm) == NULL)
	return;
    fprintf(stderr, "%02d-%s-%04d %02d:%02d:%02d.%02ld ", tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, (long) ts.tv_nsec / 10000000L);
}

void msg_progname(const char *name)
{
    progname = name;
}

const char *msg_get_progname(void)
{
    return progname;
}

static void msg_vprint(const char *severity, const char *fmt, va_list ap)
{
    fflush(stdout);
    if (timestamps)
	msg_stamp();
    if (severity != NULL)
	fprintf(stderr, "%s: %s: ", progname, severity);
    else
	fprintf(stderr, "%s: ", progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void msg_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprint(NULL, fmt, ap);
    va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprint("warning", fmt, ap);
    va_end(ap);
}

void msg_error(const char *fmt, ...)
{
    va_list ap;

    error_count++;
    va_start(ap, fmt);
    msg_vprint("error", fmt, ap);
    va_end(ap);
}

void msg_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprint("fatal", fmt, ap);
    va_end(ap);
    exit(1);
}

void msg_panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprint("panic", fmt, ap);
    va_end(ap);
    abort();
}

int msg_error_count(void)
{
    return error_count;
}
