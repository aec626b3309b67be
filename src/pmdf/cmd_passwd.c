/*
 * NAME
 *	cmd_passwd - pmdf password: the password database
 * SYNOPSIS
 *	pmdf password [password] [-create|-delete|-show|-test] [-user=NAME]
 *		[-service=KEYWORD] [-iterations=N] [-nocram_md5]
 *	pmdf password -convert=SASLDB [-realm=REALM]
 *	pmdf password -dump[=FILE]
 *	pmdf password -load=FILE
 *	PMDF PASSWORD [password] /CREATE /DELETE /SHOW /TEST /USER= /SERVICE= ...
 * DESCRIPTION
 *	-create (the default) sets the password of a user and service
 *	(DEFAULT unless -service is given); with no password on the command
 *	line it prompts "New password:" and "Verification:" with echo off on
 *	a terminal, and reads one line from standard input otherwise.
 *	-delete and -show take a user name or a VMS-style wildcard pattern
 *	(* any run, % or ? one character) and, unless -service is given,
 *	every service.  -show prints one line per user and service, sorted,
 *	and a count, never a secret.  -test checks a password against the
 *	service's entry (else DEFAULT) and exits 0 when it matches, 1 when
 *	not.  -convert imports a Cyrus SASL sasldb2 (users' clear-text
 *	userPassword records become SCRAM-SHA-256 and CRAM-MD5 secrets;
 *	the realm is dropped, -realm keeps only that realm).  -dump writes
 *	the database as text (secrets as they are stored, no clear text) and
 *	-load reads such text back, all in one transaction.
 *
 *	Without -user the caller's own entries are meant.  Anything else, and
 *	-convert, -dump and -load, need root or the owner of the database.
 * DIAGNOSTICS
 *	Every refusal names the reason; the database is left unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <openssl/crypto.h>
#include "pmdf.h"
#include "passdb.h"
#include "pwsecret.h"
#include "sasl.h"
#include "osuser.h"
#include "cfgread.h"
#include "wildmat.h"
#include "lnm.h"
#include "msg.h"
#include "str.h"

#define DUMP_HEADER "# pmdf password database dump, format 1"

typedef struct PW_CTX {
    const CLI_CMD *cmd;
    STR     caller;			/* login name of the caller */
    STR     user;			/* -user or the caller */
    STR     service;			/* canonical keyword, empty: all */
    STR     path;			/* database file */
    int     admin;			/* may touch other users' entries */
    STR     err;
} PW_CTX;

static void pw_secret_wipe(STR *s)
{
    if (s->s)
	OPENSSL_cleanse(s->s, s->len);
    str_free(s);
}

static int pw_fail(PW_CTX *pc, const char *fmt, const char *arg)
{
    msg_error(fmt, arg);
    (void) pc;
    return 1;
}

/* Fills the context; refuses what the caller may not do. */
static int pw_setup(PW_CTX *pc, const CLI_CMD *cmd, int default_all_services)
{
    const char *user = cli_value(cmd, "user");
    const char *service = cli_value(cmd, "service");

    pc->cmd = cmd;
    if (lnm_init(&pc->err) < 0 || os_user_name(&pc->caller, &pc->err) < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if (service && passdb_service(service, &pc->service, &pc->err) < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if (service == NULL && !default_all_services)
	str_cpy(&pc->service, "DEFAULT");
    str_cpy(&pc->user, user ? user : STR_C(pc->caller));
    if (!wild_has(STR_C(pc->user)) && passdb_valid_user(STR_C(pc->user), &pc->err) < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if (wild_has(STR_C(pc->user)) && pc->user.len > PASSDB_USER_MAX) {
	msg_error("user pattern longer than %d bytes", PASSDB_USER_MAX);
	return 1;
    }
    if (passdb_path(LNM_CREATE, &pc->path, &pc->err) < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    pc->admin = os_may_administer(STR_C(pc->path));
    if (!pc->admin && strcmp(STR_C(pc->user), STR_C(pc->caller)) != 0) {
	msg_error("only root or the owner of %s may work on other users' entries;"
		  " you are %s", STR_C(pc->path), STR_C(pc->caller));
	return 1;
    }
    return 0;
}

static void pw_free(PW_CTX *pc)
{
    str_free(&pc->caller);
    str_free(&pc->user);
    str_free(&pc->service);
    str_free(&pc->path);
    str_free(&pc->err);
}

static int pw_need_admin(PW_CTX *pc, const char *what)
{
    if (pc->admin)
	return 0;
    msg_error("%s needs root or the owner of %s", what, STR_C(pc->path));
    return 1;
}

static int pw_get_password(const CLI_CMD *cmd, const char *prompt, int confirm, STR *pw, STR *err)
{
    const char *given = cli_param(cmd, 0);

    if (given != NULL) {
	str_cpy(pw, given);
	return 0;
    }
    if (tty_read_secret(prompt, confirm, pw, err) < 0)
	return -1;
    if (pw->len == 0) {
	str_cpy(err, "empty password");
	return -1;
    }
    if (memchr(pw->s, 0, pw->len) != NULL) {
	str_cpy(err, "a password may not contain a NUL byte");
	return -1;
    }
    return 0;
}

static long pw_iterations(const CLI_CMD *cmd, STR *err)
{
    const char *text = cli_value(cmd, "iterations");
    long    n = PWSECRET_ITER_DEFAULT;

    if (text && cfg_parse_int(text, PWSECRET_ITER_MIN, PWSECRET_ITER_MAX, &n, err) < 0)
	return -1;
    return n;
}

static int pw_create(PW_CTX *pc)
{
    STR     pw = STR_INIT;
    PWSECRET s;
    DICT   *db;
    long    iter;
    int     rc = 1;

    if (wild_has(STR_C(pc->user)))
	return pw_fail(pc, "-create needs one user name, not the pattern \"%s\"", STR_C(pc->user));
    if ((iter = pw_iterations(pc->cmd, &pc->err)) < 0)
	return pw_fail(pc, "-iterations: %s", STR_C(pc->err));
    if (pw_get_password(pc->cmd, "New password: ", 1, &pw, &pc->err) < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if (pwsecret_make(pw.s, pw.len, (unsigned) iter, cli_present(pc->cmd, "cram_md5") > 0,
		      &s, &pc->err) < 0) {
	pw_secret_wipe(&pw);
	return pw_fail(pc, "%s", STR_C(pc->err));
    }
    pw_secret_wipe(&pw);
    if ((db = dict_open(STR_C(pc->path), DICT_RDWR | DICT_CREATE, &pc->err)) == NULL)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if (passdb_set(db, STR_C(pc->user), STR_C(pc->service), &s, &pc->err) < 0)
	msg_error("%s", STR_C(pc->err));
    else
	rc = 0;
    pwsecret_clear(&s);
    dict_close(db);
    return rc;
}

static int pw_test(PW_CTX *pc)
{
    STR     pw = STR_INIT;
    PWSECRET s;
    DICT   *db;
    int     rc;

    if (wild_has(STR_C(pc->user)))
	return pw_fail(pc, "-test needs one user name, not the pattern \"%s\"", STR_C(pc->user));
    if ((db = dict_open(STR_C(pc->path), DICT_RDONLY, &pc->err)) == NULL)
	return pw_fail(pc, "%s", STR_C(pc->err));
    rc = passdb_lookup(db, STR_C(pc->user), STR_C(pc->service), &s, &pc->err);
    dict_close(db);
    if (rc < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if (rc == 0) {
	msg_error("no entry for user %s", STR_C(pc->user));
	return 1;
    }
    if (pw_get_password(pc->cmd, "Password: ", 0, &pw, &pc->err) < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    rc = pwsecret_check(&s, pw.s, pw.len);
    pw_secret_wipe(&pw);
    pwsecret_clear(&s);
    printf("%s: password %s\n", STR_C(pc->user), rc == 1 ? "matches" : "does not match");
    return rc == 1 ? 0 : 1;
}

typedef struct SHOW_CTX {
    long    count;
    STRLIST keys;			/* for -delete: user NUL service */
} SHOW_CTX;

static int pw_show_one(const char *user, const char *service, const PWSECRET *s,
		               const char *why, void *ctx)
{
    SHOW_CTX *sc = ctx;

    if (sc->count++ == 0)
	printf("%-32s %-10s %s\n", "User", "Service", "Mechanisms");
    if (s == NULL)
	printf("%-32s %-10s (damaged entry: %s)\n", user, service, why);
    else
	printf("%-32s %-10s SCRAM-SHA-256 PLAIN LOGIN%s\n", user, service,
	       s->has_cram ? " CRAM-MD5" : "");
    return 0;
}

static int pw_show(PW_CTX *pc)
{
    SHOW_CTX sc;
    DICT   *db;
    int     rc;

    memset(&sc, 0, sizeof(sc));
    if ((db = dict_open(STR_C(pc->path), DICT_RDONLY, &pc->err)) == NULL)
	return pw_fail(pc, "%s", STR_C(pc->err));
    rc = passdb_walk(db, STR_C(pc->user), pc->service.len ? STR_C(pc->service) : NULL,
		     pw_show_one, &sc, &pc->err);
    dict_close(db);
    if (rc < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    printf("%ld %s\n", sc.count, sc.count == 1 ? "entry" : "entries");
    return 0;
}

static int pw_collect(const char *user, const char *service, const PWSECRET *s,
		              const char *why, void *ctx)
{
    SHOW_CTX *sc = ctx;
    STR     key = STR_INIT;

    (void) s;
    (void) why;
    str_cpy(&key, user);
    str_catc(&key, 0);
    str_cat(&key, service);
    strlist_addn(&sc->keys, key.s, key.len);
    sc->count++;
    str_free(&key);
    return 0;
}

static int pw_delete(PW_CTX *pc)
{
    SHOW_CTX sc;
    DICT   *db;
    size_t  i;
    int     rc = 0;

    memset(&sc, 0, sizeof(sc));
    if ((db = dict_open(STR_C(pc->path), DICT_RDWR, &pc->err)) == NULL)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if (dict_begin(db, &pc->err) < 0
	|| passdb_walk(db, STR_C(pc->user), pc->service.len ? STR_C(pc->service) : NULL,
		       pw_collect, &sc, &pc->err) < 0)
	rc = -1;
    for (i = 0; rc == 0 && i < sc.keys.n; i++) {
	const char *user = sc.keys.v[i];

	if (passdb_delete(db, user, user + strlen(user) + 1, &pc->err) < 0)
	    rc = -1;
    }
    if (rc == 0 && sc.count == 0) {
	dict_abort(db);
	dict_close(db);
	strlist_free(&sc.keys);
	msg_error("no entries match user %s%s%s", STR_C(pc->user),
		  pc->service.len ? " and service " : "", STR_C(pc->service));
	return 1;
    }
    if (rc == 0)
	rc = dict_commit(db, &pc->err);
    if (rc < 0) {
	dict_abort(db);
	msg_error("%s; nothing was deleted", STR_C(pc->err));
    } else
	printf("%ld %s deleted\n", sc.count, sc.count == 1 ? "entry" : "entries");
    dict_close(db);
    strlist_free(&sc.keys);
    return rc < 0 ? 1 : 0;
}

/* ---- dump and load ------------------------------------------------------ */

typedef struct DUMP_CTX {
    FILE   *fp;
    long    count;
    STR     line;
} DUMP_CTX;

static int pw_dump_one(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    DUMP_CTX *dc = ctx;
    const char *nul = memchr(key, 0, klen);
    STR     b64 = STR_INIT;

    if (nul == NULL)
	return 0;
    sasl_b64_encode(val, vlen, &b64);
    fprintf(dc->fp, "%.*s\t%.*s\t%s\n", (int) (nul - (const char *) key), (const char *) key,
	    (int) (klen - (size_t) (nul - (const char *) key) - 1), nul + 1, STR_C(b64));
    dc->count++;
    str_free(&b64);
    return 0;
}

static int pw_dump(PW_CTX *pc)
{
    const char *file = cli_value(pc->cmd, "dump");
    DUMP_CTX dc;
    DICT   *db;
    int     rc;

    memset(&dc, 0, sizeof(dc));
    if (pw_need_admin(pc, "-dump"))
	return 1;
    if ((db = dict_open(STR_C(pc->path), DICT_RDONLY, &pc->err)) == NULL)
	return pw_fail(pc, "%s", STR_C(pc->err));
    dc.fp = stdout;
    if (file && (dc.fp = fopen(file, "w")) == NULL) {
	dict_close(db);
	msg_error("%s: cannot create: %s", file, strerror(errno));
	return 1;
    }
    fprintf(dc.fp, "%s\n", DUMP_HEADER);
    rc = dict_walk(db, NULL, 0, pw_dump_one, &dc, &pc->err);
    dict_close(db);
    if (file && fclose(dc.fp) != 0 && rc == 0) {
	str_printf(&pc->err, "%s: write error: %s", file, strerror(errno));
	rc = -1;
    }
    if (rc < 0)
	return pw_fail(pc, "%s", STR_C(pc->err));
    fprintf(stderr, "pmdf: %ld entries dumped\n", dc.count);
    return 0;
}

/* Parses one dump line into user, service and a checked secret. */
static int pw_load_line(char *line, STR *user, STR *service, PWSECRET *s, STR *err)
{
    char   *t1 = strchr(line, '\t'), *t2;
    STR     raw = STR_INIT, why = STR_INIT;
    int     rc = -1;

    if (t1 == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL) {
	str_cpy(err, "expected user<TAB>service<TAB>secret");
	return -1;
    }
    str_cpyn(user, line, (size_t) (t1 - line));
    str_cpyn(service, t1 + 1, (size_t) (t2 - t1 - 1));
    if (passdb_valid_user(STR_C(*user), err) < 0 || passdb_service(STR_C(*service), service, err) < 0)
	goto out;
    if (sasl_b64_decode(t2 + 1, &raw, &why) < 0) {
	str_printf(err, "secret is not valid base64: %s", STR_C(why));
	goto out;
    }
    if (pwsecret_decode((const unsigned char *) raw.s, raw.len, s, &why) < 0) {
	str_printf(err, "secret for %s: %s", STR_C(*user), STR_C(why));
	goto out;
    }
    rc = 0;
out:
    str_free(&raw);
    str_free(&why);
    return rc;
}

static int pw_load(PW_CTX *pc)
{
    const char *file = cli_value(pc->cmd, "load");
    CFG_OPTS opts = CFG_OPTS_INIT;
    CFG_READER *r;
    STR     line = STR_INIT, user = STR_INIT, service = STR_INIT, why = STR_INIT;
    PWSECRET s;
    DICT   *db;
    long    count = 0;
    int     rc = 0, n;

    if (pw_need_admin(pc, "-load"))
	return 1;
    opts.comments = CFG_COMMENT_NONE;
    opts.continuation = 0;
    opts.includes = 0;
    if ((r = cfg_open(file, &opts, &pc->err)) == NULL)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if ((db = dict_open(STR_C(pc->path), DICT_RDWR | DICT_CREATE, &pc->err)) == NULL
	|| dict_begin(db, &pc->err) < 0) {
	cfg_close(r);
	dict_close(db);
	return pw_fail(pc, "%s", STR_C(pc->err));
    }
    while (rc == 0 && (n = cfg_next(r, &line)) > 0) {
	if (line.s[0] == '#')
	    continue;
	if (pw_load_line(line.s, &user, &service, &s, &why) < 0) {
	    cfg_error(r, &pc->err, "%s", STR_C(why));
	    rc = -1;
	} else if (passdb_set(db, STR_C(user), STR_C(service), &s, &pc->err) < 0)
	    rc = -1;
	else
	    count++;
    }
    if (rc == 0 && n < 0) {
	str_cpy(&pc->err, cfg_errtext(r));
	rc = -1;
    }
    if (rc == 0)
	rc = dict_commit(db, &pc->err);
    if (rc < 0) {
	dict_abort(db);
	msg_error("%s; nothing was loaded", STR_C(pc->err));
    } else
	fprintf(stderr, "pmdf: %ld entries loaded\n", count);
    dict_close(db);
    cfg_close(r);
    str_free(&line);
    str_free(&user);
    str_free(&service);
    str_free(&why);
    return rc < 0 ? 1 : 0;
}

/* ---- Cyrus sasldb2 import --------------------------------------------------- */

typedef struct CONVERT_CTX {
    PW_CTX *pc;
    DICT   *db;
    const char *realm;
    long    iterations;
    long    count, skipped;
    int     failed;
    STRLIST seen;
} CONVERT_CTX;

static int pw_convert_one(const void *key, size_t klen, const void *val, size_t vlen, void *c)
{
    CONVERT_CTX *cc = c;
    const char *k = key, *nul1, *nul2;
    STR     user = STR_INIT, realm = STR_INIT, prop = STR_INIT, pw = STR_INIT;
    PWSECRET s;
    size_t  i;

    /* sasldb2 keys: user NUL realm NUL property. */
    if ((nul1 = memchr(k, 0, klen)) == NULL
	|| (nul2 = memchr(nul1 + 1, 0, klen - (size_t) (nul1 + 1 - k))) == NULL) {
	cc->skipped++;
	return 0;
    }
    str_cpyn(&user, k, (size_t) (nul1 - k));
    str_cpyn(&realm, nul1 + 1, (size_t) (nul2 - nul1 - 1));
    str_cpyn(&prop, nul2 + 1, klen - (size_t) (nul2 + 1 - k));
    if (strcmp(STR_C(prop), "userPassword") != 0
	|| (cc->realm && strcmp(cc->realm, STR_C(realm)) != 0)) {
	cc->skipped++;
	goto out;
    }
    for (i = 0; i < cc->seen.n; i++)
	if (strcmp(cc->seen.v[i], STR_C(user)) == 0) {
	    msg_error("user %s appears in more than one realm of the sasldb; choose one"
		      " with -realm", STR_C(user));
	    cc->failed = 1;
	    goto out;
	}
    strlist_add(&cc->seen, STR_C(user));
    str_cpyn(&pw, val, vlen);
    if (passdb_valid_user(STR_C(user), &cc->pc->err) < 0
	|| pwsecret_make(pw.s, pw.len, (unsigned) cc->iterations,
			 cli_present(cc->pc->cmd, "cram_md5") > 0, &s, &cc->pc->err) < 0
	|| passdb_set(cc->db, STR_C(user), "DEFAULT", &s, &cc->pc->err) < 0) {
	msg_error("%s", STR_C(cc->pc->err));
	cc->failed = 1;
	goto out;
    }
    pwsecret_clear(&s);
    cc->count++;
out:
    pw_secret_wipe(&pw);
    str_free(&user);
    str_free(&realm);
    str_free(&prop);
    return cc->failed;
}

static int pw_convert(PW_CTX *pc)
{
    const char *file = cli_value(pc->cmd, "convert");
    CONVERT_CTX cc;
    DICT   *in;
    int     rc = 0;

    memset(&cc, 0, sizeof(cc));
    cc.pc = pc;
    cc.realm = cli_value(pc->cmd, "realm");
    if (pw_need_admin(pc, "-convert"))
	return 1;
    if ((cc.iterations = pw_iterations(pc->cmd, &pc->err)) < 0)
	return pw_fail(pc, "-iterations: %s", STR_C(pc->err));
    if ((in = dict_open(file, DICT_FOREIGN, &pc->err)) == NULL)
	return pw_fail(pc, "%s", STR_C(pc->err));
    if ((cc.db = dict_open(STR_C(pc->path), DICT_RDWR | DICT_CREATE, &pc->err)) == NULL
	|| dict_begin(cc.db, &pc->err) < 0) {
	dict_close(in);
	dict_close(cc.db);
	return pw_fail(pc, "%s", STR_C(pc->err));
    }
    if (dict_walk(in, NULL, 0, pw_convert_one, &cc, &pc->err) < 0) {
	msg_error("%s", STR_C(pc->err));
	rc = -1;
    }
    if (rc == 0 && cc.failed)
	rc = -1;
    if (rc == 0 && dict_commit(cc.db, &pc->err) < 0) {
	msg_error("%s", STR_C(pc->err));
	rc = -1;
    }
    if (rc < 0) {
	dict_abort(cc.db);
	msg_error("nothing was converted from %s", file);
    } else
	printf("%ld users converted from %s (%ld other records skipped)\n", cc.count, file,
	       cc.skipped);
    dict_close(in);
    dict_close(cc.db);
    strlist_free(&cc.seen);
    return rc < 0 ? 1 : 0;
}

int     cmd_password(const CLI_CMD *cmd)
{
    PW_CTX  pc;
    int     listing = cli_present(cmd, "show") > 0 || cli_present(cmd, "delete") > 0
	|| cli_present(cmd, "dump") > 0 || cli_present(cmd, "load") > 0
	|| cli_present(cmd, "convert") > 0;
    int     rc;

    memset(&pc, 0, sizeof(pc));
    if ((rc = pw_setup(&pc, cmd, listing)) != 0) {
	pw_free(&pc);
	return rc;
    }
    if (cli_present(cmd, "show") > 0)
	rc = pw_show(&pc);
    else if (cli_present(cmd, "delete") > 0)
	rc = pw_delete(&pc);
    else if (cli_present(cmd, "test") > 0)
	rc = pw_test(&pc);
    else if (cli_present(cmd, "dump") > 0)
	rc = pw_dump(&pc);
    else if (cli_present(cmd, "load") > 0)
	rc = pw_load(&pc);
    else if (cli_present(cmd, "convert") > 0)
	rc = pw_convert(&pc);
    else
	rc = pw_create(&pc);
    pw_free(&pc);
    return rc;
}
