/*
 * NAME
 *	lnm - logical names, the portability layer
 * SYNOPSIS
 *	#include "lnm.h"
 *
 *	int lnm_init(STR *err);
 *	int lnm_lookup(const char *name, int table, LNM_ENTRY *ent, STR *err);
 *	int lnm_translate(const char *name, int index, STR *value, unsigned *attr, STR *err);
 *	int lnm_define(int table, const char *name, const char *const *equiv, int count,
 *		       unsigned attr, int mode, STR *err);
 *	int lnm_deassign(int table, const char *name, STR *err);
 *	int lnm_list(const char *pattern, int table, LNM_LIST_FN fn, void *ctx, STR *err);
 *
 *	int lnm_file_candidates(const char *spec, STRLIST *paths, STR *err);
 *	int lnm_file(const char *spec, int purpose, STR *path, STR *err);
 *	FILE *lnm_fopen(const char *spec, const char *mode, STR *path, STR *err);
 *	int lnm_trace(const char *name, LNM_TRACE_FN fn, void *ctx, STR *err);
 *
 *	void lnm_entry_free(LNM_ENTRY *ent);
 *	const char *lnm_table_name(int table);
 *	int lnm_table_by_name(const char *name);
 *	const char *lnm_mode_name(int mode);
 * DESCRIPTION
 *	One interface, two implementations: on OpenVMS the names are the
 *	system's own (SYS$TRNLNM, SYS$CRELNM, SYS$DELLNM); on Unix the system
 *	table is filled from the tailor file (PMDF_TAILOR, else
 *	/etc/pmdf_tailor) and the process table from the environment and from
 *	lnm_define().  The semantics are OpenVMS's:
 *
 *	- names are case-blind (kept upper case), 1 to 255 characters;
 *	- tables are searched process, job, group, system (LNM$FILE_DEV);
 *	  LNM_TABLE_ANY asks for that search, a single table for that table;
 *	- a name has 1 to 128 equivalence strings (a search list), each 1 to
 *	  255 characters, addressable by index 0..127, each with attributes
 *	  LNM_ATTR_CONCEALED and LNM_ATTR_TERMINAL;
 *	- a file spec's device part is translated iteratively, at most
 *	  LNM_MAX_DEPTH (10) times, stopping early at a CONCEALED or TERMINAL
 *	  equivalence; a name met twice on one path is reported as a loop;
 *	- an equivalence ending in ".]" is rooted: PMDF_ROOT:[TABLE]x with
 *	  PMDF_ROOT = DKA0:[PMDF.] is DKA0:[PMDF.TABLE]x, and [000000] is the
 *	  top of the root; a non-rooted equivalence's directory is replaced by
 *	  the spec's own directory when it has one (as RMS does);
 *	- an equivalence that is a Unix path (it contains "/") ends
 *	  translation there; a directory path (ending in "/") acts as a root,
 *	  so PMDF_ROOT:[TABLE]x with PMDF_ROOT=/pmdf/ is /pmdf/TABLE/x;
 *	- a search list yields one candidate per element, depth first, in
 *	  order.  lnm_file() with LNM_READ picks the first candidate that
 *	  exists; with LNM_CREATE the first candidate.
 *
 *	A spec with no device (a Unix path, or a VMS spec without "dev:")
 *	is converted without translation.  Translations of file specs are
 *	cached; lnm_define() and lnm_deassign() invalidate the cache.
 *
 *	lnm_lookup() fills ent with the name's entry (1), or returns 0 when
 *	the name is not defined.  lnm_translate() returns one element.
 *	lnm_list() calls fn for every name matching the VMS wildcard pattern
 *	("*" any run, "%" one character), table by table, names sorted.
 *	lnm_table_by_name() maps LNM$PROCESS_TABLE, LNM$JOB, LNM$GROUP,
 *	LNM$SYSTEM_TABLE (also LNM$PROCESS, LNM$SYSTEM, or PROCESS, JOB, GROUP,
 *	SYSTEM), case-blind, to a table, LNM$FILE_DEV to LNM_TABLE_ANY, and
 *	anything else to -2.
 *	lnm_include_resolver() is a CFG_RESOLVE_FN (cfgread.h) that resolves
 *	"<file" includes through logical names, for every configuration format.
 *	lnm_trace() walks the iterative translation of a name the way SHOW
 *	LOGICAL displays it, calling fn at each level.
 * DIAGNOSTICS
 *	Functions return -1 and set err to a message naming the logical name
 *	or spec and the problem: undefined name, name or equivalence too
 *	long, more than 128 equivalences, more than 10 levels, a loop, a bad
 *	file spec, a bad tailor line ("file:line: message").
 */
#ifndef PMDF_LNM_H
#define PMDF_LNM_H
#include <stdio.h>
#include "str.h"
#include "strlist.h"

#define LNM_TABLE_PROCESS 0
#define LNM_TABLE_JOB	  1
#define LNM_TABLE_GROUP	  2
#define LNM_TABLE_SYSTEM  3
#define LNM_NTABLES	  4
#define LNM_TABLE_ANY	  (-1)

#define LNM_MODE_KERNEL	  0
#define LNM_MODE_EXEC	  1
#define LNM_MODE_SUPER	  2
#define LNM_MODE_USER	  3

#define LNM_ATTR_CONCEALED 1u
#define LNM_ATTR_TERMINAL  2u

#define LNM_MAX_NAME	255
#define LNM_MAX_EQUIV	255
#define LNM_MAX_INDEX	128
#define LNM_MAX_DEPTH	10
#define LNM_MAX_CANDIDATES 1024

#define LNM_READ	0
#define LNM_CREATE	1

typedef struct LNM_EQUIV {
    char   *value;
    unsigned attr;
} LNM_EQUIV;

typedef struct LNM_ENTRY {
    char    name[LNM_MAX_NAME + 1];	/* upper case */
    int     table;			/* LNM_TABLE_* */
    int     mode;			/* LNM_MODE_* */
    int     count;			/* equivalences in eq[] */
    LNM_EQUIV eq[LNM_MAX_INDEX];
} LNM_ENTRY;

typedef void (*LNM_LIST_FN) (const LNM_ENTRY *ent, void *ctx);
typedef void (*LNM_TRACE_FN) (int level, const LNM_ENTRY *ent, void *ctx);

int lnm_init(STR *err);
void lnm_shutdown(void);
int lnm_lookup(const char *name, int table, LNM_ENTRY *ent, STR *err);
int lnm_translate(const char *name, int index, STR *value, unsigned *attr, STR *err);
int lnm_define(int table, const char *name, const char *const *equiv, int count,
	       unsigned attr, int mode, STR *err);
int lnm_deassign(int table, const char *name, STR *err);
int lnm_list(const char *pattern, int table, LNM_LIST_FN fn, void *ctx, STR *err);
int lnm_trace(const char *name, int table, LNM_TRACE_FN fn, void *ctx, STR *err);

int lnm_file_candidates(const char *spec, STRLIST *paths, STR *err);
int lnm_file(const char *spec, int purpose, STR *path, STR *err);
FILE *lnm_fopen(const char *spec, const char *mode, STR *path, STR *err);

void lnm_entry_init(LNM_ENTRY *ent);
void lnm_entry_free(LNM_ENTRY *ent);
const char *lnm_table_name(int table);
int lnm_table_by_name(const char *name);
const char *lnm_mode_name(int mode);
int lnm_valid_name(const char *name, STR *err);
int lnm_include_resolver(const char *name, STR *path, STR *err, void *ctx);
int lnm_wildmatch(const char *pattern, const char *name);

#endif
