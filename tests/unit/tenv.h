/*
 * NAME
 *	tenv - a private instance for a unit test
 * SYNOPSIS
 *	#include "tenv.h"
 *
 *	const char *tenv_setup(const char *test_name, const char *tailor_text);
 *
 *	const char *tenv_dir(void);
 *
 *	const char *tenv_path(const char *file);
 *
 *	void	tenv_put(const char *file, const void *data, size_t len);
 *
 *	void	tenv_put_text(const char *file, const char *text);
 *
 *	void	tenv_cleanup(void);
 * DESCRIPTION
 *	The set-up every unit test that needs files or its own logical names
 *	shares: one temporary directory per test process, optionally a tailor
 *	file there that alone defines the logical names, and the removal of
 *	it all at the end.
 *
 *	tenv_setup() makes the directory with mkdtemp(): its name is
 *	$TMPDIR/<test_name>.XXXXXX, or /tmp/<test_name>.XXXXXX when TMPDIR
 *	is unset or empty (trailing slashes of TMPDIR dropped).  When
 *	tailor_text is not NULL it then removes every environment variable
 *	whose name starts with PMDF_ or PMAS_ (PMDF_BUILD, PMDF_SRCDIR and
 *	whatever the caller's shell had), writes tailor_text to
 *	<dir>/pmdf_tailor with every "@DIR@" replaced by the directory (no
 *	trailing slash: write "PMDF_TABLE=@DIR@/"), and sets PMDF_TAILOR to
 *	that file.  "" makes an empty tailor file.  When tailor_text is NULL
 *	only the directory is made and the environment is left alone.  The
 *	result is the directory, the same string as tenv_dir().  A second
 *	call before tenv_cleanup() is an error.
 *
 *	tenv_dir() returns the directory (no trailing slash).
 *
 *	tenv_path() returns <dir>/<file>, or file itself when it is absolute
 *	(starts with "/").  The string stays valid until tenv_cleanup(); the
 *	same file gives the same string, so the memory is bounded by the
 *	number of different names asked for.
 *
 *	tenv_put() writes len bytes of data (which may hold NUL bytes) to
 *	the file tenv_path(file) names, replacing what was there;
 *	tenv_put_text() writes the C string text.
 *
 *	tenv_cleanup() removes the directory and everything below it
 *	(files, symbolic links - never followed - and subdirectories down
 *	to 16 levels) with opendir(), readdir(), lstat(), unlink() and
 *	rmdir().  When T_KEEP is set in the environment (to anything) it
 *	removes nothing and prints a TAP diagnostic naming the directory
 *	instead.  Either way it then forgets the directory and frees every
 *	string tenv_dir() and tenv_path() returned; tenv_setup() may be
 *	called again.  Without a directory it does nothing.  Call it in the
 *	process that called tenv_setup(), not in a forked child.
 * DIAGNOSTICS
 *	Every failure to set up - mkdtemp(), a file that cannot be written,
 *	setenv() or unsetenv(), any call before tenv_setup() - prints
 *	"Bail out! tenv: ..." (the TAP way of stopping a test) on standard
 *	output, naming the file and the system's reason, and exits with
 *	status 1.  What tenv_cleanup() cannot remove is named in TAP
 *	diagnostics; the test goes on.
 * SEE ALSO
 *	tap.h, the TAP emitter; str.h and strlist.h, the buffers used here.
 */
#ifndef PMDF_TENV_H
#define PMDF_TENV_H
#include <stddef.h>

const char *tenv_setup(const char *test_name, const char *tailor_text);
const char *tenv_dir(void);
const char *tenv_path(const char *file);
void tenv_put(const char *file, const void *data, size_t len);
void tenv_put_text(const char *file, const char *text);
void tenv_cleanup(void);

#endif
