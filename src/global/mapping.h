/*
 * NAME
 *	mapping - the mapping file and its one evaluator
 * SYNOPSIS
 *	#include "mapping.h"
 *
 *	int mapping_load(const char *spec, MAPPINGS **maps, STR *err);
 *	void mapping_free(MAPPINGS *maps);
 *	int mapping_has(const MAPPINGS *maps, const char *table);
 *	int mapping_apply(const MAPPINGS *maps, const char *table, const char *probe,
 *			  MAP_RESULT *res, STR *err);
 *	void map_result_free(MAP_RESULT *res);
 * DESCRIPTION
 *	The mapping file (spec, e.g. "PMDF_MAPPING_FILE:") is read through the
 *	one configuration reader: a table name in column 1, a blank line, then
 *	indented "pattern template" entries; a blank line ends the table;
 *	"\" continues a line; "!" in column 1 comments.  Table names are
 *	case-blind.
 *
 *	mapping_apply() is the one evaluator, used by rewrite rules
 *	(${table,arg}), the dispatcher (PORT_ACCESS), and the SMTP server
 *	(ORIG_SEND_ACCESS, SEND_ACCESS, INTERNAL_IP, ...).  Entries are
 *	tried in order; patterns match case-blind with "*" (any run) and "%"
 *	(one character) wildcards, and $(a.b.c.d/len) matches an IPv4 (or
 *	IPv6) address in a CIDR block.  The first matching entry's template
 *	is expanded: $0 .. $9 are the strings the wildcards matched, "$ "
 *	is a space, "$$" a dollar, "$|" a bar.  Flags in the template:
 *	  $Y  the probe is allowed (result MAP_ALLOW)
 *	  $N  refused, the rest of the template is the reason text (MAP_DENY)
 *	  $F  like $N (a failure with text)
 *	  $<  also log the text  (res->log)
 *	  $T  write a connection log entry (res->log_connection)
 *	  $C  continue with the next entries after this one matched
 *	  $E  stop: this is the final result (the default)
 *	A template without $Y/$N/$F yields MAP_STRING: res->text is the
 *	substituted template (used by rewrite rules and INTERNAL_IP, where
 *	$Y is "internal").  No matching entry yields MAP_NOMATCH.
 *	Expansion is bounded (size and $C chains).
 * DIAGNOSTICS
 *	Load errors are "file:line: message" (an entry before any table, a
 *	table with no entries, a bad CIDR, an unknown $ flag).  Apply fails
 *	only on an unknown table name when the caller insists (-1, err).
 */
#ifndef PMDF_MAPPING_H
#define PMDF_MAPPING_H
#include "str.h"

#define MAP_NOMATCH 0
#define MAP_STRING  1
#define MAP_ALLOW   2
#define MAP_DENY    3

typedef struct MAPPINGS MAPPINGS;

typedef struct MAP_RESULT {
    int     kind;		/* MAP_NOMATCH, MAP_STRING, MAP_ALLOW, MAP_DENY */
    STR     text;		/* substituted template / reason text */
    int     log;		/* $< */
    int     log_connection;	/* $T */
} MAP_RESULT;

int mapping_load(const char *spec, MAPPINGS **maps, STR *err);
void mapping_free(MAPPINGS *maps);
int mapping_has(const MAPPINGS *maps, const char *table);
int mapping_apply(const MAPPINGS *maps, const char *table, const char *probe,
		  MAP_RESULT *res, STR *err);
void map_result_free(MAP_RESULT *res);

#endif
