/*
 * NAME
 *	fz_restore - libFuzzer harness for the binary record readers:
 *	pmdfcnf_restore() (src/global/pmdfcnf.c), alias_restore()
 *	(src/global/alias.c) and pwsecret_decode() (src/global/pwsecret.c)
 * DESCRIPTION
 *	The first input byte chooses the reader (mod 3); the rest is given
 *	to it as it would come from a damaged compiled configuration image
 *	(through pack.h's UNPACK) or password database record.
 *	alias_restore() opens no database: its database spec names a file
 *	of the private instance that does not exist.
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- a reader returns 0, or -1 with a message, leaving nothing behind
 *	  (an empty PMDF_CNF, a NULL ALIASES, a zeroed PWSECRET);
 *	- pmdfcnf: a restored configuration finds each channel whose name is
 *	  lower case (as the loader keeps them; the restore checks that the
 *	  records decode, not what they say) by that name, and saves,
 *	  restores and saves again to the same bytes;
 *	- alias: a restored set saves, restores and saves again to the same
 *	  bytes; alias_lookup() of a few names drawn from the input does not
 *	  fail;
 *	- pwsecret: a decoded secret is valid and encodes to the input bytes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "alias.h"
#include "pack.h"
#include "pmdfcnf.h"
#include "pwsecret.h"
#include "str.h"
#include "strlist.h"
#include "fz_util.h"

#define FZ_NO_DB "PMDF_TABLE:no-such-aliasesdb"

static int cnf_empty(const PMDF_CNF *c)
{
    return c->rules == NULL && c->nrules == 0 && c->channels == NULL && c->nchannels == 0
	&& c->by_name == NULL && c->by_host == NULL && c->options == NULL
	&& c->files.n == 0;
}

static int is_lower(const char *s)
{
    for (; *s; s++)
	if (isupper((unsigned char) *s))
	    return 0;
    return 1;
}

static void same_bytes(const STR *a, const STR *b, const char *what)
{
    FZ_CHECK(a->len == b->len && memcmp(STR_C(*a), STR_C(*b), a->len) == 0,
	     "%s: save, restore, save differ (%lu and %lu bytes)", what,
	     (unsigned long) a->len, (unsigned long) b->len);
}

static void fuzz_pmdfcnf(const uint8_t *data, size_t size)
{
    PMDF_CNF cnf, again;
    const CNF_CHANNEL *ch;
    const char *name;
    STR     err = STR_INIT, s1 = STR_INIT, s2 = STR_INIT;
    UNPACK  in;
    size_t  i;

    unpack_init(&in, data, size);
    if (pmdfcnf_restore(&in, &cnf, &err) < 0) {
	FZ_CHECK(err.len > 0 && cnf_empty(&cnf), "a failed restore left data or no message");
	str_free(&err);
	return;
    }
    for (i = 0; i < cnf.nchannels; i++) {
	name = cnf.channels[i].name;
	if (is_lower(name))
	    FZ_CHECK((ch = pmdfcnf_channel(&cnf, name)) != NULL && strcmp(ch->name, name) == 0,
		     "channel \"%s\" not found by name", name);
    }
    pmdfcnf_save(&cnf, &s1);
    unpack_init(&in, s1.s, s1.len);
    FZ_CHECK(pmdfcnf_restore(&in, &again, &err) == 0, "a saved configuration does not"
	     " restore: %s", STR_C(err));
    pmdfcnf_save(&again, &s2);
    same_bytes(&s1, &s2, "pmdfcnf");
    pmdfcnf_free(&cnf);
    pmdfcnf_free(&again);
    str_free(&s1);
    str_free(&s2);
    str_free(&err);
}

static void fuzz_alias(const uint8_t *data, size_t size)
{
    ALIASES *a = (ALIASES *) 1, *again = NULL;
    STR     err = STR_INIT, s1 = STR_INIT, s2 = STR_INIT;
    STRLIST targets = STRLIST_INIT;
    FZ_PIECE name[4];
    UNPACK  in;
    size_t  n, i;
    char   *key;

    unpack_init(&in, data, size);
    if (alias_restore(&in, FZ_NO_DB, &a, &err) < 0) {
	FZ_CHECK(err.len > 0 && a == NULL, "a failed restore left data or no message");
	str_free(&err);
	return;
    }
    n = fz_split(data, size, 0, name, 4);
    for (i = 0; i < n; i++) {
	key = fz_cstr(name[i].p, name[i].n);
	FZ_CHECK(alias_lookup(a, key, &targets, &err) >= 0, "lookup failed: %s",
		 STR_C(err));
	strlist_reset(&targets);
	free(key);
    }
    alias_save(a, &s1);
    unpack_init(&in, s1.s, s1.len);
    FZ_CHECK(alias_restore(&in, FZ_NO_DB, &again, &err) == 0,
	     "saved aliases do not restore: %s", STR_C(err));
    alias_save(again, &s2);
    same_bytes(&s1, &s2, "alias");
    alias_free(a);
    alias_free(again);
    strlist_free(&targets);
    str_free(&s1);
    str_free(&s2);
    str_free(&err);
}

static void fuzz_pwsecret(const uint8_t *data, size_t size)
{
    static const PWSECRET zero;
    PWSECRET s;
    STR     err = STR_INIT, out = STR_INIT;

    if (pwsecret_decode(data, size, &s, &err) < 0) {
	FZ_CHECK(err.len > 0 && memcmp(&s, &zero, sizeof(s)) == 0,
		 "a failed decode left data or no message");
	str_free(&err);
	return;
    }
    FZ_CHECK(pwsecret_valid(&s), "a decoded secret is not valid");
    FZ_CHECK(pwsecret_encode(&s, &out) == 0, "a decoded secret does not encode");
    FZ_CHECK(out.len == size && memcmp(out.s, data, size) == 0,
	     "a decoded secret encodes to other bytes");
    pwsecret_clear(&s);
    str_free(&out);
    str_free(&err);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_instance();
    if (size == 0)
	return 0;
    switch (data[0] % 3) {
    case 0:
	fuzz_pmdfcnf(data + 1, size - 1);
	break;
    case 1:
	fuzz_alias(data + 1, size - 1);
	break;
    default:
	fuzz_pwsecret(data + 1, size - 1);
	break;
    }
    return 0;
}
