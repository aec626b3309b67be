/*
 * NAME
 *	t_smtpin - the strict SMTP input reader: commands, DATA, smuggling
 * DESCRIPTION
 *	Every case is run three ways, whole, byte by byte, and split at each
 *	position, and must give the same result each time: the network may
 *	cut the input anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "smtpin.h"
#include "str.h"
#include "tap.h"

/* Runs DATA over input fed in pieces of `step` bytes (0: all at once, -1: split at `at`). */
static int data_run(const char *input, size_t len, long step, size_t at, STR *msg,
		            unsigned *flags, STR *rest)
{
    SMTPIN *in = smtpin_new(512);
    size_t  off = 0, n;
    int     rc = SMTPIN_NEED;

    str_reset(msg);
    str_reset(rest);
    *flags = 0;
    smtpin_data_begin(in, 1000000, 998);
    while (off < len && rc != SMTPIN_END) {
	n = step == 0 ? len : step > 0 ? (size_t) step : (off == 0 ? at : len - off);
	if (n == 0)
	    n = len - off;
	if (n > len - off)
	    n = len - off;
	smtpin_feed(in, input + off, n);
	off += n;
	rc = smtpin_data(in, msg, flags);
    }
    if (off < len)
	smtpin_feed(in, input + off, len - off);
    /* What is left is the next pipelined command. */
    {
	STR     line = STR_INIT;

	while (smtpin_command(in, &line) == SMTPIN_LINE)
	    str_catf(rest, "[%s]", STR_C(line));
	str_free(&line);
    }
    smtpin_free(in);
    return rc;
}

/* The same result whole, byte by byte and split anywhere? */
static void data_case(const char *name, const char *input, size_t len, int want_end,
		              const char *want_msg, size_t want_len, unsigned want_flags,
		              const char *want_rest)
{
    STR     msg = STR_INIT, rest = STR_INIT, msg2 = STR_INIT, rest2 = STR_INIT;
    unsigned flags, flags2;
    int     rc, rc2, same = 1;
    size_t  at;

    rc = data_run(input, len, 0, 0, &msg, &flags, &rest);
    tap_is_int(rc == SMTPIN_END, want_end, "%s: end of data %s", name, want_end ? "found" : "not found");
    tap_ok(msg.len == want_len && memcmp(STR_C(msg), want_msg, want_len) == 0,
	   "%s: message content (%lu bytes)", name, (unsigned long) msg.len);
    tap_is_int((long) flags, (long) want_flags, "%s: flags", name);
    tap_is_str(STR_C(rest), want_rest, "%s: pipelined commands after it", name);
    rc2 = data_run(input, len, 1, 0, &msg2, &flags2, &rest2);
    same = rc2 == rc && flags2 == flags && msg2.len == msg.len
	&& memcmp(STR_C(msg2), STR_C(msg), msg.len) == 0 && strcmp(STR_C(rest2), STR_C(rest)) == 0;
    for (at = 1; same && at < len; at++) {
	rc2 = data_run(input, len, -1, at, &msg2, &flags2, &rest2);
	same = rc2 == rc && flags2 == flags && msg2.len == msg.len
	    && memcmp(STR_C(msg2), STR_C(msg), msg.len) == 0 && strcmp(STR_C(rest2), STR_C(rest)) == 0;
    }
    tap_ok(same, "%s: same result byte by byte and split at every position", name);
    str_free(&msg);
    str_free(&rest);
    str_free(&msg2);
    str_free(&rest2);
}

#define CASE(name, in, end, msg, flags, rest) \
    data_case(name, in, sizeof(in) - 1, end, msg, sizeof(msg) - 1, flags, rest)

static void test_commands(void)
{
    SMTPIN *in = smtpin_new(512);
    STR     line = STR_INIT;
    char    big[700];

    smtpin_feed(in, "EHLO client.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDA", 55);
    tap_is_int(smtpin_command(in, &line), SMTPIN_LINE, "a command line");
    tap_is_str(STR_C(line), "EHLO client.example", "without its CRLF");
    smtpin_command(in, &line);
    tap_is_str(STR_C(line), "MAIL FROM:<a@b>", "pipelined commands come one by one");
    smtpin_command(in, &line);
    tap_is_str(STR_C(line), "RCPT TO:<c@d>", "third");
    tap_is_int(smtpin_command(in, &line), SMTPIN_NEED, "a partial line waits");
    smtpin_feed(in, "TA\r\n", 4);
    tap_is_int(smtpin_command(in, &line), SMTPIN_LINE, "and completes");
    tap_is_str(STR_C(line), "DATA", "across two reads");

    smtpin_feed(in, "MAIL FROM:<a@b>\nRCPT TO:<evil@x>\r\nNOOP\r\n", 40);
    tap_is_int(smtpin_command(in, &line), SMTPIN_BARE,
	       "a bare LF inside a line makes one bad line, not two commands");
    tap_is_int(smtpin_command(in, &line), SMTPIN_LINE, "the next line is read normally");
    tap_is_str(STR_C(line), "NOOP", "NOOP");
    smtpin_feed(in, "NO\rOP\r\n", 7);
    tap_is_int(smtpin_command(in, &line), SMTPIN_BARE, "a bare CR too");
    smtpin_feed(in, "NO\0OP\r\n", 7);
    tap_is_int(smtpin_command(in, &line), SMTPIN_NUL, "a NUL byte");
    smtpin_feed(in, "QUIT\n", 5);
    tap_is_int(smtpin_command(in, &line), SMTPIN_NEED, "LF alone never ends a command");

    smtpin_discard(in);
    memset(big, 'x', sizeof(big));
    smtpin_feed(in, big, sizeof(big));
    tap_is_int(smtpin_command(in, &line), SMTPIN_NEED, "an over-long line without its end");
    tap_ok(smtpin_pending(in) <= 1, "is not kept in memory (%lu bytes pending)",
	   (unsigned long) smtpin_pending(in));
    smtpin_feed(in, big, sizeof(big));
    smtpin_feed(in, "\r\nRSET\r\n", 8);
    tap_is_int(smtpin_command(in, &line), SMTPIN_TOOLONG, "it is reported once when it ends");
    tap_is_int(smtpin_command(in, &line), SMTPIN_LINE, "then the next command");
    tap_is_str(STR_C(line), "RSET", "RSET");

    /* STARTTLS: plain text pipelined after it must not survive. */
    smtpin_feed(in, "STARTTLS\r\nMAIL FROM:<injected@evil>\r\n", 37);
    smtpin_command(in, &line);
    tap_is_str(STR_C(line), "STARTTLS", "STARTTLS read");
    tap_ok(smtpin_pending(in) > 0, "plain text pipelined after STARTTLS is buffered");
    smtpin_discard(in);
    tap_is_int((long) smtpin_pending(in), 0, "and discarded after the 220 reply");
    tap_is_int(smtpin_command(in, &line), SMTPIN_NEED, "so it is never read as a command");
    smtpin_free(in);
    str_free(&line);
}

static void test_data(void)
{
    CASE("a simple message", "Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n", 1,
	 "Subject: x\r\n\r\nbody\r\n", 0, "[QUIT]");
    CASE("an empty message", ".\r\n", 1, "", 0, "");
    CASE("dot-stuffing is undone", "..x\r\n...\r\n.\r\n", 1, ".x\r\n..\r\n", 0, "");
    CASE("a dot inside a line is kept", "a.b\r\n .\r\n.\r\n", 1, "a.b\r\n .\r\n", 0, "");
    CASE("the end needs CRLF after the dot", "x\r\n.\r", 0, "x\r\n", 0, "");
    /* SMTP smuggling: none of these ends the message. */
    CASE("LF.LF does not end DATA", "x\n.\nMAIL FROM:<e>\r\n.\r\n", 1,
	 "x\n.\nMAIL FROM:<e>\r\n", SMTPIN_F_BARE_LF, "");
    CASE("LF.CRLF does not end DATA", "x\n.\r\nMAIL FROM:<e>\r\n.\r\n", 1,
	 "x\n.\r\nMAIL FROM:<e>\r\n", SMTPIN_F_BARE_LF, "");
    CASE("CR.CR does not end DATA", "x\r.\rMAIL FROM:<e>\r\n.\r\n", 1,
	 "x\r.\rMAIL FROM:<e>\r\n", SMTPIN_F_BARE_CR, "");
    CASE("CR.LF does not end DATA", "x\r.\nMAIL FROM:<e>\r\n.\r\n", 1,
	 "x\r.\nMAIL FROM:<e>\r\n", SMTPIN_F_BARE_CR | SMTPIN_F_BARE_LF, "");
    CASE("CRLF.LF does not end DATA", "x\r\n.\nMAIL FROM:<e>\r\n.\r\n", 1,
	 "x\r\n\nMAIL FROM:<e>\r\n", SMTPIN_F_BARE_LF, "");
    CASE("CRLF.CR x does not end DATA", "x\r\n.\rMAIL FROM:<e>\r\n.\r\n", 1,
	 "x\r\n\rMAIL FROM:<e>\r\n", SMTPIN_F_BARE_CR, "");
    CASE("NUL-prefixed dot does not end DATA", "x\r\n\0.\r\nMAIL FROM:<e>\r\n.\r\n", 1,
	 "x\r\n\0.\r\nMAIL FROM:<e>\r\n", SMTPIN_F_NUL, "");
    CASE("CRCRLF: the first CR is bare", "x\r\r\n.\r\n", 1, "x\r\r\n", SMTPIN_F_BARE_CR, "");
    CASE("the data ends only at the real CRLF.CRLF",
	 "a\r\n.\n\r\n.\r\nRSET\r\n", 1, "a\r\n\n\r\n", SMTPIN_F_BARE_LF, "[RSET]");
}

static void test_limits(void)
{
    SMTPIN *in = smtpin_new(512);
    STR     msg = STR_INIT;
    unsigned flags = 0;
    char    line[1100];
    size_t  remaining;
    int     i;

    smtpin_data_begin(in, 100, 998);
    for (i = 0; i < 10; i++)
	smtpin_feed(in, "0123456789012345678\r\n", 21);
    smtpin_feed(in, ".\r\n", 3);
    tap_is_int(smtpin_data(in, &msg, &flags), SMTPIN_END, "a message over the size limit still ends");
    tap_ok(flags & SMTPIN_F_TOO_BIG, "and is flagged too big");
    tap_is_int((long) msg.len, 100, "only the limit is kept in memory");
    str_reset(&msg);
    memset(line, 'y', sizeof(line));
    smtpin_data_begin(in, 100000, 998);
    smtpin_feed(in, line, sizeof(line));
    smtpin_feed(in, "\r\n.\r\n", 5);
    tap_is_int(smtpin_data(in, &msg, &flags), SMTPIN_END, "a long line");
    tap_ok(flags & SMTPIN_F_LONG_LINE, "is flagged");
    str_reset(&msg);
    smtpin_feed(in, "abc\r\n.\r\nQUIT\r\n", 14);
    remaining = 8;
    tap_is_int(smtpin_bdat(in, &remaining, &msg), SMTPIN_END, "BDAT takes exactly its size");
    tap_is_str(STR_C(msg), "abc\r\n.\r\n", "raw, no dot handling");
    remaining = 10;
    str_reset(&msg);
    tap_is_int(smtpin_bdat(in, &remaining, &msg), SMTPIN_NEED, "a chunk not yet complete");
    tap_is_int((long) remaining, 4, "counts what is still to come");
    smtpin_free(in);
    str_free(&msg);
}

int     main(void)
{
    test_commands();
    test_data();
    test_limits();
    return tap_done();
}
