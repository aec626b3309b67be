/*
 * NAME
 *	rewrite - PMDF's domain rewriting rules: address to channel
 * SYNOPSIS
 *	#include "rewrite.h"
 *
 *	REWRITER *rewrite_new(const PMDF_CNF *cnf, const MAPPINGS *maps,
 *			      DICT *general_db, STR *err);
 *	void rewrite_set_lookup(REWRITER *rw, RW_LOOKUP_FN fn, void *ctx);
 *	int rewrite_address(REWRITER *rw, const char *address,
 *			    const RW_REQUEST *req, RW_RESULT *res, STR *err);
 *	void rewrite_free(REWRITER *rw);
 *
 *	void rw_request_init(RW_REQUEST *req);
 *	void rw_result_init(RW_RESULT *res);
 *	void rw_result_free(RW_RESULT *res);
 * DESCRIPTION
 *	rewrite_new() indexes the rewrite rules of cnf by lower-cased
 *	pattern (a hash table; a pattern with several rules keeps them in
 *	file order), so a probe costs one lookup whatever the number of
 *	rules.  cnf, maps and general_db must outlive the REWRITER; maps
 *	and general_db may be NULL (then ${...} and $(...) make their rule
 *	fail, as PMDF does when the mapping or database is missing).
 *	rewrite_set_lookup() installs a callback for $(text) instead of the
 *	database: fn returns 1 and the value, 0 when the key is absent, -1
 *	with err on a failure.  The database is asked for the key as
 *	substituted, then, when different, for its lower-case form.
 *
 *	rewrite_address() rewrites one address the way the PMDF System
 *	Manager's Guide (section 2.2) describes, and names the channel the
 *	message goes to:
 *
 *	1. The address is parsed (addr.h; header syntax with
 *	   RW_HEADER_SYNTAX) and its first host/domain specification is
 *	   extracted: source route, then "@", then the last "%", then the
 *	   first "!" (bangoverpercent on the source channel swaps the last
 *	   two).  An address with no host at all gets the local host (the
 *	   first host name of channel l), as PMDF does for "IN%user".
 *
 *	2. The rules are searched, case-blind, most specific first.  For a
 *	   host a.b.c: a.b.c, *.b.c, .b.c, *.*.c, .c, *.*.*, then the
 *	   match-all rule ".".  For an address literal, right to left:
 *	   [1.2.3.4], [1.2.3.], [1.2.], [1.], [], [*.*.*.*], then ".".  A
 *	   pattern may have several rules; they are tried in file order
 *	   until one succeeds (its controls hold and its substitutions
 *	   work), else the search goes on.  When nothing matched a host
 *	   taken from the right of a "%", the percent-hack rule "$%" is
 *	   tried; from the left of a "!", the bang-style rule "$!"; and
 *	   when that fails too, the address is treated as A%B@localhost
 *	   (the local channel, the whole local part as mailbox).  Any
 *	   other host that matches no rule is used as-is: it is both the
 *	   new host and the routing system (Guide 2.2.3.5).
 *	   The current tag ($T) is put in front of every probe.
 *
 *	3. The template of the rule is applied.  Forms: A%B@C (user A,
 *	   host B, routing system C); A@C, short for A%C@C; A%B (the
 *	   address becomes A@B and the whole process starts again);
 *	   A@B@C@D (A@B with C inserted as a source route, routed to D) and
 *	   A@B@C (= A@B@C@C).  The structure is read from the template
 *	   after $(...) and ${...} are replaced (so a database entry may
 *	   supply a whole template, as in Guide 2.2.6.6).
 *	   Substitutions:
 *	     $U  the user name (local part, quotes kept)
 *	     $0U the local part without its subaddress ("+..."), $1U the
 *		 subaddress (may be empty)
 *	     $H  the part of the host not matched by the pattern (for
 *		 *.b.c and . also what the asterisks matched), $D the part
 *		 matched; H followed by D is the host
 *	     $nH, $nD (n = 0..9) the same without the n leftmost labels
 *	     $L  the part of an address literal not matched ([] gives
 *		 all of it: "[]  $U%[$L]@TCP-DAEMON")
 *	     $&n, $!n the n-th label of H from the left, from the right;
 *	     $*n, $#n the same for D (the rule fails if there is none)
 *	     $$ $% $@  a literal "$" "%" "@"
 *	     $\ $^ $_  what follows in lower case, upper case, as is
 *	     $(text) the general database's value for text (after
 *		 substitution); none: the rule fails.  The value is
 *		 substituted again, but may not hold $(...) or ${...}
 *	     ${table,arg} mapping_apply(table, arg): the entry must set $Y
 *		 (MAP_ALLOW), else the rule fails; the result is
 *		 substituted again, like $(...)
 *	   Controls (anywhere in the template; they make the rule fail,
 *	   never the rewrite):
 *	     $Mchan  fail unless the source channel is chan (any of
 *		     several $M); $Nchan fail if it is (any of several $N).
 *		     Skipped when the source channel has "norules".
 *	     $Cchan  fail unless the destination channel is chan;
 *	     $Qchan  fail if it is.  An unknown destination (NULL)
 *		     matches no $C and no $Q.
 *	     $E $B   fail unless envelope / header (and body) address
 *	     $F $R   fail unless forward- / backward-pointing address
 *	     $S $A $P $X  the rule may match a host from a source route,
 *		     the right of "@", the right of "%", the left of "!"
 *		     (none given: all)
 *	     $Ttag   set the tag put in front of later probes
 *	     $?text  the error text if the routing system matches no
 *		     channel; sticky for the rest of the rewrite.
 *		     $nnnnnnn?text gives the status: x00y00z is x.y.z
 *		     (default 5.1.2).  A template that is only $?text ends
 *		     the rewrite: the host is looked up as-is and the text
 *		     is the error.
 *	   Channel names, tags and error texts run to the next "@", "%"
 *	   or control sequence ($M $N $C $Q $T $? and, a small extension,
 *	   $E $F $B $R $S $A $P $X); an error-only template's text runs to
 *	   its end, so it may contain "@".
 *
 *	4. The routing system (after the last "@" of the template) is
 *	   looked up with pmdfcnf_channel_by_host().  No channel is a
 *	   failure ("no channel for routing system X", or the $? text).
 *	   When the channel is the local channel l (or has "routelocal")
 *	   and the address holds further host specifications, the result is
 *	   discarded, the host is removed from the address (PMDF's way of
 *	   dropping routes through the local system: user%host1@localhost,
 *	   @localhost:user@remote) and the process starts again on the next
 *	   host.  Otherwise the rewritten user and host replace the
 *	   original ones and the rewrite is done.
 *
 *	Repetitions (A%B templates and local-route removal) are bounded by
 *	RW_MAX_PASSES; an address (with its tag) met twice is "rewrite
 *	loop".  A rewritten address must parse again (addr.h: no controls,
 *	RFC sizes), so a database value or template cannot smuggle CR/LF.
 *
 *	RW_REQUEST: source_channel (the channel doing the rewriting, for
 *	$M/$N, bangoverpercent, norules; NULL: none), dest_channel (for
 *	$C/$Q; NULL: unknown), direction (RW_FORWARD: To:, Cc:, envelope
 *	recipients; RW_BACKWARD: From:, Sender:, envelope From), context
 *	(RW_ENVELOPE, RW_HEADER), flags (RW_TRACE: fill res->trace;
 *	RW_HEADER_SYNTAX: the address is header text with comments and a
 *	display name).  rw_request_init() gives: no channels, forward,
 *	envelope, no flags.
 *
 *	RW_RESULT: channel (destination channel name), address (the
 *	rewritten address, [@route:]local@domain), host (its new
 *	host/domain specification, where the channel sends it), routing
 *	(the routing system that picked the channel), rule ("file:line
 *	pattern template" of the deciding rule, or a note such as "no rule
 *	matched, host used as-is"), status (the enhanced status code on failure),
 *	passes, and with RW_TRACE a trace of every probe and rule tried
 *	(for "pmdf test -rewrite -debug"; bounded by RW_MAX_TRACE lines).
 *
 *	A REWRITER is not changed by rewrite_address(), so threads may share
 *	one when the general database or lookup callback allows it.
 *
 *	Left out (PMDF has them; a template using one makes its rule fail
 *	with a note in the trace): the domain database (PMDF_DOMAIN_DATABASE
 *	probes), $W (unique string), $[...] (site routines), $]...[ (LDAP),
 *	$V/$Z (DNS checks), and mixed literal/name hosts
 *	such as [1.2].a.[3.4].b (addr.h refuses them).  Also differing:
 *	IPv6 literals are taken apart at ":" (PMDF only splits at "."):
 *	[IPv6:2001:db8::1], [IPv6:2001:db8::], [IPv6:2001:db8:], ...,
 *	[IPv6:], [].  Channel-level translations, aliases and the reverse
 *	database are not part of this module.
 * DIAGNOSTICS
 *	rewrite_new() returns NULL with err when cnf is unusable.
 *	rewrite_address() returns 0 and fills res, or -1 with err and
 *	res->status: "malformed address: ...", "no channel for routing
 *	system X" (or the sticky $? text), "rewrite loop: ...", a database
 *	error, or a rewritten address that does not parse.
 */
#ifndef PMDF_REWRITE_H
#define PMDF_REWRITE_H
#include "str.h"
#include "strlist.h"
#include "dict.h"
#include "pmdfcnf.h"
#include "mapping.h"

#define RW_FORWARD	0
#define RW_BACKWARD	1

#define RW_ENVELOPE	0
#define RW_HEADER	1

#define RW_TRACE	 1
#define RW_HEADER_SYNTAX 2

#define RW_MAX_PASSES	32	/* A%B repetitions and local routes */
#define RW_MAX_TRACE	400	/* trace lines */
#define RW_MAX_EXPAND	1024	/* octets of one expanded template */

typedef struct REWRITER REWRITER;

typedef int (*RW_LOOKUP_FN) (void *ctx, const char *key, STR *value, STR *err);

typedef struct RW_REQUEST {
    const char *source_channel;
    const char *dest_channel;
    int     direction;		/* RW_FORWARD, RW_BACKWARD */
    int     context;		/* RW_ENVELOPE, RW_HEADER */
    int     flags;		/* RW_TRACE, RW_HEADER_SYNTAX */
} RW_REQUEST;

typedef struct RW_RESULT {
    STR     channel;
    STR     address;
    STR     host;
    STR     routing;
    STR     rule;
    STR     status;
    STRLIST trace;
    int     passes;
} RW_RESULT;

REWRITER *rewrite_new(const PMDF_CNF *cnf, const MAPPINGS *maps, DICT *general_db, STR *err);
void    rewrite_set_lookup(REWRITER *rw, RW_LOOKUP_FN fn, void *ctx);
int     rewrite_address(REWRITER *rw, const char *address, const RW_REQUEST *req,
			        RW_RESULT *res, STR *err);
void    rewrite_free(REWRITER *rw);

void    rw_request_init(RW_REQUEST *req);
void    rw_result_init(RW_RESULT *res);
void    rw_result_free(RW_RESULT *res);

#endif
