/*
 * NAME
 *	cfgread - the one configuration reader core
 * SYNOPSIS
 *	#include "cfgread.h"
 *
 *	CFG_OPTS opts = CFG_OPTS_INIT;
 *	CFG_READER *r = cfg_open(path, &opts, &err);
 *	while ((n = cfg_next(r, &line)) > 0) {
 *	    ... cfg_file(r), cfg_lineno(r) ...
 *	    cfg_error(r, &err, "unknown keyword \"%s\"", word);
 *	}
 *	if (n < 0) ... err from cfg_errtext(r) ...
 *	cfg_close(r);
 *
 *	int cfg_parse_int(const char *text, long min, long max, long *val, STR *err);
 * DESCRIPTION
 *	Every configuration format of the toolkit (tailor file, PMDF.CNF,
 *	mappings, option files, alias file, DISPATCHER.CNF, PMAS_CONFIG.DAT)
 *	reads its lines through this module, so they share one notion of a
 *	line, a comment, a continuation, an include and an error position.
 *
 *	cfg_next() returns logical lines, without line terminators (LF or
 *	CRLF), with the options below applied:
 *	comments	CFG_COMMENT_NONE, CFG_COMMENT_COL1 ("!" in column 1
 *			only, as in PMDF.CNF), CFG_COMMENT_LINE (a line whose
 *			first non-blank is "!"), CFG_COMMENT_ANY ("!" outside
 *			double quotes starts a comment to the end of the line).
 *			Comment lines are skipped entirely; they never count as
 *			blank lines.
 *	continuation	A "\" at the very end of a line joins the next line.
 *	includes	A line "<file" is replaced by the lines of that file;
 *			opts.resolve (if set) maps the name to a path, e.g.
 *			through logical names.  Depth is bounded (max_depth),
 *			so is the number of include lines obeyed in all
 *			(CFG_MAX_INCLUDES: ten files each including the next
 *			ten times would otherwise mean 10^8 reads), and a file
 *			including itself, directly or not, is an error naming
 *			the chain.
 *	keep_blank	Blank lines are returned as "" (PMDF.CNF and mapping
 *			files give them meaning); otherwise skipped.
 *	trim		Trailing white space is removed (leading space is kept:
 *			several formats give it meaning).
 *	A NUL byte in a line, or a logical line longer than CFG_MAX_LINE,
 *	is an error.  cfg_file()/cfg_lineno() give the position of the
 *	physical line where the current logical line started.
 *
 *	cfg_parse_int() reads "123", "-5" or "base%value" (base 2..36, e.g.
 *	"8%777", "16%ff") and checks min..max.
 * DIAGNOSTICS
 *	Every message has the form "file:line: message".
 */
#ifndef PMDF_CFGREAD_H
#define PMDF_CFGREAD_H
#include "str.h"

#define CFG_COMMENT_NONE 0
#define CFG_COMMENT_COL1 1
#define CFG_COMMENT_LINE 2
#define CFG_COMMENT_ANY  3

#define CFG_MAX_LINE	 (64 * 1024)
#define CFG_MAX_DEPTH	 8
#define CFG_MAX_INCLUDES 1000

typedef int (*CFG_RESOLVE_FN) (const char *name, STR *path, STR *err, void *ctx);

typedef struct CFG_OPTS {
    int     comments;
    int     continuation;
    int     includes;
    int     keep_blank;
    int     trim;
    int     max_depth;
    CFG_RESOLVE_FN resolve;
    void   *ctx;
} CFG_OPTS;

#define CFG_OPTS_INIT { CFG_COMMENT_ANY, 1, 1, 0, 1, CFG_MAX_DEPTH, NULL, NULL }

typedef struct CFG_READER CFG_READER;

CFG_READER *cfg_open(const char *path, const CFG_OPTS *opts, STR *err);
int cfg_next(CFG_READER *r, STR *line);
const char *cfg_file(const CFG_READER *r);
int cfg_lineno(const CFG_READER *r);
const char *cfg_errtext(const CFG_READER *r);
void cfg_error(const CFG_READER *r, STR *err, const char *fmt, ...);
void cfg_close(CFG_READER *r);
int cfg_parse_int(const char *text, long min, long max, long *val, STR *err);

#endif
