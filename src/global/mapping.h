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
 *	void map_result_init(MAP_RESULT *res);	(or MAP_RESULT r = MAP_RESULT_INIT;)
 *	void map_result_free(MAP_RESULT *res);
 *
 *	const STRLIST *mapping_files(const MAPPINGS *maps);
 *	void mapping_save(const MAPPINGS *maps, STR *out);
 *	int mapping_restore(UNPACK *in, MAPPINGS **maps, STR *err);
 * DESCRIPTION
 *	mapping_load() reads the mapping file named by spec, a logical-name
 *	file spec such as "PMDF_MAPPING_FILE:" (NULL means PMDF_MAPPING_FILE:
 *	when that name is defined, else PMDF_TABLE:mappings), through the one
 *	configuration reader: "!" in column 1 is a comment (not a blank
 *	line), "\" at the very end of a line continues it, and a line
 *	"<file" includes a file named through logical names.
 *
 *	File format.  A table name starts in column 1 (a letter first) on a
 *	line of its own; names are case-blind.  Entries follow, each on an
 *	indented line as "pattern template", the two separated by white
 *	space; neither may contain white space ("$ " is a space, "$<tab>" a
 *	tab).  A blank line ends the table.  PMDF requires a blank line
 *	between the name and the first entry; it is accepted here but not
 *	required, and a new table name directly after the last entry of the
 *	previous table also starts a new table.  An entry may not follow
 *	the blank line that ended a table.
 *
 *	Patterns match the whole probe, case-blind:
 *	  *		any run of characters, possibly empty (greedy)
 *	  %		exactly one character
 *	  $A% $A*	one / a run of letters; likewise $B (binary digits),
 *			$D (decimal), $H and $X (hexadecimal), $O (octal),
 *			$S (letters, digits, "_", "$"), $T (space, tab, VT);
 *			the letter may also be written in lower case
 *	  $[abc]% $[abc]*  one / a run of the listed characters;
 *			$[^abc]% and $[^abc]* the characters not listed
 *	  $(addr/len)	one whole IPv4 or IPv6 address (a maximal run of hex
 *			digits, "." and ":" that inet_pton accepts) inside
 *			the block; "/len" may be omitted (one address).  An
 *			IPv4 block also matches an IPv4-mapped IPv6 address.
 *	  $<addr/bits>	the same with the number of low bits to ignore
 *	  $_		the next wildcard matches lazily (as little as it can)
 *	  $@  $^	the next wildcard is not saved / is saved (default)
 *	  $* $% $$ 	a literal "*", "%", "$"; "$<space>" a space, "$<tab>" a tab
 *	Each saved wildcard, glob and address, left to right, is numbered for
 *	$0 .. $9 in the template (an 11th and later are matched but cannot
 *	be referred to).
 *
 *	Templates: text stands for itself; "$$", "$ ", "$<tab>", "$*" and
 *	"$%" give "$", space, tab, "*" and "%"; $0 .. $9 give what the
 *	wildcards matched (one digit: "$10" is $1 then "0"); "$\" forces the
 *	text after it to lower case, "$^" to upper case, "$_" ends case
 *	conversion; "$|table;arg|" is replaced by the result of mapping arg
 *	(which may use $n) through table, which must end with $Y, else the
 *	entry counts as not matching; so does a missing table or nesting
 *	deeper than MAP_MAX_NEST.
 *	Flags (they produce no text):
 *	  $Y $y		allowed: MAP_ALLOW
 *	  $N $n $F $f	refused: MAP_DENY; the rest of the output is the reason
 *	  $<		log the text when the entry matches (res->log)
 *	  $>		log the text if access is refused (res->log_reject)
 *	  $T		write a connection log entry (res->log_connection)
 *	  $E		end: this output is the result (the default)
 *	  $C		continue with the entries after this one, the output
 *			becoming the new probe
 *	  $L		like $C, and when the table is exhausted make one
 *			more pass from its first entry
 *	  $R		restart at the first entry with the output as probe
 *	Any other "$x" in a template is a load error.
 *
 *	mapping_files() lists the files read (the mapping file, then its
 *	includes), for staleness checks.  mapping_save() appends the tables
 *	to out as pack.h records for the compiled configuration image (each
 *	table's name, position and its entries' pattern and template texts);
 *	mapping_restore() rebuilds a set from them, compiling and checking
 *	every entry again as mapping_load() does.
 *
 *	Evaluation.  mapping_apply() is the one evaluator, used by rewrite
 *	rules (${table,arg}), the dispatcher (PORT_ACCESS), and the SMTP
 *	server (ORIG_SEND_ACCESS, SEND_ACCESS, INTERNAL_IP, ...).  Entries
 *	are tried in file order and the first match's template is expanded.
 *	Entries whose pattern has no wildcard are found through a hash index,
 *	so large literal tables cost one lookup, yet the first matching
 *	entry in file order still wins.  With $C/$L/$R the flags of every
 *	entry that matched accumulate and res->text is the last output.
 *	res->kind is MAP_DENY when $N or $F was seen (even with $Y),
 *	MAP_ALLOW with $Y, MAP_STRING for a match without either (callers
 *	such as the dispatcher treat that as "accept"), MAP_NOMATCH when no
 *	entry matched (res->text is then empty).  res must have been
 *	initialised once (MAP_RESULT_INIT or map_result_init()); it may be
 *	reused for many calls; map_result_free() releases its text.
 *
 *	Bounds.  Matching is dynamic programming over (pattern token, probe
 *	position): time and memory are O(tokens x probe length), never
 *	exponential.  A match needing more than MAP_MAX_CELLS cells counts
 *	as no match.  Restarts ($R, $L's extra pass) follow PMDF: a counter
 *	grows when a pass restarts with an output no shorter than the
 *	previous one and is reset when it is shorter; no restart happens
 *	once it exceeds MAP_MAX_ITER, nor after MAP_MAX_RESTARTS restarts in
 *	all; the current output is then the result.
 *
 *	Differences from PMDF: the blank line after a table name is
 *	optional; a table with no entries (PMDF: "zero or more") is an
 *	error, as it is almost always a mistake; patterns and templates may be longer than PMDF's 252
 *	characters (up to the reader's line limit); back-matches ($n*),
 *	$#...#, ${...}, $]...[, $[...] in templates, $:x and $;x, $?, and
 *	the access flags this toolkit does not act on ($B, $H, ...) are
 *	load errors rather than ignored; a template that uses $n beyond
 *	the pattern's saved wildcards is a load error; "$*" and "$%" are
 *	accepted in templates; a failing $|...| makes the scan go on with
 *	the next entry; an address pattern matches only a whole address
 *	(no address character just before or after it); several flags
 *	accumulate across a $C chain, and DENY wins over ALLOW; when one
 *	template holds several of $C $E $L $R the last one counts.
 * DIAGNOSTICS
 *	mapping_load() returns 0, or 1 when the file does not exist (PMDF
 *	runs without a mapping file: *maps is an empty set and err names the
 *	file), or -1 with err "file:line: message" for: an entry before any
 *	table or after the blank line that ended one, a table with no
 *	entries (the line of its name), a table defined twice, a table name
 *	not starting with a letter or followed by other text, a pattern
 *	without a template or with text after the template, a bad address
 *	block such as $(10.0.0.0/33), an unknown or unsupported "$x" in a
 *	pattern or template, $n beyond the pattern's wildcards; and the
 *	reader's own errors (NUL byte, over-long line, include problems).
 *	*maps is NULL after an error.
 *
 *	mapping_restore() returns 0, or -1 with err "configuration image:
 *	mappings: ..." for a damaged image (*maps is then NULL).
 *
 *	mapping_apply() returns 0, or -1 with err when the table does not
 *	exist (res->kind is then MAP_NOMATCH, so callers may ignore it; use
 *	mapping_has() to test first), when an output would exceed
 *	MAP_MAX_RESULT bytes, or when one evaluation exceeds MAP_MAX_WORK
 *	units of work (callers should then fail safe, e.g. a temporary
 *	error).
 */
#ifndef PMDF_MAPPING_H
#define PMDF_MAPPING_H
#include "str.h"
#include "strlist.h"

struct UNPACK;				/* pack.h */

#define MAP_NOMATCH 0
#define MAP_STRING  1
#define MAP_ALLOW   2
#define MAP_DENY    3

#define MAP_MAX_SAVE	 10		/* $0 .. $9 */
#define MAP_MAX_CELLS	 (4L * 1024 * 1024)	/* per match: tokens x probe */
#define MAP_MAX_WORK	 (64L * 1024 * 1024)	/* per mapping_apply() */
#define MAP_MAX_RESULT	 (64 * 1024)	/* bytes in one output */
#define MAP_MAX_ITER	 10		/* PMDF's restart counter */
#define MAP_MAX_RESTARTS 1000
#define MAP_MAX_NEST	 8		/* $|table;arg| depth */

typedef struct MAPPINGS MAPPINGS;

typedef struct MAP_RESULT {
    int     kind;		/* MAP_NOMATCH, MAP_STRING, MAP_ALLOW, MAP_DENY */
    STR     text;		/* substituted template / reason text */
    int     log;		/* $< */
    int     log_reject;		/* $> */
    int     log_connection;	/* $T */
} MAP_RESULT;

#define MAP_RESULT_INIT { MAP_NOMATCH, STR_INIT, 0, 0, 0 }

int mapping_load(const char *spec, MAPPINGS **maps, STR *err);
void mapping_free(MAPPINGS *maps);
int mapping_has(const MAPPINGS *maps, const char *table);
int mapping_apply(const MAPPINGS *maps, const char *table, const char *probe,
		  MAP_RESULT *res, STR *err);
void map_result_init(MAP_RESULT *res);
void map_result_free(MAP_RESULT *res);
const STRLIST *mapping_files(const MAPPINGS *maps);
void mapping_save(const MAPPINGS *maps, STR *out);
int mapping_restore(struct UNPACK *in, MAPPINGS **maps, STR *err);

#endif
