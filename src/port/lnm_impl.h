/*
 * NAME
 *	lnm_impl - the contract between lnm.c and a logical-name back-end
 * DESCRIPTION
 *	lnm.c holds the semantics common to every platform (validation,
 *	iterative translation, rooted names, search lists, caching, file-spec
 *	resolution).  A back-end stores and finds names:
 *	lnm_unix.c (tailor file + environment) or lnm_vms.c (system services).
 *
 *	lnm_be_init()	 once, before anything else; -1 with err on failure.
 *	lnm_be_lookup()	 name is upper case and valid; table LNM_TABLE_ANY
 *			 searches process, job, group, system.  1 found (ent
 *			 filled, values allocated), 0 not found, -1 error.
 *	lnm_be_define()	 enters ent (already validated), superseding a name
 *			 of the same table.
 *	lnm_be_deassign() 1 removed, 0 not there, -1 error.
 *	lnm_be_names()	 adds the names of one table to names (any order).
 *	lnm_be_native_vms  1 when file specs stay VMS specs (OpenVMS itself),
 *			 0 when they become Unix paths (Unix, and the VMS
 *			 back-end built against the stand-in on Unix).
 */
#ifndef PMDF_LNM_IMPL_H
#define PMDF_LNM_IMPL_H
#include "lnm.h"

int lnm_be_init(STR *err);
void lnm_be_shutdown(void);
int lnm_be_lookup(const char *name, int table, LNM_ENTRY *ent, STR *err);
int lnm_be_define(const LNM_ENTRY *ent, STR *err);
int lnm_be_deassign(int table, const char *name, STR *err);
int lnm_be_names(int table, STRLIST *names, STR *err);
extern const int lnm_be_native_vms;

#endif
