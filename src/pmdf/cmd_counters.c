/*
 * NAME
 *	cmd_counters - pmdf counters -show | -clear
 * SYNOPSIS
 *	pmdf counters -show [-channel=NAME]
 *	pmdf counters -clear [-channel=NAME]
 *	PMDF COUNTERS/SHOW[/CHANNEL=NAME]
 * DESCRIPTION
 *	-show (the default) prints, for each channel (or the one named; the
 *	name may hold the wildcards * and %), the messages and recipients
 *	enqueued, delivered, returned, deferred (temporary failures) and
 *	queued now, with the time the counting started:
 *
 *	  Channel tcp_local (since 25-Nov-2026 10:02:11)
 *	                         Messages  Recipients
 *	    Enqueued                 5000        5000
 *	    ...
 *
 *	-clear zeroes the counters (all channels, or the one named) and
 *	sets each channel's "queued" figures from the queue cache, which
 *	lists what is in the queue now.
 *
 *	The database is PMDF_COUNTERS_DATABASE (default
 *	PMDF_LOG:counters.db, see src/global/counters.h); the SMTP server
 *	and the delivery programs keep it.  cmd_counters_show() also serves
 *	"pmdf qm"'s counters command.
 * DIAGNOSTICS
 *	Exit 0, or 1 with a message naming the database when it cannot be
 *	read or written.  A database that does not exist yet shows nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pmdf.h"
#include "counters.h"
#include "qcache.h"
#include "dict.h"
#include "lnm.h"
#include "htab.h"
#include "mem.h"
#include "msg.h"

typedef struct SHOW_CTX {
    FILE   *fp;
    const char *pattern;
    int     shown;
} SHOW_CTX;

static int show_one(const CHANNEL_COUNTERS *cc, void *ctx)
{
    static const char *const label[COUNTERS_KINDS] = {
	"Enqueued", "Delivered", "Returned", "Deferred (temporary failures)", "Queued now"
    };
    SHOW_CTX *s = ctx;
    char    when[64] = "?";
    time_t  t = (time_t) cc->since;
    struct tm *tm = localtime(&t);
    int     k;

    if (s->pattern != NULL && !lnm_wildmatch(s->pattern, cc->channel))
	return 0;
    if (tm != NULL)
	strftime(when, sizeof(when), "%d-%b-%Y %H:%M:%S", tm);
    fprintf(s->fp, "%sChannel %s (since %s)\n", s->shown ? "\n" : "", cc->channel, when);
    fprintf(s->fp, "  %-32s %12s %12s\n", "", "Messages", "Recipients");
    for (k = 0; k < COUNTERS_KINDS; k++)
	fprintf(s->fp, "  %-32s %12lld %12lld\n", label[k], (long long) cc->msgs[k],
		(long long) cc->rcpts[k]);
    s->shown++;
    return 0;
}

int     cmd_counters_show(const char *channel, FILE *fp)
{
    COUNTERS *c;
    SHOW_CTX s;
    STR     err = STR_INIT, path = STR_INIT;
    int     rc = 0;

    if ((c = counters_open(DICT_RDONLY, &err)) == NULL) {
	if (strstr(STR_C(err), "no such database") != NULL) {
	    fprintf(fp, "No counters yet (%s)\n", STR_C(err));
	    str_free(&err);
	    return 0;
	}
	msg_error("%s", STR_C(err));
	str_free(&err);
	return 1;
    }
    memset(&s, 0, sizeof(s));
    s.fp = fp;
    s.pattern = channel;
    if (counters_walk(c, show_one, &s, &err) < 0) {
	msg_error("%s", STR_C(err));
	rc = 1;
    } else if (s.shown == 0)
	fprintf(fp, "No counters%s%s\n", channel ? " for channel " : "", channel ? channel : "");
    counters_close(c);
    str_free(&err);
    str_free(&path);
    return rc;
}

/* The queue as the cache lists it: messages and recipients per channel. */

typedef struct QUEUED {
    int64_t msgs, rcpts;
} QUEUED;

static int count_cached(const QCACHE_REC *r, void *ctx)
{
    HTAB   *t = ctx;
    QUEUED *q = htab_find(t, r->channel);

    if (q == NULL) {
	q = mem_calloc(1, sizeof(*q));
	htab_enter(t, r->channel, q);
    }
    q->msgs++;
    q->rcpts += r->nrcpt;
    return 0;
}

typedef struct CLEAR_CTX {
    STRLIST names;
    const char *pattern;
} CLEAR_CTX;

static int list_one(const CHANNEL_COUNTERS *cc, void *ctx)
{
    CLEAR_CTX *x = ctx;

    if (x->pattern == NULL || lnm_wildmatch(x->pattern, cc->channel))
	strlist_add(&x->names, cc->channel);
    return 0;
}

static int counters_clear_cmd(const char *channel)
{
    COUNTERS *c;
    QCACHE *qc;
    HTAB   *queued = htab_create(64);
    CLEAR_CTX x;
    STR     err = STR_INIT;
    size_t  i;
    int     rc = 0;

    memset(&x, 0, sizeof(x));
    x.pattern = channel;
    if ((c = counters_open(DICT_RDWR | DICT_CREATE, &err)) == NULL) {
	msg_error("%s", STR_C(err));
	htab_free(queued, NULL);
	str_free(&err);
	return 1;
    }
    if ((qc = qcache_open(DICT_RDONLY, &err)) != NULL) {
	if (qcache_walk(qc, NULL, count_cached, queued, &err) < 0)
	    msg_warn("%s; the queued figures are left as they were", STR_C(err));
	qcache_close(qc);
    }
    str_reset(&err);
    if (counters_walk(c, list_one, &x, &err) < 0) {
	msg_error("%s", STR_C(err));
	rc = 1;
    }
    {
	char  **keys = htab_keys(queued);	/* queued channels never counted yet */
	size_t  k, j;

	for (k = 0; keys[k] != NULL; k++) {
	    for (j = 0; j < x.names.n && strcmp(x.names.v[j], keys[k]) != 0; j++)
		 /* void */ ;
	    if (j == x.names.n && (channel == NULL || lnm_wildmatch(channel, keys[k])))
		strlist_add(&x.names, keys[k]);
	}
	free(keys);
    }
    if (channel != NULL && strchr(channel, '*') == NULL && strchr(channel, '%') == NULL
	&& x.names.n == 0)
	strlist_add(&x.names, channel);
    for (i = 0; rc == 0 && i < x.names.n; i++) {
	QUEUED *q = htab_find(queued, x.names.v[i]);

	if (counters_clear(c, x.names.v[i], &err) < 0
	    || counters_set_queued(c, x.names.v[i], q ? q->msgs : 0, q ? q->rcpts : 0, &err) < 0) {
	    msg_error("%s", STR_C(err));
	    rc = 1;
	}
    }
    if (rc == 0)
	printf("Counters cleared for %lu channel%s\n", (unsigned long) x.names.n,
	       x.names.n == 1 ? "" : "s");
    counters_close(c);
    htab_free(queued, free);
    strlist_free(&x.names);
    str_free(&err);
    return rc;
}

int     cmd_counters(const CLI_CMD *cmd)
{
    STR     err = STR_INIT;
    const char *channel = cli_value(cmd, "channel");

    if (lnm_init(&err) < 0) {
	msg_error("%s", STR_C(err));
	str_free(&err);
	return 1;
    }
    str_free(&err);
    if (cli_present(cmd, "clear") > 0)
	return counters_clear_cmd(channel);
    return cmd_counters_show(channel, stdout);
}
