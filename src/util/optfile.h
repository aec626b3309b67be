/*
 * NAME
 *	optfile - NAME=value option files, with optional [KIND=name] sections
 * SYNOPSIS
 *	#include "optfile.h"
 *
 *	OPTFILE of;
 *	int optfile_read(const char *path, const CFG_OPTS *opts, int flags,
 *			 OPTFILE *of, STR *err);
 *	const OPT_SECTION *optfile_section(const OPTFILE *of, const char *kind,
 *					   const char *name);
 *	const OPT_ENTRY *optfile_find(const OPT_SECTION *s, const char *name);
 *	const char *optfile_value(const OPT_SECTION *s, const char *name);
 *	int optfile_int(const OPT_SECTION *s, const char *name, long min, long max,
 *			long *val, STR *err);
 *	void optfile_error(const OPT_ENTRY *e, STR *err, const char *fmt, ...);
 *	void optfile_free(OPTFILE *of);
 * DESCRIPTION
 *	The format shared by option.dat, the per-channel option files,
 *	DISPATCHER.CNF and JOB_CONTROLLER.CNF: one NAME=value a line, read
 *	through cfgread (so comments, continuations, "<file" includes and
 *	file:line errors are those of every other format).  Names are
 *	case-blind (kept upper case); white space around "=" and at the end
 *	of the value is dropped; a name may not contain white space.
 *
 *	With OPT_SECTIONS in flags a line "[KIND=name]" opens a section
 *	(PMDF: [SERVICE=SMTP], [POOL=DEFAULT], [CHANNEL=l]).  Lines before
 *	the first section form section 0, the globals, whose kind and name
 *	are "".  Kinds are upper-cased; names are kept as written and
 *	compared case-blind.  Without OPT_SECTIONS a "[" line is an error.
 *	A section kind and name appearing twice is an error naming both
 *	places.
 *
 *	Every entry remembers the file and line it came from, so a caller
 *	that finds a bad value reports "file:line: message" through
 *	optfile_error() or optfile_int().  A name set twice in one section
 *	keeps both entries; optfile_find() returns the last (a later
 *	setting wins, as PMDF reads these files).
 *
 *	optfile_int() reads an integer value (cfg_parse_int: "12",
 *	"8%777"); it returns 0 when the name is absent (val untouched),
 *	1 when read, and -1 with "file:line: NAME: ..." in err when the
 *	value is not an integer in min..max.
 * DIAGNOSTICS
 *	optfile_read() returns 0, or -1 with err set ("file:line: message",
 *	or the cfg_open() error when the file cannot be read).  The OPTFILE
 *	is then empty and needs no optfile_free(), though it is harmless.
 */
#ifndef PMDF_OPTFILE_H
#define PMDF_OPTFILE_H
#include <stddef.h>
#include "str.h"
#include "cfgread.h"

#define OPT_SECTIONS 1

typedef struct OPT_ENTRY {
    char   *name;		/* upper case */
    char   *value;
    const char *file;		/* points into the OPTFILE's file list */
    int     line;
} OPT_ENTRY;

typedef struct OPT_SECTION {
    char   *kind;		/* "" for the globals, else upper case */
    char   *name;		/* as written */
    const char *file;
    int     line;
    OPT_ENTRY *v;
    size_t  n;
    size_t  cap;
} OPT_SECTION;

typedef struct OPTFILE {
    OPT_SECTION *sec;		/* sec[0]: the globals */
    size_t  nsec;
    char  **files;		/* every file read, includes too */
    size_t  nfiles;
} OPTFILE;

int     optfile_read(const char *path, const CFG_OPTS *opts, int flags, OPTFILE *of,
		             STR *err);
const OPT_SECTION *optfile_section(const OPTFILE *of, const char *kind, const char *name);
const OPT_ENTRY *optfile_find(const OPT_SECTION *s, const char *name);
const char *optfile_value(const OPT_SECTION *s, const char *name);
int     optfile_int(const OPT_SECTION *s, const char *name, long min, long max, long *val,
		            STR *err);
void    optfile_error(const OPT_ENTRY *e, STR *err, const char *fmt, ...);
void    optfile_free(OPTFILE *of);

#endif
