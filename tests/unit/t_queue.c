/*
 * NAME
 *	t_queue - queue files, group commit, the queue cache
 * DESCRIPTION
 *	A private instance in a temporary directory (a tailor file with
 *	PMDF_QUEUE=<dir>/queue/, PMDF_TAILOR naming it, every other PMDF_
 *	variable removed), then: a round trip of a full envelope and a
 *	binary message written in odd-sized chunks; CR, LF and NUL refused in
 *	every envelope field and every bound enforced, with nothing left on
 *	disk; .tmp files and stray names never taken for messages; every
 *	truncation of a small file and every flipped byte detected; unknown
 *	versions; a group commit of 50 messages in two channels costing one
 *	directory sync per directory; removal; the queue cache (add, walk,
 *	remove, synchronise after files vanish, appear or are damaged); and a
 *	writer killed with SIGKILL leaving nothing that passes for a message.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <zlib.h>
#include "queue.h"
#include "qcache.h"
#include "fsync.h"
#include "dict.h"
#include "lnm.h"
#include "str.h"
#include "tap.h"
#include "tenv.h"

/* ---- set-up ---------------------------------------------------------- */

static int get_file(const char *path, STR *out)
{
    FILE   *fp = fopen(path, "rb");
    char    buf[4096];
    size_t  n;

    str_truncate(out, 0);
    if (fp == NULL)
	return -1;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
	str_catn(out, buf, n);
    fclose(fp);
    return 0;
}

static void setup(void)
{
    tenv_setup("t_queue", "! t_queue instance\nPMDF_QUEUE=@DIR@/queue/\n");
    if (mkdir(tenv_path("queue"), 0700) != 0) {
	printf("Bail out! mkdir %s: %s\n", tenv_path("queue"), strerror(errno));
	exit(1);
    }
}

/* ---- helpers -------------------------------------------------------- */

static void full_envelope(QENVELOPE *e)
{
    qenvelope_init(e);
    str_cpy(&e->source_channel, "tcp_local");
    str_cpy(&e->from, "sender@example.org");
    e->ret = QUEUE_RET_HDRS;
    str_cpy(&e->envid, "QQ314159+2Bx");
    str_cpy(&e->auth_user, "alice");
    e->tls = 1;
    str_cpy(&e->client_addr, "192.0.2.7");
    str_cpy(&e->helo, "client.example.net");
    qenvelope_add_rcpt(e, "bob@example.com", "rfc822;Bob@Example.COM",
		       QUEUE_NOTIFY_SUCCESS | QUEUE_NOTIFY_FAILURE, "<Bob@Example.COM>");
    qenvelope_add_rcpt(e, "carol@example.com", "", QUEUE_NOTIFY_NEVER, "carol");
    qenvelope_add_rcpt(e, "dave@example.com", "rfc822;dave@example.com", 0, "");
}

static void small_envelope(QENVELOPE *e)
{
    qenvelope_init(e);
    str_cpy(&e->from, "a@example.org");
    qenvelope_add_rcpt(e, "b@example.com", NULL, 0, NULL);
}

/* Creates, writes in chunks of varying size, finishes; NULL on error. */
static QMSG_W *write_unsynced(const char *chan, const QENVELOPE *e, const char *body, size_t len,
			              STR *err)
{
    static const size_t chunks[] = {1, 7, 13, 4096, 70001, 2};
    QMSG_W *w = queue_create(chan, e, 0, err);
    size_t  off = 0, n, i = 0;

    if (w == NULL)
	return NULL;
    while (off < len) {
	n = chunks[i++ % (sizeof(chunks) / sizeof(chunks[0]))];
	if (n > len - off)
	    n = len - off;
	if (queue_write(w, body + off, n, err) < 0) {
	    queue_release(w);
	    return NULL;
	}
	off += n;
    }
    if (queue_finish(w, err) < 0) {
	queue_release(w);
	return NULL;
    }
    return w;
}

/* A whole durable message; its path in path.  0 or -1. */
static int write_msg(const char *chan, const QENVELOPE *e, const char *body, size_t len,
		             STR *path, STR *err)
{
    QMSG_W *w = write_unsynced(chan, e, body, len, err);
    int     rc;

    if (w == NULL)
	return -1;
    rc = queue_sync_dirs(&w, 1, err);
    if (path)
	str_cpy(path, queue_w_path(w));
    queue_release(w);
    return rc;
}

static int count_cb(const char *chan, const char *name, const char *path, void *ctx)
{
    (void) chan, (void) name, (void) path;
    ++*(long *) ctx;
    return 0;
}

static long count_msgs(const char *chan)
{
    STR     err = STR_INIT;
    long    n = 0;

    if (queue_scan(chan, count_cb, &n, &err) < 0) {
	tap_diag("scan: %s", STR_C(err));
	n = -1;
    }
    str_free(&err);
    return n;
}

/* Every directory entry of a channel's directory, .tmp and strays too. */
static long count_entries(const char *chan)
{
    char    path[400];
    DIR    *d;
    struct dirent *e;
    long    n = 0;

    snprintf(path, sizeof(path), "%s/queue/%s", tenv_dir(), chan);
    if ((d = opendir(path)) == NULL)
	return 0;
    while ((e = readdir(d)) != NULL)
	if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
	    n++;
    closedir(d);
    return n;
}

/* ---- round trip ----------------------------------------------------- */

static void test_round_trip(void)
{
    QENVELOPE e;
    QMESSAGE m;
    STR     err = STR_INIT, path = STR_INIT, body = STR_INIT;
    QMSG_W *w;
    struct stat st;
    size_t  i;
    int     rc;

    queue_message_init(&m);
    full_envelope(&e);
    for (i = 0; i < 200000; i++)
	str_catc(&body, (int) ((i * 7 + i / 256) & 255));
    str_catn(&body, "\r\n.\r\nPMDFQEND\0\r\n", 16);
    w = write_unsynced("tcp_local", &e, body.s, body.len, &err);
    tap_ok(w != NULL, "a 3-recipient message written in odd chunks: %s", STR_C(err));
    if (w == NULL)
	return;
    tap_ok(queue_valid_name(queue_w_name(w)), "its name %s has the ZZ<24 hex>.00 form",
	   queue_w_name(w));
    tap_ok(strncmp(queue_w_id(w), queue_w_name(w), 26) == 0 && strlen(queue_w_id(w)) == 26,
	   "the envelope id is the name's stem");
    rc = queue_sync_dirs(&w, 1, &err);
    tap_ok(rc == 0 && queue_is_durable(w), "synced: %s", STR_C(err));
    str_cpy(&path, queue_w_path(w));
    tap_ok(stat(STR_C(path), &st) == 0 && (st.st_mode & 0777) == 0600, "the file is mode 0600");
    tap_ok(stat(tenv_path("queue/tcp_local"), &st) == 0 && (st.st_mode & 0777) == 0700,
	   "the channel directory was created mode 0700");
    tap_is_int(count_msgs("tcp_local"), 1, "scan finds it");
    rc = queue_read(STR_C(path), &m, &err);
    tap_is_int(rc, 0, "it reads back: %s", STR_C(err));
    if (rc == 0) {
	tap_is_str(STR_C(m.env.id), queue_w_id(w), "envelope id");
	tap_is_int((long) m.env.created, (long) queue_w_created(w), "creation time");
	tap_ok(m.env.created > 1600000000, "creation time is now-ish");
	tap_is_str(STR_C(m.env.source_channel), "tcp_local", "source channel");
	tap_is_str(STR_C(m.env.from), "sender@example.org", "From");
	tap_is_int(m.env.ret, QUEUE_RET_HDRS, "RET=HDRS");
	tap_is_str(STR_C(m.env.envid), "QQ314159+2Bx", "ENVID");
	tap_is_str(STR_C(m.env.auth_user), "alice", "authenticated user");
	tap_is_int(m.env.tls, 1, "TLS flag");
	tap_is_str(STR_C(m.env.client_addr), "192.0.2.7", "client address");
	tap_is_str(STR_C(m.env.helo), "client.example.net", "HELO name");
	tap_is_int((long) m.env.nrcpt, 3, "three recipients");
	tap_is_str(STR_C(m.env.rcpt[0].addr), "bob@example.com", "recipient 1 address");
	tap_is_str(STR_C(m.env.rcpt[0].orcpt), "rfc822;Bob@Example.COM", "recipient 1 ORCPT");
	tap_is_int((long) m.env.rcpt[0].notify, QUEUE_NOTIFY_SUCCESS | QUEUE_NOTIFY_FAILURE,
		   "recipient 1 NOTIFY=SUCCESS,FAILURE");
	tap_is_str(STR_C(m.env.rcpt[0].original), "<Bob@Example.COM>", "recipient 1 original");
	tap_is_int((long) m.env.rcpt[1].notify, QUEUE_NOTIFY_NEVER, "recipient 2 NOTIFY=NEVER");
	tap_is_str(STR_C(m.env.rcpt[1].orcpt), "", "recipient 2 has no ORCPT");
	tap_is_str(STR_C(m.env.rcpt[2].addr), "dave@example.com", "recipient 3 address");
	tap_is_int((long) m.body_len, (long) body.len, "message length");
	tap_ok(m.body_len == body.len && memcmp(m.body, body.s, body.len) == 0,
	       "message bytes identical (NULs, CRLF, the trailer magic inside)");
	tap_is_int((long) queue_w_size(w), (long) body.len, "the writer counted the same length");
    }
    else
	tap_skip(22, "the message did not read back");
    queue_message_free(&m);
    queue_release(w);

    /* An empty message and a null sender. */
    qenvelope_free(&e);
    small_envelope(&e);
    str_truncate(&e.from, 0);
    rc = write_msg("tcp_local", &e, "", 0, &path, &err);
    if (rc == 0)
	rc = queue_read(STR_C(path), &m, &err);
    tap_ok(rc == 0 && m.body_len == 0 && m.env.from.len == 0,
	   "an empty message from <> round-trips: %s", STR_C(err));
    queue_message_free(&m);
    qenvelope_free(&e);
    str_free(&err);
    str_free(&path);
    str_free(&body);
}

/* ---- refusals ------------------------------------------------------- */

/* The field of e that number i names, for the CR/LF/NUL sweep. */
static STR *field_of(QENVELOPE *e, int i, const char **what)
{
    static const char *names[] = {
	"envelope id", "source channel", "envelope From", "DSN ENVID", "authenticated user",
	"client address", "HELO name", "recipient 2 address", "recipient 2 ORCPT",
	"recipient 2 original address",
    };
    STR    *f[10];

    f[0] = &e->id, f[1] = &e->source_channel, f[2] = &e->from, f[3] = &e->envid;
    f[4] = &e->auth_user, f[5] = &e->client_addr, f[6] = &e->helo;
    f[7] = &e->rcpt[1].addr, f[8] = &e->rcpt[1].orcpt, f[9] = &e->rcpt[1].original;
    *what = names[i];
    return f[i];
}

static void test_bad_bytes(void)
{
    static const char bad[] = {'\r', '\n', '\0'};
    QENVELOPE e;
    STR     err = STR_INIT, *f;
    const char *what;
    long    before = count_entries("tcp_refuse");
    int     i, j, n_refused, named;
    QMSG_W *w;

    for (i = 0; i < 10; i++) {
	n_refused = named = 0;
	for (j = 0; j < 3; j++) {
	    full_envelope(&e);
	    f = field_of(&e, i, &what);
	    str_cpy(f, "ab");
	    str_catc(f, bad[j]);
	    str_cat(f, "cd");
	    str_truncate(&err, 0);
	    w = queue_create("tcp_refuse", &e, 0, &err);
	    n_refused += (w == NULL);
	    named += strstr(STR_C(err), what) != NULL && strstr(STR_C(err), "byte 2") != NULL;
	    queue_abort(w);
	    qenvelope_free(&e);
	}
	tap_ok(n_refused == 3 && named == 3, "CR, LF and NUL refused in the %s (%s)", what,
	       STR_C(err));
    }
    tap_is_int(count_entries("tcp_refuse"), before, "nothing was written for them");
    str_free(&err);
}

static int refused(const QENVELOPE *e, const char *chan, const char *expect, const char *name)
{
    STR     err = STR_INIT;
    QMSG_W *w = queue_create(chan, e, 0, &err);
    int     ok = w == NULL && strstr(STR_C(err), expect) != NULL;

    tap_ok(ok, "%s is refused: %s", name, STR_C(err));
    queue_abort(w);
    str_free(&err);
    return ok;
}

static void test_bounds(void)
{
    QENVELOPE e;
    QMESSAGE m;
    STR     err = STR_INIT, path = STR_INIT, big = STR_INIT;
    QMSG_W *w;
    size_t  i;
    char    name[32];
    int     rc;

    queue_message_init(&m);
    small_envelope(&e);
    str_truncate(&e.rcpt[0].addr, 0);
    while (e.rcpt[0].addr.len < 1012)
	str_catc(&e.rcpt[0].addr, 'x');
    str_cat(&e.rcpt[0].addr, "@example.com");
    rc = write_msg("tcp_bounds", &e, "x\r\n", 3, NULL, &err);
    tap_ok(rc == 0, "a 1024-byte address is accepted: %s", STR_C(err));
    str_catc(&e.rcpt[0].addr, 'm');
    refused(&e, "tcp_bounds", "1025 bytes", "a 1025-byte recipient address");
    qenvelope_free(&e);
    small_envelope(&e);
    for (i = 0; i < 1025; i++)
	str_catc(&e.from, 'f');
    refused(&e, "tcp_bounds", "envelope From is 1038 bytes", "a 1038-byte From");
    qenvelope_free(&e);
    small_envelope(&e);
    for (i = 0; i < 1025; i++)
	str_catc(&e.envid, 'e');
    refused(&e, "tcp_bounds", "DSN ENVID", "a 1025-byte ENVID");
    qenvelope_free(&e);

    /* Recipients: none, the maximum, one more. */
    small_envelope(&e);
    e.nrcpt = 0;
    refused(&e, "tcp_bounds", "1 to 100000 recipients", "a message without recipients");
    e.nrcpt = 1;
    for (i = 1; i < QUEUE_MAX_RCPTS; i++) {
	snprintf(name, sizeof(name), "r%lu@example.com", (unsigned long) i);
	qenvelope_add_rcpt(&e, name, NULL, 0, NULL);
    }
    rc = write_msg("tcp_bounds", &e, "x\r\n", 3, &path, &err);
    tap_ok(rc == 0, "100,000 recipients are accepted: %s", STR_C(err));
    if (rc == 0)
	rc = queue_read(STR_C(path), &m, &err);
    tap_ok(rc == 0 && m.env.nrcpt == QUEUE_MAX_RCPTS
	   && strcmp(STR_C(m.env.rcpt[QUEUE_MAX_RCPTS - 1].addr), "r99999@example.com") == 0,
	   "and all 100,000 read back: %s", STR_C(err));
    queue_message_free(&m);
    qenvelope_add_rcpt(&e, "one-too-many@example.com", NULL, 0, NULL);
    refused(&e, "tcp_bounds", "not 100001", "a 100,001st recipient");
    qenvelope_free(&e);

    /* NOTIFY, RET, channel names. */
    small_envelope(&e);
    e.rcpt[0].notify = QUEUE_NOTIFY_NEVER | QUEUE_NOTIFY_DELAY;
    refused(&e, "tcp_bounds", "NOTIFY", "NOTIFY=NEVER,DELAY");
    e.rcpt[0].notify = 16;
    refused(&e, "tcp_bounds", "NOTIFY", "an unknown NOTIFY bit");
    e.rcpt[0].notify = 0;
    e.ret = 3;
    refused(&e, "tcp_bounds", "RET", "RET value 3");
    e.ret = 0;
    str_truncate(&e.rcpt[0].addr, 0);
    refused(&e, "tcp_bounds", "empty", "an empty recipient address");
    str_cpy(&e.rcpt[0].addr, "b@example.com");
    refused(&e, "..", "not valid", "channel \"..\"");
    refused(&e, "a/b", "not valid", "channel \"a/b\"");
    refused(&e, "", "1 to 32", "an empty channel name");
    refused(&e, "Tcp_local", "lower-case", "an upper-case channel name");
    refused(&e, "-x", "starting with a letter", "channel \"-x\"");
    refused(&e, "abcdefghijklmnopqrstuvwxyz0123456", "1 to 32", "a 33-character channel");
    str_cpy(&e.source_channel, "x.y");
    refused(&e, "tcp_bounds", "not valid", "a source channel \"x.y\"");
    str_truncate(&e.source_channel, 0);

    /* The message size limit. */
    for (i = 0; i < 5000; i++)
	str_catc(&big, 'z');
    w = queue_create("tcp_bounds", &e, 4096, &err);
    tap_ok(w != NULL && queue_write(w, big.s, 4096, &err) == 0, "4096 bytes fit a 4096 limit");
    rc = w != NULL ? queue_write(w, big.s, 1, &err) : 0;
    tap_ok(rc < 0 && strstr(STR_C(err), "4096"), "one byte more is refused: %s", STR_C(err));
    tap_ok(w != NULL && queue_finish(w, &err) < 0, "and the writer cannot be finished");
    tap_ok(w != NULL && access(queue_w_path(w), F_OK) != 0, "no final file");
    queue_release(w);
    tap_is_int(count_entries("tcp_bounds"), 2, "only the two good messages are left");
    qenvelope_free(&e);
    str_free(&err);
    str_free(&path);
    str_free(&big);
}

/* ---- what scan sees ------------------------------------------------- */

static void test_scan_ignores(void)
{
    QENVELOPE e;
    STR     err = STR_INIT;
    QMSG_W *w;
    char    path[600];
    static const char *strays[] = {
	"ZZ0123456789abcdef0123456.00", "ZZ0123456789abcdef012345678.00",
	"ZZ0123456789abcdef01234567.0a", "ZZ0123456789abcdef01234567.00.tmp",
	"ZZ0123456789abcdef0123456g.00", "YZ0123456789abcdef01234567.00", "notes.txt",
	"ZZ0123456789abcdef01234567.tmp",
    };
    size_t  i;
    int     rc;

    small_envelope(&e);
    w = queue_create("tcp_scan", &e, 0, &err);
    rc = w != NULL ? queue_write(w, "Subject: x\r\n\r\nbody\r\n", 20, &err) : -1;
    tap_ok(rc == 0, "a message half written: %s", STR_C(err));
    for (i = 0; i < sizeof(strays) / sizeof(strays[0]); i++) {
	snprintf(path, sizeof(path), "%s/queue/tcp_scan/%s", tenv_dir(), strays[i]);
	tenv_put(path, "PMDFQ\n", 6);
    }
    snprintf(path, sizeof(path), "%s/queue/tcp_scan/ZZ0123456789ABCDEF0123456F.00", tenv_dir());
    tenv_put(path, "x", 1);
    tap_is_int(count_entries("tcp_scan"), 10, "nine strays and a .tmp in the directory");
    tap_is_int(count_msgs("tcp_scan"), 1, "scan takes only the one well-formed name"
	       " (upper-case hex, as ODS-2 stores it)");
    unlink(path);
    tap_is_int(count_msgs("tcp_scan"), 0, "and never the .tmp or the strays");
    rc = w != NULL ? queue_finish(w, &err) : -1;
    tap_ok(rc == 0, "finished: %s", STR_C(err));
    tap_is_int(count_msgs("tcp_scan"), 1, "now scan sees it");
    tap_is_int(count_msgs("no_such_channel"), 0, "a channel without a directory is empty");
    queue_release(w);
    qenvelope_free(&e);
    str_free(&err);
}

/* ---- damage --------------------------------------------------------- */

static void test_damage(void)
{
    QENVELOPE e;
    QMESSAGE m;
    STR     err = STR_INIT, path = STR_INIT, file = STR_INIT;
    const char *copy = tenv_path("copy.00");
    size_t  len, i, region_bad = 0, all_bad = 0, said_truncated = 0, flips_caught = 0;
    int     rc, good;

    queue_message_init(&m);
    full_envelope(&e);
    rc = write_msg("tcp_damage", &e, "Subject: t\r\n\r\nhello\r\n", 21, &path, &err);
    tap_ok(rc == 0 && get_file(STR_C(path), &file) == 0, "a small message file: %s",
	   STR_C(err));
    qenvelope_free(&e);
    if (rc != 0)
	return;
    len = file.len;
    for (i = 0; i < len; i++) {
	tenv_put(copy, file.s, i);
	str_truncate(&err, 0);
	rc = queue_read(copy, &m, &err);
	all_bad += rc == QUEUE_DAMAGED;
	said_truncated += strstr(STR_C(err), "truncated") != NULL;
	if (rc != QUEUE_DAMAGED || strstr(STR_C(err), "truncated") == NULL)
	    tap_diag("length %lu: rc %d: %s", (unsigned long) i, rc, STR_C(err));
	queue_message_free(&m);
    }
    tap_is_int((long) all_bad, (long) len, "all %lu truncations (0..%lu bytes) are refused",
	       (unsigned long) len, (unsigned long) len - 1);
    tap_is_int((long) said_truncated, (long) len, "each one is reported as \"truncated\"");
    tenv_put(copy, file.s, len);
    good = queue_read(copy, &m, &err) == 0;
    tap_ok(good, "the whole file still reads: %s", STR_C(err));
    queue_message_free(&m);

    for (i = 0; i < len; i++) {
	file.s[i] ^= 0x20;
	tenv_put(copy, file.s, len);
	str_truncate(&err, 0);
	rc = queue_read(copy, &m, &err);
	flips_caught += rc == QUEUE_DAMAGED;
	if (i >= 10 && i < len - 12)
	    region_bad += strstr(STR_C(err), "checksum mismatch") != NULL;
	if (rc != QUEUE_DAMAGED)
	    tap_diag("flip at %lu not caught", (unsigned long) i);
	queue_message_free(&m);
	file.s[i] ^= 0x20;
    }
    tap_is_int((long) flips_caught, (long) len, "a flipped byte anywhere in %lu is caught",
	       (unsigned long) len);
    tap_is_int((long) region_bad, (long) len - 22, "between version and trailer it is a"
	       " \"checksum mismatch\"");
    file.s[len - 1] ^= 1;
    tenv_put(copy, file.s, len);
    rc = queue_read(copy, &m, &err);
    tap_ok(rc == QUEUE_DAMAGED && strstr(STR_C(err), "checksum"), "a flipped checksum byte: %s",
	   STR_C(err));
    file.s[len - 1] ^= 1;

    file.s[9] = 2;
    tenv_put(copy, file.s, len);
    rc = queue_read(copy, &m, &err);
    tap_ok(rc == QUEUE_DAMAGED && strstr(STR_C(err), "unknown format version 2") != NULL,
	   "version 2: %s", STR_C(err));
    file.s[9] = 1;
    file.s[0] = 'X';
    tenv_put(copy, file.s, len);
    rc = queue_read(copy, &m, &err);
    tap_ok(rc == QUEUE_DAMAGED && strstr(STR_C(err), "not a queue file") != NULL,
	   "bad magic: %s", STR_C(err));
    file.s[0] = 'P';
    str_catc(&file, 'x');
    tenv_put(copy, file.s, file.len);
    rc = queue_read(copy, &m, &err);
    tap_ok(rc == QUEUE_DAMAGED, "a byte appended: %s", STR_C(err));
    tap_ok(queue_read("/nonexistent/ZZ.00", &m, &err) == -1
	   && strstr(STR_C(err), "cannot open") != NULL, "a missing file is -1, not damaged");
    tap_ok(queue_parse(file.s, len, &m, &err) == 0 && m.env.nrcpt == 3,
	   "queue_parse() reads the same bytes from memory");
    queue_message_free(&m);
    unlink(copy);
    str_free(&err);
    str_free(&path);
    str_free(&file);
}

/* ---- what only a forged file can hold (found by fz_queue) -------- */

/* Recomputes the checksum (of every byte before the trailer) after a change. */
static void reseal(STR *file)
{
    unsigned long crc = crc32(crc32(0L, Z_NULL, 0), (const unsigned char *) file->s,
			      (unsigned) (file->len - QUEUE_TRAILER_LEN - 4));

    file->s[file->len - 4] = (char) (crc >> 24);
    file->s[file->len - 3] = (char) (crc >> 16);
    file->s[file->len - 2] = (char) (crc >> 8);
    file->s[file->len - 1] = (char) crc;
}

/*
 * Fields the writer never writes: an empty envelope id, creation time 0
 * (queue_requeue() refuses both, so such a message could never be
 * requeued) and a source channel that is no channel name.  A file
 * holding one, with a good checksum, is damaged.
 */
static void test_reader_rules(void)
{
    QENVELOPE e;
    QMESSAGE m;
    STR     err = STR_INIT, path = STR_INIT, file = STR_INIT, bad = STR_INIT;
    int     rc;

    queue_message_init(&m);
    full_envelope(&e);
    rc = write_msg("tcp_forged", &e, "hello\r\n", 7, &path, &err);
    qenvelope_free(&e);
    tap_ok(rc == 0 && get_file(STR_C(path), &file) == 0 && queue_parse(file.s, file.len, &m,
	   &err) == 0, "a file to forge: %s", STR_C(err));
    queue_message_free(&m);
    if (rc != 0 || file.len < 70)
	return;
    /* magic 6, version 4, id length 4 + 26, created 8, channel length 4 + 9 */
    tap_ok(memcmp(file.s + 52, "tcp_local", 9) == 0, "the source channel is at byte 52");

    str_cpyn(&bad, file.s, file.len);
    memcpy(bad.s + 52, "TCP LOCAL", 9);
    reseal(&bad);
    rc = queue_parse(bad.s, bad.len, &m, &err);
    tap_ok(rc == QUEUE_DAMAGED && strstr(STR_C(err), "source channel: channel name") != NULL,
	   "a source channel that is no channel name: %s", STR_C(err));
    queue_message_free(&m);

    str_cpyn(&bad, file.s, file.len);
    memset(bad.s + 40, 0, 8);
    reseal(&bad);
    rc = queue_parse(bad.s, bad.len, &m, &err);
    tap_ok(rc == QUEUE_DAMAGED && strstr(STR_C(err), "creation time is 0") != NULL,
	   "creation time 0: %s", STR_C(err));
    queue_message_free(&m);

    str_cpyn(&bad, file.s, 10);
    str_catn(&bad, "\0\0\0\0", 4);
    str_catn(&bad, file.s + 40, file.len - 40);
    reseal(&bad);
    rc = queue_parse(bad.s, bad.len, &m, &err);
    tap_ok(rc == QUEUE_DAMAGED && strstr(STR_C(err), "envelope id is empty") != NULL,
	   "an empty envelope id: %s", STR_C(err));
    queue_message_free(&m);

    tap_ok(queue_remove(STR_C(path), &err) == 0, "removed");
    str_free(&err);
    str_free(&path);
    str_free(&file);
    str_free(&bad);
}

/* ---- group commit and removal -------------------------------------- */

#define GROUP 50

static void test_group_commit(void)
{
    QENVELOPE e;
    QMSG_W *ws[GROUP];
    STR     err = STR_INIT;
    unsigned long before;
    char    body[64];
    int     i, made = 0, durable = 0, rc;
    QMSG_W *open_w;

    small_envelope(&e);
    for (i = 0; i < GROUP; i++) {
	snprintf(body, sizeof(body), "Subject: %d\r\n\r\nbody %d\r\n", i, i);
	ws[i] = write_unsynced(i % 2 ? "tcp_b" : "tcp_a", &e, body, strlen(body), &err);
	made += ws[i] != NULL;
    }
    tap_is_int(made, GROUP, "50 messages finished in two channels: %s", STR_C(err));
    if (made != GROUP)
	return;
    tap_is_int(count_msgs("tcp_a") + count_msgs("tcp_b"), GROUP,
	       "all 50 are visible before the group sync");
    before = port_fsync_dir_count();
    rc = queue_sync_dirs(ws, GROUP, &err);
    tap_is_int(rc, 0, "one group commit: %s", STR_C(err));
    tap_is_int((long) (port_fsync_dir_count() - before), 2,
	       "it synced 2 directories for 50 messages");
    for (i = 0; i < GROUP; i++)
	durable += queue_is_durable(ws[i]);
    tap_is_int(durable, GROUP, "and all 50 are durable");
    tap_is_int(count_msgs("tcp_a"), 25, "25 in tcp_a");
    tap_is_int(count_msgs("tcp_b"), 25, "25 in tcp_b");
    before = port_fsync_dir_count();
    tap_ok(queue_sync_dirs(ws, 0, &err) == 0 && port_fsync_dir_count() == before,
	   "an empty group syncs nothing");
    open_w = queue_create("tcp_a", &e, 0, &err);
    tap_ok(open_w != NULL && queue_sync_dirs(&open_w, 1, &err) < 0
	   && strstr(STR_C(err), "not finished"), "an unfinished message cannot be committed");
    queue_abort(open_w);

    /* Removal. */
    before = port_fsync_dir_count();
    rc = queue_remove(queue_w_path(ws[0]), &err);
    tap_is_int(rc, 0, "queue_remove: %s", STR_C(err));
    tap_is_int((long) (port_fsync_dir_count() - before), 1, "with one directory sync");
    tap_is_int(count_msgs("tcp_a"), 24, "24 left in tcp_a");
    rc = queue_remove(queue_w_path(ws[0]), &err);
    tap_ok(rc < 0 && strstr(STR_C(err), "cannot remove"), "removing it again fails: %s",
	   STR_C(err));
    queue_abort(ws[1]);
    ws[1] = NULL;
    tap_is_int(count_msgs("tcp_b"), 24, "queue_abort() of a finished message removes it");
    for (i = 0; i < GROUP; i++)
	queue_release(ws[i]);
    tap_is_int(count_entries("tcp_a") + count_entries("tcp_b"), 48,
	       "no .tmp left behind in either channel");
    qenvelope_free(&e);
    str_free(&err);
}

/* Deferred syncs: one file-system sync for a whole group. */
static void test_deferred(void)
{
    QENVELOPE e;
    QMESSAGE m;
    QMSG_W *ws[20];
    STR     err = STR_INIT;
    unsigned long before;
    char    body[64];
    int     i, made = 0, durable = 0, readable = 0;

    queue_defer_sync(1);
    small_envelope(&e);
    for (i = 0; i < 20; i++) {
	snprintf(body, sizeof(body), "Subject: deferred %d\r\n\r\nbody\r\n", i);
	ws[i] = write_unsynced(i % 2 ? "tcp_c" : "tcp_d", &e, body, strlen(body), &err);
	made += ws[i] != NULL;
    }
    tap_is_int(made, 20, "deferred: 20 messages finished without a data sync each: %s", STR_C(err));
    before = port_fsync_dir_count();
    tap_is_int(queue_sync_dirs(ws, (size_t) made, &err), 0, "deferred: the group commit: %s",
	       STR_C(err));
    tap_is_int((long) (port_fsync_dir_count() - before), 1,
	       "deferred: one file-system sync for 20 messages in two channels");
    for (i = 0; i < made; i++) {
	durable += queue_is_durable(ws[i]);
	queue_message_init(&m);
	readable += queue_read(queue_w_path(ws[i]), &m, &err) == 0;
	queue_message_free(&m);
	queue_release(ws[i]);
    }
    tap_is_int(durable, 20, "deferred: all durable");
    tap_is_int(readable, 20, "deferred: all read back intact");
    queue_defer_sync(0);
    qenvelope_free(&e);
    str_free(&err);
}

/* ---- the queue cache ------------------------------------------------ */

typedef struct SEEN {
    long    n;
    QCACHE_REC last;
    STR     from, envid, name;
} SEEN;

static int seen_cb(const QCACHE_REC *r, void *ctx)
{
    SEEN   *s = ctx;

    s->n++;
    s->last = *r;
    str_cpy(&s->from, r->from);
    str_cpy(&s->envid, r->envid);
    str_cpy(&s->name, r->name);
    return 0;
}

static long walk_count(QCACHE *c, const char *chan, SEEN *s)
{
    STR     err = STR_INIT;

    s->n = 0;
    if (qcache_walk(c, chan, seen_cb, s, &err) < 0) {
	tap_diag("walk: %s", STR_C(err));
	s->n = -1;
    }
    str_free(&err);
    return s->n;
}

static int synced(QCACHE *c, QCACHE_SYNC *n, STR *report)
{
    STR     err = STR_INIT;
    int     rc = qcache_synchronize(c, n, report, &err);
    size_t  i;

    if (rc < 0)
	tap_diag("synchronize: %s", STR_C(err));
    for (i = 0; i < report->len; i++)	/* one TAP line */
	if (report->s[i] == '\n')
	    report->s[i] = ' ';
    str_free(&err);
    return rc;
}

static void test_qcache(void)
{
    QENVELOPE e;
    QCACHE_REC recs[3];
    QMSG_W *ws[3];
    QCACHE *c;
    QCACHE_SYNC n;
    SEEN    s;
    STR     err = STR_INIT, report = STR_INIT, path = STR_INIT;
    char    root[400], junk[500], dbpath[500];
    const char *value[1];
    DICT   *d;
    int     i, rc;

    memset(&s, 0, sizeof(s));
    snprintf(root, sizeof(root), "%s/queue2/", tenv_dir());
    mkdir(root, 0700);
    value[0] = root;
    lnm_define(LNM_TABLE_PROCESS, "PMDF_QUEUE", value, 1, 0, LNM_MODE_USER, &err);
    c = qcache_open(DICT_RDWR | DICT_CREATE, &err);
    tap_ok(c != NULL, "queue cache created: %s", STR_C(err));
    if (c == NULL)
	return;
    snprintf(dbpath, sizeof(dbpath), "%squeue_cache.db", root);
    tap_is_str(qcache_db_path(c), dbpath, "by default PMDF_QUEUE:queue_cache.db");

    full_envelope(&e);
    for (i = 0; i < 3; i++) {
	ws[i] = write_unsynced(i < 2 ? "cache_a" : "cache_b", &e, "x\r\n", 3, &err);
	if (ws[i] == NULL)
	    return;
	qcache_rec_writer(&recs[i], ws[i], &e);
    }
    rc = queue_sync_dirs(ws, 3, &err);
    if (rc == 0)
	rc = qcache_add_many(c, recs, 3, &err);
    tap_ok(rc == 0, "three messages committed and cached in one transaction: %s", STR_C(err));
    tap_is_int(walk_count(c, NULL, &s), 3, "walk: three entries");
    tap_is_int(walk_count(c, "cache_a", &s), 2, "two in cache_a");
    tap_is_str(STR_C(s.from), "sender@example.org", "with the From");
    tap_is_str(STR_C(s.envid), "QQ314159+2Bx", "the ENVID");
    tap_ok(s.last.nrcpt == 3 && s.last.size == 3 && s.last.created == queue_w_created(ws[1]),
	   "the recipient count, size and creation time");
    tap_is_int(walk_count(c, "cache", &s), 0, "a channel prefix matches whole names only");
    tap_is_int(qcache_remove(c, "cache_a", queue_w_name(ws[0]), &err), 1, "remove an entry");
    tap_is_int(qcache_remove(c, "cache_a", queue_w_name(ws[0]), &err), 0, "it is gone");
    tap_is_int(walk_count(c, NULL, &s), 2, "two entries left");
    recs[0].name = "not-a-queue-file";
    rc = qcache_add(c, &recs[0], &err);
    tap_ok(rc < 0, "a bad file name is refused: %s", STR_C(err));

    rc = synced(c, &n, &report);
    tap_ok(rc == 0 && n.files == 3 && n.kept == 2 && n.added == 1 && n.removed == 0
	   && n.damaged == 0, "synchronize re-adds the missing entry: %s", STR_C(report));
    tap_ok(strstr(STR_C(report), "3 message files; 2 entries kept, 1 added, 0 stale removed")
	   != NULL, "and reports the counts");
    unlink(queue_w_path(ws[1]));
    rc = synced(c, &n, &report);
    tap_ok(rc == 0 && n.files == 2 && n.kept == 2 && n.removed == 1 && n.added == 0,
	   "a file deleted behind its back: its entry is removed: %s", STR_C(report));
    tap_is_int(walk_count(c, "cache_a", &s), 1, "one entry left in cache_a");
    qenvelope_free(&e);
    small_envelope(&e);
    tap_ok(write_msg("cache_b", &e, "y\r\n", 3, &path, &err) == 0, "a message written without"
	   " the cache");
    rc = synced(c, &n, &report);
    tap_ok(rc == 0 && n.files == 3 && n.kept == 2 && n.added == 1, "synchronize adds it: %s",
	   STR_C(report));
    snprintf(junk, sizeof(junk), "%scache_b/ZZ00000000000000000000abcd.00", root);
    tenv_put(junk, "PMDFQ\n\0\0\0\1junk", 14);
    tap_ok(synced(c, &n, &report) == 0 && n.files == 4 && n.damaged == 1 && n.added == 0,
	   "a damaged file is counted, not cached");
    tap_ok(strstr(STR_C(report), "damaged, not cached") && strstr(STR_C(report), "abcd.00"),
	   "and named in the report: %s", STR_C(report));
    tap_is_int(walk_count(c, NULL, &s), 3, "the cache holds the three sound messages");

    /* An entry that is not ours. */
    qcache_close(c);
    d = dict_open(dbpath, DICT_RDWR, &err);
    rc = d != NULL ? dict_put(d, "cache_a/junk", 12, "?", 1, &err) : -1;
    tap_ok(rc == 0, "a foreign entry slipped in: %s", STR_C(err));
    dict_close(d);
    c = qcache_open(DICT_RDWR, &err);
    rc = c != NULL ? qcache_walk(c, NULL, seen_cb, &s, &err) : 0;
    tap_ok(rc < 0 && strstr(STR_C(err), "pmdf cache -synchronize"), "a walk stops at it: %s",
	   STR_C(err));
    rc = c != NULL ? synced(c, &n, &report) : -1;
    tap_ok(rc == 0 && n.removed == 1 && n.kept == 3, "synchronize removes it: %s",
	   STR_C(report));
    qcache_close(c);
    for (i = 0; i < 3; i++)
	queue_release(ws[i]);
    lnm_deassign(LNM_TABLE_PROCESS, "PMDF_QUEUE", &err);
    qenvelope_free(&e);
    str_free(&s.from);
    str_free(&s.envid);
    str_free(&s.name);
    str_free(&err);
    str_free(&report);
    str_free(&path);
}

/* ---- crashes -------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* Writes half a message, says so, waits to be killed. */
static void child_half(int fd)
{
    QENVELOPE e;
    STR     err = STR_INIT;
    QMSG_W *w;
    int     i;

    small_envelope(&e);
    w = queue_create("tcp_crash", &e, 0, &err);
    if (w == NULL || queue_write(w, "Subject: half\r\n", 15, &err) < 0)
	_exit(2);
    if (write(fd, "x", 1) != 1)
	_exit(3);
    for (i = 0; i < 30; i++)
	sleep(1);
    _exit(4);
}

/* Writes 100 KB messages for as long as it lives. */
static void child_loop(int fd)
{
    QENVELOPE e;
    STR     err = STR_INIT, body = STR_INIT;
    int     i;

    small_envelope(&e);
    for (i = 0; i < 100000; i++)
	str_catc(&body, "0123456789\r\n"[i % 12]);
    for (i = 0; i < 100000; i++) {
	if (write_msg("tcp_crash2", &e, body.s, body.len, NULL, &err) < 0)
	    _exit(2);
	if (i == 0 && write(fd, "x", 1) != 1)
	    _exit(3);
    }
    _exit(4);
}

static int read_ok_cb(const char *chan, const char *name, const char *path, void *ctx)
{
    QMESSAGE m;
    STR     err = STR_INIT;
    long   *bad = ctx;

    (void) chan, (void) name;
    if (queue_read(path, &m, &err) != 0) {
	tap_diag("%s", STR_C(err));
	bad[1]++;
    }
    bad[0]++;
    queue_message_free(&m);
    str_free(&err);
    return 0;
}

static pid_t spawn(void (*fn) (int), int *rfd)
{
    int     p[2];
    pid_t   pid;
    char    c;

    if (pipe(p) != 0)
	return -1;
    fflush(stdout);
    if ((pid = fork()) == 0) {
	close(p[0]);
	fn(p[1]);
    }
    close(p[1]);
    *rfd = p[0];
    if (pid > 0 && read(p[0], &c, 1) != 1) {
	waitpid(pid, NULL, 0);
	return -1;
    }
    return pid;
}

static void test_kill(void)
{
    STR     err = STR_INIT;
    pid_t   pid;
    int     fd, status = 0, rc;
    long    counts[2] = {0, 0};

    pid = spawn(child_half, &fd);
    tap_ok(pid > 0, "a child is writing a message");
    if (pid <= 0)
	return;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    close(fd);
    tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed with SIGKILL");
    tap_is_int(count_entries("tcp_crash"), 1, "it left its .tmp file");
    tap_is_int(count_msgs("tcp_crash"), 0, "which is not taken for a message");

    pid = spawn(child_loop, &fd);
    tap_ok(pid > 0, "a child is writing 100 KB messages in a loop");
    if (pid <= 0)
	return;
    sleep_ms(30 + (long) (time(NULL) % 20));
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    close(fd);
    tap_ok(WIFSIGNALED(status), "killed in the middle");
    rc = queue_scan("tcp_crash2", read_ok_cb, counts, &err);
    tap_ok(rc == 0 && counts[0] >= 1, "%ld messages were committed", counts[0]);
    tap_is_int(counts[1], 0, "every file scan finds is a sound message");
    tap_ok(count_entries("tcp_crash2") - counts[0] <= 1, "at most one .tmp left behind");
    str_free(&err);
}

/* ---- configuration errors ------------------------------------------ */

static void test_no_root(void)
{
    QENVELOPE e;
    STR     err = STR_INIT;
    char    root[400];
    const char *value[1];
    QMSG_W *w;
    int     rc;

    snprintf(root, sizeof(root), "%s/missing/", tenv_dir());
    value[0] = root;
    lnm_define(LNM_TABLE_PROCESS, "PMDF_QUEUE", value, 1, 0, LNM_MODE_USER, &err);
    small_envelope(&e);
    w = queue_create("tcp_local", &e, 0, &err);
    tap_ok(w == NULL && strstr(STR_C(err), "PMDF_QUEUE:") && strstr(STR_C(err), "does not exist"),
	   "a missing queue directory is named: %s", STR_C(err));
    rc = queue_scan(NULL, count_cb, NULL, &err);
    tap_ok(rc < 0 && strstr(STR_C(err), "does not exist"), "scan says so too: %s", STR_C(err));
    lnm_deassign(LNM_TABLE_PROCESS, "PMDF_QUEUE", &err);
    qenvelope_free(&e);
    str_free(&err);
}

int     main(void)
{
    long    all;

    setup();
    test_round_trip();
    test_bad_bytes();
    test_bounds();
    test_scan_ignores();
    test_damage();
    test_reader_rules();
    test_group_commit();
    test_deferred();
    test_qcache();
    test_kill();
    test_no_root();
    all = count_msgs(NULL);
    tap_ok(all > 50, "scan of every channel finds them all (%ld)", all);
    tenv_cleanup();
    lnm_shutdown();
    return tap_done();
}
