/*
 * NAME
 *	pmdfcnf - PMDF.CNF in memory: rewrite rules, channels, options
 * SYNOPSIS
 *	#include "pmdfcnf.h"
 *
 *	int pmdfcnf_load(const char *spec, PMDF_CNF *cnf, STR *err);
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
 *	local alias), then optional further host lines.  "defaults" and
 *	"nodefaults" blocks change the keyword defaults of the channels after
 *	them.  The first real channel must be "l".
 *
 *	Keywords are checked against the table of known keywords (the
 *	DESIGN.md list plus the ones the toolkit implements); an unknown
 *	keyword, a keyword missing its argument, a conflicting pair (maytls
 *	and notls), a duplicate channel name or host, or a rule with a
 *	missing template is an error "file:line: message" and the whole
 *	configuration is refused (cnf is left empty).
 *
 *	Each channel's keyword list holds, in order, the defaults in force
 *	where the channel was defined and then its own keywords; a later
 *	keyword overrides an earlier one of the same group (maytls vs
 *	musttls vs notls, mx vs nomx, ...), so pmdfcnf_keyword() answers the
 *	effective setting.  Compound keywords expand: maytls = maytlsclient
 *	maytlsserver, musttls = musttlsclient musttlsserver.
 *
 *	pmdfcnf_options() reads the option file (NAME=value, "!" comments,
 *	integers as base%value) and, for each channel, PMDF_TABLE:<channel>_option
 *	when it exists; pmdfcnf_option() looks a value up, the channel's
 *	own first (channel may be NULL).
 *
 *	pmdfcnf_channel_by_host() maps a routing system (the host after the
 *	last "@" of a rewritten template, e.g. TCP-DAEMON) to its channel,
 *	case-blind, through every channel's host lines.
 */
#ifndef PMDF_PMDFCNF_H
#define PMDF_PMDFCNF_H
#include <stddef.h>
#include "str.h"
#include "strlist.h"
#include "htab.h"

typedef struct CNF_RULE {
    char   *pattern;		/* as written, e.g. ".example.com", "$%", "[]", "." */
    char   *template;		/* as written, e.g. "$U%$H$D@TCP-DAEMON" */
    char   *file;		/* where it was read, for messages */
    int     line;
} CNF_RULE;

typedef struct CNF_KEYWORD {
    const char *name;		/* canonical lower-case name from the keyword table */
    char   *arg;		/* its argument ("daemon host"), or NULL */
} CNF_KEYWORD;

typedef struct CNF_CHANNEL {
    char   *name;		/* lower case, e.g. "tcp_local" */
    CNF_KEYWORD *kw;		/* effective keywords (defaults, then own) */
    size_t  nkw;
    STRLIST hosts;		/* official host name first, then the others */
    char   *file;
    int     line;
} CNF_CHANNEL;

typedef struct PMDF_CNF {
    CNF_RULE *rules;		/* in file order */
    size_t  nrules;
    CNF_CHANNEL *channels;	/* in file order; channels[0] is "l" */
    size_t  nchannels;
    HTAB   *by_name;		/* channel name -> CNF_CHANNEL * */
    HTAB   *by_host;		/* upper-case host -> CNF_CHANNEL * */
    HTAB   *options;		/* "NAME" or "channel:NAME" (upper case) -> char * */
    STRLIST files;		/* every file read (for staleness checks) */
} PMDF_CNF;

int pmdfcnf_load(const char *spec, PMDF_CNF *cnf, STR *err);
int pmdfcnf_options(PMDF_CNF *cnf, const char *spec, STR *err);
void pmdfcnf_free(PMDF_CNF *cnf);
const CNF_CHANNEL *pmdfcnf_channel(const PMDF_CNF *cnf, const char *name);
const CNF_CHANNEL *pmdfcnf_channel_by_host(const PMDF_CNF *cnf, const char *host);
const CNF_KEYWORD *pmdfcnf_keyword(const CNF_CHANNEL *ch, const char *kw);
const char *pmdfcnf_option(const PMDF_CNF *cnf, const char *channel, const char *name);

#endif
