/*
 * NAME
 *	retry - when a queued message is due again, and when it is returned
 * SYNOPSIS
 *	#include "retry.h"
 *
 *	int retry_period(const char *text, size_t len, int64_t *seconds, STR *err);
 *	int queue_next_attempt(int attempt, int64_t mtime, const char *backoff,
 *			       int64_t *due, STR *err);
 *	int retry_notices(const char *notices, long return_units, RETRY_NOTICES *n,
 *			  STR *err);
 *	int retry_notice_stage(const RETRY_NOTICES *n, int64_t age);
 *	int retry_channel(const PMDF_CNF *cnf, const char *channel, RETRY_POLICY *p,
 *			  STR *err);
 * DESCRIPTION
 *	Pure functions (no clock, no files): the job controller schedules
 *	with them and pmdf_deliver decides with them, so both agree.
 *
 *	retry_period() reads one ISO 8601 period, P[nY][nM][nW][nD][T[nH]
 *	[nM][nS]] (case-blind, as the backoff keyword takes them: "pt30m",
 *	"P1DT12H"), into seconds; a year counts 365 days and a month 30.
 *
 *	queue_next_attempt() gives in *due the time (seconds since 1970)
 *	when a message file is due for delivery.  attempt is the number in
 *	the file's name (queue_name_attempt(): the attempts that already
 *	failed), mtime the file's modification time (the time of the last
 *	requeue), backoff the channel's backoff keyword as pmdfcnf stores it
 *	(periods separated by spaces, "pt10m pt1h pt4h"), or NULL for the
 *	default RETRY_DEFAULT_BACKOFF.  Attempt 0 is due at mtime (at once:
 *	never tried).  Attempt n >= 1 is due at mtime + period n of the list;
 *	past the end of the list the last period repeats (Messaging Server's
 *	rule).  A held file (QUEUE_ATTEMPT_HELD) or a bad attempt number is
 *	an error: held messages are never due.
 *
 *	retry_notices() reads the notices keyword ("3 6 9 12": 1 to 5
 *	increasing ages; NULL means RETRY_DEFAULT_NOTICES) as PMDF does: the
 *	last age is when a message still undelivered is returned, each
 *	earlier age is when a warning (a delay DSN) is due.  The unit is
 *	PMDF's RETURN_UNITS option: 0 days (the default), 1 hours, and, an
 *	extension for tests, 2 minutes and 3 seconds.  n->warn[] and
 *	n->return_after are in seconds.
 *
 *	retry_notice_stage() compares a message's age (now minus its
 *	envelope's creation time) with n: RETRY_RETURN when the return age
 *	has passed, else the number of warning ages passed (0 when none).
 *
 *	retry_channel() fills p for a channel of cnf: its backoff keyword
 *	(NULL when it has none: the default applies), and its notices from
 *	the channel's notices keyword, else the local channel l's, else the
 *	default (PMDF's rule), in the unit of the RETURN_UNITS option (the
 *	channel's option file first, then option.dat).
 * DIAGNOSTICS
 *	-1 with err naming the bad text ("backoff period \"pt\" is not an ISO
 *	8601 period such as PT30M"), the bad unit or the bad attempt.
 */
#ifndef PMDF_RETRY_H
#define PMDF_RETRY_H
#include <stddef.h>
#include <stdint.h>
#include "str.h"
#include "pmdfcnf.h"

#define RETRY_DEFAULT_BACKOFF	"pt30m pt1h pt2h pt4h"
#define RETRY_DEFAULT_NOTICES	"3 6 9 12"	/* PMDF's default, in days */
#define RETRY_MAX_WARN		4
#define RETRY_RETURN		(-1)

#define RETURN_UNITS_DAYS	0
#define RETURN_UNITS_HOURS	1
#define RETURN_UNITS_MINUTES	2	/* test extension */
#define RETURN_UNITS_SECONDS	3	/* test extension */

typedef struct RETRY_NOTICES {
    int64_t warn[RETRY_MAX_WARN];	/* seconds after arrival */
    int     nwarn;
    int64_t return_after;		/* seconds after arrival */
} RETRY_NOTICES;

typedef struct RETRY_POLICY {
    const char *backoff;		/* the keyword's periods, or NULL: default */
    RETRY_NOTICES notices;
} RETRY_POLICY;

int retry_period(const char *text, size_t len, int64_t *seconds, STR *err);
int queue_next_attempt(int attempt, int64_t mtime, const char *backoff, int64_t *due, STR *err);
int retry_notices(const char *notices, long return_units, RETRY_NOTICES *n, STR *err);
int retry_notice_stage(const RETRY_NOTICES *n, int64_t age);
int retry_channel(const PMDF_CNF *cnf, const char *channel, RETRY_POLICY *p, STR *err);

#endif
