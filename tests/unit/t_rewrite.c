/*
 * NAME
 *	t_rewrite - address parsing (addr.c) and PMDF rewrite rules (rewrite.c)
 * DESCRIPTION
 *	The configurations are built in memory (rules, channels, the by_name
 *	and by_host indexes), the way pmdfcnf_load() leaves them, so these
 *	tests do not depend on the configuration reader.  Four of them: a
 *	typical single host (example.com; subdomains on tcp_internal, the
 *	rest of the world on tcp_local), a firewall variant (everything
 *	outside to a gateway channel with "daemon gw.example.com"), one
 *	without a match-all rule (as-is routing, $% and $!), and one with
 *	only the local host (the A%B@localhost fallback).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "str.h"
#include "strlist.h"
#include "htab.h"
#include "mem.h"
#include "addr.h"
#include "rewrite.h"
#include "mapping.h"
#include "tap.h"

/* Test names must stay on one TAP line: control characters as \xNN. */
static const char *vis(const char *text, STR *buf)
{
    str_reset(buf);
    for (; *text; text++) {
	if ((unsigned char) *text < 0x20)
	    str_catf(buf, "\\x%02x", (unsigned char) *text);
	else
	    str_catc(buf, *text);
    }
    return STR_C(*buf);
}

/* --- building a PMDF_CNF by hand ----------------------------------------- */

static void cnf_rule(PMDF_CNF *c, const char *pattern, const char *template)
{
    CNF_RULE *r;

    c->rules = mem_realloc(c->rules, (c->nrules + 1) * sizeof(*c->rules));
    r = &c->rules[c->nrules++];
    r->pattern = mem_strdup(pattern);
    r->template = mem_strdup(template);
    r->file = mem_strdup("test.cnf");
    r->line = (int) c->nrules;
}

/* kws: "smtp daemon=gw.example.com"; hosts: "TCP-DAEMON other". */
static void cnf_channel(PMDF_CNF *c, const char *name, const char *kws, const char *hosts)
{
    CNF_CHANNEL *ch;
    char   *copy, *w, *eq;

    c->channels = mem_realloc(c->channels, (c->nchannels + 1) * sizeof(*c->channels));
    ch = &c->channels[c->nchannels++];
    memset(ch, 0, sizeof(*ch));
    ch->name = mem_strdup(name);
    ch->file = mem_strdup("test.cnf");
    ch->line = 100 + (int) c->nchannels;
    copy = mem_strdup(kws);
    for (w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
	ch->kw = mem_realloc(ch->kw, (ch->nkw + 1) * sizeof(*ch->kw));
	memset(&ch->kw[ch->nkw], 0, sizeof(ch->kw[ch->nkw]));
	eq = strchr(w, '=');
	if (eq)
	    *eq++ = 0;
	ch->kw[ch->nkw].name = mem_strdup(w);
	ch->kw[ch->nkw].arg = eq ? mem_strdup(eq) : NULL;
	ch->nkw++;
    }
    free(copy);
    copy = mem_strdup(hosts);
    for (w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
	strlist_add(&ch->hosts, w);
	strlist_add(&ch->aliases, "");
    }
    free(copy);
}

static void cnf_index(PMDF_CNF *c)
{
    STR     key = STR_INIT;
    size_t  i, j;

    c->by_name = htab_create(16);
    c->by_host = htab_create(16);
    for (i = 0; i < c->nchannels; i++) {
	htab_enter(c->by_name, c->channels[i].name, &c->channels[i]);
	for (j = 0; j < c->channels[i].hosts.n; j++) {
	    str_cpy(&key, c->channels[i].hosts.v[j]);
	    str_upper(&key);
	    htab_enter(c->by_host, STR_C(key), &c->channels[i]);
	}
    }
    str_free(&key);
}

static void cnf_release(PMDF_CNF *c)
{
    size_t  i, j;

    for (i = 0; i < c->nrules; i++) {
	free(c->rules[i].pattern);
	free(c->rules[i].template);
	free((char *) c->rules[i].file);
    }
    for (i = 0; i < c->nchannels; i++) {
	for (j = 0; j < c->channels[i].nkw; j++) {
	    free((char *) c->channels[i].kw[j].name);
	    free(c->channels[i].kw[j].arg);
	}
	free(c->channels[i].kw);
	free(c->channels[i].name);
	free((char *) c->channels[i].file);
	strlist_free(&c->channels[i].hosts);
	strlist_free(&c->channels[i].aliases);
    }
    free(c->rules);
    free(c->channels);
    htab_free(c->by_name, NULL);
    htab_free(c->by_host, NULL);
    memset(c, 0, sizeof(*c));
}

/* The typical single-host configuration. */
static void cnf_typical(PMDF_CNF *c)
{
    memset(c, 0, sizeof(*c));
    cnf_rule(c, "example.com", "$U@example.com");
    cnf_rule(c, "localhost", "$U@example.com");
    cnf_rule(c, "[192.0.2.10]", "$U@example.com");
    cnf_rule(c, "[IPv6:::1]", "$U@example.com");
    cnf_rule(c, ".example.com", "$U%$H$D@TCP-INTERNAL");
    cnf_rule(c, ".removable", "$U%$H");
    cnf_rule(c, "partner.test", "$U%$D@TCP-AUTH$Mtcp_local");
    cnf_rule(c, "partner.test", "$U%$D@TCP-INTERNAL$Ntcp_local");
    cnf_rule(c, "router.example.com", "$?Our routers cannot accept mail; write to postmaster@example.com");
    cnf_rule(c, "later.test", "$4007001?Try again later");
    cnf_rule(c, "nochan.test", "$U%$D@NO-SUCH-HOST$?No way to nochan.test");
    cnf_rule(c, "nowhere.test", "$U%$D@NO-SUCH-CHANNEL");
    cnf_rule(c, "loop.test", "$U%loop.test");
    cnf_rule(c, "ping.test", "$U%pong.test");
    cnf_rule(c, "pong.test", "$U%ping.test");
    cnf_rule(c, "host.sub.test", "$U%$1D@TCP-DAEMON");
    cnf_rule(c, "*.hub.test", "$U%$&0.hub.test@TCP-INTERNAL");
    cnf_rule(c, ".labels.test", "$!0-$&0-$*0-$#0%$H$D@TCP-DAEMON");
    cnf_rule(c, "lower.test", "$\\$U$_%$D@TCP-DAEMON");
    cnf_rule(c, "env.test", "$U%$D@TCP-INTERNAL$E$F");
    cnf_rule(c, "env.test", "$U@example.com");
    cnf_rule(c, "dest.test", "$U%$D@TCP-DAEMON$Qtcp_auth");
    cnf_rule(c, "dest.test", "$U%$D@TCP-AUTH$Ctcp_auth");
    cnf_rule(c, "dest.test", "$U@example.com");
    cnf_rule(c, "cdest.test", "$U%$D@TCP-AUTH$Ctcp_auth");
    cnf_rule(c, "cdest.test", "$U@example.com");
    cnf_rule(c, ".decnet", "$($H)");
    cnf_rule(c, "nest.test", "$(nested)");
    cnf_rule(c, "vms.test", "$U%$(vms-$U)@TCP-INTERNAL");
    cnf_rule(c, "map.test", "${USERMAP,$U}%$D@TCP-INTERNAL");
    cnf_rule(c, "internet", "$S$U@example.com$Tmtcp-force|");
    cnf_rule(c, "mtcp-force|.", "$U%$H@TCP-DAEMON");
    cnf_rule(c, "relay.test", "$U@relay.test@hub.example.com@TCP-INTERNAL");
    cnf_rule(c, "sub.test", "$0U+$1U%$D@TCP-DAEMON");
    cnf_rule(c, "bad.test", "$U%$D@TCP-DAEMON@X@Y@Z");
    cnf_rule(c, "bad.test", "$U$W%$D@TCP-DAEMON");
    cnf_rule(c, "bad.test", "$U@example.com");
    cnf_rule(c, "crlf.test", "$(crlf)");
    cnf_rule(c, "[]", "$U%[$L]@TCP-DAEMON");
    cnf_rule(c, ".", "$U%$H@TCP-DAEMON");
    cnf_channel(c, "l", "logging", "example.com");
    cnf_channel(c, "tcp_local", "smtp mx single_sys maytls", "TCP-DAEMON");
    cnf_channel(c, "tcp_auth", "smtp mx single_sys mustsaslserver", "TCP-AUTH");
    cnf_channel(c, "tcp_internal", "smtp mx single_sys", "TCP-INTERNAL hub.example.com");
    cnf_channel(c, "bitnet", "norules", "BITNET-DAEMON");
    cnf_channel(c, "uucp", "bangoverpercent", "UUCP-DAEMON");
    cnf_index(c);
}

/* Everything outside example.com to the firewall gateway. */
static void cnf_firewall(PMDF_CNF *c)
{
    memset(c, 0, sizeof(*c));
    cnf_rule(c, "example.com", "$U@example.com");
    cnf_rule(c, ".example.com", "$U%$H$D@TCP-INTERNAL");
    cnf_rule(c, "[]", "$U%[$L]@TCP-GATEWAY");
    cnf_rule(c, ".", "$U%$H@TCP-GATEWAY");
    cnf_channel(c, "l", "", "example.com");
    cnf_channel(c, "tcp_internal", "smtp mx", "TCP-INTERNAL");
    cnf_channel(c, "tcp_gateway", "smtp nomx daemon=gw.example.com", "TCP-GATEWAY");
    cnf_index(c);
}

/* No match-all rule: as-is routing, the $% and $! rules. */
static void cnf_bare(PMDF_CNF *c, int with_special)
{
    memset(c, 0, sizeof(*c));
    cnf_rule(c, "example.com", "$U@example.com");
    if (with_special) {
	cnf_rule(c, "$%", "$U%$H@TCP-DAEMON");
	cnf_rule(c, "$!", "$U%$H@UUCP-DAEMON");
    }
    cnf_channel(c, "l", "", "example.com");
    cnf_channel(c, "tcp_local", "smtp", "TCP-DAEMON");
    cnf_channel(c, "uucp", "", "UUCP-DAEMON");
    cnf_index(c);
}

/* --- a general database and a mapping file for the tests ----------------- */

static int test_lookup(void *ctx, const char *key, STR *value, STR *err)
{
    (void) ctx;
    (void) err;
    if (strcmp(key, "vax1") == 0)
	str_cpy(value, "$U%vax1.example.com@TCP-INTERNAL");
    else if (strcmp(key, "vms-jdoe") == 0)
	str_cpy(value, "vms.example.com");
    else if (strcmp(key, "crlf") == 0)
	str_cpy(value, "$U%a\r\nb@TCP-DAEMON");
    else if (strcmp(key, "nested") == 0)
	str_cpy(value, "$(vax1)");
    else
	return 0;
    return 1;
}

static MAPPINGS *test_mappings(char *path, size_t size)
{
    MAPPINGS *maps = NULL;
    STR     err = STR_INIT;
    FILE   *fp;

    snprintf(path, size, "t_rewrite_%ld.map", (long) getpid());	/* Unix and VMS */
    if ((fp = fopen(path, "w")) == NULL)
	return NULL;
    fprintf(fp, "USERMAP\n\n  jdoe  $Yjohn.doe\n  *  $N\n");
    fclose(fp);
    if (mapping_load(path, &maps, &err) != 0) {
	tap_diag("mapping_load(%s): %s", path, STR_C(err));
	maps = NULL;
    }
    str_free(&err);
    return maps;
}

/* --- helpers ------------------------------------------------------------- */

typedef struct CASE {
    REWRITER *rw;
    RW_REQUEST req;
    RW_RESULT res;
    STR     err;
    int     rc;
} CASE;

static int rw(CASE *t, const char *address)
{
    STR     v = STR_INIT;

    str_reset(&t->err);
    t->rc = rewrite_address(t->rw, address, &t->req, &t->res, &t->err);
    if (t->rc < 0)
	tap_diag("%s: %s (%s)", vis(address, &v), STR_C(t->err), STR_C(t->res.status));
    str_free(&v);
    return t->rc;
}

/* Expect address -> channel and rewritten address. */
static void ok_route(CASE *t, const char *address, const char *channel, const char *result,
		             const char *name)
{
    rw(t, address);
    tap_ok(t->rc == 0 && strcmp(STR_C(t->res.channel), channel) == 0
	   && strcmp(STR_C(t->res.address), result) == 0,
	   "%s: %s -> %s via %s (got %s via %s)", name, address, result, channel,
	   STR_C(t->res.address), STR_C(t->res.channel));
}

/* Expect a failure whose message contains text. */
static void ok_fail(CASE *t, const char *address, const char *text, const char *name)
{
    STR     v = STR_INIT;

    rw(t, address);
    tap_ok(t->rc < 0 && strstr(STR_C(t->err), text) != NULL,
	   "%s: %s fails with \"%s\" (got \"%s\")", name, vis(address, &v), text,
	   STR_C(t->err));
    str_free(&v);
}

/* The probes of a traced rewrite, space-separated. */
static void probes(const RW_RESULT *res, STR *out)
{
    size_t  i;
    const char *p, *q;

    str_reset(out);
    for (i = 0; i < res->trace.n; i++) {
	if ((p = strstr(res->trace.v[i], "probe \"")) == NULL)
	    continue;
	p += 7;
	if ((q = strchr(p, '"')) == NULL)
	    continue;
	if (out->len)
	    str_catc(out, ' ');
	str_catn(out, p, (size_t) (q - p));
    }
}

/* --- address parsing ----------------------------------------------------- */

static void ok_parse(const char *text, int flags, const char *route, const char *local,
		             const char *domain, const char *name)
{
    ADDR    a;
    STR     err = STR_INIT, r = STR_INIT;
    size_t  i;
    int     rc;

    addr_init(&a);
    rc = addr_parse(text, flags, &a, &err);
    for (i = 0; i < a.route.n; i++) {
	if (i)
	    str_catc(&r, ',');
	str_cat(&r, a.route.v[i]);
    }
    tap_ok(rc == 0 && strcmp(STR_C(r), route) == 0 && strcmp(STR_C(a.local), local) == 0
	   && strcmp(STR_C(a.domain), domain) == 0,
	   "parse %s: %s [%s] %s | %s (got rc %d: [%s] %s | %s %s)", name, text, route,
	   local, domain, rc, STR_C(r), STR_C(a.local), STR_C(a.domain), STR_C(err));
    addr_free(&a);
    str_free(&err);
    str_free(&r);
}

static void ok_reject(const char *text, size_t len, int flags, const char *reason)
{
    ADDR    a;
    STR     err = STR_INIT, v = STR_INIT;
    int     rc;

    addr_init(&a);
    rc = addr_parse_n(text, len, flags, &a, &err);
    tap_ok(rc < 0 && strstr(STR_C(err), reason) != NULL,
	   "reject \"%.40s\": %s (got \"%s\")", vis(text, &v), reason, STR_C(err));
    addr_free(&a);
    str_free(&err);
    str_free(&v);
}

static void ok_first(const char *text, int bop, const char *host, int where)
{
    ADDR    a;
    ADDR_HOST h;
    STR     err = STR_INIT;
    int     found = 0;

    addr_init(&a);
    addr_host_init(&h);
    if (addr_parse(text, 0, &a, &err) == 0)
	found = addr_first_host(&a, bop, &h);
    tap_ok(found && strcmp(STR_C(h.host), host) == 0 && h.where == where,
	   "first host of %s%s is %s (%c) (got %s %c %s)", text, bop ? " (bangoverpercent)" : "",
	   host, where, STR_C(h.host), h.where ? h.where : '-', STR_C(err));
    addr_host_free(&h);
    addr_free(&a);
    str_free(&err);
}

static void test_parse(void)
{
    char    buf[600];
    ADDR    a;
    STR     err = STR_INIT, out = STR_INIT;

    ok_parse("user@example.com", 0, "", "user", "example.com", "plain");
    ok_parse("\"john doe\"@example.com", 0, "", "\"john doe\"", "example.com", "quoted");
    ok_parse("\"a@b\"@c", 0, "", "\"a@b\"", "c", "quoted @");
    ok_parse("@a,@b:user@c", 0, "a,b", "user", "c", "source route");
    ok_parse("<@a,@[192.0.2.1]:user@c>", 0, "a,[192.0.2.1]", "user", "c", "route literal");
    ok_parse("user%host1@host2", 0, "", "user%host1", "host2", "percent hack");
    ok_parse("a!b!user", 0, "", "a!b!user", "", "bang path");
    ok_parse("user@[192.0.2.1]", 0, "", "user", "[192.0.2.1]", "IPv4 literal");
    ok_parse("user@[IPv6:2001:db8::1]", 0, "", "user", "[IPv6:2001:db8::1]", "IPv6 literal");
    ok_parse("<user@x>", 0, "", "user", "x", "angle brackets");
    ok_parse("\"Name, Jr.\" <user@x> (comment)", ADDR_HEADER, "", "user", "x", "display name");
    ok_parse("user(c1)@(c2)x", ADDR_HEADER, "", "user", "x", "comments dropped");
    ok_parse("user@host1@host2", 0, "", "user%host1", "host2", "user@h1@h2 as PMDF");
    ok_parse("J\xc3\xb6rg@b\xc3\xbc" "cher.example", 0, "", "J\xc3\xb6rg", "b\xc3\xbc" "cher.example",
	     "UTF-8");

    addr_init(&a);
    tap_ok(addr_parse("Jane <jane@x>", ADDR_HEADER, &a, &err) == 0
	   && strcmp(STR_C(a.phrase), "Jane") == 0, "display name kept");
    tap_ok(addr_parse("<>", ADDR_NULL_OK, &a, &err) == 0 && a.null, "<> with ADDR_NULL_OK");
    addr_parse("@a,@b:us.er@c.d", 0, &a, &err);
    addr_format(&a, &out);
    tap_is_str(STR_C(out), "@a,@b:us.er@c.d", "format round trip");
    addr_free(&a);

    ok_reject("", 0, 0, "empty address");
    ok_reject("<>", 2, 0, "null path");
    ok_reject("user@", 5, 0, "empty domain");
    ok_reject("@example.com", 12, 0, "empty local part");
    ok_reject("\"\"@example.com", 14, 0, "empty local part");
    ok_reject("\"unbalanced@example.com", 23, 0, "unbalanced quotes");
    ok_reject("user@[192.0.2.1", 15, 0, "unbalanced brackets");
    ok_reject("<user@example.com", 17, 0, "unbalanced angle brackets");
    ok_reject("user@example.com>", 17, 0, "unbalanced angle brackets");
    ok_reject("Name (x <user@x>", 16, ADDR_HEADER, "unbalanced parentheses");
    ok_reject("us\r\ner@example.com", 18, 0, "CR");
    ok_reject("user@exam\nple.com", 17, 0, "LF");
    ok_reject("us\0er@example.com", 17, 0, "NUL");
    ok_reject("us\001er@example.com", 17, 0, "control character 0x01");
    ok_reject("john doe@example.com", 20, 0, "white space");
    ok_reject("jo<hn@example.com>", 18, 0, "");
    ok_reject("a,b@example.com", 15, 0, "must be quoted");
    ok_reject("user@a..b", 9, 0, "empty label");
    ok_reject("user@[300.1.1.1]", 16, 0, "bad IPv4");
    ok_reject("user@[IPv6:2001:zz::1]", 22, 0, "bad IPv6");
    ok_reject("user@[foo:bar]", 14, 0, "unsupported address literal");
    ok_reject("user@[1.2].a", 12, 0, "whole domain");
    ok_reject("undisclosed: a@b, c@d;", 22, ADDR_HEADER, "group syntax");
    memset(buf, 'a', 65);
    strcpy(buf + 65, "@example.com");
    ok_reject(buf, strlen(buf), 0, "local part is 65 octets");
    memset(buf, 'a', 64);
    buf[64] = '@';
    memset(buf + 65, 'b', 64);
    strcpy(buf + 129, ".com");
    ok_reject(buf, strlen(buf), 0, "longer than 63 octets");
    strcpy(buf, "user@");
    for (size_t i = 0; i < 26; i++)
	strcat(buf, "abcdefghi.");
    strcat(buf, "com");
    ok_reject(buf, strlen(buf), 0, "domain is 263 octets");
    memset(buf, 'u', 64);
    buf[64] = '@';
    for (size_t i = 0; i < 19; i++)
	memcpy(buf + 65 + i * 10, "abcdefghi.", 10);
    strcpy(buf + 65 + 190, "com");
    ok_reject(buf, strlen(buf), 0, "RFC 5321 allows 256");

    ok_first("user@a", 0, "a", ADDR_LOC_AT);
    ok_first("@a.b.c:user@d.e.f", 0, "a.b.c", ADDR_LOC_ROUTE);
    ok_first("@a,@b,@c:user@d.e.f", 0, "a", ADDR_LOC_ROUTE);
    ok_first("user%A%B%C@D", 0, "D", ADDR_LOC_AT);
    ok_first("user%A", 0, "A", ADDR_LOC_PERCENT);
    ok_first("user%%A%B", 0, "B", ADDR_LOC_PERCENT);
    ok_first("user%A%%B", 0, "A%%B", ADDR_LOC_PERCENT);
    ok_first("A!user", 0, "A", ADDR_LOC_BANG);
    ok_first("A!user%B@C", 0, "C", ADDR_LOC_AT);
    ok_first("A!user%B", 0, "B", ADDR_LOC_PERCENT);
    ok_first("A!user%B", 1, "A", ADDR_LOC_BANG);
    ok_first("\"a%b\"%c", 0, "c", ADDR_LOC_PERCENT);
    str_free(&err);
    str_free(&out);
}

/* --- rewriting: the typical configuration -------------------------------- */

static void test_typical(MAPPINGS *maps)
{
    PMDF_CNF cnf;
    CASE    t;
    STR     p = STR_INIT;

    cnf_typical(&cnf);
    memset(&t, 0, sizeof(t));
    rw_request_init(&t.req);
    rw_result_init(&t.res);
    t.rw = rewrite_new(&cnf, maps, NULL, &t.err);
    tap_ok(t.rw != NULL, "rewrite_new on the typical configuration");
    rewrite_set_lookup(t.rw, test_lookup, NULL);

    ok_route(&t, "jdoe@example.com", "l", "jdoe@example.com", "local");
    tap_is_str(STR_C(t.res.rule), "test.cnf:1 example.com $U@example.com", "matched rule");
    tap_is_str(STR_C(t.res.routing), "example.com", "routing system");
    ok_route(&t, "jdoe@LocalHost", "l", "jdoe@example.com", "localhost");
    ok_route(&t, "jdoe", "l", "jdoe@example.com", "no domain: the local host");
    ok_route(&t, "JDoe@Example.COM", "l", "JDoe@example.com", "case-blind, local part kept");
    ok_route(&t, "jdoe@remote.org", "tcp_local", "jdoe@remote.org", "remote");
    tap_is_str(STR_C(t.res.host), "remote.org", "remote: next-hop host");
    ok_route(&t, "Mixed.Case@Sub.Example.COM", "tcp_internal", "Mixed.Case@Sub.Example.COM",
	     "subdomain, case preserved");
    ok_route(&t, "jdoe%remote.org@example.com", "tcp_local", "jdoe@remote.org",
	     "percent hack through the local host");
    tap_is_int(t.res.passes, 2, "percent hack: two passes");
    ok_route(&t, "jdoe%a.example.com%remote.org@example.com", "tcp_local",
	     "jdoe%a.example.com@remote.org", "built-up percent hack");
    ok_route(&t, "jdoe%example.com", "l", "jdoe@example.com", "percent to the local host");
    ok_route(&t, "a!b!jdoe", "tcp_local", "b!jdoe@a", "bang path");
    ok_route(&t, "a!jdoe@example.com", "tcp_local", "jdoe@a", "bang path through the local host");
    ok_route(&t, "@example.com:jdoe@remote.org", "tcp_local", "jdoe@remote.org",
	     "source route through the local host removed");
    ok_route(&t, "@relay.org,@example.com:jdoe@remote.org", "tcp_local",
	     "@relay.org,@example.com:jdoe@remote.org", "source route: the first host routes");
    tap_is_str(STR_C(t.res.host), "relay.org", "source route: next hop relay.org");
    ok_route(&t, "jdoe@[192.0.2.10]", "l", "jdoe@example.com", "own IPv4 literal");
    ok_route(&t, "jdoe@[198.51.100.7]", "tcp_local", "jdoe@[198.51.100.7]", "IPv4 literal: []");
    ok_route(&t, "jdoe@[IPv6:::1]", "l", "jdoe@example.com", "own IPv6 literal");
    ok_route(&t, "jdoe@[IPv6:2001:db8::1]", "tcp_local", "jdoe@[IPv6:2001:db8::1]",
	     "IPv6 literal: []");
    ok_route(&t, "\"john doe\"@remote.org", "tcp_local", "\"john doe\"@remote.org",
	     "quoted local part kept");
    ok_route(&t, "\"a@b\"@example.com", "l", "\"a@b\"@example.com", "quoted @ is not a host");
    rw(&t, "Name <jdoe@remote.org> (x)");
    tap_ok(t.rc < 0, "header syntax refused without RW_HEADER_SYNTAX");
    t.req.flags = RW_HEADER_SYNTAX;
    ok_route(&t, "\"Doe, J.\" <jdoe@remote.org> (x)", "tcp_local", "jdoe@remote.org",
	     "header address");
    t.req.flags = 0;

    /* Substitutions. */
    ok_route(&t, "jdoe@host.sub.test", "tcp_local", "jdoe@sub.test", "$1D");
    ok_route(&t, "jdoe@vaxa.hub.test", "tcp_internal", "jdoe@vaxa.hub.test", "*. pattern, $&0");
    ok_route(&t, "x@a.b.labels.test", "tcp_local", "b-a-labels-test@a.b.labels.test",
	     "$!0 $&0 $*0 $#0");
    ok_route(&t, "JDoe@lower.test", "tcp_local", "jdoe@lower.test", "$\\ lower case");
    ok_route(&t, "jdoe+box@sub.test", "tcp_local", "jdoe+box@sub.test", "$0U $1U");
    ok_route(&t, "jdoe@host.example.com.removable", "tcp_internal", "jdoe@host.example.com",
	     "A%B template rewrites again");
    ok_route(&t, "jdoe@relay.test", "tcp_internal", "@hub.example.com:jdoe@relay.test",
	     "A@B@C inserts a source route");
    ok_route(&t, "jdoe@bad.test", "l", "jdoe@example.com",
	     "bad templates ($W, five parts) fail, the next rule wins");

    /* Controls. */
    ok_route(&t, "jdoe@partner.test", "tcp_internal", "jdoe@partner.test", "$M: no source");
    t.req.source_channel = "tcp_local";
    ok_route(&t, "jdoe@partner.test", "tcp_auth", "jdoe@partner.test", "$M: source tcp_local");
    t.req.source_channel = "l";
    ok_route(&t, "jdoe@partner.test", "tcp_internal", "jdoe@partner.test", "$N: source l");
    t.req.source_channel = "bitnet";
    ok_route(&t, "jdoe@partner.test", "tcp_auth", "jdoe@partner.test",
	     "norules source: $M and $N not checked");
    t.req.source_channel = "uucp";
    ok_route(&t, "a!jdoe%b.example.com", "tcp_local", "jdoe%b.example.com@a",
	     "bangoverpercent source routes on the bang host");
    t.req.source_channel = NULL;
    ok_route(&t, "a!jdoe%b.example.com", "tcp_internal", "a!jdoe@b.example.com",
	     "nobangoverpercent routes on the percent host");
    ok_route(&t, "jdoe@env.test", "tcp_internal", "jdoe@env.test", "$E$F: envelope To");
    t.req.context = RW_HEADER;
    ok_route(&t, "jdoe@env.test", "l", "jdoe@example.com", "$E: header address");
    t.req.context = RW_ENVELOPE;
    t.req.direction = RW_BACKWARD;
    ok_route(&t, "jdoe@env.test", "l", "jdoe@example.com", "$F: backward address");
    t.req.direction = RW_FORWARD;
    ok_route(&t, "jdoe@dest.test", "tcp_local", "jdoe@dest.test", "$C/$Q: unknown destination");
    ok_route(&t, "jdoe@cdest.test", "l", "jdoe@example.com", "$C: unknown destination fails");
    t.req.dest_channel = "tcp_auth";
    ok_route(&t, "jdoe@dest.test", "tcp_auth", "jdoe@dest.test", "$C: destination tcp_auth");
    ok_route(&t, "jdoe@cdest.test", "tcp_auth", "jdoe@cdest.test", "$C: listed destination");
    t.req.dest_channel = "l";
    ok_route(&t, "jdoe@dest.test", "tcp_local", "jdoe@dest.test", "$Q: destination not tcp_auth");
    t.req.dest_channel = NULL;
    ok_route(&t, "@internet:jdoe@example.com", "tcp_local", "jdoe@example.com",
	     "$S and $T (Guide 2.2.6.14)");
    ok_route(&t, "jdoe@internet", "tcp_local", "jdoe@internet", "$S: not after @");

    /* Lookups. */
    ok_route(&t, "jdoe@vax1.decnet", "tcp_internal", "jdoe@vax1.example.com",
	     "$(text) gives a whole template");
    ok_route(&t, "jdoe@vax9.decnet", "tcp_local", "jdoe@vax9.decnet",
	     "$(text) not found: the rule fails");
    ok_route(&t, "jdoe@vms.test", "tcp_internal", "jdoe@vms.example.com", "$(text) in a part");
    ok_route(&t, "jdoe@nest.test", "tcp_local", "jdoe@nest.test",
	     "a lookup result asking for another lookup fails the rule");
    ok_fail(&t, "jdoe@crlf.test", "malformed address", "database value with CR LF refused");
    if (maps) {
	ok_route(&t, "jdoe@map.test", "tcp_internal", "john.doe@map.test",
		 "${mapping,arg} with $Y");
	ok_route(&t, "other@map.test", "tcp_local", "other@map.test",
		 "${mapping,arg} without $Y: the rule fails");
    } else
	tap_skip(2, "no mapping file");

    /* Failures. */
    ok_fail(&t, "jdoe@router.example.com", "Our routers cannot accept mail; write to postmaster@example.com",
	    "$? error-only rule");
    tap_is_str(STR_C(t.res.status), "5.1.2", "$? default status");
    ok_fail(&t, "jdoe@later.test", "Try again later", "$nnnnnnn? error");
    tap_is_str(STR_C(t.res.status), "4.7.1", "$4007001? gives 4.7.1");
    ok_fail(&t, "jdoe@nochan.test", "No way to nochan.test", "sticky $? text");
    ok_fail(&t, "jdoe@nowhere.test", "no channel for routing system NO-SUCH-CHANNEL",
	    "routing system with no channel");
    ok_fail(&t, "jdoe@loop.test", "rewrite loop", "A%B to itself");
    tap_is_str(STR_C(t.res.status), "5.4.6", "loop status 5.4.6");
    tap_is_int(t.res.passes, 2, "the loop is seen at the second pass");
    ok_fail(&t, "jdoe@ping.test", "rewrite loop", "ping-pong rules");
    ok_fail(&t, "john doe@example.com", "malformed address: unquoted white space",
	    "malformed address refused");
    ok_fail(&t, "jdoe@exa\r\nmple.com", "CR", "CR LF refused");

    /* The search order (Guide 2.2.3.2 and 2.2.3.7), from the trace. */
    t.req.flags = RW_TRACE;
    rw(&t, "iris@sc.cs.siroe.edu");
    probes(&t.res, &p);
    tap_is_str(STR_C(p), "sc.cs.siroe.edu *.cs.siroe.edu .cs.siroe.edu *.*.siroe.edu "
	       ".siroe.edu *.*.*.edu .edu *.*.*.* .", "probe order for a host name");
    rw(&t, "iris@[198.162.3.40]");
    probes(&t.res, &p);
    tap_is_str(STR_C(p), "[198.162.3.40] [198.162.3.] [198.162.] [198.] []",
	       "probe order for an IPv4 literal");
    rw(&t, "iris@[IPv6:2001:db8::1]");
    probes(&t.res, &p);
    tap_is_str(STR_C(p), "[ipv6:2001:db8::1] [ipv6:2001:db8::] [ipv6:2001:db8:] "
	       "[ipv6:2001:] [ipv6:] []", "probe order for an IPv6 literal");
    rw(&t, "iris@a.b.example.com");
    probes(&t.res, &p);
    tap_is_str(STR_C(p), "a.b.example.com *.b.example.com .b.example.com *.*.example.com "
	       ".example.com", "the most specific pattern wins");
    tap_ok(t.res.trace.n > 5, "trace lines (%lu)", (unsigned long) t.res.trace.n);
    t.req.flags = 0;

    rw_result_free(&t.res);
    str_free(&t.err);
    str_free(&p);
    rewrite_free(t.rw);
    cnf_release(&cnf);
}

/* --- the firewall variant, the bare ones --------------------------------- */

static void test_firewall(void)
{
    PMDF_CNF cnf;
    CASE    t;
    const CNF_CHANNEL *ch;
    const CNF_KEYWORD *kw;

    cnf_firewall(&cnf);
    memset(&t, 0, sizeof(t));
    rw_request_init(&t.req);
    rw_result_init(&t.res);
    t.rw = rewrite_new(&cnf, NULL, NULL, &t.err);
    ok_route(&t, "jdoe@example.com", "l", "jdoe@example.com", "firewall: local");
    ok_route(&t, "jdoe@mail.example.com", "tcp_internal", "jdoe@mail.example.com",
	     "firewall: inside");
    ok_route(&t, "jdoe@remote.org", "tcp_gateway", "jdoe@remote.org", "firewall: outside");
    ch = pmdfcnf_channel(&cnf, STR_C(t.res.channel));
    kw = ch ? pmdfcnf_keyword(ch, "daemon") : NULL;
    tap_ok(kw && kw->arg && strcmp(kw->arg, "gw.example.com") == 0,
	   "firewall: the gateway channel sends to daemon gw.example.com");
    ok_route(&t, "jdoe@[203.0.113.5]", "tcp_gateway", "jdoe@[203.0.113.5]",
	     "firewall: literal outside");
    ok_route(&t, "jdoe%remote.org@example.com", "tcp_gateway", "jdoe@remote.org",
	     "firewall: percent hack relays through the gateway");
    ok_fail(&t, "jdoe@[1.2.3.4.5]", "bad IPv4", "firewall: bad literal");
    rw_result_free(&t.res);
    str_free(&t.err);
    rewrite_free(t.rw);
    cnf_release(&cnf);
}

static void test_bare(void)
{
    PMDF_CNF cnf;
    CASE    t;

    cnf_bare(&cnf, 1);
    memset(&t, 0, sizeof(t));
    rw_request_init(&t.req);
    rw_result_init(&t.res);
    t.rw = rewrite_new(&cnf, NULL, NULL, &t.err);
    ok_route(&t, "jdoe@TCP-DAEMON", "tcp_local", "jdoe@TCP-DAEMON",
	     "no rule: the host is its own routing system");
    ok_fail(&t, "jdoe@unknown.org", "no channel for routing system unknown.org",
	    "no rule, no channel");
    ok_route(&t, "jdoe%far.org@example.com", "tcp_local", "jdoe@far.org", "the $% rule");
    ok_route(&t, "far!jdoe@example.com", "uucp", "jdoe@far", "the $! rule");
    rw_result_free(&t.res);
    rewrite_free(t.rw);
    cnf_release(&cnf);

    cnf_bare(&cnf, 0);
    t.rw = rewrite_new(&cnf, NULL, NULL, &t.err);
    rw_result_init(&t.res);
    ok_route(&t, "jdoe%far.org@example.com", "l", "jdoe%far.org@example.com",
	     "no $% rule: A%B@localhost");
    ok_route(&t, "far!jdoe", "l", "far!jdoe@example.com", "no $! rule: B!A@localhost");
    rw_result_free(&t.res);
    str_free(&t.err);
    rewrite_free(t.rw);
    cnf_release(&cnf);
}

/* --- 10,000 rules -------------------------------------------------------- */

static void test_many(void)
{
    PMDF_CNF cnf;
    CASE    t;
    char    pat[64], tpl[64], addr[80], want[80];
    int     i, good = 0;

    memset(&cnf, 0, sizeof(cnf));
    for (i = 0; i < 10000; i++) {
	snprintf(pat, sizeof(pat), "host%d.bulk.test", i);
	if (i % 2 == 0) {		/* a first rule that always fails */
	    snprintf(tpl, sizeof(tpl), "$U%%$D@TCP-DAEMON$Mnosuchchannel");
	    cnf_rule(&cnf, pat, tpl);
	}
	snprintf(tpl, sizeof(tpl), "$U%%$D@%s", i % 3 ? "TCP-INTERNAL" : "TCP-DAEMON");
	cnf_rule(&cnf, pat, tpl);
    }
    cnf_rule(&cnf, ".", "$U%$H@TCP-DAEMON");
    cnf_channel(&cnf, "l", "", "example.com");
    cnf_channel(&cnf, "tcp_local", "smtp", "TCP-DAEMON");
    cnf_channel(&cnf, "tcp_internal", "smtp", "TCP-INTERNAL");
    cnf_index(&cnf);
    memset(&t, 0, sizeof(t));
    rw_request_init(&t.req);
    rw_result_init(&t.res);
    t.rw = rewrite_new(&cnf, NULL, NULL, &t.err);
    tap_is_int((long) cnf.nrules, 15001, "15,001 rules for 10,001 patterns");
    for (i = 0; i < 10000; i += 7) {
	snprintf(addr, sizeof(addr), "u%d@HOST%d.bulk.test", i, i);
	snprintf(want, sizeof(want), "u%d@HOST%d.bulk.test", i, i);
	if (rw(&t, addr) == 0 && strcmp(STR_C(t.res.address), want) == 0
	    && strcmp(STR_C(t.res.channel), i % 3 ? "tcp_internal" : "tcp_local") == 0)
	    good++;
    }
    tap_is_int(good, (10000 + 6) / 7, "every 7th of 10,000 patterns routes right");
    ok_route(&t, "u@host9999.bulk.test", "tcp_local", "u@host9999.bulk.test", "the last pattern");
    tap_ok(strstr(STR_C(t.res.rule), "test.cnf:15000 ") != NULL, "the last rule (%s)",
	   STR_C(t.res.rule));
    ok_route(&t, "u@host10000.bulk.test", "tcp_local", "u@host10000.bulk.test",
	     "no such pattern: the match-all rule");
    tap_ok(strstr(STR_C(t.res.rule), "test.cnf:15001 ") != NULL, "the match-all rule");
    rw_result_free(&t.res);
    str_free(&t.err);
    rewrite_free(t.rw);
    cnf_release(&cnf);
}

int     main(void)
{
    char    mapfile[128];
    MAPPINGS *maps;

    test_parse();
    maps = test_mappings(mapfile, sizeof(mapfile));
    test_typical(maps);
    if (maps)
	mapping_free(maps);
    unlink(mapfile);
    test_firewall();
    test_bare();
    test_many();
    return tap_done();
}
