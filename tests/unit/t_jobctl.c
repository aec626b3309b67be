/*
 * NAME
 *	t_jobctl - the job controller's building blocks: counters, wake-ups,
 *	child processes
 * DESCRIPTION
 *	A private instance (PMDF_LOG and PMDF_QUEUE in a temporary
 *	directory), then: the counter deltas' arithmetic; counters_add(),
 *	counters_get(), counters_walk(), counters_clear() (the queued gauge
 *	kept) and counters_set_queued(); four processes adding to one channel
 *	at once lose no update (Berkeley DB's deadlock detector fails some
 *	transactions, which are retried); the queue's events (qnotify.h):
 *	without a job controller the sender applies them itself, with one it
 *	only sends them and the controller's qnotify_apply() enters, removes
 *	and counts and is told which messages are due; 100 additions arrive
 *	whole over several datagrams of at most JOBWAKE_MAX bytes; a foreign
 *	or truncated datagram is refused whole; and spawn.h: the child-exit descriptor becomes readable, an
 *	exit status and a signal are told apart, a program that cannot run
 *	exits 127.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "counters.h"
#include "jobwake.h"
#include "qnotify.h"
#include "qcache.h"
#include "spawn.h"
#include "dict.h"
#include "lnm.h"
#include "str.h"
#include "tap.h"
#include "tenv.h"

static void setup(void)
{
    STR     err = STR_INIT;

    tenv_setup("t_jobctl", "! t_jobctl instance\nPMDF_LOG=@DIR@/log/\nPMDF_QUEUE=@DIR@/queue/\n");
    if (mkdir(tenv_path("log"), 0700) != 0 || mkdir(tenv_path("queue"), 0700) != 0
	|| lnm_init(&err) < 0) {
	printf("Bail out! set-up: %s %s\n", strerror(errno), STR_C(err));
	exit(1);
    }
    str_free(&err);
}

static void test_deltas(void)
{
    COUNTERS_DELTA d;

    counters_delta_init(&d, "tcp_local");
    counters_delta_enqueued(&d, "tcp_local", 3);
    tap_ok(d.msgs[COUNTERS_ENQUEUED] == 1 && d.rcpts[COUNTERS_ENQUEUED] == 3
	   && d.msgs[COUNTERS_QUEUED] == 1 && d.rcpts[COUNTERS_QUEUED] == 3,
	   "enqueued: 1 message, 3 recipients, and the same queued");
    counters_delta_outcome(&d, "tcp_local", 1, 1, 1, 0);
    tap_ok(d.msgs[COUNTERS_DELIVERED] == 1 && d.msgs[COUNTERS_RETURNED] == 1
	   && d.msgs[COUNTERS_DEFERRED] == 1 && d.msgs[COUNTERS_QUEUED] == 1
	   && d.rcpts[COUNTERS_QUEUED] == 1,
	   "a partial outcome: one of each; the message stays queued with 1 recipient");
    counters_delta_outcome(&d, "tcp_local", 1, 0, 0, 1);
    tap_ok(d.msgs[COUNTERS_QUEUED] == 0 && d.rcpts[COUNTERS_QUEUED] == 0
	   && d.msgs[COUNTERS_DELIVERED] == 2 && d.rcpts[COUNTERS_DELIVERED] == 2,
	   "the final outcome takes it out of the queue");
    counters_delta_init(&d, "l");
    counters_delta_removed(&d, "l", 2);
    tap_ok(d.msgs[COUNTERS_QUEUED] == -1 && d.rcpts[COUNTERS_QUEUED] == -2
	   && d.msgs[COUNTERS_ENQUEUED] == 0, "removed by hand: only the gauge moves");
}

static int count_walk(const CHANNEL_COUNTERS *cc, void *ctx)
{
    STR    *names = ctx;

    str_catf(names, "%s=%lld ", cc->channel, (long long) cc->msgs[COUNTERS_ENQUEUED]);
    return 0;
}

static void test_database(void)
{
    COUNTERS *c;
    COUNTERS_DELTA d[3];
    CHANNEL_COUNTERS cc;
    STR     err = STR_INIT, names = STR_INIT;
    int     rc;

    c = counters_open(DICT_RDONLY, &err);
    tap_ok(c == NULL && strstr(STR_C(err), "no such database") != NULL,
	   "read-only open of a database not made yet: \"no such database\"");
    str_reset(&err);
    c = counters_open(DICT_RDWR | DICT_CREATE, &err);
    if (!tap_ok(c != NULL, "counters_open creates PMDF_LOG:counters.db")) {
	tap_diag("%s", STR_C(err));
	return;
    }
    tap_is_str(counters_db_path(c), tenv_path("log/counters.db"), "at its default place");
    counters_delta_init(&d[0], "l");
    counters_delta_enqueued(&d[0], "l", 2);
    counters_delta_init(&d[1], "tcp_local");
    counters_delta_enqueued(&d[1], "tcp_local", 1);
    counters_delta_init(&d[2], "l");
    counters_delta_enqueued(&d[2], "l", 1);
    tap_is_int(counters_add(c, d, 3, &err), 0, "three deltas, two of one channel, in one call");
    rc = counters_get(c, "l", &cc, &err);
    tap_ok(rc == 1 && cc.msgs[COUNTERS_ENQUEUED] == 2 && cc.rcpts[COUNTERS_ENQUEUED] == 3
	   && cc.msgs[COUNTERS_QUEUED] == 2 && cc.since > 0, "l: 2 messages, 3 recipients");
    rc = counters_get(c, "bitbucket", &cc, &err);
    tap_ok(rc == 0 && cc.msgs[COUNTERS_ENQUEUED] == 0, "a channel never counted: 0, all zero");
    tap_is_int(counters_walk(c, count_walk, &names, &err), 0, "walk");
    tap_is_str(STR_C(names), "l=2 tcp_local=1 ", "walk: every channel, in name order");
    tap_is_int(counters_clear(c, "l", &err), 0, "clear one channel");
    counters_get(c, "l", &cc, &err);
    tap_ok(cc.msgs[COUNTERS_ENQUEUED] == 0 && cc.msgs[COUNTERS_QUEUED] == 2,
	   "clear zeroes the counts and keeps the queued gauge");
    tap_is_int(counters_set_queued(c, "l", 7, 9, &err), 0, "set the gauge");
    counters_get(c, "l", &cc, &err);
    tap_ok(cc.msgs[COUNTERS_QUEUED] == 7 && cc.rcpts[COUNTERS_QUEUED] == 9, "the gauge is set");
    tap_is_int(counters_clear(c, NULL, &err), 0, "clear all channels");
    counters_get(c, "tcp_local", &cc, &err);
    tap_ok(cc.msgs[COUNTERS_ENQUEUED] == 0 && cc.msgs[COUNTERS_QUEUED] == 1,
	   "tcp_local cleared too, its gauge kept");
    counters_close(c);
    str_free(&err);
    str_free(&names);
}

#define WRITERS 4
#define ADDS 150

static void test_concurrency(void)
{
    COUNTERS *c;
    CHANNEL_COUNTERS cc;
    STR     err = STR_INIT;
    pid_t   kids[WRITERS];
    int     i, status, ok = 1;

    for (i = 0; i < WRITERS; i++) {
	if ((kids[i] = fork()) == 0) {
	    COUNTERS *w = counters_open(DICT_RDWR | DICT_CREATE, &err);
	    COUNTERS_DELTA d[2];
	    int     k;

	    for (k = 0; w != NULL && k < ADDS; k++) {
		counters_delta_init(&d[0], "tcp_busy");
		counters_delta_enqueued(&d[0], "tcp_busy", 2);
		counters_delta_init(&d[1], k % 2 ? "tcp_other" : "tcp_busy");
		counters_delta_outcome(&d[1], d[1].channel, 1, 0, 0, 0);
		if (counters_add(w, d, 2, &err) < 0) {
		    fprintf(stderr, "writer: %s\n", STR_C(err));
		    _exit(2);
		}
	    }
	    counters_close(w);
	    _exit(w == NULL ? 3 : 0);
	}
    }
    for (i = 0; i < WRITERS; i++)
	if (waitpid(kids[i], &status, 0) != kids[i] || !WIFEXITED(status)
	    || WEXITSTATUS(status) != 0) {
	    ok = 0;
	    tap_diag("writer %d: status %d", i, status);
	}
    tap_ok(ok, "%d processes add %d times each, concurrently, without an error", WRITERS, ADDS);
    c = counters_open(DICT_RDONLY, &err);
    if (c != NULL && counters_get(c, "tcp_busy", &cc, &err) == 1)
	tap_ok(cc.msgs[COUNTERS_ENQUEUED] == WRITERS * ADDS
	       && cc.rcpts[COUNTERS_ENQUEUED] == 2 * WRITERS * ADDS
	       && cc.msgs[COUNTERS_DELIVERED] == WRITERS * ADDS / 2,
	       "no update lost: %lld enqueued, %lld delivered", (long long) cc.msgs[COUNTERS_ENQUEUED],
	       (long long) cc.msgs[COUNTERS_DELIVERED]);
    else
	tap_ok(0, "read back the concurrent counts: %s", STR_C(err));
    counters_close(c);
    str_free(&err);
}

/* What the job controller's wake callback was told. */
static void note_wake(const char *channel, const char *name, void *ctx)
{
    STRLIST *l = ctx;
    STR     s = STR_INIT;

    str_printf(&s, "%s/%s", channel, name);
    strlist_add(l, STR_C(s));
    str_free(&s);
}

static int note_rec(const QCACHE_REC *r, void *ctx)
{
    strlist_add(ctx, r->name);
    return 0;
}

static int cached(QCACHE *c, const char *channel, const char *name)
{
    STRLIST got = STRLIST_INIT;
    STR     err = STR_INIT;
    size_t  i;
    int     found = 0;

    (void) qcache_walk(c, channel, note_rec, &got, &err);
    for (i = 0; i < got.n; i++)
	found |= strcmp(got.v[i], name) == 0;
    strlist_free(&got);
    str_free(&err);
    return found;
}

static int64_t count_of(COUNTERS *c, const char *channel, int kind, int rcpts)
{
    CHANNEL_COUNTERS cc;
    STR     err = STR_INIT;

    memset(&cc, 0, sizeof(cc));
    (void) counters_get(c, channel, &cc, &err);
    str_free(&err);
    return rcpts ? cc.rcpts[kind] : cc.msgs[kind];
}

static void test_events(void)
{
    STR     path = STR_INIT, err = STR_INIT, from = STR_INIT;
    STRLIST woken = STRLIST_INIT, many = STRLIST_INIT;
    QCACHE_REC r[2];
    QNOTIFY q = QNOTIFY_INIT;
    COUNTERS_DELTA d;
    QCACHE *qc;
    COUNTERS *c;
    char   *buf = malloc(JOBWAKE_MAX + 1), name[64];
    long    len;
    int     fd, i, n, ok;

    memset(r, 0, sizeof(r));
    r[0].channel = r[1].channel = "tcp_ev";
    r[0].name = "ZZ0123456789abcdef01234567.00";
    r[1].name = "ZZ0123456789abcdef01234568.00";
    r[0].size = r[1].size = 5000000000ULL;		/* more than 32 bits */
    r[0].created = r[1].created = 1700000000;
    r[0].from = "a@example.org";
    r[1].from = "";
    r[0].nrcpt = 2;
    r[1].nrcpt = 1;
    r[0].envid = r[1].envid = "";

    /* No job controller: the sender applies its events itself. */
    qnotify_enqueued(r, 1);
    qnotify_shutdown();
    qc = qcache_open(DICT_RDWR | DICT_CREATE, &err);
    c = counters_open(DICT_RDWR | DICT_CREATE, &err);
    if (!tap_ok(qc != NULL && c != NULL, "open the queue cache and the counters")) {
	tap_diag("%s", STR_C(err));
	return;
    }
    tap_ok(cached(qc, "tcp_ev", r[0].name), "no job controller: the sender entered the message"
	   " into the cache itself");
    tap_ok(count_of(c, "tcp_ev", COUNTERS_ENQUEUED, 0) == 1
	   && count_of(c, "tcp_ev", COUNTERS_ENQUEUED, 1) == 2, "... and counted it");

    /* A job controller listens: the sender only sends. */
    fd = jobwake_listen(&path, &err);
    if (!tap_ok(fd >= 0, "jobwake_listen binds PMDF_LOG:job_controller.sock")) {
	tap_diag("%s", STR_C(err));
	return;
    }
    tap_is_str(STR_C(path), tenv_path("log/job_controller.sock"), "... where it belongs");
    tap_is_int((int) jobwake_recv(fd, buf, JOBWAKE_MAX + 1), 0, "nothing waiting: 0");
    qnotify_enqueued(&r[1], 1);
    tap_ok(!cached(qc, "tcp_ev", r[1].name), "a job controller listens: the sender did not write"
	   " the cache");
    len = jobwake_recv(fd, buf, JOBWAKE_MAX + 1);
    tap_ok(len > 0, "one datagram (%ld bytes)", len);
    tap_is_int(qnotify_apply(buf, (size_t) len, qc, c, note_wake, &woken, &err), 0,
	       "the job controller applies it");
    tap_ok(cached(qc, "tcp_ev", r[1].name) && count_of(c, "tcp_ev", COUNTERS_ENQUEUED, 0) == 2,
	   "the message is in the cache and counted");
    tap_ok(woken.n == 1 && strcmp(woken.v[0], "tcp_ev/ZZ0123456789abcdef01234568.00") == 0,
	   "and the job controller is told to deliver it");

    /* A requeue and a delivery: removal, addition (not due), counts. */
    qnotify_del(&q, "tcp_ev", r[0].name);
    r[0].name = "ZZ0123456789abcdef01234567.01";
    qnotify_add(&q, &r[0], 0);
    qnotify_del(&q, "tcp_ev", r[1].name);
    counters_delta_init(&d, "tcp_ev");
    counters_delta_outcome(&d, "tcp_ev", 1, 0, 2, 0);
    qnotify_count(&q, &d);
    qnotify_send(&q);
    len = jobwake_recv(fd, buf, JOBWAKE_MAX + 1);
    strlist_reset(&woken);
    ok = len > 0 && qnotify_apply(buf, (size_t) len, qc, c, note_wake, &woken, &err) == 0;
    tap_ok(ok && cached(qc, "tcp_ev", "ZZ0123456789abcdef01234567.01")
	   && !cached(qc, "tcp_ev", "ZZ0123456789abcdef01234567.00")
	   && !cached(qc, "tcp_ev", "ZZ0123456789abcdef01234568.00"),
	   "removals and an addition applied");
    tap_ok(woken.n == 0, "a requeued message is not due at once: nobody woken");
    tap_ok(count_of(c, "tcp_ev", COUNTERS_DELIVERED, 0) == 1
	   && count_of(c, "tcp_ev", COUNTERS_DEFERRED, 1) == 2, "the counts applied");

    /* 100 additions with long senders: several datagrams, none over JOBWAKE_MAX
     * (all fit in the receive buffer: nobody reads while they are sent). */
    for (i = 0; i < 1000; i++)
	str_catc(&from, 'x');
    str_cat(&from, "@example.org");
    for (i = 0; i < 100; i++) {
	QCACHE_REC x = r[1];

	snprintf(name, sizeof(name), "ZZ%024d.00", i);
	x.name = name;
	x.from = STR_C(from);
	qnotify_add(&q, &x, 1);
    }
    qnotify_send(&q);
    strlist_reset(&woken);
    for (n = 0, ok = 1; (len = jobwake_recv(fd, buf, JOBWAKE_MAX + 1)) > 0; n++)
	ok &= len <= JOBWAKE_MAX && qnotify_apply(buf, (size_t) len, qc, c, note_wake, &woken,
						  &err) == 0;
    for (i = 0; i < 100; i++) {
	snprintf(name, sizeof(name), "tcp_ev/ZZ%024d.00", i);
	ok &= (size_t) i < woken.n && strcmp(woken.v[i], name) == 0;
    }
    tap_ok(ok && n >= 3 && woken.n == 100, "100 additions arrive whole and in order, over %d"
	   " datagrams", n);

    /* What is not ours, or damaged, is refused whole. */
    tap_is_int(qnotify_apply("hello\n", 6, qc, c, note_wake, &woken, &err), -1,
	       "a foreign datagram is refused");
    tap_ok(strstr(STR_C(err), "not a queue event") != NULL, "... saying so: %s", STR_C(err));
    qnotify_del(&q, "tcp_ev", "ZZ0123456789abcdef01234567.01");
    counters_delta_init(&d, "tcp_ev");
    counters_delta_removed(&d, "tcp_ev", 2);
    qnotify_count(&q, &d);
    qnotify_send(&q);
    len = jobwake_recv(fd, buf, JOBWAKE_MAX + 1);
    tap_is_int(qnotify_apply(buf, (size_t) (len - 5), qc, c, NULL, NULL, &err), -1,
	       "a truncated datagram is refused");
    tap_ok(cached(qc, "tcp_ev", "ZZ0123456789abcdef01234567.01"), "... and nothing of it applied");
    tap_ok(len > 0 && qnotify_apply(buf, (size_t) len, qc, c, NULL, NULL, &err) == 0
	   && !cached(qc, "tcp_ev", "ZZ0123456789abcdef01234567.01"), "the whole one applies");

    jobwake_close(fd, STR_C(path));
    tap_ok(access(STR_C(path), F_OK) != 0, "jobwake_close removes the socket");
    qnotify_enqueued(r, 1);
    tap_ok(cached(qc, "tcp_ev", r[0].name), "the job controller gone: the sender applies its"
	   " events itself again");
    qnotify_shutdown();
    qnotify_free(&q);
    qcache_close(qc);
    counters_close(c);
    free(buf);
    str_free(&path);
    str_free(&err);
    str_free(&from);
    strlist_free(&woken);
    strlist_free(&many);
}

static int wait_child(int fd, long *pid, SPAWN_STATUS *st)
{
    struct pollfd p;
    int     i;

    for (i = 0; i < 100; i++) {
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 100) > 0)
	    spawn_ack(fd);
	if (spawn_reap(pid, st) > 0)
	    return 1;
    }
    return 0;
}

static void test_spawn(void)
{
    STR     err = STR_INIT, how = STR_INIT;
    char   *exit3[] = {"/bin/sh", "-c", "exit 3", NULL};
    char   *sleeper[] = {"/bin/sh", "-c", "sleep 30", NULL};
    char   *missing[] = {"/nonexistent/program", NULL};
    SPAWN_STATUS st;
    long    pid, got;
    int     fd = spawn_init(&err);

    if (!tap_ok(fd >= 0, "spawn_init")) {
	tap_diag("%s", STR_C(err));
	return;
    }
    pid = spawn_child(exit3, &err);
    tap_ok(pid > 0 && wait_child(fd, &got, &st) && got == pid, "a child ends and is reaped");
    spawn_describe(&st, &how);
    tap_is_str(STR_C(how), "exit status 3", "its exit status");
    pid = spawn_child(sleeper, &err);
    tap_is_int(spawn_signal(pid, 1), 0, "spawn_signal (hard)");
    tap_ok(wait_child(fd, &got, &st) && got == pid && st.how == SPAWN_SIGNALED, "killed: reaped");
    spawn_describe(&st, &how);
    tap_is_str(STR_C(how), "signal 9 (Killed)", "... as a signal");
    pid = spawn_child(missing, &err);
    tap_ok(pid > 0 && wait_child(fd, &got, &st) && st.how == SPAWN_EXITED && st.code == 127,
	   "a program that cannot run: exit status 127");
    tap_is_int(spawn_reap(&got, &st), 0, "nothing more to reap");
    str_free(&err);
    str_free(&how);
}

int     main(void)
{
    setup();
    test_deltas();
    test_database();
    test_concurrency();
    test_events();
    test_spawn();
    lnm_shutdown();
    tenv_cleanup();
    return tap_done();
}
