/*
 * NAME
 *	maillog - PMDF_LOG:mail.log_current, with PMDF's entry codes
 * SYNOPSIS
 *	#include "maillog.h"
 *
 *	MAILLOG *maillog_open(STR *err);
 *	int maillog_write(MAILLOG *log, const MAILLOG_ENTRY *e, STR *err);
 *	void maillog_close(MAILLOG *log);
 *	const char *maillog_code(char base, int tls, int sasl);
 * DESCRIPTION
 *	One line per event, appended with a single write() to a file opened
 *	with O_APPEND, so lines from many processes never interleave:
 *
 *	  24-Nov-2026 22:10:05.23 tcp_local l E 2 from@a.example rfc822;to@b to@b <id> info
 *
 *	date and time (local time, hundredths), source channel, destination
 *	channel ("+" for connection entries), the code, the size in blocks of
 *	1024 bytes (rounded up), the envelope From, the original recipient
 *	("rfc822;..."), the recipient, the Message-ID, and free text.  An
 *	empty field is written as "" so every line has the same columns.
 *	Codes as PMDF: E enqueued (ES with TLS, EA with SASL, ESA both), D
 *	dequeued (DS, DA, DSA), R rejected/returned, J enqueue rejected, Q
 *	temporary failure, W warning, Z partial, and O, C, X for connections
 *	opened, closed and refused.  maillog_code() builds E/ES/EA/ESA or
 *	D/DS/DA/DSA.  Control characters and white space inside a field are
 *	written as "_" so a client cannot forge a line.
 *
 *	The file is PMDF_LOG:mail.log_current, created mode 0640.
 */
#ifndef PMDF_MAILLOG_H
#define PMDF_MAILLOG_H
#include "str.h"

typedef struct MAILLOG MAILLOG;

typedef struct MAILLOG_ENTRY {
    const char *src;		/* source channel */
    const char *dst;		/* destination channel, or NULL ("+") */
    const char *code;
    long    size;		/* bytes */
    const char *from;
    const char *orcpt;
    const char *to;
    const char *msgid;
    const char *info;		/* free text: may hold spaces */
} MAILLOG_ENTRY;

MAILLOG *maillog_open(STR *err);
int maillog_write(MAILLOG *log, const MAILLOG_ENTRY *e, STR *err);
void maillog_close(MAILLOG *log);
const char *maillog_code(char base, int tls, int sasl);

#endif
