/*
 * NAME
 *	maillog - PMDF_LOG:mail.log_current (see maillog.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/time.h>
#include "maillog.h"
#include "lnm.h"
#include "mem.h"

struct MAILLOG {
    int     fd;
    char   *path;
};

MAILLOG *maillog_open(STR *err)
{
    STR     path = STR_INIT;
    MAILLOG *log;
    int     fd;

    if (lnm_file("PMDF_LOG:mail.log_current", LNM_CREATE, &path, err) < 0)
	return NULL;
    if ((fd = open(STR_C(path), O_WRONLY | O_APPEND | O_CREAT, 0640)) < 0) {
	str_printf(err, "%s: cannot open the mail log: %s", STR_C(path), strerror(errno));
	str_free(&path);
	return NULL;
    }
    log = mem_alloc(sizeof(*log));
    log->fd = fd;
    log->path = str_detach(&path);
    return log;
}

void    maillog_close(MAILLOG *log)
{
    if (log == NULL)
	return;
    close(log->fd);
    free(log->path);
    free(log);
}

const char *maillog_code(char base, int tls, int sasl)
{
    static const char *const e[] = {"E", "ES", "EA", "ESA"};
    static const char *const d[] = {"D", "DS", "DA", "DSA"};
    int     i = (tls ? 1 : 0) + (sasl ? 2 : 0);

    return base == 'D' ? d[i] : e[i];
}

/* One field: "" when empty; white space and controls become "_". */
static void maillog_field(STR *line, const char *s, int spaces_ok)
{
    size_t  n = 0;

    str_catc(line, ' ');
    if (s == NULL || *s == 0) {
	str_cat(line, "\"\"");
	return;
    }
    for (; *s && n < 1024; s++, n++) {
	unsigned char c = (unsigned char) *s;

	str_catc(line, (c < 32 || c == 127 || (c == ' ' && !spaces_ok)) ? '_' : c);
    }
}

int     maillog_write(MAILLOG *log, const MAILLOG_ENTRY *e, STR *err)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
    "Aug", "Sep", "Oct", "Nov", "Dec"};
    STR     line = STR_INIT;
    struct timeval tv;
    struct tm tm;
    time_t  t;
    char    num[32];
    ssize_t w;

    gettimeofday(&tv, NULL);
    t = tv.tv_sec;
    localtime_r(&t, &tm);
    str_printf(&line, "%02d-%s-%04d %02d:%02d:%02d.%02ld", tm.tm_mday, mon[tm.tm_mon],
	       tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, (long) tv.tv_usec / 10000);
    maillog_field(&line, e->src, 0);
    maillog_field(&line, e->dst ? e->dst : "+", 0);
    maillog_field(&line, e->code, 0);
    snprintf(num, sizeof(num), "%ld", e->size > 0 ? (e->size + 1023) / 1024 : 0);
    maillog_field(&line, num, 0);
    maillog_field(&line, e->from, 0);
    maillog_field(&line, e->orcpt, 0);
    maillog_field(&line, e->to, 0);
    maillog_field(&line, e->msgid, 0);
    if (e->info)
	maillog_field(&line, e->info, 1);
    str_catc(&line, '\n');
    w = write(log->fd, line.s, line.len);
    if (w < 0 || (size_t) w != line.len) {
	str_printf(err, "%s: cannot write the mail log: %s", log->path,
		   w < 0 ? strerror(errno) : "short write");
	str_free(&line);
	return -1;
    }
    str_free(&line);
    return 0;
}
