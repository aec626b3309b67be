/*
 * NAME
 *	t_mapping - the mapping file and its evaluator
 * SYNOPSIS
 *	t_mapping
 * DESCRIPTION
 *	Writes mapping files into a temporary directory, points PMDF_TAILOR
 *	at a tailor file there (PMDF_TABLE=<dir>/, PMDF_MAPPING_FILE=
 *	PMDF_TABLE:mappings) and loads "PMDF_MAPPING_FILE:" with
 *	mapping_load().  Checks the access tables (ORIG_SEND_ACCESS relay
 *	verdicts, PORT_ACCESS with IPv4 and IPv6 blocks), wildcards and
 *	substitutions, $C/$L/$R/$E, the flags, file order against the hash
 *	index, continuation lines and includes, every load error with its
 *	file:line, and that pathological patterns, big tables and tables
 *	nesting $|table;arg| lookups into themselves stay fast.
 * DIAGNOSTICS
 *	TAP on standard output; exit status 0 when every test passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mapping.h"
#include "lnm.h"
#include "pack.h"
#include "str.h"
#include "tap.h"

extern char **environ;

static char dir[256];
static STR err;
static MAP_RESULT res;			/* all zero: a valid MAP_RESULT */

static const char *path_of(const char *name)
{
    static char path[4][400];
    static int slot;
    char   *p = path[slot++ % 4];

    snprintf(p, 400, "%s/%s", dir, name);
    return p;
}

static void put_n(const char *name, const char *text, size_t len)
{
    FILE   *fp = fopen(path_of(name), "wb");

    if (fp == NULL) {
	tap_diag("cannot write %s", path_of(name));
	return;
    }
    fwrite(text, 1, len, fp);
    fclose(fp);
}

static void put(const char *name, const char *text)
{
    put_n(name, text, strlen(text));
}

/* Writes the mapping file and loads it through PMDF_MAPPING_FILE:. */
static int load(const char *text, MAPPINGS **maps)
{
    put("mappings", text);
    str_reset(&err);
    return mapping_load("PMDF_MAPPING_FILE:", maps, &err);
}

/* "KIND:text" for one probe. */
static const char *run(const MAPPINGS *maps, const char *table, const char *probe)
{
    static STR out;
    static const char *const kinds[] = {"NOMATCH", "STRING", "ALLOW", "DENY"};
    int     rc;

    str_reset(&err);
    rc = mapping_apply(maps, table, probe, &res, &err);
    if (rc < 0)
	str_printf(&out, "ERROR:%s", STR_C(err));
    else
	str_printf(&out, "%s:%s", kinds[res.kind], STR_C(res.text));
    return STR_C(out);
}

/* A load that must fail at file:line with a message containing what. */
static void bad(const char *text, const char *file, int line, const char *what, const char *name)
{
    MAPPINGS *maps = NULL;
    char    prefix[500];

    snprintf(prefix, sizeof(prefix), "%s:%d: ", path_of(file), line);
    tap_is_int(load(text, &maps), -1, "%s: refused", name);
    tap_ok(maps == NULL && strncmp(STR_C(err), prefix, strlen(prefix)) == 0
	   && strstr(STR_C(err), what) != NULL,
	   "%s: \"%s...\" with \"%s\": %s", name, prefix, what, STR_C(err));
    mapping_free(maps);
}

static void setup(void)
{
    char    name[300];
    size_t  i, n;
    int     again = 1;

    /* Only the tailor file may define logical names for this test. */
    while (again) {
	again = 0;
	for (i = 0; environ[i] != NULL; i++) {
	    if (strncmp(environ[i], "PMDF_", 5) == 0) {
		n = strcspn(environ[i], "=");
		snprintf(name, sizeof(name), "%.*s", (int) n, environ[i]);
		unsetenv(name);
		again = 1;
		break;
	    }
	}
    }
    snprintf(dir, sizeof(dir), "%s/t_mapping.XXXXXX",
	     getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL) {
	printf("Bail out! mkdtemp failed\n");
	exit(1);
    }
    {
	STR     tailor = STR_INIT;

	str_printf(&tailor, "PMDF_TABLE=%s/\nPMDF_MAPPING_FILE=PMDF_TABLE:mappings\n", dir);
	put("tailor", STR_C(tailor));
	str_free(&tailor);
    }
    setenv("PMDF_TAILOR", path_of("tailor"), 1);
}

static const char main_file[] =
"! t_mapping: the access tables and the evaluator\n"
"ORIG_SEND_ACCESS\n"
"\n"
"  tcp_local|*|tcp_local|*  $NSMTP$ relaying$ not$ permitted\n"
"  tcp_local|*|l|*          $Y\n"
"\n"
"PORT_ACCESS\n"
"\n"
"  TCP|*|25|$(127.0.0.1/32)|*        $Y\n"
"  TCP|*|25|$(192.168.0.0/16)|*      $Y$T\n"
"  TCP|*|25|$(10.0.0.0/8)|*          $N$<Blocked$ net$ $1\n"
"  TCP|*|25|$(2001:db8::/32)|*       $Y\n"
"  TCP|*|25|$(::1)|*                 $Y\n"
"  TCP|*|25|$<172.16.0.0/20>|*       $Y\n"
"  TCP|*|*|*|*                       $NGo$ away$>\n"
"\n"
"SUBST\n"
"\n"
"  *@*.%%%        $1|$0|$2$3$4\n"
"  lazy-$_*-*     $0+$1\n"
"  greedy-*-*     $0+$1\n"
"  num-$D*-$A%    <$0><$1>\n"
"  set-$[xyz]*    [$0]\n"
"  neg-$[^xyz]*   {$0}\n"
"  case-*         $\\Lower$ $0$^$ upper$ $0$_$ Mixed$ $0\n"
"  quote-*        a$$b$ c$*d$%e$0\n"
"  skip-$@*-*     $0\n"
"  trail-*        $0$ \n"
"! a comment line does not end the table\n"
"  Mixed.CASE     found\n"
"  crlf           $Ycr\r\n"
"\n"
"CHAIN\n"
"\n"
"  a*      b$0$T$C\n"
"  b*      c$0$C\n"
"  x*      never\n"
"  c*      $Y$<done$ $0\n"
"\n"
"LOOP\n"
"\n"
"  a    b$C\n"
"  b    a$C\n"
"\n"
"RGROW\n"
"\n"
"  *    x$0$R\n"
"\n"
"RFLIP\n"
"\n"
"  a      aa$R\n"
"  aa*    a$0$R\n"
"\n"
"LPASS\n"
"\n"
"  b*    B-$0\n"
"  a*    b$0$L\n"
"\n"
"BOTH\n"
"\n"
"  both     $Y$Nboth\n"
"  chain    chain$Y$C\n"
"  chain    $Fno\n"
"\n"
"ENDS\n"
"\n"
"  a*    first$0$E\n"
"  a*    second$0\n"
"\n"
"ORDER\n"
"\n"
"  *@example.com     wild\n"
"  joe@example.com   literal\n"
"  joe@example.org   literal2\n"
"  JOE@example.org   duplicate\n"
"  exact@x.com       first\n"
"  *@x.com           second\n"
"\n"
"LITC\n"
"\n"
"  k2     early\n"
"  k      k2$C\n"
"\n"
"INTERNAL_IP\n"
"\n"
"  $(127.0.0.1/8)     $Y\n"
"  *$(10.0.0.0/8)     $Ytail\n"
"\n"
"NESTED\n"
"\n"
"  *@*   $|DOMAINS;$1|\n"
"  *     none\n"
"\n"
"REC\n"
"\n"
"  *     $|REC;x$0|\n"
"\n"
"BLOWUP\n"
"\n"
"  *     $0$0$0$0$R\n"
"\n"
"DOMAINS\n"
"\n"
"  example.com   $YEX\n"
"  *.org         $NNo\n"
"\n"
"CONT\n"
"\n"
"  tcp_local|*|tcp_local|\\\n"
"*   $NSMTP$ relaying$ \\\n"
"not$ permitted\n"
"<PMDF_TABLE:extra.map\n"
"  after-include   $Yafter\n"
"\n"
"<PMDF_TABLE:more.map\n";

static void test_access(const MAPPINGS *m)
{
    tap_is_str(run(m, "ORIG_SEND_ACCESS", "tcp_local|spammer@outside.example|tcp_local|victim@elsewhere.example"),
	       "DENY:SMTP relaying not permitted", "the DESIGN example: outside to outside is relaying");
    tap_is_str(run(m, "ORIG_SEND_ACCESS", "tcp_local|friend@outside.example|l|user@here.example"),
	       "ALLOW:", "outside to a local user is allowed");
    tap_is_str(run(m, "ORIG_SEND_ACCESS", "l|user@here.example|tcp_local|friend@outside.example"),
	       "NOMATCH:", "local to outside: no entry, the default applies");
    tap_is_str(run(m, "ORIG_SEND_ACCESS", "tcp_auth|user@here.example|tcp_local|friend@outside.example"),
	       "NOMATCH:", "authenticated (tcp_auth) to outside: not refused");
    tap_is_str(run(m, "orig_send_access", "TCP_LOCAL|A@B|TCP_LOCAL|C@D"),
	       "DENY:SMTP relaying not permitted", "table names and patterns are case-blind");

    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|127.0.0.1|40000"), "ALLOW:",
	       "PORT_ACCESS: 127.0.0.1/32 allowed");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|192.168.44.5|40000"), "ALLOW:",
	       "PORT_ACCESS: inside 192.168.0.0/16 allowed");
    tap_ok(res.log_connection && !res.log, "$T sets log_connection only");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|10.1.2.3|40000"), "DENY:Blocked net 10.1.2.3",
	       "PORT_ACCESS: 10.0.0.0/8 refused, $1 is the client address");
    tap_ok(res.log && !res.log_connection && !res.log_reject, "$< sets log");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|172.15.255.255|40000"), "DENY:Go away",
	       "PORT_ACCESS: outside every block refused");
    tap_ok(res.log_reject && !res.log, "$> sets log_reject");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|172.16.15.1|40000"), "ALLOW:",
	       "PORT_ACCESS: $<172.16.0.0/20> ignores 20 bits (a /12)");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|172.32.0.1|40000"), "DENY:Go away",
	       "PORT_ACCESS: just outside the $<...> block");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|2001:db8::1|25|2001:db8:ffff::5|40000"), "ALLOW:",
	       "PORT_ACCESS: IPv6 inside 2001:db8::/32");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|2001:db8::1|25|2001:db9::5|40000"), "DENY:Go away",
	       "PORT_ACCESS: IPv6 outside 2001:db8::/32");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|::1|25|::1|40000"), "ALLOW:",
	       "PORT_ACCESS: $(::1) without a length is one address");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|::1|25|::2|40000"), "DENY:Go away",
	       "PORT_ACCESS: ::2 is not ::1");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|::ffff:192.168.7.7|40000"), "ALLOW:",
	       "PORT_ACCESS: an IPv4-mapped IPv6 address matches an IPv4 block");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|192.168.1|40000"), "DENY:Go away",
	       "PORT_ACCESS: a partial address is no address");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|25|x192.168.1.1|40000"), "DENY:Go away",
	       "PORT_ACCESS: an address must stand alone, not end a word");
    tap_is_str(run(m, "PORT_ACCESS", "TCP|192.168.1.1|587|127.0.0.1|40000"), "DENY:Go away",
	       "PORT_ACCESS: another port falls through to the last entry");
    tap_is_str(run(m, "port_access", "tcp|192.168.1.1|25|127.0.0.1|40000"), "ALLOW:",
	       "PORT_ACCESS: the probe is matched case-blind");
    tap_is_str(run(m, "INTERNAL_IP", "127.1.2.3"), "ALLOW:", "INTERNAL_IP: 127.0.0.1/8");
    tap_is_str(run(m, "INTERNAL_IP", "192.0.2.1"), "NOMATCH:", "INTERNAL_IP: an outside address");
    tap_is_str(run(m, "INTERNAL_IP", "host-10.1.1.1"), "ALLOW:tail", "an address after a wildcard");
    tap_is_str(run(m, "INTERNAL_IP", "x110.1.1.1"), "NOMATCH:",
	       "an address does not start inside a run of address characters");
}

static void test_subst(const MAPPINGS *m)
{
    tap_is_str(run(m, "SUBST", "joe@Example.COM"), "STRING:Example|joe|COM",
	       "$0..$4: \"*\" and \"%%\" in order, case kept");
    tap_is_str(run(m, "SUBST", "joe@example.co"), "NOMATCH:", "\"%%\" needs exactly one character");
    tap_is_str(run(m, "SUBST", "lazy-a-b-c"), "STRING:a+b-c", "$_* matches as little as it can");
    tap_is_str(run(m, "SUBST", "greedy-a-b-c"), "STRING:a-b+c", "* is greedy");
    tap_is_str(run(m, "SUBST", "num-2024-x"), "STRING:<2024><x>", "$D* and $A%%");
    tap_is_str(run(m, "SUBST", "num-20a4-x"), "NOMATCH:", "$D* takes digits only");
    tap_is_str(run(m, "SUBST", "set-xYzzy"), "STRING:[xYzzy]", "$[xyz]* (case-blind)");
    tap_is_str(run(m, "SUBST", "set-xya"), "NOMATCH:", "$[xyz]* refuses other characters");
    tap_is_str(run(m, "SUBST", "neg-abc"), "STRING:{abc}", "$[^xyz]*");
    tap_is_str(run(m, "SUBST", "neg-abx"), "NOMATCH:", "$[^xyz]* refuses the listed ones");
    tap_is_str(run(m, "SUBST", "case-MiX"), "STRING:lower mix UPPER MIX Mixed MiX",
	       "$\\ lower case, $^ upper case, $_ none");
    tap_is_str(run(m, "SUBST", "quote-!"), "STRING:a$b c*d%e!", "$$ $<space> $* $%% in a template");
    tap_is_str(run(m, "SUBST", "skip-a-b"), "STRING:b", "$@ does not save the next wildcard");
    tap_is_str(run(m, "SUBST", "trail-x"), "STRING:x ", "a template may end in \"$ \"");
    tap_is_str(run(m, "SUBST", "mixed.case"), "STRING:found", "a literal entry matches case-blind");
    tap_is_str(run(m, "SUBST", "CRLF"), "ALLOW:cr", "CRLF line ends are accepted");
    tap_is_str(run(m, "SUBST", "nothing here"), "NOMATCH:", "no entry: MAP_NOMATCH");
    tap_is_str(run(m, "NESTED", "joe@example.com"), "STRING:EX", "$|table;arg| with $Y substitutes");
    tap_is_str(run(m, "NESTED", "joe@example.org"), "STRING:none",
	       "$|table;arg| without $Y: the entry fails, the next one is tried");
    tap_is_str(run(m, "NESTED", "joe@example.net"), "STRING:none", "$|table;arg| with no match fails");
    tap_is_str(run(m, "REC", "a"), "NOMATCH:", "a table calling itself stops at MAP_MAX_NEST");
    tap_ok(strncmp(run(m, "BLOWUP", "0123456789"), "ERROR:mapping output longer than", 32) == 0,
	   "an output beyond MAP_MAX_RESULT is an error: %s", run(m, "BLOWUP", "0123456789"));
}

static void test_control(const MAPPINGS *m)
{
    tap_is_str(run(m, "CHAIN", "a1"), "ALLOW:done 1", "$C: the output is the new probe for later entries");
    tap_ok(res.log && res.log_connection, "flags of every entry in a $C chain accumulate");
    tap_is_str(run(m, "CHAIN", "b7"), "ALLOW:done 7", "$C chain entered in the middle");
    tap_ok(res.log && !res.log_connection, "... only the flags of the entries that matched");
    tap_is_str(run(m, "LOOP", "a"), "STRING:a", "$C never goes back to earlier entries");
    tap_is_str(run(m, "RGROW", "a"), "STRING:xxxxxxxxxxxa",
	       "$R stops once the output stopped shrinking more than 10 times");
    tap_is_str(run(m, "RFLIP", "a"), "STRING:aa", "$R flip-flop stops after the restart limit");
    tap_is_str(run(m, "LPASS", "a1"), "STRING:B-1", "$L: one more pass from the top");
    tap_is_str(run(m, "ENDS", "ab"), "STRING:firstb", "$E ends at the first match");
    tap_is_str(run(m, "BOTH", "both"), "DENY:both", "$N wins over $Y in one template");
    tap_is_str(run(m, "BOTH", "chain"), "DENY:no", "a $F later in a $C chain wins over an earlier $Y");
    tap_is_str(run(m, "LITC", "k"), "STRING:k2", "$C does not go back to an earlier literal entry");
    tap_is_str(run(m, "ORDER", "joe@example.com"), "STRING:wild",
	       "a wildcard entry before an indexed literal one wins");
    tap_is_str(run(m, "ORDER", "JOE@EXAMPLE.ORG"), "STRING:literal2",
	       "the first of two equal literal entries wins");
    tap_is_str(run(m, "ORDER", "exact@x.com"), "STRING:first", "a literal entry before a wildcard one wins");
    tap_is_str(run(m, "ORDER", "other@x.com"), "STRING:second", "the wildcard entry after it still works");
    tap_is_str(run(m, "CONT", "tcp_local|a@b|tcp_local|c@d"), "DENY:SMTP relaying not permitted",
	       "continuation lines join pattern and template");
    tap_is_str(run(m, "CONT", "from-include"), "ALLOW:inc", "entries from an included file");
    tap_is_str(run(m, "CONT", "after-include"), "ALLOW:after", "the table goes on after the include");
    tap_is_str(run(m, "INCLUDED", "x"), "ALLOW:x", "a whole table from an included file");
    tap_ok(mapping_has(m, "port_access") && mapping_has(m, "Included") && !mapping_has(m, "NOSUCH"),
	   "mapping_has() is case-blind");
    tap_is_int(mapping_apply(m, "NOSUCH", "x", &res, &err), -1, "an unknown table is an error");
    tap_ok(res.kind == MAP_NOMATCH && strstr(STR_C(err), "NOSUCH") != NULL,
	   "... with MAP_NOMATCH and the name in the message: %s", STR_C(err));
}

static void test_image(const MAPPINGS *m)
{
    const STRLIST *files = mapping_files(m);
    STR     img = STR_INIT, why = STR_INIT;
    MAPPINGS *r = NULL;
    UNPACK  in;

    tap_ok(files->n == 3 && strcmp(files->v[0], path_of("mappings")) == 0
	   && strcmp(files->v[1], path_of("extra.map")) == 0
	   && strcmp(files->v[2], path_of("more.map")) == 0,
	   "mapping_files(): the file, then its includes");
    mapping_save(m, &img);
    unpack_init(&in, img.s, img.len);
    tap_is_int(mapping_restore(&in, &r, &why), 0, "mapping_restore() of a saved set: %s", STR_C(why));
    tap_ok(unpack_done(&in), "... reads the whole image");
    if (r != NULL) {
	tap_is_str(run(r, "ORIG_SEND_ACCESS", "tcp_local|a@b|tcp_local|c@d"),
		   "DENY:SMTP relaying not permitted", "restored: the relay verdict");
	tap_is_str(run(r, "PORT_ACCESS", "TCP|192.168.1.1|25|10.1.2.3|40000"),
		   "DENY:Blocked net 10.1.2.3", "restored: address blocks and $n");
	tap_is_str(run(r, "ORDER", "joe@example.com"), "STRING:wild", "restored: file order");
	tap_is_str(run(r, "CHAIN", "a1"), "ALLOW:done 1", "restored: $C chains");
	tap_is_int((long) mapping_files(r)->n, 3, "restored: the file list");
    }
    mapping_free(r);
    unpack_init(&in, img.s, img.len / 2);
    tap_is_int(mapping_restore(&in, &r, &why), -1, "a truncated image is refused");
    tap_ok(r == NULL && strstr(STR_C(why), "configuration image: mappings:") != NULL,
	   "... saying so: %s", STR_C(why));
    str_reset(&img);
    pack_u32(&img, 0);
    pack_u32(&img, 1);
    pack_str(&img, "T");
    pack_str(&img, "f");
    pack_u32(&img, 1);
    pack_u32(&img, 1);
    pack_str(&img, "a");
    pack_str(&img, "$Q");
    unpack_init(&in, img.s, img.len);
    tap_is_int(mapping_restore(&in, &r, &why), -1, "an image with a bad template is refused");
    tap_ok(r == NULL && strstr(STR_C(why), "\"$Q\"") != NULL, "... naming it: %s", STR_C(why));
    str_free(&img);
    str_free(&why);
}

static void test_errors(void)
{
    STR     big = STR_INIT;
    static const char nul[] = "T\n\n  a\0b c\n";

    bad("  a b\n", "mappings", 1, "entry before any table", "an entry before any table");
    bad("T1\n\n  a b\n\nEMPTY\n\nT2\n\n  c d\n", "mappings", 5, "table \"EMPTY\" has no entries",
	"a table with no entries before another table");
    bad("T1\n\n  a b\n\nEMPTY\n\n\n", "mappings", 5, "has no entries", "a table with no entries at the end");
    bad("T\n\n  a b\n  lonely\n", "mappings", 4, "pattern \"lonely\" has no template",
	"a pattern without a template");
    bad("T\n\n  TCP|$(10.0.0.0/33)|*  $Y\n", "mappings", 3, "prefix length must be 0 to 32",
	"a bad IPv4 prefix length");
    bad("T\n\n  $(2001:db8::/129)  $Y\n", "mappings", 3, "0 to 128", "a bad IPv6 prefix length");
    bad("T\n\n  $(10.0.0/8)  $Y\n", "mappings", 3, "is not an IPv4 address", "a bad address");
    bad("T\n\n  $(10.0.0.0/8  $Y\n", "mappings", 3, "closing", "an unclosed address block");
    bad("T\n\n  a  $Q\n", "mappings", 3, "unknown or unsupported metacharacter \"$Q\"",
	"an unknown $ flag in a template");
    bad("T\n\n  a  x$\n", "mappings", 3, "ends in", "a template ending in a lone $");
    bad("T\n\n  a$Q  x\n", "mappings", 3, "unknown metacharacter \"$Q\" in pattern",
	"an unknown $ sequence in a pattern");
    bad("Foo\n\n  a b\n\nFOO\n\n  c d\n", "mappings", 5, "defined twice (first at",
	"a table defined twice (case-blind)");
    bad("T\n\n  a b\n\n  c d\n", "mappings", 5, "entry after the blank line", "a blank line inside a table");
    bad("T extra\n\n  a b\n", "mappings", 1, "followed by other text", "text after a table name");
    bad("1T\n\n  a b\n", "mappings", 1, "must begin with a letter", "a table name starting with a digit");
    bad("T\n\n  a b c\n", "mappings", 3, "text after the template", "three fields on an entry line");
    bad("T\n\n  a*  $1\n", "mappings", 3, "uses $1 but the pattern saves 1 wildcard",
	"$n beyond the saved wildcards");
    bad("T\n\n  *$0*  x\n", "mappings", 3, "back-match", "back-matches are refused");
    bad("T\n\n  *  $|X;$Y|\n", "mappings", 3, "only text and $n", "flags inside $|...|");
    bad("T\n\n  a b\n  c\\\nd\\\n  $Q\n", "mappings", 4, "\"$Q\"",
	"an error in a continued line is reported at its first line");
    put("bad.map", "  ok $Y\n  bad\n");
    bad("T\n\n<PMDF_TABLE:bad.map\n", "bad.map", 2, "has no template",
	"an error in an included file names that file and line");
    bad("T\n\n<PMDF_TABLE:nosuch.map\n", "mappings", 3, "include", "a missing include file");
    put_n("mappings", nul, sizeof(nul) - 1);
    {
	MAPPINGS *maps = NULL;
	char    prefix[500];

	str_reset(&err);
	snprintf(prefix, sizeof(prefix), "%s:3: NUL byte", path_of("mappings"));
	tap_is_int(mapping_load("PMDF_MAPPING_FILE:", &maps, &err), -1, "a NUL byte: refused");
	tap_ok(maps == NULL && strncmp(STR_C(err), prefix, strlen(prefix)) == 0,
	       "a NUL byte: %s", STR_C(err));
    }
    str_cpy(&big, "T\n\n  ");
    while (big.len < 10 * 1024 * 1024)
	str_cat(&big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    str_cat(&big, " $Y\n");
    bad(STR_C(big), "mappings", 3, "line longer than", "a 10 MB line");
    str_free(&big);
}

static double seconds(clock_t start)
{
    return (double) (clock() - start) / CLOCKS_PER_SEC;
}

static void test_bounds(void)
{
    MAPPINGS *m = NULL;
    STR     text = STR_INIT, probe = STR_INIT;
    clock_t start;
    double  first, last;
    int     i, ok, wild;

    tap_is_int(load("PATHO\n\n  *a*a*a*a*a*a*a*b  $Nb\n  *a*a*a*a*a*a*a*b*  $Nb2\n"
		 "  *a*a*a*a*a*a*a*a  $0|$7\n", &m), 0,
	       "pathological patterns load: %s", STR_C(err));
    for (i = 0; i < 10000; i++)
	str_catc(&probe, 'a');
    start = clock();
    run(m, "PATHO", STR_C(probe));
    tap_ok(seconds(start) < 1.0, "*a*a*a*a*a*a*a*b(*) against 10000 a's: %.3f s", seconds(start));
    tap_is_int(res.kind, MAP_STRING, "... the b patterns fail, the a pattern matches");
    tap_is_int((long) strlen(STR_C(res.text)), 9993, "... greedy: $0 takes all but 8 a's, $7 is empty");
    str_reset(&probe);
    for (i = 0; i < 300000; i++)
	str_catc(&probe, 'a');
    tap_is_str(run(m, "PATHO", STR_C(probe)), "NOMATCH:",
	       "a match beyond MAP_MAX_CELLS counts as no match");
    mapping_free(m);

    /* 20000 literal entries, a wildcard entry in the middle. */
    str_cpy(&text, "BIG\n\n");
    for (i = 0; i < 20000; i++) {
	if (i == 10000)
	    str_cat(&text, "  *@wild.example  $Nwild\n");
	str_catf(&text, "  user%d@%s  $Yu%d\n", i, i % 2 ? "wild.example" : "example.com", i);
    }
    tap_is_int(load(STR_C(text), &m), 0, "a table of 20000 entries loads: %s", STR_C(err));
    start = clock();
    ok = 1;
    for (i = 0; i < 20000; i += 2) {
	str_printf(&probe, "USER%d@example.com", i);
	str_printf(&text, "ALLOW:u%d", i);
	if (strcmp(run(m, "BIG", STR_C(probe)), STR_C(text)) != 0)
	    ok = 0;
    }
    tap_ok(ok, "10000 literal lookups give the right entry");
    tap_ok(seconds(start) < 2.0, "... in %.3f s", seconds(start));
    /* Through the hash index the last entry costs what the first does. */
    start = clock();
    for (i = 0; i < 5000; i++)
	run(m, "BIG", "user0@example.com");
    first = seconds(start);
    start = clock();
    for (i = 0; i < 5000; i++)
	run(m, "BIG", "user19998@example.com");
    last = seconds(start);
    tap_ok(last < 10 * first + 0.05, "the last of 20000 literal entries is found as fast as the"
	   " first (hash index): %.4f s vs %.4f s", last, first);
    tap_is_str(run(m, "BIG", "user4999@wild.example"), "ALLOW:u4999",
	       "a literal entry before the wildcard one wins");
    tap_is_str(run(m, "BIG", "user15001@wild.example"), "DENY:wild",
	       "a literal entry after the wildcard one loses");
    tap_is_str(run(m, "BIG", "user20000@example.com"), "NOMATCH:", "an absent literal");
    mapping_free(m);

    /*
     * Entries that look their own table up again through $|table;arg| (an
     * evaluation hang found while writing tests/fuzz/fz_mapping, whose
     * corpus keeps it): each of the MAP_MAX_NEST levels tries every entry,
     * n^9 templates for n entries.  The work limit stops it, literal
     * (hash-indexed) entries included.
     */
    for (wild = 0; wild < 2; wild++) {
	str_cpy(&text, "NEST\n\n");
	for (i = 0; i < 6; i++)
	    str_cat(&text, wild ? "  *  $|NEST;a|\n" : "  a  $|NEST;a|\n");
	tap_is_int(load(STR_C(text), &m), 0, "a table nesting into itself loads: %s", STR_C(err));
	start = clock();
	run(m, "NEST", "a");
	tap_ok(strstr(STR_C(err), "work limit") != NULL,
	       "... %s entries nesting 8 deep exceed the work limit: %s",
	       wild ? "wildcard" : "literal", STR_C(err));
	tap_ok(seconds(start) < 2.0, "... in %.3f s", seconds(start));
	mapping_free(m);
    }
    str_free(&text);
    str_free(&probe);
}

int     main(void)
{
    MAPPINGS *m = NULL;
    int     rc;

    setup();
    put("extra.map", "  from-include    $Yinc\n");
    put("more.map", "INCLUDED\n\n  x  $Yx\n");
    rc = load(main_file, &m);
    tap_is_int(rc, 0, "the test mapping file loads: %s", STR_C(err));
    if (m != NULL) {
	test_access(m);
	test_subst(m);
	test_control(m);
	test_image(m);
    }
    mapping_free(m);
    test_errors();
    test_bounds();

    unlink(path_of("mappings"));
    m = NULL;
    str_reset(&err);
    tap_is_int(mapping_load("PMDF_MAPPING_FILE:", &m, &err), 1, "no mapping file: 1");
    tap_ok(m != NULL && !mapping_has(m, "PORT_ACCESS") && strstr(STR_C(err), "no mapping file"),
	   "... and an empty set: %s", STR_C(err));
    mapping_free(m);

    map_result_free(&res);
    str_free(&err);
    unlink(path_of("extra.map"));
    unlink(path_of("more.map"));
    unlink(path_of("bad.map"));
    unlink(path_of("tailor"));
    rmdir(dir);
    lnm_shutdown();
    return tap_done();
}
