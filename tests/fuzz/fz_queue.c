/*
 * NAME
 *	fz_queue - libFuzzer harness for the queue-file reader (queue_parse()
 *	in src/global/queue.c)
 * DESCRIPTION
 *	Each input is parsed three ways: as it is; with the trailer
 *	("PMDFQEND" and the crc32 of the bytes before it) appended, so that
 *	mutations get past the checksum; and with the magic line and version
 *	put in front as well, so that they start inside the envelope.  A
 *	file that parses is written again through the writer (queue_create(),
 *	queue_write(), queue_finish() into a channel of a private
 *	PMDF_QUEUE:, with queue_defer_sync(1) so nothing is synced) and read
 *	back with queue_read().
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- a refusal is QUEUE_DAMAGED with a reason, and leaves the QMESSAGE
 *	  empty;
 *	- a parsed message obeys the writer's rules: qenvelope_check()
 *	  passes (limits of queue.h, no CR, LF or NUL in any field, a valid
 *	  source channel, RET and NOTIFY values, 1 to QUEUE_MAX_RCPTS
 *	  recipients, none empty), the envelope id is not empty and the
 *	  creation time not 0 (the writer always writes both, and
 *	  queue_requeue() refuses an envelope without them), and the body
 *	  lies inside the buffer with at most QUEUE_MAX_MESSAGE bytes;
 *	- the writer takes what the reader accepted, and its file is
 *	  byte for byte the parsed input (the format is canonical), and
 *	  reads back to the same envelope and body.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "queue.h"
#include "str.h"
#include "fz_util.h"

#define CHANNEL "fuzz"

static STR queue_dir = STR_INIT;	/* <instance>/queue/ */

static void remove_queue(void)
{
    STR     dir = STR_INIT;

    str_printf(&dir, "%s%s", STR_C(queue_dir), CHANNEL);
    (void) rmdir(STR_C(dir));
    (void) rmdir(STR_C(queue_dir));
    str_free(&dir);
    str_free(&queue_dir);
}

static void setup(void)
{
    if (queue_dir.len)
	return;
    str_printf(&queue_dir, "%s/queue/", fz_instance());
    if (mkdir(STR_C(queue_dir), 0700) != 0 && errno != EEXIST) {
	perror(STR_C(queue_dir));
	abort();
    }
    queue_defer_sync(1);
    atexit(remove_queue);
}

static void put_be32(STR *out, uint32_t v)
{
    str_catc(out, (int) (v >> 24) & 0xff);
    str_catc(out, (int) (v >> 16) & 0xff);
    str_catc(out, (int) (v >> 8) & 0xff);
    str_catc(out, (int) v & 0xff);
}

static int same_str(const STR *a, const STR *b)
{
    return a->len == b->len && memcmp(STR_C(*a), STR_C(*b), a->len) == 0;
}

static void check_same(const QMESSAGE *a, const QMESSAGE *b)
{
    size_t  i;

    FZ_CHECK(same_str(&a->env.id, &b->env.id) && a->env.created == b->env.created
	     && same_str(&a->env.source_channel, &b->env.source_channel)
	     && same_str(&a->env.from, &b->env.from) && a->env.ret == b->env.ret
	     && same_str(&a->env.envid, &b->env.envid)
	     && same_str(&a->env.auth_user, &b->env.auth_user) && a->env.tls == b->env.tls
	     && a->env.delay_sent == b->env.delay_sent
	     && same_str(&a->env.client_addr, &b->env.client_addr)
	     && same_str(&a->env.helo, &b->env.helo) && a->env.nrcpt == b->env.nrcpt,
	     "the envelope read back differs");
    for (i = 0; i < a->env.nrcpt; i++)
	FZ_CHECK(same_str(&a->env.rcpt[i].addr, &b->env.rcpt[i].addr)
		 && same_str(&a->env.rcpt[i].orcpt, &b->env.rcpt[i].orcpt)
		 && a->env.rcpt[i].notify == b->env.rcpt[i].notify
		 && same_str(&a->env.rcpt[i].original, &b->env.rcpt[i].original),
		 "recipient %lu read back differs", (unsigned long) i + 1);
    FZ_CHECK(a->body_len == b->body_len && memcmp(a->body, b->body, a->body_len) == 0,
	     "the body read back differs");
}

/* Writes m again, checks the file and what it reads back as. */
static void rewrite(const QMESSAGE *m)
{
    STR     err = STR_INIT, file = STR_INIT;
    QMESSAGE back;
    QMSG_W *w;
    FILE   *fp;
    char    buf[4096];
    size_t  n;

    setup();
    w = queue_create(CHANNEL, &m->env, 0, &err);
    FZ_CHECK(w != NULL, "the writer refuses what the reader accepted: %s", STR_C(err));
    FZ_CHECK(queue_write(w, m->body, m->body_len, &err) == 0 && queue_finish(w, &err) == 0,
	     "writing failed: %s", STR_C(err));
    fp = fopen(queue_w_path(w), "rb");
    FZ_CHECK(fp != NULL, "%s: %s", queue_w_path(w), strerror(errno));
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
	str_catn(&file, buf, n);
    fclose(fp);
    FZ_CHECK(file.len == m->data.len && memcmp(STR_C(file), STR_C(m->data), file.len) == 0,
	     "the rewritten file (%lu bytes) is not the parsed one (%lu bytes)",
	     (unsigned long) file.len, (unsigned long) m->data.len);
    queue_message_init(&back);
    FZ_CHECK(queue_read(queue_w_path(w), &back, &err) == 0, "the rewritten file does not"
	     " read: %s", STR_C(err));
    check_same(m, &back);
    queue_message_free(&back);
    (void) remove(queue_w_path(w));
    queue_release(w);
    str_free(&err);
    str_free(&file);
}

static void check_one(const void *buf, size_t len)
{
    QMESSAGE m;
    STR     err = STR_INIT;
    int     rc;

    memset(&m, 0x5a, sizeof(m));	/* queue_parse() initialises it */
    rc = queue_parse(buf, len, &m, &err);
    if (rc != 0) {
	FZ_CHECK(rc == QUEUE_DAMAGED, "queue_parse() returned %d", rc);
	FZ_CHECK(err.len > 0, "refused without a reason");
	FZ_CHECK(m.env.nrcpt == 0 && m.data.len == 0 && m.body == NULL,
		 "a refusal leaves a message behind");
	str_free(&err);
	return;
    }
    FZ_CHECK(qenvelope_check(&m.env, &err) == 0, "parsed, but the writer's rules refuse"
	     " it: %s", STR_C(err));
    FZ_CHECK(m.env.id.len > 0, "parsed with an empty envelope id");
    FZ_CHECK(m.env.created != 0, "parsed with creation time 0");
    FZ_CHECK(m.body_len <= QUEUE_MAX_MESSAGE && m.body >= m.data.s
	     && m.body + m.body_len <= m.data.s + m.data.len, "the body is outside the file");
    rewrite(&m);
    queue_message_free(&m);
    str_free(&err);
}

/* buf with the trailer and its checksum appended. */
static void with_trailer(STR *buf)
{
    uLong   crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *) STR_C(*buf), (uInt) buf->len);

    str_catn(buf, QUEUE_TRAILER, QUEUE_TRAILER_LEN);
    put_be32(buf, (uint32_t) crc);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STR     buf = STR_INIT;

    check_one(data, size);
    str_cpyn(&buf, (const char *) data, size);
    with_trailer(&buf);
    check_one(buf.s, buf.len);
    str_cpyn(&buf, QUEUE_MAGIC, QUEUE_MAGIC_LEN);
    put_be32(&buf, QUEUE_FORMAT_VERSION);
    str_catn(&buf, (const char *) data, size);
    with_trailer(&buf);
    check_one(buf.s, buf.len);
    str_free(&buf);
    return 0;
}
