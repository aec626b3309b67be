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
 *	transactions, which are retried); the wake-up datagrams: nothing
 *	happens and nothing blocks without a listener, a channel and its
 *	names arrive, 300 names arrive whole over several datagrams of at most
 *	JOBWAKE_MAX bytes, bad names are left out, a foreign datagram is
 *	skipped; and spawn.h: the child-exit descriptor becomes readable, an
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

static void test_wake(void)
{
    STR     path = STR_INIT, err = STR_INIT, channel = STR_INIT;
    STRLIST names = STRLIST_INIT, got = STRLIST_INIT;
    const char *two[] = {"ZZ0123456789abcdef01234567.00", "ZZ0123456789abcdef01234568.03"};
    const char *bad[] = {"ok.name", "has space", "sl/ash", ""};
    char    buf[64];
    int     fd, i, n, whole;
    size_t  k;

    jobctl_wake("tcp_local", two, 2);
    tap_ok(1, "a wake-up with no job controller listening neither fails nor blocks");
    fd = jobwake_listen(&path, &err);
    if (!tap_ok(fd >= 0, "jobwake_listen binds PMDF_LOG:job_controller.sock")) {
	tap_diag("%s", STR_C(err));
	return;
    }
    tap_is_str(STR_C(path), tenv_path("log/job_controller.sock"), "... where it belongs");
    tap_is_int(jobwake_recv(fd, &channel, &names), 0, "nothing waiting: 0");
    jobctl_wake("tcp_local", two, 2);
    tap_is_int(jobwake_recv(fd, &channel, &names), 1, "one wake-up");
    tap_ok(strcmp(STR_C(channel), "tcp_local") == 0 && names.n == 2
	   && strcmp(names.v[0], two[0]) == 0 && strcmp(names.v[1], two[1]) == 0,
	   "it names the channel and both files");
    jobctl_wake("l", NULL, 0);
    tap_ok(jobwake_recv(fd, &channel, &names) == 1 && strcmp(STR_C(channel), "l") == 0
	   && names.n == 0, "a wake-up with no names: the channel alone");
    for (i = 0; i < 300; i++) {
	snprintf(buf, sizeof(buf), "ZZ%024d.00", i);
	strlist_add(&got, buf);
    }
    jobctl_wake("tcp_big", (const char *const *) got.v, got.n);
    for (n = 0, k = 0, whole = 1; jobwake_recv(fd, &channel, &names) == 1; n++)
	for (i = 0; (size_t) i < names.n; i++, k++)
	    if (k >= got.n || strcmp(names.v[i], got.v[k]) != 0)
		whole = 0;
    tap_ok(n >= 3 && k == 300 && whole, "300 names arrive whole and in order, over %d datagrams", n);
    jobctl_wake("l", bad, 4);
    tap_ok(jobwake_recv(fd, &channel, &names) == 1 && names.n == 1
	   && strcmp(names.v[0], "ok.name") == 0, "names with blanks or slashes are left out");
    jobctl_wake("bad channel", two, 2);
    tap_is_int(jobwake_recv(fd, &channel, &names), 0, "a bad channel name sends nothing");
    {
	struct sockaddr_un sa;
	int     s = socket(AF_UNIX, SOCK_DGRAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", STR_C(path));
	(void) sendto(s, "hello\n", 6, 0, (struct sockaddr *) &sa, sizeof(sa));
	close(s);
	jobctl_wake("l", two, 1);
	tap_ok(jobwake_recv(fd, &channel, &names) == 1 && names.n == 1,
	       "a foreign datagram is skipped, the next one read");
    }
    jobwake_close(fd, STR_C(path));
    tap_ok(access(STR_C(path), F_OK) != 0, "jobwake_close removes the socket");
    str_free(&path);
    str_free(&err);
    str_free(&channel);
    strlist_free(&names);
    strlist_free(&got);
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
    test_wake();
    test_spawn();
    lnm_shutdown();
    tenv_cleanup();
    return tap_done();
}
