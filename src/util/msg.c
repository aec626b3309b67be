/*
 * NAME
 *	msg - diagnostics for programs and libraries (see msg.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include "msg.h"

static const char *progname = "pmdf";
static int error_count;

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
