/*
 * NAME
 *	fz_cli - libFuzzer harness for the command-line parser (src/util/cli.c)
 * DESCRIPTION
 *	The input is cut at NUL bytes into argv words (at most 64) and given
 *	to cli_parse() against a copy of the pmdf command's tables
 *	(src/pmdf/pmdf.c, with actions that do nothing, plus one verb with
 *	list values, optional values and three levels of sub-verbs).  A
 *	parsed command is then asked about through every accessor, for
 *	every qualifier of every verb on its path, its help is printed to
 *	/dev/null, it is dispatched (unless it asks for help, which
 *	cli_dispatch() prints on standard output), and cli_help() is asked
 *	about the same words; then cli_free().
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- cli_parse() returns 0 or -1; -1 comes with a message and an empty
 *	  command (no verb, no parameters);
 *	- a parsed command with a verb has 1..CLI_MAX_DEPTH verbs on its
 *	  path, the last being cmd->verb, each a sub-verb of the one before;
 *	  unless help was asked for, the leaf takes parameters in its
 *	  min..max range and has no sub-verbs left to choose unless it has
 *	  an action of its own;
 *	- the syntax is CLI_SYNTAX_UNIX or CLI_SYNTAX_DCL;
 *	- cli_param(i) is non-NULL exactly for i < nparams;
 *	- per qualifier: cli_present() and cli_explicit() are -1, 0 or 1
 *	  (present 1 when explicit 1, -1 when explicit -1), cli_value_at(i)
 *	  is non-NULL exactly for i < cli_nvalues(), cli_value() is value 0,
 *	  and a qualifier that takes no value has none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "pmdf.h"
#include "str.h"
#include "fz_util.h"

#define FZ_MAX_WORDS 64

static int fz_action(const CLI_CMD *cmd);

/*
 * pmdf's own table (src/pmdf/verbs.c, so the fuzzer follows the real
 * grammar; its actions are never run), plus one verb ("counters") with
 * no-op actions using what pmdf's table does not: list values, optional
 * values, negatable non-defaults and a third level of sub-verbs.
 */
static const CLI_QUAL counters_channel_quals[] = {
    {"service", CLI_VALUE_REQUIRED | CLI_LIST, 0, "services"},
    {"log", CLI_VALUE_OPTIONAL | CLI_NEGATABLE, 0, "log to a file"},
    {"flags", CLI_VALUE_OPTIONAL | CLI_LIST, 0, "flags"},
    {"full", CLI_VALUE_NONE | CLI_NEGATABLE, 2, "details"},
    {"brief", CLI_VALUE_NONE, 2, "no details"},
    {NULL, 0, 0, NULL}
};

static const CLI_VERB counters_show_verbs[] = {
    {"channel", NULL, counters_channel_quals, 0, 2, "[channel [host]]", "one channel",
     fz_action},
    {"channels", NULL, NULL, 0, CLI_MANY, "[channel...]", "every channel", fz_action},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static const CLI_QUAL counters_quals[] = {
    {"output", CLI_VALUE_REQUIRED, 0, "write to a file"},
    {NULL, 0, 0, NULL}
};

static const CLI_VERB counters_verbs[] = {
    {"show", counters_show_verbs, counters_quals, 0, 0, NULL, "show counters", fz_action},
    {"clear", NULL, NULL, 0, 0, NULL, "clear counters", fz_action},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

/* The extra verb, in a table of its own beside pmdf's real one. */
static const CLI_VERB extra_verbs[] = {
    {"counters", counters_verbs, NULL, 0, 0, NULL, "message counters", NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static int fz_action(const CLI_CMD *cmd)
{
    (void) cmd;
    return 0;
}

static void check_qual(const CLI_CMD *cmd, const CLI_QUAL *q)
{
    int     present = cli_present(cmd, q->name);
    int     explicit = cli_explicit(cmd, q->name);
    size_t  n = cli_nvalues(cmd, q->name), i;

    FZ_CHECK(present >= -1 && present <= 1 && explicit >= -1 && explicit <= 1,
	     "%s: present %d, explicit %d", q->name, present, explicit);
    FZ_CHECK(explicit == 0 || present == explicit, "%s: present %d, explicit %d",
	     q->name, present, explicit);
    for (i = 0; i < n; i++)
	FZ_CHECK(cli_value_at(cmd, q->name, i) != NULL, "%s: value %lu of %lu is NULL",
		 q->name, (unsigned long) i, (unsigned long) n);
    FZ_CHECK(cli_value_at(cmd, q->name, n) == NULL, "%s: a value past the last", q->name);
    FZ_CHECK(n == 0 ? cli_value(cmd, q->name) == NULL
	     : cli_value(cmd, q->name) == cli_value_at(cmd, q->name, 0),
	     "%s: cli_value is not value 0", q->name);
    if ((q->flags & CLI_VALUE_MASK) == CLI_VALUE_NONE)
	FZ_CHECK(n == 0, "%s takes no value but has %lu", q->name, (unsigned long) n);
}

static int is_subverb(const CLI_VERB *parent, const CLI_VERB *v)
{
    const CLI_VERB *s;

    for (s = parent->subverbs; s != NULL && s->name != NULL; s++)
	if (s == v)
	    return 1;
    return 0;
}

static void check_cmd(const CLI_VERB *verbs, const CLI_CMD *cmd, FILE *null)
{
    const CLI_VERB *leaf = cmd->verb;
    const CLI_QUAL *q;
    STR     path = STR_INIT;
    size_t  d, i;

    FZ_CHECK(cmd->syntax == CLI_SYNTAX_UNIX || cmd->syntax == CLI_SYNTAX_DCL,
	     "syntax %d", cmd->syntax);
    for (i = 0; i < cmd->nparams; i++)
	FZ_CHECK(cli_param(cmd, i) != NULL, "parameter %lu is NULL", (unsigned long) i);
    FZ_CHECK(cli_param(cmd, cmd->nparams) == NULL, "a parameter past the last");
    if (leaf == NULL) {
	FZ_CHECK(cmd->help, "no verb without help");
	cli_help_cmd(verbs, cmd, null);
	return;
    }
    FZ_CHECK(cmd->depth >= 1 && cmd->depth <= CLI_MAX_DEPTH
	     && cmd->path[cmd->depth - 1] == leaf, "verb path of depth %lu",
	     (unsigned long) cmd->depth);
    for (d = 1; d < cmd->depth; d++)
	FZ_CHECK(is_subverb(cmd->path[d - 1], cmd->path[d]), "%s is no sub-verb of %s",
		 cmd->path[d]->name, cmd->path[d - 1]->name);
    if (!cmd->help) {
	FZ_CHECK(cmd->nparams >= (size_t) leaf->min_params
		 && (leaf->max_params == CLI_MANY
		     || cmd->nparams <= (size_t) leaf->max_params),
		 "%s with %lu parameters", leaf->name, (unsigned long) cmd->nparams);
	FZ_CHECK(leaf->subverbs == NULL || leaf->action != NULL,
		 "%s without its sub-verb", leaf->name);
    }
    for (d = 0; d < cmd->depth; d++)
	for (q = cmd->path[d]->quals; q != NULL && q->name != NULL; q++)
	    check_qual(cmd, q);
    (void) cli_present(cmd, "help");
    cli_path_name(cmd, &path);
    FZ_CHECK(path.len > 0, "empty verb path name");
    cli_help_cmd(verbs, cmd, null);
    if (!cmd->help && verbs == extra_verbs)	/* pmdf's real actions never run */
	FZ_CHECK(cli_dispatch(verbs, cmd) == 0, "dispatch failed");
    str_free(&path);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    FZ_PIECE piece[FZ_MAX_WORDS];
    char   *argv[FZ_MAX_WORDS + 1];
    CLI_CMD cmd;
    STR     err = STR_INIT;
    size_t  n, i;
    int     rc, t;

    if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
	abort();
    n = size ? fz_split(data, size, 0, piece, FZ_MAX_WORDS) : 0;
    for (i = 0; i < n; i++)
	argv[i] = fz_cstr(piece[i].p, piece[i].n);
    argv[n] = NULL;
    for (t = 0; t < 2; t++) {
	const CLI_VERB *verbs = t == 0 ? pmdf_verbs : extra_verbs;

	memset(&cmd, 0, sizeof(cmd));
	rc = cli_parse(verbs, (int) n, argv, &cmd, &err);
	FZ_CHECK(rc == 0 || rc == -1, "cli_parse returned %d", rc);
	if (rc < 0)
	    FZ_CHECK(err.len > 0 && cmd.verb == NULL && cmd.nparams == 0 && cmd.depth == 0,
		     "refused without a message or with a command left");
	else
	    check_cmd(verbs, &cmd, null);
	cli_free(&cmd);
	str_reset(&err);
	(void) cli_help(verbs, (int) n, argv, null, &err);
	str_reset(&err);
    }
    for (i = 0; i < n; i++)
	free(argv[i]);
    str_free(&err);
    return 0;
}
