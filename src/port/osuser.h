/*
 * NAME
 *	osuser - who is running this program, and may they administer a file
 * SYNOPSIS
 *	#include "osuser.h"
 *	int os_user_name(STR *name, STR *err);
 *	int os_may_administer(const char *path);
 *	int tty_read_secret(const char *prompt, int confirm, STR *out, STR *err);
 *	int os_process_alive(unsigned long pid);
 *	void os_sleep_ms(long ms);
 * DESCRIPTION
 *	os_user_name() gives the login name of the effective user.
 *	os_may_administer() is 1 when the caller is privileged for path: the
 *	superuser, or the owner of path (of its directory when path does not
 *	exist yet).
 *	tty_read_secret() reads a secret: on a terminal it writes prompt,
 *	turns echo off, reads a line, turns echo back on (and when confirm is
 *	set asks again with "Verification: " and insists both agree);
 *	otherwise it reads one line from standard input, for scripts.  The
 *	line terminator is removed; at most 1023 bytes are accepted.
 *	os_process_alive() is 1 while a process with that identifier exists
 *	(even one this user may not signal), 0 once it has gone: how a
 *	shared database finds the processes that died holding its locks.
 *	os_sleep_ms() waits that many milliseconds (a retry's back-off).
 * DIAGNOSTICS
 *	-1 with err: no such user, end of input, a line too long, the two
 *	entries differ.
 */
#ifndef PMDF_OSUSER_H
#define PMDF_OSUSER_H
#include "str.h"

#define TTY_SECRET_MAX 1023

int os_user_name(STR *name, STR *err);
int os_may_administer(const char *path);
int tty_read_secret(const char *prompt, int confirm, STR *out, STR *err);
int os_process_alive(unsigned long pid);
void os_sleep_ms(long ms);

#endif
