/*
 * NAME
 *	t_retry - attempt names, requeue, hold, locks, and the retry schedule
 * DESCRIPTION
 *	A private instance (a tailor file with PMDF_QUEUE=<dir>/queue/),
 *	then: the attempt numbers of names (.00 to .99, .HELD, and what is
 *	neither); a requeue keeps the id, the creation time and the body,
 *	keeps only the recipients given, counts the attempt up, sets the
 *	delay flag, stays at .99, and removes the old file only after the
 *	new one exists; the leftover of a requeue cut short (two files, one
 *	stem) is resolved by the scan in favour of the higher attempt; hold
 *	and release, and what each scan selection sees; the lock (a second
 *	process finds it busy and cannot hold the file; reading through the
 *	lock keeps it); and the pure schedule functions: ISO 8601 periods,
 *	queue_next_attempt() with a backoff list and the defaults, the
 *	notices with each RETURN_UNITS, notice stages, and retry_channel()
 *	taking notices from l and RETURN_UNITS from option.dat.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "queue.h"
#include "retry.h"
#include "pmdfcnf.h"
#include "lnm.h"
#include "str.h"
#include "tap.h"
#include "tenv.h"

static void setup(void)
{
    tenv_setup("t_retry", "! t_retry instance\nPMDF_QUEUE=@DIR@/queue/\nPMDF_TABLE=@DIR@/\n");
    if (mkdir(tenv_path("queue"), 0700) != 0) {
	printf("Bail out! mkdir %s: %s\n", tenv_path("queue"), strerror(errno));
	exit(1);
    }
}

static const char BODY[] = "Subject: retry\r\n\r\nline one\r\n.dot line\r\n";

static void envelope(QENVELOPE *e, int nrcpt)
{
    int     i;
    char    addr[64];

    qenvelope_init(e);
    str_cpy(&e->source_channel, "tcp_local");
    str_cpy(&e->from, "sender@example.org");
    str_cpy(&e->envid, "ENV-1");
    e->ret = QUEUE_RET_HDRS;
    for (i = 0; i < nrcpt; i++) {
	snprintf(addr, sizeof(addr), "r%d@example.com", i);
	qenvelope_add_rcpt(e, addr, "rfc822;orig@example.com", QUEUE_NOTIFY_DELAY, addr);
    }
}

/* A durable message in channel; its path. */
static void make_msg(const char *chan, int nrcpt, STR *path)
{
    QENVELOPE e;
    STR     err = STR_INIT;
    QMSG_W *w;

    envelope(&e, nrcpt);
    w = queue_create(chan, &e, 0, &err);
    if (w == NULL || queue_write(w, BODY, sizeof(BODY) - 1, &err) < 0
	|| queue_finish(w, &err) < 0 || queue_sync_dirs(&w, 1, &err) < 0) {
	printf("Bail out! cannot queue: %s\n", STR_C(err));
	exit(1);
    }
    str_cpy(path, queue_w_path(w));
    queue_release(w);
    qenvelope_free(&e);
    str_free(&err);
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

static int exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

typedef struct SEEN {
    STR     names;
    int     n;
} SEEN;

static int seen_cb(const char *chan, const char *name, const char *path, void *ctx)
{
    SEEN   *s = ctx;

    (void) chan, (void) path;
    str_catf(&s->names, "%s%s", s->n++ ? " " : "", name);
    return 0;
}

static void scan(const char *chan, int which, SEEN *s)
{
    STR     err = STR_INIT;

    str_reset(&s->names);
    s->n = 0;
    if (queue_scan_which(chan, which, seen_cb, s, &err) < 0)
	tap_diag("scan: %s", STR_C(err));
    str_free(&err);
}

/* ---- names ------------------------------------------------------------ */

static void test_names(void)
{
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef01234567.00"), 0, ".00 is attempt 0");
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef01234567.07"), 7, ".07 is attempt 7");
    tap_is_int(queue_name_attempt("zz0123456789ABCDEF01234567.99"), 99, ".99, case-blind");
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef01234567.HELD"), QUEUE_ATTEMPT_HELD,
	       ".HELD is held");
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef01234567.held"), QUEUE_ATTEMPT_HELD,
	       ".held too (ODS-2 is case-blind)");
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef01234567.100"), -1, ".100 is no name");
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef01234567.0a"), -1, ".0a is no name");
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef01234567.tmp"), -1, ".tmp is no name");
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef0123456g.00"), -1, "bad hex is no name");
    tap_is_int(queue_name_attempt("ZZ0123456789abcdef01234567.HELDX"), -1, ".HELDX is no name");
    tap_ok(queue_valid_name("ZZ0123456789abcdef01234567.42")
	   && !queue_valid_name("ZZ0123456789abcdef01234567.HELD"),
	   "queue_valid_name: active names only");
    tap_ok(queue_valid_held_name("ZZ0123456789abcdef01234567.HELD")
	   && !queue_valid_held_name("ZZ0123456789abcdef01234567.00"),
	   "queue_valid_held_name: held names only");
}

/* ---- requeue --------------------------------------------------------------- */

static void test_requeue(void)
{
    STR     path = STR_INIT, p2 = STR_INIT, p3 = STR_INIT, err = STR_INIT, name = STR_INIT;
    QMESSAGE m, m2;
    QENVELOPE env;
    QLOCK   lk = QLOCK_INIT;
    int     rc, i;

    make_msg("tcp_rq", 3, &path);
    tap_ok(strcmp(base(STR_C(path)) + 26, ".00") == 0, "a new message is .00 (%s)",
	   base(STR_C(path)));
    rc = queue_lock(STR_C(path), &lk, &err);
    tap_is_int(rc, 0, "locked: %s", STR_C(err));
    rc = queue_read_locked(&lk, &m, &err);
    tap_is_int(rc, 0, "read through the lock: %s", STR_C(err));
    qenvelope_copy_header(&env, &m.env);
    qenvelope_add_rcpt(&env, STR_C(m.env.rcpt[1].addr), STR_C(m.env.rcpt[1].orcpt),
		       m.env.rcpt[1].notify, STR_C(m.env.rcpt[1].original));
    env.delay_sent = 1;
    rc = queue_requeue(STR_C(path), &env, m.body, m.body_len, &p2, &err);
    tap_is_int(rc, 0, "requeued: %s", STR_C(err));
    queue_unlock(&lk);
    str_cpyn(&name, base(STR_C(path)), 26);
    str_cat(&name, ".01");
    tap_is_str(base(STR_C(p2)), STR_C(name), "the new file has the same stem and .01");
    tap_ok(!exists(STR_C(path)), "the old .00 is gone");
    rc = queue_read(STR_C(p2), &m2, &err);
    tap_is_int(rc, 0, "the new file reads: %s", STR_C(err));
    if (rc == 0) {
	tap_is_str(STR_C(m2.env.id), STR_C(m.env.id), "same envelope id");
	tap_is_int((long) m2.env.created, (long) m.env.created, "same creation time");
	tap_is_int((long) m2.env.nrcpt, 1, "only the remaining recipient");
	tap_is_str(STR_C(m2.env.rcpt[0].addr), "r1@example.com", "the right one");
	tap_is_str(STR_C(m2.env.rcpt[0].orcpt), "rfc822;orig@example.com", "ORCPT kept");
	tap_is_int((long) m2.env.rcpt[0].notify, QUEUE_NOTIFY_DELAY, "NOTIFY kept");
	tap_is_str(STR_C(m2.env.envid), "ENV-1", "ENVID kept");
	tap_is_int(m2.env.ret, QUEUE_RET_HDRS, "RET kept");
	tap_ok(m2.env.delay_sent, "the delay flag (bit 1) is set");
	tap_ok(m2.body_len == sizeof(BODY) - 1 && memcmp(m2.body, BODY, m2.body_len) == 0,
	       "the body is the same bytes");
	queue_message_free(&m2);
    } else {
	tap_skip(10, "no file");
    }
    /* Up to .99 and no further. */
    str_cpy(&p3, STR_C(p2));
    for (i = 2; i <= 100; i++) {
	if (queue_requeue(STR_C(p3), &env, m.body, m.body_len, &p2, &err) < 0)
	    break;
	str_cpy(&p3, STR_C(p2));
    }
    tap_ok(i == 101, "requeued 99 more times: %s", STR_C(err));
    tap_ok(strcmp(base(STR_C(p3)) + 26, ".99") == 0, "the attempt stays at .99 (%s)",
	   base(STR_C(p3)));
    tap_ok(exists(STR_C(p3)), "and the .99 file is there (replaced in place)");
    env.id.len = 0;
    rc = queue_requeue(STR_C(p3), &env, m.body, m.body_len, NULL, &err);
    tap_ok(rc < 0 && strstr(STR_C(err), "id") != NULL, "an envelope without the id is refused:"
	   " %s", STR_C(err));
    qenvelope_free(&env);
    queue_message_free(&m);
    str_free(&path);
    str_free(&p2);
    str_free(&p3);
    str_free(&err);
    str_free(&name);
}

/* Two files of one stem: what a crash between write and remove leaves. */
static void test_leftover(void)
{
    STR     path = STR_INIT, p2 = STR_INIT, err = STR_INIT, copy = STR_INIT;
    QMESSAGE m;
    QENVELOPE env;
    SEEN    s = {STR_INIT, 0};

    make_msg("tcp_crash", 2, &path);
    (void) queue_read(STR_C(path), &m, &err);
    str_printf(&copy, "%s.keep", STR_C(path));
    tap_ok(link(STR_C(path), STR_C(copy)) == 0, "keep a hard link to the .00");
    qenvelope_copy_header(&env, &m.env);
    qenvelope_add_rcpt(&env, "r0@example.com", NULL, 0, NULL);
    tap_is_int(queue_requeue(STR_C(path), &env, m.body, m.body_len, &p2, &err), 0,
	       "requeue: %s", STR_C(err));
    tap_ok(rename(STR_C(copy), STR_C(path)) == 0, "put the .00 back, as if the crash came"
	   " before its removal");
    scan("tcp_crash", QUEUE_SCAN_ACTIVE, &s);
    tap_is_str(STR_C(s.names), base(STR_C(p2)), "the scan passes only the higher attempt");
    tap_ok(!exists(STR_C(path)), "and removes the lower one");
    queue_message_free(&m);
    qenvelope_free(&env);
    str_free(&s.names);
    str_free(&path);
    str_free(&p2);
    str_free(&err);
    str_free(&copy);
}

/* ---- hold, release, lock ----------------------------------------------------- */

static void test_hold_and_lock(void)
{
    STR     path = STR_INIT, held = STR_INIT, back = STR_INIT, err = STR_INIT;
    SEEN    s = {STR_INIT, 0};
    QLOCK   lk = QLOCK_INIT;
    pid_t   pid;
    int     status = -1, rc;

    make_msg("tcp_hold", 1, &path);
    rc = queue_hold(STR_C(path), &held, &err);
    tap_is_int(rc, 0, "held: %s", STR_C(err));
    tap_ok(strstr(STR_C(held), ".HELD") != NULL && !exists(STR_C(path)) && exists(STR_C(held)),
	   "renamed to %s", base(STR_C(held)));
    scan("tcp_hold", QUEUE_SCAN_ACTIVE, &s);
    tap_is_int(s.n, 0, "a delivery scan does not see it");
    scan("tcp_hold", QUEUE_SCAN_HELD, &s);
    tap_is_int(s.n, 1, "QUEUE_SCAN_HELD does");
    scan("tcp_hold", QUEUE_SCAN_ALL, &s);
    tap_is_int(s.n, 1, "QUEUE_SCAN_ALL does");
    rc = queue_hold(STR_C(held), NULL, &err);
    tap_ok(rc < 0, "a held file cannot be held again: %s", STR_C(err));
    rc = queue_unhold(STR_C(held), &back, &err);
    tap_is_int(rc, 0, "released: %s", STR_C(err));
    tap_ok(strcmp(base(STR_C(back)) + 26, ".00") == 0 && exists(STR_C(back)),
	   "back as %s, due at once", base(STR_C(back)));
    rc = queue_unhold(STR_C(back), NULL, &err);
    tap_ok(rc < 0, "an active file cannot be released: %s", STR_C(err));

    /* The lock, seen from another process. */
    rc = queue_lock(STR_C(back), &lk, &err);
    tap_is_int(rc, 0, "locked: %s", STR_C(err));
    fflush(stdout);
    if ((pid = fork()) == 0) {
	QLOCK   l2 = QLOCK_INIT;
	STR     e2 = STR_INIT;
	int     a = queue_lock(STR_C(back), &l2, &e2);
	int     b = queue_hold(STR_C(back), NULL, &e2);

	_exit(a == QUEUE_BUSY && b == QUEUE_BUSY ? 0 : 1);
    }
    (void) waitpid(pid, &status, 0);
    tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "another process finds the file busy and cannot hold it");
    queue_unlock(&lk);
    if ((pid = fork()) == 0) {
	QLOCK   l2 = QLOCK_INIT;
	STR     e2 = STR_INIT;

	_exit(queue_lock(STR_C(back), &l2, &e2) == 0 ? 0 : 1);
    }
    (void) waitpid(pid, &status, 0);
    tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "after the unlock it can lock it");
    rc = queue_lock("/nonexistent/ZZ0123456789abcdef01234567.00", &lk, &err);
    tap_ok(rc < 0 && errno == ENOENT, "a vanished file: -1 and ENOENT");
    str_free(&s.names);
    str_free(&path);
    str_free(&held);
    str_free(&back);
    str_free(&err);
}

/* ---- the schedule ---------------------------------------------------------------- */

static long period(const char *text)
{
    int64_t s = -1;
    STR     err = STR_INIT;

    if (retry_period(text, strlen(text), &s, &err) < 0)
	s = -1;
    str_free(&err);
    return (long) s;
}

static long due(int attempt, const char *backoff)
{
    int64_t t = -1;
    STR     err = STR_INIT;

    if (queue_next_attempt(attempt, 1000000, backoff, &t, &err) < 0)
	t = -1;
    str_free(&err);
    return t < 0 ? -1 : (long) (t - 1000000);
}

static void test_schedule(void)
{
    RETRY_NOTICES n;
    STR     err = STR_INIT;

    tap_is_int(period("PT30M"), 1800, "PT30M is 1800 s");
    tap_is_int(period("pt1h30m"), 5400, "pt1h30m is 5400 s (case-blind)");
    tap_is_int(period("P1DT12H"), 129600, "P1DT12H");
    tap_is_int(period("P1W"), 604800, "P1W");
    tap_is_int(period("P1Y2M"), (365 + 60) * 86400L, "P1Y2M (365- and 30-day units)");
    tap_is_int(period("PT5S"), 5, "PT5S");
    tap_is_int(period("P"), -1, "P alone is refused");
    tap_is_int(period("PT"), -1, "PT alone is refused");
    tap_is_int(period("P1H"), -1, "hours without T are refused");
    tap_is_int(period("PT1S1M"), -1, "units out of order are refused");
    tap_is_int(period("30m"), -1, "no P is refused");

    tap_is_int(due(0, "pt10m pt1h"), 0, "attempt 0 is due at once");
    tap_is_int(due(1, "pt10m pt1h"), 600, "attempt 1: the first period");
    tap_is_int(due(2, "pt10m pt1h"), 3600, "attempt 2: the second");
    tap_is_int(due(7, "pt10m pt1h"), 3600, "past the list: the last period repeats");
    tap_is_int(due(1, NULL), 1800, "default backoff: 30 minutes first");
    tap_is_int(due(2, NULL), 3600, "then 1 hour");
    tap_is_int(due(3, NULL), 7200, "then 2 hours");
    tap_is_int(due(50, NULL), 14400, "then every 4 hours");
    tap_is_int(due(1, "pt10m bogus"), 600, "only the periods needed are read");
    tap_is_int(due(2, "pt10m bogus"), -1, "a bad period is an error");
    tap_is_int(due(QUEUE_ATTEMPT_HELD, NULL), -1, "a held file is never due");
    tap_is_int(due(-1, NULL), -1, "nor a bad attempt");

    tap_is_int(retry_notices(NULL, RETURN_UNITS_DAYS, &n, &err), 0, "default notices");
    tap_ok(n.nwarn == 3 && n.warn[0] == 3 * 86400 && n.warn[2] == 9 * 86400
	   && n.return_after == 12 * 86400, "3 6 9 12 days: warnings at 3, 6, 9, return at 12");
    tap_is_int(retry_notices("1 2", RETURN_UNITS_HOURS, &n, &err), 0, "hours");
    tap_ok(n.nwarn == 1 && n.warn[0] == 3600 && n.return_after == 7200, "1 2 hours");
    tap_is_int(retry_notices("4", RETURN_UNITS_MINUTES, &n, &err), 0, "minutes (test unit)");
    tap_ok(n.nwarn == 0 && n.return_after == 240, "one age: the return only");
    tap_is_int(retry_notices("2 5", RETURN_UNITS_SECONDS, &n, &err), 0, "seconds (test unit)");
    tap_is_int(retry_notice_stage(&n, 0), 0, "age 0: nothing yet");
    tap_is_int(retry_notice_stage(&n, 2), 1, "age 2: the first warning");
    tap_is_int(retry_notice_stage(&n, 4), 1, "age 4: still the first");
    tap_is_int(retry_notice_stage(&n, 5), RETRY_RETURN, "age 5: return");
    tap_ok(retry_notices("2 5", 4, &n, &err) < 0 && strstr(STR_C(err), "RETURN_UNITS"),
	   "RETURN_UNITS=4 is refused: %s", STR_C(err));
    tap_ok(retry_notices("5 3", 0, &n, &err) < 0, "decreasing ages are refused: %s",
	   STR_C(err));
    tap_ok(retry_notices("1 2 3 4 5 6", 0, &n, &err) < 0, "six ages are refused");
    str_free(&err);
}

static void test_channel(void)
{
    PMDF_CNF cnf;
    RETRY_POLICY p;
    STR     err = STR_INIT;
    int     rc;

    tenv_put_text("pmdf.cnf", "a.example $U@a.example\n\n"
		  "l notices 2 4 9\nlocalhost\n\n"
		  "tcp_fast smtp backoff \"pt1s\" \"pt2s\"\nTCP-FAST\n\n"
		  "tcp_own smtp notices 1\nTCP-OWN\n");
    tenv_put_text("option.dat", "RETURN_UNITS=3\n");
    rc = pmdfcnf_load(tenv_path("pmdf.cnf"), &cnf, &err);
    if (rc == 0)
	rc = pmdfcnf_options(&cnf, tenv_path("option.dat"), &err);
    tap_is_int(rc, 0, "configuration loads: %s", STR_C(err));
    if (rc != 0) {
	tap_skip(4, "no configuration");
	return;
    }
    rc = retry_channel(&cnf, "tcp_fast", &p, &err);
    tap_ok(rc == 0 && p.backoff && strcmp(p.backoff, "pt1s pt2s") == 0,
	   "tcp_fast: its backoff: %s", STR_C(err));
    tap_ok(rc == 0 && p.notices.nwarn == 2 && p.notices.warn[0] == 2
	   && p.notices.return_after == 9, "notices from l, in seconds (RETURN_UNITS=3)");
    rc = retry_channel(&cnf, "tcp_own", &p, &err);
    tap_ok(rc == 0 && p.backoff == NULL && p.notices.nwarn == 0 && p.notices.return_after == 1,
	   "tcp_own: its own notices, the default backoff");
    tap_ok(retry_channel(&cnf, "nope", &p, &err) < 0, "an unknown channel: %s", STR_C(err));
    pmdfcnf_free(&cnf);
    str_free(&err);
}

int     main(void)
{
    setup();
    test_names();
    test_requeue();
    test_leftover();
    test_hold_and_lock();
    test_schedule();
    test_channel();
    tenv_cleanup();
    lnm_shutdown();
    return tap_done();
}
