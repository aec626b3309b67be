/*
 * NAME
 *	vms_sim - an in-tree stand-in for the OpenVMS logical-name services
 * SYNOPSIS
 *	#include "vms_sim.h"	(only when LNM_VMS_SIMULATED is defined)
 * DESCRIPTION
 *	lnm_vms.c is written against SYS$TRNLNM, SYS$CRELNM and SYS$DELLNM.
 *	OpenVMS cannot run here, so on Unix that same file is compiled against
 *	this stand-in, which implements the documented behaviour of the three
 *	services that lnm_vms.c relies on: string descriptors, item lists of
 *	ILE3 entries ended by a zero longword, LNM$_INDEX taken before the
 *	items that depend on it, LNM$_STRING / LNM$_LENGTH / LNM$_ATTRIBUTES
 *	(with LNM$M_EXISTS, LNM$M_CONCEALED, LNM$M_TERMINAL) / LNM$_TABLE /
 *	LNM$_ACMODE / LNM$_MAX_INDEX, the table search list LNM$FILE_DEV
 *	(process, job, group, system), LNM$M_CASE_BLIND, access-mode
 *	filtering, an ATTRIBUTES item applying to the STRING item after it,
 *	at most 128 equivalences, SS$_SUPERSEDE, SS$_NOLOGNAM, SS$_IVLOGNAM,
 *	SS$_NOLOGTAB and SS$_BUFFEROVF.  The names below carry VMS_ instead
 *	of the "$" spellings, which standard C does not allow.
 *	The semantic tests (tests/unit/t_lnm.c) run against both back-ends.
 */
#ifndef PMDF_VMS_SIM_H
#define PMDF_VMS_SIM_H

typedef struct VMS_DESC {
    unsigned short dsc_w_length;
    unsigned char dsc_b_dtype;
    unsigned char dsc_b_class;
    char   *dsc_a_pointer;
} VMS_DESC;

typedef struct VMS_ILE3 {
    unsigned short ile3_w_length;
    unsigned short ile3_w_code;
    void   *ile3_ps_bufaddr;
    unsigned short *ile3_ps_retlen_addr;
} VMS_ILE3;

#define VMS_DESC_INIT(d, s, n) ((d).dsc_w_length = (unsigned short) (n), \
	(d).dsc_b_dtype = 14, (d).dsc_b_class = 1, (d).dsc_a_pointer = (char *) (s))
#define VMS_ILE3_SET(e, len, code, buf, ret) ((e).ile3_w_length = (unsigned short) (len), \
	(e).ile3_w_code = (unsigned short) (code), (e).ile3_ps_bufaddr = (buf), \
	(e).ile3_ps_retlen_addr = (ret))

/* Item codes (lnmdef.h). */
#define VMS_LNM_INDEX	   1
#define VMS_LNM_STRING	   2
#define VMS_LNM_ATTRIBUTES 3
#define VMS_LNM_TABLE	   4
#define VMS_LNM_LENGTH	   5
#define VMS_LNM_ACMODE	   6
#define VMS_LNM_MAX_INDEX  7

/* Attribute masks (lnmdef.h). */
#define VMS_LNM_M_CASE_BLIND 0x02000000u
#define VMS_LNM_M_CONCEALED  0x00000100u
#define VMS_LNM_M_TERMINAL   0x00000200u
#define VMS_LNM_M_EXISTS     0x00000400u

/* Access modes (psldef.h). */
#define VMS_PSL_C_KERNEL 0
#define VMS_PSL_C_EXEC	 1
#define VMS_PSL_C_SUPER	 2
#define VMS_PSL_C_USER	 3

/* Condition values (ssdef.h); odd is success. */
#define VMS_SS_NORMAL	  1u
#define VMS_SS_BUFFEROVF  1537u
#define VMS_SS_SUPERSEDE  1585u
#define VMS_SS_IVLOGNAM	  340u
#define VMS_SS_NOLOGNAM	  444u
#define VMS_SS_NOLOGTAB	  8348u
#define VMS_SS_TOOMANYLNAM 8252u
#define VMS_SS_BADPARAM	  20u

unsigned int vms_sim_trnlnm(const unsigned int *attr, const VMS_DESC *tabnam,
			    const VMS_DESC *lognam, const unsigned char *acmode,
			    const VMS_ILE3 *itmlst);
unsigned int vms_sim_crelnm(const unsigned int *attr, const VMS_DESC *tabnam,
			    const VMS_DESC *lognam, const unsigned char *acmode,
			    const VMS_ILE3 *itmlst);
unsigned int vms_sim_dellnm(const VMS_DESC *tabnam, const VMS_DESC *lognam,
			    const unsigned char *acmode);
void vms_sim_reset(void);

#endif
