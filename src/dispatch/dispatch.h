/*
 * NAME
 *	dispatch - the dispatcher's configuration, state and hand-off protocol
 * SYNOPSIS
 *	#include "dispatch.h"
 *
 *	int dispcnf_read(const char *spec, DISP_CONFIG *cfg, STR *err);
 *	void dispcnf_free(DISP_CONFIG *cfg);
 *
 *	SERVER *pool_pick(SERVICE *svc);
 *	int pool_handoff(SERVER *s, int fd, const LISTENER *l, const CONN_INFO *ci,
 *			 CLIENT *cl, STR *err);
 *	void pool_retire(SERVER *s, const char *why);
 *	void pool_maintain(DISPATCHER *d);
 *	void pool_reap(DISPATCHER *d);
 *	size_t pool_count(const DISPATCHER *d, const SERVICE *svc, int ready_only);
 *
 *	int policy_check(DISPATCHER *d, SERVICE *svc, const CONN_INFO *ci,
 *			 CLIENT **cl, STR *reply);
 *	void policy_release(DISPATCHER *d, CLIENT *cl);
 *	void policy_sweep(DISPATCHER *d);
 *	void policy_free(DISPATCHER *d);
 *
 *	void listeners_update(SERVICE *svc);
 * DESCRIPTION
 *	dispatcher.c owns the process: configuration (re)loading, the
 *	listening sockets, the event loop, signals, the status file;
 *	dispcnf.c reads DISPATCHER.CNF; pool.c runs each service's server
 *	processes and hands connections to them; policy.c decides whether a
 *	connection is taken at all (PORT_ACCESS, per-client limits).
 *
 *	The hand-off protocol.  Each server process has one channel
 *	(fdpass.h: message boundaries, a descriptor with a message), its
 *	descriptor SPAWN_CHAN_FD, named to the server as -dispatcher=3.
 *	Messages are one line of ASCII text, fields separated by one space:
 *
 *	  dispatcher -> server
 *	    C id service channel tls local-addr local-port peer-addr peer-port
 *		with the connection's descriptor attached.  id is the
 *		dispatcher's number for the connection (1, 2, ...); tls is 1
 *		for a port of TLS_PORT (TLS starts at once), else 0.
 *	    end-of-file (the dispatcher shuts down its sending side, or is
 *		gone): retire.  The server takes no more connections,
 *		finishes the sessions it has, and exits 0.
 *
 *	  server -> dispatcher
 *	    READY pid		once, when the server can take connections
 *	    D id [id ...]	these connections have closed (load update)
 *
 *	The dispatcher counts each server's connections as those handed to
 *	it and not yet reported closed, so it never needs to ask.  When a
 *	server's channel reaches end-of-file (it exited or crashed), every
 *	connection it held is counted as closed.
 */
#ifndef PMDF_DISPATCH_H
#define PMDF_DISPATCH_H
#include <stddef.h>
#include <time.h>
#include "str.h"
#include "strlist.h"
#include "htab.h"
#include "evloop.h"
#include "mapping.h"
#include "maillog.h"

#define DISP_COMPONENT	"dispatcher"
#define DISP_SERVICE_SELF "DISPATCHER"	/* [SERVICE=DISPATCHER]: the dispatcher's own */

/* ---- DISPATCHER.CNF, as read (dispcnf.c) -------------------------------------- */

typedef struct DISP_PORT {
    int     port;
    int     tls;			/* from TLS_PORT: TLS at once */
} DISP_PORT;

typedef struct DISP_SERVICE {
    char   *name;			/* as written */
    char   *where;			/* "file:line" of its [SERVICE=] line */
    char   *image;			/* IMAGE, as written */
    char   *image_path;			/* ... and the program it names */
    char   *log_path;			/* LOGFILE's file, or NULL */
    STRLIST args;			/* PARAMETER as -name=value arguments */
    char   *channel;			/* CHANNEL= of PARAMETER, else tcp_local */
    STRLIST interfaces;			/* INTERFACE_ADDRESS ("*": all v4 and v6) */
    DISP_PORT *ports;
    size_t  nports;
    long    min_procs, max_procs, min_conns, max_conns;
    long    max_life_time, max_life_conns, max_idle_time;
    long    backlog, debug;
    long    max_client_conns;		/* 0: no limit */
    long    max_client_rate;		/* connections a minute; 0: no limit */
    char   *limit_text;			/* sent when a client limit refuses */
} DISP_SERVICE;

typedef struct DISP_CONFIG {
    char   *path;			/* the file read */
    char   *user;			/* USER, or NULL */
    char   *log_path;			/* [SERVICE=DISPATCHER] LOGFILE, or NULL */
    long    debug;
    long    max_shutdown;		/* seconds servers get to finish at stop */
    DISP_SERVICE *svc;
    size_t  nsvc;
} DISP_CONFIG;

int     dispcnf_read(const char *spec, DISP_CONFIG *cfg, STR *err);
void    dispcnf_free(DISP_CONFIG *cfg);

/* ---- the running dispatcher ------------------------------------------------ */

typedef struct DISPATCHER DISPATCHER;
typedef struct SERVER SERVER;
typedef struct CONN CONN;
typedef struct CLIENT CLIENT;

typedef struct SERVICE {		/* one [SERVICE=] of the configuration in use */
    DISPATCHER *d;
    const DISP_SERVICE *cf;
    int     demand;			/* a client waits and no server can take it */
    long    backoff_ms;			/* after servers that failed to start */
    long long next_start_ms;
} SERVICE;

typedef struct LISTENER {
    DISPATCHER *d;
    SERVICE *svc;
    int     fd;
    char   *addr;
    int     port;
    int     tls;
    int     watched;			/* accepting (else paused: no capacity) */
} LISTENER;

typedef struct CONN_INFO {		/* one accepted connection */
    const char *local;
    int     local_port;
    const char *peer;
    int     peer_port;
} CONN_INFO;

struct SERVER {
    DISPATCHER *d;
    SERVICE *svc;			/* NULL once retired */
    char   *service;			/* its service's name */
    char   *program;			/* its image's file name, for pmdf process */
    long    pid;
    int     chan;			/* -1 after end-of-file */
    int     ready;			/* READY received */
    int     exited;			/* reaped */
    int     term_sent;
    long    conns;			/* open now */
    long    total;			/* handed in all */
    long    lost;			/* open when its channel closed */
    long long started_ms, idle_ms;
    long long busy_until_ms;		/* its channel was full: passed over until then */
    CONN   *conn_list;
    SERVER *next;
};

struct CONN {
    long    id;
    SERVER *srv;
    CLIENT *cl;
    CONN   *prev, *next;
};

struct CLIENT {				/* one client address of one service */
    char   *key;			/* "service|address" */
    long    conns;
    double  tokens;			/* connection-rate bucket */
    long long last_ms;
};

struct DISPATCHER {
    EVLOOP *ev;
    DISP_CONFIG cfg;
    SERVICE *svc;
    size_t  nsvc;
    LISTENER **lis;
    size_t  nlis;
    SERVER *servers;
    HTAB   *conns;			/* id as text -> CONN */
    HTAB   *clients;			/* "service|address" -> CLIENT */
    MAPPINGS *maps;
    MAILLOG *log;
    long    next_id;
    time_t  started;
    long    reloads;
    STR     reload_status;
    int     stopping;
    int     status_dirty;
};

SERVER *pool_pick(SERVICE *svc);
int     pool_handoff(SERVER *s, int fd, const LISTENER *l, const CONN_INFO *ci, CLIENT *cl,
		             STR *err);
void    pool_retire(SERVER *s, const char *why);
void    pool_maintain(DISPATCHER *d);
void    pool_reap(DISPATCHER *d);
size_t  pool_count(const DISPATCHER *d, const SERVICE *svc, int ready_only);

int     policy_check(DISPATCHER *d, SERVICE *svc, const CONN_INFO *ci, CLIENT **cl,
		             STR *reply);
void    policy_release(DISPATCHER *d, CLIENT *cl);
void    policy_sweep(DISPATCHER *d);
void    policy_free(DISPATCHER *d);

void    listeners_update(SERVICE *svc);

#endif
