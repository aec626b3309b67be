/*
 * NAME
 *	pmdfcnf - PMDF.CNF in memory: rewrite rules, channels, options
 * SYNOPSIS
 *	#include "pmdfcnf.h"
 *
 *	int pmdfcnf_load(const char *spec, PMDF_CNF *cnf, STR *err);
 *	void pmdfcnf_save(const PMDF_CNF *cnf, STR *out);
 *	int pmdfcnf_restore(struct UNPACK *in, PMDF_CNF *cnf, STR *err);
 *	int pmdfcnf_options(PMDF_CNF *cnf, const char *spec, STR *err);
 *	void pmdfcnf_free(PMDF_CNF *cnf);
 *	const CNF_CHANNEL *pmdfcnf_channel(const PMDF_CNF *cnf, const char *name);
 *	const CNF_CHANNEL *pmdfcnf_channel_by_host(const PMDF_CNF *cnf, const char *host);
 *	const CNF_KEYWORD *pmdfcnf_keyword(const CNF_CHANNEL *ch, const char *kw);
 *	const char *pmdfcnf_option(const PMDF_CNF *cnf, const char *channel, const char *name);
 * DESCRIPTION
 *	pmdfcnf_load() reads the configuration file named by spec (a
 *	logical-name file spec such as "PMDF_CONFIG_FILE:") through the one
 *	configuration reader (cfgread.h: "!" comments in column 1, "<file"
 *	includes resolved through logical names, "\" continuations), in
 *	PMDF's layout: rewrite rules first, one "pattern template" a line
 *	with no white space inside either; a blank line; then channel blocks
 *	separated by single blank lines.  A channel block is
 *	"name keyword keyword ..." then the official host name (and optional
 *	local alias), then optional further host lines ("host proper-name").
 *	Comment lines may appear anywhere and are not blank lines.
 *	"defaults keyword ..." and "nodefaults" blocks change the keyword
 *	defaults of the channels after them; they may come before "l", need
 *	no host lines and, as in PMDF, any host lines they have are ignored.
 *	The first real channel must be "l".  cnf is initialised by
 *	pmdfcnf_load() (call pmdfcnf_free() first to reuse a loaded one).
 *
 *	Channel names are letters, digits, "_", "-" and "$", at most
 *	CNF_MAX_CHANNEL_NAME characters, kept lower case.  Keywords are
 *	case-blind and checked against the keyword table (pmdfcnf.c: name,
 *	argument kind, override group).  Arguments: a word (daemon host,
 *	queue name, ...), a channel name (saslswitchchannel, tlsswitchchannel,
 *	expandchannel: kept lower case, and the channel must be defined), an
 *	integer (port, maxjobs, blocklimit, ...: decimal or base%value,
 *	range-checked, stored in decimal), an age list (notices and the
 *	*notices keywords: 1 to 5 strictly increasing integers, stored
 *	"3 6 9 12"), or a backoff list (backoff and the *backoff keywords: 1
 *	to 8 quoted ISO 8601 periods, "pt10m" "pt1h", stored unquoted and
 *	space-separated).
 *
 *	Each channel's keyword list holds the effective keywords: the
 *	defaults in force where the channel was defined, then its own, where
 *	a keyword replaces any earlier one of the same group (maytlsserver
 *	vs musttlsserver vs notlsserver, mx vs nomx vs defaultmx, daemon vs
 *	an earlier daemon, ...); several defaults lines are cumulative, the
 *	latest winning, and nodefaults forgets them all.  So
 *	pmdfcnf_keyword(ch, "maytlsserver") answers the effective setting,
 *	or NULL.  Compound keywords are stored as their parts and are
 *	queried by the parts: maytls = maytlsclient maytlsserver, musttls =
 *	musttlsclient musttlsserver, notls = notlsclient notlsserver, and
 *	likewise maysasl, mustsasl, nosasl.  Synonyms are stored under one
 *	name and pmdfcnf_keyword() accepts either: pool = queue, 733 =
 *	header_733, 822 = header_822, channelfilter = destinationfilter.
 *	A keyword given nowhere is absent; the consumer applies PMDF's
 *	default (notls, nosasl, immnormal, nologging, ...).
 *
 *	pmdfcnf_options() reads the option file spec (e.g.
 *	"PMDF_OPTION_FILE:") and then, for each channel,
 *	PMDF_TABLE:<channel>_option; a file that does not exist is not an
 *	error (a spec that does not translate is).  Lines are NAME=value,
 *	blanks around "=" ignored, "!" as the first non-blank starts a
 *	comment line, blank lines ignored, "\" continues, "<file" includes;
 *	names are case-blind, values are kept as written (integers, maybe
 *	base%value, are checked by the consumer with cfg_parse_int()); a
 *	later setting of a name replaces an earlier one.  pmdfcnf_option()
 *	looks a value up, the channel's own first (channel may be NULL).
 *
 *	pmdfcnf_save() appends the whole structure (rules, channels with
 *	their effective keywords, options, files read) to out as pack.h
 *	records; pmdfcnf_restore() rebuilds it from them, indexes included,
 *	for the compiled configuration image of "pmdf cnbuild".  A record
 *	that does not decode (or names a keyword this version does not know)
 *	fails the restore with a message and leaves cnf empty.
 *
 *	pmdfcnf_channel_by_host() maps a routing system (the host after the
 *	last "@" of a rewritten template, e.g. TCP-DAEMON) to its channel,
 *	case-blind, through every channel's host lines (the first name of
 *	each; the optional second name is in aliases).
 *
 *	Where this differs from PMDF (the PMDF System Manager's Guide):
 *	- An unknown keyword is an error; PMDF takes it as a rightslist
 *	  identifier (VMS) or group id (Unix).  Keywords longer than 32
 *	  characters are not truncated, so they are unknown too.
 *	- "sizelimit" and "dsn" are not keywords (PMDF has neither): limit
 *	  size with blocklimit (in blocks of the BLOCK_SIZE option, 1024
 *	  bytes by default) or linelimit; DSN (NOTARY) is always on.
 *	- "after" takes seconds only, not an OpenVMS delta time.
 *	- backoff, nonurgentbackoff, normalbackoff and urgentbackoff are
 *	  accepted with Messaging Server's syntax; PMDF 6 schedules retries
 *	  with the BACKOFF channel option and mapping instead.
 *	- Two keywords of one group on one line (maytls notls, mx nomx,
 *	  daemon a daemon b) are an error, not "the last one wins".
 *	- A channel named by saslswitchchannel, tlsswitchchannel or
 *	  expandchannel must be defined in the file.
 *	- A second blank line in a row before another channel block is an
 *	  error: the manual separates blocks by single blank lines and gives
 *	  a second one no meaning, so rather than guess (an empty block? the
 *	  end of the channel table?) it is refused.  Blank lines at the end
 *	  of the file are ignored.
 *	- A rewrite rule with text after its template, a host line with more
 *	  than two names, and "nodefaults" with keywords are errors.
 *	- Leading white space is an error on a rewrite-rule line but is
 *	  ignored on the lines of channel blocks.
 *	- At most CNF_MAX_RULES rules, CNF_MAX_CHANNELS channels and
 *	  CNF_MAX_HOSTS host lines, each logical line at most CFG_MAX_LINE.
 * DIAGNOSTICS
 *	pmdfcnf_load() and pmdfcnf_options() return 0, or -1 with err set
 *	to "file:line: message" (cfgread's own messages for NUL bytes,
 *	overlong lines and include loops, or the logical-name layer's
 *	message when spec does not translate): an unknown keyword, a
 *	keyword missing its argument, a bad number, conflicting keywords, a
 *	duplicate channel or host (naming both places), a first channel
 *	other than l, no channel at all, a channel without an official
 *	host, a malformed rule or option line.  On any error the whole of
 *	cnf is left empty, as after pmdfcnf_free(), so no program runs on
 *	half a configuration.  The file names in messages and in the
 *	structures are the translated paths.
 */
#ifndef PMDF_PMDFCNF_H
#define PMDF_PMDFCNF_H
#include <stddef.h>
#include "str.h"
#include "strlist.h"
#include "htab.h"

struct UNPACK;

#define CNF_MAX_RULES		1000000
#define CNF_MAX_CHANNELS	100000
#define CNF_MAX_HOSTS		1000000
#define CNF_MAX_CHANNEL_NAME	32
#define CNF_MAX_HOST_NAME	255

typedef struct CNF_RULE {
    char   *pattern;		/* as written, e.g. ".example.com", "$%", "[]", "." */
    char   *template;		/* as written, e.g. "$U%$H$D@TCP-DAEMON" */
    const char *file;		/* where it was read (points into PMDF_CNF.files) */
    int     line;
} CNF_RULE;

typedef struct CNF_KEYWORD {
    const char *name;		/* canonical lower-case name from the keyword table */
    char   *arg;		/* its argument ("daemon host"), or NULL */
    const char *group;		/* override group: keywords of one group replace each other */
    const char *file;		/* where it was given: the channel's or a defaults line */
    int     line;		/* (file points into PMDF_CNF.files) */
} CNF_KEYWORD;

typedef struct CNF_CHANNEL {
    char   *name;		/* lower case, e.g. "tcp_local" */
    CNF_KEYWORD *kw;		/* effective keywords (defaults, then own) */
    size_t  nkw;
    STRLIST hosts;		/* official host name first, then the others */
    STRLIST aliases;		/* second name of each host line, "" if none */
    const char *file;		/* points into PMDF_CNF.files */
    int     line;
} CNF_CHANNEL;

typedef struct PMDF_CNF {
    CNF_RULE *rules;		/* in file order */
    size_t  nrules;
    CNF_CHANNEL *channels;	/* in file order; channels[0] is "l" */
    size_t  nchannels;
    HTAB   *by_name;		/* channel name -> CNF_CHANNEL * */
    HTAB   *by_host;		/* upper-case host -> CNF_CHANNEL * */
    HTAB   *options;		/* "NAME" or "channel:NAME" (channel lower, NAME upper
				 * case) -> char * */
    STRLIST files;		/* every file read, for staleness checks (an
				 * included file holding no line is not listed) */
} PMDF_CNF;

int pmdfcnf_load(const char *spec, PMDF_CNF *cnf, STR *err);
void pmdfcnf_save(const PMDF_CNF *cnf, STR *out);
int pmdfcnf_restore(struct UNPACK *in, PMDF_CNF *cnf, STR *err);
int pmdfcnf_options(PMDF_CNF *cnf, const char *spec, STR *err);
void pmdfcnf_free(PMDF_CNF *cnf);
const CNF_CHANNEL *pmdfcnf_channel(const PMDF_CNF *cnf, const char *name);
const CNF_CHANNEL *pmdfcnf_channel_by_host(const PMDF_CNF *cnf, const char *host);
const CNF_KEYWORD *pmdfcnf_keyword(const CNF_CHANNEL *ch, const char *kw);
const char *pmdfcnf_option(const PMDF_CNF *cnf, const char *channel, const char *name);

#endif
