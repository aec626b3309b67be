/*
 * NAME
 *	config - the whole MTA configuration, from text or from the compiled image
 * SYNOPSIS
 *	#include "config.h"
 *
 *	int config_load(CONFIG *cfg, int flags, STR *err);
 *	int config_compile(const CONFIG *cfg, STR *path, STR *err);
 *	void config_free(CONFIG *cfg);
 * DESCRIPTION
 *	A CONFIG holds what every MTA program needs: PMDF.CNF with its
 *	options (pmdfcnf.h), the mappings (mapping.h) and the alias file
 *	(alias.h, whose database is always read live).
 *
 *	config_load() uses the compiled image named by PMDF_CONFIG_DATA when
 *	it exists and is current, and otherwise reads the text files:
 *	PMDF_CONFIG_FILE (default PMDF_TABLE:pmdf.cnf), PMDF_OPTION_FILE
 *	(PMDF_TABLE:option.dat) and the per-channel PMDF_TABLE:<channel>_option
 *	files, PMDF_MAPPING_FILE (PMDF_TABLE:mappings) and PMDF_ALIAS_FILE
 *	(PMDF_TABLE:aliases); a missing option, mapping or alias file is no
 *	error.  With CONFIG_TEXT the image is not consulted.  An image that is
 *	stale (a source file was changed, added or removed since it was
 *	built), damaged (bad checksum, truncated, bad records) or from another
 *	version is ignored with a warning naming the reason, and the text is
 *	read instead.  cfg->from_image tells which was used.
 *
 *	config_compile() writes the image for cfg (which must come from the
 *	text) to PMDF_CONFIG_DATA: a header ("PMDFIMG" and a newline, the
 *	format version, the payload's length and zlib crc32), then the
 *	payload compressed with zlib.  The payload lists every source file
 *	with whether it existed, its size and modification time, then the
 *	configuration as pack.h records.  It is written to a temporary file,
 *	synced and renamed over the old image, so a program never reads a
 *	half-written one.  path receives the file written.
 * DIAGNOSTICS
 *	Errors name the file and line (text) or the image and the reason.
 *	Staleness is judged by size and modification time (seconds): an edit
 *	that keeps a file's size within the second of the previous one can go
 *	unnoticed; run pmdf cnbuild after editing, as with PMDF.
 */
#ifndef PMDF_CONFIG_H
#define PMDF_CONFIG_H
#include "pmdfcnf.h"
#include "mapping.h"
#include "alias.h"
#include "str.h"

#define CONFIG_TEXT	1		/* do not use the compiled image */
#define CONFIG_IMAGE_VERSION 1

typedef struct CONFIG {
    PMDF_CNF cnf;
    MAPPINGS *maps;			/* NULL when there is no mapping file */
    ALIASES *aliases;
    int     from_image;
    STRLIST sources;			/* files consulted (existing or not) */
} CONFIG;

int config_load(CONFIG *cfg, int flags, STR *err);
int config_compile(const CONFIG *cfg, STR *path, STR *err);
void config_free(CONFIG *cfg);
int config_image_path(STR *path, STR *err);

#endif
