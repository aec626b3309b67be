/*
 * NAME
 *	smtpin - strict reader of an SMTP session's input
 * SYNOPSIS
 *	#include "smtpin.h"
 *
 *	SMTPIN *smtpin_new(size_t max_command);
 *	void smtpin_free(SMTPIN *in);
 *	void smtpin_feed(SMTPIN *in, const void *buf, size_t len);
 *	size_t smtpin_pending(const SMTPIN *in);
 *	void smtpin_discard(SMTPIN *in);
 *
 *	int smtpin_command(SMTPIN *in, STR *line);
 *
 *	void smtpin_data_begin(SMTPIN *in, size_t max_size, size_t max_line);
 *	int smtpin_data(SMTPIN *in, STR *out, unsigned *flags);
 *	int smtpin_bdat(SMTPIN *in, size_t *remaining, STR *out);
 * DESCRIPTION
 *	The SMTP server feeds every byte it receives to smtpin_feed() and
 *	takes complete units out, so the protocol logic never sees partial
 *	lines and the same bytes give the same result however the network
 *	splits them.
 *
 *	smtpin_command() returns SMTPIN_LINE with the next command line
 *	(without its CRLF), SMTPIN_NEED when no complete line is buffered,
 *	SMTPIN_BARE when the line held a bare LF or a bare CR (the line is
 *	consumed; it must be refused, never executed: "MAIL FROM:<a>\nRCPT
 *	TO:<b>\r\n" is one bad line, not two commands), SMTPIN_NUL for a NUL
 *	byte, and SMTPIN_TOOLONG when a line exceeds max_command bytes (the
 *	rest of it, up to its CRLF, is skipped).  Only CR LF ends a line.
 *
 *	smtpin_data() reads the text of DATA (RFC 5321 4.1.1.4): it appends
 *	the message, dot-unstuffed, with CRLF line ends, to out, and returns
 *	SMTPIN_NEED when it has used all buffered input, or SMTPIN_END after
 *	the terminating CR LF "." CR LF (the bytes after it stay buffered:
 *	they are the next pipelined command).  The end of data is recognised
 *	in exactly one form: a line consisting of "." alone, preceded and
 *	followed by CR LF (the CR LF ending the DATA command counts as the
 *	first).  LF "." LF, LF "." CR LF, CR "." CR, CR "." LF, CR LF "." LF,
 *	NUL "." and every other near miss are message content, so no second
 *	message can be smuggled past a filter that reads them differently
 *	(CVE-2023-51764..6).  Such content sets flags, and the server rejects
 *	the whole message (the choice here: reject, not normalise, and say so
 *	in the reply):
 *	    SMTPIN_F_BARE_LF	an LF not preceded by CR
 *	    SMTPIN_F_BARE_CR	a CR not followed by LF
 *	    SMTPIN_F_NUL	a NUL byte
 *	    SMTPIN_F_TOO_BIG	more than max_size bytes (the rest is skipped)
 *	    SMTPIN_F_LONG_LINE	a line longer than max_line bytes
 *	The bytes still go to out (up to max_size), so a rejected message can
 *	be logged; a message with flags is never queued.
 *
 *	smtpin_bdat() takes up to *remaining raw bytes of a BDAT chunk (RFC
 *	3030: no dot-stuffing, no end marker) and returns SMTPIN_END when the
 *	chunk is complete.
 *
 *	smtpin_pending() says how many bytes are buffered and not yet taken;
 *	smtpin_discard() throws them away: after the 220 reply to STARTTLS
 *	anything the client sent in plain text must be discarded, not read
 *	as the first command of the TLS session (CVE-2011-0411).
 */
#ifndef PMDF_SMTPIN_H
#define PMDF_SMTPIN_H
#include <stddef.h>
#include "str.h"

#define SMTPIN_NEED	0
#define SMTPIN_LINE	1
#define SMTPIN_END	2
#define SMTPIN_BARE	(-1)
#define SMTPIN_NUL	(-2)
#define SMTPIN_TOOLONG	(-3)

#define SMTPIN_F_BARE_LF	0x01u
#define SMTPIN_F_BARE_CR	0x02u
#define SMTPIN_F_NUL		0x04u
#define SMTPIN_F_TOO_BIG	0x08u
#define SMTPIN_F_LONG_LINE	0x10u

typedef struct SMTPIN SMTPIN;

SMTPIN *smtpin_new(size_t max_command);
void smtpin_free(SMTPIN *in);
void smtpin_feed(SMTPIN *in, const void *buf, size_t len);
size_t smtpin_pending(const SMTPIN *in);
void smtpin_discard(SMTPIN *in);
int smtpin_command(SMTPIN *in, STR *line);
void smtpin_data_begin(SMTPIN *in, size_t max_size, size_t max_line);
int smtpin_data(SMTPIN *in, STR *out, unsigned *flags);
int smtpin_bdat(SMTPIN *in, size_t *remaining, STR *out);

#endif
