/*
 * NAME
 *	tap - the one TAP emitter for the C unit tests (see tap.h)
 */
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include "tap.h"

static int planned = -1;
static int run;
static int failed;

void tap_plan(int n)
{
    planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

static int tap_vresult(int cond, const char *fmt, va_list ap)
{
    run++;
    if (!cond)
	failed++;
    printf("%sok %d - ", cond ? "" : "not ", run);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    return cond;
}

int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    tap_vresult(cond, fmt, ap);
    va_end(ap);
    return cond;
}

static void tap_quote(const char *label, const char *s)
{
    printf("#   %8s: ", label);
    if (s == NULL) {
	printf("(null)\n");
	return;
    }
    putchar('\'');
    for (; *s; s++) {
	if (*s == '\n')
	    printf("\\n");
	else if (*s == '\r')
	    printf("\\r");
	else
	    putchar(*s);
    }
    printf("'\n");
}

int tap_is_str(const char *got, const char *expected, const char *fmt, ...)
{
    va_list ap;
    int     cond;

    cond = (got == NULL && expected == NULL)
	|| (got != NULL && expected != NULL && strcmp(got, expected) == 0);
    va_start(ap, fmt);
    tap_vresult(cond, fmt, ap);
    va_end(ap);
    if (!cond) {
	tap_quote("got", got);
	tap_quote("expected", expected);
	fflush(stdout);
    }
    return cond;
}

int tap_is_int(long got, long expected, const char *fmt, ...)
{
    va_list ap;
    int     cond = got == expected;

    va_start(ap, fmt);
    tap_vresult(cond, fmt, ap);
    va_end(ap);
    if (!cond) {
	printf("#        got: %ld\n#   expected: %ld\n", got, expected);
	fflush(stdout);
    }
    return cond;
}

void tap_skip(int count, const char *fmt, ...)
{
    va_list ap;

    while (count-- > 0) {
	run++;
	printf("ok %d # skip ", run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
    }
    fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
    va_list ap;

    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

int tap_done(void)
{
    if (planned < 0)
	printf("1..%d\n", run);
    else if (planned != run) {
	printf("# planned %d tests but ran %d\n", planned, run);
	failed++;
    }
    fflush(stdout);
    return failed ? 1 : 0;
}
