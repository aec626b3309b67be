/*
 * NAME
 *	dispcnf - DISPATCHER.CNF: the dispatcher's services
 * SYNOPSIS
 *	#include "dispatch.h"
 *
 *	int dispcnf_read(const char *spec, DISP_CONFIG *cfg, STR *err);
 *	void dispcnf_free(DISP_CONFIG *cfg);
 * DESCRIPTION
 *	dispcnf_read() reads the file named by spec (NULL: the logical name
 *	PMDF_DISPATCHER_CONFIG when defined, else PMDF_TABLE:dispatcher.cnf)
 *	through optfile (NAME=value lines, "!" comments, "<file" includes,
 *	"\" continuations, base%value integers, [SERVICE=name] sections).
 *	Options before the first section are the defaults of every service;
 *	a service's own lines override them.  [SERVICE=DISPATCHER] is the
 *	dispatcher itself.
 *
 *	Service options (and defaults when absent everywhere):
 *	  PORT=25,587		plain ports (a list, commas or blanks)
 *	  TLS_PORT=465		ports where TLS starts at once (SMTP over TLS)
 *	  IMAGE=PMDF_EXE:tcp_smtp_server	the server program (must exist)
 *	  LOGFILE=PMDF_LOG:tcp_smtp_server.log	its standard output and error
 *	  PARAMETER=CHANNEL=tcp_submit	words for the server: NAME=value
 *				becomes -name=value, NAME -name, a word starting
 *				with "-" is passed as it is; CHANNEL= also names
 *				the channel in the hand-off (default tcp_local)
 *	  INTERFACE_ADDRESS=*	addresses to listen on (a list; "*" is every
 *				IPv4 and IPv6 address)
 *	  MIN_PROCS=0  MAX_PROCS=5  MIN_CONNS=5  MAX_CONNS=10
 *	  MAX_LIFE_TIME=86400 (s)  MAX_LIFE_CONNS=100  MAX_IDLE_TIME=600 (s)
 *	  BACKLOG		listen backlog: MAX_CONNS*MAX_PROCS, at least 5
 *	  DEBUG=0		1: log every hand-off
 *	  MAX_CLIENT_CONNS=50	concurrent connections from one client address
 *				(0: no limit); beyond PMDF
 *	  MAX_CLIENT_RATE=600	new connections a minute from one client
 *				address (0: no limit); beyond PMDF
 *	  LIMIT_TEXT="421 4.7.0 Too many connections from your address; try again later"
 *				what a client refused by those limits is sent
 *	The dispatcher's own options (globals or [SERVICE=DISPATCHER]):
 *	  USER=pmdf		when started as root: the user to become once
 *				the ports are bound (default: stay as started)
 *	  LOGFILE		(in [SERVICE=DISPATCHER]) its log; default
 *				standard error (PMDF_LOG:dispatcher.log when
 *				started by "pmdf startup dispatcher")
 *	  DEBUG, MAX_SHUTDOWN=10 (s): how long servers may finish their
 *				sessions when the dispatcher stops
 *
 *	Checks, each an error "file:line: message" for the line at fault:
 *	an unknown option or one in the wrong place, a section kind other
 *	than SERVICE, a bad number or port, a port listed twice (in one
 *	service or two), MIN_PROCS above MAX_PROCS or MIN_CONNS above
 *	MAX_CONNS, a service without PORT/TLS_PORT or IMAGE, an IMAGE that
 *	is not an executable file.
 * DIAGNOSTICS
 *	dispcnf_read() returns 0, or -1 with err; cfg is then empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <unistd.h>
#include "dispatch.h"
#include "optfile.h"
#include "cfgread.h"
#include "lnm.h"
#include "mem.h"

#define W_GLOBAL  1			/* before the first section */
#define W_SERVICE 2			/* in [SERVICE=name] */
#define W_SELF	  4			/* in [SERVICE=DISPATCHER] */

static const struct {
    const char *name;
    int     where;
} dc_known[] = {
    {"PORT", W_SERVICE},
    {"TLS_PORT", W_SERVICE},
    {"IMAGE", W_GLOBAL | W_SERVICE},
    {"LOGFILE", W_GLOBAL | W_SERVICE | W_SELF},
    {"PARAMETER", W_GLOBAL | W_SERVICE},
    {"INTERFACE_ADDRESS", W_GLOBAL | W_SERVICE},
    {"MIN_PROCS", W_GLOBAL | W_SERVICE},
    {"MAX_PROCS", W_GLOBAL | W_SERVICE},
    {"MIN_CONNS", W_GLOBAL | W_SERVICE},
    {"MAX_CONNS", W_GLOBAL | W_SERVICE},
    {"MAX_LIFE_TIME", W_GLOBAL | W_SERVICE},
    {"MAX_LIFE_CONNS", W_GLOBAL | W_SERVICE},
    {"MAX_IDLE_TIME", W_GLOBAL | W_SERVICE},
    {"MAX_SHUTDOWN", W_GLOBAL | W_SELF},
    {"BACKLOG", W_GLOBAL | W_SERVICE},
    {"DEBUG", W_GLOBAL | W_SERVICE | W_SELF},
    {"MAX_CLIENT_CONNS", W_GLOBAL | W_SERVICE},
    {"MAX_CLIENT_RATE", W_GLOBAL | W_SERVICE},
    {"LIMIT_TEXT", W_GLOBAL | W_SERVICE},
    {"USER", W_GLOBAL | W_SELF},
    {NULL, 0}
};

static int dc_check_names(const OPT_SECTION *s, int where, STR *err)
{
    size_t  i, k;

    for (i = 0; i < s->n; i++) {
	for (k = 0; dc_known[k].name; k++)
	    if (strcmp(dc_known[k].name, s->v[i].name) == 0)
		break;
	if (dc_known[k].name == NULL) {
	    optfile_error(&s->v[i], err, "unknown option (the options are listed in"
			  " src/dispatch/dispcnf.c)");
	    return -1;
	}
	if ((dc_known[k].where & where) == 0) {
	    optfile_error(&s->v[i], err, "not allowed %s",
			  where == W_GLOBAL ? "before the first [SERVICE=] section"
			  : where == W_SELF ? "in [SERVICE=DISPATCHER]"
			  : "in a service section (it belongs before the first section)");
	    return -1;
	}
    }
    return 0;
}

/* An option of a service: its own line, else the global default. */
static const OPT_ENTRY *dc_find(const OPT_SECTION *s, const OPT_SECTION *g, const char *name)
{
    const OPT_ENTRY *e = s ? optfile_find(s, name) : NULL;

    return e ? e : optfile_find(g, name);
}

static int dc_int(const OPT_SECTION *s, const OPT_SECTION *g, const char *name, long dflt,
		          long min, long max, long *val, STR *err)
{
    const OPT_ENTRY *e = dc_find(s, g, name);
    STR     msg = STR_INIT;

    *val = dflt;
    if (e == NULL)
	return 0;
    if (cfg_parse_int(e->value, min, max, val, &msg) < 0) {
	optfile_error(e, err, "%s", STR_C(msg));
	str_free(&msg);
	return -1;
    }
    str_free(&msg);
    return 0;
}

/* Splits a list value at commas and blanks. */
static void dc_words(const char *v, STRLIST *out)
{
    const char *p = v, *q;

    while (*p) {
	while (*p == ',' || isspace((unsigned char) *p))
	    p++;
	for (q = p; *q && *q != ',' && !isspace((unsigned char) *q); q++)
	     /* void */ ;
	if (q > p)
	    strlist_addn(out, p, (size_t) (q - p));
	p = q;
    }
}

static int dc_ports(DISP_SERVICE *sv, const OPT_ENTRY *e, int tls, STR *err)
{
    STRLIST w = STRLIST_INIT;
    STR     msg = STR_INIT;
    size_t  i, k;
    long    port;
    int     rc = 0;

    if (e == NULL)
	return 0;
    dc_words(e->value, &w);
    if (w.n == 0) {
	optfile_error(e, err, "no port given");
	rc = -1;
    }
    for (i = 0; rc == 0 && i < w.n; i++) {
	if (cfg_parse_int(w.v[i], 1, 65535, &port, &msg) < 0) {
	    optfile_error(e, err, "\"%s\" is not a port number (1 to 65535)", w.v[i]);
	    rc = -1;
	    break;
	}
	for (k = 0; k < sv->nports; k++)
	    if (sv->ports[k].port == port) {
		optfile_error(e, err, "port %ld is listed twice in [SERVICE=%s]", port,
			      sv->name);
		rc = -1;
	    }
	if (rc < 0)
	    break;
	sv->ports = mem_realloc(sv->ports, (sv->nports + 1) * sizeof(*sv->ports));
	sv->ports[sv->nports].port = (int) port;
	sv->ports[sv->nports].tls = tls;
	sv->nports++;
    }
    strlist_free(&w);
    str_free(&msg);
    return rc;
}

/* PARAMETER: server arguments, and the channel named in the hand-off. */
static void dc_parameter(DISP_SERVICE *sv, const OPT_ENTRY *e)
{
    STRLIST w = STRLIST_INIT;
    STR     arg = STR_INIT;
    size_t  i;

    sv->channel = mem_strdup("tcp_local");
    if (e == NULL)
	return;
    dc_words(e->value, &w);
    for (i = 0; i < w.n; i++) {
	const char *eq = strchr(w.v[i], '=');

	if (w.v[i][0] == '-') {
	    strlist_add(&sv->args, w.v[i]);
	    continue;
	}
	str_cpy(&arg, "-");
	str_catn(&arg, w.v[i], eq ? (size_t) (eq - w.v[i]) : strlen(w.v[i]));
	str_lower(&arg);
	if (eq && strcmp(STR_C(arg), "-channel") == 0) {
	    free(sv->channel);
	    sv->channel = mem_strdup(eq + 1);
	}
	if (eq)
	    str_cat(&arg, eq);
	strlist_add(&sv->args, STR_C(arg));
    }
    str_free(&arg);
    strlist_free(&w);
}

static int dc_file(const OPT_ENTRY *e, int purpose, char **out, STR *err)
{
    STR     path = STR_INIT, msg = STR_INIT;

    if (lnm_file(e->value, purpose, &path, &msg) < 0) {
	optfile_error(e, err, "%s: %s", e->value, STR_C(msg));
	str_free(&path);
	str_free(&msg);
	return -1;
    }
    *out = str_detach(&path);
    str_free(&msg);
    return 0;
}

static int dc_service(DISP_CONFIG *cfg, const OPT_SECTION *g, const OPT_SECTION *s, STR *err)
{
    DISP_SERVICE *sv;
    const OPT_ENTRY *e;
    long    dflt_backlog;

    cfg->svc = mem_realloc(cfg->svc, (cfg->nsvc + 1) * sizeof(*cfg->svc));
    sv = &cfg->svc[cfg->nsvc++];
    memset(sv, 0, sizeof(*sv));
    sv->name = mem_strdup(s->name);
    {
	STR     w = STR_INIT;

	str_printf(&w, "%s:%d", s->file, s->line);
	sv->where = str_detach(&w);
    }
    if (dc_ports(sv, optfile_find(s, "PORT"), 0, err) < 0
	|| dc_ports(sv, optfile_find(s, "TLS_PORT"), 1, err) < 0)
	return -1;
    if (sv->nports == 0) {
	str_printf(err, "%s: [SERVICE=%s] has no PORT= or TLS_PORT=", sv->where, sv->name);
	return -1;
    }
    if ((e = dc_find(s, g, "IMAGE")) == NULL) {
	str_printf(err, "%s: [SERVICE=%s] has no IMAGE= (the server program, e.g."
		   " IMAGE=PMDF_EXE:tcp_smtp_server)", sv->where, sv->name);
	return -1;
    }
    sv->image = mem_strdup(e->value);
    if (dc_file(e, LNM_READ, &sv->image_path, err) < 0)
	return -1;
    if (access(sv->image_path, X_OK) != 0) {
	optfile_error(e, err, "%s: %s is not an executable program (build or install it,"
		      " or correct IMAGE)", e->value, sv->image_path);
	return -1;
    }
    if ((e = dc_find(s, g, "LOGFILE")) != NULL && dc_file(e, LNM_CREATE, &sv->log_path, err) < 0)
	return -1;
    dc_parameter(sv, dc_find(s, g, "PARAMETER"));
    if ((e = dc_find(s, g, "INTERFACE_ADDRESS")) != NULL)
	dc_words(e->value, &sv->interfaces);
    if (sv->interfaces.n == 0)
	strlist_add(&sv->interfaces, "*");
    if (dc_int(s, g, "MIN_PROCS", 0, 0, 1000, &sv->min_procs, err) < 0
	|| dc_int(s, g, "MAX_PROCS", 5, 1, 1000, &sv->max_procs, err) < 0
	|| dc_int(s, g, "MIN_CONNS", 5, 1, 1000000, &sv->min_conns, err) < 0
	|| dc_int(s, g, "MAX_CONNS", 10, 1, 1000000, &sv->max_conns, err) < 0
	|| dc_int(s, g, "MAX_LIFE_TIME", 86400, 1, 100000000L, &sv->max_life_time, err) < 0
	|| dc_int(s, g, "MAX_LIFE_CONNS", 100, 1, 2000000000L, &sv->max_life_conns, err) < 0
	|| dc_int(s, g, "MAX_IDLE_TIME", 600, 1, 100000000L, &sv->max_idle_time, err) < 0
	|| dc_int(s, g, "DEBUG", 0, 0, 10, &sv->debug, err) < 0
	|| dc_int(s, g, "MAX_CLIENT_CONNS", 50, 0, 1000000, &sv->max_client_conns, err) < 0
	|| dc_int(s, g, "MAX_CLIENT_RATE", 600, 0, 100000000L, &sv->max_client_rate, err) < 0)
	return -1;
    if (sv->min_procs > sv->max_procs) {
	e = dc_find(s, g, "MIN_PROCS");
	optfile_error(e, err, "MIN_PROCS=%ld is above MAX_PROCS=%ld for [SERVICE=%s]",
		      sv->min_procs, sv->max_procs, sv->name);
	return -1;
    }
    if (sv->min_conns > sv->max_conns) {
	e = dc_find(s, g, "MIN_CONNS");
	if (e == NULL)
	    e = dc_find(s, g, "MAX_CONNS");
	optfile_error(e, err, "MIN_CONNS=%ld is above MAX_CONNS=%ld for [SERVICE=%s]",
		      sv->min_conns, sv->max_conns, sv->name);
	return -1;
    }
    dflt_backlog = sv->max_conns * sv->max_procs;
    if (dflt_backlog < 5)
	dflt_backlog = 5;
    if (dflt_backlog > 65535)
	dflt_backlog = 65535;
    if (dc_int(s, g, "BACKLOG", dflt_backlog, 5, 65535, &sv->backlog, err) < 0)
	return -1;
    e = dc_find(s, g, "LIMIT_TEXT");
    sv->limit_text = mem_strdup(e ? e->value
		       : "421 4.7.0 Too many connections from your address; try again later");
    return 0;
}

/* A port may belong to one service only. */
static int dc_unique_ports(const DISP_CONFIG *cfg, STR *err)
{
    size_t  a, b, i, k;

    for (a = 0; a < cfg->nsvc; a++)
	for (b = a + 1; b < cfg->nsvc; b++)
	    for (i = 0; i < cfg->svc[a].nports; i++)
		for (k = 0; k < cfg->svc[b].nports; k++)
		    if (cfg->svc[a].ports[i].port == cfg->svc[b].ports[k].port) {
			str_printf(err, "%s: port %d of [SERVICE=%s] is also a port of"
				   " [SERVICE=%s] (%s)", cfg->svc[b].where,
				   cfg->svc[b].ports[k].port, cfg->svc[b].name,
				   cfg->svc[a].name, cfg->svc[a].where);
			return -1;
		    }
    return 0;
}

static int dc_spec(const char *spec, STR *path, STR *err)
{
    LNM_ENTRY ent;
    int     rc;

    if (spec == NULL) {
	if ((rc = lnm_lookup("PMDF_DISPATCHER_CONFIG", LNM_TABLE_ANY, &ent, err)) < 0)
	    return -1;
	if (rc > 0)
	    lnm_entry_free(&ent);
	spec = rc > 0 ? "PMDF_DISPATCHER_CONFIG:" : "PMDF_TABLE:dispatcher.cnf";
    }
    return lnm_file(spec, LNM_READ, path, err);
}

static int dc_read(const char *spec, DISP_CONFIG *cfg, STR *err)
{
    CFG_OPTS o = CFG_OPTS_INIT;
    OPTFILE of;
    STR     path = STR_INIT;
    const OPT_SECTION *g, *self = NULL;
    const OPT_ENTRY *e;
    size_t  i;
    int     rc = -1;

    memset(&of, 0, sizeof(of));
    if (dc_spec(spec, &path, err) < 0) {
	str_free(&path);
	return -1;
    }
    cfg->path = mem_strdup(STR_C(path));
    o.comments = CFG_COMMENT_LINE;
    o.resolve = lnm_include_resolver;
    if (optfile_read(STR_C(path), &o, OPT_SECTIONS, &of, err) < 0) {
	str_free(&path);
	return -1;
    }
    str_free(&path);
    g = &of.sec[0];
    if (dc_check_names(g, W_GLOBAL, err) < 0)
	goto out;
    for (i = 1; i < of.nsec; i++) {
	const OPT_SECTION *s = &of.sec[i];

	if (strcmp(s->kind, "SERVICE") != 0) {
	    str_printf(err, "%s:%d: [%s=%s]: unknown section kind (DISPATCHER.CNF has"
		       " [SERVICE=name] sections only)", s->file, s->line, s->kind, s->name);
	    goto out;
	}
	if (strcasecmp(s->name, DISP_SERVICE_SELF) == 0) {
	    if (dc_check_names(s, W_SELF, err) < 0)
		goto out;
	    self = s;
	    continue;
	}
	if (dc_check_names(s, W_SERVICE, err) < 0 || dc_service(cfg, g, s, err) < 0)
	    goto out;
    }
    if (cfg->nsvc == 0) {
	str_printf(err, "%s: no [SERVICE=name] section: nothing to listen for", cfg->path);
	goto out;
    }
    if (dc_unique_ports(cfg, err) < 0)
	goto out;
    if ((e = dc_find(self, g, "USER")) != NULL && *e->value)
	cfg->user = mem_strdup(e->value);
    if (self && (e = optfile_find(self, "LOGFILE")) != NULL
	&& dc_file(e, LNM_CREATE, &cfg->log_path, err) < 0)
	goto out;
    if (dc_int(self, g, "DEBUG", 0, 0, 10, &cfg->debug, err) < 0
	|| dc_int(self, g, "MAX_SHUTDOWN", 10, 0, 86400, &cfg->max_shutdown, err) < 0)
	goto out;
    rc = 0;
  out:
    optfile_free(&of);
    return rc;
}

int     dispcnf_read(const char *spec, DISP_CONFIG *cfg, STR *err)
{
    memset(cfg, 0, sizeof(*cfg));
    if (dc_read(spec, cfg, err) < 0) {
	dispcnf_free(cfg);
	return -1;
    }
    return 0;
}

void    dispcnf_free(DISP_CONFIG *cfg)
{
    size_t  i;

    for (i = 0; i < cfg->nsvc; i++) {
	DISP_SERVICE *sv = &cfg->svc[i];

	free(sv->name);
	free(sv->where);
	free(sv->image);
	free(sv->image_path);
	free(sv->log_path);
	strlist_free(&sv->args);
	free(sv->channel);
	strlist_free(&sv->interfaces);
	free(sv->ports);
	free(sv->limit_text);
    }
    free(cfg->svc);
    free(cfg->path);
    free(cfg->user);
    free(cfg->log_path);
    memset(cfg, 0, sizeof(*cfg));
}
