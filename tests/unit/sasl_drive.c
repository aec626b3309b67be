/*
 * NAME
 *	sasl_drive - one server-side SASL exchange over standard input/output
 * SYNOPSIS
 *	sasl_drive MECH USER PASSWORD [secure]
 * DESCRIPTION
 *	A test driver for the sasl library: it lets an independent client
 *	implementation (tests/lib/sasl_client.py) talk to the server side.
 *	It makes a PWSECRET for USER from PASSWORD (4096 iterations, with the
 *	CRAM-MD5 context), so no password database is needed, then runs one
 *	exchange of mechanism MECH; "secure" says the channel is protected
 *	(PLAIN and LOGIN need it).
 *
 *	Standard input carries the client's messages, one base64 line each
 *	(a trailing CR is ignored).  The first line is the initial response,
 *	"=" for an empty one, or "-" for none.  Later lines answer the
 *	challenges; a line "*" cancels.  Standard output gets one line per
 *	server message:
 *
 *	    + BASE64		a challenge (nothing after "+ " when empty)
 *	    OK BASE64		authenticated; final server data, maybe empty
 *	    FAIL TEXT		failed; TEXT is what a client may be told
 *
 *	Standard error gets the outcome for the log: the user and authzid,
 *	or the reason of the failure.
 * DIAGNOSTICS
 *	Exit status 0 after OK, 1 after FAIL, 2 for bad arguments.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include "str.h"
#include "msg.h"
#include "pwsecret.h"
#include "sasl.h"

#define DRIVE_LINE_MAX ((SASL_MSG_MAX + 2) / 3 * 4 + 2)

typedef struct DRIVE_DB {
    const char *user;
    PWSECRET secret;
} DRIVE_DB;

static int drive_lookup(const char *user, PWSECRET *out, void *ctx, STR *err)
{
    DRIVE_DB *db = ctx;

    (void) err;
    if (strcmp(user, db->user) != 0)
	return 0;
    *out = db->secret;
    return 1;
}

/* read_line - one line without its end; 1 read, 0 end of file, -1 too long */

static int read_line(FILE *fp, STR *line)
{
    int     c;

    str_reset(line);
    while ((c = getc(fp)) != EOF && c != '\n') {
	if (line->len >= DRIVE_LINE_MAX)
	    return -1;
	str_catc(line, c);
    }
    if (c == EOF && line->len == 0)
	return 0;
    if (line->len > 0 && line->s[line->len - 1] == '\r')
	str_truncate(line, line->len - 1);
    return 1;
}

/* wipe - clear a buffer that may have held a password */

static void wipe(STR *sb)
{
    if (sb->s != NULL)
	OPENSSL_cleanse(sb->s, sb->cap);
    str_reset(sb);
}

/* put - one output line: tag and the base64 of data */

static void put(const char *tag, const STR *data)
{
    STR     b64 = STR_INIT;

    sasl_b64_encode((const unsigned char *) data->s, data->len, &b64);
    printf("%s %s\n", tag, STR_C(b64));
    fflush(stdout);
    str_free(&b64);
}

/* exchange - run the exchange on an existing server; SASL_OK or SASL_FAIL */

static int exchange(SASL_SERVER *s, STR *err)
{
    STR     line = STR_INIT, msg = STR_INIT, out = STR_INIT;
    int     r, first = 1, got;

    str_reserve(&line, DRIVE_LINE_MAX + 1);	/* one buffer, wiped at the end */
    str_reserve(&msg, SASL_MSG_MAX + 3);
    for (r = SASL_CONTINUE; r == SASL_CONTINUE; first = 0) {
	if (!first)
	    put("+", &out);
	if ((got = read_line(stdin, &line)) <= 0) {
	    str_cpy(err, got < 0 ? "line too long" : "client went away");
	    r = SASL_FAIL;
	} else if (strcmp(STR_C(line), "*") == 0) {
	    str_cpy(err, "cancelled by the client");
	    r = SASL_FAIL;
	} else if (first && strcmp(STR_C(line), "-") == 0) {
	    r = sasl_server_start(s, NULL, 0, 0, &out, err);
	} else if (sasl_b64_decode(STR_C(line), &msg, err) < 0) {
	    r = SASL_FAIL;
	} else if (first) {
	    r = sasl_server_start(s, (unsigned char *) msg.s, msg.len, 1, &out, err);
	} else {
	    r = sasl_server_step(s, (unsigned char *) msg.s, msg.len, &out, err);
	}
	wipe(&line);
	wipe(&msg);
    }
    if (r == SASL_OK)
	put("OK", &out);
    str_free(&line);
    str_free(&msg);
    str_free(&out);
    return r;
}

int main(int argc, char **argv)
{
    DRIVE_DB db;
    SASL_SERVER *s;
    STR     err = STR_INIT;
    int     secure, r;

    msg_progname("sasl_drive");
    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "secure") != 0)) {
	msg_error("usage: sasl_drive MECH USER PASSWORD [secure]");
	return 2;
    }
    secure = argc == 5;
    db.user = argv[2];
    if (pwsecret_make(argv[3], strlen(argv[3]), PWSECRET_ITER_DEFAULT, 1,
		      &db.secret, &err) < 0) {
	msg_error("cannot make a secret for %s: %s", argv[2], STR_C(err));
	str_free(&err);
	return 2;
    }
    OPENSSL_cleanse(argv[3], strlen(argv[3]));
    if ((s = sasl_server_new(argv[1], "drive.example", secure, drive_lookup,
			     &db, &err)) == NULL) {
	printf("FAIL %s\n", STR_C(err));
	msg_info("failed: %s", STR_C(err));
	r = SASL_FAIL;
    } else if ((r = exchange(s, &err)) == SASL_OK) {
	msg_info("authenticated user=%s authzid=%s", sasl_server_user(s),
		 sasl_server_authzid(s) ? sasl_server_authzid(s) : "(none)");
    } else {
	printf("FAIL %s\n", STR_C(err));
	msg_info("failed: %s", *sasl_server_reason(s) ? sasl_server_reason(s) : STR_C(err));
    }
    sasl_server_free(s);
    pwsecret_clear(&db.secret);
    str_free(&err);
    return r == SASL_OK ? 0 : 1;
}
