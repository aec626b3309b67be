/*
 * NAME
 *	jobcnf - the job controller's configuration (see jobctl.h)
 * DESCRIPTION
 *	Everything is checked before anything is used, so a SIGHUP with a
 *	broken file keeps the controller on its old configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <sys/stat.h>
#include "jobctl.h"
#include "optfile.h"
#include "lnm.h"
#include "mem.h"
#include "msg.h"

static const char *const jobcnf_globals[] = {
    "SCAN_INTERVAL", "JOB_LIMIT", "MESSAGES_PER_JOB", "CRASH_RETRY", "BUSY_RETRY",
    "MAX_SHUTDOWN", "DEBUG", "MASTER_COMMAND", NULL
};
static const char *const jobcnf_pool_opts[] = {"JOB_LIMIT", NULL};
static const char *const jobcnf_channel_opts[] = {"MASTER_COMMAND", NULL};

/* jobcnf_path - the file's path; 0 and path "" when it does not exist */

static int jobcnf_path(STR *path, STR *err)
{
    LNM_ENTRY ent;
    struct stat st;
    int     rc;

    if ((rc = lnm_lookup("PMDF_JOB_CONTROLLER_CONFIG", LNM_TABLE_ANY, &ent, err)) < 0)
	return -1;
    if (rc > 0)
	lnm_entry_free(&ent);
    if (lnm_file(rc > 0 ? JOBCNF_SPEC : JOBCNF_DEFAULT_SPEC, LNM_READ, path, err) < 0)
	return -1;
    if (stat(STR_C(*path), &st) != 0) {
	if (rc > 0) {
	    str_printf(err, "%s: no such file (named by PMDF_JOB_CONTROLLER_CONFIG)",
		       STR_C(*path));
	    return -1;
	}
	str_reset(path);
    }
    return 0;
}

static int jobcnf_known(const OPT_SECTION *s, const char *const *names, STR *err)
{
    size_t  i;
    int     k;

    for (i = 0; i < s->n; i++) {
	for (k = 0; names[k] != NULL; k++)
	    if (strcmp(s->v[i].name, names[k]) == 0)
		break;
	if (names[k] == NULL) {
	    optfile_error(&s->v[i], err, "unknown option %s%s%s", s->v[i].name,
			  *s->kind ? " in a " : "", s->kind);
	    return -1;
	}
    }
    return 0;
}

/* jobcnf_words - split a command at blanks, translate the program, put in $CHANNEL */

static int jobcnf_command(const char *cmd, const char *channel, const OPT_ENTRY *where,
			          STRLIST *argv, STR *err)
{
    STR     word = STR_INIT, path = STR_INIT, e = STR_INIT;
    const char *p = cmd, *dollar;
    int     rc = 0;

    while (*p) {
	while (isspace((unsigned char) *p))
	    p++;
	if (!*p)
	    break;
	str_reset(&word);
	while (*p && !isspace((unsigned char) *p))
	    str_catc(&word, *p++);
	while ((dollar = strstr(STR_C(word), "$CHANNEL")) != NULL) {
	    STR     t = STR_INIT;

	    str_cpyn(&t, word.s, (size_t) (dollar - word.s));
	    str_cat(&t, channel);
	    str_cat(&t, dollar + 8);
	    str_cpy(&word, STR_C(t));
	    str_free(&t);
	}
	if (argv->n == 0) {
	    if (lnm_file(STR_C(word), LNM_READ, &path, &e) < 0) {
		if (where)
		    optfile_error(where, err, "MASTER_COMMAND: %s", STR_C(e));
		else
		    str_printf(err, "MASTER_COMMAND: %s", STR_C(e));
		rc = -1;
		break;
	    }
	    strlist_add(argv, STR_C(path));
	} else
	    strlist_add(argv, STR_C(word));
    }
    if (rc == 0 && argv->n == 0) {
	if (where)
	    optfile_error(where, err, "MASTER_COMMAND is empty");
	else
	    str_cpy(err, "MASTER_COMMAND is empty");
	rc = -1;
    }
    str_free(&word);
    str_free(&path);
    str_free(&e);
    return rc;
}

/* jobcnf_section_for - the [CHANNEL=...] section of a channel, or NULL */

static const OPT_SECTION *jobcnf_section_for(const OPTFILE *of, const char *channel)
{
    const OPT_SECTION *s;
    size_t  i;

    if ((s = optfile_section(of, "CHANNEL", channel)) != NULL)
	return s;
    for (i = 1; i < of->nsec; i++)
	if (strcmp(of->sec[i].kind, "CHANNEL") == 0
	    && (strchr(of->sec[i].name, '*') || strchr(of->sec[i].name, '%'))
	    && lnm_wildmatch(of->sec[i].name, channel))
	    return &of->sec[i];
    return NULL;
}

static size_t jobcnf_add_pool(JC_CONFIG *jc, const char *name, long limit)
{
    jc->pools = mem_realloc(jc->pools, (jc->npools + 1) * sizeof(*jc->pools));
    jc->pools[jc->npools].name = mem_strdup(name);
    jc->pools[jc->npools].job_limit = limit;
    return jc->npools++;
}

static long jobcnf_pool_index(const JC_CONFIG *jc, const char *name)
{
    size_t  i;

    for (i = 0; i < jc->npools; i++)
	if (strcasecmp(jc->pools[i].name, name) == 0)
	    return (long) i;
    return -1;
}

static int jobcnf_globals_read(JC_CONFIG *jc, const OPT_SECTION *g, long *job_limit, STR *err)
{
    long    v;

    if (jobcnf_known(g, jobcnf_globals, err) < 0
	|| optfile_int(g, "SCAN_INTERVAL", 1, 86400, &jc->scan_interval, err) < 0
	|| optfile_int(g, "JOB_LIMIT", 1, 10000, job_limit, err) < 0
	|| optfile_int(g, "MESSAGES_PER_JOB", 1, 100000, &jc->messages_per_job, err) < 0
	|| optfile_int(g, "CRASH_RETRY", 0, 86400, &jc->crash_retry, err) < 0
	|| optfile_int(g, "BUSY_RETRY", 0, 86400, &jc->busy_retry, err) < 0
	|| optfile_int(g, "MAX_SHUTDOWN", 0, 86400, &jc->max_shutdown, err) < 0)
	return -1;
    v = jc->debug;
    if (optfile_int(g, "DEBUG", 0, 1, &v, err) < 0)
	return -1;
    jc->debug = (int) v;
    return 0;
}

static int jobcnf_pools_read(JC_CONFIG *jc, const OPTFILE *of, long job_limit, STR *err)
{
    size_t  i;
    long    limit;

    jobcnf_add_pool(jc, JOBCNF_DEFAULT_POOL, job_limit);
    for (i = 1; i < of->nsec; i++) {
	const OPT_SECTION *s = &of->sec[i];

	if (strcmp(s->kind, "CHANNEL") == 0) {
	    if (jobcnf_known(s, jobcnf_channel_opts, err) < 0)
		return -1;
	    continue;
	}
	if (strcmp(s->kind, "POOL") != 0 && strcmp(s->kind, "QUEUE") != 0) {
	    str_printf(err, "%s:%d: unknown section kind [%s=...]: use [POOL=name] or"
		       " [CHANNEL=name]", s->file, s->line, s->kind);
	    return -1;
	}
	if (jobcnf_known(s, jobcnf_pool_opts, err) < 0)
	    return -1;
	limit = job_limit;
	if (optfile_int(s, "JOB_LIMIT", 1, 10000, &limit, err) < 0)
	    return -1;
	if (jobcnf_pool_index(jc, s->name) == 0)
	    jc->pools[0].job_limit = limit;
	else if (jobcnf_pool_index(jc, s->name) > 0) {
	    str_printf(err, "%s:%d: pool %s is defined twice ([POOL=] and [QUEUE=] are the"
		       " same)", s->file, s->line, s->name);
	    return -1;
	} else
	    jobcnf_add_pool(jc, s->name, limit);
    }
    return 0;
}

static int jobcnf_channel_read(JC_CONFIG *jc, const CONFIG *cfg, const OPTFILE *of,
			               const CNF_CHANNEL *ch, JC_CHANNEL_CFG *cc, STR *err)
{
    const CNF_KEYWORD *kw;
    const OPT_SECTION *s = jobcnf_section_for(of, ch->name);
    const OPT_ENTRY *cmd = s ? optfile_find(s, "MASTER_COMMAND") : NULL;
    long    pool, v;

    (void) cfg;
    memset(cc, 0, sizeof(*cc));
    cc->name = mem_strdup(ch->name);
    pool = 0;
    if ((kw = pmdfcnf_keyword(ch, "pool")) != NULL && kw->arg != NULL
	&& (pool = jobcnf_pool_index(jc, kw->arg)) < 0) {
	msg_warn("%s:%d: channel %s names pool %s, which %s does not define; it uses"
		 " pool %s", kw->file, kw->line, ch->name, kw->arg,
		 *jc->file ? jc->file : "JOB_CONTROLLER.CNF (absent)", JOBCNF_DEFAULT_POOL);
	pool = 0;
    }
    cc->pool = (size_t) pool;
    cc->maxjobs = jc->pools[pool].job_limit;
    if ((kw = pmdfcnf_keyword(ch, "maxjobs")) != NULL && kw->arg != NULL
	&& cfg_parse_int(kw->arg, 1, 100000, &v, err) == 0)
	cc->maxjobs = v;
    cc->batch = jc->messages_per_job;
    if ((kw = pmdfcnf_keyword(ch, "filesperjob")) != NULL && kw->arg != NULL
	&& cfg_parse_int(kw->arg, 1, 100000, &v, err) == 0)
	cc->batch = v;
    if ((kw = pmdfcnf_keyword(ch, "backoff")) != NULL && kw->arg != NULL)
	cc->backoff = mem_strdup(kw->arg);
    if (cmd == NULL && of->nsec > 0)
	cmd = optfile_find(&of->sec[0], "MASTER_COMMAND");
    str_reset(err);
    return jobcnf_command(cmd ? cmd->value : JOBCNF_DEFAULT_COMMAND, ch->name, cmd, &cc->argv,
			  err);
}

static void jobcnf_defaults(JC_CONFIG *jc)
{
    memset(jc, 0, sizeof(*jc));
    jc->scan_interval = 30;
    jc->messages_per_job = 100;
    jc->crash_retry = 60;
    jc->busy_retry = 5;
    jc->max_shutdown = 30;
}

int     jobcnf_load(JC_CONFIG *jc, STR *err)
{
    CONFIG  cfg;
    OPTFILE of;
    CFG_OPTS o = CFG_OPTS_INIT;
    STR     path = STR_INIT;
    long    job_limit = 4;
    size_t  i;
    int     rc = -1;

    jobcnf_defaults(jc);
    memset(&of, 0, sizeof(of));
    memset(&cfg, 0, sizeof(cfg));
    if (jobcnf_path(&path, err) < 0)
	goto done;
    jc->file = mem_strdup(STR_C(path));
    o.comments = CFG_COMMENT_LINE;
    o.resolve = lnm_include_resolver;
    if (path.len && optfile_read(STR_C(path), &o, OPT_SECTIONS, &of, err) < 0)
	goto done;
    if ((of.nsec > 0 && jobcnf_globals_read(jc, &of.sec[0], &job_limit, err) < 0)
	|| jobcnf_pools_read(jc, &of, job_limit, err) < 0)
	goto done;
    if (config_load(&cfg, 0, err) < 0)
	goto done;
    jc->channels = mem_calloc(cfg.cnf.nchannels + 1, sizeof(*jc->channels));
    jc->by_name = htab_create(cfg.cnf.nchannels * 2 + 8);
    for (i = 0; i < cfg.cnf.nchannels; i++) {
	if (jobcnf_channel_read(jc, &cfg, &of, &cfg.cnf.channels[i], &jc->channels[i], err) < 0) {
	    jc->nchannels = i + 1;
	    goto done;
	}
	jc->nchannels = i + 1;
	htab_enter(jc->by_name, jc->channels[i].name, &jc->channels[i]);
    }
    rc = 0;
done:
    if (rc < 0)
	jobcnf_free(jc);
    config_free(&cfg);
    optfile_free(&of);
    str_free(&path);
    return rc;
}

void    jobcnf_free(JC_CONFIG *jc)
{
    size_t  i;

    for (i = 0; i < jc->npools; i++)
	free(jc->pools[i].name);
    free(jc->pools);
    for (i = 0; i < jc->nchannels; i++) {
	free(jc->channels[i].name);
	free(jc->channels[i].backoff);
	strlist_free(&jc->channels[i].argv);
    }
    free(jc->channels);
    if (jc->by_name)
	htab_free(jc->by_name, NULL);
    free(jc->file);
    jobcnf_defaults(jc);
}

const JC_CHANNEL_CFG *jobcnf_channel(const JC_CONFIG *jc, const char *channel)
{
    return jc->by_name ? htab_find(jc->by_name, channel) : NULL;
}
