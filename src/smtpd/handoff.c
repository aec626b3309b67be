/*
 * NAME
 *	handoff - tcp_smtp_server's connections from the dispatcher
 * SYNOPSIS
 *	#include "smtpd.h"
 *
 *	int handoff_start(SMTPD *sd, int chan, STR *err);
 *	void handoff_after_turn(SMTPD *sd);
 *	int handoff_finished(const SMTPD *sd);
 *	void handoff_free(SMTPD *sd);
 * DESCRIPTION
 *	With -dispatcher=FD the server listens on nothing: FD is its channel
 *	to the dispatcher (fdpass.h), and the protocol is the one in
 *	src/dispatch/dispatch.h.  handoff_start() watches the channel and
 *	says READY; each "C id service channel tls local port peer port"
 *	message brings a connected socket, which becomes a session exactly
 *	as one accepted by a listener would (TLS at once when tls is 1).
 *	The channel named in the message is the dispatcher's view of
 *	PARAMETER=CHANNEL=...; the server's own -channel decides, and a
 *	difference is logged once.
 *
 *	When a session's socket closes (sd->on_close) its id is noted, and
 *	handoff_after_turn(), called after each turn of the event loop and
 *	the group commit, tells the dispatcher "D id id ..." so that it
 *	knows how many connections the server holds.
 *
 *	End-of-file on the channel (the dispatcher retires this server, or
 *	has gone) stops the intake; handoff_finished() is then 1 as soon as
 *	no session is open and no message waits for its commit, and the
 *	server exits 0.  Sessions are never cut short by retirement (SIGTERM
 *	still stops the server at once).
 * DIAGNOSTICS
 *	handoff_start() returns -1 with err when the channel cannot be
 *	watched or written.  Bad messages are logged and dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include "smtpd.h"
#include "fdpass.h"
#include "mem.h"
#include "msg.h"

#define HANDOFF_BATCH	64		/* messages taken per wake-up */
#define HANDOFF_DONE_MAX 900		/* bytes of ids in one D message */

typedef struct HANDOFF {
    int     chan;
    int     retiring;
    int     warned_channel;
    long   *ids;			/* by descriptor: the dispatcher's id, 0: none */
    size_t  nids;
    STR     done;			/* ids closed, not yet reported: " 12 13" */
    long    received;
} HANDOFF;

static void handoff_closed(SMTPD *sd, int fd)
{
    HANDOFF *h = sd->handoff;

    if (h == NULL || fd < 0 || (size_t) fd >= h->nids || h->ids[fd] == 0)
	return;
    str_catf(&h->done, " %ld", h->ids[fd]);
    h->ids[fd] = 0;
}

static void handoff_retire(SMTPD *sd, const char *why)
{
    HANDOFF *h = sd->handoff;

    if (h->retiring)
	return;
    h->retiring = 1;
    ev_unwatch(sd->ev, h->chan);
    msg_info("retiring (%s): finishing %ld open session%s, then exiting", why, sd->sessions,
	     sd->sessions == 1 ? "" : "s");
}

/* "C id service channel tls local-addr local-port peer-addr peer-port" */
static void handoff_connection(SMTPD *sd, char *msg, int fd)
{
    HANDOFF *h = sd->handoff;
    char   *f[9], *p = msg;
    int     n = 0;
    long    id;

    while (n < 9 && (f[n] = strtok(n == 0 ? p : NULL, " ")) != NULL)
	n++;
    if (n != 9 || strcmp(f[0], "C") != 0 || (id = strtol(f[1], NULL, 10)) <= 0) {
	msg_warn("dispatcher channel: malformed hand-off message; connection dropped");
	close(fd);
	return;
    }
    if (!h->warned_channel && strcmp(f[3], sd->channel) != 0) {
	msg_warn("the dispatcher names channel %s, this server runs as %s (-channel)", f[3],
		 sd->channel);
	h->warned_channel = 1;
    }
    if ((size_t) fd >= h->nids) {
	size_t  n2 = (size_t) fd * 2 + 16;

	h->ids = mem_realloc(h->ids, n2 * sizeof(*h->ids));
	memset(h->ids + h->nids, 0, (n2 - h->nids) * sizeof(*h->ids));
	h->nids = n2;
    }
    if (port_nonblock(fd) < 0) {
	msg_warn("connection %ld: cannot make the socket non-blocking: %s", id, strerror(errno));
	close(fd);
	str_catf(&h->done, " %ld", id);
	return;
    }
    h->ids[fd] = id;
    h->received++;
    session_new(sd, fd, f[7], atoi(f[8]), strcmp(f[4], "1") == 0);
}

static void handoff_on_channel(EVLOOP *ev, int fd, int events, void *ctx)
{
    SMTPD  *sd = ctx;
    HANDOFF *h = sd->handoff;
    char    buf[FDPASS_MAX_MSG + 1];
    long    n;
    int     i, xfd;

    (void) ev;
    (void) fd;
    (void) events;
    for (i = 0; i < HANDOFF_BATCH && !h->retiring; i++) {
	n = fdpass_recv(h->chan, &xfd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
	    break;
	if (n < 0 && errno == EMSGSIZE) {
	    msg_warn("dispatcher channel: oversized message dropped");
	    continue;
	}
	if (n <= 0) {
	    handoff_retire(sd, n == 0 ? "the dispatcher closed the channel"
			   : "the dispatcher channel failed");
	    break;
	}
	if (xfd < 0) {
	    msg_warn("dispatcher channel: message without a connection: \"%.40s\"", buf);
	    continue;
	}
	handoff_connection(sd, buf, xfd);
    }
}

int     handoff_start(SMTPD *sd, int chan, STR *err)
{
    HANDOFF *h = mem_calloc(1, sizeof(*h));
    STR     msg = STR_INIT;

    h->chan = chan;
    sd->handoff = h;
    sd->on_close = handoff_closed;
    if (ev_watch(sd->ev, chan, EV_READ, handoff_on_channel, sd) < 0) {
	str_printf(err, "-dispatcher=%d: not a usable channel: %s", chan, strerror(errno));
	return -1;
    }
    str_printf(&msg, "READY %ld", (long) getpid());
    if (fdpass_send(chan, -1, STR_C(msg), msg.len) < 0) {
	str_printf(err, "-dispatcher=%d: cannot write to the dispatcher: %s", chan,
		   strerror(errno));
	str_free(&msg);
	return -1;
    }
    str_free(&msg);
    msg_info("taking connections from the dispatcher (channel %s)", sd->channel);
    return 0;
}

void    handoff_after_turn(SMTPD *sd)
{
    HANDOFF *h = sd->handoff;
    STR     msg = STR_INIT;
    size_t  start = 0, end;

    if (h == NULL || h->done.len == 0)
	return;
    while (start < h->done.len) {
	/* Cut at a space so that each message holds whole ids. */
	end = start + HANDOFF_DONE_MAX;
	if (end >= h->done.len)
	    end = h->done.len;
	else
	    while (end > start + 1 && h->done.s[end] != ' ')
		end--;
	str_cpy(&msg, "D");
	str_catn(&msg, h->done.s + start, end - start);
	if (fdpass_send(h->chan, -1, STR_C(msg), msg.len) < 0) {
	    if (errno == EAGAIN)
		break;			/* next turn */
	    start = h->done.len;	/* the dispatcher is gone: nobody to tell */
	    break;
	}
	start = end;
    }
    if (start >= h->done.len)
	str_reset(&h->done);
    else {
	STR     rest = STR_INIT;

	str_cpyn(&rest, h->done.s + start, h->done.len - start);
	str_cpy(&h->done, STR_C(rest));
	str_free(&rest);
    }
    str_free(&msg);
}

int     handoff_finished(const SMTPD *sd)
{
    const HANDOFF *h = sd->handoff;

    return h != NULL && h->retiring && sd->sessions == 0 && sd->npending == 0;
}

void    handoff_free(SMTPD *sd)
{
    HANDOFF *h = sd->handoff;

    if (h == NULL)
	return;
    if (!h->retiring)
	ev_unwatch(sd->ev, h->chan);
    close(h->chan);
    msg_info("%ld connection%s taken from the dispatcher", h->received,
	     h->received == 1 ? "" : "s");
    free(h->ids);
    str_free(&h->done);
    free(h);
    sd->handoff = NULL;
    sd->on_close = NULL;
}
