/*
 * NAME
 *	t_dsn - delivery status notifications: who gets one, what it holds
 * DESCRIPTION
 *	dsn_wanted() against RFC 3461's NOTIFY rules for every action and
 *	the null sender; dsn_compose() for a failed and a delayed recipient:
 *	the header (From postmaster, To, Subject, Auto-Submitted,
 *	multipart/report with report-type=delivery-status and its
 *	boundary), the three parts in order, every per-message and
 *	per-recipient field of the delivery-status part, the original as
 *	message/rfc822 or, with RET=HDRS, its header section alone as
 *	text/rfc822-headers; and a reply text carrying CR LF cannot add a
 *	header line.  Pure functions: no files.
 */
#include <stdio.h>
#include <string.h>
#include "dsn.h"
#include "queue.h"
#include "str.h"
#include "tap.h"

static const char ORIG[] = "Subject: hello\r\nMessage-ID: <m1@client.example>\r\n\r\n"
    "the body\r\nsecond line\r\n";

/* The text between "--boundary\r\n" number n (1-based) and the next. */
static void part(const char *msg, const char *boundary, int n, STR *out)
{
    STR     delim = STR_INIT;
    const char *p = msg, *end;
    int     i;

    str_reset(out);
    str_printf(&delim, "\r\n--%s", boundary);
    for (i = 0; i < n && p; i++)
	if ((p = strstr(p, STR_C(delim))) != NULL)
	    p += delim.len + 2;
    if (p && (end = strstr(p, STR_C(delim))) != NULL)
	str_catn(out, p, (size_t) (end - p));
    str_free(&delim);
}

static int has_line(const char *text, const char *line)
{
    STR     l = STR_INIT;
    int     found;

    str_printf(&l, "\r\n%s\r\n", line);
    found = strstr(text, STR_C(l)) != NULL || strncmp(text, STR_C(l) + 2, l.len - 2) == 0;
    str_free(&l);
    return found;
}

static void test_wanted(void)
{
    tap_ok(dsn_wanted("a@b", 0, DSN_FAILED), "no NOTIFY: failure reported");
    tap_ok(!dsn_wanted("a@b", 0, DSN_DELAYED), "no NOTIFY: no delay notice (only on request)");
    tap_ok(!dsn_wanted("a@b", 0, DSN_DELIVERED), "no NOTIFY: no success notice");
    tap_ok(!dsn_wanted("a@b", QUEUE_NOTIFY_NEVER, DSN_FAILED), "NEVER: nothing");
    tap_ok(!dsn_wanted("a@b", QUEUE_NOTIFY_SUCCESS, DSN_FAILED),
	   "NOTIFY=SUCCESS without FAILURE: no failure notice");
    tap_ok(dsn_wanted("a@b", QUEUE_NOTIFY_SUCCESS, DSN_DELIVERED), "SUCCESS: delivered");
    tap_ok(dsn_wanted("a@b", QUEUE_NOTIFY_SUCCESS, DSN_RELAYED), "SUCCESS: relayed");
    tap_ok(dsn_wanted("a@b", QUEUE_NOTIFY_DELAY | QUEUE_NOTIFY_FAILURE, DSN_DELAYED),
	   "DELAY: delayed");
    tap_ok(dsn_wanted("a@b", QUEUE_NOTIFY_DELAY | QUEUE_NOTIFY_FAILURE, DSN_FAILED),
	   "FAILURE,DELAY: failed");
    tap_ok(!dsn_wanted("", 0, DSN_FAILED), "null sender: never");
    tap_ok(!dsn_wanted("", QUEUE_NOTIFY_FAILURE, DSN_FAILED), "null sender, even with FAILURE");
}

static void compose(int ret, STR *out)
{
    DSN_RCPT r[2];
    DSN_MSG d;

    memset(r, 0, sizeof(r));
    memset(&d, 0, sizeof(d));
    r[0].addr = "bob@remote.example";
    r[0].orcpt = "rfc822;Bob@Remote.Example";
    r[0].action = DSN_FAILED;
    r[0].status = "5.1.1";
    r[0].diag = "550 5.1.1 <bob@remote.example>: unknown\r\nX-Injected: yes";
    r[0].diag_smtp = 1;
    r[0].remote_mta = "mx.remote.example";
    r[0].last_attempt = 1700000100;
    r[1].addr = "carol@remote.example";
    r[1].orcpt = "";
    r[1].action = DSN_DELAYED;
    r[1].status = "4.4.1";
    r[1].diag = "connect to 192.0.2.1 port 25: Connection refused";
    r[1].last_attempt = 1700000100;
    r[1].retry_until = 1700999999;
    d.host = "mail.example.com";
    d.to = "sender@example.org";
    d.envid = "QQ+1 x";
    d.arrival = 1700000000;
    d.ret = ret;
    d.body = ORIG;
    d.body_len = sizeof(ORIG) - 1;
    d.rcpt = r;
    d.nrcpt = 2;
    d.now = 1700000200;
    d.msgid = "<dsn1@mail.example.com>";
    d.boundary = "b0und/mail.example.com";
    dsn_compose(&d, out);
}

static void test_compose(void)
{
    STR     m = STR_INIT, p = STR_INIT;
    const char *b = "b0und/mail.example.com";

    compose(QUEUE_RET_FULL, &m);
    tap_ok(has_line(STR_C(m), "From: Mail Delivery System <postmaster@mail.example.com>"),
	   "From: postmaster of the local host");
    tap_ok(has_line(STR_C(m), "To: <sender@example.org>"), "To: the original sender");
    tap_ok(has_line(STR_C(m), "Subject: Undelivered Mail Returned to Sender"),
	   "Subject after the gravest action (failed)");
    tap_ok(has_line(STR_C(m), "Auto-Submitted: auto-replied"), "Auto-Submitted (RFC 3834)");
    tap_ok(has_line(STR_C(m), "Message-ID: <dsn1@mail.example.com>"), "Message-ID");
    tap_ok(has_line(STR_C(m), "Date: Tue, 14 Nov 2023 22:16:40 +0000"), "Date");
    tap_ok(strstr(STR_C(m), "Content-Type: multipart/report; report-type=delivery-status;\r\n"
		  "\tboundary=\"b0und/mail.example.com\"\r\n") != NULL,
	   "multipart/report; report-type=delivery-status with the boundary");
    tap_ok(strstr(STR_C(m), "\r\n--b0und/mail.example.com--\r\n") != NULL, "closing boundary");
    tap_ok(strstr(STR_C(m), "\r\nX-Injected") == NULL, "a CR LF in a reply adds no line");

    part(STR_C(m), b, 1, &p);
    tap_ok(strncmp(STR_C(p), "Content-Type: text/plain", 24) == 0, "part 1 is text/plain");
    tap_ok(strstr(STR_C(p), "<bob@remote.example>: failed: host mx.remote.example said: 550")
	   != NULL, "it names the recipient, the host and the reply");

    part(STR_C(m), b, 2, &p);
    tap_ok(strncmp(STR_C(p), "Content-Type: message/delivery-status\r\n", 39) == 0,
	   "part 2 is message/delivery-status");
    tap_ok(has_line(STR_C(p), "Reporting-MTA: dns; mail.example.com"), "Reporting-MTA");
    tap_ok(has_line(STR_C(p), "Original-Envelope-Id: QQ+2B1+20x"),
	   "Original-Envelope-Id, xtext-encoded");
    tap_ok(has_line(STR_C(p), "Arrival-Date: Tue, 14 Nov 2023 22:13:20 +0000"), "Arrival-Date");
    tap_ok(has_line(STR_C(p), "Original-Recipient: rfc822;Bob@Remote.Example"),
	   "Original-Recipient from ORCPT");
    tap_ok(has_line(STR_C(p), "Final-Recipient: rfc822;bob@remote.example"), "Final-Recipient");
    tap_ok(has_line(STR_C(p), "Action: failed"), "Action: failed");
    tap_ok(has_line(STR_C(p), "Status: 5.1.1"), "Status");
    tap_ok(has_line(STR_C(p), "Remote-MTA: dns; mx.remote.example"), "Remote-MTA");
    tap_ok(has_line(STR_C(p), "Diagnostic-Code: smtp; 550 5.1.1 <bob@remote.example>: unknown"
		    "  X-Injected: yes"), "Diagnostic-Code: smtp; the reply, on one line");
    tap_ok(has_line(STR_C(p), "Last-Attempt-Date: Tue, 14 Nov 2023 22:15:00 +0000"),
	   "Last-Attempt-Date");
    tap_ok(has_line(STR_C(p), "Final-Recipient: rfc822;carol@remote.example")
	   && has_line(STR_C(p), "Action: delayed") && has_line(STR_C(p), "Status: 4.4.1"),
	   "the delayed recipient's fields");
    tap_ok(has_line(STR_C(p), "Diagnostic-Code: x-pmdf; connect to 192.0.2.1 port 25:"
		    " Connection refused"), "a local reason is x-pmdf");
    tap_ok(strstr(STR_C(p), "Will-Retry-Until: ") != NULL, "Will-Retry-Until for delayed");
    tap_ok(strstr(STR_C(p), "Original-Recipient: rfc822;carol") == NULL,
	   "no Original-Recipient without ORCPT");

    part(STR_C(m), b, 3, &p);
    tap_ok(strncmp(STR_C(p), "Content-Type: message/rfc822\r\n", 30) == 0,
	   "part 3 is message/rfc822 by default");
    tap_ok(strstr(STR_C(p), ORIG) != NULL, "holding the whole original");

    compose(QUEUE_RET_HDRS, &m);
    part(STR_C(m), b, 3, &p);
    tap_ok(strncmp(STR_C(p), "Content-Type: text/rfc822-headers\r\n", 35) == 0,
	   "RET=HDRS: text/rfc822-headers");
    tap_ok(strstr(STR_C(p), "Message-ID: <m1@client.example>") != NULL
	   && strstr(STR_C(p), "the body") == NULL, "the header section only");
    str_free(&m);
    str_free(&p);
}

static void test_from_message(void)
{
    QMESSAGE m;
    DSN_MSG d, d2;
    STR     id = STR_INIT, b = STR_INIT, id2 = STR_INIT, b2 = STR_INIT;
    const char *p;
    size_t  n;

    queue_message_init(&m);
    str_cpy(&m.env.from, "sender@example.org");
    str_cpy(&m.env.envid, "E1");
    m.env.created = 1700000000;
    m.env.ret = QUEUE_RET_HDRS;
    m.body = "Subject: x\r\n\r\nbody\r\n";
    m.body_len = strlen(m.body);
    dsn_from_message(&d, &m, "mail.example.com", 1700000100, &id, &b);
    tap_ok(strcmp(d.to, "sender@example.org") == 0 && strcmp(d.envid, "E1") == 0
	   && d.arrival == 1700000000 && d.ret == QUEUE_RET_HDRS && d.now == 1700000100
	   && d.body == m.body && d.body_len == m.body_len, "from the message: to, envid, arrival, ret, body");
    tap_ok(d.rcpt == NULL && d.nrcpt == 0, "recipients left to the caller");
    n = strspn(d.boundary, "0123456789abcdef");
    tap_ok(n == 24 && strcmp(d.boundary + n, "/mail.example.com") == 0,
	   "boundary: 96 random bits in hex, then /host");
    p = d.msgid;
    tap_ok(p[0] == '<' && strncmp(p + 1, d.boundary, 24) == 0
	   && strcmp(p + 25, ".dsn@mail.example.com>") == 0, "Message-ID <random.dsn@host>");
    dsn_from_message(&d2, &m, "mail.example.com", 1700000100, &id2, &b2);
    tap_ok(strcmp(d.boundary, d2.boundary) != 0 && strcmp(d.msgid, d2.msgid) != 0,
	   "two notifications get different boundaries and Message-IDs");
    str_free(&id);
    str_free(&b);
    str_free(&id2);
    str_free(&b2);
    str_free(&m.env.from);
    str_free(&m.env.envid);
}

int     main(void)
{
    test_wanted();
    test_compose();
    test_from_message();
    return tap_done();
}
