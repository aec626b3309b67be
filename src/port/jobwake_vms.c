/*
 * NAME
 *	jobwake - datagrams to the job controller (see jobwake.h), the
 *	OpenVMS back-end: not written yet.
 * DESCRIPTION
 *	jobwake_send() says "no job controller", so every sender does its
 *	own bookkeeping (qnotify.c), which is correct, only without the
 *	one-writer guarantee, and a job controller finds new mail at its
 *	queue scans.  The planned back-end is a mailbox named by a logical
 *	name, written with IO$M_NOW so that a full or absent controller
 *	never blocks the SMTP server.  This file holds no system call, so it
 *	is also compiled on Unix (into the library the VMS logical-name
 *	tests link against).
 */
#include "jobwake.h"

int     jobwake_send(const void *buf, size_t len)
{
    (void) buf;
    (void) len;
    return -1;
}

int     jobwake_listen(STR *path, STR *err)
{
    str_cpy(path, JOBWAKE_SPEC);
    str_printf(err, "%s: the job controller's endpoint is not implemented on this system"
	       " yet; it relies on its queue scans", JOBWAKE_SPEC);
    return -1;
}

long    jobwake_recv(int fd, void *buf, size_t size)
{
    (void) fd;
    (void) buf;
    (void) size;
    return 0;
}

void    jobwake_close(int fd, const char *path)
{
    (void) fd;
    (void) path;
}
