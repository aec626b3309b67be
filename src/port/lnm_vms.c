/*
 * NAME
 *	lnm_vms - logical names on OpenVMS: SYS$TRNLNM, SYS$CRELNM, SYS$DELLNM
 * SYNOPSIS
 *	Back-end of lnm.c (see lnm_impl.h).
 * DESCRIPTION
 *	The names are the system's own: nothing is read at start-up (the
 *	logical names come from com/pmdf_startup.com and the site's DEFINEs).
 *	A lookup asks SYS$TRNLNM for LNM$_MAX_INDEX, LNM$_TABLE and
 *	LNM$_ACMODE at index 0, then for LNM$_STRING and LNM$_ATTRIBUTES at
 *	each index of the table where the name was found, so a search list is
 *	never mixed across tables.  lnm_define() calls SYS$CRELNM with one
 *	LNM$_ATTRIBUTES + LNM$_STRING pair per equivalence; lnm_deassign()
 *	SYS$DELLNM.
 *
 *	OpenVMS offers no system service to list logical names by wildcard,
 *	so lnm_list() (pmdf show logical PATTERN) considers the toolkit's own
 *	names (the list below) and every name this process defined; DCL's
 *	SHOW LOGICAL remains the tool for the rest.
 *
 *	When LNM_VMS_SIMULATED is defined (Unix builds only), the services are
 *	those of the in-tree stand-in vms_sim.c, and file specs become Unix
 *	paths; the code paths are otherwise identical.
 * DIAGNOSTICS
 *	A failed system service is reported with its name, the logical name
 *	and the condition value in hexadecimal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lnm_impl.h"
#include "mem.h"

#ifdef LNM_VMS_SIMULATED
#include "vms_sim.h"
#define VMS_TRNLNM vms_sim_trnlnm
#define VMS_CRELNM vms_sim_crelnm
#define VMS_DELLNM vms_sim_dellnm
const int lnm_be_native_vms = 0;
#else
#include <descrip.h>
#include <lnmdef.h>
#include <psldef.h>
#include <ssdef.h>
#include <starlet.h>
typedef struct dsc$descriptor_s VMS_DESC;
typedef struct {
    unsigned short ile3_w_length;
    unsigned short ile3_w_code;
    void   *ile3_ps_bufaddr;
    unsigned short *ile3_ps_retlen_addr;
} VMS_ILE3;
#define VMS_DESC_INIT(d, s, n) ((d).dsc$w_length = (unsigned short) (n), \
	(d).dsc$b_dtype = DSC$K_DTYPE_T, (d).dsc$b_class = DSC$K_CLASS_S, \
	(d).dsc$a_pointer = (char *) (s))
#define VMS_ILE3_SET(e, len, code, buf, ret) ((e).ile3_w_length = (unsigned short) (len), \
	(e).ile3_w_code = (unsigned short) (code), (e).ile3_ps_bufaddr = (buf), \
	(e).ile3_ps_retlen_addr = (ret))
#define VMS_TRNLNM sys$trnlnm
#define VMS_CRELNM sys$crelnm
#define VMS_DELLNM sys$dellnm
#define VMS_LNM_INDEX	   LNM$_INDEX
#define VMS_LNM_STRING	   LNM$_STRING
#define VMS_LNM_ATTRIBUTES LNM$_ATTRIBUTES
#define VMS_LNM_TABLE	   LNM$_TABLE
#define VMS_LNM_LENGTH	   LNM$_LENGTH
#define VMS_LNM_ACMODE	   LNM$_ACMODE
#define VMS_LNM_MAX_INDEX  LNM$_MAX_INDEX
#define VMS_LNM_M_CASE_BLIND LNM$M_CASE_BLIND
#define VMS_LNM_M_CONCEALED  LNM$M_CONCEALED
#define VMS_LNM_M_TERMINAL   LNM$M_TERMINAL
#define VMS_LNM_M_EXISTS     LNM$M_EXISTS
#define VMS_SS_NOLOGNAM	  SS$_NOLOGNAM
const int lnm_be_native_vms = 1;
#endif

/* Tables by the names SYS$TRNLNM and SYS$CRELNM accept. */
static const char *const vms_tables[LNM_NTABLES] = {
    "LNM$PROCESS_TABLE", "LNM$JOB", "LNM$GROUP", "LNM$SYSTEM_TABLE",
};

/* Names pmdf show logical considers (there is no wildcard service). */
static const char *const vms_known[] = {
    "PMDF_ROOT", "PMDF_TABLE", "PMDF_QUEUE", "PMDF_LOG", "PMDF_EXE", "PMDF_COM",
    "PMDF_LIB", "PMDF_CONFIG_FILE", "PMDF_OPTION_FILE", "PMDF_MAPPING_FILE",
    "PMDF_ALIAS_FILE", "PMDF_ALIAS_DATABASE", "PMDF_GENERAL_DATABASE",
    "PMDF_DISPATCHER_CONFIG", "PMDF_CONFIG_DATA", "PMDF_PASSWORD_DATABASE",
    "PMAS_ROOT", "PMAS_DATA", "PMAS_CONFIG",
};

static STRLIST vms_defined;		/* names this process defined */

static int vms_table_index(const char *table_name)
{
    if (strncmp(table_name, "LNM$PROCESS", 11) == 0)
	return LNM_TABLE_PROCESS;
    if (strncmp(table_name, "LNM$JOB", 7) == 0)
	return LNM_TABLE_JOB;
    if (strncmp(table_name, "LNM$GROUP", 9) == 0)
	return LNM_TABLE_GROUP;
    return LNM_TABLE_SYSTEM;		/* system, cluster, or another shared table */
}

int     lnm_be_init(STR *err)
{
    (void) err;
    return 0;
}

void    lnm_be_shutdown(void)
{
    strlist_free(&vms_defined);
}

int     lnm_be_lookup(const char *name, int table, LNM_ENTRY *ent, STR *err)
{
    VMS_DESC tabnam, lognam;
    VMS_ILE3 items[5];
    unsigned int attr = VMS_LNM_M_CASE_BLIND, index = 0, max_index = 0, eq_attr = 0;
    unsigned int status;
    unsigned short tlen = 0, slen = 0;
    unsigned char acmode = 0;
    char    tname[32], value[LNM_MAX_EQUIV + 1];
    const char *tab = table == LNM_TABLE_ANY ? "LNM$FILE_DEV" : vms_tables[table];

    VMS_DESC_INIT(tabnam, tab, strlen(tab));
    VMS_DESC_INIT(lognam, name, strlen(name));
    VMS_ILE3_SET(items[0], 4, VMS_LNM_INDEX, &index, NULL);
    VMS_ILE3_SET(items[1], 4, VMS_LNM_MAX_INDEX, &max_index, NULL);
    VMS_ILE3_SET(items[2], sizeof(tname) - 1, VMS_LNM_TABLE, tname, &tlen);
    VMS_ILE3_SET(items[3], 1, VMS_LNM_ACMODE, &acmode, NULL);
    VMS_ILE3_SET(items[4], 0, 0, NULL, NULL);
    status = VMS_TRNLNM(&attr, &tabnam, &lognam, NULL, items);
    if (status == VMS_SS_NOLOGNAM)
	return 0;
    if (!(status & 1)) {
	str_printf(err, "SYS$TRNLNM failed for %s in %s: status %%X%08X", name, tab, status);
	return -1;
    }
    tname[tlen] = 0;
    lnm_entry_init(ent);
    strcpy(ent->name, name);
    ent->table = vms_table_index(tname);
    ent->mode = acmode;
    if (max_index >= LNM_MAX_INDEX) {
	str_printf(err, "logical name %s has %u equivalence strings; at most %d are supported",
		   name, max_index + 1, LNM_MAX_INDEX);
	return -1;
    }
    /* Read the elements from the table where the name was found. */
    VMS_DESC_INIT(tabnam, tname, tlen);
    for (index = 0; index <= max_index; index++) {
	VMS_ILE3_SET(items[0], 4, VMS_LNM_INDEX, &index, NULL);
	VMS_ILE3_SET(items[1], LNM_MAX_EQUIV, VMS_LNM_STRING, value, &slen);
	VMS_ILE3_SET(items[2], 4, VMS_LNM_ATTRIBUTES, &eq_attr, NULL);
	VMS_ILE3_SET(items[3], 0, 0, NULL, NULL);
	status = VMS_TRNLNM(&attr, &tabnam, &lognam, &acmode, items);
	if (!(status & 1)) {
	    str_printf(err, "SYS$TRNLNM failed for %s index %u: status %%X%08X",
		       name, index, status);
	    lnm_entry_free(ent);
	    return -1;
	}
	if (!(eq_attr & VMS_LNM_M_EXISTS))
	    break;
	value[slen] = 0;
	ent->eq[ent->count].value = mem_strdup(value);
	ent->eq[ent->count].attr = ((eq_attr & VMS_LNM_M_CONCEALED) ? LNM_ATTR_CONCEALED : 0)
	    | ((eq_attr & VMS_LNM_M_TERMINAL) ? LNM_ATTR_TERMINAL : 0);
	ent->count++;
    }
    return 1;
}

int     lnm_be_define(const LNM_ENTRY *ent, STR *err)
{
    VMS_DESC tabnam, lognam;
    VMS_ILE3 *items = mem_calloc((size_t) ent->count * 2 + 1, sizeof(VMS_ILE3));
    unsigned int attrs[LNM_MAX_INDEX], status;
    unsigned char acmode = (unsigned char) ent->mode;
    int     i;

    VMS_DESC_INIT(tabnam, vms_tables[ent->table], strlen(vms_tables[ent->table]));
    VMS_DESC_INIT(lognam, ent->name, strlen(ent->name));
    for (i = 0; i < ent->count; i++) {
	attrs[i] = ((ent->eq[i].attr & LNM_ATTR_CONCEALED) ? VMS_LNM_M_CONCEALED : 0)
	    | ((ent->eq[i].attr & LNM_ATTR_TERMINAL) ? VMS_LNM_M_TERMINAL : 0);
	VMS_ILE3_SET(items[2 * i], 4, VMS_LNM_ATTRIBUTES, &attrs[i], NULL);
	VMS_ILE3_SET(items[2 * i + 1], strlen(ent->eq[i].value), VMS_LNM_STRING,
		     ent->eq[i].value, NULL);
    }
    VMS_ILE3_SET(items[2 * ent->count], 0, 0, NULL, NULL);
    status = VMS_CRELNM(NULL, &tabnam, &lognam, &acmode, items);
    free(items);
    if (!(status & 1)) {
	str_printf(err, "SYS$CRELNM failed for %s in %s: status %%X%08X", ent->name,
		   vms_tables[ent->table], status);
	return -1;
    }
    strlist_add(&vms_defined, ent->name);
    return 0;
}

int     lnm_be_deassign(int table, const char *name, STR *err)
{
    VMS_DESC tabnam, lognam;
    unsigned int status;

    VMS_DESC_INIT(tabnam, vms_tables[table], strlen(vms_tables[table]));
    VMS_DESC_INIT(lognam, name, strlen(name));
    status = VMS_DELLNM(&tabnam, &lognam, NULL);
    if (status == VMS_SS_NOLOGNAM) {
	str_printf(err, "no logical name %s in %s", name, vms_tables[table]);
	return 0;
    }
    if (!(status & 1)) {
	str_printf(err, "SYS$DELLNM failed for %s in %s: status %%X%08X", name,
		   vms_tables[table], status);
	return -1;
    }
    return 1;
}

static void vms_add_if_defined(int table, const char *name, STRLIST *names)
{
    LNM_ENTRY ent;
    STR     err = STR_INIT;
    size_t  i;

    for (i = 0; i < names->n; i++)
	if (strcmp(names->v[i], name) == 0)
	    return;
    if (lnm_be_lookup(name, table, &ent, &err) > 0) {
	strlist_add(names, name);
	lnm_entry_free(&ent);
    }
    str_free(&err);
}

int     lnm_be_names(int table, STRLIST *names, STR *err)
{
    size_t  i;

    (void) err;
    for (i = 0; i < sizeof(vms_known) / sizeof(vms_known[0]); i++)
	vms_add_if_defined(table, vms_known[i], names);
    for (i = 0; i < vms_defined.n; i++)
	vms_add_if_defined(table, vms_defined.v[i], names);
    return 0;
}
