/*
 * NAME
 *	fz_fspec - libFuzzer harness for the file-spec parser (src/port/fspec.c)
 * DESCRIPTION
 *	The input, up to its first NUL, is one spec.  It goes to
 *	fspec_parse(), fspec_is_vms() and to every conversion (unixify,
 *	vmsify, fileify, pathify, unixpath, vmspath, canonpath), each with
 *	and without FSPEC_EFS.
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- parse(format(parse(x))) == parse(x), field by field (node, dev,
 *	  dir, name, type, ver and the has_ flags), and format is then a
 *	  fixed point;
 *	- a failed parse leaves the FSPEC empty and sets a message ending in
 *	  the quoted spec;
 *	- a conversion returns 0 or -1; on 0 the result is at most
 *	  FSPEC_MAXLEN bytes and holds no NUL; on -1 err is set;
 *	- the header allows spec to point into out: converting out's own
 *	  text in place gives the same result as converting a copy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fspec.h"
#include "str.h"
#include "fz_util.h"

typedef int (*FZ_CONVERT) (const char *, int, STR *, STR *);

static const struct {
    const char *name;
    FZ_CONVERT fn;
} conversions[] = {
    {"unixify", fspec_unixify},
    {"vmsify", fspec_vmsify},
    {"fileify", fspec_fileify},
    {"pathify", fspec_pathify},
    {"unixpath", fspec_unixpath},
    {"vmspath", fspec_vmspath},
    {"canonpath", fspec_canonpath},
};

#define NCONV (sizeof(conversions) / sizeof(conversions[0]))

static int str_eq(const STR *a, const STR *b)
{
    return a->len == b->len && memcmp(STR_C(*a), STR_C(*b), a->len) == 0;
}

static int fs_eq(const FSPEC *a, const FSPEC *b)
{
    return str_eq(&a->node, &b->node) && str_eq(&a->dev, &b->dev)
	&& str_eq(&a->dir, &b->dir) && str_eq(&a->name, &b->name)
	&& str_eq(&a->type, &b->type) && str_eq(&a->ver, &b->ver)
	&& a->has_node == b->has_node && a->has_dev == b->has_dev
	&& a->has_dir == b->has_dir;
}

static int fs_empty(const FSPEC *a)
{
    return a->node.len + a->dev.len + a->dir.len + a->name.len + a->type.len
	+ a->ver.len == 0 && !a->has_node && !a->has_dev && !a->has_dir;
}

static void check_parse(const char *spec)
{
    FSPEC   a, b;
    STR     out = STR_INIT, out2 = STR_INIT, err = STR_INIT;

    if (fspec_parse(spec, &a, &err) < 0) {
	FZ_CHECK(fs_empty(&a), "failed parse of \"%s\" left fields", spec);
	FZ_CHECK(err.len > 0 && strstr(STR_C(err), " in file spec \"") != NULL,
		 "failed parse of \"%s\" gave \"%s\"", spec, STR_C(err));
	str_free(&err);
	return;
    }
    fspec_format(&a, &out);
    FZ_CHECK(fspec_parse(STR_C(out), &b, &err) == 0,
	     "\"%s\" formats as \"%s\", which does not parse: %s", spec, STR_C(out),
	     STR_C(err));
    FZ_CHECK(fs_eq(&a, &b), "\"%s\" formats as \"%s\", which parses differently",
	     spec, STR_C(out));
    fspec_format(&b, &out2);
    FZ_CHECK(str_eq(&out, &out2), "format not a fixed point: \"%s\" then \"%s\"",
	     STR_C(out), STR_C(out2));
    fspec_free(&a);
    fspec_free(&b);
    str_free(&out);
    str_free(&out2);
    str_free(&err);
}

static void check_convert(size_t k, const char *spec, int flags)
{
    STR     out = STR_INIT, inplace = STR_INIT, err = STR_INIT;
    int     rc, rc2;

    rc = conversions[k].fn(spec, flags, &out, &err);
    FZ_CHECK(rc == 0 || rc == -1, "%s returned %d", conversions[k].name, rc);
    if (rc < 0) {
	FZ_CHECK(err.len > 0, "%s(\"%s\") failed without a message",
		 conversions[k].name, spec);
    } else {
	FZ_CHECK(out.len <= FSPEC_MAXLEN, "%s(\"%s\") gave %lu bytes",
		 conversions[k].name, spec, (unsigned long) out.len);
	FZ_CHECK(strlen(STR_C(out)) == out.len, "%s(\"%s\") put a NUL in its result",
		 conversions[k].name, spec);
    }
    /* spec may point into out */
    str_cpy(&inplace, spec);
    rc2 = conversions[k].fn(STR_C(inplace), flags, &inplace, &err);
    FZ_CHECK(rc2 == rc, "%s(\"%s\") in place returned %d, not %d",
	     conversions[k].name, spec, rc2, rc);
    if (rc == 0)
	FZ_CHECK(str_eq(&out, &inplace), "%s(\"%s\") in place gave \"%s\", not \"%s\"",
		 conversions[k].name, spec, STR_C(inplace), STR_C(out));
    str_free(&out);
    str_free(&inplace);
    str_free(&err);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *spec = fz_cstr(data, size);
    size_t  k;

    check_parse(spec);
    (void) fspec_is_vms(spec);
    for (k = 0; k < NCONV; k++) {
	check_convert(k, spec, 0);
	check_convert(k, spec, FSPEC_EFS);
    }
    free(spec);
    return 0;
}
