/*
 * NAME
 *	smtpd - tcp_smtp_server: the SMTP server's shared state
 * DESCRIPTION
 *	One process serves many sessions from one event loop (evloop.h).
 *	smtpd.c owns the process: configuration, listeners, the loop and the
 *	group commit of queued messages; session.c owns one client
 *	connection's protocol; handoff.c takes connections from the
 *	dispatcher instead of a listening socket (-dispatcher=FD).  Data
 *	moves one way: socket -> session -> queue; a session never calls
 *	back into the listener (on_close only tells the hand-off code that
 *	a connection has ended, so the dispatcher can count).
 */
#ifndef PMDF_SMTPD_H
#define PMDF_SMTPD_H
#include "str.h"
#include "strlist.h"
#include "config.h"
#include "rewrite.h"
#include "passdb.h"
#include "evloop.h"
#include "tlsio.h"
#include "maillog.h"
#include "queue.h"
#include "qcache.h"

typedef struct SESSION SESSION;

typedef struct SMTPD_LIMITS {
    long    max_message;		/* bytes (SIZE); MAX_MESSAGE_SIZE */
    long    max_recipients;		/* per message; MAX_RECIPIENTS */
    long    max_command_line;		/* bytes; MAX_COMMAND_LINE */
    long    max_data_line;		/* bytes; MAX_DATA_LINE */
    long    max_header;			/* bytes of header section; MAX_HEADER_SIZE */
    long    max_received;		/* Received: lines (loop cut); MAX_RECEIVED_LINES */
    long    max_errors;			/* before disconnect; MAX_ERRORS */
    long    max_commands;		/* per session; MAX_COMMANDS */
    long    max_auth_failures;		/* then 421; MAX_AUTH_FAILURES */
    long    auth_failure_delay_ms;	/* slow down failed AUTH; AUTH_FAILURE_DELAY */
    long    command_timeout_ms;		/* COMMAND_TIMEOUT (seconds) */
    long    data_timeout_ms;		/* DATA_TIMEOUT (seconds) */
} SMTPD_LIMITS;

typedef struct SMTPD SMTPD;

struct SMTPD {
    CONFIG  cfg;
    REWRITER *rw;
    DICT   *passdb;			/* NULL when there is none */
    DICT   *general;
    EVLOOP *ev;
    TLS_SERVER *tls;			/* NULL when no certificate is configured */
    MAILLOG *log;
    const char *hostname;		/* official name of the local channel */
    const char *channel;		/* the listener's source channel */
    SMTPD_LIMITS lim;
    int     log_connections;
    long    sessions;			/* open now */
    SESSION *session_list;		/* every open session (for shutdown) */
    void  **listeners;			/* LISTENER * (smtpd.c) */
    size_t  nlisteners;
    long    accepted;			/* messages queued in all */
    /* Group commit: messages finished, waiting for one directory sync. */
    QMSG_W **pending;
    SESSION **pending_session;
    size_t  npending, cap_pending;
    /* Connections from the dispatcher (handoff.c), or NULL. */
    struct HANDOFF *handoff;
    void    (*on_close) (SMTPD *sd, int fd);	/* a session's socket is closing */
};

SESSION *session_new(SMTPD *sd, int fd, const char *client_addr, int client_port,
		     int implicit_tls);
void session_committed(SESSION *s, int ok, const char *why);
void session_commit_add(SMTPD *sd, SESSION *s, QMSG_W *w);
void session_close_all(SMTPD *sd);
void session_cache_rec(const SESSION *s, const QMSG_W *w, QCACHE_REC *r);

int handoff_start(SMTPD *sd, int chan, STR *err);
void handoff_after_turn(SMTPD *sd);
int handoff_finished(const SMTPD *sd);
void handoff_free(SMTPD *sd);

#endif
