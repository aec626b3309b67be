/*
 * NAME
 *	b_passdb - SASL verifications per second against the password database
 * SYNOPSIS
 *	b_passdb users seconds
 * DESCRIPTION
 *	Runs inside a private instance whose password database holds users
 *	user000000 .. user(N-1), all with the password "benchpw" (see
 *	passdb.sh).  For a random user each time it opens a SASL server
 *	exchange the way the SMTP server will, with the database lookup
 *	(service SMTP falling back to DEFAULT):
 *	PLAIN	  client sends NUL user NUL password; the server runs PBKDF2
 *		  (4096 rounds) to check it: the cost is by design;
 *	CRAM-MD5  fixed challenge, the client's HMAC-MD5 computed here with
 *		  OpenSSL; the server checks it from the stored context.
 *	and prints exchanges per second for each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include "passdb.h"
#include "sasl.h"
#include "lnm.h"
#include "str.h"

static DICT *db;

static int lookup(const char *user, PWSECRET *out, void *ctx, STR *err)
{
    (void) ctx;
    return passdb_lookup(db, user, "SMTP", out, err);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int one_plain(const char *user, STR *err)
{
    SASL_SERVER *s = sasl_server_new("PLAIN", "bench", 1, lookup, NULL, err);
    STR     msg = STR_INIT, out = STR_INIT;
    int     rc;

    str_catc(&msg, 0);
    str_cat(&msg, user);
    str_catc(&msg, 0);
    str_cat(&msg, "benchpw");
    rc = s ? sasl_server_start(s, (unsigned char *) msg.s, msg.len, 1, &out, err) : SASL_FAIL;
    sasl_server_free(s);
    str_free(&msg);
    str_free(&out);
    return rc == SASL_OK;
}

static int one_cram(const char *user, STR *err)
{
    static const char chal[] = "<12345.67890@bench>";
    SASL_SERVER *s = sasl_server_new("CRAM-MD5", "bench", 0, lookup, NULL, err);
    STR     msg = STR_INIT, out = STR_INIT;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0, i;
    int     rc = SASL_FAIL;

    if (s == NULL)
	return 0;
    sasl_server_set_nonce(s, chal);
    if (sasl_server_start(s, NULL, 0, 0, &out, err) == SASL_CONTINUE) {
	HMAC(EVP_md5(), "benchpw", 7, (unsigned char *) out.s, out.len, mac, &maclen);
	str_printf(&msg, "%s ", user);
	for (i = 0; i < maclen; i++)
	    str_catf(&msg, "%02x", mac[i]);
	rc = sasl_server_step(s, (unsigned char *) msg.s, msg.len, &out, err);
    }
    sasl_server_free(s);
    str_free(&msg);
    str_free(&out);
    return rc == SASL_OK;
}

static void run(const char *name, int (*fn)(const char *, STR *), long users, double secs)
{
    STR     err = STR_INIT;
    char    user[32];
    double  t0 = now(), t;
    long    n, bad = 0;

    for (n = 0; (t = now() - t0) < secs; n++) {
	snprintf(user, sizeof(user), "user%06ld", (long) (rand() % users));
	if (!fn(user, &err))
	    bad++;
    }
    printf("passdb: %-8s %9.0f verifications per second (%ld in %.2f s, %ld failed)\n",
	   name, (double) n / t, n, t, bad);
    if (bad)
	fprintf(stderr, "b_passdb: %s: %s\n", name, STR_C(err));
    str_free(&err);
}

int     main(int argc, char **argv)
{
    STR     err = STR_INIT;
    long    users = argc > 1 ? atol(argv[1]) : 100000;
    double  secs = argc > 2 ? atof(argv[2]) : 2.0;

    if (users < 1)
	users = 1;
    if ((db = passdb_open(DICT_RDONLY, NULL, &err)) == NULL) {
	fprintf(stderr, "b_passdb: %s\n", STR_C(err));
	return 1;
    }
    srand(1);
    run("PLAIN", one_plain, users, secs);
    run("CRAM-MD5", one_cram, users, secs);
    dict_close(db);
    lnm_shutdown();
    str_free(&err);
    return 0;
}
