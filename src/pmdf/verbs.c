/*
 * NAME
 *	verbs - the pmdf command language definition
 * DESCRIPTION
 *	Every verb, sub-verb and qualifier of the pmdf command, with its help
 *	text, in the declarative form cli.h reads (in the spirit of a VMS
 *	CLD).  pmdf.c parses the command line against pmdf_verbs and runs the
 *	action; the fuzz harness for the parser uses the same table.
 *	cmd_help(), the action of the help verb, lives here with the table.
 */
#include <stdio.h>
#include "pmdf.h"
#include "cli.h"
#include "msg.h"
#include "str.h"

static const CLI_QUAL show_logical_quals[] = {
    {"full", CLI_VALUE_NONE, 0, "also show access modes and translation attributes"},
    {"table", CLI_VALUE_REQUIRED, 0,
     "search only this table: LNM$PROCESS_TABLE, LNM$JOB, LNM$GROUP, LNM$SYSTEM_TABLE"},
    {NULL, 0, 0, NULL}
};

static const CLI_VERB show_verbs[] = {
    {"logical", NULL, show_logical_quals, 0, 1, "[name-or-pattern]",
     "show logical names: one name with its iterative translations, or every name"
     " matching a pattern (* any run, % one character), table by table",
     cmd_show_logical},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static const CLI_QUAL filespec_quals[] = {
    {"unix", CLI_VALUE_NONE, 1, "convert a VMS file spec to a Unix path (default for VMS specs)"},
    {"vms", CLI_VALUE_NONE, 1, "convert a Unix path to a VMS file spec (default for Unix paths)"},
    {"fileify", CLI_VALUE_NONE, 1, "directory spec to its directory-file spec (name.DIR;1)"},
    {"pathify", CLI_VALUE_NONE, 1, "directory-file spec to its directory spec"},
    {"translate", CLI_VALUE_NONE | CLI_NEGATABLE | CLI_DEFAULT, 0,
     "translate logical names when converting to Unix (-notranslate: syntax only)"},
    {"all", CLI_VALUE_NONE, 0, "print every candidate of a search list, in order"},
    {"create", CLI_VALUE_NONE, 0, "print where a new file would be created"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL password_quals[] = {
    {"create", CLI_VALUE_NONE | CLI_DEFAULT, 1,
     "set the password of a user and service (the default action)"},
    {"delete", CLI_VALUE_NONE, 1, "delete the entries of the users matching -user"},
    {"show", CLI_VALUE_NONE, 1, "list the users and services matching -user, never a secret"},
    {"test", CLI_VALUE_NONE, 1, "check a password: exit 0 when it matches, 1 when not"},
    {"convert", CLI_VALUE_REQUIRED, 1, "import the users of a Cyrus SASL sasldb2 file"},
    {"dump", CLI_VALUE_OPTIONAL, 1, "write the database as text (no clear-text passwords)"},
    {"load", CLI_VALUE_REQUIRED, 1, "read a -dump file back, all or nothing"},
    {"user", CLI_VALUE_REQUIRED, 0,
     "user name, or a pattern for -show/-delete (* any run, % or ? one character)"},
    {"service", CLI_VALUE_REQUIRED, 0,
     "DEFAULT (the default for -create/-test), SMTP, IMAP, POP, APOP, POPPASSD, HTTP, LDAP"},
    {"iterations", CLI_VALUE_REQUIRED, 0, "SCRAM-SHA-256 iteration count (4096 or more)"},
    {"cram_md5", CLI_VALUE_NONE | CLI_NEGATABLE | CLI_DEFAULT, 0,
     "also store the CRAM-MD5 context (plaintext-equivalent for CRAM-MD5)"},
    {"realm", CLI_VALUE_REQUIRED, 0, "with -convert: import only this sasldb realm"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL crdb_quals[] = {
    {"append", CLI_VALUE_NONE | CLI_NEGATABLE, 1,
     "add the entries to the database (created if needed), replacing the values of keys"
     " already there"},
    {"remove", CLI_VALUE_NONE | CLI_NEGATABLE, 1,
     "delete the input's keys from the database (values ignored)"},
    {"delete", CLI_VALUE_NONE | CLI_NEGATABLE, 1, "the same as -remove (PMDF's other name)"},
    {"dump", CLI_VALUE_NONE, 1,
     "write the database named first as text: to the file named second, or to standard"
     " output when it is absent or -"},
    {"statistics", CLI_VALUE_NONE | CLI_NEGATABLE | CLI_DEFAULT, 0,
     "report the entries read, added, replaced, removed, not found, and the time"},
    {"count", CLI_VALUE_NONE | CLI_NEGATABLE, 0,
     "report progress on standard error every 100 entries"},
    {"strip_colons", CLI_VALUE_NONE | CLI_NEGATABLE, 0,
     "drop a colon ending the key, to load an alias file's \"name: value\" lines"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL test_rewrite_quals[] = {
    {"from", CLI_VALUE_REQUIRED, 0, "envelope From address (default postmaster@ the local host)"},
    {"source_channel", CLI_VALUE_REQUIRED, 0, "channel the message comes from (default l)"},
    {"destination_channel", CLI_VALUE_REQUIRED, 0,
     "destination channel for the $C/$Q rule controls"},
    {"debug", CLI_VALUE_NONE, 0, "show every rewrite-rule probe tried"},
    {"image", CLI_VALUE_NONE | CLI_NEGATABLE | CLI_DEFAULT, 0,
     "use the compiled configuration when it is current (-noimage: read the text files)"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL test_mapping_quals[] = {
    {"table", CLI_VALUE_REQUIRED, 0, "mapping table to try (else prompted for)"},
    {"image", CLI_VALUE_NONE | CLI_NEGATABLE | CLI_DEFAULT, 0,
     "use the compiled configuration when it is current (-noimage: read the text files)"},
    {NULL, 0, 0, NULL}
};

static const CLI_VERB test_verbs[] = {
    {"rewrite", NULL, test_rewrite_quals, 0, CLI_MANY, "[address...]",
     "show the channel, rewritten addresses and access verdicts for addresses"
     " (prompts \"Address:\" when none is given)", cmd_test_rewrite},
    {"mapping", NULL, test_mapping_quals, 0, CLI_MANY, "[string...]",
     "try strings against a mapping table (prompts for the table and the strings)",
     cmd_test_mapping},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

static const CLI_QUAL cnbuild_quals[] = {
    {"statistics", CLI_VALUE_NONE | CLI_NEGATABLE | CLI_DEFAULT, 0,
     "report what was compiled and how long it took"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL cache_quals[] = {
    {"synchronize", CLI_VALUE_NONE, 0,
     "rebuild the queue cache from the message files in PMDF_QUEUE"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL qm_quals[] = {
    {"command", CLI_VALUE_REQUIRED | CLI_LIST, 0,
     "run these commands and exit (a list; \";\" also separates commands)"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL counters_quals[] = {
    {"show", CLI_VALUE_NONE | CLI_DEFAULT, 1, "print the counters (the default)"},
    {"clear", CLI_VALUE_NONE, 1,
     "zero the counters; the queued figures are taken from the queue cache"},
    {"channel", CLI_VALUE_REQUIRED, 0, "only this channel (* and % match)"},
    {NULL, 0, 0, NULL}
};

static const CLI_QUAL shutdown_quals[] = {
    {"timeout", CLI_VALUE_REQUIRED, 0, "seconds to wait for the component to stop (60)"},
    {NULL, 0, 0, NULL}
};

const CLI_VERB pmdf_verbs[] = {
    {"cache", NULL, cache_quals, 0, 0, NULL, "the queue cache (a rebuildable index of the queue)",
     cmd_cache},
    {"cnbuild", NULL, cnbuild_quals, 0, 0, NULL,
     "compile the configuration (PMDF.CNF, options, mappings, aliases) into the image"
     " PMDF_CONFIG_DATA", cmd_cnbuild},
    {"counters", NULL, counters_quals, 0, 0, NULL,
     "per-channel message and recipient counters: enqueued, delivered, returned, deferred,"
     " queued", cmd_counters},
    {"crdb", NULL, crdb_quals, 1, 2, "input-file output-database",
     "build, update or dump a database (alias, general, ...) from \"key value\" text lines",
     cmd_crdb},
    {"filespec", NULL, filespec_quals, 1, CLI_MANY, "file-spec...",
     "convert file specifications between OpenVMS and Unix, through logical names",
     cmd_filespec},
    {"help", NULL, NULL, 0, CLI_MANY, "[verb [sub-verb]]",
     "describe the verbs and their qualifiers", cmd_help},
    {"password", NULL, password_quals, 0, 1, "[password]",
     "manage the password database used by SMTP AUTH and the other services",
     cmd_password},
    {"process", NULL, NULL, 0, 0, NULL,
     "list the running components: the dispatcher with its server processes (service,"
     " connections) and the job controller", cmd_process},
    {"qm", NULL, qm_quals, 0, 0, NULL,
     "the queue manager: directory, read, hold, release, delete, return, summarize,"
     " counters (prompts \"qm.maint>\" on a terminal)", cmd_qm},
    {"restart", NULL, NULL, 1, 1, "component",
     "make a component read its configuration again (dispatcher: sockets kept, servers"
     " renewed), or start it when it is not running", cmd_restart},
    {"show", show_verbs, NULL, 0, 0, NULL, "show information", NULL},
    {"shutdown", NULL, shutdown_quals, 1, 1, "component",
     "stop a component (dispatcher, job_controller) and wait until it has gone",
     cmd_shutdown},
    {"startup", NULL, NULL, 1, 1, "component",
     "start a component (dispatcher, job_controller) detached, its log in"
     " PMDF_LOG:<component>.log", cmd_startup},
    {"test", test_verbs, NULL, 0, 0, NULL, "test the configuration", NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}
};

int     cmd_help(const CLI_CMD *cmd)
{
    STR     err = STR_INIT;
    int     rc;

    rc = cli_help(pmdf_verbs, (int) cmd->nparams, cmd->params, stdout, &err);
    if (rc < 0)
	msg_error("%s", STR_C(err));
    str_free(&err);
    return rc < 0 ? 1 : 0;
}
