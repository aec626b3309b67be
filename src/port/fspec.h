/*
 * NAME
 *	fspec - OpenVMS file specifications: parsing and conversion to and from Unix
 * SYNOPSIS
 *	#include "fspec.h"
 *
 *	int fspec_parse(const char *spec, FSPEC *fs, STR *err);
 *	void fspec_free(FSPEC *fs);
 *	void fspec_format(const FSPEC *fs, STR *out);
 *
 *	int fspec_unixify(const char *spec, int flags, STR *out, STR *err);
 *	int fspec_vmsify(const char *path, int flags, STR *out, STR *err);
 *	int fspec_fileify(const char *spec, int flags, STR *out, STR *err);
 *	int fspec_pathify(const char *spec, int flags, STR *out, STR *err);
 *	int fspec_unixpath(const char *spec, int flags, STR *out, STR *err);
 *	int fspec_vmspath(const char *spec, int flags, STR *out, STR *err);
 *	int fspec_canonpath(const char *spec, int flags, STR *out, STR *err);
 *	int fspec_is_vms(const char *spec);
 * DESCRIPTION
 *	Pure syntax: nothing here translates logical names or touches the file
 *	system (lnm.h does that on top of this module).
 *
 *	fspec_parse() splits node::device:[dir.sub]name.type;version (angle
 *	brackets accepted for square ones and stored as square ones) into its
 *	fields.  ODS-5 ^ escapes are kept as written in the fields and are
 *	never separators.  The version may also be written name.type.N; a
 *	rooted directory [root.][dir] counts as one directory.  fspec_parse()
 *	initialises fs itself; call fspec_free() after a successful parse (a
 *	failed one leaves fs empty).  fspec_format() reassembles the fields.
 *
 *	The conversions follow Perl's VMS::Filespec (unixify, vmsify, fileify,
 *	pathify, unixpath, vmspath) and File::Spec::VMS canonpath.  With
 *	FSPEC_EFS in flags the ODS-5 (DECC$EFS_CHARSET) rules apply, otherwise
 *	ODS-2 rules.  Each returns 0 and sets out, or -1 and sets err to a
 *	message naming the spec and the problem (out is then unspecified).
 *
 *	fspec_is_vms() says whether a string reads as a VMS spec (it has a
 *	device colon, a directory bracket or a version) rather than a Unix path.
 *
 *	The conversions do no logical name translation and touch no file:
 *	a device is kept as a name (dev:[a]f is /dev/a/f), "/" alone is
 *	sys$disk:[000000], a directory without a device is on sys$disk
 *	([a]f is /sys$disk/a/f).  Directories that need the file system to
 *	resolve ([] or [-] given to fileify) are errors.  spec may point into
 *	out (the result is built apart), but not into err.
 * DIAGNOSTICS
 *	-1 with err set to "<problem> in file spec "<spec>"": unbalanced or
 *	mismatched brackets, more than one directory, an empty node, device
 *	or directory name, a character after the version, a dangling "^", a
 *	spec (or result) longer than FSPEC_MAXLEN bytes; for fileify and
 *	pathify a type or version that is not a directory file's.
 */
#ifndef PMDF_FSPEC_H
#define PMDF_FSPEC_H
#include "str.h"

#define FSPEC_EFS 1		/* ODS-5 extended file specifications */
#define FSPEC_MAXLEN 4095	/* longest spec accepted (VMS_MAXRSS - 1) */

typedef struct FSPEC {
    STR     node;		/* "node" of node::, empty if none */
    STR     dev;		/* device or logical name, no colon */
    STR     dir;		/* "[a.b]" with brackets, empty if none */
    STR     name;		/* file name */
    STR     type;		/* ".typ" with its dot, empty if none */
    STR     ver;		/* ";1" with its separator, empty if none */
    int     has_node;
    int     has_dev;
    int     has_dir;
} FSPEC;

int fspec_parse(const char *spec, FSPEC *fs, STR *err);
void fspec_free(FSPEC *fs);
void fspec_format(const FSPEC *fs, STR *out);

int fspec_unixify(const char *spec, int flags, STR *out, STR *err);
int fspec_vmsify(const char *path, int flags, STR *out, STR *err);
int fspec_fileify(const char *spec, int flags, STR *out, STR *err);
int fspec_pathify(const char *spec, int flags, STR *out, STR *err);
int fspec_unixpath(const char *spec, int flags, STR *out, STR *err);
int fspec_vmspath(const char *spec, int flags, STR *out, STR *err);
int fspec_canonpath(const char *spec, int flags, STR *out, STR *err);
int fspec_is_vms(const char *spec);

#endif
