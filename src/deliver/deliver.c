/*
 * NAME
 *	pmdf_deliver - deliver the messages queued for one channel
 * SYNOPSIS
 *	pmdf_deliver -channel=NAME [-message=(ZZ...,...)]
 *	PMDF_EXE:pmdf_deliver /CHANNEL=NAME [/MESSAGE=(...)]
 * DESCRIPTION
 *	The channel program the job controller runs.  Without -message it
 *	takes every message file of PMDF_QUEUE:[NAME] that is due (retry.h:
 *	queue_next_attempt() with the channel's backoff, from the file's
 *	attempt number and modification time) and not locked by another
 *	deliverer; with -message only the messages named (file names
 *	ZZ<24 hex>.NN, or the stem ZZ<24 hex> alone), whether due or not:
 *	whoever names them decided.  Held files (.HELD) are never taken.
 *
 *	The channel decides how: l delivers into Maildirs (d_local.c),
 *	bitbucket discards, a channel with the smtp keyword sends by SMTP
 *	(d_smtp.c).  Each message is locked (queue_lock: a busy file is
 *	skipped), read (a damaged file is logged and left alone, never
 *	deleted), delivered recipient by recipient, and settled once
 *	(d_settle.c): notifications queued first, then the file removed,
 *	or requeued with the remaining recipients and the next attempt
 *	number, or returned when the channel's return period (notices,
 *	RETURN_UNITS) has passed.  Every outcome goes to the mail log.
 *
 *	A summary line goes to standard error at the end.
 * EXIT STATUS
 *	0 when it ran, whatever happened to the messages (failures are in
 *	the mail log and the queue); 1 for a fatal set-up error: bad
 *	command line, configuration that does not load, an unknown channel
 *	or one pmdf_deliver cannot serve, an unusable TLS_CA_FILE, a mail
 *	log that cannot be opened.
 * DIAGNOSTICS
 *	Fatal errors name the file, channel or option and what to do.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include "deliver.h"
#include "cli.h"
#include "lnm.h"
#include "alias.h"
#include "passdb.h"
#include "mem.h"
#include "msg.h"

/* ---- results ---------------------------------------------------------- */

void    dresult_set(DRESULT *r, int state, const char *status, const char *fmt, ...)
{
    va_list ap;

    r->state = state;
    snprintf(r->status, sizeof(r->status), "%s", status);
    str_reset(&r->diag);
    if (fmt) {
	va_start(ap, fmt);
	str_vcatf(&r->diag, fmt, ap);
	va_end(ap);
    }
}

void    dresult_free(DRESULT *r)
{
    str_free(&r->diag);
    str_free(&r->remote);
    str_free(&r->info);
}

/* ---- one message -------------------------------------------------------- */

static void log_damaged(DCTX *d, const char *why)
{
    MAILLOG_ENTRY e;
    STR     err = STR_INIT;

    memset(&e, 0, sizeof(e));
    e.src = d->channel;
    e.dst = d->channel;
    e.code = "W";
    e.info = why;
    if (d->log && maillog_write(d->log, &e, &err) < 0)
	msg_warn("%s", STR_C(err));
    str_free(&err);
}

static int is_due(DCTX *d, const char *path, const char *name)
{
    struct stat st;
    STR     err = STR_INIT;
    int64_t due;
    int     ok;

    if (stat(path, &st) != 0)
	return 0;
    ok = queue_next_attempt(queue_name_attempt(name), (int64_t) st.st_mtime, d->retry.backoff,
			    &due, &err) == 0 && due <= d->now;
    str_free(&err);
    return ok;
}

static void process(DCTX *d, const char *path, const char *name, int force)
{
    QLOCK   lk = QLOCK_INIT;
    QMESSAGE m;
    DRESULT *res;
    STR     err = STR_INIT;
    size_t  i;
    int     rc;

    if (!force && !is_due(d, path, name))
	return;
    rc = queue_lock(path, &lk, &err);
    if (rc == QUEUE_BUSY) {
	d->n_busy++;
	return;
    }
    if (rc < 0) {
	if (errno != ENOENT)
	    msg_warn("%s", STR_C(err));
	str_free(&err);
	return;
    }
    rc = queue_read_locked(&lk, &m, &err);
    if (rc != 0) {
	msg_warn("%s; the file is left in place for inspection", STR_C(err));
	log_damaged(d, STR_C(err));
	d->n_damaged++;
	queue_unlock(&lk);
	str_free(&err);
	return;
    }
    d->n_messages++;
    d->now = (int64_t) time(NULL);
    res = mem_calloc(m.env.nrcpt, sizeof(*res));
    if (d->kind == DK_LOCAL)
	d_local_deliver(d, &m, res);
    else if (d->kind == DK_BITBUCKET)
	d_bitbucket_deliver(d, &m, res);
    else
	d_smtp_deliver(d, &m, res);
    (void) d_settle(d, path, name, &m, res);
    queue_unlock(&lk);
    for (i = 0; i < m.env.nrcpt; i++)
	dresult_free(&res[i]);
    free(res);
    queue_message_free(&m);
    str_free(&err);
}

/* ---- which files ---------------------------------------------------------- */

static int collect(const char *channel, const char *name, const char *path, void *ctx)
{
    STRLIST *l = ctx;

    (void) channel;
    strlist_add(l, name);
    strlist_add(l, path);
    return 0;
}

/* Does the file name match what -message named (a name or a stem)? */
static int named(const CLI_CMD *cmd, const char *name)
{
    size_t  i, n;
    const char *v;

    for (i = 0; (v = cli_value_at(cmd, "message", i)) != NULL; i++) {
	n = strlen(v);
	if ((n == QUEUE_STEM_LEN || n == QUEUE_NAME_LEN) && strncasecmp(v, name, n) == 0)
	    return 1;
    }
    return 0;
}

/* ---- set-up ------------------------------------------------------------------ */

static int channel_kind(const CNF_CHANNEL *ch)
{
    if (strcmp(ch->name, "l") == 0)
	return DK_LOCAL;
    if (strcmp(ch->name, "bitbucket") == 0)
	return DK_BITBUCKET;
    if (pmdfcnf_keyword(ch, "smtp") != NULL)
	return DK_SMTP;
    return 0;
}

static void setup(DCTX *d, const char *channel)
{
    STR     err = STR_INIT;

    d->channel = channel;
    if (lnm_init(&err) < 0 || config_load(&d->cfg, 0, &err) < 0)
	msg_fatal("%s", STR_C(err));
    if ((d->ch = pmdfcnf_channel(&d->cfg.cnf, channel)) == NULL)
	msg_fatal("no channel \"%s\" in the configuration (PMDF_CONFIG_FILE); name a channel"
		  " defined there", channel);
    if ((d->kind = channel_kind(d->ch)) == 0)
	msg_fatal("channel %s: pmdf_deliver delivers only for l, bitbucket and channels with"
		  " the smtp keyword", channel);
    if (retry_channel(&d->cfg.cnf, channel, &d->retry, &err) < 0)
	msg_fatal("channel %s: %s", channel, STR_C(err));
    d->host = d->cfg.cnf.channels[0].hosts.n ? d->cfg.cnf.channels[0].hosts.v[0] : "localhost";
    if (general_open(NULL, &d->general, &err) < 0
	|| (d->rw = rewrite_new(&d->cfg.cnf, d->cfg.maps, d->general, &err)) == NULL)
	msg_fatal("%s", STR_C(err));
    if ((d->log = maillog_open(&err)) == NULL)
	msg_fatal("%s", STR_C(err));
    if (d->kind == DK_LOCAL && (d->passdb = passdb_open(DICT_RDONLY, NULL, &err)) == NULL)
	str_reset(&err);		/* no password database: known users have Maildirs */
    if (d->kind == DK_SMTP && d_smtp_init(d, &err) < 0)
	msg_fatal("channel %s: %s", channel, STR_C(err));
    str_free(&err);
}

static void teardown(DCTX *d)
{
    d_smtp_done(d);
    tls_client_free(d->tls_ctx);
    maillog_close(d->log);
    qnotify_shutdown();
    rewrite_free(d->rw);
    dict_close(d->passdb);
    dict_close(d->general);
    config_free(&d->cfg);
    str_free(&d->conn_key);
    str_free(&d->conn_host);
    lnm_shutdown();
}

static const CLI_QUAL deliver_quals[] = {
    {"channel", CLI_VALUE_REQUIRED, 0, "the channel whose queue to deliver (required)"},
    {"message", CLI_VALUE_REQUIRED | CLI_LIST, 0,
     "only these messages (ZZ... file names or stems), due or not"},
    {NULL, 0, 0, NULL}
};

static int deliver_main(const CLI_CMD *cmd);

static const CLI_VERB deliver_verb[] = {
    {"pmdf_deliver", NULL, deliver_quals, 0, 0, NULL,
     "deliver the queued messages of one channel", deliver_main},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static int deliver_main(const CLI_CMD *cmd)
{
    DCTX    d;
    STRLIST files = STRLIST_INIT;
    STR     err = STR_INIT;
    struct sigaction sa;
    const char *channel = cli_value(cmd, "channel");
    int     force = cli_nvalues(cmd, "message") > 0;
    size_t  i;

    if (channel == NULL)
	msg_fatal("give the channel: -channel=NAME (e.g. -channel=tcp_local)");
    memset(&d, 0, sizeof(d));
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    setup(&d, channel);
    d.now = (int64_t) time(NULL);
    if (queue_scan(channel, collect, &files, &err) < 0)
	msg_fatal("channel %s: %s", channel, STR_C(err));
    for (i = 0; i + 1 < files.n; i += 2)
	if (!force || named(cmd, files.v[i]))
	    process(&d, files.v[i + 1], files.v[i], force);
    msg_info("channel %s: %ld messages: %ld recipients delivered, %ld failed, %ld requeued;"
	     " %ld files busy, %ld damaged", channel, d.n_messages, d.n_delivered, d.n_failed,
	     d.n_requeued, d.n_busy, d.n_damaged);
    teardown(&d);
    strlist_free(&files);
    str_free(&err);
    return 0;
}

int     main(int argc, char **argv)
{
    return cli_program_main(deliver_verb, "pmdf_deliver", argc, argv);
}
