/*
 * NAME
 *	tap - the one TAP emitter for the C unit tests
 * SYNOPSIS
 *	#include "tap.h"
 *	tap_plan(n);  (or nothing, and tap_done() prints the plan at the end)
 *	tap_ok(cond, "name %d", ...);
 *	tap_is_str(got, expected, "name");
 *	tap_is_int(got, expected, "name");
 *	tap_skip(count, "reason");
 *	tap_diag("note %s", ...);
 *	return tap_done();
 * DESCRIPTION
 *	Emits the Test Anything Protocol (version 12) on standard output, the
 *	format Perl's prove (and the VMS test harness) reads.  tap_done()
 *	prints the plan if none was given and returns the exit status: 0 when
 *	every test passed and the plan was met, 1 otherwise.
 */
#ifndef PMDF_TAP_H
#define PMDF_TAP_H

void tap_plan(int n);
int tap_ok(int cond, const char *fmt, ...);
int tap_is_str(const char *got, const char *expected, const char *fmt, ...);
int tap_is_int(long got, long expected, const char *fmt, ...);
void tap_skip(int count, const char *fmt, ...);
void tap_diag(const char *fmt, ...);
int tap_done(void);

#endif
