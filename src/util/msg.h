/*
 * NAME
 *	msg - diagnostics for programs and libraries
 * SYNOPSIS
 *	#include "msg.h"
 *	void msg_progname(const char *name);
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
 */
#ifndef PMDF_MSG_H
#define PMDF_MSG_H

void msg_progname(const char *name);
const char *msg_get_progname(void);
void msg_info(const char *fmt, ...);
void msg_warn(const char *fmt, ...);
void msg_error(const char *fmt, ...);
void msg_fatal(const char *fmt, ...);
void msg_panic(const char *fmt, ...);
int msg_error_count(void);

#endif
