/*
 * NAME
 *	cli - the one command-line parser for the pmdf command
 * SYNOPSIS
 *	#include "cli.h"
 *
 *	static const CLI_QUAL password_quals[] = {
 *	    { "create", CLI_DEFAULT | CLI_NEGATABLE, 1, "add or replace" },
 *	    { "show", CLI_VALUE_NONE, 1, "list entries" },
 *	    { "user", CLI_VALUE_REQUIRED, 0, "user name or pattern" },
 *	    { NULL, 0, 0, NULL }
 *	};
 *	static const CLI_VERB verbs[] = {
 *	    { "password", NULL, password_quals, 0, 1, "password",
 *	      "manage the password database", password_main },
 *	    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }
 *	};
 *
 *	int cli_parse(const CLI_VERB *table, int argc, char **argv,
 *		      CLI_CMD *cmd, STR *err);
 *	int cli_dispatch(const CLI_VERB *table, const CLI_CMD *cmd);
 *	int cli_program_main(const CLI_VERB *table, const char *name, int argc, char **argv);
 *	void cli_free(CLI_CMD *cmd);
 *
 *	int cli_present(const CLI_CMD *cmd, const char *qual);
 *	int cli_explicit(const CLI_CMD *cmd, const char *qual);
 *	const char *cli_value(const CLI_CMD *cmd, const char *qual);
 *	size_t cli_nvalues(const CLI_CMD *cmd, const char *qual);
 *	const char *cli_value_at(const CLI_CMD *cmd, const char *qual,
 *				 size_t i);
 *	const char *cli_param(const CLI_CMD *cmd, size_t i);
 *	void cli_path_name(const CLI_CMD *cmd, STR *out);
 *
 *	void cli_help_cmd(const CLI_VERB *table, const CLI_CMD *cmd, FILE *fp);
 *	int cli_help(const CLI_VERB *table, int nwords, char **words,
 *		     FILE *fp, STR *err);
 * DESCRIPTION
 *	The command syntax is declared in tables, in the spirit of a VMS
 *	command language definition: an array of CLI_VERB, each with its
 *	qualifiers (an array of CLI_QUAL) and optionally its sub-verbs (another
 *	array of CLI_VERB).  Arrays end with an entry whose name is NULL.
 *	Names in the tables are compared case-blind; messages show them in
 *	upper case, help shows them in lower case for Unix and upper for DCL.
 *
 *	cli_parse() reads argv (without the program name) against table and
 *	fills cmd: cmd->verb is the leaf verb entry, cmd->path[0 ..
 *	cmd->depth-1] the verbs from the top-level verb down to it,
 *	cmd->params[0 .. cmd->nparams-1] the parameters, cmd->syntax
 *	CLI_SYNTAX_UNIX or CLI_SYNTAX_DCL, cmd->help non-zero when -help or
 *	/HELP was given (then parameter counts and a missing sub-verb are not
 *	errors).  A first word -help or /HELP gives cmd->verb NULL, cmd->help
 *	1 and the remaining words as parameters (help topics).  It returns 0,
 *	or -1 with err naming the offending word; cmd is then empty.  Either
 *	way cli_free() releases cmd (it is harmless on an empty one).
 *
 *	cli_program_main() is the whole main() of a program whose command line
 *	is one verb (table[0], named name): it parses argv as if argv[0] were
 *	name, exits through msg_fatal() on a bad line, and returns what the
 *	verb's function returns.
 *	cli_dispatch() prints help (on standard output) if cmd->help is set,
 *	otherwise runs the leaf verb's action and returns its result.
 *
 *	Accessors name qualifiers by their full table name, case-blind, and
 *	see the qualifiers of every verb on the path (a sub-verb inherits its
 *	parents' qualifiers).  Asking for a name the path does not have is a
 *	program bug and panics; "HELP" is always known.
 *	cli_present() is 1 if the qualifier was given or is in effect by
 *	default, -1 if it was negated, 0 otherwise.  cli_explicit() is 1 if
 *	given on the command line, -1 if negated there, 0 otherwise.
 *	cli_value() is the first value or NULL, cli_nvalues() the number of
 *	values, cli_value_at() value i or NULL.  cli_param() is parameter i
 *	or NULL.  cli_path_name() writes the verb path, e.g. "TEST REWRITE".
 *
 *	cli_help_cmd() prints help for the path of a parsed command (the verb
 *	list when cmd->verb is NULL); cli_help() for the verb path named by
 *	words (as in "pmdf help test rewrite"; "-" and "/" before a name and
 *	"/" between names are ignored), or -1 with err for an unknown word.
 *	Help shows usage, sub-verbs, parameters and qualifiers in both
 *	syntaxes with their help text, and which qualifiers exclude each other.
 * TABLES
 *	CLI_QUAL.flags is one of CLI_VALUE_NONE, CLI_VALUE_REQUIRED and
 *	CLI_VALUE_OPTIONAL, plus any of
 * .IP CLI_LIST
 *	the value may be a list: (a,b,c) or, unparenthesised, a,b,c.
 * .IP CLI_NEGATABLE
 *	-noname and /NONAME are accepted and make cli_present() -1.
 * .IP CLI_DEFAULT
 *	present unless negated or another qualifier of its group is given
 *	(so /CREATE is implied unless /SHOW, /DELETE ... is given).
 * .PP
 *	Qualifiers with the same non-zero CLI_QUAL.group exclude each other.
 *
 *	CLI_VERB.max_params may be CLI_MANY (no limit).  A verb with
 *	sub-verbs takes no parameters itself: its first parameter word is the
 *	sub-verb keyword.  A sub-verb may be chosen by that keyword ("pmdf test
 *	rewrite", "PMDF SHOW LOGICAL") or by a qualifier naming it ("pmdf test
 *	-rewrite", "PMDF TEST/REWRITE"); qualifiers of the sub-verb may come
 *	before the one that selects it.  Two different sub-verbs of one verb
 *	are mutually exclusive.  When none is given the verb's own action runs
 *	if it has one; otherwise that is an error.
 * SYNTAX
 *	Both syntaxes parse to the same CLI_CMD.
 * .IP Words
 *	Verbs, sub-verbs and qualifiers are case-blind and may be shortened
 *	to any unique prefix; a name typed in full wins over longer names it
 *	prefixes (-unix is UNIX even when UNIXPATH exists).  Values and
 *	parameters keep their case as typed.
 * .IP Unix
 *	Qualifiers are words starting with - or --, with the value after =:
 *	"pmdf password -show -user=*".  A lone "-" is a parameter.  "--" ends
 *	qualifiers: every later word is a parameter.  A word starting with /
 *	is a parameter (a path: "pmdf filespec /pmdf/table/x"), and so is a
 *	word with / inside ("dir/file").
 * .IP DCL
 *	Qualifiers start with / and may be glued to the verb, to a sub-verb
 *	keyword or to a parameter ("PASSWORD/SHOW/USER=*",
 *	"FILESPEC/FILEIFY file.txt/UNIX"); the value follows = or :.  They
 *	apply to the whole command wherever they stand.  A word starting with
 *	- is still read as a Unix qualifier, so mixed forms work.  A parameter
 *	containing / must then be quoted.
 * .IP Choice
 *	The command is DCL when the verb word carries a glued /qualifier, when
 *	a sub-verb keyword does ("show logical/full"), or when a word starting
 *	with / names (as a prefix) a qualifier or sub-verb of the verb, of any
 *	of its sub-verbs, or HELP ("pmdf password /show").  In a command
 *	given as one word (below) a /qualifier glued to any word counts too
 *	("pmdf \"FILESPEC a/PATHIFY\"").  Otherwise it is Unix.  Words after
 *	"--" do not count.
 * .IP "One word"
 *	If the first argv word contains blanks outside quotes and
 *	parentheses it is split there first ("pmdf \"PASSWORD /SHOW
 *	/USER=*\""); the resulting words are then read as above.
 * .IP Quoting
 *	Values are DCL-quoted strings: "a b" is a b, "" inside quotes is one
 *	quote, quoted and unquoted parts concatenate.  List elements are
 *	separated by commas outside quotes: -service=(smtp,"a,b").  DCL
 *	parameters, and parameters that came from splitting one word, are
 *	unquoted the same way; Unix parameters are taken as the shell passed
 *	them (so '"j s"@example.com' keeps its quotes).  Nothing is globbed:
 *	-user=* passes * through.
 * DIAGNOSTICS
 *	cli_parse() messages name the word as typed and the verb path, e.g.
 *	unknown qualifier "-frob" for PASSWORD; ambiguous qualifier "-s" for
 *	PASSWORD (SHOW, SERVICE); unknown verb "pasword"; unknown sub-verb
 *	"foo" for SHOW; missing sub-verb for TEST (REWRITE, MAPPING); missing
 *	value for qualifier USER; qualifier CREATE takes no value; qualifiers
 *	SHOW and DELETE are mutually exclusive; too many parameters for
 *	PASSWORD: "x"; missing parameter for FILESPEC: file-spec; unterminated
 *	quoted string in "...".
 *
 *	Table errors (sub-verbs nested deeper than CLI_MAX_DEPTH) and
 *	accessor calls naming a qualifier the verb does not have are
 *	msg_panic().
 */
#ifndef PMDF_CLI_H
#define PMDF_CLI_H
#include <stdio.h>
#include <stddef.h>
#include "str.h"

#define CLI_VALUE_NONE		0x00	/* no value allowed */
#define CLI_VALUE_REQUIRED	0x01	/* -name=value required */
#define CLI_VALUE_OPTIONAL	0x02	/* -name or -name=value */
#define CLI_VALUE_MASK		0x03
#define CLI_LIST		0x04	/* value may be a list (a,b,c) */
#define CLI_NEGATABLE		0x08	/* -noname, /NONAME */
#define CLI_DEFAULT		0x10	/* present unless negated or excluded */

#define CLI_MANY		(-1)	/* max_params: no limit */
#define CLI_MAX_DEPTH		4	/* verb, sub-verb, ... */

#define CLI_SYNTAX_UNIX		0
#define CLI_SYNTAX_DCL		1

typedef struct CLI_CMD CLI_CMD;

typedef struct CLI_QUAL {
    const char *name;			/* NULL ends the array */
    int     flags;			/* CLI_VALUE_* | CLI_LIST | ... */
    int     group;			/* non-zero: exclusive within group */
    const char *help;
} CLI_QUAL;

typedef struct CLI_VERB {
    const char *name;			/* NULL ends the array */
    const struct CLI_VERB *subverbs;	/* NULL or sub-verb array */
    const CLI_QUAL *quals;		/* NULL or qualifier array */
    int     min_params;
    int     max_params;			/* or CLI_MANY */
    const char *params_help;		/* e.g. "file-spec..." */
    const char *help;
    int     (*action) (const CLI_CMD *);
} CLI_VERB;

struct CLI_SETTING;			/* private: one per qualifier */

struct CLI_CMD {
    const CLI_VERB *verb;		/* leaf verb; NULL for "pmdf -help" */
    const CLI_VERB *path[CLI_MAX_DEPTH];	/* verb .. leaf */
    size_t  depth;			/* entries used in path */
    int     syntax;			/* CLI_SYNTAX_UNIX or CLI_SYNTAX_DCL */
    int     help;			/* -help or /HELP given */
    size_t  nparams;
    char  **params;
    size_t  nsettings;			/* private */
    struct CLI_SETTING *settings;	/* private */
};

int cli_parse(const CLI_VERB *table, int argc, char **argv,
	      CLI_CMD *cmd, STR *err);
int cli_dispatch(const CLI_VERB *table, const CLI_CMD *cmd);
int cli_program_main(const CLI_VERB *table, const char *name, int argc, char **argv);
void cli_free(CLI_CMD *cmd);

int cli_present(const CLI_CMD *cmd, const char *qual);
int cli_explicit(const CLI_CMD *cmd, const char *qual);
const char *cli_value(const CLI_CMD *cmd, const char *qual);
size_t cli_nvalues(const CLI_CMD *cmd, const char *qual);
const char *cli_value_at(const CLI_CMD *cmd, const char *qual, size_t i);
const char *cli_param(const CLI_CMD *cmd, size_t i);
void cli_path_name(const CLI_CMD *cmd, STR *out);

void cli_help_cmd(const CLI_VERB *table, const CLI_CMD *cmd, FILE *fp);
int cli_help(const CLI_VERB *table, int nwords, char **words,
	     FILE *fp, STR *err);

#endif
