/*
 * NAME
 *	addr - RFC 5321/5322 addresses, taken apart for routing
 * SYNOPSIS
 *	#include "addr.h"
 *
 *	void addr_init(ADDR *a);
 *	void addr_free(ADDR *a);
 *	int addr_parse(const char *text, int flags, ADDR *a, STR *err);
 *	int addr_parse_n(const char *text, size_t len, int flags, ADDR *a, STR *err);
 *	void addr_format(const ADDR *a, STR *out);
 *	void addr_copy(ADDR *dst, const ADDR *src);
 *
 *	int addr_first_host(const ADDR *a, int bang_over_percent, ADDR_HOST *h);
 *	void addr_remove_host(ADDR *a, const ADDR_HOST *h);
 *	void addr_host_init(ADDR_HOST *h);
 *	void addr_host_free(ADDR_HOST *h);
 *
 *	int addr_check_domain(const char *domain, size_t len, STR *err);
 *	int addr_is_literal(const char *host);
 *	int addr_split_subaddress(const char *local, size_t *plus);
 * DESCRIPTION
 *	addr_parse() takes one address apart into its source route (the
 *	hosts of "@a,@b:", left to right), its local part (as written,
 *	quotes and backslashes kept, so case and quoting survive a rewrite)
 *	and its domain (after the right-most "@" outside quotes; "" when the
 *	address has none, as in "user", "host!user" or "user%host").
 *
 *	Accepted forms: user@example.com, "john doe"@example.com (quoted
 *	local parts, "@" "%" "!" inside quotes are data), "a@b"@c, source
 *	routes @a,@b:user@c, percent hacks user%host1@host2, bang paths
 *	host!user and a!b!user, IPv4 and IPv6 address literals
 *	([192.0.2.1], [IPv6:2001:db8::1]), and <...> around any of them.
 *	user@host1@host2 is read as user%host1@host2, as PMDF does.  With
 *	ADDR_HEADER the header syntax of RFC 5322 is accepted as well:
 *	comments "(...)" (nested, with quoted pairs) are dropped, and a
 *	display name before <...> ("Name" <user@x>, Name <user@x>) is kept
 *	in a->phrase.  ADDR_NULL_OK accepts the null path "<>" (a->null).
 *	Local parts and domains may carry UTF-8 (RFC 6531); they are kept as
 *	octets.
 *
 *	Refused, with a reason in err: CR, LF, NUL or another control
 *	character anywhere; unbalanced quotes, angle brackets, parentheses or
 *	square brackets; an empty local part or domain; a character that
 *	needs quoting used unquoted; white space in an envelope address; an
 *	empty or over-long domain label; a malformed address literal; group
 *	syntax; and the RFC 5321 size limits: local part over 64 octets,
 *	domain over 255, the whole path (with its "<" ">") over 256.
 *
 *	addr_format() writes the address back as [@r1,@r2:]local[@domain].
 *
 *	addr_first_host() finds PMDF's "first host/domain specification",
 *	the one the rewrite rules are applied to, in PMDF's order: the first
 *	host of a source route (ADDR_LOC_ROUTE); else the domain after the
 *	"@" (ADDR_LOC_AT); else the host right of the last singleton "%" of
 *	the local part (ADDR_LOC_PERCENT: user%A%%B gives A%%B); else the
 *	host left of the first "!" (ADDR_LOC_BANG).  With bang_over_percent
 *	(the bangoverpercent channel keyword) the last two swap, so A!user%B
 *	routes on A.  h->host is that specification, h->user what $U stands
 *	for with it: the local part, minus the host and its "%" or "!" when
 *	the host came from the local part.  It returns 1, or 0 when the
 *	address has no host at all ("user").
 *
 *	addr_remove_host() deletes that specification from the address, as
 *	PMDF does when it routes through the local system and goes on with
 *	the next host: the first route host, the domain, or the "%host" /
 *	"host!" part of the local part.
 *
 *	addr_check_domain() checks a domain or address literal (the rules
 *	above); addr_is_literal() says whether host is "[...]".
 *	addr_split_subaddress() finds the "+" that starts a subaddress in a
 *	local part (outside quotes): 1 and *plus its offset, or 0.
 * DIAGNOSTICS
 *	addr_parse() returns 0, or -1 with err saying what is wrong and
 *	where ("unbalanced quotes in local part", "local part is 70 octets;
 *	RFC 5321 allows 64", ...).
 */
#ifndef PMDF_ADDR_H
#define PMDF_ADDR_H
#include <stddef.h>
#include "str.h"
#include "strlist.h"

#define ADDR_MAX_PATH	256	/* RFC 5321 4.5.3.1.3, with "<" and ">" */
#define ADDR_MAX_LOCAL	64	/* RFC 5321 4.5.3.1.1 */
#define ADDR_MAX_DOMAIN	255	/* RFC 5321 4.5.3.1.2 */
#define ADDR_MAX_LABEL	63	/* RFC 1035 */
#define ADDR_MAX_ROUTE	16	/* source-route hosts we keep */
#define ADDR_MAX_TEXT	4096	/* header text we look at, comments included */

#define ADDR_HEADER	1	/* RFC 5322 header syntax: phrase, comments */
#define ADDR_NULL_OK	2	/* accept "<>" */

#define ADDR_LOC_ROUTE	 'S'	/* in a source route */
#define ADDR_LOC_AT	 'A'	/* right of the "@" */
#define ADDR_LOC_PERCENT 'P'	/* right of a "%" in the local part */
#define ADDR_LOC_BANG	 'X'	/* left of a "!" in the local part */

typedef struct ADDR {
    STRLIST route;		/* source-route hosts, left to right */
    STR     local;		/* local part as written */
    STR     domain;		/* "" when there is no "@" */
    STR     phrase;		/* display name (ADDR_HEADER), may be "" */
    int     null;		/* the null path "<>" */
} ADDR;

typedef struct ADDR_HOST {
    int     where;		/* ADDR_LOC_* */
    STR     host;		/* the host/domain specification */
    STR     user;		/* $U with this host */
    size_t  pos;		/* where in the local part (PERCENT, BANG) */
} ADDR_HOST;

void    addr_init(ADDR *a);
void    addr_free(ADDR *a);
int     addr_parse(const char *text, int flags, ADDR *a, STR *err);
int     addr_parse_n(const char *text, size_t len, int flags, ADDR *a, STR *err);
void    addr_format(const ADDR *a, STR *out);
void    addr_copy(ADDR *dst, const ADDR *src);

void    addr_host_init(ADDR_HOST *h);
void    addr_host_free(ADDR_HOST *h);
int     addr_first_host(const ADDR *a, int bang_over_percent, ADDR_HOST *h);
void    addr_remove_host(ADDR *a, const ADDR_HOST *h);

int     addr_check_domain(const char *domain, size_t len, STR *err);
int     addr_is_literal(const char *host);
int     addr_split_subaddress(const char *local, size_t *plus);

#endif
