/*
 * NAME
 *	d_local - the local channel l (Maildir) and the bitbucket channel
 * DESCRIPTION
 *	Mailboxes are Maildirs (one directory per user with tmp/, new/ and
 *	cur/), because the format is crash-safe without locks: a message is
 *	written to tmp/ under a unique name, synced, and renamed into new/,
 *	so a reader never sees half a message and two deliveries never
 *	collide; and because everything reads it: Python's mailbox.Maildir,
 *	mutt, Dovecot, Courier.  (On OpenVMS the Maildir names need ODS-5.)
 *
 *	Where: the logical name PMDF_MAILBOX when it is defined (a rooted
 *	directory on OpenVMS, a directory ending in "/" on Unix), else
 *	PMDF_ROOT:[mailbox]; the user's Maildir is [.<user>] below it.  The
 *	user is the recipient's local part, lower-cased, without a
 *	"+subaddress"; it must be 1 to 64 of a-z 0-9 . _ - not starting
 *	with "." (anything else fails with 5.1.3).  Directories are created
 *	mode 0700.
 *
 *	Who is known: a user whose Maildir exists already, or who has an
 *	entry in the password database (passdb.h; any service).  For an
 *	unknown user the alias file and database are asked once more (mail
 *	queued to l by a program that did not expand aliases, as the SMTP
 *	server does): an alias is "expanded", its targets queued as a new
 *	message (enqueue.h).  Otherwise the recipient fails permanently,
 *	5.1.1, and is returned.  Aliases are not looked up for known users:
 *	the server expanded them already, and a second expansion of a
 *	self-referencing alias ("staff: staff, boss") would deliver twice.
 *
 *	The message is written with LF line ends (the Unix mailbox
 *	convention; the queue keeps CRLF), after a Return-Path: with the
 *	envelope From and a Delivered-To: with the recipient.  Only after
 *	the file is synced, renamed into new/ and new/ is synced is the
 *	recipient delivered.  A failure to write is temporary (4.3.0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "deliver.h"
#include "addr.h"
#include "alias.h"
#include "passdb.h"
#include "fsync.h"
#include "lnm.h"
#include "msg.h"

#define USER_MAX	64

/* The user of a recipient address, or -1 (why set) when it cannot be one. */
static int mailbox_user(const char *addr, STR *user, STR *local, STR *why)
{
    ADDR    a;
    STR     err = STR_INIT;
    size_t  i, plus;
    int     c;

    addr_init(&a);
    if (addr_parse(addr, 0, &a, &err) < 0) {
	str_printf(why, "bad address: %s", STR_C(err));
	str_free(&err);
	addr_free(&a);
	return -1;
    }
    str_cpy(local, STR_C(a.local));
    str_cpy(user, STR_C(a.local));
    if (addr_split_subaddress(STR_C(*user), &plus))
	str_truncate(user, plus);
    str_lower(user);
    addr_free(&a);
    str_free(&err);
    if (user->len == 0 || user->len > USER_MAX || user->s[0] == '.') {
	str_printf(why, "\"%s\" cannot be a mailbox name", STR_C(*local));
	return -1;
    }
    for (i = 0; i < user->len; i++) {
	c = (unsigned char) user->s[i];
	if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
	      || c == '-')) {
	    str_printf(why, "\"%s\" cannot be a mailbox name (letters, digits, . _ -)",
		       STR_C(*local));
	    return -1;
	}
    }
    return 0;
}

/* The directory spec of a mailbox's sub (NULL: the Maildir itself). */
static int maildir_spec(const char *user, const char *sub, STR *path, STR *err)
{
    LNM_ENTRY ent;
    STR     spec = STR_INIT, ignore = STR_INIT;
    int     rc, defined;

    lnm_entry_init(&ent);
    defined = lnm_lookup("PMDF_MAILBOX", LNM_TABLE_ANY, &ent, &ignore) == 1;
    lnm_entry_free(&ent);
    if (user == NULL)
	str_cpy(&spec, defined ? "PMDF_MAILBOX:" : "PMDF_ROOT:[mailbox]");
    else if (defined)
	str_printf(&spec, "PMDF_MAILBOX:[%s%s%s]", user, sub ? "." : "", sub ? sub : "");
    else
	str_printf(&spec, "PMDF_ROOT:[mailbox.%s%s%s]", user, sub ? "." : "", sub ? sub : "");
    rc = lnm_file(STR_C(spec), LNM_CREATE, path, err);
    str_free(&spec);
    str_free(&ignore);
    return rc;
}

static int dir_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int make_dir(const char *path, STR *err)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
	return 0;
    str_printf(err, "cannot create the mailbox directory %s: %s", path, strerror(errno));
    return -1;
}

/* The root, the Maildir and its three subdirectories. */
static int maildir_create(const char *user, STR *err)
{
    static const char *const subs[] = {NULL, "tmp", "new", "cur"};
    STR     path = STR_INIT;
    size_t  i;
    int     rc = 0;

    if (maildir_spec(NULL, NULL, &path, err) < 0 || make_dir(STR_C(path), err) < 0)
	rc = -1;
    for (i = 0; rc == 0 && i < sizeof(subs) / sizeof(subs[0]); i++)
	if (maildir_spec(user, subs[i], &path, err) < 0 || make_dir(STR_C(path), err) < 0)
	    rc = -1;
    str_free(&path);
    return rc;
}

static int has_entry(const char *user, const char *service, const PWSECRET *s,
		     const char *why, void *ctx)
{
    (void) user;
    (void) service;
    (void) s;
    (void) why;
    *(int *) ctx = 1;
    return 1;
}

static int user_known(DCTX *d, const char *user, const char *local)
{
    STR     path = STR_INIT, err = STR_INIT;
    int     known = 0;

    if (maildir_spec(user, NULL, &path, &err) == 0 && dir_exists(STR_C(path)))
	known = 1;
    else if (d->passdb != NULL) {
	(void) passdb_walk(d->passdb, user, NULL, has_entry, &known, &err);
	if (!known && strcmp(user, local) != 0)
	    (void) passdb_walk(d->passdb, local, NULL, has_entry, &known, &err);
    }
    str_free(&path);
    str_free(&err);
    return known;
}

static int write_all(int fd, const char *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
	w = write(fd, p, n);
	if (w < 0 && errno == EINTR)
	    continue;
	if (w <= 0)
	    return -1;
	p += w;
	n -= (size_t) w;
    }
    return 0;
}

/* The file: trace headers, then the message with LF line ends. */
static void maildir_text(const QMESSAGE *m, const char *rcpt, STR *out)
{
    const char *p = m->body, *end = m->body + m->body_len;

    str_printf(out, "Return-Path: <%s>\nDelivered-To: %s\n", STR_C(m->env.from), rcpt);
    str_reserve(out, m->body_len);
    for (; p < end; p++)
	if (!(*p == '\r' && p + 1 < end && p[1] == '\n'))
	    str_catc(out, *p);
}

static int maildir_write(DCTX *d, const char *user, const QMESSAGE *m, const char *rcpt,
			 STR *where, STR *err)
{
    STR     tmpdir = STR_INIT, newdir = STR_INIT, uniq = STR_INIT, tmp = STR_INIT,
	    text = STR_INIT;
    struct timespec ts;
    int     fd = -1, rc = -1;
    size_t  i;

    if (maildir_create(user, err) < 0 || maildir_spec(user, "tmp", &tmpdir, err) < 0
	|| maildir_spec(user, "new", &newdir, err) < 0)
	goto out;
    (void) clock_gettime(CLOCK_REALTIME, &ts);
    str_printf(&uniq, "%ld.M%ldP%ldQ%u.%s", (long) ts.tv_sec, (long) (ts.tv_nsec / 1000),
	       (long) getpid(), d->counter++, d->host);
    for (i = 0; i < uniq.len; i++)
	if (uniq.s[i] == '/' || uniq.s[i] == ':')
	    uniq.s[i] = '_';
    str_printf(&tmp, "%s%s", STR_C(tmpdir), STR_C(uniq));
    str_printf(where, "%s%s", STR_C(newdir), STR_C(uniq));
    maildir_text(m, rcpt, &text);
    if ((fd = open(STR_C(tmp), O_WRONLY | O_CREAT | O_EXCL | PORT_O_CLOEXEC, 0600)) < 0) {
	str_printf(err, "%s: cannot create: %s", STR_C(tmp), strerror(errno));
	goto out;
    }
    if (write_all(fd, text.s, text.len) < 0 || port_fsync_file(fd) < 0) {
	str_printf(err, "%s: cannot write: %s (is the disk full?)", STR_C(tmp), strerror(errno));
	goto out;
    }
    if (close(fd) != 0) {
	fd = -1;
	str_printf(err, "%s: cannot close: %s", STR_C(tmp), strerror(errno));
	goto out;
    }
    fd = -1;
    if (rename(STR_C(tmp), STR_C(*where)) != 0) {
	str_printf(err, "%s: cannot move into new/: %s", STR_C(tmp), strerror(errno));
	goto out;
    }
    rc = port_fsync_dir(STR_C(newdir), err);
    str_reset(&tmp);
  out:
    if (fd >= 0)
	(void) close(fd);
    if (rc < 0 && tmp.len > 0)
	(void) unlink(STR_C(tmp));
    str_free(&tmpdir);
    str_free(&newdir);
    str_free(&uniq);
    str_free(&tmp);
    str_free(&text);
    return rc;
}

/* An unknown user that is an alias: its targets go out as a new message. */
static int try_alias(DCTX *d, const QMESSAGE *m, const QRCPT *rcpt, const char *local,
		     DRESULT *r)
{
    STRLIST to = STRLIST_INIT;
    STR     err = STR_INIT;
    ENQUEUE q;
    ENQUEUE_MSG qm;
    size_t  i;
    int     rc;

    if (d->cfg.aliases == NULL)
	return 0;
    rc = alias_expand(d->cfg.aliases, local, &to, &err);
    if (rc < 0) {
	dresult_set(r, DR_FAILED, "5.4.6", "alias %s: %s", local, STR_C(err));
    } else if (rc == 1) {
	/*
	 * The addresses keep the sender's DSN requests (ORCPT, ENVID, RET,
	 * NOTIFY) but SUCCESS: that is answered here, Action: expanded, and
	 * not again for each address (RFC 3461 section 6.2.7.3).
	 */
	d_enqueuer(d, &q, 0);
	memset(&qm, 0, sizeof(qm));
	qm.from = STR_C(m->env.from);
	qm.to = &to;
	qm.notify = rcpt->notify & ~QUEUE_NOTIFY_SUCCESS;
	if (rcpt->notify != 0 && qm.notify == 0)
	    qm.notify = QUEUE_NOTIFY_NEVER;
	qm.orcpt = rcpt->orcpt.len ? STR_C(rcpt->orcpt) : NULL;
	qm.envid = STR_C(m->env.envid);
	qm.ret = m->env.ret;
	qm.body = m->body;
	qm.len = m->body_len;
	qm.what = "alias";
	switch (enqueue_message(&q, &qm, &err)) {
	case -1:
	    dresult_set(r, DR_TEMP, "4.3.0", "alias %s: cannot queue the expansion: %s", local,
			STR_C(err));
	    break;
	case 1:
	    dresult_set(r, DR_FAILED, "5.1.1", "alias %s: none of its addresses can be routed",
			local);
	    break;
	default:
	    dresult_set(r, DR_DELIVERED, "2.0.0", NULL);
	    r->expanded = 1;
	    str_printf(&r->info, "alias %s expanded to", local);
	    for (i = 0; i < to.n; i++)
		str_catf(&r->info, " %s", to.v[i]);
	    break;
	}
    }
    strlist_free(&to);
    str_free(&err);
    return rc != 0;
}

void    d_local_deliver(DCTX *d, const QMESSAGE *m, DRESULT *res)
{
    STR     user = STR_INIT, local = STR_INIT, why = STR_INIT, where = STR_INIT;
    size_t  i;

    for (i = 0; i < m->env.nrcpt; i++) {
	const char *addr = STR_C(m->env.rcpt[i].addr);
	DRESULT *r = &res[i];

	str_reset(&why);
	r->attempted = 1;
	if (mailbox_user(addr, &user, &local, &why) < 0) {
	    dresult_set(r, DR_FAILED, "5.1.3", "%s", STR_C(why));
	    continue;
	}
	if (!user_known(d, STR_C(user), STR_C(local))) {
	    if (!try_alias(d, m, &m->env.rcpt[i], STR_C(local), r))
		dresult_set(r, DR_FAILED, "5.1.1", "user unknown: no mailbox %s here", STR_C(user));
	    continue;
	}
	if (maildir_write(d, STR_C(user), m, addr, &where, &why) < 0) {
	    dresult_set(r, DR_TEMP, "4.3.0", "mailbox %s: %s", STR_C(user), STR_C(why));
	    continue;
	}
	dresult_set(r, DR_DELIVERED, "2.0.0", NULL);
	str_printf(&r->info, "maildir %s", STR_C(where));
    }
    str_free(&user);
    str_free(&local);
    str_free(&why);
    str_free(&where);
}

void    d_bitbucket_deliver(DCTX *d, const QMESSAGE *m, DRESULT *res)
{
    size_t  i;

    (void) d;
    for (i = 0; i < m->env.nrcpt; i++) {
	dresult_set(&res[i], DR_DELIVERED, "2.0.0", NULL);
	res[i].attempted = 1;
	str_cpy(&res[i].info, "discarded (bitbucket)");
    }
}
