/*
 * NAME
 *	vms_sim - an in-tree stand-in for the OpenVMS logical-name services
 * DESCRIPTION
 *	See vms_sim.h.  Built on Unix only, to run lnm_vms.c and the same
 *	semantic tests as the tailor back-end.  Four tables (process, job,
 *	group, system), each a small array of names; LNM$FILE_DEV searches
 *	them in that order.
 */
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "vms_sim.h"
#include "mem.h"

#define SIM_TABLES   4
#define SIM_MAXNAME  255
#define SIM_MAXEQV   128

typedef struct SIM_NAME {
    char    name[SIM_MAXNAME + 1];
    unsigned char mode;
    int     count;
    char   *eq[SIM_MAXEQV];
    unsigned int attr[SIM_MAXEQV];
    struct SIM_NAME *next;
} SIM_NAME;

static SIM_NAME *sim_tables[SIM_TABLES];

static const char *const sim_table_names[SIM_TABLES] = {
    "LNM$PROCESS_TABLE", "LNM$JOB_8A2C4E00", "LNM$GROUP_000100", "LNM$SYSTEM_TABLE",
};

static void sim_free(SIM_NAME *n)
{
    int     i;

    for (i = 0; i < n->count; i++)
	free(n->eq[i]);
    free(n);
}

void    vms_sim_reset(void)
{
    int     t;
    SIM_NAME *n;

    for (t = 0; t < SIM_TABLES; t++) {
	while ((n = sim_tables[t]) != NULL) {
	    sim_tables[t] = n->next;
	    sim_free(n);
	}
    }
}

static int sim_desc_eq(const VMS_DESC *d, const char *s, int blind)
{
    size_t  i, n = strlen(s);

    if (d->dsc_w_length != n)
	return 0;
    for (i = 0; i < n; i++) {
	char    a = d->dsc_a_pointer[i], b = s[i];

	if (blind ? toupper((unsigned char) a) != toupper((unsigned char) b) : a != b)
	    return 0;
    }
    return 1;
}

/* Table list for a table name: one table, or LNM$FILE_DEV's four. */
static int sim_tables_for(const VMS_DESC *tabnam, int *first, int *last)
{
    static const struct {
	const char *name;
	int     table;
    }       map[] = {
	{"LNM$PROCESS_TABLE", 0}, {"LNM$PROCESS", 0}, {"LNM$JOB", 1},
	{"LNM$GROUP", 2}, {"LNM$SYSTEM_TABLE", 3}, {"LNM$SYSTEM", 3},
    };
    size_t  i;
    int     t;

    if (sim_desc_eq(tabnam, "LNM$FILE_DEV", 1)) {
	*first = 0;
	*last = SIM_TABLES - 1;
	return 1;
    }
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
	if (sim_desc_eq(tabnam, map[i].name, 1)) {
	    *first = *last = map[i].table;
	    return 1;
	}
    }
    /* The tables' own names, as LNM$_TABLE returns them. */
    for (t = 0; t < SIM_TABLES; t++) {
	if (sim_desc_eq(tabnam, sim_table_names[t], 1)) {
	    *first = *last = t;
	    return 1;
	}
    }
    return 0;
}

static SIM_NAME *sim_find(int table, const VMS_DESC *lognam, int blind, int acmode,
			          SIM_NAME ***where)
{
    SIM_NAME **pp;
    char    name[SIM_MAXNAME + 1];

    memcpy(name, lognam->dsc_a_pointer, lognam->dsc_w_length);
    name[lognam->dsc_w_length] = 0;
    for (pp = &sim_tables[table]; *pp; pp = &(*pp)->next) {
	if (acmode >= 0 && (*pp)->mode > acmode)
	    continue;
	if (sim_desc_eq(lognam, (*pp)->name, blind)) {
	    if (where)
		*where = pp;
	    return *pp;
	}
    }
    return NULL;
}

static void sim_put_long(const VMS_ILE3 *it, unsigned int v)
{
    if (it->ile3_w_length >= 4)
	memcpy(it->ile3_ps_bufaddr, &v, 4);
    if (it->ile3_ps_retlen_addr)
	*it->ile3_ps_retlen_addr = 4;
}

static unsigned int sim_put_string(const VMS_ILE3 *it, const char *s)
{
    size_t  n = strlen(s);
    unsigned int status = VMS_SS_NORMAL;

    if (n > it->ile3_w_length) {
	n = it->ile3_w_length;
	status = VMS_SS_BUFFEROVF;
    }
    memcpy(it->ile3_ps_bufaddr, s, n);
    if (it->ile3_ps_retlen_addr)
	*it->ile3_ps_retlen_addr = (unsigned short) n;
    return status;
}

unsigned int vms_sim_trnlnm(const unsigned int *attr, const VMS_DESC *tabnam,
			            const VMS_DESC *lognam, const unsigned char *acmode,
			            const VMS_ILE3 *itmlst)
{
    int     first, last, t, blind = attr && (*attr & VMS_LNM_M_CASE_BLIND);
    int     mode = acmode ? *acmode : -1;
    unsigned int index = 0, status = VMS_SS_NORMAL, a;
    SIM_NAME *n = NULL;
    const VMS_ILE3 *it;

    if (lognam == NULL || lognam->dsc_w_length == 0 || lognam->dsc_w_length > SIM_MAXNAME)
	return VMS_SS_IVLOGNAM;
    if (tabnam == NULL || !sim_tables_for(tabnam, &first, &last))
	return VMS_SS_NOLOGTAB;
    for (t = first; t <= last && n == NULL; t++)
	n = sim_find(t, lognam, blind, mode, NULL);
    if (n == NULL)
	return VMS_SS_NOLOGNAM;
    t--;
    /* LNM$_INDEX governs the items that describe one equivalence. */
    for (it = itmlst; it && it->ile3_w_code != 0; it++)
	if (it->ile3_w_code == VMS_LNM_INDEX) {
	    if (it->ile3_w_length < 4)
		return VMS_SS_BADPARAM;
	    memcpy(&index, it->ile3_ps_bufaddr, 4);
	}
    for (it = itmlst; it && it->ile3_w_code != 0; it++) {
	int     exists = index < (unsigned int) n->count;

	switch (it->ile3_w_code) {
	case VMS_LNM_INDEX:
	    break;
	case VMS_LNM_STRING:
	    if (sim_put_string(it, exists ? n->eq[index] : "") == VMS_SS_BUFFEROVF)
		status = VMS_SS_BUFFEROVF;
	    break;
	case VMS_LNM_LENGTH:
	    sim_put_long(it, exists ? (unsigned int) strlen(n->eq[index]) : 0);
	    break;
	case VMS_LNM_ATTRIBUTES:
	    a = exists ? (n->attr[index] | VMS_LNM_M_EXISTS) : 0;
	    sim_put_long(it, a);
	    break;
	case VMS_LNM_TABLE:
	    sim_put_string(it, sim_table_names[t]);
	    break;
	case VMS_LNM_ACMODE:
	    if (it->ile3_w_length >= 1)
		*(unsigned char *) it->ile3_ps_bufaddr = n->mode;
	    if (it->ile3_ps_retlen_addr)
		*it->ile3_ps_retlen_addr = 1;
	    break;
	case VMS_LNM_MAX_INDEX:
	    sim_put_long(it, (unsigned int) (n->count - 1));
	    break;
	default:
	    return VMS_SS_BADPARAM;
	}
    }
    return status;
}

unsigned int vms_sim_crelnm(const unsigned int *attr, const VMS_DESC *tabnam,
			            const VMS_DESC *lognam, const unsigned char *acmode,
			            const VMS_ILE3 *itmlst)
{
    int     first, last, mode = acmode ? *acmode : VMS_PSL_C_USER;
    unsigned int next_attr = 0, status = VMS_SS_NORMAL;
    SIM_NAME *n, *old, **where = NULL;
    const VMS_ILE3 *it;

    (void) attr;
    if (lognam == NULL || lognam->dsc_w_length == 0 || lognam->dsc_w_length > SIM_MAXNAME)
	return VMS_SS_IVLOGNAM;
    if (tabnam == NULL || !sim_tables_for(tabnam, &first, &last) || first != last)
	return VMS_SS_NOLOGTAB;
    n = mem_calloc(1, sizeof(*n));
    memcpy(n->name, lognam->dsc_a_pointer, lognam->dsc_w_length);
    n->mode = (unsigned char) mode;
    for (it = itmlst; it && it->ile3_w_code != 0; it++) {
	switch (it->ile3_w_code) {
	case VMS_LNM_ATTRIBUTES:
	    memcpy(&next_attr, it->ile3_ps_bufaddr, 4);
	    break;
	case VMS_LNM_STRING:
	    if (n->count >= SIM_MAXEQV) {
		sim_free(n);
		return VMS_SS_TOOMANYLNAM;
	    }
	    if (it->ile3_w_length == 0 || it->ile3_w_length > SIM_MAXNAME) {
		sim_free(n);
		return VMS_SS_IVLOGNAM;
	    }
	    n->eq[n->count] = mem_strndup(it->ile3_ps_bufaddr, it->ile3_w_length);
	    n->attr[n->count] = next_attr & (VMS_LNM_M_CONCEALED | VMS_LNM_M_TERMINAL);
	    n->count++;
	    next_attr = 0;
	    break;
	default:
	    sim_free(n);
	    return VMS_SS_BADPARAM;
	}
    }
    if (n->count == 0) {
	sim_free(n);
	return VMS_SS_BADPARAM;
    }
    if ((old = sim_find(first, lognam, 0, -1, &where)) != NULL && old->mode == n->mode) {
	*where = old->next;
	sim_free(old);
	status = VMS_SS_SUPERSEDE;
    }
    n->next = sim_tables[first];
    sim_tables[first] = n;
    return status;
}

unsigned int vms_sim_dellnm(const VMS_DESC *tabnam, const VMS_DESC *lognam,
			            const unsigned char *acmode)
{
    int     first, last;
    SIM_NAME *n, **where = NULL;

    if (lognam == NULL || lognam->dsc_w_length == 0 || lognam->dsc_w_length > SIM_MAXNAME)
	return VMS_SS_IVLOGNAM;
    if (tabnam == NULL || !sim_tables_for(tabnam, &first, &last) || first != last)
	return VMS_SS_NOLOGTAB;
    if ((n = sim_find(first, lognam, 0, acmode ? *acmode : -1, &where)) == NULL)
	return VMS_SS_NOLOGNAM;
    *where = n->next;
    sim_free(n);
    return VMS_SS_NORMAL;
}
