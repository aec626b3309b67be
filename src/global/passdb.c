/*
 * NAME
 *	passdb - the password database (see passdb.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "passdb.h"
#include "lnm.h"
#include "wildmat.h"
#include "mem.h"
#include "msg.h"

static const char *const services[] = {
    "DEFAULT", "SMTP", "IMAP", "POP", "APOP", "POPPASSD", "HTTP", "LDAP", NULL,
};

int     passdb_valid_user(const char *user, STR *err)
{
    size_t  len = strlen(user);

    if (len == 0) {
	str_cpy(err, "empty user name");
	return -1;
    }
    if (pwsecret_prohibited(user, len)) {
	str_cpy(err, "user name contains a control character");
	return -1;
    }
    if (len > PASSDB_USER_MAX) {
	str_printf(err, "user name \"%.32s...\" is %lu bytes long; the limit is %d",
		   user, (unsigned long) len, PASSDB_USER_MAX);
	return -1;
    }
    return 0;
}

int     passdb_service(const char *keyword, STR *canon, STR *err)
{
    int     i;

    for (i = 0; services[i]; i++) {
	if (strcasecmp(keyword, services[i]) == 0) {
	    str_cpy(canon, services[i]);
	    return 0;
	}
    }
    str_printf(err, "unknown service keyword \"%s\" (one of DEFAULT, SMTP, IMAP, POP,"
	       " APOP, POPPASSD, HTTP, LDAP)", keyword);
    return -1;
}

int     passdb_path(int purpose, STR *path, STR *err)
{
    LNM_ENTRY ent;
    int     rc;

    rc = lnm_lookup("PMDF_PASSWORD_DATABASE", LNM_TABLE_ANY, &ent, err);
    if (rc < 0)
	return -1;
    if (rc > 0)
	lnm_entry_free(&ent);
    return lnm_file(rc > 0 ? PASSDB_SPEC : PASSDB_DEFAULT_SPEC, purpose, path, err);
}

DICT   *passdb_open(int flags, STR *path, STR *err)
{
    STR     local = STR_INIT;
    STR    *p = path ? path : &local;
    DICT   *db = NULL;

    if (passdb_path((flags & DICT_CREATE) ? LNM_CREATE : LNM_READ, p, err) == 0)
	db = dict_open(STR_C(*p), flags, err);
    str_free(&local);
    return db;
}

static void passdb_key(const char *user, const char *service, STR *key)
{
    str_cpy(key, user);
    str_catc(key, 0);
    str_cat(key, service);
}

int     passdb_set(DICT *db, const char *user, const char *service, const PWSECRET *s, STR *err)
{
    STR     key = STR_INIT, val = STR_INIT;
    int     rc = -1;

    if (passdb_valid_user(user, err) == 0) {
	passdb_key(user, service, &key);
	if (pwsecret_encode(s, &val) == 0)
	    rc = dict_put(db, key.s, key.len, val.s, val.len, err);
	else
	    str_printf(err, "cannot encode the secret for %s", user);
    }
    str_free(&key);
    str_free(&val);
    return rc;
}

int     passdb_get(DICT *db, const char *user, const char *service, PWSECRET *s, STR *err)
{
    STR     key = STR_INIT, val = STR_INIT, why = STR_INIT;
    int     rc;

    passdb_key(user, service, &key);
    rc = dict_get(db, key.s, key.len, &val, err);
    if (rc > 0 && pwsecret_decode((const unsigned char *) val.s, val.len, s, &why) < 0) {
	str_printf(err, "%s: entry for %s (%s) is damaged: %s", dict_path(db), user, service,
		   STR_C(why));
	rc = -1;
    }
    str_free(&key);
    str_free(&val);
    str_free(&why);
    return rc;
}

int     passdb_lookup(DICT *db, const char *user, const char *service, PWSECRET *s, STR *err)
{
    int     rc;

    if (passdb_valid_user(user, err) < 0)
	return -1;
    rc = passdb_get(db, user, service, s, err);
    if (rc == 0 && strcmp(service, "DEFAULT") != 0)
	rc = passdb_get(db, user, "DEFAULT", s, err);
    return rc;
}

int     passdb_delete(DICT *db, const char *user, const char *service, STR *err)
{
    STR     key = STR_INIT;
    int     rc;

    passdb_key(user, service, &key);
    rc = dict_del(db, key.s, key.len, err);
    str_free(&key);
    return rc;
}

typedef struct WALK_CTX {
    const char *pattern;
    const char *service;
    PASSDB_WALK_FN fn;
    void   *ctx;
} WALK_CTX;

static int passdb_walk_one(const void *key, size_t klen, const void *val, size_t vlen, void *c)
{
    WALK_CTX *w = c;
    const char *k = key;
    const char *nul = memchr(k, 0, klen);
    STR     user = STR_INIT, service = STR_INIT, why = STR_INIT;
    PWSECRET s;
    int     rc = 0, ok;

    if (nul == NULL)
	return 0;				/* not one of ours: skip */
    str_cpyn(&user, k, (size_t) (nul - k));
    str_cpyn(&service, nul + 1, klen - (size_t) (nul - k) - 1);
    if ((w->pattern == NULL || wild_match(w->pattern, STR_C(user), 0))
	&& (w->service == NULL || strcmp(w->service, STR_C(service)) == 0)) {
	ok = pwsecret_decode(val, vlen, &s, &why) == 0;
	rc = w->fn(STR_C(user), STR_C(service), ok ? &s : NULL, STR_C(why), w->ctx);
    }
    str_free(&user);
    str_free(&service);
    str_free(&why);
    return rc;
}

int     passdb_walk(DICT *db, const char *pattern, const char *service,
		            PASSDB_WALK_FN fn, void *ctx, STR *err)
{
    WALK_CTX w;
    size_t  plen = 0;

    w.pattern = pattern;
    w.service = service;
    w.fn = fn;
    w.ctx = ctx;
    /* The literal part of the pattern before any wildcard narrows the scan. */
    if (pattern)
	plen = strcspn(pattern, "*%?");
    return dict_walk(db, pattern, plen, passdb_walk_one, &w, err);
}
