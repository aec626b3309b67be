/*
 * NAME
 *	dsn - delivery status notifications (RFC 3461, 3464)
 * SYNOPSIS
 *	#include "dsn.h"
 *
 *	int dsn_wanted(const char *from, unsigned notify, int action);
 *	void dsn_from_message(DSN_MSG *d, const QMESSAGE *m, const char *host,
 *			      int64_t now, STR *msgid, STR *boundary);
 *	void dsn_compose(const DSN_MSG *d, STR *out);
 *	const char *dsn_action_name(int action);
 * DESCRIPTION
 *	dsn_wanted() applies RFC 3461's NOTIFY rules to one recipient: no
 *	notification at all to the null sender <> (so a notification is
 *	never answered by another one); NEVER: none; failed: unless NOTIFY
 *	was given without FAILURE; delayed: only with DELAY; delivered and
 *	relayed: only with SUCCESS.  notify is queue.h's QUEUE_NOTIFY_* bits
 *	(0 when the client gave no NOTIFY).
 *
 *	dsn_compose() writes a whole notification message (header and body,
 *	CRLF line ends) into out, replacing what was there:
 *
 *	  From: Mail Delivery System <postmaster@HOST>
 *	  To: <the original envelope sender>
 *	  Subject: Undelivered Mail Returned to Sender (or "Delayed Mail
 *		(still being retried)", "Successful Mail Delivery Report",
 *		after the gravest action: failed, delayed, delivered/relayed)
 *	  Date, Message-ID (d->msgid), MIME-Version: 1.0,
 *	  Auto-Submitted: auto-replied (RFC 3834),
 *	  Content-Type: multipart/report; report-type=delivery-status;
 *		boundary="..."
 *
 *	The From address is postmaster at the official local host name, as
 *	PMDF's notifications come from postmaster; the display name is the
 *	one Postfix made familiar.  A reply reaches postmaster through the
 *	aliases.  The parts (RFC 3464):
 *	1. text/plain: what happened, one line per recipient with the reason.
 *	2. message/delivery-status: Reporting-MTA: dns; HOST,
 *	   Original-Envelope-Id (the ENVID, xtext as RFC 3461 sends it) when
 *	   there was one, Arrival-Date; then per recipient Original-Recipient
 *	   (from ORCPT) when given, Final-Recipient: rfc822;ADDRESS, Action,
 *	   Status, Remote-MTA: dns; HOST when a remote server answered,
 *	   Diagnostic-Code: smtp; REPLY (an SMTP reply) or x-pmdf; TEXT (a
 *	   local reason), Last-Attempt-Date when an attempt was made,
 *	   Will-Retry-Until for delayed recipients.
 *	3. the original: message/rfc822 (the whole message) unless RET=HDRS
 *	   was asked, then text/rfc822-headers (its header section only).
 *	   An original with 8-bit bytes makes its part
 *	   Content-Transfer-Encoding: 8bit.
 *	Field values are cleaned: CR, LF and other control characters become
 *	spaces, so no reply text can add a header line.
 *
 *	dsn_from_message() fills every field of d but rcpt and nrcpt for a
 *	notification about the queued message m: to, envid, arrival, ret and
 *	the original from m; host and now as given; a new Message-ID
 *	"<random.dsn@host>" in msgid and a random boundary that does not
 *	occur in the original in boundary (d points into both, which the
 *	caller frees after dsn_compose()).
 *
 *	The envelope of the notification (From <>, the recipient) and its
 *	queueing are the caller's (pmdf_deliver): the envelope From is
 *	always <>, so a notification that fails is not returned again.
 */
#ifndef PMDF_DSN_H
#define PMDF_DSN_H
#include <stddef.h>
#include <stdint.h>
#include "str.h"
#include "queue.h"

#define DSN_FAILED	1
#define DSN_DELAYED	2
#define DSN_DELIVERED	3
#define DSN_RELAYED	4
#define DSN_EXPANDED	5	/* a local alias: its addresses queued (RFC 3464 2.3.3) */

typedef struct DSN_RCPT {
    const char *addr;		/* Final-Recipient */
    const char *orcpt;		/* "rfc822;addr" (ORCPT, decoded) or "" */
    int     action;		/* DSN_* */
    const char *status;		/* "5.1.1" */
    const char *diag;		/* reason; NULL or "" when none */
    int     diag_smtp;		/* diag is an SMTP reply */
    const char *remote_mta;	/* NULL when none */
    int64_t last_attempt;	/* 0: none */
    int64_t retry_until;	/* delayed: when it will be returned; 0: none */
} DSN_RCPT;

typedef struct DSN_MSG {
    const char *host;		/* the official local host name */
    const char *to;		/* the original envelope From */
    const char *envid;		/* "" when none */
    int64_t arrival;
    int     ret;		/* QUEUE_RET_* */
    const char *body;		/* the original message */
    size_t  body_len;
    const DSN_RCPT *rcpt;
    size_t  nrcpt;
    int64_t now;
    const char *msgid;		/* "<...>" */
    const char *boundary;	/* unique: not in the original */
} DSN_MSG;

int dsn_wanted(const char *from, unsigned notify, int action);
void dsn_from_message(DSN_MSG *d, const QMESSAGE *m, const char *host, int64_t now,
		      STR *msgid, STR *boundary);
void dsn_compose(const DSN_MSG *d, STR *out);
const char *dsn_action_name(int action);

#endif
