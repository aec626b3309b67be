/*
 * NAME
 *	alias - the alias file, the alias database, the general database
 * SYNOPSIS
 *	#include "alias.h"
 *
 *	int alias_load(const char *file_spec, const char *db_spec,
 *		       ALIASES **aliases, STR *err);
 *	int alias_expand(ALIASES *a, const char *local_part, STRLIST *out, STR *err);
 *	int alias_lookup(ALIASES *a, const char *name, STRLIST *targets, STR *err);
 *	int alias_split(const char *value, STRLIST *out, STR *err);
 *	size_t alias_count(const ALIASES *a);
 *	const STRLIST *alias_files(const ALIASES *a);
 *	const char *alias_db_path(const ALIASES *a);
 *	void alias_free(ALIASES *a);
 *	void alias_save(const ALIASES *a, STR *out);
 *	int alias_restore(UNPACK *in, const char *db_spec, ALIASES **aliases, STR *err);
 *
 *	int general_open(const char *db_spec, DICT **db, STR *err);
 *	int general_lookup(DICT *db, const char *key, STR *val, STR *err);
 * DESCRIPTION
 *	alias_save() appends the aliases read from the file (not the
 *	database, which stays live) to out as pack.h records, for the compiled
 *	configuration image; alias_restore() rebuilds them and opens the
 *	database as alias_load() does.
 *
 *	alias_load() reads the alias file and opens the alias database.
 *	file_spec NULL means the logical name PMDF_ALIAS_FILE when it is
 *	defined, else PMDF_TABLE:aliases; db_spec NULL means
 *	PMDF_ALIAS_DATABASE, else PMDF_TABLE:aliasesdb.  A file or database
 *	that does not exist simply contributes no aliases (PMDF: "the mere
 *	presence of the alias database is enough to activate" it); one that
 *	exists but cannot be read or parsed is an error.
 *
 *	The alias file is read through the one configuration reader:
 *	"alias: address, address, ..."; no white space before the colon; a
 *	"\" at the end of a line continues it (PMDF wants it after a comma);
 *	lines whose first non-blank is "!" are comments ("!" elsewhere is
 *	data: bang paths are addresses); "<file" includes another alias file,
 *	resolved through logical names, nested at most three levels deep as
 *	in PMDF.  Alias names are case-blind (stored lower case), 1 to 60
 *	characters (PMDF's limit); addresses keep their case, at most 252
 *	characters each.  Commas inside double quotes do not separate.
 *	Defining an alias twice is an error naming both places (PMDF leaves
 *	which duplicate wins undefined; refusing is the safe reading).
 *
 *	The alias database (built by "pmdf crdb") is opened read-only through
 *	dict.h.  Its keys are lower-case alias names, its values the same
 *	comma-separated address lists as the file's right-hand sides.  It is
 *	consulted BEFORE the alias file, for every name (PMDF: "the database
 *	acts as a sort of address rewriter that is invoked prior to using the
 *	regular alias file"); a name found there is not looked up in the file.
 *
 *	alias_lookup() performs one level: 1 and the targets when name is an
 *	alias (database first, then file), 0 when it is not, -1 on error.
 *
 *	alias_expand() expands local_part completely.  It returns 1 with the
 *	final addresses appended to out when local_part is an alias, 0 when
 *	it is not (out unchanged: deliver to the mailbox), -1 with err.
 *	A target containing "@" (outside quotes) is final; a bare name is an
 *	alias again when it is one, else a local mailbox (final).  A target
 *	"<file" is a mailing list: the file (through logical names) holds
 *	addresses, one or more a line, "!" comments, and its addresses are
 *	expanded like any other targets.  As in PMDF, an alias whose
 *	expansion names itself ("staff: staff, boss") delivers to the
 *	mailbox of that name and is not expanded again; any other cycle
 *	("a: b" and "b: a") is an error "alias loop: a -> b -> a".  Nesting
 *	is bounded by ALIAS_MAX_DEPTH levels and the result by
 *	ALIAS_MAX_OUTPUT addresses.  Duplicates are dropped, keeping the
 *	first: bare names compare case-blind (mailbox names are), addresses
 *	compare with the local part exact and the domain case-blind.
 *
 *	alias_split() splits an alias value at commas outside double quotes,
 *	trimming white space; an empty element or an over-long address is an
 *	error.
 *
 *	alias_count() is the number of aliases read from the file(s);
 *	alias_files() lists every file read (for staleness checks);
 *	alias_db_path() is the database file in use, or NULL.
 *
 *	general_open() opens the general database read-only (db_spec NULL:
 *	PMDF_GENERAL_DATABASE, else PMDF_TABLE:generaldb): 1 and *db, or 0
 *	and *db NULL when it does not exist, or -1.  general_lookup() is the
 *	rewrite rules' $(text): the key is folded to lower case (crdb stores
 *	keys that way, as PMDF's databases are case-insensitive); 1 and val
 *	when found, 0 when not (or when db is NULL), -1 on error.
 * DIAGNOSTICS
 *	Alias file errors are "file:line: message": missing colon, white
 *	space before the colon, empty alias name, empty expansion, empty
 *	address, name or address too long, duplicate alias, plus the
 *	reader's own (include loops and depth, unreadable files).  Database
 *	errors name the database file.  Expansion errors name the aliases
 *	involved.
 */
#ifndef PMDF_ALIAS_H
#define PMDF_ALIAS_H
#include <stddef.h>
#include "str.h"
#include "strlist.h"
#include "dict.h"

struct UNPACK;

#define ALIAS_FILE_LOGICAL	"PMDF_ALIAS_FILE"
#define ALIAS_FILE_DEFAULT	"PMDF_TABLE:aliases"
#define ALIAS_DB_LOGICAL	"PMDF_ALIAS_DATABASE"
#define ALIAS_DB_DEFAULT	"PMDF_TABLE:aliasesdb"
#define GENERAL_DB_LOGICAL	"PMDF_GENERAL_DATABASE"
#define GENERAL_DB_DEFAULT	"PMDF_TABLE:generaldb"

#define ALIAS_MAX_NAME		60	/* PMDF: alias names */
#define ALIAS_MAX_ADDRESS	252	/* PMDF: each address */
#define ALIAS_MAX_DEPTH		20	/* nested aliases */
#define ALIAS_MAX_OUTPUT	10000	/* addresses from one expansion */
#define ALIAS_MAX_INCLUDE	3	/* PMDF: include files nest 3 deep */

typedef struct ALIASES ALIASES;

int alias_load(const char *file_spec, const char *db_spec, ALIASES **aliases, STR *err);
int alias_expand(ALIASES *a, const char *local_part, STRLIST *out, STR *err);
int alias_lookup(ALIASES *a, const char *name, STRLIST *targets, STR *err);
int alias_split(const char *value, STRLIST *out, STR *err);
size_t alias_count(const ALIASES *a);
const STRLIST *alias_files(const ALIASES *a);
const char *alias_db_path(const ALIASES *a);
void alias_free(ALIASES *a);
void alias_save(const ALIASES *a, STR *out);
int alias_restore(struct UNPACK *in, const char *db_spec, ALIASES **aliases, STR *err);

int general_open(const char *db_spec, DICT **db, STR *err);
int general_lookup(DICT *db, const char *key, STR *val, STR *err);

#endif
