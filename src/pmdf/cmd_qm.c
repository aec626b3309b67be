/*
 * NAME
 *	cmd_qm - pmdf qm: the queue manager
 * SYNOPSIS
 *	pmdf qm [-command="directory tcp_local; read 1"]
 *	PMDF QM/COMMAND=("DIRECTORY","SUMMARIZE")
 * DESCRIPTION
 *	Looks after the messages in PMDF_QUEUE, as PMDF's qm does.  On a
 *	terminal it prompts "qm.maint> " and reads commands with GNU
 *	readline (line editing, and the arrow keys recall earlier lines);
 *	with -command it runs the commands given (a list: -command=(a,b),
 *	and ";" separates commands inside one value) and exits; otherwise
 *	it reads one command a line from standard input, without prompts.
 *
 *	Commands (case-blind, abbreviated to any unique prefix, with Unix
 *	-qualifiers or DCL /QUALIFIERS, as the pmdf command itself):
 *
 *	directory [channel] [-held|-noheld]
 *		the messages of every channel (or one; * and % match), in
 *		arrival order, numbered for the commands below: number,
 *		file name (ZZ<24 hex>.NN; NN is the attempt count, .HELD a
 *		held message), size, envelope From, recipients, age, held.
 *		-held shows only held messages, -noheld only the others.
 *	read id... [-nocontent]	the envelope and the message
 *	view id...		the same
 *	hold id...		set aside: never delivered until released
 *	release id...		back to the queue, due at once (the job
 *				controller is told)
 *	delete id...		remove the message (and its cache entry),
 *				without notice to anyone
 *	return id...		return the message to its sender now: a
 *				failure notification (RFC 3464, status
 *				5.0.0, "returned by the postmaster") for
 *				every recipient is queued, then the message
 *				is removed; a message from <> is only removed
 *	summarize [channel]	messages, held messages, recipients, bytes
 *				and the oldest message, per channel
 *	counters [channel]	as "pmdf counters -show"
 *	history			the commands of this session, numbered
 *	help [command]		describe the commands
 *	exit, quit		leave (so does end of input)
 *
 *	An id is a number from the last directory listing, a range of them
 *	(2-5), a file name, or its stem ZZ<24 hex> alone (it names the
 *	message whatever its attempt number or held state).  A message
 *	being delivered is locked: hold, delete and return then say so and
 *	change nothing (try again).
 * DIAGNOSTICS
 *	Each failing command prints "pmdf: error: ..." naming the command,
 *	the id or the file; the session goes on.  The exit status is 1 when
 *	any command failed, else 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "pmdf.h"
#include "config.h"
#include "rewrite.h"
#include "alias.h"
#include "queue.h"
#include "qcache.h"
#include "counters.h"
#include "enqueue.h"
#include "qnotify.h"
#include "maillog.h"
#include "dsn.h"
#include "dict.h"
#include "lineedit.h"
#include "lnm.h"
#include "mem.h"
#include "msg.h"

#define QM_PROMPT "qm.maint> "

typedef struct QM_ENTRY {
    char    channel[QUEUE_MAX_CHANNEL + 1];
    char    name[QUEUE_HELD_NAME_LEN + 1];
} QM_ENTRY;

typedef struct QM {
    QM_ENTRY *last;		/* the last directory listing, numbered from 1 */
    size_t  nlast;
    STRLIST history;
    int     done;
    int     failed;
    /* opened when first needed */
    MAILLOG *log;
    CONFIG  cfg;
    int     cfg_loaded;
    REWRITER *rw;
    DICT   *general;
} QM;

/* ---- the command language ---------------------------------------------------- */

static const CLI_QUAL qm_dir_quals[] = {
    {"held", CLI_VALUE_NONE | CLI_NEGATABLE, 0,
     "only held messages (-noheld: only those waiting for delivery)"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL qm_read_quals[] = {
    {"content", CLI_VALUE_NONE | CLI_NEGATABLE | CLI_DEFAULT, 0,
     "show the message after its envelope (-nocontent: the envelope only)"},
    {NULL, 0, 0, NULL}
};

static const CLI_VERB qm_verbs[] = {
    {"counters", NULL, NULL, 0, 1, "[channel]", "show the channel counters", NULL},
    {"delete", NULL, NULL, 1, CLI_MANY, "id...", "remove messages from the queue", NULL},
    {"directory", NULL, qm_dir_quals, 0, 1, "[channel]",
     "list the queued messages, numbered for the other commands", NULL},
    {"exit", NULL, NULL, 0, 0, NULL, "leave qm", NULL},
    {"help", NULL, NULL, 0, CLI_MANY, "[command]", "describe the commands", NULL},
    {"history", NULL, NULL, 0, 0, NULL, "the commands of this session", NULL},
    {"hold", NULL, NULL, 1, CLI_MANY, "id...", "hold messages: never delivered until released",
     NULL},
    {"quit", NULL, NULL, 0, 0, NULL, "leave qm", NULL},
    {"read", NULL, qm_read_quals, 1, CLI_MANY, "id...", "show the envelope and the message",
     NULL},
    {"release", NULL, NULL, 1, CLI_MANY, "id...", "release held messages for delivery now",
     NULL},
    {"return", NULL, NULL, 1, CLI_MANY, "id...",
     "return messages to their senders now, then remove them", NULL},
    {"summarize", NULL, NULL, 0, 1, "[channel]", "counts per channel", NULL},
    {"view", NULL, qm_read_quals, 1, CLI_MANY, "id...", "the same as read", NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static void qm_fail(QM *qm, const char *fmt, const char *a, const char *b)
{
    STR     t = STR_INIT;

    str_printf(&t, fmt, a, b ? b : "");
    msg_error("%s", STR_C(t));
    qm->failed = 1;
    str_free(&t);
}

/* ---- the queue, as files ---------------------------------------------------- */

typedef struct QM_LIST {
    QM_ENTRY *v;
    size_t  n, cap;
    const char *pattern;	/* channel pattern, or NULL */
    int     which;		/* QUEUE_SCAN_* */
    const char *stem;		/* find: a stem or name to look for */
} QM_LIST;

static int qm_collect(const char *channel, const char *name, const char *path, void *ctx)
{
    QM_LIST *l = ctx;

    (void) path;
    if (l->pattern != NULL && !lnm_wildmatch(l->pattern, channel))
	return 0;
    if (l->stem != NULL && strncasecmp(name, l->stem, strlen(l->stem)) != 0)
	return 0;
    if (strlen(channel) > QUEUE_MAX_CHANNEL || strlen(name) > QUEUE_HELD_NAME_LEN)
	return 0;
    if (l->n == l->cap) {
	l->cap = l->cap ? l->cap * 2 : 64;
	l->v = mem_realloc(l->v, l->cap * sizeof(*l->v));
    }
    strcpy(l->v[l->n].channel, channel);
    strcpy(l->v[l->n].name, name);
    l->n++;
    return 0;
}

static int qm_path(const QM_ENTRY *e, STR *path, STR *err)
{
    if (queue_channel_dir(e->channel, LNM_READ, path, err) < 0)
	return -1;
    str_cat(path, e->name);
    return 0;
}

/* qm_resolve - the messages an id names: appended to out; -1 when none */

static int qm_resolve(QM *qm, const char *id, QM_LIST *out)
{
    QM_LIST l;
    STR     err = STR_INIT;
    char   *end;
    long    a, b;
    size_t  len = strlen(id), i;

    if (isdigit((unsigned char) *id)) {
	a = strtol(id, &end, 10);
	b = a;
	if (*end == '-')
	    b = strtol(end + 1, &end, 10);
	if (*end != 0 || a < 1 || b < a) {
	    qm_fail(qm, "\"%s\" is not a message number or range (e.g. 3 or 2-5)%s", id, NULL);
	    return -1;
	}
	if ((size_t) b > qm->nlast) {
	    qm_fail(qm, "no message number %s in the last directory listing%s", id,
		    qm->nlast ? "" : " (there is none: run \"directory\" first)");
	    return -1;
	}
	for (i = (size_t) a; i <= (size_t) b; i++)
	    if (*qm->last[i - 1].name)
		qm_collect(qm->last[i - 1].channel, qm->last[i - 1].name, NULL, out);
	return 0;
    }
    if (len < QUEUE_STEM_LEN || strncasecmp(id, "ZZ", 2) != 0 || len > QUEUE_HELD_NAME_LEN) {
	qm_fail(qm, "\"%s\" is not a message id: give a number from the last directory, or"
		" a file name ZZ<24 hex digits>[.NN]%s", id, NULL);
	return -1;
    }
    memset(&l, 0, sizeof(l));
    l.which = QUEUE_SCAN_ALL;
    l.stem = id;
    if (queue_scan_which(NULL, QUEUE_SCAN_ALL, qm_collect, &l, &err) < 0) {
	qm_fail(qm, "%s%s", STR_C(err), NULL);
	str_free(&err);
	free(l.v);
	return -1;
    }
    str_free(&err);
    if (l.n == 0) {
	qm_fail(qm, "no message %s in the queue (delivered, deleted, or mistyped?)%s", id, NULL);
	free(l.v);
	return -1;
    }
    for (i = 0; i < l.n; i++)
	qm_collect(l.v[i].channel, l.v[i].name, NULL, out);
    free(l.v);
    return 0;
}

static int qm_resolve_all(QM *qm, const CLI_CMD *cmd, QM_LIST *out)
{
    size_t  i;
    int     rc = 0;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < cmd->nparams; i++)
	if (qm_resolve(qm, cmd->params[i], out) < 0)
	    rc = -1;
    return rc;
}

/* qm_forget - a message is gone: blank its line in the last listing */

static void qm_forget(QM *qm, const QM_ENTRY *e)
{
    size_t  i;

    for (i = 0; i < qm->nlast; i++)
	if (strcmp(qm->last[i].channel, e->channel) == 0 && strcmp(qm->last[i].name, e->name) == 0)
	    qm->last[i].name[0] = 0;
}

static void qm_rename(QM *qm, const QM_ENTRY *e, const char *newname)
{
    size_t  i;

    for (i = 0; i < qm->nlast; i++)
	if (strcmp(qm->last[i].channel, e->channel) == 0 && strcmp(qm->last[i].name, e->name) == 0
	    && strlen(newname) <= QUEUE_HELD_NAME_LEN)
	    strcpy(qm->last[i].name, newname);
}

static const char *qm_base(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

/* ---- services opened on demand ------------------------------------------------ */

static int qm_config(QM *qm)
{
    STR     err = STR_INIT;

    if (qm->cfg_loaded)
	return 0;
    if (config_load(&qm->cfg, 0, &err) < 0
	|| general_open(NULL, &qm->general, &err) < 0
	|| (qm->rw = rewrite_new(&qm->cfg.cnf, qm->cfg.maps, qm->general, &err)) == NULL
	|| (qm->log = maillog_open(&err)) == NULL) {
	qm_fail(qm, "%s%s", STR_C(err), NULL);
	str_free(&err);
	return -1;
    }
    qm->cfg_loaded = 1;
    str_free(&err);
    return 0;
}

/* A message renamed (hold, release): its cache entry follows (qnotify.h);
 * a released one is due for delivery at once. */
static void qm_cache_renamed(const QM_ENTRY *e, const char *newpath, int wake)
{
    QNOTIFY qn = QNOTIFY_INIT;
    QMESSAGE m;
    QCACHE_REC r;
    STR     err = STR_INIT;

    queue_message_init(&m);
    qnotify_del(&qn, e->channel, e->name);
    if (queue_read(newpath, &m, &err) == 0) {
	qcache_rec_message(&r, e->channel, qm_base(newpath), &m);
	qnotify_add(&qn, &r, wake);
    }
    qnotify_send(&qn);
    qnotify_free(&qn);
    queue_message_free(&m);
    str_free(&err);
}

/* ---- directory, summarize ----------------------------------------------------- */

static void qm_age(int64_t secs, char *buf, size_t len)
{
    if (secs < 0)
	secs = 0;
    if (secs >= 86400)
	snprintf(buf, len, "%lldd%02lldh", (long long) (secs / 86400),
		 (long long) (secs % 86400 / 3600));
    else
	snprintf(buf, len, "%lld:%02lld:%02lld", (long long) (secs / 3600),
		 (long long) (secs % 3600 / 60), (long long) (secs % 60));
}

static int qm_directory(QM *qm, const CLI_CMD *cmd)
{
    QM_LIST l;
    STR     err = STR_INIT, path = STR_INIT;
    int     held = cli_present(cmd, "held");
    size_t  i;
    const char *cur = NULL;
    long    total_rcpt = 0;
    unsigned long long total_size = 0;
    int64_t now = (int64_t) time(NULL);

    memset(&l, 0, sizeof(l));
    l.pattern = cli_param(cmd, 0);
    l.which = held > 0 ? QUEUE_SCAN_HELD : held < 0 ? QUEUE_SCAN_ACTIVE : QUEUE_SCAN_ALL;
    if (queue_scan_which(NULL, l.which, qm_collect, &l, &err) < 0) {
	qm_fail(qm, "directory: %s%s", STR_C(err), NULL);
	str_free(&err);
	free(l.v);
	return -1;
    }
    free(qm->last);
    qm->last = l.v;
    qm->nlast = l.n;
    for (i = 0; i < l.n; i++) {
	QMESSAGE m;
	char    age[32];
	int     rc, attempt = queue_name_attempt(l.v[i].name);

	if (cur == NULL || strcmp(cur, l.v[i].channel) != 0) {
	    printf("%sChannel: %s\n", cur ? "\n" : "", l.v[i].channel);
	    printf("  %5s  %-31s %8s  %-28s %5s %9s  %s\n", "#", "Message", "Bytes", "From",
		   "Rcpts", "Age", "Held");
	    cur = l.v[i].channel;
	}
	queue_message_init(&m);
	str_reset(&err);
	if (qm_path(&l.v[i], &path, &err) < 0
	    || (rc = queue_read(STR_C(path), &m, &err)) != 0) {
	    printf("  %5lu  %-31s   (%s)\n", (unsigned long) (i + 1), l.v[i].name,
		   errno == ENOENT ? "gone meanwhile" : STR_C(err));
	    queue_message_free(&m);
	    continue;
	}
	qm_age(now - m.env.created, age, sizeof(age));
	printf("  %5lu  %-31s %8lu  %-28.28s %5lu %9s  %s\n", (unsigned long) (i + 1),
	       l.v[i].name, (unsigned long) m.body_len,
	       m.env.from.len ? STR_C(m.env.from) : "<>", (unsigned long) m.env.nrcpt, age,
	       attempt == QUEUE_ATTEMPT_HELD ? "held" : "-");
	total_rcpt += (long) m.env.nrcpt;
	total_size += m.body_len;
	queue_message_free(&m);
    }
    if (l.n == 0)
	printf("No messages%s%s%s\n", held > 0 ? " held" : "", l.pattern ? " in channel " : "",
	       l.pattern ? l.pattern : "");
    else
	printf("\nTotal: %lu message%s, %ld recipient%s, %llu bytes\n", (unsigned long) l.n,
	       l.n == 1 ? "" : "s", total_rcpt, total_rcpt == 1 ? "" : "s", total_size);
    str_free(&err);
    str_free(&path);
    return 0;
}

typedef struct QM_SUM {
    char    channel[QUEUE_MAX_CHANNEL + 1];
    long    msgs, held, rcpts;
    unsigned long long bytes;
    int64_t oldest;
} QM_SUM;

static int qm_summarize(QM *qm, const CLI_CMD *cmd)
{
    QM_LIST l;
    QM_SUM *s = NULL, tot;
    STR     err = STR_INIT, path = STR_INIT;
    size_t  i, ns = 0;
    char    age[32];
    int64_t now = (int64_t) time(NULL);

    memset(&l, 0, sizeof(l));
    memset(&tot, 0, sizeof(tot));
    l.pattern = cli_param(cmd, 0);
    if (queue_scan_which(NULL, QUEUE_SCAN_ALL, qm_collect, &l, &err) < 0) {
	qm_fail(qm, "summarize: %s%s", STR_C(err), NULL);
	str_free(&err);
	free(l.v);
	return -1;
    }
    for (i = 0; i < l.n; i++) {
	QMESSAGE m;

	if (ns == 0 || strcmp(s[ns - 1].channel, l.v[i].channel) != 0) {
	    s = mem_realloc(s, (ns + 1) * sizeof(*s));
	    memset(&s[ns], 0, sizeof(*s));
	    strcpy(s[ns].channel, l.v[i].channel);
	    ns++;
	}
	queue_message_init(&m);
	if (qm_path(&l.v[i], &path, &err) == 0 && queue_read(STR_C(path), &m, &err) == 0) {
	    s[ns - 1].msgs++;
	    s[ns - 1].held += queue_name_attempt(l.v[i].name) == QUEUE_ATTEMPT_HELD;
	    s[ns - 1].rcpts += (long) m.env.nrcpt;
	    s[ns - 1].bytes += m.body_len;
	    if (s[ns - 1].oldest == 0 || m.env.created < s[ns - 1].oldest)
		s[ns - 1].oldest = m.env.created;
	}
	queue_message_free(&m);
    }
    printf("%-24s %9s %6s %10s %12s %10s\n", "Channel", "Messages", "Held", "Recipients",
	   "Bytes", "Oldest");
    for (i = 0; i < ns; i++) {
	qm_age(s[i].oldest ? now - s[i].oldest : 0, age, sizeof(age));
	printf("%-24s %9ld %6ld %10ld %12llu %10s\n", s[i].channel, s[i].msgs, s[i].held,
	       s[i].rcpts, s[i].bytes, s[i].msgs ? age : "-");
	tot.msgs += s[i].msgs;
	tot.held += s[i].held;
	tot.rcpts += s[i].rcpts;
	tot.bytes += s[i].bytes;
    }
    printf("%-24s %9ld %6ld %10ld %12llu\n", "Total", tot.msgs, tot.held, tot.rcpts, tot.bytes);
    free(s);
    free(l.v);
    str_free(&err);
    str_free(&path);
    return 0;
}

/* ---- read ----------------------------------------------------------------------- */

static void qm_show_message(const QM_ENTRY *e, const QMESSAGE *m, int content)
{
    const QENVELOPE *env = &m->env;
    char    when[64] = "?";
    time_t  t = (time_t) env->created;
    struct tm *tm = localtime(&t);
    size_t  i;
    int     attempt = queue_name_attempt(e->name);

    if (tm != NULL)
	strftime(when, sizeof(when), "%d-%b-%Y %H:%M:%S", tm);
    printf("Message %s in channel %s\n", e->name, e->channel);
    printf("  Envelope id:     %s\n", STR_C(env->id));
    printf("  Queued:          %s\n", when);
    if (attempt == QUEUE_ATTEMPT_HELD)
	printf("  State:           held\n");
    else
	printf("  State:           waiting, %d failed attempt%s\n", attempt, attempt == 1 ? "" : "s");
    printf("  From:            <%s>\n", STR_C(env->from));
    printf("  Source channel:  %s\n", env->source_channel.len ? STR_C(env->source_channel) : "-");
    printf("  Client:          %s (HELO %s)%s\n", env->client_addr.len ? STR_C(env->client_addr)
	   : "-", env->helo.len ? STR_C(env->helo) : "-", env->tls ? ", TLS" : "");
    if (env->auth_user.len)
	printf("  Authenticated:   %s\n", STR_C(env->auth_user));
    printf("  DSN:             RET=%s%s%s\n", env->ret == QUEUE_RET_FULL ? "FULL"
	   : env->ret == QUEUE_RET_HDRS ? "HDRS" : "(none)", env->envid.len ? " ENVID=" : "",
	   STR_C(env->envid));
    printf("  Recipients:      %lu\n", (unsigned long) env->nrcpt);
    for (i = 0; i < env->nrcpt; i++) {
	const QRCPT *r = &env->rcpt[i];

	printf("    %lu. <%s>", (unsigned long) (i + 1), STR_C(r->addr));
	if (r->original.len && strcmp(STR_C(r->original), STR_C(r->addr)) != 0)
	    printf(" (given as <%s>)", STR_C(r->original));
	if (r->orcpt.len)
	    printf(" ORCPT=%s", STR_C(r->orcpt));
	if (r->notify)
	    printf(" NOTIFY=%s%s%s%s", r->notify & QUEUE_NOTIFY_NEVER ? "NEVER" : "",
		   r->notify & QUEUE_NOTIFY_SUCCESS ? "SUCCESS," : "",
		   r->notify & QUEUE_NOTIFY_FAILURE ? "FAILURE," : "",
		   r->notify & QUEUE_NOTIFY_DELAY ? "DELAY," : "");
	putchar('\n');
    }
    printf("  Size:            %lu bytes\n", (unsigned long) m->body_len);
    if (!content)
	return;
    printf("-------- message --------\n");
    for (i = 0; i < m->body_len; i++) {
	if (m->body[i] == '\r' && i + 1 < m->body_len && m->body[i + 1] == '\n')
	    continue;
	putchar((unsigned char) m->body[i]);
    }
    if (m->body_len && m->body[m->body_len - 1] != '\n')
	putchar('\n');
    printf("-------- end of message %s --------\n", e->name);
}

static int qm_read(QM *qm, const CLI_CMD *cmd)
{
    QM_LIST l;
    STR     err = STR_INIT, path = STR_INIT;
    size_t  i;
    int     rc = qm_resolve_all(qm, cmd, &l);

    for (i = 0; i < l.n; i++) {
	QMESSAGE m;

	queue_message_init(&m);
	if (qm_path(&l.v[i], &path, &err) < 0 || queue_read(STR_C(path), &m, &err) != 0) {
	    qm_fail(qm, "read: %s%s", STR_C(err), NULL);
	    rc = -1;
	} else
	    qm_show_message(&l.v[i], &m, cli_present(cmd, "content") > 0);
	queue_message_free(&m);
    }
    free(l.v);
    str_free(&err);
    str_free(&path);
    return rc;
}

/* ---- hold, release --------------------------------------------------------------- */

static int qm_hold_release(QM *qm, const CLI_CMD *cmd, int hold)
{
    QM_LIST l;
    STR     err = STR_INIT, path = STR_INIT, newpath = STR_INIT;
    size_t  i;
    int     rc = qm_resolve_all(qm, cmd, &l), r;
    const char *what = hold ? "hold" : "release";

    for (i = 0; i < l.n; i++) {
	int     attempt = queue_name_attempt(l.v[i].name);

	str_reset(&err);
	if (hold && attempt == QUEUE_ATTEMPT_HELD) {
	    printf("%s (%s) is already held\n", l.v[i].name, l.v[i].channel);
	    continue;
	}
	if (!hold && attempt != QUEUE_ATTEMPT_HELD) {
	    printf("%s (%s) is not held\n", l.v[i].name, l.v[i].channel);
	    continue;
	}
	if (qm_path(&l.v[i], &path, &err) < 0)
	    r = -1;
	else
	    r = hold ? queue_hold(STR_C(path), &newpath, &err)
		: queue_unhold(STR_C(path), &newpath, &err);
	if (r == QUEUE_BUSY) {
	    qm_fail(qm, "%s: %s is being delivered right now; try again in a moment", what,
		    l.v[i].name);
	    rc = -1;
	    continue;
	}
	if (r < 0) {
	    qm_fail(qm, "%s: %s", what, STR_C(err));
	    rc = -1;
	    continue;
	}
	qm_cache_renamed(&l.v[i], STR_C(newpath), !hold);
	printf("%s %s (%s): now %s\n", hold ? "Held" : "Released", l.v[i].name, l.v[i].channel,
	       qm_base(STR_C(newpath)));
	qm_rename(qm, &l.v[i], qm_base(STR_C(newpath)));
    }
    free(l.v);
    str_free(&err);
    str_free(&path);
    str_free(&newpath);
    return rc;
}

/* ---- delete, return --------------------------------------------------------------- */

/* qm_enqueue_notice - queue a notification from <> to one address (enqueue.h) */

static int qm_enqueue_notice(QM *qm, const char *to, const char *body, size_t len, STR *err)
{
    ENQUEUE q;
    ENQUEUE_MSG m;
    STRLIST rcpt = STRLIST_INIT;
    int     rc;

    memset(&q, 0, sizeof(q));
    q.rw = qm->rw;
    q.aliases = qm->cfg.aliases;
    q.source = "l";
    q.log = qm->log;
    memset(&m, 0, sizeof(m));
    strlist_add(&rcpt, to);
    m.from = "";
    m.to = &rcpt;
    m.notify = QUEUE_NOTIFY_NEVER;
    m.body = body;
    m.len = len;
    m.what = "notification: returned by the postmaster";
    if ((rc = enqueue_message(&q, &m, err)) == 1) {
	str_printf(err, "<%s> cannot be routed", to);
	rc = -1;
    }
    strlist_free(&rcpt);
    return rc;
}

static int qm_compose_return(QM *qm, const QMESSAGE *m, STR *out)
{
    DSN_MSG d;
    DSN_RCPT *r = mem_calloc(m->env.nrcpt, sizeof(*r));
    STR     msgid = STR_INIT, boundary = STR_INIT;
    const char *host = qm->cfg.cnf.channels[0].hosts.n ? qm->cfg.cnf.channels[0].hosts.v[0]
	: "localhost";
    size_t  i;

    for (i = 0; i < m->env.nrcpt; i++) {
	r[i].addr = STR_C(m->env.rcpt[i].addr);
	r[i].orcpt = STR_C(m->env.rcpt[i].orcpt);
	r[i].action = DSN_FAILED;
	r[i].status = "5.0.0";
	r[i].diag = "returned by the postmaster";
    }
    dsn_from_message(&d, m, host, (int64_t) time(NULL), &msgid, &boundary);
    d.rcpt = r;
    d.nrcpt = m->env.nrcpt;
    dsn_compose(&d, out);
    free(r);
    str_free(&msgid);
    str_free(&boundary);
    return 0;
}

static void qm_log_removed(QM *qm, const QM_ENTRY *e, const QMESSAGE *m, const char *info)
{
    MAILLOG_ENTRY le;
    STR     err = STR_INIT;
    size_t  i;

    if (qm->log == NULL)
	return;
    for (i = 0; i < m->env.nrcpt; i++) {
	memset(&le, 0, sizeof(le));
	le.src = e->channel;
	le.dst = e->channel;
	le.code = "R";
	le.size = (long) m->body_len;
	le.from = STR_C(m->env.from);
	le.orcpt = STR_C(m->env.rcpt[i].orcpt);
	le.to = STR_C(m->env.rcpt[i].addr);
	le.msgid = STR_C(m->env.id);
	le.info = info;
	(void) maillog_write(qm->log, &le, &err);
    }
    str_free(&err);
}

static int qm_remove(QM *qm, const CLI_CMD *cmd, int do_return)
{
    QM_LIST l;
    STR     err = STR_INIT, path = STR_INIT, dsn = STR_INIT;
    size_t  i;
    int     rc = qm_resolve_all(qm, cmd, &l), r;
    const char *what = do_return ? "return" : "delete";

    if (do_return && l.n > 0 && qm_config(qm) < 0) {
	free(l.v);
	return -1;
    }
    for (i = 0; i < l.n; i++) {
	QLOCK   lk = QLOCK_INIT;
	QMESSAGE m;
	COUNTERS_DELTA d;
	QNOTIFY qn = QNOTIFY_INIT;

	queue_message_init(&m);
	str_reset(&err);
	if (qm_path(&l.v[i], &path, &err) < 0)
	    r = -1;
	else
	    r = queue_lock(STR_C(path), &lk, &err);
	if (r == QUEUE_BUSY) {
	    qm_fail(qm, "%s: %s is being delivered right now; try again in a moment", what,
		    l.v[i].name);
	    rc = -1;
	    continue;
	}
	if (r < 0 || (r = queue_read_locked(&lk, &m, &err)) != 0) {
	    qm_fail(qm, "%s: %s", what, STR_C(err));
	    queue_unlock(&lk);
	    queue_message_free(&m);
	    rc = -1;
	    continue;
	}
	if (do_return && m.env.from.len > 0) {
	    qm_compose_return(qm, &m, &dsn);
	    if (qm_enqueue_notice(qm, STR_C(m.env.from), dsn.s, dsn.len, &err) < 0) {
		qm_fail(qm, "return: %s: cannot queue the notification: %s; the message stays",
			l.v[i].name, STR_C(err));
		queue_unlock(&lk);
		queue_message_free(&m);
		rc = -1;
		continue;
	    }
	}
	if (queue_remove(STR_C(path), &err) < 0) {
	    qm_fail(qm, "%s: %s", what, STR_C(err));
	    queue_unlock(&lk);
	    queue_message_free(&m);
	    rc = -1;
	    continue;
	}
	counters_delta_init(&d, l.v[i].channel);
	if (do_return)
	    counters_delta_outcome(&d, l.v[i].channel, 0, (long) m.env.nrcpt, 0, 1);
	else
	    counters_delta_removed(&d, l.v[i].channel, (long) m.env.nrcpt);
	qnotify_del(&qn, l.v[i].channel, l.v[i].name);
	qnotify_count(&qn, &d);
	qnotify_send(&qn);
	qnotify_free(&qn);
	if (do_return) {
	    qm_log_removed(qm, &l.v[i], &m, "returned by the postmaster");
	    printf("Returned %s (%s) to %s\n", l.v[i].name, l.v[i].channel,
		   m.env.from.len ? STR_C(m.env.from) : "nobody: the sender is <>; removed only");
	} else
	    printf("Deleted %s (%s)\n", l.v[i].name, l.v[i].channel);
	qm_forget(qm, &l.v[i]);
	queue_unlock(&lk);
	queue_message_free(&m);
    }
    free(l.v);
    str_free(&err);
    str_free(&path);
    str_free(&dsn);
    return rc;
}

/* ---- the session --------------------------------------------------------------- */

static void qm_history(const QM *qm)
{
    size_t  i;

    for (i = 0; i < qm->history.n; i++)
	printf("%5lu  %s\n", (unsigned long) (i + 1), qm->history.v[i]);
}

static void qm_run(QM *qm, const char *line)
{
    CLI_CMD cmd;
    STR     err = STR_INIT;
    char   *word;
    const char *verb;
    const char *p = line;

    while (isspace((unsigned char) *p))
	p++;
    if (*p == 0 || *p == '!')
	return;
    strlist_add(&qm->history, p);
    word = mem_strdup(p);
    memset(&cmd, 0, sizeof(cmd));
    if (cli_parse(qm_verbs, 1, &word, &cmd, &err) < 0) {
	msg_error("qm: %s (\"help\" lists the commands)", STR_C(err));
	qm->failed = 1;
	cli_free(&cmd);
	free(word);
	str_free(&err);
	return;
    }
    if (cmd.help || cmd.verb == NULL) {
	cli_help_cmd(qm_verbs, &cmd, stdout);
	goto done;
    }
    verb = cmd.verb->name;
    if (strcmp(verb, "directory") == 0)
	(void) qm_directory(qm, &cmd);
    else if (strcmp(verb, "read") == 0 || strcmp(verb, "view") == 0)
	(void) qm_read(qm, &cmd);
    else if (strcmp(verb, "hold") == 0)
	(void) qm_hold_release(qm, &cmd, 1);
    else if (strcmp(verb, "release") == 0)
	(void) qm_hold_release(qm, &cmd, 0);
    else if (strcmp(verb, "delete") == 0)
	(void) qm_remove(qm, &cmd, 0);
    else if (strcmp(verb, "return") == 0)
	(void) qm_remove(qm, &cmd, 1);
    else if (strcmp(verb, "summarize") == 0)
	(void) qm_summarize(qm, &cmd);
    else if (strcmp(verb, "counters") == 0) {
	fflush(stdout);
	if (cmd_counters_show(cli_param(&cmd, 0), stdout) != 0)
	    qm->failed = 1;
    } else if (strcmp(verb, "history") == 0)
	qm_history(qm);
    else if (strcmp(verb, "help") == 0) {
	if (cli_help(qm_verbs, (int) cmd.nparams, cmd.params, stdout, &err) < 0) {
	    msg_error("qm: %s", STR_C(err));
	    qm->failed = 1;
	}
    } else if (strcmp(verb, "exit") == 0 || strcmp(verb, "quit") == 0)
	qm->done = 1;
done:
    fflush(stdout);
    cli_free(&cmd);
    free(word);
    str_free(&err);
}

/* Commands of one -command value: separated by ";" outside double quotes. */
static void qm_run_list(QM *qm, const char *text)
{
    STR     one = STR_INIT;
    const char *p;
    int     quoted = 0;

    for (p = text; !qm->done; p++) {
	if (*p == '"')
	    quoted = !quoted;
	if (*p == 0 || (*p == ';' && !quoted)) {
	    qm_run(qm, STR_C(one));
	    str_reset(&one);
	    if (*p == 0)
		break;
	    continue;
	}
	str_catc(&one, *p);
    }
    str_free(&one);
}

int     cmd_qm(const CLI_CMD *cmd)
{
    QM      qm;
    STR     err = STR_INIT, line = STR_INIT;
    size_t  i;

    memset(&qm, 0, sizeof(qm));
    if (lnm_init(&err) < 0) {
	msg_error("%s", STR_C(err));
	str_free(&err);
	return 1;
    }
    if (cli_nvalues(cmd, "command") > 0) {
	for (i = 0; i < cli_nvalues(cmd, "command") && !qm.done; i++)
	    qm_run_list(&qm, cli_value_at(cmd, "command", i));
    } else {
	if (isatty(0))
	    printf("pmdf qm: the queue manager; \"help\" lists the commands, \"exit\" leaves\n");
	while (!qm.done && line_read(QM_PROMPT, &line) > 0)
	    qm_run_list(&qm, STR_C(line));
    }
    free(qm.last);
    strlist_free(&qm.history);
    qnotify_shutdown();
    if (qm.cfg_loaded) {
	maillog_close(qm.log);
	rewrite_free(qm.rw);
	dict_close(qm.general);
	config_free(&qm.cfg);
    }
    str_free(&err);
    str_free(&line);
    return qm.failed ? 1 : 0;
}
