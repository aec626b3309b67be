/*
 * NAME
 *	t_str - the string buffer, string list and hash table
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "str.h"
#include "strlist.h"
#include "htab.h"
#include "pack.h"
#include "tap.h"

int     main(void)
{
    STR     s = STR_INIT;
    STRLIST l = STRLIST_INIT;
    HTAB   *t;
    char   *p, **keys, key[32];
    int     i, ok;

    tap_is_str(STR_C(s), "", "an empty STR reads as \"\"");
    str_cpy(&s, "abc");
    str_cat(&s, "def");
    str_catc(&s, '!');
    tap_is_str(STR_C(s), "abcdef!", "cpy, cat, catc");
    str_catf(&s, "%d-%s", 42, "x");
    tap_is_str(STR_C(s), "abcdef!42-x", "catf");
    str_printf(&s, "%05d", 7);
    tap_is_str(STR_C(s), "00007", "printf replaces");
    str_catn(&s, "\0z", 2);
    tap_is_int((long) s.len, 7, "catn counts NUL bytes");
    str_truncate(&s, 2);
    tap_is_str(STR_C(s), "00", "truncate");
    str_reset(&s);
    for (i = 0; i < 10000; i++)
	str_catc(&s, 'a' + i % 26);
    tap_ok(s.len == 10000 && s.s[9999] == 'a' + 9999 % 26 && s.s[10000] == 0,
	   "grows to 10000 bytes, NUL-terminated");
    str_cpy(&s, "MiXeD");
    str_upper(&s);
    tap_is_str(STR_C(s), "MIXED", "upper");
    str_lower(&s);
    tap_is_str(STR_C(s), "mixed", "lower");
    p = str_detach(&s);
    tap_ok(strcmp(p, "mixed") == 0 && s.s == NULL && s.len == 0, "detach hands over the memory");
    free(p);

    strlist_add(&l, "one");
    strlist_addn(&l, "twoXXX", 3);
    tap_ok(l.n == 2 && strcmp(l.v[1], "two") == 0 && l.v[2] == NULL, "strlist add, NULL-terminated");
    strlist_free(&l);

    t = htab_create(0);
    for (i = 0; i < 1000; i++) {
	snprintf(key, sizeof(key), "k%04d", 999 - i);
	htab_enter(t, key, (void *) (size_t) (i + 1));
    }
    tap_is_int((long) htab_count(t), 1000, "1000 entries");
    tap_is_int((long) (size_t) htab_find(t, "k0000"), 1000, "find after growth");
    tap_ok(htab_find(t, "nope") == NULL, "missing key");
    tap_is_int(htab_enter(t, "k0000", (void *) 5), 1, "enter replaces");
    tap_is_int((long) (size_t) htab_remove(t, "k0000"), 5, "remove returns the value");
    tap_ok(htab_find(t, "k0000") == NULL && htab_count(t) == 999, "removed");
    keys = htab_keys(t);
    for (ok = 1, i = 1; keys[i]; i++)
	if (strcmp(keys[i - 1], keys[i]) >= 0)
	    ok = 0;
    tap_ok(ok && i == 999, "keys come sorted");
    free(keys);
    htab_free(t, NULL);

    /* pack: round trip, then every way a record can be bad. */
    {
	STR     rec = STR_INIT;
	UNPACK  in;
	char   *txt;
	size_t  n;
	const void *bp;

	pack_u32(&rec, 0xdeadbeefu);
	pack_str(&rec, "hello");
	pack_bytes(&rec, "a\0b", 3);
	unpack_init(&in, rec.s, rec.len);
	tap_ok(unpack_u32(&in) == 0xdeadbeefu, "pack: u32 round trip");
	txt = unpack_str(&in);
	tap_is_str(txt, "hello", "pack: string round trip");
	free(txt);
	bp = unpack_bytes(&in, &n);
	tap_ok(n == 3 && memcmp(bp, "a\0b", 3) == 0, "pack: bytes with a NUL");
	tap_ok(unpack_done(&in), "pack: the whole record was read");
	unpack_init(&in, rec.s, rec.len - 1);
	unpack_u32(&in);
	free(unpack_str(&in));
	tap_ok(unpack_bytes(&in, &n) == NULL && unpack_failed(&in), "pack: a truncated record fails");
	tap_is_str(in.why, "record truncated", "pack: and says why");
	unpack_init(&in, rec.s + 4 + 9, rec.len - 4 - 9);
	tap_ok(unpack_str(&in) == NULL && unpack_failed(&in), "pack: NUL in a string fails");
	unpack_init(&in, "\xff\xff\xff\xffxx", 6);
	tap_ok(unpack_bytes(&in, &n) == NULL && n == 0, "pack: an absurd length fails");
	tap_ok(unpack_u32(&in) == 0, "pack: failure is sticky");
	str_free(&rec);
    }
    str_free(&s);
    return tap_done();
}
