/*
 * NAME
 *	msg - diagnostics for programs and libraries
 * SYNOPSIS
 *	#include "msg.h"
 *	void msg_progname(const char *name);
 *	void msg_timestamps(int on);
 *	void msg_info(const char *fmt, ...);
 *	void msg_warn(const char *fmt, ...);
 *	void msg_error(const char *fmt, ...);
 *	void msg_fatal(const char *fmt, ...);	(exit status 1, does not return)
 *	void msg_panic(const char *fmt, ...);	(internal bug: abort(), does not return)
 *	int msg_error_count(void);
 * DESCRIPTION
 *	Every message goes to standard error as "progname: severity: text".
 *	msg_error() reports a problem the program recovers from but that must
 *	make it exit non-zero in the end; msg_error_count() tells how many.
 *	msg_timestamps(1) starts every message with the local date and
 *	time as the mail log writes them ("24-Nov-2026 22:10:05.23 "), for
 *	programs whose standard error is a log file (the dispatcher and its
 *	servers).
 */
#ifndef PMDF_MSG_H
#define PMDF_MSG_H

void msg_progname(const char *name);
void msg_timestamps(int on);
const char *msg_get_progname(void);
void msg_info(const char *fmt, ...);
void msg_warn(const char *fmt, ...);
void msg_error(const char *fmt, ...);
void msg_fatal(const char *fmt, ...);
void msg_panic(const char *fmt, ...);
int msg_error_count(void);

#endif
