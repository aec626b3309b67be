/*
 * NAME
 *	t_pmdfcnf - PMDF.CNF, the option files and their errors
 * SYNOPSIS
 *	t_pmdfcnf
 * DESCRIPTION
 *	Writes configuration files into a private directory, points a tailor
 *	file at it (PMDF_TABLE=<dir>/, PMDF_CONFIG_FILE=PMDF_TABLE:pmdf.cnf,
 *	PMDF_OPTION_FILE=PMDF_TABLE:option.dat) through PMDF_TAILOR, with
 *	every other PMDF_ and PMAS_ variable removed from the environment,
 *	and checks what pmdfcnf_load() and pmdfcnf_options() make of them:
 *	rules, channels, keyword defaults and overrides, hosts, includes
 *	through logical names, continuations, comments, option files, and
 *	every error as "file:line: message" with nothing left loaded; and
 *	that the compiled image (pmdfcnf_save, pmdfcnf_restore) reads back,
 *	also when damaged.
 * DIAGNOSTICS
 *	TAP on standard output; exit status 0 when every test passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pmdfcnf.h"
#include "cfgread.h"
#include "lnm.h"
#include "pack.h"
#include "str.h"
#include "strlist.h"
#include "tap.h"

extern char **environ;

static char dir[256];
static STRLIST written;			/* files to remove at the end */
static PMDF_CNF cnf;
static STR err;

/* The rules and local channel most cases start with: rule line 1, l at 3. */
#define HEAD "a.example $U@a.example\n\nl\nlocal.example\n\n"

static const char *path_of(const char *name)
{
    static char buf[4][512];
    static int slot;
    char   *p = buf[slot++ % 4];

    snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
    return p;
}

static void putn(const char *name, const char *text, size_t len)
{
    const char *path = path_of(name);
    FILE   *fp = fopen(path, "wb");
    size_t  i;

    if (fp == NULL || fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
	perror(path);
	exit(1);
    }
    for (i = 0; i < written.n; i++)
	if (strcmp(written.v[i], path) == 0)
	    return;
    strlist_add(&written, path);
}

static void put(const char *name, const char *text)
{
    putn(name, text, strlen(text));
}

static void drop(const char *name)
{
    (void) remove(path_of(name));
}

static int load(const char *text)
{
    put("pmdf.cnf", text);
    pmdfcnf_free(&cnf);
    str_reset(&err);
    return pmdfcnf_load("PMDF_CONFIG_FILE:", &cnf, &err);
}

static int is_empty(const PMDF_CNF *c)
{
    return c->rules == NULL && c->nrules == 0 && c->channels == NULL
	&& c->nchannels == 0 && c->by_name == NULL && c->by_host == NULL
	&& c->options == NULL && c->files.n == 0;
}

/* Checks that the current error is at file:line and mentions what. */
static void error_at(int rc, const char *file, int line, const char *what, const char *name)
{
    char    prefix[600];

    snprintf(prefix, sizeof(prefix), "%s:%d: ", path_of(file), line);
    tap_is_int(rc, -1, "%s: refused", name);
    tap_ok(strncmp(STR_C(err), prefix, strlen(prefix)) == 0 && strstr(STR_C(err), what),
	   "%s: \"%s\" at %s:%d (got: %.300s)", name, what, file, line, STR_C(err));
    tap_ok(is_empty(&cnf), "%s: nothing is left loaded", name);
}

static void bad(const char *text, const char *file, int line, const char *what,
		        const char *name)
{
    error_at(load(text), file, line, what, name);
}

static const CNF_CHANNEL *chan(const char *name)
{
    return pmdfcnf_channel(&cnf, name);
}

/* A keyword's argument, "(set)" for a flag, "(absent)" when not in force. */
static const char *kw(const char *channel, const char *keyword)
{
    const CNF_KEYWORD *k = pmdfcnf_keyword(chan(channel), keyword);

    if (k == NULL)
	return "(absent)";
    return k->arg ? k->arg : "(set)";
}

static const char *host_channel(const char *host)
{
    const CNF_CHANNEL *ch = pmdfcnf_channel_by_host(&cnf, host);

    return ch ? ch->name : "(none)";
}

static const char *opt(const char *channel, const char *name)
{
    const char *v = pmdfcnf_option(&cnf, channel, name);

    return v ? v : "(unset)";
}

/* ---- good configurations ---------------------------------------------- */

static void test_classic(void)
{
    const CNF_KEYWORD *k;

    tap_is_int(load("! pmdf.cnf for the tests\n"
		    "example.com\t\t$U@local.example.com\n"
		    "local.example.com\t$U@local.example.com\n"
		    "[]\t\t\t$U%[$L]@TCP-DAEMON\n"
		    "$%  $U%$H@TCP-DAEMON\n"
		    ".\t\t\t$U%$H@TCP-DAEMON\n"
		    "\n"
		    "l\n"
		    "local.example.com\n"
		    "\n"
		    "tcp_local smtp mx single_sys maytls maysaslserver saslswitchchannel tcp_auth\n"
		    "TCP-DAEMON\n"
		    "\n"
		    "tcp_auth smtp mx single_sys mustsaslserver\n"
		    "TCP-AUTH\n"), 0, "the classic tcp_local/tcp_auth file loads: %s", STR_C(err));
    tap_is_int((long) cnf.nrules, 5, "five rewrite rules");
    tap_is_str(cnf.rules[0].pattern, "example.com", "rule pattern as written");
    tap_is_str(cnf.rules[2].template, "$U%[$L]@TCP-DAEMON", "rule template as written");
    tap_is_str(cnf.rules[3].pattern, "$%", "the $%% pattern");
    tap_is_int(cnf.rules[4].line, 6, "rule line numbers count comment lines");
    tap_is_str(cnf.rules[4].file, path_of("pmdf.cnf"), "rule file is the translated path");
    tap_is_int((long) cnf.nchannels, 3, "three channels");
    tap_is_str(cnf.channels[0].name, "l", "channels[0] is l");
    tap_is_str(kw("tcp_local", "maytlsserver"), "(set)", "maytls gives maytlsserver");
    tap_is_str(kw("tcp_local", "maytlsclient"), "(set)", "maytls gives maytlsclient");
    tap_ok(pmdfcnf_keyword(chan("tcp_local"), "maytls") == NULL,
	   "the compound maytls itself is not stored");
    tap_is_str(kw("tcp_local", "notlsserver"), "(absent)", "no notlsserver");
    tap_is_str(kw("tcp_local", "saslswitchchannel"), "tcp_auth", "saslswitchchannel argument");
    tap_is_str(kw("tcp_auth", "mustsaslserver"), "(set)", "tcp_auth mustsaslserver");
    tap_is_str(kw("tcp_auth", "maysaslserver"), "(absent)", "tcp_auth has no maysaslserver");
    tap_is_str(kw("l", "smtp"), "(absent)", "l has no keywords");
    k = pmdfcnf_keyword(chan("tcp_local"), "SINGLE_SYS");
    tap_ok(k && k->line == 11 && strcmp(k->file, path_of("pmdf.cnf")) == 0
	   && strcmp(k->group, "single") == 0, "keyword lookup is case-blind and has its position");
    tap_is_str(host_channel("tcp-daemon"), "tcp_local", "by_host is case-blind");
    tap_is_str(host_channel("TCP-AUTH"), "tcp_auth", "by_host TCP-AUTH");
    tap_is_str(host_channel("nowhere"), "(none)", "an unknown host has no channel");
    tap_ok(chan("TCP_LOCAL") == &cnf.channels[1], "by_name is case-blind");
    tap_is_str(cnf.channels[1].hosts.v[0], "TCP-DAEMON", "official host name kept as written");
    tap_is_int((long) cnf.files.n, 1, "one file read");
}

static void test_defaults(void)
{
    const CNF_KEYWORD *k;

    tap_is_int(load("a.example $U@a.example\n"
		    "\n"
		    "defaults logging maytls notices 1 2 3\n"
		    "ignored.example\n"
		    "\n"
		    "l\n"
		    "local.example\n"
		    "\n"
		    "DEFAULTS nologging\n"
		    "\n"
		    "tcp_local SMTP notls daemon relay.example port 16%19 pool BIG 733\n"
		    "TCP-DAEMON\n"
		    "\n"
		    "TCP_X smtp musttlsserver\n"
		    "TCP-X\n"
		    "\n"
		    "nodefaults\n"
		    "\n"
		    "tcp_y smtp backoff \"pt5m\" \"PT1H\" \"P1DT2H\" notices 2 4 822\n"
		    "TCP-Y\n"), 0, "defaults and nodefaults load: %s", STR_C(err));
    tap_is_str(kw("l", "logging"), "(set)", "defaults before l apply to l");
    tap_is_str(kw("l", "maytlsserver"), "(set)", "defaults maytls expands");
    tap_is_str(kw("l", "notices"), "1 2 3", "notices list from defaults");
    tap_is_str(host_channel("ignored.example"), "(none)", "host lines of defaults are ignored");
    tap_is_str(kw("tcp_local", "nologging"), "(set)", "a later DEFAULTS line wins");
    tap_is_str(kw("tcp_local", "logging"), "(absent)", "... replacing logging");
    tap_is_str(kw("tcp_local", "notlsserver"), "(set)", "notls overrides defaults maytls");
    tap_is_str(kw("tcp_local", "maytlsserver"), "(absent)", "... so maytlsserver is gone");
    tap_is_str(kw("tcp_local", "maytlsclient"), "(absent)", "... and maytlsclient too");
    tap_is_str(kw("tcp_local", "daemon"), "relay.example", "daemon argument");
    tap_is_str(kw("tcp_local", "port"), "25", "port 16%%19 is stored as 25");
    tap_is_str(kw("tcp_local", "queue"), "BIG", "pool is stored as queue");
    tap_is_str(kw("tcp_local", "pool"), "BIG", "... and found as pool");
    tap_is_str(kw("tcp_local", "header_733"), "(set)", "733 is header_733");
    tap_is_str(kw("tcp_local", "notices"), "1 2 3", "defaults still apply");
    k = pmdfcnf_keyword(chan("tcp_local"), "notices");
    tap_ok(k && k->line == 3, "an inherited keyword points at its defaults line");
    tap_is_str(cnf.channels[2].name, "tcp_x", "channel names are kept lower case");
    tap_is_str(kw("tcp_x", "musttlsserver"), "(set)", "channel keyword overrides one part");
    tap_is_str(kw("tcp_x", "maytlsclient"), "(set)", "the other part stays");
    tap_is_str(kw("tcp_x", "maytlsserver"), "(absent)", "... replacing the default part");
    tap_is_str(kw("tcp_y", "nologging"), "(absent)", "nodefaults forgets defaults");
    tap_is_str(kw("tcp_y", "maytlsclient"), "(absent)", "nodefaults forgets maytls");
    tap_is_str(kw("tcp_y", "backoff"), "pt5m PT1H P1DT2H", "backoff periods, unquoted");
    tap_is_str(kw("tcp_y", "notices"), "2 4", "a notices list stops at a keyword");
    tap_is_str(kw("tcp_y", "header_822"), "(set)", "822 after notices is a keyword");
    tap_is_int(load(HEAD "tcp_local smtp routelocal bangoverpercent norules\nT\n"), 0,
	       "keywords the rewrite engine asks for: %s", STR_C(err));
    tap_ok(pmdfcnf_keyword(chan("tcp_local"), "routelocal")
	   && pmdfcnf_keyword(chan("tcp_local"), "bangoverpercent")
	   && pmdfcnf_keyword(chan("tcp_local"), "norules"), "routelocal bangoverpercent norules");
}

static void test_includes(void)
{
    put("internet.rules", "! rules through a logical name\n"
	".example.net $U%$H@TCP-DAEMON\n"
	"[] $U%[$L]@TCP-DAEMON\n");
    tap_is_int(load("<PMDF_TABLE:internet.rules\n"
		    "local.example $U@local.example\n"
		    "\n"
		    "l\n"
		    "! a comment inside a block\n"
		    "local.example mailhub\n"
		    "! another one\n"
		    "LOCALHOST\n"
		    "\n"
		    "tcp_local smtp mx \\\n"
		    "  single_sys maytls \\\n"
		    "  daemon smarthost.example\n"
		    "TCP-DAEMON internet\n"
		    "relay.example proper.example\n"
		    "\n"
		    "tcp_auth smtp mustsaslserver\n"
		    "TCP-AUTH\n"
		    "\n"
		    "\n"), 0, "includes, continuations, comments: %s", STR_C(err));
    tap_is_int((long) cnf.nrules, 3, "included rules come first");
    tap_is_str(cnf.rules[0].file, path_of("internet.rules"), "included rule's file");
    tap_is_int(cnf.rules[0].line, 2, "included rule's line");
    tap_ok(strcmp(cnf.rules[2].file, path_of("pmdf.cnf")) == 0 && cnf.rules[2].line == 2,
	   "back in pmdf.cnf at line 2");
    tap_is_int((long) cnf.files.n, 2, "both files listed");
    tap_ok(cnf.channels[0].hosts.n == 2 && strcmp(cnf.channels[0].aliases.v[0], "mailhub") == 0
	   && strcmp(cnf.channels[0].hosts.v[1], "LOCALHOST") == 0
	   && strcmp(cnf.channels[0].aliases.v[1], "") == 0,
	   "comment lines inside a block; hosts and local alias");
    tap_is_str(kw("tcp_local", "daemon"), "smarthost.example", "continued keyword line");
    tap_is_str(kw("tcp_local", "single_sys"), "(set)", "middle of a continued line");
    tap_is_int(cnf.channels[1].line, 10, "a continued line is where it starts");
    tap_is_str(host_channel("Relay.Example"), "tcp_local", "a further host line");
    tap_is_str(cnf.channels[1].aliases.v[1], "proper.example", "its proper name");
    tap_is_str(host_channel("localhost"), "l", "second host of l");
}

static void test_many_channels(void)
{
    STR     text = STR_INIT;
    int     i;

    str_cpy(&text, HEAD);
    for (i = 0; i < 3000; i++)
	str_catf(&text, "tcp_%d smtp mx\nHOST-%d\n\n", i, i);
    tap_is_int(load(STR_C(text)), 0, "3000 channels load: %s", STR_C(err));
    tap_is_str(host_channel("host-2999"), "tcp_2999", "the last one is indexed");
    tap_is_int((long) htab_count(cnf.by_host), 3001, "every host indexed");
    str_free(&text);
}

static void test_options(void)
{
    long    v = 0;
    STR     why = STR_INIT;

    tap_is_int(load(HEAD "tcp_local smtp\nTCP-DAEMON\n\ntcp_auth smtp\nTCP-AUTH\n"), 0,
	       "configuration for options: %s", STR_C(err));
    put("option.dat", "! global options\n"
	"LOG_CONNECTION=1\n"
	"  ! an indented comment\n"
	"\n"
	"max_messages = 16%ff\n"
	"STRING_OPT=a value, with ! inside\n");
    put("tcp_local_option", "PORT=2525\nlog_connection=0\n");
    tap_is_int(pmdfcnf_options(&cnf, "PMDF_OPTION_FILE:", &err), 0, "options load: %s",
	       STR_C(err));
    tap_is_str(opt(NULL, "log_connection"), "1", "global option, name case-blind");
    tap_is_str(opt("tcp_local", "LOG_CONNECTION"), "0", "channel option first");
    tap_is_str(opt("tcp_auth", "LOG_CONNECTION"), "1", "else the global one");
    tap_is_str(opt("TCP_LOCAL", "port"), "2525", "channel option by name");
    tap_is_str(opt(NULL, "PORT"), "(unset)", "a channel option is not global");
    tap_is_str(opt(NULL, "MAX_MESSAGES"), "16%ff", "values kept as written");
    tap_ok(cfg_parse_int(opt(NULL, "MAX_MESSAGES"), 0, 1000, &v, &why) == 0 && v == 255,
	   "base%%value for the consumer (%ld)", v);
    tap_is_str(opt(NULL, "string_opt"), "a value, with ! inside", "\"!\" inside a value");
    tap_ok(htab_find(cnf.options, "tcp_local:PORT") != NULL, "stored as channel:NAME");
    tap_is_int((long) cnf.files.n, 3, "option files listed with pmdf.cnf");

    drop("option.dat");
    drop("tcp_local_option");
    tap_is_int(pmdfcnf_options(&cnf, "PMDF_OPTION_FILE:", &err), 0,
	       "missing option files are not an error: %s", STR_C(err));
    tap_is_int((long) htab_count(cnf.options), 0, "... and set nothing");

    put("option.dat", "LOG_CONNECTION=1\nLOG_CONNECTION 1\n");
    str_reset(&err);
    error_at(pmdfcnf_options(&cnf, "PMDF_OPTION_FILE:", &err), "option.dat", 2,
	     "expected NAME=value", "an option line without =");

    load(HEAD "tcp_local smtp\nTCP-DAEMON\n");
    put("option.dat", "A=1\n");
    put("tcp_local_option", "PORT=25\n\n=5\n");
    error_at(pmdfcnf_options(&cnf, "PMDF_OPTION_FILE:", &err), "tcp_local_option", 3,
	     "no option name", "a channel option line without a name");
    load(HEAD "tcp_local smtp\nTCP-DAEMON\n");
    put("tcp_local_option", "MY OPT=25\n");
    error_at(pmdfcnf_options(&cnf, "PMDF_OPTION_FILE:", &err), "tcp_local_option", 1,
	     "contains white space", "an option name with a space");
    drop("option.dat");
    drop("tcp_local_option");
    str_free(&why);
}

/* ---- errors ----------------------------------------------------------- */

static void test_keyword_errors(void)
{
    char    expect[700];

    load(HEAD "tcp_local smtp xyz\nTCP-DAEMON\n");
    snprintf(expect, sizeof(expect), "%s:6: unknown channel keyword \"xyz\" for channel tcp_local",
	     path_of("pmdf.cnf"));
    tap_is_str(STR_C(err), expect, "unknown keyword: exact message");
    tap_ok(is_empty(&cnf), "unknown keyword: nothing is left loaded");
    bad(HEAD "defaults logging sizelimit 10\n\nx smtp\nX\n", "pmdf.cnf", 6,
	"unknown channel keyword \"sizelimit\" on the defaults line",
	"sizelimit is not a PMDF keyword");
    bad(HEAD "tcp_local smtp dsn\nT\n", "pmdf.cnf", 6, "\"dsn\"", "dsn is not a keyword");
    bad(HEAD "tcp_local smtp daemon\nT\n", "pmdf.cnf", 6,
	"keyword \"daemon\" for channel tcp_local needs an argument", "missing argument");
    bad(HEAD "tcp_local smtp port 70000\nT\n", "pmdf.cnf", 6, "out of range",
	"port out of range");
    bad(HEAD "tcp_local smtp maxjobs many\nT\n", "pmdf.cnf", 6, "\"many\" is not an integer",
	"maxjobs not a number");
    bad(HEAD "tcp_local smtp port 8%99\nT\n", "pmdf.cnf", 6, "bad argument to keyword \"port\"",
	"a digit outside the base");
    load(HEAD "tcp_local smtp maytls notls\nT\n");
    snprintf(expect, sizeof(expect), "%s:6: conflicting keywords \"maytls\" and \"notls\" "
	     "for channel tcp_local", path_of("pmdf.cnf"));
    tap_is_str(STR_C(err), expect, "maytls notls on one line: exact message");
    tap_ok(is_empty(&cnf), "conflict: nothing is left loaded");
    bad(HEAD "tcp_local mx smtp nomx\nT\n", "pmdf.cnf", 6,
	"conflicting keywords \"mx\" and \"nomx\"", "mx nomx");
    bad(HEAD "tcp_local daemon a.example daemon b.example\nT\n", "pmdf.cnf", 6,
	"\"daemon a.example\" and \"daemon b.example\"", "two daemons on one line");
    bad(HEAD "defaults maysasl nosaslserver\n\nx\nX\n", "pmdf.cnf", 6,
	"conflicting keywords \"maysasl\" and \"nosaslserver\" on the defaults line",
	"conflict on a defaults line");
    tap_is_int(load(HEAD "tcp_local maytls maytlsserver MAYTLS\nT\n"), 0,
	       "repeating a keyword is not a conflict: %s", STR_C(err));
    bad(HEAD "tcp_local smtp notices 3 2\nT\n", "pmdf.cnf", 6, "ages must increase",
	"notices must increase");
    bad(HEAD "tcp_local smtp notices 1 2 3 4 5 6\nT\n", "pmdf.cnf", 6, "more than 5 ages",
	"at most five notices");
    bad(HEAD "tcp_local smtp backoff pt5m\nT\n", "pmdf.cnf", 6, "quoted ISO 8601 period",
	"backoff needs quotes");
    bad(HEAD "tcp_local smtp backoff \"P1H\"\nT\n", "pmdf.cnf", 6, "quoted ISO 8601 period",
	"hours need T");
    bad(HEAD "tcp_local smtp saslswitchchannel tcp_nowhere\nT\n", "pmdf.cnf", 6,
	"\"saslswitchchannel tcp_nowhere\" for channel tcp_local names a channel that is "
	"not defined", "switching to an undefined channel");
    bad(HEAD "tcp_local smtp expandchannel bad.name\nT\n", "pmdf.cnf", 6,
	"\"bad.name\" is not a channel name", "a bad channel argument");
}

static void test_structure_errors(void)
{
    STR     big = STR_INIT;
    char    expect[700];

    bad(HEAD "tcp_local smtp\nTCP-DAEMON\n\ntcp_local smtp\nTCP-OTHER\n", "pmdf.cnf", 9,
	"channel \"tcp_local\" is defined twice", "duplicate channel");
    snprintf(expect, sizeof(expect), "(first at %s:6)", path_of("pmdf.cnf"));
    tap_ok(strstr(STR_C(err), expect) != NULL, "duplicate channel names the first place");
    bad(HEAD "tcp_local smtp\nTCP-DAEMON\n\ntcp_auth smtp\ntcp-daemon\n", "pmdf.cnf", 10,
	"host \"tcp-daemon\" of channel tcp_auth is already a host of channel tcp_local",
	"duplicate host, case-blind");
    snprintf(expect, sizeof(expect), "(%s:7)", path_of("pmdf.cnf"));
    tap_ok(strstr(STR_C(err), expect) != NULL, "duplicate host names the first place");
    bad("a b\n\ntcp_local smtp\nTCP-DAEMON\n\nl\nlocal\n", "pmdf.cnf", 3,
	"the first channel must be l", "first channel not l");
    bad("a b\nlonely\n\nl\nlocal\n", "pmdf.cnf", 2, "rewrite rule \"lonely\" has no template",
	"rule with one word");
    bad("a b c\n\nl\nlocal\n", "pmdf.cnf", 1, "is followed by \"c\"", "rule with three words");
    bad("a b\n  c d\n\nl\nlocal\n", "pmdf.cnf", 2, "white space at the start of a line",
	"indented line in the rules");
    bad("a b\nc d\n", "pmdf.cnf", 2, "no channels defined; the first channel must be l",
	"rules only");
    bad("a b\n\nl\n\ntcp_local smtp\nT\n", "pmdf.cnf", 3, "channel l has no official host",
	"l without a host");
    bad("a b\n\ndefaults logging\n", "pmdf.cnf", 3, "no channels defined",
	"only a defaults block");
    bad(HEAD "tcp.local smtp\nT\n", "pmdf.cnf", 6, "bad channel name \"tcp.local\"",
	"a dot in a channel name");
    bad(HEAD "nodefaults logging\n\nx\nX\n", "pmdf.cnf", 6, "nodefaults takes no keywords",
	"nodefaults with a keyword");
    bad(HEAD "tcp_local smtp\nTCP-DAEMON alias extra\n", "pmdf.cnf", 7,
	"more than two names", "a host line with three names");
    bad(HEAD "\ntcp_local smtp\nT\n", "pmdf.cnf", 6,
	"a second blank line in a row", "two blank lines between channels");
    bad("a b\n\n\nl\nlocal\n", "pmdf.cnf", 3, "a second blank line in a row",
	"two blank lines after the rules");
    tap_is_int(load(HEAD "tcp_local smtp\nT\n\n\n\n"), 0,
	       "blank lines at the end of the file are fine: %s", STR_C(err));
    putn("pmdf.cnf", "a b\n\nl\nlo\0cal\n", 14);
    pmdfcnf_free(&cnf);
    error_at(pmdfcnf_load("PMDF_CONFIG_FILE:", &cnf, &err), "pmdf.cnf", 4, "NUL byte",
	     "a NUL byte");

    str_cpy(&big, "a b\n");
    while (big.len < 10 * 1024 * 1024)
	str_cat(&big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    str_cat(&big, " y\n\nl\nlocal\n");
    bad(STR_C(big), "pmdf.cnf", 2, "line longer than", "a 10 MB line");
    str_free(&big);

    put("loop.rules", "c d\n<PMDF_TABLE:pmdf.cnf\n");
    bad("a b\n<PMDF_TABLE:loop.rules\n\nl\nlocal\n", "loop.rules", 2, "include loop",
	"an include loop");
    bad("a b\n<NOSUCH_NAME:x.rules\n\nl\nlocal\n", "pmdf.cnf", 2, "cannot resolve include",
	"an include through an undefined logical name");
    drop("pmdf.cnf");
    pmdfcnf_free(&cnf);
    tap_is_int(pmdfcnf_load("PMDF_CONFIG_FILE:", &cnf, &err), -1, "a missing PMDF.CNF: %s",
	       STR_C(err));
    tap_ok(is_empty(&cnf), "a missing PMDF.CNF leaves nothing loaded");
}

/* ---- the compiled image: pmdfcnf_save() and pmdfcnf_restore() ---------- */

static void test_image(void)
{
    PMDF_CNF again;
    STR     image = STR_INIT, image2 = STR_INIT;
    UNPACK  in;
    const char *v;

    tap_is_int(load(HEAD "tcp_local smtp mx\nTCP-DAEMON\n"), 0, "a configuration to save: %s",
	       STR_C(err));
    pmdfcnf_save(&cnf, &image);
    unpack_init(&in, image.s, image.len);
    tap_is_int(pmdfcnf_restore(&in, &again, &err), 0, "its image restores: %s", STR_C(err));
    pmdfcnf_save(&again, &image2);
    tap_ok(image.len == image2.len && memcmp(image.s, image2.s, image.len) == 0,
	   "the restored configuration saves to the same image");
    pmdfcnf_free(&again);

    /*
     * A damaged image naming an option twice (found by tests/fuzz/fz_restore):
     * the later value wins, as it did, and the earlier one is not leaked
     * (the SANITIZE=1 build's leak checker fails this test if it is).
     */
    str_reset(&image);
    pack_u32(&image, 0);			/* files */
    pack_u32(&image, 0);			/* rules */
    pack_u32(&image, 1);			/* channels: l */
    pack_str(&image, "l");
    pack_u32(&image, 0xffffffffu);		/* no file */
    pack_u32(&image, 1);
    pack_u32(&image, 1);			/* one host line */
    pack_str(&image, "local.example");
    pack_str(&image, "");
    pack_u32(&image, 0);			/* no keywords */
    pack_u32(&image, 2);			/* options: A twice */
    pack_str(&image, "A");
    pack_str(&image, "first");
    pack_str(&image, "A");
    pack_str(&image, "second");
    unpack_init(&in, image.s, image.len);
    tap_is_int(pmdfcnf_restore(&in, &again, &err), 0, "an image naming an option twice"
	       " restores: %s", STR_C(err));
    v = pmdfcnf_option(&again, NULL, "A");
    tap_is_str(v ? v : "(unset)", "second", "the later value wins");
    pmdfcnf_free(&again);
    str_free(&image);
    str_free(&image2);
}

/* ---- setup ------------------------------------------------------------ */

static void clean_environment(void)
{
    STRLIST names = STRLIST_INIT;
    const char *eq;
    char  **e;
    size_t  i;

    for (e = environ; *e; e++)
	if ((strncmp(*e, "PMDF_", 5) == 0 || strncmp(*e, "PMAS_", 5) == 0)
	    && (eq = strchr(*e, '=')) != NULL)
	    strlist_addn(&names, *e, (size_t) (eq - *e));
    for (i = 0; i < names.n; i++)
	unsetenv(names.v[i]);
    strlist_free(&names);
}

static int setup(void)
{
    STR     text = STR_INIT;
    const char *tmp = getenv("TMPDIR");

    snprintf(dir, sizeof(dir), "%s/t_pmdfcnf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
	perror("mkdtemp");
	return -1;
    }
    str_printf(&text, "! tailor file of t_pmdfcnf\n"
	       "PMDF_TABLE=%s/\n"
	       "PMDF_CONFIG_FILE=PMDF_TABLE:pmdf.cnf\n"
	       "PMDF_OPTION_FILE=PMDF_TABLE:option.dat\n", dir);
    put("pmdf_tailor", STR_C(text));
    str_free(&text);
    clean_environment();
    setenv("PMDF_TAILOR", path_of("pmdf_tailor"), 1);
    lnm_shutdown();
    if (lnm_init(&err) < 0) {
	fprintf(stderr, "t_pmdfcnf: %s\n", STR_C(err));
	return -1;
    }
    return 0;
}

static void cleanup(void)
{
    size_t  i;

    pmdfcnf_free(&cnf);
    str_free(&err);
    for (i = 0; i < written.n; i++)
	(void) remove(written.v[i]);
    strlist_free(&written);
    (void) rmdir(dir);
    lnm_shutdown();
}

int     main(void)
{
    if (setup() < 0) {
	tap_ok(0, "set up a private tailor file");
	return tap_done();
    }
    test_classic();
    test_defaults();
    test_includes();
    test_many_channels();
    test_options();
    test_keyword_errors();
    test_structure_errors();
    test_image();
    cleanup();
    return tap_done();
}
