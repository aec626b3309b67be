/*
 * NAME
 *	fz_mapping - libFuzzer harness for mapping files (src/global/mapping.c)
 * DESCRIPTION
 *	The first input byte chooses what the rest is fed to:
 *	- 0 mod 4: mapping_restore() over the bytes, as a damaged compiled
 *	  image would be;
 *	- otherwise: the bytes up to the first NUL are written as the
 *	  mapping file of a private instance (PMDF_MAPPING_FILE:, through
 *	  the tailor file) and loaded with mapping_load(); the pieces after
 *	  it, cut at NUL bytes, are probes given to mapping_apply() for every
 *	  table of the file (at most 8 probes, 8 tables; the first evaluation
 *	  that fails, e.g. at the work limit, ends the input, since one such
 *	  evaluation takes a good part of a second under the sanitizers).
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- restore: -1 with a message and *maps NULL, or 0; a restored set
 *	  saves, restores again and saves to the same bytes;
 *	- load: -1 with a "file:line: " message and *maps NULL, or 0;
 *	- apply: 0 or -1 (with a message); the kind is one of the four;
 *	  MAP_NOMATCH has no text; the text is at most MAP_MAX_RESULT bytes;
 *	- a loaded set saved and restored gives the same results (rc, kind,
 *	  text, log flags) for every probe that evaluates without error, and
 *	  saves to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mapping.h"
#include "pack.h"
#include "str.h"
#include "strlist.h"
#include "fz_util.h"

#define FZ_MAX_PROBES 8
#define FZ_MAX_TABLES 8

/* The table names of a saved set (pack.h records of mapping_save()). */
static void saved_tables(const STR *image, STRLIST *names)
{
    UNPACK  in;
    uint32_t n, i, j, m;
    char   *s;

    unpack_init(&in, image->s, image->len);
    n = unpack_u32(&in);
    for (i = 0; i < n && !unpack_failed(&in); i++)
	free(unpack_str(&in));
    n = unpack_u32(&in);
    for (i = 0; i < n && !unpack_failed(&in); i++) {
	if ((s = unpack_str(&in)) != NULL && names->n < FZ_MAX_TABLES)
	    strlist_add(names, s);
	free(s);
	free(unpack_str(&in));
	(void) unpack_u32(&in);
	m = unpack_u32(&in);
	for (j = 0; j < 2 * m && !unpack_failed(&in); j++)
	    free(unpack_str(&in));
    }
    FZ_CHECK(unpack_done(&in), "a saved set does not read back: %s",
	     in.why ? in.why : "trailing bytes");
}

/* Restores image (which must succeed) into *maps. */
static void restore_ok(const STR *image, MAPPINGS **maps)
{
    UNPACK  in;
    STR     err = STR_INIT;

    unpack_init(&in, image->s, image->len);
    FZ_CHECK(mapping_restore(&in, maps, &err) == 0 && *maps != NULL,
	     "a saved set does not restore: %s", STR_C(err));
    FZ_CHECK(unpack_done(&in), "restore left bytes");
    str_free(&err);
}

static void check_same_save(const MAPPINGS *a, const MAPPINGS *b)
{
    STR     sa = STR_INIT, sb = STR_INIT;

    mapping_save(a, &sa);
    mapping_save(b, &sb);
    FZ_CHECK(sa.len == sb.len && memcmp(STR_C(sa), STR_C(sb), sa.len) == 0,
	     "save, restore, save differ (%lu and %lu bytes)", (unsigned long) sa.len,
	     (unsigned long) sb.len);
    str_free(&sa);
    str_free(&sb);
}

static void fuzz_restore(const uint8_t *data, size_t size)
{
    MAPPINGS *maps = (MAPPINGS *) 1, *again = NULL;
    STR     err = STR_INIT, image = STR_INIT;
    UNPACK  in;

    unpack_init(&in, data, size);
    if (mapping_restore(&in, &maps, &err) < 0) {
	FZ_CHECK(maps == NULL && err.len > 0, "a failed restore left a set or no message");
	str_free(&err);
	return;
    }
    mapping_save(maps, &image);
    restore_ok(&image, &again);
    check_same_save(maps, again);
    mapping_free(maps);
    mapping_free(again);
    str_free(&image);
    str_free(&err);
}

static int apply_checked(const MAPPINGS *maps, const char *table, const char *probe,
			         MAP_RESULT *res)
{
    STR     err = STR_INIT;
    int     rc = mapping_apply(maps, table, probe, res, &err);

    FZ_CHECK(rc == 0 || rc == -1, "mapping_apply returned %d", rc);
    FZ_CHECK(rc == 0 || err.len > 0, "mapping_apply failed without a message");
    FZ_CHECK(res->kind >= MAP_NOMATCH && res->kind <= MAP_DENY, "kind %d", res->kind);
    FZ_CHECK(res->kind != MAP_NOMATCH || res->text.len == 0, "no match, yet text \"%s\"",
	     STR_C(res->text));
    FZ_CHECK(res->text.len <= MAP_MAX_RESULT, "a result of %lu bytes",
	     (unsigned long) res->text.len);
    str_free(&err);
    return rc;
}

static void fuzz_load(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t  tlen = nul ? (size_t) (nul - data) : size;
    FZ_PIECE probe[FZ_MAX_PROBES];
    size_t  nprobes = 0, i, j;
    MAPPINGS *maps = (MAPPINGS *) 1, *again = NULL;
    MAP_RESULT r1 = MAP_RESULT_INIT, r2 = MAP_RESULT_INIT;
    STR     err = STR_INIT, image = STR_INIT;
    STRLIST tables = STRLIST_INIT;
    char   *p;
    int     rc1, rc2;

    fz_put("mappings", data, tlen);
    if (mapping_load("PMDF_MAPPING_FILE:", &maps, &err) != 0) {
	FZ_CHECK(maps == NULL && strstr(STR_C(err), ": ") != NULL,
		 "a failed load left a set or no \"file:line: \" message: %s", STR_C(err));
	str_free(&err);
	return;
    }
    if (nul != NULL)
	nprobes = fz_split(nul + 1, size - tlen - 1, 0, probe, FZ_MAX_PROBES);
    mapping_save(maps, &image);
    saved_tables(&image, &tables);
    restore_ok(&image, &again);
    check_same_save(maps, again);
    for (i = 0; i < nprobes; i++) {
	p = fz_cstr(probe[i].p, probe[i].n);
	for (j = 0; j < tables.n; j++) {
	    FZ_CHECK(mapping_has(maps, tables.v[j]), "table %s not there", tables.v[j]);
	    if ((rc1 = apply_checked(maps, tables.v[j], p, &r1)) < 0)
		break;
	    rc2 = apply_checked(again, tables.v[j], p, &r2);
	    FZ_CHECK(rc1 == rc2 && r1.kind == r2.kind && r1.log == r2.log
		     && r1.log_reject == r2.log_reject
		     && r1.log_connection == r2.log_connection
		     && strcmp(STR_C(r1.text), STR_C(r2.text)) == 0,
		     "table %s, probe \"%s\": loaded and restored sets differ", tables.v[j], p);
	}
	free(p);
	if (j < tables.n)
	    break;			/* an evaluation hit a limit: enough for one input */
    }
    map_result_free(&r1);
    map_result_free(&r2);
    mapping_free(maps);
    mapping_free(again);
    strlist_free(&tables);
    str_free(&image);
    str_free(&err);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_instance();
    if (size == 0)
	return 0;
    if (data[0] % 4 == 0)
	fuzz_restore(data + 1, size - 1);
    else
	fuzz_load(data + 1, size - 1);
    return 0;
}
