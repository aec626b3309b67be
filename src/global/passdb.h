/*
 * NAME
 *	passdb - the password database
 * SYNOPSIS
 *	#include "passdb.h"
 *
 *	DICT *passdb_open(int flags, STR *path, STR *err);
 *	int passdb_valid_user(const char *user, STR *err);
 *	int passdb_service(const char *keyword, STR *canon, STR *err);
 *	int passdb_set(DICT *db, const char *user, const char *service,
 *		       const PWSECRET *secret, STR *err);
 *	int passdb_get(DICT *db, const char *user, const char *service,
 *		       PWSECRET *secret, STR *err);
 *	int passdb_lookup(DICT *db, const char *user, const char *service,
 *			  PWSECRET *secret, STR *err);
 *	int passdb_delete(DICT *db, const char *user, const char *service, STR *err);
 *	int passdb_walk(DICT *db, const char *user_pattern, const char *service,
 *			PASSDB_WALK_FN fn, void *ctx, STR *err);
 * DESCRIPTION
 *	The database is the Berkeley DB file named by the logical name
 *	PMDF_PASSWORD_DATABASE, or PMDF_TABLE:passdb.db when that name is not
 *	defined; it is opened through the one table interface (dict.h), so it
 *	is mode 0600, transactional and safe with concurrent writers.
 *
 *	One record per user and service.  The key is the user name, a NUL,
 *	and the service keyword in upper case; so records sort by user, then
 *	service.  The value is a versioned PWSECRET record (pwsecret.h):
 *	salted SCRAM-SHA-256 keys and, unless turned off, the CRAM-MD5 HMAC
 *	context; never the password.
 *
 *	User names are 1 to 255 bytes with no control characters (they are
 *	case-sensitive, like passwords).  Service keywords: DEFAULT, SMTP,
 *	IMAP, POP, APOP, POPPASSD, HTTP, LDAP (case-blind).
 *
 *	passdb_get() finds one record (1), or none (0).  passdb_lookup() is
 *	what servers call: the service's record, else the DEFAULT record.
 *	passdb_walk() calls fn for each record whose user matches the
 *	VMS-style wildcard pattern (NULL: all) and whose service is service
 *	(NULL: all), sorted.  A record that cannot be decoded is passed with
 *	secret NULL and the reason, so listings can show it.
 * DIAGNOSTICS
 *	-1 with err naming the user, service or database file.
 */
#ifndef PMDF_PASSDB_H
#define PMDF_PASSDB_H
#include "dict.h"
#include "pwsecret.h"
#include "str.h"

#define PASSDB_USER_MAX 255
#define PASSDB_SPEC "PMDF_PASSWORD_DATABASE:"
#define PASSDB_DEFAULT_SPEC "PMDF_TABLE:passdb.db"

typedef int (*PASSDB_WALK_FN) (const char *user, const char *service,
			               const PWSECRET *secret, const char *why, void *ctx);

DICT *passdb_open(int flags, STR *path, STR *err);
int passdb_path(int purpose, STR *path, STR *err);
int passdb_valid_user(const char *user, STR *err);
int passdb_service(const char *keyword, STR *canon, STR *err);
int passdb_set(DICT *db, const char *user, const char *service, const PWSECRET *secret, STR *err);
int passdb_get(DICT *db, const char *user, const char *service, PWSECRET *secret, STR *err);
int passdb_lookup(DICT *db, const char *user, const char *service, PWSECRET *secret, STR *err);
int passdb_delete(DICT *db, const char *user, const char *service, STR *err);
int passdb_walk(DICT *db, const char *user_pattern, const char *service,
		PASSDB_WALK_FN fn, void *ctx, STR *err);

#endif
