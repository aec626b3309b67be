/*
 * NAME
 *	jobwake - wake the job controller when mail is queued (see jobwake.h),
 *	the OpenVMS back-end: not written yet.
 * DESCRIPTION
 *	The wake-up is a hint, so doing nothing is correct, only slower: a
 *	job controller finds new mail at its next queue scan.  The planned
 *	back-end is a mailbox named by a logical name, written with
 *	IO$M_NOW | IO$M_NORSWAIT so that a full or absent controller never
 *	blocks the SMTP server.  This file holds no system call, so it is
 *	also compiled on Unix (into the library the VMS logical-name tests
 *	link against).
 */
#include "jobwake.h"

void    jobctl_wake(const char *channel, const char *const *names, size_t n)
{
    (void) channel;
    (void) names;
    (void) n;
}

int     jobwake_listen(STR *path, STR *err)
{
    str_cpy(path, JOBWAKE_SPEC);
    str_printf(err, "%s: wake-ups are not implemented on this system yet;"
	       " the job controller relies on its queue scans", JOBWAKE_SPEC);
    return -1;
}

int     jobwake_recv(int fd, STR *channel, STRLIST *names)
{
    (void) fd;
    (void) channel;
    (void) names;
    return 0;
}

void    jobwake_close(int fd, const char *path)
{
    (void) fd;
    (void) path;
}
