/*
 * NAME
 *	fz_addr - libFuzzer harness for the address parser (src/global/addr.c)
 * DESCRIPTION
 *	The whole input (NUL bytes included) goes to addr_parse_n(), and the
 *	input up to its first NUL to addr_parse(), each with every flag
 *	combination (none, ADDR_HEADER, ADDR_NULL_OK, both).  Each parsed
 *	address goes through addr_format(), addr_copy(), addr_first_host()
 *	(both orders of "!" and "%"), addr_remove_host() and
 *	addr_split_subaddress().
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- input holding a NUL byte is refused by addr_parse_n();
 *	- a refusal says why and leaves the ADDR empty;
 *	- a parsed address keeps the RFC 5321 limits: local part 1..64
 *	  octets, domain at most 255, path with "<>" at most 256, and its
 *	  domain passes addr_check_domain();
 *	- addr_format() of a parsed address parses again, with the same
 *	  syntax (ADDR_HEADER or not), to the same route, local part and
 *	  domain; addr_copy() formats the same;
 *	- addr_first_host(): 1 with a non-empty host, whose parts put back
 *	  together give the local part (route and "@" hosts: user is the
 *	  local part; "%": user%host; "!": host!user); 0 only without route
 *	  and domain;
 *	- addr_split_subaddress() points at a "+" inside the local part.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "str.h"
#include "strlist.h"
#include "fz_util.h"

static int addr_empty(const ADDR *a)
{
    return a->route.n == 0 && a->local.len == 0 && a->domain.len == 0
	&& a->phrase.len == 0 && !a->null;
}

static int addr_same(const ADDR *a, const ADDR *b)
{
    size_t  i;

    if (a->route.n != b->route.n || strcmp(STR_C(a->local), STR_C(b->local)) != 0
	|| strcmp(STR_C(a->domain), STR_C(b->domain)) != 0)
	return 0;
    for (i = 0; i < a->route.n; i++)
	if (strcmp(a->route.v[i], b->route.v[i]) != 0)
	    return 0;
    return 1;
}

static void check_host(const ADDR *a, int bang_over_percent)
{
    ADDR_HOST h;
    ADDR    c;
    STR     joined = STR_INIT, out = STR_INIT;
    int     rc;

    addr_host_init(&h);
    rc = addr_first_host(a, bang_over_percent, &h);
    if (rc == 0) {
	FZ_CHECK(a->route.n == 0 && a->domain.len == 0,
		 "no first host in an address with a route or domain");
	addr_host_free(&h);
	return;
    }
    FZ_CHECK(rc == 1 && h.host.len > 0, "first host: rc %d, host \"%s\"", rc, STR_C(h.host));
    switch (h.where) {
    case ADDR_LOC_ROUTE:
    case ADDR_LOC_AT:
	FZ_CHECK(strcmp(STR_C(h.user), STR_C(a->local)) == 0,
		 "user \"%s\" is not the local part \"%s\"", STR_C(h.user), STR_C(a->local));
	break;
    case ADDR_LOC_PERCENT:
	str_printf(&joined, "%s%%%s", STR_C(h.user), STR_C(h.host));
	FZ_CHECK(strcmp(STR_C(joined), STR_C(a->local)) == 0 && h.pos == h.user.len,
		 "%% host: \"%s\" is not \"%s\"", STR_C(joined), STR_C(a->local));
	break;
    case ADDR_LOC_BANG:
	str_printf(&joined, "%s!%s", STR_C(h.host), STR_C(h.user));
	FZ_CHECK(strcmp(STR_C(joined), STR_C(a->local)) == 0 && h.pos == h.host.len,
		 "! host: \"%s\" is not \"%s\"", STR_C(joined), STR_C(a->local));
	break;
    default:
	FZ_CHECK(0, "first host: where '%c'", h.where);
    }
    addr_init(&c);
    addr_copy(&c, a);
    addr_remove_host(&c, &h);
    addr_format(&c, &out);
    addr_free(&c);
    addr_host_free(&h);
    str_free(&joined);
    str_free(&out);
}

static void check_parsed(const ADDR *a, int flags, const char *what)
{
    ADDR    b, c;
    STR     out = STR_INIT, out2 = STR_INIT, err = STR_INIT;
    size_t  plus;

    if (a->null) {
	FZ_CHECK(a->route.n == 0 && a->local.len == 0 && a->domain.len == 0,
		 "%s: null path with parts", what);
	return;
    }
    FZ_CHECK(a->local.len >= 1 && a->local.len <= ADDR_MAX_LOCAL,
	     "%s: local part of %lu octets", what, (unsigned long) a->local.len);
    FZ_CHECK(a->domain.len <= ADDR_MAX_DOMAIN, "%s: domain of %lu octets", what,
	     (unsigned long) a->domain.len);
    if (a->domain.len > 0)
	FZ_CHECK(addr_check_domain(STR_C(a->domain), a->domain.len, &err) == 0,
		 "%s: parsed domain \"%s\" fails the check: %s", what,
		 STR_C(a->domain), STR_C(err));
    addr_format(a, &out);
    FZ_CHECK(out.len + 2 <= ADDR_MAX_PATH, "%s: path of %lu octets", what,
	     (unsigned long) out.len);
    addr_init(&b);
    FZ_CHECK(addr_parse(STR_C(out), flags & ADDR_HEADER, &b, &err) == 0,
	     "%s: formatted \"%s\" does not parse again: %s", what, STR_C(out), STR_C(err));
    FZ_CHECK(addr_same(a, &b), "%s: formatted \"%s\" parses to other parts", what,
	     STR_C(out));
    addr_init(&c);
    addr_copy(&c, a);
    addr_format(&c, &out2);
    FZ_CHECK(strcmp(STR_C(out), STR_C(out2)) == 0, "%s: copy formats differently", what);
    check_host(a, 0);
    check_host(a, 1);
    if (addr_split_subaddress(STR_C(a->local), &plus))
	FZ_CHECK(plus > 0 && plus < a->local.len && a->local.s[plus] == '+',
		 "%s: subaddress at %lu of \"%s\"", what, (unsigned long) plus,
		 STR_C(a->local));
    addr_free(&b);
    addr_free(&c);
    str_free(&out);
    str_free(&out2);
    str_free(&err);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text = fz_cstr(data, size);
    int     has_nul = strlen(text) != size;
    ADDR    a;
    STR     err = STR_INIT;
    int     flags, rc;

    addr_init(&a);
    for (flags = 0; flags < 4; flags++) {
	str_reset(&err);
	rc = addr_parse_n((const char *) data, size, flags, &a, &err);
	if (has_nul)
	    FZ_CHECK(rc < 0, "a NUL byte accepted (flags %d)", flags);
	if (rc < 0)
	    FZ_CHECK(err.len > 0 && addr_empty(&a), "refused without reason or left parts");
	else
	    check_parsed(&a, flags, "addr_parse_n");
	str_reset(&err);
	if (addr_parse(text, flags, &a, &err) < 0)
	    FZ_CHECK(err.len > 0 && addr_empty(&a), "refused without reason or left parts");
	else
	    check_parsed(&a, flags, "addr_parse");
    }
    addr_free(&a);
    str_free(&err);
    free(text);
    return 0;
}
