/*
 * NAME
 *	qnotify - after messages are queued: count them, wake the job
 *	controller (see qnotify.h)
 * DESCRIPTION
 *	A group commit usually holds few channels, so the channels are kept
 *	in a small array searched linearly.
 */
#include <stdlib.h>
#include <string.h>
#include "qnotify.h"
#include "jobwake.h"
#include "mem.h"
#include "msg.h"

typedef struct QN_CHANNEL {
    COUNTERS_DELTA delta;
    const char **names;
    size_t  nnames;
} QN_CHANNEL;

void    qnotify_enqueued(COUNTERS *c, const QCACHE_REC *recs, size_t n)
{
    QN_CHANNEL *ch;
    COUNTERS_DELTA *deltas;
    STR     err = STR_INIT;
    size_t  nch = 0, i, j;

    if (n == 0)
	return;
    ch = mem_calloc(n, sizeof(*ch));
    for (i = 0; i < n; i++) {
	for (j = 0; j < nch; j++)
	    if (strcmp(ch[j].delta.channel, recs[i].channel) == 0)
		break;
	if (j == nch) {
	    counters_delta_init(&ch[nch].delta, recs[i].channel);
	    ch[nch].names = mem_calloc(n, sizeof(char *));
	    nch++;
	}
	counters_delta_enqueued(&ch[j].delta, recs[i].channel, (long) recs[i].nrcpt);
	ch[j].names[ch[j].nnames++] = recs[i].name;
    }
    if (c != NULL) {
	deltas = mem_calloc(nch, sizeof(*deltas));
	for (j = 0; j < nch; j++)
	    deltas[j] = ch[j].delta;
	if (counters_add(c, deltas, nch, &err) < 0)
	    msg_warn("counters: %s (the messages are queued all the same)", STR_C(err));
	free(deltas);
    }
    for (j = 0; j < nch; j++) {
	jobctl_wake(ch[j].delta.channel, ch[j].names, ch[j].nnames);
	free(ch[j].names);
    }
    free(ch);
    str_free(&err);
}
