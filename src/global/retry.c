/*
 * NAME
 *	retry - when a queued message is due again, and when it is returned
 *	(see retry.h)
 * DESCRIPTION
 *	Periods and ages are added in 64-bit arithmetic and bounded (each
 *	number at most 9 digits, as pmdfcnf accepts them), so no input can
 *	overflow.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "retry.h"
#include "queue.h"
#include "cfgread.h"

#define MAX_DIGITS	9

int     retry_period(const char *text, size_t len, int64_t *seconds, STR *err)
{
    static const char date_units[] = "YMWD", time_units[] = "HMS";
    static const int64_t date_secs[] = {365 * 86400, 30 * 86400, 7 * 86400, 86400};
    static const int64_t time_secs[] = {3600, 60, 1};
    const char *p = text, *end = text + len, *units = date_units, *at;
    const int64_t *secs = date_secs;
    int64_t total = 0, v;
    int     last = -1, any = 0, digits;

    if (len < 3 || toupper((unsigned char) *p) != 'P')
	goto bad;
    for (p++; p < end;) {
	if (toupper((unsigned char) *p) == 'T' && units == date_units) {
	    units = time_units;
	    secs = time_secs;
	    last = -1;
	    if (++p == end)
		goto bad;
	    continue;
	}
	for (v = 0, digits = 0; p < end && isdigit((unsigned char) *p); p++, digits++)
	    v = v * 10 + (*p - '0');
	if (digits == 0 || digits > MAX_DIGITS || p == end)
	    goto bad;
	if ((at = strchr(units, toupper((unsigned char) *p++))) == NULL
	    || (int) (at - units) <= last)
	    goto bad;
	last = (int) (at - units);
	total += v * secs[last];
	any = 1;
    }
    if (!any)
	goto bad;
    *seconds = total;
    return 0;
  bad:
    str_printf(err, "backoff period \"%.*s\" is not an ISO 8601 period such as PT30M",
	       (int) (len > 64 ? 64 : len), text);
    return -1;
}

int     queue_next_attempt(int attempt, int64_t mtime, const char *backoff, int64_t *due,
			           STR *err)
{
    const char *p, *word;
    int64_t period = 0;
    int     n = 0;
    size_t  len;

    if (attempt < 0 || attempt > QUEUE_MAX_ATTEMPT) {
	str_printf(err, "attempt %d: %s", attempt, attempt == QUEUE_ATTEMPT_HELD
		   ? "a held message is never due (release it first)"
		   : "not an attempt number (0 to 99)");
	return -1;
    }
    if (backoff == NULL || *backoff == 0)
	backoff = RETRY_DEFAULT_BACKOFF;
    /* Period number attempt, or the last one when the list is shorter. */
    for (p = backoff; *p && (attempt == 0 || n < attempt);) {
	while (*p == ' ')
	    p++;
	if (*p == 0)
	    break;
	word = p;
	while (*p && *p != ' ')
	    p++;
	len = (size_t) (p - word);
	if (retry_period(word, len, &period, err) < 0)
	    return -1;
	n++;
    }
    if (n == 0) {
	str_printf(err, "backoff \"%.64s\" holds no period", backoff);
	return -1;
    }
    *due = attempt == 0 ? mtime : mtime + period;
    return 0;
}

int     retry_notices(const char *notices, long return_units, RETRY_NOTICES *n, STR *err)
{
    static const int64_t unit_secs[] = {86400, 3600, 60, 1};
    int64_t ages[RETRY_MAX_WARN + 1], prev = 0;
    const char *p;
    char   *end;
    long    v;
    int     count = 0, i;

    memset(n, 0, sizeof(*n));
    if (return_units < RETURN_UNITS_DAYS || return_units > RETURN_UNITS_SECONDS) {
	str_printf(err, "RETURN_UNITS=%ld is not valid: 0 (days), 1 (hours), or for tests"
		   " 2 (minutes), 3 (seconds)", return_units);
	return -1;
    }
    if (notices == NULL || *notices == 0)
	notices = RETRY_DEFAULT_NOTICES;
    for (p = notices; *p;) {
	if (*p == ' ') {
	    p++;
	    continue;
	}
	v = strtol(p, &end, 10);
	if (end == p || (*end != ' ' && *end != 0) || v < 1 || v > 999999999L || v <= prev
	    || count == RETRY_MAX_WARN + 1) {
	    str_printf(err, "notices \"%.64s\": want 1 to %d increasing ages", notices,
		       RETRY_MAX_WARN + 1);
	    return -1;
	}
	ages[count++] = prev = v;
	p = end;
    }
    if (count == 0) {
	str_printf(err, "notices \"%.64s\" holds no age", notices);
	return -1;
    }
    for (i = 0; i + 1 < count; i++)
	n->warn[i] = ages[i] * unit_secs[return_units];
    n->nwarn = count - 1;
    n->return_after = ages[count - 1] * unit_secs[return_units];
    return 0;
}

int     retry_notice_stage(const RETRY_NOTICES *n, int64_t age)
{
    int     i;

    if (age >= n->return_after)
	return RETRY_RETURN;
    for (i = 0; i < n->nwarn && age >= n->warn[i]; i++)
	 /* void */ ;
    return i;
}

int     retry_channel(const PMDF_CNF *cnf, const char *channel, RETRY_POLICY *p, STR *err)
{
    const CNF_CHANNEL *ch = pmdfcnf_channel(cnf, channel);
    const CNF_CHANNEL *l = pmdfcnf_channel(cnf, "l");
    const CNF_KEYWORD *kw;
    const char *notices = NULL, *units;
    long    u = RETURN_UNITS_DAYS;

    memset(p, 0, sizeof(*p));
    if (ch == NULL) {
	str_printf(err, "no channel \"%s\" in the configuration", channel);
	return -1;
    }
    if ((kw = pmdfcnf_keyword(ch, "backoff")) != NULL)
	p->backoff = kw->arg;
    if ((kw = pmdfcnf_keyword(ch, "notices")) != NULL)
	notices = kw->arg;
    else if (l != NULL && (kw = pmdfcnf_keyword(l, "notices")) != NULL)
	notices = kw->arg;
    if ((units = pmdfcnf_option(cnf, channel, "RETURN_UNITS")) != NULL
	&& cfg_parse_int(units, RETURN_UNITS_DAYS, RETURN_UNITS_SECONDS, &u, err) < 0) {
	str_catf(err, " (option RETURN_UNITS: 0 days, 1 hours; 2 minutes, 3 seconds for tests)");
	return -1;
    }
    if (p->backoff != NULL) {
	int64_t due;

	if (queue_next_attempt(0, 0, p->backoff, &due, err) < 0)
	    return -1;
    }
    return retry_notices(notices, u, &p->notices, err);
}
