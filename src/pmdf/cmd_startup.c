/*
 * NAME
 *	cmd_startup - pmdf startup, shutdown, restart and process
 * SYNOPSIS
 *	pmdf startup dispatcher|job_controller	PMDF STARTUP DISPATCHER
 *	pmdf shutdown dispatcher|job_controller [-timeout=60]
 *	pmdf restart dispatcher|job_controller
 *	pmdf process				PMDF PROCESS
 * DESCRIPTION
 *	The long-running components are listed in one table below: a name
 *	and the image that runs it (PMDF_EXE:dispatcher,
 *	PMDF_EXE:job_controller).  A component claims its PID file itself
 *	(daemon.h: PMDF_LOG:<name>.pid, locked), stops on SIGTERM and reads
 *	its configuration again on SIGHUP; nothing else is needed for a new
 *	entry in the table to work with every verb here.  The component
 *	word may be abbreviated to any unique prefix.
 *
 *	startup starts the image detached, with its standard output and
 *	error appended to PMDF_LOG:<name>.log, and waits until it has
 *	claimed its PID file (daemon_start), so a component that fails at
 *	start-up (a bad configuration, a port in use) is reported here
 *	with the end of its log.
 *
 *	shutdown asks it to stop (SIGTERM) and waits until it has gone
 *	(-timeout seconds, default 60; the dispatcher gives its servers
 *	MAX_SHUTDOWN seconds to finish their sessions first).  A component
 *	that is not running is said so, with exit status 0.
 *
 *	restart asks a running component to read its configuration again
 *	(SIGHUP) and starts one that is not running.  When the component
 *	publishes a status file (PMDF_LOG:<name>.status: the dispatcher
 *	does), restart waits (10 s at most) for the reload to be done and
 *	reports its outcome: a configuration with an error is named as
 *	file:line: message, the old configuration stays in use, and the
 *	exit status is 1.
 *
 *	process lists the components with their process ids, and the
 *	dispatcher's server processes with their service, state and
 *	connection counts (open now, handed in all), from the dispatcher's
 *	status file (dispatcher.c describes it), then the ports it listens
 *	on.
 * DIAGNOSTICS
 *	Errors name the component, the file or program and what to do; the
 *	exit status is then 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "pmdf.h"
#include "daemon.h"
#include "optfile.h"
#include "lnm.h"
#include "msg.h"
#include "str.h"

typedef struct COMPONENT {
    const char *name;
    const char *image;
} COMPONENT;

static const COMPONENT components[] = {
    {"dispatcher", "PMDF_EXE:dispatcher"},
    {"job_controller", "PMDF_EXE:job_controller"},
    {NULL, NULL}
};

#define RELOAD_WAIT_MS	10000
#define STALE_SECONDS	10

static const COMPONENT *component_find(const char *word)
{
    const COMPONENT *c, *found = NULL;
    size_t  n = strlen(word);
    STR     names = STR_INIT;

    for (c = components; c->name; c++) {
	if (strcasecmp(c->name, word) == 0)
	    return c;
	if (n > 0 && strncasecmp(c->name, word, n) == 0) {
	    if (found != NULL) {
		msg_error("ambiguous component \"%s\" (%s, %s)", word, found->name, c->name);
		return NULL;
	    }
	    found = c;
	}
    }
    if (found)
	return found;
    for (c = components; c->name; c++)
	str_catf(&names, "%s%s", c == components ? "" : ", ", c->name);
    msg_error("unknown component \"%s\": one of %s", word, STR_C(names));
    str_free(&names);
    return NULL;
}

static const COMPONENT *component_init(const CLI_CMD *cmd)
{
    STR     err = STR_INIT;

    if (lnm_init(&err) < 0) {
	msg_error("%s", STR_C(err));
	str_free(&err);
	return NULL;
    }
    str_free(&err);
    return component_find(cli_param(cmd, 0));
}

static int component_start(const COMPONENT *c)
{
    STR     path = STR_INIT, err = STR_INIT, log = STR_INIT;
    char   *argv[2];
    long    pid;
    int     rc = 1;

    if (lnm_file(c->image, LNM_READ, &path, &err) < 0) {
	msg_error("cannot start %s: %s: %s", c->name, c->image, STR_C(err));
    } else if (access(STR_C(path), X_OK) != 0) {
	msg_error("cannot start %s: its program %s (%s) does not exist or cannot be run;"
		  " build or install it", c->name, c->image, STR_C(path));
    } else {
	argv[0] = path.s;
	argv[1] = NULL;
	if ((pid = daemon_start(c->name, argv, &err)) < 0)
	    msg_error("%s", STR_C(err));
	else {
	    (void) daemon_logfile(c->name, LNM_READ, &log, &err);
	    printf("%s started: process %ld (log %s)\n", c->name, pid, STR_C(log));
	    rc = 0;
	}
    }
    str_free(&path);
    str_free(&err);
    str_free(&log);
    return rc;
}

int     cmd_startup(const CLI_CMD *cmd)
{
    const COMPONENT *c = component_init(cmd);

    return c ? component_start(c) : 1;
}

int     cmd_shutdown(const CLI_CMD *cmd)
{
    const COMPONENT *c = component_init(cmd);
    STR     err = STR_INIT, msg = STR_INIT;
    long    pid, timeout = 60;
    int     rc = 1;

    if (c == NULL)
	return 1;
    if (cli_value(cmd, "timeout") && cfg_parse_int(cli_value(cmd, "timeout"), 0, 86400,
						   &timeout, &msg) < 0) {
	msg_error("-timeout: %s", STR_C(msg));
    } else if ((pid = daemon_running(c->name, &err)) < 0) {
	msg_error("%s", STR_C(err));
    } else if (pid == 0) {
	printf("%s is not running\n", c->name);
	rc = 0;
    } else if (daemon_signal(pid, DAEMON_STOP, &err) < 0) {
	msg_error("cannot stop %s: %s", c->name, STR_C(err));
    } else if (daemon_wait_gone(c->name, timeout * 1000L) < 0) {
	msg_error("%s (process %ld) is still running after %ld s; look at its log, or end it"
		  " with kill -9 %ld", c->name, pid, timeout, pid);
    } else {
	printf("%s stopped (it was process %ld)\n", c->name, pid);
	rc = 0;
    }
    str_free(&err);
    str_free(&msg);
    return rc;
}

/* Reads a component's status file; 0 when there is none. */
static int status_read(const char *component, OPTFILE *of)
{
    CFG_OPTS o = CFG_OPTS_INIT;
    STR     path = STR_INIT, err = STR_INIT;
    int     rc = 0;

    o.comments = CFG_COMMENT_LINE;
    memset(of, 0, sizeof(*of));
    if (daemon_statusfile(component, LNM_READ, &path, &err) == 0
	&& access(STR_C(path), R_OK) == 0)
	rc = optfile_read(STR_C(path), &o, OPT_SECTIONS, of, &err) == 0;
    str_free(&path);
    str_free(&err);
    return rc;
}

static long status_long(const OPT_SECTION *s, const char *name)
{
    const char *v = optfile_value(s, name);

    return v ? strtol(v, NULL, 10) : -1;
}

int     cmd_restart(const CLI_CMD *cmd)
{
    const COMPONENT *c = component_init(cmd);
    STR     err = STR_INIT;
    OPTFILE of;
    long    pid, before = -1, after, waited;
    int     has_status, rc = 1;

    if (c == NULL)
	return 1;
    if ((pid = daemon_running(c->name, &err)) < 0) {
	msg_error("%s", STR_C(err));
	str_free(&err);
	return 1;
    }
    if (pid == 0) {
	printf("%s is not running: starting it\n", c->name);
	return component_start(c);
    }
    if ((has_status = status_read(c->name, &of)) != 0) {
	before = status_long(&of.sec[0], "RELOADS");
	optfile_free(&of);
    }
    if (daemon_signal(pid, DAEMON_RELOAD, &err) < 0) {
	msg_error("cannot restart %s: %s", c->name, STR_C(err));
	str_free(&err);
	return 1;
    }
    if (!has_status) {
	printf("%s (process %ld) asked to read its configuration again\n", c->name, pid);
	str_free(&err);
	return 0;
    }
    for (waited = 0; waited < RELOAD_WAIT_MS; waited += 100) {
	struct timespec ts = {0, 100000000L};

	nanosleep(&ts, NULL);
	if (!status_read(c->name, &of))
	    continue;
	after = status_long(&of.sec[0], "RELOADS");
	if (after > before) {
	    const char *st = optfile_value(&of.sec[0], "RELOAD_STATUS");

	    if (st && strcmp(st, "ok") == 0) {
		printf("%s (process %ld) restarted with its new configuration\n", c->name, pid);
		rc = 0;
	    } else
		msg_error("%s (process %ld) keeps its old configuration: %s", c->name, pid,
			  st ? st : "(no reason given)");
	    optfile_free(&of);
	    str_free(&err);
	    return rc;
	}
	optfile_free(&of);
    }
    msg_error("%s (process %ld) was asked to restart but has not reported back within %d s;"
	      " see its log", c->name, pid, RELOAD_WAIT_MS / 1000);
    str_free(&err);
    return 1;
}

static void show_time(long t, char *buf, size_t size)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t  tt = (time_t) t;
    struct tm tm;

    if (t <= 0 || localtime_r(&tt, &tm) == NULL) {
	snprintf(buf, size, "-");
	return;
    }
    snprintf(buf, size, "%02d-%s-%04d %02d:%02d:%02d", tm.tm_mday, months[tm.tm_mon % 12],
	     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void show_line(const char *program, const char *pid, const char *service,
		      const char *state, const char *conns, const char *total, long started)
{
    char    when[40];

    show_time(started, when, sizeof(when));
    printf("%-18s %-8s %-10s %-11s %11s %9s  %s\n", program, pid, service, state, conns, total,
	   started > 0 ? when : "");
}

static void show_dispatcher(long pid)
{
    OPTFILE of;
    const OPT_SECTION *g;
    char    buf[32];
    size_t  i;

    snprintf(buf, sizeof(buf), "%ld", pid);
    if (!status_read("dispatcher", &of) || status_long(&of.sec[0], "PID") != pid) {
	show_line("dispatcher", buf, "", "running", "", "", 0);
	printf("  (no status from the dispatcher yet: PMDF_LOG:dispatcher.status)\n");
	if (of.sec)
	    optfile_free(&of);
	return;
    }
    g = &of.sec[0];
    show_line("dispatcher", buf, "", "running", "", "", status_long(g, "STARTED"));
    for (i = 1; i < of.nsec; i++) {
	const OPT_SECTION *s = &of.sec[i];
	const char *conns = optfile_value(s, "CONNECTIONS"), *total = optfile_value(s, "TOTAL");

	if (strcmp(s->kind, "SERVER") != 0)
	    continue;
	show_line(optfile_value(s, "PROGRAM") ? optfile_value(s, "PROGRAM") : "?", s->name,
		  optfile_value(s, "SERVICE") ? optfile_value(s, "SERVICE") : "?",
		  optfile_value(s, "STATE") ? optfile_value(s, "STATE") : "?",
		  conns ? conns : "?", total ? total : "?", status_long(s, "STARTED"));
    }
    for (i = 0; i < g->n; i++)
	if (strcmp(g->v[i].name, "LISTEN") == 0)
	    printf("  listening: %s\n", g->v[i].value);
    if (status_long(g, "UPDATED") < (long) time(NULL) - STALE_SECONDS)
	printf("  warning: the status was last written %ld s ago; the dispatcher may be"
	       " stuck\n", (long) time(NULL) - status_long(g, "UPDATED"));
    optfile_free(&of);
}

int     cmd_process(const CLI_CMD *cmd)
{
    const COMPONENT *c;
    STR     err = STR_INIT;
    char    buf[32];
    long    pid;
    int     rc = 0;

    (void) cmd;
    if (lnm_init(&err) < 0) {
	msg_error("%s", STR_C(err));
	str_free(&err);
	return 1;
    }
    printf("%-18s %-8s %-10s %-11s %11s %9s  %s\n", "PROCESS", "PID", "SERVICE", "STATE",
	   "CONNECTIONS", "TOTAL", "STARTED");
    for (c = components; c->name; c++) {
	if ((pid = daemon_running(c->name, &err)) < 0) {
	    msg_error("%s", STR_C(err));
	    rc = 1;
	} else if (pid == 0)
	    show_line(c->name, "-", "", "not running", "", "", 0);
	else if (strcmp(c->name, "dispatcher") == 0)
	    show_dispatcher(pid);
	else {
	    snprintf(buf, sizeof(buf), "%ld", pid);
	    show_line(c->name, buf, "", "running", "", "", 0);
	}
    }
    str_free(&err);
    return rc;
}
