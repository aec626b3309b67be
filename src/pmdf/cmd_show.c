/*
 * NAME
 *	cmd_show - pmdf show logical
 * SYNOPSIS
 *	pmdf show logical [name-or-pattern] [-full] [-table=name]
 *	PMDF SHOW LOGICAL [name-or-pattern] [/FULL] [/TABLE=name]
 * DESCRIPTION
 *	Output follows OpenVMS SHOW LOGICAL.  For one name (no wildcard):
 *
 *	   "SYS$SYSROOT" = "DKA0:[SYS0.]" (LNM$SYSTEM_TABLE)
 *	        = "SYS$COMMON:"
 *	1  "SYS$COMMON" = "DKA0:[SYS0.SYSCOMMON.]" (LNM$SYSTEM_TABLE)
 *
 *	that is, the name, its search-list elements, then each element that
 *	is itself a logical name, translated iteratively with its level.  For a
 *	pattern (* any run, % one character; none given means *), every
 *	matching name, table by table under a "(table)" heading.  -full adds
 *	the access mode after the name and any translation attributes after
 *	each equivalence: "X" [exec] = "..." [concealed,terminal].
 * DIAGNOSTICS
 *	A name with no translation prints "%SHOW-S-NOTRAN, no translation for
 *	logical name X" and exits 1, so scripts can test for a name; a loop
 *	or an over-deep chain is reported after what could be shown.
 */
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include "pmdf.h"
#include "lnm.h"
#include "msg.h"
#include "str.h"
#include "wildmat.h"

typedef struct SHOW_CTX {
    int     full;
    int     last_table;		/* heading printed for this table */
    int     count;
} SHOW_CTX;

static void show_quoted(const char *s)
{
    putchar('"');
    fputs(s, stdout);
    putchar('"');
}

static void show_attrs(unsigned attr)
{
    if (attr == 0)
	return;
    printf(" [%s%s%s]", (attr & LNM_ATTR_CONCEALED) ? "concealed" : "",
	   (attr & LNM_ATTR_CONCEALED) && (attr & LNM_ATTR_TERMINAL) ? "," : "",
	   (attr & LNM_ATTR_TERMINAL) ? "terminal" : "");
}

/* One entry: first line with the name, then one line per further element. */
static void show_entry(const char *indent, const LNM_ENTRY *ent, int full, int with_table)
{
    int     i;

    fputs(indent, stdout);
    show_quoted(ent->name);
    if (full)
	printf(" [%s]", lnm_mode_name(ent->mode));
    fputs(" = ", stdout);
    show_quoted(ent->eq[0].value);
    if (full)
	show_attrs(ent->eq[0].attr);
    if (with_table)
	printf(" (%s)", lnm_table_name(ent->table));
    putchar('\n');
    for (i = 1; i < ent->count; i++) {
	fputs("        = ", stdout);
	show_quoted(ent->eq[i].value);
	if (full)
	    show_attrs(ent->eq[i].attr);
	putchar('\n');
    }
}

static void show_level(int level, const LNM_ENTRY *ent, void *ctx)
{
    SHOW_CTX *sc = ctx;
    char    indent[8];

    if (level == 0)
	strcpy(indent, "   ");
    else
	snprintf(indent, sizeof(indent), "%-3d", level);
    show_entry(indent, ent, sc->full, 1);
    sc->count++;
}

static void show_listed(const LNM_ENTRY *ent, void *ctx)
{
    SHOW_CTX *sc = ctx;

    if (ent->table != sc->last_table) {
	printf("\n(%s)\n\n", lnm_table_name(ent->table));
	sc->last_table = ent->table;
    }
    show_entry("  ", ent, sc->full, 0);
    sc->count++;
}

int     cmd_show_logical(const CLI_CMD *cmd)
{
    const char *pattern = cli_param(cmd, 0);
    const char *table_arg = cli_value(cmd, "table");
    SHOW_CTX sc;
    STR     err = STR_INIT;
    int     table = LNM_TABLE_ANY, rc = 0;

    memset(&sc, 0, sizeof(sc));
    sc.full = cli_present(cmd, "full") > 0;
    sc.last_table = -2;
    if (table_arg && (table = lnm_table_by_name(table_arg)) == -2) {
	msg_error("unknown logical name table \"%s\" (LNM$PROCESS_TABLE, LNM$JOB,"
		  " LNM$GROUP, LNM$SYSTEM_TABLE or LNM$FILE_DEV)", table_arg);
	return 1;
    }
    if (lnm_init(&err) < 0) {
	msg_error("%s", STR_C(err));
	str_free(&err);
	return 1;
    }
    if (pattern == NULL)
	pattern = "*";
    if (wild_has(pattern)) {
	if (lnm_list(pattern, table, show_listed, &sc, &err) < 0) {
	    msg_error("%s", STR_C(err));
	    rc = 1;
	} else if (sc.count == 0) {
	    printf("%%SHOW-S-NOTRAN, no translation for logical name %s\n", pattern);
	    rc = 1;
	}
    } else {
	int     found = lnm_trace(pattern, table, show_level, &sc, &err);

	if (found < 0) {
	    fflush(stdout);
	    msg_error("%s", STR_C(err));
	    rc = 1;
	} else if (found == 0) {
	    STR     up = STR_INIT;

	    str_cpy(&up, pattern);
	    str_upper(&up);
	    printf("%%SHOW-S-NOTRAN, no translation for logical name %s\n", STR_C(up));
	    str_free(&up);
	    rc = 1;
	}
    }
    str_free(&err);
    return rc;
}
