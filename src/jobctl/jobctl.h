/*
 * NAME
 *	jobctl - the job controller's configuration (jobcnf.c) and shared types
 * SYNOPSIS
 *	#include "jobctl.h"
 *
 *	int jobcnf_load(JC_CONFIG *jc, STR *err);
 *	void jobcnf_free(JC_CONFIG *jc);
 *	const JC_CHANNEL_CFG *jobcnf_channel(const JC_CONFIG *jc, const char *channel);
 * DESCRIPTION
 *	jobcnf_load() reads the whole configuration the controller runs on:
 *	PMDF.CNF and its options (config.h) for the channels, their pool
 *	(the pool or queue keyword, default DEFAULT), their job limit (the
 *	maxjobs keyword), their batch size (the filesperjob keyword) and
 *	their retry schedule (retry.h); and JOB_CONTROLLER.CNF, the file the
 *	logical name PMDF_JOB_CONTROLLER_CONFIG names, else
 *	PMDF_TABLE:job_controller.cnf, read by optfile.h:
 *
 *	  ! globals (defaults in parentheses)
 *	  SCAN_INTERVAL=30	seconds between directory scans of the queue
 *	  JOB_LIMIT=4		job limit of a pool with no JOB_LIMIT of its own
 *	  MESSAGES_PER_JOB=100	messages given to one job (filesperjob wins)
 *	  CRASH_RETRY=60	seconds before the messages of a job that
 *				crashed (signal, exit status other than 0)
 *				are tried again
 *	  BUSY_RETRY=5		seconds before a message a job left alone (it
 *				was locked by another process) is tried again
 *	  MAX_SHUTDOWN=30	seconds SIGTERM waits for running jobs, which
 *				are then sent SIGTERM themselves
 *	  DEBUG=0		1: log every job started and every wake-up
 *	  MASTER_COMMAND=...	default command for channels without their own
 *	  [POOL=DEFAULT]	a pool (PMDF's older [QUEUE=name] is the same)
 *	  JOB_LIMIT=4		jobs of all its channels running at once
 *	  [CHANNEL=tcp_*]	channel sections; the name may hold * and %
 *	  MASTER_COMMAND=PMDF_EXE:pmdf_deliver -channel=$CHANNEL
 *
 *	A channel section applies to the channels its name matches; an exact
 *	name wins over a pattern, and among patterns the first in the file.
 *	MASTER_COMMAND is the program (a file spec, translated through
 *	logical names) and its arguments, separated by blanks; "$CHANNEL"
 *	in an argument becomes the channel's name.  The default is
 *	"PMDF_EXE:pmdf_deliver -channel=$CHANNEL".  The controller appends
 *	one "-message=NAME,NAME,..." naming the messages the job is to
 *	deliver.
 *
 *	The DEFAULT pool always exists (JOB_LIMIT as above).  A channel
 *	naming a pool the file does not define uses DEFAULT, with a warning
 *	(PMDF's rule).  A missing JOB_CONTROLLER.CNF is not an error: every
 *	default applies.  Unknown option names are errors (file:line).
 * DIAGNOSTICS
 *	jobcnf_load() returns -1 with err "file:line: message" and leaves jc
 *	empty; warnings go to msg_warn().
 */
#ifndef PMDF_JOBCTL_H
#define PMDF_JOBCTL_H
#include <stdint.h>
#include "str.h"
#include "strlist.h"
#include "htab.h"
#include "config.h"
#include "retry.h"

#define JOBCNF_SPEC		"PMDF_JOB_CONTROLLER_CONFIG:"
#define JOBCNF_DEFAULT_SPEC	"PMDF_TABLE:job_controller.cnf"
#define JOBCNF_DEFAULT_COMMAND	"PMDF_EXE:pmdf_deliver -channel=$CHANNEL"
#define JOBCNF_DEFAULT_POOL	"DEFAULT"

typedef struct JC_POOL {
    char   *name;
    long    job_limit;
} JC_POOL;

typedef struct JC_CHANNEL_CFG {
    char   *name;
    size_t  pool;		/* index into JC_CONFIG.pools */
    long    maxjobs;		/* the maxjobs keyword, else the pool's limit */
    long    batch;		/* messages per job */
    STRLIST argv;		/* the command, program path translated */
    char   *backoff;		/* the backoff keyword, or NULL: the default */
} JC_CHANNEL_CFG;

typedef struct JC_CONFIG {
    long    scan_interval;	/* seconds */
    long    messages_per_job;
    long    crash_retry;	/* seconds */
    long    busy_retry;		/* seconds */
    long    max_shutdown;	/* seconds */
    int     debug;
    char   *file;		/* JOB_CONTROLLER.CNF as read, or "" */
    JC_POOL *pools;		/* pools[0] is DEFAULT */
    size_t  npools;
    JC_CHANNEL_CFG *channels;	/* in PMDF.CNF order */
    size_t  nchannels;
    HTAB   *by_name;		/* channel name -> JC_CHANNEL_CFG * */
} JC_CONFIG;

int jobcnf_load(JC_CONFIG *jc, STR *err);
void jobcnf_free(JC_CONFIG *jc);
const JC_CHANNEL_CFG *jobcnf_channel(const JC_CONFIG *jc, const char *channel);

#endif
