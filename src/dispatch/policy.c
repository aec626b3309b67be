/*
 * NAME
 *	policy - whether the dispatcher takes a connection: PORT_ACCESS and
 *	per-client limits
 * SYNOPSIS
 *	#include "dispatch.h"
 *
 *	int policy_check(DISPATCHER *d, SERVICE *svc, const CONN_INFO *ci,
 *			 CLIENT **cl, STR *reply);
 *	void policy_release(DISPATCHER *d, CLIENT *cl);
 *	void policy_sweep(DISPATCHER *d);
 *	void policy_free(DISPATCHER *d);
 * DESCRIPTION
 *	policy_check() runs on every accepted connection, before any server
 *	sees it:
 *
 *	1. The PORT_ACCESS mapping table (when the mapping file has one) with
 *	   the probe "TCP|server-address|server-port|client-address|client-port"
 *	   (addresses as text, IPv4-mapped IPv6 shown as IPv4).  $N or $F
 *	   refuses: the rest of the template's output is sent to the client
 *	   followed by CR LF (nothing when it is empty) and the connection is
 *	   closed, e.g. "$N500$ Not$ from$ here".  $< logs the output to the
 *	   dispatcher log; $T writes a connection entry to the mail log (X
 *	   refused, O accepted, with the probe as the From field and the
 *	   service's channel as the source).  An evaluation that fails (its
 *	   work bound) refuses with a temporary error: fail safe.
 *	2. Per client address of the service, beyond PMDF: at most
 *	   MAX_CLIENT_CONNS connections at once, and at most MAX_CLIENT_RATE
 *	   new connections a minute (a token bucket: a burst of that size,
 *	   refilled evenly over the minute).  A refused client is sent
 *	   LIMIT_TEXT.  Both are on by default (50 and 600) and 0 turns
 *	   either off.
 *	It returns 0 with *cl, the client's counter (counted until
 *	policy_release()), or 1 with the text to send in reply.  Every
 *	refusal is logged naming the client, the port and the reason.
 *
 *	policy_sweep() forgets clients with no connection whose bucket has
 *	refilled, so the table stays as small as the set of active clients.
 *	policy_free() releases the whole table (at exit).
 * DIAGNOSTICS
 *	Refusals go to the dispatcher log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dispatch.h"
#include "mem.h"
#include "msg.h"

#define POLICY_TABLE "PORT_ACCESS"

static void policy_maillog(DISPATCHER *d, SERVICE *svc, const char *code, const char *probe,
			   const char *text)
{
    MAILLOG_ENTRY e;
    STR     err = STR_INIT;

    if (d->log == NULL)
	return;
    memset(&e, 0, sizeof(e));
    e.src = svc->cf->channel;
    e.code = code;
    e.from = probe;
    e.info = text;
    if (maillog_write(d->log, &e, &err) < 0)
	msg_warn("%s", STR_C(err));
    str_free(&err);
}

/* 1 when PORT_ACCESS refuses (reply set), else 0. */
static int policy_port_access(DISPATCHER *d, SERVICE *svc, const CONN_INFO *ci, STR *reply)
{
    MAP_RESULT res = MAP_RESULT_INIT;
    STR     probe = STR_INIT, err = STR_INIT;
    int     refused = 0;

    if (d->maps == NULL || !mapping_has(d->maps, POLICY_TABLE))
	return 0;
    str_printf(&probe, "TCP|%s|%d|%s|%d", ci->local, ci->local_port, ci->peer, ci->peer_port);
    if (mapping_apply(d->maps, POLICY_TABLE, STR_C(probe), &res, &err) < 0) {
	msg_warn("refused [%s]:%d on port %d: PORT_ACCESS could not be evaluated (%s)",
		 ci->peer, ci->peer_port, ci->local_port, STR_C(err));
	str_cpy(reply, "421 4.3.0 Temporary access-check failure; try again later");
	refused = 1;
    } else {
	refused = res.kind == MAP_DENY;
	if (res.log)
	    msg_info("PORT_ACCESS %s: %s", STR_C(probe), STR_C(res.text));
	if (res.log_connection)
	    policy_maillog(d, svc, refused ? "X" : "O", STR_C(probe), STR_C(res.text));
	if (refused) {
	    str_cpy(reply, STR_C(res.text));
	    msg_info("refused [%s]:%d on port %d (%s): PORT_ACCESS: %s", ci->peer,
		     ci->peer_port, ci->local_port, svc->cf->name,
		     res.text.len ? STR_C(res.text) : "(no text)");
	}
    }
    map_result_free(&res);
    str_free(&probe);
    str_free(&err);
    return refused;
}

static CLIENT *policy_client(DISPATCHER *d, SERVICE *svc, const char *addr, long long now)
{
    STR     key = STR_INIT;
    CLIENT *cl;

    str_printf(&key, "%s|%s", svc->cf->name, addr);
    if ((cl = htab_find(d->clients, STR_C(key))) == NULL) {
	cl = mem_calloc(1, sizeof(*cl));
	cl->key = mem_strdup(STR_C(key));
	cl->tokens = (double) svc->cf->max_client_rate;
	cl->last_ms = now;
	htab_enter(d->clients, cl->key, cl);
    }
    str_free(&key);
    return cl;
}

int     policy_check(DISPATCHER *d, SERVICE *svc, const CONN_INFO *ci, CLIENT **clp,
		             STR *reply)
{
    const DISP_SERVICE *cf = svc->cf;
    long long now = ev_now_ms();
    CLIENT *cl;

    *clp = NULL;
    str_reset(reply);
    if (policy_port_access(d, svc, ci, reply))
	return 1;
    cl = policy_client(d, svc, ci->peer, now);
    if (cf->max_client_rate > 0) {
	double  rate = (double) cf->max_client_rate;

	cl->tokens += rate * (double) (now - cl->last_ms) / 60000.0;
	if (cl->tokens > rate)
	    cl->tokens = rate;
	cl->last_ms = now;
	if (cl->tokens < 1.0) {
	    msg_info("refused [%s]:%d on port %d (%s): more than MAX_CLIENT_RATE=%ld"
		     " connections a minute from this address", ci->peer, ci->peer_port,
		     ci->local_port, cf->name, cf->max_client_rate);
	    str_cpy(reply, cf->limit_text);
	    return 1;
	}
    }
    if (cf->max_client_conns > 0 && cl->conns >= cf->max_client_conns) {
	msg_info("refused [%s]:%d on port %d (%s): already MAX_CLIENT_CONNS=%ld connections"
		 " from this address", ci->peer, ci->peer_port, ci->local_port, cf->name,
		 cf->max_client_conns);
	str_cpy(reply, cf->limit_text);
	return 1;
    }
    if (cf->max_client_rate > 0)
	cl->tokens -= 1.0;
    cl->conns++;
    *clp = cl;
    return 0;
}

void    policy_release(DISPATCHER *d, CLIENT *cl)
{
    (void) d;
    if (cl != NULL && cl->conns > 0)
	cl->conns--;
}

static void policy_free_client(void *p)
{
    CLIENT *cl = p;

    free(cl->key);
    free(cl);
}

void    policy_free(DISPATCHER *d)
{
    htab_free(d->clients, policy_free_client);
    d->clients = NULL;
}

void    policy_sweep(DISPATCHER *d)
{
    char  **keys = htab_keys(d->clients);
    long long now = ev_now_ms();
    size_t  i;

    for (i = 0; keys[i]; i++) {
	CLIENT *cl = htab_find(d->clients, keys[i]);

	/* Idle for two minutes: its bucket is full again whatever the rate. */
	if (cl->conns == 0 && now - cl->last_ms > 120000) {
	    htab_remove(d->clients, keys[i]);
	    policy_free_client(cl);
	}
    }
    free(keys);
}
